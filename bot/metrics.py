"""The bot's Prometheus metrics and health facts, in a registry of its own per bot."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.adapters import Adapter, DeliveryError
from bot.messages import Message

OUTBOX_STATES = ("pending", "sent", "failed")


@dataclass
class StoreFacts:
    """What the store holds now: counts, failing feeds, pending outbox parts, the last ingest."""

    articles: int = 0
    stories: int = 0
    quotes: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)  # why pending parts wait, and how many
    failing: list[str] = field(default_factory=list)
    last_ingest: str | None = None
    cards: dict[str, int] = field(default_factory=dict)  # live story cards: "live" and "muted"


def read_facts(path: str) -> StoreFacts:
    """Read the store's facts on a read-only connection of its own (WAL readers never block the
    writer); raises sqlite3.Error when the store cannot be read."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)) as conn:
        return facts_from(conn)


def facts_from(conn: sqlite3.Connection) -> StoreFacts:
    """The store's facts, read through this connection."""

    def one(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    outbox = dict.fromkeys(OUTBOX_STATES, 0)
    outbox.update(dict(conn.execute("select status, count(*) from outbox group by status").fetchall()))
    return StoreFacts(
        articles=int(one("select count(*) from articles")),
        stories=int(one("select count(*) from stories where merged_into is null")),
        quotes=int(one("select count(*) from quotes")),
        outbox=outbox,
        waiting=dict(
            conn.execute(
                "select last_error, count(*) from outbox where status = 'pending' and last_error is not null"
                " group by last_error order by last_error"
            ).fetchall()
        ),
        failing=[r[0] for r in conn.execute("select name from feeds where failing = 1 order by name")],
        last_ingest=one("select max(ingested) from articles"),
        cards=dict(
            conn.execute(
                "select case when muted = 1 then 'muted' else 'live' end, count(*) from cards group by 1"
            ).fetchall()
        ),
    )


class _StoreCollector(Collector):
    """Gauges read from the store at each scrape."""

    def __init__(self, facts: Callable[[], StoreFacts]) -> None:
        self.facts = facts

    def collect(self) -> Iterator[Metric]:
        try:
            facts = self.facts()
        except sqlite3.Error:
            return
        yield GaugeMetricFamily("wirewatch_articles_stored", "Articles in the store", value=facts.articles)
        yield GaugeMetricFamily("wirewatch_stories", "Stories in the store", value=facts.stories)
        yield GaugeMetricFamily("wirewatch_quotes", "Attributed quotes in the store", value=facts.quotes)
        yield GaugeMetricFamily("wirewatch_feeds_failing", "Feeds reported failing", value=len(facts.failing))
        parts = GaugeMetricFamily("wirewatch_outbox_parts", "Outbox message parts by state", labels=["state"])
        for state, n in sorted(facts.outbox.items()):
            parts.add_metric([state], n)
        yield parts
        cards = GaugeMetricFamily("wirewatch_cards", "Live story cards by state", labels=["state"])
        for state in ("live", "muted"):
            cards.add_metric([state], facts.cards.get(state, 0))
        yield cards


class Metrics:
    """Counters the bot moves as it works, and gauges read from its store when scraped."""

    def __init__(self, facts: Callable[[], StoreFacts] | None = None) -> None:
        # no `*_created` series beside each counter: a timestamp per series that dashboards never use
        # (prometheus_client's switch is for the process: the bot's registries are its only ones)
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        self.ingested = Counter(
            "wirewatch_articles_ingested", "Articles ingested (new items)", registry=self.registry
        )
        self.fetches = Counter(
            "wirewatch_feed_fetches",
            "Feed fetches by feed and outcome",
            ["feed", "outcome"],
            registry=self.registry,
        )
        self.digests = Counter(
            "wirewatch_digests_queued", "Digests written to the outbox", registry=self.registry
        )
        self.delivery = Histogram(
            "wirewatch_delivery_seconds",
            "Seconds a platform took to accept one message part",
            ["platform"],
            registry=self.registry,
        )
        if facts is not None:
            self.registry.register(_StoreCollector(facts))

    def exposition(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry)

    def timed(self, adapter: Adapter) -> Adapter:
        """The adapter, its sends timed into the delivery latency histogram."""
        return _TimedAdapter(adapter, self.delivery.labels(adapter.platform))


class _TimedAdapter:
    """An adapter whose successful sends are timed."""

    def __init__(self, inner: Adapter, histogram: Any) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.histogram = histogram

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        """Send through the wrapped adapter, observing how long an accepted send took."""
        start = time.perf_counter()
        remote_id = self.inner.send(channel_id, message, key)
        self.histogram.observe(time.perf_counter() - start)
        return remote_id

    def find(self, channel_id: str, message: Message, key: str, since: float) -> str | None:
        """Ask the wrapped adapter whether the message was posted already (one without a lookup
        cannot tell)."""
        find = getattr(self.inner, "find", None)
        return None if find is None else find(channel_id, message, key, since)

    def edit(self, channel_id: str, message_id: str, message: Message) -> None:
        """Edit a live card through the wrapped adapter (one that cannot edit says so)."""
        edit = getattr(self.inner, "edit", None)
        if edit is None:
            raise DeliveryError(f"{self.platform} cannot edit messages", permanent=True)
        edit(channel_id, message_id, message)
