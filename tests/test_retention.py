"""Retention: a story that gained nothing for longer than `[storage] keep` is forgotten whole (articles,
index rows, readings, quotes, cards and their parts), old digests with it; what is younger, merged into
something younger, or still has a card part to send stays; the CLI and the config say what is wrong in
one line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from fake_platforms import FakeSlack
from test_live import ENV, QUOTE_1, SLACK, original, rewrite

from bot import retention, storage
from bot.app import Bot
from bot.commands import answer
from bot.config import ConfigError, parse_config
from bot.models import Article
from bot.retention import prune
from bot.scheduler import build_scheduler
from bot.storage import Store

MARKET = Article(
    "m1",
    "The covered market on Calle Mayor reopens on Saturday after a two-year restoration that kept its "
    "iron roof and replaced every stall, the city said. Traders return to 140 stalls.",
    "Covered market reopens",
    "City paper",
)
FERRY = Article(
    "f1",
    "A passenger ferry ran aground off Isla Brava on Sunday night with 212 people on board, the coast "
    "guard said. Passengers were taken to the harbour by fishing boats before midnight.",
    "Ferry aground off Isla Brava",
    "Coast news",
)
# every table that holds something of a story or of its articles
DERIVED = {
    "articles": "story_id in ({s})",
    "article_keys": "article_id in ({a})",
    "article_readings": "article_id in ({a})",
    "article_revisions": "article_id in ({a})",
    "quotes": "article_id in ({a})",
    "quote_terms": "quote_id in (select id from quotes where article_id in ({a}))",
    "cards": "story_id in ({s})",
    "card_items": "card_id in (select id from cards where story_id in ({s}))",
    "outbox": "card_id in (select id from cards where story_id in ({s}))",
    "muted_stories": "story_id in ({s})",
    "stories": "id in ({s})",
}


def make_bot(tmp_path: Path, slack: FakeSlack, **storage: Any) -> Bot:
    data = {
        "storage": {"path": str(tmp_path / "kept.db"), **storage},
        "slack": {"api_url": slack.url + "/api/"},
        "channels": [{"platform": "slack", "id": SLACK, "mode": "live"}],
    }
    bot = Bot(parse_config(data), env=ENV)
    bot.sleep = lambda s: None
    return bot


def rows_of(store: Store, stories: list[str], articles: list[str]) -> dict[str, int]:
    s = ", ".join(f"'{x}'" for x in stories)
    a = ", ".join(f"'{x}'" for x in articles) or "''"
    return {
        table: store.db.execute(f"select count(*) from {table} where {where.format(s=s, a=a)}").fetchone()[0]
        for table, where in DERIVED.items()
    }


def age(store: Store, story: str, days: int) -> None:
    """Make a story's articles as old as if they had been ingested `days` ago."""
    then = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
    store.db.execute("update articles set ingested = ? where story_id = ?", [then, story])
    store.db.conn.commit()


def searched(store: Store, word: str) -> int:
    store.index_search()
    return store.db.execute(
        "select count(*) from articles_fts where articles_fts match ?", [word]
    ).fetchone()[0]


@pytest.mark.parametrize(
    "in_list", [1, 10_000]
)  # ids bound (and stories forgotten) one by one, or all at once
def test_a_story_older_than_keep_is_forgotten_whole_and_the_rest_stays(
    tmp_path: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, in_list: int
) -> None:
    monkeypatch.setattr(storage, "IN_LIST", in_list)
    monkeypatch.setattr(retention, "BATCH", in_list)  # and a transaction for each story
    bot = make_bot(tmp_path, slack, keep="30d")
    try:
        dam = bot.pipeline.ingest(original())
        bot.send_live()  # a card for the dam story
        bot.pipeline.ingest(rewrite(1, QUOTE_1))  # a rewrite with a new quote: a reply in its thread
        edited = original()
        bot.pipeline.ingest(
            Article(edited.id, edited.text + " Engineers will report on Friday.", edited.title)
        )
        bot.send_live()
        assert answer(f"mute {dam.story}", bot.context("slack"), "U7", SLACK)[1]  # and a channel muted it
        market = bot.pipeline.ingest(MARKET)
        ferry = bot.pipeline.ingest(FERRY)
        store = bot.store
        # the ferry story was merged into the market story long ago; the market story is recent
        store.db.execute("update stories set merged_into = ? where id = ?", [market.story, ferry.story])
        store.db.conn.commit()
        age(store, dam.story, 40)
        age(store, ferry.story, 40)
        dam_articles = [
            r[0] for r in store.db.execute("select id from articles where story_id = ?", [dam.story])
        ]
        before = rows_of(store, [dam.story], dam_articles)
        assert all(before.values()), before  # something in every table to delete
        kept_before = rows_of(store, [market.story, ferry.story], ["m1", "f1"])

        dry = prune(store, 30 * 86400, dry_run=True)
        assert (dry.stories, dry.articles, dry.cards) == (1, 2, 1) and dry.quotes >= 1
        assert rows_of(store, [dam.story], dam_articles) == before  # a dry run deletes nothing

        done = bot.prune()
        assert done is not None and (done.stories, done.articles, done.cards) == (1, 2, 1)
        assert rows_of(store, [dam.story], dam_articles) == dict.fromkeys(DERIVED, 0)
        assert rows_of(store, [market.story, ferry.story], ["m1", "f1"]) == kept_before
        assert searched(store, "spillway") == 0 and searched(store, "ferry") == 1
        assert bot.prune() is not None and bot.prune().stories == 0  # nothing more to do

        # the dam story told again starts afresh: a new story with a new card, nothing breaks
        again = bot.pipeline.ingest(rewrite(2))
        assert again.relation == "new"
        bot.send_live()
        cards = [r[0] for r in store.db.execute("select story_id from cards")]
        assert again.story in cards and dam.story not in cards
    finally:
        bot.close()


def test_a_card_part_still_to_send_keeps_its_story(tmp_path: Path, slack: FakeSlack) -> None:
    bot = make_bot(tmp_path, slack, keep="30d")
    try:
        dam = bot.pipeline.ingest(original())
        bot.send_live()
        bot.store.db.execute("update outbox set status = 'pending'")  # as if Slack had been down since
        bot.store.db.conn.commit()
        age(bot.store, dam.story, 40)
        done = bot.prune()
        assert done is not None and (done.stories, done.waiting) == (0, 1)
        assert "1 kept until their card parts are sent" in done.line()
        assert bot.store.db.execute("select count(*) from articles").fetchone()[0] == 1
    finally:
        bot.close()


def test_old_digests_go_but_each_channels_latest_stays(store: Store) -> None:
    long_ago = (datetime.now(UTC) - timedelta(days=90)).isoformat(timespec="microseconds")
    digests = store.db.table("digests")
    for channel, status in (("a", "sent"), ("a", "sent"), ("a", "sent"), ("b", "sent"), ("c", "pending")):
        digest_id = digests.insert({"channel": channel, "platform": "slack", "created": long_ago}).last_pk
        store.db.table("outbox").insert(
            {"digest_id": digest_id, "part": 0, "channel": channel, "status": status}
        )
    store.db.table("digests").insert({"channel": "c", "platform": "slack", "created": long_ago, "until": "x"})
    done = prune(store, 30 * 86400)
    # a: two older ones go; b: its only one is its latest; c: the one with a part to send stays
    assert done.digests == 2
    left = [(r["channel"], r["id"]) for r in store.db.query("select channel, id from digests order by id")]
    assert [c for c, _ in left] == ["a", "b", "c", "c"]
    assert store.db.execute("select count(*) from outbox").fetchone()[0] == 3


def test_retention_is_scheduled_only_where_keep_is_set(tmp_path: Path, slack: FakeSlack) -> None:
    with_keep, without = make_bot(tmp_path / "a", slack, keep="400d"), make_bot(tmp_path / "b", slack)
    try:
        assert build_scheduler(with_keep).get_job("prune") is not None
        assert build_scheduler(without).get_job("prune") is None
        assert without.prune() is None
    finally:
        with_keep.close()
        without.close()


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        ("7d", "storage.keep: must be at least storage.window"),
        ("soon", "storage.keep: 'soon' is not a duration"),
        (30, "storage.keep: 30 is not a duration"),
    ],
)
def test_a_bad_keep_is_one_clear_line(keep: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"storage": {"path": ":memory:", "keep": keep}})


def test_the_prune_command_says_what_it_deletes_and_refuses_bad_arguments(tmp_path: Path) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "cli.db"}"\n', encoding="utf-8")
    dry = run_cli("prune", "--config", str(config), "--keep", "90d", "--dry-run")
    assert (
        dry.stdout.strip() == "retention would delete 0 stories (0 articles, 0 quotes, 0 cards) and 0 digests"
    )
    missing = run_cli("prune", "--config", str(config), check=False)
    assert missing.returncode == 2 and "give --keep (e.g. 365d) or set [storage] keep" in missing.stderr
    for bad, said in (("3x", "'3x' is not a duration"), ("2d", "--keep must be at least [storage] window")):
        refused = run_cli("prune", "--config", str(config), "--keep", bad, check=False)
        assert refused.returncode == 2 and said in refused.stderr
        assert "Traceback" not in refused.stderr


def test_check_config_says_how_long_stories_are_kept(tmp_path: Path) -> None:
    config = tmp_path / "wirewatch.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "c.db"}"\n', encoding="utf-8")
    assert "kept for ever" in run_cli("check-config", str(config)).stdout
    config.write_text(f'[storage]\npath = "{tmp_path / "c.db"}"\nkeep = "400d"\n', encoding="utf-8")
    assert "kept 400 days after their last article" in run_cli("check-config", str(config)).stdout
    config.write_text(f'[storage]\npath = "{tmp_path / "c.db"}"\nkeep = "3d"\n', encoding="utf-8")
    refused = run_cli("check-config", str(config), check=False)
    assert refused.returncode != 0 and "storage.keep: must be at least storage.window" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_a_failing_prune_is_one_line_and_deletes_nothing(
    tmp_path: Path, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    bot = make_bot(tmp_path, slack, keep="30d")
    try:
        dam = bot.pipeline.ingest(rewrite(1, QUOTE_1))
        age(bot.store, dam.story, 40)
        before = rows_of(bot.store, [dam.story], [dam.article.id])
        bot.store.db.execute(
            "create trigger keep_articles before delete on articles begin select raise(abort, 'disk says no'); end"
        )
        with caplog.at_level(logging.ERROR, logger="bot.app"):
            assert bot.prune() is None
        assert [r.getMessage() for r in caplog.records] == ["retention failed: disk says no"]
        assert rows_of(bot.store, [dam.story], [dam.article.id]) == before  # the quotes' rows too
    finally:
        bot.close()
