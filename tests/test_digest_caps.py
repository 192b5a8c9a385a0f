"""Digest caps: at most max_stories stories, the most important first, the rest counted; no digest
before every feed's first poll has finished."""

from __future__ import annotations

import json
import random
from pathlib import Path

from wordfreq import top_n_list

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import Channel, parse_config
from bot.delivery import deliver, queue_digest
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store

WORDS = top_n_list("en", 3000)[200:]


def unrelated(n: int) -> list[Article]:
    rng = random.Random(5)
    return [
        Article(
            f"s{i}",
            " ".join(" ".join(rng.sample(WORDS, 14)).capitalize() + "." for _ in range(8)),
            f"Story {i} " + " ".join(rng.sample(WORDS, 5)),
            "Wire",
        )
        for i in range(n)
    ]


def test_a_digest_keeps_its_most_important_stories_and_counts_the_rest(
    store: Store, pipeline: Pipeline
) -> None:
    for article in unrelated(25):
        pipeline.ingest(article)
    bigger = unrelated(25)[7]  # carried by a second outlet: more important than the others
    copy = pipeline.ingest(
        Article("copy", bigger.text.rsplit(". ", 1)[0] + ".", bigger.title + " (update)", "Other")
    )
    assert copy.relation == "rewrite" and not copy.duplicate
    adapter = MemoryAdapter()
    queue_digest(store, Channel("console", "desk", max_stories=20), until="9999-01-01T00:00:00+00:00")
    deliver(store, {"console": adapter})
    text = "\n".join(m.as_text() for _, m in adapter.sent)
    assert text.count("Story ") == 20 and "Story 7 " in text
    assert "and 5 more: /wirewatch stories --since 7d" in text
    assert "WIREWATCH DIGEST: 20 OF 25 STORIES" in text.upper() and adapter.sent[0][1].fallback.startswith(
        "wirewatch digest: 20 of 25 stories"
    )
    [row] = store.db.query("select stories from digests")
    assert len(json.loads(row["stories"])) == 20


def test_an_uncapped_digest_has_no_more_line(store: Store, pipeline: Pipeline) -> None:
    for article in unrelated(3):
        pipeline.ingest(article)
    adapter = MemoryAdapter()
    queue_digest(store, Channel("console", "desk"), until="9999-01-01T00:00:00+00:00")
    deliver(store, {"console": adapter})
    assert "more:" not in adapter.sent[0][1].as_text()


def test_no_digest_starts_before_every_feed_was_polled_once(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "items.jsonl").write_text(
        "".join(json.dumps({"id": a.id, "title": a.title, "text": a.text}) + "\n" for a in unrelated(2)),
        encoding="utf-8",
    )
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "s.db")},
            "feeds": [{"name": "wire", "url": str(feed), "backfill": 5}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    adapter = MemoryAdapter()
    bot = Bot(config, env={}, adapters={"console": adapter})
    try:
        assert bot.send_digests() == 1  # the feed was polled first: its stories are in the digest
        assert "Story 0" in adapter.sent[0][1].as_text() and "Story 1" in adapter.sent[0][1].as_text()
        assert bot.first_polls() == 0  # polled once: not again before the next digest
    finally:
        bot.close()
