"""Every bad input gets one clear line, never a traceback or a hang: configs, stores, commands, requests."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_platforms import FakeAPI, slack_default
from slack_bolt.request import BoltRequest
from test_commands import SECRET, signed, slash

from bot.adapters.slack_commands import build_app
from bot.cli import cli
from bot.commands import Context, answer
from bot.storage import Store

GOOD = '[storage]\npath = "{db}"\n\n[[feeds]]\nname = "w"\nurl = "{feed}"\n{feed_extra}\n[[channels]]\nplatform = "console"\nid = "desk"\n{extra}'


def write(tmp_path: Path, extra: str = "", feed_extra: str = "", db: str | None = None) -> Path:
    feed = tmp_path / "feed"
    feed.mkdir(exist_ok=True)
    path = tmp_path / "c.toml"
    text = GOOD.format(db=db or tmp_path / "s.db", feed=feed, feed_extra=feed_extra, extra=extra)
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


BAD_CONFIGS = [
    ("", '[storage]\nwindow = "99999999999999d"\n', "storage.window"),
    ("", "[http]\ntimeout = nan\n", "http.timeout"),
    ("", "[http]\ntimeout = inf\n", "http.timeout"),
    ("", "[http]\nhost_interval = inf\n", "http.host_interval"),
    ("", "[http]\nhost_interval = 1e300\n", "http.host_interval"),
    ("", "[plugins.stories]\nthreshold = -0.5\n", "plugins.stories.threshold"),
    ("", "[plugins.stories]\nthreshold = nan\n", "plugins.stories.threshold"),
    ('every = "9999999999999w"', "", "every"),
    ("backfill = 100000000000", "", "backfill"),
]


@pytest.mark.parametrize(("feed_extra", "extra", "key"), BAD_CONFIGS)
def test_bad_numbers_in_a_config(tmp_path: Path, feed_extra: str, extra: str, key: str) -> None:
    path = write(tmp_path, extra=extra.replace("[storage]\n", ""), feed_extra=feed_extra)
    if extra.startswith("[storage]"):  # a second [storage] table is not TOML: set window in the first
        text = path.read_text(encoding="utf-8").replace(
            "[storage]\n", "[storage]\n" + extra.split("\n", 1)[1], 1
        )
        path.write_text(text, encoding="utf-8")
    assert key in one_line_error("check-config", str(path))


def test_config_files_that_cannot_be_read(tmp_path: Path) -> None:
    path = write(tmp_path)
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9 in Latin-1\n")
    assert "not UTF-8" in one_line_error("check-config", str(path))
    assert "is a directory" in one_line_error("check-config", str(tmp_path))
    feed = 'url = "http://' + "a" * 190 + '.example/rss"'
    bad = write(tmp_path).read_text(encoding="utf-8").replace(f'url = "{tmp_path / "feed"}"', feed)
    path.write_text(bad, encoding="utf-8")
    assert "feeds[0].url" in one_line_error("check-config", str(path))


def test_stores_that_cannot_be_opened(tmp_path: Path) -> None:
    folder = tmp_path / "store-dir"
    folder.mkdir()
    for command in (["run", "--once"], ["feeds"], ["outbox"]):
        line = one_line_error(*command, "--config", str(write(tmp_path, db=str(folder))))
        assert "is a directory" in line, command
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an SQLite file, only some text that happens to be here" * 50)
    line = one_line_error("run", "--once", "--config", str(write(tmp_path, db=str(junk))))
    assert "not a wirewatch database" in line
    assert "not a wirewatch database" in one_line_error("replay", "--db", str(junk), str(write(tmp_path)))


def test_bad_command_arguments_get_a_usage_line(tmp_path: Path) -> None:
    store = Store(tmp_path / "cmd.db")
    try:
        ctx = Context(store, frozenset({"UADMIN"}), resolve=lambda host: ["93.184.215.14"])
        for line in [
            "stories --since 99999999999999d",
            "quotes --since 999999999999w",
            "feeds add http://[::1",
            "feeds add http://h:abc/",
            "feeds add https://news.example/rss --every 99999999999999d",
            "story \x00",
        ]:
            reply, ok = answer(line, ctx, user="UADMIN")
            assert not ok and len(reply.as_text().splitlines()) == 1 and "Traceback" not in reply.as_text(), (
                line
            )
        assert (
            CliRunner().invoke(cli, ["replay", "--window", "99999999999999d", str(write(tmp_path))]).exit_code
            == 1
        )
    finally:
        store.close()


def test_a_slack_request_with_a_timestamp_that_is_no_number(tmp_path: Path) -> None:
    store = Store(tmp_path / "slack.db")
    api = FakeAPI(slack_default)
    try:
        ctx = Context(store, frozenset())
        app = build_app(
            SECRET,
            "xoxb-test",
            lambda text, user, channel: answer(text, ctx, user, channel),
            api.url + "/api/",
        )
        body = slash("help", api.url + "/respond/1")
        for stamp in ["abc", "", "1e10", "-5"]:
            headers = {**signed(body), "x-slack-request-timestamp": [stamp]}
            assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 401, stamp
        assert (
            app.dispatch(BoltRequest(body=body, headers=signed(body, timestamp=int(time.time())))).status
            == 200
        )
    finally:
        api.close()
        store.close()


HOSTILE = [None, -1, 0, 1e308, float("nan"), float("inf"), "", "x" * 10_000, [], {}, [1, 2], {"a": 1}, True]
HOSTILE += ["\x00", "99999999999999999999d", 2**70, -(2**70), "-5m"]


def test_every_config_key_with_hostile_values_is_a_config_error_or_accepted(tmp_path: Path) -> None:
    from bot.config import ConfigError, parse_config

    base: dict[str, object] = {
        "storage": {"path": str(tmp_path / "x.db"), "window": "14d"},
        "bot": {"timezone": "UTC", "admins": ["U1"], "allow_hosts": ["a.example"]},
        "http": {"per_host": 2, "host_interval": 1, "timeout": 20, "max_pages": 50},
        "feeds": [
            {"name": "a", "url": "https://example.com/rss", "every": "10m", "backfill": 0, "kind": "feed"}
        ],
        "channels": [
            {"platform": "console", "id": "desk", "digest": "hourly", "feeds": ["a"], "only": "all"}
        ],
    }
    tried = 0
    for section, value in base.items():
        table = value[0] if isinstance(value, list) else value
        assert isinstance(table, dict)
        for key in list(table):
            for hostile in HOSTILE:
                data = json.loads(json.dumps(base))
                (data[section][0] if isinstance(value, list) else data[section])[key] = hostile
                tried += 1
                with contextlib.suppress(ConfigError):  # one line naming the key; anything else escapes
                    parse_config(data)
        for hostile in HOSTILE:
            data = json.loads(json.dumps(base))
            data[section] = hostile
            tried += 1
            with contextlib.suppress(ConfigError):
                parse_config(data)
    assert tried > 300
