"""One bot instance: its config, store, plugin manager, pipeline and adapters."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pluggy

from bot import migrations
from bot.adapters import Adapter
from bot.commands import Context, answer
from bot.config import Channel, Config, Feed
from bot.delivery import EditBudget, deliver_held, delivery_lock, queue_digest, queue_notice
from bot.digest import no_digest
from bot.feeds import Feeds, FeedState
from bot.http import Http, SourceError
from bot.live import queue_live, start_cursors
from bot.locks import store_lock
from bot.messages import Message, counted, plural
from bot.metrics import Metrics, StoreFacts, facts_from, read_facts
from bot.models import Article, Result
from bot.netgate import trusted_hosts
from bot.pipeline import Pipeline
from bot.pipeline_workers import Prepared
from bot.plugins import collect, make_manager
from bot.progress import Progress
from bot.registry import Platform, Registry
from bot.retention import Pruned, prune_store
from bot.sources import Fetched
from bot.storage import Store

log = logging.getLogger(__name__)
PROGRESS_FROM = 200  # a poll bringing this many items (a first backfill) shows its progress


def make_adapter(
    config: Config, name: str, platform: Platform, env: Mapping[str, str]
) -> tuple[Adapter | None, str]:
    """A platform's adapter, or None where the environment lacks what it needs; and why it could not
    be made where its factory raised (a plugin's bug, e.g. a token read with env[...]): that
    platform's parts then wait in the outbox, and the other platforms are not stopped by it."""
    try:
        return platform.adapter(config.platforms.get(name, platform.settings), env), ""
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def default_adapters(config: Config, registry: Registry, env: Mapping[str, str]) -> dict[str, Adapter]:
    """Each registered platform's adapter, where the environment holds what it needs (its token)."""
    adapters: dict[str, Adapter] = {}
    for name, platform in registry.platforms.items():
        adapter, problem = make_adapter(config, name, platform, env)
        if problem:
            log.error(
                "platform %s: its adapter cannot be made (%s); its parts wait in the outbox", name, problem
            )
        if adapter is not None:
            adapters[name] = adapter
    for channel in config.channels:
        if channel.platform not in adapters:
            unset = [name for name in registry.platforms[channel.platform].env if not env.get(name)]
            needs = ", ".join(unset) or "its settings"  # those set are not what is missing
            log.warning(
                "%s not set: digests for %s channel %s wait in the outbox",
                needs,
                channel.platform,
                channel.id,
            )
    return adapters


def _inbound(name: str, start: Callable[..., bool], *args: object) -> bool:
    """Start a platform's inbound side; one whose start raises (a plugin's bug) is logged and left
    out, and the bot runs on without it. A ValueError is a setting the platform refuses: it stops
    the start with its one line."""
    try:
        return start(*args)
    except ValueError:
        raise
    except Exception as exc:
        log.error(
            "platform %s does not answer commands: its start failed (%s: %s)", name, type(exc).__name__, exc
        )
        return False


class Bot:
    """Ingests feeds through the plugins and delivers digests to channels."""

    def __init__(
        self,
        config: Config,
        env: Mapping[str, str] | None = None,
        pm: pluggy.PluginManager | None = None,
        adapters: Mapping[str, Adapter] | None = None,
    ) -> None:
        self.config = config
        self.stopping = threading.Event()  # set on SIGTERM/SIGINT: finish the article, write no more
        self.sleep: Callable[[float], None] = (
            self._pause
        )  # waits between delivery attempts (tests record them)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # when card edits and polls are due
        # card edits this bot may send per platform and minute (Slack Tier 3), across all its cards
        self.edit_budget = EditBudget(clock=lambda: self.clock())
        self.metrics = Metrics(self.facts)
        # the operator's allow_hosts and configured feeds may be private; everything else must be public
        self.http = Http(
            config.http,
            trusted=trusted_hosts(config.allow_hosts, (f.url for f in config.feeds if f.is_remote)),
        )
        # one SQLite connection is shared by the scheduler's workers: its writes take turns
        self.lock = threading.RLock()
        self.store = Store(config.storage_path, config.window)
        self.env = os.environ if env is None else env  # where each platform finds its secrets
        self.pm = pm or make_manager(disabled=config.disabled)
        self.registry = collect(self.pm)  # the commands, sources, platforms and sections plugins registered
        try:
            migrations.apply(self.store.db, self.registry.migrations)  # the plugins' own tables
        except migrations.MigrationError:
            self.close()
            raise
        self.watched = Feeds(self.store, config.feeds)  # the one owner of the list of feeds
        start_cursors(self.store, config.channels)  # a live channel added to a full store: no backlog burst
        self.pipeline = Pipeline(self.store, self.pm, config.plugins, config.workers)
        self.adapters = (
            dict(adapters)
            if adapters is not None
            else {
                k: self.metrics.timed(a) for k, a in default_adapters(config, self.registry, self.env).items()
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

    def _known(self, article: Article) -> bool:
        with self.lock:
            return self.store.find_same_item(article) is not None

    def poll(self, feed: Feed) -> list[Result]:
        """Fetch one feed and ingest what it brings; failures are recorded on the feed, not raised."""
        return self.poll_many([feed])

    def poll_many(self, feeds: Sequence[Feed]) -> list[Result]:
        """Fetch feeds concurrently (each host within its limits), then ingest what they bring in order."""
        with self.lock:
            states = [self.watched.state(f) for f in feeds]
        outcomes = self.http.run(self._fetch_all(feeds, states))
        # one process at a time writes what it fetched: another on the same store waits its turn (or
        # until the bot is asked to stop)
        with self.lock, store_lock(self.store.path, "ingest", stop=self.stopping) as held:
            # fetched, but the bot is stopping: the next start fetches again
            if not held or self.stopping.is_set():
                return []
            notices: list[tuple[Feed, str]] = []  # this cycle's changes of feed health, sent together
            results: list[Result] = []
            for f, s, o in zip(feeds, states, outcomes, strict=True):
                if self.stopping.is_set():  # the feeds after a stop are read again at the next start
                    break
                results += self._record(f, s, o, notices)
            self._notify(notices)
            return results

    async def _fetch_all(
        self, feeds: Sequence[Feed], states: Sequence[FeedState]
    ) -> list[Fetched | SourceError]:
        async def one(feed: Feed, state: FeedState) -> Fetched | SourceError:
            try:
                source = self.registry.sources.get(feed.kind)
                if source is None:
                    raise SourceError(f"feed {feed.name}: no plugin provides kind {feed.kind!r}")
                fetched = await source.fetch(feed, self.http, state.etag, state.modified, self._known)
                if not isinstance(fetched, Fetched):  # a plugin's bug: that feed's failure, no one else's
                    got = type(fetched).__name__
                    raise SourceError(f"feed {feed.name}: kind {feed.kind!r} returned a {got}, not a Fetched")
                return fetched
            except SourceError as exc:
                return exc
            except Exception as exc:  # one feed that breaks in an unforeseen way never stops the cycle
                log.debug("feed %s: unexpected error", feed.name, exc_info=True)  # -v: the traceback
                return SourceError(f"feed {feed.name}: unexpected {type(exc).__name__}: {exc}")

        return list(await asyncio.gather(*(one(f, s) for f, s in zip(feeds, states, strict=True))))

    def _record(
        self,
        feed: Feed,
        state: FeedState,
        fetched: Fetched | SourceError,
        notices: list[tuple[Feed, str]],
    ) -> list[Result]:
        """Ingest a feed's articles and keep its state: validators, failures, next poll; a change of its
        health is added to notices."""
        if isinstance(fetched, SourceError):
            exc = fetched
            self.metrics.fetches.labels(feed.name, "deferred" if exc.deferred else "error").inc()
            if exc.deferred:  # not tried: the host is resting after a Retry-After
                log.info("%s", exc)
                self.watched.record_deferred(feed, exc.retry_after or feed.every)
                return []
            after, delay = self.watched.record_failure(feed, str(exc), exc.retry_after)
            reason = str(exc).removeprefix(f"feed {feed.name}: ")  # the feed is named once, not twice
            log.error("feed %s: %s (failure %d; next try in %.0fs)", feed.name, reason, after.failures, delay)
            if after.failing and not state.failing:
                notices.append((feed, f"{feed.name} is failing after {after.failures} attempts: {reason}"))
            return []
        self.metrics.fetches.labels(feed.name, "not_modified" if fetched.not_modified else "ok").inc()
        # a new feed's first poll stores its backlog quietly, each article in its own transaction, so
        # that a poll cut short (a stop, a crash) posts none of it at the next start either
        first = not state.last_success
        results, complete = self._ingest_all(feed, fetched.articles, quiet=first)
        fresh = [r for r in results if not r.duplicate]
        for r in results:
            if r.edited and feed.repost_edits is not None and r.change >= feed.repost_edits:
                log.info("feed %s: %s changed %.0f%%; posted again", feed.name, r.edited, 100 * r.change)
                self.store.repost(r.edited, r.article.title)
        self.metrics.ingested.inc(len(fresh))
        if not complete:  # stopped half-way: keep the old validators, so the next start reads it again
            return fresh
        if first and feed.backfill:
            # only the newest `backfill` items of the backlog reach digests (those of this poll that
            # a poll cut short stored are among its items again)
            self.watched.release_backlog(feed, results, feed.backfill)
        self.watched.record_success(feed, fetched.etag, fetched.modified, len(fresh), fetched.min_interval)
        if state.failing:
            notices.append((feed, f"{feed.name} has recovered"))
        log.info("feed %s: %d items, %d new", feed.name, len(results), len(fresh))
        return fresh

    def _ingest_all(
        self, feed: Feed, articles: Sequence[Article], quiet: bool = False
    ) -> tuple[list[Result], bool]:
        """Ingest articles one transaction each, showing progress for a long batch: the results, and
        False when the bot was asked to stop before the last one (the article being written is
        finished first). quiet: store them out of digests (a new feed's backlog)."""
        progress = Progress(f"feed {feed.name}", len(articles)) if len(articles) >= PROGRESS_FROM else None
        results: list[Result] = []
        # the articles' text is analysed ahead in worker processes (a long batch), stored here in order
        for done, (article, prepared) in enumerate(self.pipeline.ahead(articles, len(articles))):
            if self.stopping.is_set():
                log.info("feed %s: stopped after %d of %d items", feed.name, done, len(articles))
                return results, False
            result = self._ingest(feed, article, prepared, quiet)
            if result is not None:
                results.append(result)
            if progress is not None:
                progress.update()
        if progress is not None:
            progress.close()
        return results, True

    def _ingest(
        self, feed: Feed, article: Article, prepared: Prepared | None = None, quiet: bool = False
    ) -> Result | None:
        """Ingest one article (quiet: stored out of digests); one that cannot be analysed is logged
        with its feed and skipped (a database error is not the article's fault and is raised)."""
        try:
            return self.pipeline.ingest(article, prepared, quiet)
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
            watched = self.watched.get(feed.name) is not None  # not removed from chat meanwhile
            state = self.watched.state(feed)
            # the trigger fires once an interval, a moment after the last poll began; a successful poll
            # sets its next poll an interval after it ended, so up to half an interval early is on time
            # (else a poll that took longer than the trigger's jitter made the feed wait two intervals)
            slack = timedelta(seconds=feed.every / 2 if not state.failures else 0)
            due = watched and state.due(self.clock() + slack, feed.every)
        if not due:
            return []
        return self.poll(feed)

    def _notify(self, notices: Sequence[tuple[Feed, str]]) -> None:
        """Tell each channel about the feeds it receives that started failing or recovered: one notice
        per channel per cycle, however many feeds changed."""
        for channel in self.config.channels:
            lines = [text for feed, text in notices if not channel.feeds or feed.name in channel.feeds]
            if lines:
                queue_notice(self.store, channel, lines)

    def feeds(self) -> list[Feed]:
        """The configured feeds and those added from chat."""
        return self.watched.all()

    def poll_all(self) -> list[Result]:
        """Poll every feed once, concurrently."""
        return self.poll_many(self.feeds())

    def send_digests(self, channels: Sequence[Channel] | None = None) -> int:
        """Queue each channel's digest, then deliver everything pending; the number of parts sent.
        One process at a time does this for a store (the others leave it to that one)."""
        self.first_polls()
        with self.lock:
            if self.stopping.is_set():
                return 0
            chosen = self.config.channels if channels is None else channels
            with delivery_lock(self.store) as held:
                if not held:
                    log.warning(
                        "another wirewatch process is delivering from this store; it sends the digests"
                    )
                    return 0
                self.queue_live()
                for channel in chosen:
                    if channel.digests:
                        self.queue_digest(channel)
                sent = deliver_held(self.store, self.adapters, self.sleep, budget=self.edit_budget)
            if sent:
                log.info("sent %d digest %s", sent, plural(sent, "message"))
            return sent

    def first_polls(self) -> int:
        """Poll every feed that was never polled yet, so that no digest starts before each feed's first
        poll has finished; the number of feeds polled."""
        with self.lock:
            if self.stopping.is_set():  # a stop ends the cycle: the next start polls them
                return 0
            never = [
                f for f in self.feeds() if not (s := self.watched.state(f)).last_success and not s.failures
            ]
        if never:
            log.info("polling %s for the first time before the digest", counted(len(never), "feed"))
            self.poll_many(never)
        return len(never)

    def queue_live(self) -> int:
        """The live step of every live channel (bot/live.py): cards, replies and due edits queued."""
        return sum(queue_live(self.store, c, self.clock()) for c in self.config.channels if c.live)

    def send_live(self) -> int:
        """Queue the live channels' cards, replies and due edits, and deliver everything pending."""
        with self.lock, delivery_lock(self.store) as held:
            if not held:
                log.warning("another wirewatch process is delivering from this store; it sends the cards")
                return 0
            self.queue_live()
            return deliver_held(self.store, self.adapters, self.sleep, budget=self.edit_budget)

    def queue_digest(self, channel: Channel, send_empty: bool = False) -> int | None:
        """Compose a channel's digest with the registered sections and put it in the outbox."""
        platform = self.registry.platforms.get(channel.platform)
        limits = platform.limits if platform else None
        digest_id = queue_digest(self.store, channel, None, send_empty, self.registry.sections, limits)
        if digest_id is not None:
            self.metrics.digests.inc()
            n = len(json.loads(self.store.db.table("digests").get(digest_id)["stories"] or "[]"))
            log.info("digest for %s:%s: %s", channel.platform, channel.id, counted(n, "story", "stories"))
        return digest_id

    def send_channel_digest(self, platform: str, channel_id: str) -> int:
        """Queue and deliver one channel's digest now (nothing else); the number of parts sent."""
        channel = self.channel(platform, channel_id)
        if channel is None:
            raise LookupError(f"{platform} channel {channel_id or '?'} has no digest in the config")
        if refused := no_digest(channel):
            raise LookupError(refused)
        with self.lock, delivery_lock(self.store) as held:
            if not held:
                log.warning("another wirewatch process is delivering from this store; it sends the digest")
                return 0
            self.queue_digest(channel)
            return deliver_held(self.store, self.adapters, self.sleep, only=channel, budget=self.edit_budget)

    def channel(self, platform: str, channel_id: str) -> Channel | None:
        """The configured channel of that platform and id."""
        return next((c for c in self.config.channels if (c.platform, c.id) == (platform, channel_id)), None)

    def context(self, platform: str, admins: Iterable[str] = ()) -> Context:
        """What a chat command from this platform may touch: the store, the feeds, its channel's digest."""
        return Context(
            self.store,
            frozenset(self.config.admins) | frozenset(admins),
            frozenset(self.config.allow_hosts),
            send_digest=lambda channel_id: self.send_channel_digest(platform, channel_id),
            feeds=self.watched,
            platform=platform,
            lock=self.lock,
            commands=self.registry.commands,
            kinds=tuple(self.registry.sources),
            timezone=self.config.timezone,
            channels={c.id: c for c in self.config.channels if c.platform == platform},
        )

    def _answerer(self, platform: str) -> Callable[[str, str, str, bool], tuple[Message, bool]]:
        """What a platform's inbound server calls with a command line: the answer, and whether it was
        refused."""
        ctx = self.context(platform)

        def here(text: str, user: str, channel: str, admin: bool) -> tuple[Message, bool]:
            return answer(text, ctx, user, channel, admin)

        return here

    def serve_chat(self) -> list[str]:
        """Start answering chat commands on each platform that has an inbound server and its secrets
        in the environment; the names of those platforms."""
        serving = []
        commands = list(self.registry.commands.values())
        for name, platform in self.registry.platforms.items():
            if platform.serve is None:
                continue
            here = self._answerer(name)
            table = self.config.platforms.get(name, platform.settings)
            if _inbound(name, platform.serve, table, self.env, here, commands):
                serving.append(name)
        return serving

    def serve_http(self, web_app: object) -> list[str]:
        """Mount the inbound routes of each platform that answers over the bot's HTTP server (Slack's
        HTTP mode) and has its secrets in the environment; the names of those platforms."""
        mounted = []
        for name, platform in self.registry.platforms.items():
            if platform.mount is None:
                continue
            here = self._answerer(name)
            table = self.config.platforms.get(name, platform.settings)
            if _inbound(name, platform.mount, table, self.env, here, web_app):
                mounted.append(name)
        return mounted

    def run_once(self) -> tuple[int, int]:
        """One ingest cycle and one digest delivery, then retention where `[storage] keep` is set:
        (articles stored, digest parts sent)."""
        stored = len(self.poll_all())
        sent = self.send_digests()
        if not self.stopping.is_set():  # a stop ends the cycle: the next one prunes
            self.prune()
        return stored, sent

    def every_feed_failed(self) -> bool:
        """Whether there are feeds and the last poll of each failed."""
        feeds = self.feeds()
        return bool(feeds) and all(self.watched.state(f).failures for f in feeds)

    def prune(self) -> Pruned | None:
        """Forget the stories older than `[storage] keep` (nothing without it); None when it is not set
        or another process on the store was busy ingesting or delivering (the next round tries again)."""
        if self.config.keep is None:
            return None
        try:
            with self.lock:
                done = prune_store(self.store, self.config.keep)
        except sqlite3.Error as exc:  # the store busy or failing: the next round tries again
            log.error("retention failed: %s", exc)
            return None
        if done is None:
            log.info("retention skipped: another wirewatch process is ingesting or delivering")
        return done
