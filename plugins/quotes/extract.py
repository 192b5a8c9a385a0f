"""Finding attributed statements: direct quotes and reported speech, with cue, speaker and offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from plugins.quotes.speakers import ORG_WORDS, PERSON_PRONOUNS, PRONOUNS, TITLES, Resolver, strip_titles
from plugins.text import ABBREVIATIONS, sentences

# verbs of saying: they attribute a statement whether or not its words are quoted
_CUE_STEMS = """
say said says told tell tells added adds stated states announced announces noted notes explained
explains argued argues claimed claims insisted insists warned warns wrote writes tweeted tweets
reported reports declared declares acknowledged acknowledges admitted admits asserted asserts
confirmed confirms suggested suggests replied replies responded responds predicted predicts
testified testifies commented comments indicated indicates described describes informed assured
reminded reminds clarified clarifies concluded concludes mentioned mentions explained reassured
proclaimed proclaims exclaimed disputed disputes estimated estimates think thinks saying telling
""".split()
# verbs that take a thing as their object ("explained the decision"); a statement follows them only
# as a clause: after "that", in quotation marks, or with a verb of its own
_NOUN_OBJECT_CUES = frozenset(
    """explained explains described describes announced announces reported reports confirmed confirms
    noted notes mentioned mentions acknowledged acknowledges disputed disputes estimated estimates
    predicted predicts tweeted tweets wrote writes posted disclosed revealed reveals responded responds
    replied replies""".split()
)
_CLAUSE = re.compile(
    r"\b(?:is|was|are|were|will|would|has|had|have|can|could|should|may|might|must|did|does|do|"
    r"isn't|wasn't|won't|wouldn't|can't|didn't|doesn't)\b",
    re.I,
)
# -ing forms: a cue after "is"/"was" ("Trump isn't saying ..."); after a comma they are participles
_PROGRESSIVE = frozenset({"saying", "telling"})
# after a quote: a subject then any past or present verb, or an -ed verb then its subject
_ANY_VERB_AFTER = re.compile(
    r"[\s,]*(?:(?P<subj>he|she|they|we|I|(?:the|a|an)\s+[a-z]+(?:\s+[a-z]+)?|(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*)"
    r"\s+(?:(?:then|later|also|quickly|simply)\s+)?(?P<verb>[a-z]{3,}(?:ed|s))"
    r"|(?P<verb2>[a-z]{3,}ed))\b"
)
# a sentence that opens with its subject and a verb: "Former Obama spokesman Robert Gibbs derided ..."
_SUBJECT_VERB = re.compile(
    r"\s*(?P<subj>he|she|they|we|I|It|(?:(?:the|a|an|his|her|their)\s+)?(?:[A-Z][\w'’.-]*\s+){0,5}[A-Z][\w'’-]*"
    r"|(?:the|a|an|his|her|their)\s+(?:[a-z][\w'’-]*\s+){0,3}[a-z][\w'’-]*)"
    r"(?:,[^,]{3,120},)?"  # an appositive: "Cruz, leading narrowly in Iowa polls, questioned ..."
    r"\s+(?:(?:also|then|later|again|has|had|have|would|will|repeatedly|once|even)\s+)*"
    r"(?P<verb>[a-z]{3,}(?:ed|s)|told|wrote|said|spoke|took|made|gave|called)\b",
    re.I,
)
_COPULAS = frozenset("was is has does seems looks remains becomes appears means its his this".split())
_NOT_VERBS = frozenset("was has is does goes gets comes needs means seems looks this its his hers".split())
_PARTICIPLE = re.compile(
    r",\s+(?:while\s+|also\s+|and\s+)*(saying|telling|adding|noting|arguing|claiming|insisting|warning|"
    r"explaining|announcing|writing|tweeting|stating|suggesting|declaring|asserting|contending|"
    r"acknowledging|predicting|calling|describing|dubbing|labeling|labelling|praising|accusing|urging|"
    r"vowing|promising|blasting|slamming|mocking|lamenting|conceding|boasting)\b"
)
# participles that attribute words only when some are quoted (", calling him “a failed candidate”")
_QUOTING_PARTICIPLES = frozenset(
    """calling describing dubbing labeling labelling praising accusing urging vowing promising blasting
    slamming mocking lamenting conceding boasting""".split()
)
# verbs that attribute words only when the words are quoted: 'called the law "a disaster"'
QUOTING_CUES = frozenset(
    """called calls accused accuses defended defends praised praises slammed slams blasted blasts dubbed
    labeled labelled branded brands asked asks pledged pledges complained complains denied denies
    urged urges recalled recalls stressed stresses emphasized emphasised emphasizes remarked remarks
    maintained maintains contended contends conceded concedes countered counters vowed vows promised
    promises cautioned cautions observed observes revealed reveals alleged alleges boasted boasts
    lamented laments quipped joked agreed agrees reiterated reiterates posted disclosed hinted
    continued continues charged charges read reads criticized criticizes criticised""".split()
)
# words that are as often nouns ("the final say", "Western states"): cues only before that/:/,/a quote
_AMBIGUOUS = frozenset("states notes comments remarks reports claims points says read reads".split())
_NOT_BEFORE_VERB = frozenset(
    """the a an his her their its our my your this these those of in on for to with by from at final
    whose who which was were been being be is are am""".split()
)
CUES = frozenset(_CUE_STEMS) | QUOTING_CUES
# verbs whose object (the listener) comes before what was said: "told reporters that ..."
_OBJECT_CUES = frozenset("told tell tells informed assured reminded warned warns urged urges".split())
_CUE_RE = re.compile(r"\b(" + "|".join(sorted(CUES, key=len, reverse=True)) + r")\b")
_SPEAKING = re.compile(r"(?:\s+(?:has|had|also|later|then))?\s+(?:" + _CUE_RE.pattern[3:-3] + r")\b")
_ACCORDING = re.compile(r"\baccording to\b", re.I)
_AUX = re.compile(
    r"(?:\s+(?:has|have|had|also|later|previously|recently|once|would|will|did|does|further|then|"
    r"earlier|again|reportedly|repeatedly|publicly|privately|has\s+long|just|often|first|simply|"
    r"flatly|quickly|separately|later|on \w+day|last \w+|this \w+|on \w+ \d+|in a statement|"
    r"in an interview|in a briefing|is|was|are|were|isn['’]t|wasn['’]t|aren['’]t|weren['’]t|has been|"
    r"have been|had been|in the past|(?:less than |more than )?\w+ (?:days|weeks|months|years) ago))+\s*$",
    re.I,
)
# words that show a phrase after a cue is a clause, not the speaker ("said construction would start in March")
_NOT_IN_NAMES = frozenset(
    """would will could should can may might must in on at to for from with by after before that which
    is was are were has had have be been and or but not it this there their its he she they we""".split()
)
_DETERMINERS = frozenset(
    "the a an his her their its one another two three several many some most other these those".split()
)
_DESCRIPTION = re.compile(
    r"\b(?:the|a|an|his|her|their|its|one|another|two|three|several|many|some|most|other|these|those)"
    r"\s+(?:(?!(?:on|in|at|after|before|for|with|to|by|from|into|over|during|than|when|while|that|which|who)\s)"
    r"[\w'’.-]+\s+){0,5}[\w'’-]+$",
    re.I,
)
_CAP = r"(?:\b[A-Z][a-z]{0,3}\.|\b[A-Z][\w'’-]*)"
_NAME_TAIL = re.compile(rf"(?:(?:{_CAP}|\b(?:of|the|de|da|del|van|von|bin|al|for|and)\b)\s+)*{_CAP}$")
_POSSESSIVE_ROLE = re.compile(rf"((?:{_CAP}\s+)*{_CAP}['’]s?\s+(?:[\w-]+\s+){{0,2}}([a-z]+))$")
# what may follow the speaker of an inverted cue: the sentence's end, an appositive, a time or place
_SUBJECT_ENDS = re.compile(
    r"\s*(?:$|[,;:—–(]|\b(?:on|in|at|last|this|late|early|earlier|during|after|when|who)\b)"
)
# a participle or conjunction that starts a further clause of the speaker's: the statement ends there
_NEXT_CLAUSE = re.compile(
    r"(?:,|\s[—–-])\s+(arguing|noting|adding|saying|stating|describing|calling|citing|explaining|"
    r"insisting|warning|claiming|referring|according|(?:but|while|though)(?=\s+(?:he|she|they|I|we)\s))\b"
)
# verbs whose object and a quoted word or two make a statement: 'called Trump “unhinged”'
_SHORT_OBJECT_CUES = frozenset(
    "called calls calling dubbed dubbing labeled labelled labeling branded described describing".split()
)
_SAYING_PARTICIPLES = frozenset(
    "arguing noting adding saying stating explaining insisting warning claiming".split()
)
# a quotation signed with a dash and a name, ending its line: “...” ― Sonya Herridge
_DASH_SOURCE = re.compile(r"[ \t]*[―—–][ \t]*((?:[A-Z][\w'’.-]*[ \t]*){1,4})[ \t]*[.,]?[ \t]*(?:\n|$)")
_ADVERBIAL = re.compile(
    r"\s*(?:in|on|at|during|without|after|before|while|when|as|from|via|with|through|adding|citing|"
    r"referring|speaking|according|yesterday|today|tonight|earlier|later|late|early|"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|(?:last|this|next)\s+(?:week|month|year|\w+day))\b",
    re.I,
)
_MIN_QUOTE_WORDS = 3
_MIN_REPORTED_WORDS = 3


@dataclass
class Statement:
    """One attributed statement before novelty is decided."""

    speaker: str
    start: int
    end: int
    cue: str
    direct: bool


@dataclass
class _Quote:
    start: int  # content start (after the opening mark)
    end: int  # content end (before the closing mark)
    close: int  # index after the closing mark (== end when the quote runs on)
    para_start: int
    para_end: int


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines or blank-line-separated blocks."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]


_PAIRS = {"“": "”", '"': '"', "«": "»", "„": "“”"}


def find_quotes(text: str) -> list[_Quote]:
    """Spans of text inside quotation marks, paragraph by paragraph; a mark closes only its own kind."""
    out = []
    for pa, pb in paragraphs(text):
        opener: str | None = None
        open_at = pa
        depth = 0  # quotations inside the open one: “... what he calls “hell” than ...”
        for i in range(pa, pb):
            ch = text[i]
            if opener is None:
                if ch == "”" and (i == pa or text[i - 1].isspace()) and text[i + 1 : i + 2].isalnum():
                    ch = "“"  # a closing mark typed where the quotation opens
                # a straight quote right after a letter or digit closes something or marks inches
                if ch in _PAIRS and not (ch == '"' and i > pa and text[i - 1].isalnum()):
                    opener, open_at = ch, i + 1
            elif ch in _PAIRS[opener] and depth:
                depth -= 1
            elif ch in _PAIRS[opener]:
                if i > open_at:
                    out.append(_Quote(open_at, i, i + 1, pa, pb))
                opener = None
            elif ch == "“" and opener == "“" and not depth and _closes(text, i, pb):
                out.append(_Quote(open_at, i, i + 1, pa, pb))  # an opening mark typed as the closing one
                opener = None
            elif ch == "“" and opener == "“":
                if text.count("”", i, pb) >= 2:
                    depth += 1
                else:
                    open_at = i + 1  # an unclosed quote, reopened: keep the later one
        if opener is not None and pb - open_at > 1:
            # no closing mark in its paragraph: a quote that runs on into the next one
            out.append(_Quote(open_at, _rstrip(text, open_at, pb), pb, pa, pb))
    return out


def _closes(text: str, i: int, end: int) -> bool:
    """Whether the mark at i sits where a quotation ends: after a word or stop, before a space or the end."""
    after = text[i + 1 : i + 2]
    return i > 0 and not text[i - 1].isspace() and (i + 1 >= end or after.isspace() or after in ",.;")


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


_DATELINE = re.compile(r"[A-Z][A-Z .,'-]{2,}(?:\([^)]{1,40}\))?\s*[–—-]+\s*")


def _lstrip(text: str, start: int, end: int) -> int:
    """Skip spaces, leading punctuation and a dateline ("VARNA (Wirepress) – ")."""
    while start < end and (text[start].isspace() or text[start] in ",:;—–-"):
        start += 1
    dateline = _DATELINE.match(text, start, end)
    return dateline.end() if dateline else start


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _is_title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    small = {"a", "an", "the", "of", "in", "on", "and", "or", "to", "for", "at", "by", "with"}
    return bool(words) and all(w[0].isupper() or w in small for w in words)


# a bare noun phrase ending in a group of people: "Abortion rights advocates", "Clinton strategists"
_GROUP = re.compile(
    r"(?:^|[,;:(]\s*|\b(?:and|but|while|as|because|since|after|before|when|if|that)\s+)((?:[\w'’-]+\s+){0,3}([\w'’-]+))$"
)
_GROUP_NOUNS = set(
    """advocates critics supporters opponents officials analysts experts observers sources residents
    leaders members voters democrats republicans conservatives liberals activists economists scientists
    researchers investigators prosecutors lawyers aides advisers advisors strategists organizers
    organisers protesters demonstrators witnesses authorities police doctors teachers parents workers
    executives historians pollsters polls surveys reports studies documents records filings""".split()
)
_NOT_SUBJECTS = set(
    """as but and the in it this that when while if so then there here also however yet or for after
    before since because although though thus meanwhile still now earlier later what which who""".split()
)
_SENTENCE_BREAK = re.compile(r"(?<![A-Z])(?<![A-Z][a-z])[.!?][”\"]?\s+(?=[A-Z“\"])")
_WRITTEN = re.compile(
    r"\b(?:statement|message|letter|post|tweet|notice|release)s?\b(?:\s+(?:by|from|of)\s+)?", re.I
)


def subject_before(text: str, floor: int, pos: int) -> tuple[str, int] | None:
    """The speaker phrase ending just before a cue at pos (looking no further back than floor)."""
    breaks = list(_SENTENCE_BREAK.finditer(text, floor, pos))
    if breaks:
        floor = breaks[-1].end()
    s = text[floor:pos]
    s = _AUX.sub("", s).rstrip()
    s = re.sub(r"\s*\([^()]{1,40}\)$", "", s)  # "Harry Reid (D-Nev.) said": the party is not the name
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
            s = inner[:comma].rstrip()
        else:
            return None
        s = re.sub(
            r"(?:\s*\([^()]{1,40}\)|,\s*\d{1,3})$", "", s
        )  # "McCaskill (D-Mo.), who ...", "Carr, 31, a ..."
    if not s:
        return None
    if re.search(r"[,”\"]?\s+and$", s):  # "De Blasio called Trump a “blowhard,” and said ..."
        sv = _SUBJECT_VERB.match(text, floor, pos)
        if sv and sv.group("verb").lower() not in _COPULAS:
            return sv.group("subj"), floor + sv.start("subj")
        return None
    rel = re.search(r",\s+who(?:\s+(?:in|on|last|earlier|this)\s+[\w-]+)?$", s)
    if rel:  # "McConnell, now the majority leader, who in 2010 said": the speaker is the one named
        return subject_before(text, floor, floor + rel.start() + 1)
    m = re.search(r"\b(he|she|they|I|we|it)$", s, re.I)
    if m:
        return m.group(1), floor + m.start()
    m = _POSSESSIVE_ROLE.search(s)
    if m and (m.group(2).lower() in _PERSON_NOUNS or m.group(2).lower() in ORG_WORDS):
        return m.group(1), floor + m.start(1)  # "Donald Trump's campaign manager"
    m = _NAME_TAIL.search(s)
    lead = re.match(r"(?:[a-z]+\s+)*", m.group(0)) if m else None  # "and Dayton": the name is Dayton
    if m and lead is not None and m.group(0)[lead.end() :][:1].isupper():
        phrase, at = m.group(0)[lead.end() :], floor + m.start() + lead.end()
        while phrase.split(None, 1)[0].lower() in _NOT_SUBJECTS and " " in phrase:  # "Then Brafman"
            head = phrase.split(None, 1)[0]
            phrase, at = phrase[len(head) :].lstrip(), at + len(phrase) - len(phrase[len(head) :].lstrip())
        if phrase.lower() not in _NOT_SUBJECTS:
            return phrase, at
    m = _DESCRIPTION.search(s)
    if m:
        return m.group(0), floor + m.start()
    m = _GROUP.search(s)
    if m and (
        m.group(2).lower() in ORG_WORDS
        or m.group(2).lower().rstrip("s") in _PERSON_NOUNS
        or m.group(2).lower() in _GROUP_NOUNS
    ):
        return m.group(1), floor + m.start(1)
    return None


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the full stop at dot ends an abbreviation or initial ("Ms.", "J.") rather than a sentence."""
    word = re.search(r"([\w.]+)$", text[:dot])
    return word is not None and (word.group(1).lower() in ABBREVIATIONS or len(word.group(1)) == 1)


def _cue_fits(cue: str, text: str, floor: int, cue_at: int) -> bool:
    """Whether a cue word is used as a verb of saying here, not as a noun or in the passive."""
    before = text[max(floor, cue_at - 40) : cue_at]
    prev = re.findall(r"[\w'’]+", before)
    if cue in _PROGRESSIVE:
        return (
            bool(prev)
            and re.fullmatch(r"(?:is|was|are|were|been|isn['’]t|wasn['’]t)", prev[-1].lower()) is not None
        )
    if prev and (prev[-1].lower() in _NOT_BEFORE_VERB or re.search(r"['’]s$", prev[-1])):
        return False
    if cue in _AMBIGUOUS:
        after = text[cue_at + len(cue) : cue_at + len(cue) + 8]
        if not re.match(r"\s*(?:that\b|:|,|[“\"])", after) and cue not in ("says", "read", "reads"):
            return False
    if cue in ("read", "reads"):
        return bool(_WRITTEN.search(text[max(floor, cue_at - 80) : cue_at]))
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
    if m and not _SUBJECT_ENDS.match(s, m.end()):
        # "said Democratic strategist David Axelrod, ...": the name comes after a lower-case title
        longer = _SUBJECT_AFTER_LONG.match(s)
        m = longer if longer and _SUBJECT_ENDS.match(s, longer.end()) else m
    if m and not any(w.lower() in _NOT_IN_NAMES for w in m.group(1).split()):
        return m.group(1), pos + m.end()
    m = re.match(r"\s+((?:the|a|an|one|another)\s+(?:[\w'’-]+\s+){0,3}[\w'’-]+)", s, re.I)
    if m:
        return m.group(1), pos + m.end()
    return None


class Extractor:
    """Finds the attributed statements of one article."""

    def __init__(self, text: str) -> None:
        # '' and `` used as quotation marks become " plus a space: offsets stay those of the original
        text = text.replace("''", '" ').replace("``", '" ')
        self.text = text
        self.resolver = Resolver(text, _SPEAKING)
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
        described = words[0] in _DETERMINERS if words else False
        if phrase.split()[-1][:1].isupper() or (not described and re.search(r"\b[A-Z]", phrase)):
            name = strip_titles(phrase)
            if name[:1].isupper() and name.lower() not in _NOT_SUBJECTS:
                return self.resolver.full(name)
        last = words[-1] if words else ""
        if words and words[0] in ("the", "his", "her") and (last in _PERSON_NOUNS or last in TITLES):
            return self.resolver.last_person(at) or phrase
        if words and words[0] in ("the", "its") and last in ORG_WORDS:
            return self.resolver.last_org(at) or phrase
        return phrase

    def run(self) -> list[Statement]:
        """All statements, in text order."""
        direct: list[Statement] = []
        used_cues: set[int] = set()
        last_speaker: tuple[str, int] | None = None  # speaker of the previous quote, and its paragraph end
        for q in self.quotes:
            content = self.text[q.start : q.end]
            words = _word_count(content)
            attribution = self._attribute_quote(q)
            cue_at, embedded = -1, False
            if attribution is not None:
                speaker, cue, cue_at, embedded = attribution
            elif last_speaker and last_speaker[1] >= q.para_start - 2 and q.start - 1 == q.para_start:
                speaker, cue = last_speaker[0], ""  # a quote continued from the previous paragraph
            else:
                if words < 6 or _is_title_case(content):
                    continue  # scare quotes, titles, slogans with nobody saying them
                recent = last_speaker and last_speaker[1] >= q.para_start - 600
                speaker = (
                    last_speaker[0] if last_speaker and recent else self.resolver.last_person(q.start) or ""
                )
                cue = ""
                if not speaker:
                    continue
            if words < 1 or (words < _MIN_QUOTE_WORDS and (not cue or embedded or _is_title_case(content))):
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
                clause = self._quoting_clause(q)
                if clause:
                    covered.append(clause)
        found = sorted(covered, key=lambda s: (s.start, s.end))
        return _drop_nested(found)

    def _quoting_clause(self, q: _Quote) -> Statement | None:
        """'Trump mocked their protestations as “political bullshit.”': the subject of the sentence
        is the source of the quoted words; the statement runs from its verb to the quotation's end."""
        content = self.text[q.start : q.end]
        if _word_count(content) < 2 or _is_title_case(content) or not self._words_before(q):
            return None
        sa, sb = next(((a, b) for a, b in self.sentences if a <= q.start < b), (q.para_start, q.para_end))
        m = _SUBJECT_VERB.match(self.text, sa, q.start)
        if not m or m.group("verb").lower() in _COPULAS:
            return None
        start = _lstrip(self.text, m.end(), sb)
        end = q.close  # the attributed words end with the quotation, not with the sentence
        return Statement(
            self.resolve(m.group("subj"), sa + m.start("subj") - sa), start, end, m.group("verb"), True
        )

    def _sentence_of(self, pos: int) -> int:
        """The start of the sentence holding pos."""
        return next((a for a, b in self.sentences if a <= pos < b), -1)

    def _words_before(self, q: _Quote) -> int:
        """Words between the start of the quote's sentence and its opening mark."""
        start = max((a for a, _ in self.sentences if a < q.start), default=q.para_start)
        return _word_count(self.text[max(start, q.para_start) : q.start - 1])

    def _words_after(self, q: _Quote) -> int:
        """Words between the quote's closing mark and the end of its sentence."""
        end = min((b for _, b in self.sentences if b > q.close), default=q.para_end)
        return _word_count(self.text[q.close : min(end, q.para_end)])

    def _inside_quote(self, pos: int) -> bool:
        return any(q.start <= pos < q.end for q in self.quotes)

    def _attribute_quote(self, q: _Quote) -> tuple[str, str, int, bool] | None:
        """Speaker and cue for a quote, looked for right after it, then right before it."""
        text = self.text
        # after: ", Peskov said" / " he said" / ", said Michael Madden" / ", Sullivan, who ..., said"
        nxt = min([o.start - 1 for o in self.quotes if o.start > q.close] + [q.para_end])
        after = text[q.close : nxt]
        sentence_end = next(
            (m for m in re.finditer(r"[.!?](\s|$)", after) if not _abbreviation_before(after, m.start())),
            None,
        )
        window = after[: sentence_end.start() + 1] if sentence_end else after
        byline = _DASH_SOURCE.match(after)
        if byline and not self._words_before(q):  # “...” ― Sonya Herridge
            name = byline.group(1).strip()
            return self.resolve(name, q.close + byline.start(1)), "", q.close + byline.start(1), False
        for m in _CUE_RE.finditer(window):
            cue_at = q.close + m.start()
            lead = window[: m.start()]
            if _word_count(lead) > 12:
                break
            if not lead.strip(" ,—–-"):  # inverted: ", said Michael Madden"
                subject = subject_after(text, q.close + m.end(), q.close + len(window))
            else:
                subject = subject_before(text, q.close, cue_at)
            if subject and _cue_fits(m.group(1), text, q.close, cue_at):
                # a fragment: words before the quote in its sentence, or more than a subject after it
                embedded = bool(self._words_before(q)) or _word_count(lead) - _word_count(subject[0]) > 3
                return self.resolve(subject[0], subject[1]), m.group(1), cue_at, embedded
        # any verb right after a quote that ends its sentence's first part: "“Denver,” he answered",
        # "“This is fantastic!” beamed Donald Hartley", "“Power to the people!” the group shouted"
        if not self._words_before(q):
            v = _ANY_VERB_AFTER.match(window)
            verb = (v.group("verb") or v.group("verb2")) if v else None
            if v and verb and verb not in _NOT_VERBS:
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
        cues = list(_CUE_RE.finditer(before))
        if cues:
            m = cues[-1]
            between = before[m.end() :]
            if _word_count(between) <= 25 and re.search(r"[:,]\s*$|that\s*$|\s$", between):
                cue_at = prev + m.start()
                subject = subject_before(text, max(prev, cue_at - 200), cue_at)
                if subject and _cue_fits(m.group(1), text, max(prev, cue_at - 200), cue_at):
                    embedded = (
                        _word_count(re.sub(r"^\s*(?:that|:)", "", between)) > 0 or self._words_after(q) >= 3
                    )
                    return self.resolve(subject[0], subject[1]), m.group(1), cue_at, embedded
        if q.start - 1 == q.para_start and text[: q.para_start].rstrip().endswith(":"):
            # "Sanders made the following comment:" and the quotation is the next paragraph
            lead = text[: q.para_start].rstrip()
            sa = max((a for a, _ in self.sentences if a < len(lead) - 1), default=0)
            opening = re.match(r"(?:[^,]{1,40},\s*){0,2}", text[sa : len(lead)])  # "On July 6, 2015, "
            sv = _SUBJECT_VERB.match(text, sa, len(lead)) or _SUBJECT_VERB.match(
                text, sa + (opening.end() if opening else 0), len(lead)
            )
            if sv and sv.group("verb").lower() not in _COPULAS:
                return self.resolve(sv.group("subj"), sa + sv.start("subj")), sv.group("verb"), -1, False
        acc = list(_ACCORDING.finditer(before))
        if acc:
            m = acc[-1]
            subject = subject_after(text, prev + m.end(), q.start)
            if subject:
                return self.resolve(subject[0], subject[1]), "according to", prev + m.start(), False
        return None

    def _reported(self, used_cues: set[int]) -> list[Statement]:
        """Reported speech: 'KCNA said Kim boarded...', '..., Peskov said.', 'according to TASS, ...'."""
        text = self.text
        out = []
        for sa, sb in self.sentences:
            body_end = sb - 1 if text[sb - 1] in ".!?" else sb
            found = -1  # where the last statement found in this sentence ends
            for m in _CUE_RE.finditer(text, sa, sb):
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
                statement = self._participle(sa, body_end, used_cues)
                if statement:
                    out.append(statement)
                    continue
                for m in _ACCORDING.finditer(text, sa, sb):
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
        if not re.match(r"\s*(that\b|:)", trail) and cue not in _PROGRESSIVE:
            subject = None
            content_end = -1
            ends_with_comma = re.search(r",[”\"’]?\s*$", lead) is not None  # '... "raw time," said X'
            if (not lead.strip(" ,") or ends_with_comma) and _word_count(trail) <= 14:
                subject = subject_after(text, ce, sb)
                if subject and not _SUBJECT_ENDS.match(text, subject[1], sb):
                    subject = None  # "..., said it was impossible": a clause follows, not a speaker
                content_end = sa + len(lead.rstrip(" ,"))
            after = _NEXT_CLAUSE.match(trail)  # "..., Fiorina said, adding that ..."
            if subject is None and (not trail.strip(" .") or _ADVERBIAL.match(trail) or after):
                subject = subject_before(text, sa, cs)
                content_end = text.rfind(",", sa, subject[1]) if subject else -1
            if subject and content_end > sa and _cue_fits(cue, text, sa, cs):
                start = _lstrip(text, sa, content_end)
                end = _rstrip(text, start, content_end)
                while end > start and text[end - 1] in '”"':
                    end -= 1
                while start < end and text[start] in '“"':
                    start += 1
                if _word_count(text[start:end]) >= _MIN_REPORTED_WORDS and self._quoted_if_needed(
                    cue, start, end
                ):
                    speaker = self.resolve(subject[0], subject[1])
                    if after is not None and after.group(1) in _SAYING_PARTICIPLES:
                        more = re.match(r"\s*(?:that\b|:)?", text[ce + after.end() : sb])
                        said = _lstrip(text, ce + after.end() + (more.end() if more else 0), sb)
                        if _word_count(text[said:sb]) >= _MIN_REPORTED_WORDS:
                            self.extra.append(
                                Statement(speaker, said, _rstrip(text, said, sb), after.group(1), False)
                            )
                    return Statement(speaker, start, end, cue, False)
        # "SUBJECT said (that) CONTENT."
        subject = subject_before(text, sa, cs)
        if not subject or not _cue_fits(cue, text, sa, cs):
            return None
        start = ce
        rest = text[ce:sb]
        skip = re.match(
            r"\s*(?:(?:on \w+|in an? [\w\s-]{1,40}?|to [\w\s.-]{1,40}?|last \w+|this \w+)\s*(?:that\b|:|,)"
            r"|that\b|:|,)?",
            rest,
        )
        # "said on Monday evening that ...", "told reporters in the capital that ..."
        to_that = re.match(r"\s*(?:[\w'’.-]+\s+){0,8}?that\b", rest)
        to_colon = re.match(r"\s*(?:[\w'’.-]+\s+){0,5}?[\w'’.-]+:", rest)  # "told parliament: “...”"
        if to_that:
            skip = to_that
        elif to_colon:
            skip = to_colon
        elif cue in _NOUN_OBJECT_CUES and not re.search(r"[“\"]", rest):
            # "explained the decision": a thing, not a statement, unless a clause follows
            if not _CLAUSE.search(rest):
                return None
        elif cue in _OBJECT_CUES:
            skip = re.match(r"\s*(?:(?:the|a|an|reporters|journalists|[A-Z][\w'’.-]*)\s*)+", rest)
        if skip:
            start += skip.end()
        start = _lstrip(text, start, sb)
        end = _rstrip(text, start, sb)
        turn = _NEXT_CLAUSE.search(text, start, end)
        if turn and _word_count(text[start : turn.start()]) >= _MIN_REPORTED_WORDS:
            # "said X, arguing that Y": X is what was said, and Y too when the participle is one of saying
            more = re.match(r"\s*(?:that\b|:)?", text[turn.end() : end])
            more_start = _lstrip(text, turn.end() + (more.end() if more else 0), end)
            if (
                turn.group(1) in _SAYING_PARTICIPLES
                and _word_count(text[more_start:end]) >= _MIN_REPORTED_WORDS
            ):
                self.extra.append(
                    Statement(self.resolve(subject[0], subject[1]), more_start, end, turn.group(1), False)
                )
            end = _rstrip(text, start, turn.start())
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
        return Statement(self.resolve(subject[0], subject[1]), start, end, cue, False)

    def _object_end(self, cue: str, start: int, end: int) -> int:
        """'called it “shameful” and called on ...': what such a verb attributes ends with its quotation."""
        if cue not in _SHORT_OBJECT_CUES:
            return end
        first = next((q for q in self.quotes if start <= q.start < end), None)
        return min(end, first.close) if first else end

    def _enough(self, cue: str, start: int, end: int) -> bool:
        """Enough words for a statement: three, or two where a quoting verb's object is quoted
        ('called Trump “unhinged”')."""
        words = _word_count(self.text[start:end])
        quoted = any(c in self.text[start:end] for c in '“”"«»')
        return words >= _MIN_REPORTED_WORDS or (words == 2 and quoted and cue in _SHORT_OBJECT_CUES)

    def _quoted_if_needed(self, cue: str, start: int, end: int) -> bool:
        """Verbs such as 'called' attribute words only when some are quoted."""
        return cue not in QUOTING_CUES or any(c in self.text[start:end] for c in '“”"«»')

    def _participle(self, sa: int, sb: int, used_cues: set[int]) -> Statement | None:
        """'..., saying X': the sentence's subject said X."""
        text = self.text
        for m in _PARTICIPLE.finditer(text, sa, sb):
            if self._inside_quote(m.start()) or m.start(1) in used_cues:
                continue
            head = text[sa : m.start()]
            subject = re.match(r"\s*(?:[A-Z][\w'’]*(?:\s+\d+)?,\s+)?(he|she|they|it|I|we)\b", head)
            name = None if subject else re.match(rf"\s*((?:{_CAP}\s+)*{_CAP})", head)
            phrase, at = (
                (subject.group(1), sa + subject.start(1))
                if subject
                else ((name.group(1), sa + name.start(1)) if name else (None, 0))
            )
            speaker = self.quoted_by.get(sa)  # "“We need change,” Trump said, arguing that ..."
            if speaker is None and (phrase is None or phrase.lower() in _NOT_SUBJECTS):
                continue
            start = m.end()
            rest = text[start:sb]
            skip = re.match(r"\s*(?:[\w'’.-]+\s+){0,8}?that\b", rest) if m.group(1) == "telling" else None
            skip = skip or re.match(r"\s*(?:that\b|:)?", rest)
            start = _lstrip(text, start + (skip.end() if skip else 0), sb)
            end = _rstrip(text, start, sb)
            end = self._object_end(m.group(1), start, end)
            if self._enough(m.group(1), start, end):
                if m.group(1) in _QUOTING_PARTICIPLES and not re.search(r"[“”\"]", text[start:end]):
                    continue
                who = self.resolve(phrase, at) if phrase and speaker is None else speaker or ""
                return Statement(who, start, end, m.group(1), False)
        return None

    def _according(self, sa: int, sb: int, cs: int, ce: int) -> Statement | None:
        text = self.text
        subject = subject_after(text, ce, sb)
        if not subject:
            return None
        lead = text[sa:cs]
        if lead.strip(" ,"):  # "CONTENT, according to SUBJECT."
            start, end = _lstrip(text, sa, cs), sa + len(lead.rstrip(" ,"))
        else:  # "According to SUBJECT, CONTENT."
            comma = text.find(",", subject[1], sb)
            if comma == -1:
                return None
            start, end = _lstrip(text, comma + 1, sb), sb
        end = _rstrip(text, start, end)
        if _word_count(text[start:end]) < _MIN_REPORTED_WORDS:
            return None
        return Statement(self.resolve(subject[0], subject[1]), start, end, "according to", False)


_PERSON_NOUNS = set(
    """
    spokesman spokeswoman spokesperson official president minister leader senator governor mayor
    secretary director chairman analyst expert adviser advisor candidate nominee diplomat ambassador
    lawyer attorney man woman source aide general admiral commander chief ceo founder executive
    manager strategist pollster rival ally wife husband son daughter
    """.split()
)


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
