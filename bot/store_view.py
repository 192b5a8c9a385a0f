"""What plugins may read of the store: a small read-only protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.models import KnownArticle, KnownQuote


class StoreView(Protocol):
    """Read-only questions a plugin may ask about what is already stored."""

    def memo(self, name: str) -> dict[str, Any]:
        """Room for what the plugin `name` derives from stored articles, kept while the store is open
        (a cache of its own results: the plugin bounds it and checks that it fits the article)."""
        ...

    def candidates(self, keys: Sequence[str], limit: int) -> list[tuple[KnownArticle, int]]:
        """Stored articles in the time window sharing index keys with these, most shared first."""
        ...

    def story_articles(self, story_id: str, limit: int = 50) -> list[KnownArticle]:
        """The newest `limit` articles of a story, oldest first."""
        ...

    def speaker_names(self, speaker_keys: Sequence[str]) -> list[str]:
        """The stored names of the speakers sharing any of these keys, fullest first (at most 8)."""
        ...

    def known_quotes(self, speaker_keys: Sequence[str], terms: Sequence[str] = ()) -> list[KnownQuote]:
        """Stored quotes, in the time window, by a speaker who shares any of these keys (and, if
        terms are given, one of these index terms)."""
        ...

    def kept_reading(self, article_id: str) -> bytes | None:
        """What the story plugin kept of a stored article's text (StoryMatch.kept), if anything."""
        ...
