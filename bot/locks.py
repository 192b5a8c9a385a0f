"""Advisory file locks that let one process at a time do a store's ingest or its delivery."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager

POLL = 0.1  # seconds between two tries for a lock held by another process


@contextmanager
def file_lock(path: str, wait: float | None = None) -> Iterator[bool]:
    """Hold an advisory lock on path (the system releases it however the process ends); yields False
    if another process still held it after `wait` seconds (None: wait as long as it takes)."""
    with open(path, "a+") as handle:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(POLL)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def store_lock(store_path: str, what: str, wait: float | None = None) -> Iterator[bool]:
    """file_lock on a file beside the store, one per kind of work ("ingest", "delivery"); a store in
    memory has no other process to share it with."""
    if store_path == ":memory:":
        yield True
        return
    with file_lock(f"{store_path}.{what}-lock", wait) as held:
        yield held
