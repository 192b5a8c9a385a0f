"""Slack inbound: the /wirewatch slash command and the story buttons through slack-bolt (signature
checked, acked at once)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse, Respond, Say
from slack_bolt.middleware import RequestVerification
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk import WebClient

from bot.adapters.slack import ACTION, escape, reply_blocks
from bot.messages import STORY_BUTTONS, Message, shorten

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

Answer = Callable[[str, str, str], tuple[Message, bool]]  # (text, user id, channel id) -> (reply, ok)


def bad_timestamp(req: BoltRequest | AsyncBoltRequest) -> BoltResponse | None:
    """The 401 (not bolt's 500) for a request over HTTP whose timestamp is missing or no number."""
    stamp = str(req.headers.get("x-slack-request-timestamp", [""])[0] or "")
    if req.mode != "socket_mode" and not stamp.strip().isdigit():
        return BoltResponse(status=401, body={"error": "invalid request"})
    return None


class _Verification(RequestVerification):
    """Slack's signature check, answering 401 (not 500) to a request whose timestamp is no number."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        """Refuse a request with a missing or non-numeric timestamp, then check its signature."""
        refused = bad_timestamp(req)
        if refused is not None:
            return refused
        response: BoltResponse = super().process(req=req, resp=resp, next=next)
        return response


def build_app(signing_secret: str, token: str, answer: Answer, api_url: str | None = None) -> App:
    """A bolt App that answers /wirewatch: acked within Slack's 3 seconds, the reply sent lazily
    through response_url; errors and help are ephemeral."""
    client = WebClient(token=token, base_url=api_url.rstrip("/") + "/" if api_url else WebClient.BASE_URL)
    app = App(
        signing_secret=signing_secret,
        client=client,
        token_verification_enabled=False,
        request_verification_enabled=False,  # checked below, with the timestamp validated first
        process_before_response=False,
    )
    app.use(_Verification(signing_secret))

    def acknowledge(ack: Ack) -> None:
        ack()

    def reply(command: dict[str, Any], respond: Respond) -> None:
        respond(**command_reply(answer, command))

    def press(body: dict[str, Any], respond: Respond) -> None:
        respond(**press_reply(answer, body))

    def mentioned(event: dict[str, Any], say: Say) -> None:
        say(**mention_reply(answer, event))

    app.command("/wirewatch")(ack=acknowledge, lazy=[reply])
    app.action(BUTTONS)(ack=acknowledge, lazy=[press])
    app.event("app_mention")(mentioned)
    return app


# the action ids of the story buttons (wirewatch:<command>, the story id as value)
BUTTONS = re.compile("^" + re.escape(ACTION) + "(" + "|".join(c for c, _ in STORY_BUTTONS) + ")$")


def _said(message: Message) -> dict[str, Any]:
    """A reply's text and blocks as Slack takes them (article text: no <!channel>, <@U…> or masked link)."""
    return {"text": shorten(escape(message.fallback), 3000), "blocks": reply_blocks(message)}


def command_reply(answer: Answer, command: dict[str, Any]) -> dict[str, Any]:
    """What to respond to a /wirewatch command: in the channel, but errors and help only to who asked."""
    message, ok = answer(command.get("text", ""), command.get("user_id", ""), command.get("channel_id", ""))
    first = message.blocks[0].text if message.blocks else ""
    public = ok and not first.startswith("wirewatch commands")
    return {**_said(message), "response_type": "in_channel" if public else "ephemeral"}


def press_reply(answer: Answer, body: dict[str, Any]) -> dict[str, Any]:
    """What to respond to a story button: its command run for the story, shown only to who pressed it."""
    action = (body.get("actions") or [{}])[0]
    command = str(action.get("action_id", ""))[len(ACTION) :]
    story = str(action.get("value", ""))
    user = (body.get("user") or {}).get("id", "")
    channel = (body.get("channel") or {}).get("id", "")
    message, _ = answer(f"{command} {shlex.quote(story)}", user, channel)
    return {**_said(message), "response_type": "ephemeral", "replace_original": False}


def mention_reply(answer: Answer, event: dict[str, Any]) -> dict[str, Any]:
    """What to say to a mention of the bot: the answer to the command after the mention, in a thread."""
    message, _ok = answer(
        mention_line(event.get("text", "")), event.get("user", ""), event.get("channel", "")
    )
    return {**_said(message), "thread_ts": event.get("thread_ts") or event.get("ts")}


def mention_line(text: str) -> str:
    """The command in a mention of the bot: "<@U123> stories dam" -> "stories dam"."""
    return re.sub(r"^\s*<@[A-Z0-9]+>\s*", "", text)


def serve(app: App, app_token: str) -> SocketModeHandler:
    """Start answering in the background through Socket Mode (HTTP mode is bot.adapters.slack_http,
    on the bot's own server); the handler, to close it."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    return handler
