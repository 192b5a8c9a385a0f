"""The built-in chat commands, registered through register_commands like any plugin's."""

from __future__ import annotations

from collections.abc import Callable

from bot import queries
from bot.commands import (
    Command,
    Context,
    Param,
    Request,
    UsageError,
    check_public_url,
    clip,
    fts_query,
    help_message,
    named_story,
    since_iso,
)
from bot.config import Channel, parse_duration
from bot.digest import compose, filters
from bot.feeds import FeedError
from bot.hookspecs import hookimpl
from bot.keywords import problem as keyword_problem
from bot.messages import Block, Message, counted, local_time, plural, shown_id
from bot.quote_text import quote_of
from bot.storage import now_iso

ALL = 1_000_000  # rows read to count what a cut list leaves out
SHOWN = {"stories": 10, "quotes": 15, "speakers": 20}  # lines a reply lists
SINCE = Param("since", "how far back, e.g. 7d", "duration", option=True, default="7d")


def _help(request: Request, ctx: Context) -> Message:
    return help_message(ctx.commands.values())


def _look_further(request: Request, narrowed: list[str] | None) -> str:
    """Where an empty list of stories could look instead (the header has said there are none)."""
    ways = [] if request.since else ["--since 30d looks further back than a week"]
    if narrowed is not None:
        ways.append("--all lists the stories of every feed, not only this channel's")
    return "; ".join(ways) + "." if ways else "Nothing matches in that time."


def _stories(request: Request, ctx: Context) -> Message:
    query = fts_query(" ".join(request.args)) if request.args else ""
    if request.args and not query:
        raise UsageError("no words to search for; usage: " + ctx.commands["stories"].usage)
    since = since_iso(request)
    found = queries.stories_since(ctx.store.db, since, query, limit=ALL)
    narrowed = None if request.options.get("all") else _channel_stories(request, ctx, since)
    if narrowed is not None:  # this channel's stories, in its digest's order
        order = {story: i for i, story in enumerate(narrowed)}
        found = sorted((r for r in found if r["story"] in order), key=lambda r: order[r["story"]])
    skip = int(request.options.get("skip") or 0)
    rows = found[skip : skip + SHOWN["stories"]]
    matching = f" matching {' '.join(request.args)!r}" if request.args else ""
    blocks = [Block("header", _of(len(rows), len(found), "story", "stories", skip) + matching)]
    if narrowed is not None:
        blocks.append(
            Block("context", "those this channel gets (its feeds, keywords and mutes); --all: every story")
        )
    for row in rows:
        blocks.append(Block("text", f"{row['headline']}  [{shown_id(row['story'])}]"))
        blocks.append(
            Block(
                "context",
                f"{counted(row['n'], 'article')} · {counted(row['rewrites'] or 0, 'rewrite')} · "
                f"{row['related'] or 0} related · outlets: {clip(_outlets(row['outlets']), 200)}",
            )
        )
    if not rows:
        blocks.append(
            Block("text", f"No stories after the first {skip}." if skip else _look_further(request, narrowed))
        )
    elif len(found) > skip + len(rows):
        words = f"{' '.join(request.args)} " if request.args else ""
        span = request.options.get("since") or SINCE.default
        every = " --all" if request.options.get("all") else ""
        nxt = f"/wirewatch stories {words}--since {span}{every} --skip {skip + len(rows)}"
        blocks.append(Block("context", f"the next {SHOWN['stories']}: {nxt}"))
    return Message(tuple(blocks), blocks[0].text)


def _channel_stories(request: Request, ctx: Context, since: str) -> list[str] | None:
    """In a configured channel whose digest leaves stories out (feeds, keywords, mutes, `only`): the
    stories its digest would list since then, in its order, so that a capped digest's "and N more"
    goes on where it stopped; None elsewhere (every story)."""
    channel = (ctx.channels or {}).get(request.channel) if request.channel else None
    if channel is None:
        return None
    feeds, words = filters(ctx.store, channel)
    muted = queries.muted_stories(ctx.store.db, ctx.platform, channel.id)
    if not (feeds or words or muted or channel.only != "all"):
        return None
    return [s.story_id for s in compose(ctx.store, channel, since, now_iso()).stories]


def _outlets(joined: str | None) -> str:
    """The outlets a story's articles came from, as SQLite's group_concat joined them, for reading."""
    return ", ".join(s.strip() for s in (joined or "").split(",") if s.strip()) or "-"


def _of(shown: int, total: int, one: str, many: str | None = None, skip: int = 0) -> str:
    """ "10 of 89 stories" when the list is cut ("11-20 of 89 stories" past the first ten), else
    "3 stories"."""
    if skip and shown:
        return f"{skip + 1}-{skip + shown} of {counted(total, one, many)}"
    return f"{shown} of {counted(total, one, many)}" if total > shown else counted(total, one, many)


def _more(name: str, which: str) -> str:
    """How to see what a cut list left out."""
    return (
        f"the {SHOWN[name]} {which} are shown; narrow it with words or a shorter time, "
        f"e.g. /wirewatch {name} WORDS --since 1d"
    )


def _story(request: Request, ctx: Context) -> Message:
    story = named_story(request, ctx)
    story_id = story["id"]
    blocks = [Block("header", clip(story["headline"], 140))]
    for row in queries.story_articles(ctx.store.db, story_id):
        by = f", by {row['author']})" if row["author"] else ")"
        blocks.append(
            Block(
                "text",
                f"{row['relation']}: {row['title'] or row['id']} ({row['source'] or '-'}{by}",
                row["url"],
            )
        )
        for sentence in queries.added_sentences(row):  # all of them: digests point here for the rest
            blocks.append(Block("context", f"+ {clip(sentence, 300)}"))
    for q in queries.story_new_quotes(ctx.store.db, story_id):
        blocks.append(Block("text", quote_of(q)))
    return Message(tuple(blocks), story["headline"])


def _quotes(request: Request, ctx: Context) -> Message:
    words = " ".join(request.args)
    found = queries.quotes_since(ctx.store.db, since_iso(request), words, request.new_only, limit=ALL)
    rows = found[: SHOWN["quotes"]]
    blocks = [Block("header", _of(len(rows), len(found), "quote") + (f" for {words!r}" if words else ""))]
    linked: set[str] = set()
    for row in rows:
        mark = "NEW " if row["new"] else ""
        line = quote_of(row)
        also = f"; also {', '.join(row['also'])}" if row["also"] else ""
        text = f"{mark}{line} ({row['source'] or '-'}{also})"
        blocks.append(Block("text", text, row["url"] if row["url"] not in linked else None))
        linked.add(row["url"])  # one link per article
    if not rows:
        blocks.append(Block("text", "No quotes found."))
    elif len(found) > len(rows):
        blocks.append(Block("context", _more("quotes", "newest")))
    return Message(tuple(blocks), blocks[0].text)


def _speakers(request: Request, ctx: Context) -> Message:
    found = queries.speakers_like(ctx.store.db, " ".join(request.args), limit=ALL)
    rows = found[: SHOWN["speakers"]]
    blocks = [Block("header", _of(len(rows), len(found), "speaker"))]
    blocks += [
        Block("text", f"{r['name']}: {counted(r['n'], 'statement')}, {r['new'] or 0} first attributed here")
        for r in rows
    ]
    if len(found) > len(rows):
        blocks.append(Block("context", "the most quoted are shown; narrow it: /wirewatch speakers NAME"))
    return Message(tuple(blocks), blocks[0].text)


def _feeds(request: Request, ctx: Context) -> Message:
    watched = ctx.watched
    feeds = watched.all()
    blocks = [Block("header", counted(len(feeds), "feed"))]
    for feed in feeds:
        st = watched.state(feed)
        last = local_time(st.last_success, ctx.timezone)
        error = (st.last_error or "").removeprefix(f"feed {feed.name}: ")  # the feed is named once
        state = f"failing: {error}" if error else f"ok, last success {last}"
        origin = f", added by {st.added_by}" if st.added_by and feed not in watched.configured else ""
        items = counted(st.items_seen, "item")
        blocks.append(Block("text", f"{feed.name}: {feed.url} — {state}; {items}{origin}"))
    return Message(tuple(blocks), blocks[0].text)


def _feeds_add(request: Request, ctx: Context) -> Message:
    url = request.args[0]
    check_public_url(url, ctx)
    kind = str(request.options.get("kind") or "feed")
    if kind not in ctx.kinds:
        raise UsageError(f"--kind {kind!r} is not one of {', '.join(ctx.kinds)}")
    repost = request.options.get("repost_edits")
    if repost is not None and not 0 < repost <= 1:
        raise UsageError("--repost-edits is the share of the text an edit changes, from 0 to 1")
    try:
        feed = ctx.watched.add(
            url,
            parse_duration(request.every),
            request.user,
            kind=kind,
            backfill=int(request.options.get("backfill") or 0),
            repost_edits=repost,
        )
    except FeedError as exc:
        raise UsageError(str(exc)) from None
    text = f"Now watching {url} as {feed.name}, every {request.every}."
    return Message((Block("text", text),), f"added {feed.name}")


def _feeds_remove(request: Request, ctx: Context) -> Message:
    try:
        feed = ctx.watched.remove(request.args[0])
    except FeedError as exc:
        raise UsageError(str(exc)) from None
    return Message((Block("text", f"Stopped watching {feed.name}."),), "removed")


def _digest(request: Request, ctx: Context) -> Message:
    if ctx.send_digest is None:
        raise UsageError("digests cannot be sent from here")
    try:
        sent = ctx.send_digest(request.channel)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    if not sent:
        text = "No digest sent: nothing new for this channel since its last digest."
        return Message((Block("text", text),), "no digest sent")
    return Message((Block("text", f"Digest sent ({counted(sent, 'message')})."),), "digest sent")


def _quoted(kind: str, values: set[str], joiner: str) -> str:
    return f"{plural(len(values), kind)} {f' {joiner} '.join(repr(v) for v in sorted(values))}"


def _digest_rule(feeds: set[str], keywords: set[str]) -> str:
    """What a channel with these filters gets, in its digest and its cards (bot/digest.py: a story
    from one of the feeds, if any, that matches one of the keywords, if any)."""
    if not feeds and not keywords:
        return "every story"
    where = f" from {_quoted('feed', feeds, 'or')}" if feeds else ""
    what = f" that match {_quoted('keyword', keywords, 'or')}" if keywords else ""
    return f"only stories{where}{what}"


def _subscription(request: Request, ctx: Context) -> Message:
    kind, value = request.args
    usage = ctx.commands[request.name].usage
    if kind not in ("feed", "keyword") or not request.channel:
        raise UsageError("usage: " + usage + ("" if request.channel else " (in a channel)"))
    if ctx.channels is None:
        channel = Channel(ctx.platform, request.channel)
    elif (configured := ctx.channels.get(request.channel)) is None:
        raise UsageError(f"{ctx.platform} channel {request.channel} is not in the config: it gets no digest")
    else:
        channel = configured
    db = ctx.store.db
    if kind == "feed" and ctx.watched.get(value) is None:
        raise UsageError(f"no feed named {value!r}; see /wirewatch feeds")
    if kind == "keyword" and (bad := keyword_problem(value)):
        raise UsageError(f"keyword {bad}")
    before = filters(ctx.store, channel)
    if request.name == "subscribe":
        if value in before[0 if kind == "feed" else 1]:
            text = f"This channel is already subscribed to {kind} {value!r}: it gets {_digest_rule(*before)}."
            return Message((Block("text", text),), "already subscribed")
        queries.subscribe(db, ctx.platform, request.channel, kind, value, request.user)
        after = _digest_rule(*filters(ctx.store, channel))
        text = f"This channel now gets {after} (before: {_digest_rule(*before)})."
        return Message((Block("text", text),), "subscribed")
    if not queries.unsubscribe(db, ctx.platform, request.channel, kind, value):
        raise UsageError(f"this channel is not subscribed to {kind} {value!r}")
    after = _digest_rule(*filters(ctx.store, channel))
    text = f"This channel is no longer subscribed to {kind} {value!r}: it now gets {after}."
    return Message((Block("text", text),), "unsubscribed")


KIND = Param("kind", "feed or keyword", required=True, choices=("feed", "keyword"))
VALUE = Param("value", "a feed's name or a word", required=True)


@hookimpl(tryfirst=True)
def register_commands(register: Callable[[Command], None]) -> None:
    """The built-in commands: stories, quotes, speakers, feeds, digests and subscriptions."""
    register(Command("help", "help", _help, "What wirewatch can do"))
    query = Param("query", "words to search for", "words")
    skip = Param("skip", "stories to pass over (the next page)", "count", option=True)
    register(
        Command(
            "stories",
            "stories [query] [--since 7d] [--skip 10] [--all]",
            _stories,
            "Stories, biggest first (in a digest's order; in a channel, those it gets)",
            (query, SINCE, skip, Param("all", "every story, not only this channel's", "flag", option=True)),
        )
    )
    register(
        Command(
            "story",
            "story ID",
            _story,
            "One story: its articles and quotes",
            (Param("story_id", required=True),),
        )
    )
    speaker = Param("speaker", "a speaker or words", "words")
    new = Param("new", "only first attributions", "flag", option=True, default=False)
    register(
        Command(
            "quotes",
            "quotes [speaker or words] [--since 7d] [--new]",
            _quotes,
            "Who said what",
            (speaker, SINCE, new),
        )
    )
    register(Command("speakers", "speakers [query]", _speakers, "Who has been quoted", (query,)))
    register(Command("feeds", "feeds", _feeds, "The feeds being watched"))
    change_feeds = "only admins may change feeds"
    add_params = (
        Param("url", "an http(s) RSS or Atom URL", required=True),
        Param("every", "how often, e.g. 10m", "duration", option=True, default="10m"),
        Param("kind", "what the URL is: feed or page", option=True, default="feed"),
        Param("backfill", "items of the first poll that reach digests", "count", option=True),
        Param("repost_edits", "post an edit again when this share changed", "number", option=True),
    )
    register(
        Command(
            "feeds add",
            "feeds add URL [--every 10m] [--kind feed] [--backfill 0] [--repost-edits 0.3]",
            _feeds_add,
            "Watch a feed (admins)",
            add_params,
            admin=True,
            refusal=change_feeds,
            slash="feed-add",
        )
    )
    register(
        Command(
            "feeds remove",
            "feeds remove NAME",
            _feeds_remove,
            "Stop watching a feed (admins)",
            (Param("name", required=True),),
            admin=True,
            refusal=change_feeds,
            slash="feed-remove",
        )
    )
    register(
        Command(
            "digest now",
            "digest now",
            _digest,
            "Send this channel's digest now (admins)",
            admin=True,
            refusal="only admins may send a digest now",
            slash="digest",
        )
    )
    for name, what in (
        ("subscribe", "Add a feed or keyword to"),
        ("unsubscribe", "Remove a feed or keyword from"),
    ):
        register(
            Command(
                name,
                f"{name} feed NAME | {name} keyword WORD",
                _subscription,
                f"{what} this channel's digest (admins)",
                (KIND, VALUE),
                admin=True,
                refusal="only admins may change subscriptions",
            )
        )
