"""A third-party wirewatch plugin, as a separate package would ship it: a chat command, a kind of
feed, a digest line, a table of its own and a settings table."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.commands import Command, Context, Param, Request
from bot.config import Feed
from bot.digest import StoryDigest
from bot.hookspecs import hookimpl
from bot.http import Http
from bot.messages import Block, Message
from bot.registry import DigestSection, Known, SourceKind
from bot.sources import Fetched, article_from_record


async def fetch_notes(
    feed: Feed, http: Http, etag: str | None, modified: str | None, known: Known | None
) -> Fetched:
    """kind = "notes": a local JSON file holding a list of articles."""
    records = json.loads(Path(feed.url).read_text(encoding="utf-8"))
    return Fetched([article_from_record(r, feed.name, f"{feed.name}-{i}") for i, r in enumerate(records)])


def outlets(request: Request, ctx: Context) -> Message:
    """/wirewatch outlets STORY: how many outlets carried a story; counts who asked in its own table."""
    story = request.args[0]
    n = ctx.store.db.execute(
        "select count(distinct source) from articles where story_id = ?", [story]
    ).fetchone()[0]
    ctx.store.db.table("extra_asks").insert({"story": story, "user": request.user})
    return Message((Block("text", f"{story} was carried by {n} outlets"),), f"{n} outlets")


def carried(story: StoryDigest) -> list[Block]:
    """A line under each story of the digest."""
    return [Block("context", f"carried by {story.outlets} outlet{'s' * (story.outlets != 1)}")]


def m_extra_asks(db: sqlite_utils.Database) -> None:
    """The plugin's own table."""
    db.table("extra_asks").create({"story": str, "user": str})


@hookimpl
def register_commands(register: Callable[[Command], None]) -> None:
    register(
        Command("outlets", "outlets STORY", outlets, "Outlets of a story", (Param("story", required=True),))
    )


@hookimpl
def register_sources(register: Callable[[SourceKind], None]) -> None:
    register(SourceKind("notes", fetch_notes, help="a JSON file of articles"))


@hookimpl
def register_digest_sections(register: Callable[[DigestSection], None]) -> None:
    register(DigestSection("carried", carried))


@hookimpl
def register_migrations(register: Callable[[Callable[[sqlite_utils.Database], None]], None]) -> None:
    register(m_extra_asks)


@hookimpl
def register_settings(register: Callable[[str, Mapping[str, Any]], None]) -> None:
    register("extra", {"label": "extra", "limit": 3})
