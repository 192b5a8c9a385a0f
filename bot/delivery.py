"""The outbox: digests are written before sending and marked sent only once the platform confirms."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from bot.adapters import Adapter, DeliveryError
from bot.adapters.limits import Limits, split_message
from bot.config import Channel
from bot.digest import compose, render, render_headlines
from bot.messages import Block, Message
from bot.registry import DigestSection
from bot.storage import Store, now_iso

log = logging.getLogger(__name__)
EPOCH = "0000-01-01T00:00:00+00:00"
RETRIES = 4
MAX_WAIT = 120.0  # a longer Retry-After leaves the part for the next run


def last_until(store: Store, channel: Channel) -> str:
    """Where the channel's previous digest ended, or the beginning of time."""
    row = store.db.execute(
        "select max(until) from digests where channel = ? and platform = ?", [channel.id, channel.platform]
    ).fetchone()
    return row[0] or EPOCH


def queue_digest(
    store: Store,
    channel: Channel,
    until: str | None = None,
    send_empty: bool = False,
    sections: Sequence[DigestSection] | None = None,
    limits: Limits | None = None,
) -> int | None:
    """Compose the channel's digest since its last one (with these sections, in parts within these
    limits: the platform's built-in ones by default) and put it in the outbox; its id, or None."""
    until = until or now_iso()
    since = last_until(store, channel)
    digest = compose(store, channel, since, until)
    if not digest.stories and not (send_empty or channel.send_empty):
        return None
    stories = json.dumps([s.story_id for s in digest.stories])
    parts = split_message(render(digest, sections), channel.platform, limits)
    if channel.thread:  # headlines in the channel, the details as replies in their thread
        details = [replace(p, in_thread=True) for p in parts]
        parts = [*split_message(render_headlines(digest), channel.platform, limits), *details]
    return _enqueue(store, channel, parts, since, until, stories)


def _enqueue(
    store: Store, channel: Channel, parts: list[Message], since: str | None, until: str | None, stories: str
) -> int:
    """Write a digest (or notice) and its message parts to the outbox in one transaction; its id."""
    with store.db.atomic():
        row = {
            "channel": channel.id,
            "platform": channel.platform,
            "created": now_iso(),
            "since": since,
            "until": until,
            "stories": stories,
        }
        digest_id = int(store.db.table("digests").insert(row).last_pk or 0)
        for n, part in enumerate(parts, 1):
            store.db.table("outbox").insert(
                {
                    "digest_id": digest_id,
                    "part": n,
                    "channel": channel.id,
                    "platform": channel.platform,
                    "payload": json.dumps(part.to_json()),
                    "status": "pending",
                    "attempts": 0,
                }
            )
    return digest_id


def _send(adapter: Adapter, channel: str, message: Message, sleep: Callable[[float], None]) -> str | None:
    """Send, trying again a few times: after Retry-After when rate-limited, after a growing pause
    (1, 2, 4 s) on a server error or timeout; a permanent refusal is not retried."""
    for attempt in range(RETRIES):
        try:
            return adapter.send(channel, message)
        except DeliveryError as exc:
            wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
            if exc.permanent or attempt == RETRIES - 1 or wait > MAX_WAIT:
                raise
            log.warning("sending to %s failed (%s); trying again in %.1fs", channel, exc, wait)
            sleep(wait)
    return None


def queue_notice(store: Store, channel: Channel, text: str) -> int:
    """Put a one-line notice (a feed failing or recovered) in the channel's outbox."""
    return _enqueue(store, channel, [Message((Block("text", text),), text)], None, None, "[]")


def deliver(
    store: Store,
    adapters: Mapping[str, Adapter],
    sleep: Callable[[float], None] = time.sleep,
    only: Channel | None = None,
) -> int:
    """Send every pending outbox part (of one channel, if `only`) in order, marking each sent once the
    platform confirmed it; a transient failure leaves it pending, a permanent one marks it failed."""
    sent = 0
    blocked: set[tuple[str, str]] = set()  # a channel that failed now keeps its order: no later part jumps it
    for row in list(store.db.query("select * from outbox where status = 'pending' order by id")):
        target = (row["platform"], row["channel"])
        if target in blocked or (only is not None and target != (only.platform, only.id)):
            continue
        adapter = adapters.get(row["platform"]) or adapters.get("console")
        if adapter is None:
            log.error("no adapter for %s; outbox part %s waits", row["platform"], row["id"])
            blocked.add(target)
            continue
        message = Message.from_json(json.loads(row["payload"]))
        if message.in_thread:  # under the digest's first part, as the platform knows it
            parent = store.db.execute(
                "select remote_id from outbox where digest_id = ? and part = 1", [row["digest_id"]]
            ).fetchone()
            message = replace(message, reply_to=parent[0] if parent else None)
        try:
            remote_id = _send(adapter, row["channel"], message, sleep)
        except DeliveryError as exc:
            status = "failed" if exc.permanent else "pending"
            store.db.table("outbox").update(
                row["id"], {"status": status, "attempts": row["attempts"] + 1, "last_error": str(exc)}
            )
            log.error("digest part %s to %s %s not sent: %s", row["id"], *target, exc)
            blocked.add(target)
            continue
        store.db.table("outbox").update(
            row["id"],
            {"status": "sent", "attempts": row["attempts"] + 1, "sent_at": now_iso(), "remote_id": remote_id},
        )
        sent += 1
    return sent
