"""Articles from JSON records (the replay stream's lines): nothing here needs the network's libraries,
so `wirewatch replay` reads its stream without loading feedparser, trafilatura or httpx."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from bot.models import Article
from bot.storage import parse_time, utc_text

log = logging.getLogger("bot.sources")  # the name these lines were always logged under

OPTIONAL = ("title", "source", "url", "published", "guid", "author")
NUMBER_OK = ("id", "title", "source", "guid", "author")  # a number here is read as its digits


class RecordError(ValueError):
    """A record that cannot be an article (not an object, or no text): it is skipped, never ingested."""


def stable_id(feed: str, identity: str) -> str:
    """A short id that is the same every time the same item is seen in the same feed."""
    return hashlib.sha1(f"{feed}\0{identity}".encode()).hexdigest()[:16]


def _kind(value: Any) -> str:
    """How a JSON value's type is named in a log line."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _field(
    record: Mapping[str, Any], name: str, problems: list[str], instead: str = "left out"
) -> str | None:
    """A string field of a record, or None (absent, empty or of a type it cannot be read as: said in
    problems, with what is done instead)."""
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value or None
    if name in NUMBER_OK and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    problems.append(f"{name} is {_kind(value)}, not a string: {instead}")
    return None


def read_published(value: str | None, problems: list[str]) -> str | None:
    """A publication time as the store keeps it: ISO 8601 as given, an RFC 2822 date (as RSS writes
    them) in UTC; anything else is left out, said in problems (stored as it came, it sorted among the
    times as text: "last tuesday" after every date, and no story's window could be measured from it)."""
    if not value or parse_time(value) is not None:
        return value or None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        problems.append(f"published {value[:40]!r} is not a date (ISO 8601 or RFC 2822): left out")
        return None
    return utc_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def read_record(record: Any, feed: str, fallback_id: str) -> tuple[Article, list[str]]:
    """An article from a JSON record of the replay stream shape, and what was wrong with the record's
    fields (each left out; an id that is not one gives fallback_id); RecordError for a record that
    has no text to be an article of."""
    if not isinstance(record, dict):
        raise RecordError(f"not a JSON object but {_kind(record)}")
    if "text" not in record:
        raise RecordError("no text field")
    text = record["text"]
    if not isinstance(text, str):
        raise RecordError(f"text is {_kind(text)}, not a string")
    problems: list[str] = []
    fields = {name: _field(record, name, problems) for name in OPTIONAL}
    article_id = _field(record, "id", problems, f"read as {fallback_id}")
    return Article(
        id=article_id or fallback_id,
        text=text,
        title=fields["title"] or "",
        source=fields["source"] or feed,
        url=fields["url"],
        published=read_published(fields["published"], problems),
        feed=feed,
        guid=fields["guid"],
        author=fields["author"],
    ), problems


def article_from_record(record: Mapping[str, Any], feed: str, fallback_id: str) -> Article:
    """An article from a JSON record of the replay stream shape (see read_record; its field problems
    are logged under fallback_id)."""
    article, problems = read_record(record, feed, fallback_id)
    if problems:
        log.warning("record %s: %s", fallback_id, "; ".join(problems))
    return article


def read_lines(lines: Iterable[bytes], name: str, feed: str, stem: str) -> Iterator[Article]:
    """Articles from JSON lines (bytes, UTF-8): a line that is not a record of an article is logged
    with its number and skipped; a field that cannot be read is logged and left out; undecodable bytes
    are logged and replaced. stem: what an article without an id is named after, with its line number."""
    for n, raw in enumerate(lines, 1):
        problems: list[str] = []
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.decode("utf-8", errors="replace")
            problems.append(f"not UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}): replaced by �")
        if n == 1:
            line = line.removeprefix("\ufeff")  # a byte order mark
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            article, more = read_record(record, feed, f"{stem}-{n}")
        except json.JSONDecodeError as exc:  # its own position is in the line, not in the file
            why = f"not JSON ({exc.msg} at character {exc.pos + 1} of the line)"
            log.error("%s line %d skipped: %s", name, n, "; ".join([*problems, why]))
            continue
        except ValueError as exc:  # a RecordError
            log.error("%s line %d skipped: %s", name, n, "; ".join([*problems, str(exc)]))
            continue
        if problems or more:
            log.warning("%s line %d (%s): %s", name, n, article.id, "; ".join(problems + more))
        yield article


def read_jsonl(path: Path, feed: str) -> Iterator[Article]:
    """Articles from a JSON-lines file (see read_lines)."""
    with path.open("rb") as handle:
        yield from read_lines(handle, str(path), feed, path.stem)
