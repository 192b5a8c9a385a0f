"""The built-in source kinds: RSS/Atom feeds (or local files) and listing pages."""

from __future__ import annotations

from collections.abc import Callable

from bot.hookspecs import hookimpl
from bot.registry import SourceKind
from bot.sources import fetch


@hookimpl(tryfirst=True)
def register_sources(register: Callable[[SourceKind], None]) -> None:
    """kind = "feed" (RSS/Atom, or a local file or folder) and kind = "page" (a page of links)."""
    register(SourceKind("feed", fetch, help="an RSS or Atom feed, or a local file or folder"))
    register(SourceKind("page", fetch, remote_only=True, help="a web page whose article links are followed"))
