"""The one owner of the feeds: configured and chat-added alike, their state, and who is told of changes."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from bot.config import Feed
from bot.models import Result
from bot.storage import Store, now_iso, parse_time

FAILING_AFTER = 3  # consecutive failures after which a feed is reported failing
MAX_BACKOFF = 86400  # seconds: a failing feed is still tried once a day


class FeedError(ValueError):
    """A change to the feeds that cannot be made; the message says why."""


@dataclass(frozen=True)
class FeedState:
    """What the bot remembers of a feed between polls."""

    etag: str | None = None
    modified: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    failures: int = 0
    failing: bool = False
    next_poll: str | None = None
    items_seen: int = 0
    added_by: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any] | None) -> FeedState:
        """The state kept in a row of the feeds table (an empty state for no row)."""
        row = row or {}
        return cls(
            etag=row.get("etag"),
            modified=row.get("modified"),
            last_success=row.get("last_success"),
            last_error=row.get("last_error"),
            failures=int(row.get("failures") or 0),
            failing=bool(row.get("failing")),
            next_poll=row.get("next_poll"),
            items_seen=int(row.get("items_seen") or 0),
            added_by=row.get("added_by"),
        )

    def due(self, now: datetime, every: float = 0.0) -> bool:
        """Whether the feed (polled every `every` seconds) may be polled now: not resting after a back-off
        or a Retry-After. A next poll further ahead than any wait the bot sets (a day, or the feed's own
        interval, and their jitter) was set by a clock since set back (a VM restored, a wrong clock put
        right), and is due: the feed would otherwise be silent for as long as the clock was wrong."""
        when = parse_time(self.next_poll)
        longest = timedelta(seconds=1.2 * max(every, MAX_BACKOFF))
        return when is None or when <= now or when - now > longest


def backoff(every: int, failures: int, retry_after: float | None = None, jitter: float = 1.0) -> float:
    """Seconds to wait after the n-th consecutive failure: what the server asked for, else the interval
    doubled per failure, times a jitter factor (near 1) that keeps feeds apart; a day at most either way
    (a Retry-After of years, or a date in 2100, would silence the feed for good)."""
    if retry_after:
        return float(min(retry_after, MAX_BACKOFF))
    return float(min(every * 2 ** max(failures - 1, 0), MAX_BACKOFF) * jitter)


def _later(now: datetime, seconds: float) -> str:
    return (now + timedelta(seconds=seconds)).isoformat(timespec="seconds")


Listener = Callable[[Feed, bool], None]  # (feed, added) — added False: removed


def chat_feeds(db: sqlite_utils.Database, configured: Iterable[Feed] = ()) -> list[Feed]:
    """The feeds added from chat that a store holds, by name (a name also among the configured feeds is
    the configured feed)."""
    names = {f.name for f in configured}
    return [
        Feed(
            row["name"],
            row["url"],
            int(row["every"] or 600),
            backfill=int(row["backfill"] or 0),
            kind=row["kind"] or "feed",
            repost_edits=row["repost_edits"],
        )
        for row in db.query("select * from feeds where added_by is not null order by name")
        if row["name"] not in names
    ]


class Feeds:
    """The configured feeds and those added from chat, with their stored state."""

    def __init__(self, store: Store, configured: Sequence[Feed] = ()) -> None:
        self.store = store
        self.configured = tuple(configured)
        self.listeners: list[Listener] = []  # told of each feed added or removed (the scheduler)

    @property
    def _table(self) -> Any:
        return self.store.db.table("feeds")

    def _row(self, name: str) -> dict[str, Any] | None:
        rows = list(self.store.db.query("select * from feeds where name = ?", [name]))
        return rows[0] if rows else None

    def added(self) -> list[Feed]:
        """The feeds added from chat, by name (a name also in the config is the configured feed)."""
        return chat_feeds(self.store.db, self.configured)

    def all(self) -> list[Feed]:
        """Every feed the bot watches: the configured ones, then those added from chat."""
        return [*self.configured, *self.added()]

    def get(self, name: str) -> Feed | None:
        """The feed of that name, configured or added."""
        return next((f for f in self.all() if f.name == name), None)

    def state(self, feed: Feed) -> FeedState:
        """What is remembered of the feed (an empty state for one never polled, and for one whose URL
        was changed in the config since: the validators and the first poll were the old URL's, so the
        new URL's backlog is stored quietly too; only whether it was failing is kept, to tell its
        recovery)."""
        row = self._row(feed.name)
        if row and row.get("url") and row["url"] != feed.url:
            return FeedState(failing=bool(row.get("failing")), added_by=row.get("added_by"))
        return FeedState.from_row(row)

    def add(
        self,
        url: str,
        every: int,
        added_by: str,
        kind: str = "feed",
        backfill: int = 0,
        repost_edits: float | None = None,
    ) -> Feed:
        """Watch a new feed under a name made from its host; raise FeedError if it is watched already."""
        if any(f.url == url for f in self.all()) or self._table.count_where("url = ?", [url]):
            raise FeedError(f"{url} is already watched")
        name = re.sub(r"[^a-z0-9]+", "-", (urlsplit(url).hostname or "feed").lower()).strip("-")
        taken = {f.name for f in self.configured}
        while name in taken or self._table.count_where("name = ?", [name]):
            name += "-2"
        feed = Feed(name, url, every, backfill=backfill, kind=kind, repost_edits=repost_edits)
        self._table.insert(
            {
                "name": name,
                "url": url,
                "every": every,
                "kind": kind,
                "backfill": backfill,
                "repost_edits": repost_edits,
                "items_seen": 0,
                "failures": 0,
                "added_by": added_by or "?",
                "added": now_iso(),
            }
        )
        for listener in self.listeners:
            listener(feed, True)
        return feed

    def remove(self, name: str) -> Feed:
        """Stop watching a chat-added feed and forget its state; a configured feed cannot be removed."""
        if any(f.name == name for f in self.configured):
            raise FeedError(
                f"{name} is set in the config file; remove it there "
                "(chat removes only the feeds added from chat)"
            )
        feed = next((f for f in self.added() if f.name == name), None)
        if feed is None:
            raise FeedError(f"no feed named {name!r}")
        self._table.delete(name)
        for listener in self.listeners:
            listener(feed, False)
        return feed

    def release_backlog(self, feed: Feed, results: Sequence[Result], keep: int) -> None:
        """Let the newest `keep` items of a new feed's backlog (stored quietly by its first poll, which
        brought these results, however many runs it took) reach digests after all."""
        ids = {r.article.id for r in results} | {r.of for r in results if r.duplicate and r.of}
        self.store.release_quiet(feed.name, sorted(ids), keep)

    def _save(self, feed: Feed, values: dict[str, Any]) -> None:
        row = self._row(feed.name)
        if row and row.get("url") and row["url"] != feed.url:  # what is kept of the old URL goes
            values = {"etag": None, "modified": None, "last_success": None, "items_seen": 0, **values}
        self._table.upsert({"name": feed.name, "url": feed.url, "every": feed.every, **values}, pk="name")

    def record_deferred(self, feed: Feed, seconds: float, now: datetime | None = None) -> None:
        """The feed was not tried (its host rests after a Retry-After): try again in `seconds`."""
        self._save(feed, {"next_poll": _later(now or datetime.now(UTC), seconds)})

    def record_failure(
        self, feed: Feed, error: str, retry_after: float | None = None, now: datetime | None = None
    ) -> tuple[FeedState, float]:
        """Count a failed poll and set the next try by back-off; the new state and the delay."""
        before = self.state(feed)
        failures = before.failures + 1
        delay = backoff(feed.every, failures, retry_after, random.uniform(0.9, 1.1))
        state = replace(
            before,
            last_error=error,
            failures=failures,
            failing=failures >= FAILING_AFTER,
            next_poll=_later(now or datetime.now(UTC), delay),
        )
        self._save(
            feed,
            {
                "last_error": error,
                "failures": failures,
                "failing": int(state.failing),
                "next_poll": state.next_poll,
            },
        )
        return state, delay

    def record_success(
        self,
        feed: Feed,
        etag: str | None,
        modified: str | None,
        fresh: int,
        min_interval: float = 0.0,
        now: datetime | None = None,
    ) -> FeedState:
        """Keep the validators of a successful poll, clear its failures, count its fresh items."""
        before = self.state(feed)
        state = replace(
            before,
            etag=etag,
            modified=modified,
            last_success=now_iso(),
            last_error=None,
            failures=0,
            failing=False,
            next_poll=_later(now or datetime.now(UTC), max(feed.every, min_interval)),
            items_seen=before.items_seen + fresh,
        )
        self._save(
            feed,
            {
                "etag": etag,
                "modified": modified,
                "last_success": state.last_success,
                "last_error": None,
                "failures": 0,
                "failing": 0,
                "next_poll": state.next_poll,
                "items_seen": state.items_seen,
            },
        )
        return state
