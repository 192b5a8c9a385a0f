"""End-to-end throughput of `wirewatch replay` as a process, as the store grows.

    python bench/replay_bench.py FOLDER --sizes 1000 10000 100000 --probe 500

Builds a stream from any folder of texts (bench/streamgen.py's rewording and retelling) in which each
later article rewrites, retells or is unrelated to a *random older* story (drawn from everything
stored, not only recent articles), fills one store to each size with `wirewatch replay --db`, then
replays a probe stream into a copy of that store (written to disk first, see copy_flushed) as a fresh
process and reads its output as it comes:

- start-up: the wall time of `wirewatch replay --json` on an empty stream (imports, store opening),
  with the project's bytecode written first, as a regular install has it (see compiled);
- articles/s: probe articles over the time from the first to the last output line;
- p50 / p99 ms: the gaps between consecutive output lines (the per-article cost, start-up excluded);
- peak memory: the largest maximum resident set of the probe process and its worker processes (the
  OS's accounting of the finished child, started from a small process: see spawner_replay; forked
  workers share most of their pages with it);
- CPU ms/article: the probe process's user + system CPU time, less the median CPU time of start-up,
  per probe article: on a machine shared with other busy processes the wall-clock figures swing with
  their load, this one much less (it counts what the first articles load on first use, and any
  second core the process uses);
- main / workers CPU ms/article: the same for the replay's own (main) process alone and for its
  worker processes together, from the CPU line it writes on stderr at the end ("-" for a replay that
  writes none): the main process, which does all the store's work in order, bounds the rate;
- identical: whether the probe's stdout equals that of a reference run (`--reference CMD`, by
  default the same command with `--workers 1`: all in one process) on another copy of the same
  store, byte for byte.

With --cache DIR, each filled store is kept in DIR under a key of the fill command (its window
included), the folder, the seed, the sizes up to this one, the probe count (they decide which
articles the stream makes), bot/migrations.py (the shape of the store) and the code whose version
marks the readings kept with each article and decides what they hold (plugins/similarity.py,
plugins/text.py and plugins/kept.py: a store filled by other code has readings the probe cannot use, or
uses less of, and would be timed re-analysing them), and taken from
there the next time instead of being filled again (--fill-command: fill with another replay than the one
probed, e.g. the previous version when both give the same results). --keep DIR keeps each size's
filled store, probe stream, probe output and profile for a closer look.

With --rounds N, each size's probe is timed N times, the sizes in turn (1,000, 10,000, 100,000, 1,000,
...), and each figure is the median over the rounds: on a machine shared with other jobs its speed drifts
by a third or more within minutes, and one run per size, each at another moment, says more about that
drift than about the store's size.

With --profile, the probe is replayed once more (into a third copy) under cProfile, and the split of
its time is printed per size: own time summed by module (C functions under the module that called
them, e.g. sqlite3's execute under bot.storage), then the top cumulative entries. Profiling slows the
run, so the split is in shares of the profiled total, not in milliseconds of the timed run.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import itertools
import json
import multiprocessing
import multiprocessing.pool
import os
import pstats
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from streamgen import load_sentences, retell, reword, scramble

Record = dict[str, object]


class Stream:
    """Articles made on demand; each later one draws its source uniformly from all earlier ones."""

    def __init__(self, texts: list[list[str]], seed: int) -> None:
        self.texts = texts
        self.rng = random.Random(seed)
        self.vocabulary = sorted({w for sents in texts for s in sents for w in s.split() if w.isalpha()})
        self.made: list[Record] = []
        self.start = datetime(2026, 1, 1, tzinfo=UTC)

    def article(self, n: int, pool: int, prefix: str) -> Record:
        """One article numbered n whose source (if any) is among the first pool articles made."""
        rng, when = self.rng, self.start + timedelta(seconds=n * 5)
        roll = rng.random()
        base = self.made[rng.randrange(pool)] if pool else None
        if base is not None and roll < 0.25:
            sents = [reword(s, rng) for s in str(base["text"]).split("\n\n") if rng.random() > 0.15]
            if rng.random() < 0.4:
                sents += [scramble(s, self.vocabulary, rng) for s in rng.choice(self.texts)[:2]]
            kind = "rewrite"
        elif base is not None and roll < 0.4:
            sents = [retell(s, self.vocabulary, rng) for s in str(base["text"]).split("\n\n")[:6]]
            kind = "related"
        else:
            a, b = rng.choice(self.texts), rng.choice(self.texts)
            picked = rng.sample(a, min(len(a), 5)) + rng.sample(b, min(len(b), 3))
            sents, kind = [scramble(s, self.vocabulary, rng) for s in picked], "new"
        text = "\n\n".join(sents)
        return {
            "id": f"{prefix}{n}",
            "title": text.split(".", 1)[0][:120],
            "text": text,
            "source": f"outlet-{rng.randrange(50)}",
            "published": when.isoformat().replace("+00:00", "Z"),
            "kind": kind,
            "of": base["id"] if kind != "new" and base is not None else None,
        }

    def fill(self, upto: int) -> Iterator[Record]:
        """The stored articles from len(made) up to upto."""
        while len(self.made) < upto:
            record = self.article(len(self.made), len(self.made), "a")
            self.made.append(record)
            yield record

    def probe(self, count: int, tag: str) -> list[Record]:
        """count articles after the stored ones, each drawn from any stored article."""
        stored = len(self.made)
        return [self.article(stored + i, stored, f"p{tag}-") for i in range(count)]


def copy_flushed(src: Path, dst: Path) -> None:
    """Copy a store and write the copy to disk before it is used: the first checkpoint's fdatasync of
    the replay timed on it would otherwise write out the whole freshly copied file (2.3 GB at
    100,000 stored), its CPU charged to the replay (about 0.9 ms an article at 100,000)."""
    shutil.copyfile(src, dst)
    with open(dst, "rb+") as handle:
        os.fsync(handle.fileno())


def write_jsonl(path: Path, records: Iterator[Record] | list[Record]) -> int:
    """Write records as JSON lines; return how many."""
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


# the line replay ends with on stderr: "replay used 1.23 s CPU in this process, 4.56 s in 2 workers"
_CPU_LINE = re.compile(rb"replay used ([\d.]+) s CPU in this process, ([\d.]+) s in its workers")


@dataclass
class Run:
    """One timed replay."""

    out: bytes  # its stdout
    arrivals: list[float]  # when each line of it came
    wall: float  # seconds
    peak: float  # peak resident memory, MB
    cpu: float  # CPU seconds of the process and its workers together
    main: float | None  # those of the main process alone (None: the replay does not say)
    workers: float | None  # those of its worker processes together


def timed_replay(command: list[str], db: Path, stream: Path) -> Run:
    """Run replay and time it (see Run)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([*command, "--db", str(db), str(stream)], stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out, arrivals = [], []
        for line in proc.stdout:
            arrivals.append(time.perf_counter())
            out.append(line)
        # the child's own usage and that of its reaped children (the workers) together
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        said = _CPU_LINE.search(err.read())
    if proc.returncode:
        sys.exit(f"{shlex.join(command)} exited {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    main, workers = (float(said.group(1)), float(said.group(2))) if said else (None, None)
    wall = time.perf_counter() - t0
    return Run(b"".join(out), arrivals, wall, usage.ru_maxrss / 1024, cpu, main, workers)


def _timed_fields(
    command: list[str], db: Path, stream: Path
) -> tuple[bytes, list[float], float, float, float, float | None, float | None]:
    """timed_replay's Run as a tuple (for a process of the spawner's: see spawner_replay)."""
    run = timed_replay(command, db, stream)
    return run.out, run.arrivals, run.wall, run.peak, run.cpu, run.main, run.workers


def spawner_replay(spawner: multiprocessing.pool.Pool, command: list[str], db: Path, stream: Path) -> Run:
    """timed_replay, started from a small process of the spawner, not from this one: a child's peak
    memory counts the pages it shared with the process it was started from, and this one holds every
    article the stream made (about 300 MB by 100,000), so the replay's own peak would not show."""
    return Run(*spawner.apply(_timed_fields, (command, db, stream)))


def interpreter(command: list[str]) -> list[str]:
    """The command as `python SCRIPT ...` (the script's own interpreter), so that cProfile can run it."""
    script = shutil.which(command[0]) or command[0]
    with open(script, "rb") as handle:
        first = handle.readline()
    if not first.startswith(b"#!") or b"python" not in first:
        sys.exit(f"--profile needs a Python script as the command, not {command[0]}")
    return [first[2:].decode().strip(), script, *command[1:]]


def _module(filename: str) -> str:
    """A profile entry's file as a dotted module name (site-packages and the repo trimmed)."""
    if filename.startswith("~") or filename.startswith("<"):
        return filename
    path = Path(filename)
    parts = list(path.with_suffix("").parts)
    for anchor in ("site-packages", "python3.11", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    else:
        for root in ("bot", "plugins"):
            if root in parts:
                parts = parts[parts.index(root) :]
                break
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts[:3]) or filename


def _c_name(name: str) -> str:
    """<method 'execute' of 'sqlite3.Connection' objects> as sqlite3.Connection.execute."""
    quoted = name.split("'")
    if len(quoted) >= 4:
        return f"{quoted[3]}.{quoted[1]}"
    return name.removeprefix("<built-in method ").removesuffix(">")


def profile_split(command: list[str], db: Path, stream: Path, out: Path, top: int = 25) -> str:
    """Replay stream into db under cProfile; the time split by module and the top cumulative entries."""
    subprocess.run(
        [
            *interpreter(command)[:1],
            "-m",
            "cProfile",
            "-o",
            str(out),
            *interpreter(command)[1:],
            "--db",
            str(db),
            str(stream),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stats = pstats.Stats(str(out))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, dict[object, object]]]
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values()) or 1.0
    by_module: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, callers) in raw.items():
        module = _module(filename)
        if filename == "~" and callers:  # a C function: charged to the module of its main caller
            caller = max(callers.items(), key=lambda kv: kv[1][2])[0]  # type: ignore[index]
            module = f"{_module(caller[0])} (C: {_c_name(name)})"  # type: ignore[index]
        by_module[module] = by_module.get(module, 0.0) + own
    ingest = sum(e[3] for (f, _, n), e in raw.items() if n == "ingest" and f.endswith("pipeline.py"))
    lines = [
        f"profiled total {total:.2f} s, of which Pipeline.ingest {ingest:.2f} s "
        f"({100 * ingest / total:.0f} %, the rest is start-up and output); own time by module:"
    ]
    for module, own in sorted(by_module.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * own / total:5.1f} %  {module}")
    lines.append("top cumulative entries:")
    entries = sorted(raw.items(), key=lambda kv: -kv[1][3])
    shown = 0
    for (filename, line, name), (_, calls, _, cum, _) in entries:
        if filename.startswith("<frozen") or name in ("<module>", "<built-in method builtins.exec>"):
            continue
        lines.append(f"  {100 * cum / total:5.1f} %  {calls:>8} calls  {_module(filename)}:{line} {name}")
        shown += 1
        if shown == top:
            break
    return "\n".join(lines)


def compiled() -> None:
    """Write the project's bytecode where it is missing or stale, as a regular install has it: an
    editable install relies on Python writing it at import, which PYTHONDONTWRITEBYTECODE stops, and
    start-up would then be timed compiling every module of the bot again."""
    root = Path(__file__).resolve().parent.parent
    for package in ("bot", "plugins"):
        compileall.compile_dir(root / package, quiet=1)


def startup(command: list[str], tmp: Path, runs: int = 5) -> tuple[float, float, float]:
    """Median wall seconds, median CPU seconds and median CPU seconds of the main process alone of
    replay on an empty stream into a fresh store."""
    empty = tmp / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    times, cpus, mains = [], [], []
    for i in range(runs):
        db = tmp / f"startup-{i}.db"
        run = timed_replay(command, db, empty)
        times.append(run.wall)
        cpus.append(run.cpu)
        mains.append(run.cpu if run.main is None else run.main)
        db.unlink(missing_ok=True)
    return statistics.median(times), statistics.median(cpus), statistics.median(mains)


def cache_key(command: list[str], folder: Path, seed: int, sizes: list[int], probe: int) -> str:
    """The name a filled store is kept under in --cache (see the module's docstring): the sizes
    filled before it and the probe count change which articles the stream makes after them."""
    root = Path(__file__).resolve().parent.parent
    shape = hashlib.sha1()
    for made_by in ("bot/migrations.py", "plugins/similarity.py", "plugins/text.py", "plugins/kept.py"):
        shape.update((root / made_by).read_bytes())
    shape_hash = shape.hexdigest()
    size = sizes[-1]
    made = ",".join(map(str, sizes))
    parts = [shlex.join(command), str(folder.resolve()), str(seed), made, str(probe), shape_hash]
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:16] + f"-{size}.db"


def figures(
    runs: list[Run], start_cpu: float, start_main: float, probe: int
) -> tuple[float, float, float, float, float, str]:
    """articles/s, p50 and p99 ms, peak MB, CPU ms/article and "main / workers" CPU ms/article of a
    size's timed replays, each the median over them but the peak, the largest (one run: its own)."""
    rates, p50s, p99s = [], [], []
    for run in runs:
        gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(run.arrivals))
        rates.append((len(run.arrivals) - 1) / (run.arrivals[-1] - run.arrivals[0]))
        p50s.append(statistics.median(gaps))
        p99s.append(gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))])
    per_article = 1000 * max(0.0, statistics.median(r.cpu for r in runs) - start_cpu) / probe
    mains = [r.main for r in runs if r.main is not None]
    workers = [r.workers for r in runs if r.workers is not None]
    main_ms = f"{1000 * max(0.0, statistics.median(mains) - start_main) / probe:.1f}" if mains else "-"
    main_ms += f" / {1000 * statistics.median(workers) / probe:.1f}" if workers else " / -"
    peak = max(r.peak for r in runs)  # the largest (started from a small process: spawner_replay)
    return (
        statistics.median(rates),
        statistics.median(p50s),
        statistics.median(p99s),
        peak,
        per_article,
        main_ms,
    )


def main() -> None:
    """Fill, probe, print a table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--probe", type=int, default=500, help="articles timed at each size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--command", default=".venv/bin/wirewatch replay --json", help="the replay under test")
    ap.add_argument(
        "--reference", default=None, help="the replay whose output must match (default: it with --workers 1)"
    )
    ap.add_argument("--window", default="3650d", help="passed to replay as --window")
    ap.add_argument("--profile", action="store_true", help="also print the probe's profile split")
    ap.add_argument("--cache", type=Path, help="keep filled stores here and reuse them")
    ap.add_argument("--fill-command", default=None, help="the replay that fills (default: --command)")
    ap.add_argument("--keep", type=Path, help="copy each size's store, probe, output and profile here")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="time each size's probe this many times, the sizes in turn, and print the medians",
    )
    args = ap.parse_args()
    compiled()
    command = [*shlex.split(args.command), "--window", args.window]
    single = f"{args.command} --workers 1"  # the same replay in one process
    reference = [*shlex.split(args.reference or single), "--window", args.window]
    filler = [*shlex.split(args.fill_command or args.command), "--window", args.window]
    stream = Stream(load_sentences(args.folder), args.seed)
    splits = []
    timed: dict[int, list[Run]] = {}  # each size's timed replays, one a round
    same: dict[int, bool] = {}  # whether each of them printed what the reference printed
    spawning = multiprocessing.get_context("forkserver").Pool(1)  # see spawner_replay
    with spawning as spawner, tempfile.TemporaryDirectory(prefix="replay-bench-") as name:
        tmp = Path(name)
        start, start_cpu, start_main = startup(command, tmp)
        store = tmp / "store.db"
        filled: dict[int, Path] = {}  # each size's filled store, for the later rounds
        for size in sorted(args.sizes):
            fill = tmp / f"fill-{size}.jsonl"
            added = write_jsonl(fill, stream.fill(size))
            sizes = [s for s in sorted(args.sizes) if s <= size]
            key = cache_key(filler, args.folder, args.seed, sizes, args.probe)
            kept = args.cache / key if args.cache else None
            if kept is not None and kept.exists():
                shutil.copyfile(kept, store)
                print(f"filled to {size:,}: taken from {kept}", file=sys.stderr)
            else:
                t0 = time.perf_counter()
                timed_replay(filler, store, fill)
                print(f"filled to {size:,} (+{added:,}) in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
                if kept is not None:
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(store, kept)
            if args.rounds > 1:
                filled[size] = kept if kept is not None else tmp / f"filled-{size}.db"
                if kept is None:
                    shutil.copyfile(store, filled[size])
            probe = tmp / f"probe-{size}.jsonl"
            write_jsonl(probe, stream.probe(args.probe, str(size)))
            copies = []
            for which in ("test", "ref"):
                copy = tmp / f"{which}-{size}.db"
                copy_flushed(store, copy)
                copies.append(copy)
            run = spawner_replay(spawner, command, copies[0], probe)
            ref_out = timed_replay(reference, copies[1], probe).out
            timed[size], same[size] = [run], run.out == ref_out
            if args.profile:
                copy_flushed(store, copies[1])
                split = profile_split(command, copies[1], probe, tmp / f"probe-{size}.prof")
                splits.append(f"profile of the probe at {size:,} stored: {split}")
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(store, args.keep / f"store-{size}.db")
                shutil.copyfile(probe, args.keep / probe.name)
                (args.keep / f"probe-{size}.out").write_bytes(run.out)
                if args.profile:
                    shutil.copyfile(tmp / f"probe-{size}.prof", args.keep / f"probe-{size}.prof")
            for copy in copies:
                copy.unlink()
        # the later rounds time the sizes in turn, so that a machine whose speed drifts (shared with
        # other jobs) moves every size's figures alike, not one size's more than another's
        for _ in range(args.rounds - 1):
            for size in sorted(args.sizes):
                copy = tmp / f"test-{size}.db"
                copy_flushed(filled[size], copy)
                run = spawner_replay(spawner, command, copy, tmp / f"probe-{size}.jsonl")
                timed[size].append(run)
                same[size] = same[size] and run.out == timed[size][0].out
                copy.unlink()
    rows = [
        (size, *figures(runs, start_cpu, start_main, args.probe), same[size]) for size, runs in timed.items()
    ]
    rounds = f", the median of {args.rounds} rounds" if args.rounds > 1 else ""
    print(f"start-up (empty stream, median of 5): {start:.3f} s wall, {start_cpu:.3f} s CPU{rounds}")
    print(
        "| stored articles | articles/s | p50 ms | p99 ms | peak memory MB | CPU ms/article "
        "| main / workers CPU ms/article | identical to reference |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
    for size, rate, p50, p99, peak, per_article, main_ms, identical in rows:
        print(
            f"| {size:,} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {peak:.0f} | {per_article:.1f} "
            f"| {main_ms} | {'yes' if identical else 'NO'} |"
        )
    print(f"\np50 at {rows[-1][0]:,} stored is {rows[-1][2] / rows[0][2]:.2f}x the p50 at {rows[0][0]:,}")
    for split in splits:
        print(f"\n{split}")


if __name__ == "__main__":
    main()
