"""Platform-neutral commands: a command line in, a neutral reply out (Slack, Discord, terminal)."""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.config import ConfigError, parse_duration
from bot.messages import Block, Message, counted, local_time
from bot.netgate import why_not_public
from bot.storage import Store, now_iso
from bot.urls import url_problem

MAX_ARG = 200
LIMITS = {"stories": 10, "quotes": 15, "speakers": 20}  # lines a reply lists
USAGE = {
    "help": "help",
    "stories": "stories [query] [--since 7d]",
    "story": "story ID",
    "quotes": "quotes [speaker or words] [--since 7d] [--new]",
    "speakers": "speakers [query]",
    "feeds": "feeds | feeds add URL [--every 10m] | feeds remove NAME",
    "digest": "digest now",
    "subscribe": "subscribe feed NAME | subscribe keyword WORD",
    "unsubscribe": "unsubscribe feed NAME | unsubscribe keyword WORD",
}


class UsageError(ValueError):
    """A command the bot cannot run as written; the message is short and says how to write it."""


@dataclass
class Request:
    """A parsed command."""

    name: str
    args: list[str] = field(default_factory=list)
    since: timedelta | None = None
    new_only: bool = False
    every: str = "10m"
    user: str = ""
    channel: str = ""
    admin: bool = False  # the platform vouches for the user (a Discord admin role or permission)


@dataclass
class Context:
    """Who asks, and what the command may touch."""

    store: Store
    admins: frozenset[str] = frozenset()
    allow_hosts: frozenset[str] = frozenset()
    send_digest: Callable[[str], int] | None = None
    resolve: Callable[[str], list[str]] = field(default=lambda host: _resolve(host))
    platform: str = "console"  # where the command came from: subscriptions are per platform channel
    # held while a command runs: the bot's lock, so chat commands and ingest take turns on the store
    lock: AbstractContextManager[Any] = field(default_factory=threading.RLock)
    timezone: str = "UTC"  # times in replies are shown in the configured zone


def parse(line: str, user: str = "", channel: str = "") -> Request:
    """Parse '/wirewatch ...' text into a request, or raise UsageError."""
    try:
        words = shlex.split(line)
    except ValueError:
        raise UsageError("unbalanced quotes; usage: " + " | ".join(USAGE.values())) from None
    if any(len(w) > MAX_ARG for w in words):
        raise UsageError(f"an argument is longer than {MAX_ARG} characters")
    if not words:
        return Request("help", user=user, channel=channel)
    name, rest = words[0].lower(), words[1:]
    if name not in USAGE:
        raise UsageError(f"unknown command {name!r}; try: {', '.join(USAGE)}")
    request = Request(name, user=user, channel=channel)
    i = 0
    while i < len(rest):
        word = rest[i]
        if word in ("--since", "--every"):
            if i + 1 >= len(rest):
                raise UsageError(f"{word} needs a value like 7d; usage: {USAGE[name]}")
            try:
                seconds = parse_duration(rest[i + 1], word)
            except ConfigError:
                raise UsageError(f"{word} {rest[i + 1]!r} is not a duration like 90m, 12h or 7d") from None
            if word == "--since":
                request.since = timedelta(seconds=seconds)
            else:
                request.every = rest[i + 1]
            i += 2
        elif word == "--new":
            request.new_only = True
            i += 1
        elif word.startswith("--"):
            raise UsageError(f"unknown option {word}; usage: {USAGE[name]}")
        else:
            request.args.append(word)
            i += 1
    return request


def fts_query(text: str) -> str:
    """User words as an FTS5 query that cannot be a syntax error: each word quoted, all required."""
    words = re.findall(r"[\w'’-]+", text)
    return " ".join('"' + w.replace('"', "") + '"' for w in words)


def _since(request: Request, default_days: int = 7) -> str:
    delta = request.since or timedelta(days=default_days)
    return (datetime.now(UTC) - delta).isoformat(timespec="seconds")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run(request: Request, ctx: Context) -> Message:
    """Run a request against the store and return the reply."""
    handler = _HANDLERS[request.name]
    return handler(request, ctx)


def _help(request: Request, ctx: Context) -> Message:
    lines = [Block("header", "wirewatch commands")] + [
        Block("text", f"/wirewatch {u}") for u in USAGE.values()
    ]
    return Message(tuple(lines), "wirewatch commands: " + "; ".join(USAGE.values()))


def _stories(request: Request, ctx: Context) -> Message:
    db = ctx.store.db
    since = _since(request)
    params: list[object] = [since]
    where = "a.ingested >= ?"
    if request.args:
        query = fts_query(" ".join(request.args))
        if not query:
            raise UsageError("no words to search for; usage: " + USAGE["stories"])
        where += " and a.rowid in (select rowid from articles_fts where articles_fts match ?)"
        params.append(query)
    rows = list(
        db.query(
            "select coalesce(s.merged_into, a.story_id) as story, count(*) as n, "
            "sum(a.relation = 'rewrite') as rewrites, sum(a.relation = 'related') as related, "
            "group_concat(distinct a.source) as outlets, max(a.at) as latest "
            f"from articles a join stories s on s.id = a.story_id where {where} "
            f"group by story order by n desc, latest desc limit {LIMITS['stories']}",
            params,
        )
    )
    total = db.execute(
        "select count(distinct coalesce(s.merged_into, a.story_id)) "
        f"from articles a join stories s on s.id = a.story_id where {where}",
        params,
    ).fetchone()[0]
    matching = f" matching {' '.join(request.args)!r}" if request.args else ""
    blocks = [Block("header", _of(len(rows), total, "story", "stories") + matching)]
    for row in rows:
        story = db.table("stories").get(row["story"])
        blocks.append(Block("text", f"{story['headline']}  [{row['story']}]"))
        blocks.append(
            Block(
                "context",
                f"{counted(row['n'], 'article')} · {counted(row['rewrites'] or 0, 'rewrite')} · "
                f"{row['related'] or 0} related · "
                f"outlets: {_clip(row['outlets'] or '-', 200)}",
            )
        )
    if not rows:
        blocks.append(Block("text", "No stories found."))
    elif total > len(rows):
        blocks.append(Block("context", _more(request, "stories")))
    return Message(tuple(blocks), blocks[0].text)


def _of(shown: int, total: int, one: str, many: str | None = None) -> str:
    """ "10 of 89 stories" when the list is cut, else "3 stories"."""
    return f"{shown} of {counted(total, one, many)}" if total > shown else counted(total, one, many)


def _more(request: Request, name: str) -> str:
    """How to see what a cut list left out."""
    shown = "with the most articles" if name == "stories" else "newest"
    return (
        f"the {LIMITS[name]} {shown} are shown; narrow it with words or a shorter time, "
        f"e.g. /wirewatch {name} WORDS --since 1d"
    )


def _story(request: Request, ctx: Context) -> Message:
    if len(request.args) != 1:
        raise UsageError("usage: " + USAGE["story"])
    db = ctx.store.db
    story_id = request.args[0]
    if not db.table("stories").count_where("id = ?", [story_id]):
        raise UsageError(f"no story {story_id!r}; find one with /wirewatch stories")
    ids = [
        r[0]
        for r in db.execute("select id from stories where id = ? or merged_into = ?", [story_id, story_id])
    ]
    marks = ",".join("?" * len(ids))
    story = db.table("stories").get(story_id)
    blocks = [Block("header", _clip(story["headline"], 140))]
    for row in db.query(f"select * from articles where story_id in ({marks}) order by at, rowid", ids):
        blocks.append(
            Block(
                "text",
                f"{row['relation']}: {row['title'] or row['id']} ({row['source'] or '-'}"
                + (f", by {row['author']})" if row["author"] else ")"),
                row["url"],
            )
        )
        for sentence in json.loads(row["added"] or "[]")[:2]:
            blocks.append(Block("context", f"+ {_clip(sentence, 300)}"))
    for q in db.query(
        f"select speaker, text, new from quotes where story_id in ({marks}) and new = 1 order by id", ids
    ):
        blocks.append(Block("text", f"{q['speaker']}: “{_clip(q['text'], 300)}”"))
    return Message(tuple(blocks), story["headline"])


def _quotes(request: Request, ctx: Context) -> Message:
    db = ctx.store.db
    params: list[object] = [_since(request)]
    where = "q.first_seen >= ?"
    if request.new_only:
        where += " and q.new = 1"
    if request.args:
        words = " ".join(request.args)
        where += " and (q.speaker like ? or s.name like ? or q.text like ?)"
        params += [f"%{words}%"] * 3
    rows = list(
        db.query(
            "select q.speaker, q.text, q.new, q.first_seen, a.source, a.url from quotes q "
            f"join speakers s on s.id = q.speaker_id join articles a on a.id = q.article_id where {where} "
            f"order by q.id desc limit {LIMITS['quotes']}",
            params,
        )
    )
    total = db.execute(
        "select count(*) from quotes q join speakers s on s.id = q.speaker_id "
        f"join articles a on a.id = q.article_id where {where}",
        params,
    ).fetchone()[0]
    who = f" for {' '.join(request.args)!r}" if request.args else ""
    blocks = [Block("header", _of(len(rows), total, "quote") + who)]
    linked: set[str] = set()
    for row in rows:
        mark = "NEW " if row["new"] else ""
        url = row["url"] if row["url"] not in linked else None  # one link per article
        linked.add(row["url"])
        blocks.append(
            Block(
                "text", f"{mark}{row['speaker']}: “{_clip(row['text'], 300)}” ({row['source'] or '-'})", url
            )
        )
    if not rows:
        blocks.append(Block("text", "No quotes found."))
    elif total > len(rows):
        blocks.append(Block("context", _more(request, "quotes")))
    return Message(tuple(blocks), blocks[0].text)


def _speakers(request: Request, ctx: Context) -> Message:
    db = ctx.store.db
    like = f"%{' '.join(request.args)}%"
    rows = list(
        db.query(
            "select s.name, count(q.id) as n, sum(q.new) as new from speakers s "
            "left join quotes q on q.speaker_id = s.id where s.name like ? "
            f"group by s.id order by n desc limit {LIMITS['speakers']}",
            [like],
        )
    )
    total = db.execute("select count(*) from speakers where name like ?", [like]).fetchone()[0]
    blocks = [Block("header", _of(len(rows), total, "speaker"))]
    blocks += [
        Block("text", f"{r['name']}: {counted(r['n'], 'statement')}, {r['new'] or 0} first attributed here")
        for r in rows
    ]
    if total > len(rows):
        blocks.append(Block("context", "the most quoted are shown; narrow it: /wirewatch speakers NAME"))
    return Message(tuple(blocks), blocks[0].text)


def _feeds(request: Request, ctx: Context) -> Message:
    if request.args and request.args[0] in ("add", "remove"):
        if not is_admin(request, ctx):
            raise UsageError("only admins may change feeds")
        if request.args[0] == "add":
            return _feeds_add(request, ctx)
        return _feeds_remove(request, ctx)
    if request.args:
        raise UsageError("usage: " + USAGE["feeds"])
    rows = list(ctx.store.db.query("select * from feeds order by name"))
    blocks = [Block("header", counted(len(rows), "feed"))]
    for r in rows:
        error = str(r["last_error"] or "").removeprefix(f"feed {r['name']}: ")  # named once, not twice
        state = (
            f"failing: {error}"
            if error
            else f"ok, last success {local_time(r['last_success'], ctx.timezone)}"
        )
        items = counted(r["items_seen"] or 0, "item")
        blocks.append(Block("text", f"{r['name']}: {r['url']} — {state}; {items}"))
    return Message(tuple(blocks), blocks[0].text)


def _feeds_add(request: Request, ctx: Context) -> Message:
    if len(request.args) != 2:
        raise UsageError("usage: " + USAGE["feeds"])
    url = request.args[1]
    check_public_url(url, ctx)
    name = re.sub(r"[^a-z0-9]+", "-", (urlsplit(url).hostname or "feed").lower()).strip("-")
    table = ctx.store.db.table("feeds")
    if table.count_where("url = ?", [url]):
        raise UsageError(f"{url} is already watched")
    while table.count_where("name = ?", [name]):
        name += "-2"
    table.insert(
        {
            "name": name,
            "url": url,
            "every": parse_duration(request.every),
            "items_seen": 0,
            "failures": 0,
            "added_by": request.user or "?",
            "added": now_iso(),
        }
    )
    return Message((Block("text", f"Now watching {url} as {name}, every {request.every}."),), f"added {name}")


def _feeds_remove(request: Request, ctx: Context) -> Message:
    if len(request.args) != 2:
        raise UsageError("usage: " + USAGE["feeds"])
    table = ctx.store.db.table("feeds")
    if not table.count_where("name = ?", [request.args[1]]):
        raise UsageError(f"no feed named {request.args[1]!r}")
    table.delete(request.args[1])
    return Message((Block("text", f"Stopped watching {request.args[1]}."),), "removed")


def _digest(request: Request, ctx: Context) -> Message:
    if request.args != ["now"]:
        raise UsageError("usage: " + USAGE["digest"])
    if ctx.send_digest is None:
        raise UsageError("digests cannot be sent from here")
    sent = ctx.send_digest(request.channel)
    return Message(
        (Block("text", f"Digest sent ({sent} message{'s' if sent != 1 else ''})."),), "digest sent"
    )


def _subscription(request: Request, ctx: Context) -> Message:
    if not is_admin(request, ctx):
        raise UsageError("only admins may change subscriptions")
    if len(request.args) != 2 or request.args[0] not in ("feed", "keyword") or not request.channel:
        raise UsageError("usage: " + USAGE[request.name])
    kind, value = request.args
    table = ctx.store.db.table("subscriptions")
    key = {"platform": ctx.platform, "channel": request.channel, "kind": kind, "value": value}
    if kind == "feed" and not ctx.store.db.table("feeds").count_where("name = ?", [value]):
        raise UsageError(f"no feed named {value!r}; see /wirewatch feeds")
    if request.name == "subscribe":
        table.insert({**key, "added_by": request.user, "added": now_iso()}, replace=True)
        return Message(
            (Block("text", f"This channel now gets {kind} {value!r} in its digest."),), "subscribed"
        )
    deleted = ctx.store.db.execute(
        "delete from subscriptions where platform = ? and channel = ? and kind = ? and value = ?",
        list(key.values()),
    ).rowcount
    ctx.store.db.conn.commit()
    if not deleted:
        raise UsageError(f"this channel is not subscribed to {kind} {value!r}")
    return Message((Block("text", f"This channel no longer gets {kind} {value!r}."),), "unsubscribed")


def _resolve(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None)]


def check_public_url(url: str, ctx: Context) -> None:
    """Refuse URLs that cannot be fetched or that point into the local or private network."""
    problem = url_problem(url)
    if problem:
        raise UsageError(f"{problem}; usage: " + USAGE["feeds"])
    host = (urlsplit(url).hostname or "").lower()
    if host in ctx.allow_hosts:
        return
    try:
        addresses = [host] if _is_ip(host) else ctx.resolve(host)
    except (OSError, UnicodeError):
        raise UsageError(f"cannot resolve {host}") from None
    for address in addresses:
        if why_not_public(address):
            raise UsageError(f"{host} points into a private or local network; not added")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_HANDLERS: dict[str, Callable[[Request, Context], Message]] = {
    "help": _help,
    "stories": _stories,
    "story": _story,
    "quotes": _quotes,
    "speakers": _speakers,
    "feeds": _feeds,
    "digest": _digest,
    "subscribe": _subscription,
    "unsubscribe": _subscription,
}


def is_admin(request: Request, ctx: Context) -> bool:
    """Whether the asker may change feeds and subscriptions: a configured admin, or vouched for by the
    platform (a Discord admin role or permission)."""
    return request.admin or (bool(request.user) and request.user in ctx.admins)


def answer(
    line: str, ctx: Context, user: str = "", channel: str = "", admin: bool = False
) -> tuple[Message, bool]:
    """Parse and run a command line: (reply, ok). Bad input gets a short usage reply, never a traceback."""
    try:
        request = parse(line, user, channel)
        request.admin = admin
        with ctx.lock:
            return run(request, ctx), True
    except UsageError as exc:
        return Message((Block("text", str(exc)),), str(exc)), False
