"""Discord outbound: neutral messages as embeds through discord.py (bot token or channel webhook)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import quote

import aiohttp
import discord
import discord.webhook.async_ as webhook_module

from bot.adapters import DeliveryError
from bot.messages import STORY_BUTTONS, Block, Message, shorten, story_ref

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
        if block.kind == "actions":
            continue  # buttons: components, not embed text (see story_buttons)
        if block.kind == "header":
            content = shorten(neutral(block.text), 2000)
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
            discord.Embed(
                title=shorten(neutral(first.text), 256), url=url, description=shorten("\n".join(lines), 4096)
            )
        )
    return content or shorten(neutral(message.fallback), 2000), embeds


CUSTOM_ID = "wirewatch:{command}:{story}"  # stateless: any process, before or after a restart, answers it
MAX_ROWS = 5  # action rows in one Discord message
MAX_CUSTOM_ID = 100  # characters Discord allows in a component's custom id


def story_buttons(message: Message) -> discord.ui.View | None:
    """The stories' buttons as a persistent view (no timeout, custom ids that carry the command and the
    story), one row per story for the first five; None where the message has none. Call it inside
    the event loop."""
    stories = [b.text for b in message.blocks if b.kind == "actions"][:MAX_ROWS]
    if not stories:
        return None
    view = discord.ui.View(timeout=None)
    for row, story in enumerate(stories):
        prefix = f"{row + 1}. " if len(stories) > 1 else ""
        for command, label in STORY_BUTTONS:
            head = CUSTOM_ID.format(command=command, story="")
            custom_id = head + story_ref(story, MAX_CUSTOM_ID - len(head))
            view.add_item(discord.ui.Button(label=prefix + label, custom_id=custom_id, row=row))
    return view


def pressed(custom_id: str) -> tuple[str, str] | None:
    """The command and story id of a story button's custom id, or None for another component."""
    head, _, rest = custom_id.partition(":")
    command, _, story = rest.partition(":")
    if head != "wirewatch" or command not in {c for c, _ in STORY_BUTTONS} or not story:
        return None
    return command, story


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
        """Post one message part with key as its nonce (a live card's reply in the thread on the card,
        message.reply_to, or an alert as the card's reply in the channel); its message id; raise
        DeliveryError (permanent where retrying cannot help, maybe sent where it may have arrived)."""
        content, embeds = render(message)
        return self._run(self._send(channel_id, content, embeds, key, message.reply_to, message))

    def edit(self, channel_id: str, message_id: str, message: Message) -> None:
        """Replace a posted message's content (a message edit; discord.py keeps to the route's rate
        limit bucket); raise DeliveryError on failure."""
        content, embeds = render(message)
        self._run(self._edit(channel_id, message_id, content, embeds, message))

    def _run(self, call: Coroutine[Any, Any, str | None]) -> str | None:
        """Run one request, its failures as DeliveryError."""
        try:
            return asyncio.run(call)
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

    def _client(self) -> discord.Client:
        client = discord.Client(intents=discord.Intents.none())
        if self.base:
            client.http.request = _rebased(client.http.request, self.base)  # type: ignore[method-assign,assignment]
        return client

    def _hook(self, session: aiohttp.ClientSession) -> discord.Webhook:
        match = _WEBHOOK.search(self.webhook_url or "")
        if not match:
            raise DeliveryError("DISCORD_WEBHOOK_URL is not a Discord webhook URL", permanent=True)
        if self.base:  # this task's webhook requests only (a context variable)
            webhook_module.async_context.set(_RebasedWebhooks(self.base))
        return discord.Webhook.partial(int(match.group(1)), match.group(2), session=session)

    async def _send(
        self,
        channel_id: str,
        content: str,
        embeds: list[discord.Embed],
        key: str | None = None,
        reply_to: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        none = discord.AllowedMentions.none()
        if self.token:
            view = story_buttons(message) if message else None
            extra: dict[str, Any] = {"view": view} if view else {}
            client = self._client()
            try:
                await client.http.static_login(self.token)  # REST only: no gateway, no application lookup
                target = int(channel_id)
                if reply_to and message is not None and message.notify:
                    # an alert: in the channel, as a reply to the card (Discord's threads have no
                    # "also send to channel"), so the desk sees it without following the thread
                    extra["reference"] = discord.MessageReference(
                        message_id=int(reply_to), channel_id=target, fail_if_not_exists=False
                    )
                elif reply_to:  # in the thread on that message (a thread started on a message has its id)
                    await _thread_on(client, channel_id, reply_to, content)
                    target = int(reply_to)
                channel = client.get_partial_messageable(target)
                # discord.py sends enforce_nonce with a nonce: a repeat returns the message already posted
                if key:
                    sent = await channel.send(
                        content=content, embeds=embeds, allowed_mentions=none, nonce=key, **extra
                    )
                else:
                    sent = await channel.send(content=content, embeds=embeds, allowed_mentions=none, **extra)
                return str(sent.id)
            finally:
                await client.close()
        async with aiohttp.ClientSession() as session:  # a webhook has no threads: replies follow the card
            posted = await self._hook(session).send(
                content=content, embeds=embeds, allowed_mentions=none, wait=True
            )
            return str(posted.id)

    async def _edit(
        self,
        channel_id: str,
        message_id: str,
        content: str,
        embeds: list[discord.Embed],
        message: Message | None = None,
    ) -> None:
        none = discord.AllowedMentions.none()
        if self.token:
            client = self._client()
            view = story_buttons(message) if message else None
            try:
                await client.http.static_login(self.token)
                channel = client.get_partial_messageable(int(channel_id))
                await channel.get_partial_message(int(message_id)).edit(
                    content=content, embeds=embeds, allowed_mentions=none, view=view
                )
            finally:
                await client.close()
            return
        async with aiohttp.ClientSession() as session:
            await self._hook(session).edit_message(
                int(message_id), content=content, embeds=embeds, allowed_mentions=none
            )


THREAD_EXISTS = 160004  # Discord's code for "a thread has already been created for this message"


async def _thread_on(client: discord.Client, channel_id: str, message_id: str, content: str) -> None:
    """Start the thread on a card's message, unless it has one already."""
    try:
        await client.http.start_thread_with_message(
            int(channel_id), int(message_id), name=(content or "updates")[:100], auto_archive_duration=1440
        )
    except discord.HTTPException as exc:
        if exc.code != THREAD_EXISTS:
            raise
