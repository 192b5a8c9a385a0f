"""Built-in plugin: attributed statements, their speakers, and whether each is newly attributed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.hookspecs import hookimpl
from bot.models import Article, KnownQuote, Quote
from bot.store_view import StoreView
from plugins.quotes.entities import first_name_gender, warm
from plugins.quotes.novelty import content, index_terms, restated, same_statement
from plugins.quotes.speakers import compact, speaker_keys
from plugins.text import analysed

_SUFFIXES = frozenset({"Jr", "Sr", "II", "III", "IV"})
SAID_AGAIN = 64  # a speaker's newest statements in an article that a statement is compared with


def _first_equivalent(text: str, known: list[KnownQuote], strict_numbers: bool) -> KnownQuote | None:
    mine = content(text).keys()
    for other in known:
        if mine & content(other.text).keys() and same_statement(text, other.text, strict_numbers):
            return other
    return None


def fuller_name(bare: str, stored: Sequence[str]) -> str | None:
    """The full name a bare surname stands for, from the stored speakers sharing its key: only when
    each of them is one person by a name ending in it ("Marta Solis" for "Solis"; "Neil Hamilton" of
    "Tory MP Neil Hamilton"). A stored Bill and Hillary Clinton, or a "Clinton" quoted before either was
    named in full, leave a bare "Clinton" as written."""
    people = [p for name in stored if (p := _persons_name(name, bare)) is not None]
    if not people or len(people) < len(stored) or len({compact(p.split()[0]) for p in people}) != 1:
        return None
    return max(people, key=len)


def _persons_name(name: str, surname: str) -> str | None:
    """'First [Middle] Surname' within a stored name (at most four words, titles before it dropped);
    None for a name that is not a person's ('Wisconsin Republican', a lone surname)."""
    words = name.split()
    suffix = words[-1:] if words and words[-1].rstrip(".,") in _SUFFIXES else []
    words = words[: len(words) - len(suffix)]
    if len(words) < 2 or compact(words[-1]) != compact(surname):
        return None
    for i in range(max(0, len(words) - 4), len(words) - 1):
        # capitalised words, none an acronym ("Tory MP Neil Hamilton" is Neil Hamilton)
        named = all(w[:1].isupper() and not (len(w.rstrip(".")) > 1 and w.isupper()) for w in words[i:])
        if named and first_name_gender(words[i]) is not None:
            return " ".join(words[i:] + suffix)
    return None


@dataclass(frozen=True)
class Found:
    """A statement as the article's text alone gives it (worked out ahead, maybe in another process)."""

    speaker: str
    start: int
    end: int
    cue: str
    direct: bool
    mention: str
    resolved: bool
    person: bool  # a bare surname of a person: the store may know the full name
    keys: tuple[str, ...]  # the speaker's keys
    terms: tuple[str, ...]  # the statement's index terms


def statements(text: str) -> list[Found]:
    """The statements of a text, with their speakers' keys and index terms."""
    from plugins.quotes.extract import Extractor  # 140 patterns, 40 ms: not for commands that read no text

    found = []
    for st in Extractor(analysed(text)).run():  # offsets in the part read are the text's
        keys = speaker_keys(st.speaker, st.kind) if st.resolved else (f"u:{compact(st.speaker)}",)
        person = st.resolved and st.kind not in ("org", "place") and len(st.speaker.split()) == 1
        terms = index_terms(text[st.start : st.end])
        found.append(
            Found(
                str(st.speaker),
                st.start,
                st.end,
                st.cue,
                st.direct,
                str(st.mention),
                st.resolved,
                person,
                keys,
                terms,
            )
        )
    return found


@hookimpl
def wirewatch_prepare(article: Article, settings: Mapping[str, Any]) -> dict[str, object]:
    """The article's statements, from its text alone (the text they were found in, to check it)."""
    return {"quotes": (article.text, statements(article.text))}


@hookimpl
def wirewatch_warm(settings: Mapping[str, Any]) -> None:
    """The place and first names, loaded on the first speaker that may be a place or a person (0.1 s
    each): before the workers are forked, not in each of them while the main process waits."""
    warm()


@hookimpl
def wirewatch_extract_quotes(
    article: Article, known: StoreView, settings: Mapping[str, Any], prepared: Mapping[str, Any]
) -> list[Quote]:
    """Extract statements and mark those no earlier article attributed to the same speaker."""
    own = settings.get("quotes", {}) if isinstance(settings, Mapping) else {}
    strict_numbers = bool(own.get("strict_numbers", False))
    quotes: list[Quote] = []
    names: dict[str, str] = {}
    said: dict[str, list[str]] = {}  # the new statements so far, by speaker key
    ahead = prepared.get("quotes")
    found = ahead[1] if ahead and ahead[0] == article.text else statements(article.text)
    for st in found:
        keys, terms = st.keys, st.terms
        if st.speaker not in names:
            # a bare surname takes the full name the store already knows ("Solis" -> "Marta Solis")
            fuller = fuller_name(st.speaker, known.speaker_names(keys)) if st.person else None
            names[st.speaker] = fuller or st.speaker
        text = article.text[st.start : st.end]
        candidates = known.known_quotes(keys, terms) if terms else []
        same = _first_equivalent(text, candidates, strict_numbers)
        # said again, in the same words, further down the same article ("Later, Dahl said ..."): new once
        # each text once, though it is kept under every key of its speaker
        earlier = {t for key in keys for t in said.get(key, [])[-SAID_AGAIN:]}
        again = same is None and any(restated(text, t) for t in earlier)
        if same is None and not again:
            for key in keys:
                said.setdefault(key, []).append(text)
        quotes.append(
            Quote(
                speaker=names.get(st.speaker, st.speaker),
                text=text,
                start=st.start,
                end=st.end,
                cue=st.cue,
                direct=st.direct,
                new=same is None and not again,
                same_as=same.id if same else None,
                speaker_keys=keys,
                terms=terms,
                mention=st.mention,
                resolved=st.resolved,
            )
        )
    return quotes


@hookimpl
def register_settings(register: Callable[[str, Mapping[str, Any]], None]) -> None:
    """[plugins.quotes] strict_numbers: statements with different numbers are never the same."""
    register("quotes", {"strict_numbers": False})
