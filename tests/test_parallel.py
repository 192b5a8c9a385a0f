"""The parallel pipeline: text analysed in worker processes gives byte for byte the output of one
process, and a worker that dies mid-run loses and repeats nothing."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import write_stream

from bot.app import Bot
from bot.config import ConfigError, parse_config
from bot.hookspecs import hookimpl
from bot.models import Article
from bot.pipeline_workers import Prepared, Preparer
from bot.plugins import make_manager

ROOT = Path(__file__).resolve().parent.parent
STORIES = [
    (
        "Ferry strike in Lunmark",
        "Ferry crews in Lunmark walked out on Monday over rotas, stranding 4,000 commuters on the "
        "island of Oster.",
        "“We have warned the operator for a year that the crews are exhausted,” said Petra Holm, who "
        "chairs the crews' union.",
        "The operator, Baltline, said two of its six vessels would sail on Tuesday with managers aboard.",
    ),
    (
        "Vessna council votes on tram line",
        "The city council of Vessna approved a 14-kilometre tram line on Wednesday after eight hours "
        "of debate.",
        "“This is the most important decision this council has taken in a generation,” Mayor Ilse "
        "Brandt told reporters.",
        "Opponents said the 610 million euro budget left nothing for bus routes in the outer districts.",
    ),
    (
        "Drought cuts Harlow wheat harvest",
        "Farmers in the Harlow valley expect the smallest wheat harvest in 30 years after a spring "
        "with almost no rain.",
        "“Some fields will not be worth cutting at all,” said Tomas Reyes, who farms 200 hectares "
        "near Eldby.",
        "The regional grain board said prices had risen 18 percent since April.",
    ),
    (
        "Museum returns masks to Kaluni",
        "The National Museum in Bredon will return 23 carved masks to the Kaluni people, its board "
        "said on Friday.",
        "“They were taken without consent, and they go home with an apology,” director Amara Osei said.",
        "A ceremony is planned in the village of Tesso in the autumn.",
    ),
]
SWAPS = {"said": "stated", "on": "on", "after": "following", "expect": "anticipate", "the": "the"}


def reworded(text: str) -> str:
    """A rewrite: a few words swapped, the rest kept."""
    return " ".join(SWAPS.get(w, w) for w in text.split(" "))


def fixture_stream(path: Path) -> Path:
    """20 articles: each story, rewrites and retellings of it, and mixes of two stories."""
    records: list[dict[str, object]] = []
    for round_ in range(3):
        for i, (title, *paras) in enumerate(STORIES):
            n = len(records)
            if round_ == 0:
                body = paras
            elif round_ == 1:
                body = [reworded(p) for p in paras] + [f"Update {n}: more details are expected later."]
            else:
                other = STORIES[(i + 1) % len(STORIES)]
                body = [paras[0], other[2], paras[2], f"Officials gave no figures in statement {n}."]
            records.append(
                {
                    "id": f"a{n}",
                    "title": title if round_ != 1 else f"{title} (update)",
                    "text": "\n\n".join(body),
                    "source": f"outlet-{n % 3}",
                    "published": f"2026-03-{1 + n:02d}T08:00:00Z",
                }
            )
    records += [dict(r, id=f"{r['id']}-copy") for r in records[:4]]  # the same texts again
    records += [{"id": f"short-{n}", "text": f"Brief item number {n} with no story."} for n in range(4)]
    return write_stream(path, records)


def replay(stream: Path, db: Path, workers: int, env: dict[str, str] | None = None) -> tuple[str, str]:
    """`wirewatch replay --json` as a process; its stdout and stderr."""
    command = [sys.executable, "-m", "bot.cli", "replay", "--json", "--workers", str(workers)]
    proc = subprocess.run(
        [*command, "--db", str(db), str(stream)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    return proc.stdout, proc.stderr


def stored_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("select id from articles order by rowid")]


def test_workers_give_the_output_of_one_process_byte_for_byte(tmp_path: Path) -> None:
    stream = fixture_stream(tmp_path / "s.jsonl")
    single, _ = replay(stream, tmp_path / "one.db", workers=1)
    parallel, log = replay(stream, tmp_path / "three.db", workers=3)
    assert "2 worker processes" in log  # the parallel path was taken
    assert parallel == single
    rows = [json.loads(line) for line in single.splitlines()]
    assert len(rows) == 20
    assert {r["relation"] for r in rows} >= {"new", "rewrite"}  # the stream exercises story matching
    assert any(r["quotes"] for r in rows)
    assert stored_ids(tmp_path / "three.db") == stored_ids(tmp_path / "one.db")


def killer_plugin(tmp_path: Path, victim: str) -> dict[str, str]:
    """An installed plugin whose prepare hook kills the worker process that gets the victim article
    (in the main process it does nothing), and the environment that loads it."""
    site = tmp_path / "site"
    dist = site / "wirewatch_killer-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: wirewatch-killer\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[wirewatch]\nkiller = wirewatch_killer\n")
    (site / "wirewatch_killer.py").write_text(
        "import multiprocessing, os\n"
        "from bot.hookspecs import hookimpl\n\n\n"
        "@hookimpl\n"
        "def wirewatch_prepare(article, settings):\n"
        f"    if article.id == {victim!r} and multiprocessing.parent_process() is not None:\n"
        "        os._exit(9)\n"
        "    return None\n"
    )
    return {"PYTHONPATH": str(site)}


def test_a_worker_that_dies_loses_and_repeats_nothing(tmp_path: Path) -> None:
    stream = fixture_stream(tmp_path / "s.jsonl")
    env = killer_plugin(tmp_path, victim="a9")
    single, _ = replay(stream, tmp_path / "one.db", workers=1, env=env)
    parallel, log = replay(stream, tmp_path / "two.db", workers=2, env=env)
    assert "a worker process died" in log
    assert parallel == single  # every article once, in order, with the same findings
    ids = [json.loads(line)["id"] for line in parallel.splitlines()]
    assert len(ids) == len(set(ids)) == 20
    assert stored_ids(tmp_path / "two.db") == stored_ids(tmp_path / "one.db")
    assert len(stored_ids(tmp_path / "two.db")) == len(set(stored_ids(tmp_path / "two.db")))


def first_poll(tmp_path: Path, stream: Path, workers: int) -> list[tuple[object, ...]]:
    """A bot's first poll of a local feed of the stream's articles: what it stored, in order."""
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / f"bot-{workers}.db")},
            "feeds": [{"name": "wire", "url": str(stream), "every": "5m"}],
            "bot": {"workers": workers},
        }
    )
    bot = Bot(config, adapters={})
    try:
        results = bot.poll(config.feeds[0])
        assert len(results) == 16  # the four copies are duplicates, not stored again
        rows = bot.store.db.execute(
            "select a.id, a.relation, a.story_id, a.of_id, a.score, a.fingerprint, "
            "(select group_concat(q.speaker || ':' || q.start || ':' || q.new, ',') from quotes q "
            "where q.article_id = a.id) from articles a order by a.rowid"
        ).fetchall()
        return [tuple(r) for r in rows]
    finally:
        bot.close()


def test_a_bots_first_poll_stores_the_same_with_workers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stream = fixture_stream(tmp_path / "s.jsonl")
    with caplog.at_level(logging.INFO, logger="bot.pipeline_workers"):
        parallel = first_poll(tmp_path, stream, workers=3)
    assert "2 worker processes" in caplog.text
    assert parallel == first_poll(tmp_path, stream, workers=0)


def test_workers_setting_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"bot\.workers"):
        parse_config({"storage": {"path": ":memory:"}, "bot": {"workers": -1}})
    # a typing error does not fork a hundred processes
    with pytest.raises(ConfigError, match=r"bot\.workers: must be a whole number from 0 to 32, got 99"):
        parse_config({"storage": {"path": ":memory:"}, "bot": {"workers": 99}})
    stream = write_stream(tmp_path / "s.jsonl", [{"id": "a", "text": "One short item."}])
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "replay", "--workers", "99", str(stream)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "--workers" in proc.stderr and "0<=x<=32" in proc.stderr


class Bulky:
    """A plugin whose prepared value is far larger than a pipe holds."""

    @hookimpl
    def wirewatch_prepare(self, article: Article, settings: object) -> dict[str, object]:
        return {"bulky": article.text.encode() * 4}


def test_long_articles_and_large_prepared_values_do_not_stall_the_workers() -> None:
    pm = make_manager(load_entry_points=False, extra=(Bulky(),))
    articles = [Article(id=f"b{n}", text=f"{n} " + "word " * 60_000) for n in range(24)]
    done: list[tuple[Article, Prepared | None]] = []
    run = threading.Thread(target=lambda: done.extend(Preparer(pm, {}, 3).ahead(articles)), daemon=True)
    run.start()
    run.join(90)
    assert not run.is_alive(), "the workers and the main process wait for each other"
    assert [a.id for a, _ in done] == [a.id for a in articles]
    assert all(p is not None and p.plugins["bulky"] == a.text.encode() * 4 for a, p in done)


class Lexical:
    """A plugin that loads a word list on first use (only some articles use it), and says in which
    process it was loaded."""

    def __init__(self) -> None:
        self.loaded_by: int | None = None

    def lexicon(self) -> int:
        if self.loaded_by is None:
            self.loaded_by = os.getpid()
        return self.loaded_by

    @hookimpl
    def wirewatch_warm(self, settings: object) -> None:
        self.lexicon()

    @hookimpl
    def wirewatch_prepare(self, article: Article, settings: object) -> dict[str, object]:
        return {"lexical": (os.getpid(), self.lexicon() if "listed" in article.text else None)}


def test_what_plugins_load_on_first_use_is_loaded_once_before_the_workers_are_forked() -> None:
    lexical = Lexical()
    pm = make_manager(load_entry_points=False, extra=(lexical,))
    # the first article, prepared here before the workers are forked, does not use the word list
    articles = [Article(id=f"w{n}", text=f"article {n}" + " listed" * (n > 0)) for n in range(24)]
    answers = [p.plugins["lexical"] for _, p in Preparer(pm, {}, 3).ahead(articles) if p is not None]
    assert len(answers) == len(articles)
    assert len({pid for pid, _ in answers} - {os.getpid()}) == 2  # prepared in two worker processes
    # each worker used the word list loaded here, none loaded its own
    assert {loaded for _, loaded in answers[1:]} == {os.getpid()}


class Stuck:
    """A plugin that never returns for one article, in a worker process only (a deadlocked worker)."""

    def __init__(self, victim: str) -> None:
        self.victim = victim

    @hookimpl
    def wirewatch_prepare(self, article: Article, settings: object) -> dict[str, object]:
        import multiprocessing

        if article.id == self.victim and multiprocessing.parent_process() is not None:
            threading.Event().wait()  # forever
        return {"stuck": os.getpid()}


def test_a_worker_that_stops_answering_is_ended_and_nothing_is_lost(caplog: pytest.LogCaptureFixture) -> None:
    pm = make_manager(load_entry_points=False, extra=(Stuck("h5"),))
    articles = [Article(id=f"h{n}", text=f"article number {n}") for n in range(24)]
    done: list[tuple[Article, Prepared | None]] = []
    preparer = Preparer(pm, {}, 3, patience=1.0)
    with caplog.at_level(logging.WARNING, logger="bot.pipeline_workers"):
        run = threading.Thread(target=lambda: done.extend(preparer.ahead(articles)), daemon=True)
        run.start()
        run.join(60)
    assert not run.is_alive(), "the main process still waits for the hung worker"
    assert "gave no answer" in caplog.text
    assert [a.id for a, _ in done] == [a.id for a in articles]  # each once, in order
    by_id = {a.id: p for a, p in done}
    assert by_id["h5"] is None  # left for the main process to prepare
    assert all(p is not None for a, p in done if int(a.id[1:]) < 5)


class Signals:
    """A plugin that says how its process handles Ctrl-C and SIGTERM."""

    @hookimpl
    def wirewatch_prepare(self, article: Article, settings: object) -> dict[str, object]:
        import signal

        return {"signals": (os.getpid(), signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))}


def test_workers_leave_ctrl_c_and_sigterm_to_the_main_process() -> None:
    import signal

    pm = make_manager(load_entry_points=False, extra=(Signals(),))
    articles = [Article(id=f"s{n}", text=f"article number {n}") for n in range(24)]
    answers = [p.plugins["signals"] for _, p in Preparer(pm, {}, 3).ahead(articles) if p is not None]
    in_workers = [(i, t) for pid, i, t in answers if pid != os.getpid()]
    assert in_workers  # the batch went to workers
    assert set(in_workers) == {(signal.SIG_IGN, signal.SIG_IGN)}  # a group-wide stop is not theirs
