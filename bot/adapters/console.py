"""The console adapter: digests printed to the terminal, for running without any tokens."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.messages import Message


class ConsoleAdapter:
    """Prints each message as readable text."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def find(self, channel_id: str, message: Message, key: str, since: float) -> str | None:
        """The terminal keeps no record to look in: a part in doubt is printed again."""
        return None

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        """Print the message under a line naming the channel."""
        thread = " (thread)" if message.in_thread or message.reply_to else ""
        print(f"\n#{channel_id}{thread}", file=self.stream)
        print(message.as_text(), file=self.stream)
        self.stream.flush()
        return key  # a live card's replies and edits name it by this

    def edit(self, channel_id: str, message_id: str, message: Message) -> None:
        """Print a live card again, as edited."""
        print(f"\n#{channel_id} (card {message_id} updated)", file=self.stream)
        print(message.as_text(), file=self.stream)
        self.stream.flush()
