"""Local fake Slack and Discord API servers on 127.0.0.1 that answer as the platforms do and record requests."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], dict[str, Any]]
DROP = -1  # a status that closes the connection without replying


class FakeAPI:
    """A JSON API on a random port; `script` holds replies to hand out before the default one."""

    def __init__(self, default: Callable[[str, str, dict[str, Any]], Reply]) -> None:
        self.requests: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        self.script: list[Reply] = []
        self.default = default
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
                    body = {k: v[-1] for k, v in form.items()} or {"_raw": raw.decode("utf-8", "replace")}
                query = urllib.parse.urlsplit(self.path).query
                body = {**{k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}, **body}
                api.requests.append((self.command, self.path, body, dict(self.headers)))
                status, headers, payload = (
                    api.script.pop(0) if api.script else api.default(self.command, self.path, body)
                )
                if status == DROP:  # the connection dies before any reply
                    self.close_connection = True
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def posts(self, path_part: str) -> list[dict[str, Any]]:
        """Bodies of the POST requests whose path contains path_part."""
        return [body for method, path, body, _ in self.requests if method == "POST" and path_part in path]

    def wait_posts(self, path_part: str, n: int, timeout: float = 10) -> list[dict[str, Any]]:
        """The POST bodies to path_part once there are at least n (answers sent from another thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            posts = self.posts(path_part)
            if len(posts) >= n:
                return posts
            time.sleep(0.02)
        raise AssertionError(f"fewer than {n} POSTs to {path_part} within {timeout} s")


_SLACK_TS = itertools.count(100)


def slack_default(method: str, path: str, body: dict[str, Any]) -> Reply:
    """Slack's answer to chat.postMessage: ok, with a timestamp."""
    path = path.split("?")[0]  # the async client adds ?team_id=... to auth.test
    if path.endswith("/auth.test"):
        return (
            200,
            {},
            {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Desk",
                "user": "wirewatch",
                "team_id": "T1",
                "user_id": "UBOT",
                "bot_id": "B1",
                "is_enterprise_install": False,
            },
        )
    if path.endswith("/chat.postMessage"):
        ts = f"{int(time.time())}.{next(_SLACK_TS):06d}"  # each message its own timestamp, as on Slack
        return 200, {}, {"ok": True, "channel": body.get("channel"), "ts": ts}
    return 404, {}, {"ok": False, "error": "unknown_method"}


def slack_error(error: str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A Slack error reply (Slack answers most errors with HTTP 200 and ok: false)."""
    return status, headers or {}, {"ok": False, "error": error}


DISCORD_USER = {
    "id": "1100000000000000001",
    "username": "wirewatch",
    "discriminator": "0",
    "avatar": None,
    "global_name": None,
    "bot": True,
}


def discord_message(channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A created message as Discord returns it."""
    return {
        "id": "1200000000000000002",
        "channel_id": channel_id,
        "content": body.get("content", ""),
        "author": DISCORD_USER,
        "embeds": body.get("embeds", []),
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "type": 0,
        "timestamp": "2026-11-24T08:00:00+00:00",
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
    }


def discord_default(method: str, path: str, body: dict[str, Any]) -> Reply:
    """Discord's answers to login, channel messages and webhook executions."""
    route = path.split("?")[0]
    if route.endswith("/users/@me"):
        return 200, {}, DISCORD_USER
    parts = route.strip("/").split("/")
    if method == "POST" and len(parts) >= 5 and parts[-3] == "channels" and parts[-1] == "messages":
        return 200, {}, discord_message(parts[-2], body)
    if method == "POST" and "webhooks" in parts:
        return (
            200,
            {},
            {
                **discord_message("1300000000000000003", body),
                "webhook_id": parts[parts.index("webhooks") + 1],
            },
        )
    return 404, {}, {"message": "Unknown", "code": 0}


class FakeSlack(FakeAPI):
    """A fake Slack that keeps what was posted, per channel, with its metadata and thread, and answers
    conversations.history and conversations.replies from it; `after_store` holds HTTP statuses to
    answer posts with after they were stored (a 5xx or a reply that never arrives, as on Slack)."""

    def __init__(self) -> None:
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.after_store: list[int] = []
        self.socket_url = ""  # what apps.connections.open hands out (a local websocket server)
        super().__init__(self.answer)

    def answer(self, method: str, path: str, body: dict[str, Any]) -> Reply:
        """Post, list or answer as slack_default does."""
        route = path.split("?")[0]
        if route.endswith("/apps.connections.open") and self.socket_url:
            return 200, {}, {"ok": True, "url": self.socket_url}
        if route.endswith("/chat.postMessage"):
            status, headers, reply = slack_default(method, route, body)
            stored = {
                k: body[k]
                for k in ("text", "metadata", "thread_ts", "blocks", "reply_broadcast")
                if k in body
            }
            self.messages.setdefault(str(body.get("channel")), []).append({**stored, "ts": reply["ts"]})
            if self.after_store:
                return self.after_store.pop(0), {}, {"ok": False, "error": "internal_error"}
            return status, headers, reply
        if route.endswith("/chat.update"):
            channel = self.messages.get(str(body.get("channel")), [])
            found = next((m for m in channel if m["ts"] == body.get("ts")), None)
            if found is None:
                return slack_error("message_not_found")
            found.update({k: body[k] for k in ("text", "blocks") if k in body})
            found["edits"] = found.get("edits", 0) + 1
            return (
                200,
                {},
                {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": found["text"]},
            )
        if route.endswith(("/conversations.history", "/conversations.replies")):
            posted = self.messages.get(str(body.get("channel")), [])
            if route.endswith("replies"):
                posted = [
                    m for m in posted if m["ts"] == body.get("ts") or m.get("thread_ts") == body.get("ts")
                ]
            else:
                posted = [m for m in posted if float(m["ts"]) >= float(body.get("oldest") or 0)]
            keep = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
            out = [m if keep else {k: v for k, v in m.items() if k != "metadata"} for m in reversed(posted)]
            return 200, {}, {"ok": True, "messages": out, "has_more": False}
        return slack_default(method, route, body)

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages stored in a channel, oldest first."""
        return self.messages.get(channel, [])


class FakeDiscord(FakeAPI):
    """A fake Discord that, as Discord does for a nonce sent with enforce_nonce, answers a repeated
    nonce with the message it already created instead of creating another; `after_store` holds
    statuses to answer a create with after it was stored."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.by_nonce: dict[str, dict[str, Any]] = {}
        self.after_store: list[int] = []
        self.edits: list[tuple[str, dict[str, Any]]] = []  # message id, the PATCH body
        self.threads: dict[str, str] = {}  # a thread's id (= its message's id) -> the parent channel
        self._ids = itertools.count(1)
        super().__init__(self.answer)

    def _on_message(self, method: str, channel: str, message_id: str, body: dict[str, Any]) -> Reply:
        """PATCH a created message, or POST .../threads to start a thread on it (once)."""
        message = next((m for m in self.created if m["id"] == message_id), None)
        if message is None:
            return 404, {}, {"message": "Unknown Message", "code": 10008}
        if method == "PATCH":
            message.update({k: body[k] for k in ("content", "embeds") if k in body})
            message["edited_timestamp"] = "2026-11-24T08:05:00+00:00"
            self.edits.append((message_id, body))
            return 200, {}, message
        if message_id in self.threads:
            return 400, {}, {"message": "A thread has already been created for this message", "code": 160004}
        self.threads[message_id] = channel
        thread = {
            "id": message_id,
            "type": 11,
            "guild_id": "1500000000000000005",
            "parent_id": channel,
            "owner_id": DISCORD_USER["id"],
            "name": body.get("name", ""),
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": "2026-11-24T08:00:00+00:00",
                "locked": False,
            },
        }
        return 201, {}, thread

    def in_channel(self, channel: str) -> list[dict[str, Any]]:
        """The created messages posted in a channel (or thread), oldest first."""
        return [m for m in self.created if m["channel_id"] == channel]

    def answer(self, method: str, path: str, body: dict[str, Any]) -> Reply:
        """Create (once per enforced nonce), edit, start a thread on a message, or answer as
        discord_default does."""
        parts = path.split("?")[0].strip("/").split("/")
        if (
            method == "POST" and parts[-1] == "callback" and "interactions" in parts
        ):  # an interaction answered
            return 200, {}, {"interaction": {"id": parts[parts.index("interactions") + 1], "type": 3}}
        if len(parts) >= 6 and parts[-4] == "channels" and parts[-2] == "messages" and method == "PATCH":
            return self._on_message(method, parts[-3], parts[-1], body)
        if len(parts) >= 7 and parts[-5] == "channels" and parts[-3] == "messages" and parts[-1] == "threads":
            return self._on_message(method, parts[-4], parts[-2], body)
        status, headers, reply = discord_default(method, path, body)
        if method != "POST" or status != 200 or "embeds" not in reply:
            return status, headers, reply
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and nonce in self.by_nonce:
            return 200, {}, self.by_nonce[nonce]
        message = {**reply, "id": str(1200000000000000000 + next(self._ids)), "nonce": nonce}
        self.created.append(message)
        if nonce and body.get("enforce_nonce"):
            self.by_nonce[nonce] = message
        if self.after_store:
            return self.after_store.pop(0), {}, {"message": "Internal Server Error", "code": 0}
        return 200, {}, message
