"""A digest's size per story is bounded, with pointers that lead to the rest; cuts made to fit a platform
end at a word boundary with a visible mark; and the small print reads right (plurals, punctuation)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_cli
from fake_platforms import FakeDiscord, FakeSlack
from test_digest_caps import unrelated

from bot.adapters.discord import DiscordAdapter
from bot.adapters.memory import MemoryAdapter
from bot.adapters.slack import SlackAdapter
from bot.app import Bot
from bot.commands import Context, answer, builtin_commands
from bot.config import Channel, parse_config
from bot.delivery import deliver, queue_digest
from bot.digest import Digest, StoryDigest, render
from bot.messages import Block, Message
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store

UNTIL = "9999-01-01T00:00:00+00:00"
WORDS = "the harbour board met again on Thursday to hear the divers report on the quay wall and".split()


def prose(n: int, seed: int = 0) -> str:
    """n words of plain prose, no single word longer than a dozen letters."""
    return " ".join(WORDS[(i * 7 + seed) % len(WORDS)] for i in range(n))


def big_story() -> StoryDigest:
    return StoryDigest(
        story_id="s-big",
        headline="Quay wall inspection drags on",
        first_source="Coast Ledger",
        first_url="https://ledger.example/quay",
        rewrites=[f"Outlet {i}" for i in range(30)],
        related=[("The Sun", ""), ("Daily Mirror", ""), ("Bay Herald", "Divers return to the quay")],
        added=[f"{prose(12, i)} ({i})" for i in range(10)],
        quotes=[(f"Speaker {i} said {prose(10, i)}", f"Outlet {i}", None) for i in range(18)],
        updated=[(f"Outlet {i}", f"Quay title {i}", None) for i in range(6)],
    )


def test_a_story_entry_shows_a_bounded_number_of_lines_and_points_at_the_rest() -> None:
    message = render(Digest("desk", "", UNTIL, [big_story()]))
    text = message.as_text()
    assert text.count("NEW Speaker") == 5
    assert "and 13 more new quotes: /wirewatch story-quotes s-big" in text
    assert text.count("\n+ ") == 3 and "and 7 more new sentences: /wirewatch story s-big" in text
    assert text.count("UPDATED by") == 3 and "and 3 more edits: /wirewatch coverage s-big" in text
    assert "rewritten by 30: Outlet 0, Outlet 1" in text and "and 22 more (/wirewatch coverage s-big)" in text
    assert "Outlet 29," not in text
    assert len(text.splitlines()) < 25  # 18 quotes, 10 sentences, 6 edits, 30 outlets: still one screen
    # the commands pointed at exist
    assert {"story", "story-quotes", "coverage"} <= set(builtin_commands())


def test_related_outlets_without_a_title_have_no_empty_parentheses() -> None:
    text = render(Digest("desk", "", UNTIL, [big_story()])).as_text()
    assert "related: The Sun; Daily Mirror; Bay Herald (Divers return to the quay)" in text
    assert "()" not in text


def test_an_empty_digest_fallback_has_no_stray_colon() -> None:
    assert render(Digest("desk", "", UNTIL, [])).fallback == "wirewatch digest: 0 stories"


def long_story_message() -> tuple[Message, str]:
    """A digest part whose one story is longer than a Discord embed's description may be."""
    lines = [prose(150, i) for i in range(6)]  # about 900 characters each, within a block's limit
    blocks = [Block("header", "wirewatch digest: 1 story"), Block("divider"), Block("text", "Quay wall")]
    blocks += [Block("text", line) for line in lines]
    return Message(tuple(blocks), "wirewatch digest: 1 story"), "\n".join(lines)


def test_a_discord_embed_cut_to_fit_ends_at_a_word_with_a_mark(discord_api: FakeDiscord) -> None:
    message, full = long_story_message()
    adapter = DiscordAdapter(token="discord-test-token", api_url=discord_api.url + "/api/v10")
    adapter.send("1400000000000000051", message, "ww-long")
    [post] = discord_api.in_channel("1400000000000000051")
    description = post["embeds"][0]["description"]
    assert len(description) <= 4096 and description.endswith("…")
    kept = description.removesuffix("…")
    assert full.startswith(kept) and full[len(kept)] in " \n"  # the cut falls between two words


def test_a_slack_section_cut_to_fit_keeps_whole_words_and_entities(slack: FakeSlack) -> None:
    text = " & ".join(prose(8, i) for i in range(80))  # about 3,300 characters, 79 ampersands
    message = Message((Block("text", text, url="https://ledger.example/quay?a=1&b=2"),), "quay")
    SlackAdapter("xoxb-test-token", slack.url + "/api/").send("CBOUND", message, "ww-long")
    [post] = slack.posts("chat.postMessage")
    section = post["blocks"][0]["text"]["text"]
    assert len(section) <= 3000 and section.endswith("…>")
    body = section.split("|", 1)[1].removesuffix("…>").replace("&amp;", "&")
    assert text.startswith(body) and text[len(body)] == " "
    assert "&amp" not in section.rsplit("&amp;", 1)[-1]  # no entity cut in half


def test_the_more_pointer_lists_the_stories_the_digest_left_out(store: Store, pipeline: Pipeline) -> None:
    for article in unrelated(25):
        pipeline.ingest(article)
    adapter = MemoryAdapter()
    queue_digest(store, Channel("console", "desk", max_stories=20), until=UNTIL)
    deliver(store, {"console": adapter})
    digest = adapter.sent[0][1].as_text()
    pointer = next(line for line in digest.splitlines() if "and 5 more:" in line)
    command = pointer.split("/wirewatch ", 1)[1]
    assert command == "stories --since 7d --skip 20"
    reply, ok = answer(command, Context(store))
    listed = reply.as_text()
    rest = [f"Story {i} " for i in range(25) if f"Story {i} " not in digest]
    assert ok and len(rest) == 5 and "21-25 OF 25 STORIES" in listed
    assert all(name in listed for name in rest)  # exactly the five the digest left out


def test_in_a_filtered_channel_the_more_pointer_goes_on_with_that_channels_stories(
    store: Store, pipeline: Pipeline
) -> None:
    # 23 stories from the harbour feed, which the channel gets, and 5 from another, which it does not
    for i, article in enumerate(unrelated(28)):
        pipeline.ingest(replace(article, feed="harbour" if i % 6 else "sports"))
    desk = Channel("console", "desk", feeds=("harbour",), max_stories=20)
    adapter = MemoryAdapter()
    queue_digest(store, desk, until=UNTIL)
    deliver(store, {"console": adapter})
    digest = adapter.sent[0][1].as_text()
    command = next(line for line in digest.splitlines() if "and 3 more:" in line).split("/wirewatch ", 1)[1]
    ctx = Context(store, channels={"desk": desk})
    reply, ok = answer(command, ctx, channel="desk")
    listed = reply.as_text()
    rest = [f"Story {i} " for i in range(28) if i % 6 and f"Story {i} " not in digest]
    assert ok and len(rest) == 3 and "21-23 OF 23 STORIES" in listed
    assert all(name in listed for name in rest)
    assert not any(f"Story {i} " in listed for i in range(0, 28, 6))  # none the channel does not get
    everything, _ = answer("stories --all --skip 20", ctx, channel="desk")
    assert "21-28 OF 28 STORIES" in everything.as_text()
    elsewhere, _ = answer(command, ctx, channel="another")  # a channel with no filters: every story
    assert "21-28 OF 28 STORIES" in elsewhere.as_text()


def test_stories_lists_outlets_with_a_space_after_each_comma(store: Store, pipeline: Pipeline) -> None:
    [first, *_] = unrelated(1)
    pipeline.ingest(first)
    pipeline.ingest(type(first)("copy", first.text, first.title + " (update)", "Other Wire"))
    reply, _ = answer("stories", Context(store))
    assert "outlets: Wire, Other Wire" in reply.as_text() or "outlets: Other Wire, Wire" in reply.as_text()


def test_digest_now_with_nothing_to_send_says_so(store: Store) -> None:
    reply, ok = answer("digest now", Context(store, send_digest=lambda channel: 0), channel="C1", admin=True)
    assert ok and "0 messages" not in reply.as_text()
    assert reply.as_text() == "No digest sent: nothing new for this channel since its last digest."
    reply, _ = answer("digest now", Context(store, send_digest=lambda channel: 1), channel="C1", admin=True)
    assert reply.as_text() == "Digest sent (1 message)."


def config_file(tmp_path: Path) -> Path:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "o.db"}"\n[[channels]]\nplatform = "console"\nid = "desk"\n',
        encoding="utf-8",
    )
    return config


def test_digest_asked_for_with_nothing_new_answers_on_the_terminal(tmp_path: Path) -> None:
    config = config_file(tmp_path)
    done = run_cli("digest", "--config", str(config), "--channel", "desk")
    assert "nothing to post" in done.stderr and "WIREWATCH DIGEST" not in done.stdout
    listed = run_cli("outbox", "--config", str(config))
    assert "the outbox is empty" in listed.stdout  # nothing queued either


def test_a_part_sent_without_an_attempt_counted_says_only_sent(tmp_path: Path) -> None:
    config = config_file(tmp_path)
    store = Store(tmp_path / "o.db")
    store.db.table("outbox").insert(  # a card edit: edits are sent without counting attempts
        {
            "digest_id": None,
            "part": 1,
            "channel": "desk",
            "platform": "console",
            "payload": "{}",
            "status": "sent",
            "attempts": 0,
            "card_id": 1,
            "action": "edit",
            "sent_at": "2026-12-01T08:00:00+00:00",
        }
    )
    store.close()
    listed = run_cli("outbox", "--config", str(config)).stdout
    assert "card 1 edit -> console:desk: sent, sent 2026-12-01 08:00 UTC" in listed
    assert "0 attempts" not in listed


def test_first_polls_count_feeds_in_the_singular(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "s.db")},
            "feeds": [{"name": "wire", "url": str(feed)}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    bot = Bot(config, env={}, adapters={"console": MemoryAdapter()})
    try:
        with caplog.at_level(logging.INFO, logger="bot.app"):
            assert bot.first_polls() == 1
        assert "polling 1 feed for the first time" in caplog.text
    finally:
        bot.close()


def test_the_quotes_button_pages_through_a_story_with_many_quotes(store: Store, pipeline: Pipeline) -> None:
    from random import Random

    from test_digest_caps import WORDS as COMMON

    rng = Random(3)
    paragraphs = [
        f"“{' '.join(rng.sample(COMMON, 12)).capitalize()},” said Ilse Marchetti, the port director."
        for _ in range(50)
    ]
    pipeline.ingest(
        Article("many", "\n\n".join(paragraphs), "Port director speaks at length", "Coast Ledger")
    )
    story = store.db.execute("select story_id from articles where id = 'many'").fetchone()[0]
    total = store.db.execute("select count(*) from quotes where new = 1").fetchone()[0]
    assert total > 40  # the test needs more quotes than one answer lists
    first, _ = answer(f"story-quotes {story}", Context(store))
    pointer = first.blocks[-1].text
    assert pointer == f"and {total - 40} more: /wirewatch story-quotes {story} --skip 40"
    second, ok = answer(pointer.split("/wirewatch ", 1)[1], Context(store))
    assert ok and len([b for b in second.blocks if b.kind == "text"]) == total - 40
    assert "more:" not in second.as_text()
    shown = {b.text for b in first.blocks[1:-1]} | {b.text for b in second.blocks[1:]}
    assert len(shown) == total  # every quote on one page or the other, none twice


def test_the_digest_the_story_view_and_the_cards_list_the_same_new_sentences(tmp_path: Path) -> None:
    from bot import live, queries
    from bot.models import Result

    store = Store(tmp_path / "s.db")
    try:
        store.save(Result(Article(id="a", text=prose(40), title="Quay wall", source="One"), "new", "s-a"), ())
        long = "Divers found the quay wall cracked in two more places on Friday."
        added = ("By staff reporters.", long)  # a byline is no news
        later = Article(id="b", text=prose(40, 3), title="Quay wall again", source="Two")
        store.save(Result(later, "rewrite", "s-a", of="a", added=added), ())
        digest = render(compose_all(store)).as_text()
        view, _ = answer("story s-a", Context(store))
        row = queries.story_articles(store.db, "s-a")[-1]
        card = live._added_reply("s-a", row, [])
        for shown in (digest, view.as_text(), card.as_text() if card else ""):
            assert long in shown
            assert "By staff reporters" not in shown
    finally:
        store.close()


def compose_all(store: Store) -> Digest:
    from bot.digest import compose

    return compose(store, Channel("console", "desk"), "", UNTIL)


def test_one_left_out_is_counted_in_the_singular(store: Store, pipeline: Pipeline) -> None:
    from dataclasses import replace

    story = big_story()
    story = replace(story, added=story.added[:4], quotes=story.quotes[:6], updated=story.updated[:4])
    text = render(Digest("desk", "", UNTIL, [story])).as_text()
    assert "and 1 more new quote: /wirewatch story-quotes s-big" in text
    assert "and 1 more new sentence: /wirewatch story s-big" in text
    assert "and 1 more edit: /wirewatch coverage s-big" in text
    [first] = unrelated(1)
    pipeline.ingest(first)
    story_id = store.db.execute("select story_id from articles").fetchone()[0]
    coverage, _ = answer(f"coverage {story_id}", Context(store))
    assert coverage.fallback == f"1 article in story {story_id}"
    assert coverage.as_text().startswith("1 ARTICLE:")
