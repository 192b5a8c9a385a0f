"""Live story cards against the fake Slack and Discord APIs, through the real slack_sdk and discord.py:
one card per story per channel, coalesced edits, new quotes in its thread, merges, alerts, mutes."""

from __future__ import annotations

import json
import os
import random
import signal
import string
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, LocalServer, run_cli
from fake_platforms import FakeDiscord, FakeSlack, slack_error
from fixtures.stories import BRIDGE, STRANDED, STRIKE
from test_quote_rendering import ARTICLE as HARBOUR

from bot.app import Bot
from bot.commands import Context, answer
from bot.config import ConfigError, parse_config
from bot.delivery import PAUSE_AFTER_SEND
from bot.live import mute
from bot.models import Article

SLACK = "CLIVE"
DISCORD = "1400000000000000044"
ENV = {"SLACK_BOT_TOKEN": "xoxb-test-token", "DISCORD_BOT_TOKEN": "discord-test-token"}
BASE = [
    "Engineers at the Halden reservoir opened all four spillway gates on Tuesday after a week of heavy "
    "rain raised the water to a record level.",
    "About 1,200 residents of the valley below the dam were told to move to higher ground as a "
    "precaution, and two schools in Nyby were closed for the rest of the week.",
    "The structure of the dam was sound and the release would lower the reservoir by half a metre a day.",
    "Rail services between Nyby and Vestfold were suspended because the line runs along the river.",
]
QUOTE_1 = (
    "“The dam is safe, and we are releasing water to keep it that way,” said Marta Lindqvist, the "
    "authority's chief engineer."
)
QUOTE_2 = (
    "“We will reopen the schools as soon as the river falls below the warning line,” Nyby mayor Olav "
    "Brekke said."
)


def original() -> Article:
    return Article("o", "\n\n".join(BASE), "Halden dam opens spillways after record rain", "Wire A")


def rewrite(i: int, *extra: str) -> Article:
    """The original lightly trimmed, from another outlet, with paragraphs of its own."""
    paras = BASE[:3] if i % 2 else BASE
    title = f"Halden reservoir gates opened as water hits record {i}"
    return Article(f"r{i}", "\n\n".join([*paras, *extra]), title, f"Outlet {i}")


class Clock:
    """The time the live step sees: tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_bot(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord | None = None, **channel: Any
) -> tuple[Bot, Clock]:
    channels = [{"platform": "slack", "id": SLACK, "mode": "live", **channel}]
    if discord_api is not None:
        channels.append({"platform": "discord", "id": DISCORD, "mode": "live", **channel})
    data = {
        "storage": {"path": str(tmp_path / "live.db")},
        "slack": {"api_url": slack.url + "/api/"},
        "discord": {"api_url": (discord_api.url if discord_api else slack.url) + "/api/v10"},
        "channels": channels,
    }
    bot = Bot(parse_config(data), env=ENV)
    clock = Clock()
    bot.clock = clock
    bot.sleep = lambda s: None
    return bot, clock


def cards(slack: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in slack.posted(SLACK) if "thread_ts" not in m]


def replies(slack: FakeSlack, ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.posted(SLACK) if m.get("thread_ts") == ts]


def block_text(message: dict[str, Any]) -> str:
    out = []
    for block in message.get("blocks") or []:
        if "text" in block:
            out.append(block["text"]["text"])
        if block["type"] == "context":
            out += [e["text"] for e in block["elements"]]
    return "\n".join(out)


def test_one_card_per_channel_coalesced_edits_and_two_quote_replies(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    bot, clock = make_bot(tmp_path, slack, discord_api, edit_every="60s")
    try:
        bot.pipeline.ingest(original())
        bot.send_live()
        [card] = cards(slack)
        assert "Halden dam opens spillways" in block_text(card) and "1 original" in block_text(card)
        for i in range(1, 6):  # a rewrite every 10 s; two of them carry a new quote
            clock.advance(10)
            extra = [QUOTE_1] if i == 2 else [QUOTE_2] if i == 4 else []
            bot.pipeline.ingest(rewrite(i, *extra))
            bot.send_live()
        clock.advance(15)  # 65 s after the card: its one edit is due
        bot.send_live()
        clock.advance(600)
        bot.send_live()  # nothing changed since: no edit
        elapsed, interval = 665, 60
        assert len(cards(slack)) == 1
        updates = slack.posts("chat.update")
        assert 1 <= len(updates) <= elapsed // interval + 1
        assert len(updates) == 1  # all five rewrites arrived within one interval: one edit
        final = block_text(slack.posted(SLACK)[0])
        assert "5 rewrites" in final and "6 outlets" in final and "Outlet 5" in final
        thread = replies(slack, card["ts"])
        assert [m["text"].split(":")[0] for m in thread] == ["NEW Marta Lindqvist", "NEW Olav Brekke"]
        # Discord: one card message, edited, and the same two replies in the thread on it
        [discord_card] = discord_api.in_channel(DISCORD)
        assert len(discord_api.edits) == 1 and "5 rewrites" in str(discord_api.edits[0][1]["embeds"])
        assert discord_api.threads == {discord_card["id"]: DISCORD}
        in_thread = discord_api.in_channel(discord_card["id"])
        assert [m["content"].split(":")[0] for m in in_thread] == ["NEW Marta Lindqvist", "NEW Olav Brekke"]
        statuses = {r["status"] for r in bot.store.db.query("select status from outbox")}
        assert statuses == {"sent"}
    finally:
        bot.close()


def test_edits_never_come_faster_than_the_interval(tmp_path: Path, slack: FakeSlack) -> None:
    bot, clock = make_bot(tmp_path, slack, edit_every="60s")
    try:
        bot.pipeline.ingest(original())
        bot.send_live()
        for i in range(1, 13):  # a rewrite every 25 s for five minutes
            clock.advance(25)
            bot.pipeline.ingest(rewrite(i))
            bot.send_live()
        updates = slack.posts("chat.update")
        assert 2 <= len(updates) <= 300 // 60 + 1
        due = [r["edit_due"] for r in bot.store.db.query("select edit_due from cards")]
        assert len(due) == 1
    finally:
        bot.close()


def test_a_merge_edits_the_absorbed_card_to_point_at_the_survivor(tmp_path: Path, slack: FakeSlack) -> None:
    bot, clock = make_bot(tmp_path, slack, edit_every="1s")
    day = "2026-11-24T08:00:00+00:00"
    try:
        for name, text in (("strike", STRIKE), ("stranded", STRANDED)):
            bot.pipeline.ingest(Article(name, text, name.title(), name, published=day))
        bot.send_live()
        assert len(cards(slack)) == 2
        bot.pipeline.ingest(Article("bridge", BRIDGE, "Talks", "bridge", published=day))
        clock.advance(5)
        bot.send_live()
        assert len(cards(slack)) == 2  # no third card: the bridge article joined a story with one
        texts = [block_text(m) for m in slack.posted(SLACK) if "thread_ts" not in m]
        absorbed = [t for t in texts if "Now part of a larger story" in t]
        assert len(absorbed) == 1
        survivor = next(t for t in texts if "Now part of a larger story" not in t)
        assert "3 outlets" in survivor
    finally:
        bot.close()


def test_a_speaker_alert_fires_once_for_a_new_quote_not_for_its_rewrites(
    tmp_path: Path, slack: FakeSlack
) -> None:
    bot, clock = make_bot(tmp_path, slack, speakers=["Lindqvist", "Olav Brekke"], min_outlets=4)
    try:
        bot.pipeline.ingest(original())
        bot.pipeline.ingest(rewrite(1))
        bot.send_live()
        assert cards(slack) == []  # two outlets, no watched speaker: below the threshold
        bot.pipeline.ingest(rewrite(2, QUOTE_1))
        bot.send_live()
        [card] = cards(slack)  # at once, though only three outlets carry it
        assert "Marta Lindqvist" in block_text(card)
        for i in (3, 5):  # rewrites repeating the quote: nothing new
            clock.advance(120)
            bot.pipeline.ingest(rewrite(i, QUOTE_1))
            bot.send_live()
        clock.advance(120)
        bot.pipeline.ingest(rewrite(4, QUOTE_2))
        bot.send_live()
        thread = [m["text"] for m in replies(slack, card["ts"])]
        assert thread == [next(t for t in thread if t.startswith("ALERT NEW Olav Brekke"))]
        # an alert is shown in the channel too, not only to who follows the thread
        assert [m.get("reply_broadcast") for m in replies(slack, card["ts"])] == [True]
        assert not any("Lindqvist" in t for t in thread)
    finally:
        bot.close()


def test_a_discord_alert_is_a_reply_to_the_card_in_the_channel(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    """Discord's threads cannot also post to the channel (Slack's reply_broadcast): an alert answers the
    card in the channel, so the desk sees it; the story's other updates stay in the card's thread."""
    bot, clock = make_bot(tmp_path, slack, discord_api, speakers=["Olav Brekke"], edit_every="1s")
    try:
        bot.pipeline.ingest(original())
        bot.send_live()
        [card] = discord_api.in_channel(DISCORD)
        clock.advance(120)
        bot.pipeline.ingest(rewrite(2, "The council added a second pumping station on the east bank."))
        bot.send_live()
        clock.advance(120)
        bot.pipeline.ingest(rewrite(4, QUOTE_2))
        bot.send_live()
        [alert] = [m for m in discord_api.in_channel(DISCORD) if m["id"] != card["id"]]
        assert alert["content"].startswith("ALERT NEW Olav Brekke")
        [sent] = [b for b in discord_api.posts(f"/channels/{DISCORD}/messages") if b.get("message_reference")]
        assert (
            str(sent["message_reference"]["message_id"]) == card["id"] and sent["content"] == alert["content"]
        )
        thread = [m["content"] for m in discord_api.in_channel(card["id"])]
        assert thread and not any(t.startswith("ALERT") for t in thread)  # the update, not the alert
    finally:
        bot.close()


def test_keyword_rules_use_whole_words(tmp_path: Path, slack: FakeSlack) -> None:
    bot, _ = make_bot(tmp_path, slack, keywords=["dam"])
    try:
        bot.pipeline.ingest(
            Article(
                "ams", "Heavy rain fell over Amsterdam all week, flooding streets.", "Amsterdam rain", "Post"
            )
        )
        bot.pipeline.ingest(original())
        bot.send_live()
        [card] = cards(slack)
        assert "Halden dam opens spillways" in block_text(card)
        assert "Amsterdam" not in str(slack.posted(SLACK))
    finally:
        bot.close()


def test_a_muted_story_gets_no_more_updates(tmp_path: Path, slack: FakeSlack) -> None:
    bot, clock = make_bot(tmp_path, slack, edit_every="1s")
    try:
        bot.pipeline.ingest(original())
        bot.send_live()
        [card] = cards(slack)
        story = bot.store.db.execute("select story_id from cards").fetchone()[0]
        assert mute(bot.store, "slack", SLACK, story)
        clock.advance(120)
        bot.pipeline.ingest(rewrite(2, QUOTE_1))
        bot.send_live()
        assert slack.posted(SLACK) == [card] and slack.posts("chat.update") == []
    finally:
        bot.close()


def test_unmute_brings_the_card_up_to_date_and_skips_what_was_missed(
    tmp_path: Path, slack: FakeSlack
) -> None:
    bot, clock = make_bot(tmp_path, slack, edit_every="1s")
    try:
        bot.pipeline.ingest(original())
        bot.send_live()
        [card] = cards(slack)
        story = bot.store.db.execute("select story_id from cards").fetchone()[0]
        ctx = bot.context("slack")
        muted, ok = answer(f"mute {story}", ctx, "U7", SLACK)
        assert ok and f"unmute {story}" in muted.fallback
        clock.advance(120)
        bot.pipeline.ingest(rewrite(2, QUOTE_1))  # a new quote while the story is muted
        bot.send_live()
        assert slack.posts("chat.update") == [] and replies(slack, card["ts"]) == []
        reply, ok = answer(f"unmute {story}", ctx, "U7", SLACK)
        assert ok and "no longer muted" in reply.fallback
        clock.advance(120)
        bot.send_live()
        [update] = slack.posts("chat.update")  # one edit brings the card up to date
        assert "1 rewrite" in str(update)
        assert replies(slack, card["ts"]) == []  # the quote said while muted is not replied late
        clock.advance(120)
        bot.pipeline.ingest(rewrite(3, QUOTE_2))  # from now on, the thread hears of new quotes again
        bot.send_live()
        assert [m["text"].split(":")[0] for m in replies(slack, card["ts"])] == ["NEW Olav Brekke"]
        again, ok = answer(f"unmute {story}", ctx, "U7", SLACK)
        assert not ok and "is not muted here" in again.fallback
    finally:
        bot.close()


def test_live_settings_are_checked() -> None:
    def channel(**keys: Any) -> dict[str, Any]:
        return {"storage": {"path": ":memory:"}, "channels": [{"platform": "console", "id": "c", **keys}]}

    assert parse_config(channel(mode="live")).channels[0].digests is False
    with pytest.raises(ConfigError, match=r"channels\[0\]\.mode: 'stream' is not one of digest, live, both"):
        parse_config(channel(mode="stream"))
    with pytest.raises(ConfigError, match=r"channels\[0\]\.digest: a live-only channel has no digest"):
        parse_config(channel(mode="live", digest="hourly"))
    with pytest.raises(ConfigError, match=r"channels\[0\]\.min_outlets"):
        parse_config(channel(min_outlets=0))


def live_config(tmp_path: Path, slack: FakeSlack, records: list[dict[str, str]]) -> Path:
    """A config with a live Slack channel fed by a local folder of JSON lines."""
    feed = tmp_path / "feed"
    feed.mkdir(exist_ok=True)
    (feed / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "store.db"}"\n\n[slack]\napi_url = "{slack.url}/api/"\n\n'
        f'[[feeds]]\nname = "wire"\nurl = "{feed}"\nbackfill = 100\n\n'
        f'[[channels]]\nplatform = "slack"\nid = "{SLACK}"\nmode = "live"\nedit_every = "1s"\n',
        encoding="utf-8",
    )
    return config


def record(article: Article) -> dict[str, str]:
    return {"id": article.id, "title": article.title, "text": article.text, "source": article.source}


def killed_after_the_platform_confirmed(config: Path) -> None:
    """Run `wirewatch run --once` until its first post reached Slack, then kill -9 it before it
    records that."""
    marker = config.parent / "paused"
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--once", "--config", str(config)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **ENV, PAUSE_AFTER_SEND: str(marker)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()


def test_killed_after_a_card_or_reply_reached_slack_nothing_is_posted_twice(
    tmp_path: Path, slack: FakeSlack
) -> None:
    config = live_config(tmp_path, slack, [record(original())])
    killed_after_the_platform_confirmed(config)  # Slack has the card; the store does not know
    assert len(slack.posted(SLACK)) == 1
    again = run_cli("run", "--once", "--config", str(config), env=ENV)
    [card] = cards(slack)  # found through its metadata, not posted again
    assert len(slack.posted(SLACK)) == 1 and "Traceback" not in again.stderr
    assert len(slack.posts("conversations.history")) == 1
    # a rewrite with a new quote: its reply is the first post of the next run, killed again
    live_config(tmp_path, slack, [record(original()), record(rewrite(2, QUOTE_1))])
    killed_after_the_platform_confirmed(config)
    assert len(replies(slack, card["ts"])) == 1
    run_cli("run", "--once", "--config", str(config), env=ENV)
    [reply] = replies(slack, card["ts"])  # found in the thread through conversations.replies
    assert reply["text"].startswith("NEW Marta Lindqvist") and len(cards(slack)) == 1
    assert len(slack.posts("conversations.replies")) >= 1
    assert len(slack.posts("chat.update")) == 1  # the card edited with the rewrite
    keys = [m["metadata"]["event_payload"]["part"] for m in slack.posted(SLACK)]
    assert len(keys) == len(set(keys)) == 2


def test_a_discord_card_and_reply_whose_answer_was_lost_are_created_once(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    bot, clock = make_bot(tmp_path, slack, discord_api, edit_every="1s")
    try:
        bot.pipeline.ingest(original())
        discord_api.after_store.append(500)  # created, but the answer is an error: sent again, same nonce
        bot.send_live()
        [card] = discord_api.in_channel(DISCORD)
        clock.advance(5)
        bot.pipeline.ingest(rewrite(2, QUOTE_1))
        discord_api.after_store.append(500)
        bot.send_live()
        assert len(discord_api.in_channel(DISCORD)) == 1
        [reply] = discord_api.in_channel(card["id"])
        assert reply["content"].startswith("NEW Marta Lindqvist")
        nonces = [b["nonce"] for b in discord_api.posts("/messages") if "nonce" in b]
        assert len(nonces) == 4 and len(set(nonces)) == 2  # each sent twice, created once
        assert {r["status"] for r in bot.store.db.query("select status from outbox")} == {"sent"}
    finally:
        bot.close()


def rss(articles: list[Article]) -> bytes:
    items = "".join(
        f"<item><title>{a.title}</title><guid>urn:{a.id}</guid><link>http://news.example/{a.id}</link>"
        f"<source url='http://news.example/'>{a.source}</source>"
        f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in a.text.split(chr(10) * 2))}]]>"
        "</content:encoded></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Wire</title>'
        f"{items}</channel></rss>"
    ).encode()


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"never saw {what}: {proc.communicate()[1][-3000:]}")
        time.sleep(0.1)


def test_wirewatch_run_posts_one_card_edits_it_and_replies_in_its_thread(
    tmp_path: Path, slack: FakeSlack, http_server: LocalServer
) -> None:
    published = [original()]
    http_server.routes["/feed.xml"] = lambda _h: (
        200,
        {"Content-Type": "application/rss+xml"},
        rss(published),
    )
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "store.db"}"\n\n[slack]\napi_url = "{slack.url}/api/"\n\n'
        f"[http]\nhost_interval = 0\n\n"
        f'[[feeds]]\nname = "wire"\nurl = "{http_server.url}/feed.xml"\nevery = "1s"\nbackfill = 10\n\n'
        f'[[channels]]\nplatform = "slack"\nid = "{SLACK}"\nmode = "live"\nedit_every = "1s"\n',
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": ENV["SLACK_BOT_TOKEN"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: len(cards(slack)) == 1, proc, "the card")
        published += [rewrite(1), rewrite(2, QUOTE_1)]  # the feed gains articles while wirewatch runs
        ts = cards(slack)[0]["ts"]
        wait_for(
            lambda: bool(replies(slack, ts)) and bool(slack.posts("chat.update")), proc, "an edit and a reply"
        )
        published.append(rewrite(4, QUOTE_2))
        wait_for(lambda: len(replies(slack, ts)) == 2, proc, "the second reply")
        wait_for(lambda: "3 rewrites" in block_text(cards(slack)[0]), proc, "the card edited with 3 rewrites")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert len(cards(slack)) == 1
    assert [m["text"].split(":")[0] for m in replies(slack, ts)] == ["NEW Marta Lindqvist", "NEW Olav Brekke"]
    updates = [b for b in slack.posts("chat.update") if b.get("ts") == ts]
    assert updates and len(updates) == len(slack.posts("chat.update"))


def test_hostile_live_settings_are_config_errors() -> None:
    import contextlib

    from test_bad_input import HOSTILE

    keys = {"mode": "both", "edit_every": "60s", "speakers": ["A"], "sources": ["B"], "min_outlets": 2}
    for key in [*keys, "max_stories", "keywords"]:
        for hostile in HOSTILE:
            channel = {"platform": "console", "id": "c", **keys, key: hostile}
            with contextlib.suppress(ConfigError):  # one line naming the key; anything else escapes
                parse_config({"storage": {"path": ":memory:"}, "channels": [channel]})


def test_a_channel_switched_to_live_gets_no_cards_for_stories_its_digests_had(
    tmp_path: Path, slack: FakeSlack
) -> None:
    bot, _ = make_bot(tmp_path, slack, mode="digest")
    try:
        bot.pipeline.ingest(original())
        bot.send_digests()
        assert len(slack.posted(SLACK)) == 1
    finally:
        bot.close()
    bot, _ = make_bot(tmp_path, slack, mode="both")
    try:
        bot.send_live()
        assert len(slack.posted(SLACK)) == 1  # the old story: no card
        bot.pipeline.ingest(
            Article(
                "new",
                "Ferry services to the outer islands resumed on Friday after the storm.",
                "Ferries resume",
                "Post",
            )
        )
        bot.send_live()
        assert "Ferries resume" in block_text(slack.posted(SLACK)[-1])
    finally:
        bot.close()


def test_a_live_channel_added_to_a_store_with_a_backlog_gets_cards_only_for_what_comes_next(
    tmp_path: Path, slack: FakeSlack
) -> None:
    bot, _ = make_bot(tmp_path, slack, mode="digest")
    try:
        bot.pipeline.ingest(original())  # stored, never sent anywhere
    finally:
        bot.close()
    bot, _ = make_bot(tmp_path, slack, mode="live")
    try:
        bot.send_live()
        assert slack.posted(SLACK) == []  # the backlog: no burst of cards
        bot.pipeline.ingest(
            Article(
                "new",
                "Ferry services to the outer islands resumed on Friday after the storm.",
                "Ferries resume",
                "Post",
            )
        )
        bot.send_live()
        assert len(slack.posted(SLACK)) == 1 and "Ferries resume" in block_text(slack.posted(SLACK)[0])
    finally:
        bot.close()


def test_the_cli_names_live_channels_and_card_parts(tmp_path: Path, slack: FakeSlack) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    config = live_config(tmp_path, slack, [record(original())])
    runner = CliRunner()
    checked = runner.invoke(cli, ["check-config", str(config)], env={"SLACK_BOT_TOKEN": ""})
    assert f"channel slack:{SLACK}: live cards (edits at most every 1s)" in checked.stdout
    runner.invoke(cli, ["run", "--once", "--config", str(config)], env=ENV)
    listing = runner.invoke(cli, ["outbox", "--config", str(config)], env=ENV).stdout
    assert f"#1 card 1 post -> slack:{SLACK}: sent after 1 attempt" in listing


def story(n: int, outlet: str, trim: bool = False) -> Article:
    """A story of its own (made-up words drawn for n), from an outlet; trimmed, a rewrite of it."""
    pick = random.Random(n)
    word = lambda: "".join(pick.choices(string.ascii_lowercase, k=pick.randint(4, 9)))  # noqa: E731
    paras = [" ".join(word() for _ in range(14)).capitalize() + "." for _ in range(4)]
    return Article(f"{outlet}-{n}", "\n\n".join(paras[:3] if trim else paras), paras[0][:60], outlet)


def test_many_cards_share_one_slack_edit_budget(tmp_path: Path, slack: FakeSlack) -> None:
    bot, clock = make_bot(tmp_path, slack, edit_every="60s")
    try:
        for n in range(80):
            bot.pipeline.ingest(story(n, "Wire A"))
        bot.send_live()
        assert len(cards(slack)) == 80
        for n in range(80):  # every story gains a rewrite: every card needs one edit
            bot.pipeline.ingest(story(n, "Outlet B", trim=True))
        clock.advance(61)
        bot.send_live()
        assert len(slack.posts("chat.update")) == 50  # Slack Tier 3, shared by all cards
        bot.send_live()  # the same minute: still nothing more
        assert len(slack.posts("chat.update")) == 50
        pending = bot.store.db.execute(
            "select count(*) from outbox where action = 'edit' and status = 'pending'"
        )
        assert pending.fetchone()[0] == 30  # the rest wait in the outbox, nothing lost
        clock.advance(60)
        bot.send_live()
        assert len(slack.posts("chat.update")) == 80
        assert sorted(m.get("edits", 0) for m in cards(slack)) == [1] * 80  # each card edited once
        assert {r["status"] for r in bot.store.db.query("select status from outbox")} == {"sent"}
    finally:
        bot.close()


def test_a_slack_429_on_an_edit_holds_every_card_edit_until_retry_after(
    tmp_path: Path, slack: FakeSlack
) -> None:
    bot, clock = make_bot(tmp_path, slack, edit_every="60s")
    pauses: list[float] = []
    bot.sleep = pauses.append
    try:
        for n in range(3):
            bot.pipeline.ingest(story(n, "Wire A"))
        bot.send_live()
        for n in range(3):
            bot.pipeline.ingest(story(n, "Outlet B", trim=True))
        clock.advance(61)
        slack.script = [slack_error("ratelimited", 429, {"Retry-After": "30"})]
        bot.send_live()
        assert len(slack.posts("chat.update")) == 1  # refused; the other two were not tried
        assert pauses == []  # the live step does not stall on it: the edits wait in the outbox
        clock.advance(20)
        bot.send_live()
        assert len(slack.posts("chat.update")) == 1
        clock.advance(11)
        bot.send_live()
        assert len(slack.posts("chat.update")) == 4
        assert sorted(m.get("edits", 0) for m in cards(slack)) == [1, 1, 1]
    finally:
        bot.close()


FOLLOW_UP = Article(
    id="harbour-2",
    title="Harbour dredging stays halted as sediment tests are repeated",
    source="Bay Herald",
    text=HARBOUR.text
    + (
        "\n\nHarbour master Tove Lindgren said the quay would reopen on Friday once the barrier is repaired."
        "\n\n“We are ready to work through the night,” Lindgren said."
    ),
)


def test_cards_thread_replies_and_the_quotes_button_render_quotes_as_the_digest_does(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    """Reported speech is never shown in quotation marks on a live card, in its thread (Slack and Discord)
    or in the Quotes button's answer, and a quotation's trailing comma stays out of its marks."""
    bot, clock = make_bot(tmp_path, slack, discord_api)
    try:
        bot.pipeline.ingest(HARBOUR)
        bot.send_live()
        clock.advance(120)
        assert bot.pipeline.ingest(FOLLOW_UP).relation == "rewrite"
        bot.send_live()
        reported = "Ilse Marchetti said she had asked the laboratory to repeat every sample"
        new_reported = "NEW Tove Lindgren said the quay would reopen on Friday once the barrier is repaired"
        new_direct = "NEW Tove Lindgren: “We are ready to work through the night” (Bay Herald)"
        rendered = {
            "slack": json.dumps(slack.posts("chat.postMessage"), ensure_ascii=False),
            "discord": json.dumps(discord_api.posts("/messages"), ensure_ascii=False),
        }
        for platform, text in rendered.items():
            assert reported in text, platform  # on the card
            assert new_reported in text and new_direct in text, platform  # in the card's thread
            assert "“she had asked" not in text and "“the quay" not in text, platform
            assert "night,”" not in text, platform
        story = bot.store.db.execute("select story_id from articles where id = 'harbour'").fetchone()[0]
        reply, ok = answer(f"story-quotes {story}", Context(bot.store))
        lines = reply.as_text()
        assert ok and reported in lines and "Tove Lindgren: “We are ready to work through the night”" in lines
        assert "“she had asked" not in lines and "night,”" not in lines
    finally:
        bot.close()


def test_a_reply_lists_what_an_article_added_besides_its_quotes_and_counts_the_rest(
    tmp_path: Path, slack: FakeSlack
) -> None:
    added = [
        "Divers inspecting the spillway found two cracks in the concrete apron below the gates.",
        "Buses will replace the trains between Nyby and Vestfold until Monday at the earliest.",
        "Farmers along the lower valley moved their cattle to the higher pastures overnight.",
        "A second pumping station was switched on at the Nyby treatment works as a precaution.",
        "The regional council called an emergency meeting for Thursday evening at the town hall.",
    ]
    bot, _ = make_bot(tmp_path, slack)
    try:
        bot.pipeline.ingest(original())
        bot.send_live()
        [card] = cards(slack)
        bot.pipeline.ingest(rewrite(2, QUOTE_1, QUOTE_2, *added))
        bot.send_live()
        thread = [block_text(m) for m in replies(slack, card["ts"])]
        quotes = [t for t in thread if t.startswith("NEW ")]
        [news] = [t for t in thread if t.startswith("new in Outlet 2")]
        assert len(quotes) == 2 and "Lindqvist" not in news and "Brekke" not in news
        listed = [line for line in news.splitlines() if line.startswith("+ ")]
        assert [line[2:] for line in listed] == added[:3]  # three added sentences, none of them a quote
        story = bot.store.db.execute("select story_id from articles where id = 'r2'").fetchone()[0]
        assert news.splitlines()[-1] == f"and 2 more: /wirewatch story {story}"
        view, _ = answer(f"story {story}", Context(bot.store))
        assert all(s in view.as_text() for s in added)  # the command pointed at lists them all
    finally:
        bot.close()
