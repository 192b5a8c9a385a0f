"""Who a speaker phrase refers to: the people, organisations and places an article names, and the
resolution of names, pronouns, descriptions and unattributed quotes to one of them."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from plugins.quotes.entities import (
    BEFORE_DATES,
    GROUP,
    NOT_NAMES,
    ORG,
    OTHER,
    PERSON,
    PERSON_ROLES,
    PLACE,
    first_name_gender,
    first_name_vote,
    front_role,
    is_first_name_first,
    is_org_name,
    is_place,
    is_place_word,
    strip_openers,
    title_gender,
)
from plugins.quotes.lexicon import CUE_RE
from plugins.quotes.speakers import PRONOUNS, TITLES, strip_titles
from plugins.text import zipf as _zipf

_CAP = r"(?:\b[A-Z][a-z]{0,3}\.|\b[A-Z][\w'’-]*)"
_CONNECTOR = r"(?:\b(?:de|da|del|van|von|bin|al|el|der|la|le|di|du|ibn|of|and)|&)(?=\s+[A-Z])"
# capitalised words of grammar inside a run of capitals: a headline in title case goes on through
# them ("Lund Does Not Like The New Ferry"), a name does not, so a run ends before one (not before
# the short words that are also surnames or labels: "He", "To", "Do", "An", "On", "Woman A")
_HEADLINE_WORD = (
    r"(?:The|For|By|With|From|At|In|Into|Over|About|After|Before|Of|And|Or|But|Is|Are|Was|Were|Been|"
    r"Has|Have|Had|Does|Did|Would|Should|Could|Might|Must|Shall|Not|Never|Very|Too|Also|Only|Than|"
    r"That|This|These|Those|Who|What|Which|Why|How|Your|Our|My|Their|They|She|We|You|"
    r"(?:Is|Are|Was|Were|Has|Have|Had|Do|Does|Did|Would|Should|Could|Ca|Wo)n['’]t)(?![\w'’.-])"
)
_NAME_RUN = re.compile(rf"{_CAP}(?:[ \t]+(?!{_HEADLINE_WORD})(?:{_CAP}|{_CONNECTOR}))*")
# a verb after a name: the name is the subject of its clause
_AUX_AFTER = re.compile(
    r"(?:\s*\([^()]{1,20}\))?(?:\s*,[^,.;]{1,80},|,)?\s+(?:has|had|have|was|is|will|would|could|can|did|does|didn['’]t|doesn['’]t|"
    r"wasn['’]t|isn['’]t|won['’]t|can['’]t|couldn['’]t|wouldn['’]t|hasn['’]t|hadn['’]t)\s+[a-z]"
)
_PREPOSITION_BEFORE = re.compile(r"\b(?:in|at|from|near|outside|across|of|to|with|on)\s+$")
_VERB_AFTER = re.compile(
    r"(?:\s*\([^()]{1,20}\))?(?:\s*,[^,.;]{1,80},|\s*[—–][^—–.]{1,120}[—–]|,)?\s+(?:(?:has|had|have|also|then|later|again|was|is|will|would|could|did|"
    r"does|first|once|recently|previously|further|didn['’]t|doesn['’]t|wasn['’]t|isn['’]t|won['’]t|can['’]t|[a-z]{3,}ly)\s+)*"
    r"(?:[a-z]{2,}(?:ed|s)|told|said|wrote|spoke|took|made|gave|put|ran|won|lost|met|left|came|went|saw|knew|"
    r"thought|began|sent|has|had|is|was)\b"
)
# an appositive giving a role: "Jeff Fraser, the director of operations,", "Ana Li, a nurse at ..."
_APPOSITIVE = re.compile(
    r",\s+(?:the|a|an|its|his|her|their)?\s*((?:[\w’'-]+\s+){0,5}?[\w’'-]+)\s*(?=,|\.|\bof\b|\bfor\b|\bat\b|\bwith\b|\bin\b|\bwho\b)"
)
_ROLE_BEFORE = re.compile(r"((?:\b[a-z][\w-]*\s+){1,3})$")
# a photo caption or credit line: "( Ana Li / Daily Star File Photo )", "PHOTO: ...", "Ana Li / Reuters"
_CAPTION = re.compile(
    r"(?m)^[^\n]*(?:\b[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+)*\s+/\s+[A-Z][^\n]*|\b(?:PHOTO|Photo|File Photo|"
    r"THE CANADIAN PRESS|Getty Images|Reuters/)\b[^\n]*)$"
)
_CREDIT_WORDS = ("PHOTO", "Photo", "THE CANADIAN PRESS", "Getty Images")
# a byline or dateline: a short first line ("By Ana Li, Daily Star"), "VARNA (Wirepress) – "
_BYLINE = re.compile(
    r"\A\s*(?:[^\s.!?]+[ \t]+){0,7}[^\s.!?]+[ \t]*(?=\n)|^[A-Z][A-Z .,'-]{2,}(?:\([^)]{1,40}\))?\s*[–—-]+",
    re.M,
)
_ROLE_THEN_NAME = re.compile(
    r"(?:['’]s)?((?:\s+[a-z][\w-]*){1,3})\s+((?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’-]*)"
)
_IT = re.compile(r"\b(?:it|its|itself)\b", re.I)
_HE = re.compile(r"\b(?:he|him|his|himself)\b", re.I)
_SHE = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)
_POSSESSIVE = re.compile(r"['’]s?$")
# the head of a description that stands for an organisation: "the company", "the department"
_ORG_NOUNS = frozenset(
    """company firm agency department ministry union government organization organisation group board
    council club league team party city province police force office service association society school
    university hospital authority commission committee network station utility corporation business
    bank airline manufacturer retailer chain insurer operator carrier regulator province municipality
    town county district province federation institute centre center foundation charity coalition
    campaign administration court church newspaper paper broadcaster outlet publisher""".split()
)
# pronoun salience: characters per point of distance, bonus of a subject, cost of an unknown gender,
# bonus of the last speaker, cost of a mention inside a quotation
_TUNE = (400.0, 1.0, 1.5, 1.2, 0.5)
_PLACE_NOUNS = frozenset("city province town county state country municipality village region".split())
_GENDER_OF = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "i": "", "me": ""}
_INDEFINITE = frozenset("a an one another some several two three many".split())
_DETERMINERS = frozenset("the his her its their this that these those our".split())


@dataclass
class Entity:
    """Someone or something the article names, under the fullest name it uses."""

    name: str
    votes: dict[str, float] = field(default_factory=lambda: {"m": 0.0, "f": 0.0, "n": 0.0})  # he, she, it
    roles: set[str] = field(default_factory=set)
    titled: bool = False
    speaks: bool = False
    decide: Callable[[Entity], str] | None = field(default=None, repr=False, compare=False)
    decided: str | None = None
    name_votes: dict[str, float] = field(default_factory=dict)  # what the first name suggests
    promoted: bool = False  # taken for a person only because it spoke ("BC Hydro said")

    @property
    def kind(self) -> str:
        """person, org, place, group or other: decided when first asked, so that the place lists
        are loaded only for a name whose kind a speaker needs."""
        if self.decided is None:
            self.decided = self.decide(self) if self.decide else OTHER
        return self.decided

    @kind.setter
    def kind(self, value: str) -> None:
        self.decided = value

    @property
    def gender(self) -> str:
        """'m', 'f' or '' (unknown) from the evidence gathered."""
        m, f = (
            self.votes["m"] + self.name_votes.get("m", 0.0),
            self.votes["f"] + self.name_votes.get("f", 0.0),
        )
        return "m" if m > f else "f" if f > m else ""


@dataclass
class Seen:
    """One mention of an entity."""

    entity: Entity
    start: int
    end: int
    subject: bool
    surface: str  # the name as written here ("Harris" where the entity is "Kamala Harris")


@dataclass
class Naming:
    """A speaker phrase resolved: the name to show, its entity kind, and whether it names anyone."""

    name: str
    kind: str
    resolved: bool


class Entities:
    """The entities an article names, each mention with its position, and who spoke where."""

    def __init__(self, text: str, sentences: list[tuple[int, int]], quotes: list[tuple[int, int]]) -> None:
        self.text = text
        self.sentence_starts = [a for a, _ in sentences]
        self.quotes = sorted(quotes)
        self._quote_starts = [a for a, _ in self.quotes]
        self.by_name: dict[str, Entity] = {}
        self._by_token: dict[str, list[str]] = {}
        self.seen: list[Seen] = []
        self.spoke: list[tuple[int, Entity]] = []  # (position, entity) of resolved speakers so far
        self.descriptions: list[str] = []  # speakers described and never named, in order
        self._read()

    # -- reading the article ------------------------------------------------------------------
    def _read(self) -> None:
        text = self.text
        raw: list[tuple[str, int, int, list[str], bool, bool]] = []
        # (a caption needs a slash or a credit word: a text with neither is not searched)
        maybe_captions = "/" in text or any(word in text for word in _CREDIT_WORDS)
        captions = [(m.start(), m.end()) for m in _CAPTION.finditer(text)] if maybe_captions else []
        captions += [(m.start(), m.end()) for m in _BYLINE.finditer(text)]
        for start, run in self._runs():
            if any(a <= start < b for a, b in captions):
                continue
            run = _TRAILING_CONNECTOR.sub("", run)
            tokens = run.split()
            # drop sentence openers and dates in front: "But Phillips", "On Dec. 13" (not "April Ryan")
            dated = self._dated(start)
            while (
                tokens
                and not is_first_name_first(tokens, dated)
                and (
                    _APOSTROPHE.split(tokens[0].lower().strip(".,"))[0] in NOT_NAMES
                    or (len(tokens) >= 2 and _gerund_opener(tokens[0]) and self._sentence_initial(start))
                )
            ):
                dated = tokens[0].lower().strip(".,") in BEFORE_DATES
                start = text.index(tokens[0], start) + len(tokens[0])
                tokens = tokens[1:]
                while start < len(text) and text[start].isspace():
                    start += 1
            if not tokens:
                continue
            run = " ".join(tokens)
            if " of " in run:
                # "Sen. Ana Li of Ohio" is Ana Li; "House of Commons", "City of Surrey" are one name
                left = strip_titles(run.split(" of ")[0])
                if len(left.split()) >= 2 and first_name_gender(left.split()[0]) is not None:
                    run = run[: run.index(" of ")]
            end = start + len(run)
            bare = _POSSESSIVE.sub("", run)
            name = bare if " of " in bare else front_role(strip_openers(strip_titles(bare)))
            if not name or name.lower() in PRONOUNS or not name[:1].isupper():
                continue
            titles = run[: max(0, run.rfind(name))].split()
            sentence_initial = self._sentence_initial(start)
            single = len(name.split()) == 1
            # a lone capitalised word opening a sentence is usually not a name, unless it is short
            # for a longer one ("McNeely was afraid ...") or speaks ("Lonechild said ...")
            doubtful = single and sentence_initial and not SPEAKING_AFTER.match(text, end) and not titles
            possessive = _POSSESSIVE.search(run) is not None
            raw.append((name, start, end, titles, not possessive and self._subject(start, end), doubtful))
        # full names first, so that a surname finds the person it is short for
        for name, *_, doubtful in sorted(raw, key=lambda r: -len(r[0].split())):
            if doubtful:
                continue
            if name not in self.by_name:
                self.by_name[name] = self._longer(name) or Entity(name)
                tokens = name.split()
                if len(tokens) >= 2:  # a longer name, found by its first and last words
                    for token in {tokens[0], tokens[-1]}:
                        self._by_token.setdefault(token, []).append(name)
        for name, start, end, titles, subject, doubtful in raw:
            if doubtful and name not in self.by_name:
                longer = self._longer(name) if name in self._by_token else None
                if longer is None:
                    continue
                self.by_name[name] = longer
            entity = self.by_name[name]
            self.seen.append(Seen(entity, start, end, subject and not self._in_quote(start), name))
            lowered = [t.lower().strip(".") for t in titles]
            if any(t in TITLES or t in PERSON_ROLES for t in lowered):
                entity.titled = True
            entity.roles.update(t for t in lowered if t in PERSON_ROLES)
            g = title_gender(titles)
            if g:
                entity.votes[g] += 3
            self._roles_around(entity, start, end)
            if SPEAKING_AFTER.match(text, end):
                entity.speaks = True
            if subject:
                self._pronoun_votes(entity, end)
        self.seen.sort(key=lambda s: s.start)
        self._ends = [s.end for s in self.seen]
        for entity in {id(e): e for e in self.by_name.values()}.values():
            entity.decide = self._kind
            if len(entity.name.split()) >= 2:
                gender, weight = first_name_vote(entity.name.split()[0])
                if gender:
                    entity.name_votes[gender] = weight

    def _runs(self) -> list[tuple[int, str]]:
        """Capitalised runs with their starts; 'Ana Li and Bo Chen' is two, 'Fish and Game Council' one."""
        out = []
        for match in _NAME_RUN.finditer(self.text):
            run = match.group(0)
            if " and " not in run or is_org_name(run):
                out.append((match.start(), run))
                continue
            at = match.start()
            for part in re.split(r"(\s+and\s+)", run):
                if part.strip() and part.strip() != "and":
                    out.append((at, part))
                at += len(part)
        return out

    def _longer(self, name: str) -> Entity | None:
        """The entity of a longer person-like name this one is short for ('Harris' -> 'Kamala Harris')."""
        words = name.split()
        if is_org_name(name) or " of " in name:
            return None
        best: Entity | None = None
        for other in self._by_token.get(words[-1], []) + self._by_token.get(words[0], []):
            entity, ow = self.by_name[other], other.split()
            if len(ow) <= len(words) or is_org_name(other) or " of " in other:
                continue
            first_name = (
                len(words) == 1
                and words[0] == ow[0]
                and len(ow) == 2
                and first_name_gender(ow[0]) is not None
            )
            short_for = ow[-len(words) :] == words or first_name
            if not short_for or (best is not None and len(entity.name) <= len(best.name)):
                continue
            # place checks last: the gazetteer is loaded only for a name that could be short for another
            if is_place(other) or (first_name_gender(ow[0]) is None and is_place(name)):
                continue  # "Canada" is not short for "Citizenship Canada"
            best = entity
        return best

    def _kind(self, entity: Entity) -> str:
        name = entity.name
        words = name.split()
        if is_org_name(name):
            return ORG
        pronouns = entity.votes["m"] + entity.votes["f"]
        if (
            entity.votes["n"] > pronouns
            and not entity.titled
            and first_name_vote(words[0])[1] < 1.5
            and not is_place_word(name)
        ):
            return ORG  # referred to as "it" (but "Mill Road ... their" is still a road)
        if is_place(name):
            spoken_of = pronouns >= 2 or (pronouns >= 1 and entity.speaks)  # "Kim said she ..."
            return PERSON if (entity.titled and len(words) >= 2) or spoken_of else PLACE
        first = first_name_gender(words[0]) if len(words) >= 2 else None
        if entity.titled or first is not None:
            return PERSON
        singular = name.lower().removesuffix("s")  # "Prosecutors": a plural of a common word
        group = len(words) == 1 and name.endswith("s") and _zipf(singular) >= 3.0
        if group:
            return GROUP
        if pronouns and (entity.speaks or (len(words) == 1 and _zipf(name.lower()) < 4.0)):
            return PERSON  # a word that is also common ("French") needs more than a pronoun nearby
        if entity.speaks and len(words) == 1:  # "Lonechild said"; "BC Hydro said" may be anything
            return PERSON
        return OTHER

    def _sentence_initial(self, pos: int) -> bool:
        i = bisect_right(self.sentence_starts, pos) - 1
        start = self.sentence_starts[i] if i >= 0 else 0
        return _OPENING_MARKS.fullmatch(self.text, start, max(start, pos)) is not None

    def _dated(self, at: int) -> bool:
        """Whether the word before a position dates what follows ("in", "since": "in May Parliament")."""
        before = self.text[max(0, at - 8) : at].lower().split()
        return bool(before) and before[-1] in BEFORE_DATES

    def _subject(self, start: int, end: int) -> bool:
        if self._sentence_initial(start):
            return True
        # the object of a preposition is not the subject a verb after it has: "workers in Kessel walked out"
        if _PREPOSITION_BEFORE.search(self.text, max(0, start - 12), start):
            return False
        return (_VERB_AFTER.match(self.text, end) or _AUX_AFTER.match(self.text, end)) is not None

    def _in_quote(self, pos: int) -> bool:
        i = bisect_right(self._quote_starts, pos) - 1
        return i >= 0 and pos < self.quotes[i][1]

    def _roles_around(self, entity: Entity, start: int, end: int) -> None:
        """Role words before ('health minister Ana Li') or in an appositive after the name."""
        before = _ROLE_BEFORE.search(self.text, max(0, start - 40), start)
        if before:
            found = [w.lower().split("-")[-1] for w in before.group(1).split()]
            if found and (found[-1] in PERSON_ROLES or found[-1].startswith(("mayor", "minister"))):
                entity.roles.update(found)  # "health minister", "oil and gas worker"
                entity.titled = True
        app = _APPOSITIVE.match(self.text, end)
        if app:
            roles = [w.lower() for w in app.group(1).split() if w.lower() in PERSON_ROLES]
            entity.roles.update(roles)
            entity.titled = entity.titled or bool(roles)

    def _pronoun_votes(self, entity: Entity, end: int) -> None:
        """'Lonechild said she ...': the first personal pronoun later in the sentence, before another name."""
        i = bisect_right(self.sentence_starts, end)
        stop = self.sentence_starts[i] if i < len(self.sentence_starts) else len(self.text)
        nxt = _NAME_RUN.search(self.text, end, stop)
        window = self.text[end : nxt.start() if nxt else stop]
        he, she, it = _HE.search(window), _SHE.search(window), _IT.search(window)
        first = min((m.start() for m in (he, she) if m), default=len(window))
        if it and it.start() < first:
            entity.votes["n"] += 1  # "Facebook told employees it ...": a thing, not a person
            return
        said = SPEAKING_AFTER.match(self.text, end)
        # "Li said she ...": the pronoun right after the verb of saying is hers
        weight = 2.0 if said and re.match(r"\s+(?:that\s+)?(?:he|she)\b", self.text[said.end() :]) else 1.0
        if he and (not she or he.start() < she.start()):
            entity.votes["m"] += weight
        elif she:
            entity.votes["f"] += weight

    # -- resolving -----------------------------------------------------------------------------
    def name(self, phrase: str, at: int) -> Naming:
        """What a speaker phrase at a position refers to."""
        phrase = phrase.strip(" ,")
        if phrase and at >= len(phrase) and self.text[at - len(phrase) : at] == phrase:
            at -= len(phrase)  # a phrase found after its verb comes with where it ends
        low = phrase.lower()
        words = low.split()
        if not words:
            return self.floating(at)
        if low in ("he", "she", "him", "her", "i"):
            person = self.person_for(at, _GENDER_OF[low])
            return Naming(person.name, PERSON, True) if person else Naming(phrase, PERSON, False)
        if low in ("it",):
            org = self._last_thing(at, 1500)
            return Naming(org.name, ORG, True) if org else Naming(phrase, OTHER, False)
        if low in PRONOUNS:
            return Naming(phrase, OTHER, False)
        writer = re.match(
            r"(his|her)\s+(?:\w+\s+)?(?:statement|letter|post|tweet|email|e-mail|office|memo)$", low
        )
        if writer:  # "her statement said": the one who wrote it
            person = self.person_for(at, _GENDER_OF[writer.group(1)])
            return Naming(person.name, PERSON, True) if person else Naming(phrase, PERSON, False)
        if words[0] in _DETERMINERS or words[0] in _INDEFINITE or not re.search(r"\b[A-Z]", phrase):
            return self.description(phrase, at)
        if " of " in phrase:
            left = strip_titles(phrase.split(" of ")[0])
            if left in self.by_name and self.by_name[left].kind == PERSON:
                phrase = left
        role = [w.lower().strip(".,") for w in phrase.split(" of ")[0].split()]
        honorific = any(w in ("mr", "mrs", "ms", "dr", "miss", "sir", "dame") for w in role)
        named_after = any(
            phrase.endswith(n) and e.kind == PERSON for n, e in self.by_name.items() if " " in n
        )
        if role and all(w in TITLES for w in role) and not honorific and not named_after:
            # "Minister of Finance", "Chief Justice": a role, not a name
            opener = self._sentence_subject(at)
            return Naming(opener.name, PERSON, True) if opener else self.description("the " + role[-1], at)
        name = front_role(strip_openers(strip_titles(phrase), self._dated(at)))
        if not name or not name[:1].isupper():
            return self.description(phrase, at)
        entity = (len(name.split()) == 1 and self._longer_at(name, at)) or self.by_name.get(name)
        kind = entity.kind if entity else ORG if is_org_name(name) else PLACE if is_place(name) else OTHER
        if kind in (PLACE, ORG, OTHER):
            person = self._person_after(at + len(phrase))
            if person:
                return Naming(person.name, PERSON, True)
            # "Tim Guest with the Health Authority said", "Ana Li, a nurse in Elm County, said"
            owner = self._owner_before(at) or (self._sentence_subject(at) if kind != ORG else None)
            if owner:
                return Naming(owner.name, PERSON, True)
        if entity is None:
            return Naming(self._expand(name), kind, kind != PLACE)
        return Naming(self._expand(entity.name), entity.kind, entity.kind != PLACE)

    def _expand(self, name: str) -> str:
        """An acronym as the article spells it out: 'PBO' -> 'Parliamentary Budget Officer (PBO)'."""
        letters = name.replace(".", "")
        if not re.fullmatch(r"[A-Z]{2,6}", letters) or letters.lower() in TITLES:
            return name
        words = [rf"{c}[a-z][\w'’-]*" for c in letters]
        spelled = re.search(r"\b" + r",?\s+(?:(?:of|and|the|for|on|&)\s+)*".join(words) + r"\b", self.text)
        return f"{spelled.group(0)} ({name})" if spelled else name

    def _person_after(self, pos: int) -> Entity | None:
        """The person an organisation's role leads to: 'Rockets [general manager] Bruce Hamilton'."""
        m = _ROLE_THEN_NAME.match(self.text, pos)
        if not m or not any(w.lower() in PERSON_ROLES for w in m.group(1).split()):
            return None
        entity = self.by_name.get(front_role(strip_titles(m.group(2))))
        return entity if entity is not None and entity.kind == PERSON else None

    def _sentence_subject(self, at: int, appositive: bool = True) -> Entity | None:
        """The person opening the sentence at a position with an appositive: 'Ana Li, who ..., said'
        (without appositive: any person opening it as its subject)."""
        i = bisect_right(self.sentence_starts, at) - 1
        start = self.sentence_starts[i] if i >= 0 else 0
        for s in self.seen:
            if s.start >= at:
                break
            if s.start >= start:
                comma = self.text[s.end : s.end + 1] == ","
                opening = self._sentence_initial(s.start) and (comma or (not appositive and s.subject))
                return s.entity if opening and s.entity.kind == PERSON else None
        return None

    def _longer_at(self, name: str, at: int) -> Entity | None:
        words = name.split()
        for s in reversed(self.seen):
            if s.start > at + len(name) + 200:
                continue
            if len(s.surface.split()) > len(words) and s.surface.split()[-len(words) :] == words:
                return s.entity
        return None

    def _owner_before(self, at: int) -> Entity | None:
        """A person named just before 'of|with|from|at (the)' and this name."""
        m = re.search(
            r"(\S[^,.;]{0,60}?)\s+(?:of|with|from|at|for)\s+(?:the\s+)?$", self.text[max(0, at - 80) : at]
        )
        if not m:
            return None
        i = bisect_right(self._ends, at) - 1
        while i >= 0 and self.seen[i].end > at - 80:
            s = self.seen[i]
            if s.entity.kind == PERSON and s.end <= at:
                return s.entity
            i -= 1
        return None

    def description(self, phrase: str, at: int) -> Naming:
        """'the minister' -> the person introduced as minister; 'the company' -> the company named."""
        words = [w.strip(".,") for w in phrase.lower().split()]
        head = words[-1] if words else ""
        named = re.search(r"\s[A-Z]", phrase) is not None  # "the Trump campaign", "the Ohio governor"
        roleless = head not in PERSON_ROLES and head not in _ORG_NOUNS and head not in _PLACE_NOUNS
        # "Li, in a carefully worded response, said": the phrase is an adjunct of the sentence's subject
        adjunct = self.text[max(0, at - 4) : at].strip().lower() == "in"
        opener = (
            self._sentence_subject(at, appositive=not adjunct)
            if roleless and "year-old" not in phrase
            else None
        )
        if opener is not None:
            return Naming(opener.name, PERSON, True)  # "Ana Li, who went to a school nearby, said"
        if words and words[0] in _INDEFINITE:  # someone new: "a union spokesperson"
            self.descriptions.append(phrase)
            return Naming(phrase, PERSON if head in PERSON_ROLES else OTHER, False)
        if re.search(r"\d+-year-old", low := phrase.lower()) or (
            head in PERSON_ROLES and head not in _ORG_NOUNS
        ):
            head = "" if "year-old" in low else head
            for s in self._before(at, 6000):
                e = s.entity
                if (
                    head
                    and e.kind == PERSON
                    and any(r.startswith(head) or head.startswith(r) for r in e.roles)
                ):
                    return Naming(e.name, PERSON, True)
            # nobody introduced in that role: the person just spoken of, if no role says otherwise
            gender = "f" if head.endswith("woman") else "m" if head.endswith("man") else ""
            near = self.person_for(at, gender, reach=700) if not named else None
            if near is not None and not near.roles:
                return Naming(near.name, PERSON, True)
            return self._described(phrase, head, PERSON)
        subject = self._sentence_subject(at) if not named and head not in _ORG_NOUNS else None
        if subject is not None and words[0] not in _DETERMINERS:
            return Naming(subject.name, PERSON, True)  # "Ana Li, who grew up across the street, said"
        if named:
            return Naming(re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.I), ORG, True)
        if head in _PLACE_NOUNS:
            place = self.last_of(at, ORG, 3000, prefer=head, only_preferred=True) or self.last_of(
                at, PLACE, 3000
            )
            return Naming(place.name, place.kind, True) if place else Naming(phrase, ORG, False)
        if head in _ORG_NOUNS:
            org = self.last_of(at, ORG, 3000, prefer=head, only_preferred=True) or self._last_thing(at, 3000)
            return Naming(org.name, ORG, True) if org else self._described(phrase, head, ORG)
        return self._described(phrase, head, OTHER)

    def _described(self, phrase: str, head: str, kind: str) -> Naming:
        """An unnamed speaker: 'the authority' is the 'regional water authority' described before."""
        for earlier in reversed(self.descriptions):
            if earlier.lower().split()[-1] == head:
                return Naming(earlier, kind, False)
        self.descriptions.append(phrase)
        return Naming(phrase, kind, False)

    def _before(self, at: int, reach: int) -> list[Seen]:
        i = bisect_right(self._ends, at)
        return [s for s in reversed(self.seen[:i]) if s.end > at - reach]

    def last_of(
        self,
        at: int,
        kind: str,
        reach: int,
        prefer: str = "",
        only_preferred: bool = False,
        subject: bool = False,
    ) -> Entity | None:
        """The last entity of a kind named before a position (one whose name holds 'prefer' first;
        with subject, only one named as the subject of a clause, in two words or more)."""
        found = [
            s.entity
            for s in self._before(at, reach)
            if s.entity.kind == kind
            and s.surface == s.entity.name
            and (not subject or (s.subject and len(s.surface.split()) >= 2))
        ]
        if prefer:
            for e in found:
                if prefer in e.name.lower().split():
                    return e
        return found[0] if found and not only_preferred else None

    def _last_thing(self, at: int, reach: int) -> Entity | None:
        """The last organisation (or unknown name) named as a subject before a position, else the last
        organisation named at all."""
        fallback = None
        for s in self._before(at, reach):
            e = s.entity
            subject = s.subject and not self._in_quote(s.start)
            # a name taken for a person only because it spoke, with no he or she: "BC Hydro said ... it said"
            if subject and (e.kind in (ORG, OTHER) or (e.promoted and not e.gender)):
                return e
            if fallback is None and e.kind == ORG:
                fallback = e
        return fallback

    def person_for(self, at: int, gender: str, reach: int = 4000) -> Entity | None:
        """The person a pronoun refers to: the most salient earlier person whose gender agrees."""
        scores: dict[int, tuple[float, Entity]] = {}
        for s in self._before(at, reach):
            e = s.entity
            if e.kind != PERSON or (gender and e.gender and e.gender != gender):
                continue
            score = -(at - s.end) / _TUNE[0] + (_TUNE[1] if s.subject else 0.0)
            score -= _TUNE[2] if gender and not e.gender else 0.0
            score -= _TUNE[4] if self._in_quote(s.start) else 0.0
            if id(e) not in scores or score > scores[id(e)][0]:
                scores[id(e)] = (score, e)
        for pos, e in reversed(self.spoke):
            if pos <= at and at - pos <= reach and e.kind == PERSON:
                since = any(
                    s.subject and s.start > pos and s.entity is not e and id(s.entity) in scores
                    for s in self._before(at, at - pos)
                )
                if not since and not (gender and e.gender and e.gender != gender):
                    base = scores.get(id(e), (-(at - pos) / _TUNE[0], e))[0]
                    scores[id(e)] = (base + _TUNE[3], e)
                break
        return max(scores.values(), key=lambda x: x[0])[1] if scores else None

    def floating(self, at: int) -> Naming:
        """An unattributed quote: the last speaker, else the last person named."""
        last = self.spoke[-1] if self.spoke else None
        # someone introduced as a subject since the last statement: "Li expressed concern.\n\n“...”"
        for s in self._before(at, 800):
            if last and s.start <= last[0]:
                break
            if s.subject and s.entity.kind in (PERSON, ORG) and not self._in_quote(s.start):
                return Naming(s.entity.name, s.entity.kind, True)
        if last:
            return Naming(last[1].name, last[1].kind, True)
        person = self.person_for(at, "")
        return Naming(person.name, PERSON, True) if person else Naming("", OTHER, False)

    def said(self, at: int, name: str) -> None:
        """Record that the entity under this name spoke at a position (it becomes salient)."""
        entity = self.by_name.get(name)
        if entity is not None:
            if entity.kind == OTHER:
                entity.kind = PERSON  # a name that speaks, neither an organisation nor a place
                entity.promoted = True
            self.spoke.append((at, entity))


def _gerund_opener(token: str) -> bool:
    """'Injecting' in 'Injecting Clinton’s troubles into ...': a verb opening the sentence, no first name."""
    return (
        len(token) >= 6 and token.endswith("ing") and token[1:].islower() and first_name_gender(token) is None
    )


SPEAKING_AFTER = re.compile(r"(?:\s*,[^,.;]{1,80},)?(?:\s+(?:has|had|also|later|then))?\s+" + CUE_RE.pattern)


_TRAILING_CONNECTOR = re.compile(r"\s+(?:of|and)$")
_APOSTROPHE = re.compile(r"['’]")
# what may stand between a sentence's start and its first word: spaces, quotation marks, brackets, dashes
_OPENING_MARKS = re.compile(r"[\s“”\"'‘’(\[—–-]*")
