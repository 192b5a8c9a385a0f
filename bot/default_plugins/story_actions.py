"""What a story's buttons do, as chat commands (so every platform's inbound path runs them): mute the
story in this channel (and unmute it), list all its coverage, list its quotes. Each use is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import queries
from bot.commands import Command, Context, Param, Request, UsageError, named_story
from bot.digest import MAX_QUOTE_CHARS, clip
from bot.hookspecs import hookimpl
from bot.live import mute, unmute
from bot.messages import Block, Message, counted, shown_id
from bot.quote_text import quote_of
from bot.storage import now_iso

STORY = Param("story_id", "a story's id", required=True)
SKIP = Param("skip", "lines to pass over (the next page)", "count", option=True)
MAX_LINES = 40  # articles or quotes listed in one answer; the rest are counted, with the next page


def _story_id(request: Request, ctx: Context, action: str) -> str:
    """The story (following merges), after recording who pressed what."""
    row = named_story(request, ctx)
    story_id = str(row["id"])
    with ctx.store.db.atomic():
        ctx.store.db.table("presses").insert(
            {
                "platform": ctx.platform,
                "channel": request.channel,
                "user": request.user,
                "action": action,
                "story_id": story_id,
                "at": now_iso(),
            }
        )
    return str(row["merged_into"] or story_id)


def _header(ctx: Context, story_id: str, what: str) -> Block:
    story = queries.story(ctx.store.db, story_id) or {}
    return Block("header", clip(f"{what}: {story.get('headline') or story_id}", 140))


def _page(request: Request, rows: list[Any]) -> tuple[list[Any], int]:
    """The rows an answer lists (MAX_LINES, after --skip) and how many follow them."""
    skip = int(request.options.get("skip") or 0)
    shown = rows[skip : skip + MAX_LINES]
    return shown, len(rows) - skip - len(shown)


def _listed(
    blocks: list[Block], rest: int, fallback: str, request: Request, story_id: str, listed: int
) -> Message:
    skip = int(request.options.get("skip") or 0)
    if not listed and skip and rest + skip > 0:  # skipped past the end: say so under the count
        nxt = f"/wirewatch {request.name} {shown_id(story_id)}"
        blocks.append(Block("text", f"Nothing after the first {skip}: {nxt} lists them from the start."))
    if rest > 0:
        following = skip + MAX_LINES
        nxt = f"/wirewatch {request.name} {shown_id(story_id)} --skip {following}"
        blocks.append(Block("context", f"and {rest} more: {nxt}"))
    return Message(tuple(blocks), fallback)


def _mute(request: Request, ctx: Context) -> Message:
    if not request.channel:
        raise UsageError("usage: mute STORY_ID (in a channel)")
    story_id = _story_id(request, ctx, "mute")
    with ctx.store.db.atomic():
        ctx.store.db.table("muted_stories").insert(
            {
                "platform": ctx.platform,
                "channel": request.channel,
                "story_id": story_id,
                "by": request.user,
                "at": now_iso(),
            },
            replace=True,
        )
    mute(ctx.store, ctx.platform, request.channel, story_id)
    text = (
        f"Muted story {story_id} here: no more updates or digest entries for it "
        f"(undo: /wirewatch unmute {shown_id(story_id)})."
    )
    return Message((Block("text", text),), text)


def _unmute(request: Request, ctx: Context) -> Message:
    if not request.channel:
        raise UsageError("usage: unmute STORY_ID (in a channel)")
    story_id = _story_id(request, ctx, "unmute")
    with ctx.store.db.atomic():
        gone = ctx.store.db.execute(
            "delete from muted_stories where platform = ? and channel = ? and story_id = ?",
            [ctx.platform, request.channel, story_id],
        ).rowcount
        card = unmute(ctx.store, ctx.platform, request.channel, story_id)
    if not (gone or card):
        raise UsageError(f"story {shown_id(story_id)} is not muted here")
    text = f"Story {story_id} is no longer muted here: its card and digest entries resume from now."
    return Message((Block("text", text),), text)


def _coverage(request: Request, ctx: Context) -> Message:
    story_id = _story_id(request, ctx, "coverage")
    rows = queries.story_articles(ctx.store.db, story_id)
    blocks = [_header(ctx, story_id, counted(len(rows), "article"))]
    shown, rest = _page(request, rows)
    first = (queries.first_article(ctx.store.db, story_id) or {}).get("id")  # as the card and digest say
    for row in shown:
        title = clip(row["title"] or row["id"], 200)
        # an original that came in after a rewrite of it was stored as related: it is the story's first
        relation = "first" if row["id"] == first and row["relation"] != "new" else row["relation"]
        blocks.append(Block("text", f"{row['source'] or '-'} · {relation}: {title}", row["url"]))
    fallback = f"{counted(len(rows), 'article')} in story {story_id}"
    return _listed(blocks, rest, fallback, request, story_id, len(shown))


def _quotes(request: Request, ctx: Context) -> Message:
    story_id = _story_id(request, ctx, "story-quotes")
    rows = queries.story_new_quotes(ctx.store.db, story_id)
    blocks = [_header(ctx, story_id, counted(len(rows), "quote"))]
    shown, rest = _page(request, rows)
    for q in shown:
        blocks.append(Block("text", quote_of(q, MAX_QUOTE_CHARS)))
    if not rows:
        blocks.append(Block("text", "No quotes attributed in this story yet."))
    fallback = f"{counted(len(rows), 'quote')} in story {story_id}"
    return _listed(blocks, rest, fallback, request, story_id, len(shown))


@hookimpl(tryfirst=True)
def register_commands(register: Callable[[Command], None]) -> None:
    """mute, coverage and story-quotes: what the Mute story, All coverage and Quotes buttons run; and
    unmute, typed, to undo a Mute."""
    register(
        Command(
            "mute", "mute STORY_ID", _mute, "No more updates or digest entries for a story here", (STORY,)
        )
    )
    register(
        Command(
            "unmute",
            "unmute STORY_ID",
            _unmute,
            "Updates and digest entries again for a muted story",
            (STORY,),
        )
    )
    register(
        Command(
            "coverage", "coverage STORY_ID [--skip 40]", _coverage, "Every article of a story", (STORY, SKIP)
        )
    )
    register(
        Command(
            "story-quotes",
            "story-quotes STORY_ID [--skip 40]",
            _quotes,
            "The quotes of a story",
            (STORY, SKIP),
        )
    )
