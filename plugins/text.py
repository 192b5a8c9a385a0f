"""Text helpers shared by the analysis plugins: tokens, sentences, term weights."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping

from bot.models import ANALYSED_CHARS

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before whitespace,
# or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n+")
ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "sgt",
    "st",
    "jr",
    "sr",
    "u.s",
    "u.k",
    "u.n",
    "inc",
    "corp",
    "co",
    "ltd",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
    "adm",
    "capt",
    "rev",
    "d.c",
    "a.m",
    "p.m",
    "pres",
    "sec",
    "dept",
    "mt",
}


def fold(text: str) -> str:
    """Lower-case ASCII form of text: accents dropped, curly apostrophes straightened."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower()


def words(text: str) -> list[str]:
    """The folded word tokens of a text."""
    return [w.replace("'", "") for w in _WORD.findall(fold(text.replace("’", "'")))]


class _Weights(dict[str, float]):
    """Each word's weight, looked up in wordfreq the first time it is asked for (or handed over by the
    process that analysed the text: learn), at most LEARNT_LIMIT of them."""

    def __missing__(self, word: str) -> float:
        if len(self) >= LEARNT_LIMIT:
            self.clear()
        found = self[word] = max(0.0, 8.0 - zipf(word)) if len(word) > 1 else 0.0
        return found


def zipf(word: str) -> float:
    """wordfreq's zipf_frequency(word, "en"). A plain lower-case ASCII word is looked up in its table
    directly, rounded as wordfreq rounds: wordfreq's tokeniser would take it as the one token it is,
    and costs 20 µs a word (the same for all 320,000 words of its English list)."""
    # imported on first use: a process that reads no text never pays
    from wordfreq import get_frequency_dict, zipf_frequency

    if not (word.isascii() and word.isalpha() and word.islower()):
        return zipf_frequency(word, "en")
    # the arguments exactly as zipf_frequency passes them: its cache then holds one table, not two
    freq = get_frequency_dict("en", "best").get(word)
    if freq is None:
        return 0.0  # below wordfreq's smallest frequency, as zipf_frequency's minimum of 0 gives
    # wordfreq keeps three significant digits of the frequency (at least 1e-9, the Zipf value 0), then
    # two decimals of its Zipf value
    freq = max(freq, 1e-9)
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)
    return round(math.log(freq, 10) + 9, 2)


LEARNT_LIMIT = 200_000
_WEIGHTS = _Weights()
# weight(word): how informative a word is, 0 for the commonest English words, up to 8 for unknown ones.
# The dictionary's own look-up, called thousands of times per article: 75 ns a call here, against
# 150 ns for the functools.lru_cache it replaces
weight = _WEIGHTS.__getitem__


def weights(found: Iterable[str]) -> dict[str, float]:
    """The weight of each of these words, to hand to another process with what was analysed (learn)."""
    return {w: weight(w) for w in found}


def learn(known: Mapping[str, float]) -> None:
    """Take weights another process worked out (weights()) instead of looking them up again here."""
    if len(_WEIGHTS) + len(known) > LEARNT_LIMIT:
        _WEIGHTS.clear()
    _WEIGHTS.update(known)


def analysed(text: str, limit: int = ANALYSED_CHARS) -> str:
    """The part of a text the analysis reads: all of it, or for a longer one its beginning up to the
    last paragraph break (else sentence end, else space) within the limit, so offsets stay the text's."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    for end in ("\n", ". ", " "):
        cut = head.rfind(end)
        if cut > limit // 2:
            return head[: cut + len(end)].rstrip()
    return head


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a text (abbreviations such as 'Mr.' do not end one)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        gap = match.group(0)
        if "\n" not in gap:
            before = text[start : match.start()].rsplit(None, 1)
            last = before[-1].lower().rstrip(".") if before else ""
            if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
        end = match.start() + len(gap) - len(gap.lstrip("\"'”’)]"))  # closing quotes stay with it
        if text[start:end].strip():
            spans.append(_trim(text, start, end))
        start = match.end()
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
