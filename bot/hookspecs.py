"""The hooks a wirewatch plugin can implement (entry-point group ``wirewatch``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pluggy

from bot.models import Article, Quote, Result, StoryMatch
from bot.store_view import StoreView

hookspec = pluggy.HookspecMarker("wirewatch")
hookimpl = pluggy.HookimplMarker("wirewatch")


@hookspec(firstresult=True)
def wirewatch_match_story(
    article: Article, known: StoreView, settings: Mapping[str, Any]
) -> StoryMatch | None:
    """Decide whether an article is new, a rewrite or related coverage of a stored article."""


@hookspec
def wirewatch_extract_quotes(article: Article, known: StoreView, settings: Mapping[str, Any]) -> list[Quote]:  # type: ignore[empty-body]
    """Return the attributed statements in an article, each marked new or already known."""


@hookspec
def wirewatch_article_stored(result: Result, settings: Mapping[str, Any]) -> None:
    """Be told about an article and its findings once they are committed to the store."""
