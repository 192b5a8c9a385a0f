"""Advisory file locks that let one process at a time do a store's ingest or its delivery."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator

log = logging.getLogger(__name__)
POLL = 0.1  # seconds between two tries for a lock held by another process

# The descriptors of the locks this process holds. A forked child (a worker process) gets a copy of
# each, and with it the lock: it would stay held for as long as the child lives, after this process
# has ended. The child closes its copies as soon as it is forked (closing does not unlock: the lock
# stays this process's). Process-wide because a fork copies the whole process's descriptors.
_held: set[int] = set()


def _release_in_child() -> None:
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_release_in_child)


@contextlib.contextmanager
def file_lock(path: str, wait: float | None = None, stop: threading.Event | None = None) -> Iterator[bool]:
    """Hold an advisory lock on path (the system releases it however the process ends); yields False
    if another process still held it after `wait` seconds (None: wait as long as it takes) or once
    `stop` is set while waiting (a SIGTERM or Ctrl-C). A wait for another process says so in one line."""
    with open(path, "a+") as handle:
        deadline = None if wait is None else time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if (deadline is not None and time.monotonic() >= deadline) or (
                    stop is not None and stop.is_set()
                ):
                    yield False
                    return
                if not told:
                    told = True
                    log.warning(
                        "another wirewatch process holds %s; waiting for it to finish%s",
                        path,
                        "" if stop is None else " (SIGTERM or Ctrl-C stops the wait)",
                    )
                if stop is None:
                    time.sleep(POLL)
                else:
                    stop.wait(POLL)
        _held.add(handle.fileno())
        try:
            yield True
        finally:
            _held.discard(handle.fileno())
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def store_lock(
    store_path: str, what: str, wait: float | None = None, stop: threading.Event | None = None
) -> Iterator[bool]:
    """file_lock on a file beside the store, one per kind of work ("ingest", "delivery"); a store in
    memory has no other process to share it with. stop: see file_lock."""
    if store_path == ":memory:":
        yield True
        return
    with file_lock(f"{store_path}.{what}-lock", wait, stop) as held:
        yield held
