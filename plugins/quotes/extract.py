"""Finding attributed statements: direct quotes and reported speech, with cue, speaker and offsets."""

from __future__ import annotations

from plugins.quotes.direct import DirectRules
from plugins.quotes.lexicon import MIN_QUOTE_WORDS
from plugins.quotes.marks import is_title_case, word_count
from plugins.quotes.reading import Statement
from plugins.quotes.reported import ReportedRules


class Extractor(DirectRules, ReportedRules):
    """Finds the attributed statements of one article."""

    def run(self) -> list[Statement]:
        """All statements, in text order."""
        direct: list[Statement] = []
        used_cues: set[int] = set()
        last_speaker: tuple[str, int] | None = None  # speaker of the previous quote, and its paragraph end
        for q in self.quotes:
            content = self.text[q.start : q.end]
            words = word_count(content)
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
                speaker, cue = last_speaker[0], ""  # a quote continued from the previous paragraph
            else:
                if not self.on("floating-quote") or words < 6 or is_title_case(content):
                    continue  # scare quotes, titles, slogans with nobody saying them
                recent = last_speaker and last_speaker[1] >= q.para_start - 600
                speaker = (
                    last_speaker[0] if last_speaker and recent else self.resolver.last_person(q.start) or ""
                )
                cue = ""
                if not speaker:
                    continue
            if words < 1 or (words < MIN_QUOTE_WORDS and (not cue or embedded or is_title_case(content))):
                continue
            direct.append(Statement(speaker, q.start, q.end, cue, True))
            self.quoted_by[self._sentence_of(q.close)] = speaker
            last_speaker = (speaker, q.para_end)
            if cue_at >= 0 and not embedded:
                used_cues.add(cue_at)
        reported = self._reported(used_cues)
        # a quoted fragment inside a reported clause is part of that statement
        kept = []
        for d in direct:
            outer = next((r for r in reported if r.start <= d.start and d.end <= r.end), None)
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
                clause = self._quoting_clause(q) if self.on("quoting-clause") else None
                if clause:
                    covered.append(clause)
        found = sorted(covered, key=lambda s: (s.start, s.end))
        return _drop_nested(found)


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
