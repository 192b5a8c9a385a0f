"""Built-in plugin: is an article a new story, a rewrite of a known article, or related coverage?

The few stored articles its index keys retrieve point at candidate stories; the article is compared
with each candidate story's newest articles, and one learned model (plugins/story_model.py) gives,
for each of them, the probability that it is another story, the same story written independently,
or text the article derives from. An article joins a story when it matches that story's articles
(the mean of its best matches), not one neighbour at the end of a chain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.hookspecs import hookimpl
from bot.models import Article, KnownArticle, Relation, StoryMatch
from bot.storage import parse_time
from bot.store_view import StoreView
from plugins.similarity import (
    FEATURES,
    MEMBERS,
    Fingerprint,
    Profile,
    Reading,
    Vectors,
    align,
    cosine,
    index_keys,
    pair_features,
    shared_shingles,
    story_features,
)
from plugins.story_model import Probabilities, predict

DEFAULTS = {
    "candidates": 20,  # how many retrieved articles are looked at
    "stories": 3,  # how many of their stories are compared article by article
    # a story of more than two articles is matched by the mean of its this many best matches: one
    # neighbour at the end of a chain is not enough (a story of one or two, by its best match)
    "support": 2,
    "merge_min": 0.9,  # probability that another story is this one too, for merging the two
}
# below both, a retrieved article shares too little with the new one to be worth comparing closely
LOOK_TERMS = 0.05
LOOK_SHINGLES = 0.03
# sentences with a counterpart: a text with this share of its own in the other, or holding this share
# of the other's, is derived from it, whatever else it adds (or leaves out)
COPIED = 0.7
ALIGNED_NEW, ALIGNED_KNOWN = FEATURES.index("aligned_new"), FEATURES.index("aligned_known")


def _settings(settings: Mapping[str, Any]) -> dict[str, float]:
    own = settings.get("stories", {}) if isinstance(settings, Mapping) else {}
    return {k: float(own.get(k, v)) for k, v in DEFAULTS.items()}


def _vectors(other: KnownArticle) -> Vectors:
    """A known article's fingerprint as stored, or its analysis if it has none."""
    return (
        Fingerprint.from_stored(other.fingerprint) if other.fingerprint else Profile(other.title, other.text)
    )


def _days(a: str | None, b: str | None) -> float | None:
    ta, tb = parse_time(a), parse_time(b)
    return None if ta is None or tb is None else (ta - tb).total_seconds() / 86400


@dataclass
class Judged:
    """One candidate story as compared with the new article."""

    story: str
    support: float  # mean probability of the same story over its best matching articles
    rewrite: tuple[Probabilities, KnownArticle]  # the article it most likely derives from
    nearest: tuple[Probabilities, KnownArticle]  # the article most likely of the same story
    members: list[tuple[KnownArticle, Reading]]
    copied: KnownArticle | None  # an article nearly all of which is in the new one, or the reverse


class Comparison:
    """The new article and what it is compared with, each text read once for this article."""

    def __init__(self, article: Article, known: StoreView) -> None:
        self.article = article
        self.known = known
        self.profile = Profile(article.title, article.text)
        self.reading = Reading(self.profile)
        self.readings: dict[str, Reading] = {}

    def read(self, other: KnownArticle) -> Reading:
        """A known article read closely (once per incoming article)."""
        found = self.readings.get(other.id)
        if found is None:
            found = self.readings[other.id] = Reading(Profile(other.title, other.text))
        return found

    def judge(self, story: str, retrieved: list[KnownArticle], support: int) -> Judged:
        """Compare the article with a story's newest articles (and those of it that were retrieved)."""
        members = self.known.story_articles(story, MEMBERS)
        ids = {m.id for m in members}
        members += [r for r in retrieved if r.id not in ids]
        read = [(m, self.read(m)) for m in members]
        shared = story_features(self.reading, [r for _, r in read[-MEMBERS:]])
        features = [
            (m, pair_features(self.reading, r, _days(self.article.published, m.published)) + shared)
            for m, r in read
        ]
        judged = [(predict(f), m) for m, f in features]
        best = 1 if len(judged) <= 2 else max(1, support)
        same = sorted((p.same for p, _ in judged), reverse=True)[:best]
        copied = [m for m, f in features if max(f[ALIGNED_NEW], f[ALIGNED_KNOWN]) >= COPIED]
        return Judged(
            story,
            sum(same) / len(same),
            max(judged, key=lambda j: (j[0].rewrite, j[1].id)),
            max(judged, key=lambda j: (j[0].same, j[1].id)),
            read,
            min(copied, key=lambda m: m.id) if copied else None,
        )

    def added(self, members: list[tuple[KnownArticle, Reading]]) -> tuple[str, ...]:
        """The sentences of the new text with no counterpart in any of these story articles."""
        unmatched = set(range(len(self.profile.spans)))
        for _, reading in members:
            if not unmatched:
                break
            unmatched &= set(align(self.profile.alignable, reading.profile.alignable).unmatched)
        return tuple(self.profile.text[a:b] for i, (a, b) in enumerate(self.profile.spans) if i in unmatched)


@hookimpl
def wirewatch_match_story(article: Article, known: StoreView, settings: Mapping[str, Any]) -> StoryMatch:
    """Compare the article with the stories of the few stored articles its index keys retrieve."""
    opts = _settings(settings)
    seen = Comparison(article, known)
    keys = index_keys(seen.profile)
    looked: list[tuple[float, KnownArticle]] = []
    for other, _shared in known.candidates(keys, int(opts["candidates"])):
        theirs = _vectors(other)
        terms, copied = cosine(seen.profile, theirs), shared_shingles(seen.profile, theirs)
        if terms >= LOOK_TERMS or copied >= LOOK_SHINGLES:
            looked.append((terms + copied, other))
    looked.sort(key=lambda c: (-c[0], c[1].id))
    by_story: dict[str, list[KnownArticle]] = {}
    for _, other in looked:
        if other.story_id in by_story or len(by_story) < int(opts["stories"]):
            by_story.setdefault(other.story_id, []).append(other)
    judged = sorted(
        (seen.judge(story, retrieved, int(opts["support"])) for story, retrieved in by_story.items()),
        key=lambda j: (-j.support, j.story),
    )
    fingerprint = Fingerprint.of(seen.profile).to_bytes()
    best = judged[0] if judged else None
    if best is None or best.support < 0.5:
        return StoryMatch("new", None, best.support if best else 0.0, keys, fingerprint=fingerprint)
    derived, source = best.rewrite
    # the model is fitted with derived and independent text weighing the same: above one half, the
    # article's likeliest source more likely gave it its text than not
    surely = derived.derived > 0.5 and derived.same >= 0.5
    relation: Relation = "rewrite" if surely else "related"
    if relation == "related" and best.copied is not None:
        relation, source = "rewrite", best.copied  # nearly all of one text is in the other: derived
    tied = source if relation == "rewrite" else best.nearest[1]
    # another story this one matches as surely shows the two are one; a weaker tie does not
    also = tuple(j.nearest[1].id for j in judged[1:] if j.support >= opts["merge_min"])
    return StoryMatch(relation, tied.id, best.support, keys, seen.added(best.members), also, fingerprint)


@hookimpl
def register_settings(register: Callable[[str, Mapping[str, Any]], None]) -> None:
    """[plugins.stories]: the settings above, each a number like its default."""
    register("stories", DEFAULTS)
