"""Plugin manager: entry points, misspelled hooks, isolation of a failing plugin, docs in step."""

from __future__ import annotations

import inspect
import logging
import re
from pathlib import Path

import pytest

from bot import hookspecs
from bot.hookspecs import hookimpl
from bot.models import Article, Quote, StoryMatch
from bot.pipeline import Pipeline
from bot.plugins import PluginError, make_manager, plugin_names
from bot.storage import Store

DOCS = Path(__file__).resolve().parent.parent / "docs" / "hooks.md"


def test_builtin_plugins_come_from_entry_points() -> None:
    names = plugin_names(make_manager())
    assert {"stories", "quotes"} <= set(names)
    assert plugin_names(make_manager(load_entry_points=False)) == []  # only the core's default plugins


def test_misspelled_hook_fails_at_startup() -> None:
    class Typo:
        @hookimpl
        def wirewatch_extract_quote(self, article: Article) -> list[Quote]:
            return []

    with pytest.raises(PluginError, match="plugin Typo: 'wirewatch_extract_quote' is not a wirewatch hook"):
        make_manager(load_entry_points=False, extra=(Typo(),))


def test_each_bot_has_its_own_manager() -> None:
    class Extra:
        @hookimpl
        def wirewatch_article_stored(self, result: object, settings: object) -> None:
            return None

    one = make_manager(extra=(Extra(),))
    two = make_manager()
    assert len(one.get_plugins()) == len(two.get_plugins()) + 1


class Boom:
    """A plugin that always raises."""

    @hookimpl
    def wirewatch_extract_quotes(self, article: Article, known: object, settings: object) -> list[Quote]:
        raise RuntimeError("plugin bug")

    @hookimpl(tryfirst=True)
    def wirewatch_match_story(self, article: Article, known: object, settings: object) -> StoryMatch:
        raise RuntimeError("plugin bug")


class Recorder:
    """A plugin that records which articles it saw after they were stored."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def wirewatch_article_stored(self, result: object, settings: object) -> None:
        self.seen.append(result.article.id)  # type: ignore[attr-defined]


def test_a_raising_plugin_is_isolated(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    pm = make_manager(extra=(Boom(), recorder))
    pipeline = Pipeline(store, pm, {})
    text = "“We will build the bridge by spring, whatever it costs,” Mayor Ana Lopez said on Monday."
    with caplog.at_level(logging.ERROR):
        result = pipeline.ingest(Article(id="art-42", text=text, title="Bridge"))
    assert store.count("articles") == 1  # the article is still stored
    assert recorder.seen == ["art-42"]  # and the later plugins still ran
    assert result.relation == "new" and result.story  # the built-in story plugin answered instead
    assert [q.speaker for q in result.quotes] == ["Ana Lopez"]  # the quotes plugin still ran
    messages = [r.getMessage() for r in caplog.records]
    assert any("art-42" in m and "wirewatch_extract_quotes" in m for m in messages)
    assert any("art-42" in m and "wirewatch_match_story" in m for m in messages)


def test_every_hook_is_documented_with_its_signature() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    specs = [name for name in dir(hookspecs) if name.startswith("wirewatch_")]
    assert specs, "no hookspecs found"
    for name in specs:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"## {name}({params})" in docs, f"{name}({params}) is not documented in docs/hooks.md"
    documented = set(re.findall(r"^## (wirewatch_\w+)\(", docs, re.M))
    assert documented == set(specs), "docs/hooks.md documents hooks that do not exist"


def test_every_hookspec_has_a_docstring() -> None:
    for name in dir(hookspecs):
        if name.startswith("wirewatch_"):
            assert (getattr(hookspecs, name).__doc__ or "").strip()
