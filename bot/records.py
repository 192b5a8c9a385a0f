"""Articles from JSON records (the replay stream's lines): nothing here needs the network's libraries,
so `wirewatch replay` reads its stream without loading feedparser, trafilatura or httpx."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.models import Article

log = logging.getLogger("bot.sources")  # the name these lines were always logged under


def stable_id(feed: str, identity: str) -> str:
    """A short id that is the same every time the same item is seen in the same feed."""
    return hashlib.sha1(f"{feed}\0{identity}".encode()).hexdigest()[:16]


def article_from_record(record: dict[str, Any], feed: str, fallback_id: str) -> Article:
    """An article from a JSON record of the replay stream shape."""
    text = str(record.get("text") or "")
    return Article(
        id=str(record.get("id") or fallback_id),
        text=text,
        title=str(record.get("title") or ""),
        source=str(record.get("source") or feed),
        url=record.get("url") or None,
        published=record.get("published") or None,
        feed=feed,
        guid=record.get("guid") or None,
        author=record.get("author") or None,
    )


def read_jsonl(path: Path, feed: str) -> Iterator[Article]:
    """Articles from a JSON-lines file; a bad line is logged with its number and skipped."""
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or not isinstance(record.get("text", ""), str):
                    raise ValueError("not an object with a text field")
            except ValueError as exc:
                log.error("%s line %d skipped: %s", path, n, exc)
                continue
            yield article_from_record(record, feed, f"{path.stem}-{n}")
