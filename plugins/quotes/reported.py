"""Reported speech: statements attributed without (or beyond) quotation marks."""

from __future__ import annotations

import re

from plugins.quotes.entities import first_name_gender
from plugins.quotes.lexicon import (
    ACCORDING,
    ADVERBIAL,
    CAP,
    CLAUSE,
    CUE_RE,
    MIN_REPORTED_WORDS,
    NEXT_CLAUSE,
    NOT_SUBJECTS,
    NOUN_OBJECT_CUES,
    OBJECT_CUES,
    PARTICIPLE,
    PROGRESSIVE,
    QUOTING_CUES,
    QUOTING_PARTICIPLES,
    SAYING_PARTICIPLES,
    SHORT_OBJECT_CUES,
    SUBJECT_ENDS,
)
from plugins.quotes.marks import lstrip_span, paragraphs, rstrip_span, word_count
from plugins.quotes.reading import Mention, Reading, Statement
from plugins.quotes.subjects import cue_fits, subject_after, subject_before


class ReportedRules(Reading):
    """Attribution rules for reported speech."""

    def _reported(self, used_cues: set[int]) -> list[Statement]:
        """Reported speech: 'KCNA said Kim boarded...', '..., Peskov said.', 'according to TASS, ...'."""
        text = self.text
        out = []
        for sa, sb in self.sentences:
            body_end = sb - 1 if text[sb - 1] in ".!?" else sb
            found = -1  # where the last statement found in this sentence ends
            for m in CUE_RE.finditer(text, sa, sb) if self.on("reported") else ():
                cue_at = m.start()
                if cue_at in used_cues or self._inside_quote(cue_at) or cue_at < found:
                    continue
                statement = self._reported_at(sa, body_end, m.start(), m.end(), m.group(1))
                self.extra, extra = [], self.extra
                if statement and statement.start > found:
                    out.append(statement)
                    out.extend(extra)
                    found = statement.end  # "X called it “shameful” and said ...": a second statement
            if found < 0:
                statement = self._participle(sa, body_end, used_cues) if self.on("participle") else None
                if statement:
                    out.append(statement)
                    continue
                for m in ACCORDING.finditer(text, sa, sb) if self.on("according") else ():
                    if self._inside_quote(m.start()):
                        continue
                    statement = self._according(sa, body_end, m.start(), m.end())
                    if statement:
                        out.append(statement)
                        break
        return out

    def _reported_at(self, sa: int, sb: int, cs: int, ce: int, cue: str) -> Statement | None:
        text = self.text
        lead = text[sa:cs]
        trail = text[ce:sb]
        # "CONTENT, SUBJECT said." or "CONTENT, said SUBJECT, an expert at X."
        if not re.match(r"\s*(that\b|:)", trail) and cue not in PROGRESSIVE:
            subject = None
            content_end = -1
            ends_with_comma = re.search(r",[”\"’]?\s*$", lead) is not None  # '... "raw time," said X'
            appositive = _NAME_THEN_COMMA.match(trail) is not None  # "said Ana Li, a ... who ..."
            if (not lead.strip(" ,") or ends_with_comma) and (word_count(trail) <= 14 or appositive):
                subject = subject_after(text, ce, sb)
                if subject and not SUBJECT_ENDS.match(text, subject[1], sb):
                    subject = None  # "..., said it was impossible": a clause follows, not a speaker
                content_end = sa + len(lead.rstrip(" ,"))
            after = NEXT_CLAUSE.match(trail)  # "..., Fiorina said, adding that ..."
            joined = _JOINED.match(trail) is not None  # "..., he said, and ..."
            if subject is None and (not trail.strip(" .") or ADVERBIAL.match(trail) or after or joined):
                subject = subject_before(text, sa, cs)
                content_end = text.rfind(",", sa, subject[1]) if subject else -1
            if subject and content_end > sa and cue_fits(cue, text, sa, cs):
                start = lstrip_span(text, sa, content_end)
                end = rstrip_span(text, start, content_end)
                while end > start and text[end - 1] in '”"':
                    end -= 1
                while start < end and text[start] in '“"':
                    start += 1
                if word_count(text[start:end]) >= MIN_REPORTED_WORDS and self._quoted_if_needed(
                    cue, start, end
                ):
                    speaker = self.resolve(subject[0], subject[1])
                    if after is not None and after.group(1) in SAYING_PARTICIPLES:
                        more = re.match(r"\s*(?:that\b|:)?", text[ce + after.end() : sb])
                        said = lstrip_span(text, ce + after.end() + (more.end() if more else 0), sb)
                        if word_count(text[said:sb]) >= MIN_REPORTED_WORDS:
                            self.extra.append(
                                Statement(speaker, said, rstrip_span(text, said, sb), after.group(1), False)
                            )
                    return Statement(speaker, start, end, cue, False)
        # "SUBJECT said (that) CONTENT."
        subject = subject_before(text, sa, cs)
        if subject is None and cue in _PLAIN_CUES:
            subject = _plain_subject(text, sa, cs)
        if not subject or not cue_fits(cue, text, sa, cs):
            return None
        if cue in PROGRESSIVE and text[ce : ce + 1] == ",":
            return None  # "nobody is arguing, since ...": the verb has no statement of its own
        start = ce
        rest = text[ce:sb]
        skip = re.match(
            r"\s*(?:(?:on \w+|in an? [\w\s-]{1,40}?|to [\w\s.-]{1,40}?|last \w+|this \w+)\s*(?:that\b|:|,)"
            r"|that\b|:|,)?",
            rest,
        )
        # "said on Monday evening that ...", "told reporters in the capital that ..."
        to_that = re.match(r"\s*(?:[\w'’.-]+\s+){0,8}?that\b", rest)
        if to_that and word_count(rest[to_that.end() :]) < MIN_REPORTED_WORDS:
            to_that = None  # "said the new dam could change that": the 'that' ends the statement
        to_colon = re.match(r"\s*(?:[\w'’.-]+\s+){0,5}?[\w'’.-]+:", rest)  # "told parliament: “...”"
        if to_that:
            skip = to_that
        elif to_colon:
            skip = to_colon
        elif cue in NOUN_OBJECT_CUES and not re.search(r"[“\"]", rest):
            # "explained the decision": a thing, not a statement, unless a clause follows
            if not CLAUSE.search(rest):
                return None
        elif cue in OBJECT_CUES:
            skip = re.match(r"\s*(?:(?:the|a|an|reporters|journalists|[A-Z][\w'’.-]*)\s*)+", rest)
        if skip:
            start += skip.end()
        start = lstrip_span(text, start, sb)
        end = rstrip_span(text, start, sb)
        turn = NEXT_CLAUSE.search(text, start, end)
        if turn and word_count(text[start : turn.start()]) >= MIN_REPORTED_WORDS:
            # "said X, arguing that Y": X is what was said, and Y too when the participle is one of saying
            more = re.match(r"\s*(?:that\b|:)?", text[turn.end() : end])
            more_start = lstrip_span(text, turn.end() + (more.end() if more else 0), end)
            if turn.group(1) in SAYING_PARTICIPLES and word_count(text[more_start:end]) >= MIN_REPORTED_WORDS:
                self.extra.append(
                    Statement(self.resolve(subject[0], subject[1]), more_start, end, turn.group(1), False)
                )
            end = rstrip_span(text, start, turn.start())
        verb = _AND_VERB.search(text, start, end)
        if verb and not CUE_RE.fullmatch(verb.group(1)):
            verb = None  # "had been tested and worked": one statement; only a verb of saying starts another
        if (
            verb
            and word_count(text[start : verb.start()]) >= MIN_REPORTED_WORDS
            and not self._inside_quote(verb.start())
        ):
            # "said A and warned B": a second verb of saying of the same subject ends the statement,
            # and what follows it is a statement of its own
            said = lstrip_span(text, verb.end(), end)
            that = _THAT.match(text, said, end)
            said = lstrip_span(text, that.end() if that else said, end)
            if word_count(text[said:end]) >= MIN_REPORTED_WORDS:
                self.extra.append(
                    Statement(self.resolve(subject[0], subject[1]), said, end, verb.group(1), False)
                )
            end = rstrip_span(text, start, verb.start())
        if not text[start:end].strip() and text[ce : sb + 1].strip().endswith(":"):
            # "In a speech last July, he said:" and the words follow as their own paragraph
            following = next((p for p in paragraphs(text) if p[0] > sb), None)
            if following:
                start, end = following
        end = self._object_end(cue, start, end)
        if not self._enough(cue, start, end) or not self._quoted_if_needed(cue, start, end):
            return None
        if (
            text[start] in '“"'
            and text[end - 1] in '”"'
            and not re.search(r"[“”\"]", text[start + 1 : end - 1])
        ):
            start, end = start + 1, end - 1  # the whole statement is one quotation: its words, not the marks
        elif text[start] in '“"' and ("”" if text[start] == "“" else '"') not in text[start + 1 : end]:
            start += 1  # a quotation cut where the statement ends: its opening mark alone is no part of it
        return Statement(self.resolve(subject[0], subject[1]), start, end, cue, False)

    def _object_end(self, cue: str, start: int, end: int) -> int:
        """'called it “shameful” and called on ...': what such a verb attributes ends with its quotation."""
        if cue not in SHORT_OBJECT_CUES:
            return end
        first = next((q for q in self.quotes if start <= q.start < end), None)
        return min(end, first.close) if first else end

    def _enough(self, cue: str, start: int, end: int) -> bool:
        """Enough words for a statement: three, or two where a quoting verb's object is quoted
        ('called Trump “unhinged”')."""
        words = word_count(self.text[start:end])
        quoted = any(c in self.text[start:end] for c in '“”"«»')
        return words >= MIN_REPORTED_WORDS or (words == 2 and quoted and cue in SHORT_OBJECT_CUES)

    def _quoted_if_needed(self, cue: str, start: int, end: int) -> bool:
        """Verbs such as 'called' attribute words only when some are quoted."""
        return cue not in QUOTING_CUES or any(c in self.text[start:end] for c in '“”"«»')

    def _participle(self, sa: int, sb: int, used_cues: set[int]) -> Statement | None:
        """'..., saying X': the sentence's subject said X."""
        text = self.text
        for m in PARTICIPLE.finditer(text, sa, sb):
            if self._inside_quote(m.start()) or m.start(1) in used_cues:
                continue
            head = text[sa : m.start()]
            subject = re.match(r"\s*(?:[A-Z][\w'’]*(?:\s+\d+)?,\s+)?(he|she|they|it|I|we)\b", head)
            name = None if subject else re.match(rf"\s*((?:{CAP}\s+)*{CAP})", head)
            phrase, at = (
                (subject.group(1), sa + subject.start(1))
                if subject
                else ((name.group(1), sa + name.start(1)) if name else (None, 0))
            )
            speaker = self.quoted_by.get(sa)  # "“We need change,” Trump said, arguing that ..."
            if speaker is None and (phrase is None or phrase.lower() in NOT_SUBJECTS):
                continue
            start = m.end()
            rest = text[start:sb]
            skip = re.match(r"\s*(?:[\w'’.-]+\s+){0,8}?that\b", rest) if m.group(1) == "telling" else None
            skip = skip or re.match(r"\s*(?:that\b|:)?", rest)
            start = lstrip_span(text, start + (skip.end() if skip else 0), sb)
            end = rstrip_span(text, start, sb)
            end = self._object_end(m.group(1), start, end)
            if self._enough(m.group(1), start, end):
                if m.group(1) in QUOTING_PARTICIPLES and not re.search(r"[“”\"]", text[start:end]):
                    continue
                who = self.resolve(phrase, at) if phrase and speaker is None else speaker or ""
                return Statement(who, start, end, m.group(1), False)
        return None

    def _according(self, sa: int, sb: int, cs: int, ce: int) -> Statement | None:
        text = self.text
        lead = text[sa:cs]
        subject = subject_after(text, ce, sb)
        if not subject:  # "according to police, ...", "..., according to federal statistics."
            plain = _PLAIN_SOURCE.match(text, ce, sb)
            if not plain or (lead.strip(" ,") and text[plain.end() : sb].strip(" .")):
                return None
            subject = plain.group(1), plain.start(1)
        if lead.strip(" ,"):  # "CONTENT, according to SUBJECT."
            start, end = lstrip_span(text, sa, cs), sa + len(lead.rstrip(" ,"))
        else:  # "According to SUBJECT, CONTENT."
            comma = text.find(",", subject[1], sb)
            if comma == -1:
                return None
            start, end = lstrip_span(text, comma + 1, sb), sb
        end = rstrip_span(text, start, end)
        if word_count(text[start:end]) < MIN_REPORTED_WORDS:
            return None
        return Statement(self.resolve(subject[0], subject[1]), start, end, "according to", False)

    def _pull_quotes(self) -> list[Statement]:
        """A paragraph of its own that a name signs: 'We will rebuild. Ana Li, mayor', or an embedded
        post 'We are restoring power ... — City Hydro (@cityhydro) May 2, 2024'."""
        out = []
        for pa, pb in paragraphs(self.text):
            para = self.text[pa:pb]
            m = _SIGNED.match(para) or ("(@" in para and _EMBEDDED_POST.match(para)) or None
            if not m or re.search(r"\b(?:photo|gallery|file image)\b", para, re.I):
                continue  # a photo caption signed by its photographer says nothing
            name = m.group("name")
            if m.re is _SIGNED and first_name_gender(name.split()[0]) is None:
                continue  # a signature is a person's name
            start = lstrip_span(self.text, pa + m.start("said"), pa + m.end("said"))
            end = rstrip_span(self.text, start, pa + m.end("said"))
            while end > start and self.text[end - 1] in ".!?":
                end -= 1
            if word_count(self.text[start:end]) >= 6 and not self._inside_quote(start):
                out.append(Statement(Mention(name, pa + m.start("name")), start, end, "", False))
        return out


# "<words>. Ana Li" or "<words>. Ana Li, Lake Town mayor" as a paragraph of its own
_SIGNED = re.compile(
    r"(?P<said>[^\n“”\"]{20,}?[.!?])\s+(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2})(?:,\s+[^.\n]{1,60})?\s*$"
)
# "<words> pic.twitter.com/... — City Hydro (@cityhydro) May 2, 2024"
_EMBEDDED_POST = re.compile(
    r"(?P<said>[^\n“”\"]{20,}?)(?:\s*\S*pic\.twitter\.com/\S+)?\s+[—–-]\s+(?P<name>[^(\n]{2,40}?)\s+\(@\w+\)"
)


# "said Ana Li, ...": a name right after the cue, then an appositive however long
_NAME_THEN_COMMA = re.compile(r"\s+(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*,\s")
# ", and ..." / ", but ..." after "..., he said": the statement is what came before the cue
_JOINED = re.compile(r"\s*,\s+(?:and|but)\s")
# the verbs of saying that take any noun phrase as their subject ("63 percent said", "experts say")
_PLAIN_CUES = frozenset("said say says told tell tells".split())
# a source in lower case after "according to": "police", "federal statistics", "exit polls"
_PLAIN_SOURCE = re.compile(r"\s+((?:[\w'’-]+\s+){0,4}[\w'’-]+)\s*(?:,|\.?$)")
_NOT_IN_SUBJECT = frozenset(
    """is was are were be been being has have had do does did would will can could should may might
    must not that which who what when if as than because while after before since so but also""".split()
)
_ADVERB_OPENER = re.compile(r"\s*(?:However|But|And|Still|Yet|Meanwhile|Instead|Overall|Now|Today),\s+")


def _plain_subject(text: str, sa: int, cs: int) -> tuple[str, int] | None:
    """The noun phrase opening a sentence right before its verb of saying: 'Nearly eight of 10 voters
    say', 'Experts on river ecology said', 'Elected officials from both parties say'."""
    opener = _ADVERB_OPENER.match(text, sa, cs)
    start = opener.end() if opener else sa
    while start < cs and text[start] in ' \t\n“"(':
        start += 1
    phrase = text[start:cs].rstrip()
    words = phrase.split()
    if not 1 <= len(words) <= 8 or re.search(r"[,;:“”\"()—–]", phrase):
        return None
    lowered = [w.lower().strip(".") for w in words]
    if lowered[0] in _PRONOUN_HEADS or any(w.endswith(("n't", "n’t")) for w in lowered):
        return None  # "he won't say", "you simply can't say": no statement
    if lowered[0] in NOT_SUBJECTS or lowered[-1] in _OPEN_END_WORDS or set(lowered) & _NOT_IN_SUBJECT:
        return None
    if any(re.search(r"(?:ed|ing)$", w) and w not in ("elected", "retired", "united") for w in lowered[1:]):
        return None  # "The plan approved yesterday said" is a clause, not a noun phrase
    if len(words) >= 2 and words[1][:1].islower() and re.fullmatch(r"[A-Z][a-z]+", words[0]):
        phrase = phrase[:1].lower() + phrase[1:]  # "Experts on ...": a description, not a name
    return phrase, start


_PRONOUN_HEADS = frozenset("he she they we you i it this that there".split())
_OPEN_END_WORDS = frozenset("the a an of to in on at by for from with and or his her their its".split())

# a second verb of the subject: "said A and warned B", "said A, and then added B"
_AND_VERB = re.compile(
    r",?\s+and\s+(?:then\s+|also\s+|later\s+)?([a-z]{3,}ed|said|told|wrote|spoke)\b(?!\s+(?:by|to|in|with)\b)"
)
_THAT = re.compile(r"\s*(?:that\b)?")
