"""The plugin documentation stays in step with the hookspecs, and its examples run."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

import pytest
from conftest import ROOT

from bot import hookspecs
from bot.app import Bot
from bot.commands import answer
from bot.config import parse_config
from bot.models import Article
from bot.plugins import collect, hook_names, make_manager

DOCS = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def module(source: str, name: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    exec(compile(source, name, "exec"), mod.__dict__)
    return mod


def test_every_hook_is_documented_with_its_signature_and_docstring() -> None:
    names = hook_names()
    assert {"register_commands", "register_sources", "register_platforms"} <= set(names)
    for name in names:
        spec = getattr(hookspecs, name)
        params = ", ".join(inspect.signature(spec).parameters)
        assert f"## {name}({params})" in DOCS, f"{name}({params}) is not documented in docs/hooks.md"
        doc = (spec.__doc__ or "").strip()
        assert doc and "\n" not in doc, f"{name} needs a one-line docstring"
        section = DOCS.split(f"## {name}(")[1].split("\n## ")[0]
        said = " ".join(section.replace("`", "").split())
        assert doc.replace("`", "").rstrip(".") in said, f"the docs of {name} do not say its docstring"
    documented = set(re.findall(r"^## (\w+)\(", DOCS, re.M))
    assert documented == set(names), "docs/hooks.md documents hooks that do not exist"


@pytest.mark.parametrize("n", range(len(python_blocks(DOCS))))
def test_each_example_in_the_hook_docs_registers_cleanly(n: int) -> None:
    example = module(python_blocks(DOCS)[n], f"docs_example_{n}")
    registry = collect(make_manager(load_entry_points=False, extra=(example,)))
    assert registry.commands  # and nothing raised: the hook names and registrations are right


def test_the_readme_plugin_is_complete_in_under_30_lines(tmp_path: Path) -> None:
    (source,) = [b for b in python_blocks(README) if "@hookimpl" in b]
    assert len(source.strip().splitlines()) < 30
    plugin = module(source, "wirewatch_outlets")
    pm = make_manager(extra=(plugin,))
    config = parse_config(
        {"storage": {"path": str(tmp_path / "r.db")}, "channels": [{"platform": "console", "id": "desk"}]},
        registry=collect(pm),
    )
    bot = Bot(config, pm=pm, adapters={})
    try:
        bot.pipeline.ingest(
            Article(id="a1", title="Ferry aground", source="Wire", text="A ferry ran aground.")
        )
        reply, ok = answer("outlets s-a1", bot.context("console"))
        assert ok and "s-a1 was carried by 1 outlets" in reply.as_text()
        bot.queue_digest(config.channels[0])
        (payload,) = [r["payload"] for r in bot.store.db.query("select payload from outbox")]
        assert '"1 outlets"' in payload  # the digest line under the story
    finally:
        bot.close()
