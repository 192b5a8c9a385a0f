"""Bounded work on a real local server: a decoding bomb stays small, a huge feed is fetched a slice a poll."""

from __future__ import annotations

import gzip
import json
import random
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import sqlite_utils
from conftest import LocalServer, run_replay, write_stream

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config
from bot.models import ANALYSED_CHARS
from plugins.text import analysed


def make_bot(tmp_path: Path, server: LocalServer, **http: object) -> Bot:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "bounded.db")},
            "http": {"host_interval": 0, "per_host": 16, **http},
            "feeds": [{"name": "big", "url": f"{server.url}/feed", "backfill": 5}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    return Bot(config, adapters={"console": MemoryAdapter()})


def gzip_of_zeros(megabytes: int) -> bytes:
    """A gzip stream that inflates to `megabytes` MB, built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * 1_000_000
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def test_gzip_inside_gzip_stays_under_a_memory_bound(tmp_path: Path, http_server: LocalServer) -> None:
    body = gzip.compress(gzip_of_zeros(300))  # a few hundred KB on the wire, 300 MB once decoded
    http_server.routes["/feed"] = lambda _h: (
        200,
        {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip, gzip"},
        body,
    )
    b = make_bot(tmp_path, http_server)
    try:
        tracemalloc.start()
        b.poll_all()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        row = b.store.db.table("feeds").get("big")
        assert "larger than" in row["last_error"]
        assert peak < 40_000_000  # the cap is 5 MB a layer; decoding it all would take 300 MB
    finally:
        b.close()


def test_a_thousand_summary_only_items_are_fetched_a_slice_a_poll(
    tmp_path: Path, http_server: LocalServer
) -> None:
    n = 1000
    items = "".join(
        f"<item><title>Item {i}</title><link>/p/{i}</link><guid>urn:p{i}</guid><description>Teaser {i}.</description>"
        f"<pubDate>{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][i % 7]}, {1 + i % 28:02d} Nov 2026 "
        f"{i // 60 % 24:02d}:{i % 60:02d}:00 GMT</pubDate></item>"
        for i in range(n)
    )
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    )

    def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, feed

    http_server.routes["/feed"] = answer
    for i in range(n):
        text = f"<html><body><article><p>Page {i} tells its story in a sentence long enough to keep.</p></article></body></html>"
        http_server.serve(f"/p/{i}", text)
    b = make_bot(tmp_path, http_server, max_pages=20)
    try:
        b.poll_all()
        first = [p for p, _ in http_server.requests if p.startswith("/p/")]
        assert len(first) == 20
        dates = {r["url"]: r["published"] for r in b.store.db.query("select url, published from articles")}
        newest = sorted(dates.values(), reverse=True)
        assert len(dates) == 20 and "/p/" in next(iter(dates))  # relative links resolved to the server
        b.poll_all()  # the next poll takes the next slice, although the feed itself did not change
        second = [p for p, _ in http_server.requests if p.startswith("/p/")][20:]
        assert len(second) == 20 and not set(first) & set(second)
        later = [
            r["published"]
            for r in b.store.db.query("select published from articles")
            if r["published"] not in newest
        ]
        assert later and max(later) <= min(newest)  # newest first
    finally:
        b.close()


def long_text(chars: int, seed: int = 7) -> str:
    """Paragraphs of plain made-up sentences, about `chars` characters in all."""
    rng = random.Random(seed)
    nouns = ["council", "harbour", "budget", "school", "bridge", "market", "clinic", "station", "library"]
    verbs = ["approved", "delayed", "reviewed", "funded", "inspected", "reopened", "questioned"]
    paragraphs, size = [], 0
    while size < chars:
        sentence = (
            f"The {rng.choice(nouns)} board {rng.choice(verbs)} plan {rng.randrange(10_000)} "
            f"for the {rng.choice(nouns)} on day {rng.randrange(365)}."
        )
        paragraphs.append(sentence)
        size += len(sentence) + 2
    return "\n\n".join(paragraphs)


def test_analysed_is_the_whole_of_a_short_text_and_a_paragraph_cut_of_a_long_one() -> None:
    assert analysed("One paragraph.\n\nTwo.") == "One paragraph.\n\nTwo."
    text = long_text(ANALYSED_CHARS + 5_000)
    part = analysed(text)
    assert len(part) <= ANALYSED_CHARS and len(part) > ANALYSED_CHARS - 200
    assert text.startswith(part) and text[len(part) : len(part) + 2] == "\n\n"  # ends with a paragraph


def test_a_page_of_megabytes_is_stored_whole_and_read_up_to_the_limit(tmp_path: Path) -> None:
    opening = (
        "Porto Vell's council voted on Monday to rebuild the harbour wall that the January storm broke.\n\n"
        "“We will rebuild the wall before winter comes,” said Marta Solis, the mayor of Porto Vell.\n\n"
    )
    late = "\n\n“Nobody reads this far into a page,” said Leon Varga, the harbour master."
    text = opening + long_text(300_000) + late
    rewrite = (
        "The council of Porto Vell voted on Monday to rebuild the harbour wall broken by the January storm.\n\n"
        "“We will rebuild the wall before winter comes,” said Marta Solis, the mayor of Porto Vell."
    )
    rows: list[dict[str, object]] = [
        {"id": "page", "title": "Harbour wall", "text": text, "published": "2026-01-10T08:00:00Z"},
        {"id": "short", "title": "Wall to be rebuilt", "text": rewrite, "published": "2026-01-10T09:00:00Z"},
    ]
    stream = write_stream(tmp_path / "s.jsonl", rows)
    db = tmp_path / "long.db"
    done = run_replay(stream, "--json", "--db", str(db))
    page, short = (json.loads(line) for line in done.stdout.splitlines())
    assert [q["speaker"] for q in page["quotes"]] == ["Marta Solis"]  # Varga's is past the part read
    assert short["relation"] == "rewrite" and short["of"] == "page"
    warned = [line for line in done.stderr.splitlines() if "characters long" in line]
    assert len(warned) == 1 and "article page is" in warned[0], done.stderr
    assert sqlite_utils.Database(db)["articles"].get("page")["text"] == text  # nothing of it is lost
    # a later process compares with the page through the reading kept in the store: the same verdict
    apart = tmp_path / "apart.db"
    run_replay(write_stream(tmp_path / "page.jsonl", rows[:1]), "--json", "--db", str(apart))
    later = json.loads(
        run_replay(write_stream(tmp_path / "short.jsonl", rows[1:]), "--json", "--db", str(apart)).stdout
    )
    assert {k: later[k] for k in ("relation", "of", "score")} == {
        k: short[k] for k in ("relation", "of", "score")
    }
