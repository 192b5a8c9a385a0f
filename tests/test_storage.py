"""The store: migrations, duplicates, one transaction per article."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from bot import migrations
from bot.models import Article, Quote, Result
from bot.pipeline import Pipeline
from bot.storage import Checkpointer, Store


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.db")
    assert store.migrated[0] == "m001_initial" and len(store.migrated) == len(migrations.MIGRATIONS)
    assert store.db.journal_mode == "wal"
    for table in ("feeds", "articles", "stories", "quotes", "speakers", "digests", "outbox"):
        assert store.db[table].exists()
    store.close()
    again = Store(tmp_path / "w.db")
    assert again.migrated == []  # nothing to do the second time
    again.close()


def test_the_wal_stays_short_under_a_steady_stream_of_articles(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.db")
    assert store.checkpointer is not None
    store.checkpointer.stopping.set()
    store.checkpointer.join()
    # the same checkpointer, on a small scale: every 10 ms, the WAL restarted beyond 64 pages
    store.checkpointer = Checkpointer(store.path, every=0.01, restart_frames=64)
    store.checkpointer.start()
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda".split()
    largest = 0
    for n in range(400):
        text = " ".join(words[(n + i) % len(words)] + str(n) for i in range(60))
        store.save(Result(Article(id=f"a{n}", text=text, title=f"T{n}")), keys=[f"k{n % 7}", f"n{n}"])
        largest = max(largest, Path(f"{store.path}-wal").stat().st_size)
        if n % 5 == 4:  # the checkpointer keeps up on a busy machine too: a round every five articles
            store.checkpointer.round_done.clear()
            assert store.checkpointer.round_done.wait(10)
    # 400 transactions of several pages each would make a WAL of several MB if never restarted
    assert largest < 2_000_000
    assert store.count("articles") == 400
    store.close()


def test_a_later_migration_runs_once_on_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store(path)
    store.save(Result(Article(id="a1", text="Some text here.", title="T")), keys=())
    store.close()

    def m002_add_language(db: sqlite_utils.Database) -> None:
        db["articles"].add_column("language", str)

    db = sqlite_utils.Database(path)
    assert migrations.apply(db, [*migrations.MIGRATIONS, m002_add_language]) == ["m002_add_language"]
    assert migrations.apply(db, [*migrations.MIGRATIONS, m002_add_language]) == []
    assert "language" in db["articles"].columns_dict
    assert db["articles"].count == 1  # the stored article survived the migration


def test_the_same_item_is_stored_once(pipeline: Pipeline, store: Store) -> None:
    text = "Engineers found cracks in the dam on Monday. The reservoir will be lowered."
    first = pipeline.ingest(
        Article(id="a", text=text, title="Dam", url="https://x.example/a/?utm_source=rss")
    )
    edited = text.replace("Monday", "Monday night")
    by_id = pipeline.ingest(Article(id="a", text=edited, title="Dam"))
    by_url = pipeline.ingest(Article(id="b", text=edited, title="Dam", url="https://X.example:443/a"))
    by_content = pipeline.ingest(Article(id="c", text=text + "  ", title="Dam"))
    assert not first.duplicate
    assert by_id.duplicate and by_url.duplicate and by_content.duplicate
    assert store.count("articles") == 1
    assert by_content.story == first.story
    # the publisher's edit is kept once, as a revision of the stored article
    assert [r["text"] for r in store.db.query("select text from article_revisions")] == [edited]


def test_an_identity_reused_for_another_story_is_a_new_article(pipeline: Pipeline, store: Store) -> None:
    pipeline.ingest(
        Article(id="g1", guid="tag:x,1", text="Engineers found cracks in the dam on Monday morning.")
    )
    other = pipeline.ingest(
        Article(id="g1", guid="tag:x,1", text="The city library reopens with a new reading room.")
    )
    assert not other.duplicate and other.article.id != "g1"
    assert store.count("articles") == 2


def test_article_and_findings_are_one_transaction(store: Store) -> None:
    bad_quote = Quote(speaker="X", text="t", start=0, end=1, speaker_keys=("n:x",))
    result = Result(Article(id="a1", text="text"), quotes=[bad_quote])
    store.db.execute(
        "create trigger no_quotes before insert on quotes begin select raise(abort, 'boom'); end"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.save(result, keys=("k1",))
    assert store.count("articles") == 0
    assert store.count("stories") == 0
    assert store.count("article_keys") == 0


def _saved(store: Store, article_id: str, story: str, merged: tuple[str, ...] = ()) -> None:
    relation = "new" if story == f"s-{article_id}" else "related"
    article = Article(id=article_id, text=f"Text of {article_id}.", title=article_id)
    store.save(Result(article, relation, story, None, 0.5, merged=merged), [])


def test_merges_keep_every_story_one_step_from_where_it_belongs(store: Store) -> None:
    for name in ("a", "b", "c"):
        _saved(store, name, f"s-{name}")
    _saved(store, "ab", "s-a", merged=("s-b",))  # b is part of a
    _saved(store, "ca", "s-c", merged=("s-a",))  # a (and with it b) is part of c
    assert {store.story_of(x) for x in ("a", "b", "c", "ab", "ca")} == {"s-c"}
    rows = dict(store.db.execute("select id, merged_into from stories").fetchall())
    assert rows == {"s-a": "s-c", "s-b": "s-c", "s-c": None}  # b was repointed, not chained via a
    _saved(store, "bc", "s-c", merged=("s-c",))  # a story is never merged into itself
    assert store.story_of("bc") == "s-c"


def test_migration_repairs_chained_and_looping_merges(tmp_path: Path) -> None:
    store = Store(tmp_path / "loops.db")
    for name in ("a", "b", "c", "d"):
        _saved(store, name, f"s-{name}")
    # what earlier versions could leave behind: a chain d -> c and a loop c -> b -> a -> c
    for story, into in [("s-d", "s-c"), ("s-c", "s-b"), ("s-b", "s-a"), ("s-a", "s-c")]:
        store.db.execute("update stories set merged_into = ? where id = ?", [into, story])
    store.db.execute("delete from _migrations where name = 'm011_story_merges_one_step'")
    store.db.conn.commit()
    store.close()
    store = Store(tmp_path / "loops.db")
    assert store.migrated == ["m011_story_merges_one_step"]
    assert {store.story_of(x) for x in "abcd"} == {"s-a"}  # the loop is cut at its smallest id
    store.close()
