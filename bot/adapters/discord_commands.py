"""Discord inbound: the /wirewatch application command group with typed options (discord.py CommandTree)."""

from __future__ import annotations

import inspect
import logging
import shlex
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, Optional

import discord
from discord import app_commands

from bot.adapters.discord import pressed, render
from bot.commands import Command, builtin_commands
from bot.messages import Message

log = logging.getLogger(__name__)
MAX_SUBCOMMANDS = 25  # Discord's limit for the commands of one group
# (text, user id, channel id, admin by role or permission) -> (reply, ok)
Answer = Callable[[str, str, str, bool], tuple[Message, bool]]


def command_line(command: Command, values: Mapping[str, Any]) -> str:
    """The text command a slash command with these option values stands for."""
    words = command.name.split()
    for param in command.params:
        value = values.get(param.name)
        if value is None or value == "" or value is False:
            continue
        if not param.option:
            words.append(str(value))
        elif param.kind == "flag":
            words.append(param.flag)
        else:
            words += [param.flag, str(value)]
    return " ".join(shlex.quote(w) for w in words)


_TYPES: dict[str, Any] = {"flag": bool, "count": int, "number": float}


def _signature(command: Command) -> inspect.Signature:
    """The callback signature discord.py reads the typed options from."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter("interaction", kind, annotation=discord.Interaction)]
    for param in sorted(command.params, key=lambda p: not p.required):  # required options first
        annotation = _TYPES.get(param.kind, str)
        if param.required:
            params.append(inspect.Parameter(param.name, kind, annotation=annotation))
        elif param.default is not None:
            params.append(inspect.Parameter(param.name, kind, annotation=annotation, default=param.default))
        else:
            params.append(inspect.Parameter(param.name, kind, annotation=Optional[annotation], default=None))  # noqa: UP045
    return inspect.Signature(params)


def slash_command(command: Command, reply: Callable[[discord.Interaction, str], Awaitable[None]]) -> Any:
    """One registered command as a Discord subcommand with typed options."""

    async def callback(interaction: discord.Interaction, /, **values: Any) -> None:
        await reply(interaction, command_line(command, values))

    callback.__signature__ = _signature(command)  # type: ignore[attr-defined]
    described = {p.name: (p.help or p.name)[:100] for p in command.params}
    chosen = {
        p.name: [app_commands.Choice(name=c, value=c) for c in p.choices] for p in command.params if p.choices
    }
    decorated = app_commands.describe(**described)(callback)
    if chosen:
        decorated = app_commands.choices(**chosen)(decorated)
    return app_commands.Command(
        name=command.slash_name, description=(command.help or command.usage)[:100], callback=decorated
    )


def is_admin(interaction: discord.Interaction, roles: Collection[int], permission: str) -> bool:
    """Whether the member holds one of the admin roles, or the admin permission in this channel."""
    member = interaction.user
    if isinstance(member, discord.Member) and any(member.get_role(r) is not None for r in roles):
        return True
    return bool(permission) and bool(getattr(interaction.permissions, permission, False))


def build_tree(
    client: discord.Client,
    answer: Answer,
    guild_id: int | None = None,
    admin_roles: Collection[int] = (),
    admin_permission: str = "manage_guild",
    commands: Sequence[Command] | None = None,
) -> app_commands.CommandTree:
    """A command tree with /wirewatch <subcommand>, one per registered command (the built-in ones
    where none are given), its options typed as registered; replies are deferred, then sent as embeds
    (ephemeral for help and errors), with mentions disabled. Members with an admin role or permission
    may use the admin commands."""
    if admin_permission and admin_permission not in discord.Permissions.VALID_FLAGS:
        raise ValueError(f"discord.admin_permission: {admin_permission!r} is not a Discord permission name")
    commands = list(builtin_commands().values()) if commands is None else commands
    tree = app_commands.CommandTree(client)
    group = app_commands.Group(name="wirewatch", description="Ask wirewatch about stories, quotes and feeds")

    async def reply(interaction: discord.Interaction, line: str) -> None:
        await interaction.response.defer(thinking=True)
        admin = is_admin(interaction, admin_roles, admin_permission)
        message, ok = answer(line, str(interaction.user.id), str(interaction.channel_id or ""), admin)
        content, embeds = render(message)
        await interaction.followup.send(
            content=content,
            embeds=embeds[:10],
            ephemeral=not ok or line == "help",
            allowed_mentions=discord.AllowedMentions.none(),
        )

    for command in commands:
        if len(group.commands) == MAX_SUBCOMMANDS:  # the others are still offered, and all work elsewhere
            log.warning("/wirewatch %s is not offered on Discord (at most 25 subcommands)", command.name)
            continue
        group.add_command(slash_command(command, reply))

    tree.add_command(group, guild=discord.Object(guild_id) if guild_id else None)
    return tree


async def on_button(
    interaction: discord.Interaction,
    answer: Answer,
    admin_roles: Collection[int] = (),
    admin_permission: str = "manage_guild",
) -> bool:
    """Answer a press of a story button (a persistent component: its custom id names the command and
    the story, so it works after a restart) with an ephemeral reply; False for another interaction."""
    if interaction.type != discord.InteractionType.component or not isinstance(interaction.data, dict):
        return False
    found = pressed(str(interaction.data.get("custom_id", "")))
    if found is None:
        return False
    command, story = found
    admin = is_admin(interaction, admin_roles, admin_permission)
    line = f"{command} {shlex.quote(story)}"
    message, _ = answer(line, str(interaction.user.id), str(interaction.channel_id or ""), admin)
    content, embeds = render(message)
    await interaction.response.send_message(
        content=content, embeds=embeds[:10], ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )
    return True


def build_client(
    answer: Answer,
    guild_id: int | None = None,
    admin_roles: Collection[int] = (),
    admin_permission: str = "manage_guild",
    commands: Sequence[Command] | None = None,
) -> discord.Client:
    """The gateway client that answers /wirewatch (commands synced at start-up, to one guild when
    guild_id is given, which is immediate, else globally) and the story buttons."""
    # the guilds intent (not privileged) keeps each server's roles, so admin roles can be checked
    client = discord.Client(intents=discord.Intents(guilds=True))
    tree = build_tree(client, answer, guild_id, admin_roles, admin_permission, commands)

    async def setup_hook() -> None:
        await tree.sync(guild=discord.Object(guild_id) if guild_id else None)

    client.setup_hook = setup_hook  # type: ignore[method-assign]

    async def on_interaction(interaction: discord.Interaction) -> None:
        await on_button(interaction, answer, admin_roles, admin_permission)

    client.event(on_interaction)
    return client


def serve(
    token: str,
    answer: Answer,
    guild_id: int | None = None,
    admin_roles: Collection[int] = (),
    admin_permission: str = "manage_guild",
    commands: Sequence[Command] | None = None,
) -> None:
    """Connect to the gateway in the background with build_client's client."""
    import threading

    client = build_client(answer, guild_id, admin_roles, admin_permission, commands)
    threading.Thread(
        target=client.run, args=(token,), kwargs={"log_handler": None}, daemon=True, name="discord-gateway"
    ).start()
