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
