"""The Slack app manifest ("Create an app from a manifest") for HTTP mode or Socket Mode."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack_http import EVENTS_PATH

# mentions, digests, /wirewatch, and the history of public and private channels, where a part whose
# send may have reached Slack is looked up (by its metadata) before it is sent again
BOT_SCOPES = ("app_mentions:read", "chat:write", "commands", "channels:history", "groups:history")
BOT_EVENTS = ("app_mention",)
USAGE_HINT = "stories [query] | story ID | quotes [speaker] | feeds | help"


def manifest(url: str | None, name: str = "wirewatch") -> dict[str, Any]:
    """The manifest of the app: request URLs under url (HTTP mode), or Socket Mode when url is None."""
    request_url = url.rstrip("/") + EVENTS_PATH if url else None
    command: dict[str, Any] = {
        "command": "/wirewatch",
        "description": "Stories, rewrites and newly attributed quotes",
        "usage_hint": USAGE_HINT,
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        command["url"] = request_url
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Tells new stories from rewrites and finds newly attributed quotes",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": request_url is None,
            "token_rotation_enabled": False,
        },
    }
