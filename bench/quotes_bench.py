"""Time quote extraction and novelty per article, scaled to 1,000 words, on one core.

    python bench/quotes_bench.py FOLDER [--limit 300]

Ingests every .txt under FOLDER through the full pipeline once (so speakers and quotes are known),
then times the quotes plugin alone on each article again, and prints p50/p99 milliseconds per
article and per 1,000 words, wall clock and CPU time (the CPU figure holds on a busy machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plugins.quotes as quotes_plugin
from bot.models import Article
from bot.pipeline import Pipeline
from bot.plugins import make_manager
from bot.storage import Store


def main() -> None:
    """Warm a store with the folder's articles, then time the quotes hook on each."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--limit", type=int, default=300)
    args = ap.parse_args()
    paths = sorted(args.folder.rglob("*.txt"))[: args.limit]
    articles = [Article(id=p.stem, text=p.read_text(encoding="utf-8", errors="replace")) for p in paths]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "q.db", window=3650 * 86400)
        pipeline = Pipeline(store, make_manager(), {})
        for article in articles:
            pipeline.ingest(article)
        per_article, per_kword, cpu_kword, found = [], [], [], 0
        for article in articles:
            view = store.view(article.published or "")
            t, c = time.perf_counter(), time.process_time()
            found += len(quotes_plugin.wirewatch_extract_quotes(article, view, {}, {}))
            ms, cpu_ms = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
            per_article.append(ms)
            per_kword.append(ms * 1000 / max(1, len(article.text.split())))
            cpu_kword.append(cpu_ms * 1000 / max(1, len(article.text.split())))
        words = statistics.mean(len(a.text.split()) for a in articles)
        rows = (
            ("per article", per_article),
            ("per 1,000 words", per_kword),
            ("CPU per 1,000 words", cpu_kword),
        )
        for name, values in rows:
            values.sort()
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
            print(f"{name}: p50 {statistics.median(values):.2f} ms, p99 {p99:.2f} ms")
        print(f"{len(articles)} articles, {words:.0f} words on average, {found} statements")
        store.close()


if __name__ == "__main__":
    main()
