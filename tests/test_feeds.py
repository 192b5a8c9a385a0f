"""The feeds owner through the running bot: chat-added feeds are scheduled, configured ones stay."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import EXAMPLES, LocalServer, run_cli
from test_sources import rss

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.commands import answer
from bot.config import load_config
from bot.feeds import backoff
from bot.scheduler import build_scheduler


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(
        f'[storage]\npath = "{tmp_path / "bot.db"}"\n'
        '[bot]\nadmins = ["UADMIN"]\nallow_hosts = ["127.0.0.1"]\n'
        f'[[feeds]]\nname = "samples"\nurl = "{EXAMPLES}"\nbackfill = 9\nevery = "1h"\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n'
        '[[channels]]\nplatform = "console"\nid = "sports"\nkeywords = ["match"]\nsend_empty = true\n'
        + extra,
        encoding="utf-8",
    )
    return path


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    b = Bot(load_config(write_config(tmp_path)), adapters={"console": MemoryAdapter()})
    yield b
    b.close()


def test_a_feed_added_from_chat_is_polled_by_the_running_scheduler_and_listed(
    bot: Bot, http_server: LocalServer, tmp_path: Path
) -> None:
    polled = threading.Event()

    def feed(_h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        polled.set()
        return 200, {"Content-Type": "application/rss+xml"}, rss("http://news.example", [])

    http_server.routes["/rss"] = feed
    scheduler = build_scheduler(bot)
    runner = threading.Thread(target=scheduler.start, daemon=True)
    runner.start()
    try:
        reply, ok = answer(
            f"feeds add {http_server.url}/rss --every 1s", bot.context("console"), user="UADMIN"
        )
        assert ok, reply.as_text()
        assert scheduler.get_job("feed:127-0-0-1") is not None
        assert polled.wait(20), "the chat-added feed was never polled by the scheduler"
        listed = run_cli("feeds", "--config", str(tmp_path / "bot.toml"))
        assert f"127-0-0-1: {http_server.url}/rss (added from chat by UADMIN)" in listed.stdout
        assert "samples:" in listed.stdout
        reply, ok = answer("feeds remove 127-0-0-1", bot.context("console"), user="UADMIN")
        assert ok and scheduler.get_job("feed:127-0-0-1") is None  # and no longer polled
    finally:
        scheduler.shutdown(wait=False)
        runner.join(10)


def test_a_configured_feed_cannot_be_removed_from_chat(bot: Bot) -> None:
    bot.run_once()
    before = bot.watched.state(bot.config.feeds[0])
    reply, ok = answer("feeds remove samples", bot.context("console"), user="UADMIN")
    assert not ok and "set in the config file" in reply.as_text()
    assert bot.watched.state(bot.config.feeds[0]) == before and before.items_seen > 0
    assert [f.name for f in bot.feeds()] == ["samples"]


def test_digest_now_is_for_admins_and_only_the_asking_channel(bot: Bot) -> None:
    bot.run_once()
    adapter = bot.adapters["console"]
    assert isinstance(adapter, MemoryAdapter)
    adapter.sent.clear()
    reply, ok = answer("digest now", bot.context("console"), user="U1", channel="desk")
    assert not ok and "only admins" in reply.as_text()
    bot.store.db.execute("update digests set until = null")  # compose everything again
    reply, ok = answer("digest now", bot.context("console"), user="UADMIN", channel="sports")
    assert ok, reply.as_text()
    assert {channel for channel, _ in adapter.sent} == {"sports"}  # not desk's, though it has stories


def test_subscribe_and_refusals_through_wirewatch_ask(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[[channels]]\nplatform = "slack"\nid = "C1"\n')
    ok = run_cli("ask", "subscribe keyword dam", "--config", str(config), "--channel", "C1")
    assert "now gets only stories that match keyword 'dam'" in ok.stdout
    bot = Bot(load_config(config), adapters={"console": MemoryAdapter()})
    try:
        rows = list(bot.store.db.query("select platform, channel, kind, value from subscriptions"))
    finally:
        bot.close()
    assert rows == [{"platform": "slack", "channel": "C1", "kind": "keyword", "value": "dam"}]
    for line in ("digest now", "feeds remove samples", "subscribe keyword dam"):
        refused = run_cli(
            "ask", line, "--config", str(config), "--channel", "C1", "--user", "U1", check=False
        )
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, line


@pytest.mark.parametrize(
    "every,failures,retry_after,expected",
    [(600, 1, None, 600), (600, 3, None, 2400), (600, 30, None, 86400), (600, 5, 42.0, 42.0)],
)
def test_backoff_doubles_per_failure_up_to_a_day(
    every: int, failures: int, retry_after: float | None, expected: float
) -> None:
    assert backoff(every, failures, retry_after) == expected


def test_a_feed_added_from_chat_keeps_its_kind_backfill_and_repost_edits(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    first = Bot(config, adapters={"console": MemoryAdapter()})
    try:
        line = "feeds add https://news.example/world/ --kind page --backfill 2 --repost-edits 0.4 --every 30m"
        context = first.context("console")
        context.resolve = lambda host: ["93.184.215.14"]
        reply, ok = answer(line, context, user="UADMIN")
        assert ok, reply.as_text()
        reply, ok = answer("feeds add https://news.example/x --kind sitemap", context, user="UADMIN")
        assert not ok and "--kind 'sitemap' is not one of feed, page" in reply.as_text()
    finally:
        first.close()
    again = Bot(config, adapters={"console": MemoryAdapter()})  # after a restart
    try:
        added = again.watched.get("news-example")
    finally:
        again.close()
    assert added is not None
    assert (added.kind, added.backfill, added.repost_edits, added.every) == ("page", 2, 0.4, 1800)


def test_check_config_shows_what_chat_added_to_the_store(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[[channels]]\nplatform = "slack"\nid = "C1"\n')
    before = run_cli("check-config", str(path)).stdout
    assert "added from chat" not in before and "subscribed from chat" not in before
    bot = Bot(load_config(path), adapters={"console": MemoryAdapter()})
    try:
        context = bot.context("slack")
        context.resolve = lambda host: ["93.184.215.14"]
        assert answer("feeds add https://news.example/world/ --every 30m", context, user="UADMIN")[1]
        assert answer("subscribe keyword dam", context, user="UADMIN", channel="C1")[1]
    finally:
        bot.close()
    shown = run_cli("check-config", str(path)).stdout
    assert "feed news-example: https://news.example/world/ every 30m (added from chat)" in shown
    assert "subscribed from chat to keyword dam" in next(ln for ln in shown.splitlines() if "slack:C1" in ln)
