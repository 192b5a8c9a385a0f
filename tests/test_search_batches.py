"""The search index is written for a batch of new articles at once, and a search still finds them all."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import queries
from bot.models import Article, Result
from bot.storage import SEARCH_BATCH, Store

SINCE = "2000-01-01T00:00:00Z"
ROOT = Path(__file__).resolve().parent.parent


def save(store: Store, n: int, word: str = "ferry") -> None:
    """Store article n, its own story, with one searchable word."""
    article = Article(f"a{n}", f"The {word} number {n} sailed.", title=f"Item {n}", source="Wire")
    store.save(Result(article, story=f"s-a{n}"), keys=[])


def indexed(store: Store, word: str) -> set[str]:
    """Articles the search index itself has for a word (no catching up first)."""
    rows = store.db.execute(
        "select id from articles where rowid in (select rowid from articles_fts where articles_fts match ?)",
        [word],
    ).fetchall()
    return {r[0] for r in rows}


def pending(store: Store) -> int:
    return int(store.db.execute("select count(*) from search_pending").fetchone()[0])


def test_articles_join_the_index_a_batch_at_a_time_and_a_search_finds_the_rest(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    for n in range(SEARCH_BATCH + 3):
        save(store, n)
    # the first batch was written at once, the three after it wait
    assert len(indexed(store, "ferry")) == SEARCH_BATCH and pending(store) == 3
    found = queries.stories_since(store.db, SINCE, "ferry", limit=1000)
    assert {r["story"] for r in found} == {f"s-a{n}" for n in range(SEARCH_BATCH + 3)}
    assert pending(store) == 0 and len(indexed(store, "ferry")) == SEARCH_BATCH + 3
    store.close()


def test_closing_the_store_indexes_what_waits(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    save(store, 1)
    store.close()
    again = Store(tmp_path / "s.db")
    assert indexed(again, "ferry") == {"a1"} and pending(again) == 0
    again.close()


def test_a_crash_before_the_batch_loses_nothing_from_search(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    code = (
        "import os, sys; sys.path[:0] = [{root!r}, {tests!r}]; from bot.storage import Store; "
        "from test_search_batches import save; save(Store({path!r}), 1); os._exit(9)"
    ).format(root=str(ROOT), tests=str(ROOT / "tests"), path=str(path))
    killed = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert killed.returncode == 9  # ended without closing the store: the batch was never written
    again = Store(path)
    assert pending(again) == 1 and not indexed(again, "ferry")
    assert [r["story"] for r in queries.stories_since(again.db, SINCE, "ferry")] == ["s-a1"]
    again.close()


def test_an_edit_or_deletion_of_a_waiting_article_leaves_the_index_sound(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    save(store, 1)
    save(store, 2)
    save(store, 3)
    with store.db.conn:  # waiting: the batch takes the text as it then is
        store.db.execute("update articles set text = 'Hovercraft replace them' where id = 'a1'")
        store.db.execute("delete from articles where id = 'a2'")
    store.index_search()
    assert indexed(store, "hovercraft") == {"a1"} and indexed(store, "ferry") == {"a3"}
    with store.db.conn:  # indexed: the triggers rewrite and remove its entries
        store.db.execute("update articles set text = 'A catamaran now' where id = 'a1'")
        store.db.execute("delete from articles where id = 'a3'")
    assert indexed(store, "catamaran") == {"a1"} and not indexed(store, "hovercraft")
    assert not indexed(store, "ferry")
    # an index out of step with its content would fail this check ("database disk image is malformed")
    store.db.execute("insert into articles_fts (articles_fts, rank) values ('integrity-check', 1)")
    store.close()


def test_a_store_made_before_batches_keeps_its_index(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store(path)
    save(store, 1)
    store.close()
    conn = sqlite3.connect(path)  # undo the batches' migration: the store as older code left it
    conn.execute("delete from _migrations where name = 'm021_search_index_in_batches'")
    conn.execute("drop table search_pending")
    conn.commit()
    conn.close()
    again = Store(path)
    assert again.migrated == ["m021_search_index_in_batches"]
    assert indexed(again, "ferry") == {"a1"} and pending(again) == 0
    save(again, 2)
    assert pending(again) == 1
    again.close()


def test_a_search_while_another_process_writes_answers_with_what_is_indexed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.db"
    store = Store(path)
    save(store, 1)
    store.index_search()
    save(store, 2)  # waits for the next batch
    store.db.execute("pragma busy_timeout = 50")
    other = sqlite3.connect(path)
    other.execute("begin immediate")  # another process holds the write lock
    with caplog.at_level(logging.WARNING, logger="bot.queries"):
        found = queries.stories_since(store.db, SINCE, "ferry")
    assert [r["story"] for r in found] == ["s-a1"]
    assert [r.getMessage() for r in caplog.records] == [
        "the search index was not brought up to date before a search: database is locked"
    ]
    other.rollback()
    other.close()
    assert {r["story"] for r in queries.stories_since(store.db, SINCE, "ferry")} == {"s-a1", "s-a2"}
    store.close()
