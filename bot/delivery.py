"""The outbox: digests are written before sending and marked sent only once the platform confirms."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from bot import live, queries
from bot.adapters import Adapter, DeliveryError
from bot.adapters.limits import Limits, split_message
from bot.config import Channel
from bot.digest import capped, compose, more_block, render, render_headlines
from bot.locks import store_lock
from bot.messages import Block, Message
from bot.registry import DigestSection
from bot.storage import Store, delete_in, now_iso, parse_time

log = logging.getLogger(__name__)
RETRIES = 4
MAX_WAIT = 120.0  # a longer Retry-After leaves the part for the next run
T = TypeVar("T")


def last_until(store: Store, channel: Channel) -> str:
    """Where the channel's previous digest ended, or the beginning of time."""
    return queries.last_digest_until(store.db, channel.platform, channel.id)


def prune_digests(store: Store, cutoff: str, dry_run: bool = False) -> int:
    """Delete the digests created before the cutoff (UTC text) with their parts, except each channel's
    latest (the next digest starts where it ended) and any with a part still waiting to be sent; the
    digests deleted (or that would be, in a dry run)."""
    old = [
        int(r[0])
        for r in store.db.execute(
            "select d.id from digests d where d.created < ? and d.id != (select max(l.id) from digests l "
            "where l.platform = d.platform and l.channel = d.channel) and not exists "
            "(select 1 from outbox o where o.digest_id = d.id and o.status = 'pending')",
            [cutoff],
        )
    ]
    if not dry_run:
        with store.db.atomic():
            delete_in(store.db, "outbox", "digest_id", old)
            delete_in(store.db, "digests", "id", old)
    return len(old)


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
    digest, rest = capped(compose(store, channel, since, until), channel.max_stories)
    if not digest.stories and not (send_empty or channel.send_empty):
        return None
    stories = json.dumps([s.story_id for s in digest.stories])
    message = render(digest, sections)
    if rest:  # the most important max_stories stories; the others are counted, with the command
        more = more_block(rest, since, until, len(digest.stories))
        message = replace(message, blocks=(*message.blocks, more))
    parts = split_message(message, channel.platform, limits)
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
                    "nonce": "ww" + uuid.uuid4().hex[:20],  # the key the platform finds the part by
                }
            )
    return digest_id


MAX_NOTICE_LINES = 40  # feeds named in one notice; the rest are counted


def queue_notice(store: Store, channel: Channel, lines: str | Sequence[str]) -> int:
    """Put one notice listing feeds that started failing or recovered in the channel's outbox."""
    lines = [lines] if isinstance(lines, str) else list(lines)
    if len(lines) == 1:
        title = f"Feed {lines[0]}."
        return _enqueue(store, channel, [Message((Block("text", title),), title)], None, None, "[]")
    shown = lines[:MAX_NOTICE_LINES]
    rest = len(lines) - len(shown)
    blocks = [Block("header", f"Feed health: {len(lines)} feeds changed")]
    blocks += [Block("text", f"• {line}") for line in shown]
    if rest:
        blocks.append(Block("context", f"and {rest} more; see `wirewatch feeds`"))
    fallback = f"Feed health: {len(lines)} feeds changed"
    parts = split_message(Message(tuple(blocks), fallback), channel.platform)
    return _enqueue(store, channel, parts, None, None, "[]")


TOKENS = {"slack": "SLACK_BOT_TOKEN", "discord": "DISCORD_BOT_TOKEN or DISCORD_WEBHOOK_URL"}
DELIVERY_WAIT = 30.0  # seconds a second process waits for the one delivering before leaving it the work
# fault injection for crash tests: the file to write before pausing (the test then kills the process),
# at the point between the platform's confirmation and the commit, or between the commit of an attempt
# and its send; WIREWATCH_PAUSE_PART picks the outbox part (default: the first one sent)
PAUSE_AFTER_SEND = "WIREWATCH_PAUSE_AFTER_SEND"
PAUSE_BEFORE_SEND = "WIREWATCH_PAUSE_BEFORE_SEND"


def _fault_point(name: str, part: int) -> None:
    """Pause here for good (writing the marker file first) when the environment asks for it."""
    marker = os.environ.get(name)
    wanted = os.environ.get("WIREWATCH_PAUSE_PART")
    if marker and (not wanted or wanted == str(part)) and not Path(marker).exists():
        Path(marker).write_text(str(part))
        time.sleep(600)


def delivery_lock(store: Store, wait: float = DELIVERY_WAIT) -> AbstractContextManager[bool]:
    """Hold the store's delivery lock; yields False if another process still held it after `wait` s."""
    return store_lock(store.path, "delivery", wait)


def deliver(
    store: Store,
    adapters: Mapping[str, Adapter],
    sleep: Callable[[float], None] = time.sleep,
    only: Channel | None = None,
    wait: float = DELIVERY_WAIT,
) -> int:
    """Send every pending outbox part (of one channel, if `only`) in order, under the store's delivery
    lock, marking each sent once the platform confirmed it; a transient failure leaves it pending for
    the next run (not before its Retry-After), a permanent one marks it failed (`wirewatch outbox
    retry` sends it again). A process that cannot have the lock leaves the parts to the one that has."""
    with delivery_lock(store, wait) as held:
        if not held:
            log.warning(
                "another wirewatch process is delivering from %s; its pending parts are left to it",
                store.path,
            )
            return 0
        return deliver_held(store, adapters, sleep, only)


def _epoch(text: str | None) -> float:
    when = parse_time(text)
    return when.timestamp() if when else 0.0


def _note(store: Store, row: Mapping[str, Any], error: str) -> None:
    """Keep why a part waits, once (not rewritten on every run)."""
    if row["last_error"] != error:
        store.db.table("outbox").update(row["id"], {"last_error": error})
        log.error("outbox part %s to %s:%s waits: %s", row["id"], row["platform"], row["channel"], error)


def _find(adapter: Adapter, channel_id: str, message: Message, key: str, since: float) -> str | None:
    """The adapter's lookup of a part in doubt; an adapter without one cannot tell (None)."""
    find = getattr(adapter, "find", None)
    return None if find is None else cast(str | None, find(channel_id, message, key, since))


def _guarded(row: Mapping[str, Any], call: Callable[..., T], *args: Any) -> T:
    """An adapter's call; anything it raises but DeliveryError (a plugin adapter's bug) fails this part
    (it may have been posted) instead of stopping every channel's delivery; `outbox retry` sends it
    again once the adapter is mended."""
    try:
        return call(*args)
    except DeliveryError:
        raise
    except Exception as exc:
        problem = f"{row['platform']} adapter failed: {type(exc).__name__}: {exc}"
        raise DeliveryError(problem, permanent=True, maybe_sent=True) from exc


def _attempt(
    store: Store,
    row: Mapping[str, Any],
    adapter: Adapter,
    message: Message,
    sleep: Callable[[float], None],
) -> str | None:
    """Send one part, trying again a few times: after Retry-After when rate-limited, after a growing
    pause (1, 2, 4 s) on a server error or timeout; a permanent refusal is not retried. Before each
    send the attempt is committed as in doubt, and a part in doubt is first looked up on the platform:
    one that arrived is not posted again."""
    table = store.db.table("outbox")
    key = row["nonce"] or f"ww{row['id']}"
    in_doubt, tried_at, attempts = bool(row["in_doubt"]), row["tried_at"], int(row["attempts"] or 0)
    for attempt in range(RETRIES):
        if in_doubt:
            found = _guarded(row, _find, adapter, row["channel"], message, key, _epoch(tried_at) - 60)
            if found is not None:
                log.info("outbox part %s had reached %s already (as %s)", row["id"], row["platform"], found)
                return found
        tried_at, attempts = now_iso(), attempts + 1
        table.update(row["id"], {"in_doubt": 1, "tried_at": tried_at, "attempts": attempts})
        _fault_point(PAUSE_BEFORE_SEND, row["part"])
        try:
            remote_id = _guarded(row, adapter.send, row["channel"], message, key)
        except DeliveryError as exc:
            in_doubt = exc.maybe_sent
            if not in_doubt:
                table.update(row["id"], {"in_doubt": 0})
            wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
            if exc.permanent or attempt == RETRIES - 1 or wait > MAX_WAIT:
                raise
            log.warning("sending to %s failed (%s); trying again in %.1fs", row["channel"], exc, wait)
            sleep(wait)
            continue
        _fault_point(PAUSE_AFTER_SEND, row["part"])  # the platform has it, the store does not yet
        return remote_id
    return None


SLACK_EDITS = 50  # chat.update is Slack Tier 3: about 50 calls a minute per workspace
EDIT_WINDOW = 60.0


class EditBudget:
    """How many card edits one bot may still send to a platform in the current window (shared by all
    its cards and channels), and until when a 429 holds them all; edits beyond it wait in the outbox
    for a later live step. `clock` is injectable so tests move time instead of sleeping."""

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        window: float = EDIT_WINDOW,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.limits = dict(limits if limits is not None else {"slack": SLACK_EDITS})
        self.window = timedelta(seconds=window)
        self.clock = clock
        self.sent: dict[str, list[datetime]] = {}
        self.held: dict[str, datetime] = {}

    def take(self, platform: str) -> bool:
        """Count one edit to the platform if its budget allows one now; False if it must wait."""
        limit = self.limits.get(platform)
        if limit is None:  # no budget kept for it (discord.py keeps Discord's per-route buckets)
            return True
        now = self.clock()
        if now < self.held.get(platform, now):
            return False
        recent = [t for t in self.sent.get(platform, []) if t > now - self.window]
        if len(recent) >= limit:
            self.sent[platform] = recent
            return False
        self.sent[platform] = [*recent, now]
        return True

    def hold(self, platform: str, seconds: float) -> None:
        """Send no more edits to the platform for `seconds` (its Retry-After)."""
        self.held[platform] = self.clock() + timedelta(seconds=seconds)


def _edit(
    row: Mapping[str, Any],
    adapter: Adapter,
    message: Message,
    remote_id: str,
    sleep: Callable[[float], None],
    budget: EditBudget | None = None,
) -> str | None:
    """Edit a posted card, trying again as _attempt does (with a budget, a Retry-After holds the
    budget instead of this step: the edit waits in the outbox); an edit is the card's whole content,
    derived from the store, so one that may have arrived is simply made again (no lookup needed)."""
    edit = getattr(adapter, "edit", None)
    if edit is None:
        raise DeliveryError(f"{row['platform']} cannot edit messages", permanent=True)
    for attempt in range(RETRIES):
        try:
            _guarded(row, edit, row["channel"], remote_id, message)
            return remote_id
        except DeliveryError as exc:
            if budget is not None and exc.retry_after is not None and not exc.permanent:
                budget.hold(row["platform"], exc.retry_after)
                raise
            wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
            if exc.permanent or attempt == RETRIES - 1 or wait > MAX_WAIT:
                raise
            log.warning(
                "editing %s in %s failed (%s); trying again in %.1fs", remote_id, row["channel"], exc, wait
            )
            sleep(wait)
    return None


def deliver_held(
    store: Store,
    adapters: Mapping[str, Adapter],
    sleep: Callable[[float], None] = time.sleep,
    only: Channel | None = None,
    budget: EditBudget | None = None,
) -> int:
    """deliver, by a caller that holds the delivery lock already (it queued digests under it); card
    edits beyond the budget (if one is given) stay pending for a later step."""
    sent, last = 0, 0
    blocked: set[tuple[str, str]] = set()  # a channel that failed now keeps its order: no later part jumps it
    table = store.db.table("outbox")
    while True:  # parts queued meanwhile (by this process or one that left them to it) go out too
        rows = list(
            store.db.query("select * from outbox where status = 'pending' and id > ? order by id", [last])
        )
        if not rows:
            return sent
        for row in rows:
            last = row["id"]
            target = (row["platform"], row["channel"])
            if target in blocked or (only is not None and target != (only.platform, only.id)):
                continue
            not_before = parse_time(row["not_before"])
            if not_before and not_before > datetime.now(UTC):
                log.info("outbox part %s waits until %s (Retry-After)", row["id"], row["not_before"])
                blocked.add(target)
                continue
            adapter = adapters.get(row["platform"])
            if adapter is None:  # kept for when the token is set: never printed instead and marked sent
                hint = TOKENS.get(row["platform"], "its token")
                _note(store, row, f"no {row['platform']} adapter: {hint} is not set; the part waits for it")
                blocked.add(target)
                continue
            message = Message.from_json(json.loads(row["payload"]))
            if message.in_thread:  # under the digest's first part, as the platform knows it
                parent = store.db.execute(
                    "select remote_id from outbox where digest_id = ? and part = 1", [row["digest_id"]]
                ).fetchone()
                message = replace(message, reply_to=parent[0] if parent else None)
            card_remote: str | None = None
            if row.get("action"):  # a live card's post, edit or thread reply (bot/live.py)
                message, card_remote = live.addressed(store, row, message)
                if row["action"] != "card" and card_remote is None:
                    _note(store, row, "its card is not posted yet; it waits for the card")
                    continue
            if row.get("action") == "edit" and budget is not None and not budget.take(row["platform"]):
                continue  # over the platform's edit budget: a later step sends it (it does not block)
            try:
                if row.get("action") == "edit":
                    remote_id = _edit(row, adapter, message, str(card_remote), sleep, budget)
                else:
                    remote_id = _attempt(store, row, adapter, message, sleep)
            except DeliveryError as exc:
                update: dict[str, Any] = {
                    "status": "failed" if exc.permanent else "pending",
                    "last_error": str(exc),
                }
                if row.get("action") == "edit" and budget is not None and not exc.permanent:
                    table.update(row["id"], update)  # the budget holds the edits; other parts go on
                    log.warning("card edit %s to %s %s waits: %s", row["id"], *target, exc)
                    continue
                if exc.retry_after is not None and not exc.permanent:
                    until = datetime.now(UTC) + timedelta(seconds=min(exc.retry_after, 86400.0))
                    update["not_before"] = until.isoformat(timespec="seconds")
                table.update(row["id"], update)
                log.error("digest part %s to %s %s not sent: %s", row["id"], *target, exc)
                blocked.add(target)
                continue
            with store.db.atomic():
                table.update(
                    row["id"],
                    {
                        "status": "sent",
                        "sent_at": now_iso(),
                        "remote_id": remote_id,
                        "in_doubt": 0,
                        "last_error": None,
                    },
                )
                if row.get("action"):
                    live.confirmed(store, row, remote_id)
            sent += 1


def retry(store: Store, part: int | None = None) -> int:
    """Put failed parts (one by its id, or all) back in the queue; a part retried by the operator is
    sent without a lookup first. The number of parts requeued."""
    where, args = ("id = ? and status != 'sent'", [part]) if part is not None else ("status = 'failed'", [])
    with store.db.atomic():
        count = store.db.execute(
            f"update outbox set status = 'pending', in_doubt = 0, not_before = null where {where}", args
        ).rowcount
    return int(count)
