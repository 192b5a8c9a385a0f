"""A bounded fuzz of the real ingest path: 200 generated feeds, most of them malformed somewhere, and their
pages, served on 127.0.0.1 and polled by one bot. No exception may escape, no valid item may be lost.

Each feed carries two valid items first (plain text long enough to need no page) and then malformed
items, pages and feed-level damage drawn from a seeded generator: the same cases every run."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from conftest import LocalServer
from wordfreq import top_n_list

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config

FEEDS = 200
SECRET = "INTERNAL-ONLY-7f3a"
WORDS = top_n_list("en", 4000)[300:]

BAD_LINKS = [
    "http://h:abc/x",
    "http://[::1/x",
    "http://[zz::1]/x",
    "http://xn--a..example/x",
    "http://" + "a" * 190 + ".example/",
    "http://h:99999999/",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "http://intranet.fuzz:{port}/secret",
    "//",
    "http://%zz/",
    "http://exa mple.com/",
    "\x00http://x/",
    "",
]
BAD_DATES = [
    "Mon, 99 Zzz 99999 99:99:99 GMT",
    "0000-00-00T00:00:00Z",
    "yesterday",
    "Tue, 31 Feb 2026 25:61:61 +9999",
    "-1",
    "9" * 40,
]
BAD_TEXT = [
    "<p>unclosed <b>bold <i>italic",
    "&bogus; &#xFFFFFFFF; &#0; &amp",
    "<![CDATA[ nested ]]> ]]>",
    "<script>alert(1)</script><style>p{}</style>",
    "\ufffe\uffff\u202e reversed",
    "<" * 500,
    "<div>" * 300 + "deep" + "</div>" * 5,
]
BAD_PAGES = [
    b"",
    b"\xff\xfe\x00\x00garbage",
    b"<html><head><meta charset='x-no-such-charset'></head><body><p>text</p>",
    b"<html>" + b"<div>" * 2000,
    b"<?xml version='1.0' encoding='utf-9'?><html/>",
    "<html><body><article><p>Ceci est une page en Latin-1 : déjà vu, très bien.</p></article></body></html>".encode(
        "latin-1"
    ),
    b"\x1f\x8b\x08\x00not really gzip",
]
DAMAGE = [
    lambda body: body[: len(body) - random.Random(len(body)).randrange(1, 60)],  # truncated at the end
    lambda body: body + b"<item><title>unclosed",
    lambda body: body + b"\x00\x01\x02 junk after the document",
    lambda body: body.replace(b"</channel>", b"</channel><channel>", 1),
    lambda body: body,
]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.sample(WORDS, 12)).capitalize() + "."


def valid_item(rng: random.Random, feed: int, n: int, port: int) -> tuple[str, str]:
    title = f"Valid {feed}-{n}: " + " ".join(rng.sample(WORDS, 6))
    text = " ".join(sentence(rng) for _ in range(8))  # plain text over 400 characters: no page fetched
    link = f"http://127.0.0.1:{port}/a/{feed}/{n}"
    item = (
        f"<item><title>{title}</title><link>{link}</link><guid>urn:valid:{feed}:{n}</guid>"
        f"<description>{text}</description><pubDate>Mon, 02 Nov 2026 08:{n:02d}:00 GMT</pubDate></item>"
    )
    return title, item


def bad_item(rng: random.Random, feed: int, n: int, port: int, server: LocalServer) -> str:
    link = rng.choice([*BAD_LINKS, f"/p/{feed}/{n}", f"http://127.0.0.1:{port}/p/{feed}/{n}"]).format(
        port=port
    )
    if link.endswith(f"/p/{feed}/{n}"):
        server.serve(f"/p/{feed}/{n}", rng.choice(BAD_PAGES))
    text = rng.choice(BAD_TEXT) if rng.random() < 0.6 else "Teaser."
    date = rng.choice(BAD_DATES)
    title = rng.choice(["", "<b>bold title", "x" * 5000, "\u0000null", f"Bad {feed}-{n}"])
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>urn:bad:{feed}:{n}</guid>"
        f"<description><![CDATA[{text}]]></description><pubDate>{date}</pubDate></item>"
    )


@pytest.fixture
def fuzz_bot(tmp_path: Path, http_server: LocalServer) -> tuple[Bot, dict[str, list[str]]]:
    rng = random.Random(20261201)
    port = int(http_server.url.rsplit(":", 1)[1])
    expected: dict[str, list[str]] = {}
    feeds = []
    for f in range(FEEDS):
        titles, items = zip(*(valid_item(rng, f, n, port) for n in range(2)), strict=True)
        bad = [bad_item(rng, f, n, port, http_server) for n in range(2, 2 + rng.randrange(0, 5))]
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Fuzz</title>'
            + "".join(items)
            + "".join(bad)
            + "</channel></rss>"
        ).encode("utf-8", "surrogatepass")
        body = rng.choice(DAMAGE)(body)
        http_server.serve(f"/feed/{f}", body, ctype="application/rss+xml")
        expected[f"fuzz{f}"] = list(titles)
        feeds.append({"name": f"fuzz{f}", "url": f"{http_server.url}/feed/{f}", "backfill": 2})
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "fuzz.db")},
            "http": {"host_interval": 0, "per_host": 16, "timeout": 10},
            "feeds": feeds,
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    b = Bot(config, adapters={"console": MemoryAdapter()})
    http_server.serve(
        "/secret",
        f"<html><body><article><p>{SECRET} " + "internal text " * 40 + "</p></article></body></html>",
    )

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "intranet.fuzz" else []

    b.http.outbound.resolver = resolve  # no real DNS; the internal name would reach the test server
    yield b, expected
    b.close()


def test_malformed_feeds_and_pages_lose_nothing_valid(
    fuzz_bot: tuple[Bot, dict[str, list[str]]], caplog: pytest.LogCaptureFixture
) -> None:
    bot, expected = fuzz_bot
    with caplog.at_level(logging.WARNING):
        stored, sent = bot.run_once()  # no exception escapes the cycle
    assert stored >= 2 * FEEDS
    assert sent >= 1
    titles: dict[str, set[str]] = {}
    for row in bot.store.db.query("select feed, title from articles"):
        titles.setdefault(row["feed"], set()).add(row["title"])
    lost = [(feed, t) for feed, want in expected.items() for t in want if t not in titles.get(feed, set())]
    assert lost == []
    assert not [r for r in caplog.records if r.exc_info or "unexpected" in r.getMessage()]
    assert SECRET not in " ".join(r["text"] for r in bot.store.db.query("select text from articles"))
