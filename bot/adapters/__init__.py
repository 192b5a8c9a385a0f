"""Adapters translate neutral messages to platforms; only this package imports platform libraries."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Message


class DeliveryError(Exception):
    """A platform refused a message; `permanent` says whether retrying can help."""

    def __init__(
        self,
        message: str,
        permanent: bool = False,
        retry_after: float | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent  # the platform may have posted it (a timeout, a 5xx, a dropped reply)


class Adapter(Protocol):
    """Something that can post a message to a channel of one platform."""

    platform: str

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        """Post the message (under message.reply_to where the platform has threads), tagged with key
        where the platform keeps one; the platform's id of the posted message, if it has one; raise
        DeliveryError when the platform refuses it."""
        ...

    def find(self, channel_id: str, message: Message, key: str, since: float) -> str | None:
        """The id of a message tagged with key posted since the given epoch time, or None if the
        platform has none (or cannot tell); raise DeliveryError when the platform cannot be asked."""
        ...
