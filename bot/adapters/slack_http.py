"""Slack HTTP mode: slack-bolt's async app on the bot's aiohttp server, at /slack/events."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay

from bot.adapters.slack import render_block
from bot.adapters.slack_commands import Answer, mention_line

EVENTS_PATH = "/slack/events"  # slash commands, interactivity and events all arrive here


def build_async_app(signing_secret: str, token: str, answer: Answer, api_url: str | None = None) -> AsyncApp:
    """An async bolt app answering /wirewatch (acked at once, the reply sent lazily through
    response_url) and mentions of the bot (answered in a thread); the store work runs in a thread."""
    app = AsyncApp(signing_secret=signing_secret, token=token, process_before_response=False)
    if api_url:  # a client of its own would make bolt warn that the token is unused
        app.client.base_url = api_url.rstrip("/") + "/"

    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    async def reply(command: dict[str, Any], respond: AsyncRespond) -> None:
        message, ok = await asyncio.to_thread(
            answer, command.get("text", ""), command.get("user_id", ""), command.get("channel_id", "")
        )
        first = message.blocks[0].text if message.blocks else ""
        await respond(
            text=message.fallback[:3000],
            blocks=[render_block(b) for b in message.blocks][:50],
            response_type="in_channel" if ok and not first.startswith("wirewatch commands") else "ephemeral",
        )

    async def mentioned(event: dict[str, Any], say: AsyncSay) -> None:
        line = mention_line(event.get("text", ""))
        message, _ok = await asyncio.to_thread(answer, line, event.get("user", ""), event.get("channel", ""))
        await say(
            text=message.fallback[:3000],
            blocks=[render_block(b) for b in message.blocks][:50],
            thread_ts=event.get("thread_ts") or event.get("ts"),
        )

    app.command("/wirewatch")(ack=acknowledge, lazy=[reply])
    app.event("app_mention")(mentioned)
    return app


def mount(web_app: web.Application, app: AsyncApp) -> None:
    """Route Slack's requests (verified by bolt's signature check) to the async app."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app.router.add_post(EVENTS_PATH, events)
