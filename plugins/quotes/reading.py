"""What every rule reads: the text, its quotations and sentences, and how phrases become names."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from plugins.quotes.lexicon import SPEAKING
from plugins.quotes.marks import QuoteSpan, find_quotes, word_count
from plugins.quotes.speakers import Resolver
from plugins.text import sentences


class Mention(str):
    """A speaker phrase as the text has it, with where it starts (-1: no phrase, an unattributed quote)."""

    at: int

    def __new__(cls, phrase: str, at: int) -> Mention:
        """The phrase, remembering its position."""
        made = super().__new__(cls, phrase)
        made.at = at
        return made


@dataclass
class Statement:
    """One attributed statement before novelty is decided."""

    speaker: str
    start: int
    end: int
    cue: str
    direct: bool
    mention: str = ""  # how the text refers to the speaker ("he", "the company", "Ms. Li")
    resolved: bool = True  # False where the mention names nobody the article names
    kind: str = ""  # person, org, place or other


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
    "inner-clause",  # ..., and Name likened it to “...”
    "quoting-clause",  # Name mocked it as “...”
    "possessive-quote",  # Name’s “...”, his claim that “...”
    "reported",  # Name said (that) ... / ..., Name said.
    "participle",  # ..., saying ...
    "according",  # according to Name, ...
    "pull-quote",  # a paragraph signed by a name: "We will rebuild. Ana Li, mayor"
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
        ordered = all(a.end <= b.start for a, b in zip(self.quotes, self.quotes[1:], strict=False))
        self._quote_starts = [q.start for q in self.quotes] if ordered else None
        self.sentences = sentences(text)
        # sentences in order and apart (as sentences() gives them) are looked up by bisection
        tidy = all(a < b for a, b in self.sentences) and all(
            b <= c for (_, b), (c, _) in zip(self.sentences, self.sentences[1:], strict=False)
        )
        self._starts = [a for a, _ in self.sentences] if tidy else None
        self._ends = [b for _, b in self.sentences]
        self.extra: list[Statement] = []  # statements found while reading another one
        self.quoted_by: dict[int, str] = {}  # sentence start -> speaker of a quotation in it

    def resolve(self, phrase: str, at: int) -> str:
        """A speaker phrase as found; it is named once all statements are known (see naming.py)."""
        return Mention(phrase.strip(" ,"), at)

    def on(self, rule: str) -> bool:
        """Whether a rule is switched on."""
        return rule not in self.off

    def _sentence_of(self, pos: int) -> int:
        """The start of the sentence holding pos."""
        if self._starts is None:
            return next((a for a, b in self.sentences if a <= pos < b), -1)
        i = bisect_right(self._starts, pos) - 1
        return self._starts[i] if i >= 0 and pos < self.sentences[i][1] else -1

    def _words_before(self, q: QuoteSpan) -> int:
        """Words between the start of the quote's sentence and its opening mark."""
        if self._starts is None:
            start = max((a for a, _ in self.sentences if a < q.start), default=q.para_start)
        else:
            i = bisect_left(self._starts, q.start) - 1
            start = self._starts[i] if i >= 0 else q.para_start
        return word_count(self.text[max(start, q.para_start) : q.start - 1])

    def _words_after(self, q: QuoteSpan) -> int:
        """Words between the quote's closing mark and the end of its sentence."""
        if self._starts is None:
            end = min((b for _, b in self.sentences if b > q.close), default=q.para_end)
        else:
            i = bisect_right(self._ends, q.close)
            end = self._ends[i] if i < len(self._ends) else q.para_end
        return word_count(self.text[q.close : min(end, q.para_end)])

    def _inside_quote(self, pos: int) -> bool:
        if self._quote_starts is None:  # quotes apart and in order: the one starting last before pos decides
            return any(q.start <= pos < q.end for q in self.quotes)
        i = bisect_right(self._quote_starts, pos) - 1
        return i >= 0 and pos < self.quotes[i].end
