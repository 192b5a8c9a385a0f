"""`wirewatch replay`: the evaluation contract, end to end through the real command."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import run_replay, write_stream

ORIGINAL = (
    "Harbour workers in Porto Vell began a 48-hour strike on Tuesday over pay and night shifts, halting "
    "container traffic at the country's second-largest port.\n\n"
    "“We are not asking for luxury, we are asking to see our children before midnight,” said Marta Solis, "
    "who leads the dockers' union.\n\n"
    "The port authority said 30 ships were waiting offshore and that perishable cargo would be diverted."
)
REWRITE = (
    "Dock workers in Porto Vell started a 48-hour strike on Tuesday over wages and night shifts, stopping "
    "container traffic at the nation's second-biggest port.\n\n"
    "“We are not asking for luxury, we are asking to see our children before midnight,” Solis said.\n\n"
    "The port authority said 30 ships were waiting offshore and perishable cargo would be diverted.\n\n"
    "Transport minister Leon Varga said he would meet the union on Thursday. “The door is open,” Varga said "
    "in a radio interview, “but the port cannot stay closed for a week.”"
)


def test_replay_json_follows_the_contract(tmp_path: Path) -> None:
    stream = write_stream(
        tmp_path / "s.jsonl",
        [
            {"id": "a1", "title": "Porto Vell dockers strike", "text": ORIGINAL, "source": "Wire"},
            {
                "id": "a2",
                "title": "Dockers strike in Porto Vell",
                "text": REWRITE,
                "source": "Daily",
                "url": None,
            },
            {"id": "a3", "text": "Council approves budget for new library in the old town, opening in 2028."},
        ],
    )
    proc = run_replay(stream, "--json")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]  # one line per article, in order, nothing else
    texts = {"a1": ORIGINAL, "a2": REWRITE}
    for row in rows:
        assert set(row) == {"id", "relation", "story", "of", "score", "quotes"}
        assert row["relation"] in ("new", "rewrite", "related")
        assert 0.0 <= row["score"] <= 1.0
        for q in row["quotes"]:
            assert set(q) == {
                "speaker",
                "text",
                "start",
                "end",
                "cue",
                "direct",
                "new",
                "mention",
                "resolved",
            }
            assert texts[row["id"]][q["start"] : q["end"]] == q["text"]
    a1, a2, a3 = rows
    assert (a1["relation"], a1["of"]) == ("new", None)
    assert (a2["relation"], a2["of"], a2["story"]) == ("rewrite", "a1", a1["story"])
    assert a3["relation"] == "new" and a3["story"] != a1["story"]
    solis = [q for q in a2["quotes"] if q["speaker"] == "Marta Solis"]
    assert solis and not any(q["new"] for q in solis)  # seen in a1 already
    assert any(q["speaker"] == "Leon Varga" and q["new"] for q in a2["quotes"])
    assert "replayed 3 articles" in proc.stderr


def test_replay_table_and_bad_lines(tmp_path: Path) -> None:
    stream = tmp_path / "s.jsonl"
    stream.write_text(
        json.dumps({"id": "ok", "text": ORIGINAL})
        + "\n{not json}\n"
        + json.dumps({"id": "ok2", "text": 5})
        + "\n"
    )
    proc = run_replay(stream)
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith("ok ")
    assert "line 2 skipped" in proc.stderr and "line 3 skipped" in proc.stderr


def test_replay_keeps_its_store_when_asked(tmp_path: Path) -> None:
    stream = write_stream(tmp_path / "s.jsonl", [{"id": "a1", "text": ORIGINAL}])
    db = tmp_path / "kept.db"
    run_replay(stream, "--json", "--db", str(db))
    again = run_replay(stream, "--json", "--db", str(db))
    assert json.loads(again.stdout)["relation"] == "new"  # a known item reports its stored result
    import sqlite_utils

    assert sqlite_utils.Database(db)["articles"].count == 1


def replay_process(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "replay", "--json", "--workers", "1", *args],
        input=stdin,
        capture_output=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_bad_lines_each_get_a_line_and_cost_no_other(tmp_path: Path) -> None:
    lines = [
        b'{"id": "a", "text": "The mayor said the bridge would reopen.", "published": 5}',  # 1: no time
        b'{"id": "b", "text": "The council said the budget was approved.", "url": 42}',  # 2
        b'{"id": "c", "text": "The minister said talks would resume.", "guid": ["a"]}',  # 3
        b'{"id": "d", "text": "Le caf\xe9 a rouvert, a dit le maire."}',  # 4: a Latin-1 byte
        b'{"id": "e", "title": "no text here"}',  # 5: unusable
        b'{"id": "f", "text": {"body": "x"}}',  # 6: unusable
        b'["not", "a", "record"]',  # 7: unusable
        b'{"id": 17, "text": "The coach said the team was ready.", "title": 2026}',  # 8: numbers read as digits
        b'{"id": ["g"], "text": "The judge said the trial would go on."}',  # 9: named by its line
        b'{"id": "h", "text": "The port said ships were waiting.", "author": true}',  # 10
    ]
    stream = tmp_path / "s.jsonl"
    stream.write_bytes(b"\n".join(lines) + b"\n")
    proc = replay_process([str(stream)])
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    assert "Traceback" not in err
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d", "17", "s-9", "h"]
    for n, field in [(1, "published"), (2, "url"), (3, "guid"), (4, "UTF-8"), (5, "text"), (6, "text")]:
        assert sum(f"line {n} " in line and field in line for line in err.splitlines()) == 1, (n, err)
    for n, field in [(7, "JSON object"), (9, "id"), (10, "author")]:
        assert sum(f"line {n} " in line and field in line for line in err.splitlines()) == 1, (n, err)
    assert not any("line 8 " in line for line in err.splitlines())  # numbers are fine where text is asked
    assert "replayed 7 articles" in err


def test_replay_reads_a_pipe(tmp_path: Path) -> None:
    stream = write_stream(
        tmp_path / "s.jsonl",
        [{"id": "p1", "text": ORIGINAL}, {"id": "p2", "text": REWRITE}],
    )
    from_file = replay_process([str(stream)])
    for args in (["/dev/stdin"], ["-"]):
        proc = replay_process(args, stdin=stream.read_bytes())
        assert proc.returncode == 0, proc.stderr
        assert "replayed 2 articles" in proc.stderr.decode()
        assert proc.stdout == from_file.stdout  # the same output as from the file, byte for byte


def test_publication_times_as_rss_writes_them_order_the_story(tmp_path: Path) -> None:
    """An RFC 2822 time is read as the time it is (stored as text it sorted after every ISO time, and the
    earlier wire copy became a "rewrite" of the later paper); a time that is none is left out, said once."""
    stream = write_stream(
        tmp_path / "s.jsonl",
        [
            {"id": "paper", "title": "Port strike", "text": REWRITE, "published": "2026-11-03T10:00:00Z"},
            {
                "id": "wire",
                "title": "Port strike",
                "text": ORIGINAL,
                "published": "Tue, 03 Nov 2026 08:00:00 GMT",
            },
            {
                "id": "odd",
                "title": "Port",
                "text": "The harbour master said the quay was closed.",
                "published": "soon",
            },
        ],
    )
    db = tmp_path / "s.db"
    proc = run_replay(stream, "--json", "--db", str(db))
    rows = {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert rows["wire"]["story"] == rows["paper"]["story"]
    assert rows["wire"]["relation"] != "rewrite"  # the earlier text derives from nothing later
    lines = [line for line in proc.stderr.splitlines() if "'soon' is not a date" in line]
    assert len(lines) == 1 and "line 3" in lines[0], proc.stderr
    stored = dict(sqlite3.connect(db).execute("select id, published from articles"))
    assert stored == {"paper": "2026-11-03T10:00:00Z", "wire": "2026-11-03T08:00:00Z", "odd": None}


def test_a_line_that_is_not_json_says_where_in_the_line(tmp_path: Path) -> None:
    stream = tmp_path / "s.jsonl"
    stream.write_text(
        '{"id": "a", "text": "The mayor said the bridge would reopen."}\n{"id": "b", text: "x"}\n'
    )
    proc = replay_process([str(stream)])
    (line,) = [line for line in proc.stderr.decode().splitlines() if "line 2" in line]
    assert "not JSON" in line and "character 13 of the line" in line and "line 2 column" not in line, line


def test_a_statement_said_again_in_the_same_article_is_new_once(tmp_path: Path) -> None:
    text = (
        "The minister Karin Dahl said the budget would be cut by ten percent.\n\n"
        "Unions protested outside the ministry on Monday afternoon.\n\n"
        "Later, Dahl said the budget would be cut by ten percent.\n\n"
        "Dahl said schools would be spared from the cuts this year."
    )
    stream = write_stream(tmp_path / "s.jsonl", [{"id": "r1", "title": "Budget", "text": text}])
    (row,) = map(json.loads, run_replay(stream, "--json").stdout.splitlines())
    said = [(q["text"], q["new"]) for q in row["quotes"]]
    assert said == [
        ("the budget would be cut by ten percent", True),
        ("the budget would be cut by ten percent", False),
        ("schools would be spared from the cuts this year", True),
    ]
