"""The bot end to end on the bundled sample articles: ingest, digest, deliver, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from conftest import EXAMPLES, ROOT, run_cli

from bot.adapters import DeliveryError
from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config
from bot.delivery import queue_digest
from bot.models import Article
from bot.scheduler import build_scheduler


def sample_bot(tmp_path: Path, adapter: MemoryAdapter, **channel: object) -> Bot:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "bot.db")},
            "feeds": [{"name": "samples", "url": str(EXAMPLES), "every": "5m", "backfill": 10}],
            "channels": [{"platform": "console", "id": "desk", "digest": "0 7 * * *", **channel}],
        }
    )
    return Bot(config, adapters={"console": adapter})


def test_digest_for_the_sample_articles(tmp_path: Path) -> None:
    adapter = MemoryAdapter()
    bot = sample_bot(tmp_path, adapter)
    stored, sent = bot.run_once()
    assert (stored, sent) == (5, 1)
    channel, message = adapter.sent[0]
    text = message.as_text()
    assert channel == "desk"
    dam = text.index("Engineers find widening cracks in Varna dam")
    bikes = text.index("City council approves twelve kilometres")
    assert dam < bikes  # the story carried by more outlets comes first
    assert "first: Wirepress" in text
    assert "rewritten by 2: Daily Courier, Morning Post" in text
    # the residents' piece shares one name with the wire story: the story model (fitted on real
    # coverage, where that is most often another story) keeps it apart
    assert "first: Regional Times" in text
    # the rewrite's added quote is new, but the story's entry shows its first five new quotes only
    added = "select 1 from quotes where new = 1 and article_id like '%courier%' and text like 'If Varna%'"
    assert bot.store.db.execute(added).fetchone()
    assert "and 4 more new quotes: /wirewatch story-quotes s-01-wirepress-dam-cracks" in text
    assert "Environment Minister Ana Petrov said on Monday evening" in text  # what the rewrite added
    assert text.count("The cracks are not a threat today") == 1  # repeated quotes are not new again
    bot.close()


def test_second_run_stores_and_posts_nothing(tmp_path: Path) -> None:
    adapter = MemoryAdapter()
    sample_bot(tmp_path, adapter).run_once()
    again = sample_bot(tmp_path, adapter)
    assert again.run_once() == (0, 0)
    assert len(adapter.sent) == 1
    assert again.store.count("articles") == 5


def test_keyword_filter(tmp_path: Path) -> None:
    adapter = MemoryAdapter()
    sample_bot(tmp_path, adapter, keywords=["bike"]).run_once()
    text = adapter.sent[0][1].as_text()
    assert "bike lanes" in text and "Varna" not in text


def test_server_errors_are_retried_with_back_off_then_left_for_the_next_run(tmp_path: Path) -> None:
    adapter = MemoryAdapter()
    adapter.failures += [DeliveryError("HTTP 503", permanent=False) for _ in range(4)]
    bot = sample_bot(tmp_path, adapter)
    waits: list[float] = []
    bot.sleep = waits.append
    assert bot.run_once() == (5, 0)
    assert waits == [1.0, 2.0, 4.0]  # backing off between the four attempts
    row = next(bot.store.db.query("select status, attempts, last_error from outbox"))
    assert row == {"status": "pending", "attempts": 4, "last_error": "HTTP 503"}
    assert bot.send_digests() == 1  # the queued digest goes out; no second digest is composed
    assert bot.send_digests() == 0
    assert len(adapter.sent) == 1


def test_a_server_error_then_success_posts_once(tmp_path: Path) -> None:
    adapter = MemoryAdapter()
    adapter.failures.append(DeliveryError("HTTP 502", permanent=False))
    bot = sample_bot(tmp_path, adapter)
    bot.sleep = [].append
    assert bot.run_once() == (5, 1)
    assert len(adapter.sent) == 1


def test_scheduler_registers_feed_and_digest_jobs(tmp_path: Path) -> None:
    bot = sample_bot(tmp_path, MemoryAdapter())
    jobs = {job.id: job for job in build_scheduler(bot).get_jobs()}
    assert set(jobs) == {"feed:samples", "digest:console:desk"}
    assert isinstance(jobs["feed:samples"].trigger, IntervalTrigger)
    assert jobs["feed:samples"].trigger.interval.total_seconds() == 300
    assert jobs["feed:samples"].max_instances == 1 and jobs["feed:samples"].coalesce
    first = (jobs["feed:samples"].next_run_time - datetime.now(UTC)).total_seconds()
    assert -1 < first <= 30  # the first poll comes soon after start, not one interval later
    assert isinstance(jobs["digest:console:desk"].trigger, CronTrigger)
    assert "hour='7'" in str(jobs["digest:console:desk"].trigger)


def _fire_times(trigger: CronTrigger, start: datetime, count: int) -> list[str]:
    times, previous, now = [], None, start
    for _ in range(count):
        found = trigger.get_next_fire_time(previous, now)
        times.append(found.astimezone(UTC).strftime("%d %H:%M"))
        previous, now = found, found.astimezone(UTC) + timedelta(seconds=1)
    return times


def test_a_digest_time_in_the_repeated_hour_fires_once_when_the_clocks_go_back(tmp_path: Path) -> None:
    def digest_trigger(cron: str) -> CronTrigger:
        config = parse_config(
            {
                "bot": {"timezone": "Europe/London"},
                "storage": {"path": str(tmp_path / "bot.db")},
                "channels": [{"platform": "console", "id": "desk", "digest": cron}],
            }
        )
        jobs = build_scheduler(Bot(config, adapters={"console": MemoryAdapter()})).get_jobs()
        return next(j.trigger for j in jobs if j.id == "digest:console:desk")

    # 2026-10-25: 02:00 BST becomes 01:00 GMT, so 01:00-02:00 local happens twice (00:00-02:00 UTC)
    start = datetime(2026, 10, 24, 22, 50, tzinfo=UTC)
    assert _fire_times(digest_trigger("30 1 * * *"), start, 3) == ["25 00:30", "26 01:30", "27 01:30"]
    assert _fire_times(digest_trigger("15 1-2 * * *"), start, 3) == ["25 00:15", "25 02:15", "26 01:15"]
    # a wildcard hour or minute follows real time through both passes of the hour
    assert _fire_times(digest_trigger("hourly"), start, 4) == ["24 23:00", "25 00:00", "25 01:00", "25 02:00"]
    assert _fire_times(digest_trigger("*/30 1 * * *"), start, 5) == [
        "25 00:00",
        "25 00:30",
        "25 01:00",
        "25 01:30",
        "26 01:00",
    ]
    # the spring change (2026-03-29, 01:00 GMT becomes 02:00 BST) is as before: the skipped 01:30 is
    # kept at the first moment after the gap
    spring = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert _fire_times(digest_trigger("30 1 * * *"), spring, 2) == ["29 01:30", "30 00:30"]


def test_run_once_command_on_the_example_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = (ROOT / "config.example.toml").read_text()
    text = text.replace('path = "data/wirewatch.db"', f'path = "{tmp_path / "w.db"}"')
    config.write_text(text.replace('url = "examples/articles"', f'url = "{EXAMPLES}"'))
    proc = run_cli("run", "--config", str(config), "--once")
    assert "WIREWATCH DIGEST: 3 STORIES" in proc.stdout  # dam, the dam's residents, bike lanes
    assert "stored 5 new articles; sent 1 digest message" in proc.stderr
    check = run_cli("check-config", str(config))
    assert check.returncode == 0 and "console (no token in the environment)" not in check.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[storage]\npath = "x.db"\n[[channels]]\nplatform = "console"\nid = "c"\ndigest = "sometimes"\n'
    )
    proc = run_cli("check-config", str(bad), check=False)
    assert proc.returncode != 0 and "channels[0].digest" in proc.stderr and "Traceback" not in proc.stderr


def test_channel_filters_only_new_stories_and_only_quotes(tmp_path: Path) -> None:
    adapter = MemoryAdapter()
    sample_bot(tmp_path, adapter, only="quotes").run_once()
    text = adapter.sent[0][1].as_text()
    assert "WIREWATCH DIGEST: 3 STORIES" in text  # all three sample stories carry new quotes
    bot = sample_bot(tmp_path / "n", MemoryAdapter(), only="new")
    bot.run_once()
    # a later article that joins a known story is left out of an only-new digest
    bot.pipeline.ingest(
        Article(
            id="late",
            title="Varna dam update",
            text=(EXAMPLES / "04-morning-post-dam-short.txt")
            .read_text()
            .replace("Morning Post", "Evening Post")
            + " More.",
            published="2026-11-03T10:00:00Z",
        )
    )
    assert queue_digest(bot.store, bot.config.channels[0]) is None


def test_empty_digest_only_when_asked(tmp_path: Path) -> None:
    adapter = MemoryAdapter()
    bot = sample_bot(tmp_path, adapter, send_empty=True)
    bot.run_once()
    assert bot.send_digests() == 1  # nothing new, sent anyway
    assert "WIREWATCH DIGEST: 0 STORIES" in adapter.sent[-1][1].as_text()


def test_outbox_and_digest_print_commands(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "o.db"}"\n[[feeds]]\nname = "s"\nurl = "{EXAMPLES}"\nbackfill = 9\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n'
    )
    printed = run_cli("digest", "--config", str(config), "--channel", "desk", "--print")
    assert "WIREWATCH DIGEST: 0 STORIES" in printed.stdout  # nothing ingested yet, and nothing queued
    run_cli("run", "--config", str(config), "--once")
    listed = run_cli("outbox", "--config", str(config))
    assert "digest 1 part 1 -> console:desk: sent after 1 attempt," in listed.stdout
    bad = run_cli("digest", "--config", str(config), "--channel", "nope", "--print", check=False)
    assert bad.returncode != 0 and "no channel 'nope'" in bad.stderr
