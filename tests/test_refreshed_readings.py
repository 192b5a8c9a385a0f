"""Kept readings made by other code (after an upgrade) or missing are made again from the text and
stored with the next article, only for the text they were made from, and the results do not change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_parallel import fixture_stream, replay
from test_parallel_kept import worked_out

from bot.models import Refreshed, Result
from bot.pipeline import Pipeline
from bot.plugins import collect, make_manager
from bot.records import read_jsonl
from bot.storage import Store
from plugins import stories
from plugins.kept import restore, version
from plugins.similarity import Profile, Reading

STALE = b"\0" * 8  # the version of no code


def split_stream(tmp_path: Path) -> list[Path]:
    """The fixture stream's stories in three parts: the first two rounds (stored first), then two
    articles mixing two stories each, then two more (each compared with the stored ones)."""
    lines = fixture_stream(tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    parts = [lines[:8], lines[8:10], lines[10:12]]
    paths = [tmp_path / f"part{i}.jsonl" for i in range(len(parts))]
    for path, part in zip(paths, parts, strict=True):
        path.write_text("".join(part), encoding="utf-8")
    return paths


def copy_store(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def make_stale(db: Path) -> list[str]:
    """Mark every kept reading as made by other code; the ids of the articles they belong to."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select article_id, data from article_readings").fetchall()
        conn.executemany(
            "update article_readings set data = ? where article_id = ?",
            [(STALE + bytes(data[8:]), article_id) for article_id, data in rows],
        )
    conn.close()
    return [r[0] for r in rows]


def readings(db: Path) -> dict[str, tuple[str, str, bytes]]:
    """Each stored article's title, text and kept reading."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select a.id, a.title, a.text, r.data from articles a join article_readings r on r.article_id = a.id"
        ).fetchall()
    conn.close()
    return {i: (title, text, bytes(data)) for i, title, text, data in rows}


def test_stale_readings_are_kept_again_and_the_output_does_not_change(tmp_path: Path) -> None:
    fill, more, last = split_stream(tmp_path)
    filled = tmp_path / "filled.db"
    replay(fill, filled, workers=1)
    current, stale = tmp_path / "current.db", tmp_path / "stale.db"
    copy_store(filled, current)
    copy_store(filled, stale)
    old = make_stale(stale)
    assert len(old) == 8

    out_current, _ = replay(more, current, workers=1)
    out_stale, _ = replay(more, stale, workers=1)
    assert out_stale == out_current
    tied = {line.split('"of": "')[1].split('"')[0] for line in out_current.splitlines() if '"of": "' in line}
    assert tied & set(old)  # the new articles were compared with stored ones (and tied to some)

    kept = readings(stale)
    refreshed = {i for i in old if kept[i][2][:8] == version()}
    assert tied & set(old) <= refreshed  # every stored article they were tied to was read, and kept again
    assert all(kept[i][2][:8] == STALE for i in set(old) - refreshed)  # the others left as they were
    for i in refreshed:  # each kept again reads back as its own text's reading
        title, text, data = kept[i]
        back = restore(data, title, text)
        assert back is not None
        assert worked_out(back) == worked_out(Reading(Profile(title, text)))

    # a new process reads the readings kept again back, and still finds what the unmodified store gives
    out_current, _ = replay(last, current, workers=1)
    out_stale, _ = replay(last, stale, workers=1)
    assert out_stale == out_current and out_current.count("\n") == 2


def ingest_all(pipeline: Pipeline, stream: Path) -> None:
    for article in read_jsonl(stream, "wire"):
        pipeline.ingest(article)


def test_a_reading_is_not_kept_for_a_row_whose_text_has_changed(tmp_path: Path) -> None:
    fill, more, _ = split_stream(tmp_path)
    db = tmp_path / "s.db"
    store = Store(db, window=3650 * 86400)
    pm = make_manager()
    ingest_all(Pipeline(store, pm, collect(pm).settings), fill)
    store.close()
    make_stale(db)
    store = Store(db, window=3650 * 86400)
    article = next(iter(read_jsonl(more, "wire")))
    match = stories.wirewatch_match_story(
        article=article, known=store.view(article.published or ""), settings={}, prepared={}
    )
    assert len(match.refreshed) >= 2
    changed, same = match.refreshed[0], match.refreshed[1]
    assert changed.article_id != article.id and same.article_id != article.id
    # another writer changes one of those rows' text between the comparison and the save
    with sqlite3.connect(db) as other:
        other.execute("update articles set text = text || ' Corrected.' where id = ?", [changed.article_id])
    other.close()
    # a reading said to be made again of the article being stored never replaces its own
    own = Refreshed(article.id, article.title, article.text, version() + b"another")
    store.save(Result(article=article), match.keys, match.fingerprint, match.kept, (*match.refreshed, own))
    store.close()
    kept = readings(db)
    assert kept[changed.article_id][2][:8] == STALE  # not given the reading of the text it no longer has
    assert kept[changed.article_id][1].endswith(" Corrected.")
    assert kept[same.article_id][2] == same.kept  # the row that still has its text is
    assert kept[article.id][2] == match.kept


def count_reading_writes(store: Store, pipeline: Pipeline, stream: Path) -> tuple[list[str], int]:
    """Ingest a stream with the readings in memory forgotten first (each comparison reads the stored
    articles back from the store): the statements that wrote kept readings, and the rows changed."""
    statements: list[str] = []
    store.memos.clear()
    store.db.conn.set_trace_callback(statements.append)
    before = store.db.conn.total_changes
    ingest_all(pipeline, stream)
    changed = store.db.conn.total_changes - before
    store.db.conn.set_trace_callback(None)
    return [s for s in statements if "into article_readings" in s], changed


def test_nothing_more_is_written_when_the_kept_readings_are_current(tmp_path: Path) -> None:
    fill, more, _ = split_stream(tmp_path)
    changes = []
    for name, stale in (("current", False), ("stale", True)):
        db = tmp_path / f"{name}.db"
        store = Store(db, window=3650 * 86400)
        pm = make_manager()
        pipeline = Pipeline(store, pm, collect(pm).settings)
        ingest_all(pipeline, fill)
        if stale:
            store.close()
            make_stale(db)
            store = Store(db, window=3650 * 86400)
            pipeline = Pipeline(store, pm, collect(pm).settings)
        before = readings(db)
        writes, changed = count_reading_writes(store, pipeline, more)
        store.close()
        after = readings(db)
        new = set(after) - set(before)
        assert len(new) == 2
        rewritten = {i for i in before if after[i] != before[i]}
        if stale:
            assert rewritten and len(writes) == len(new) + len(rewritten)
        else:  # one statement per article, its own reading; no stored article's rewritten
            assert len(writes) == len(new) and not rewritten
        changes.append(changed)
    assert changes[1] > changes[0]


def test_a_kept_reading_turned_to_text_is_made_again(tmp_path: Path) -> None:
    fill, more, _ = split_stream(tmp_path)
    filled, current, spoilt = tmp_path / "filled.db", tmp_path / "current.db", tmp_path / "spoilt.db"
    replay(fill, filled, workers=1)
    copy_store(filled, current)
    copy_store(filled, spoilt)
    with sqlite3.connect(spoilt) as conn:  # a blob joined to a blob with || is text
        conn.execute("update article_readings set data = X'0000000000000000' || substr(data, 9)")
    conn.close()
    out_current, _ = replay(more, current, workers=1)
    out_spoilt, _ = replay(more, spoilt, workers=1)
    assert out_spoilt == out_current and '"relation": "rewrite"' in out_current
    with sqlite3.connect(spoilt) as conn:
        kinds = dict(
            conn.execute("select typeof(data), count(*) from article_readings group by 1").fetchall()
        )
    conn.close()
    assert kinds["blob"] > 2 and kinds["text"] < 8  # the articles compared with are kept again, as bytes
