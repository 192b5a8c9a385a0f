"""Keyword semantics, the same for digest filters, `subscribe keyword` and alert rules."""

from __future__ import annotations

import pytest

from bot.config import Channel, ConfigError, parse_config
from bot.digest import compose
from bot.keywords import KeywordError, parse, problem
from bot.models import Article
from bot.pipeline import Pipeline
from bot.storage import Store


@pytest.mark.parametrize(
    ("entries", "text", "expected"),
    [
        (["dam"], "A new dam on the river", True),
        (["dam"], "Flooding in Amsterdam", False),
        (["dam"], "Dams burst", False),
        (["dam*"], "Dams burst", True),
        (["DAM"], "the dam.", True),
        (["climate change"], "Climate   change talks", True),
        (["climate change"], "the climate will change", False),
        (['"sea level" rise'], "rise of the sea level", True),
        (['"sea level" rise'], "sea level falls", False),
        (["“sea level”"], "Sea level", True),
        (["flood", "-sport"], "flood hits sport stadium", False),
        (["flood", "-sport"], "flood in the valley", True),
        (["-sport"], "markets fall", True),
        (["-sport"], "sport results", False),
        (['-"world cup"', "goal"], "a goal at the world cup", False),
        (["ministry", "port"], "the port reopened", True),
        (["Zürich"], "in zürich today", True),
    ],
)
def test_words_phrases_and_exclusions(entries: list[str], text: str, expected: bool) -> None:
    assert parse(entries).matches(text) is expected


def test_an_unclosed_quote_is_one_clear_problem() -> None:
    assert problem('"sea level') == "'\"sea level' has a quote that is not closed"
    with pytest.raises(KeywordError):
        parse(['"sea level'])
    assert not parse(['"sea level'], strict=False)  # left out, not raised, where stored before
    with pytest.raises(ConfigError, match=r"channels\[0\]\.keywords.*not closed"):
        parse_config(
            {
                "storage": {"path": ":memory:"},
                "channels": [{"platform": "console", "id": "x", "keywords": ['"a']}],
            }
        )


def test_digest_filters_use_word_boundaries(store: Store, pipeline: Pipeline) -> None:
    pipeline.ingest(
        Article(
            "a1", "Heavy rain fell over Amsterdam all week long, flooding streets.", "Amsterdam rain", "Wire"
        )
    )
    pipeline.ingest(
        Article(
            "a2",
            "Engineers opened the dam gates on the river after days of rain.",
            "River dam opened",
            "Post",
        )
    )
    digest = compose(store, Channel("console", "c", keywords=("dam",)), "", "9999")
    assert [s.headline for s in digest.stories] == ["River dam opened"]
