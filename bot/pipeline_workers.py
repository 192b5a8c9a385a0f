"""The text-only half of ingesting, worked out ahead in worker processes: each plugin's analysis of an
article's own text (wirewatch_prepare) and its content hash. Everything that reads or writes the store
stays in the one main process, in input order; a worker that dies only makes its articles be prepared
in the main process instead, and so does one that stops answering."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from bot.messages import counted
from bot.models import Article

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

# fewer articles than this are prepared in the main process: starting workers would cost more
PARALLEL_FROM = 16
AHEAD = 4  # articles submitted per worker ahead of the one the main process is ingesting
# seconds the main process waits for a worker's answer before it takes the worker for hung (a lock
# another thread held when it was forked, say) and prepares the rest itself: far above the cost of
# the longest article (about 0.5 s for 60,000 words)
PATIENCE = 120.0
# seconds between a worker's checks that the main process is still there (a main process killed with
# SIGKILL sends no goodbye: the worker notices it is gone within this and exits)
ORPHAN_CHECK = 0.5
# prctl(2): the signal a process gets when the thread that forked it ends (the workers of a batch are
# forked, used and ended by the one thread that ingests the batch)
PR_SET_PDEATHSIG = 1


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


def _serve(
    conn: Connection,
    pm: pluggy.PluginManager,
    settings: Mapping[str, Any],
    parent: int,
    inherited: Sequence[Connection] = (),
) -> None:
    """A worker: prepare each article it is sent, in order, until it is sent None; it exits at once when
    the main process (pid parent) goes away, however it ended. Ctrl-C and SIGTERM are the main process's.
    inherited: the main process's ends of the workers' pipes, which the fork copied here (closed, so
    that the main process's end is the only one and its death is seen)."""
    # Ctrl-C and a SIGTERM sent to the whole group (a service manager's stop) are the main process's:
    # it finishes the article in hand and ends its workers (the handler forked here would log a stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for other in inherited:
        other.close()
    _die_with(parent)
    # what arrives is read at once, whatever the worker is doing: the main process never waits to hand
    # over an article while the worker waits to hand back a large answer (each would wait for the other)
    inbox: queue.SimpleQueue[Article | None] = queue.SimpleQueue()
    threading.Thread(target=_read, args=(conn, inbox, parent), daemon=True).start()
    while (article := inbox.get()) is not None:
        try:
            answer: Prepared | str = prepare(pm, article, settings)
            conn.send(answer)
        except OSError:  # the main process stopped listening
            return
        except Exception as exc:  # e.g. a plugin's value that cannot be pickled: this article only
            with contextlib.suppress(OSError):
                conn.send(f"{type(exc).__name__}: {exc}")


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when the main process ends (elsewhere: nothing; the reader's
    check of the parent's pid does it there)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)


def _read(conn: Connection, inbox: queue.SimpleQueue[Article | None], parent: int) -> None:
    """Move what the main process sends into the worker's inbox; None once it is done. When the main
    process is gone (the worker was handed to another parent) the worker exits at once: nothing it
    would prepare could be read."""
    while True:
        try:
            while not conn.poll(ORPHAN_CHECK):
                if os.getppid() != parent:
                    os._exit(1)
            article = conn.recv()
        except (EOFError, OSError):
            article = None
        inbox.put(article)
        if article is None:
            return


class _Worker:
    """One worker process and its end of the pipe, with the articles sent to it and not yet answered."""

    def __init__(
        self, pm: pluggy.PluginManager, settings: Mapping[str, Any], others: Sequence[_Worker] = ()
    ) -> None:
        """Fork a worker; others: the workers started before it (their pipe ends are closed in it)."""
        import multiprocessing  # only where a batch is long enough for workers (start-up stays short)

        context = multiprocessing.get_context("fork")  # the plugins as loaded here, nothing imported again
        self.conn, theirs = context.Pipe()
        inherited = [self.conn, *(w.conn for w in others)]
        self.process = context.Process(
            target=_serve, args=(theirs, pm, settings, os.getpid(), inherited), daemon=True
        )
        self.process.start()
        theirs.close()  # its only other end is the worker's: a worker that dies is an EOF here

    def send(self, article: Article) -> bool:
        """Hand the worker an article; False when it is gone."""
        try:
            self.conn.send(article)
            return True
        except OSError:
            return False

    def receive(self, patience: float) -> Prepared | str | None:
        """The next answer: what it prepared, why it could not (str), or None when it is gone or
        gave none within patience seconds (then it is ended)."""
        try:
            if not self.conn.poll(patience):
                log.warning("a worker process gave no answer in %g s and is ended", patience)
                self.process.kill()
                return None
            answer = self.conn.recv()
        except (EOFError, OSError):
            return None
        return answer if isinstance(answer, Prepared | str) else None

    def stop(self) -> None:
        """Ask it to end (and stop listening: answers not read are dropped), and end it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.conn.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class Preparer:
    """Prepares a batch of articles ahead of the main process in worker processes (forked from this
    one, so they have its plugins as loaded), a bounded number at a time, handed back in input order.
    workers: the processes that work on articles, the main one included (0 or 1: the main one only;
    None: default_workers()); patience: seconds to wait for a worker's answer (see PATIENCE)."""

    def __init__(
        self,
        pm: pluggy.PluginManager,
        settings: Mapping[str, Any],
        workers: int | None,
        patience: float = PATIENCE,
    ) -> None:
        self.pm = pm
        self.settings = settings
        self.forked = max(0, (default_workers() if workers is None else workers) - 1)
        self.patience = patience

    def ahead(
        self, articles: Iterable[Article], count: int | None = None
    ) -> Iterator[tuple[Article, Prepared | None]]:
        """Each article in order with what was prepared for it, or None where the main process is to
        prepare it itself (no workers, a short batch, or a worker that died). count: how many articles
        there are, where known (a short batch starts no workers)."""
        source = iter(articles)
        if not self.forked or (count is not None and count < PARALLEL_FROM):
            yield from ((article, None) for article in source)
            return
        # the first article is prepared here, before the workers are forked, and the plugins load what
        # they would load on first use (word lists, gazetteers, models): it is loaded once, and the
        # workers share it instead of each loading its own while the main process waits for them
        first = next(source, None)
        if first is None:
            return
        prepared = prepare(self.pm, first, self.settings)
        self.pm.hook.wirewatch_warm(settings=self.settings)  # and what later articles would load
        workers: list[_Worker] = []
        try:
            for _ in range(self.forked):
                workers.append(_Worker(self.pm, self.settings, workers))
        except (OSError, ValueError) as exc:  # no fork here, or no room for another process
            log.warning("no worker processes (%s); the articles are analysed in the main process", exc)
            for started in workers:
                started.stop()
            yield first, prepared
            yield from ((article, None) for article in source)
            return
        log.info(
            "analysing the articles' text in %s", counted(self.forked, "worker process", "worker processes")
        )
        # each article with the worker preparing it (article n goes to worker n % len(workers), which
        # answers in the order it was sent articles), what was prepared here, or None (to prepare later)
        pending: deque[tuple[Article, _Worker | Prepared | None]] = deque()
        turn = 0
        broken = False
        try:
            pending.append((first, prepared))
            for article in source:
                worker = None if broken else workers[turn % len(workers)]
                turn += 1
                if worker is not None and not worker.send(article):
                    broken, worker = self._broken(), None
                pending.append((article, worker))
                # the main process ingests the oldest while the workers prepare those after it
                while pending and (broken or len(pending) >= AHEAD * len(workers)):
                    done, broken = self._answer(*pending.popleft(), broken)
                    yield done
            while pending:
                done, broken = self._answer(*pending.popleft(), broken)
                yield done
        finally:
            for worker in workers:
                worker.stop()

    def _answer(
        self, article: Article, worker: _Worker | Prepared | None, broken: bool
    ) -> tuple[tuple[Article, Prepared | None], bool]:
        """The article and what its worker prepared (or was prepared here; None: to be prepared in the
        main process), and whether a worker has died."""
        if isinstance(worker, Prepared):
            return (article, worker), broken
        if worker is None or broken:
            return (article, None), broken
        answer = worker.receive(self.patience)
        if answer is None:
            return (article, None), self._broken()
        if isinstance(answer, str):
            log.warning("article %s is analysed in the main process: %s", article.id, answer)
            return (article, None), broken
        return (article, answer), broken

    def _broken(self) -> bool:
        """A worker died (or hung): the rest of the batch is prepared in the main process."""
        log.warning("a worker process died; the rest of this batch is analysed in the main process")
        return True
