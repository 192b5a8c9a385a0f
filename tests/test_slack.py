"""Digests to Slack through the real slack_sdk against a local fake Slack API."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli
from fake_platforms import FakeAPI, slack_error
from wordfreq import top_n_list

from bot.adapters.slack import SlackAdapter
from bot.config import Channel
from bot.delivery import deliver, queue_digest
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store

SLACK = Channel("slack", "C0DIGEST", max_stories=200)  # uncapped: these test the splitting
UNTIL = "9999-01-01T00:00:00+00:00"


def adapters(api: FakeAPI) -> dict[str, SlackAdapter]:
    return {"slack": SlackAdapter("xoxb-test-token", api.url + "/api/")}


WORDS = top_n_list("en", 3000)[200:]


def many_stories(pipeline: Pipeline, n: int) -> None:
    """n unrelated stories of random words, each with a long headline and a quote."""
    rng = random.Random(7)
    for i in range(n):
        sentences = [" ".join(rng.sample(WORDS, 14)).capitalize() + "." for _ in range(12)]
        quote = " ".join(rng.sample(WORDS, 12)).capitalize()
        speaker = " ".join(w.capitalize() for w in rng.sample(WORDS, 2))
        text = " ".join(sentences[:6]) + f"\n\n“{quote},” said {speaker}.\n\n" + " ".join(sentences[6:])
        title = f"Story {i}: " + " ".join(rng.sample(WORDS, 30))
        pipeline.ingest(Article(id=f"a{i}", text=text, title=title, source=f"Outlet {i}"))


def test_digest_of_200_stories_respects_block_kit_limits(
    pipeline: Pipeline, store: Store, slack: FakeAPI
) -> None:
    many_stories(pipeline, 200)
    queue_digest(store, SLACK, until=UNTIL)
    parts = store.count("outbox")
    assert deliver(store, adapters(slack)) == parts > 1
    posts = slack.posts("chat.postMessage")
    assert len(posts) == parts
    for post in posts:
        assert post["channel"] == "C0DIGEST"
        assert 0 < len(post["blocks"]) <= 50
        assert post["text"]  # the plain-text fallback
        for block in post["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
        assert sum(len(json.dumps(b)) for b in post["blocks"]) < 40_000
    headlines = [
        b["text"]["text"]
        for p in posts
        for b in p["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("Story ")
    ]
    assert len(headlines) == 200  # every story arrived, once


def test_article_text_cannot_ping_anyone(pipeline: Pipeline, store: Store, slack: FakeAPI) -> None:
    hostile = "<!channel> <!here> <@U024BE7LH> & @everyone: “Wake up, <!channel>, this is an emergency,” said Ava Stone."
    pipeline.ingest(
        Article(
            id="h",
            text=hostile + " The drill ended at noon.",
            title="<!here> Drill & fire at the plant @channel",
        )
    )
    queue_digest(store, SLACK, until=UNTIL)
    deliver(store, adapters(slack))
    raw = json.dumps(slack.posts("chat.postMessage"))
    for ping in ("<!channel>", "<!here>", "<@U024BE7LH>", "@channel", "@here", "@everyone"):
        assert ping not in raw
    assert "&lt;!channel&gt;" in raw and "&amp;" in raw


def test_rate_limit_then_success_posts_exactly_once(pipeline: Pipeline, store: Store, slack: FakeAPI) -> None:
    many_stories(pipeline, 1)
    queue_digest(store, SLACK, until=UNTIL)
    slack.script.append(slack_error("ratelimited", status=429, headers={"Retry-After": "7"}))
    waits: list[float] = []
    assert deliver(store, adapters(slack), sleep=waits.append) == 1
    assert waits == [7.0]  # waited as long as Slack asked, without sleeping in the test
    assert len(slack.posts("chat.postMessage")) == 2  # the refused one and the one that went through
    assert deliver(store, adapters(slack), sleep=waits.append) == 0
    assert len(slack.posts("chat.postMessage")) == 2


def test_crash_after_part_one_resumes_at_part_two(pipeline: Pipeline, store: Store, slack: FakeAPI) -> None:
    many_stories(pipeline, 40)
    queue_digest(store, SLACK, until=UNTIL)
    parts = store.count("outbox")
    assert parts >= 3
    crash = SlackAdapter("xoxb-test-token", slack.url + "/api/")
    real_send = crash.send
    calls = []

    def send_then_crash(channel: str, message: object, key: str | None = None) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("the process dies here")
        real_send(channel, message, key)  # type: ignore[arg-type]

    crash.send = send_then_crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        deliver(store, {"slack": crash})
    assert [r["status"] for r in store.db.query("select status from outbox order by part")][:2] == [
        "sent",
        "pending",
    ]
    assert deliver(store, adapters(slack)) == parts - 1  # after the restart: part 2 onwards, part 1 not again
    headers = [p["blocks"][0]["text"]["text"] for p in slack.posts("chat.postMessage")]
    assert headers == [f"wirewatch digest: 40 stories ({n}/{parts})" for n in range(1, parts + 1)]


def test_invalid_channel_stops_retrying(pipeline: Pipeline, store: Store, slack: FakeAPI) -> None:
    many_stories(pipeline, 1)
    queue_digest(store, SLACK, until=UNTIL)
    slack.script.append(slack_error("channel_not_found"))
    assert deliver(store, adapters(slack)) == 0
    row = next(store.db.query("select status, last_error from outbox"))
    assert row["status"] == "failed" and "channel_not_found" in row["last_error"]
    assert deliver(store, adapters(slack)) == 0
    assert len(slack.posts("chat.postMessage")) == 1  # no second attempt


def test_run_once_posts_the_sample_digest_to_the_configured_slack(tmp_path: Path, slack: FakeAPI) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "s.db"}"\n[slack]\napi_url = "{slack.url}/api/"\n'
        f'[[feeds]]\nname = "samples"\nurl = "{EXAMPLES}"\nbackfill = 9\n'
        '[[channels]]\nplatform = "slack"\nid = "C0NEWS"\ndigest = "daily"\n'
    )
    proc = run_cli("run", "--config", str(config), "--once", env={"SLACK_BOT_TOKEN": "xoxb-from-env"})
    assert "sent 1 digest message" in proc.stderr
    (post,) = slack.posts("chat.postMessage")
    assert post["channel"] == "C0NEWS"
    assert any("Varna dam" in json.dumps(b) for b in post["blocks"])
    auth = [h.get("Authorization") for _, _, _, h in slack.requests]
    assert auth == ["Bearer xoxb-from-env"]


def test_threaded_digest_posts_details_under_its_headlines_even_after_a_crash(
    pipeline: Pipeline, store: Store, slack: FakeAPI
) -> None:
    many_stories(pipeline, 40)
    queue_digest(store, Channel("slack", "C0DIGEST", thread=True, max_stories=200), until=UNTIL)
    parts = store.count("outbox")
    crash = SlackAdapter("xoxb-test-token", slack.url + "/api/")
    real_send = crash.send

    def send_then_crash(channel: str, message: object, key: str | None = None) -> str | None:
        if len(slack.posts("chat.postMessage")) == 2:
            raise KeyboardInterrupt("the process dies here")
        return real_send(channel, message, key)  # type: ignore[arg-type]

    crash.send = send_then_crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        deliver(store, {"slack": crash})
    assert deliver(store, adapters(slack)) == parts - 2  # after the restart, the rest, none twice
    posts = slack.posts("chat.postMessage")
    assert len(posts) == parts
    first = store.db.execute("select remote_id from outbox where part = 1").fetchone()[0]
    assert first and "thread_ts" not in posts[0]
    headline_posts = [p for p in posts if "thread_ts" not in p]
    replies = [p for p in posts if "thread_ts" in p]
    assert replies and all(p["thread_ts"] == first for p in replies)  # all under the first part
    lines = [b["text"]["text"] for p in headline_posts for b in p["blocks"] if b["type"] == "section"]
    assert len(lines) == 40 and all("outlet" in line for line in lines)  # one line a story in the channel
    detail = [b for p in replies for b in p["blocks"] if b["type"] == "section"]
    assert sum(b["text"]["text"].startswith("Story ") for b in detail) == 40  # every story in the thread


def test_threads_are_refused_for_other_platforms() -> None:
    from bot.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"channels\[0\]\.thread"):
        parse_config(
            {
                "storage": {"path": ":memory:"},
                "channels": [{"platform": "discord", "id": "1", "thread": True}],
            }
        )
