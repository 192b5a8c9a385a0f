"""Quotation marks: the quoted spans of a text, paragraph by paragraph, and span trimming."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class QuoteSpan:
    start: int  # content start (after the opening mark)
    end: int  # content end (before the closing mark)
    close: int  # index after the closing mark (== end when the quote runs on)
    para_start: int
    para_end: int


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines or blank-line-separated blocks."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]


_PAIRS = {"“": "”", '"': '"', "«": "»", "„": "“”"}
_MARKS = re.compile('[“”"«»„]')


def find_quotes(text: str) -> list[QuoteSpan]:
    """Spans of text inside quotation marks, paragraph by paragraph; a mark closes only its own kind."""
    out = []
    for pa, pb in paragraphs(text):
        out += _scan(text, pa, pb, pa, pb)
    return out


def _scan(text: str, pa: int, pb: int, para_start: int, para_end: int) -> list[QuoteSpan]:
    """The quotes between pa and pb, inside the paragraph para_start..para_end."""
    out: list[QuoteSpan] = []
    if True:
        opener: str | None = None
        open_at = pa
        depth = 0  # quotations inside the open one: “... what he calls “hell” than ...”
        for mark in _MARKS.finditer(text, pa, pb):  # only the marks matter: skip from one to the next
            i = mark.start()
            ch = text[i]
            if opener is None:
                if (
                    ch == "”"
                    and (i == pa or text[i - 1].isspace() or text[i - 1] in "([")
                    and text[i + 1 : i + 2].isalnum()
                ):
                    ch = "“"  # a closing mark typed where the quotation opens
                # a straight quote right after a letter or digit closes something or marks inches
                if ch in _PAIRS and not (ch == '"' and i > pa and text[i - 1].isalnum()):
                    opener, open_at = ch, i + 1
            elif ch in _PAIRS[opener] and depth:
                depth -= 1
            elif ch in _PAIRS[opener]:
                if i > open_at:
                    out.append(QuoteSpan(open_at, i, i + 1, para_start, para_end))
                opener = None
            elif ch == "“" and opener == "“" and not depth and _closes(text, i, pb):
                out.append(
                    QuoteSpan(open_at, i, i + 1, para_start, para_end)
                )  # an opening mark typed as the closing one
                opener = None
            elif ch == "“" and opener == "“":
                if text.count("”", i, pb) >= 2:
                    depth += 1
                else:
                    open_at = i + 1  # an unclosed quote, reopened: keep the later one
        if opener is not None and pb - open_at > 1:
            # no closing mark in its paragraph: a quote that runs on into the next one (each paragraph
            # of a long quotation opens with a mark, only the last closes); quotations of another kind
            # of mark inside it are quotes of their own: "Trump walked on, chanting “U-S-A!”
            inner = _scan(text, open_at, pb, pa, pb) if opener != "“" or "«" in text[open_at:pb] else []
            whole = QuoteSpan(open_at, rstrip_span(text, open_at, pb), pb, para_start, para_end)
            turn = _TURN_LABEL.match(text, open_at)  # "PENCE: ...": a transcript turn is one quote
            out += ([q for q in inner if q.end < q.close] if not turn else []) or [whole]
    return out


_TURN_LABEL = re.compile(r"(?:[A-Z][A-Z.’'-]+\s){0,2}[A-Z][A-Z’'-]*[A-Z]:\s")


def _closes(text: str, i: int, end: int) -> bool:
    """Whether the mark at i sits where a quotation ends: after a word or stop, before a space or the end."""
    after = text[i + 1 : i + 2]
    return i > 0 and not text[i - 1].isspace() and (i + 1 >= end or after.isspace() or after in ",.;")


def rstrip_span(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


# "VARNA (Wirepress) – ", "OSLO, Dec 1 (Wire) - ": a place in capitals, maybe its date, maybe the agency
_DATELINE = re.compile(
    r"[A-Z][A-Z .,'-]{2,}(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2},?)?\s*(?:\([^)]{1,40}\))?\s*[–—-]+\s*"
)


def lstrip_span(text: str, start: int, end: int) -> int:
    """Skip spaces, leading punctuation and a dateline ("VARNA (Wirepress) – ")."""
    while start < end and (text[start].isspace() or text[start] in ",:;—–-"):
        start += 1
    dateline = _DATELINE.match(text, start, end)
    return dateline.end() if dateline else start


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def is_title_case(text: str) -> bool:
    words = _LATIN_WORD.findall(text)
    return bool(words) and all(w[0].isupper() or w in _SMALL_WORDS for w in words)


_WORD = re.compile(r"\w+")
_LATIN_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_SMALL_WORDS = frozenset({"a", "an", "the", "of", "in", "on", "and", "or", "to", "for", "at", "by", "with"})
