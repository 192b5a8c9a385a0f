"""Speaker names: finding them, stripping titles, resolving short forms and pronouns, matching variants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from plugins.text import fold

# Words that describe a role rather than name a person; stripped from the front of a name.
TITLES = set(
    """
    mr mrs ms miss dr prof professor sir dame lord lady rev reverend president vice prime minister
    secretary senator sen rep representative congressman congresswoman congressmember gov governor
    mayor judge justice chief director deputy spokesman spokeswoman spokesperson chairman chairwoman
    chair ceo cfo coo founder general gen lt col colonel major maj capt captain adm admiral sgt sergeant
    commander marshal ambassador attorney assistant acting former foreign defense defence interior
    finance state house senate speaker leader leaders minority majority whip candidate nominee
    democratic republican democrat gop presidential campaign manager adviser advisor official
    officials analyst expert economist lawyer king queen prince princess pope sheikh ayatollah
    chancellor premier treasurer inspector superintendent commissioner sheriff detective officer
    agent councilman councilwoman councillor counsel comrade strategist pollster host anchor coach
    correspondent editor columnist writer author researcher scientist professor activist
    constable pc wpc pcso det insp supt dci dcs
    """.split()
)
PRONOUNS = {"he", "she", "they", "i", "we", "it", "him", "her"}
PERSON_PRONOUNS = {"he", "she", "him", "her"}
ORG_WORDS = set(
    """
    agency ministry department office committee council campaign party house kremlin government
    association union institute center centre university company corporation group court police
    commission administration bureau service news times post journal network organization
    organisation foundation board bank embassy army navy military press media authority
    agencies ministries company's
    """.split()
)
_CONNECTORS = {"de", "da", "del", "van", "von", "bin", "al", "el", "der", "la", "le", "di", "du", "ibn"}
_NAME_TOKEN = re.compile(r"[A-Z][\w'’.-]*|[A-Z]\.")
_CONNECTOR_RE = r"\b(?:de|da|del|van|von|bin|al|el|der|la|le|di|du|ibn)(?=\s+[A-Z])"
# a capitalised word; a full stop may follow only an initial or a short abbreviation ("J.", "Sen.")
_CAP = r"(?:\b[A-Z][a-z]{0,3}\.|\b[A-Z][\w'’-]*)"
_NAME_RUN = re.compile(rf"(?:{_CAP}|{_CONNECTOR_RE})(?:[ \t]+(?:{_CAP}|{_CONNECTOR_RE}))*")


@lru_cache(maxsize=100_000)
def strip_titles(name: str) -> str:
    """The name without leading role words: 'Kremlin spokesperson Dmitry Peskov' -> 'Dmitry Peskov'."""
    name = re.sub(r"['’]s?$", "", name.strip(" ,.;:")).strip()
    name = re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I)
    tokens = name.split()
    # "Russia’s TASS" -> "TASS": a possessive in front names the owner, not the speaker
    for i in range(len(tokens) - 2, -1, -1):
        if re.search(r"['’]s$", tokens[i]):
            tokens = tokens[i + 1 :]
            break
    # keep the last run of capitalised words, then drop the titles at its front
    run: list[str] = []
    for tok in reversed(tokens):
        if tok[:1].isupper() or (run and tok.lower() in _CONNECTORS):
            run.insert(0, tok)
        elif run:
            break
    if not run:
        return name
    # cut after the last role word, unless what remains is an organisation ('State Department')
    for i in range(len(run) - 2, -1, -1):
        if run[i].lower().rstrip(".") in TITLES:
            rest = run[i + 1 :]
            if rest[-1].lower() not in ORG_WORDS:
                run = rest
            break
    return " ".join(run)


def compact(name: str) -> str:
    """Letters only, folded: 'Kim Jong-un' and 'Kim Jong Un' both give 'kimjongun'."""
    return re.sub(r"[^a-z]", "", fold(name))


def skeleton(name: str) -> str:
    """Consonants of the compact name, for transliteration variants ('Choe Sun Hui' ~ 'Choe Son-hui')."""
    return re.sub(r"[aeiouy]", "", compact(name))


def speaker_keys(name: str, kind: str = "person") -> tuple[str, ...]:
    """Keys under which variants of one speaker meet in the store.

    A full name matches on its compact form and its consonant skeleton; it also offers its surname
    (a "~" key: registered, never matched on), so a later bare "Harris" finds "Kamala Harris", while
    "Blair Harris" stays someone else. An organisation or a place has a key of its own kind, so it
    never merges into a person ("Ford" the company is not "Doug Ford").
    """
    tokens = [compact(t) for t in name.split() if compact(t)]
    if not tokens:
        return ()
    if kind in ("org", "place"):
        return (f"o:{compact(name)}",)
    if len(tokens) == 1:
        return (f"s:{tokens[0]}",)
    keys = [f"n:{compact(name)}", f"k:{skeleton(name)}"]
    if len(tokens[-1]) >= 3 and tokens[-1] not in ORG_WORDS:
        keys.append(f"~s:{tokens[-1]}")
    return tuple(dict.fromkeys(keys))


@dataclass
class Mention:
    """A proper name seen in the text, with where it ends."""

    name: str
    end: int
    person: bool
    org: bool


def mentions(text: str) -> list[Mention]:
    """The capitalised name runs of a text, titles stripped, in order."""
    out = []
    for match in _NAME_RUN.finditer(text):
        raw = match.group(0)
        start = match.start()
        at_sentence_start = start == 0 or text[max(0, start - 2) : start].strip() in (
            "",
            ".",
            "!",
            "?",
            "“",
            '"',
        )
        tokens = raw.split()
        if at_sentence_start and len(tokens) == 1:
            continue  # a lone capitalised word starting a sentence is usually not a name
        name = strip_titles(raw)
        if not name or name.lower() in PRONOUNS:
            continue
        last = name.split()[-1]
        org = last.lower() in ORG_WORDS or (last.isupper() and len(last) >= 2)
        out.append(Mention(name, match.end(), not org and len(name.split()) >= 2, org))
    return out


class Resolver:
    """Resolves what an article calls a speaker to the fullest name it uses for them."""

    def __init__(self, text: str, speaking: re.Pattern[str] | None = None) -> None:
        self.text = text
        self.speaking = speaking

    @cached_property
    def names(self) -> list[Mention]:
        """The article's names, read on first use (most articles never need them)."""
        return mentions(self.text)

    @cached_property
    def speakers(self) -> set[int]:
        """Ends of the names a verb of saying follows: a bare surname there is a person ("Harris warned")."""
        speaking = self.speaking
        return {m.end for m in self.names if speaking is not None and speaking.match(self.text, m.end)}

    def full(self, name: str) -> str:
        """The longest name in the article that contains all of this one's words."""
        words = set(name.lower().split())
        best = name
        for m in self.names:
            if len(m.name) > len(best) and words <= set(m.name.lower().split()):
                best = m.name
        return best

    def last_person(self, before: int) -> str | None:
        """The last person named before a position (a surname counts once its full name was seen)."""
        for m in reversed(self.names):
            if m.end <= before and not m.org:
                full = self.full(m.name)
                if len(full.split()) >= 2 or m.end in self.speakers:
                    return full
        return None

    def last_org(self, before: int) -> str | None:
        """The last organisation named before a position."""
        for m in reversed(self.names):
            if m.end <= before and m.org:
                return self.full(m.name)
        return None
