"""The built-in lines of a story's digest entry: its facts, publishers' edits, what is new, new quotes."""

from __future__ import annotations

from collections.abc import Callable

from bot.digest import MAX_ADDED, StoryDigest, clip
from bot.hookspecs import hookimpl
from bot.messages import Block, counted, shown_id
from bot.registry import DigestSection

MAX_QUOTES = 5  # new quotes shown per story; the rest are counted, with the command that lists them
MAX_UPDATED = 3  # publishers' edits shown per story
MAX_NAMED = 8  # outlets named in the rewrites and related lists


def _more(n: int, what: str, command: str, story: StoryDigest) -> list[Block]:
    """The line under a cut list: how many it left out ("1 more edit", "2 more edits", `what` in the
    singular) and the command that shows them all."""
    if n <= 0:
        return []
    pointer = f"/wirewatch {command} {shown_id(story.story_id)}"
    return [Block("context", f"and {counted(n, 'more ' + what)}: {pointer}")]


def _named(names: list[str], sep: str, story: StoryDigest) -> str:
    """The first few names joined; the others counted, with the command that lists every article."""
    rest = len(names) - MAX_NAMED
    more = f" and {rest} more (/wirewatch coverage {shown_id(story.story_id)})" if rest > 0 else ""
    return sep.join(names[:MAX_NAMED]) + more


def facts(story: StoryDigest) -> list[Block]:
    """Who carried it first, the story id, who rewrote it and the related coverage (the first few of
    each named, the rest counted)."""
    first = f"first: {story.first_source}" if story.first_source else ""
    lines = [first, f"story {shown_id(story.story_id)}"]
    if story.rewrites:
        lines.append(f"rewritten by {len(story.rewrites)}: {_named(story.rewrites, ', ', story)}")
    if story.related:
        named = [f"{s} ({clip(t, 80)})" if t.strip() else s for s, t in story.related]
        lines.append(f"related: {_named(named, '; ', story)}")
    return [Block("context", " · ".join(f for f in lines if f))]


def updated(story: StoryDigest) -> list[Block]:
    """Substantive edits by the publisher, under their new titles (the latest few)."""
    shown = story.updated[-MAX_UPDATED:]
    blocks = [Block("text", f"UPDATED by {s}: {clip(title, 200)}", url=url) for s, title, url in shown]
    return blocks + _more(len(story.updated) - len(shown), "edit", "coverage", story)


def added(story: StoryDigest) -> list[Block]:
    """The sentences later coverage added to the story (the first few)."""
    blocks = [Block("text", f"+ {clip(sentence, 400)}") for sentence in story.added[:MAX_ADDED]]
    return blocks + _more(len(story.added) - MAX_ADDED, "new sentence", "story", story)


def quotes(story: StoryDigest) -> list[Block]:
    """The statements first attributed in this period (the first few); one link per article (the
    headline's, then each other article's first quote)."""
    linked = {story.first_url}
    blocks = []
    for line, source, url in story.quotes[:MAX_QUOTES]:
        blocks.append(Block("text", f"NEW {line} ({source})", url=url if url not in linked else None))
        linked.add(url)
    return blocks + _more(len(story.quotes) - MAX_QUOTES, "new quote", "story-quotes", story)


BUILT_IN = (
    DigestSection("facts", facts),
    DigestSection("updated", updated),
    DigestSection("added", added),
    DigestSection("quotes", quotes),
)


@hookimpl(tryfirst=True)
def register_digest_sections(register: Callable[[DigestSection], None]) -> None:
    """The facts line, publishers' edits, what is new and the new quotes, in that order."""
    for section in BUILT_IN:
        register(section)
