"""The Discord invite: an OAuth2 URL with the scopes and the permissions the bot uses."""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")
# what posting digests needs: see the channel, send messages, and embeds (each story is one embed);
# slash-command replies go through the interaction and need no permission of their own
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)


def invite_url(client_id: int | str) -> str:
    """The URL a server admin opens to add the bot with its scopes and permissions."""
    return discord.utils.oauth_url(client_id, permissions=PERMISSIONS, scopes=SCOPES)
