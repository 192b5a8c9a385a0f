"""What every rule reads: the text, its quotations and sentences, and how phrases become names."""

from __future__ import annotations

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
        self.sentences = sentences(text)
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
