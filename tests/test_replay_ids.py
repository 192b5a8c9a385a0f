"""`wirewatch replay --json`: one output line per input article, under the input's own id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import write_stream
from fixtures.stories import QUAKE_ONE, QUAKE_TWO, WIRE


def test_an_article_stored_under_another_id_is_reported_under_its_own(tmp_path: Path) -> None:
    # the second item reuses the first one's GUID and URL for another story: the store keeps it under
    # an id of its own, the output line still carries the input's id
    stream = write_stream(
        tmp_path / "s.jsonl",
        [
            {"id": "a", "text": QUAKE_ONE, "guid": "feed-item-1", "url": "https://news.example/item"},
            {"id": "b", "text": QUAKE_TWO, "guid": "feed-item-1", "url": "https://news.example/item"},
            {"id": "a", "text": WIRE},  # the same id reused too
        ],
    )
    db = tmp_path / "replay.db"
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "replay", "--json", "--db", str(db), str(stream)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "a"]
    assert [line["relation"] for line in lines] == ["new", "new", "new"]
    assert len({line["story"] for line in lines}) == 3
    from bot.storage import Store

    store = Store(db)
    stored = [r["id"] for r in store.db.query("select id from articles order by rowid")]
    store.close()
    assert stored[0] == "a" and stored[1].startswith("b~") and stored[2].startswith("a~")
    # and said once each, with the id it is stored under
    said = [line for line in out.stderr.splitlines() if "names another stored text" in line]
    assert [line.split("stored as ")[1] for line in said] == stored[1:], out.stderr
