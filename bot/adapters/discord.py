"""Discord outbound: neutral messages as embeds through discord.py (bot token or channel webhook)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp
import discord
import discord.webhook.async_ as webhook_module

from bot.adapters import DeliveryError
from bot.messages import Block, Message

_WEBHOOK = re.compile(r"/webhooks/(\d+)/([\w.-]+)")


def neutral(text: str) -> str:
    """Text that cannot ping or disguise a link: @everyone, @here and role/user mentions broken with a
    zero-width space, and in a text that could hold a masked link ([shown](target), javascript: or not)
    every [ escaped."""
    if re.search(r"\]\s*\(", text):
        text = text.replace("\\", "\\\\").replace("[", "\\[")
    text = re.sub(r"@(everyone|here)", "@\u200b\\1", text, flags=re.I)
    return re.sub(r"<@([!&]?\d+)>", "<@\u200b\\1>", text)


def _link(url: str | None) -> str | None:
    """An http(s) link as Discord accepts it in an embed (spaces and other unsafe characters quoted, so
    one odd article URL cannot make Discord refuse the whole message), or None."""
    if not url or not url.startswith(("http://", "https://")) or len(url) > 2000:
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def render(message: Message) -> tuple[str, list[discord.Embed]]:
    """The header as message content, each story (divider to divider) as one embed."""
    content = ""
    groups: list[list[Block]] = []
    for block in message.blocks:
        if block.kind == "header":
            content = neutral(block.text)[:2000]
        elif block.kind == "divider" or not groups:
            groups.append([] if block.kind == "divider" else [block])
        else:
            groups[-1].append(block)
    embeds = []
    for group in groups:
        if not group:
            continue
        first, rest = group[0], group[1:]
        url = _link(first.url)
        lines = [f"*{neutral(b.text)}*" if b.kind == "context" else neutral(b.text) for b in rest]
        embeds.append(
            discord.Embed(title=neutral(first.text)[:256], url=url, description="\n".join(lines)[:4096])
        )
    return content or neutral(message.fallback)[:2000], embeds


def _rebase(route: discord.http.Route, base: str) -> None:
    default = discord.http.Route.BASE
    if route.url.startswith(default):
        route.url = base + route.url[len(default) :]


def _rebased(request: Callable[..., Awaitable[Any]], base: str) -> Callable[..., Awaitable[Any]]:
    """An HTTP client's request function that sends each route to base instead of discord.com."""

    async def rebased(route: discord.http.Route, **kwargs: Any) -> Any:
        _rebase(route, base)
        return await request(route, **kwargs)

    return rebased


class _RebasedWebhooks(webhook_module.AsyncWebhookAdapter):
    """discord.py's webhook requests, sent to base instead of discord.com."""

    def __init__(self, base: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.base = base

    async def request(self, route: discord.http.Route, *args: Any, **kwargs: Any) -> Any:
        """Re-base the route, then send it as discord.py would."""
        _rebase(route, self.base)
        return await super().request(route, *args, **kwargs)


class DiscordAdapter:
    """Posts messages to Discord channels with a bot token, or to one channel webhook."""

    platform = "discord"

    def __init__(
        self, token: str | None = None, webhook_url: str | None = None, api_url: str | None = None
    ) -> None:
        if not token and not webhook_url:
            raise ValueError("a Discord bot token or webhook URL is needed")
        self.token = token
        self.webhook_url = webhook_url
        # discord.py keeps its API base in a class attribute, for the whole process: this bot's requests
        # are re-based one by one instead, so two bots (or tests) never change each other's
        self.base = api_url.rstrip("/") if api_url else None

    def find(self, channel_id: str, message: Message, key: str, since: float) -> str | None:
        """Discord is not searched: a part sent again carries the same nonce, with enforce_nonce, and
        Discord answers with the message it already has instead of posting it twice."""
        return None

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        """Post one message part (digests are not threaded on Discord) with key as its nonce; raise
        DeliveryError (permanent where retrying cannot help, maybe sent where it may have arrived)."""
        content, embeds = render(message)
        try:
            asyncio.run(self._send(channel_id, content, embeds, key))
            return None
        except (discord.Forbidden, discord.NotFound, discord.LoginFailure) as exc:
            raise DeliveryError(f"discord refused: {exc}", permanent=True) from None
        except discord.HTTPException as exc:
            if exc.status == 429:  # discord.py already waited and retried; try again on the next run
                raise DeliveryError(f"discord rate limited: {exc}") from None
            raise DeliveryError(
                f"discord {exc.status}: {exc}",
                permanent=400 <= exc.status < 500,
                maybe_sent=exc.status >= 500,
            ) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DeliveryError(f"discord unreachable: {exc}", maybe_sent=True) from None

    async def _send(
        self, channel_id: str, content: str, embeds: list[discord.Embed], key: str | None = None
    ) -> None:
        none = discord.AllowedMentions.none()
        if self.token:
            client = discord.Client(intents=discord.Intents.none())
            if self.base:
                client.http.request = _rebased(client.http.request, self.base)  # type: ignore[method-assign,assignment]
            try:
                await client.http.static_login(self.token)  # REST only: no gateway, no application lookup
                channel = client.get_partial_messageable(int(channel_id))
                # discord.py sends enforce_nonce with a nonce: a repeat returns the message already posted
                if key:
                    await channel.send(content=content, embeds=embeds, allowed_mentions=none, nonce=key)
                else:
                    await channel.send(content=content, embeds=embeds, allowed_mentions=none)
            finally:
                await client.close()
            return
        match = _WEBHOOK.search(self.webhook_url or "")
        if not match:
            raise DeliveryError("DISCORD_WEBHOOK_URL is not a Discord webhook URL", permanent=True)
        if self.base:  # this task's webhook requests only (a context variable)
            webhook_module.async_context.set(_RebasedWebhooks(self.base))
        async with aiohttp.ClientSession() as session:
            hook = discord.Webhook.partial(int(match.group(1)), match.group(2), session=session)
            await hook.send(content=content, embeds=embeds, allowed_mentions=none, wait=True)
