"""Plain data passed between the core and plugins: articles in, findings out."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Relation = Literal["new", "rewrite", "related"]

# the analysis reads at most this many characters of an article's text (a long feature runs to about
# 60,000; a page dump of megabytes would take minutes to read, most of it for nothing): the text is
# stored whole, its findings come from the part read (plugins.text.analysed)
ANALYSED_CHARS = 100_000


@dataclass(frozen=True)
class Article:
    """One incoming article, as the pipeline hands it to plugins."""

    id: str
    text: str
    title: str = ""
    source: str = ""
    url: str | None = None
    published: str | None = None
    feed: str | None = None
    guid: str | None = None
    author: str | None = None

    @cached_property
    def content_hash(self) -> str:
        """Hash of the whitespace-normalised title and text: the same content hashes the same (worked
        out once per article: identity, revisions and the store all ask for it)."""
        norm = re.sub(r"\s+", " ", f"{self.title}\n{self.text}").strip().lower()
        return hashlib.sha256(norm.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Refreshed:
    """A stored article's kept reading made again (what was kept is missing or was made by other
    code), with the title and text it was made from: stored only while the article still has them."""

    article_id: str
    title: str
    text: str
    kept: bytes


@dataclass(frozen=True)
class StoryMatch:
    """A story plugin's verdict on an article."""

    relation: Relation
    of: str | None = None
    score: float = 0.0
    keys: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # other known articles this one ties to: their stories are this story
    fingerprint: str | bytes = ""  # what the plugin wants to read back later instead of re-analysing the text
    kept: bytes = b""  # what else it keeps to compare later articles with this one (StoreView.kept_reading)
    refreshed: tuple[Refreshed, ...] = ()  # stored articles' kept readings made again: stored with this one
    # stored articles of its story, published after it, that derive from it (it arrived late)
    rewritten_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Quote:
    """An attributed statement found in an article."""

    speaker: str
    text: str
    start: int
    end: int
    cue: str = ""
    direct: bool = True
    new: bool = True
    same_as: int | None = None
    speaker_keys: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # index terms under which equivalent statements are looked for
    mention: str = ""  # how the article refers to the speaker ("he", "the company", "their union")
    resolved: bool = True  # False where the mention names nobody: the speaker is then a description

    def as_json(self) -> dict[str, object]:
        """The replay contract's shape of a quote."""
        return {
            "speaker": self.speaker,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "cue": self.cue,
            "direct": self.direct,
            "new": self.new,
            "mention": self.mention,
            "resolved": self.resolved,
        }


@dataclass(frozen=True)
class KnownQuote:
    """A quote already in the store, as plugins see it."""

    id: int
    article_id: str
    speaker: str
    text: str


@dataclass(frozen=True)
class KnownArticle:
    """An article already in the store, as plugins see it."""

    id: str
    title: str
    text: str
    source: str
    story_id: str
    published: str | None = None
    fingerprint: str | bytes | None = None


@dataclass
class Result:
    """Everything the pipeline learnt about one article."""

    article: Article
    relation: Relation = "new"
    story: str = ""
    of: str | None = None
    score: float = 0.0
    quotes: list[Quote] = field(default_factory=list)
    added: tuple[str, ...] = ()
    duplicate: bool = False
    merged: tuple[str, ...] = ()  # stories folded into this article's story
    edited: str | None = None  # the stored article this is a publisher's new version of
    change: float = 0.0  # how much of the stored text that edit changed, 0..1
    # stored articles of its story, published after it, that turn out to be rewrites of it (it
    # arrived late): stored as such where they were not a rewrite of another article already
    rewritten_by: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The replay contract's shape of one output line."""
        return {
            "id": self.article.id,
            "relation": self.relation,
            "story": self.story,
            "of": self.of,
            "score": round(self.score, 4),
            "quotes": [q.as_json() for q in self.quotes],
        }
