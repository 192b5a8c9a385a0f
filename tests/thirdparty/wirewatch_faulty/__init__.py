"""A third-party plugin with the bugs plugin authors make, each switched on by a word in the
WIREWATCH_FAULTY environment variable: what it breaks must stay its own."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import sqlite_utils

from bot.adapters.limits import Limits
from bot.commands import Command, Context, Request
from bot.config import Feed
from bot.digest import StoryDigest
from bot.hookspecs import hookimpl
from bot.http import Http
from bot.messages import Block, Message
from bot.models import Article
from bot.registry import DigestSection, Known, Platform, SourceKind
from bot.sources import Fetched

FAULTS = set(os.environ.get("WIREWATCH_FAULTY", "").split(","))
if "print" in FAULTS:
    print("faulty: loaded")  # a plugin that talks on stdout, at import


def crash(request: Request, ctx: Context) -> Message:
    """/wirewatch crash: a handler with a bug."""
    raise KeyError("no such thing")


def wrong(request: Request, ctx: Context) -> Message:
    """/wirewatch wrong: a handler that answers with a string instead of a Message."""
    return "not a message"  # type: ignore[return-value]


async def fetch_list(
    feed: Feed, http: Http, etag: str | None, modified: str | None, known: Known | None
) -> Fetched:
    """kind = "listed": returns a list of articles instead of a Fetched."""
    return [Article(id="listed-1", title="A list", text="Not a Fetched.")]  # type: ignore[return-value]


async def fetch_raising(
    feed: Feed, http: Http, etag: str | None, modified: str | None, known: Known | None
) -> Fetched:
    """kind = "raising": a fetch with a bug."""
    raise OSError("fetch bug")


def broken_line(story: StoryDigest) -> list[Block]:
    """A digest section with a bug."""
    raise ZeroDivisionError("section bug")


def text_line(story: StoryDigest) -> list[Block]:
    """A digest section that returns text instead of blocks."""
    return "plain text"  # type: ignore[return-value]


class Printer:
    """An outbound adapter written from the docs' first example: no find, a send without key."""

    platform = "printer"

    def send(self, channel_id: str, message: Message) -> str | None:
        print("PRINTER", channel_id, message.fallback)
        return None


class Crasher:
    """An outbound adapter whose send has a bug."""

    platform = "crasher"

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        raise RuntimeError("adapter bug")

    def find(self, channel_id: str, message: Message, key: str, since: float) -> str | None:
        return None


def faulty_001_half(db: sqlite_utils.Database) -> None:
    """A migration that fails halfway."""
    db.execute("create table faulty_first (x)")
    raise RuntimeError("migration bug")


def m_extra_asks(db: sqlite_utils.Database) -> None:
    """A migration named like another plugin's."""
    db.execute("create table faulty_asks (x)")


@hookimpl
def register_commands(register: Callable[[Command], None]) -> None:
    register(Command("crash", "crash", crash, "A command with a bug"))
    register(Command("wrong", "wrong", wrong, "A command that answers a string"))


@hookimpl
def register_sources(register: Callable[[SourceKind], None]) -> None:
    register(SourceKind("listed", fetch_list))
    register(SourceKind("raising", fetch_raising))


@hookimpl
def register_digest_sections(register: Callable[[DigestSection], None]) -> None:
    if "section" in FAULTS:
        register(DigestSection("broken", broken_line))
        register(DigestSection("text", text_line))


@hookimpl
def register_platforms(register: Callable[[Platform], None]) -> None:
    limits = Limits(100, 100, 10_000, 1_000)
    register(Platform("printer", limits, lambda settings, env: Printer()))  # type: ignore[arg-type, return-value]
    register(Platform("crasher", limits, lambda settings, env: Crasher()))
    if "parse" in FAULTS:  # its settings' parse has a bug, whether or not the config has its table
        parse = lambda table: {"url": table["url"] + 1}  # noqa: E731
        register(Platform("strict", limits, lambda s, env: None, settings={"url": "x"}, parse=parse))  # type: ignore[operator]
    if "pager" in FAULTS:  # its adapter factory raises where its token is not set
        register(Platform("pager", limits, lambda s, env: env["PAGER_TOKEN"], env=("PAGER_TOKEN",)))  # type: ignore[return-value]


@hookimpl
def register_migrations(register: Callable[[Callable[[sqlite_utils.Database], None]], None]) -> None:
    if "migration" in FAULTS:
        register(faulty_001_half)
    if "same-migration" in FAULTS:
        register(m_extra_asks)


@hookimpl
def register_settings(register: Callable[[str, Mapping[str, Any]], None]) -> None:
    register("faulty", {"level": 1})


@hookimpl
def wirewatch_prepare(article: Article, settings: object) -> None:
    if "print" in FAULTS:
        print("faulty: preparing", article.id)  # in a worker process where there are workers


@hookimpl(tryfirst=True)
def wirewatch_match_story(article: Article, known: object, settings: object) -> object:
    if "print" in FAULTS:
        print("faulty: matching", article.id)  # in the main process
    return "new" if "match" in FAULTS else None
