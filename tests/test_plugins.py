"""Plugins: entry points, misspelled hooks, isolation through pluggy, registration, settings, and a
third-party plugin package that adds a command, a kind of feed and a digest line end to end."""

from __future__ import annotations

import importlib
import json
import logging
import sqlite3
from collections.abc import Generator, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from conftest import run_cli, write_stream
from fake_platforms import FakeAPI, slack_default

from bot.app import Bot
from bot.config import ConfigError, parse_config
from bot.hookspecs import hookimpl
from bot.models import Article, Quote, StoryMatch
from bot.pipeline import Pipeline
from bot.plugins import PluginError, collect, describe, make_manager, plugin_names
from bot.storage import Store

THIRDPARTY = Path(__file__).resolve().parent / "thirdparty"


def installed(tmp_path: Path, **plugins: str) -> dict[str, str]:
    """An environment in which a distribution declares these entry points in the wirewatch group, as
    `pip install` of a plugin package would leave it."""
    dist = tmp_path / "site" / "wirewatch_test_plugins-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: wirewatch-test-plugins\nVersion: 0.1\n")
    lines = "".join(f"{name} = {module}\n" for name, module in plugins.items())
    (dist / "entry_points.txt").write_text(f"[wirewatch]\n{lines}")
    return {"PYTHONPATH": f"{tmp_path / 'site'}:{THIRDPARTY}"}


@pytest.fixture
def extra(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The third-party example plugin, importable as its package would be."""
    monkeypatch.syspath_prepend(str(THIRDPARTY))
    yield importlib.import_module("wirewatch_extra")


def test_builtin_plugins_come_from_entry_points() -> None:
    pm = make_manager()
    assert {"stories", "quotes"} <= set(plugin_names(pm))
    assert plugin_names(make_manager(load_entry_points=False)) == []  # only the core's default plugins
    listed = {name: (origin, hooks) for name, origin, hooks in describe(pm)}
    assert "entry point" in listed["stories"][0] and "wirewatch_match_story" in listed["stories"][1]
    assert "built in" in listed["default_commands"][0] and listed["default_commands"][1] == [
        "register_commands"
    ]


def test_misspelled_hook_fails_at_startup() -> None:
    class Typo:
        @hookimpl
        def wirewatch_extract_quote(self, article: Article) -> list[Quote]:
            return []

    with pytest.raises(PluginError, match="plugin Typo: 'wirewatch_extract_quote' is not a wirewatch hook"):
        make_manager(load_entry_points=False, extra=(Typo(),))


def test_a_misspelled_hook_in_an_installed_plugin_fails_check_config_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "c.db"}"\n')
    proc = run_cli("check-config", str(config), env=installed(tmp_path, typo="wirewatch_typo"), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "plugin typo: 'register_comands' is not a wirewatch hook (misspelled?)" in line
    assert "register_commands" in line  # the hooks there are, to spot the typo


def test_a_plugin_that_cannot_be_imported_fails_in_one_line(tmp_path: Path) -> None:
    proc = run_cli("plugins", env=installed(tmp_path, broken="wirewatch_not_there"), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert (
        "plugin broken (wirewatch_not_there) cannot be loaded: No module named 'wirewatch_not_there'" in line
    )


def test_each_bot_has_its_own_manager() -> None:
    class Extra:
        @hookimpl
        def wirewatch_article_stored(self, result: object, settings: object) -> None:
            return None

    one = make_manager(extra=(Extra(),))
    two = make_manager()
    assert len(one.get_plugins()) == len(two.get_plugins()) + 1


class Boom:
    """A plugin that always raises."""

    @hookimpl
    def wirewatch_extract_quotes(self, article: Article, known: object, settings: object) -> list[Quote]:
        raise RuntimeError("plugin bug")

    @hookimpl(tryfirst=True)
    def wirewatch_match_story(self, article: Article, known: object, settings: object) -> StoryMatch:
        raise RuntimeError("plugin bug")


class Recorder:
    """A plugin that records which articles it saw after they were stored."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def wirewatch_article_stored(self, result: object, settings: object) -> None:
        self.seen.append(result.article.id)  # type: ignore[attr-defined]


TEXT = "“We will build the bridge by spring, whatever it costs,” Mayor Ana Lopez said on Monday."


def test_a_raising_plugin_is_isolated(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    pm = make_manager(extra=(Boom(), recorder))
    pipeline = Pipeline(store, pm, {})
    with caplog.at_level(logging.ERROR):
        result = pipeline.ingest(Article(id="art-42", text=TEXT, title="Bridge"))
    assert store.count("articles") == 1  # the article is still stored
    assert recorder.seen == ["art-42"]  # and the later plugins still ran
    assert result.relation == "new" and result.story  # the built-in story plugin answered instead
    assert [q.speaker for q in result.quotes] == ["Ana Lopez"]  # the quotes plugin still ran
    messages = [r.getMessage() for r in caplog.records]
    assert any("art-42" in m and "Boom" in m and "wirewatch_extract_quotes" in m for m in messages)
    assert any("art-42" in m and "wirewatch_match_story" in m for m in messages)


class Wrapper:
    """A plugin that wraps the story hook, as pluggy's wrappers do."""

    def __init__(self) -> None:
        self.outcomes: list[object] = []

    @hookimpl(wrapper=True)
    def wirewatch_match_story(
        self, article: Article, known: object, settings: object
    ) -> Generator[None, StoryMatch | None, StoryMatch | None]:
        match = yield
        self.outcomes.append(match)
        return match


def test_hooks_are_called_through_pluggy_so_wrappers_and_tracing_work(store: Store) -> None:
    wrapper = Wrapper()
    pm = make_manager(extra=(Boom(), wrapper))
    traced: list[str] = []
    pm.trace.root.setwriter(traced.append)
    pm.enable_tracing()
    Pipeline(store, pm, {}).ingest(Article(id="art-7", text=TEXT, title="Bridge"))
    (match,) = wrapper.outcomes  # the wrapper saw the story plugin's answer, not Boom's error
    assert isinstance(match, StoryMatch) and match.relation == "new"
    trace = "".join(traced)
    assert "wirewatch_match_story" in trace and "wirewatch_extract_quotes" in trace


def test_a_registration_that_fails_is_one_line() -> None:
    from bot.commands import Command

    class Clash:
        @hookimpl
        def register_commands(self, register: object) -> None:
            register(Command("help", "help", lambda r, c: None))  # type: ignore[operator, arg-type, return-value]

    with pytest.raises(
        PluginError, match="plugin Clash failed in register_commands: command 'help' is registered twice"
    ):
        collect(make_manager(load_entry_points=False, extra=(Clash(),)))


@pytest.mark.parametrize(
    "plugins,key",
    [
        ({"stories": {"merge_min": "high"}}, "plugins.stories.merge_min"),
        ({"stories": {"related_mn": 0.4}}, "plugins.stories.related_mn"),
        ({"stories": {"candidates": 2.5}}, "plugins.stories.candidates"),
        ({"quotes": {"strict_numbers": "yes"}}, "plugins.quotes.strict_numbers"),
        ({"quotes": {"enabled": "no"}}, "plugins.quotes.enabled"),
        ({"storeis": {}}, "plugins.storeis"),
    ],
)
def test_plugin_settings_are_checked_against_what_the_plugin_declares(
    plugins: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"storage": {"path": "x.db"}, "plugins": plugins})
    assert err.value.key == key


def test_plugin_settings_have_their_defaults_and_a_plugin_can_be_disabled(tmp_path: Path) -> None:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "p.db")},
            "plugins": {"stories": {"merge_min": 0.95}, "quotes": {"enabled": False}},
        }
    )
    assert config.plugins["stories"]["merge_min"] == 0.95 and config.plugins["stories"]["candidates"] == 20
    assert config.disabled == ("quotes",)
    toml = tmp_path / "p.toml"
    toml.write_text(f'[storage]\npath = "{tmp_path / "p.db"}"\n[plugins.quotes]\nenabled = false\n')
    listed = run_cli("plugins", "--config", str(toml)).stdout
    assert "stories: plugins.stories" in listed and "quotes:" not in listed
    assert "disabled in the config: quotes" in listed
    bot = Bot(config, adapters={})
    try:
        assert "quotes" not in plugin_names(bot.pm) and "stories" in plugin_names(bot.pm)
        assert bot.pipeline.ingest(Article(id="a", text=TEXT, title="Bridge")).quotes == []
    finally:
        bot.close()


def test_check_config_names_a_wrongly_typed_plugin_setting(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "c.db"}"\n[plugins.stories]\nmerge_min = "high"\n')
    proc = run_cli("check-config", str(config), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "plugins.stories.merge_min: must be a number (like 0.9), got 'high'" in proc.stderr


def test_replay_honours_the_plugins_settings_of_a_config(tmp_path: Path) -> None:
    original = "The city council voted on Monday to close the old harbour bridge to lorries from June, citing cracks found by inspectors in the spring. Repairs will cost four million euros and take two years, the council said."
    stream = write_stream(
        tmp_path / "s.jsonl",
        [
            {"id": "a1", "source": "one", "title": "Harbour bridge closes to lorries", "text": original},
            {
                "id": "a2",
                "source": "two",
                "title": "Bridge shut to lorries",
                "text": original + " Drivers must use the ring road.",
            },
        ],
    )

    def relations(*extra: str) -> list[str]:
        proc = run_cli("replay", str(stream), "--json", *extra)
        return [json.loads(line)["relation"] for line in proc.stdout.splitlines()]

    assert relations() == ["new", "rewrite"]
    config = tmp_path / "c.toml"
    config.write_text(
        '[storage]\npath = "unused.db"\n[plugins.stories]\ncandidates = 0\n[plugins.quotes]\nenabled = false\n'
    )
    assert relations("--config", str(config)) != ["new", "rewrite"]  # nothing retrieved: nothing to tie to


def test_a_third_party_plugin_adds_a_command_a_source_kind_and_a_digest_line(tmp_path: Path) -> None:
    env = installed(tmp_path, extra="wirewatch_extra")
    notes = tmp_path / "notes.json"
    notes.write_text(
        json.dumps(
            [
                {
                    "id": "n1",
                    "source": "Desk",
                    "title": "Lighthouse keeper retires after 40 years",
                    "text": "The last keeper of the Punta Gris lighthouse retired on Friday after forty years, the port authority said. The light has been automatic since 2019.",
                },
                {
                    "id": "n2",
                    "source": "Desk",
                    "title": "Night trains return to the coast line",
                    "text": "Night trains will run on the coast line again from December, the rail operator said on Tuesday, after a pause of six years.",
                },
            ]
        )
    )
    slack = FakeAPI(slack_default)
    try:
        config = tmp_path / "c.toml"
        config.write_text(
            f'[storage]\npath = "{tmp_path / "c.db"}"\n[slack]\napi_url = "{slack.url}/api/"\n'
            "[plugins.extra]\nlimit = 5\n"
            f'[[feeds]]\nname = "notes"\nurl = "{notes}"\nkind = "notes"\nbackfill = 5\n'
            '[[channels]]\nplatform = "slack"\nid = "C1"\n'
        )
        check = run_cli("check-config", str(config), env=env)
        assert {"stories", "quotes", "extra"} <= set(check.stdout.split("plugins: ")[1].strip().split(", "))
        run = run_cli("run", "--config", str(config), "--once", env={**env, "SLACK_BOT_TOKEN": "xoxb-test"})
        assert "stored 2 new articles; sent 1 digest message" in run.stderr
        (post,) = slack.posts("chat.postMessage")
        contexts = [e["text"] for b in post["blocks"] if b["type"] == "context" for e in b["elements"]]
        assert contexts.count("carried by 1 outlet") == 2  # the plugin's line under each story
        asked = run_cli("ask", "outlets s-n1", "--config", str(config), "--channel", "C1", env=env)
        assert "s-n1 was carried by 1 outlets" in asked.stdout
        helped = run_cli("ask", "help", "--config", str(config), env=env)
        assert "/wirewatch outlets STORY" in helped.stdout
        listed = run_cli("plugins", env=env)
        assert "extra: wirewatch_extra (wirewatch-test-plugins 0.1, entry point)" in listed.stdout
        bad = run_cli("check-config", str(config), check=False)  # the plugin is not installed here
        assert bad.returncode == 1 and "feeds[0].kind: 'notes' is not a kind of feed" in bad.stderr
    finally:
        slack.close()
    with sqlite3.connect(tmp_path / "c.db") as db:  # the plugin's migration made its own table
        assert db.execute("select story from extra_asks").fetchall() == [("s-n1",)]


def test_the_example_plugin_in_process(extra: ModuleType, tmp_path: Path) -> None:
    registry = collect(make_manager(load_entry_points=False, extra=(extra,)))
    assert "outlets" in registry.commands and "notes" in registry.sources
    assert [s.name for s in registry.sections][-1] == "carried"  # after the built-in lines
    with pytest.raises(ConfigError) as err:
        parse_config(
            {"storage": {"path": "x.db"}, "plugins": {"extra": {"limit": "many"}}}, registry=registry
        )
    assert err.value.key == "plugins.extra.limit"
