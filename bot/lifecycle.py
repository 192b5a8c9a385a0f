"""Stopping on SIGTERM, SIGINT and SIGHUP (a closed terminal): the first signal asks the bot to stop, a
second exits at once."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType

log = logging.getLogger(__name__)
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Stopper:
    """Sets `event` on the first SIGTERM, SIGINT or SIGHUP; on a second one the process exits at once."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def install(self) -> None:
        """Handle SIGTERM, SIGINT and SIGHUP in this (the main) thread."""
        for sig in SIGNALS:
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.event.is_set():
            sys.stderr.write(f"{name} again: exiting at once\n")
            sys.stderr.flush()
            os._exit(128 + signum)
        log.info("%s: stopping (send it again to exit at once)", name)
        self.event.set()


def exit_now_if_threads_linger(code: int = 0) -> None:
    """Exit with code even when a worker thread (a fetch in flight, which the closed store no longer
    needs) is still running: everything stored was committed and the store is closed. (Interpreter
    exit would wait for it: the thread pool joins its workers at exit, daemon threads or not.)"""
    lingering = [t for t in threading.enumerate() if t.is_alive() and t is not threading.main_thread()]
    if lingering:
        log.debug("not waiting for %s", ", ".join(t.name for t in lingering))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
