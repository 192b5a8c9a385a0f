"""Feeds that break in every way the web breaks: a real HTTP server on 127.0.0.1, nothing lost or doubled."""

from __future__ import annotations

import gzip
import logging
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import LocalServer

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config
from bot.storage import parse_time

ITEMS = {
    "ferry": (
        "Ferry runs aground off Isla Brava",
        "A passenger ferry ran aground off Isla Brava on Sunday night with 212 people on board, and the coast guard said everyone was taken ashore by fishing boats before midnight. "
        * 3,
    ),
    "market": (
        "Covered market reopens in Santa Lucia",
        "The old covered market in Santa Lucia reopened on Saturday after a two-year restoration paid for by the regional government and a bond approved by voters. "
        * 3,
    ),
    "bridge": (
        "Tolls end on the Corvo bridge",
        "Drivers crossing the Corvo bridge will stop paying tolls from March after the concession expired, the transport ministry said on Friday morning. "
        * 3,
    ),
}


def rss(items: list[tuple[str, str, str]]) -> bytes:
    """RSS 2.0 with full text in content:encoded; items are (guid, title, text)."""
    entries = "".join(
        f"<item><title>{t}</title><guid>urn:{g}</guid><link>http://news.example/{g}</link>"
        f"<content:encoded><![CDATA[<p>{x}</p>]]></content:encoded>"
        f"<pubDate>Mon, 0{i + 1} Nov 2026 08:00:00 GMT</pubDate></item>"
        for i, (g, t, x) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
        f"{entries}</channel></rss>"
    ).encode()


def items(*names: str) -> list[tuple[str, str, str]]:
    return [(n, *ITEMS[n]) for n in names]


def bot(
    tmp_path: Path,
    server: LocalServer,
    adapter: MemoryAdapter,
    backfill: int = 0,
    feed: dict[str, object] | None = None,
    **http: object,
) -> Bot:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "h.db")},
            "http": {"host_interval": 0, **http},
            "feeds": [
                {
                    "name": "news",
                    "url": f"{server.url}/feed",
                    "every": "10m",
                    "backfill": backfill,
                    **(feed or {}),
                }
            ],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    return Bot(config, adapters={"console": adapter})


def serve(server: LocalServer, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
    server.routes["/feed"] = lambda _h: (
        status,
        {"Content-Type": "application/rss+xml", **(headers or {})},
        body,
    )


def titles(b: Bot) -> list[str]:
    return sorted(r["title"] for r in b.store.db.query("select title from articles"))


def test_first_poll_floods_nothing_and_later_items_are_posted_once(
    tmp_path: Path, http_server: LocalServer
) -> None:
    adapter = MemoryAdapter()
    serve(http_server, rss(items("ferry", "market")))
    b = bot(tmp_path, http_server, adapter)
    assert b.run_once() == (2, 0)  # stored, not posted: backfill is 0
    serve(http_server, rss(items("ferry", "market", "bridge")))
    assert b.run_once() == (1, 1)
    text = adapter.sent[0][1].as_text()
    assert "Tolls end on the Corvo bridge" in text and "Ferry" not in text
    assert b.run_once() == (0, 0)  # a restart or a repeat posts nothing already known


def test_backfill_posts_only_the_newest_items(tmp_path: Path, http_server: LocalServer) -> None:
    adapter = MemoryAdapter()
    serve(http_server, rss(items("ferry", "market", "bridge")))
    bot(tmp_path, http_server, adapter, backfill=1).run_once()
    text = adapter.sent[0][1].as_text()
    assert "Corvo bridge" in text and "Ferry" not in text and "market" not in text


def test_rate_limited_feed_waits_as_asked(tmp_path: Path, http_server: LocalServer) -> None:
    serve(http_server, b"slow down", status=429, headers={"Retry-After": "120"})
    b = bot(tmp_path, http_server, MemoryAdapter())
    b.poll_all()
    row = b.store.db.table("feeds").get("news")
    wait = (parse_time(row["next_poll"]) - datetime.now(UTC)).total_seconds()
    assert 100 < wait <= 121 and "HTTP 429" in row["last_error"]
    requests = len(http_server.requests)
    assert b.poll_if_due(b.config.feeds[0]) == [] and len(http_server.requests) == requests  # not asked again


def test_failing_feed_is_reported_once_and_its_recovery_too(tmp_path: Path, http_server: LocalServer) -> None:
    adapter = MemoryAdapter()
    serve(http_server, rss(items("ferry")))
    b = bot(tmp_path, http_server, adapter, backfill=5)
    b.run_once()
    serve(http_server, b"oops", status=500)
    for _ in range(4):
        b.poll_all()
    row = b.store.db.table("feeds").get("news")
    assert row["failures"] == 4 and row["failing"] == 1
    assert parse_time(row["next_poll"]) > datetime.now(UTC)  # backing off
    serve(http_server, rss(items("ferry", "market")))
    b.run_once()
    notices = [m.as_text() for _, m in adapter.sent if "Feed news" in m.as_text()]
    assert len(notices) == 2
    assert "is failing after 3 attempts" in notices[0] and "HTTP 500" in notices[0]
    assert "has recovered" in notices[1]
    assert titles(b) == ["Covered market reopens in Santa Lucia", "Ferry runs aground off Isla Brava"]


@pytest.mark.parametrize(
    "name,route",
    [
        ("truncated", lambda: (200, {"Content-Type": "application/rss+xml"}, rss(items("ferry"))[:60])),
        (
            "html instead of xml",
            lambda: (200, {"Content-Type": "text/html"}, b"<html><body><h1>Welcome</h1></body></html>"),
        ),
        ("redirect loop", lambda: (302, {"Location": "/feed"}, b"")),
        ("empty body", lambda: (200, {"Content-Type": "application/rss+xml"}, b"")),
    ],
)
def test_broken_responses_are_errors_that_lose_nothing(
    tmp_path: Path, http_server: LocalServer, name: str, route: object
) -> None:
    serve(http_server, rss(items("ferry", "market")))
    b = bot(tmp_path, http_server, MemoryAdapter(), backfill=5)
    b.run_once()
    http_server.routes["/feed"] = lambda _h: route()  # type: ignore[operator]
    assert b.poll_all() == []
    assert b.store.db.table("feeds").get("news")["last_error"], name
    assert titles(b) == ["Covered market reopens in Santa Lucia", "Ferry runs aground off Isla Brava"]


def test_oversized_and_slow_responses(tmp_path: Path, http_server: LocalServer) -> None:
    serve(http_server, rss(items("ferry", "market", "bridge")) + b" " * 5_000)
    b = bot(tmp_path, http_server, MemoryAdapter())
    b.http.max_bytes = 2_000
    b.poll_all()
    assert "larger than 2000 bytes" in b.store.db.table("feeds").get("news")["last_error"]

    def slow(_h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(1.0)  # the server is slow; the bot must not wait for it
        return 200, {}, rss(items("ferry"))

    http_server.routes["/feed"] = slow
    b.close()
    b = bot(tmp_path, http_server, MemoryAdapter(), timeout=0.3)
    b.poll_all()
    assert "Timeout" in b.store.db.table("feeds").get("news")["last_error"]
    assert b.store.count("articles") == 0


def test_gzip_and_a_wrong_charset_declaration(tmp_path: Path, http_server: LocalServer) -> None:
    body = (
        rss(items("ferry"))
        .replace(b"Isla Brava", "Isla Bravá".encode())
        .replace(b'encoding="utf-8"', b'encoding="iso-8859-1"')
    )
    serve(http_server, gzip.compress(body), headers={"Content-Encoding": "gzip"})
    b = bot(tmp_path, http_server, MemoryAdapter(), backfill=5)
    assert len(b.poll_all()) == 1
    assert "Isla Brav" in titles(b)[0]


def test_edits_reused_guids_and_an_empty_feed_once(tmp_path: Path, http_server: LocalServer) -> None:
    adapter = MemoryAdapter()
    serve(http_server, rss(items("ferry", "market")))
    b = bot(tmp_path, http_server, adapter, backfill=5)
    b.run_once()
    posted = len(adapter.sent)
    serve(http_server, rss([]))  # an empty response erases nothing
    assert b.run_once() == (0, 0)
    edited = [
        ("ferry", ITEMS["ferry"][0] + " (updated)", ITEMS["ferry"][1].replace("Sunday", "Sunday evening")),
        ("market", "Corvo bridge tolls end", ITEMS["bridge"][1]),
    ]  # an edit, and a GUID reused for another story
    serve(http_server, rss(edited))
    assert b.run_once() == (1, 1)
    assert b.store.count("articles") == 3
    assert b.store.count("article_revisions") == 1  # the edit is a revision, not a new article
    text = adapter.sent[-1][1].as_text()
    assert "Corvo bridge tolls end" in text and "updated" not in text
    assert len(adapter.sent) == posted + 1


def test_last_modified_then_not_modified(tmp_path: Path, http_server: LocalServer) -> None:
    stamp = "Mon, 02 Nov 2026 08:00:00 GMT"
    body = rss(items("ferry"))

    def feed(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers.get("If-Modified-Since") == stamp:
            return 304, {}, b""
        return 200, {"Content-Type": "application/rss+xml", "Last-Modified": stamp}, body

    http_server.routes["/feed"] = feed
    b = bot(tmp_path, http_server, MemoryAdapter(), backfill=5)
    assert b.run_once() == (1, 1)
    assert b.run_once() == (0, 0)
    assert http_server.requests[-1][1].get("If-Modified-Since") == stamp


def test_publishers_interval_is_honoured(tmp_path: Path, http_server: LocalServer) -> None:
    body = rss(items("ferry")).replace(b"<title>T</title>", b"<title>T</title><ttl>60</ttl>")
    serve(http_server, body, headers={"Cache-Control": "max-age=900"})
    b = bot(tmp_path, http_server, MemoryAdapter())
    b.poll_all()
    wait = (
        parse_time(b.store.db.table("feeds").get("news")["next_poll"]) - datetime.now(UTC)
    ).total_seconds()
    assert 3500 < wait <= 3600  # the feed's ttl (an hour) is longer than our 10 minutes and max-age


def test_substantive_edits_are_posted_again_when_the_feed_asks(
    tmp_path: Path, http_server: LocalServer
) -> None:
    adapter = MemoryAdapter()
    serve(http_server, rss(items("ferry", "market")))
    b = bot(tmp_path, http_server, adapter, backfill=5, feed={"repost_edits": 0.25})
    b.run_once()
    posted = len(adapter.sent)
    more = " Divers found a second breach in the hull on Monday, and the owners said the ferry would be towed to the mainland."
    edited = [
        ("ferry", "Ferry that ran aground to be towed", ITEMS["ferry"][1] + more * 5),  # half is new
        ("market", ITEMS["market"][0], ITEMS["market"][1].replace("Saturday", "Saturday morning")),  # a word
    ]
    serve(http_server, rss(edited))
    assert b.run_once() == (0, 1)  # nothing new stored, one digest
    text = adapter.sent[-1][1].as_text()
    assert "UPDATED by news: Ferry that ran aground to be towed" in text
    assert "market" not in text.lower()  # the small edit is kept, not posted
    assert b.store.count("article_revisions") == 2 and b.store.count("articles") == 2
    assert b.run_once() == (0, 0)  # the same versions again: nothing to post
    assert len(adapter.sent) == posted + 1


def _asked(server: LocalServer) -> list[str]:
    paths = [p for p, _ in server.requests]
    server.requests.clear()
    return paths


@pytest.mark.parametrize("status,remembered", [(301, True), (308, True), (302, False), (307, False)])
def test_a_permanent_redirect_is_followed_once_and_then_asked_at_its_new_place(
    tmp_path: Path, http_server: LocalServer, status: int, remembered: bool
) -> None:
    serve(http_server, rss(items("ferry")))
    http_server.routes["/old"] = lambda _h: (status, {"Location": "/feed"}, b"")
    b = bot(tmp_path, http_server, MemoryAdapter(), feed={"url": f"{http_server.url}/old"})
    try:
        b.poll_all()
        assert _asked(http_server) == ["/old", "/feed"]
        b.poll_all()
        assert _asked(http_server) == (["/feed"] if remembered else ["/old", "/feed"])
        if remembered:  # the new place fails: the feed's own URL is asked again the time after
            http_server.routes["/feed"] = lambda _h: (404, {}, b"gone")
            b.poll_all()
            assert _asked(http_server) == ["/feed"]
            serve(http_server, rss(items("ferry", "market")))
            b.poll_all()
            assert _asked(http_server) == ["/old", "/feed"]
        assert titles(b) == sorted(
            ["Ferry runs aground off Isla Brava"]
            + (["Covered market reopens in Santa Lucia"] if remembered else [])
        )
    finally:
        b.close()


def test_a_redirect_hop_keeps_to_its_own_hosts_limits(
    tmp_path: Path, http_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    # the feed on 127.0.0.1 moves to the same server under another name, which asked to be left alone
    port = http_server.url.rsplit(":", 1)[1]
    serve(http_server, rss(items("ferry")))
    http_server.routes["/old"] = lambda _h: (302, {"Location": f"http://localhost:{port}/feed"}, b"")
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "h.db")},
            "bot": {"allow_hosts": ["localhost"]},
            "http": {"host_interval": 0},
            "feeds": [{"name": "news", "url": f"{http_server.url}/old", "every": "10m"}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    b = Bot(config, adapters={"console": MemoryAdapter()})
    try:

        async def rest() -> None:
            b.http.gate.rest("localhost", 600)

        b.http.run(rest())
        with caplog.at_level(logging.INFO, logger="bot.app"):
            b.poll_all()
        assert _asked(http_server) == ["/old"]  # not /feed: localhost's Retry-After holds for the hop too
        assert any("localhost asked to be left alone" in r.getMessage() for r in caplog.records)
        assert b.store.count("articles") == 0 and not b.store.db.table("feeds").get("news")["failures"]
    finally:
        b.close()
