"""The speaker phrase next to a verb of saying, before it or after it."""

from __future__ import annotations

import re

from plugins.quotes.entities import PERSON_ROLES
from plugins.quotes.lexicon import (
    AMBIGUOUS,
    AUX,
    COPULAS,
    DESCRIPTION,
    GROUP,
    GROUP_NOUNS,
    NAME_TAIL,
    NOT_A_FUNCTION_WORD,
    NOT_BEFORE_VERB,
    NOT_IN_NAMES,
    NOT_SUBJECTS,
    OBJECT_CUES,
    PERSON_NOUNS,
    POSSESSIVE_ROLE,
    PROGRESSIVE,
    SENTENCE_BREAK,
    SUBJECT_ENDS,
    SUBJECT_VERB,
    SUBJECT_VERB_SHORT,
    WRITTEN,
)
from plugins.quotes.speakers import ORG_WORDS
from plugins.text import ABBREVIATIONS

# a phrase ending in a form of "be" (and perhaps an adverb, not an -ing form): a passive follows
_PASSIVE_END = re.compile(r"\s(?:was|were|is|are|be|been|being)(?:\s+(?![a-z]+ing\b)[a-z]+)?\s*$", re.I)
# passives whose subject is still the one who said the words: "was asked about", "was quoted as"
_STILL_THE_SPEAKER = frozenset("asked quoted reported heard overheard recorded filmed seen".split())


def passive_before(phrase: str, verb: str) -> bool:
    """Whether the verb after this phrase is a passive whose subject did not say the words: "The
    council was today accused of “...”", "She is said to be “...”" (not "was asked", "is warning")."""
    verb = verb.lower()
    return bool(_PASSIVE_END.search(phrase)) and not verb.endswith("ing") and verb not in _STILL_THE_SPEAKER


def subject_before(text: str, floor: int, pos: int) -> tuple[str, int] | None:
    """The speaker phrase ending just before a cue at pos (looking no further back than floor)."""
    breaks = list(SENTENCE_BREAK.finditer(text, floor, pos))
    if breaks:
        floor = breaks[-1].end()
    s = text[floor:pos]
    cue = re.match(r"\w+", text[pos : pos + 30])
    if cue and passive_before(s, cue.group(0)):
        return None
    s = AUX.sub("", s).rstrip()
    s = _PARTY.sub("", s)  # "Harry Reid (D-Nev.) said": the party is not the name
    if s.endswith(("—", "–", " -")):  # "Joyce — who is listed as an attorney — told"
        inner = s.rstrip("—–- ")
        dash = max(inner.rfind("—"), inner.rfind("–"), inner.rfind(" - "))
        if dash == -1:
            return None
        s = inner[:dash].rstrip()
    if s.endswith(","):  # an appositive: "Michael Madden, an expert at X, said"
        inner = s[:-1]
        comma = inner.rfind(",")
        if comma != -1 and len(inner) - comma < 160:
            named = _APPOSITIVE_NAME.fullmatch(inner, comma + 1)
            # (the description may open the sentence: "The ferry operator, Baltic Lines, said")
            if named and re.search(
                r"\b(?:[Tt]he|[Aa]n?|[Ii]ts|[Tt]heir|[Hh]is|[Hh]er)\s+[a-z]", inner[:comma]
            ):
                # "the director of operations, Jeff Fraser, said": the name is the appositive
                return named.group(1), floor + named.start(1)
            s = inner[:comma].rstrip()
        else:
            return None
        s = re.sub(
            r"(?:\s*\([^()]{1,40}\)|,\s*\d{1,3})$", "", s
        )  # "McCaskill (D-Mo.), who ...", "Carr, 31, a ..."
    if not s:
        return None
    if re.search(r"[,”\"]?\s+and$", s):  # "De Blasio called Trump a “blowhard,” and said ..."
        sv = SUBJECT_VERB.match(text, floor, pos)
        if sv and sv.group("verb").lower() in COPULAS:
            sv = SUBJECT_VERB_SHORT.match(text, floor, pos)  # the verb found was a word of the object
        told = cue is not None and cue.group(0) in OBJECT_CUES
        if told and sv and passive_before(text[sv.start("subj") : sv.start("verb")], sv.group("verb")):
            return None  # "Ana was diagnosed with it and told ...": "told" after a passive is one too
        if sv and sv.group("verb").lower() not in COPULAS:
            return sv.group("subj"), floor + sv.start("subj")
        return None
    bare_rel = re.search(r"(?<=[a-z])\s+(?:who|which)$", s)
    if bare_rel:  # "hired an architect who said": the speaker is the one the nearest description names
        head = s[: bare_rel.start()]
        for d in reversed(list(_DETERMINER.finditer(head))):
            described = DESCRIPTION.match(head, d.start())
            if described:
                return described.group(0), floor + d.start()
    rel = re.search(r",\s+who(?:\s+(?:in|on|last|earlier|this)\s+[\w-]+)?$", s)
    if rel:  # "McConnell, now the majority leader, who in 2010 said": the speaker is the one named
        named = NAME_TAIL.search(s, 0, rel.start())
        ahead = s[: named.start()] if named else ""
        clause = ahead[ahead.rfind(",") + 1 :] if "," in ahead else None  # the words since an appositive
        last_word = ahead.split()[-1].lower() if ahead.split() else ""
        if (
            named
            and named.group(0)[:1].isupper()
            and last_word
            and last_word not in _OF_PLACE
            and (clause is None or _CLAUSE_VERB.search(clause))
        ):
            # "Cruz endorses Trump, who says", "said Harvey, who added": the name right before "who"
            # speaks, unless it is part of an appositive or a place ("Li, the head of the union in
            # Ohio, who": not Ohio)
            return named.group(0), floor + named.start()
        return subject_before(text, floor, floor + rel.start() + 1)
    m = re.search(r"\b(he|she|they|I|we|it)$", s, re.I)
    if m:
        return m.group(1), floor + m.start()
    m = POSSESSIVE_ROLE.search(s)
    if m and (m.group(2).lower() in PERSON_NOUNS or m.group(2).lower() in ORG_WORDS):
        return m.group(1), floor + m.start(1)  # "Donald Trump's campaign manager"
    m = NAME_TAIL.search(s)
    lead = re.match(r"(?:[a-z]+\s+)*", m.group(0)) if m else None  # "and Dayton": the name is Dayton
    if m and lead is not None and m.group(0)[lead.end() :][:1].isupper():
        phrase, at = m.group(0)[lead.end() :], floor + m.start() + lead.end()
        while phrase.split(None, 1)[0].lower() in NOT_SUBJECTS and " " in phrase:  # "Then Brafman"
            head = phrase.split(None, 1)[0]
            phrase, at = phrase[len(head) :].lstrip(), at + len(phrase) - len(phrase[len(head) :].lstrip())
        if phrase.lower() not in NOT_SUBJECTS:
            return phrase, at
    m = DESCRIPTION.search(s)
    if m:
        return m.group(0), floor + m.start()
    m = GROUP.search(s)
    if m and (
        m.group(2).lower() in ORG_WORDS
        or m.group(2).lower().rstrip("s") in PERSON_NOUNS
        or m.group(2).lower() in GROUP_NOUNS
    ):
        return m.group(1), floor + m.start(1)
    return None


_CLAUSE_VERB = re.compile(
    r"\b(?:[a-z]{3,}ed|said|says|told|was|is|were|are|been|has|had)\b|[A-Z][\w'’-]+\s+[a-z]{3,}s\b"
)
_OF_PLACE = frozenset("in of at for from with by to on near outside across".split())
_DETERMINER = re.compile(
    r"\b(?:the|a|an|his|her|their|its|one|another|two|three|several|many|some|most|other)\s", re.I
)
# a person's name standing alone as an appositive: " Jeff Fraser", " Ana María López"
_APPOSITIVE_NAME = re.compile(r"\s*((?:[A-Z][\w'’-]+\.?\s+){1,3}[A-Z][\w'’-]+)\s*")


def abbreviation_before(text: str, dot: int) -> bool:
    """Whether the full stop at dot ends an abbreviation or initial ("Ms.", "J.") rather than a sentence."""
    word = re.search(r"([\w.]+)$", text[:dot])
    return word is not None and (word.group(1).lower() in ABBREVIATIONS or len(word.group(1)) == 1)


def cue_fits(cue: str, text: str, floor: int, cue_at: int) -> bool:
    """Whether a cue word is used as a verb of saying here, not as a noun or in the passive."""
    before = text[max(floor, cue_at - 40) : cue_at]
    prev = _WORDS.findall(before)
    if cue in PROGRESSIVE:
        return (
            bool(prev)
            and re.fullmatch(r"(?:is|was|are|were|been|isn['’]t|wasn['’]t)", prev[-1].lower()) is not None
        )
    if prev and (prev[-1].lower() in NOT_BEFORE_VERB or re.search(r"['’]s$", prev[-1])):
        return False
    if cue in AMBIGUOUS:
        after = text[cue_at + len(cue) : cue_at + len(cue) + 8]
        if not re.match(r"\s*(?:that\b|:|,|[“\"])", after) and cue not in ("says", "read", "reads"):
            return False
    if cue in ("read", "reads"):
        return bool(WRITTEN.search(text[max(floor, cue_at - 80) : cue_at]))
    return True


_NAME_RUN = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|bin|al))*"
_SUBJECT_AFTER = re.compile(rf"\s+((?:(?:the|a|an)\s+)?(?:[\w'’.-]+\s+){{0,5}}?{_NAME_RUN})")
_SUBJECT_AFTER_LONG = re.compile(rf"\s+((?:(?:the|a|an)\s+)?(?:[\w'’.-]+\s+){{0,5}}{_NAME_RUN})")


def subject_after(text: str, pos: int, ceiling: int) -> tuple[str, int] | None:
    """The speaker phrase starting just after an inverted cue ("..., said Michael Madden")."""
    s = text[pos:ceiling]
    m = re.match(r"\s+(he|she|they|I|we|it)\b", s, re.I)
    if m:
        return m.group(1), pos + m.end()
    m = _SUBJECT_AFTER.match(s)
    if m and not SUBJECT_ENDS.match(s, m.end()):
        # "said Democratic strategist David Axelrod, ...": the name comes after a lower-case title
        longer = _SUBJECT_AFTER_LONG.match(s)
        m = longer if longer and SUBJECT_ENDS.match(s, longer.end()) else m
    if m and not any(w.lower() in NOT_IN_NAMES for w in m.group(1).split()):
        return m.group(1), pos + m.end()
    m = _ROLE_THEN_NAME.match(s)  # "said oil and gas worker Mike Wipf"
    if m and m.group(1).split()[-1] in PERSON_ROLES and SUBJECT_ENDS.match(s, m.end()):
        return m.group(2), pos + m.end()
    m = _DESCRIBED_AFTER.match(s)
    if m:
        return m.group(1), pos + m.end()
    return None


_ROLE_THEN_NAME = re.compile(r"\s+((?:[a-z][\w'’-]*\s+){1,5})((?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*)")
# "according to a senior official who ...": a description, up to a word of grammar or a relative
_WORD_OF_DESCRIPTION = NOT_A_FUNCTION_WORD + r"(?!(?-i:that|and|or|but)\b)[\w'’-]+"
_DESCRIBED_AFTER = re.compile(
    rf"\s+((?:the|a|an|one|another)\s+(?:{_WORD_OF_DESCRIPTION}\s+){{0,3}}{_WORD_OF_DESCRIPTION})", re.I
)


_PARTY = re.compile(r"\s*\([^()]{1,40}\)$")
_WORDS = re.compile(r"[\w'’]+")
