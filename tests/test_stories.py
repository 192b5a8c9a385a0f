"""Story matching: rewrites, related coverage, stories that only share names, time, merges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.stories import (
    APART_TAKE,
    BRIDGE,
    CHAIN,
    EXTENDED,
    FROM_APART_TAKE,
    FROM_EXTENDED,
    FROM_TAKES,
    PARTIAL,
    QUAKE_ONE,
    QUAKE_TWO,
    RELATED,
    SAME_NAMES,
    STRANDED,
    STRIKE,
    TAKE_TWO,
    TRANSLATED,
    TRIMMED,
    WEEK_LATER,
    WIRE,
)

from bot.adapters.memory import MemoryAdapter
from bot.cards import card_of, coverage
from bot.commands import Context, answer
from bot.config import Channel
from bot.delivery import deliver, queue_digest
from bot.models import Article, Result
from bot.pipeline import Pipeline
from bot.storage import Store
from plugins.similarity import STORY_TEXTS, Fingerprint, Profile, same_event, same_topic
from plugins.stories import derivable_texts

DAY0 = "2026-03-07T20:00:00Z"


def ingest(pipeline: Pipeline, article_id: str, text: str, published: str = DAY0, title: str = "") -> Result:
    return pipeline.ingest(
        Article(id=article_id, text=text, title=title, source=article_id, published=published)
    )


def wire(pipeline: Pipeline) -> Result:
    return ingest(pipeline, "wire", WIRE, title="Kesra volcano erupts, 3,000 evacuated")


def test_rewrite_with_added_paragraphs_says_what_is_new(pipeline: Pipeline) -> None:
    first = wire(pipeline)
    result = ingest(pipeline, "extended", EXTENDED)
    assert (result.relation, result.of, result.story) == ("rewrite", "wire", first.story)
    assert len(result.added) == 2
    assert result.added[0].startswith("Interior minister Pavel Santos flew over the crater")
    assert "No family will pay" in result.added[1]
    assert 0.5 <= result.score <= 1.0


def test_translated_style_rewording_is_a_rewrite(pipeline: Pipeline) -> None:
    first = wire(pipeline)
    result = ingest(pipeline, "translated", TRANSLATED)
    assert (result.relation, result.of, result.story) == ("rewrite", "wire", first.story)
    assert result.added == ()


def test_trimmed_copy_is_a_rewrite(pipeline: Pipeline) -> None:
    first = wire(pipeline)
    result = ingest(pipeline, "trimmed", TRIMMED)
    assert (result.relation, result.of, result.story) == ("rewrite", "wire", first.story)


def test_independent_coverage_is_related_not_a_rewrite(pipeline: Pipeline) -> None:
    first = wire(pipeline)
    result = ingest(pipeline, "related", RELATED)
    assert (result.relation, result.of, result.story) == ("related", "wire", first.story)
    assert any("Rosa Quiroga" in s for s in result.added)  # all of it is new to the story
    assert 0.5 < result.score < 1.0


def test_stories_that_share_names_stay_apart(pipeline: Pipeline) -> None:
    first = wire(pipeline)
    result = ingest(pipeline, "hospital", SAME_NAMES, published="2026-03-09T10:00:00Z")
    assert result.relation == "new"
    assert result.story != first.story
    assert 0.0 < result.score < 0.5  # one scale for all relations: below 0.5 is a new story


def test_the_same_story_a_week_later_and_outside_the_window(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.db", window=14 * 86400)
    from bot.plugins import make_manager

    pipeline = Pipeline(store, make_manager(), {})
    first = wire(pipeline)
    week = ingest(pipeline, "week", WEEK_LATER, published="2026-03-14T09:00:00Z")
    # same story; whether it is called related or a rewrite is the derivation model's call (a short
    # follow-up that keeps some of the wire's phrases), not what this test is about
    assert week.relation != "new" and week.story == first.story
    months = ingest(
        pipeline,
        "months",
        WEEK_LATER.replace("a week after", "two months after"),
        published="2026-05-20T09:00:00Z",
    )
    assert months.relation == "new"  # everything it could join is outside the 14-day window


def test_two_stories_that_turn_out_to_be_one_are_merged(pipeline: Pipeline, store: Store) -> None:
    strike = ingest(pipeline, "strike", STRIKE)
    stranded = ingest(pipeline, "stranded", STRANDED)
    assert stranded.relation == "new" and stranded.story != strike.story
    bridge = ingest(pipeline, "bridge", BRIDGE)
    assert bridge.relation == "related"
    assert {store.story_of(a) for a in ("strike", "stranded", "bridge")} == {bridge.story}
    adapter = MemoryAdapter()
    queue_digest(store, Channel("console", "desk"), until="9999-01-01T00:00:00+00:00")
    deliver(store, {"console": adapter})
    text = adapter.sent[0][1].as_text()
    assert "WIREWATCH DIGEST: 1 STORY" in text  # the digest shows one story


def test_a_roundup_of_several_stories_does_not_merge_them(pipeline: Pipeline, store: Store) -> None:
    stories = [wire(pipeline), ingest(pipeline, "strike", STRIKE), ingest(pipeline, "stranded", STRANDED)]
    assert len({s.story for s in stories}) == 3
    # a news briefing that copies the three stories: tied to each, it is no proof that they are one
    roundup = ingest(pipeline, "briefing", "\n\n".join([WIRE, STRIKE, STRANDED]))
    assert roundup.relation == "rewrite" and roundup.story in {s.story for s in stories}
    assert roundup.merged == ()
    assert len({store.story_of(a) for a in ("wire", "strike", "stranded")}) == 3


def test_a_fingerprint_read_back_compares_as_it_was_written() -> None:
    written = Fingerprint.of(Profile("Kesra volcano erupts", WIRE))
    back = Fingerprint.from_stored(written.to_bytes())
    assert (back.sketch, back.size) == (written.sketch, written.size) and back.sketch
    for mine, theirs in ((back.entities, written.entities), (back.terms, written.terms)):
        assert mine.keys() == theirs.keys() and mine
        assert all(abs(mine[w] - theirs[w]) < 1e-6 for w in mine)
    other = Profile("", RELATED)
    assert same_event(other, back) == pytest.approx(same_event(other, written), abs=1e-6)
    assert same_topic(other, back) == pytest.approx(same_topic(other, written), abs=1e-6)
    # the JSON form of earlier versions is still read
    older = {"w": json.dumps(written.terms), "e": written.entities, "t": written.topic}
    older |= {"n": written.size, "m": [f"{h:x}" for h in written.sketch]}
    assert Fingerprint.from_stored(json.dumps(older)) == written


def test_the_same_stream_gives_the_same_result(tmp_path: Path) -> None:
    from bot.plugins import make_manager

    stream = [("wire", WIRE), ("related", RELATED), ("extended", EXTENDED), ("hospital", SAME_NAMES)]
    stream += [("partial", PARTIAL), ("trimmed", TRIMMED)]
    runs = []
    for n in range(2):
        out = []
        store = Store(tmp_path / f"d{n}.db")
        for name, text in stream:
            out.append(ingest(Pipeline(store, make_manager(), {}), name, text).as_json())
            if n == 1:
                # the second run reopens the store after every article: nothing the stories plugin
                # kept of the stored articles' texts survives, and the results must not change
                store.close()
                store = Store(tmp_path / f"d{n}.db")
        runs.append(out)
        store.close()
    assert runs[0] == runs[1]
    assert any(r["relation"] == "rewrite" for r in runs[0]) and any(r["relation"] == "new" for r in runs[0])


def test_a_kept_reading_serves_only_the_text_it_was_made_from() -> None:
    from bot.models import KnownArticle
    from plugins.stories import Readings

    kept = Readings(size=2)
    wire_article = KnownArticle("a", "Kesra erupts", WIRE, "s", "story")
    first = kept.get(wire_article)
    assert kept.get(KnownArticle("a", "Kesra erupts", WIRE, "s", "story")) is first
    edited = kept.get(KnownArticle("a", "Kesra erupts", TRIMMED, "s", "story"))
    assert edited is not first and edited.profile.text == TRIMMED
    kept.get(KnownArticle("b", "", RELATED, "s", "story"))
    kept.get(KnownArticle("c", "", STRIKE, "s", "story"))
    assert len(kept.kept) == 2 and "a" not in kept.kept  # the least recently used goes first


def test_partially_derived_text_is_a_rewrite_and_its_own_reporting_is_what_is_new(
    pipeline: Pipeline,
) -> None:
    first = wire(pipeline)
    result = ingest(pipeline, "partial", PARTIAL, published="2026-03-08T06:00:00Z")
    assert (result.relation, result.of, result.story) == ("rewrite", "wire", first.story)
    assert len(result.added) == 4  # the three paragraphs of its own, in four sentences
    assert result.added[0].startswith("In the school gym of Sant Joan")
    assert not any("Kesra volcano erupted" in s or "airport operator" in s for s in result.added)


def test_text_taken_from_several_wire_takes_is_a_rewrite_of_the_story(pipeline: Pipeline) -> None:
    first = wire(pipeline)
    take = ingest(pipeline, "take-2", TAKE_TWO, published="2026-03-07T22:00:00Z")
    result = ingest(pipeline, "paper", FROM_TAKES, published="2026-03-08T06:00:00Z")
    assert take.story == first.story
    assert (result.relation, result.story) == ("rewrite", first.story)
    assert result.of in ("wire", "take-2")
    assert len(result.added) == 2 and "Dario Fenn" in result.added[0]


def test_text_taken_from_a_take_the_grouping_kept_apart_is_still_a_rewrite(pipeline: Pipeline) -> None:
    first = wire(pipeline)
    take = ingest(pipeline, "take-apart", APART_TAKE, published="2026-03-07T23:00:00Z")
    result = ingest(pipeline, "paper", FROM_APART_TAKE, published="2026-03-08T06:00:00Z")
    assert take.story != first.story  # what this is about: the take is a story of its own
    assert (result.relation, result.story, result.of) == ("rewrite", first.story, "wire")
    # what is new: its own lead and its last two paragraphs, not the two it took from the take
    assert len(result.added) == 3
    assert not any(s.startswith(("Seismologists", "The council's")) for s in result.added)


def test_the_wire_copy_is_what_a_paper_derives_from_however_many_papers_of_the_morning_came_since(
    pipeline: Pipeline,
) -> None:
    first = wire(pipeline)
    morning = "2026-03-08T06:00:00Z"
    for n in range(STORY_TEXTS + 2):  # more papers of the morning than the story texts compared
        paper = ingest(pipeline, f"paper-{n}", f"{RELATED}\n\nReporting by desk {n}.", published=morning)
        assert (paper.relation, paper.story) == ("related", first.story)
    result = ingest(pipeline, "partial", PARTIAL, published=morning)
    assert (result.relation, result.of, result.story) == ("rewrite", "wire", first.story)


def test_a_paper_of_the_same_morning_is_not_what_another_derives_from(pipeline: Pipeline) -> None:
    wire(pipeline)
    morning = "2026-03-08T06:00:00Z"
    ingest(pipeline, "paper-1", EXTENDED, published=morning)
    result = ingest(pipeline, "paper-2", FROM_EXTENDED, published=morning)
    assert (result.relation, result.of) == ("rewrite", "wire")  # not paper-1, published no earlier


def test_the_texts_a_paper_may_derive_from_are_the_newest_published_before_it() -> None:
    # three wire takes, then more papers of the next morning than the texts taken together
    assert derivable_texts([True] * 3 + [False] * (STORY_TEXTS + 2)) == [0, 1, 2]
    assert derivable_texts([True] * (STORY_TEXTS + 4)) == list(range(4, STORY_TEXTS + 4))
    assert derivable_texts([False] * 3) == [0, 1, 2]  # none published before: the story's newest


def test_two_earthquakes_in_different_countries_a_day_apart_are_two_stories(pipeline: Pipeline) -> None:
    one = ingest(pipeline, "quake-1", QUAKE_ONE, published="2026-03-10T08:00:00Z")
    two = ingest(pipeline, "quake-2", QUAKE_TWO, published="2026-03-11T09:00:00Z")
    assert two.relation == "new" and two.story != one.story
    assert two.score < 0.5


def test_a_chain_of_weak_links_does_not_make_one_story_of_its_ends(pipeline: Pipeline, store: Store) -> None:
    days = ["2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z", "2026-03-05T09:00:00Z"]
    for n, (text, day) in enumerate(zip(CHAIN, days, strict=True)):
        ingest(pipeline, f"link-{n}", text, published=day)
    assert store.story_of("link-0") != store.story_of("link-3")


def test_the_first_article_of_a_story_is_the_earliest_published_even_when_ingested_last(
    pipeline: Pipeline, store: Store
) -> None:
    late = ingest(pipeline, "extended", EXTENDED, published="2026-03-08T10:00:00Z")
    assert late.relation == "new"
    early = ingest(
        pipeline,
        "wire",
        WIRE,
        published="2026-03-07T20:00:00Z",
        title="Kesra volcano erupts, 3,000 evacuated",
    )
    assert early.story == late.story
    # published before the only other text: a rewrite of nothing (the later text may derive from it)
    assert early.relation == "related"
    # and the text stored before it, which took its paragraphs, is now stored as its rewrite
    assert early.rewritten_by == ("extended",)
    row = store.db.execute("select relation, of_id from articles where id = 'extended'").fetchone()
    assert tuple(row) == ("rewrite", "wire")
    story = store.db.table("stories").get(late.story)
    assert story["first_article"] == "wire"
    assert story["headline"] == "Kesra volcano erupts, 3,000 evacuated"
    adapter = MemoryAdapter()
    queue_digest(store, Channel("console", "desk"), until="9999-01-01T00:00:00+00:00")
    deliver(store, {"console": adapter})
    posted = adapter.sent[0][1].as_text()
    assert "Kesra volcano erupts, 3,000 evacuated" in posted
    assert "first: wire" in posted and "rewritten by 1: extended" in posted
    assert "related:" not in posted  # the first is not also listed as related coverage of itself
    # nor anywhere else the story's coverage is counted or listed
    assert coverage(card_of(store, late.story)) == "1 original · 1 rewrite · 0 related"
    listing = answer(f"coverage {late.story}", Context(store))[0].as_text()
    assert "wire · first: Kesra volcano erupts" in listing and "extended · rewrite" in listing
    stories = answer("stories --all", Context(store))[0].as_text()
    assert "2 articles · 1 rewrite · 0 related" in stories, stories


def test_the_earliest_published_is_first_whatever_offsets_the_dates_carry(
    pipeline: Pipeline, store: Store
) -> None:
    """02:30 at +03:00 is 23:30 the day before in UTC: earlier than 01:00Z, though later as text."""
    late = ingest(pipeline, "extended", EXTENDED, published="2026-03-08T01:00:00Z")
    early = ingest(pipeline, "wire", WIRE, published="2026-03-08T02:30:00+03:00", title="Kesra erupts")
    assert early.story == late.story and early.relation == "related"
    story = store.db.table("stories").get(late.story)
    assert (story["first_article"], story["headline"]) == ("wire", "Kesra erupts")
    stored = dict(store.db.execute("select id, at from articles").fetchall())
    assert stored == {"wire": "2026-03-07T23:30:00Z", "extended": "2026-03-08T01:00:00Z"}
    published = store.db.execute("select published from articles where id = 'wire'").fetchone()[0]
    assert published == "2026-03-08T02:30:00+03:00"  # as the source wrote it, for display


def test_a_story_does_not_outgrow_the_window(tmp_path: Path) -> None:
    from bot.plugins import make_manager

    store = Store(tmp_path / "w.db", window=14 * 86400)
    pipeline = Pipeline(store, make_manager(), {})
    first = wire(pipeline)  # day 0
    days = ["2026-03-13T09:00:00Z", "2026-03-19T09:00:00Z", "2026-03-25T09:00:00Z"]
    later = [
        ingest(
            pipeline, f"follow-{n}", f"{EXTENDED}\n\nUpdate number {n + 1} from the shelters.", published=day
        )
        for n, day in enumerate(days)
    ]
    # each follow-up matches the one before it, but the last is 18 days after the story began
    assert later[0].story == first.story
    assert later[-1].story != first.story
    store.close()


def test_a_late_original_does_not_take_a_rewrite_from_its_source(pipeline: Pipeline, store: Store) -> None:
    ingest(pipeline, "extended", EXTENDED, published="2026-03-08T10:00:00Z")
    copy = ingest(pipeline, "from-extended", FROM_EXTENDED, published="2026-03-08T12:00:00Z")
    assert (copy.relation, copy.of) == ("rewrite", "extended")
    ingest(pipeline, "wire", WIRE, published="2026-03-07T20:00:00Z")
    rows = dict(store.db.execute("select id, of_id from articles where relation = 'rewrite'").fetchall())
    assert rows["extended"] == "wire"  # the story's former first took the late original's text
    assert rows["from-extended"] == "extended"  # already a rewrite: it keeps the source it was given


def test_the_cover_is_the_share_of_words_in_a_run_one_of_the_story_texts_has() -> None:
    from plugins.similarity import COVER, Reading, cover_features

    def by_hand(new: Reading, members: list[Reading], n: int) -> float:
        marks = [False] * len(new.tokens)
        for i in range(len(new.tokens) - n + 1):
            if any(tuple(new.tokens[i : i + n]) in m.runs(n) for m in members):
                marks[i : i + n] = [True] * n
        return sum(marks) / len(new.tokens)

    texts = [WIRE, TRIMMED, RELATED, STRIKE, PARTIAL, TAKE_TWO, FROM_TAKES]
    readings = [Reading(Profile("", t)) for t in texts]
    for new in readings:
        for members in ([readings[0]], [readings[1], readings[5]], readings[2:5], [new]):
            got = cover_features(new, members)
            assert got[:3] == [by_hand(new, members, n) for n in COVER]
    # the sum of its parts: text from two takes is covered by both more than by either
    paper, takes = readings[6], [readings[0], readings[5]]
    both, first, second = (cover_features(paper, m)[0] for m in (takes, takes[:1], takes[1:]))
    assert both > max(first, second) > 0
