"""An in-memory adapter that records what was posted: the test backend."""

from __future__ import annotations

from bot.adapters import DeliveryError
from bot.messages import Message


class MemoryAdapter:
    """Keeps every posted message; can be told to fail the next sends."""

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.sent: list[tuple[str, Message]] = []
        self.keys: list[str | None] = []
        self.failures: list[DeliveryError] = []
        self.edits: list[tuple[str, str, Message]] = []  # channel, message id, the new content

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        """Record the message, or raise the next queued failure (one that may have reached the
        platform is recorded first); its id is its number in the record."""
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None and not failure.maybe_sent:
            raise failure
        self.sent.append((channel_id, message))
        self.keys.append(key)
        if failure is not None:
            raise failure
        return str(len(self.sent))

    def find(self, channel_id: str, message: Message, key: str, since: float) -> str | None:
        """The number of a recorded message with this key, if any."""
        return str(self.keys.index(key) + 1) if key in self.keys else None

    def edit(self, channel_id: str, message_id: str, message: Message) -> None:
        """Record an edit of a posted message, or raise the next queued failure."""
        if self.failures:
            raise self.failures.pop(0)
        self.edits.append((channel_id, message_id, message))
