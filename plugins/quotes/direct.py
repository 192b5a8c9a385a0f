"""Direct quotes: who speaks the words inside quotation marks."""

from __future__ import annotations

import re

from plugins.quotes.lexicon import (
    ACCORDING,
    ANY_VERB_AFTER,
    COPULAS,
    CUE_RE,
    DASH_SOURCE,
    NOT_VERBS,
    SUBJECT_VERB,
)
from plugins.quotes.marks import QuoteSpan, is_title_case, lstrip_span, word_count
from plugins.quotes.reading import Reading, Statement
from plugins.quotes.subjects import (
    abbreviation_before,
    cue_fits,
    passive_before,
    subject_after,
    subject_before,
)

# an opening phrase before a sentence's subject: "At Monday's debate, ", "In a speech on Friday, "
_TRAILING_AUX = re.compile(r"(?:\s+(?:has|had|have|also|then|later|again|would|will|repeatedly|once|even))+$")
# words that introduce quoted words as words: "as “...”", "the phrase “...”", "the nickname “...”"
_NAMING_BEFORE = re.compile(r"\b(?:as|phrase|term|words?|slogan|nickname|label|name)(?:\s+(?:a|an|the))?\s*$")
# a verb right before a quotation: "..., chanting “...”", "boasted, “...”", "call them “...”"
_NEAR_VERB = re.compile(
    r"\b([a-z]{3,}ing|[a-z]{3,}ed|says|said|calls|call)(?:\s+(?:them|him|her|it))?[,:]?\s*"
)
# a second clause joined to the sentence before the quotation: "The hearing ran late, and X likened ..."
_JOINED_CLAUSE = re.compile(r",\s+(?:and|but|while|as|when)\s+(?:[A-Z][\w’'.-]*\s+){0,2}[A-Z]")
_OPENERS = frozenset("at in on during after before later earlier meanwhile".split())
_SUBORDINATORS = frozenset("as when while although though because since once if".split())
_OPENING = re.compile(
    "(?:(?:" + "|".join(sorted(w.capitalize() for w in _OPENERS)) + r")\b[^,“”\"]{0,50},\s*"
    "|(?:" + "|".join(sorted(w.capitalize() for w in _SUBORDINATORS)) + r")\b[^,;“”\"]{0,80},\s*"
    r"|(?:[\w-]+\s+){1,3}(?:years?|months?|weeks?|days?)\s+(?:ago|later|earlier),?\s*)"
)
_TIME_NOUNS = frozenset("years months weeks days hours times decades".split())
# "Clinton is describing ...", "Reid has been steadily pounding ...": a verb of the progressive
_PROGRESSIVE_VERB = re.compile(
    r"\s*(?P<subj>[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){0,6}?)"
    r"(?:\s*\([^)]{1,20}\))?(?:,[^,]{3,60},)?"
    r"\s+(?:is|was|are|were|has been|had been|have been)\s+(?:\w+ly\s+)?(?P<verb>[a-z]{3,}ing)\b"
)


# a name and its verb inside a sentence: "Trump likened", "Reid has repeatedly called"
_INNER_SUBJECT_VERB = re.compile(
    r"(?<![\w’'])(?P<subj>(?:[A-Z][\w’'.-]*\s+){0,2}[A-Z][\w’'-]*[a-z])\s+(?:(?:has|had|have|also|again|repeatedly|"
    r"then|once|often|later)\s+)*(?P<verb>[a-z]{3,}ed|likens|calls|describes|dubs|labels|accuses)\b"
)


class DirectRules(Reading):
    """Attribution rules for quotations."""

    def _quoting_clause(self, q: QuoteSpan) -> Statement | None:
        """'Trump mocked their protestations as “political bullshit.”': the subject of the sentence
        is the source of the quoted words; the statement runs from its verb to the quotation's end."""
        content = self.text[q.start : q.end]
        if word_count(content) < 2 or not self._words_before(q):
            return None
        titled = is_title_case(content)
        sa, sb = next(((a, b) for a, b in self.sentences if a <= q.start < b), (q.para_start, q.para_end))
        m = SUBJECT_VERB.match(self.text, sa, q.start)
        if m and (m.group("subj").split()[0].lower() in _OPENERS or m.group("verb").lower() in _TIME_NOUNS):
            m = None  # "In recent weeks, X has gone after ...": the subject follows the opening phrase
        elif m and m.group("subj").split()[0].lower() in _SUBORDINATORS:
            # "As the speakers ended, protesters chanted “...”": the subject of the main clause
            opening = _OPENING.match(self.text, sa, q.start)
            main = SUBJECT_VERB.match(self.text, opening.end(), q.start) if opening else None
            m = main if main and main.group("verb").lower() not in COPULAS else m
        if not m or m.group("verb").lower() in COPULAS:
            # "At the debate, Clinton cited ...": the subject after an opening phrase
            opening = _OPENING.match(self.text, sa, q.start)
            m = SUBJECT_VERB.match(self.text, opening.end(), q.start) if opening else None
            m = m or _PROGRESSIVE_VERB.match(self.text, opening.end() if opening else sa, q.start)
        if m is not None and _JOINED_CLAUSE.search(self.text, m.end(), q.start) is not None:
            m = None  # "The hearing ran late, and X likened ...": the quotation belongs to the second clause
        if (not m or m.group("verb").lower() in COPULAS) and self.on("inner-clause") and not titled:
            # "..., and Trump likened the refugees to a “vicious snake”": a named subject and its verb
            # in the middle of the sentence, close before the quotation
            inner = [x for x in _INNER_SUBJECT_VERB.finditer(self.text, sa, q.start - 1)]
            m = inner[-1] if inner else None
            if m and (
                word_count(self.text[m.end() : q.start]) > 12
                or re.search(r"[.;:]", self.text[m.end() : q.start])
            ):
                m = None
        if not m or m.group("verb").lower() in COPULAS:
            return None
        if titled and not (
            CUE_RE.fullmatch(m.group("verb").lower())
            or _NAMING_BEFORE.search(self.text, m.end(), q.start - 1)
        ):
            return None  # "closed with “Dancing in the Dark”": a title; "used the phrase “...”" names words
        start = lstrip_span(self.text, m.end(), sb)
        end = q.close  # the attributed words end with the quotation, not with the sentence
        subject, at, verb = _TRAILING_AUX.sub("", m.group("subj")), m.start("subj"), m.group("verb")
        # "The council was today accused of “...”": the subject of a passive is its target, not its source
        passive = passive_before(self.text[m.start("subj") : m.start("verb")], verb)
        nearer = [v for v in _NEAR_VERB.finditer(self.text, start, q.start - 1) if v.end() == q.start - 1]
        if nearer and word_count(self.text[start : nearer[-1].start()]) > 5:
            # "Trump walked onto the stage, chanting “...”": the verb next to the quotation introduces it
            v = nearer[-1]
            own = subject_before(self.text, start, v.start(1)) if not v.group(1).endswith("ing") else None
            if own:
                (subject, at), passive = own, False
            start, verb = lstrip_span(self.text, v.end(), q.start), v.group(1)
        if passive:
            return None
        return Statement(self.resolve(subject, at), start, end, verb, True)

    def _attribute_quote(self, q: QuoteSpan) -> tuple[str, str, int, bool] | None:
        """Speaker and cue for a quote, looked for right after it, then right before it."""
        text = self.text
        # after: ", Peskov said" / " he said" / ", said Michael Madden" / ", Sullivan, who ..., said"
        nxt = min([o.start - 1 for o in self.quotes if o.start > q.close] + [q.para_end])
        after = text[q.close : nxt]
        sentence_end = next(
            (m for m in re.finditer(r"[.!?](\s|$)", after) if not abbreviation_before(after, m.start())),
            None,
        )
        window = after[: sentence_end.start() + 1] if sentence_end else after
        byline = DASH_SOURCE.match(after)
        if byline and self.on("dash-source") and not self._words_before(q):  # “...” ― Sonya Herridge
            name = byline.group(1).strip()
            return self.resolve(name, q.close + byline.start(1)), "", q.close + byline.start(1), False
        for m in CUE_RE.finditer(window) if self.on("cue-after") else ():
            cue_at = q.close + m.start()
            lead = window[: m.start()]
            if word_count(lead) > 12:
                break
            if not lead.strip(" ,—–-"):  # inverted: ", said Michael Madden"
                subject = subject_after(text, q.close + m.end(), q.close + len(window))
            else:
                subject = subject_before(text, q.close, cue_at)
            if subject and cue_fits(m.group(1), text, q.close, cue_at):
                # a fragment: words before the quote in its sentence, or more than a subject after it
                embedded = bool(self._words_before(q)) or word_count(lead) - word_count(subject[0]) > 3
                return self.resolve(subject[0], subject[1]), m.group(1), cue_at, embedded
        # any verb right after a quote that ends its sentence's first part: "“Denver,” he answered",
        # "“This is fantastic!” beamed Donald Hartley", "“Power to the people!” the group shouted"
        if self.on("verb-after") and not self._words_before(q):
            v = ANY_VERB_AFTER.match(window)
            verb = (v.group("verb") or v.group("verb2")) if v else None
            if v and verb and verb not in NOT_VERBS:
                at = q.close + (v.start("verb") if v.group("verb") else v.start("verb2"))
                subject = (
                    (v.group("subj"), q.close + v.start("subj"))
                    if v.group("subj")
                    else subject_after(text, at + len(verb), q.close + len(window))
                )
                if subject:
                    return self.resolve(subject[0], subject[1]), verb, at, False
        # before: "Rudenko said: “...”" / "Harris said, “...”"
        prev = max([o.close for o in self.quotes if o.close <= q.start - 1] + [q.para_start])
        if q.start - 1 == q.para_start and text[: q.para_start].rstrip().endswith(":"):
            # "The minority leader said flatly:" and the quote opens the next paragraph
            prev = max([o.close for o in self.quotes if o.close <= q.para_start] + [q.para_start - 300, 0])
        before = text[prev : q.start - 1]
        sentence_start = list(re.finditer(r'[.!?][”"]?\s+(?=[A-Z“"])', before))
        if sentence_start:
            prev += sentence_start[-1].end()
            before = text[prev : q.start - 1]
        cues = list(CUE_RE.finditer(before))
        if cues and self.on("cue-before"):
            m = cues[-1]
            between = before[m.end() :]
            if word_count(between) <= 25 and re.search(r"[:,]\s*$|that\s*$|\s$", between):
                cue_at = prev + m.start()
                subject = subject_before(text, max(prev, cue_at - 200), cue_at)
                if subject and cue_fits(m.group(1), text, max(prev, cue_at - 200), cue_at):
                    embedded = (
                        word_count(re.sub(r"^\s*(?:that|:)", "", between)) > 0 or self._words_after(q) >= 3
                    )
                    return self.resolve(subject[0], subject[1]), m.group(1), cue_at, embedded
        if (
            self.on("colon-paragraph")
            and q.start - 1 == q.para_start
            and text[: q.para_start].rstrip().endswith(":")
        ):
            # "Sanders made the following comment:" and the quotation is the next paragraph
            lead = text[: q.para_start].rstrip()
            sa = max((a for a, _ in self.sentences if a < len(lead) - 1), default=0)
            opening = re.match(r"(?:[^,]{1,40},\s*){0,2}", text[sa : len(lead)])  # "On July 6, 2015, "
            sv = SUBJECT_VERB.match(text, sa, len(lead)) or SUBJECT_VERB.match(
                text, sa + (opening.end() if opening else 0), len(lead)
            )
            if sv and sv.group("verb").lower() not in COPULAS:
                return self.resolve(sv.group("subj"), sa + sv.start("subj")), sv.group("verb"), -1, False
        acc = list(ACCORDING.finditer(before))
        if acc and self.on("according-quote"):
            m = acc[-1]
            subject = subject_after(text, prev + m.end(), q.start)
            if subject:
                return self.resolve(subject[0], subject[1]), "according to", prev + m.start(), False
        return None
