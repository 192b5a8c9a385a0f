"""The built-in lines of a story's digest entry: its facts, publishers' edits, what is new, new quotes."""

from __future__ import annotations

from collections.abc import Callable

from bot.digest import StoryDigest, clip
from bot.hookspecs import hookimpl
from bot.messages import Block
from bot.registry import DigestSection


def facts(story: StoryDigest) -> list[Block]:
    """Who carried it first, the story id, who rewrote it and the related coverage."""
    lines = [f"first: {story.first_source}" if story.first_source else "", f"story {story.story_id}"]
    if story.rewrites:
        lines.append(f"rewritten by {len(story.rewrites)}: {', '.join(story.rewrites)}")
    if story.related:
        lines.append("related: " + "; ".join(f"{s} ({clip(t, 80)})" for s, t in story.related))
    return [Block("context", " · ".join(f for f in lines if f))]


def updated(story: StoryDigest) -> list[Block]:
    """Substantive edits by the publisher, under their new titles."""
    return [Block("text", f"UPDATED by {s}: {clip(title, 200)}", url=url) for s, title, url in story.updated]


def added(story: StoryDigest) -> list[Block]:
    """The sentences later coverage added to the story."""
    return [Block("text", f"+ {clip(sentence, 400)}") for sentence in story.added]


def quotes(story: StoryDigest) -> list[Block]:
    """The statements first attributed in this period; one link per article (the headline's, then
    each other article's first quote)."""
    linked = {story.first_url}
    blocks = []
    for line, source, url in story.quotes:
        blocks.append(Block("text", f"NEW {line} ({source})", url=url if url not in linked else None))
        linked.add(url)
    return blocks


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
