"""A channel's alert rules: which articles count (feeds, keywords, sources), when a story earns its
card (`min_outlets`), and which speakers' new quotes are alerts (matched through the speaker table)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Channel
from bot.digest import filters
from bot.keywords import Keywords
from bot.keywords import parse as parse_keywords
from bot.storage import Store


def _compact(name: str) -> str:
    """Letters only, accents folded, lower case: how the speaker table keys names."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", folded)


@dataclass(frozen=True)
class Rules:
    """One channel's rules, read once per live step."""

    feeds: frozenset[str]
    keywords: Keywords
    sources: frozenset[str]
    min_outlets: int
    speakers: tuple[str, ...]
    speaker_words: Keywords

    def counts(self, row: Mapping[str, Any]) -> bool:
        """Whether an article passes the channel's filters: its feed, keywords and sources."""
        if self.feeds and row.get("feed") not in self.feeds:
            return False
        if (
            self.sources
            and not {str(row.get("source") or "").lower(), str(row.get("feed") or "").lower()} & self.sources
        ):
            return False
        return not self.keywords or self.keywords.matches(
            f"{row.get('title') or ''}\n{row.get('text') or ''}"
        )


def rules(store: Store, channel: Channel) -> Rules:
    """The channel's rules, with the feeds and keywords it subscribed to from chat."""
    feeds, words = filters(store, channel)
    return Rules(
        frozenset(feeds),
        parse_keywords(words, strict=False),
        frozenset(s.lower() for s in channel.sources),
        channel.min_outlets,
        channel.speakers,
        parse_keywords(channel.speakers, strict=False),
    )


def watched_speaker_ids(store: Store, rules: Rules) -> set[int]:
    """The speakers (by id) the channel watches: whose stored name variants are a watched name's."""
    if not rules.speakers:
        return set()
    keys = set()
    for name in rules.speakers:
        compact = _compact(name)
        if compact:
            keys |= {f"s:{compact}", f"~s:{compact}", f"n:{compact}"}
    ids = (
        {
            int(r[0])
            for r in store.db.execute(
                f"select distinct speaker_id from speaker_keys where key in ({','.join('?' * len(keys))})",
                sorted(keys),
            )
        }
        if keys
        else set()
    )
    for row in store.db.query("select id, name from speakers"):
        if rules.speaker_words.matches(row["name"] or ""):
            ids.add(int(row["id"]))
    return ids


def outlets(store: Store, story_id: str, rules: Rules) -> int:
    """How many outlets carry the story, counting only articles that pass the channel's filters."""
    rows = store.db.query(
        "select source, feed, title, text from articles where story_id in "
        "(select id from stories where id = ? or merged_into = ?) and quiet = 0",
        [story_id, story_id],
    )
    return len({r["source"] for r in rows if r["source"] and rules.counts(r)})
