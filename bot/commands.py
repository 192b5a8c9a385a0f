"""Chat commands: a registry of commands, a command line parsed by it, a neutral reply out."""

from __future__ import annotations

import ipaddress
import logging
import re
import shlex
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from bot import queries
from bot.config import Channel, ConfigError, parse_duration
from bot.digest import clip as clip
from bot.feeds import Feeds
from bot.messages import Block, Message
from bot.storage import Store
from bot.urls import url_problem

log = logging.getLogger(__name__)
MAX_ARG = 200
Kind = Literal["text", "words", "duration", "flag", "number", "count"]


class UsageError(ValueError):
    """A command the bot cannot run as written; the message is short and says how to write it."""


@dataclass(frozen=True)
class Param:
    """One typed argument of a command: positional, or an option (`--name value`, `--name` for a flag)."""

    name: str
    help: str = ""
    kind: Kind = "text"  # "words": the rest of the line; "count": a whole number; "number": any number
    option: bool = False
    required: bool = False
    default: str | bool | None = None  # what a platform's form shows (the handler applies its own)
    choices: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        """How the option is written on a command line."""
        return "--" + self.name.replace("_", "-")


@dataclass
class Request:
    """A parsed command: its positional words and its typed options."""

    name: str
    args: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    user: str = ""
    channel: str = ""
    admin: bool = False  # the platform vouches for the user (a Discord admin role or permission)

    @property
    def since(self) -> timedelta | None:
        """The --since option as a time span, if given."""
        value = self.options.get("since")
        return timedelta(seconds=parse_duration(value)) if value else None

    @property
    def new_only(self) -> bool:
        """Whether --new was given."""
        return bool(self.options.get("new"))

    @property
    def every(self) -> str:
        """The --every option as written (10m when not given)."""
        return str(self.options.get("every") or "10m")


Handler = Callable[[Request, "Context"], Message]


@dataclass(frozen=True)
class Command:
    """A chat command: its words ("feeds add"), usage, typed params, whether it is for admins, handler."""

    name: str
    usage: str
    handler: Handler
    help: str = ""  # one line, shown in the platforms' command pickers
    params: tuple[Param, ...] = ()
    admin: bool = False
    refusal: str = ""  # said to a non-admin (default: "only admins may use <name>")
    slash: str = ""  # the platform subcommand's name (default: the words joined by "-")

    @property
    def slash_name(self) -> str:
        """The subcommand name on platforms with command trees (Discord)."""
        return self.slash or self.name.replace(" ", "-")


def builtin_commands() -> dict[str, Command]:
    """The commands the built-in plugins register (for a Context built without a bot)."""
    from bot.plugins import collect, make_manager

    return collect(make_manager(load_entry_points=False)).commands


@dataclass
class Context:
    """Who asks, and what the command may touch."""

    store: Store
    admins: frozenset[str] = frozenset()
    allow_hosts: frozenset[str] = frozenset()
    send_digest: Callable[[str], int] | None = None
    resolve: Callable[[str], list[str]] = field(default=lambda host: _resolve(host))
    feeds: Feeds | None = None  # the bot's feeds (None: only those added from chat are known)
    platform: str = "console"  # where the command came from: subscriptions are per platform channel
    # held while a command runs: the bot's lock, so chat commands and ingest take turns on the store
    lock: AbstractContextManager[Any] = field(default_factory=threading.RLock)
    commands: Mapping[str, Command] = field(default_factory=builtin_commands)
    kinds: tuple[str, ...] = ("feed", "page")  # the source kinds a feed added from chat may have
    timezone: str = "UTC"  # times in replies are shown in the configured zone
    channels: Mapping[str, Channel] | None = None  # this platform's configured channels by id (None: any)

    @property
    def watched(self) -> Feeds:
        """The feeds a command sees and changes."""
        return self.feeds if self.feeds is not None else Feeds(self.store)


def usages(commands: Iterable[Command], first_word: str = "") -> str:
    """The usage lines of the commands (those starting with first_word), joined."""
    return " | ".join(c.usage for c in commands if not first_word or c.name.split()[0] == first_word)


def _find(words: list[str], commands: Mapping[str, Command]) -> tuple[Command, list[str]]:
    for n in (2, 1):
        name = " ".join(words[:n]).lower()
        if len(words) >= n and name in commands:
            return commands[name], words[n:]
    first = words[0].lower()
    if any(name.split()[0] == first for name in commands):
        raise UsageError("usage: " + usages(commands.values(), first))
    heads = dict.fromkeys(name.split()[0] for name in commands)
    raise UsageError(f"unknown command {first!r}; try: {', '.join(heads)}")


def _value(param: Param, text: str) -> Any:
    """An option's value checked against its type."""
    if param.kind == "duration":
        try:
            parse_duration(text, param.flag)
        except ConfigError as e:  # what is wrong, as a config's duration is told it
            raise UsageError(f"{param.flag} {e.problem}") from None
        return text
    if param.kind in ("count", "number"):
        try:
            number = int(text) if param.kind == "count" else float(text)
        except ValueError:
            raise UsageError(
                f"{param.flag} {text!r} is not a {'whole ' * (param.kind == 'count')}number"
            ) from None
        if number < 0:
            raise UsageError(f"{param.flag} must not be negative")
        return number
    if param.choices and text not in param.choices:
        raise UsageError(f"{param.flag} {text!r} is not one of {', '.join(param.choices)}")
    return text


def parse(
    line: str, user: str = "", channel: str = "", commands: Mapping[str, Command] | None = None
) -> Request:
    """Parse '/wirewatch ...' text into a request for one of the commands, or raise UsageError."""
    commands = builtin_commands() if commands is None else commands
    try:
        words = shlex.split(line)
    except ValueError:
        raise UsageError(
            "unbalanced quotes: close the quotation mark you opened, or put a word with an apostrophe "
            'in double quotes ("O\'Brien")'
        ) from None
    if any(len(w) > MAX_ARG for w in words):
        raise UsageError(f"an argument is longer than {MAX_ARG} characters")
    if not words:
        words = ["help"]
    command, rest = _find(words, commands)
    options = {p.flag: p for p in command.params if p.option}
    request = Request(command.name, user=user, channel=channel)
    i = 0
    while i < len(rest):
        word = rest[i]
        param = options.get(word)
        if param is None and word.startswith("--"):
            raise UsageError(f"unknown option {word}; usage: {command.usage}")
        if param is None:
            request.args.append(word)
        elif param.kind == "flag":
            request.options[param.name] = True
        else:
            if i + 1 >= len(rest):
                raise UsageError(f"{word} needs a value; usage: {command.usage}")
            i += 1
            request.options[param.name] = _value(param, rest[i])
        i += 1
    positional = [p for p in command.params if not p.option]
    takes_rest = bool(positional) and positional[-1].kind == "words"
    if len(request.args) < sum(p.required for p in positional) or (
        len(request.args) > len(positional) and not takes_rest
    ):
        raise UsageError("usage: " + command.usage)
    return request


def fts_query(text: str) -> str:
    """User words as an FTS5 query that cannot be a syntax error: each word quoted, all required."""
    words = re.findall(r"[\w'’-]+", text)
    return " ".join('"' + w.replace('"', "") + '"' for w in words)


def named_story(request: Request, ctx: Context) -> dict[str, Any]:
    """The story the request's first argument names (its id or a reference to it), or a usage error."""
    story = queries.story(ctx.store.db, request.args[0])
    if story is None:
        raise UsageError(f"no story {request.args[0]!r}; find one with /wirewatch stories")
    return story


def since_iso(request: Request, default_days: int = 7) -> str:
    """The moment --since points back to (a week ago by default), as ISO text."""
    delta = request.since or timedelta(days=default_days)
    return (datetime.now(UTC) - delta).isoformat(timespec="seconds")


def run(request: Request, ctx: Context) -> Message:
    """Run a request against the store and return the reply; a non-admin is refused admin commands."""
    command = ctx.commands[request.name]
    if command.admin and not is_admin(request, ctx):
        raise UsageError(command.refusal or f"only admins may use {command.name}")
    return command.handler(request, ctx)


def _resolve(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None)]


def check_public_url(url: str, ctx: Context) -> None:
    """Refuse URLs that cannot be fetched or that point into the local or private network."""
    problem = url_problem(url)
    if problem:
        raise UsageError(f"{problem}; usage: " + usages(ctx.commands.values(), "feeds"))
    host = (urlsplit(url).hostname or "").lower()
    if host in ctx.allow_hosts:
        return
    try:
        addresses = [host] if _is_ip(host) else ctx.resolve(host)
    except (OSError, UnicodeError):
        raise UsageError(f"cannot resolve {host}") from None
    from bot.netgate import why_not_public  # httpx and httpcore: only when a feed is added

    for address in addresses:
        if why_not_public(address):
            raise UsageError(f"{host} points into a private or local network; not added")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_admin(request: Request, ctx: Context) -> bool:
    """Whether the asker may change feeds and subscriptions: a configured admin, or vouched for by the
    platform (a Discord admin role or permission)."""
    return request.admin or (bool(request.user) and request.user in ctx.admins)


def answer(
    line: str, ctx: Context, user: str = "", channel: str = "", admin: bool = False
) -> tuple[Message, bool]:
    """Parse and run a command line: (reply, ok). Bad input gets a short usage reply, never a traceback."""
    request: Request | None = None
    try:
        request = parse(line, user, channel, ctx.commands)
        request.admin = admin
        with ctx.lock:
            reply = run(request, ctx)
    except UsageError as exc:
        return Message((Block("text", str(exc)),), str(exc)), False
    except Exception as exc:  # a handler's bug (a plugin's): one line to the asker and to the log
        log.error("command %r failed: %s: %s", line, type(exc).__name__, exc)
        log.debug("command %r failed", line, exc_info=True)
        return _failed(request.name if request else "the command"), False
    if not isinstance(reply, Message):
        log.error("command %r answered with a %s, not a Message", line, type(reply).__name__)
        return _failed(request.name), False
    return reply, True


def _failed(name: str) -> Message:
    """What the asker is told when a command's handler broke."""
    text = f"{name} failed; the bot's log says why"
    return Message((Block("text", text),), text)


def help_message(commands: Iterable[Command]) -> Message:
    """The help reply, generated from the registered commands."""
    listed = list(commands)
    lines = [Block("header", "wirewatch commands")] + [
        Block("text", f"/wirewatch {c.usage}" + (" (admins)" if c.admin else "")) for c in listed
    ]
    return Message(tuple(lines), "wirewatch commands: " + "; ".join(c.usage for c in listed))
