"""Config validation: every error names the key and the problem."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import run_cli

from bot.config import ConfigError, load_config, parse_config, parse_duration

ROOT = Path(__file__).resolve().parent.parent


def minimal(**extra: object) -> dict[str, object]:
    return {"storage": {"path": "x.db"}, **extra}


def test_example_config_is_valid() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.feeds[0].name == "samples"
    assert Path(config.feeds[0].url).is_dir()
    assert config.channels[0].platform == "console"
    assert config.channels[0].digest == "0 * * * *"


def test_missing_storage_path_names_the_key() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"storage": {}})
    assert err.value.key == "storage.path"
    assert "required" in str(err.value)


def test_missing_feed_url() -> None:
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.url: is required"):
        parse_config(minimal(feeds=[{"name": "a"}]))


@pytest.mark.parametrize("digest", ["every tuesday", "61 * * * *", "* * *"])
def test_bad_cron_is_refused(digest: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(minimal(channels=[{"platform": "console", "id": "c", "digest": digest}]))
    assert err.value.key == "channels[0].digest"


@pytest.mark.parametrize(
    "digest,expected", [("hourly", "0 * * * *"), ("daily", "0 8 * * *"), ("30 7 * * 1-5", "30 7 * * 1-5")]
)
def test_digest_shorthands(digest: str, expected: str) -> None:
    config = parse_config(minimal(channels=[{"platform": "console", "id": "c", "digest": digest}]))
    assert config.channels[0].digest == expected


@pytest.mark.parametrize(
    "section",
    [
        {"slack": {"bot_token": "xoxb-123"}},
        {"discord": {"token": "abc"}},
        {"plugins": {"x": {"api_secret": "s"}}},
        {"channels": [{"platform": "slack", "id": "C1", "note": "xoxb-1234-abcd"}]},
    ],
)
def test_token_in_file_is_refused(section: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="environment"):
        parse_config(minimal(**section))


def test_unknown_platform_and_feed_reference() -> None:
    with pytest.raises(ConfigError, match="platform: 'irc' is not one of"):
        parse_config(minimal(channels=[{"platform": "irc", "id": "c"}]))
    with pytest.raises(ConfigError, match="no feed is named 'nope'"):
        parse_config(minimal(channels=[{"platform": "console", "id": "c", "feeds": ["nope"]}]))


def test_bad_duration_and_unknown_section() -> None:
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.every"):
        parse_config(minimal(feeds=[{"name": "a", "url": "x", "every": "soon"}]))
    with pytest.raises(ConfigError, match="unknown section"):
        parse_config(minimal(stroage={}))
    assert parse_duration("90s") == 90 and parse_duration("2h") == 7200


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[storage\npath = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml")


def test_secrets_come_from_environment() -> None:
    from bot.app import default_adapters
    from bot.plugins import collect, make_manager

    registry = collect(make_manager(load_entry_points=False))
    config = parse_config(minimal(), registry=registry)
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "DISCORD_BOT_TOKEN": ""}
    assert set(default_adapters(config, registry, env)) == {"console", "slack"}


def test_the_warning_for_a_channel_without_its_token_names_only_what_is_unset(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.app import default_adapters
    from bot.plugins import collect, make_manager

    registry = collect(make_manager(load_entry_points=False))
    config = parse_config(minimal(channels=[{"platform": "slack", "id": "C1"}]), registry=registry)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        assert "slack" not in default_adapters(config, registry, {"SLACK_SIGNING_SECRET": "s3"})
    warning = next(r.getMessage() for r in caplog.records if "C1" in r.getMessage())
    assert "SLACK_BOT_TOKEN" in warning
    assert "SLACK_SIGNING_SECRET" not in warning  # it is set


def test_channel_options_and_time_zone() -> None:
    with pytest.raises(ConfigError, match="only: 'some' is not one of"):
        parse_config(minimal(channels=[{"platform": "console", "id": "c", "only": "some"}]))
    with pytest.raises(ConfigError, match="configured twice"):
        parse_config(
            minimal(channels=[{"platform": "console", "id": "c"}, {"platform": "console", "id": "c"}])
        )
    with pytest.raises(ConfigError, match=r"bot\.timezone"):
        parse_config(minimal(bot={"timezone": "Mars/Olympus"}))
    assert parse_config(minimal(bot={"timezone": "Europe/Paris"})).timezone == "Europe/Paris"


@pytest.mark.parametrize(
    "http,key",
    [
        ({"per_host": 0}, "http.per_host"),
        ({"per_host": "2"}, "http.per_host"),
        ({"host_interval": -1}, "http.host_interval"),
        ({"host_interval": "soon"}, "http.host_interval"),
        ({"timeout": 0}, "http.timeout"),
        ({"retries": 3}, "http.retries"),
    ],
)
def test_bad_http_settings_are_refused(http: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(minimal(http=http))
    assert err.value.key == key


def test_http_settings_and_page_feeds() -> None:
    config = parse_config(minimal(http={"per_host": 3, "host_interval": "2s", "timeout": 7.5}))
    assert (config.http.per_host, config.http.host_interval, config.http.timeout) == (3, 2.0, 7.5)
    page = parse_config(minimal(feeds=[{"name": "w", "url": "https://news.example/world/", "kind": "page"}]))
    assert page.feeds[0].kind == "page"
    with pytest.raises(ConfigError, match="http"):
        parse_config(minimal(feeds=[{"name": "w", "url": "archive", "kind": "page"}]))
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.kind"):
        parse_config(minimal(feeds=[{"name": "w", "url": "archive", "kind": "sitemap"}]))


def test_discord_admin_roles_and_permission() -> None:
    config = parse_config(minimal(discord={"admin_roles": ["1400000000000000004"], "admin_permission": ""}))
    assert config.platforms["discord"]["admin_roles"] == (1400000000000000004,)
    assert config.platforms["discord"]["admin_permission"] == ""
    assert parse_config(minimal()).platforms["discord"]["admin_permission"] == "manage_guild"
    with pytest.raises(ConfigError, match=r"discord\.admin_roles"):
        parse_config(minimal(discord={"admin_roles": ["desk-admins"]}))
    with pytest.raises(ConfigError, match=r"discord\.admin_permission"):
        parse_config(minimal(discord={"admin_permission": "Manage Server"}))


@pytest.mark.parametrize("value", [0, 1.5, "half", True])
def test_repost_edits_is_a_share(value: object) -> None:
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.repost_edits"):
        parse_config(minimal(feeds=[{"name": "a", "url": "x", "repost_edits": value}]))
    assert (
        parse_config(minimal(feeds=[{"name": "a", "url": "x", "repost_edits": 0.3}])).feeds[0].repost_edits
        == 0.3
    )


@pytest.mark.parametrize(
    "section,key",
    [
        ({"feeds": [{"name": "a", "url": "x", "evry": "5m"}]}, "feeds[0].evry"),
        ({"channels": [{"platform": "console", "id": "c", "keyword": ["dam"]}]}, "channels[0].keyword"),
        ({"channels": [{"platform": "slack", "id": "c", "threads": True}]}, "channels[0].threads"),
        ({"bot": {"timezon": "Europe/Paris"}}, "bot.timezon"),
        ({"storage": {"path": "x.db", "windw": "7d"}}, "storage.windw"),
        ({"slack": {"api": "http://127.0.0.1:1/"}}, "slack.api"),
        ({"discord": {"guild": "1"}}, "discord.guild"),
    ],
)
def test_an_unknown_key_in_any_section_is_refused_by_name(section: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({**minimal(), **section})
    assert err.value.key == key and "unknown setting" in str(err.value)


def test_an_unknown_key_suggests_the_nearest_one_and_check_config_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean 'every'"):
        parse_config(minimal(feeds=[{"name": "a", "url": "x", "evry": "5m"}]))
    config = tmp_path / "c.toml"
    config.write_text('[storage]\npath = "x.db"\n[bot]\ntimezon = "Europe/Paris"\n')
    proc = run_cli("check-config", str(config), check=False)
    assert proc.returncode == 1 and "bot.timezon: unknown setting (did you mean 'timezone'?)" in proc.stderr


def test_a_misspelled_enabled_in_a_plugin_table_is_told_of_enabled() -> None:
    with pytest.raises(ConfigError, match="did you mean 'enabled'") as err:
        parse_config({**minimal(), "plugins": {"quotes": {"enable": False}}})
    assert err.value.key == "plugins.quotes.enable" and "enabled, strict_numbers" in str(err.value)


def test_check_config_says_a_local_feed_is_not_there_yet(tmp_path: Path) -> None:
    (tmp_path / "arts").mkdir()
    config = tmp_path / "c.toml"
    config.write_text(
        '[storage]\npath = "x.db"\n[[feeds]]\nname = "gone"\nurl = "nowhere"\n'
        '[[feeds]]\nname = "here"\nurl = "arts"\n'
    )
    out = run_cli("check-config", str(config)).stdout
    assert f"feed gone: {tmp_path / 'nowhere'} every 10m (not there yet" in out
    assert f"feed here: {tmp_path / 'arts'} every 10m\n" in out


def test_a_plugin_setting_outside_its_declared_range_names_the_key_and_the_range() -> None:
    from bot.plugins import collect, make_manager

    registry = collect(make_manager())
    with pytest.raises(
        ConfigError, match=r"plugins\.stories\.merge_min: must be a number from 0 to 1, got 7"
    ):
        parse_config(minimal(plugins={"stories": {"merge_min": 7}}), registry=registry)
    with pytest.raises(ConfigError, match=r"plugins\.stories\.candidates: .* from 0 to 1000, got 5000"):
        parse_config(minimal(plugins={"stories": {"candidates": 5000}}), registry=registry)
    settings = parse_config(minimal(plugins={"stories": {"merge_min": 0.95}}), registry=registry).plugins
    assert settings["stories"]["merge_min"] == 0.95
