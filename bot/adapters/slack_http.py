"""Slack HTTP mode: slack-bolt's async app on the bot's aiohttp server, at /slack/events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_bolt.middleware.request_verification.async_request_verification import AsyncRequestVerification
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.adapters.slack_commands import (
    BUTTONS,
    Answer,
    bad_timestamp,
    command_reply,
    mention_reply,
    press_reply,
)

EVENTS_PATH = "/slack/events"  # slash commands, interactivity and events all arrive here


class _AsyncVerification(AsyncRequestVerification):
    """Slack's signature check, answering 401 (not 500) to a request whose timestamp is no number."""

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Refuse a request with a missing or non-numeric timestamp, then check its signature."""
        refused = bad_timestamp(req)
        if refused is not None:
            return refused
        response: BoltResponse = await super().async_process(req=req, resp=resp, next=next)
        return response


def build_async_app(signing_secret: str, token: str, answer: Answer, api_url: str | None = None) -> AsyncApp:
    """An async bolt app answering /wirewatch and the story buttons (acked at once, the reply sent
    lazily through response_url) and mentions of the bot (answered in a thread), as Socket Mode's app
    does (the same replies); the store work runs in a thread."""
    app = AsyncApp(
        signing_secret=signing_secret,
        token=token,
        request_verification_enabled=False,  # checked below, with the timestamp validated first
        process_before_response=False,
    )
    app.use(_AsyncVerification(signing_secret))
    if api_url:  # a client of its own would make bolt warn that the token is unused
        app.client.base_url = api_url.rstrip("/") + "/"

    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    async def reply(command: dict[str, Any], respond: AsyncRespond) -> None:
        await respond(**await asyncio.to_thread(command_reply, answer, command))

    async def press(body: dict[str, Any], respond: AsyncRespond) -> None:
        await respond(**await asyncio.to_thread(press_reply, answer, body))

    async def mentioned(event: dict[str, Any], say: AsyncSay) -> None:
        await say(**await asyncio.to_thread(mention_reply, answer, event))

    app.command("/wirewatch")(ack=acknowledge, lazy=[reply])
    app.action(BUTTONS)(ack=acknowledge, lazy=[press])
    app.event("app_mention")(mentioned)
    return app


def mount(web_app: web.Application, app: AsyncApp) -> None:
    """Route Slack's requests (verified by bolt's signature check) to the async app."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app.router.add_post(EVENTS_PATH, events)
