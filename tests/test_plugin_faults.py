"""What a third-party plugin's bugs may break: only its own part. A section, adapter, source, command,
story hook or migration that raises or returns the wrong type costs one clear line, never another
plugin's work, a stored article or a digest."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from test_plugins import installed

ARTICLE = """---
title: Ferry service to the islands resumes after the storm
source: Harbour News
url: https://harbour.example/ferry-resumes
---

The ferry service to the outer islands resumed on Thursday after three days of storms, the operator said.
"""


def faulty(tmp_path: Path, *faults: str) -> dict[str, str]:
    """The environment of an install with the faulty plugin (and the example one), these faults on."""
    return {
        **installed(tmp_path, faulty="wirewatch_faulty", extra="wirewatch_extra"),
        "WIREWATCH_FAULTY": ",".join(faults),
    }


def config(
    tmp_path: Path, channels: str = '[[channels]]\nplatform = "console"\nid = "desk"\n', feeds: str = ""
) -> Path:
    """A config reading one local article into the given channels."""
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    (folder / "ferry.txt").write_text(ARTICLE, encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(
        f'[storage]\npath = "{tmp_path / "c.db"}"\n'
        f'[[feeds]]\nname = "local"\nurl = "{folder}"\nbackfill = 5\n{feeds}{channels}',
        encoding="utf-8",
    )
    return path


def test_a_digest_section_that_raises_or_returns_text_costs_only_its_own_line(tmp_path: Path) -> None:
    env = faulty(tmp_path, "section")
    run = run_cli("run", "--once", "--config", str(config(tmp_path)), env=env, check=False)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "stored 1 new article; sent 1 digest message" in run.stderr
    assert "Ferry service to the islands resumes" in run.stdout  # the digest, with the other sections
    assert "carried by 1 outlet" in run.stdout  # the example plugin's line is still there
    errors = [line for line in run.stderr.splitlines() if "digest section" in line]
    assert len(errors) == 2 and "broken failed" in errors[0] and "ZeroDivisionError" in errors[0]
    assert "text returned" in errors[1]

