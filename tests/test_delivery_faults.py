"""Delivery under faults, against the fake Slack and Discord: nothing lost, nothing posted twice.

Real subprocesses where processes overlap or die (kill -9 between the platform's confirmation and the
commit); the fakes keep what was posted, so a part posted twice shows as two messages with one key."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import discord
import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, run_cli
from fake_platforms import DROP, FakeDiscord, FakeSlack, slack_error
from wordfreq import top_n_list

from bot.adapters.discord import DiscordAdapter
from bot.adapters.slack import SlackAdapter
from bot.cli import cli
from bot.config import Channel, load_config
from bot.delivery import PAUSE_AFTER_SEND, deliver, queue_digest
from bot.metrics import read_facts
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store

WORDS = top_n_list("en", 3000)[200:]
UNTIL = "9999-01-01T00:00:00+00:00"
CHANNEL = "C0DIGEST"


def stories(n: int) -> list[dict[str, str]]:
    """n unrelated articles of random words, with long headlines, as replay records."""
    rng = random.Random(11)
    out = []
    for i in range(n):
        text = " ".join(" ".join(rng.sample(WORDS, 14)).capitalize() + "." for _ in range(10))
        out.append({"id": f"s{i}", "title": f"Story {i}: " + " ".join(rng.sample(WORDS, 30)), "text": text})
    return out


def write_config(tmp_path: Path, slack: FakeSlack, n: int = 40) -> Path:
    feed = tmp_path / "feed"
    feed.mkdir(exist_ok=True)
    (feed / "items.jsonl").write_text("".join(json.dumps(s) + "\n" for s in stories(n)), encoding="utf-8")
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "store.db"}"\n\n[slack]\napi_url = "{slack.url}/api/"\n\n'
        f'[[feeds]]\nname = "wire"\nurl = "{feed}"\nbackfill = {n}\n\n'
        f'[[channels]]\nplatform = "slack"\nid = "{CHANNEL}"\nmax_stories = {n}\n',  # every story: many parts
        encoding="utf-8",
    )
    return config


def keys(slack: FakeSlack) -> Counter[str]:
    """How often each outbox key was posted to the digest channel."""
    return Counter(m["metadata"]["event_payload"]["part"] for m in slack.posted(CHANNEL))


def outbox(config: Path) -> list[dict[str, object]]:
    store = Store(load_config(config).storage_path)
    try:
        return list(store.db.query("select * from outbox order by id"))
    finally:
        store.close()


TOKEN = {"SLACK_BOT_TOKEN": "xoxb-test-token"}


def wirewatch(*args: str, env: dict[str, str] | None = None) -> Result:
    """The wirewatch command in this process (quicker than a subprocess where no process dies)."""
    return CliRunner().invoke(cli, list(args), env={"SLACK_BOT_TOKEN": "", **(env or {})})


def test_without_a_token_parts_wait_and_the_outbox_says_why(tmp_path: Path, slack: FakeSlack) -> None:
    config = write_config(tmp_path, slack, n=3)
    run = wirewatch("run", "--once", "--config", str(config))
    assert "sent 0 digest messages" in run.stderr and "Story 0" not in run.stdout  # not printed instead
    rows = outbox(config)
    assert rows and {r["status"] for r in rows} == {"pending"}
    listing = wirewatch("outbox", "--config", str(config)).stdout
    assert "why it waits: no slack adapter: SLACK_BOT_TOKEN is not set" in listing
    waiting = read_facts(str(load_config(config).storage_path)).waiting  # what /healthz reports
    assert waiting == {"no slack adapter: SLACK_BOT_TOKEN is not set; the part waits for it": len(rows)}
    again = wirewatch("run", "--once", "--config", str(config), env=TOKEN)
    assert f"sent {len(rows)} digest message" in again.stderr
    assert len(slack.posted(CHANNEL)) == len(rows) and set(keys(slack).values()) == {1}


def test_a_permanent_error_can_be_retried_once_mended(tmp_path: Path, slack: FakeSlack) -> None:
    config = write_config(tmp_path, slack, n=3)
    slack.script.append(slack_error("invalid_auth"))
    wirewatch("run", "--once", "--config", str(config), env=TOKEN)
    [row] = outbox(config)
    assert row["status"] == "failed" and "invalid_auth" in str(row["last_error"])
    assert f"wirewatch outbox retry {row['id']}" in wirewatch("outbox", "--config", str(config)).stdout
    assert wirewatch("run", "--once", "--config", str(config), env=TOKEN).stderr.count("sent 0 digest") == 1
    bad = wirewatch("outbox", "retry", "--config", str(config))
    assert (
        bad.exit_code == 2 and isinstance(bad.exception, SystemExit | None) and "usage" in bad.stderr.lower()
    )
    assert "1 part queued again" in wirewatch("outbox", "retry", "--failed", "--config", str(config)).stdout
    assert "sent 1 digest message" in wirewatch("run", "--once", "--config", str(config), env=TOKEN).stderr
    assert len(slack.posted(CHANNEL)) == 1 and outbox(config)[0]["status"] == "sent"


def test_retry_after_is_kept_across_a_restart(tmp_path: Path, slack: FakeSlack) -> None:
    config = write_config(tmp_path, slack, n=3)
    slack.script.append(slack_error("ratelimited", 429, {"Retry-After": "3600"}))
    wirewatch("run", "--once", "--config", str(config), env=TOKEN)
    [row] = outbox(config)
    assert row["status"] == "pending" and row["not_before"]
    posts = len(slack.posts("chat.postMessage"))
    wirewatch("run", "--once", "--config", str(config), env=TOKEN)  # a restart: still within the hour
    assert len(slack.posts("chat.postMessage")) == posts
    assert "not before" in wirewatch("outbox", "--config", str(config)).stdout


def digest_store(tmp_path: Path, n: int, channel: Channel) -> tuple[Store, int]:
    store = Store(tmp_path / "d.db")
    pipeline = Pipeline(store, __import__("bot.plugins").plugins.make_manager(), {})
    for s in stories(n):
        pipeline.ingest(Article(id=s["id"], text=s["text"], title=s["title"], source="Wire"))
    queue_digest(store, channel, until=UNTIL)
    return store, store.count("outbox")


@pytest.mark.parametrize("fault", [500, 503, DROP])
def test_a_reply_lost_after_slack_stored_the_message_posts_it_once(
    tmp_path: Path, slack: FakeSlack, fault: int
) -> None:
    store, parts = digest_store(tmp_path, 3, Channel("slack", CHANNEL))
    slack.after_store.append(fault)
    try:
        waits: list[float] = []
        assert (
            deliver(store, {"slack": SlackAdapter("xoxb-test-token", slack.url + "/api/")}, waits.append)
            == parts
        )
        assert len(slack.posted(CHANNEL)) == parts and set(keys(slack).values()) == {1}
        assert len(slack.posts("conversations.history")) == 1  # looked up once, found, not posted again
    finally:
        store.close()


def test_a_discord_reply_lost_after_the_message_was_created_posts_it_once(tmp_path: Path) -> None:
    api = FakeDiscord()
    base = discord.http.Route.BASE
    store, parts = digest_store(tmp_path, 3, Channel("discord", "1400000000000000004"))
    try:
        api.after_store.append(500)  # discord.py tries again by itself, with the same nonce
        adapter = DiscordAdapter(token="discord-test-token", api_url=api.url + "/api/v10")
        assert deliver(store, {"discord": adapter}, [].append) == parts
        assert len(api.created) == parts
        nonces = [b.get("nonce") for b in api.posts("/messages")]
        assert len(nonces) == parts + 1 and all(nonces) and len(set(nonces)) == parts
    finally:
        discord.http.Route.BASE = base
        store.close()
        api.close()


def spawn(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--once", "--config", str(config)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **TOKEN, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_on_a_fresh_store_post_each_part_once(tmp_path: Path, slack: FakeSlack) -> None:
    config = write_config(tmp_path, slack)
    procs = [spawn(config, {}) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert not any("database is locked" in err or "Traceback" in err for _, err in results)
    rows = outbox(config)
    assert len(rows) >= 3 and {r["status"] for r in rows} == {"sent"}
    assert len(slack.posted(CHANNEL)) == len(rows) and set(keys(slack).values()) == {1}


def test_killed_between_confirmation_and_commit_then_restarted_posts_nothing_twice(
    tmp_path: Path, slack: FakeSlack
) -> None:
    config = write_config(tmp_path, slack)
    marker = tmp_path / "paused"
    proc = spawn(config, {PAUSE_AFTER_SEND: str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate()
    os.kill(proc.pid, signal.SIGKILL)  # Slack has part 1; the store has not marked it sent
    proc.communicate()
    assert len(slack.posted(CHANNEL)) == 1 and outbox(config)[0]["status"] == "pending"
    again = run_cli("run", "--once", "--config", str(config), env=TOKEN)
    rows = outbox(config)
    assert {r["status"] for r in rows} == {"sent"}, again.stderr
    assert len(slack.posted(CHANNEL)) == len(rows) and set(keys(slack).values()) == {1}
    assert len(rows) >= 3


def test_a_threaded_reply_lost_after_slack_stored_it_is_found_in_its_thread(
    tmp_path: Path, slack: FakeSlack
) -> None:
    store, parts = digest_store(tmp_path, 3, Channel("slack", CHANNEL, thread=True))
    adapter = SlackAdapter("xoxb-test-token", slack.url + "/api/")
    try:
        real_send = adapter.send
        calls: list[int] = []

        def send(channel: str, message: object, key: str | None = None) -> str | None:
            calls.append(1)
            if len(calls) == 2:  # the first reply in the thread: stored by Slack, the answer lost
                slack.after_store.append(503)
            return real_send(channel, message, key)  # type: ignore[arg-type]

        adapter.send = send  # type: ignore[method-assign]
        assert deliver(store, {"slack": adapter}, [].append) == parts
        assert len(slack.posted(CHANNEL)) == parts and set(keys(slack).values()) == {1}
        assert len(slack.posts("conversations.replies")) == 1 and not slack.posts("conversations.history")
        parent = slack.posted(CHANNEL)[0]["ts"]
        assert all(m.get("thread_ts") == parent for m in slack.posted(CHANNEL)[1:])
    finally:
        store.close()
