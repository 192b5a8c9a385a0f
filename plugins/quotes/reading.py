"""What every rule reads: the text, its quotations and sentences, and how phrases become names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from plugins.quotes.lexicon import DETERMINERS, NOT_SUBJECTS, PERSON_NOUNS, SPEAKING
from plugins.quotes.marks import QuoteSpan, find_quotes, word_count
from plugins.quotes.speakers import ORG_WORDS, PERSON_PRONOUNS, PRONOUNS, TITLES, Resolver, strip_titles
from plugins.text import sentences


@dataclass
class Statement:
    """One attributed statement before novelty is decided."""

    speaker: str
    start: int
    end: int
    cue: str
    direct: bool


# every rule by name; Extractor(text, off={"verb-after"}) reads the article without that rule
RULES = (
    "dash-source",  # “...” ― Name
    "cue-after",  # “...,” Name said / said Name
    "verb-after",  # “...,” he answered
    "cue-before",  # Name said: “...”
    "colon-paragraph",  # Name made the following comment:\n“...”
    "according-quote",  # according to Name, “...”
    "continued-quote",  # a quote opening the paragraph after one of the same speaker
    "floating-quote",  # a quote with no attribution: the speaker of the quotes before
    "quoting-clause",  # Name mocked it as “...”
    "reported",  # Name said (that) ... / ..., Name said.
    "participle",  # ..., saying ...
    "according",  # according to Name, ...
)


class Reading:
    """One article as the rules read it."""

    def __init__(self, text: str, off: frozenset[str] | set[str] = frozenset()) -> None:
        unknown = set(off) - set(RULES)
        if unknown:
            raise ValueError(f"unknown quote rules: {', '.join(sorted(unknown))}")
        self.off = frozenset(off)
        # '' and `` used as quotation marks become " plus a space: offsets stay those of the original
        text = text.replace("''", '" ').replace("``", '" ')
        self.text = text
        self.resolver = Resolver(text, SPEAKING)
        self.quotes = find_quotes(text)
        self.sentences = sentences(text)
        self.extra: list[Statement] = []  # statements found while reading another one
        self.quoted_by: dict[int, str] = {}  # sentence start -> speaker of a quotation in it

    def resolve(self, phrase: str, at: int) -> str:
        """A speaker phrase as a name: pronouns and descriptions to the last compatible name."""
        phrase = phrase.strip(" ,")
        low = phrase.lower()
        words = low.split()
        if low in PRONOUNS:
            if low in PERSON_PRONOUNS or low in ("i",):
                return self.resolver.last_person(at) or phrase
            return phrase
        described = words[0] in DETERMINERS if words else False
        if phrase.split()[-1][:1].isupper() or (not described and re.search(r"\b[A-Z]", phrase)):
            name = strip_titles(phrase)
            if name[:1].isupper() and name.lower() not in NOT_SUBJECTS:
                return self.resolver.full(name)
        last = words[-1] if words else ""
        if words and words[0] in ("the", "his", "her") and (last in PERSON_NOUNS or last in TITLES):
            return self.resolver.last_person(at) or phrase
        if words and words[0] in ("the", "its") and last in ORG_WORDS:
            return self.resolver.last_org(at) or phrase
        return phrase

    def on(self, rule: str) -> bool:
        """Whether a rule is switched on."""
        return rule not in self.off

    def _sentence_of(self, pos: int) -> int:
        """The start of the sentence holding pos."""
        return next((a for a, b in self.sentences if a <= pos < b), -1)

    def _words_before(self, q: QuoteSpan) -> int:
        """Words between the start of the quote's sentence and its opening mark."""
        start = max((a for a, _ in self.sentences if a < q.start), default=q.para_start)
        return word_count(self.text[max(start, q.para_start) : q.start - 1])

    def _words_after(self, q: QuoteSpan) -> int:
        """Words between the quote's closing mark and the end of its sentence."""
        end = min((b for _, b in self.sentences if b > q.close), default=q.para_end)
        return word_count(self.text[q.close : min(end, q.para_end)])

    def _inside_quote(self, pos: int) -> bool:
        return any(q.start <= pos < q.end for q in self.quotes)
