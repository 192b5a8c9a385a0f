"""Runs that end badly (SIGKILL, SIGTERM mid-poll): no worker outlives its run, no lock is waited for in
silence, a new feed's backlog stays quiet however many runs its first poll takes, and the stop's
summary counts what was stored."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config
from bot.hookspecs import hookimpl
from bot.locks import file_lock
from bot.plugins import make_manager

ROOT = Path(__file__).resolve().parent.parent
ITEMS = 200  # long enough that a stop lands while the first poll is still storing


def write_setup(tmp_path: Path, items: int = ITEMS) -> Path:
    """A config of one local feed of `items` distinct articles, one console channel, two processes."""
    feed = tmp_path / "feed"
    feed.mkdir()
    lines = [
        {
            "id": f"item-{i}",
            "title": f"Harbour works, part {i}",
            "text": f"The harbour board said section {i} of the quay would reopen in week {i % 9}. " * 12,
            "published": f"2026-05-{1 + i % 28:02d}T08:{i % 60:02d}:00Z",
        }
        for i in range(items)
    ]
    (feed / "wire.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[bot]\nworkers = 2\n[storage]\npath = "{tmp_path / "bot.db"}"\n'
        f'[[feeds]]\nname = "wire"\nurl = "{feed}"\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n'
    )
    return config


def start(*args: str, stderr: Path) -> subprocess.Popen[bytes]:
    """The wirewatch command as a process of its own, its log going to a file."""
    with stderr.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def until(check: object, what: str, seconds: float = 60) -> object:
    """Poll check() until it returns something truthy (bounded: a hang fails the test)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()  # type: ignore[operator]
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def stored(db: Path) -> int:
    """Articles committed to the store so far (0 before it exists)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("select count(*) from articles").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def children(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie nobody reaped has ended too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@contextmanager
def running(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.mark.parametrize("command", ["run", "replay"])
def test_a_killed_run_leaves_no_worker_behind_and_the_next_run_finishes(tmp_path: Path, command: str) -> None:
    config = write_setup(tmp_path)
    db = tmp_path / "bot.db"
    if command == "run":
        args = ["run", "--config", str(config), "--once"]
    else:
        args = ["replay", "--json", "--workers", "2", "--db", str(db), str(tmp_path / "feed" / "wire.jsonl")]
    with running(start(*args, stderr=tmp_path / "first.log")) as first:
        until(lambda: stored(db) >= 5, "the first articles to be stored")
        workers = until(lambda: children(first.pid), "the worker process")
        assert isinstance(workers, list)
        first.send_signal(signal.SIGKILL)
        first.wait()
        until(lambda: all(gone(w) for w in workers), "the orphaned worker to exit", seconds=30)
    if command == "run":  # nothing holds the store's ingest lock: the next run does the rest
        with running(start(*args, stderr=tmp_path / "second.log")) as second:
            assert second.wait(timeout=120) == 0, (tmp_path / "second.log").read_text()
        assert stored(db) == ITEMS


ORPHAN = """
import multiprocessing, os, queue, sys, time
from bot.pipeline_workers import _read

def reader(conn, parent):  # a worker's reader alone: no parent-death signal is asked for
    try:
        _read(conn, queue.SimpleQueue(), parent)
    finally:  # not reached when it exits the process at once, as it should
        open(sys.argv[1], "w").write("returned")

if __name__ == "__main__":
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    child = context.Process(target=reader, args=(theirs, os.getpid()))
    child.start()
    print(child.pid, flush=True)
    time.sleep(600)
"""


def test_a_worker_whose_main_process_is_killed_exits_by_itself(tmp_path: Path) -> None:
    """Without the parent-death signal (not Linux), the worker sees its parent change and exits,
    though the main process's end of the pipe is still open in it."""
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    marker = tmp_path / "returned"
    main = subprocess.Popen([sys.executable, str(script), str(marker)], cwd=ROOT, stdout=subprocess.PIPE)
    with running(main):
        assert main.stdout is not None
        worker = int(main.stdout.readline())
        assert not gone(worker)
        main.kill()
        main.wait()
        until(lambda: gone(worker), "the orphaned reader to exit", seconds=30)
    assert not marker.exists()


def test_a_worker_holds_no_copy_of_the_store_lock(tmp_path: Path) -> None:
    """A forked child closes its copy of a lock its parent holds (the parent's lock is kept)."""
    path = tmp_path / "bot.db.ingest-lock"
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    with file_lock(str(path)) as held:
        assert held
        child = context.Process(target=_open_files, args=(writer,))
        child.start()
        writer.close()
        seen = reader.recv()
        child.join(30)
        with file_lock(str(path), wait=0) as again:  # another open of it: still this process's lock
            assert not again
    assert str(path) not in seen


def _open_files(out: multiprocessing.connection.Connection) -> None:
    """Send what this process's descriptors point at."""
    fds = os.listdir("/proc/self/fd")
    out.send([os.path.realpath(f"/proc/self/fd/{fd}") for fd in fds])


def test_a_run_waiting_for_the_ingest_lock_says_so_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = write_setup(tmp_path, items=3)
    lock = f"{tmp_path / 'bot.db'}.ingest-lock"
    log = tmp_path / "run.log"
    holder = subprocess.Popen(  # another process holds the lock for as long as the test needs
        [
            sys.executable,
            "-c",
            f"import fcntl,sys\nf=open({lock!r},'a+')\nfcntl.flock(f,fcntl.LOCK_EX)\n"
            "print('held',flush=True)\nsys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with running(start("run", "--config", str(config), "--once", stderr=log)) as proc:
            line = until(
                lambda: next((x for x in log.read_text().splitlines() if lock in x), None), "the wait's line"
            )
            assert "another wirewatch process holds" in str(line)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait()
    assert stored(tmp_path / "bot.db") == 0


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_a_first_poll_cut_short_posts_no_backlog_at_the_restart(tmp_path: Path, stop: int) -> None:
    config = write_setup(tmp_path)
    db = tmp_path / "bot.db"
    args = ["run", "--config", str(config), "--once"]
    log = tmp_path / "first.log"
    with running(start(*args, stderr=log)) as first:
        until(lambda: stored(db) >= 10, "the first articles to be stored")
        first.send_signal(stop)
        first.wait(timeout=60)
    cut = stored(db)
    assert cut < ITEMS  # the stop landed during the first poll
    if stop == signal.SIGTERM:  # the cycle ends after the article in hand; the summary counts it
        lines = log.read_text().splitlines()
        after = lines[next(i for i, x in enumerate(lines) if "SIGTERM: stopping" in x) :]
        assert not any("for the first time" in x for x in after), after
        assert lines[-1].startswith(f"stored {cut} new articles;"), lines[-1]
    with running(start(*args, stderr=tmp_path / "second.log")) as second:
        assert second.wait(timeout=120) == 0, (tmp_path / "second.log").read_text()
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select id from articles")]
        assert len(ids) == len(set(ids)) == ITEMS  # nothing lost, nothing stored twice
        assert conn.execute("select count(*) from articles where quiet = 0").fetchone()[0] == 0
        assert conn.execute("select count(*) from outbox").fetchone()[0] == 0  # backfill 0: none posted


class StopAfter:
    """A plugin that asks the bot to stop once `count` articles are stored (a SIGTERM mid-poll)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.stopping: threading.Event | None = None

    @hookimpl
    def wirewatch_article_stored(self, result: object, settings: object) -> None:
        self.count -= 1
        if self.count == 0 and self.stopping is not None:
            self.stopping.set()


def test_a_first_poll_cut_short_still_posts_only_the_newest_backfill_items(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    topics = [  # newest first, as feeds list them; eight unrelated stories
        ("Ferry crews strike", "Ferry crews walked out over rotas, stranding commuters on the island."),
        ("Tram line approved", "The council approved a tram line after eight hours of debate."),
        ("Wheat harvest shrinks", "Farmers expect the smallest wheat harvest in thirty years."),
        ("Masks go home", "The museum will return carved masks to the village that made them."),
        ("Bridge tolls end", "Drivers will cross the bridge for free from next month."),
        ("Library reopens", "The city library reopened with a new reading room for children."),
        ("Orchestra tours", "The youth orchestra begins a tour of twelve concert halls."),
        ("Storm closes port", "Gales closed the container port and grounded two cargo ships."),
    ]
    (feed / "wire.jsonl").write_text(
        "".join(
            json.dumps(
                {"id": f"n{i}", "title": title, "text": text, "published": f"2026-05-{20 - i:02d}T08:00:00Z"}
            )
            + "\n"
            for i, (title, text) in enumerate(topics)
        )
    )
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "bot.db")},
            "feeds": [{"name": "wire", "url": str(feed), "backfill": 3}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    stopper = StopAfter(2)  # the poll stops with two of the three newest stored
    pm = make_manager()
    pm.register(stopper)
    adapter = MemoryAdapter()
    bot = Bot(config, pm=pm, adapters={"console": adapter})
    try:
        stopper.stopping = bot.stopping
        assert bot.run_once() == (2, 0)  # what was stored is counted; nothing is posted while stopping
        bot.stopping.clear()
        assert bot.run_once() == (6, 1)  # the restart stores the rest and posts the newest three
        with sqlite3.connect(tmp_path / "bot.db") as conn:
            posted = {r[0] for r in conn.execute("select id from articles where quiet = 0")}
        assert posted == {"n0", "n1", "n2"}
        text = adapter.sent[0][1].as_text()
        assert all(t in text for t, _ in topics[:3]) and not any(t in text for t, _ in topics[3:])
    finally:
        bot.close()
