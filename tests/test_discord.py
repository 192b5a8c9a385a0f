"""Digests to Discord through the real discord.py against a local fake Discord API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import discord
import pytest
from fake_platforms import DISCORD_USER, FakeAPI, FakeDiscord
from test_slack import UNTIL, many_stories

from bot.adapters.discord import DiscordAdapter
from bot.config import Channel
from bot.delivery import deliver, queue_digest
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store

CHANNEL = Channel("discord", "1400000000000000004", max_stories=200)  # uncapped: these test the splitting


@pytest.fixture
def api() -> Iterator[FakeDiscord]:
    fake = FakeDiscord()
    base, hook_base = discord.http.Route.BASE, discord.webhook.async_.Route.BASE
    yield fake
    discord.http.Route.BASE, discord.webhook.async_.Route.BASE = base, hook_base
    fake.close()


def bot_adapter(api: FakeAPI) -> dict[str, DiscordAdapter]:
    return {"discord": DiscordAdapter(token="discord-test-token", api_url=api.url + "/api/v10")}


def test_digest_of_200_stories_respects_embed_limits(pipeline: Pipeline, store: Store, api: FakeAPI) -> None:
    many_stories(pipeline, 200)
    queue_digest(store, CHANNEL, until=UNTIL)
    parts = store.count("outbox")
    assert deliver(store, bot_adapter(api)) == parts > 1
    posts = api.posts(f"/channels/{CHANNEL.id}/messages")
    assert len(posts) == parts
    titles = 0
    for post in posts:
        embeds = post["embeds"]
        assert 1 <= len(embeds) <= 10
        assert sum(len(e.get("title", "")) + len(e.get("description", "")) for e in embeds) <= 6000
        for e in embeds:
            assert len(e["title"]) <= 256 and len(e.get("description", "")) <= 4096
        assert post["allowed_mentions"] == {"parse": []}
        titles += sum(e["title"].startswith("Story ") for e in embeds)
    assert titles == 200


def test_hostile_text_cannot_ping(pipeline: Pipeline, store: Store, api: FakeAPI) -> None:
    pipeline.ingest(
        Article(
            id="h",
            title="@everyone look <@&1234567> @here",
            text="“Everyone out now, @everyone,” said Ava Stone. The drill ended at noon with no injuries.",
        )
    )
    queue_digest(store, CHANNEL, until=UNTIL)
    deliver(store, bot_adapter(api))
    (post,) = api.posts("/messages")
    raw = json.dumps(post, ensure_ascii=False)
    assert "@everyone" not in raw and "@here" not in raw and "<@&1234567>" not in raw
    assert post["allowed_mentions"] == {"parse": []}


def test_rate_limit_then_success_posts_once(pipeline: Pipeline, store: Store, api: FakeAPI) -> None:
    many_stories(pipeline, 1)
    queue_digest(store, CHANNEL, until=UNTIL)
    api.script.append((200, {}, DISCORD_USER))  # the login
    api.script.append(
        (
            429,
            {"Retry-After": "0.01", "X-RateLimit-Scope": "user", "Via": "1.1 google"},
            {"message": "You are being rate limited.", "retry_after": 0.01, "global": False},
        )
    )
    assert deliver(store, bot_adapter(api)) == 1
    assert len(api.posts("/messages")) == 2  # the refused attempt and the message
    assert deliver(store, bot_adapter(api)) == 0


def test_unknown_channel_stops_retrying(pipeline: Pipeline, store: Store, api: FakeAPI) -> None:
    many_stories(pipeline, 1)
    queue_digest(store, CHANNEL, until=UNTIL)
    api.script.append((200, {}, DISCORD_USER))  # the login
    api.script.append((404, {}, {"message": "Unknown Channel", "code": 10003}))
    assert deliver(store, bot_adapter(api)) == 0
    row = next(store.db.query("select status, last_error from outbox"))
    assert row["status"] == "failed" and "Unknown Channel" in row["last_error"]


def test_webhook_alternative(pipeline: Pipeline, store: Store, api: FakeAPI) -> None:
    many_stories(pipeline, 2)
    queue_digest(store, CHANNEL, until=UNTIL)
    hook = DiscordAdapter(
        webhook_url="https://discord.com/api/webhooks/1500000000000000005/" + "t" * 68,
        api_url=api.url + "/api/v10",
    )
    assert deliver(store, {"discord": hook}) == 1
    (post,) = api.posts("/webhooks/1500000000000000005/")
    assert len(post["embeds"]) == 2 and post["allowed_mentions"] == {"parse": []}


def test_the_api_base_is_per_adapter_not_process_wide(pipeline: Pipeline, store: Store, api: FakeAPI) -> None:
    before = discord.http.Route.BASE, discord.webhook.async_.Route.BASE
    many_stories(pipeline, 1)
    queue_digest(store, CHANNEL, until=UNTIL)
    hook = DiscordAdapter(
        webhook_url="https://discord.com/api/webhooks/1500000000000000005/" + "t" * 68,
        api_url=api.url + "/api/v10",
    )
    assert deliver(store, bot_adapter(api)) == 1 and len(api.posts("/messages")) == 1
    queue_digest(store, CHANNEL, until=UNTIL, send_empty=True)
    assert deliver(store, {"discord": hook}) == 1 and api.posts("/webhooks/1500000000000000005/")
    assert before == (discord.http.Route.BASE, discord.webhook.async_.Route.BASE)  # no other bot is moved
