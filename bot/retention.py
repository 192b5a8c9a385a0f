"""Retention (`[storage] keep`, `wirewatch prune`): a story that gained no article for longer than that is
forgotten whole, with everything derived from it, and old digests with it; a store that runs for years
stops growing (SQLite reuses the freed pages; VACUUM returns them to the disk)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot import live
from bot.delivery import DELIVERY_WAIT, delivery_lock, prune_digests
from bot.locks import store_lock
from bot.storage import Store

log = logging.getLogger(__name__)

# stories forgotten per transaction: each reads the index keys and quote terms once (they are keyed for
# look-ups by key, not by article) and holds SQLite's write lock about 2.4 s at 100,000 stored
BATCH = 2000


@dataclass
class Pruned:
    """What a prune deleted (or, in a dry run, would delete)."""

    stories: int = 0
    articles: int = 0
    quotes: int = 0
    cards: int = 0
    digests: int = 0
    waiting: int = 0  # old stories kept because a card part of theirs is still to be sent

    def line(self, dry_run: bool = False) -> str:
        """One line for people: what went, or would go."""
        verb = "would delete" if dry_run else "deleted"
        kept = f"; {self.waiting} kept until their card parts are sent" if self.waiting else ""
        return (
            f"retention {verb} {self.stories} stories ({self.articles} articles, {self.quotes} quotes, "
            f"{self.cards} cards) and {self.digests} digests{kept}"
        )


def prune(store: Store, keep: int, now: datetime | None = None, dry_run: bool = False) -> Pruned:
    """Forget the stories (each with those merged into it) that gained no article in the last `keep`
    seconds: their articles, quotes and cards in every channel; and the digests older than that, each
    channel's latest excepted. dry_run: count only."""
    moment = (now or datetime.now(UTC)).astimezone(UTC) - timedelta(seconds=keep)
    cutoff = moment.isoformat(timespec="microseconds")  # as ingestion times are written (now_iso)
    done = Pruned()
    batch: list[str] = []

    def forget() -> None:
        with store.db.atomic():
            done.cards += live.forget_cards(store, batch, dry_run)
            articles, quotes = store.forget_stories(batch, dry_run)
        done.stories += len(batch)
        done.articles += articles
        done.quotes += quotes
        batch.clear()

    for group in store.stale_stories(cutoff):
        if live.cards_waiting(store, group):
            done.waiting += 1
            continue
        batch.extend(group)  # a group is never split between two transactions
        if len(batch) >= BATCH:
            forget()
    if batch:
        forget()
    done.digests = prune_digests(store, cutoff, dry_run)
    if done.stories or done.digests:
        log.info("%s", done.line(dry_run))
    return done


def prune_store(
    store: Store, keep: int, now: datetime | None = None, dry_run: bool = False, wait: float = DELIVERY_WAIT
) -> Pruned | None:
    """prune under the store's ingest and delivery locks (an article another process ingests meanwhile
    could join a story being forgotten, a card part it queues could lose its card); None when another
    process still held one of them after `wait` seconds."""
    with store_lock(store.path, "ingest", wait) as ingesting, delivery_lock(store, wait) as delivering:
        if not (ingesting and delivering):
            return None
        return prune(store, keep, now, dry_run)
