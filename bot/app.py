"""One bot instance: its config, store, plugin manager, pipeline and adapters."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pluggy

from bot.adapters import Adapter
from bot.adapters.console import ConsoleAdapter
from bot.config import Channel, Config, Feed, Secrets
from bot.delivery import deliver, queue_digest, queue_notice
from bot.http import Http, SourceError
from bot.messages import counted, plural
from bot.metrics import Metrics, StoreFacts, facts_from, read_facts
from bot.models import Article, Result
from bot.netgate import trusted_hosts
from bot.pipeline import Pipeline
from bot.plugins import make_manager
from bot.progress import Progress
from bot.sources import Fetched, fetch
from bot.storage import Store, now_iso, parse_time

log = logging.getLogger(__name__)
FAILING_AFTER = 3  # consecutive failures after which a feed is reported failing
PROGRESS_FROM = 200  # a poll bringing this many items (a first backfill) shows its progress


def default_adapters(config: Config, secrets: Secrets) -> dict[str, Adapter]:
    """The console adapter, and a platform's adapter where its token is in the environment."""
    adapters: dict[str, Adapter] = {"console": ConsoleAdapter()}
    if secrets.slack_bot_token:
        from bot.adapters.slack import SlackAdapter

        adapters["slack"] = SlackAdapter(secrets.slack_bot_token, config.slack_api_url)
    if secrets.discord_bot_token or secrets.discord_webhook_url:
        from bot.adapters.discord import DiscordAdapter

        adapters["discord"] = DiscordAdapter(
            secrets.discord_bot_token, secrets.discord_webhook_url, config.discord_api_url
        )
    for channel in config.channels:
        if channel.platform == "slack" and not secrets.slack_bot_token:
            log.warning(
                "SLACK_BOT_TOKEN is not set: digests for slack channel %s go to the console", channel.id
            )
        if channel.platform == "discord" and not (secrets.discord_bot_token or secrets.discord_webhook_url):
            log.warning(
                "DISCORD_BOT_TOKEN is not set: digests for discord channel %s go to the console", channel.id
            )
    return adapters


class Bot:
    """Ingests feeds through the plugins and delivers digests to channels."""

    def __init__(
        self,
        config: Config,
        secrets: Secrets | None = None,
        pm: pluggy.PluginManager | None = None,
        adapters: Mapping[str, Adapter] | None = None,
    ) -> None:
        self.config = config
        self.stopping = threading.Event()  # set on SIGTERM/SIGINT: finish the article, write no more
        self.sleep: Callable[[float], None] = (
            self._pause
        )  # waits between delivery attempts (tests record them)
        self.metrics = Metrics(self.facts)
        # the operator's allow_hosts and configured feeds may be private; everything else must be public
        self.http = Http(
            config.http,
            trusted=trusted_hosts(config.allow_hosts, (f.url for f in config.feeds if f.is_remote)),
        )
        # one SQLite connection is shared by the scheduler's workers: its writes take turns
        self.lock = threading.RLock()
        self.store = Store(config.storage_path, config.window)
        self.pm = pm or make_manager()
        self.pipeline = Pipeline(self.store, self.pm, config.plugins)
        self.adapters = (
            dict(adapters)
            if adapters is not None
            else {
                k: self.metrics.timed(a)
                for k, a in default_adapters(config, secrets or Secrets.from_env()).items()
            }
        )

    def _pause(self, seconds: float) -> None:
        """Wait between delivery attempts, cut short when the bot is asked to stop."""
        self.stopping.wait(seconds)

    def facts(self) -> StoreFacts:
        """Counts, failing feeds, pending outbox parts and the last ingest, read from the store."""
        if self.store.path == ":memory:":
            with self.lock:
                return facts_from(self.store.db.conn)
        return read_facts(self.store.path)

    def close(self) -> None:
        """Release the database and the HTTP connections."""
        self.http.close()
        self.store.close()

    def _state(self, feed: Feed) -> dict[str, Any]:
        table = self.store.db.table("feeds")
        return dict(table.get(feed.name)) if table.count_where("name = ?", [feed.name]) else {}

    def _known(self, article: Article) -> bool:
        with self.lock:
            return self.store.find_same_item(article) is not None

    def poll(self, feed: Feed) -> list[Result]:
        """Fetch one feed and ingest what it brings; failures are recorded on the feed, not raised."""
        return self.poll_many([feed])

    def poll_many(self, feeds: Sequence[Feed]) -> list[Result]:
        """Fetch feeds concurrently (each host within its limits), then ingest what they bring in order."""
        with self.lock:
            states = [self._state(f) for f in feeds]
        outcomes = self.http.run(self._fetch_all(feeds, states))
        with self.lock:
            if self.stopping.is_set():  # fetched, but the bot is stopping: the next start fetches again
                return []
            return [r for f, s, o in zip(feeds, states, outcomes, strict=True) for r in self._record(f, s, o)]

    async def _fetch_all(
        self, feeds: Sequence[Feed], states: Sequence[dict[str, Any]]
    ) -> list[Fetched | SourceError]:
        async def one(feed: Feed, state: dict[str, Any]) -> Fetched | SourceError:
            try:
                return await fetch(feed, self.http, state.get("etag"), state.get("modified"), self._known)
            except SourceError as exc:
                return exc
            except Exception as exc:  # one feed that breaks in an unforeseen way never stops the cycle
                log.exception("feed %s: unexpected error", feed.name)
                return SourceError(f"feed {feed.name}: unexpected {type(exc).__name__}: {exc}")

        return list(await asyncio.gather(*(one(f, s) for f, s in zip(feeds, states, strict=True))))

    def _record(self, feed: Feed, state: dict[str, Any], fetched: Fetched | SourceError) -> list[Result]:
        """Ingest a feed's articles and keep its state: validators, failures, next poll."""
        table = self.store.db.table("feeds")
        now = datetime.now(UTC)
        row = {"name": feed.name, "url": feed.url, "every": feed.every}
        if isinstance(fetched, SourceError):
            exc = fetched
            self.metrics.fetches.labels("deferred" if exc.deferred else "error").inc()
            if exc.deferred:  # not tried: the host is resting after a Retry-After
                log.info("%s", exc)
                wait = now + timedelta(seconds=exc.retry_after or feed.every)
                table.upsert({**row, "next_poll": wait.isoformat(timespec="seconds")}, pk="name")
                return []
            failures = int(state.get("failures") or 0) + 1
            # back off: what the server asked for, else the interval doubled per failure (a day at most)
            delay = exc.retry_after or min(feed.every * 2 ** (failures - 1), 86400) * random.uniform(0.9, 1.1)
            failing = failures >= FAILING_AFTER
            reason = str(exc).removeprefix(f"feed {feed.name}: ")  # the feed is named once, not twice
            log.error("feed %s: %s (failure %d; next try in %.0fs)", feed.name, reason, failures, delay)
            table.upsert(
                {
                    **row,
                    "last_error": str(exc),  # shown without the "feed NAME: " prefix under its name
                    "failures": failures,
                    "failing": int(failing),
                    "next_poll": (now + timedelta(seconds=delay)).isoformat(timespec="seconds"),
                },
                pk="name",
            )
            if failing and not state.get("failing"):
                self._notify(feed, f"Feed {feed.name} is failing after {failures} attempts: {reason}")
            return []
        self.metrics.fetches.labels("not_modified" if fetched.not_modified else "ok").inc()
        results = self._ingest_all(feed, fetched.articles)
        if results is None:  # stopped half-way: keep the old validators, so the next start reads it again
            return []
        fresh = [r for r in results if not r.duplicate]
        for r in results:
            if r.edited and feed.repost_edits is not None and r.change >= feed.repost_edits:
                log.info("feed %s: %s changed %.0f%%; posted again", feed.name, r.edited, 100 * r.change)
                self.store.repost(r.edited, r.article.title)
        if not state.get("last_success") and len(fresh) > feed.backfill:
            # a new feed: store its backlog, but let only the newest `backfill` items reach digests
            newest = sorted(fresh, key=lambda r: r.article.published or "", reverse=True)[: feed.backfill]
            keep = {r.article.id for r in newest}
            self.store.quieten([r.article.id for r in fresh if r.article.id not in keep])
        table.upsert(
            {
                **row,
                "etag": fetched.etag,
                "modified": fetched.modified,
                "last_success": now_iso(),
                "last_error": None,
                "failures": 0,
                "failing": 0,
                "next_poll": (now + timedelta(seconds=max(feed.every, fetched.min_interval))).isoformat(
                    timespec="seconds"
                ),
                "items_seen": int(state.get("items_seen") or 0) + len(fresh),
            },
            pk="name",
        )
        if state.get("failing"):
            self._notify(feed, f"Feed {feed.name} has recovered.")
        log.info("feed %s: %d items, %d new", feed.name, len(results), len(fresh))
        self.metrics.ingested.inc(len(fresh))
        return fresh

    def _ingest_all(self, feed: Feed, articles: Sequence[Article]) -> list[Result] | None:
        """Ingest articles one transaction each, showing progress for a long batch; None when the bot
        was asked to stop before the last one (the article being written is finished first)."""
        progress = Progress(f"feed {feed.name}", len(articles)) if len(articles) >= PROGRESS_FROM else None
        results: list[Result] = []
        for article in articles:
            if self.stopping.is_set():
                log.info("feed %s: stopped after %d of %d items", feed.name, len(results), len(articles))
                return None
            result = self._ingest(feed, article)
            if result is not None:
                results.append(result)
            if progress is not None:
                progress.update()
        if progress is not None:
            progress.close()
        return results

    def _ingest(self, feed: Feed, article: Article) -> Result | None:
        """Ingest one article; one that cannot be analysed is logged with its feed and skipped (a
        database error is not the article's fault and is raised)."""
        try:
            return self.pipeline.ingest(article)
        except sqlite3.Error:
            raise
        except Exception as exc:
            log.error(
                "feed %s: item %s (%r) skipped: %s: %s",
                feed.name,
                article.id,
                article.title[:80],
                type(exc).__name__,
                exc,
            )
            return None

    def poll_if_due(self, feed: Feed) -> list[Result]:
        """Poll a feed unless it asked to be left alone until later (Retry-After, back-off)."""
        with self.lock:
            due = parse_time(self._state(feed).get("next_poll"))
        if due and due > datetime.now(UTC):
            return []
        return self.poll(feed)

    def _notify(self, feed: Feed, text: str) -> None:
        """Tell each channel that receives this feed, once per change of state."""
        for channel in self.config.channels:
            if not channel.feeds or feed.name in channel.feeds:
                queue_notice(self.store, channel, text)

    def feeds(self) -> list[Feed]:
        """The configured feeds and those added from chat."""
        configured = {f.name for f in self.config.feeds}
        added = [
            Feed(row["name"], row["url"], int(row["every"] or 600))
            for row in self.store.db.query("select * from feeds where added_by is not null order by name")
            if row["name"] not in configured
        ]
        return [*self.config.feeds, *added]

    def poll_all(self) -> list[Result]:
        """Poll every feed once, concurrently."""
        return self.poll_many(self.feeds())

    def send_digests(self, channels: Sequence[Channel] | None = None) -> int:
        """Queue each channel's digest, then deliver everything pending; the number of parts sent."""
        with self.lock:
            if self.stopping.is_set():
                return 0
            for channel in self.config.channels if channels is None else channels:
                digest_id = queue_digest(self.store, channel)
                if digest_id is not None:
                    self.metrics.digests.inc()
                    n = len(json.loads(self.store.db.table("digests").get(digest_id)["stories"] or "[]"))
                    stories = counted(n, "story", "stories")
                    log.info("digest for %s:%s: %s", channel.platform, channel.id, stories)
            sent = deliver(self.store, self.adapters, self.sleep)
            if sent:
                log.info("sent %d digest %s", sent, plural(sent, "message"))
            return sent

    def run_once(self) -> tuple[int, int]:
        """One ingest cycle and one digest delivery: (articles stored, digest parts sent)."""
        stored = len(self.poll_all())
        return stored, self.send_digests()
