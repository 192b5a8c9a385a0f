"""Platform-neutral messages: what the core says, before an adapter renders it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.urls import display_url

# a story's buttons: the chat command each runs (with the story's id), and its label
STORY_BUTTONS = (("mute", "Mute story"), ("coverage", "All coverage"), ("story-quotes", "Quotes"))
BlockKind = Literal["header", "text", "context", "divider", "actions"]


@dataclass(frozen=True)
class Block:
    """One piece of a message: a header, a paragraph of text, small print, a divider, or the buttons
    of a story (kind "actions", text: the story's id)."""

    kind: BlockKind
    text: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if self.url:  # links are shown without tracking parameters
            object.__setattr__(self, "url", display_url(self.url))


@dataclass(frozen=True)
class Message:
    """A message for one channel: blocks plus a plain-text fallback."""

    blocks: tuple[Block, ...] = field(default_factory=tuple)
    fallback: str = ""
    in_thread: bool = False  # a reply under the first part of its digest, where the platform has threads
    reply_to: str | None = None  # the platform's id of that first part, filled in when sending
    notify: bool = False  # a reply in a thread that the channel is to see too (an alert)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, for the outbox."""
        out: dict[str, Any] = {
            "blocks": [asdict(b) for b in self.blocks],
            "fallback": self.fallback,
            "in_thread": self.in_thread,
        }
        if self.notify:  # only where set: the content hash of every other message stays as it was
            out["notify"] = True
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        """The message back from its outbox form."""
        return cls(
            tuple(Block(**b) for b in data.get("blocks", [])),
            data.get("fallback", ""),
            bool(data.get("in_thread", False)),
            notify=bool(data.get("notify", False)),
        )

    def as_text(self) -> str:
        """The message as readable plain text."""
        lines: list[str] = []
        for block in self.blocks:
            if block.kind == "header":
                lines += [
                    "",
                    block.text.upper() if len(block.text) < 60 else block.text,
                    "=" * min(72, len(block.text)),
                ]
            elif block.kind == "divider":
                lines.append("-" * 72)
            elif block.kind == "actions":
                continue  # buttons: only where the platform has them
            elif block.kind == "context":
                lines.append(f"  {block.text}")
            else:
                lines.append(f"{block.text}  <{block.url}>" if block.url else block.text)
        return "\n".join(lines).strip("\n")


MARK = "…"  # ends a text cut to fit


def shorten(text: str, limit: int) -> str:
    """Text cut to at most limit characters at a word boundary (a line's end where one is near), ending
    in a visible …; a text that fits is returned as it is."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(MARK))
    head = text[: room + 1]  # the character after the room tells whether the cut falls between words
    line = head.rfind("\n")
    space = max(head.rfind(" "), line)
    if line >= room * 3 // 4:  # whole lines where little is lost
        head = head[:line]
    elif space > 0 and space >= room // 3:
        head = head[:space]
    else:  # one very long word: cut inside it
        head = head[:room]
    return head.rstrip(" \t\n,;:—–-") + MARK


REF = "…#"  # joins a long story id's head to its digest in a reference that fits a platform's limit


def story_ref(story_id: str, limit: int) -> str:
    """A story id as it fits in limit characters: the id itself, else its head, …# and 10 hex digits of
    its SHA-256 (queries.story finds the story from either)."""
    if len(story_id) <= limit:
        return story_id
    digest = hashlib.sha256(story_id.encode()).hexdigest()[:10]
    return story_id[: max(0, limit - len(REF) - len(digest))] + REF + digest


SHOWN_ID = 60  # characters of a story id written in a message's text (a line to copy into a command)


def shown_id(story_id: str) -> str:
    """A story id as written in a message's text: a long one (a URL) as its reference."""
    return story_ref(story_id, SHOWN_ID)


def plural(n: int, one: str, many: str | None = None) -> str:
    """The word for n of a thing: "story" for 1, else "stories" (or one + "s")."""
    return one if n == 1 else (many or one + "s")


def counted(n: int, one: str, many: str | None = None) -> str:
    """n with its word: "1 story", "2 stories", "0 rewrites"."""
    return f"{n} {plural(n, one, many)}"


def local_time(text: str | None, timezone: str = "UTC", never: str = "never") -> str:
    """A stored ISO time shown in the configured zone to the minute ("2026-12-01 09:05 CET")."""
    if not text:
        return never
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def duration(seconds: int) -> str:
    """Seconds as the config writes them: "90s", "10m", "2h", "1d"."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
