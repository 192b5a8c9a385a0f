"""The built-in chat platforms: the console, Slack and Discord, each with its own table and secrets.

The platform libraries are imported only when a platform is used, and only in bot/adapters/."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.adapters import Adapter
from bot.adapters.limits import LIMITS
from bot.commands import Command
from bot.config import ConfigError, http_url
from bot.hookspecs import hookimpl
from bot.registry import Answer, Platform


def _console(settings: Mapping[str, Any], env: Mapping[str, str]) -> Adapter:
    from bot.adapters.console import ConsoleAdapter

    return ConsoleAdapter()


def _slack_table(table: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**table, "api_url": http_url(table, "api_url", "slack.")}


def _slack(settings: Mapping[str, Any], env: Mapping[str, str]) -> Adapter | None:
    if not env.get("SLACK_BOT_TOKEN"):
        return None
    from bot.adapters.slack import SlackAdapter

    return SlackAdapter(env["SLACK_BOT_TOKEN"], settings.get("api_url"))


def _slack_serve(
    settings: Mapping[str, Any], env: Mapping[str, str], answer: Answer, commands: Sequence[Command]
) -> bool:
    """Answer /wirewatch through slack-bolt in Socket Mode, where the app token is set as well as the
    signing secret and bot token (without it, _slack_mount answers over the bot's HTTP server)."""
    if not (env.get("SLACK_SIGNING_SECRET") and env.get("SLACK_BOT_TOKEN") and env.get("SLACK_APP_TOKEN")):
        return False
    from bot.adapters.slack_commands import build_app, serve

    app = build_app(
        env["SLACK_SIGNING_SECRET"],
        env["SLACK_BOT_TOKEN"],
        lambda text, user, channel: answer(text, user, channel, False),
        settings.get("api_url"),
    )
    serve(app, env["SLACK_APP_TOKEN"])
    return True


def _slack_mount(settings: Mapping[str, Any], env: Mapping[str, str], answer: Answer, web_app: Any) -> bool:
    """Slack's HTTP mode: /slack/events on the bot's server, where the signing secret and bot token are
    set and no app token asks for Socket Mode."""
    if not (env.get("SLACK_SIGNING_SECRET") and env.get("SLACK_BOT_TOKEN")) or env.get("SLACK_APP_TOKEN"):
        return False
    from bot.adapters.slack_http import build_async_app, mount

    app = build_async_app(
        env["SLACK_SIGNING_SECRET"],
        env["SLACK_BOT_TOKEN"],
        lambda text, user, channel: answer(text, user, channel, False),
        settings.get("api_url"),
    )
    mount(web_app, app)
    return True


def _discord_table(table: Mapping[str, Any]) -> Mapping[str, Any]:
    roles = table["admin_roles"]
    if not all(str(r).isdigit() for r in roles):
        raise ConfigError(
            "discord.admin_roles", f"must be a list of Discord role ids (digits), got {roles!r}"
        )
    permission = table["admin_permission"]
    if not re.fullmatch(r"[a-z_]*", permission):
        raise ConfigError(
            "discord.admin_permission",
            f"must be a permission name such as 'manage_guild' or 'administrator', or '', got {permission!r}",
        )
    guild = table["guild_id"]
    if guild is not None and not str(guild).isdigit():
        raise ConfigError("discord.guild_id", f"must be a Discord server id (digits), got {guild!r}")
    return {
        **table,
        "api_url": http_url(table, "api_url", "discord."),
        "admin_roles": tuple(int(r) for r in roles),
        "guild_id": None if guild is None else int(guild),
    }


def _discord(settings: Mapping[str, Any], env: Mapping[str, str]) -> Adapter | None:
    token, webhook = env.get("DISCORD_BOT_TOKEN") or None, env.get("DISCORD_WEBHOOK_URL") or None
    if not (token or webhook):
        return None
    from bot.adapters.discord import DiscordAdapter

    return DiscordAdapter(token, webhook, settings.get("api_url"))


def _discord_serve(
    settings: Mapping[str, Any], env: Mapping[str, str], answer: Answer, commands: Sequence[Command]
) -> bool:
    """Answer /wirewatch through the gateway, where the bot token is set."""
    if not env.get("DISCORD_BOT_TOKEN"):
        return False
    from bot.adapters import discord_commands

    discord_commands.serve(
        env["DISCORD_BOT_TOKEN"],
        answer,
        settings["guild_id"],
        settings["admin_roles"],
        settings["admin_permission"],
        commands,
    )
    return True


@hookimpl(tryfirst=True)
def register_platforms(register: Callable[[Platform], None]) -> None:
    """The console (always there), Slack (SLACK_* variables) and Discord (DISCORD_* variables)."""
    register(Platform("console", LIMITS["console"], _console))
    register(
        Platform(
            "slack",
            LIMITS["slack"],
            _slack,
            settings={"api_url": ""},
            parse=_slack_table,
            env=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"),
            threads=True,
            serve=_slack_serve,
            mount=_slack_mount,
        )
    )
    register(
        Platform(
            "discord",
            LIMITS["discord"],
            _discord,
            # guild_id: None takes a number or a string of digits, checked by _discord_table
            settings={"api_url": "", "guild_id": None, "admin_roles": [], "admin_permission": "manage_guild"},
            parse=_discord_table,
            env=("DISCORD_BOT_TOKEN", "DISCORD_WEBHOOK_URL"),
            serve=_discord_serve,
        )
    )
