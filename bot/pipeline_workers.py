"""The text-only half of ingesting, worked out ahead in worker processes: each plugin's analysis of an
article's own text (wirewatch_prepare) and its content hash. Everything that reads or writes the store
stays in the one main process, in input order; a worker that dies only makes its articles be prepared
in the main process instead."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import pluggy

from bot.models import Article

log = logging.getLogger(__name__)

# fewer articles than this are prepared in the main process: starting workers would cost more
PARALLEL_FROM = 16
AHEAD = 4  # articles submitted per worker ahead of the one the main process is ingesting


@dataclass(frozen=True)
class Prepared:
    """What an article's text alone gives: its content hash and each plugin's prepared value (by the
    name the plugin returned it under), for exactly this title and text."""

    title: str
    text: str
    content_hash: str
    plugins: Mapping[str, Any] = field(default_factory=dict)

    def fits(self, article: Article) -> bool:
        """Whether this was prepared from the article's very title and text."""
        return self.text == article.text and self.title == article.title


def prepare(pm: pluggy.PluginManager, article: Article, settings: Mapping[str, Any]) -> Prepared:
    """Every plugin's text-only analysis of the article, in this process (a plugin that fails is
    logged and left out: its article hooks then do the work themselves)."""
    plugins: dict[str, Any] = {}
    for found in pm.hook.wirewatch_prepare(article=article, settings=settings):
        if isinstance(found, Mapping):
            plugins.update(found)
    return Prepared(article.title, article.text, article.content_hash, plugins)


def default_workers() -> int:
    """Processes that prepare articles by default: the cores, at most 3 (the main process and up to
    two workers); 1 on one core (all in the main process)."""
    return max(1, min(3, os.cpu_count() or 1))


# the worker process's plugin manager and settings (set once in each worker by _start)
_worker: tuple[pluggy.PluginManager, Mapping[str, Any]] | None = None


def _start(pm: pluggy.PluginManager, settings: Mapping[str, Any]) -> None:
    """Set up a worker: the manager and settings it was forked with; Ctrl-C is the main process's."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = (pm, settings)


def _work(article: Article) -> Prepared:
    """Prepare one article in a worker."""
    assert _worker is not None, "a worker prepares articles only once started"
    return prepare(_worker[0], article, _worker[1])


class Preparer:
    """Prepares a batch of articles ahead of the main process in worker processes (forked from this
    one, so they have its plugins as loaded), a bounded number at a time, handed back in input order.
    workers: the processes that work on articles, the main one included (0 or 1: the main one only)."""

    def __init__(self, pm: pluggy.PluginManager, settings: Mapping[str, Any], workers: int) -> None:
        self.pm = pm
        self.settings = settings
        self.forked = max(0, workers - 1)

    def ahead(
        self, articles: Iterable[Article], count: int | None = None
    ) -> Iterator[tuple[Article, Prepared | None]]:
        """Each article in order with what was prepared for it, or None where the main process is to
        prepare it itself (no workers, a short batch, or a worker that died). count: how many articles
        there are, where known (a short batch starts no workers)."""
        if not self.forked or (count is not None and count < PARALLEL_FROM):
            yield from ((article, None) for article in articles)
            return
        pool = ProcessPoolExecutor(
            self.forked,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start,
            initargs=(self.pm, self.settings),
        )
        log.info("analysing the articles' text in %d worker processes", self.forked)
        pending: deque[tuple[Article, Future[Prepared] | None]] = deque()
        source = iter(articles)
        broken = False
        try:
            for article in source:
                pending.append((article, None if broken else self._submit(pool, article)))
                broken = broken or pending[-1][1] is None
                # the main process ingests the oldest while the workers prepare those after it
                while pending and (broken or len(pending) >= AHEAD * self.forked):
                    done, broken = self._done(pool, *pending.popleft(), broken)
                    yield done
            while pending:
                done, broken = self._done(pool, *pending.popleft(), broken)
                yield done
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, pool: ProcessPoolExecutor, article: Article) -> Future[Prepared] | None:
        """The article handed to a worker; None when the pool is broken."""
        try:
            return pool.submit(_work, article)
        except BrokenProcessPool:
            _broken(pool)
            return None

    def _done(
        self, pool: ProcessPoolExecutor, article: Article, future: Future[Prepared] | None, broken: bool
    ) -> tuple[tuple[Article, Prepared | None], bool]:
        """The article and what its worker prepared (None: to be prepared in the main process), and
        whether the pool is broken now."""
        if future is None:
            return (article, None), broken
        try:
            return (article, future.result()), broken
        except (BrokenProcessPool, CancelledError):
            if not broken:
                _broken(pool)
            return (article, None), True
        except Exception as exc:  # e.g. a plugin's value that cannot be pickled: this article only
            log.warning("article %s is analysed in the main process: %s", article.id, exc)
            return (article, None), broken


def _broken(pool: ProcessPoolExecutor) -> None:
    """A worker died: the rest of the batch is prepared in the main process."""
    log.warning("a worker process died; the rest of this batch is analysed in the main process")
    pool.shutdown(wait=False, cancel_futures=True)
