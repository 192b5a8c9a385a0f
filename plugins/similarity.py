"""How two articles relate: sentence alignment for derived text, weighted term overlap for topic."""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, compress
from operator import gt, mul
from typing import Protocol

from rapidfuzz import fuzz
from rapidfuzz.process import extract

from plugins.text import analysed, fold, sentences, weight, words

SHINGLE = 3
MIN_ENTITIES = 3
MIN_TOPIC_WORDS = 8
SKETCH = 64  # smallest shingle hashes kept per article: a bottom-k sketch of its 3-grams
VECTOR_TERMS = 150  # heaviest terms kept per vector in a stored fingerprint
RARE = 4.5  # informativeness (8 - Zipf frequency) from which a name is rare: a place or a person
RARE_WORD = 5.0  # informativeness from which a word is rare
MEMBERS = 6  # newest articles of a story a new article is compared with (the fit uses the same)
STORY_TEXTS = 16  # newest articles of a story whose text together is what the new one may derive from
# newest articles of a story looked through for the STORY_TEXTS of them published before the new one (the
# papers of one morning must not crowd the wire copy of the evening before out of what a paper may use)
STORY_LOOK = 4 * STORY_TEXTS


class Vectors(Protocol):
    """Anything with the three weighted vectors and the shingle sketch: a Profile or a Fingerprint."""

    @property
    def terms(self) -> dict[str, float]: ...
    @property
    def entities(self) -> dict[str, float]: ...
    @property
    def topic(self) -> dict[str, float]: ...
    @property
    def sketch(self) -> frozenset[int]: ...
    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class Alignable:
    """A text as sentence alignment sees it: each sentence as its sorted words, and its length."""

    sentences: tuple[str, ...]
    lengths: tuple[int, ...]  # words in each sentence, at least 1


@dataclass
class Profile:
    """What the story plugin needs of one article's text, computed once."""

    title: str
    text: str

    @property
    def body(self) -> str:
        """The part of the text that is read (all of it, unless it is very long)."""
        return analysed(self.text)

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Sentence spans of the body."""
        return sentences(self.body)

    @cached_property
    def sentence_words(self) -> list[list[str]]:
        """Word tokens of each sentence."""
        return [words(self.text[a:b]) for a, b in self.spans]

    @cached_property
    def sentence_text(self) -> list[str]:
        """Each sentence as its sorted words joined by spaces: plain edit-distance ratio on these is
        rapidfuzz's token_sort_ratio, with the sorting done once per sentence, not once per pair."""
        return [" ".join(sorted(ws)) for ws in self.sentence_words]

    @cached_property
    def alignable(self) -> Alignable:
        """What aligning its sentences with another text's needs."""
        lengths = tuple(max(1, len(ws)) for ws in self.sentence_words)
        return Alignable(tuple(self.sentence_text), lengths)

    @cached_property
    def terms(self) -> dict[str, float]:
        """Term vector: log term frequency times informativeness, title words counted twice."""
        counts = Counter(w for ws in self.sentence_words for w in ws)
        counts.update(words(self.title) * 2)
        return _weighted(counts)

    @cached_property
    def names(self) -> Counter[str]:
        """Capitalised words (folded) and how often they occur."""
        return Counter(fold(w) for w in _CAPITALISED.findall(f"{self.title}\n{self.body}"))

    @cached_property
    def entities(self) -> dict[str, float]:
        """The same vector over capitalised words only: the names that say which event it is."""
        return _weighted(self.names)

    @cached_property
    def topic(self) -> dict[str, float]:
        """The same vector over the other words: what happened, whoever it happened to."""
        return _weighted(Counter(w for ws in self.sentence_words for w in ws if w not in self.names))

    @cached_property
    def shingles(self) -> set[int]:
        """Hashes of the word 3-grams within sentences."""
        grams = {
            " ".join(g)
            for ws in self.sentence_words
            for g in zip(*(ws[k:] for k in range(SHINGLE)), strict=False)
        }
        return set(map(_hash, grams))

    @cached_property
    def sketch(self) -> frozenset[int]:
        """The SKETCH smallest shingle hashes."""
        return frozenset(sorted(self.shingles)[:SKETCH])

    @cached_property
    def size(self) -> int:
        """Number of distinct shingles."""
        return len(self.shingles)

    def salient(self, n: int) -> list[str]:
        """The n heaviest names (or terms, for a text without names), ties broken alphabetically."""
        vec = self.entities if len(self.entities) >= MIN_ENTITIES else self.terms
        return [w for w, _ in sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


_CAPITALISED = re.compile(r"\b[A-Z][^\W\d_]+")


def _weighted(counts: Counter[str]) -> dict[str, float]:
    """A unit vector of log counts times informativeness, without the commonest words."""
    vec = {w: (1.0 + math.log(n)) * weight(w) for w, n in counts.items() if weight(w) > 2.5}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {w: v / norm for w, v in vec.items()}


# a vector as it was stored, until it is needed: a dictionary, JSON text, or what makes it
Packed = dict[str, float] | str | Callable[[], dict[str, float]]
# shingle count, sketch length, entity/term/topic vector lengths, bytes of the entity words
_HEADER = struct.Struct("<IHHHHI")


def _unpacked(value: Packed) -> dict[str, float]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return dict(json.loads(value))
    return value()


def _vector(data: bytes, weights: tuple[float, ...]) -> dict[str, float]:
    """Words (one per line) and their weights as a vector."""
    return dict(zip(data.decode("utf-8").split("\n"), weights, strict=True)) if data else {}


class Fingerprint:
    """What is kept of an article for comparing later ones with it, without reading its text again.
    The sketch and the names are read at once; the word vectors, which only the few candidates that
    name the same things need, are made into dictionaries when first used."""

    def __init__(
        self,
        terms: Packed,
        entities: dict[str, float],
        topic: Packed,
        sketch: frozenset[int],
        size: int,
    ) -> None:
        self._terms, self._topic = terms, topic
        self.entities = entities
        self.sketch = sketch
        self.size = size

    @cached_property
    def terms(self) -> dict[str, float]:
        """The weighted word vector."""
        return _unpacked(self._terms)

    @cached_property
    def topic(self) -> dict[str, float]:
        """The weighted vector of words that are not names."""
        return _unpacked(self._topic)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        mine = (self.terms, self.entities, self.topic, self.sketch, self.size)
        return mine == (other.terms, other.entities, other.topic, other.sketch, other.size)

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def of(cls, profile: Profile) -> Fingerprint:
        """The fingerprint of an analysed article."""
        return cls(
            _top(profile.terms), _top(profile.entities), _top(profile.topic), profile.sketch, profile.size
        )

    def to_bytes(self) -> bytes:
        """The compact form kept in the store: a header of counts, the sketch as 64-bit integers, the
        weights as 32-bit floats, then the words one per line, the names apart from the rest so that
        reading them does not decode the rest."""
        vectors = (self.entities, self.terms, self.topic)
        weights = [v for vec in vectors for v in vec.values()]
        names = "\n".join(self.entities).encode("utf-8")
        return b"".join(
            (
                _HEADER.pack(self.size, len(self.sketch), *(len(vec) for vec in vectors), len(names)),
                struct.pack(f"<{len(self.sketch)}Q", *sorted(self.sketch)),
                struct.pack(f"<{len(weights)}f", *weights),
                names,
                "\n".join([*self.terms, *self.topic]).encode("utf-8"),
            )
        )

    @classmethod
    def from_stored(cls, stored: str | bytes) -> Fingerprint:
        """The fingerprint back from what the store kept: the compact form, or the JSON of older
        versions (with the word vectors inline or as JSON text of their own, hashes in hex or not)."""
        if isinstance(stored, str):
            data = json.loads(stored)
            hexed = frozenset(int(h, 16) if isinstance(h, str) else h for h in data["m"])
            return cls(data["w"], data["e"], data["t"], hexed, int(data["n"]))
        size, hashes, n_names, n_terms, n_topic, names_bytes = _HEADER.unpack_from(stored)
        sketch = frozenset(struct.unpack_from(f"<{hashes}Q", stored, _HEADER.size))
        weights_at = _HEADER.size + 8 * hashes
        names_at = weights_at + 4 * (n_names + n_terms + n_topic)
        rest_at = names_at + names_bytes
        names = _vector(stored[names_at:rest_at], struct.unpack_from(f"<{n_names}f", stored, weights_at))
        words: list[str] = []  # the other words, decoded when the first of their vectors is needed

        def vector(start: int, stop: int) -> Callable[[], dict[str, float]]:
            def make() -> dict[str, float]:
                if not words and n_terms + n_topic:
                    words.extend(stored[rest_at:].decode("utf-8").split("\n"))
                weights = struct.unpack_from(f"<{stop - start}f", stored, weights_at + 4 * (n_names + start))
                return dict(zip(words[start:stop], weights, strict=True))

            return make

        return cls(vector(0, n_terms), names, vector(n_terms, n_terms + n_topic), sketch, size)


def _top(vec: dict[str, float]) -> dict[str, float]:
    """The heaviest terms of a unit vector (the light tail adds little to any dot product)."""
    return {w: round(v, 4) for w, v in sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:VECTOR_TERMS]}


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def index_keys(profile: Profile, sketch: int = 8, salient: int = 10, paired: int = 5) -> tuple[str, ...]:
    """Retrieval keys: a bottom-k sketch of the shingles (copies), the most salient terms (same
    subject) and pairs of the very most salient ones (same event, and rarer than either term)."""
    keys = [f"m:{h:x}" for h in sorted(profile.shingles)[:sketch]]
    top = profile.salient(salient)
    keys += [f"t:{t}" for t in top]
    pairs = sorted(top[:paired])
    keys += [f"p:{a}|{b}" for i, a in enumerate(pairs) for b in pairs[i + 1 :]]
    return tuple(keys)


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    small, large = (a, b) if len(a) < len(b) else (b, a)
    # the words both have, in the smaller vector's order (the terms the others add are all 0.0)
    both = list(filter(large.__contains__, small))
    return sum(map(mul, map(small.__getitem__, both), map(large.__getitem__, both)), 0.0)


def cosine(a: Vectors, b: Vectors) -> float:
    """Cosine of the weighted term vectors: how much the two texts are about the same things."""
    return _dot(a.terms, b.terms)


def same_topic(a: Vectors, b: Vectors) -> float | None:
    """Cosine of the vectors of words that are not names; None when a text is too short to tell."""
    if min(len(a.topic), len(b.topic)) < MIN_TOPIC_WORDS:
        return None
    return _dot(a.topic, b.topic)


def same_event(a: Vectors, b: Vectors) -> float:
    """How much two texts name the same people, places and organisations (entity cosine); texts
    with too few names to tell fall back on all their words."""
    if min(len(a.entities), len(b.entities)) < MIN_ENTITIES:
        return cosine(a, b)
    return _dot(a.entities, b.entities)


@dataclass(frozen=True)
class Alignment:
    """Which sentences of a new text have a counterpart in a known one."""

    covered_new: float  # share of the new text's words in sentences found in the known text
    covered_known: float  # share of the known text's words in sentences found in the new text
    unmatched: tuple[int, ...]  # indexes of the new text's sentences with no counterpart


def shared_shingles(a: Vectors, b: Vectors) -> float:
    """Estimated share of the smaller text's word 3-grams found in the other, from the bottom-k
    sketches (of the k smallest hashes of both texts together, how many are in both) and the sizes;
    near 0 for independent texts."""
    union = sorted(a.sketch | b.sketch)[:SKETCH]
    if not union:
        return 0.0
    jaccard = sum(1 for h in union if h in a.sketch and h in b.sketch) / len(union)
    # |A ∩ B| = J (|A| + |B|) / (1 + J), as a share of the smaller set
    smaller = min(a.size, b.size)
    return min(1.0, jaccard * (a.size + b.size) / ((1 + jaccard) * smaller)) if smaller else 0.0


def align(new: Alignable, known: Alignable, cutoff: float = 62.0) -> Alignment:
    """Match sentences across two texts by fuzzy token overlap."""
    if not new.sentences or not known.sentences:
        return Alignment(0.0, 0.0, tuple(range(len(new.sentences))))
    # each new sentence against all the known ones in one call, which returns those at the cutoff or
    # above: the same hits as a full score matrix (rapidfuzz's cdist), about as fast, without numpy
    found_known: set[int] = set()
    unmatched: list[int] = []
    hit_new = 0
    for i, (sentence, n) in enumerate(zip(new.sentences, new.lengths, strict=True)):
        found = extract(sentence, known.sentences, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
        if found:
            hit_new += n
            found_known.update(j for _, _, j in found)
        else:
            unmatched.append(i)
    hit_known = sum(known.lengths[j] for j in found_known)
    return Alignment(hit_new / sum(new.lengths), hit_known / sum(known.lengths), tuple(unmatched))


# ---------------------------------------------------------------- pair features for the story model

_FIGURE = re.compile(r"\d[\d,.:]*")
_WHEN = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
FEATURES = (
    "reuse3_new",  # share of the new text's word 3-grams found in the known text
    "reuse3_known",  # share of the known text's word 3-grams found in the new text
    "reuse5_new",  # the same for 5-grams: phrases taken over verbatim
    "reuse5_known",
    "aligned_new",  # share of the new text's words in sentences with a fuzzy counterpart
    "aligned_known",
    "words_new",  # share of the new text's informative words found in the known text
    "words_known",
    "terms",  # cosine of the weighted word vectors
    "topic",  # cosine of the words that are not names
    "names",  # cosine of the names
    "names_new",  # weight of the new text's names found in the known text
    "names_known",
    "figures",  # Jaccard of the figures and dates both mention (0 when either has none)
    "figures_missing",  # share of the new text's figures and dates the known text does not have
    "has_figures",  # both mention figures or dates
    "gap",  # log of the days between the two publication times (0 when either is unknown)
    "proper_new",  # informativeness-weighted share of the new text's proper names in the known one
    "proper_known",  # the same the other way round
    "proper_rare",  # log of how many rare proper names (places, people) both mention
    "names_topic",  # names times topic: the same people and places, and the same kind of event
    "names_and_topic",  # the smaller of the two: who and what must both agree
    "rare_words",  # log of how many rare words (weight 5 and more: "spillway", "magnitude") both use
    "lead_new",  # weighted share of the informative words of the new text's lead (title and first two
    "lead_known",  # sentences: what the story is) in the known text's lead, and the other way round
    "story_reuse3",  # share of the new text's 3-grams found anywhere in the known article's story
    "story_reuse5",  # the same for 5-grams
    # of the new text's words, the share in a run of 3 (5, 8) words found in one of the story's texts:
    # reuse of the story's text as a whole (a paper takes paragraphs from several wire takes)
    "story_cover3",
    "story_cover5",
    "story_cover8",
    "story_length",  # log of the new text's length over the longest of the story's texts
)
# what tells whether a known article is the same story (the cover features are for derivation only)
SAME = FEATURES[: FEATURES.index("story_cover3")]
PAIR = FEATURES[: FEATURES.index("story_reuse3")]  # what pair_features gives; story_features follows

# how much of the text is reused: all that tells derived text from independent coverage of the event
REUSE = (
    "reuse3_new",
    "reuse5_new",
    "aligned_new",
    "aligned_known",
    "story_cover3",
    "story_cover5",
    "story_cover8",
    "story_length",
)
# the sign each reuse feature's weight must have: more reuse is never less derived; a text much longer
# than all it could derive from has more of its own
REUSE_SIGNS = (1, 1, 1, 1, 1, 1, 1, -1)
COVER = (3, 5, 8)


def _share(part: set[tuple[str, ...]] | set[str], whole: set[tuple[str, ...]] | set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


@dataclass
class Reading:
    """An article read closely for comparing it with one other: n-grams, names, figures."""

    profile: Profile

    @cached_property
    def own(self) -> list[list[bool]]:
        """For each word of each sentence, whether it is a word of its own: an informative word that
        is not a name (independent reports share names, "Governor Ines Albarran", and stock phrases,
        "said on Monday"; text taken over shares the wording in between)."""
        names = self.profile.names
        return [[w not in names and weight(w) > 2.5 for w in ws] for ws in self.profile.sentence_words]

    @cached_property
    def grams3(self) -> set[tuple[str, ...]]:
        """Word 3-grams within sentences that carry a word of their own."""
        return self._worded_grams(3)

    @cached_property
    def grams5(self) -> set[tuple[str, ...]]:
        """Word 5-grams within sentences, with a word of their own like grams3."""
        return self._worded_grams(5)

    def _worded_grams(self, n: int) -> set[tuple[str, ...]]:
        """The n-grams within sentences with at least one word of their own, found from a running
        count of such words over each sentence (once per word, not once per word of every n-gram)."""
        out: set[tuple[str, ...]] = set()
        for ws, own in zip(self.profile.sentence_words, self.own, strict=True):
            if len(ws) < n:
                continue
            counts = [0, *accumulate(own)]
            # the n-grams in order, and whether the count of words of their own grows across each
            grams = zip(*(ws[k:] for k in range(n)), strict=False)
            out.update(compress(grams, map(gt, counts[n:], counts)))
        return out

    @cached_property
    def vocabulary(self) -> set[str]:
        """The informative words."""
        return {w for ws in self.profile.sentence_words for w in ws if weight(w) > 2.5}

    @cached_property
    def length(self) -> int:
        """Words in the body."""
        return sum(len(ws) for ws in self.profile.sentence_words)

    @cached_property
    def figures(self) -> set[str]:
        """Numbers, month and day names: the when and how many of an event."""
        found = {m.strip(".,:").replace(",", "") for m in _FIGURE.findall(self.profile.body)}
        found.discard("")
        return found | (self.vocabulary_all & _WHEN)

    @cached_property
    def proper(self) -> set[str]:
        """Proper names: capitalised words, except a sentence's first word when the text also
        writes it in lower case (an ordinary word that begins a sentence)."""
        text = self.profile.body
        starts = {a for a, _ in self.profile.spans}
        found = set()
        for m in _CAPITALISED.finditer(f"{self.profile.title}\n{text}"):
            word = fold(m.group(0))
            at = m.start() - len(self.profile.title) - 1
            if at in starts and word in self.vocabulary_all and f" {word}" in text:
                continue
            if weight(word) > 2.5:
                found.add(word)
        return found

    @cached_property
    def lead(self) -> set[str]:
        """The informative words of the title and the first two sentences: what the story is."""
        lead = words(self.profile.title) + [w for ws in self.profile.sentence_words[:2] for w in ws]
        return {w for w in lead if weight(w) > 2.5}

    @cached_property
    def proper_weight(self) -> float:
        """The summed informativeness of the proper names."""
        return _total(self.proper)

    @cached_property
    def lead_weight(self) -> float:
        """The summed informativeness of the lead's words."""
        return _total(self.lead)

    @cached_property
    def tokens(self) -> list[str]:
        """Every word of the body in order, across sentences."""
        return [w for ws in self.profile.sentence_words for w in ws]

    @cached_property
    def counts(self) -> list[int]:
        """How many of the words before each token (and, last, of all) are words of their own."""
        return [0, *accumulate(w for own in self.own for w in own)]

    def runs(self, n: int) -> set[tuple[str, ...]]:
        """The word n-grams of the body (n one of COVER) with a word of their own, made once."""
        found = self._runs.get(n)
        if found is None:
            grams = zip(*(self.tokens[k:] for k in range(n)), strict=False)
            found = self._runs[n] = set(compress(grams, map(gt, self.counts[n:], self.counts)))
        return found

    @cached_property
    def _runs(self) -> dict[int, set[tuple[str, ...]]]:
        return {}

    @cached_property
    def vocabulary_all(self) -> set[str]:
        """Every word of the body."""
        return {w for ws in self.profile.sentence_words for w in ws}


def _weighted_share(a: set[str], b: set[str], total: float) -> float:
    """Informativeness-weighted share of the words of a that b has too (total: the weight of a's)."""
    # fsum: a set's order depends on how it was built (in this process or unpickled from a worker), and
    # a plain float sum on that order; the exactly rounded sum is the same in any order
    return math.fsum(map(weight, a & b)) / total if total else 0.0


def _total(found: set[str]) -> float:
    """The summed informativeness of a set of words (exactly rounded: the same in any set order)."""
    return math.fsum(map(weight, found))


def _name_share(a: Profile, b: Profile) -> float:
    """Weight of a's names that b mentions too, between 0 and 1."""
    return sum(v * v for w, v in a.entities.items() if w in b.names)


def pair_features(
    new: Reading, known: Reading, gap_days: float | None = None, aligned: Alignment | None = None
) -> list[float]:
    """The similarity features of FEATURES for a new text and a known one (aligned: their sentence
    alignment, where the caller has it already)."""
    a, b = new.profile, known.profile
    if aligned is None:
        aligned = align(a.alignable, b.alignable)
    shared3 = new.grams3 & known.grams3
    shared5 = new.grams5 & known.grams5
    terms = _dot(a.terms, b.terms)
    # a text with too few names to tell: its words stand in for them (as in same_event)
    few = min(len(a.entities), len(b.entities)) < MIN_ENTITIES
    names = terms if few else _dot(a.entities, b.entities)
    topic = _dot(a.topic, b.topic)
    both_figures = bool(new.figures and known.figures)
    figures = len(new.figures & known.figures) / len(new.figures | known.figures) if both_figures else 0.0
    missing = 1.0 - _share(new.figures, known.figures) if both_figures else 0.0
    return [
        len(shared3) / len(new.grams3) if new.grams3 else 0.0,
        len(shared3) / len(known.grams3) if known.grams3 else 0.0,
        len(shared5) / len(new.grams5) if new.grams5 else 0.0,
        len(shared5) / len(known.grams5) if known.grams5 else 0.0,
        aligned.covered_new,
        aligned.covered_known,
        _share(new.vocabulary, known.vocabulary),
        _share(known.vocabulary, new.vocabulary),
        terms,
        topic,
        names,
        _share(new.vocabulary, known.vocabulary) if few else _name_share(a, b),
        _share(known.vocabulary, new.vocabulary) if few else _name_share(b, a),
        figures,
        missing,
        float(both_figures),
        math.log1p(abs(gap_days)) if gap_days is not None else 0.0,
        _weighted_share(new.proper, known.proper, new.proper_weight),
        _weighted_share(known.proper, new.proper, known.proper_weight),
        math.log1p(sum(1 for w in new.proper & known.proper if weight(w) >= RARE)),
        names * topic,
        min(names, topic),
        math.log1p(sum(1 for w in new.vocabulary & known.vocabulary if weight(w) >= RARE_WORD)),
        _weighted_share(new.lead, known.lead, new.lead_weight),
        _weighted_share(known.lead, new.lead, known.lead_weight),
    ]


def story_features(new: Reading, members: list[Reading]) -> list[float]:
    """How much of the new text the story's articles together already have: phrases and sentences."""
    if not members:
        return [0.0, 0.0]
    return [
        _share_in_any(new.grams3, [m.grams3 for m in members]),
        _share_in_any(new.grams5, [m.grams5 for m in members]),
    ]


def compared(earlier: list[bool]) -> list[int]:
    """Which of a story's texts (oldest first, each marked whether published before the new one) the
    new one is compared with: the MEMBERS newest, and the MEMBERS newest of those published before
    it, which it may derive from (the wire copy, when the papers of the next morning came in since)."""
    newest = range(max(0, len(earlier) - MEMBERS), len(earlier))
    before = [i for i, e in enumerate(earlier) if e][-MEMBERS:]
    return sorted({*newest, *before})


def cover_features(new: Reading, members: list[Reading]) -> list[float]:
    """How much of the new text is in runs of words found in the story's texts (STORY_TEXTS of them):
    the share of its words in a run of 3, 5 and 8 words one of them has, and its length over theirs."""
    tokens = new.tokens
    if not members or not tokens:
        return [0.0, 0.0, 0.0, 0.0]
    out = []
    for n in COVER:
        grams = list(zip(*(tokens[k:] for k in range(n)), strict=False))
        mine = set(grams)
        # the grams of its own in both texts (names differ): each set intersection walks the smaller
        found = set().union(*(mine & m.runs(n) for m in members))
        covered = end = 0  # words in a found gram, and where the last found gram ended
        for i in compress(range(len(grams)), map(found.__contains__, grams)):
            covered += i + n - max(i, end)
            end = i + n
        out.append(covered / len(tokens))
    longest = max(m.length for m in members)
    return [*out, math.log((len(tokens) + 1) / (longest + 1))]


def _share_in_any(part: set[tuple[str, ...]], wholes: list[set[tuple[str, ...]]]) -> float:
    """The share of part found in any of wholes (as _share with their union, without building it)."""
    if not part:
        return 0.0
    left = part
    for whole in wholes:
        if not left:
            break
        left = left - whole
    return (len(part) - len(left)) / len(part)
