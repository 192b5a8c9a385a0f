"""Slack outbound: neutral messages as Block Kit through slack_sdk's chat.postMessage."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters import DeliveryError
from bot.messages import STORY_BUTTONS, Block, Message, shorten, story_ref

# errors that no retry can mend: the channel or the token is wrong
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "no_permission",
    "missing_scope",
    "invalid_blocks",
    "msg_too_long",
    "restricted_action",
    "message_not_found",
    "cant_update_message",
    "edit_window_closed",
}


EVENT = "wirewatch_part"  # the metadata event type that carries an outbox part's key
FIND_PAGES = 5  # pages of 200 messages looked through for a part in doubt


def escape(text: str) -> str:
    """Text safe for mrkdwn: &, < and > escaped (so <!channel>, <!here>, <@U…> cannot ping) and bare
    @channel/@here/@everyone broken with a zero-width space."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"@(channel|here|everyone)\b", "@\u200b\\1", text, flags=re.I)


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {
        "type": "plain_text",
        "text": shorten(re.sub(r"@(channel|here|everyone)\b", "@\u200b\\1", text), limit),
    }


def render_block(block: Block) -> dict[str, Any]:
    """One neutral block as a Block Kit block."""
    if block.kind == "header":
        return {"type": "header", "text": _plain(block.text, 150)}
    if block.kind == "divider":
        return {"type": "divider"}
    if block.kind == "actions":
        return buttons(block.text)
    text = _mrkdwn(block.text, block.url)
    if block.kind == "context":
        return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _mrkdwn(text: str, url: str | None, limit: int = 3000) -> str:
    """A block's text escaped (as a link where it has one) in at most limit characters: the words are
    cut at a word boundary, marked …, before escaping, so no cut falls inside an entity or the link."""
    link = ""
    if url and url.startswith(("http://", "https://")):
        link = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
        link = link.replace(" ", "%20")
        if len(link) > limit // 2:
            link = ""  # a link longer than the words it carries is left off, never cut
    room = limit
    while True:
        body = escape(shorten(text, room))
        out = f"<{link}|{body}>" if link else body
        if len(out) <= limit or room <= 1:
            return out[:limit]
        room -= len(out) - limit


MAX_BLOCKS = 50  # blocks in one Slack message


def reply_blocks(message: Message) -> list[dict[str, Any]]:
    """A reply's blocks as Block Kit, at most Slack's 50: a longer reply ends with a line saying how
    many it left out, instead of being cut silently."""
    blocks = [render_block(b) for b in message.blocks]
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    rest = len(blocks) - (MAX_BLOCKS - 1)
    note = f"… and {rest} more lines: a Slack message holds {MAX_BLOCKS} blocks"
    return [*blocks[: MAX_BLOCKS - 1], {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]


ACTION = "wirewatch:"  # action ids of the story buttons: wirewatch:<command>, the story id as value


def buttons(story_id: str) -> dict[str, Any]:
    """A story's buttons as a Block Kit actions block."""
    return {
        "type": "actions",
        "block_id": "story:" + story_ref(story_id, 255 - len("story:")),
        "elements": [
            {
                "type": "button",
                "action_id": ACTION + command,
                "text": {"type": "plain_text", "text": label},
                "value": story_ref(story_id, 2000),
            }
            for command, label in STORY_BUTTONS
        ],
    }


class SlackAdapter:
    """Posts messages to Slack channels with a bot token."""

    platform = "slack"

    def __init__(self, token: str, api_url: str | None = None, timeout: int = 30) -> None:
        # no retry handlers: slack_sdk would post again after a dropped connection without looking
        # whether the first post arrived; the outbox retries, after a lookup
        kwargs: dict[str, Any] = {"token": token, "timeout": timeout, "retry_handlers": []}
        if api_url:
            kwargs["base_url"] = api_url.rstrip("/") + "/"
        self.client = WebClient(**kwargs)

    def find(self, channel_id: str, message: Message, key: str, since: float) -> str | None:
        """The ts of the message whose metadata carries key, posted since `since` (in its thread when
        it is a reply), found through conversations.history or conversations.replies."""
        cursor: str | None = None
        try:
            for _ in range(FIND_PAGES):
                args: dict[str, Any] = {"channel": channel_id, "include_all_metadata": True, "limit": 200}
                if cursor:
                    args["cursor"] = cursor
                if message.reply_to:
                    response = self.client.conversations_replies(ts=message.reply_to, **args)
                else:
                    response = self.client.conversations_history(oldest=f"{max(since, 0):.6f}", **args)
                for posted in response.get("messages") or []:
                    payload = (posted.get("metadata") or {}).get("event_payload") or {}
                    if posted.get("metadata", {}).get("event_type") == EVENT and payload.get("part") == key:
                        return str(posted.get("ts") or "") or None
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return None
        except SlackApiError as exc:
            error = str(exc.response.get("error", "")) if isinstance(exc.response.data, dict) else ""
            raise DeliveryError(
                f"slack: cannot check whether the part was posted already ({error or exc}); "
                "wirewatch outbox retry sends it without checking",
                permanent=error in PERMANENT,
                maybe_sent=True,
            ) from None
        except OSError as exc:
            raise DeliveryError(f"slack unreachable: {exc}", maybe_sent=True) from None
        return None

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        """Post one message part (in a thread under message.reply_to, if set) with key in its metadata;
        its ts; raise DeliveryError (permanent, with Retry-After, or maybe sent) on failure."""
        blocks = [render_block(b) for b in message.blocks]
        extra: dict[str, Any] = {"thread_ts": message.reply_to} if message.reply_to else {}
        if message.reply_to and message.notify:  # an alert: in the thread, and in the channel too
            extra["reply_broadcast"] = True
        if key:
            extra["metadata"] = {"event_type": EVENT, "event_payload": {"part": key}}
        try:
            response = self.client.chat_postMessage(
                channel=channel_id,
                text=escape(message.fallback)[:3000],
                blocks=blocks,
                unfurl_links=False,
                **extra,
            )
            return str(response.get("ts") or "") or None
        except (SlackApiError, OSError) as exc:
            raise _failure(exc) from None

    def edit(self, channel_id: str, message_id: str, message: Message) -> None:
        """Replace a posted message's content (chat.update, Tier 3: the outbox coalesces edits and
        honours Retry-After); raise DeliveryError on failure."""
        try:
            self.client.chat_update(
                channel=channel_id,
                ts=message_id,
                text=escape(message.fallback)[:3000],
                blocks=[render_block(b) for b in message.blocks],
            )
        except (SlackApiError, OSError) as exc:
            raise _failure(exc) from None


def _failure(exc: SlackApiError | OSError) -> DeliveryError:
    """A failed Web API call as a DeliveryError: permanent, with Retry-After, or maybe sent."""
    if isinstance(exc, ConnectionRefusedError):  # nothing was sent
        return DeliveryError(f"slack unreachable: {exc}")
    if isinstance(exc, OSError):  # a timeout or a dropped connection: the post may have arrived
        return DeliveryError(f"slack unreachable: {exc}", maybe_sent=True)
    status = exc.response.status_code
    error = str(exc.response.get("error", "")) if isinstance(exc.response.data, dict) else ""
    if status == 429:
        retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        return DeliveryError(f"slack rate limited (429): {error}", retry_after=float(retry or 1))
    return DeliveryError(
        f"slack {status}: {error or exc}",
        permanent=error in PERMANENT or (400 <= status < 500),
        maybe_sent=status >= 500,
    )
