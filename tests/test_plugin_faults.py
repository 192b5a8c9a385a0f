"""What a third-party plugin's bugs may break: only its own part. A section, adapter, source, command,
story hook or migration that raises or returns the wrong type costs one clear line, never another
plugin's work, a stored article or a digest."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

import discord
import pytest
from conftest import run_cli, write_stream
from test_plugins import THIRDPARTY, installed

from bot.adapters.discord_commands import build_tree
from bot.adapters.limits import Limits
from bot.app import Bot
from bot.commands import Command, Context, Param, Request, builtin_commands
from bot.config import Channel, parse_config
from bot.delivery import deliver, queue_digest
from bot.hookspecs import hookimpl
from bot.messages import Message
from bot.metrics import Metrics
from bot.models import Article
from bot.pipeline import Pipeline
from bot.plugins import PluginError, collect, make_manager
from bot.registry import Platform
from bot.storage import Store

ARTICLE = """---
title: Ferry service to the islands resumes after the storm
source: Harbour News
url: https://harbour.example/ferry-resumes
---

The ferry service to the outer islands resumed on Thursday after three days of storms, the operator said.
"""


def faulty(tmp_path: Path, *faults: str) -> dict[str, str]:
    """The environment of an install with the faulty plugin (and the example one), these faults on."""
    site = tmp_path / "site"
    plugins = {"faulty": "wirewatch_faulty", "extra": "wirewatch_extra"}
    env = {"PYTHONPATH": f"{site}:{THIRDPARTY}"} if site.exists() else installed(tmp_path, **plugins)
    return {**env, "WIREWATCH_FAULTY": ",".join(faults)}


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


def outbox(db: Path) -> list[tuple[str, str, str | None]]:
    """Each outbox part's platform, status and last error, in order."""
    with sqlite3.connect(db) as conn:
        return conn.execute("select platform, status, last_error from outbox order by id").fetchall()


def test_an_adapter_that_raises_fails_its_own_part_and_every_other_channel_still_gets_its_digest(
    tmp_path: Path,
) -> None:
    env = faulty(tmp_path)
    channels = "".join(
        f'[[channels]]\nplatform = "{platform}"\nid = "{platform}-1"\n'
        for platform in ("crasher", "printer", "console")
    )
    path = config(tmp_path, channels)
    run = run_cli("run", "--once", "--config", str(path), env=env, check=False)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "sent 1 digest message" in run.stderr and "#console-1" in run.stdout
    (crashed, printed, console) = outbox(tmp_path / "c.db")
    assert crashed[1] == "failed" and crashed[2] == "crasher adapter failed: RuntimeError: adapter bug"
    assert printed[1] == "failed" and "TypeError" in str(printed[2])  # send(channel, message) only
    assert console[1] == "sent"
    listed = run_cli("outbox", "--config", str(path), env=env).stdout
    assert "crasher adapter failed: RuntimeError: adapter bug" in listed
    again = run_cli("run", "--once", "--config", str(path), env=env, check=False)
    assert "sent 0 digest messages" in again.stderr and "#console-1" not in again.stdout  # not twice


class NoLookup:
    """An adapter with a send and no find: it cannot tell whether a part in doubt was posted."""

    platform = "console"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, channel_id: str, message: Message, key: str | None = None) -> str | None:
        self.sent.append(channel_id)
        return None


def test_a_part_in_doubt_on_an_adapter_without_a_lookup_is_sent_instead_of_stopping_delivery(
    store: Store,
) -> None:
    Pipeline(store, make_manager(load_entry_points=False), {}).ingest(
        Article(id="a1", title="Ferry resumes", text="The ferry resumed on Thursday, the operator said.")
    )
    queue_digest(store, Channel("console", "desk"))
    store.db.execute("update outbox set in_doubt = 1, attempts = 1")  # a run killed mid-send
    store.db.conn.commit()
    adapter = NoLookup()
    assert deliver(store, {"console": Metrics().timed(adapter)}) == 1
    assert adapter.sent == ["desk"]


def test_a_source_kind_that_returns_a_list_is_that_feeds_failure_and_the_cycle_goes_on(
    tmp_path: Path,
) -> None:
    env = faulty(tmp_path)
    listed = f'[[feeds]]\nname = "listed"\nurl = "{tmp_path}"\nkind = "listed"\n'
    path = config(tmp_path, feeds=listed)
    run = run_cli("run", "--once", "--config", str(path), env=env, check=False)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "stored 1 new article; sent 1 digest message" in run.stderr
    assert "feed listed: kind 'listed' returned a list, not a Fetched" in run.stderr
    feeds = run_cli("feeds", "--config", str(path), env=env).stdout
    assert "last error: kind 'listed' returned a list, not a Fetched" in feeds


def test_a_story_hook_that_returns_a_string_is_ignored_and_the_next_plugin_answers(tmp_path: Path) -> None:
    text = (
        "The ferry service to the outer islands resumed on Thursday after three days of storms that "
        "closed the harbour at Porto Lenz, the operator Island Lines said. Crossings will run every two "
        "hours until Sunday, when the winter timetable of six sailings a day starts, and the 340 "
        "passengers stranded on Vela will be carried first, a spokeswoman for the operator said."
    )
    stream = write_stream(
        tmp_path / "s.jsonl",
        [
            {"id": "f1", "source": "one", "title": "Ferry service resumes", "text": text},
            {
                "id": "f2",
                "source": "two",
                "title": "Ferries run again",
                "text": text + " Fares are unchanged.",
            },
        ],
    )
    replay = run_cli(
        "replay", "--json", "--workers", "1", str(stream), env=faulty(tmp_path, "match"), check=False
    )
    assert replay.returncode == 0 and "Traceback" not in replay.stderr, replay.stderr
    assert [json.loads(line)["relation"] for line in replay.stdout.splitlines()] == ["new", "rewrite"]
    errors = [line for line in replay.stderr.splitlines() if "returned a value of type str" in line]
    assert (
        len(errors) == 2
        and "plugin faulty returned a value of type str from wirewatch_match_story on article f1" in errors[0]
    )


def test_a_command_whose_handler_breaks_gets_one_line_and_the_other_commands_work(tmp_path: Path) -> None:
    env = faulty(tmp_path)
    path = config(tmp_path)
    for line, why in (("crash", "KeyError: 'no such thing'"), ("wrong", "answered with a str")):
        asked = run_cli("ask", line, "--config", str(path), env=env, check=False)
        assert asked.returncode == 2 and "Traceback" not in asked.stderr, asked.stderr
        assert asked.stdout.strip() == f"{line} failed; the bot's log says why"
        assert why in asked.stderr
    assert "stories" in run_cli("ask", "help", "--config", str(path), env=env).stdout  # the others work


def test_two_installed_plugins_of_one_name_fail_in_one_line_instead_of_one_vanishing(tmp_path: Path) -> None:
    env = installed(tmp_path, extra="wirewatch_extra")
    other = tmp_path / "site" / "wirewatch_other-2.0.dist-info"  # another package, the same plugin name
    other.mkdir()
    (other / "METADATA").write_text("Metadata-Version: 2.1\nName: wirewatch-other\nVersion: 2.0\n")
    (other / "entry_points.txt").write_text("[wirewatch]\nextra = wirewatch_faulty\n")
    proc = run_cli("plugins", env=env, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "two plugins are named extra: " in line and "uninstall or rename one" in line
    assert "wirewatch_extra" in line and "wirewatch_faulty (wirewatch-other 2.0)" in line


def test_a_migration_that_fails_halfway_is_one_line_and_leaves_nothing_half_made(tmp_path: Path) -> None:
    path = config(tmp_path)
    stream = write_stream(tmp_path / "s.jsonl", [{"id": "r1", "title": "Ferry", "text": "The ferry runs."}])
    for args in (
        ("run", "--once", "--config", str(path)),
        ("replay", "--db", str(tmp_path / "r.db"), str(stream)),
    ):
        proc = run_cli(*args, env=faulty(tmp_path, "migration"), check=False)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert line == (
            "Error: migration faulty_001_half failed and was rolled back: RuntimeError: migration bug"
        )
    with sqlite3.connect(tmp_path / "c.db") as db:
        tables = {name for (name,) in db.execute("select name from sqlite_master")}
        done = {name for (name,) in db.execute("select name from _migrations")}
    assert "faulty_first" not in tables and "faulty_001_half" not in done
    mended = run_cli("run", "--once", "--config", str(path), env=faulty(tmp_path), check=False)
    assert "stored 1 new article" in mended.stderr, mended.stderr


def test_a_migration_named_like_another_plugins_is_refused_instead_of_skipped(tmp_path: Path) -> None:
    proc = run_cli("check-config", str(config(tmp_path)), env=faulty(tmp_path, "same-migration"), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "failed in register_migrations: migration 'm_extra_asks' is registered twice" in line


def test_a_platform_whose_adapter_factory_raises_leaves_its_parts_pending_and_the_rest_runs(
    tmp_path: Path,
) -> None:
    env = faulty(tmp_path, "pager")
    channels = (
        '[[channels]]\nplatform = "pager"\nid = "pg"\n[[channels]]\nplatform = "console"\nid = "desk"\n'
    )
    path = config(tmp_path, channels)
    check = run_cli("check-config", str(path), env=env, check=False)
    assert check.returncode == 0 and "Traceback" not in check.stderr, check.stderr
    assert (
        "channel pager:pg: digest" in check.stdout
        and "adapter cannot be made (KeyError: 'PAGER_TOKEN')" in check.stdout
    )
    run = run_cli("run", "--once", "--config", str(path), env=env, check=False)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "sent 1 digest message" in run.stderr and "#desk" in run.stdout
    assert "platform pager: its adapter cannot be made (KeyError: 'PAGER_TOKEN')" in run.stderr
    assert [(platform, status) for platform, status, _ in outbox(tmp_path / "c.db")] == [
        ("pager", "pending"),
        ("console", "sent"),
    ]


def said(request: Request, ctx: Context) -> Message:
    """A handler for the commands below."""
    return Message((), "said")


@pytest.mark.parametrize(
    "command,problem",
    [
        (Command("Shout", "Shout", said), "'Shout' ('Shout'): names are 1-32 lower-case"),  # never matched
        (Command("x" * 33, "x", said), "names are 1-32 lower-case"),
        (Command("say", "say", said, params=(Param("two words"),)), "parameter 'two words'"),
        (Command("feed add", "feed add", said), "its platform name 'feed-add' is 'feeds add''s"),
    ],
)
def test_a_command_no_one_could_type_or_discord_could_carry_is_a_registration_error(
    command: Command, problem: str
) -> None:
    class Odd:
        @hookimpl
        def register_commands(self, register: Callable[[Command], None]) -> None:
            register(command)

    with pytest.raises(PluginError, match="plugin Odd failed in register_commands: ") as err:
        collect(make_manager(load_entry_points=False, extra=(Odd(),)))
    assert problem in str(err.value)


def test_commands_beyond_discords_25_are_left_off_its_tree_not_the_whole_tree(
    caplog: pytest.LogCaptureFixture,
) -> None:
    commands = [*builtin_commands().values(), *(Command(f"extra{i}", f"extra{i}", said) for i in range(12))]
    with caplog.at_level(logging.WARNING):
        tree = build_tree(
            discord.Client(intents=discord.Intents.none()), lambda *a: (Message(), True), commands=commands
        )
    group = tree.get_command("wirewatch")
    assert isinstance(group, discord.app_commands.Group) and len(group.commands) == 25
    assert [c.name for c in group.commands][-1] == f"extra{25 - len(builtin_commands()) - 1}"
    assert any("/wirewatch extra11 is not offered on Discord" in r.getMessage() for r in caplog.records)


def test_a_platform_whose_settings_parse_raises_fails_check_config_in_one_line(tmp_path: Path) -> None:
    proc = run_cli("check-config", str(config(tmp_path)), env=faulty(tmp_path, "parse"), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(
        "Error: config error: strict: the strict platform cannot read its table (TypeError: "
    )


class DeafPlatform:
    """A plugin platform whose inbound start has a bug; the console still gets its digests."""

    @hookimpl
    def register_platforms(self, register: Callable[[Platform], None]) -> None:
        def serve(table: object, env: Mapping[str, str], answer: object, commands: object) -> bool:
            return bool(env["DEAF_TOKEN"])

        register(Platform("deaf", Limits(100, 100, 10_000, 1_000), lambda s, env: None, serve=serve))


def test_a_platform_whose_inbound_start_raises_is_left_out_and_the_bot_runs_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pm = make_manager(load_entry_points=False, extra=(DeafPlatform(),))
    registry = collect(pm)
    raw = {"storage": {"path": str(tmp_path / "b.db")}, "channels": [{"platform": "console", "id": "desk"}]}
    bot = Bot(parse_config(raw, registry=registry), env={}, pm=pm, adapters={})
    try:
        with caplog.at_level(logging.ERROR):
            assert bot.serve_chat() == []
        assert (
            "platform deaf does not answer commands: its start failed (KeyError: 'DEAF_TOKEN')" in caplog.text
        )
    finally:
        bot.close()


def test_replay_takes_the_plugins_settings_from_a_config_that_names_no_store(tmp_path: Path) -> None:
    text = "“We will reopen the harbour on Monday,” the port director Lena Vos said."
    stream = write_stream(tmp_path / "s.jsonl", [{"id": "q1", "title": "Harbour", "text": text}])
    plugins_only = tmp_path / "plugins.toml"
    plugins_only.write_text("[plugins.quotes]\nenabled = false\n", encoding="utf-8")
    proc = run_cli("replay", "--json", "--config", str(plugins_only), str(stream), check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["quotes"] == []  # the config's settings, without a [storage] table
    assert json.loads(run_cli("replay", "--json", str(stream)).stdout)["quotes"]  # the defaults find it
    plugins_only.write_text(
        '[storage]\nwindow = "1h"\n\n[plugins.quotes]\nenabled = false\n', encoding="utf-8"
    )
    proc = run_cli("replay", "--json", "--config", str(plugins_only), str(stream), check=False)
    assert proc.returncode == 0, proc.stderr  # a [storage] table without a store is fine too
    assert json.loads(proc.stdout)["quotes"] == []


@pytest.mark.parametrize("workers", ["1", "3"])
def test_a_plugin_that_prints_leaves_replays_stdout_one_json_line_per_article(
    tmp_path: Path, workers: str
) -> None:
    articles = [
        {"id": f"p{i}", "title": f"Harbour works, part {i}", "text": f"Crane {i} was moved."}
        for i in range(20)
    ]
    stream = write_stream(tmp_path / "s.jsonl", articles)
    proc = run_cli("replay", "--json", "--workers", workers, str(stream), env=faulty(tmp_path, "print"))
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == [a["id"] for a in articles]
    assert "faulty: loaded" in proc.stderr and "faulty: matching p19" in proc.stderr
    assert "faulty: preparing p19" in proc.stderr  # a worker's print too


def test_switching_off_a_misspelled_plugin_is_a_config_error_not_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "c.db"}"\n[plugins.quote]\nenabled = false\n')
    proc = run_cli("check-config", str(path), check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "plugins.quote: no plugin of that name is installed (installed: " in line and "quotes" in line
    path.write_text(path.read_text().replace("plugins.quote]", "plugins.quotes]"))
    assert "(disabled: quotes)" in run_cli("check-config", str(path)).stdout


class NumberQuotes:
    """A quotes hook that answers a number, and one whose list holds strings among its Quotes."""

    @hookimpl
    def wirewatch_extract_quotes(self, article: Article, known: object, settings: object) -> object:
        return 42 if article.id == "n1" else ["not a quote"]


def test_a_quotes_hook_of_the_wrong_type_costs_only_its_own_quotes(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = Pipeline(store, make_manager(extra=(NumberQuotes(),)), {})
    texts = {
        "n1": "“We will reopen the harbour on Monday,” the port director Lena Vos said.",
        "n2": "“The new cranes arrive in May,” the port director Lena Vos said on Friday in Porto Lenz.",
    }
    with caplog.at_level(logging.ERROR):
        results = [pipeline.ingest(Article(id=i, title="Harbour", text=t)) for i, t in texts.items()]
    assert store.count("articles") == 2  # both stored
    assert [[q.speaker for q in r.quotes] for r in results] == [
        ["Lena Vos"],
        ["Lena Vos"],
    ]  # the quotes plugin's
    assert (
        "plugin NumberQuotes returned a value of type int from wirewatch_extract_quotes on article n1"
        in caplog.text
    )
    assert "returned items that are not Quotes from wirewatch_extract_quotes on article n2" in caplog.text


def test_a_kind_or_platform_of_a_switched_off_plugin_says_the_plugin_is_off(tmp_path: Path) -> None:
    env = faulty(tmp_path)
    path = config(
        tmp_path, '[[channels]]\nplatform = "crasher"\nid = "c"\n[plugins.faulty]\nenabled = false\n'
    )
    proc = run_cli("check-config", str(path), env=env, check=False)
    assert proc.returncode == 1
    assert "channels[0].platform: 'crasher' is not one of" in proc.stderr
    assert "(switched off in this config: faulty)" in proc.stderr


def test_a_setting_whose_default_could_not_be_written_back_is_a_registration_error() -> None:
    class Offset:
        @hookimpl
        def register_settings(self, register: Callable[..., None]) -> None:
            register("offset", {"shift": -2})  # the operator could not write -2 in [plugins.offset]

    with pytest.raises(
        PluginError, match=r"the default of shift, -2, is outside 0\.\.1e\+09 \(give it limits\)"
    ):
        collect(make_manager(load_entry_points=False, extra=(Offset(),)))

    class Limited:
        @hookimpl
        def register_settings(self, register: Callable[..., None]) -> None:
            register("limited", {"shift": -2}, limits={"shift": (-10, 10)})

    registry = collect(make_manager(load_entry_points=False, extra=(Limited(),)))
    raw = {"storage": {"path": "x.db"}, "plugins": {"limited": {"shift": -2}}}
    assert parse_config(raw, registry=registry).plugins["limited"] == {"shift": -2}


def test_a_source_kind_whose_fetch_raises_is_one_line_naming_the_feed(tmp_path: Path) -> None:
    listed = f'[[feeds]]\nname = "raising"\nurl = "{tmp_path}"\nkind = "raising"\n'
    run = run_cli(
        "run", "--once", "--config", str(config(tmp_path, feeds=listed)), env=faulty(tmp_path), check=False
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    (line,) = [line for line in run.stderr.splitlines() if "raising" in line]
    assert "feed raising: unexpected OSError: fetch bug (failure 1; next try in" in line
    assert "stored 1 new article; sent 1 digest message" in run.stderr
