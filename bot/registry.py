"""What plugins register at start-up: one registry per bot, filled by the register_* hooks."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from bot.adapters import Adapter
    from bot.adapters.limits import Limits
    from bot.commands import Command
    from bot.config import Feed
    from bot.digest import StoryDigest
    from bot.http import Http
    from bot.messages import Block, Message
    from bot.models import Article
    from bot.sources import Fetched

NAME = re.compile(r"[a-z0-9_][a-z0-9_-]{0,31}")  # a command's word, platform name or parameter (Discord's)
Known = Callable[["Article"], bool]  # whether an entry is stored already (its page need not be fetched)
Fetch = Callable[["Feed", "Http", str | None, str | None, Known | None], Awaitable["Fetched"]]
Section = Callable[["StoryDigest"], Sequence["Block"]]
Migration = Callable[[sqlite_utils.Database], None]
# (command text, user id, channel id, admin by the platform's own roles) -> (reply, ok)
Answer = Callable[[str, str, str, bool], tuple["Message", bool]]


@dataclass(frozen=True)
class SourceKind:
    """A kind of feed (`kind = "..."` in [[feeds]]): how one poll of such a feed is fetched."""

    kind: str
    fetch: Fetch
    remote_only: bool = False  # needs an http(s) URL, not a local path
    help: str = ""


@dataclass(frozen=True)
class Platform:
    """A chat platform: its outbound adapter, its limits, its own config table and environment."""

    name: str
    limits: Limits
    # (its validated [name] table, the environment) -> an adapter, or None where no token is set
    adapter: Callable[[Mapping[str, Any], Mapping[str, str]], Adapter | None]
    settings: Mapping[str, Any] = field(default_factory=dict)  # its [name] table's keys and defaults
    # its table's values checked further and converted (raise ConfigError naming the key)
    parse: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    env: tuple[str, ...] = ()  # the environment variables it reads (its secrets)
    threads: bool = False  # whether a digest's details can go in a thread
    # inbound, optional: (table, environment, answer, commands) -> whether it now answers commands
    serve: Callable[[Mapping[str, Any], Mapping[str, str], Answer, Sequence[Command]], bool] | None = None
    # inbound over the bot's HTTP server, optional: (table, environment, answer, the aiohttp application)
    # -> whether it mounted its routes (Slack's HTTP mode)
    mount: Callable[[Mapping[str, Any], Mapping[str, str], Answer, Any], bool] | None = None


@dataclass(frozen=True)
class DigestSection:
    """Lines a plugin adds to each story's entry in a digest."""

    name: str
    render: Section


@dataclass
class Registry:
    """Everything the plugins registered, by kind."""

    commands: dict[str, Command] = field(default_factory=dict)
    sources: dict[str, SourceKind] = field(default_factory=dict)
    platforms: dict[str, Platform] = field(default_factory=dict)
    sections: list[DigestSection] = field(default_factory=list)
    migrations: list[Migration] = field(default_factory=list)
    settings: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # plugin name -> defaults
    # plugin name -> setting -> (lowest, highest): a number's range where it is narrower than 0..1e9
    limits: dict[str, Mapping[str, tuple[float, float]]] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)  # the names of the loaded plugins
    switched_off: list[str] = field(default_factory=list)  # installed plugins the config disables

    def add_command(self, command: Command) -> None:
        """Register a chat command; a second command of the same name (or platform name), or a name that
        could not be typed (commands are matched in lower case) or carried by Discord, is an error."""
        words, slash = command.name.split(), command.slash_name
        if not words or not all(NAME.fullmatch(w) for w in [*words, slash]):
            raise ValueError(
                f"command {command.name!r} ({slash!r}): names are 1-32 lower-case letters, digits, - or _"
            )
        for param in command.params:
            if not (param.name.isidentifier() and NAME.fullmatch(param.name)):
                raise ValueError(
                    f"command {command.name!r}: parameter {param.name!r} is no lower-case identifier"
                )
        _unique(self.commands, command.name, "command")
        for other in self.commands.values():
            if other.slash_name == slash:
                raise ValueError(f"command {command.name!r}: its platform name {slash!r} is {other.name!r}'s")
        self.commands[command.name] = command

    def add_source(self, source: SourceKind) -> None:
        """Register a source kind."""
        _unique(self.sources, source.kind, "source kind")
        self.sources[source.kind] = source

    def add_platform(self, platform: Platform) -> None:
        """Register a chat platform."""
        _unique(self.platforms, platform.name, "platform")
        self.platforms[platform.name] = platform

    def add_section(self, section: DigestSection) -> None:
        """Register a digest section (rendered in registration order)."""
        self.sections.append(section)

    def add_migration(self, migration: Migration) -> None:
        """Register a migration of a plugin's own tables; it is recorded by its name, so a name that is
        not an identifier (a lambda) or that another migration has is an error (it would be skipped)."""
        from bot.migrations import MIGRATIONS

        name = getattr(migration, "__name__", "")
        if not name.isidentifier():
            raise ValueError(f"a migration needs a name of its own (a def), not {name or migration!r}")
        _unique({m.__name__: m for m in (*MIGRATIONS, *self.migrations)}, name, "migration")
        self.migrations.append(migration)

    def add_settings(
        self,
        plugin: str,
        defaults: Mapping[str, Any],
        limits: Mapping[str, tuple[float, float]] | None = None,
    ) -> None:
        """Declare the keys (and their defaults and types) of a plugin's [plugins.<name>] table, and
        the range of those numbers that have a narrower one than 0..1e9 (a probability: 0..1)."""
        _unique(self.settings, plugin, "settings table")
        unknown = set(limits or {}) - set(defaults)
        if unknown:
            raise ValueError(f"plugin {plugin}: limits for settings it does not declare: {sorted(unknown)}")
        for key, value in defaults.items():  # a default the operator could not write back is a bug
            low, high = (limits or {}).get(key, (0, 1e9))
            if isinstance(value, int | float) and not isinstance(value, bool) and not low <= value <= high:
                raise ValueError(
                    f"plugin {plugin}: the default of {key}, {value!r}, is outside {low:g}..{high:g} "
                    "(give it limits)"
                )
        self.settings[plugin] = dict(defaults)
        self.limits[plugin] = dict(limits or {})


def _unique(registered: Mapping[str, object], name: str, what: str) -> None:
    if name in registered:
        raise ValueError(f"{what} {name!r} is registered twice")
