"""Built-in plugin: attributed statements, their speakers, and whether each is newly attributed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.hookspecs import hookimpl
from bot.models import Article, KnownQuote, Quote
from bot.store_view import StoreView
from plugins.quotes.extract import Extractor
from plugins.quotes.novelty import content, index_terms, same_statement
from plugins.quotes.speakers import compact, speaker_keys


def _first_equivalent(text: str, known: list[KnownQuote], strict_numbers: bool) -> KnownQuote | None:
    mine = content(text).keys()
    for other in known:
        if mine & content(other.text).keys() and same_statement(text, other.text, strict_numbers):
            return other
    return None


@hookimpl
def wirewatch_extract_quotes(article: Article, known: StoreView, settings: Mapping[str, Any]) -> list[Quote]:
    """Extract statements and mark those no earlier article attributed to the same speaker."""
    own = settings.get("quotes", {}) if isinstance(settings, Mapping) else {}
    strict_numbers = bool(own.get("strict_numbers", False))
    quotes = []
    names: dict[str, str] = {}
    for st in Extractor(article.text).run():
        keys = speaker_keys(st.speaker, st.kind) if st.resolved else (f"u:{compact(st.speaker)}",)
        if st.speaker not in names:
            # a bare surname takes the full name the store already knows ("Solis" -> "Marta Solis")
            person = st.resolved and st.kind not in ("org", "place") and len(st.speaker.split()) == 1
            names[st.speaker] = (person and known.speaker_name(keys)) or st.speaker
        text = article.text[st.start : st.end]
        terms = index_terms(text)
        candidates = known.known_quotes(keys, terms) if terms else []
        same = _first_equivalent(text, candidates, strict_numbers)
        quotes.append(
            Quote(
                speaker=names.get(st.speaker, st.speaker),
                text=text,
                start=st.start,
                end=st.end,
                cue=st.cue,
                direct=st.direct,
                new=same is None,
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
