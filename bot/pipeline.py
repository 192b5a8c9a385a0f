"""The ingest pipeline: deduplicate, ask the plugins, store the article and findings at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import pluggy

from bot.identity import identify
from bot.models import ANALYSED_CHARS, Article, Quote, Refreshed, Result, StoryMatch
from bot.pipeline_workers import Prepared, Preparer, prepare
from bot.storage import Store, parse_time

log = logging.getLogger(__name__)


class Pipeline:
    """Runs each article through every enabled plugin and persists what they find. workers: the
    processes that analyse the articles' text in a batch (see ahead), this one included (None: the
    default, one per core)."""

    def __init__(
        self, store: Store, pm: pluggy.PluginManager, settings: Mapping[str, Any], workers: int | None = 1
    ) -> None:
        self.store = store
        self.pm = pm
        self.settings = settings
        self.preparer = Preparer(pm, settings, workers)

    def ahead(
        self, articles: Iterable[Article], count: int | None = None
    ) -> Iterator[tuple[Article, Prepared | None]]:
        """The articles in order, each with its text's analysis worked out ahead in worker processes
        (None: ingest works it out); give each to ingest in this order. count: their number, if known."""
        return self.preparer.ahead(articles, count)

    def ingest(self, article: Article, prepared: Prepared | None = None, quiet: bool = False) -> Result:
        """Analyse and store one article; a known item is reported as a duplicate, not stored again.
        prepared: its text's analysis where it was worked out ahead (see ahead); quiet: stored out of
        digests (a new feed's backlog)."""
        if prepared is not None and prepared.fits(article):
            vars(article).setdefault("content_hash", prepared.content_hash)  # hashed once, by a worker
        identity = identify(self.store, article)
        article = identity.article
        if identity.stored_id is not None:
            if identity.kind == "edit":
                self.store.add_revision(identity.stored_id, article)
                log.info("article %s was edited by its publisher; kept as a revision", identity.stored_id)
            result = self._duplicate(article, identity.stored_id, identity.stored_text)
            if identity.kind == "edit":
                result.edited, result.change = identity.stored_id, identity.change
            return result
        if len(article.text) > ANALYSED_CHARS:
            log.warning(
                "article %s is %s characters long: stored whole, its first %s or so are analysed",
                article.id,
                f"{len(article.text):,}",
                f"{ANALYSED_CHARS:,}",
            )
        known = self.store.view(article.published or "")
        if prepared is None or not prepared.fits(article):
            prepared = prepare(self.pm, article, self.settings)
        kwargs = {"article": article, "known": known, "settings": self.settings, "prepared": prepared.plugins}
        result = Result(article=article)
        # through pluggy (wrappers and tracing work); a plugin that raises is logged and skipped
        match: StoryMatch | None = self.pm.hook.wirewatch_match_story(**kwargs)
        keys: tuple[str, ...] = ()
        fingerprint: str | bytes = ""
        kept = b""
        refreshed: tuple[Refreshed, ...] = ()
        if match is not None:
            keys, fingerprint, kept, refreshed = match.keys, match.fingerprint, match.kept, match.refreshed
            story = self.store.story_of(match.of) if match.of else None
            if story and not self._within_window(story, article):
                story = None  # a story may not outgrow the window: this one starts another
            if match.relation != "new" and story:
                result.relation, result.of, result.story = match.relation, match.of, story
                result.added, result.rewritten_by = match.added, match.rewritten_by
                others = {
                    s
                    for a in match.also
                    if (s := self.store.story_of(a)) and s != story and self._within_window(s, article)
                }
                # an article tied to one other story shows the two are one; tied to several, it is
                # more likely a roundup of different stories than proof that they are all one
                if len(others) == 1:
                    result.merged = tuple(others)
            result.score = match.score
        for found in self.pm.hook.wirewatch_extract_quotes(**kwargs):
            result.quotes.extend(q for q in found if isinstance(q, Quote))
        result.quotes.sort(key=lambda q: (q.start, q.end))
        self.store.save(result, keys, fingerprint, kept, refreshed, quiet)
        self.pm.hook.wirewatch_article_stored(result=result, settings=self.settings)
        return result

    def _within_window(self, story: str, article: Article) -> bool:
        """Whether the story's earliest article is within the window before this one (or after it)."""
        start, at = parse_time(self.store.story_start(story)), parse_time(article.published)
        if start is None or at is None:
            return True
        return (at - start).total_seconds() <= self.store.window

    def _duplicate(self, article: Article, stored_id: str, stored_text: str | None = None) -> Result:
        """The stored result of the same item; a copy under another id is a rewrite of the stored one.
        stored_text: the stored item's text, where the caller has already read it."""
        log.debug("article %s is already stored as %s; not stored again", article.id, stored_id)
        stored = self.store.result_of(stored_id) or {}
        quotes = [Quote(**q) for q in stored.get("quotes", [])]
        if stored_text is None:
            stored_text = self.store.article_text(stored_id)
        if article.text != stored_text:
            quotes = []  # an edited version: the stored offsets would not fit this text
        story = self.store.story_of(stored_id) or str(stored.get("story", ""))
        if stored_id == article.id:
            return Result(
                article,
                stored.get("relation", "new"),
                story,
                stored.get("of"),
                float(stored.get("score") or 0.0),
                quotes,
                duplicate=True,
            )
        return Result(
            article, "rewrite", story, stored_id, 1.0, [replace(q, new=False) for q in quotes], duplicate=True
        )
