"""Keyword filters, in one place for digest filters, `subscribe keyword` and alert rules.

A filter is a list of entries, any of which may match. An entry is words and "quoted phrases", all of
which must appear as whole words ("dam" does not match "Amsterdam"; `dam*` matches "dams"), and
`-word` or `-"a phrase"` that must not appear anywhere (an entry of exclusions only, such as
`-sport`, lets through everything else). An entry without quotes or exclusions is one phrase, so
`climate change` means the two words together, as it always has."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


class KeywordError(ValueError):
    """An entry that cannot be read: the message says why."""


def _pattern(term: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern for a word or phrase (a trailing * takes any ending)."""
    prefix = term.endswith("*")
    words = term.rstrip("*").split()
    if not words:
        raise KeywordError(f"{term!r} has no word in it")
    body = r"\s+".join(re.escape(w) for w in words)
    end = r"\w*" if prefix else r"(?!\w)"
    return re.compile(r"(?<!\w)" + body + end, re.IGNORECASE)


def _terms(entry: str) -> list[str]:
    text = entry.translate(_QUOTES).strip()
    if not text:
        raise KeywordError("an empty keyword")
    if '"' not in text and not any(t.startswith("-") for t in text.split()):
        return [text]  # one phrase, as written
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    try:
        return list(lexer)
    except ValueError:
        raise KeywordError(f"{entry!r} has a quote that is not closed") from None


@dataclass(frozen=True)
class Keywords:
    """A parsed keyword filter: entries of terms that must all appear, and terms that must not."""

    wanted: tuple[tuple[re.Pattern[str], ...], ...] = ()
    excluded: tuple[re.Pattern[str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.wanted or self.excluded)

    def matches(self, text: str) -> bool:
        """Whether the text passes: no excluded term in it, and every term of some entry (if any)."""
        if any(p.search(text) for p in self.excluded):
            return False
        return not self.wanted or any(all(p.search(text) for p in entry) for entry in self.wanted)

    def hits(self, text: str) -> list[str]:
        """The words and phrases of the matching entries as they appear in the text."""
        if not self.matches(text):
            return []
        found = []
        for entry in self.wanted:
            if all(p.search(text) for p in entry):
                found += [m.group(0) for p in entry if (m := p.search(text))]
        return found


def _entry(entry: str) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    """An entry's wanted and excluded patterns."""
    wanted, excluded = [], []
    for term in _terms(entry):
        if term.startswith("-") and len(term) > 1:
            excluded.append(_pattern(term[1:]))
        else:
            wanted.append(_pattern(term))
    return wanted, excluded


def parse(entries: Iterable[str], strict: bool = True) -> Keywords:
    """A keyword filter from its entries; raise KeywordError naming an entry that cannot be read (or,
    not strict, leave that entry out: one stored before these rules must not stop a digest)."""
    wanted: list[tuple[re.Pattern[str], ...]] = []
    excluded: list[re.Pattern[str]] = []
    for entry in entries:
        try:
            positive, negative = _entry(entry)
        except KeywordError:
            if strict:
                raise
            continue
        excluded += negative
        if positive:
            wanted.append(tuple(positive))
    return Keywords(tuple(wanted), tuple(excluded))


def problem(entry: str) -> str | None:
    """Why a keyword entry cannot be read, or None when it can."""
    try:
        parse([entry])
    except KeywordError as exc:
        return str(exc)
    return None
