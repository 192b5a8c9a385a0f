"""Fit the story model (plugins/story_weights.json) on the development data, deterministically.

    python bench/train_stories.py --data ../shared/data [--out plugins/story_weights.json]

(It needs numpy, which the bot itself does not: pip install -e ".[fit]".)

The model is two logistic regressions over the pair features of plugins/similarity.py, which together
give, for a new article and a known one, the probabilities that the known one is another story
(`none`), the same story written independently (`related`) or text the new one derives from
(`rewrite`): P(same story) from the pair features (plugins.similarity.SAME), and P(derived | same
story) from the reuse features only (REUSE: above all, how much of the new text runs on from the
story's texts published before it, all of them together), with coefficients of a fixed sign (more
reuse is never less derived), and a cut on it above which an article is called derived.
Pairs come from four development sets, read where they lie and never copied into the project:

- METER (wire copy and the newspapers that used it): derived newspaper text against the wire copy it
  derives from is `rewrite`, independently written text against its story's articles is `related`,
  other pairs within a story are "the same story" (related or rewrite, not told which), and an
  article against the nearest articles of other stories is `none`;
- ECB+ (two events of the same kind per topic): the same event is "the same story", the nearest
  articles of other events (the other event of the topic among them) are `none`;
- SemEval 2022 task 8 pairs: Overall <= 2 is "the same story", >= 3 is `none`;
- a PolNeAR-derived stream (bench/streamgen.py): its rewrites and related articles against the
  article they were made from, and the nearest other articles as `none`.

Each article is paired with its story's newest MEMBERS earlier articles and, as the plugin does, the
MEMBERS newest of those published before it (what it may derive from); only the former teach the
first part, and a pair only known to be "the same story" teaches the first part only. A text is
never asked whether it derives from one published at the same time or later (METER's papers of one
morning). Each data set weighs the same in the fit; for derivation, within a data set both classes
weigh the same and, within a class, every new article (its pairs share its weight). The cut is the
one of 0.20, 0.25, ..., 0.80 with the best derivation macro-F1 per article (the plugin decides once
per article, by the known text it most likely derives from). The fit is Newton's method from zeros:
the same data give the same weights. Printed: cross-validation across data sets (fit on all but one,
test on the one left out), METER's derivation cross-validated by story (five folds, the cut chosen
within each fit) and across its two domains (courts and showbiz), since METER is the only real data
set that tells derived from independent text, and the training figures.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from plugins.similarity import (
    FEATURES,
    MEMBERS,
    REUSE,
    REUSE_SIGNS,
    STORY_LOOK,
    Profile,
    Reading,
    _dot,
    compared,
    cover_features,
    pair_features,
    story_features,
)
from plugins.similarity import (
    SAME as SAME_FEATURES,
)
from plugins.stories import days_between, derivable_texts, published_before
from plugins.story_model import StoryModel

NONE, RELATED, REWRITE = 0, 1, 2
SAME = (RELATED, REWRITE)
NEAREST = 8  # nearest earlier articles of other stories paired with each article as negatives


@dataclass
class Pair:
    """One labelled pair: its features, the classes it may be, its data set and group."""

    x: list[float]
    allowed: tuple[int, ...]
    dataset: str
    group: str = ""
    item: str = ""  # the new article's id, and its story's, for decisions per article and folds by story
    story: str = ""
    story_head: bool = True  # teaches whether it is the same story (else only whether it derives)


class Reader:
    """Readings of a data set's articles, each made once."""

    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows
        self.readings = [Reading(Profile(str(r.get("title") or ""), str(r["text"]))) for r in rows]

        self.stories: dict[tuple[int, str], list[float]] = {}

    def features(self, i: int, j: int) -> list[float]:
        """Features of article i (new) against article j (known) and the story j is in so far."""
        cluster = str(self.rows[j].get("cluster") or f"own:{j}")
        story = self.stories.get((i, cluster))
        if story is None:
            members = [k for k in range(i) if str(self.rows[k].get("cluster") or f"own:{k}") == cluster]
            story = story_features(self.readings[i], [self.readings[k] for k in members[-MEMBERS:]])
            when = _str(self.rows[i].get("published"))
            recent = members[-STORY_LOOK:]
            earlier = [published_before(_str(self.rows[k].get("published")), when) for k in recent]
            sources = [recent[k] for k in derivable_texts(earlier)]
            story += cover_features(self.readings[i], [self.readings[k] for k in sources])
            self.stories[(i, cluster)] = story
        gap = days_between(_str(self.rows[i].get("published")), _str(self.rows[j].get("published")))
        return pair_features(self.readings[i], self.readings[j], gap) + story

    def nearest(self, i: int, among: Iterable[int], n: int = NEAREST) -> list[int]:
        """The n articles of `among` whose words are nearest article i's."""
        mine = self.readings[i].profile.terms
        scored = sorted((-_dot(mine, self.readings[j].profile.terms), j) for j in among)
        return [j for _, j in scored[:n]]


def _str(value: object) -> str | None:
    return str(value) if value else None


def _read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def stream_pairs(rows: list[dict[str, object]], dataset: str, label: object) -> list[Pair]:
    """Pairs of each article with the earlier ones of its story and the nearest of other stories;
    label(new row, known row) gives the classes a same-story pair may be."""
    reader = Reader(rows)
    pairs = []
    for i, row in enumerate(rows):
        story = [j for j in range(i) if rows[j]["cluster"] == row["cluster"]][-STORY_LOOK:]
        when = _str(row.get("published"))
        earlier = [published_before(_str(rows[j].get("published")), when) for j in story]
        same = [story[k] for k in compared(earlier)]
        newest = set(story[-MEMBERS:])  # what the plugin tells the story by; the rest it may derive from
        other = reader.nearest(i, (j for j in range(i) if rows[j]["cluster"] != row["cluster"]))
        group = str(row.get("domain") or "")
        at = {"item": str(row["id"]), "story": str(row["cluster"])}
        for j in same:
            allowed = label(row, rows[j])  # type: ignore[operator]
            if allowed in ((RELATED,), (REWRITE,)) and not published_before(
                _str(rows[j].get("published")), _str(row.get("published"))
            ):
                allowed = SAME  # the plugin never asks whether a text derives from a later one
            if allowed:
                pairs.append(
                    Pair(reader.features(i, j), allowed, dataset, group, **at, story_head=j in newest)
                )
        pairs += [Pair(reader.features(i, j), (NONE,), dataset, group, **at) for j in other]
    return pairs


def meter_label(new: dict[str, object], known: dict[str, object]) -> tuple[int, ...]:
    """METER: what a pair within one story may be."""
    if new["label"] == "non_derived":
        return (RELATED,)
    if new["label"] in ("wholly_derived", "partially_derived") and known["id"] in (
        new.get("derived_from_any") or []
    ):
        return (REWRITE,)
    return SAME


def meter(root: Path) -> list[Pair]:
    """METER pairs."""
    return stream_pairs(_read(root / "meter" / "stream.jsonl"), "meter", meter_label)


def ecbplus(root: Path) -> list[Pair]:
    """ECB+ pairs."""
    return stream_pairs(_read(root / "ecbplus" / "stream.jsonl"), "ecbplus", lambda _n, _k: SAME)


def semeval(root: Path) -> list[Pair]:
    """SemEval pairs: the second article against the first."""
    pairs = []
    for r in _read(root / "semeval" / "pairs.jsonl"):
        overall = float(str(r["Overall"]))
        if 2.0 < overall < 3.0:
            continue
        rows = [{"title": r["title_1"], "text": r["text_1"]}, {"title": r["title_2"], "text": r["text_2"]}]
        reader = Reader(rows)
        pairs.append(Pair(reader.features(1, 0), SAME if overall <= 2.0 else (NONE,), "semeval"))
    return pairs


def polnear(root: Path, count: int) -> list[Pair]:
    """Pairs of a stream made by bench/streamgen.py from the PolNeAR training texts."""
    from streamgen import generate, load_sentences

    rows = list(generate(load_sentences(root / "polnear" / "train"), count, seed=7))
    index = {str(r["id"]): i for i, r in enumerate(rows)}
    for i, row in enumerate(rows):  # a story: an article and everything made from it
        row["cluster"] = f"g{min(_ancestors(rows, index, i))}"
    reader = Reader(rows)
    pairs = []
    for i, row in enumerate(rows):
        kin = set()  # what it was made from, and what that was made from: never a negative
        j: int | None = i
        while j is not None:
            kin.add(j)
            of = rows[j]["of"]
            j = index.get(str(of)) if of else None
        if row["kind"] != "new":
            base = index[str(row["of"])]
            allowed = (REWRITE,) if row["kind"] == "rewrite" else (RELATED,)
            pairs.append(Pair(reader.features(i, base), allowed, "polnear"))
        earlier = (
            j for j in range(max(0, i - 300), i) if j not in kin and i not in _ancestors(rows, index, j)
        )
        pairs += [Pair(reader.features(i, j), (NONE,), "polnear") for j in reader.nearest(i, earlier, 6)]
    return pairs


def _ancestors(rows: list[dict[str, object]], index: dict[str, int], j: int) -> set[int]:
    out = set()
    k: int | None = j
    while k is not None:
        out.add(k)
        of = rows[k]["of"]
        k = index.get(str(of)) if of else None
    return out


# ---------------------------------------------------------------- the model


def _newton(xs: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, free: np.ndarray) -> np.ndarray:
    """Coefficients of a weighted, L2-regularised logistic regression on the free columns (the others
    stay 0), by Newton's method from zeros; the last column is the intercept, not regularised."""
    keep = np.append(np.ones(xs.shape[1] - 1), 0.0)
    cols = np.flatnonzero(free)
    sub = xs[:, cols]
    coef = np.zeros(len(cols))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(sub @ coef)))
        grad = sub.T @ (w * (p - y)) + l2 * keep[cols] * coef
        hess = (sub * (w * p * (1 - p))[:, None]).T @ sub + l2 * np.diag(keep[cols])
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(cols)), grad)
        coef -= step
        if np.abs(step).max() < 1e-9:
            break
    out = np.zeros(xs.shape[1])
    out[cols] = coef
    return out


def _logistic(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, signs: list[int]
) -> dict[str, list[float]]:
    """A logistic regression whose coefficients keep the given signs (+1: never below 0, -1: never
    above, 0: free): a feature whose sign comes out wrong is left out and the rest fitted again,
    the worst first, so that more reuse never makes text less derived (collinear features otherwise
    trade signs and extrapolate badly)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = w / w.sum()
    sign = np.append(np.array(signs, dtype=float), 0.0)
    free = np.ones(xs.shape[1], dtype=bool)
    while True:
        coef = _newton(xs, y, w, l2, free)
        wrong = coef * sign
        if wrong.min() >= 0:
            break
        free[int(np.argmin(wrong))] = False
    return {
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in coef],
    }


def _balanced(pairs: list[Pair], label: list[bool]) -> np.ndarray:
    """Weights under which every data set weighs the same, within one both classes, and within a
    class every new article (the pairs of one article share its weight: the plugin decides once per
    article, and an article of a long story must not count more than one of a short story)."""
    per_item: dict[tuple[str, str], int] = {}
    for n, p in enumerate(pairs):
        key = (p.dataset, p.item or f"#{n}")
        per_item[key] = per_item.get(key, 0) + 1
    items: dict[tuple[str, bool], set[str]] = {}
    for n, (p, y) in enumerate(zip(pairs, label, strict=True)):
        items.setdefault((p.dataset, y), set()).add(p.item or f"#{n}")
    return np.array(
        [
            1.0 / (per_item[(p.dataset, p.item or f"#{n}")] * len(items[(p.dataset, y)]))
            for n, (p, y) in enumerate(zip(pairs, label, strict=True))
        ]
    )


CUTS = tuple(round(0.2 + 0.05 * k, 2) for k in range(13))  # 0.20 ... 0.80


def decisions(model: dict[str, object], pairs: list[Pair]) -> list[tuple[str, float, bool]]:
    """Per new article whose derivation is known: its data set, P(derived) of the known text it most
    likely derives from (as the plugin picks it), and whether it is derived."""
    m = StoryModel.load(json.dumps(model))
    best: dict[tuple[str, str], tuple[float, float, bool]] = {}
    for n, p in enumerate(pairs):
        if p.allowed not in ((RELATED,), (REWRITE,)):
            continue
        q = m.predict(p.x)
        key = (p.dataset, p.item or f"#{n}")
        if key not in best or q.rewrite > best[key][0]:
            best[key] = (q.rewrite, q.derived, p.allowed == (REWRITE,))
    return [(key[0], d, y) for key, (_, d, y) in best.items()]


def derivation_f1(said: list[bool], truth: list[bool]) -> tuple[float, float]:
    """F1 of `rewrite` (derived) and of `related` (independent), as the scorer counts them."""
    pairs = list(zip(said, truth, strict=True))
    rewrite = _f1(
        sum(s and t for s, t in pairs), sum(s and not t for s, t in pairs), sum(t and not s for s, t in pairs)
    )
    related = _f1(
        sum(not s and not t for s, t in pairs),
        sum(not s and t for s, t in pairs),
        sum(s and not t for s, t in pairs),
    )
    return rewrite, related


def choose_cut(found: list[tuple[str, float, bool]]) -> float:
    """The P(derived) above which an article is called derived: of CUTS, the one with the best mean
    derivation macro-F1 over the data sets (nearest one half on ties). With both classes weighing the
    same in the fit, one half would do for accuracy; macro-F1 over classes of unequal size wants less."""
    sets = sorted({d for d, _, _ in found})

    def macro(cut: float) -> float:
        scores = []
        for s in sets:
            mine = [(p > cut, y) for d, p, y in found if d == s]
            scores.append(sum(derivation_f1([a for a, _ in mine], [b for _, b in mine])) / 2)
        return sum(scores) / len(scores)

    return max(CUTS, key=lambda c: (round(macro(c), 6), -abs(c - 0.5))) if found else 0.5


def fit(pairs: list[Pair], l2: float = 0.001) -> dict[str, object]:
    """Fit both parts of the model: whether a pair is the same story (on every feature), and, for
    the same story, whether the new text derives from the known one (on the reuse features only:
    what tells derived text from independent coverage is how much of it is reused, not who is named)."""
    told = [p for p in pairs if p.allowed in ((RELATED,), (REWRITE,))]
    pairs = [p for p in pairs if p.story_head]
    same = [p.allowed != (NONE,) for p in pairs]
    sets = sorted({p.dataset for p in pairs})
    size = {s: sum(p.dataset == s for p in pairs) for s in sets}
    kept = [FEATURES.index(f) for f in SAME_FEATURES]
    x = np.array([[p.x[c] for c in kept] for p in pairs], dtype=float)
    # the same story: every feature but the story's cover, unconstrained (tried: signs kept, terms or
    # time left out; each lost 3-5 points of B-cubed F1 on METER and ECB+)
    signs = [0] * len(SAME_FEATURES)
    weights = np.array([1.0 / size[p.dataset] for p in pairs])
    fitted = _logistic(x, np.array(same, dtype=float), weights, l2, signs)
    head_same = {"features": list(SAME_FEATURES), **fitted}
    derived = [p.allowed == (REWRITE,) for p in told]
    columns = [FEATURES.index(f) for f in REUSE]
    xd = np.array([[p.x[c] for c in columns] for p in told], dtype=float)
    head_derived = _logistic(
        xd, np.array(derived, dtype=float), _balanced(told, derived), l2, list(REUSE_SIGNS)
    )
    model: dict[str, object] = {
        "features": list(FEATURES),
        "same": head_same,
        "derived": {"features": list(REUSE), **head_derived},
    }
    # the cut is chosen on the same data, with the fitted head: a handful of coefficients leaves little
    # room to overfit it, and the cross-validation below chooses it within each fold as well
    head_derived["cut"] = choose_cut(decisions(model, told))
    model["derived"] = {"features": list(REUSE), **head_derived}
    return model


def predict(model: dict[str, object], pairs: list[Pair]) -> np.ndarray:
    """Class probabilities (none, related, rewrite) of pairs, as the plugin computes them."""
    m = StoryModel.load(json.dumps(model))
    return np.array([[q.none, q.related, q.rewrite] for q in (m.predict(p.x) for p in pairs)])


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def report(model: dict[str, object], pairs: list[Pair], name: str) -> str:
    """Same-story accuracy and F1 of pairs, derivation macro-F1 where known, log-loss."""
    told, pairs = pairs, [q for q in pairs if q.story_head]
    if not pairs:
        return f"{name}: no pairs"
    p = predict(model, pairs)
    same = p[:, RELATED] + p[:, REWRITE] >= 0.5
    gold = np.array([p_.allowed != (NONE,) for p_ in pairs])
    tp, fp, fn = int((same & gold).sum()), int((same & ~gold).sum()), int((~same & gold).sum())
    acc = float((same == gold).mean())
    ll = -float(np.mean([math.log(max(1e-12, p[n, list(q.allowed)].sum())) for n, q in enumerate(pairs)]))
    line = f"{name}: pairs {len(pairs)} same-story acc {acc:.3f} F1 {_f1(tp, fp, fn):.3f} log-loss {ll:.3f}"
    found = decisions(model, told)
    if found:
        line += " | " + derivation_line(found, float(model["derived"]["cut"]))  # type: ignore[index]
    return line


def derivation_line(found: list[tuple[str, float, bool]], cut: float, how: str = "") -> str:
    """Derivation per article, as the scorer counts it: F1 of rewrite and related, and their mean."""
    rewrite, related = derivation_f1([p > cut for _, p, _ in found], [y for _, _, y in found])
    return (
        f"derivation per article (n={len(found)}, {how or f'cut {cut:.2f}'}) rewrite F1 {rewrite:.3f} "
        f"related F1 {related:.3f} macro {(rewrite + related) / 2:.3f}"
    )


def by_story(pairs: list[Pair], folds: int = 5) -> str:
    """METER derivation cross-validated by story: each fold's stories are held out of the fit (the
    other data sets stay in), the cut chosen within the fit like the rest of the model."""
    meter = [p for p in pairs if p.dataset == "meter"]
    rest = [p for p in pairs if p.dataset != "meter"]
    stories = sorted({p.story for p in meter})
    fold = {s: n % folds for n, s in enumerate(sorted(stories, key=lambda s: _hash_key(s)))}
    found: list[tuple[str, float, bool]] = []
    cuts = []
    for k in range(folds):
        model = fit(rest + [p for p in meter if fold[p.story] != k])
        cuts.append(float(model["derived"]["cut"]))  # type: ignore[index]
        cut = cuts[-1]
        found += [
            (d, 1.0 if p > cut else 0.0, y)
            for d, p, y in decisions(model, [p for p in meter if fold[p.story] == k])
        ]
    chosen = "cuts chosen in the folds " + " ".join(f"{c:.2f}" for c in cuts)
    return derivation_line(found, 0.5, chosen)  # found holds the folds' decisions, 1.0 or 0.0


def _hash_key(text: str) -> str:
    """A fixed pseudo-random order of story names (the folds do not follow dates or names)."""
    import hashlib

    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def main() -> None:
    """Read the development sets, cross-validate, fit on all, write the weights."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--polnear-count", type=int, default=1200)
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "plugins/story_weights.json"
    )
    ap.add_argument("--cache", type=Path, help="Keep the pairs' features in this file (outside the project).")
    args = ap.parse_args()
    if args.cache and args.cache.exists():
        pairs = [Pair(**p) for p in json.loads(args.cache.read_text())]
        pairs = [
            Pair(p.x, tuple(p.allowed), p.dataset, p.group, p.item, p.story, p.story_head) for p in pairs
        ]
    else:
        pairs = (
            meter(args.data)
            + ecbplus(args.data)
            + semeval(args.data)
            + polnear(args.data, args.polnear_count)
        )
        if args.cache:
            args.cache.write_text(json.dumps([p.__dict__ for p in pairs]))
    sets = sorted({p.dataset for p in pairs})
    print("pairs: " + ", ".join(f"{s} {sum(p.dataset == s for p in pairs)}" for s in sets))
    print("cross-validation across data sets (fit on the others, test on the one named):")
    for held in sets:
        model = fit([p for p in pairs if p.dataset != held])
        print("  " + report(model, [p for p in pairs if p.dataset == held], held))
    print(f"METER derivation by story ({5} folds, the other data sets always in the fit):")
    print("  " + by_story(pairs))
    print("METER derivation across its domains (fit on everything but that METER domain):")
    for domain in ("courts", "showbiz"):
        model = fit([p for p in pairs if not (p.dataset == "meter" and p.group == domain)])
        print("  " + report(model, [p for p in pairs if p.dataset == "meter" and p.group == domain], domain))
    model = fit(pairs)
    print("fitted on all (training figures):")
    for s in sets:
        print("  " + report(model, [p for p in pairs if p.dataset == s], s))
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
