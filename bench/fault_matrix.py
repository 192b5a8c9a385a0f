"""The delivery fault matrix: each fault against the fake Slack, counting parts lost and posted twice.

    python bench/fault_matrix.py [--stories 40] [--overlaps 5]

For every outbox part of one digest (40 stories make 3 Slack parts) a `wirewatch run --once` process is
killed with SIGKILL at two points: after an attempt was committed but before the send, and after the
fake Slack confirmed the post but before the store marked it sent (the fault hooks in bot/delivery.py).
A second run then delivers what is left. Then: two `run --once` processes started together on a fresh
store (--overlaps times), a restart without SLACK_BOT_TOKEN followed by one with it, a 500 / 503 /
dropped connection after the fake stored the message, a 429 with a Retry-After of an hour followed by a
restart, and an invalid_auth followed by `wirewatch outbox retry --failed`. A part is lost when it never
reached the fake Slack; it is duplicated when the fake holds two messages with its key.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_platforms import DROP, FakeSlack, slack_error  # noqa: E402
from wordfreq import top_n_list  # noqa: E402

CHANNEL = "C0DIGEST"
TOKEN = {"SLACK_BOT_TOKEN": "xoxb-bench-token"}


def write_config(folder: Path, slack: FakeSlack, n: int) -> Path:
    rng = random.Random(5)
    words = top_n_list("en", 3000)[200:]
    feed = folder / "feed"
    feed.mkdir()
    lines = []
    for i in range(n):
        text = " ".join(" ".join(rng.sample(words, 14)).capitalize() + "." for _ in range(10))
        title = f"Story {i}: " + " ".join(rng.sample(words, 30))
        lines.append(json.dumps({"id": f"s{i}", "title": title, "text": text}))
    (feed / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = folder / "wirewatch.toml"
    config.write_text(
        f'[storage]\npath = "{folder / "store.db"}"\n\n[slack]\napi_url = "{slack.url}/api/"\n\n'
        f'[[feeds]]\nname = "wire"\nurl = "{feed}"\nbackfill = {n}\n\n'
        f'[[channels]]\nplatform = "slack"\nid = "{CHANNEL}"\n',
        encoding="utf-8",
    )
    return config


CHECKOUT = [ROOT]  # the wirewatch source tree whose command is run (--checkout: an older version)


def wirewatch(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "bot.cli", *args, "--config", str(config)]
    return subprocess.Popen(
        command,
        cwd=CHECKOUT[0],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(CHECKOUT[0]), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


CRASHES = [0]  # runs that ended in a traceback


def finish(proc: subprocess.Popen[str]) -> None:
    _, err = proc.communicate(timeout=300)
    if "Traceback" in err:
        CRASHES[0] += 1
        print(f"  (a run crashed: {err.strip().splitlines()[-1]})", file=sys.stderr)


def outcome(config: Path, slack: FakeSlack) -> tuple[int, int, int]:
    """(parts, lost, duplicated) for the store of config and what the fake Slack holds; a part is known
    by its header ("wirewatch digest: 40 stories (2/3)"), which older versions have too."""
    import sqlite3

    db = sqlite3.connect(config.parent / "store.db")
    payloads = [json.loads(p) for (p,) in db.execute("select payload from outbox where digest_id = 1")]
    db.close()
    keys = [p["blocks"][0]["text"] for p in payloads]
    posted = Counter(m["blocks"][0]["text"]["text"] for m in slack.posted(CHANNEL) if m.get("blocks"))
    return len(keys), sum(1 for k in keys if not posted[k]), sum(1 for k in keys if posted[k] > 1)


def case(n: int, setup: Callable[[Path, FakeSlack], None]) -> tuple[int, int, int]:
    slack = FakeSlack()
    try:
        with tempfile.TemporaryDirectory(prefix="wirewatch-faults-") as tmp:
            config = write_config(Path(tmp), slack, n)
            setup(config, slack)
            return outcome(config, slack)
    finally:
        slack.close()


def kill_at(point: str, part: int) -> Callable[[Path, FakeSlack], None]:
    def setup(config: Path, slack: FakeSlack) -> None:
        marker = config.parent / "paused"
        env = {**TOKEN, point: str(marker), "WIREWATCH_PAUSE_PART": str(part)}
        proc = wirewatch(config, "run", "--once", env=env)
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if marker.exists():
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        finish(wirewatch(config, "run", "--once", env=TOKEN))

    return setup


def overlap(config: Path, slack: FakeSlack) -> None:
    procs = [wirewatch(config, "run", "--once", env=TOKEN) for _ in range(2)]
    for proc in procs:
        finish(proc)


def no_token_then_token(config: Path, slack: FakeSlack) -> None:
    finish(wirewatch(config, "run", "--once"))
    finish(wirewatch(config, "run", "--once", env=TOKEN))


def after_store(status: int) -> Callable[[Path, FakeSlack], None]:
    def setup(config: Path, slack: FakeSlack) -> None:
        slack.after_store.append(status)
        finish(wirewatch(config, "run", "--once", env=TOKEN))

    return setup


def retry_after_then_restart(config: Path, slack: FakeSlack) -> None:
    slack.script.append(slack_error("ratelimited", 429, {"Retry-After": "3600"}))
    finish(wirewatch(config, "run", "--once", env=TOKEN))
    finish(wirewatch(config, "run", "--once", env=TOKEN))
    import sqlite3

    db = sqlite3.connect(config.parent / "store.db")
    try:
        db.execute("update outbox set not_before = null")  # the hour has passed
        db.commit()
    except sqlite3.OperationalError:  # a version that keeps no Retry-After
        pass
    db.close()
    finish(wirewatch(config, "run", "--once", env=TOKEN))


def failed_then_retry(config: Path, slack: FakeSlack) -> None:
    slack.script.append(slack_error("invalid_auth"))
    finish(wirewatch(config, "run", "--once", env=TOKEN))
    finish(wirewatch(config, "outbox", "retry", "--failed"))
    finish(wirewatch(config, "run", "--once", env=TOKEN))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--overlaps", type=int, default=5)
    parser.add_argument("--checkout", type=Path, help="run the wirewatch of this source tree instead")
    args = parser.parse_args()
    if args.checkout:
        CHECKOUT[0] = args.checkout.resolve()
    n = args.stories
    parts = case(n, lambda config, slack: finish(wirewatch(config, "run", "--once", env=TOKEN)))[0]
    cases: list[tuple[str, Callable[[Path, FakeSlack], None]]] = []
    for part in range(1, parts + 1):
        cases.append(
            (f"kill -9 before the send of part {part}", kill_at("WIREWATCH_PAUSE_BEFORE_SEND", part))
        )
        cases.append(
            (f"kill -9 after Slack confirmed part {part}", kill_at("WIREWATCH_PAUSE_AFTER_SEND", part))
        )
    cases += [(f"two run --once on a fresh store (#{i + 1})", overlap) for i in range(args.overlaps)]
    cases += [
        ("restart without SLACK_BOT_TOKEN, then with it", no_token_then_token),
        ("HTTP 500 after Slack stored the message", after_store(500)),
        ("HTTP 503 after Slack stored the message", after_store(503)),
        ("connection dropped after Slack stored the message", after_store(DROP)),
        ("429 Retry-After 1h, restart, then after the hour", retry_after_then_restart),
        ("invalid_auth, then outbox retry --failed", failed_then_retry),
    ]
    print("| case | parts | lost | posted twice |\n| --- | --- | --- | --- |")
    totals = [0, 0, 0]
    for name, setup in cases:
        total, lost, twice = case(n, setup)
        totals = [totals[0] + total, totals[1] + lost, totals[2] + twice]
        print(f"| {name} | {total} | {lost} | {twice} |", flush=True)
    print(f"| **all {len(cases)} cases** | {totals[0]} | {totals[1]} | {totals[2]} |")
    print(f"runs that crashed with a traceback: {CRASHES[0]}")


if __name__ == "__main__":
    main()
