"""Item identity in one place: one value says what an incoming article is to the store."""

from __future__ import annotations

from bot.identity import identify
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store

FERRY = (
    "A passenger ferry ran aground off Isla Brava on Sunday night with 212 people on board, the coast "
    "guard said. Passengers were taken to the harbour by fishing boats before midnight."
)
MARKET = (
    "The covered market on Calle Mayor reopens on Saturday after a two-year restoration that kept its "
    "iron roof and replaced every stall, the city said."
)


def test_identity_of_new_same_copied_edited_and_reused_items(pipeline: Pipeline, store: Store) -> None:
    stored = Article(id="f1", title="Ferry aground", text=FERRY, guid="g-1", url="https://news.example/ferry")
    assert identify(store, stored).kind == "new"
    pipeline.ingest(stored)
    assert (identify(store, stored).kind, identify(store, stored).stored_id) == ("same", "f1")
    copy = Article(id="other-7", title="Ferry aground", text=FERRY)
    assert (identify(store, copy).kind, identify(store, copy).stored_id) == ("copy", "f1")
    edited = Article(id="f1", title="Ferry aground", text=FERRY + " Nobody was hurt.", guid="g-1")
    edit = identify(store, edited)
    assert edit.kind == "edit" and edit.stored_id == "f1" and 0 < edit.change < 0.3
    assert edit.stored_text == FERRY
    reused = identify(store, Article(id="f1", title="Market reopens", text=MARKET, guid="g-1"))
    assert reused.kind == "new" and reused.article.id.startswith("f1~") and reused.article.guid is None
    result = pipeline.ingest(edited)
    assert result.duplicate and result.edited == "f1"
    assert identify(store, edited).kind == "same"  # the kept revision is known now


def test_an_edit_that_also_moves_to_https_is_the_same_item(pipeline: Pipeline, store: Store) -> None:
    # a feed without GUIDs: the id comes from the link, which the publisher moved to https as it edited
    pipeline.ingest(Article(id="feed:1", title="Ferry aground", text=FERRY, url="http://news.example/ferry/"))
    moved = Article(
        id="feed:2", title="Ferry aground", text=FERRY + " Nobody was hurt.", url="https://news.example/ferry"
    )
    edit = identify(store, moved)
    assert (edit.kind, edit.stored_id) == ("edit", "feed:1")
    result = pipeline.ingest(moved)
    assert result.duplicate and result.edited == "feed:1"
    back = Article(
        id="feed:3", title="Ferry aground", text=FERRY + " All are safe.", url="http://news.example/ferry"
    )
    assert identify(store, back).stored_id == "feed:1"  # and back again
    assert store.count("articles") == 1
    other = Article(id="feed:4", title="Market", text=MARKET, url="https://news.example/market")
    assert identify(store, other).kind == "new"  # another path is another item
