"""Per-article cost of the full pipeline (stories and quotes) as the store grows.

    python bench/stories_bench.py FOLDER --sizes 1000 10000 100000 --sample 300

Fills one store with generated articles (bench/streamgen.py) up to each size, then times the next
--sample articles one by one, in this process, and prints articles/second, p50 and p99 latency, CPU
time per article (which other jobs on the machine disturb less than the wall clock) and peak memory of
this process, and how
often the timed articles got the relation the generator made them with (a rewrite or related article
joining its source's story, an unrelated one starting a story of its own).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from streamgen import generate, load_sentences

from bot.cli import settle_collector
from bot.models import Article
from bot.pipeline import Pipeline
from bot.plugins import make_manager
from bot.storage import Store


def as_article(record: dict[str, object]) -> Article:
    """The generator's record as a pipeline article."""
    return Article(
        id=str(record["id"]),
        text=str(record["text"]),
        title=str(record["title"]),
        source=str(record["source"]),
        published=str(record["published"]),
    )


def main() -> None:
    """Fill, measure, print a table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--sample", type=int, default=300)
    args = ap.parse_args()
    texts = load_sentences(args.folder)
    stream = generate(texts, max(args.sizes) + args.sample * len(args.sizes) + 10)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db", window=3650 * 86400)
        pipeline = Pipeline(store, make_manager(), {})
        settle_collector()  # as replay and run do
        stored = 0
        rows = []
        for size in sorted(args.sizes):
            t0 = time.perf_counter()
            # filled through the two-stage pipeline (the texts read in worker processes): the same
            # store as article by article, sooner; only the timed articles below go one by one
            count = max(0, size - stored)
            batch = (as_article(next(stream)) for _ in range(count))  # read as it goes, not held
            for article, prepared in pipeline.ahead(batch, count):
                pipeline.ingest(article, prepared)
            stored = max(stored, size)
            fill = time.perf_counter() - t0
            latencies = []
            cpu = 0.0
            right = 0
            for _ in range(args.sample):
                record = next(stream)
                article = as_article(record)
                t, c = time.perf_counter(), time.process_time()
                result = pipeline.ingest(article)
                latencies.append((time.perf_counter() - t) * 1000)
                cpu += time.process_time() - c
                stored += 1
                if record["kind"] == "new":
                    right += result.relation == "new"
                else:
                    right += result.relation != "new" and result.story == store.story_of(str(record["of"]))
            latencies.sort()
            p50 = statistics.median(latencies)
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            rate = len(latencies) / (sum(latencies) / 1000)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rows.append((size, rate, p50, p99, peak, right / args.sample, cpu * 1000 / args.sample))
            print(f"filled to {size} in {fill:.0f}s", file=sys.stderr, flush=True)
        print(
            "| stored articles | articles/s | p50 ms | p99 ms | CPU ms/article | peak memory MB "
            "| relation right |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for size, rate, p50, p99, peak, share, cpu_ms in rows:
            cells = f"{size:,} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {cpu_ms:.1f} | {peak:.0f} | {share:.1%}"
            print(f"| {cells} |")
        base, cpu_base = rows[0][2], rows[0][6]
        print(
            f"\np50 at {rows[-1][0]:,} stored is {rows[-1][2] / base:.2f}x the p50 at {rows[0][0]:,}"
            f" (CPU per article {rows[-1][6] / cpu_base:.2f}x)"
        )
        store.close()


if __name__ == "__main__":
    main()
