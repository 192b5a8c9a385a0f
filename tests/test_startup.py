"""Start-up: `wirewatch replay` loads only what replaying needs, and loading the rest later still works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

# libraries only fetching, chat, scheduling or metrics need: replay must not pay for importing them
NOT_FOR_REPLAY = (
    "trafilatura",
    "feedparser",
    "httpx",
    "httpcore",
    "aiohttp",
    "apscheduler",
    "prometheus_client",
    "slack_bolt",
    "slack_sdk",
    "discord",
    "lxml",
)

PROBE = """
import json, sys
from bot.cli import cli
try:
    cli(["replay", "--json", sys.argv[1]], standalone_mode=False)
finally:
    print(json.dumps(sorted(m for m in {names} if m in sys.modules)), file=sys.stderr)
"""


def _loaded_after(stream: Path) -> tuple[list[str], str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(names=repr(NOT_FOR_REPLAY)), str(stream)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(proc.stderr.strip().splitlines()[-1]), proc.stdout


def test_replay_imports_no_network_chat_or_scheduler_library(tmp_path: Path) -> None:
    stream = tmp_path / "stream.jsonl"
    article = {
        "id": "a1",
        "title": "Port strike",
        "text": "Dock workers began a strike on Tuesday, the union said.",
    }
    stream.write_text(json.dumps(article) + "\n", encoding="utf-8")
    loaded, out = _loaded_after(stream)
    assert loaded == []
    assert json.loads(out)["id"] == "a1"  # and the article was still analysed and printed


def test_the_lazily_loaded_feed_fetcher_reads_a_local_feed(tmp_path: Path) -> None:
    import asyncio

    from bot.config import Feed
    from bot.plugins import collect, make_manager

    (tmp_path / "one.jsonl").write_text(json.dumps({"id": "x1", "text": "Some text."}) + "\n", "utf-8")
    kinds = collect(make_manager()).sources
    fetched = asyncio.run(kinds["feed"].fetch(Feed(name="local", url=str(tmp_path)), None, None, None, None))  # type: ignore[arg-type]
    assert [a.id for a in fetched.articles] == ["x1"]


NO_NUMPY = """
import sys
sys.modules["numpy"] = None  # any `import numpy` now raises ImportError, installed or not
from bot.cli import cli
cli(["replay", "--json", sys.argv[1]], standalone_mode=False)
"""


def test_replay_needs_no_numpy(tmp_path: Path) -> None:
    # numpy is only for the fitting scripts (the `fit` extra): sentence alignment, which a rewrite
    # needs, runs without it
    text = (
        "Dock workers at the northern port began an indefinite strike on Tuesday over pay. "
        "The union said talks with the port authority had broken down after three weeks. "
        "Ships were being diverted to other harbours, a spokesman for the authority said."
    )
    rewrite = text.replace("began an indefinite strike", "walked out indefinitely") + (
        " Local shops said they feared for their trade."
    )
    stream = tmp_path / "stream.jsonl"
    rows = [
        {"id": "w1", "title": "Port strike begins", "text": text, "published": "2026-03-03T08:00:00Z"},
        {"id": "p1", "title": "Port strike", "text": rewrite, "published": "2026-03-03T10:00:00Z"},
    ]
    stream.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", NO_NUMPY, str(stream)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    second = json.loads(proc.stdout.splitlines()[1])
    assert (second["id"], second["relation"], second["of"]) == ("p1", "rewrite", "w1")
