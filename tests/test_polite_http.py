"""Politeness on a real local server: per-host concurrency and spacing, Retry-After, pages fetched once."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from conftest import LocalServer
from test_sources import FERRY, MARKET, page, rss

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config
from bot.http import HostGate
from bot.storage import parse_time


def make_bot(tmp_path: Path, feeds: list[dict[str, object]], **http: object) -> Bot:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "polite.db")},
            "http": http,
            "feeds": feeds,
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    return Bot(config, adapters={"console": MemoryAdapter()})


class Recorder:
    """A route that answers slowly and records when each request started and ended."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.spans: list[tuple[float, float]] = []
        self.lock = threading.Lock()

    def __call__(self, _h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        start = time.monotonic()
        time.sleep(self.delay)
        with self.lock:
            self.spans.append((start, time.monotonic()))
        return 200, {"Content-Type": "application/rss+xml"}, rss("http://news.example", [])

    def most_at_once(self) -> int:
        return max(sum(1 for s, e in self.spans if s <= start < e) for start, _ in self.spans)


def feeds_on(server: LocalServer, recorder: Recorder, n: int) -> list[dict[str, object]]:
    """n feeds on the one local host, all answered by the recorder."""
    for i in range(n):
        server.routes[f"/f{i}"] = recorder
    return [{"name": f"f{i}", "url": f"{server.url}/f{i}"} for i in range(n)]


def test_feeds_of_one_host_are_fetched_concurrently_within_its_limit(
    tmp_path: Path, http_server: LocalServer
) -> None:
    recorder = Recorder(delay=0.4)
    bot = make_bot(tmp_path, feeds_on(http_server, recorder, 6), per_host=2, host_interval=0)
    bot.poll_all()
    assert len(recorder.spans) == 6
    assert recorder.most_at_once() == 2  # concurrent, but never more than the host's limit


def test_request_starts_to_one_host_are_spaced(tmp_path: Path, http_server: LocalServer) -> None:
    recorder = Recorder(delay=0)
    bot = make_bot(tmp_path, feeds_on(http_server, recorder, 4), per_host=4, host_interval=0.3)
    bot.poll_all()
    starts = sorted(s for s, _ in recorder.spans)
    # The gate starts request i no sooner than 0.3 * i after the first; the server sees each start later
    # than it was sent, so the last arrives at least 0.9 s after the first, less the first one's delay on
    # the wire. Pairwise gaps would also depend on the delays of the others, which swing on a busy machine.
    assert len(starts) == 4 and starts[-1] - starts[0] > 0.6


def test_hosts_do_not_wait_for_each_other() -> None:
    async def scenario() -> dict[str, list[float]]:
        gate = HostGate(per_host=1, interval=0.5)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        seen: dict[str, list[float]] = {"a": [], "b": []}

        async def hit(host: str) -> None:
            async with gate.slot(host):
                seen[host].append(loop.time() - t0)

        await asyncio.gather(hit("a"), hit("a"), hit("b"))
        return seen

    seen = asyncio.run(scenario())
    assert seen["b"][0] < 0.2  # another host goes at once
    assert seen["a"][1] - seen["a"][0] >= 0.45  # the same host waits its interval


def test_a_host_that_asked_for_rest_is_left_alone(tmp_path: Path, http_server: LocalServer) -> None:
    http_server.routes["/busy"] = lambda _h: (429, {"Retry-After": "120"}, b"slow down")
    http_server.serve("/other", rss(http_server.url, []), ctype="application/rss+xml")
    feeds = [
        {"name": "busy", "url": f"{http_server.url}/busy"},
        {"name": "other", "url": f"{http_server.url}/other"},
    ]
    bot = make_bot(tmp_path, feeds, host_interval=0)
    busy, other = bot.feeds()
    bot.poll(busy)
    bot.poll(other)
    assert [p for p, _ in http_server.requests] == ["/busy"]  # the same host was not asked again
    row = bot.store.db["feeds"].get("other")
    assert not row["failures"]  # left alone is not a failure of that feed
    wait = (parse_time(row["next_poll"]) - datetime.now(UTC)).total_seconds()
    assert 100 < wait <= 120  # it is tried again when the host's wait is over


NAV = '<nav><a href="/">Home</a> <a href="/world/">World</a> <a href="/about">About us</a></nav>'


def listing(items: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="{path}">{title}</a></li>' for title, path in items)
    return f"<html><body>{NAV}<h1>World</h1><ul>{links}</ul><a href='/world/?page=2'>More</a></body></html>"


def test_a_web_page_is_read_as_a_list_of_article_links(tmp_path: Path, http_server: LocalServer) -> None:
    http_server.serve("/world/ferry-runs-aground", page("Ferry runs aground", "", FERRY))
    http_server.serve("/world/market", page("Covered market reopens", "", MARKET))
    http_server.serve(
        "/world/", listing([("Ferry runs aground off Isla Brava", "/world/ferry-runs-aground")])
    )
    feeds = [{"name": "world", "url": f"{http_server.url}/world/", "kind": "page", "backfill": 5}]
    bot = make_bot(tmp_path, feeds, host_interval=0)
    assert bot.run_once() == (1, 1)
    text = bot.store.db.execute("select text from articles").fetchone()[0]
    assert "coast guard captain Ines Moreau" in text
    http_server.serve(
        "/world/",
        listing(
            [
                ("Covered market reopens in Santa Lucia", "/world/market"),
                ("Ferry runs aground off Isla Brava", "/world/ferry-runs-aground"),
            ]
        ),
    )
    assert bot.run_once() == (1, 1)  # only the new link is stored and posted
    fetched = [p for p, _ in http_server.requests]
    assert fetched.count("/world/ferry-runs-aground") == 1  # a known article page is not fetched again
    assert "/about" not in fetched and "/" not in fetched  # navigation is not followed


def test_known_summary_only_entries_are_not_fetched_again(tmp_path: Path, http_server: LocalServer) -> None:
    http_server.serve("/a/ferry", page("Ferry runs aground off Isla Brava", "", FERRY))
    http_server.serve(
        "/feed", rss(http_server.url, [("Ferry runs aground", "/a/ferry")]), ctype="application/rss+xml"
    )
    bot = make_bot(tmp_path, [{"name": "news", "url": f"{http_server.url}/feed"}], host_interval=0)
    bot.poll_all()
    bot.poll_all()  # no validators: the feed is read again, but its known item is not
    assert [p for p, _ in http_server.requests] == ["/feed", "/a/ferry", "/feed"]
    assert bot.store.count("articles") == 1
