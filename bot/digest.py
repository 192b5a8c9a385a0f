"""Composing a channel's digest: the stories since its last one, grouped, ordered and rendered."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import queries
from bot.config import Channel
from bot.keywords import Keywords
from bot.keywords import parse as parse_keywords
from bot.messages import Block, Message, counted, shorten
from bot.quote_text import quote_of
from bot.registry import DigestSection
from bot.storage import Store, parse_time

log = logging.getLogger(__name__)
SECTION_KINDS = ("text", "context")  # what a digest section may add under a story's headline
MAX_ADDED = 3  # sentences of "what is new" shown per story (in a digest and a card's thread reply)
MAX_QUOTE_CHARS = 300


@dataclass
class StoryDigest:
    """One story's entry in a digest."""

    story_id: str
    headline: str
    first_source: str
    first_url: str | None
    first_id: str | None = None  # the story's earliest published article, shown as its first
    rewrites: list[str] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    quotes: list[tuple[str, str, str | None]] = field(default_factory=list)  # quote line, source, url
    latest: str = ""
    began_here: bool = False  # its first article arrived in this digest's period
    updated: list[tuple[str, str, str | None]] = field(default_factory=list)  # source, new title, url

    @property
    def outlets(self) -> int:
        """How many outlets carried the story."""
        return len({self.first_source, *self.rewrites, *(s for s, _ in self.related)})


@dataclass
class Digest:
    """A channel's digest for one period."""

    channel: str
    since: str
    until: str
    stories: list[StoryDigest]
    left_out: int = 0  # stories the channel's max_stories left out (counted in the header)


def _matches(feeds: set[str], keywords: Keywords, row: dict[str, object]) -> bool:
    if feeds and row.get("feed") not in feeds:
        return False
    return not keywords or keywords.matches(f"{row.get('title') or ''}\n{row.get('text') or ''}")


def no_digest(channel: Channel) -> str | None:
    """Why a channel is sent no digest, asked for or not (a live channel gets story cards), or None."""
    return (
        None if channel.digests else f"channel {channel.id} is a live channel: it gets story cards, no digest"
    )


def filters(store: Store, channel: Channel) -> tuple[set[str], set[str]]:
    """The feeds and keywords a channel receives: its configured ones and those subscribed from chat."""
    feeds, keywords = set(channel.feeds), set(channel.keywords)
    for row in queries.subscriptions(store.db, channel.platform, channel.id):
        (feeds if row["kind"] == "feed" else keywords).add(row["value"])
    return feeds, keywords


def compose(store: Store, channel: Channel, since: str, until: str) -> Digest:
    """The stories with articles ingested in (since, until] that pass the channel's filters."""
    feeds, words = filters(store, channel)
    keywords = parse_keywords(words, strict=False)
    rows = [r for r in queries.articles_for_digest(store.db, since, until) if _matches(feeds, keywords, r)]
    stories: dict[str, StoryDigest] = {}
    for row in rows:
        story_id = store.story_of(row["id"]) or row["story_id"]
        entry = stories.get(story_id)
        if entry is None:
            entry = stories[story_id] = _story_entry(store, story_id)
        if not (since < row["ingested"] <= until) or row["quiet"]:  # only here for a substantive edit
            entry.updated.append((row["source"] or "", row["edited_title"] or row["title"] or "", row["url"]))
            entry.latest = max(entry.latest, row["edited"] or "")
            continue
        if row["relation"] == "new" and row["story_id"] == story_id:
            entry.began_here = True
        # the story's first is not also one of its rewrites or related (an original that came late)
        if row["relation"] != "new" and row["source"] and row["id"] != entry.first_id:
            if row["relation"] == "rewrite" and row["source"] not in entry.rewrites:
                entry.rewrites.append(row["source"])
            elif row["relation"] == "related":
                entry.related.append((row["source"], row["title"] or ""))
            # all kept: the digest shows MAX_ADDED, counts the rest
            entry.added += [f"{sentence} ({row['source']})" for sentence in queries.added_sentences(row)]
        for q in queries.article_new_quotes(store.db, row["id"]):
            entry.quotes.append((quote_of(q, MAX_QUOTE_CHARS), row["source"] or "", row["url"]))
        entry.latest = max(entry.latest, row["at"] or "")
    muted = queries.muted_stories(store.db, channel.platform, channel.id)  # by a button press
    stories = {k: v for k, v in stories.items() if k not in muted}
    if channel.only == "new":  # only stories that began in this period
        stories = {k: v for k, v in stories.items() if v.began_here}
    elif channel.only == "quotes":
        stories = {k: v for k, v in stories.items() if v.quotes}
    # most important first: more outlets, more new quotes, more recent
    ordered = sorted(stories.values(), key=lambda s: (s.outlets, len(s.quotes), s.latest), reverse=True)
    return Digest(channel.id, since, until, ordered)


def _story_entry(store: Store, story_id: str) -> StoryDigest:
    first = queries.first_article(store.db, story_id)
    story = queries.story(store.db, story_id) or {}
    return StoryDigest(
        story_id=story_id,
        headline=story.get("headline") or (first or {}).get("title") or story_id,
        first_source=(first or {}).get("source") or "",
        first_url=(first or {}).get("url"),
        first_id=(first or {}).get("id"),
    )


def clip(text: str, limit: int) -> str:
    """Text on one line, cut at a word boundary with an ellipsis to at most limit characters."""
    return shorten(" ".join(text.split()), limit)


def _told(digest: Digest) -> str:
    """How many stories: "3 stories", or "5 of 12 stories" where max_stories left some out."""
    n = len(digest.stories)
    if digest.left_out:
        return f"{n} of {counted(n + digest.left_out, 'story', 'stories')}"
    return counted(n, "story", "stories")


def _header(digest: Digest) -> Block:
    return Block("header", f"wirewatch digest: {_told(digest)}")


def _fallback(digest: Digest) -> str:
    """The plain-text form notifications show: how many stories, the first headlines."""
    headlines = "; ".join(s.headline for s in digest.stories[:5])
    told = f"wirewatch digest: {_told(digest)}"
    return clip(f"{told}: {headlines}" if headlines else told, 3000)


def render(digest: Digest, sections: Sequence[DigestSection] | None = None) -> Message:
    """The digest as a neutral message: each story's headline, then the lines of each section (the
    built-in ones where none are given)."""
    if sections is None:
        from bot.default_plugins.digest import BUILT_IN

        sections = BUILT_IN
    blocks = [_header(digest)]
    for story in digest.stories:
        blocks.append(Block("divider"))
        blocks.append(Block("text", story.headline, url=story.first_url))
        for section in sections:
            blocks.extend(_section_blocks(section, story))
        blocks.append(Block("actions", story.story_id))  # its buttons, after every section's lines
    return Message(tuple(blocks), _fallback(digest))


def _section_blocks(section: DigestSection, story: StoryDigest) -> list[Block]:
    """A section's lines for one story; a section that raises or returns anything but text and context
    blocks is logged and left out, so one plugin's bug never stops a digest."""
    try:
        found = list(section.render(story))
    except Exception as exc:
        log.error(
            "digest section %s failed on story %s: %s: %s",
            section.name,
            story.story_id,
            type(exc).__name__,
            exc,
        )
        return []
    blocks = [b for b in found if isinstance(b, Block) and b.kind in SECTION_KINDS]
    if len(blocks) < len(found):
        wrong = next(b for b in found if b not in blocks)
        log.error(
            "digest section %s returned %r on story %s; only text and context Blocks are shown",
            section.name,
            wrong,
            story.story_id,
        )
    return blocks


def render_headlines(digest: Digest) -> Message:
    """The digest's headlines, one line a story, to post above a thread that holds the details."""
    blocks = [_header(digest)]
    for story in digest.stories:
        facts = [f"{story.outlets} outlet{'s' if story.outlets != 1 else ''}"]
        if story.quotes:
            facts.append(f"{len(story.quotes)} new quote{'s' if len(story.quotes) != 1 else ''}")
        blocks.append(Block("text", f"• {story.headline} ({', '.join(facts)})", url=story.first_url))
    blocks.append(Block("context", "details in the thread"))
    return Message(tuple(blocks), _fallback(digest))


def capped(digest: Digest, max_stories: int) -> tuple[Digest, int]:
    """The digest's most important max_stories stories (they come ordered), and how many were left out."""
    rest = len(digest.stories) - max_stories
    if rest <= 0:
        return digest, 0
    return Digest(digest.channel, digest.since, digest.until, digest.stories[:max_stories], rest), rest


def more_block(rest: int, since: str, until: str, shown: int = 0) -> Block:
    """The line under a capped digest: how many stories it left out, and the command that lists them
    (stories in the digest's order, past the ones the digest showed)."""
    start, end = parse_time(since), parse_time(until)
    hours = 24 * 7
    if start and end and start.year > 1:
        hours = max(1, math.ceil((end - start).total_seconds() / 3600))
    span = f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"
    skip = f" --skip {shown}" if shown else ""
    return Block("context", f"and {rest} more: /wirewatch stories --since {span}{skip}")
