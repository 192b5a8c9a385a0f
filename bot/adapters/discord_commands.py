"""Discord inbound: the /wirewatch application command group with typed options (discord.py CommandTree)."""

from __future__ import annotations

import shlex
from collections.abc import Callable

import discord
from discord import app_commands

from bot.adapters.discord import render
from bot.messages import Message

Answer = Callable[[str, str, str], tuple[Message, bool]]  # (text, user id, channel id) -> (reply, ok)


def command_line(name: str, *args: str, since: str | None = None, new: bool = False) -> str:
    """The text command a slash command with options stands for."""
    words = [name, *(a for a in args if a)]
    if since:
        words += ["--since", since]
    if new:
        words.append("--new")
    return " ".join(shlex.quote(w) for w in words)


def build_tree(
    client: discord.Client, answer: Answer, guild_id: int | None = None
) -> app_commands.CommandTree:
    """A command tree with /wirewatch <subcommand>; replies are deferred, then sent as embeds (ephemeral
    for help and errors), with mentions disabled."""
    tree = app_commands.CommandTree(client)
    group = app_commands.Group(name="wirewatch", description="Ask wirewatch about stories, quotes and feeds")

    async def reply(interaction: discord.Interaction, line: str) -> None:
        await interaction.response.defer(thinking=True)
        message, ok = answer(line, str(interaction.user.id), str(interaction.channel_id or ""))
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

    @group.command(name="digest", description="Send the digest now")
    async def digest(interaction: discord.Interaction) -> None:
        await reply(interaction, "digest now")

    tree.add_command(group, guild=discord.Object(guild_id) if guild_id else None)
    return tree


def serve(token: str, answer: Answer, guild_id: int | None = None) -> None:
    """Connect to the gateway in the background and answer /wirewatch (commands synced at start-up,
    to one guild when guild_id is given, which is immediate, else globally)."""
    import threading

    client = discord.Client(intents=discord.Intents.none())
    tree = build_tree(client, answer, guild_id)

    async def setup_hook() -> None:
        await tree.sync(guild=discord.Object(guild_id) if guild_id else None)

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    threading.Thread(
        target=client.run, args=(token,), kwargs={"log_handler": None}, daemon=True, name="discord-gateway"
    ).start()
