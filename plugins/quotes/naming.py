"""Who a speaker phrase refers to: the people, organisations and places an article names, and the
resolution of names, pronouns, descriptions and unattributed quotes to one of them."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from plugins.quotes.entities import (
    NOT_NAMES,
    ORG,
    OTHER,
    PERSON,
    PERSON_ROLES,
    PLACE,
    first_name_gender,
    is_org_name,
    is_place,
    strip_openers,
    title_gender,
)
from plugins.quotes.lexicon import CUE_RE
from plugins.quotes.speakers import PRONOUNS, TITLES, strip_titles

_CAP = r"(?:\b[A-Z][a-z]{0,3}\.|\b[A-Z][\w'’-]*)"
_CONNECTOR = r"(?:\b(?:de|da|del|van|von|bin|al|el|der|la|le|di|du|ibn|of|and)|&)(?=\s+[A-Z])"
_NAME_RUN = re.compile(rf"{_CAP}(?:[ \t]+(?:{_CAP}|{_CONNECTOR}))*")
# a verb after a name: the name is the subject of its clause
_VERB_AFTER = re.compile(
    r"(?:\s*,[^,.;]{1,80},|,)?\s+(?:(?:has|had|have|also|then|later|again|was|is|will|would|could|did|"
    r"does|first|once|recently|previously|further|didn['’]t|doesn['’]t|wasn['’]t|isn['’]t|won['’]t|can['’]t)\s+)*"
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
    kind: str = OTHER
    votes: dict[str, float] = field(default_factory=lambda: {"m": 0.0, "f": 0.0})
    roles: set[str] = field(default_factory=set)
    titled: bool = False
    speaks: bool = False

    @property
    def gender(self) -> str:
        """'m', 'f' or '' (unknown) from the evidence gathered."""
        m, f = self.votes["m"], self.votes["f"]
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
        self.quotes = quotes
        self.by_name: dict[str, Entity] = {}
        self.seen: list[Seen] = []
        self.spoke: list[tuple[int, Entity]] = []  # (position, entity) of resolved speakers so far
        self._read()

    # -- reading the article ------------------------------------------------------------------
    def _read(self) -> None:
        text = self.text
        raw: list[tuple[str, int, int, list[str], bool]] = []
        captions = [(m.start(), m.end()) for m in _CAPTION.finditer(text)]
        for match in _NAME_RUN.finditer(text):
            if any(a <= match.start() < b for a, b in captions):
                continue
            start, run = match.start(), match.group(0)
            run = re.sub(r"\s+(?:of|and)$", "", run)
            tokens = run.split()
            # drop sentence openers and dates in front: "But Phillips", "On Dec. 13"
            while tokens and re.split(r"['’]", tokens[0].lower().strip(".,"))[0] in NOT_NAMES:
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
            name = bare if " of " in bare else strip_openers(strip_titles(bare))
            if not name or name.lower() in PRONOUNS or not name[:1].isupper():
                continue
            titles = run[: max(0, len(run) - len(name))].split()
            sentence_initial = self._sentence_initial(start)
            single = len(name.split()) == 1
            if single and sentence_initial and not SPEAKING_AFTER.match(text, end) and not titles:
                continue  # a lone capitalised word opening a sentence is usually not a name
            possessive = _POSSESSIVE.search(run) is not None
            raw.append((name, start, end, titles, not possessive and self._subject(start, end)))
        # full names first, so that a surname finds the person it is short for
        for name, *_ in sorted(raw, key=lambda r: -len(r[0].split())):
            if name not in self.by_name:
                self.by_name[name] = self._longer(name) or Entity(name)
        for name, start, end, titles, subject in raw:
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
            entity.kind = self._kind(entity)
            first = first_name_gender(entity.name.split()[0]) if len(entity.name.split()) >= 2 else None
            if first:
                entity.votes[first] += 1.5

    def _longer(self, name: str) -> Entity | None:
        """The entity of a longer person-like name this one is short for ('Harris' -> 'Kamala Harris')."""
        words = name.split()
        if is_org_name(name) or " of " in name:
            return None
        place = is_place(name)
        best: Entity | None = None
        for other, entity in self.by_name.items():
            ow = other.split()
            if len(ow) <= len(words) or is_org_name(other) or is_place(other) or " of " in other:
                continue
            if place and first_name_gender(ow[0]) is None:
                continue  # "Canada" is not short for "Citizenship Canada"
            short_for = ow[-len(words) :] == words or (len(words) == 1 and words[0] == ow[0] and len(ow) == 2)
            if short_for and (best is None or len(entity.name) > len(best.name)):
                best = entity
        return best

    def _kind(self, entity: Entity) -> str:
        name = entity.name
        words = name.split()
        if is_org_name(name):
            return ORG
        if is_place(name):
            pronouns = entity.votes["m"] + entity.votes["f"]
            return PERSON if (entity.titled and len(words) >= 2) or pronouns >= 1 else PLACE
        first = first_name_gender(words[0]) if len(words) >= 2 else None
        if entity.titled or first is not None or entity.votes["m"] or entity.votes["f"]:
            return PERSON
        if entity.speaks:
            return PERSON
        return OTHER

    def _sentence_initial(self, pos: int) -> bool:
        i = bisect_right(self.sentence_starts, pos) - 1
        start = self.sentence_starts[i] if i >= 0 else 0
        return not re.sub(r"[\s“”\"'‘’(\[—–-]", "", self.text[start:pos])

    def _subject(self, start: int, end: int) -> bool:
        return self._sentence_initial(start) or _VERB_AFTER.match(self.text, end) is not None

    def _in_quote(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.quotes)

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
        he, she = _HE.search(window), _SHE.search(window)
        if he and (not she or he.start() < she.start()):
            entity.votes["m"] += 1
        elif she:
            entity.votes["f"] += 1

    # -- resolving -----------------------------------------------------------------------------
    def name(self, phrase: str, at: int) -> Naming:
        """What a speaker phrase at a position refers to."""
        phrase = phrase.strip(" ,")
        low = phrase.lower()
        words = low.split()
        if not words:
            return self.floating(at)
        if low in ("he", "she", "him", "her", "i"):
            person = self.person_for(at, _GENDER_OF[low])
            return Naming(person.name, PERSON, True) if person else Naming(phrase, PERSON, False)
        if low in ("it",):
            org = self.last_of(at, ORG, 1500) or self.last_of(at, OTHER, 600)
            return Naming(org.name, ORG, True) if org else Naming(phrase, OTHER, False)
        if low in PRONOUNS:
            return Naming(phrase, OTHER, False)
        if words[0] in _DETERMINERS or words[0] in _INDEFINITE or not re.search(r"\b[A-Z]", phrase):
            return self.description(phrase, at)
        if " of " in phrase:
            left = strip_titles(phrase.split(" of ")[0])
            if left in self.by_name and self.by_name[left].kind == PERSON:
                phrase = left
        name = strip_openers(strip_titles(phrase))
        if not name or not name[:1].isupper():
            return self.description(phrase, at)
        entity = (len(name.split()) == 1 and self._longer_at(name, at)) or self.by_name.get(name)
        kind = entity.kind if entity else ORG if is_org_name(name) else PLACE if is_place(name) else OTHER
        if kind in (PLACE, ORG, OTHER):
            # "Tim Guest with the Health Authority said", "Ana Li, a nurse in Elm County, said"
            owner = self._owner_before(at) or (self._sentence_subject(at) if kind != ORG else None)
            if owner:
                return Naming(owner.name, PERSON, True)
        if entity is None:
            return Naming(name, kind, kind != PLACE)
        return Naming(entity.name, entity.kind, entity.kind != PLACE)

    def _sentence_subject(self, at: int) -> Entity | None:
        """The person opening the sentence at a position with an appositive: 'Ana Li, who ..., said'."""
        i = bisect_right(self.sentence_starts, at) - 1
        start = self.sentence_starts[i] if i >= 0 else 0
        for s in self.seen:
            if s.start >= at:
                break
            if s.start >= start:
                opening = self._sentence_initial(s.start) and self.text[s.end : s.end + 1] == ","
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
        if words and words[0] in _INDEFINITE:
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
            near = self.person_for(at, gender, reach=700)
            if near is not None and not near.roles:
                return Naming(near.name, PERSON, True)
            return Naming(phrase, PERSON, False)
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
            org = self.last_of(at, ORG, 3000, prefer=head) or self.last_of(at, OTHER, 1500)
            return Naming(org.name, ORG, True) if org else Naming(phrase, ORG, False)
        return Naming(phrase, OTHER, False)

    def _before(self, at: int, reach: int) -> list[Seen]:
        i = bisect_right(self._ends, at)
        return [s for s in reversed(self.seen[:i]) if s.end > at - reach]

    def last_of(
        self, at: int, kind: str, reach: int, prefer: str = "", only_preferred: bool = False
    ) -> Entity | None:
        """The last entity of a kind named before a position (one whose name holds 'prefer' first)."""
        found = [
            s.entity for s in self._before(at, reach) if s.entity.kind == kind and s.surface == s.entity.name
        ]
        if prefer:
            for e in found:
                if prefer in e.name.lower().split():
                    return e
        return found[0] if found and not only_preferred else None

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
            self.spoke.append((at, entity))


SPEAKING_AFTER = re.compile(r"(?:\s*,[^,.;]{1,80},)?(?:\s+(?:has|had|also|later|then))?\s+" + CUE_RE.pattern)
