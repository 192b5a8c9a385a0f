"""A live story card's content, derived from the store alone: posting or editing it again is harmless."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import queries
from bot.digest import MAX_QUOTE_CHARS, clip
from bot.messages import Block, Message
from bot.quote_text import quote_of
from bot.storage import Store

CARD_QUOTES = 3  # newest quotes shown on the card itself (all of them go to its thread)
CARD_OUTLETS = 12  # outlets named on the card; the rest are counted


@dataclass
class Card:
    """What a story's card shows."""

    story_id: str
    headline: str
    url: str | None
    first_source: str
    outlets: list[str] = field(default_factory=list)
    original: int = 0
    rewrites: int = 0
    related: int = 0
    quotes: list[tuple[str, str]] = field(default_factory=list)  # quote line (quote_of), source
    merged_into: tuple[str, str, str | None] | None = None  # story id, headline, link


def _story_head(store: Store, story_id: str) -> tuple[str, str | None, str, str | None]:
    """A story's headline, and its first (earliest published) article's link, source and id."""
    first = queries.first_article(store.db, story_id) or {}
    story = queries.story(store.db, story_id) or {}
    return (
        story.get("headline") or first.get("title") or story_id,
        first.get("url"),
        first.get("source") or "",
        first.get("id"),
    )


def card_of(store: Store, story_id: str, merged_into: str | None = None) -> Card:
    """The card of a story (and the stories merged into it), or of an absorbed story pointing at the
    one that absorbed it."""
    headline, url, source, first_id = _story_head(store, story_id)
    card = Card(story_id, headline, url, source)
    articles = queries.story_articles(store.db, story_id)
    for row in articles:
        if row["source"] and row["source"] not in card.outlets:
            card.outlets.append(row["source"])
        if row["id"] == first_id:
            card.original += 1  # the earliest published, also where it came in after a rewrite of it
        elif row["relation"] == "rewrite":
            card.rewrites += 1
        elif row["relation"] == "related":
            card.related += 1
        else:
            card.original += 1
    sources = {r["id"]: r["source"] or "" for r in articles}
    for q in story_quotes(store, story_id):
        card.quotes.append((quote_of(q, MAX_QUOTE_CHARS), sources.get(q["article_id"], "")))
    if merged_into:
        card.merged_into = (merged_into, *_story_head(store, merged_into)[:2])
    return card


def story_quotes(store: Store, story_id: str) -> list[dict[str, Any]]:
    """The statements first attributed in a story (and those merged into it), oldest first, with ids."""
    return list(
        store.db.query(
            "select id, speaker, speaker_id, text, direct, unresolved, article_id from quotes "
            "where new = 1 and story_id in "
            "(select id from stories where id = ? or merged_into = ?) order by id",
            [story_id, story_id],
        )
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def coverage(card: Card) -> str:
    """The kinds of coverage, counted: 1 original · 5 rewrites · 2 related."""
    return " · ".join(
        [_plural(card.original, "original"), _plural(card.rewrites, "rewrite"), f"{card.related} related"]
    )


def render(card: Card) -> Message:
    """The card as a neutral message: headline and link, outlets, coverage, the newest quotes."""
    outlets = card.outlets[:CARD_OUTLETS]
    more = len(card.outlets) - len(outlets)
    named = ", ".join(outlets) + (f" and {more} more" if more else "")
    blocks = [Block("text", card.headline, url=card.url)]
    if card.merged_into:
        story, headline, url = card.merged_into
        blocks.append(Block("text", f"Now part of a larger story: {clip(headline, 200)}", url=url))
        blocks.append(Block("context", f"story {card.story_id} merged into {story}; updates follow there"))
        return Message(tuple(blocks), clip(f"{card.headline} (merged into {headline})", 300))
    blocks.append(
        Block("context", f"{_plural(len(card.outlets), 'outlet')}: {named}" if outlets else "no outlet")
    )
    blocks.append(Block("context", f"{coverage(card)} · first: {card.first_source} · story {card.story_id}"))
    for line, source in card.quotes[-CARD_QUOTES:]:
        blocks.append(Block("text", f"{line} ({source})"))
    blocks.append(Block("actions", card.story_id))  # Mute story, All coverage, Quotes
    return Message(tuple(blocks), clip(f"{card.headline} ({_plural(len(card.outlets), 'outlet')})", 300))


def fingerprint(message: Message) -> str:
    """A short hash of a message's content: a card whose hash did not change needs no edit."""
    return hashlib.sha256(json.dumps(message.to_json(), sort_keys=True).encode()).hexdigest()[:16]


def quote_reply(quote: Mapping[str, Any], source: str, url: str | None, alert: bool = False) -> Message:
    """A new quote (a stored statement's row), as a reply in the card's thread (marked as an alert for
    a watched speaker, and shown in the channel too where the platform can)."""
    line = f"{'ALERT ' if alert else ''}NEW {quote_of(quote, MAX_QUOTE_CHARS)} ({source})"
    return Message((Block("text", line, url=url),), clip(line, 300), notify=alert)


def paragraphs_reply(source: str, sentences: Sequence[str], url: str | None) -> Message:
    """What a later article added to the story, as a reply in the card's thread."""
    blocks = [Block("context", f"new in {source}", url=url)]
    blocks += [Block("text", f"+ {clip(s, 400)}") for s in sentences]
    return Message(tuple(blocks), clip(f"new in {source}: {sentences[0]}", 300))


def edit_reply(source: str, title: str, url: str | None) -> Message:
    """A publisher's substantive edit of an article, as a reply in the card's thread."""
    line = f"UPDATED by {source}: {clip(title, 200)}"
    return Message((Block("text", line, url=url),), clip(line, 300))
