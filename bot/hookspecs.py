"""The hooks a wirewatch plugin can implement (entry-point group ``wirewatch``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

from bot.models import Article, Quote, Result, StoryMatch
from bot.registry import DigestSection, Migration, Platform, SourceKind
from bot.store_view import StoreView

if TYPE_CHECKING:
    from bot.commands import Command

hookspec = pluggy.HookspecMarker("wirewatch")
hookimpl = pluggy.HookimplMarker("wirewatch")


@hookspec
def wirewatch_prepare(article: Article, settings: Mapping[str, Any]) -> Mapping[str, object] | None:
    """Analyse the article's text alone (maybe in a worker process): {your name: a picklable value}."""


@hookspec
def wirewatch_warm(settings: Mapping[str, Any]) -> None:
    """Load now what wirewatch_prepare would load on first use (word lists, gazetteers, models)."""


@hookspec(firstresult=True)
def wirewatch_match_story(
    article: Article, known: StoreView, settings: Mapping[str, Any], prepared: Mapping[str, Any]
) -> StoryMatch | None:
    """Decide whether an article is new, a rewrite or related coverage of a stored article."""


@hookspec
def wirewatch_extract_quotes(  # type: ignore[empty-body]
    article: Article, known: StoreView, settings: Mapping[str, Any], prepared: Mapping[str, Any]
) -> list[Quote]:
    """Return the attributed statements in an article, each marked new or already known."""


@hookspec
def wirewatch_article_stored(result: Result, settings: Mapping[str, Any]) -> None:
    """Be told about an article and its findings once they are committed to the store."""


# Registration hooks (the llm shape): called once per bot at start-up; a plugin calls register(...) once
# for each thing it adds. The built-ins are registered the same way (bot/default_plugins/).


@hookspec
def register_commands(register: Callable[[Command], None]) -> None:
    """Register chat commands: register(Command(name, usage, handler, params=..., admin=...))."""


@hookspec
def register_sources(register: Callable[[SourceKind], None]) -> None:
    """Register kinds of feed, keyed by `kind`: register(SourceKind(kind, fetch))."""


@hookspec
def register_platforms(register: Callable[[Platform], None]) -> None:
    """Register chat platforms: register(Platform(name, limits, adapter, settings=..., env=...))."""


@hookspec
def register_digest_sections(register: Callable[[DigestSection], None]) -> None:
    """Register lines added to each story's digest entry: register(DigestSection(name, render))."""


@hookspec
def register_migrations(register: Callable[[Migration], None]) -> None:
    """Register migrations for a plugin's own tables: register(function_of_db), applied once each."""


@hookspec
def register_settings(register: Callable[..., None]) -> None:
    """Declare a plugin's [plugins.<name>] settings: register(name, defaults, limits=None)."""
