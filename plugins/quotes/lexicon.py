"""Words and patterns of attribution: verbs of saying, their forms, and the words around speakers."""

from __future__ import annotations

import re

# verbs of saying: they attribute a statement whether or not its words are quoted
_CUE_STEMS = """
say said says told tell tells added adds stated states announced announces noted notes explained
explains argued argues claimed claims insisted insists warned warns wrote writes tweeted tweets
reported reports declared declares acknowledged acknowledges admitted admits asserted asserts
confirmed confirms suggested suggests replied replies responded responds predicted predicts
testified testifies commented comments indicated indicates described describes informed assured
reminded reminds clarified clarifies concluded concludes mentioned mentions explained reassured
proclaimed proclaims exclaimed disputed disputes estimated estimates think thinks saying telling
argue insist warn suggest explain admit acknowledge assert confirm predict declare
""".split()
# verbs that take a thing as their object ("explained the decision"); a statement follows them only
# as a clause: after "that", in quotation marks, or with a verb of its own
NOUN_OBJECT_CUES = frozenset(
    """explained explains described describes announced announces reported reports confirmed confirms
    noted notes mentioned mentions acknowledged acknowledges disputed disputes estimated estimates
    predicted predicts tweeted tweets wrote writes posted disclosed revealed reveals responded responds
    replied replies""".split()
)
CLAUSE = re.compile(
    r"\b(?:is|was|are|were|will|would|has|had|have|can|could|should|may|might|must|did|does|do|"
    r"isn't|wasn't|won't|wouldn't|can't|didn't|doesn't)\b",
    re.I,
)
# -ing forms: a cue after "is"/"was" ("Trump isn't saying ..."); after a comma they are participles
PROGRESSIVE = frozenset(
    """saying telling warning arguing claiming insisting suggesting confirming stressing predicting
    announcing noting explaining acknowledging asserting declaring""".split()
)
# after a quote: a subject then any past or present verb, or an -ed verb then its subject
ANY_VERB_AFTER = re.compile(
    r"[\s,]*(?:(?P<subj>he|she|they|we|I|(?:the|a|an)\s+[a-z]+(?:\s+[a-z]+)?|(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*)"
    r"\s+(?:(?:then|later|also|quickly|simply)\s+)?(?P<verb>[a-z]{3,}(?:ed|s))"
    r"|(?P<verb2>[a-z]{3,}ed))\b"
)
# words of grammar, in lower case, that are never words of a subject: the pattern below is
# case-insensitive, so its "[A-Z]" alone would read them as words of a name ("The board was spared
# extra costs ...": no subject "board was spared extra"); capitalised, they may be names ("Ana May")
FUNCTION_WORDS = frozenset(
    """am is are was were be been being has have had having do does did will would shall should can could
    may might must isn't wasn't aren't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't
    can't couldn't shouldn't not never so very too also only even just still already always ever often
    long again then now later thus soon really quite rather almost nearly who whom whose which where
    whether unless than""".split()
)


def _none_of(words: frozenset[str]) -> str:
    """A lookahead refusing these words, in lower case, as the next word."""
    alternatives = "|".join(sorted(words, key=len, reverse=True)).replace("'", "['’]")
    return rf"(?!(?-i:{alternatives})(?![\w'’-]))"


def _subject_verb(fewest: bool) -> re.Pattern[str]:
    """A sentence's subject and its verb, the subject as long as it can be (or as short)."""
    word, lazy = _none_of(FUNCTION_WORDS), "?" if fewest else ""
    return re.compile(
        rf"\s*(?P<subj>he|she|they|we|I|It|(?:(?:the|a|an|his|her|their)\s+)?"
        rf"{word}(?:[A-Z][\w'’.-]*\s+{word}){{0,5}}{lazy}[A-Z][\w'’-]*"
        rf"|(?:the|a|an|his|her|their)\s+{word}(?:[a-z][\w'’-]*\s+{word}){{0,3}}[a-z][\w'’-]*)"
        r"(?:,[^,]{3,120},)?"  # an appositive: "Cruz, leading narrowly in Iowa polls, questioned ..."
        r"\s+(?:(?:also|then|later|again|has|had|have|would|will|once|even|often|already|always|never|long|"
        r"still|just|only|now|first|is|was|are|were|been|be|(?-i:[a-z]{2,}ly))\s+)*"
        # a verb in lower case; not a word in -ous or -ss ("was furious", "was less")
        r"(?P<verb>(?-i:[a-z]{2,}(?:ed|(?<!ou)(?<!s)s)|told|wrote|said|spoke|took|made|gave|called|gone|"
        r"went|put|drew|threw|struck|sang|brought|began|ran|led|held|kept|got|sent|won|found))\b",
        re.I,
    )


NOT_A_FUNCTION_WORD = _none_of(FUNCTION_WORDS)
# a sentence that opens with its subject and a verb: "Former Obama spokesman Robert Gibbs derided ..."
SUBJECT_VERB = _subject_verb(fewest=False)
# the same with the shortest subject that a verb follows: "The nominee also outlined his plan and vowed"
SUBJECT_VERB_SHORT = _subject_verb(fewest=True)
COPULAS = frozenset("was is has does seems looks remains becomes appears means its his this".split())
NOT_VERBS = frozenset("was has is does goes gets comes needs means seems looks this its his hers".split())
PARTICIPLE = re.compile(
    r",\s+(?:while\s+|also\s+|and\s+)*(saying|telling|adding|noting|arguing|claiming|insisting|warning|"
    r"explaining|announcing|writing|tweeting|stating|suggesting|declaring|asserting|contending|"
    r"acknowledging|predicting|calling|describing|dubbing|labeling|labelling|praising|accusing|urging|"
    r"vowing|promising|blasting|slamming|mocking|lamenting|conceding|boasting)\b"
)
# participles that attribute words only when some are quoted (", calling him “a failed candidate”")
QUOTING_PARTICIPLES = frozenset(
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
AMBIGUOUS = frozenset("states notes comments remarks reports claims points says read reads".split())
NOT_BEFORE_VERB = frozenset(
    """the a an his her their its our my your this these those of in on for to with by from at final
    whose which was were been being be is are am""".split()
)
# phrasal verbs of saying
_PHRASAL_CUES = frozenset({"pointed out", "points out", "point out"})
CUES = frozenset(_CUE_STEMS) | QUOTING_CUES | PROGRESSIVE | _PHRASAL_CUES
# verbs whose object (the listener) comes before what was said: "told reporters that ..."
OBJECT_CUES = frozenset("told tell tells informed assured reminded warned warns urged urges".split())

_Tree = dict[str, "_Tree"]


def _alternation(words: frozenset[str]) -> str:
    """A pattern matching exactly these words, as a letter tree: at each letter the longer words are
    tried first, so it finds what the plain longest-first alternation finds, many times faster."""
    tree: _Tree = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: _Tree) -> str:
        alts = [re.escape(ch) + branch(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return branch(tree)


CUE_RE = re.compile(r"\b(" + _alternation(CUES) + r")\b")
SPEAKING = re.compile(r"(?:\s+(?:has|had|also|later|then))?\s+(?:" + CUE_RE.pattern[3:-3] + r")\b")
ACCORDING = re.compile(r"\baccording to\b", re.I)
AUX = re.compile(
    r"(?:\s+(?:has|have|had|also|later|previously|recently|once|would|will|did|does|further|then|"
    r"earlier|again|reportedly|repeatedly|all|both|publicly|privately|has\s+long|just|often|first|simply|"
    r"flatly|quickly|separately|later|on \w+day|last \w+|this \w+|on \w+ \d+|in a statement|"
    r"in an interview|in a briefing|is|was|are|were|isn['’]t|wasn['’]t|aren['’]t|weren['’]t|has been|"
    r"have been|had been|in the past|(?:less than |more than )?\w+ (?:days|weeks|months|years) ago|"
    # adverbs: "... has always insisted", "... now says" (not nouns or adjectives in -ly: "the family said")
    r"now|always|even|already|long|ever|still|"
    r"(?!(?:family|ally|rally|assembly|supply|elderly|daily|weekly|monthly|quarterly|yearly)\b)[a-z]{3,}ly))+\s*$"
)  # in lower case only: "Ole Will" and "Ana May" end in names, not in auxiliaries
# words that show a phrase after a cue is a clause, not the speaker ("said construction would start in March")
NOT_IN_NAMES = frozenset(
    """would will could should can may might must in on at to for from with by after before that which
    is was are were has had have be been and or but not it this there their its he she they we""".split()
)
DETERMINERS = frozenset(
    "the a an his her their its one another two three several many some most other these those".split()
)
DESCRIPTION = re.compile(
    r"\b(?:the|a|an|his|her|their|its|one|another|two|three|several|many|some|most|other|these|those)"
    r"\s+(?:(?!(?:on|in|at|after|before|for|with|to|by|from|into|over|during|than|when|while|that|which|who)\s)"
    r"[\w'’.-]+\s+){0,5}[\w'’-]+$",
    re.I,
)
CAP = r"(?:\b[A-Z][a-z]{0,3}\.|\b[A-Z][\w'’-]*)"
NAME_TAIL = re.compile(rf"(?:(?:{CAP}|\b(?:of|the|de|da|del|van|von|bin|al|for|and)\b)\s+)*{CAP}$")
POSSESSIVE_ROLE = re.compile(rf"((?:{CAP}\s+)*{CAP}['’]s?\s+(?:[\w-]+\s+){{0,2}}([a-z]+))$")
# what may follow the speaker of an inverted cue: the sentence's end, an appositive, a time or place
SUBJECT_ENDS = re.compile(
    r"\s*(?:$|[,;:—–(]|\b(?:on|in|at|last|this|late|early|earlier|during|after|when|who)\b)"
)
# a participle or conjunction that starts a further clause of the speaker's: the statement ends there
NEXT_CLAUSE = re.compile(
    r"(?:,[”\"]?|\s[—–-])\s+(arguing|noting|adding|saying|stating|describing|calling|citing|explaining|"
    r"insisting|warning|claiming|referring|according|(?:but|while|though)(?=\s+(?:he|she|they|I|we)\s))\b"
)
# verbs whose object and a quoted word or two make a statement: 'called Trump “unhinged”'
SHORT_OBJECT_CUES = frozenset(
    "called calls calling dubbed dubbing labeled labelled labeling branded described describing".split()
)
SAYING_PARTICIPLES = frozenset(
    "arguing noting adding saying stating explaining insisting warning claiming".split()
)
# a quotation signed with a dash and a name, ending its line: “...” ― Sonya Herridge
DASH_SOURCE = re.compile(r"[ \t]*[―—–][ \t]*((?:[A-Z][\w'’.-]*[ \t]*){1,4})[ \t]*[.,]?[ \t]*(?:\n|$)")
ADVERBIAL = re.compile(
    r"\s*(?:in|on|at|during|without|after|before|while|when|as|from|via|with|through|adding|citing|"
    r"referring|speaking|according|yesterday|today|tonight|earlier|later|late|early|"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|(?:last|this|next)\s+(?:week|month|year|\w+day))\b",
    re.I,
)
MIN_QUOTE_WORDS = 3
MIN_REPORTED_WORDS = 3


GROUP = re.compile(
    r"(?:^|[,;:(]\s*|\b(?:and|but|while|as|because|since|after|before|when|if|that)\s+)((?:[\w'’-]+\s+){0,3}([\w'’-]+))$"
)
GROUP_NOUNS = set(
    """advocates critics supporters opponents officials analysts experts observers sources residents
    leaders members voters democrats republicans conservatives liberals activists economists scientists
    researchers investigators prosecutors lawyers aides advisers advisors strategists organizers
    organisers protesters demonstrators witnesses authorities police doctors teachers parents workers
    executives historians pollsters polls surveys reports studies documents records filings""".split()
)
NOT_SUBJECTS = set(
    """as but and the in it this that when while if so then there here also however yet or for after
    before since because although though thus meanwhile still now earlier later what which who""".split()
)
SENTENCE_BREAK = re.compile(r"(?<![A-Z])(?<![A-Z][a-z])[.!?][”\"]?\s+(?=[A-Z“\"])")
WRITTEN = re.compile(
    r"\b(?:statement|message|letter|post|tweet|notice|release)s?\b(?:\s+(?:by|from|of)\s+)?", re.I
)


PERSON_NOUNS = set(
    """
    spokesman spokeswoman spokesperson official president minister leader senator governor mayor
    secretary director chairman analyst expert adviser advisor candidate nominee diplomat ambassador
    lawyer attorney man woman source aide general admiral commander chief ceo founder executive
    manager strategist pollster rival ally wife husband son daughter
    """.split()
)
