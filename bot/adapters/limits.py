"""Platform limits, and splitting a neutral message into parts that fit them (no platform imports)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Block, Message, shorten


@dataclass(frozen=True)
class Limits:
    """How much one message may carry on a platform."""

    blocks: int  # blocks per message (Slack: 50)
    groups: int  # stories per message (Discord: 10 embeds, one is the header)
    chars: int  # characters per message, all blocks together
    block_chars: int  # characters per block (Slack section: 3,000; Discord embed description: 4,096)


LIMITS = {
    "console": Limits(blocks=10_000, groups=10_000, chars=10_000_000, block_chars=100_000),
    # Slack: 50 blocks, 3,000 characters a section; stay well under the 40,000-character text limit
    "slack": Limits(blocks=50, groups=1_000, chars=12_000, block_chars=3_000),
    # Discord: 10 embeds (the header takes one), 6,000 characters in all embeds of a message
    "discord": Limits(blocks=1_000, groups=9, chars=5_500, block_chars=1_000),
}


def _clip(block: Block, limit: int) -> Block:
    """The block with its text cut at a word boundary, marked …, where it is longer than the limit."""
    if len(block.text) <= limit:
        return block
    return Block(block.kind, shorten(block.text, limit), block.url)


def split_message(message: Message, platform: str, limits: Limits | None = None) -> list[Message]:
    """The message in parts that each fit the platform (or these limits), whole stories per part
    where they fit."""
    limits = limits or LIMITS.get(platform, LIMITS["console"])
    blocks = [_clip(b, limits.block_chars) for b in message.blocks]
    head = blocks[:1] if blocks and blocks[0].kind == "header" else []
    room = limits.blocks - len(head)
    chunks: list[list[Block]] = []  # stories (a divider starts one), cut to fit a message if needed
    for block in blocks[len(head) :]:
        if block.kind == "divider" or not chunks or len(chunks[-1]) >= room:
            chunks.append([])
        chunks[-1].append(block)
    parts: list[list[Block]] = []
    current: list[Block] = []
    stories = 0
    for chunk in chunks:
        chars = sum(len(b.text) for b in [*head, *current, *chunk])
        if current and (
            len(current) + len(chunk) > room or stories + 1 > limits.groups or chars > limits.chars
        ):
            parts.append(current)
            current, stories = [], 0
        current.extend(chunk)
        stories += 1
    if current or not parts:
        parts.append(current)
    out = []
    for n, part in enumerate(parts, 1):
        numbered = (
            [Block("header", f"{head[0].text} ({n}/{len(parts)})")] if head and len(parts) > 1 else head
        )
        fallback = message.fallback if n == 1 else f"{message.fallback} ({n}/{len(parts)})"
        out.append(Message(tuple([*numbered, *part]), fallback))
    return out
