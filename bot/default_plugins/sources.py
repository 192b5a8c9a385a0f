"""The built-in source kinds: RSS/Atom feeds (or local files) and listing pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.hookspecs import hookimpl
from bot.registry import SourceKind

if TYPE_CHECKING:
    from bot.config import Feed
    from bot.http import Http
    from bot.registry import Known
    from bot.sources import Fetched


async def fetch(
    feed: Feed, http: Http, etag: str | None = None, modified: str | None = None, known: Known | None = None
) -> Fetched:
    """bot.sources.fetch, imported on the first poll: a command that polls nothing (replay) does not
    load feedparser, trafilatura and httpx."""
    from bot.sources import fetch as fetch_now

    return await fetch_now(feed, http, etag, modified, known)


@hookimpl(tryfirst=True)
def register_sources(register: Callable[[SourceKind], None]) -> None:
    """kind = "feed" (RSS/Atom, or a local file or folder) and kind = "page" (a page of links)."""
    register(SourceKind("feed", fetch, help="an RSS or Atom feed, or a local file or folder"))
    register(SourceKind("page", fetch, remote_only=True, help="a web page whose article links are followed"))
