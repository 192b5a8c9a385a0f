"""Local fake Slack and Discord API servers on 127.0.0.1 that answer as the platforms do and record requests."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], dict[str, Any]]


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
                    body = {"_raw": raw.decode("utf-8", "replace")}
                api.requests.append((self.command, self.path, body, dict(self.headers)))
                status, headers, payload = (
                    api.script.pop(0) if api.script else api.default(self.command, self.path, body)
                )
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
        ts = f"1700000000.{next(_SLACK_TS):06d}"  # each message its own timestamp, as on Slack
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
