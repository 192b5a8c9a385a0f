"""Reading and validating the TOML config; secrets come only from the environment."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

PLATFORMS = ("console", "slack", "discord")
ONLY = ("all", "new", "quotes")
SECRET_ENV = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "DISCORD_BOT_TOKEN",
    "DISCORD_WEBHOOK_URL",
)
DIGEST_ALIASES = {"hourly": "0 * * * *", "daily": "0 8 * * *"}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SECRET_KEY = re.compile(r"(token|secret|password|webhook)", re.I)
_SECRET_VALUE = re.compile(r"^(xox[abpr]-|xapp-|https://discord(app)?\.com/api/webhooks/)")


class ConfigError(ValueError):
    """A config problem, naming the key and what is wrong with it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def parse_duration(text: str, key: str = "duration") -> int:
    """Seconds in a duration such as "90s", "10m", "2h", "7d" or "1w"."""
    match = _DURATION.match(str(text))
    if not match:
        raise ConfigError(key, f"{text!r} is not a duration like '10m', '2h' or '7d'")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ConfigError(key, "must be longer than zero")
    return seconds


def parse_cron(text: str, key: str = "digest") -> str:
    """A five-field cron expression, with "hourly" and "daily" accepted as shorthands."""
    expr = DIGEST_ALIASES.get(str(text).strip().lower(), str(text).strip())
    try:
        CronTrigger.from_crontab(expr)
    except ValueError as exc:
        raise ConfigError(key, f"{text!r} is not a cron expression or 'hourly'/'daily' ({exc})") from None
    return expr


@dataclass(frozen=True)
class Feed:
    """A source to poll: an http(s) feed URL or a local file or folder."""

    name: str
    url: str
    every: int = 600
    backfill: int = 0  # items of a new feed's first poll that reach digests (the rest are stored quietly)
    kind: str = "feed"  # "feed": RSS/Atom; "page": a web page whose article links are followed
    repost_edits: float | None = None  # post an edited item again when this share of its text changed

    @property
    def is_remote(self) -> bool:
        """True for http(s) URLs, False for local paths."""
        return self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Channel:
    """A place digests go to, with its filters."""

    platform: str
    id: str
    digest: str = DIGEST_ALIASES["hourly"]
    feeds: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    only: str = "all"  # "all", "new" (stories that began in the period) or "quotes" (with new quotes)
    send_empty: bool = False
    thread: bool = False  # Slack: headlines in the channel, each digest's details in their thread


@dataclass(frozen=True)
class Secrets:
    """Tokens read from the environment; None where unset."""

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    discord_bot_token: str | None = None
    discord_webhook_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Secrets:
        """Read the tokens from the environment."""
        env = os.environ if env is None else env
        return cls(*(env.get(name) or None for name in SECRET_ENV))


@dataclass(frozen=True)
class HttpSettings:
    """How politely feeds and pages are fetched."""

    per_host: int = 2  # requests in flight to one host at most
    host_interval: float = 1.0  # seconds between the starts of two requests to one host
    timeout: float = 20.0  # seconds for a whole response, connection to last byte


@dataclass(frozen=True)
class ServerSettings:
    """Where the HTTP server (Slack HTTP mode, /healthz, /metrics) listens."""

    host: str = "127.0.0.1"
    port: int = 3000
    enabled: bool = False  # serve /healthz and /metrics even without Slack HTTP mode


@dataclass(frozen=True)
class Config:
    """The validated configuration of one bot instance."""

    storage_path: str
    feeds: tuple[Feed, ...] = ()
    channels: tuple[Channel, ...] = ()
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    window: int = 14 * 86400
    timezone: str = "UTC"
    slack_api_url: str | None = None
    discord_api_url: str | None = None
    discord_guild_id: int | None = None
    discord_admin_roles: tuple[int, ...] = ()  # members with one of these roles are admins
    discord_admin_permission: str = "manage_guild"  # members with this permission are admins ("": none)
    admins: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    http: HttpSettings = field(default_factory=HttpSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    source: Path | None = None


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}{key}", "must be a table")
    return value


def _str(data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    if key not in data:
        if default is None:
            raise ConfigError(f"{where}{key}", "is required")
        return default
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}{key}", f"must be a non-empty string, got {value!r}")
    return value.strip()


def _str_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}{key}", "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _refuse_secrets(data: Any, where: str = "") -> None:
    if isinstance(data, Mapping):
        for key, value in data.items():
            here = f"{where}.{key}" if where else str(key)
            if _SECRET_KEY.search(str(key)) and value:
                raise ConfigError(
                    here,
                    "secrets are not read from the config file; "
                    f"set them in the environment ({', '.join(SECRET_ENV)})",
                )
            _refuse_secrets(value, here)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _refuse_secrets(value, f"{where}[{i}]")
    elif isinstance(data, str) and _SECRET_VALUE.match(data.strip()):
        raise ConfigError(where, "looks like a token; secrets must come from environment variables")


def _api_url(data: Mapping[str, Any], table: str) -> str | None:
    section = _table(data, table, "")
    if "api_url" not in section:
        return None
    url = _str(section, "api_url", f"{table}.")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{table}.api_url", f"must be an http(s) URL, got {url!r}")
    return url


def _seconds(value: Any, key: str) -> float:
    """A number of seconds (0 allowed), or a duration string such as "2s"."""
    if isinstance(value, bool):
        raise ConfigError(key, f"must be a number of seconds or a duration like '2s', got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ConfigError(key, f"must not be negative, got {value!r}")
        return float(value)
    return float(parse_duration(value, key))


def _http(data: Mapping[str, Any]) -> HttpSettings:
    section = _table(data, "http", "")
    for key in section:
        if key not in ("per_host", "host_interval", "timeout"):
            raise ConfigError(f"http.{key}", "unknown setting; expected per_host, host_interval or timeout")
    per_host = section.get("per_host", 2)
    if not isinstance(per_host, int) or isinstance(per_host, bool) or not 1 <= per_host <= 16:
        raise ConfigError("http.per_host", f"must be a whole number from 1 to 16, got {per_host!r}")
    timeout = _seconds(section.get("timeout", 20), "http.timeout")
    if timeout <= 0:
        raise ConfigError("http.timeout", "must be longer than zero")
    return HttpSettings(per_host, _seconds(section.get("host_interval", 1), "http.host_interval"), timeout)


def _server(data: Mapping[str, Any]) -> ServerSettings:
    section = _table(data, "server", "")
    for key in section:
        if key not in ("host", "port", "enabled"):
            raise ConfigError(f"server.{key}", "unknown setting; expected host, port or enabled")
    host = _str(section, "host", "server.", "127.0.0.1")
    port = section.get("port", 3000)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ConfigError("server.port", f"must be a port number from 0 to 65535, got {port!r}")
    enabled = section.get("enabled", "server" in data)
    if not isinstance(enabled, bool):
        raise ConfigError("server.enabled", "must be true or false")
    return ServerSettings(host, port, enabled)


def _discord_admins(data: Mapping[str, Any]) -> tuple[tuple[int, ...], str]:
    section = _table(data, "discord", "")
    roles = section.get("admin_roles", [])
    if not isinstance(roles, list) or not all(str(r).isdigit() for r in roles):
        raise ConfigError(
            "discord.admin_roles", f"must be a list of Discord role ids (digits), got {roles!r}"
        )
    permission = section.get("admin_permission", "manage_guild")
    if not isinstance(permission, str) or not re.fullmatch(r"[a-z_]*", permission):
        raise ConfigError(
            "discord.admin_permission",
            f"must be a permission name such as 'manage_guild' or 'administrator', or '', got {permission!r}",
        )
    return tuple(int(r) for r in roles), permission


def _guild(data: Mapping[str, Any]) -> int | None:
    value = _table(data, "discord", "").get("guild_id")
    if value is None:
        return None
    if not str(value).isdigit():
        raise ConfigError("discord.guild_id", f"must be a Discord server id (digits), got {value!r}")
    return int(value)


def parse_config(data: Mapping[str, Any], base: Path | None = None) -> Config:
    """Validate a parsed TOML document into a Config; relative paths resolve against base."""
    _refuse_secrets(data)
    known = {"storage", "feeds", "channels", "plugins", "slack", "discord", "bot", "http", "server"}
    for key in data:
        if key not in known:
            raise ConfigError(str(key), f"unknown section; expected one of {', '.join(sorted(known))}")
    base = base or Path.cwd()

    storage = _table(data, "storage", "")
    path = _str(storage, "path", "storage.")
    storage_path = path if path == ":memory:" else str((base / path).resolve())
    window = parse_duration(storage.get("window", "14d"), "storage.window")

    bot_table = _table(data, "bot", "")
    timezone = _str(bot_table, "timezone", "bot.", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "bot.timezone", f"{timezone!r} is not a time zone name like 'Europe/Paris'"
        ) from None

    raw_feeds = data.get("feeds", [])
    if not isinstance(raw_feeds, list):
        raise ConfigError("feeds", "must be an array of tables ([[feeds]])")
    feeds: list[Feed] = []
    for i, raw in enumerate(raw_feeds):
        where = f"feeds[{i}]."
        if not isinstance(raw, Mapping):
            raise ConfigError(f"feeds[{i}]", "must be a table")
        name = _str(raw, "name", where)
        if any(f.name == name for f in feeds):
            raise ConfigError(f"{where}name", f"duplicate feed name {name!r}")
        url = _str(raw, "url", where)
        if not url.startswith(("http://", "https://")):
            if "://" in url:
                raise ConfigError(f"{where}url", f"must be an http(s) URL or a local path, got {url!r}")
            url = str((base / url).resolve())
        every = parse_duration(raw.get("every", "10m"), f"{where}every")
        backfill = raw.get("backfill", 0)
        if not isinstance(backfill, int) or isinstance(backfill, bool) or backfill < 0:
            raise ConfigError(
                f"{where}backfill", f"must be a whole number of items, 0 or more, got {backfill!r}"
            )
        kind = _str(raw, "kind", where, "feed")
        if kind not in ("feed", "page"):
            raise ConfigError(
                f"{where}kind", f"{kind!r} is not 'feed' (RSS/Atom) or 'page' (a page of links)"
            )
        if kind == "page" and not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}kind", "'page' needs an http(s) URL")
        repost = raw.get("repost_edits")
        if repost is not None and (
            isinstance(repost, bool) or not isinstance(repost, int | float) or not 0 < repost <= 1
        ):
            raise ConfigError(
                f"{where}repost_edits",
                f"must be a share of the text (0 to 1) that an edit changes, not {repost!r}",
            )
        feeds.append(
            Feed(
                name=name,
                url=url,
                every=every,
                backfill=backfill,
                kind=kind,
                repost_edits=None if repost is None else float(repost),
            )
        )

    raw_channels = data.get("channels", [])
    if not isinstance(raw_channels, list):
        raise ConfigError("channels", "must be an array of tables ([[channels]])")
    channels: list[Channel] = []
    feed_names = {f.name for f in feeds}
    for i, raw in enumerate(raw_channels):
        where = f"channels[{i}]."
        if not isinstance(raw, Mapping):
            raise ConfigError(f"channels[{i}]", "must be a table")
        platform = _str(raw, "platform", where)
        if platform not in PLATFORMS:
            raise ConfigError(f"{where}platform", f"{platform!r} is not one of {', '.join(PLATFORMS)}")
        channel_id = _str(raw, "id", where)
        digest = parse_cron(raw.get("digest", "hourly"), f"{where}digest")
        wanted = _str_list(raw, "feeds", where)
        for name in wanted:
            if name not in feed_names:
                raise ConfigError(f"{where}feeds", f"no feed is named {name!r}")
        keywords = _str_list(raw, "keywords", where)
        only = _str(raw, "only", where, "all")
        if only not in ONLY:
            raise ConfigError(f"{where}only", f"{only!r} is not one of {', '.join(ONLY)}")
        send_empty = raw.get("send_empty", False)
        if not isinstance(send_empty, bool):
            raise ConfigError(f"{where}send_empty", "must be true or false")
        thread = raw.get("thread", False)
        if not isinstance(thread, bool):
            raise ConfigError(f"{where}thread", "must be true or false")
        if thread and platform != "slack":
            raise ConfigError(f"{where}thread", f"threads are for slack channels, not {platform}")
        if any(c.platform == platform and c.id == channel_id for c in channels):
            raise ConfigError(f"{where}id", f"channel {platform}:{channel_id} is configured twice")
        channels.append(Channel(platform, channel_id, digest, wanted, keywords, only, send_empty, thread))

    plugins = _table(data, "plugins", "")
    for name, table in plugins.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"plugins.{name}", "must be a table")

    admin_roles, admin_permission = _discord_admins(data)
    return Config(
        storage_path=storage_path,
        feeds=tuple(feeds),
        channels=tuple(channels),
        plugins={str(k): dict(v) for k, v in plugins.items()},
        window=window,
        timezone=timezone,
        discord_guild_id=_guild(data),
        discord_admin_roles=admin_roles,
        discord_admin_permission=admin_permission,
        admins=_str_list(bot_table, "admins", "bot."),
        allow_hosts=tuple(h.lower() for h in _str_list(bot_table, "allow_hosts", "bot.")),
        slack_api_url=_api_url(data, "slack"),
        discord_api_url=_api_url(data, "discord"),
        http=_http(data),
        server=_server(data),
    )


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML: {exc}") from None
    config = parse_config(data, base=path.resolve().parent)
    return Config(**{**config.__dict__, "source": path})
