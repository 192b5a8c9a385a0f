"""Discord inbound: the /wirewatch application command group with typed options (discord.py CommandTree)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Collection

import discord
from discord import app_commands

from bot.adapters.discord import render
from bot.messages import Message

# (text, user id, channel id, admin by role or permission) -> (reply, ok)
Answer = Callable[[str, str, str, bool], tuple[Message, bool]]


def command_line(name: str, *args: str, since: str | None = None, new: bool = False) -> str:
    """The text command a slash command with options stands for."""
    words = [name, *(a for a in args if a)]
    if since:
        words += ["--since", since]
    if new:
        words.append("--new")
    return " ".join(shlex.quote(w) for w in words)


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
) -> app_commands.CommandTree:
    """A command tree with /wirewatch <subcommand>; replies are deferred, then sent as embeds (ephemeral
    for help and errors), with mentions disabled. Members with an admin role or permission may change
    feeds and subscriptions."""
    if admin_permission and admin_permission not in discord.Permissions.VALID_FLAGS:
        raise ValueError(f"discord.admin_permission: {admin_permission!r} is not a Discord permission name")
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

    @group.command(name="help", description="What wirewatch can do")
    async def help_(interaction: discord.Interaction) -> None:
        await reply(interaction, "help")

    @group.command(name="stories", description="Stories, newest and biggest first")
    @app_commands.describe(query="words to search for", since="how far back, e.g. 7d")
    async def stories(interaction: discord.Interaction, query: str = "", since: str = "7d") -> None:
        await reply(interaction, command_line("stories", query, since=since))

    @group.command(name="story", description="One story: its articles and quotes")
    async def story(interaction: discord.Interaction, story_id: str) -> None:
        await reply(interaction, command_line("story", story_id))

    @group.command(name="quotes", description="Who said what")
    @app_commands.describe(
        speaker="a speaker or words", since="how far back, e.g. 7d", new="only first attributions"
    )
    async def quotes(
        interaction: discord.Interaction, speaker: str = "", since: str = "7d", new: bool = False
    ) -> None:
        await reply(interaction, command_line("quotes", speaker, since=since, new=new))

    @group.command(name="speakers", description="Who has been quoted")
    async def speakers(interaction: discord.Interaction, query: str = "") -> None:
        await reply(interaction, command_line("speakers", query))

    @group.command(name="feeds", description="The feeds being watched")
    async def feeds(interaction: discord.Interaction) -> None:
        await reply(interaction, "feeds")

    @group.command(name="feed-add", description="Watch a feed (admins)")
    @app_commands.describe(url="an http(s) RSS or Atom URL", every="how often, e.g. 10m")
    async def feed_add(interaction: discord.Interaction, url: str, every: str = "10m") -> None:
        await reply(interaction, command_line("feeds", "add", url) + " --every " + shlex.quote(every))

    @group.command(name="feed-remove", description="Stop watching a feed (admins)")
    async def feed_remove(interaction: discord.Interaction, name: str) -> None:
        await reply(interaction, command_line("feeds", "remove", name))

    kinds = [app_commands.Choice(name=k, value=k) for k in ("feed", "keyword")]

    @group.command(name="subscribe", description="Add a feed or keyword to this channel's digest (admins)")
    @app_commands.choices(kind=kinds)
    async def subscribe(interaction: discord.Interaction, kind: str, value: str) -> None:
        await reply(interaction, command_line("subscribe", kind, value))

    @group.command(name="unsubscribe", description="Remove a feed or keyword from this channel's digest")
    @app_commands.choices(kind=kinds)
    async def unsubscribe(interaction: discord.Interaction, kind: str, value: str) -> None:
        await reply(interaction, command_line("unsubscribe", kind, value))

    @group.command(name="digest", description="Send the digest now")
    async def digest(interaction: discord.Interaction) -> None:
        await reply(interaction, "digest now")

    tree.add_command(group, guild=discord.Object(guild_id) if guild_id else None)
    return tree


def serve(
    token: str,
    answer: Answer,
    guild_id: int | None = None,
    admin_roles: Collection[int] = (),
    admin_permission: str = "manage_guild",
) -> None:
    """Connect to the gateway in the background and answer /wirewatch (commands synced at start-up,
    to one guild when guild_id is given, which is immediate, else globally)."""
    import threading

    # the guilds intent (not privileged) keeps each server's roles, so admin roles can be checked
    client = discord.Client(intents=discord.Intents(guilds=True))
    tree = build_tree(client, answer, guild_id, admin_roles, admin_permission)

    async def setup_hook() -> None:
        await tree.sync(guild=discord.Object(guild_id) if guild_id else None)

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    threading.Thread(
        target=client.run, args=(token,), kwargs={"log_handler": None}, daemon=True, name="discord-gateway"
    ).start()
