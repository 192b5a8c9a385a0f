"""What people read: plurals, cut lists that say so, local times, one link per article, clean links,
error notices that name the feed once."""

from __future__ import annotations

from pathlib import Path

from test_slack import many_stories

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.commands import Context, answer
from bot.config import Channel, Feed, parse_config
from bot.delivery import queue_digest
from bot.digest import compose, render
from bot.feeds import Feeds
from bot.messages import Message, counted, local_time
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store

UNTIL = "9999-01-01T00:00:00+00:00"
QUOTED = (
    "The harbour board voted on Tuesday to close the old ferry pier for repairs.\n\n"
    "“The pier is older than any of us, and the timber is tired,” said Tomas Brenner, the board's chair.\n\n"
    "“We will reopen it before the summer season,” Brenner said.\n\n"
    "“Nobody will lose a ferry connection,” said Ines Haller, who runs the ferry line."
)


def header(message: Message) -> str:
    return message.blocks[0].text


def test_plurals_and_cut_lists(pipeline: Pipeline, store: Store) -> None:
    pipeline.ingest(Article(id="pier", text=QUOTED, title="Ferry pier to close", source="Coast News"))
    ctx = Context(store)
    stories, _ = answer("stories", ctx)
    assert header(stories) == "1 story"
    assert "1 article · 0 rewrites" in stories.as_text()
    quotes, _ = answer("quotes Brenner", ctx)
    assert header(quotes) in ("1 quote for 'Brenner'", "2 quotes for 'Brenner'")
    many_stories(pipeline, 12)  # unrelated stories of random words
    many, _ = answer("stories", ctx)
    total = store.db.execute("select count(*) from stories where merged_into is null").fetchone()[0]
    assert total > 10
    assert header(many) == f"10 of {total} stories"
    assert "--since" in many.blocks[-1].text  # and how to see the others


def test_times_in_the_configured_zone_to_the_minute(store: Store) -> None:
    store.db["feeds"].insert(
        {
            "name": "coast",
            "url": "https://coast.example/rss",
            "every": 600,
            "last_success": "2026-07-01T10:00:05.123456+00:00",
            "items_seen": 1,
        },
        alter=True,
    )
    watched = Feeds(store, (Feed("coast", "https://coast.example/rss"),))
    reply, _ = answer("feeds", Context(store, feeds=watched, timezone="Europe/Berlin"))
    text = reply.as_text()
    assert header(reply) == "1 feed" and "last success 2026-07-01 12:00 CEST; 1 item" in text
    assert local_time("2026-01-15T23:59:59+00:00", "Asia/Tokyo") == "2026-01-16 08:59 JST"


def test_one_link_per_article_and_no_tracking_parameters(pipeline: Pipeline, store: Store) -> None:
    url = "https://coast.example/pier?id=7&utm_source=newsletter&utm_medium=email&fbclid=abc"
    pipeline.ingest(
        Article(id="pier", text=QUOTED, title="Ferry pier to close", source="Coast News", url=url)
    )
    digest = compose(store, Channel("console", "desk"), "0000", UNTIL)
    assert len(digest.stories[0].quotes) >= 2
    message = render(digest)
    links = [b.url for b in message.blocks if b.url]
    assert links == ["https://coast.example/pier?id=7"]  # the headline's link only, cleaned
    queue_digest(store, Channel("console", "desk"), until=UNTIL)
    stored = store.db.execute("select payload from outbox").fetchone()[0]
    assert "utm_" not in stored and "fbclid" not in stored


def test_a_failing_feed_is_named_once_in_its_notice(tmp_path: Path) -> None:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "n.db")},
            "feeds": [{"name": "broken", "url": str(tmp_path / "missing")}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    console = MemoryAdapter()
    bot = Bot(config, adapters={"console": console})
    try:
        for _ in range(3):
            bot.poll_all()
        bot.send_digests()
    finally:
        bot.close()
    (notice,) = [m.fallback for _, m in console.sent]
    assert notice.startswith("Feed broken is failing after 3 attempts: ")
    assert notice.lower().count("broken") == 1, notice


def test_a_statement_repeated_by_rewrites_is_listed_once_with_who_repeated_it(
    pipeline: Pipeline, store: Store
) -> None:
    pipeline.ingest(Article(id="pier", text=QUOTED, title="Ferry pier to close", source="Coast News"))
    for i, outlet in enumerate(["Harbour Post", "Bay Herald", "Harbour Post"]):
        extra = f"\n\nThe board will meet again on the {i + 2}nd of the month, its clerk added."
        pipeline.ingest(Article(id=f"copy{i}", text=QUOTED + extra, title="Pier closing", source=outlet))
    stored = store.db.execute(
        "select count(*), sum(new) from quotes where speaker like '%Brenner%'"
    ).fetchone()
    assert stored[0] == 4 * stored[1] and stored[1] >= 1  # each statement stored four times, new once
    quotes, _ = answer("quotes Brenner", Context(store))
    lines = [b.text for b in quotes.blocks[1:]]
    assert header(quotes) == f"{counted(stored[1], 'quote')} for 'Brenner'" and len(lines) == stored[1]
    assert all(line.startswith("NEW ") for line in lines)
    assert all(line.endswith("(Coast News; also Harbour Post, Bay Herald)") for line in lines)
    new_only, _ = answer("quotes Brenner --new", Context(store))
    assert [b.text for b in new_only.blocks[1:]] == [
        line.replace("; also Harbour Post, Bay Herald", "") for line in lines
    ]
