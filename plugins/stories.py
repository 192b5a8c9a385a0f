"""Built-in plugin: is an article a new story, a rewrite of a known article, or related coverage?

The few stored articles its index keys retrieve point at candidate stories; the article is compared
with each candidate story's newest articles, and one learned model (plugins/story_model.py) gives,
for each of them, the probability that it is another story, the same story written independently,
or text the article derives from. An article joins a story when it matches that story's articles
(the mean of its best matches), not one neighbour at the end of a chain. Whether it derives from the
story is decided on what was published before it, all of it together (a paper takes paragraphs from
several wire takes), never on a text of the same moment or later.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bot.hookspecs import hookimpl
from bot.models import Article, KnownArticle, Refreshed, Relation, StoryMatch
from bot.storage import parse_time
from bot.store_view import StoreView
from plugins import text
from plugins.kept import keep, restore
from plugins.similarity import (
    FEATURES,
    MEMBERS,
    PAIR,
    SAME,
    STORY_LOOK,
    STORY_TEXTS,
    Alignment,
    Fingerprint,
    Profile,
    Reading,
    Vectors,
    align,
    compared,
    cosine,
    cover_features,
    index_keys,
    pair_features,
    shared_shingles,
    story_features,
)
from plugins.story_model import Probabilities, predict
from plugins.text import weight, words

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
# the cover of the story's texts left out: the same-story part of the model does not read it
UNCOVERED = [0.0] * (len(FEATURES) - len(SAME))
# another candidate story at least this likely the same one: its earlier texts are text the article may
# derive from too (a paper takes paragraphs from several wire takes, and the grouping may keep a take
# apart), though the article joins the likeliest story and is tied to one of its texts
ALSO_SOURCE = 0.2
READINGS = 512  # stored articles whose close reading is kept between incoming articles, per store


class Readings:
    """The close readings of the stored articles most recently compared with, newest kept: a story's
    articles are compared with every article that joins it, and each is read once, not every time.
    A reading is used only for the very text it was made from."""

    def __init__(self, size: int = READINGS) -> None:
        self.size = size
        self.kept: OrderedDict[str, tuple[str, str, Reading]] = OrderedDict()

    def get(
        self, other: KnownArticle, known: StoreView | None = None, made: dict[str, Reading] | None = None
    ) -> Reading:
        """The reading of a stored article, made now if it is not kept (or its text has changed):
        read back from the store where it kept one, else from the text. made: where a reading made
        from the text because the store kept none that this code can use is noted, to be kept again."""
        kept = self.kept.get(other.id)
        if kept is not None and kept[0] == other.title and kept[1] == other.text:
            self.kept.move_to_end(other.id)
            return kept[2]
        stored = getattr(known, "kept_reading", None)
        reading = restore(stored(other.id), other.title, other.text) if callable(stored) else None
        if reading is None:
            reading = Reading(Profile(other.title, other.text))
            if made is not None and callable(stored):
                made[other.id] = reading
        self.keep(other.id, reading)
        return reading

    def keep(self, article_id: str, reading: Reading) -> None:
        """Keep the reading of an article stored (or about to be) under this id."""
        # its shingles made its own fingerprint and index keys; comparisons with it do not use them
        vars(reading.profile).pop("shingles", None)
        self.kept[article_id] = (reading.profile.title, reading.profile.text, reading)
        self.kept.move_to_end(article_id)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)


def _readings(known: StoreView) -> Readings:
    """The readings kept with this store (a store view without room for them: kept for this article)."""
    memo = getattr(known, "memo", None)
    if not callable(memo):
        return Readings()
    room = memo("stories")
    found = room.get("readings")
    if not isinstance(found, Readings):
        found = room["readings"] = Readings()
    return found


def _settings(settings: Mapping[str, Any]) -> dict[str, float]:
    own = settings.get("stories", {}) if isinstance(settings, Mapping) else {}
    return {k: float(own.get(k, v)) for k, v in DEFAULTS.items()}


def _vectors(other: KnownArticle) -> Vectors:
    """A known article's fingerprint as stored, or its analysis if it has none."""
    return (
        Fingerprint.from_stored(other.fingerprint) if other.fingerprint else Profile(other.title, other.text)
    )


def days_between(a: str | None, b: str | None) -> float | None:
    """Days from publication time b to a, None when either is unknown."""
    ta, tb = parse_time(a), parse_time(b)
    return None if ta is None or tb is None else (ta - tb).total_seconds() / 86400


def published_before(known: str | None, new: str | None) -> bool:
    """Whether a known text was published before the new one (or either time is unknown)."""
    days = days_between(new, known)
    return days is None or days > 0


def derivable_texts(earlier: list[bool]) -> list[int]:
    """Which of a story's texts (oldest first, each marked whether published before the new one) the
    new one may derive from, all together: the STORY_TEXTS newest of those published before it (not
    the newest of all: the papers of one morning must not crowd out the wire copy of the evening
    before), or the STORY_TEXTS newest if none was."""
    before = [i for i, e in enumerate(earlier) if e]
    return before[-STORY_TEXTS:] or list(range(max(0, len(earlier) - STORY_TEXTS), len(earlier)))


def rewrite(judged: Probabilities) -> bool:
    """Whether a text judged against a known one is its rewrite: the same story, and derived from it.
    The model is fitted with derived and independent text weighing the same, and its cut chosen with
    it (bench/train_stories.py): above it, the known text gave the new one text."""
    return judged.derives and judged.same >= 0.5


@dataclass
class Judged:
    """One candidate story as compared with the new article."""

    story: str
    support: float  # mean probability of the same story over its best matching articles
    nearest: tuple[Probabilities, KnownArticle]  # the article most likely of the same story
    members: list[tuple[KnownArticle, Reading]]
    features: list[list[float]]  # each member's features, but for the cover of the story's texts


class Analysed:
    """What the new article's text alone gives: its index keys, fingerprint and close reading, the
    reading also as kept in the store (worked out ahead by wirewatch_prepare, maybe in another
    process: it travels as kept, and is read back from that where it is used)."""

    def __init__(
        self,
        title: str,
        text: str,
        keys: tuple[str, ...],
        fingerprint: bytes,
        kept: bytes,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        self.title, self.text = title, text
        self.keys, self.fingerprint, self.kept = keys, fingerprint, kept
        # the weight of each of its words: the process comparing it (and finding its quotes) takes them
        # instead of looking each up again (plugins.text.learn)
        self.weights = weights or {}

    @classmethod
    def of(cls, article: Article) -> Analysed:
        """The article analysed, every property of its reading worked out (comparisons then only look
        them up); its shingles, which made its keys and fingerprint, are left out."""
        profile = Profile(article.title, article.text)
        reading = Reading(profile)
        keys, fingerprint = index_keys(profile), Fingerprint.of(profile).to_bytes()
        for made in (profile, reading):
            for name, value in vars(type(made)).items():
                if isinstance(value, cached_property):
                    getattr(made, name)
        vars(profile).pop("shingles", None)
        used = {*reading.vocabulary_all, *profile.names, *words(article.title)}
        analysed = cls(article.title, article.text, keys, fingerprint, keep(reading), text.weights(used))
        vars(analysed)["reading"] = reading
        return analysed

    @cached_property
    def reading(self) -> Reading:
        """The close reading."""
        return restore(self.kept, self.title, self.text) or Reading(Profile(self.title, self.text))

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k != "reading"}  # the reading travels as kept

    def fits(self, article: Article) -> bool:
        """Whether this is the analysis of this article's title and text."""
        return self.text == article.text and self.title == article.title


class Comparison:
    """The new article and what it is compared with, each text read once for this article."""

    def __init__(self, article: Article, known: StoreView, analysed: Analysed | None = None) -> None:
        self.article = article
        self.known = known
        if analysed is None or not analysed.fits(article):
            analysed = Analysed.of(article)
        self.analysed = analysed
        text.learn(analysed.weights)
        self.profile = analysed.reading.profile
        self.reading = analysed.reading
        self.readings = _readings(known)
        self.alignments: dict[str, Alignment] = {}
        self.made: dict[str, Reading] = {}  # stored articles read from their text: the store kept none usable

    def read(self, other: KnownArticle) -> Reading:
        """A known article read closely (once, then kept with the store)."""
        return self.readings.get(other, self.known, self.made)

    def refreshed(self) -> tuple[Refreshed, ...]:
        """The readings of stored articles made from their text, as the store is to keep them again
        (with what this comparison worked out of them; the rest is worked out when asked for)."""
        return tuple(
            Refreshed(i, r.profile.title, r.profile.text, keep(r))
            for i, r in self.made.items()
            if i != self.article.id
        )

    def aligned(self, other: KnownArticle, reading: Reading) -> Alignment:
        """The new text's sentences aligned with a known article's (once per incoming article)."""
        found = self.alignments.get(other.id)
        if found is None:
            found = self.alignments[other.id] = align(self.profile.alignable, reading.profile.alignable)
        return found

    def pair(self, other: KnownArticle, reading: Reading, shared: list[float]) -> list[float]:
        """The features of the new article against one known article, the story's n-gram shares after."""
        gap = days_between(self.article.published, other.published)
        return pair_features(self.reading, reading, gap, self.aligned(other, reading)) + shared

    def judge(self, story: str, retrieved: list[KnownArticle], support: int) -> Judged:
        """Compare the article with a story's newest articles (and those of it that were retrieved):
        whether it is this story (the cover of the story's texts, for derivation only, comes later)."""
        members = self.known.story_articles(story, MEMBERS)
        ids = {m.id for m in members}
        members += [r for r in retrieved if r.id not in ids]
        read = [(m, self.read(m)) for m in members]
        shared = story_features(self.reading, [r for _, r in read[-MEMBERS:]])
        features = [self.pair(m, r, shared) for m, r in read]
        judged = [(predict(f + UNCOVERED), m) for (m, _), f in zip(read, features, strict=True)]
        best = 1 if len(judged) <= 2 else max(1, support)
        same = sorted((p.same for p, _ in judged), reverse=True)[:best]
        return Judged(
            story, sum(same) / len(same), max(judged, key=lambda j: (j[0].same, j[1].id)), read, features
        )

    def derive(
        self, best: Judged, near: Sequence[tuple[KnownArticle, Reading]] = ()
    ) -> tuple[Probabilities, KnownArticle] | None:
        """What in the article's story it most likely derives from, and how likely: among the story's
        texts published before it (the newest of them compared too, when newer papers crowd them out
        of its newest articles), by how much of it runs on from all of those together, and from the
        earlier of `near`, texts of other stories it may well be too (wire takes the grouping kept apart)."""
        texts = self.known.story_articles(best.story, STORY_LOOK)
        earlier = [published_before(m.published, self.article.published) for m in texts]
        have = {m.id for m, _ in best.members}
        extra = [texts[i] for i in compared(earlier) if texts[i].id not in have]
        shared = best.features[0][len(PAIR) :] if best.features else [0.0, 0.0]
        for other in extra:
            reading = self.read(other)
            best.members.append((other, reading))
            best.features.append(self.pair(other, reading, shared))
        # a text can only derive from what was published before it (not from a paper of the same morning)
        sources = [texts[i] for i in derivable_texts(earlier)]
        have = {m.id for m in sources}
        before = [
            r for m, r in near if m.id not in have and published_before(m.published, self.article.published)
        ]
        cover = cover_features(self.reading, [self.read(m) for m in sources] + before)
        judged = [(predict(f + cover), m) for (m, _), f in zip(best.members, best.features, strict=True)]
        at = self.article.published
        derivable = [j for j in judged if published_before(j[1].published, at)] or [
            j
            for j in judged
            if not published_before(at, j[1].published)  # or at the same time
        ]
        if not derivable:  # published before all of them: it is no rewrite of any (they may be of it)
            return None
        return max(derivable, key=lambda j: (j[0].rewrite, j[1].id))

    def rewritten_by(self, best: Judged) -> tuple[str, ...]:
        """The story's articles compared with, published after this one, that derive from it: it
        arrived after them, and they are its rewrites (each judged as if it were the new text)."""
        found = []
        for member, reading in best.members:
            if not published_before(self.article.published, member.published):
                continue
            gap = days_between(member.published, self.article.published)
            aligned = align(reading.profile.alignable, self.profile.alignable)
            features = pair_features(reading, self.reading, gap, aligned)
            features += story_features(reading, [self.reading]) + cover_features(reading, [self.reading])
            if rewrite(predict(features)):
                found.append(member.id)
        return tuple(found)

    def added(self, members: list[tuple[KnownArticle, Reading]]) -> tuple[str, ...]:
        """The sentences of the new text with no counterpart in any of these story articles."""
        unmatched = set(range(len(self.profile.spans)))
        for other, reading in members:
            if not unmatched:
                break
            unmatched &= set(self.aligned(other, reading).unmatched)
        return tuple(self.profile.text[a:b] for i, (a, b) in enumerate(self.profile.spans) if i in unmatched)


@hookimpl
def wirewatch_prepare(article: Article, settings: Mapping[str, Any]) -> dict[str, Analysed]:
    """The article's own analysis, from its text alone."""
    return {"stories": Analysed.of(article)}


@hookimpl
def wirewatch_warm(settings: Mapping[str, Any]) -> None:
    """The word frequencies (0.15 s to load), before the workers are forked."""
    weight("the")


@hookimpl
def wirewatch_match_story(
    article: Article, known: StoreView, settings: Mapping[str, Any], prepared: Mapping[str, Any]
) -> StoryMatch:
    """Compare the article with the stories of the few stored articles its index keys retrieve."""
    opts = _settings(settings)
    seen = Comparison(article, known, prepared.get("stories"))
    keys = seen.analysed.keys
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
    fingerprint = seen.analysed.fingerprint
    # the article is most likely stored as it came: the next ones compare with it without reading it
    # again (under another id or with another text, the kept reading is simply not used)
    seen.readings.keep(article.id, seen.reading)
    best = judged[0] if judged else None
    kept = seen.analysed.kept
    if best is None or best.support < 0.5:
        score = best.support if best else 0.0
        return StoryMatch(
            "new", None, score, keys, fingerprint=fingerprint, kept=kept, refreshed=seen.refreshed()
        )
    near = [m for j in judged[1:] if j.support >= ALSO_SOURCE for m in j.members]
    found = seen.derive(best, near)
    relation: Relation = "rewrite" if found is not None and rewrite(found[0]) else "related"
    tied = found[1] if found is not None and relation == "rewrite" else best.nearest[1]
    later = seen.rewritten_by(best) if found is None else ()  # published before all it was compared with
    # another story this one matches as surely shows the two are one; a weaker tie does not
    also = tuple(j.nearest[1].id for j in judged[1:] if j.support >= opts["merge_min"])
    added = seen.added(best.members + near)
    return StoryMatch(
        relation, tied.id, best.support, keys, added, also, fingerprint, kept, seen.refreshed(), later
    )


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """[plugins.stories]: the settings above, each a number like its default (merge_min a probability)."""
    register(
        "stories",
        DEFAULTS,
        {"merge_min": (0, 1), "candidates": (0, 1000), "stories": (0, 100), "support": (0, 100)},
    )
