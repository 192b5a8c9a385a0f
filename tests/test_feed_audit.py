"""What an operator meets after weeks of real feeds: pages that fail once, charsets only the HTTP
header names, absurd Retry-After values, polls that take a while, and restarts over a digest time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from conftest import LocalServer

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config
from bot.models import Article
from bot.scheduler import build_scheduler
from bot.sources import fetch
from bot.storage import parse_time

STORY = (
    "The harbour board said on Tuesday that the new breakwater at Port Alder would be finished by "
    "spring, after divers found that the old one had shifted by half a metre during the winter storms. "
)


def make_bot(tmp_path: Path, server: LocalServer, **feed: object) -> Bot:
    tmp_path.mkdir(exist_ok=True)
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "audit.db")},
            "http": {"host_interval": 0},
            "feeds": [{"name": "port", "url": f"{server.url}/feed", "every": "10m", "backfill": 5, **feed}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    return Bot(config, adapters={"console": MemoryAdapter()})


def serve_feed(server: LocalServer, items: str) -> None:
    """An RSS feed of these items at /feed on the server."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Port</title>'
        f"{items}</channel></rss>"
    ).encode()
    server.routes["/feed"] = lambda _h: (200, {"Content-Type": "application/rss+xml"}, body)


def page(title: str, text: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>".encode()


def test_an_item_whose_page_failed_once_is_not_lost_behind_a_not_modified_feed(
    tmp_path: Path, http_server: LocalServer
) -> None:
    # a link-only item (no summary): its text is its page's, and the page answers 503 the first time
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Port</title>'
        f"<item><title>Breakwater finished by spring</title><link>{http_server.url}/a/breakwater</link>"
        "</item></channel></rss>"
    ).encode()

    def feed_route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if h.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, feed

    pages = iter([(503, b"busy")])

    def page_route(_h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, body = next(pages, (200, page("Breakwater finished by spring", STORY * 3)))
        return status, {"Content-Type": "text/html"}, body

    http_server.routes["/feed"] = feed_route
    http_server.routes["/a/breakwater"] = page_route
    b = make_bot(tmp_path, http_server)
    try:
        assert b.poll_all() == [] and b.store.count("articles") == 0  # the page failed: nothing stored
        stored = b.poll_all()  # the feed is read again (not "not modified"), and so is the page
        assert [r.article.title for r in stored] == ["Breakwater finished by spring"]
        assert b.poll_all() == []  # stored once; now the feed's validators are kept
        assert b.store.count("articles") == 1
        assert http_server.requests[-1][1].get("If-None-Match") == '"v1"'
    finally:
        b.close()


def test_a_retry_after_of_years_still_leaves_the_feed_tried_within_a_day(
    tmp_path: Path, http_server: LocalServer
) -> None:
    for n, asked in enumerate(("999999999", "Fri, 31 Dec 2100 23:59:59 GMT")):  # seconds, an HTTP date
        http_server.routes["/feed"] = lambda _h, a=asked: (429, {"Retry-After": a}, b"slow down")
        b = make_bot(tmp_path / str(n), http_server)
        try:
            b.poll_all()
            row = b.store.db.table("feeds").get("port")
        finally:
            b.close()
        wait = (parse_time(row["next_poll"]) - datetime.now(UTC)).total_seconds()
        assert "HTTP 429" in row["last_error"] and 86000 < wait <= 86400, asked


def test_a_feed_whose_charset_only_the_http_header_names_is_read_in_it(
    tmp_path: Path, http_server: LocalServer
) -> None:
    title = "Волнорез в порту достроят к весне"
    text = "Управление порта заявило во вторник, что новый волнорез будет достроен к весне. " * 6
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Порт</title>'
        f"<item><title>{title}</title><guid>urn:port:1</guid><description>{text}</description></item>"
        "</channel></rss>"
    ).encode("koi8-r")
    http_server.routes["/feed"] = lambda _h: (
        200,
        {"Content-Type": "application/rss+xml; charset=KOI8-R"},
        body,
    )
    b = make_bot(tmp_path, http_server)
    try:
        [result] = b.poll_all()
        assert result.article.title == title and "новый волнорез" in result.article.text
    finally:
        b.close()


def test_a_feed_is_read_at_its_interval_even_when_its_poll_took_a_while(
    tmp_path: Path, http_server: LocalServer
) -> None:
    serve_feed(
        http_server,
        f"<item><title>Breakwater</title><guid>urn:port:2</guid><description>{STORY}</description></item>",
    )
    b = make_bot(tmp_path, http_server)  # every 10m
    feed = b.config.feeds[0]
    try:
        began = datetime.now(UTC)
        b.poll_all()
        asked = len(http_server.requests)
        b.clock = lambda: began + timedelta(seconds=299)  # not twice as often as asked
        assert b.poll_if_due(feed) == [] and len(http_server.requests) == asked
        # the scheduler's next trigger comes one interval after the last, which fired as this poll
        # began; the poll took a second or more (its pages, the ingest lock), and is read all the same
        b.clock = lambda: began + timedelta(seconds=599)
        b.poll_if_due(feed)
        assert len(http_server.requests) == asked + 1
    finally:
        b.close()


def test_a_digest_time_the_bot_was_down_over_is_sent_once_soon_after_the_start(
    tmp_path: Path, http_server: LocalServer
) -> None:
    serve_feed(
        http_server,
        f"<item><title>Breakwater</title><guid>urn:port:3</guid><description>{STORY}</description></item>",
    )
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "down.db")},
            "http": {"host_interval": 0},
            "feeds": [{"name": "port", "url": f"{http_server.url}/feed", "backfill": 5}],
            "channels": [{"platform": "console", "id": "desk", "digest": "0 * * * *", "send_empty": True}],
        }
    )
    adapter = MemoryAdapter()
    b = Bot(config, adapters={"console": adapter})

    def catch_up() -> datetime | None:
        job = build_scheduler(b).get_job("digest:console:desk")
        return getattr(job, "next_run_time", None)  # None: left to the cron trigger's next time

    try:
        b.run_once()
        assert len(adapter.sent) == 1 and catch_up() is None  # this hour's digest is sent: none missed
        # as if the last digest was sent two hours ago and the bot was down over this hour's
        earlier = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="seconds")
        b.store.db.execute("update digests set until = ?", [earlier])
        b.store.db.conn.commit()
        started = datetime.now(UTC)
        late = catch_up()
        assert late is not None and started <= late <= started + timedelta(minutes=2)
        b.send_digests(config.channels)  # what that job runs
        assert len(adapter.sent) == 2 and catch_up() is None  # sent once: not again at the next start
    finally:
        b.close()


def test_a_held_bot_lock_does_not_stall_the_other_feeds_requests(
    tmp_path: Path, http_server: LocalServer
) -> None:
    # a summary-only entry: whether it is stored is asked under the bot's lock, which another thread
    # holds (a long ingest, a delivery waiting out a Retry-After)
    serve_feed(
        http_server,
        f"<item><title>Breakwater</title><link>{http_server.url}/a/breakwater</link>"
        "<description>A short summary.</description></item>",
    )
    http_server.routes["/other"] = lambda _h: (200, {"Content-Type": "text/plain"}, b"ok")
    b = make_bot(tmp_path, http_server)
    asking, release, held = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with b.lock:
            held.set()
            release.wait(30)

    def known(article: Article) -> bool:
        asking.set()
        return b._known(article)  # waits for the lock

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    held.wait(10)
    polling = threading.Thread(target=b.http.run, args=(fetch(b.config.feeds[0], b.http, known=known),))
    threads.append(polling)
    try:
        polling.start()
        assert asking.wait(10)
        with ThreadPoolExecutor(1) as pool:
            other = pool.submit(b.http.run, b.http.get(f"{http_server.url}/other"))
            assert other.result(timeout=10).text == "ok"  # answered while the lock is still held
        assert polling.is_alive()  # the poll itself waits for the lock, as it should
    finally:
        release.set()
        for t in threads:
            t.join(30)
        b.close()


def test_an_item_dated_ahead_of_its_fetch_is_dated_then_and_found_in_its_story(
    tmp_path: Path, http_server: LocalServer
) -> None:
    def feed(guid: str, title: str, text: str, date: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            f"<item><title>{title}</title><guid>{guid}</guid><pubDate>{date}</pubDate>"
            f"<description>{text}</description></item></channel></rss>"
        ).encode()

    wire = feed("urn:wire:1", "Breakwater by spring", STORY * 3, "Mon, 30 Nov 2026 08:00:00 GMT")
    # the same text retold by another outlet whose feed puts its date in 2100 (a typo)
    retold = STORY.replace("on Tuesday", "on Tuesday morning")
    courier = feed("urn:courier:1", "Port Alder breakwater", retold * 3, "Fri, 01 Jan 2100 08:00:00 GMT")
    http_server.routes["/feed"] = lambda _h: (200, {"Content-Type": "application/rss+xml"}, wire)
    http_server.routes["/courier"] = lambda _h: (200, {"Content-Type": "application/rss+xml"}, courier)
    b = make_bot(tmp_path, http_server)
    try:
        [original] = b.poll_all()
        before = datetime.now(UTC).replace(microsecond=0)
        [late] = b.poll(replace(b.config.feeds[0], name="courier", url=f"{http_server.url}/courier"))
        stamp = parse_time(late.article.published)
        assert stamp is not None and before <= stamp <= datetime.now(UTC)
        assert late.story == original.story and late.relation != "new"  # not a new story on its own
        assert original.article.published == "2026-11-30T08:00:00Z"  # a date in the past is kept
    finally:
        b.close()


def test_a_feed_whose_url_is_changed_in_the_config_starts_afresh(
    tmp_path: Path, http_server: LocalServer
) -> None:
    def feed(*guids: str) -> bytes:
        entries = "".join(
            f"<item><title>Item {g}</title><guid>urn:{g}</guid><description>{STORY} {g}</description></item>"
            for g in guids
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'.encode()

    seen: list[dict[str, str]] = []

    def section(body: bytes) -> Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]:
        def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            seen.append(dict(h.headers))
            return 200, {"Content-Type": "application/rss+xml", "ETag": '"same-etag"'}, body

        return route

    http_server.routes["/feed"] = section(feed("a1"))
    new_url = section(feed("b1", "b2", "b3"))
    answers = iter([lambda _h: (503, {}, b"down for a moment")])
    http_server.routes["/other"] = lambda h: next(answers, new_url)(h)
    b = make_bot(tmp_path, http_server, backfill=0)
    try:
        b.poll_all()  # the first poll: its backlog stored quietly
        moved = replace(b.config.feeds[0], url=f"{http_server.url}/other")  # the operator fixed the URL
        assert b.poll(moved) == [] and b.watched.state(moved).failures == 1  # it fails once at first
        results = b.poll(moved)
        assert len(results) == 3 and "If-None-Match" not in seen[-1]  # not the old URL's validators
        quiet = b.store.db.execute("select count(*) from articles where quiet = 1").fetchone()[0]
        assert quiet == 4  # the new URL's backlog is a backlog too: nothing of it floods the digest
        assert b.watched.state(moved).items_seen == 3
    finally:
        b.close()


def test_a_feed_labelled_iso_8859_1_is_read_as_windows_1252_as_browsers_do(
    tmp_path: Path, http_server: LocalServer
) -> None:
    title = "Harbour board: “finished by spring” – café reopens"
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Port</title>'
        f"<item><title>{title}</title><guid>urn:port:5</guid><description>{STORY * 3}</description></item>"
        "</channel></rss>"
    ).encode("cp1252")
    ctype = "application/rss+xml; charset=ISO-8859-1"
    http_server.routes["/feed"] = lambda _h: (200, {"Content-Type": ctype}, body)
    b = make_bot(tmp_path, http_server)
    try:
        [result] = b.poll_all()
        assert result.article.title == title
    finally:
        b.close()


def test_a_next_poll_set_by_a_clock_that_was_days_ahead_does_not_silence_the_feed(
    tmp_path: Path, http_server: LocalServer
) -> None:
    serve_feed(
        http_server,
        f"<item><title>Breakwater</title><guid>urn:port:6</guid><description>{STORY}</description></item>",
    )
    b = make_bot(tmp_path, http_server)  # every 10m
    feed = b.config.feeds[0]
    try:
        now = datetime.now(UTC)
        # the last poll ran while the machine's clock was three days ahead; it has been put right since
        b.watched.record_success(feed, None, None, 0, now=now + timedelta(days=3))
        b.poll_if_due(feed)
        assert len(http_server.requests) == 1
        # a wait the bot did set (a day's Retry-After) is still kept
        b.watched.record_failure(feed, "HTTP 429", retry_after=86400, now=now)
        assert b.poll_if_due(feed) == [] and len(http_server.requests) == 1
    finally:
        b.close()
