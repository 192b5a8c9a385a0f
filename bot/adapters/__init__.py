"""Adapters translate neutral messages to platforms; only this package imports platform libraries."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Message


class DeliveryError(Exception):
    """A platform refused a message; `permanent` says whether retrying can help."""

    def __init__(self, message: str, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Adapter(Protocol):
    """Something that can post a message to a channel of one platform."""

    platform: str

    def send(self, channel_id: str, message: Message) -> str | None:
        """Post the message (under message.reply_to where the platform has threads); the platform's id
        of the posted message, if it has one; raise DeliveryError when the platform refuses it."""
        ...
