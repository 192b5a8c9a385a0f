"""Item identity, decided in one place: is an incoming article new, the same item, a publisher's
edit, a GUID or URL reused for another story, or a copy of a stored article under another id?"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from rapidfuzz import fuzz

from bot.models import Article
from bot.storage import Store

Kind = Literal["new", "same", "edit", "copy"]


@dataclass(frozen=True)
class Identity:
    """What an incoming article is with respect to the store, and the stored item it is."""

    kind: Kind  # "copy": the same content under another id (a rewrite of the stored one)
    article: Article  # as it is to be handled: a reused GUID or URL gets an id of its own
    stored_id: str | None = None
    stored_text: str | None = None  # the stored item's text, where it was read to decide
    change: float = 0.0  # for an edit: how much of the stored text it changed, 0..1


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _different_story(old: str, new: str) -> bool:
    """True when two texts under one identity share too few word 3-grams to be versions of one article
    (an edit keeps most of them; another story shares next to none)."""
    a, b = _trigrams(old), _trigrams(new)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) < 0.2


def _known_version(store: Store, article_id: str, content_hash: str) -> bool:
    """Whether this content is the stored article's or one of its kept revisions."""
    return bool(
        store.db.execute(
            "select 1 from articles where id = ? and content_hash = ? union all "
            "select 1 from article_revisions where article_id = ? and content_hash = ?",
            [article_id, content_hash, article_id, content_hash],
        ).fetchone()
    )


def _stored(article: Article, stored_id: str, stored_text: str | None = None) -> Identity:
    kind: Kind = "same" if stored_id == article.id else "copy"
    return Identity(kind, article, stored_id, stored_text)


def identify(store: Store, article: Article) -> Identity:
    """Decide what the article is: by id, GUID, canonical URL or content hash, and for an id, GUID or
    URL match, by how much of the stored text it keeps (most: an edit; next to none: another story)."""
    same = store.find_same_item(article)
    if same is None:
        return Identity("new", article)
    stored_id, column = same
    if column == "content_hash":
        return _stored(article, stored_id)
    stored_text = store.article_text(stored_id) or ""
    if _different_story(stored_text, article.text):
        # a GUID or URL reused for another story: a new article, not an edit; only its content can match
        article = replace(article, id=f"{article.id}~{article.content_hash[:10]}", guid=None)
        again = store.find_same_item(replace(article, url=None))
        return Identity("new", article) if again is None else _stored(article, again[0])
    if not _known_version(store, stored_id, article.content_hash):
        change = 1.0 - fuzz.ratio(stored_text, article.text) / 100.0
        return Identity("edit", article, stored_id, stored_text, change)
    return _stored(article, stored_id, stored_text)
