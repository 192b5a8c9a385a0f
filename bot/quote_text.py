"""How a stored statement reads in every message: direct quotes in quotation marks, reported speech as
reported speech, and a speaker the article never names as a description, not as a name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.messages import shorten

_QUOTE_MARKS = '“”"«»„'
_OUTER_PUNCTUATION = " \t\n,;:—–-"
# words that open a sentence but are never a name (determiners, pronouns, prepositions, conjunctions):
# after "said" they are written in lower case
_SENTENCE_OPENERS = frozenset(
    """The A An It This That These Those There Its Their His Her He She They We You Our My Your Some
    Many Most Several Few All Both Each Every No None More Much Other Another Any If When While After
    Before Because Although Though Since Unless Until As In On At For From With Without By To Of Under
    Over Between During Despite Against And But Or So Yet Nor Not Only Even Also Now Then Here What
    Which Who Whoever How Why Where Whether Such However Instead""".split()
)
_PRONOUNS = frozenset("he she they it we i him her them us".split())
_DETERMINERS = re.compile(r"^(?:the|his|her|their|its|our|my|your|this|that|these|those|a|an|one)\s+", re.I)


def _clip(text: str, limit: int) -> str:
    return shorten(" ".join(text.split()), limit)


def speaker_label(speaker: str, resolved: bool = True) -> str:
    """The speaker as shown: a name, or for one the article never names a description
    ('a union spokesperson (unnamed)')."""
    speaker = " ".join(speaker.split())
    if resolved and speaker:
        return speaker
    if not speaker or speaker.lower() in _PRONOUNS:
        return "an unnamed speaker"
    bare = _DETERMINERS.sub("", speaker)
    if bare.lower().endswith(("s", "people")) and not bare.lower().endswith(("ss", "us")):
        return f"{bare} (unnamed)"  # 'officials', 'their lawyers'
    low = bare.lower()
    if re.match(r"[\w-]+['’]s\s", low):
        return f"the {bare} (unnamed)"  # 'the city's finance department', not 'a city's ...'
    vowel = low[:1] in "aeio" or (low[:1] == "u" and not low.startswith(("uni", "use", "usu", "ur")))
    article = "an" if vowel else "a"
    return f"{article} {bare} (unnamed)"


def trim_quotation(text: str) -> str:
    """A quotation's words without the marks and the punctuation at its edges ('tomorrow morning,' ->
    'tomorrow morning')."""
    text = " ".join(text.split())
    text = text.strip(_OUTER_PUNCTUATION)
    while len(text) > 1 and text[0] in _QUOTE_MARKS and text[-1] in _QUOTE_MARKS:
        text = text[1:-1].strip(_OUTER_PUNCTUATION)
    return text


def quote_line(speaker: str, text: str, direct: bool, resolved: bool = True, limit: int = 300) -> str:
    """One statement as a line: 'Ana Petrov: “We will appeal.”' or 'Ana Petrov said she had asked for …'.

    A statement counts as a quotation only when all of it was quoted; reported speech that quotes a
    few words keeps those words' own marks and is shown as reported speech. Reported speech that opens
    with a capital the renderer cannot tell from a name's ('Engineers found …', 'Iona will …') follows
    a colon, where a capital reads right: 'Ana Petrov said: Engineers found …'.
    """
    who = speaker_label(speaker, resolved)
    words = trim_quotation(text)
    if direct and not any(c in words for c in _QUOTE_MARKS):
        return f"{who}: “{_clip(words, limit)}”"
    words = words.rstrip(".")
    first = words.split(" ", 1)[0]
    bare = first.rstrip(",;:")
    if bare in _SENTENCE_OPENERS:  # "The project will cost ..." -> "said the project ..."
        words = first[:1].lower() + words[1:]
    elif first[:1].isupper() and bare != "I" and not bare.startswith(("I'", "I’")):
        return f"{who} said: {_clip(words, limit)}"
    return f"{who} said {_clip(words, limit)}"


def quote_of(row: Mapping[str, Any], limit: int = 300) -> str:
    """A stored statement (a row with speaker, text, direct and unresolved) as quote_line shows it:
    the one rendering of a quote in digests, cards, thread replies and commands."""
    direct, resolved = bool(row["direct"]), not row["unresolved"]
    return quote_line(str(row["speaker"] or ""), str(row["text"] or ""), direct, resolved, limit)
