"""APScheduler wiring: each feed at its interval, each channel's digest at its cron time, retention every
few hours."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import Bot
from bot.config import Channel, Feed
from bot.delivery import last_until
from bot.storage import parse_time

STARTUP_SPREAD = 30  # seconds over which the feeds' first polls after start are spread
LIVE_EVERY = 10  # seconds between two live steps (each edit still waits for its card's interval)
WORKERS = 4  # feeds fetched at once by scheduled jobs (each host stays within its own limits)
DIGEST_GRACE = 3600  # seconds: a digest time missed by up to this much (the bot was busy, or down) is kept
CATCH_UP_AFTER = 2 * STARTUP_SPREAD  # seconds after start: a missed digest follows the feeds' first polls
PRUNE_EVERY = 6 * 3600  # seconds between two retention rounds, where [storage] keep is set


class DigestCron(CronTrigger):  # type: ignore[misc]
    """A cron trigger that keeps a named time of day once when the clocks go back (cron's own rule):
    "30 1 * * *" fires at the first 01:30, not again an hour later. A time with a wildcard hour or
    minute ("0 * * * *", "*/20 1 * * *") fires in both passes of the repeated hour, as real time passes."""

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The next fire time, skipping the second pass of a named time of day."""
        found: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while found is not None and self._named_time() and _second_pass(found.astimezone(self.timezone)):
            found = super().get_next_fire_time(found, found)  # the next one after it
        return found

    def _named_time(self) -> bool:
        fields = {f.name: str(f) for f in self.fields}
        return not (fields["hour"].startswith("*") or fields["minute"].startswith("*"))


def _second_pass(local: datetime) -> bool:
    """Whether a local time is the second of the two that share its wall-clock reading (the repeated
    hour when the clocks go back)."""
    return bool(local.fold) and local.replace(fold=0).utcoffset() != local.utcoffset()


def schedule_feed(scheduler: BaseScheduler, bot: Bot, feed: Feed, now: datetime) -> None:
    """Poll the feed at its interval, the first time soon after `now` (staggered), not one interval later;
    poll_if_due still skips a feed whose stored next_poll (back-off, Retry-After, last poll) is later."""
    scheduler.add_job(
        bot.poll_if_due,
        IntervalTrigger(seconds=feed.every, jitter=max(1, feed.every // 10)),
        args=[feed],
        next_run_time=now + timedelta(seconds=random.uniform(0, min(feed.every, STARTUP_SPREAD))),
        id=f"feed:{feed.name}",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        replace_existing=True,
    )


def build_scheduler(bot: Bot) -> BlockingScheduler:
    """A scheduler with one polling job per feed (kept in step as feeds are added and removed from chat)
    and one digest job per channel."""
    # jobs fetch in parallel; their SQLite writes take turns under bot.lock
    scheduler = BlockingScheduler(
        timezone=bot.config.timezone, executors={"default": ThreadPoolExecutor(WORKERS)}
    )
    now = datetime.now(UTC)
    for feed in bot.feeds():
        schedule_feed(scheduler, bot, feed, now)

    def in_step(feed: Feed, added: bool) -> None:
        # a feed added from chat is polled from now on; a removed one no longer
        if added:
            schedule_feed(scheduler, bot, feed, datetime.now(UTC))
        elif scheduler.get_job(f"feed:{feed.name}"):
            scheduler.remove_job(f"feed:{feed.name}")

    bot.watched.listeners.append(in_step)
    live = [c for c in bot.config.channels if c.live]
    if live:  # cards soon after their articles, edits once due (a short edit_every is kept to)
        scheduler.add_job(
            bot.send_live,
            IntervalTrigger(seconds=max(1.0, min(LIVE_EVERY, *(c.edit_every for c in live)))),
            id="live",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    if bot.config.keep is not None:  # retention: the first round once the first polls are done
        scheduler.add_job(
            bot.prune,
            IntervalTrigger(seconds=PRUNE_EVERY),
            next_run_time=now + timedelta(seconds=2 * CATCH_UP_AFTER),
            id="prune",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    for channel in (c for c in bot.config.channels if c.digests):
        trigger = DigestCron.from_crontab(channel.digest, timezone=bot.config.timezone)
        # a digest time the bot was down over is kept once, late, as one the scheduler was late for is
        # (its memory job store forgets it at a restart: it was skipped until the next time)
        late = missed_digest(bot, channel, trigger, now)
        scheduler.add_job(
            bot.send_digests,
            trigger,
            args=[[channel]],
            id=f"digest:{channel.platform}:{channel.id}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=DIGEST_GRACE,
            **({"next_run_time": late} if late else {}),
        )
    return scheduler


def missed_digest(bot: Bot, channel: Channel, trigger: DigestCron, now: datetime) -> datetime | None:
    """When to send a digest whose time passed while the bot was down (within DIGEST_GRACE, and not
    sent since): shortly after start, once; None when none was missed."""
    due = trigger.get_next_fire_time(None, now - timedelta(seconds=DIGEST_GRACE))
    if due is None or due > now:
        return None
    with bot.lock:
        ended = parse_time(last_until(bot.store, channel))
    if ended is not None and ended >= due:
        return None
    return now + timedelta(seconds=CATCH_UP_AFTER)
