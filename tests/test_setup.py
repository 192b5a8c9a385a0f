"""Setting up: init, --config defaults, the Slack manifest, the Discord invite, logs and progress."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord
import pytest
from conftest import EXAMPLES, ROOT, run_cli, write_stream

from bot.progress import Progress


def wirewatch(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **(env or {})},
    )


def test_init_writes_a_starter_config_that_every_command_finds(tmp_path: Path) -> None:
    assert wirewatch("init", cwd=tmp_path).returncode == 0
    starter = (tmp_path / "wirewatch.toml").read_text()
    assert starter.count("#") > 10  # commented
    again = wirewatch("init", cwd=tmp_path)
    assert again.returncode != 0 and "--force" in again.stderr  # never overwritten by accident
    # ./wirewatch.toml by default, for every command; the positional form of check-config still works
    assert "wirewatch.toml: OK" in wirewatch("check-config", cwd=tmp_path).stdout
    assert "OK" in wirewatch("check-config", "wirewatch.toml", cwd=tmp_path).stdout
    assert wirewatch("outbox", cwd=tmp_path).stdout.strip() == "the outbox is empty"
    assert wirewatch("run", "--once", cwd=tmp_path).returncode == 0
    assert (tmp_path / "data" / "wirewatch.db").exists()  # relative to the config file


def test_init_into_a_folder_not_made_yet_or_one_it_cannot_write(tmp_path: Path) -> None:
    made = wirewatch("init", "desk/config/wirewatch.toml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "OK" in wirewatch("check-config", "desk/config/wirewatch.toml", cwd=tmp_path).stdout
    (tmp_path / "file").write_text("")
    refused = wirewatch("init", "file/wirewatch.toml", cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert (
        refused.stderr.strip().splitlines() == [refused.stderr.strip()] and "cannot write" in refused.stderr
    )


def test_config_comes_from_the_environment_then_the_working_directory(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text(
        f'[storage]\npath = "{tmp_path / "x.db"}"\n[[feeds]]\nname = "samples"\nurl = "{EXAMPLES}"\n'
    )
    env = {"WIREWATCH_CONFIG": str(other)}
    for command in (["check-config"], ["feeds"], ["outbox"]):
        proc = wirewatch(*command, cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
    assert "samples" in wirewatch("feeds", cwd=tmp_path, env=env).stdout
    missing = wirewatch("feeds", cwd=tmp_path)
    assert missing.returncode != 0 and "wirewatch init" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_slack_manifest_for_http_mode_and_socket_mode() -> None:
    http = json.loads(run_cli("slack", "manifest", "--url", "https://bot.example.org/").stdout)
    url = "https://bot.example.org/slack/events"
    assert {"chat:write", "commands"} <= set(http["oauth_config"]["scopes"]["bot"])
    (command,) = http["features"]["slash_commands"]
    assert command["command"] == "/wirewatch" and command["url"] == url
    assert http["settings"]["interactivity"] == {"is_enabled": True, "request_url": url}
    assert http["settings"]["event_subscriptions"]["request_url"] == url
    assert http["settings"]["socket_mode_enabled"] is False
    assert "app_mentions:read" in http["oauth_config"]["scopes"]["bot"]  # the event it subscribes to
    # a part whose send may have reached Slack is looked up in the channel's history before it is resent
    assert {"channels:history", "groups:history"} <= set(http["oauth_config"]["scopes"]["bot"])
    socket = json.loads(run_cli("slack", "manifest", "--socket-mode").stdout)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in socket["features"]["slash_commands"][0]
    assert "request_url" not in socket["settings"]["interactivity"]
    bad = run_cli("slack", "manifest", "--url", "http://plain.example", check=False)
    assert bad.returncode == 2 and "https" in bad.stderr


def test_discord_invite_asks_for_exactly_the_permissions_the_bot_uses() -> None:
    url = run_cli("discord", "invite", "--client-id", "123").stdout.strip()
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.netloc == "discord.com" and query["client_id"] == ["123"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    # what bot/adapters/discord.py does: post embeds to a channel it can see, start a thread on a live
    # card and post its updates there; nothing more
    assert granted.view_channel and granted.send_messages and granted.embed_links
    assert granted.create_public_threads and granted.send_messages_in_threads
    uses = discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        create_public_threads=True,
        send_messages_in_threads=True,
    )
    assert granted.value == uses.value
    assert not granted.administrator and not granted.mention_everyone
    bad = run_cli("discord", "invite", "--client-id", "abc", check=False)
    assert bad.returncode == 2


def test_json_logs_and_library_lines_kept_quiet(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "s.db"}"\n[[feeds]]\nname = "samples"\nurl = "{EXAMPLES}"\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n'
    )
    proc = run_cli("--log-format", "json", "run", "--config", str(config), "--once")
    records = [json.loads(line) for line in proc.stderr.splitlines()]  # every line, the summary too
    assert any(r["name"] == "bot.app" and "feed samples" in r["message"] for r in records)
    assert records[-1]["message"].startswith("stored 5 new articles")
    assert all(r["level"] in ("INFO", "WARNING", "ERROR") for r in records)
    assert all(r["name"].split(".")[0] in ("bot", "plugins") for r in records if r["level"] == "INFO")


def test_replay_shows_progress_on_stderr_only(tmp_path: Path) -> None:
    stream = write_stream(
        tmp_path / "s.jsonl",
        [{"id": f"a{i}", "text": f"Article number {i} about the weather in town {i}."} for i in range(3)],
    )
    proc = run_cli("replay", "--json", str(stream))
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == ["a0", "a1", "a2"]
    assert "replay: 3 articles in" in proc.stderr


def test_progress_lines_say_total_rate_and_time_left(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    progress = Progress("replay", 400, stream=io.StringIO(), every=100, interval=3600, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="bot.progress"):
        for _ in range(100):
            now[0] += 0.5
            progress.update()
    (line,) = caplog.messages
    assert line == "replay: 100 of 400 articles (25%), 2.0 a second, about 2m30s left"


def test_replay_draws_a_bar_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    import fcntl
    import os
    import pty
    import struct
    import termios

    stream = write_stream(
        tmp_path / "s.jsonl", [{"id": f"a{i}", "text": f"Report {i} on the harbour works."} for i in range(3)]
    )
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "replay", "--json", str(stream)],
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert len(proc.stdout.decode().splitlines()) == 3  # stdout stays the JSON contract
    bar = seen.decode("utf-8", "replace")
    assert "3/3" in bar and "articles/s" in bar and "100%" in bar


@pytest.mark.parametrize(
    "server,problem",
    [
        ({"port": 70000}, r"server\.port: must be a port number"),
        ({"port": "3000"}, r"server\.port: must be a port number"),
        ({"prot": 3000}, r"server\.prot: unknown setting \(did you mean 'port'\?\)"),
        ({"enabled": "yes"}, r"server\.enabled: must be true or false"),
    ],
)
def test_bad_server_settings_name_the_key(server: dict[str, object], problem: str) -> None:
    from bot.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=problem):
        parse_config({"storage": {"path": ":memory:"}, "server": server})


def test_the_server_runs_when_configured_and_listens_on_loopback_by_default() -> None:
    from bot.config import parse_config

    assert not parse_config({"storage": {"path": ":memory:"}}).server.enabled
    server = parse_config({"storage": {"path": ":memory:"}, "server": {"port": 8080}}).server
    assert server.enabled and (server.host, server.port) == ("127.0.0.1", 8080)


def test_run_once_fails_when_every_feed_failed_and_not_when_one_was_read(tmp_path: Path) -> None:
    dead = '[[feeds]]\nname = "dead"\nurl = "http://127.0.0.1:9/feed.xml"\n'
    good = f'[[feeds]]\nname = "samples"\nurl = "{EXAMPLES}"\n'
    head = f'[storage]\npath = "{tmp_path / "s.db"}"\n[[channels]]\nplatform = "console"\nid = "desk"\n'
    config = tmp_path / "c.toml"
    config.write_text(head + dead)
    failed = run_cli("run", "--config", str(config), "--once", check=False)
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1] == "Error: every feed failed this cycle (1 feed)"
    as_json = run_cli("--log-format", "json", "run", "--config", str(config), "--once", check=False)
    last = json.loads(as_json.stderr.splitlines()[-1])
    assert as_json.returncode == 1 and last["level"] == "ERROR" and "every feed failed" in last["message"]
    config.write_text(head + dead + good)
    partly = run_cli("run", "--config", str(config), "--once", check=False)
    assert (
        partly.returncode == 0 and "feed dead" in partly.stderr and "stored 5 new articles" in partly.stderr
    )


def test_listing_feeds_or_the_outbox_before_the_first_run_creates_no_store(tmp_path: Path) -> None:
    assert wirewatch("init", cwd=tmp_path).returncode == 0
    store = tmp_path / "data" / "wirewatch.db"
    listed = wirewatch("feeds", cwd=tmp_path)
    assert (
        listed.returncode == 0 and wirewatch("outbox", cwd=tmp_path).stdout.strip() == "the outbox is empty"
    )
    assert not store.exists()
    assert wirewatch("run", "--once", cwd=tmp_path).returncode == 0 and store.exists()
