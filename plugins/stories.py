"""Built-in plugin: is an article a new story, a rewrite of a known article, or related coverage?"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache
from typing import Any, Generic, TypeVar

from bot.hookspecs import hookimpl
from bot.models import Article, KnownArticle, Relation, StoryMatch
from bot.store_view import StoreView
from plugins.similarity import (
    Alignable,
    Fingerprint,
    Profile,
    Vectors,
    align,
    cosine,
    index_keys,
    same_event,
    same_topic,
    shared_shingles,
)

T = TypeVar("T")
MAX_STORY_COMPARE = 10  # the newest articles of a story that "what is new" is checked against
# Rewrites, even re-worded and translated ones, share far more word 3-grams than independent texts
# (the seed rewrites share 19-22 % with their original, independent coverage 2-3 %).
SHINGLES_MIN = 0.06
MAX_ALIGNED = 3  # candidates aligned sentence by sentence, most shared 3-grams first
DEFAULTS = {
    "candidates": 20,  # how many retrieved articles are scored precisely
    "rewrite_min": 0.5,  # share of either text in aligned sentences that makes a rewrite
    "related_min": 0.33,  # weighted cosine of the names two texts mention that makes the same story
    "related_topic_min": 0.06,  # ...with some words beyond the names in common (not just the same people)
    # ...or two weaker signals that agree: names in common and words in common
    "related_names_min": 0.25,
    "related_words_min": 0.35,
}


@lru_cache(maxsize=64)
def _profile(article_id: str, title: str, text: str) -> Profile:
    return Profile(title, text)


class Recent(Generic[T]):
    """The last `size` values put in, by key: what recently stored articles are compared by. Later
    articles most often compare themselves with recent ones, so keeping what was computed when they
    were stored saves reading and analysing them again."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under key, or made now (and kept)."""
        value = self.items.get(key)
        if value is None:
            return self.put(key, make())
        self.items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: T) -> T:
        """Keep a value, forgetting the least recently used beyond size."""
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


# keyed by what the store keeps (the fingerprint, the text), so an edited article is never stale
_FINGERPRINTS: Recent[Fingerprint] = Recent(2048)
_ALIGNABLE: Recent[Alignable] = Recent(2048)


def _vectors(other: KnownArticle) -> Vectors:
    """A known article's fingerprint as stored, or its full analysis if it has none."""
    stored = other.fingerprint
    if stored:
        return _FINGERPRINTS.get((other.id, stored), lambda: Fingerprint.from_stored(stored))
    return _profile(other.id, other.title, other.text)


def _alignable(other: KnownArticle) -> Alignable:
    """A known article's sentences, ready to align."""
    return _ALIGNABLE.get(
        (other.id, hash(other.text)), lambda: _profile(other.id, other.title, other.text).alignable
    )


def _settings(settings: Mapping[str, Any]) -> dict[str, float]:
    own = settings.get("stories", {}) if isinstance(settings, Mapping) else {}
    return {k: float(own.get(k, v)) for k, v in DEFAULTS.items()}


@hookimpl
def wirewatch_match_story(article: Article, known: StoreView, settings: Mapping[str, Any]) -> StoryMatch:
    """Compare the article with the few stored articles its index keys retrieve."""
    opts = _settings(settings)
    profile = _profile(article.id, article.title, article.text)
    keys = index_keys(profile)
    best_rewrite: tuple[float, KnownArticle] | None = None
    best_related: tuple[float, KnownArticle] | None = None
    best_score = 0.0
    tied_to: list[KnownArticle] = []  # every known article that is the same story
    copies: list[tuple[float, KnownArticle]] = []  # candidates that share enough 3-grams to be derived text
    for other, _shared in known.candidates(keys, int(opts["candidates"])):
        theirs = _vectors(other)
        overlap = shared_shingles(profile, theirs)
        if overlap >= SHINGLES_MIN:
            copies.append((overlap, other))
        cos = same_event(profile, theirs)
        if cos < opts["related_names_min"] / 2:
            continue
        topic = same_topic(profile, theirs)  # None: too short to tell
        on_topic = topic is None or topic >= opts["related_topic_min"]
        if on_topic:  # the nearest miss, for the score of a new story
            best_score = max(best_score, cos)
        related = (cos >= opts["related_min"] and on_topic) or (
            cos >= opts["related_names_min"] and cosine(profile, theirs) >= opts["related_words_min"]
        )
        if related:
            tied_to.append(other)
            if best_related is None or cos > best_related[0]:
                # related through the second rule (weaker names, more words): just at the boundary
                best_related = (max(cos, opts["related_min"]), other)
    # sentence alignment is the costly step: only for the few texts that share the most 3-grams
    for _overlap, other in sorted(copies, key=lambda c: (-c[0], c[1].id))[:MAX_ALIGNED]:
        aligned = align(profile.alignable, _alignable(other))
        derived = max(aligned.covered_new, aligned.covered_known)
        if derived >= opts["rewrite_min"]:
            tied_to.append(other)
            if best_rewrite is None or derived > best_rewrite[0]:
                best_rewrite = (derived, other)
    relation: Relation = "rewrite" if best_rewrite else "related"
    best = best_rewrite or best_related
    fingerprint = Fingerprint.of(profile).to_bytes()
    # later articles will likely compare themselves with it: keep exactly what the store keeps (weights
    # as 32-bit floats), so that comparing with a fingerprint read back after a restart changes nothing
    _FINGERPRINTS.put((article.id, fingerprint), Fingerprint.from_stored(fingerprint))
    _ALIGNABLE.put((article.id, hash(article.text)), profile.alignable)
    if best is None:
        return StoryMatch(
            "new", None, _scaled(best_score, opts["related_min"]), keys, fingerprint=fingerprint
        )
    similarity, tied = best
    score = _scaled(similarity, opts["rewrite_min"] if relation == "rewrite" else opts["related_min"])
    # an article that ties two stories together shows they are one
    also = tuple(dict.fromkeys(a.id for a in tied_to if a.story_id != tied.story_id))
    return StoryMatch(relation, tied.id, score, keys, _added(profile, known, tied), also, fingerprint)


def _scaled(similarity: float, boundary: float) -> float:
    """The deciding similarity on one scale for every relation: 0.5 at the decision boundary, towards 1
    the surer the match, towards 0 the surer a new story (a logistic curve, not fitted to data)."""
    return 1.0 / (1.0 + math.exp(-12.0 * (similarity - boundary)))


def _added(profile: Profile, known: StoreView, tied: KnownArticle) -> tuple[str, ...]:
    """The sentences of the new text with no counterpart anywhere in the story so far."""
    unmatched = set(range(len(profile.spans)))
    for other in known.story_articles(tied.story_id, MAX_STORY_COMPARE):
        if not unmatched:
            break
        unmatched &= set(align(profile.alignable, _alignable(other)).unmatched)
    return tuple(profile.text[a:b] for i, (a, b) in enumerate(profile.spans) if i in unmatched)


@hookimpl
def register_settings(register: Callable[[str, Mapping[str, Any]], None]) -> None:
    """[plugins.stories]: the thresholds above, each a number like its default."""
    register("stories", DEFAULTS)
