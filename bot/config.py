"""Reading and validating the TOML config; secrets come only from the environment."""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.keywords import problem as keyword_problem
from bot.urls import url_problem

if TYPE_CHECKING:
    from bot.registry import Registry


ONLY = ("all", "new", "quotes")
CORE_SECTIONS = ("storage", "feeds", "channels", "plugins", "bot", "http", "server")
CHANNEL_KEYS = ("platform", "id", "digest", "feeds", "keywords", "only", "send_empty", "thread")
LIVE_KEYS = ("mode", "edit_every", "speakers", "sources", "min_outlets", "max_stories")
MODES = ("digest", "live", "both")
DIGEST_ALIASES = {"hourly": "0 * * * *", "daily": "0 8 * * *"}
MAX_DURATION = 36500 * 86400  # a hundred years: longer durations are typing errors and overflow dates
MAX_WAIT = 3600.0  # seconds: the longest timeout or interval between two requests to one host
MAX_WORKERS = 32  # processes that may analyse a batch, the main one included (each holds the plugins' data)
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
    if len(match.group(1)) > 12:
        raise ConfigError(key, f"{text!r} is longer than {MAX_DURATION // 86400} days")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ConfigError(key, f"{text!r} must be longer than zero")
    if seconds > MAX_DURATION:
        raise ConfigError(key, f"{text!r} is longer than {MAX_DURATION // 86400} days")
    return seconds


def check_number(value: Any, key: str, low: float, high: float, integer: bool = False) -> float:
    """A finite number from low to high (a whole one if integer), or a ConfigError naming the key."""
    kind = "a whole number" if integer else "a number"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not isinstance(value, int))
    ):
        raise ConfigError(key, f"must be {kind} from {low:g} to {high:g}, got {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(key, f"must be {kind} from {low:g} to {high:g}, got {value!r}")
    return float(value)


def parse_cron(text: str, key: str = "digest") -> str:
    """A five-field cron expression, with "hourly" and "daily" accepted as shorthands."""
    from apscheduler.triggers.cron import CronTrigger  # only a config with digests needs it

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
    mode: str = "digest"  # "digest", "live" (a card per story, kept up to date) or "both"
    edit_every: float = 60.0  # seconds: at most one edit of a live card in this time
    speakers: tuple[str, ...] = ()  # alert: a story with a new quote by one of them gets its card at once
    sources: tuple[str, ...] = ()  # only articles from these outlets (or feeds) count, when given
    min_outlets: int = 1  # alert: a card only once this many outlets carry the story
    max_stories: int = 20  # stories in one digest, most important first; the rest are counted

    @property
    def live(self) -> bool:
        """Whether stories get live cards here."""
        return self.mode in ("live", "both")

    @property
    def digests(self) -> bool:
        """Whether digests go here."""
        return self.mode in ("digest", "both")


@dataclass(frozen=True)
class HttpSettings:
    """How politely feeds and pages are fetched."""

    per_host: int = 2  # requests in flight to one host at most
    host_interval: float = 1.0  # seconds between the starts of two requests to one host
    timeout: float = 20.0  # seconds for a whole response, connection to last byte
    max_pages: int = 50  # article pages fetched per feed per poll (newest first; the rest on later polls)


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
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # each plugin's own settings
    window: int = 14 * 86400
    keep: int | None = None  # seconds a story is kept after its last article (None: for ever)
    timezone: str = "UTC"
    platforms: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # each platform's own table
    disabled: tuple[str, ...] = ()  # plugins switched off with [plugins.<name>] enabled = false
    admins: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    http: HttpSettings = field(default_factory=HttpSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    source: Path | None = None
    workers: int | None = None  # processes that analyse a long batch's text (None: one per core, up to 3)


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


def _refuse_secrets(data: Any, env: Sequence[str], where: str = "") -> None:
    if isinstance(data, Mapping):
        for key, value in data.items():
            here = f"{where}.{key}" if where else str(key)
            if _SECRET_KEY.search(str(key)) and value:
                raise ConfigError(
                    here,
                    "secrets are not read from the config file; "
                    f"set them in the environment ({', '.join(env)})",
                )
            _refuse_secrets(value, env, here)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _refuse_secrets(value, env, f"{where}[{i}]")
    elif isinstance(data, str) and _SECRET_VALUE.match(data.strip()):
        raise ConfigError(where, "looks like a token; secrets must come from environment variables")


def http_url(table: Mapping[str, Any], key: str, where: str) -> str | None:
    """An optional http(s) URL setting (None where empty or not given)."""
    url = table.get(key) or None
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise ConfigError(f"{where}{key}", f"must be an http(s) URL, got {url!r}")
    return url


def _seconds(value: Any, key: str) -> float:
    """A finite number of seconds from 0 to an hour, or a duration string such as "2s"."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(key, f"must be a number of seconds or a duration like '2s', got {value!r}")
    seconds = value if isinstance(value, int | float) else parse_duration(value, key)
    return check_number(seconds, key, 0, MAX_WAIT)


def _http(data: Mapping[str, Any]) -> HttpSettings:
    section = _table(data, "http", "")
    for key in section:
        if key not in ("per_host", "host_interval", "timeout", "max_pages"):
            raise ConfigError(
                f"http.{key}", "unknown setting; expected per_host, host_interval, timeout or max_pages"
            )
    per_host = section.get("per_host", 2)
    if not isinstance(per_host, int) or isinstance(per_host, bool) or not 1 <= per_host <= 16:
        raise ConfigError("http.per_host", f"must be a whole number from 1 to 16, got {per_host!r}")
    timeout = _seconds(section.get("timeout", 20), "http.timeout")
    if timeout <= 0:
        raise ConfigError("http.timeout", "must be longer than zero")
    max_pages = section.get("max_pages", 50)
    if not isinstance(max_pages, int) or isinstance(max_pages, bool) or not 0 <= max_pages <= 10_000:
        raise ConfigError("http.max_pages", f"must be a whole number from 0 to 10000, got {max_pages!r}")
    return HttpSettings(
        per_host, _seconds(section.get("host_interval", 1), "http.host_interval"), timeout, max_pages
    )


def _server(data: Mapping[str, Any]) -> ServerSettings:
    section = _table(data, "server", "")
    only_keys(section, "server.", ("host", "port", "enabled"))
    host = _str(section, "host", "server.", "127.0.0.1")
    port = section.get("port", 3000)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ConfigError("server.port", f"must be a port number from 0 to 65535, got {port!r}")
    enabled = section.get("enabled", "server" in data)
    if not isinstance(enabled, bool):
        raise ConfigError("server.enabled", "must be true or false")
    return ServerSettings(host, port, enabled)


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "a string"
    if isinstance(default, list):
        return "a list"
    return type(default).__name__


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def only_keys(table: Mapping[str, Any], where: str, allowed: Iterable[str]) -> None:
    """Refuse a key that is not one of the allowed ones, naming it (and the nearest allowed key)."""
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(
                f"{where}{key}", f"unknown setting{hint}; expected one of {', '.join(allowed) or 'none'}"
            )


def check_table(table: Mapping[str, Any], where: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A plugin's or platform's own table checked against its declared keys: unknown keys and values of
    another type than the default's are errors naming the key (a default of None takes any value)."""
    only_keys(table, where, defaults)
    for key, value in table.items():
        default = defaults[key]
        if default is not None and not _same_type(value, default):
            raise ConfigError(
                f"{where}{key}", f"must be {_type_name(default)} (like {default!r}), got {value!r}"
            )
    return {**defaults, **table}


def disabled_plugins(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The plugins a parsed TOML document switches off with [plugins.<name>] enabled = false."""
    plugins = data.get("plugins", {})
    if not isinstance(plugins, Mapping):
        return ()
    return tuple(
        str(name)
        for name, table in plugins.items()
        if isinstance(table, Mapping) and table.get("enabled") is False
    )


def _plugins(
    data: Mapping[str, Any], registry: Registry, disabled: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Each plugin's validated settings, its declared defaults filled in."""
    tables = _table(data, "plugins", "")
    settings = {name: dict(defaults) for name, defaults in registry.settings.items()}
    for name, table in tables.items():
        where = f"plugins.{name}."
        if not isinstance(table, Mapping):
            raise ConfigError(f"plugins.{name}", "must be a table")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"{where}enabled", "must be true or false")
        if name in disabled and name not in registry.switched_off:  # a misspelled name: nothing is off
            installed = ", ".join([*registry.plugins, *registry.switched_off]) or "none"
            raise ConfigError(
                f"plugins.{name}", f"no plugin of that name is installed (installed: {installed})"
            )
        if name in disabled:
            continue  # not loaded: its other settings are not read
        if name not in registry.plugins and name not in registry.settings:
            loaded = ", ".join(registry.plugins) or "none"
            raise ConfigError(f"plugins.{name}", f"no plugin of that name is loaded (loaded: {loaded})")
        declared = registry.settings.get(name, {})
        only_keys(table, where, ["enabled", *declared])  # "enable = false" is told of "enabled"
        own = {k: v for k, v in table.items() if k != "enabled"}
        settings[str(name)] = check_table(own, where, declared)
        limits = registry.limits.get(name, {})
        for setting, value in own.items():  # thresholds, weights, counts: finite and not negative
            if isinstance(value, int | float) and not isinstance(value, bool):
                check_number(value, f"{where}{setting}", *limits.get(setting, (0, 1e9)))
    return settings


def _off(registry: Registry) -> str:
    """The plugins the config switches off, which may be the ones that would have registered a name."""
    off = ", ".join(registry.switched_off)
    return f" (switched off in this config: {off})" if off else ""


def _platforms(data: Mapping[str, Any], registry: Registry) -> dict[str, dict[str, Any]]:
    """Each platform's validated [<platform>] table, its defaults filled in."""
    tables = {}
    for name, platform in registry.platforms.items():
        table = _table(data, name, "")
        values = check_table(table, f"{name}.", platform.settings)
        try:
            tables[name] = dict(platform.parse(values)) if platform.parse else values
        except ConfigError:
            raise
        except Exception as exc:  # a plugin platform's bug: one line naming its table, not a traceback
            problem = f"the {name} platform cannot read its table ({type(exc).__name__}: {exc})"
            raise ConfigError(name, problem) from exc
    return tables


def _live(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A channel's live-mode and alert settings, checked."""
    mode = _str(raw, "mode", where, "digest")
    if mode not in MODES:
        raise ConfigError(f"{where}mode", f"{mode!r} is not one of {', '.join(MODES)}")
    if mode == "live" and "digest" in raw:
        raise ConfigError(f"{where}digest", 'a live-only channel has no digest; use mode = "both" for both')
    values: dict[str, Any] = {"mode": mode}
    if "edit_every" in raw:
        values["edit_every"] = _seconds(raw["edit_every"], f"{where}edit_every")
    values["speakers"] = _str_list(raw, "speakers", where)
    values["sources"] = _str_list(raw, "sources", where)
    for key, default in (("min_outlets", 1), ("max_stories", 20)):
        values[key] = int(check_number(raw.get(key, default), f"{where}{key}", 1, 10_000, integer=True))
    return values


def _local_path(base: Path, path: str, key: str) -> str:
    """A path resolved against base, or a ConfigError when it cannot be one (a NUL byte, too long)."""
    try:
        return str((base / path).resolve())
    except (ValueError, OSError) as exc:
        raise ConfigError(key, f"{path[:80]!r} is not a usable path ({exc})") from None


def parse_config(
    data: Mapping[str, Any], base: Path | None = None, registry: Registry | None = None
) -> Config:
    """Validate a parsed TOML document into a Config; relative paths resolve against base. The
    sections, feed kinds, platforms and plugin settings that plugins registered are checked against
    the registry (that of the built-in and installed plugins where none is given)."""
    if registry is None:
        from bot.plugins import collect, make_manager

        registry = collect(make_manager(disabled=disabled_plugins(data)))
    secret_env = sorted({name for p in registry.platforms.values() for name in p.env})
    _refuse_secrets(data, secret_env)
    known = [*CORE_SECTIONS, *registry.platforms]
    for key in data:
        if key not in known:
            raise ConfigError(str(key), f"unknown section; expected one of {', '.join(sorted(known))}")
    base = base or Path.cwd()

    storage = _table(data, "storage", "")
    only_keys(storage, "storage.", ("path", "window", "keep"))
    path = _str(storage, "path", "storage.")
    storage_path = path if path == ":memory:" else _local_path(base, path, "storage.path")
    window = parse_duration(storage.get("window", "14d"), "storage.window")
    keep = parse_duration(storage["keep"], "storage.keep") if "keep" in storage else None
    if keep is not None and keep < window:
        raise ConfigError("storage.keep", "must be at least storage.window: stories being matched are kept")

    bot_table = _table(data, "bot", "")
    only_keys(bot_table, "bot.", ("timezone", "admins", "allow_hosts", "workers"))
    workers = bot_table.get("workers")
    if workers is not None:
        check_number(workers, "bot.workers", 0, MAX_WORKERS, integer=True)
    timezone = _str(bot_table, "timezone", "bot.", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
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
        only_keys(raw, where, ("name", "url", "every", "backfill", "kind", "repost_edits"))
        name = _str(raw, "name", where)
        if any(f.name == name for f in feeds):
            raise ConfigError(f"{where}name", f"duplicate feed name {name!r}")
        url = _str(raw, "url", where)
        if url.startswith(("http://", "https://")) and (problem := url_problem(url)):
            raise ConfigError(f"{where}url", problem)
        if not url.startswith(("http://", "https://")):
            if "://" in url:
                raise ConfigError(f"{where}url", f"must be an http(s) URL or a local path, got {url!r}")
            url = _local_path(base, url, f"{where}url")
        every = parse_duration(raw.get("every", "10m"), f"{where}every")
        backfill = raw.get("backfill", 0)
        if not isinstance(backfill, int) or isinstance(backfill, bool) or backfill < 0:
            raise ConfigError(
                f"{where}backfill", f"must be a whole number of items, 0 or more, got {backfill!r}"
            )
        check_number(backfill, f"{where}backfill", 0, 1_000_000, integer=True)
        kind = _str(raw, "kind", where, "feed")
        source = registry.sources.get(kind)
        if source is None:
            kinds = "; ".join(f"{k!r} ({s.help})" if s.help else repr(k) for k, s in registry.sources.items())
            raise ConfigError(
                f"{where}kind", f"{kind!r} is not a kind of feed; the kinds are {kinds}{_off(registry)}"
            )
        if source.remote_only and not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}kind", f"{kind!r} needs an http(s) URL")
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
        only_keys(raw, where, (*CHANNEL_KEYS, *LIVE_KEYS))
        platform = _str(raw, "platform", where)
        if platform not in registry.platforms:
            raise ConfigError(
                f"{where}platform",
                f"{platform!r} is not one of {', '.join(registry.platforms)}{_off(registry)}",
            )
        channel_id = _str(raw, "id", where)
        digest = parse_cron(raw.get("digest", "hourly"), f"{where}digest")
        wanted = _str_list(raw, "feeds", where)
        for name in wanted:
            if name not in feed_names:
                raise ConfigError(f"{where}feeds", f"no feed is named {name!r}")
        keywords = _str_list(raw, "keywords", where)
        for entry in keywords:
            if bad := keyword_problem(entry):
                raise ConfigError(f"{where}keywords", bad)
        only = _str(raw, "only", where, "all")
        if only not in ONLY:
            raise ConfigError(f"{where}only", f"{only!r} is not one of {', '.join(ONLY)}")
        send_empty = raw.get("send_empty", False)
        if not isinstance(send_empty, bool):
            raise ConfigError(f"{where}send_empty", "must be true or false")
        thread = raw.get("thread", False)
        if not isinstance(thread, bool):
            raise ConfigError(f"{where}thread", "must be true or false")
        if thread and not registry.platforms[platform].threads:
            threaded = ", ".join(n for n, p in registry.platforms.items() if p.threads)
            raise ConfigError(f"{where}thread", f"threads are for {threaded} channels, not {platform}")
        if any(c.platform == platform and c.id == channel_id for c in channels):
            raise ConfigError(f"{where}id", f"channel {platform}:{channel_id} is configured twice")
        channels.append(
            Channel(
                platform, channel_id, digest, wanted, keywords, only, send_empty, thread, **_live(raw, where)
            )
        )

    disabled = disabled_plugins(data)
    return Config(
        storage_path=storage_path,
        feeds=tuple(feeds),
        channels=tuple(channels),
        plugins=_plugins(data, registry, disabled),
        window=window,
        keep=keep,
        timezone=timezone,
        platforms=_platforms(data, registry),
        disabled=disabled,
        admins=_str_list(bot_table, "admins", "bot."),
        allow_hosts=tuple(h.lower() for h in _str_list(bot_table, "allow_hosts", "bot.")),
        http=_http(data),
        server=_server(data),
        workers=workers,
    )


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file parsed, or a ConfigError naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "file not found") from None
    except IsADirectoryError:
        raise ConfigError(str(path), "is a directory, not a config file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML: {exc}") from None


def load_config(path: str | Path, registry: Registry | None = None) -> Config:
    """Read and validate a TOML config file."""
    path = Path(path)
    config = parse_config(read_toml(path), base=path.resolve().parent, registry=registry)
    return Config(**{**config.__dict__, "source": path})
