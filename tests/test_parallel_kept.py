"""Kept readings: what the story plugin keeps of each stored article's text reads back as the reading
its text gives, and comparing with kept readings finds what comparing with the texts finds."""

from __future__ import annotations

import pickle
from functools import cached_property
from pathlib import Path

import pytest
from test_parallel import STORIES, fixture_stream

from bot.models import Article
from bot.pipeline import Pipeline
from bot.plugins import collect, make_manager
from bot.records import read_jsonl
from bot.storage import Store
from plugins import stories
from plugins.kept import keep, restore, version
from plugins.similarity import Profile, Reading

TITLE, *PARAS = STORIES[0]
TEXT = "\n\n".join(PARAS)


def worked_out(reading: Reading) -> dict[str, object]:
    """Every property of a reading and its profile, worked out."""
    out: dict[str, object] = {}
    for made in (reading.profile, reading):
        for name, value in vars(type(made)).items():
            if isinstance(value, cached_property):
                out[f"{type(made).__name__}.{name}"] = getattr(made, name)
    return out


def test_a_kept_reading_reads_back_as_the_texts_own() -> None:
    fresh = Reading(Profile(TITLE, TEXT))
    kept = keep(fresh)
    worked_out(fresh)
    back = restore(keep(fresh), TITLE, TEXT)
    assert back is not None
    assert worked_out(back) == worked_out(Reading(Profile(TITLE, TEXT)))
    assert restore(kept, TITLE, TEXT) is not None  # kept before its properties were all worked out


def test_a_reading_kept_by_other_code_or_holding_other_objects_is_not_used() -> None:
    kept = keep(Reading(Profile(TITLE, TEXT)))
    assert restore(b"otherver" + kept[8:], TITLE, TEXT) is None
    assert restore(version() + b"not a pickle", TITLE, TEXT) is None
    hostile = version() + pickle.dumps(({"terms": Path("/")}, {}))  # a class it may not construct
    assert restore(hostile, TITLE, TEXT) is None
    assert restore(None, TITLE, TEXT) is None


def results(tmp_path: Path, name: str, keep_readings: bool) -> list[tuple[object, ...]]:
    """Ingest the fixture stream, forgetting the readings held in memory before every article: each
    comparison reads the stored articles back from the store (kept readings, or their texts)."""
    store = Store(tmp_path / f"{name}.db", window=3650 * 86400)
    pm = make_manager()
    pipeline = Pipeline(store, pm, collect(pm).settings)
    out = []
    for article in read_jsonl(fixture_stream(tmp_path / f"{name}.jsonl"), "wire"):
        store.memos.clear()
        if not keep_readings:
            store.db.execute("delete from article_readings")
        r = pipeline.ingest(article)
        out.append((r.relation, r.story, r.of, round(r.score, 6), r.added, r.merged))
    if keep_readings:  # one per stored article
        assert store.count("article_readings") == store.count("articles")
    store.close()
    return out


def test_comparing_with_kept_readings_finds_what_the_texts_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    restored: list[bool] = []

    def counted(data: bytes | None, title: str, body: str) -> Reading | None:
        found = restore(data, title, body)
        restored.append(found is not None)
        return found

    monkeypatch.setattr(stories, "restore", counted)
    from_kept = results(tmp_path, "kept", keep_readings=True)
    assert sum(restored) >= 10  # the comparisons read the stored articles back from what was kept
    restored.clear()
    assert from_kept == results(tmp_path, "texts", keep_readings=False)
    assert not any(restored)
    assert {r[0] for r in from_kept} >= {"new", "rewrite"}


def test_releasing_quiet_articles_leaves_the_search_index_alone(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    pm = make_manager()
    pipeline = Pipeline(store, pm, collect(pm).settings)
    for article in read_jsonl(fixture_stream(tmp_path / "s.jsonl"), "wire"):
        pipeline.ingest(article, quiet=True)  # a new feed's backlog
    store.index_search()  # the batch that waits for the search index (SEARCH_BATCH) is written now

    def found(word: str) -> set[str]:
        rows = store.db.execute(
            "select id from articles where rowid in "
            "(select rowid from articles_fts where articles_fts match ?)",
            [word],
        ).fetchall()
        return {r[0] for r in rows}

    index = store.db.execute("select count(*), sum(length(block)) from articles_fts_data").fetchone()
    store.release_quiet("wire", ["a0", "a1", "a2"], 3)
    assert store.db.execute("select count(*) from articles where quiet = 0").fetchone()[0] == 3
    assert store.db.execute("select count(*), sum(length(block)) from articles_fts_data").fetchone() == index
    assert "a0" in found("Baltline")
    with store.db.conn:  # a changed text is searched as it now is
        store.db.execute("update articles set text = 'Hovercraft replace the ferries' where id = 'a0'")
    assert "a0" not in found("Baltline") and found("Hovercraft") == {"a0"}
    store.close()


def test_the_main_process_takes_the_workers_word_weights_instead_of_looking_them_up() -> None:
    from plugins import text

    article = Article(
        "w1", "Harbour pilots in Vexlund struck over the zyrtonic dredging plan.", title="Pilots"
    )
    handed = pickle.loads(pickle.dumps(stories.Analysed.of(article)))  # as a worker hands it over
    text._WEIGHTS.clear()  # this process has looked up nothing yet
    text.learn(handed.weights)
    learnt = dict(text._WEIGHTS)
    for w in {*text.words(article.title), *text.words(article.text)}:
        text.weight(w)
    assert learnt and dict(text._WEIGHTS) == learnt  # every word of the article came with it
    text._WEIGHTS.clear()
    assert {w: text.weight(w) for w in learnt} == learnt  # and weighs what a look-up here gives


def test_word_weights_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from plugins import text

    monkeypatch.setattr(text, "LEARNT_LIMIT", 10)
    text._WEIGHTS.clear()
    text.learn({f"w{i}": 1.0 for i in range(8)})
    text.learn({f"x{i}": 2.0 for i in range(5)})  # over the limit: the older ones are dropped
    assert set(text._WEIGHTS) == {f"x{i}" for i in range(5)} and text.weight("x1") == 2.0
    for word in ("harbour", "pilots", "dredging", "plan", "struck", "over"):
        text.weight(word)  # looked up: the limit holds for those too
    assert len(text._WEIGHTS) <= 10
    text._WEIGHTS.clear()


def test_a_words_weight_is_wordfreqs_zipf_value_whichever_way_it_is_looked_up() -> None:
    from wordfreq import iter_wordlist, zipf_frequency

    from plugins import text

    listed = list(iter_wordlist("en"))
    # every 40th word of wordfreq's list (common and rare, letters and not), words it lacks, and words
    # its tokeniser splits, folds or smashes the digits of
    sample = [*listed[::40], "zyrtonic", "vexlund", "qqq", "o'brien", "e-mail", "covid19", "naïve", "Harbour"]
    assert any(not (w.isascii() and w.isalpha()) for w in sample)
    assert [text.zipf(w) for w in sample] == [zipf_frequency(w, "en") for w in sample]
    # both ways read one table: wordfreq builds its 320,000-word dictionary once (0.15 s, 8 MB), not twice
    from wordfreq import get_frequency_dict

    assert get_frequency_dict.cache_info().currsize == 1
