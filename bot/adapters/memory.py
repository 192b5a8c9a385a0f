"""An in-memory adapter that records what was posted: the test backend."""

from __future__ import annotations

from bot.adapters import DeliveryError
from bot.messages import Message


class MemoryAdapter:
    """Keeps every posted message; can be told to fail the next sends."""

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.sent: list[tuple[str, Message]] = []
        self.failures: list[DeliveryError] = []

    def send(self, channel_id: str, message: Message) -> str | None:
        """Record the message, or raise the next queued failure; its id is its number in the record."""
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((channel_id, message))
        return str(len(self.sent))
