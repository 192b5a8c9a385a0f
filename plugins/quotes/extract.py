"""Finding attributed statements: direct quotes and reported speech, with cue, speaker and offsets."""

from __future__ import annotations

import re

from plugins.quotes.direct import DirectRules
from plugins.quotes.lexicon import CUES, MIN_QUOTE_WORDS, MIN_REPORTED_WORDS
from plugins.quotes.marks import QuoteSpan, is_title_case, rstrip_span, word_count
from plugins.quotes.naming import Entities
from plugins.quotes.reading import Mention, Statement
from plugins.quotes.reported import ReportedRules


class Extractor(DirectRules, ReportedRules):
    """Finds the attributed statements of one article."""

    def run(self) -> list[Statement]:
        """All statements, in text order."""
        direct: list[Statement] = []
        used_cues: set[int] = set()
        last_speaker: tuple[str, int] | None = None  # speaker of the previous quote, and its paragraph end
        for q in self.quotes:
            turn = self._turn(q.start, q.end)
            if turn is not None:  # "PENCE: Well, look, ...": a transcript turn, said by its label
                direct.append(turn)
                last_speaker = (turn.speaker, q.para_end)
                continue
            content = self.text[q.start : q.end]
            words = word_count(content)
            if is_title_case(content) and words <= 8 and self._words_before(q):
                continue  # a title inside a sentence: 'said on CBS's “Face the Nation”', 'his book “...”'
            attribution = self._attribute_quote(q)
            cue_at, embedded = -1, False
            if attribution is not None:
                speaker, cue, cue_at, embedded = attribution
            elif (
                self.on("continued-quote")
                and last_speaker
                and last_speaker[1] >= q.para_start - 2
                and q.start - 1 == q.para_start
            ):
                speaker, cue = Mention("", q.start), ""  # a quote continued from the previous paragraph
            elif self.on("possessive-quote") and (owned := self._owned(q)) is not None and words >= 6:
                direct.append(owned)  # "his personal riffs (“...”)": not the quote before's speaker
                continue
            else:
                if not self.on("floating-quote") or words < 6 or is_title_case(content):
                    continue  # scare quotes, titles, slogans with nobody saying them
                recent = last_speaker and last_speaker[1] >= q.para_start - 600 and last_speaker[0]
                candidate = last_speaker[0] if last_speaker and recent else self.resolver.last_person(q.start)
                cue = ""
                if not candidate:
                    continue  # nobody it could continue
                speaker = Mention("", q.start)  # named after the statement before it
            if words < 1 or (words < MIN_QUOTE_WORDS and (not cue or embedded or is_title_case(content))):
                continue
            direct.append(Statement(speaker, q.start, q.end, cue, True))
            self.quoted_by[self._sentence_of(q.close)] = speaker
            last_speaker = (speaker or (last_speaker[0] if last_speaker else ""), q.para_end)
            if cue_at >= 0 and not embedded:
                used_cues.add(cue_at)
        reported = self._reported(used_cues)
        if self.on("pull-quote"):
            taken = [(s.start, s.end) for s in direct + reported]
            reported += [
                p for p in self._pull_quotes() if not any(a < p.end and p.start < b for a, b in taken)
            ]
        # a quoted fragment inside a reported clause is part of that statement
        kept = []
        for d in direct:
            outer = next((r for r in reported if r.start <= d.start and d.end <= r.end), None)
            if outer is not None and self._cut_before_speaker(outer, d):
                outer = None  # "Li noted that X ― Ho boasted, “...”": Ho's quotation is Ho's, X is Li's
            if outer is None:
                kept.append(d)
            else:
                outer.direct = True
        for r in reported:
            if any(c in self.text[r.start : r.end] for c in '“”"«»'):
                r.direct = True
        covered = kept + reported
        for q in self.quotes:  # quoted words inside a sentence that no verb of saying introduces
            if not any(s.start <= q.start and q.end <= s.end for s in covered):
                # "doubted Sorvik’s claim that “...”": the claim's owner said it, not the doubter
                owned = self._owned(q) if self.on("possessive-quote") else None
                clause = owned if owned and owned.start < q.start else None  # the "claim that" form
                clause = clause or (self._quoting_clause(q) if self.on("quoting-clause") else None) or owned
                if clause:
                    covered.append(clause)
        found = _drop_nested(sorted(covered, key=lambda s: (s.start, s.end)))
        for s in found:
            if s.direct and (s.cue in CUES or not s.cue) and _no_speaker(s):
                s.speaker = Mention("", s.start)  # quoted words with no speaker phrase: as a floating quote
        found = [s for s in found if not _no_speaker(s) and not self._in_furniture(s.start)]
        self._name_speakers(found)
        return found

    def _cut_before_speaker(self, outer: Statement, inner: Statement) -> bool:
        """Where a quotation inside a reported statement names its own speaker before it, inside that
        statement, the statement ends before that speaker (if enough of it is left)."""
        at = inner.speaker.at if isinstance(inner.speaker, Mention) else -1
        if not (outer.start < at < inner.start) or inner.cue not in CUES:
            return False
        between = self.text[at : inner.start]
        if (
            word_count(between) > 8
            or not re.search(rf"\b{re.escape(inner.cue)}[,:]?\s*(?:that\s*)?[“\"'‘]+$", between)
            or _RELATIVE_END.search(self.text, max(0, at - 12), at)
        ):
            return False  # only "Ho boasted, “...”", not "what Ho called “...”" or "Ho described it as “...”"
        end = _CLAUSE_JOIN.sub("", self.text[outer.start : at])
        if word_count(end) < MIN_REPORTED_WORDS or end.count("“") != end.count("”") or end.count('"') % 2:
            return False
        outer.end = outer.start + len(end)
        return True

    def _owned(self, q: QuoteSpan) -> Statement | None:
        """Quoted words a possessive introduces: 'Musk’s “production hell”', 'his personal riffs
        (“...”)'; after a noun of saying and 'that' the statement is the clause: 'Trump’s claim
        that there have been “...” in Chicago'."""
        content = self.text[q.start : q.end]
        if is_title_case(content) or word_count(content) < 2:
            return None  # 'DuVernay’s “13th”': a title, not words said
        m = _POSSESSOR.search(self.text, max(q.para_start, q.start - 160), q.start - 1)
        if m is None:
            return None
        rest = word_count(m.group("rest"))
        if rest > 3 and not (m.group("noun") and rest <= 10):
            return None
        if m.group("name"):
            owner = Mention(m.group("name"), m.start("name"))
        else:
            owner = Mention(_PRONOUN_OF[m.group("pron").lower()], m.start("pron"))
        that = re.match(r"\w+\s+that\s+", m.group("rest")) if m.group("noun") else None
        if that is None:
            return Statement(owner, q.start, q.end, m.group("noun") or "", True)
        end = min((b for a, b in self.sentences if a <= q.start < b), default=q.para_end)
        end = rstrip_span(self.text, q.close, min(end, q.para_end))
        while end > q.close and self.text[end - 1] in ".;:,":
            end -= 1
        return Statement(owner, m.start("rest") + that.end(), max(end, q.close), m.group("noun"), True)

    def _turn(self, start: int, end: int) -> Statement | None:
        """A transcript turn: a capitalised name label and a colon opening a quotation, where the
        name also appears elsewhere in the text or labels more than one turn."""
        m = _TURN.match(self.text, start, end)
        if m is None or word_count(self.text[m.end() : end]) < MIN_QUOTE_WORDS:
            return None
        label = m.group("label")
        surname = label.split()[-1].title()
        labels = len(re.findall(rf"(?m)^[“\"]?{re.escape(label)}:", self.text))
        if labels < 2 and not re.search(rf"\b{re.escape(surname)}\b", self.text):
            return None
        return Statement(Mention(label.title(), start), m.end(), end, "", True)

    def _in_furniture(self, pos: int) -> bool:
        """Whether a position lies in a link to another story: 'READ MORE: ...', 'WATCH: ...'."""
        line_start = self.text.rfind("\n", 0, pos) + 1
        return _FURNITURE.match(self.text, line_start) is not None

    def _name_speakers(self, found: list[Statement]) -> None:
        """Name every speaker in text order, so that each pronoun and unattributed quote can lean
        on the speakers before it."""
        entities = Entities(self.text, self.sentences, [(q.start, q.end) for q in self.quotes])
        for s in found:
            phrase = s.speaker
            at = phrase.at if isinstance(phrase, Mention) else s.start
            naming = entities.name(phrase, at if at >= 0 else s.start)
            s.mention, s.speaker, s.resolved, s.kind = str(phrase), naming.name, naming.resolved, naming.kind
            if naming.resolved:
                entities.said(max(at, s.start), naming.name)


_RELATIVE_END = re.compile(r"\b(?:what|which|that|who|whom)\s+$", re.I)
# what joins a clause to the one before it: ", and ", " ― ", ", but "
_CLAUSE_JOIN = re.compile(r"[\s,;:―—–-]*(?:\b(?:and|but|while|as|when)\s*)?$")
# a possessive right before a quotation, with a few words or a noun of saying between
_POSSESSOR = re.compile(
    r"(?:(?<![\w’'])(?P<name>(?:[A-Z][\w.-]*\s+){0,2}[A-Z][\w-]*[a-z])[’']s|\b(?P<pron>[Hh]is|[Hh]er|[Tt]heir))\s+"
    r"(?P<rest>(?P<noun>(?:claim|claims|statement|remark|remarks|words|promise|pledge|warning|assertion|"
    r"description|comment|comments|call|vow|boast|charge|accusation)\b)?[^“”\"().,;:!?]*?)\(?$"
)
_PRONOUN_OF = {"his": "he", "her": "she", "their": "they"}
# a speaker label opening a transcript turn: "WALLACE: ", "JAKE TAPPER: " (capitals, no single letter)
_TURN = re.compile(r"(?P<label>(?:[A-Z][A-Z.’'-]+\s){0,2}[A-Z][A-Z’'-]*[A-Z]):\s+")
# a line that links to other coverage, not part of the story
_FURNITURE = re.compile(r"[ \t]*(?:READ MORE|WATCH|RELATED|LISTEN|VIDEO|PHOTOS|MORE|SEE ALSO)\s*:")
# words that end a phrase only when it is cut short: "In the", "The president has not", "Nanaimo also"
_OPEN_ENDS = frozenset(
    """the a an that which who was were is are has have had not or and also their his her its of from
    with for to in on at by being been""".split()
)
_LEADING = frozenset("but and as so yet then still".split())
_PREPOSITIONS = frozenset("in on at with for from by to of after before during over under into".split())


def _no_speaker(s: Statement) -> bool:
    """Whether the phrase found as the speaker is a fragment of the sentence, not anyone: 'In the',
    'With', 'The other words or' (a statement by nobody is not a statement)."""
    if not isinstance(s.speaker, Mention) or not s.speaker.strip() or s.cue == "according to":
        return False
    words = [w.lower().strip(".,;:") for w in s.speaker.split()]
    while words and words[0] in _LEADING:
        words = words[1:]
    if not words:
        return True
    return words[0] in _PREPOSITIONS or words[-1] in _OPEN_ENDS or s.speaker.endswith("-")


def _drop_nested(statements: list[Statement]) -> list[Statement]:
    """Where two statements overlap, keep the direct one, else the longer one."""
    kept: list[Statement] = []
    for s in statements:
        clash = next((k for k in kept if s.start < k.end and k.start < s.end), None)
        if clash is None:
            kept.append(s)
            continue
        better = (s.direct, s.end - s.start) > (clash.direct, clash.end - clash.start)
        if better:
            kept[kept.index(clash)] = s
    return kept
