"""The Discord invite: an OAuth2 URL with the scopes and the permissions the bot uses."""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")
# what posting needs: see the channel, send messages, and embeds (each story is one embed); a live
# card's updates go in a thread started on the card (create it, post in it); the live card's message
# is edited with the bot's own permission to edit its messages, and slash-command replies go through
# the interaction: neither needs a permission of its own
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    create_public_threads=True,
    send_messages_in_threads=True,
)


def invite_url(client_id: int | str) -> str:
    """The URL a server admin opens to add the bot with its scopes and permissions."""
    return discord.utils.oauth_url(client_id, permissions=PERMISSIONS, scopes=SCOPES)
