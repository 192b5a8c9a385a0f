"""The story buttons on live cards: Slack through slack-bolt's signature-checked actions, Discord through
persistent components, both against local fakes; presses are recorded, a muted story goes quiet."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import discord
from aiohttp import WSMsgType, web
from fake_platforms import FakeAPI, FakeDiscord, FakeSlack, slack_default
from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier
from test_live import DISCORD, QUOTE_1, SLACK, cards, make_bot, original, rewrite

from bot import queries
from bot.adapters.discord import pressed
from bot.adapters.discord_commands import build_client, on_button
from bot.adapters.slack_commands import build_app, serve
from bot.app import Bot
from bot.commands import answer
from bot.messages import Message
from bot.models import Article

SECRET = "button-signing-secret"


def signed(body: str, secret: str = SECRET) -> dict[str, list[str]]:
    ts = str(int(time.time()))
    return {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [ts],
        "x-slack-signature": [SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)],
    }


def block_actions(card: dict[str, Any], action: dict[str, Any], response_url: str) -> str:
    """A button press as Slack sends it: a form with one JSON payload."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U7", "username": "desk", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "x",
        "container": {
            "type": "message",
            "message_ts": card["ts"],
            "channel_id": SLACK,
            "is_ephemeral": False,
        },
        "trigger_id": "1.2.3",
        "team": {"id": "T1", "domain": "desk"},
        "channel": {"id": SLACK, "name": "live"},
        "message": {"type": "message", "ts": card["ts"], "text": card["text"], "blocks": card["blocks"]},
        "response_url": response_url,
        "actions": [{**action, "block_id": "story", "action_ts": "1.2"}],
    }
    return urlencode({"payload": json.dumps(payload)})


def responses(api: FakeAPI, n: int) -> list[dict[str, Any]]:
    return api.wait_posts("/respond", n)


def presses(bot: Bot) -> list[tuple[str, str, str]]:
    return [(r["user"], r["action"], r["channel"]) for r in bot.store.db.query("select * from presses")]


def responder() -> FakeAPI:
    """A fake of Slack's response_url (and of its API for anything else)."""
    return FakeAPI(
        lambda m, p, b: (200, {}, {"ok": True}) if p.startswith("/respond") else slack_default(m, p, b)
    )


def posted_card(bot: Bot, slack: FakeSlack) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A story (an original and a rewrite) posted as a live card; the card and its buttons by label."""
    bot.pipeline.ingest(original())
    bot.pipeline.ingest(rewrite(1))
    bot.send_live()
    [card] = cards(slack)
    [actions] = [b for b in card["blocks"] if b["type"] == "actions"]
    return card, {e["text"]["text"]: e for e in actions["elements"]}


def asker(bot: Bot) -> Callable[[str, str, str], tuple[Message, bool]]:
    """The answer function the Slack apps are given: a command line run against the bot's store."""
    return lambda text, user, channel: answer(text, bot.context("slack"), user, channel)


def test_slack_buttons_answer_ephemerally_and_mute_the_story(tmp_path: Path, slack: FakeSlack) -> None:
    bot, clock = make_bot(tmp_path, slack, edit_every="1s")
    respond = responder()
    try:
        card, by_label = posted_card(bot, slack)
        assert set(by_label) == {"Mute story", "All coverage", "Quotes"}
        app = build_app(
            SECRET,
            "xoxb-test",
            asker(bot),
            api_url=slack.url + "/api/",
        )
        body = block_actions(card, by_label["All coverage"], respond.url + "/respond/1")
        forged = app.dispatch(BoltRequest(body=body, headers=signed(body, secret="not-the-secret")))
        assert forged.status == 401 and presses(bot) == []
        assert app.dispatch(BoltRequest(body=body, headers=signed(body))).status == 200
        [listing] = responses(respond, 1)
        assert listing["response_type"] == "ephemeral" and listing["replace_original"] is False
        text = json.dumps(listing["blocks"], ensure_ascii=False)
        assert "Wire A · new" in text and "Outlet 1 · rewrite" in text
        body = block_actions(card, by_label["Mute story"], respond.url + "/respond/2")
        assert app.dispatch(BoltRequest(body=body, headers=signed(body))).status == 200
        assert "Muted story" in responses(respond, 2)[1]["text"]
        assert presses(bot) == [("U7", "coverage", SLACK), ("U7", "mute", SLACK)]
        before = len(slack.requests)
        clock.advance(120)
        bot.pipeline.ingest(rewrite(2, QUOTE_1))  # a new quote and a rewrite: no reply, no edit now
        bot.send_live()
        assert [r for r in slack.requests[before:] if "chat." in r[1]] == []
    finally:
        respond.close()
        bot.close()


def test_slack_buttons_work_in_http_mode_as_in_socket_mode(tmp_path: Path, slack: FakeSlack) -> None:
    from slack_bolt.request.async_request import AsyncBoltRequest

    from bot.adapters.slack_http import build_async_app

    bot, _clock = make_bot(tmp_path, slack, edit_every="1s")
    respond = responder()
    try:
        card, by_label = posted_card(bot, slack)
        app = build_async_app(
            SECRET,
            "xoxb-test",
            asker(bot),
            api_url=slack.url + "/api/",
        )

        async def press(label: str, n: int) -> tuple[int, dict[str, Any]]:
            body = block_actions(card, by_label[label], respond.url + f"/respond/{n}")
            status = (await app.async_dispatch(AsyncBoltRequest(body=body, headers=signed(body)))).status
            return status, (await asyncio.to_thread(responses, respond, n))[n - 1]

        async def both() -> list[tuple[int, dict[str, Any]]]:
            return [await press("All coverage", 1), await press("Mute story", 2)]

        async def garbled() -> int:
            body = block_actions(card, by_label["Mute story"], respond.url + "/respond/9")
            headers = {**signed(body), "x-slack-request-timestamp": ["soon"]}
            return (await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))).status

        assert asyncio.run(garbled()) == 401  # not bolt's 500 and traceback
        (listed, listing), (muted, mute) = asyncio.run(both())
        assert listed == muted == 200  # before, HTTP mode had no handler for them: 404
        assert listing["response_type"] == "ephemeral" and listing["replace_original"] is False
        assert "Outlet 1 · rewrite" in json.dumps(listing["blocks"], ensure_ascii=False)
        assert "Muted story" in mute["text"]
        assert presses(bot) == [("U7", "coverage", SLACK), ("U7", "mute", SLACK)]
    finally:
        respond.close()
        bot.close()


def component(custom_id: str) -> dict[str, Any]:
    """A button press as Discord sends the interaction."""
    user = {"id": "1600000000000000006", "username": "desk", "discriminator": "0", "avatar": None}
    return {
        "id": "1700000000000000017",
        "type": 3,
        "token": "press-token",
        "version": 1,
        "application_id": "1100000000000000001",
        "channel_id": DISCORD,
        "channel": {"id": DISCORD, "type": 1},
        "user": user,
        "locale": "en-US",
        "attachment_size_limit": 8_000_000,
        "data": {"custom_id": custom_id, "component_type": 2},
    }


async def discord_press(bot: Bot, custom_id: str) -> bool:
    """A press of a story button answered by on_button, through a fresh client (nothing kept from the
    one that posted the card)."""
    client = discord.Client(intents=discord.Intents.none())
    await client.http.static_login("discord-test-token")
    interaction = discord.Interaction(data=component(custom_id), state=client._connection)  # type: ignore[arg-type]
    done = await on_button(interaction, lambda t, u, c, a: answer(t, bot.context("discord"), u, c, a))
    await client.close()
    return done


def test_discord_buttons_are_persistent_components(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    bot, _ = make_bot(tmp_path, slack, discord_api)
    base = discord.http.Route.BASE
    try:
        bot.pipeline.ingest(original())
        bot.send_live()
        [posted] = [b for b in discord_api.posts("/messages") if b.get("components")]
        ids = [c["custom_id"] for row in posted["components"] for c in row["components"]]
        story = bot.store.db.execute("select story_id from cards where platform = 'discord'").fetchone()[0]
        assert ids == [
            f"wirewatch:mute:{story}",
            f"wirewatch:coverage:{story}",
            f"wirewatch:story-quotes:{story}",
        ]
        assert [pressed(i) for i in ids] == [("mute", story), ("coverage", story), ("story-quotes", story)]
        assert pressed("someone-else:mute:x") is None

        discord.http.Route.BASE = discord_api.url + "/api/v10"  # the interaction's own client
        assert asyncio.run(discord_press(bot, f"wirewatch:coverage:{story}"))
        [callback] = [
            b for m, p, b, _ in discord_api.requests if p.split("?")[0].endswith("/press-token/callback")
        ]
        assert callback["data"]["flags"] == 64 and "Wire A · new" in json.dumps(
            callback["data"], ensure_ascii=False
        )
        assert presses(bot) == [("1600000000000000006", "coverage", DISCORD)]
    finally:
        discord.http.Route.BASE = base
        bot.close()


def test_digest_entries_carry_the_story_buttons(tmp_path: Path, slack: FakeSlack) -> None:
    bot, _ = make_bot(tmp_path, slack, mode="both")
    try:
        bot.pipeline.ingest(original())
        bot.send_digests()
        digest = [m for m in slack.posted(SLACK) if "wirewatch digest" in m["text"]]
        assert len(digest) == 1
        actions = [b for b in digest[0]["blocks"] if b["type"] == "actions"]
        story = bot.store.db.execute("select story_id from cards").fetchone()[0]
        assert [e["value"] for e in actions[0]["elements"]] == [story] * 3
        assert len(cards(slack)) == 2  # and, in mode "both", its live card beside the digest
    finally:
        bot.close()


class SocketModeServer:
    """Slack's Socket Mode end on 127.0.0.1 (an aiohttp websocket server in a thread): says hello,
    sends the envelopes it is given, keeps what the app sends back (its acks)."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.envelopes = envelopes
        self.received: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        started.wait(10)
        self.url = f"ws://127.0.0.1:{self.port}/link"

    def _run(self, started: threading.Event) -> None:
        async def link(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}
            await ws.send_json(hello)
            for envelope in self.envelopes:
                await ws.send_json(envelope)
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.received.append(json.loads(msg.data))
            return ws

        async def start() -> None:
            app = web.Application()
            app.router.add_get("/link", link)
            self.runner = web.AppRunner(app)
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            started.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def test_slack_buttons_work_through_socket_mode(tmp_path: Path, slack: FakeSlack) -> None:
    bot, _ = make_bot(tmp_path, slack)
    respond = FakeAPI(lambda m, p, b: (200, {}, {"ok": True}))
    server: SocketModeServer | None = None
    handler = None
    try:
        card, by_label = posted_card(bot, slack)
        form = block_actions(card, by_label["All coverage"], respond.url + "/respond/1")
        payload = json.loads(parse_qs(form)["payload"][0])
        envelope = {"envelope_id": "env-1", "type": "interactive", "payload": payload}
        server = SocketModeServer([{**envelope, "accepts_response_payload": False}])
        slack.socket_url = server.url
        app = build_app(
            SECRET,  # Socket Mode requests carry no signature: the connection is the app's own
            "xoxb-test",
            asker(bot),
            api_url=slack.url + "/api/",
        )
        handler = serve(app, "xapp-test-token")
        [listing] = responses(respond, 1)
        assert listing["response_type"] == "ephemeral" and listing["replace_original"] is False
        assert "Outlet 1 · rewrite" in json.dumps(listing["blocks"], ensure_ascii=False)
        assert {"envelope_id": "env-1"} in server.received  # acked on the socket
        assert slack.posts("apps.connections.open")
        assert presses(bot) == [("U7", "coverage", SLACK)]
    finally:
        if handler is not None:
            handler.close()  # type: ignore[no-untyped-call]
        if server is not None:
            server.close()
        respond.close()
        bot.close()


def test_a_discord_button_press_reaches_on_button_through_the_clients_event_path(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    bot, _ = make_bot(tmp_path, slack, discord_api)
    base = discord.http.Route.BASE
    try:
        bot.pipeline.ingest(original())
        bot.pipeline.ingest(rewrite(1))
        bot.send_live()
        story = bot.store.db.execute("select story_id from cards where platform = 'discord'").fetchone()[0]

        def callbacks() -> list[dict[str, Any]]:
            return [
                b for m, p, b, _ in discord_api.requests if p.split("?")[0].endswith("/press-token/callback")
            ]

        async def gateway_press(custom_id: str) -> None:
            """The client serve() runs, fed an INTERACTION_CREATE as the gateway delivers it."""
            client = build_client(lambda t, u, c, a: answer(t, bot.context("discord"), u, c, a))
            async with client:
                await client.http.static_login("discord-test-token")
                client._connection.parse_interaction_create(component(custom_id))  # type: ignore[arg-type]
                for _ in range(500):  # the event's handler runs as a task on the client's loop
                    if callbacks():
                        break
                    await asyncio.sleep(0.01)

        discord.http.Route.BASE = discord_api.url + "/api/v10"
        asyncio.run(gateway_press(f"wirewatch:coverage:{story}"))
        [callback] = callbacks()
        assert callback["type"] == 4 and callback["data"]["flags"] == 64  # a reply only the presser sees
        assert "Outlet 1 · rewrite" in json.dumps(callback["data"], ensure_ascii=False)
        assert presses(bot) == [("1600000000000000006", "coverage", DISCORD)]
    finally:
        discord.http.Route.BASE = base
        bot.close()


def test_buttons_of_a_story_with_a_long_id_fit_and_answer_for_it(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    """A feed item's id is often its URL: longer than Discord's 100-character custom id (before, cut
    there, so the press asked for a story that does not exist) and than Slack's 255-character block id."""
    bot, _ = make_bot(tmp_path, slack, discord_api)
    base = discord.http.Route.BASE
    head = "https://news.example.org/2026/12/01/" + "a-very-long-headline-slug-" * 10
    other = Article(
        head + "other",
        "The city council approved its winter budget on Tuesday after a long debate about bus fares.",
        "Council passes winter budget",
        "Wire B",
    )
    try:
        bot.pipeline.ingest(replace(original(), id=head + "dam"))
        bot.pipeline.ingest(other)  # another story whose id starts the same
        bot.send_live()
        posted = [b for b in discord_api.posts("/messages") if b.get("components")]
        ids = [c["custom_id"] for p in posted for row in p["components"] for c in row["components"]]
        assert len(ids) == len(set(ids)) == 6 and max(map(len, ids)) <= 100
        stories = [queries.story(bot.store.db, s) for _, s in filter(None, map(pressed, ids))]
        assert [s["id"] if s else None for s in stories] == ["s-" + head + "dam"] * 3 + [
            "s-" + head + "other"
        ] * 3
        slack_ids = [b["block_id"] for m in cards(slack) for b in m["blocks"] if b["type"] == "actions"]
        assert len(set(slack_ids)) == 2 and max(map(len, slack_ids)) <= 255

        discord.http.Route.BASE = discord_api.url + "/api/v10"
        assert asyncio.run(discord_press(bot, ids[1]))  # the first story's "All coverage"
        [callback] = [
            b for m, p, b, _ in discord_api.requests if p.split("?")[0].endswith("/press-token/callback")
        ]
        shown = json.dumps(callback["data"], ensure_ascii=False)
        assert "Wire A · new" in shown and "no story" not in shown

        listing, _ = answer("stories", bot.context("slack"), "U7", SLACK, False)
        listed = [b.text.rstrip("]").rsplit("  [", 1) for b in listing.blocks if b.text.endswith("]")]
        assert len(listed) == 2 and max(len(ref) for _, ref in listed) <= 60  # not a 300-character URL
        for headline, ref in listed:
            story, _ = answer(f"story {ref}", bot.context("slack"), "U7", SLACK, False)
            assert story.blocks[0].text == headline
        assert {h for h, _ in listed} == {"Council passes winter budget", original().title}
    finally:
        discord.http.Route.BASE = base
        bot.close()
