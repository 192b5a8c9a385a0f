"""Make an article stream of rewrites, related articles and unrelated ones from any folder of texts.

    python bench/streamgen.py FOLDER --count 1000 > stream.jsonl

Unrelated articles are new mixes of sentences from random texts; a rewrite re-words a known article
(drops, reorders and substitutes words, sometimes adds a paragraph); a related article keeps the
known article's names and many of its words in sentences of its own. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

SWAPS = {
    "said": "stated",
    "says": "states",
    "big": "large",
    "large": "big",
    "small": "little",
    "show": "indicate",
    "shows": "indicates",
    "will": "would",
    "more": "additional",
    "about": "around",
    "start": "begin",
    "people": "persons",
    "government": "administration",
    "because": "since",
    "before": "prior to",
}
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


def load_sentences(folder: Path) -> list[list[str]]:
    """The sentences of every .txt file under folder (texts with at least five sentences)."""
    texts = []
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        sents = [s.strip() for s in SENTENCE.split(" ".join(text.split())) if len(s.split()) >= 5]
        if len(sents) >= 5:
            texts.append(sents)
    if not texts:
        sys.exit(f"no usable .txt files under {folder}")
    return texts


def reword(sentence: str, rng: random.Random) -> str:
    """A rewrite's version of a sentence: some words swapped, rarely a clause dropped."""
    words = [SWAPS.get(w, w) if rng.random() < 0.7 else w for w in sentence.split()]
    if len(words) > 14 and rng.random() < 0.2:
        cut = rng.randrange(8, len(words) - 4)
        words = words[:cut]
        words[-1] = words[-1].rstrip(",;") + "."
    return " ".join(words)


def scramble(sentence: str, vocabulary: list[str], rng: random.Random) -> str:
    """The sentence with about half its words replaced by random words of the corpus."""
    return " ".join(rng.choice(vocabulary) if rng.random() < 0.5 else w for w in sentence.split())


def retell(sentence: str, vocabulary: list[str], rng: random.Random) -> str:
    """Independent coverage of what a sentence says: its names and half its other words, with the
    rest from elsewhere, in an order of its own (so no word sequence of it survives)."""
    words = [w if w[:1].isupper() or rng.random() < 0.5 else rng.choice(vocabulary) for w in sentence.split()]
    rng.shuffle(words)
    return " ".join(words).rstrip(".") + "."


def generate(texts: list[list[str]], count: int, seed: int = 1) -> Iterator[dict[str, object]]:
    """Yield count articles: about 60 % unrelated, 25 % rewrites, 15 % related."""
    rng = random.Random(seed)
    vocabulary = sorted({w for sents in texts for s in sents for w in s.split() if w.isalpha()})
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made: deque[dict[str, object]] = deque(maxlen=2000)  # what later articles are made from
    for n in range(count):
        moment = start + timedelta(seconds=n * 600 // max(1, count // 1000))
        when = moment.isoformat().replace("+00:00", "Z")
        roll = rng.random()
        if made and roll < 0.25:
            base = rng.choice(made)
            sents = [reword(s, rng) for s in str(base["text"]).split("\n\n") if rng.random() > 0.15]
            if rng.random() < 0.4:  # a paragraph of its own (not copied from any other article)
                sents += [scramble(s, vocabulary, rng) for s in rng.choice(texts)[:2]]
            kind, text = "rewrite", "\n\n".join(sents)
        elif made and roll < 0.4:
            base = rng.choice(made)
            sents = [retell(s, vocabulary, rng) for s in str(base["text"]).split("\n\n")[:6]]
            kind, text = "related", "\n\n".join(sents)
        else:
            # a new story: sentences of two random texts with half their words replaced, so that
            # unrelated articles do not share word sequences however large the stream grows
            a, b = rng.choice(texts), rng.choice(texts)
            sents = [
                scramble(s, vocabulary, rng)
                for s in rng.sample(a, min(len(a), 5)) + rng.sample(b, min(len(b), 3))
            ]
            kind, text = "new", "\n\n".join(sents)
        article = {
            "id": f"g{n}",
            "title": text.split(".", 1)[0][:120],
            "text": text,
            "source": f"outlet-{rng.randrange(50)}",
            "published": when,
            "kind": kind,
            "of": base["id"] if kind != "new" else None,  # the known article it was made from
        }
        made.append(article)
        yield article


def main() -> None:
    """Write the stream to stdout."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for article in generate(load_sentences(args.folder), args.count, args.seed):
        print(json.dumps(article, ensure_ascii=False))


if __name__ == "__main__":
    main()
