"""APScheduler wiring: each feed at its interval, each channel's digest at its cron time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import Bot
from bot.config import Feed

STARTUP_SPREAD = 30  # seconds over which the feeds' first polls after start are spread
LIVE_EVERY = 10  # seconds between two live steps (each edit still waits for its card's interval)
WORKERS = 4  # feeds fetched at once by scheduled jobs (each host stays within its own limits)


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
    for channel in (c for c in bot.config.channels if c.digests):
        scheduler.add_job(
            bot.send_digests,
            CronTrigger.from_crontab(channel.digest, timezone=bot.config.timezone),
            args=[[channel]],
            id=f"digest:{channel.platform}:{channel.id}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    return scheduler
