"""Is a quote new? A small logistic model over lexical overlap features decides paraphrase."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from plugins.text import weight, words

_SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ied", "ies", "ed", "es", "ly", "s")
_NEGATIONS = {"not", "no", "never", "nt", "cannot", "without", "nothing", "none"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")

# Fitted by bench/train_novelty.py (logistic regression, L2) on the MSRP training pairs; five-fold
# cross-validated accuracy 0.770 there (majority baseline 0.675). The order follows features();
# the last weight is the bias.
WEIGHTS = (
    -12.310,
    6.235,
    4.847,
    3.935,
    4.782,
    1.946,
    -2.105,
    -2.185,
    -0.647,
    -2.658,
    0.168,
    -1.674,
    0.162,
    -0.153,
    -0.282,
    0.951,
    10.429,
    -0.222,
    -5.664,
    -1.055,
    0.070,
    -0.561,
    -4.246,
)
CONTAINED = 0.9  # a new statement this much inside a known one is a partial quote of it
PLAINLY_DIFFERENT = 0.15  # below this weighted overlap the model is not asked (it never says "same" there)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A crude suffix-stripping stem, enough to meet 'purchases' with 'purchase'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=20_000)
def content(text: str) -> dict[str, float]:
    """The stemmed content words of a statement with their informativeness."""
    out: dict[str, float] = {}
    for w in words(text):
        if w.isdigit():
            out[w] = 4.0
            continue
        wt = weight(w)
        if wt >= 1.5:
            out[stem(w)] = max(out.get(stem(w), 0.0), wt)
    return out


def index_terms(text: str, limit: int = 30) -> tuple[str, ...]:
    """The statement's most informative stems: an equivalent statement shares at least one."""
    ranked = sorted(content(text).items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(term for term, _ in ranked[:limit])


def _overlap(a: dict[str, float], b: dict[str, float]) -> tuple[float, float, float]:
    """Weighted Dice, share of a found in b, share of b found in a."""
    if not a or not b:
        return 0.0, 0.0, 0.0
    shared = a.keys() & b.keys()
    inter_a = sum(a[w] for w in shared)
    inter_b = sum(b[w] for w in shared)
    total_a, total_b = sum(a.values()), sum(b.values())
    return (inter_a + inter_b) / (total_a + total_b), inter_a / total_a, inter_b / total_b


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _precision_recall(a: Counter[tuple[str, ...]], b: Counter[tuple[str, ...]]) -> tuple[float, float]:
    matched = sum((a & b).values())
    return matched / max(1, sum(a.values())), matched / max(1, sum(b.values()))


def numbers_differ(new: str, known: str) -> bool:
    """True when both statements carry figures and share none: they report different facts."""
    na, nb = set(_NUMBER.findall(new)), set(_NUMBER.findall(known))
    return bool(na and nb and not na & nb)


def _negated(text: str, tokens: set[str]) -> bool:
    return bool(tokens & _NEGATIONS) or "n't" in text or "n’t" in text


def restated(new: str, known: str) -> bool:
    """Whether a statement says the known one again in nearly its words (each has 80 % of the other's
    word weight): stricter than same_statement, which also takes paraphrases."""
    _, in_known, in_new = _overlap(content(new), content(known))
    return min(in_known, in_new) >= 0.8


def features(new: str, known: str) -> list[float]:
    """The model's inputs for one pair of statements."""
    ca, cb = content(new), content(known)
    dice, in_known, in_new = _overlap(ca, cb)
    ta, tb = [stem(w) for w in words(new)], [stem(w) for w in words(known)]
    out = [dice, in_known, in_new]
    for n in (1, 2, 3):
        out.extend(_precision_recall(_ngrams(ta, n), _ngrams(tb, n)))
    out.append(abs(len(ta) - len(tb)) / max(1, len(ta), len(tb)))
    na, nb = set(_NUMBER.findall(new)), set(_NUMBER.findall(known))
    out.append(float(bool(na and nb and not na & nb)))
    out.append(Indel.normalized_similarity(ta, tb))
    unmatched_a = sum(v for k, v in ca.items() if k not in cb) / 8
    unmatched_b = sum(v for k, v in cb.items() if k not in ca) / 8
    out.extend([unmatched_a, unmatched_b, max(unmatched_a, unmatched_b), min(in_known, in_new)])
    la, lb = new.lower(), known.lower()
    out.extend(
        [fuzz.ratio(la, lb) / 100, fuzz.token_set_ratio(la, lb) / 100, fuzz.partial_ratio(la, lb) / 100]
    )
    out.append(float(_negated(la, set(ta)) != _negated(lb, set(tb))))
    out.append(float(bool(na) and na == nb))
    out.append(len(na ^ nb) / 3)
    return out


def probability(new: str, known: str) -> float:
    """How likely the new statement says the same as the known one."""
    z = WEIGHTS[-1] + sum(w * x for w, x in zip(WEIGHTS, features(new, known), strict=False))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def same_statement(new: str, known: str, strict_numbers: bool = False) -> bool:
    """True when the new statement repeats, paraphrases or partly quotes the known one; with
    strict_numbers, statements whose figures all differ are never the same."""
    ca, cb = content(new), content(known)
    dice, in_known, _ = _overlap(ca, cb)
    if ca and in_known >= CONTAINED:
        return True
    if dice < PLAINLY_DIFFERENT or (strict_numbers and numbers_differ(new, known)):
        return False
    return probability(new, known) >= 0.5
