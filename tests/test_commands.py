"""Commands: the neutral layer, `wirewatch ask`, and /wirewatch through the real slack-bolt App."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import EXAMPLES, run_cli
from fake_platforms import FakeAPI, slack_default
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.memory import MemoryAdapter
from bot.adapters.slack_commands import build_app
from bot.app import Bot
from bot.commands import Context, answer, fts_query, parse
from bot.config import parse_config
from bot.models import Article

SECRET = "test-signing-secret"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "c.db")},
            "feeds": [{"name": "samples", "url": str(EXAMPLES), "backfill": 10}],
            "channels": [{"platform": "console", "id": "desk"}],
            "bot": {"admins": ["UADMIN"]},
        }
    )
    b = Bot(config, adapters={"console": MemoryAdapter()})
    b.run_once()
    yield b
    b.close()


def ctx(bot: Bot) -> Context:
    return Context(
        bot.store,
        frozenset(bot.config.admins),
        resolve=lambda host: ["93.184.215.14"],
        send_digest=lambda channel: 1,
        feeds=bot.watched,
    )


EVERY_COMMAND = [
    ("help", "/wirewatch stories [query]"),
    ("stories dam", "Engineers find widening cracks in Varna dam"),
    ("story s-01-wirepress-dam-cracks", "rewrite: Varna dam cracks widen"),
    ("quotes Petrov", "Ana Petrov: “If Varna is cracking"),
    ("speakers Dascalu", "Mirela Dascalu: 5 statements"),
    ("feeds", "samples:"),
    ("digest now", "igest sent"),  # "Digest sent (1 message)." or, once sent, "No digest sent: nothing new …"
]


@pytest.mark.parametrize(
    "line,expect",
    [
        ("help", "/wirewatch stories [query]"),
        ("stories dam", "Engineers find widening cracks in Varna dam"),
        ("stories bike", "City council approves"),
        ("story s-01-wirepress-dam-cracks", "rewrite: Varna dam cracks widen"),
        ("quotes Petrov", "Ana Petrov: “If Varna is cracking"),
        ("quotes Dascalu --new --since 30d", "NEW Mirela Dascalu"),
        ("speakers Dascalu", "Mirela Dascalu: 5 statements"),
        ("feeds", "samples:"),
        ("digest now", "Digest sent (1 message)."),
    ],
)
def test_every_command_answers(bot: Bot, line: str, expect: str) -> None:
    reply, ok = answer(line, ctx(bot), user="UADMIN", channel="desk")
    assert ok, reply.as_text()
    assert expect in reply.as_text()


def test_an_empty_list_of_stories_says_where_to_look_instead(bot: Bot) -> None:
    none = answer("stories zanzibar", ctx(bot))[0].as_text()
    assert "0 STORIES" in none.upper() and "--since 30d looks further back" in none
    assert "No stories found" not in none
    longer = answer("stories zanzibar --since 30d", ctx(bot))[0].as_text()
    assert "Nothing matches in that time." in longer and "--since 30d" not in longer


@pytest.mark.parametrize("command", ["story-quotes", "coverage"])
def test_a_skip_past_the_end_says_so(bot: Bot, command: str) -> None:
    story = "s-01-wirepress-dam-cracks"
    assert "Nothing after" not in answer(f"{command} {story}", ctx(bot))[0].as_text()
    reply, ok = answer(f"{command} {story} --skip 100", ctx(bot))
    assert ok and f"Nothing after the first 100: /wirewatch {command} {story} lists them" in reply.as_text()


@pytest.mark.parametrize(
    "line,message",
    [
        ("frobnicate", "unknown command 'frobnicate'"),
        ("quotes --since soon", "not a duration"),
        ('stories "unbalanced', "unbalanced quotes: close the quotation mark you opened"),
        ("quotes --since 0d", "--since '0d' must be longer than zero"),
        ("stories --since 90000d", "--since '90000d' is longer than"),
        ("stories ((( ***", "no words to search for"),
        ("story s-nope", "no story 's-nope'"),
        ("quotes " + "x" * 500, "longer than 200 characters"),
        ("stories --sinse 7d", "unknown option --sinse"),
    ],
)
def test_bad_input_gets_a_short_usage_message(bot: Bot, line: str, message: str) -> None:
    reply, ok = answer(line, ctx(bot), user="U1")
    assert not ok and message in reply.as_text()
    assert "Traceback" not in reply.as_text()


def test_fts_queries_cannot_break_sqlite(bot: Bot) -> None:
    assert fts_query('dam" OR "x') == '"dam" "OR" "x"'
    for line in ['stories dam"', "stories NEAR(", "stories *", "stories -dam"]:
        answer(line, ctx(bot))  # no exception escapes


def test_only_admins_change_feeds_and_never_to_the_local_network(bot: Bot) -> None:
    reply, ok = answer("feeds add https://news.example/rss", ctx(bot), user="U1")
    assert not ok and "only admins" in reply.as_text()
    for url in [
        "http://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/feed",
        "file:///etc/passwd",
        "http://[::1]:8080/",
    ]:
        reply, ok = answer(f"feeds add {url}", ctx(bot), user="UADMIN")
        assert not ok, url
    local_name = Context(bot.store, frozenset({"UADMIN"}), resolve=lambda host: ["127.0.0.1"])
    reply, ok = answer("feeds add http://intranet.example/rss", local_name, user="UADMIN")
    assert not ok and "private or local network" in reply.as_text()
    reply, ok = answer("feeds add https://news.example/rss --every 30m", ctx(bot), user="UADMIN")
    assert ok and "Now watching https://news.example/rss" in reply.as_text()
    assert [f.name for f in bot.feeds()] == ["samples", "news-example"]
    reply, ok = answer("feeds remove news-example", ctx(bot), user="UADMIN")
    assert ok and [f.name for f in bot.feeds()] == ["samples"]


def test_parse_options() -> None:
    request = parse("quotes Peskov --since 7d --new", user="U9")
    assert (request.name, request.args, request.new_only, request.since.days) == (
        "quotes",
        ["Peskov"],
        True,
        7,
    )


def test_ask_command_on_the_sample_database(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "a.db"}"\n[[feeds]]\nname = "samples"\nurl = "{EXAMPLES}"\nbackfill = 9\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n'
    )
    run_cli("run", "--config", str(config), "--once")
    for line, expect in EVERY_COMMAND:
        ok = run_cli("ask", line, "--config", str(config), "--channel", "desk")
        assert expect in ok.stdout, line
    bad = run_cli("ask", "quotes --since soon", "--config", str(config), check=False)
    assert bad.returncode == 2 and "not a duration" in bad.stdout and "Traceback" not in bad.stderr


def signed(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, list[str]]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [ts],
        "x-slack-signature": [signature],
    }


def slash(text: str, response_url: str, user: str = "U1") -> str:
    return urlencode(
        {
            "command": "/wirewatch",
            "text": text,
            "user_id": user,
            "channel_id": "C1",
            "team_id": "T1",
            "response_url": response_url,
            "trigger_id": "1.2.3",
            "token": "x",
        }
    )


def wait_for(api: FakeAPI, n: int) -> list[dict[str, object]]:
    return api.wait_posts("/respond", n)


def test_slack_slash_commands_through_bolt(bot: Bot) -> None:
    api = FakeAPI(
        lambda m, p, b: (200, {}, {"ok": True}) if p.startswith("/respond") else slack_default(m, p, b)
    )
    try:
        app = build_app(
            SECRET,
            "xoxb-test",
            lambda text, user, channel: answer(text, ctx(bot), user, channel),
            api_url=api.url + "/api/",
        )
        body = slash("stories dam", api.url + "/respond/1")
        response = app.dispatch(BoltRequest(body=body, headers=signed(body)))
        assert response.status == 200  # acknowledged at once
        (reply,) = wait_for(api, 1)
        assert reply["response_type"] == "in_channel"
        assert "Varna dam" in json.dumps(reply["blocks"])
        body = slash("quotes --since soon", api.url + "/respond/2")
        assert app.dispatch(BoltRequest(body=body, headers=signed(body))).status == 200
        error = wait_for(api, 2)[1]
        assert error["response_type"] == "ephemeral" and "not a duration" in error["text"]
        for headers in (signed(body, secret="wrong"), signed(body, timestamp=int(time.time()) - 3600)):
            assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 401
        body = slash("feeds add http://169.254.169.254/", api.url + "/respond/3", user="UADMIN")
        app.dispatch(BoltRequest(body=body, headers=signed(body)))
        assert "private or local network" in wait_for(api, 3)[2]["text"]
        body = slash("feeds add https://news.example/rss", api.url + "/respond/4", user="U1")
        app.dispatch(BoltRequest(body=body, headers=signed(body)))
        assert "only admins" in wait_for(api, 4)[3]["text"]
        for n, (line, expect) in enumerate(EVERY_COMMAND, 5):
            body = slash(line, api.url + f"/respond/{n}", user="UADMIN")
            assert app.dispatch(BoltRequest(body=body, headers=signed(body))).status == 200
            assert expect.replace("&", "&amp;") in json.dumps(wait_for(api, n)[n - 1], ensure_ascii=False), (
                line
            )
    finally:
        api.close()


GUILD, ADMIN_ROLE = 1500000000000000005, 1400000000000000004
ROLE = {
    "id": str(ADMIN_ROLE),
    "name": "desk-admins",
    "position": 1,
    "permissions": "0",
    "color": 0,
    "hoist": False,
    "managed": False,
    "mentionable": False,
}


def interaction_payload(
    sub: str, options: list[dict[str, object]], member: dict[str, object] | None = None
) -> dict[str, object]:
    """A slash-command interaction as Discord sends it: from a DM, or from a guild member."""
    user = {
        "id": "1600000000000000006",
        "username": "desk",
        "discriminator": "0",
        "avatar": None,
        "global_name": "Desk",
    }
    if member is not None:
        return {
            **interaction_payload(sub, options),
            "guild_id": str(GUILD),
            "guild": {"id": str(GUILD), "locale": "en-US", "features": []},
            "channel": {
                "id": "1800000000000000008",
                "type": 0,
                "guild_id": str(GUILD),
                "name": "desk",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
            },
            "member": {
                "user": user,
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                **member,
            },
            "user": None,
        }
    return {
        "id": "1700000000000000007",
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "application_id": "1100000000000000001",
        "attachment_size_limit": 8_000_000,
        "channel_id": "1800000000000000008",
        "channel": {"id": "1800000000000000008", "type": 1},
        "user": user,
        "locale": "en-US",
        "data": {
            "id": "1900000000000000009",
            "name": "wirewatch",
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": options}],
        },
    }


@pytest.fixture
def discord_api() -> Iterator[FakeAPI]:
    """A fake Discord API that acknowledges interactions, with discord.py pointed at it."""
    import discord
    from fake_platforms import discord_default

    def routes(
        method: str, path: str, body: dict[str, object]
    ) -> tuple[int, dict[str, str], dict[str, object]]:
        if "/callback" in path:
            return 200, {}, {"interaction": {"id": "1700000000000000007", "type": 2}}
        return discord_default(method, path, body)

    api = FakeAPI(routes)
    base, hook_base = discord.http.Route.BASE, discord.webhook.async_.Route.BASE
    discord.http.Route.BASE = discord.webhook.async_.Route.BASE = api.url + "/api/v10"
    yield api
    discord.http.Route.BASE, discord.webhook.async_.Route.BASE = base, hook_base
    api.close()


def test_discord_slash_commands_through_the_command_tree(bot: Bot, discord_api: FakeAPI) -> None:
    import asyncio

    import discord

    from bot.adapters.discord_commands import build_tree

    api = discord_api

    async def run(sub: str, options: list[dict[str, object]]) -> None:
        client = discord.Client(intents=discord.Intents.none())
        await client.http.static_login("discord-test-token")
        tree = build_tree(
            client, lambda text, user, channel, admin: answer(text, ctx(bot), user, channel, admin)
        )
        await tree._call(
            discord.Interaction(data=interaction_payload(sub, options), state=client._connection)
        )
        await client.close()

    asyncio.run(
        run(
            "quotes",
            [
                {"name": "speaker", "type": 3, "value": "Petrov"},
                {"name": "since", "type": 3, "value": "30d"},
            ],
        )
    )
    asyncio.run(run("quotes", [{"name": "since", "type": 3, "value": "soon"}]))
    every = [
        ("help", [], "/wirewatch stories [query]"),
        ("stories", [{"name": "query", "type": 3, "value": "dam"}], "Engineers find widening cracks"),
        (
            "story",
            [{"name": "story_id", "type": 3, "value": "s-01-wirepress-dam-cracks"}],
            "rewrite: Varna dam",
        ),
        ("speakers", [{"name": "query", "type": 3, "value": "Dascalu"}], "Mirela Dascalu: 5 statements"),
        ("feeds", [], "samples:"),
        ("digest", [], "only admins may send a digest now"),  # a member without role or permission
    ]
    for sub, options, _ in every:
        asyncio.run(run(sub, options))
    callbacks = [p for m, p, _, _ in api.requests if "/callback" in p]
    assert len(callbacks) == 2 + len(every)  # each deferred at once, answered after
    followups = api.posts("/webhooks/1100000000000000001/interaction-token")
    assert "Ana Petrov" in json.dumps(followups[0]["embeds"] + [followups[0]["content"]], ensure_ascii=False)
    assert followups[0]["allowed_mentions"] == {"parse": []}
    assert "not a duration" in json.dumps(followups[1], ensure_ascii=False)
    for (sub, _, expect), reply in zip(every, followups[2:], strict=True):
        assert expect in json.dumps(reply, ensure_ascii=False), sub
    assert followups[2].get("flags") == 64  # help is ephemeral
    assert followups[1].get("flags") == 64  # the error is ephemeral


def test_subscriptions_shape_the_channel_digest(bot: Bot) -> None:
    from bot.delivery import queue_digest

    context = Context(bot.store, frozenset({"UADMIN"}), platform="console")
    reply, ok = answer("subscribe keyword bike", context, user="U1", channel="desk")
    assert not ok and "only admins" in reply.as_text()
    reply, ok = answer("subscribe keyword bike", context, user="UADMIN", channel="desk")
    assert ok
    reply, ok = answer("subscribe feed nope", context, user="UADMIN", channel="desk")
    assert not ok and "no feed named 'nope'" in reply.as_text()
    bot.store.db.execute(
        "update digests set until = null"
    )  # forget the first digest: compose everything again
    adapter = bot.adapters["console"]
    queue_digest(bot.store, bot.config.channels[0])
    from bot.delivery import deliver

    deliver(bot.store, bot.adapters)
    text = adapter.sent[-1][1].as_text()  # type: ignore[attr-defined]
    assert "bike lanes" in text and "Varna" not in text
    reply, ok = answer("unsubscribe keyword bike", context, user="UADMIN", channel="desk")
    assert ok and not bot.store.db.table("subscriptions").count
    reply, ok = answer("unsubscribe keyword bike", context, user="UADMIN", channel="desk")
    assert not ok and "not subscribed" in reply.as_text()


def test_discord_admins_by_role_or_permission(bot: Bot, discord_api: FakeAPI) -> None:
    import asyncio

    import discord
    from fake_platforms import DISCORD_USER

    from bot.adapters.discord_commands import build_tree

    manage_guild = str(discord.Permissions(manage_guild=True).value)
    read_only = str(discord.Permissions(read_messages=True, send_messages=True).value)

    async def run(sub: str, options: list[dict[str, object]], member: dict[str, object]) -> None:
        client = discord.Client(intents=discord.Intents(guilds=True))
        await client.http.static_login("discord-test-token")
        state = client._connection
        state.user = discord.ClientUser(state=state, data=DISCORD_USER)  # what READY would have said
        guild = state._get_or_create_unavailable_guild(GUILD)  # what the guilds intent would have cached
        state._add_guild(guild)
        guild._add_role(discord.Role(guild=guild, state=state, data=ROLE))
        tree = build_tree(
            client,
            lambda text, user, channel, admin: answer(text, ctx(bot), user, channel, admin),
            admin_roles=[ADMIN_ROLE],
        )
        payload = interaction_payload(sub, options, member)
        await tree._call(discord.Interaction(data=payload, state=state))  # type: ignore[arg-type]
        await client.close()

    add = [{"name": "url", "type": 3, "value": "https://news.example/feed.xml"}]
    asyncio.run(run("feed-add", add, {"roles": [], "permissions": read_only}))
    asyncio.run(run("feed-add", add, {"roles": [], "permissions": manage_guild}))
    keyword = [
        {"name": "kind", "type": 3, "value": "keyword"},
        {"name": "value", "type": 3, "value": "dam"},
    ]
    asyncio.run(run("subscribe", keyword, {"roles": [str(ADMIN_ROLE)], "permissions": read_only}))
    asyncio.run(run("unsubscribe", keyword, {"roles": ["1300000000000000003"], "permissions": read_only}))
    replies = [json.dumps(r, ensure_ascii=False) for r in discord_api.posts("/webhooks/1100000000000000001/")]
    assert "only admins may change feeds" in replies[0]  # a member without role or permission
    assert "Now watching https://news.example/feed.xml" in replies[1]  # Manage Server
    assert "now gets only stories that match keyword 'dam'" in replies[2]  # the admin role
    assert "only admins may change subscriptions" in replies[3]  # another role
    assert bot.store.db.table("feeds").count_where("url = ?", ["https://news.example/feed.xml"]) == 1


def test_chat_commands_wait_for_the_bots_lock(bot: Bot) -> None:
    import threading

    context = Context(bot.store, frozenset(bot.config.admins), lock=bot.lock)
    replies: list[bool] = []
    with bot.lock:  # an ingest or a digest is writing
        asker = threading.Thread(target=lambda: replies.append(answer("feeds", context)[1]))
        asker.start()
        asker.join(0.3)
        assert asker.is_alive() and not replies  # the command waits its turn
    asker.join(5)
    assert replies == [True]


def test_a_slack_reply_longer_than_fifty_blocks_says_what_it_left_out(tmp_path: Path) -> None:
    from bot.commands import Command
    from bot.messages import Block, Message

    def long(request: object, context: object) -> Message:
        return Message(tuple(Block("text", f"line {i}") for i in range(80)), "80 lines")

    commands = {"long": Command("long", "long", long, "Eighty lines")}
    api = FakeAPI(
        lambda m, p, b: (200, {}, {"ok": True}) if p.startswith("/respond") else slack_default(m, p, b)
    )
    try:
        from bot.storage import Store

        store = Store(tmp_path / "s.db")
        app = build_app(
            SECRET,
            "xoxb-test",
            lambda text, user, channel: answer(text, Context(store, commands=commands), user, channel),
            api_url=api.url + "/api/",
        )
        body = slash("long", api.url + "/respond/1")
        assert app.dispatch(BoltRequest(body=body, headers=signed(body))).status == 200
        (reply,) = wait_for(api, 1)
        blocks = reply["blocks"]
        assert isinstance(blocks, list) and len(blocks) == 50
        assert "line 48" in json.dumps(blocks) and "line 49" not in json.dumps(blocks)
        assert blocks[-1]["elements"][0]["text"].startswith("… and 31 more lines")
        store.close()
    finally:
        api.close()


def live_and_both(tmp_path: Path) -> Path:
    """A config with a live-only and a live-and-digest console channel, over a store with one story."""
    config = tmp_path / "modes.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "modes.db"}"\n'
        '[[channels]]\nplatform = "console"\nid = "live"\nmode = "live"\n'
        '[[channels]]\nplatform = "console"\nid = "both"\nmode = "both"\n',
        encoding="utf-8",
    )
    bot = Bot(parse_config({"storage": {"path": str(tmp_path / "modes.db")}}), adapters={})
    try:
        text = (EXAMPLES / "01-wirepress-dam-cracks.txt").read_text(encoding="utf-8")
        bot.pipeline.ingest(Article("dam", text, "Dam wall cracks after the rain", "Wire"))
    finally:
        bot.close()
    return config


def test_digest_now_in_a_live_only_channel_is_refused_and_a_both_channel_gets_one(tmp_path: Path) -> None:
    config = str(live_and_both(tmp_path))
    live = run_cli("ask", "digest now", "--config", config, "--channel", "live", check=False)
    assert live.returncode == 2, live.stderr
    assert live.stdout.strip() == "channel live is a live channel: it gets story cards, no digest"
    both = run_cli("ask", "digest now", "--config", config, "--channel", "both", check=False)
    assert both.returncode == 0, both.stderr
    assert "WIREWATCH DIGEST: 1 STORY" in both.stdout and "Digest sent (1 message)." in both.stdout
    # the terminal's digest command refuses it too, with or without --print
    for extra in ((), ("--print",)):
        refused = run_cli("digest", "--config", config, "--channel", "live", *extra, check=False)
        assert refused.returncode == 1 and "live is a live channel" in refused.stderr
        assert "WIREWATCH DIGEST" not in refused.stdout


def test_subscribe_says_what_the_digest_now_has_and_refuses_a_channel_not_in_the_config(
    tmp_path: Path,
) -> None:
    config = tmp_path / "subs.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "subs.db"}"\n'
        f'[[feeds]]\nname = "Coast Bee"\nurl = "{EXAMPLES}"\n'
        f'[[feeds]]\nname = "Inland Post"\nurl = "{tmp_path}"\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n',
        encoding="utf-8",
    )
    args = ["--config", str(config), "--channel"]
    first = run_cli("ask", 'subscribe feed "Coast Bee"', *args, "desk").stdout.strip()
    assert first == "This channel now gets only stories from feed 'Coast Bee' (before: every story)."
    again = run_cli("ask", 'subscribe feed "Coast Bee"', *args, "desk").stdout.strip()
    assert (
        again
        == "This channel is already subscribed to feed 'Coast Bee': it gets only stories from feed 'Coast Bee'."
    )
    wider = run_cli("ask", 'subscribe feed "Inland Post"', *args, "desk").stdout.strip()
    assert wider.startswith("This channel now gets only stories from feeds 'Coast Bee' or 'Inland Post'")
    narrower = run_cli("ask", "subscribe keyword ferry", *args, "desk").stdout.strip()
    assert narrower.startswith(
        "This channel now gets only stories from feeds 'Coast Bee' or 'Inland Post' that match "
        "keyword 'ferry'"
    )
    nosuch = run_cli("ask", "subscribe keyword ferry", *args, "nosuch", check=False)
    assert nosuch.returncode == 2
    assert nosuch.stdout.strip() == "console channel nosuch is not in the config: it gets no digest"
    with sqlite3.connect(tmp_path / "subs.db") as conn:
        rows = conn.execute("select channel, kind, value from subscriptions order by value").fetchall()
    assert rows == [
        ("desk", "feed", "Coast Bee"),
        ("desk", "feed", "Inland Post"),
        ("desk", "keyword", "ferry"),
    ]
