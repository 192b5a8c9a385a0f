"""The `wirewatch` command: run, replay, init, check-config, plugins, feeds, digest, outbox, ask, prune,
slack, discord."""

from __future__ import annotations

import gc
import json
import logging
import os
import resource
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from bot import queries
from bot.config import MAX_WORKERS, Config, ConfigError, Feed, disabled_plugins, parse_config, read_toml
from bot.logs import say, setup_logging
from bot.messages import counted, duration, local_time
from bot.plugins import Manager, PluginError, collect, describe, make_manager, plugin_names
from bot.records import read_jsonl, read_lines

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger("wirewatch")
DEFAULT_CONFIG = "wirewatch.toml"
STOP_WAIT = 8.0  # seconds a stop waits for the article being written before closing anyway
# a collection of the youngest objects once 1,000,000 more are alive, not 700 (Python's default): each
# compared article makes tens of thousands of containers, many of which live on (the stored articles'
# readings kept for the next ones, about a million containers once the 512 are kept), and walking them
# in many small collections cost about 10 % of the ingest's CPU at 700; at 50,000 the first few hundred
# articles, while the kept readings fill up, still paid 0.4-0.7 ms each for collections that freed
# nothing. Next to no cycles are left as garbage (a few dozen objects in 300 articles), so little waits
GC_THRESHOLDS = (1_000_000, 20, 10)


def settle_collector() -> None:
    """Keep what start-up made (modules, plugins, lexicons: it lives as long as the process) out of
    every later collection's walk, and collect the youngest objects less often (GC_THRESHOLDS)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def config_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--config FILE, from $WIREWATCH_CONFIG, else ./wirewatch.toml; the same for every command."""
    return click.option(
        "--config",
        "config_path",
        envvar="WIREWATCH_CONFIG",
        default=DEFAULT_CONFIG,
        show_default="$WIREWATCH_CONFIG, else ./wirewatch.toml",
        type=click.Path(path_type=Path),
        help="TOML config file.",
    )(f)


@click.group()
@click.version_option(package_name="wirewatch")
@click.option("-v", "--verbose", count=True, help="-v: the bot's debug lines; -vv: libraries' too.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object a line, for log shippers.",
)
def cli(verbose: int, log_format: str) -> None:
    """wirewatch: tells new stories from rewrites and finds newly attributed quotes."""
    setup_logging(verbose, log_format)


@cli.command()
@click.argument("stream", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per article (the evaluation contract).")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Store to use (default: a fresh temporary one).",
)
@click.option(
    "--window", default="3650d", show_default=True, help="How far back stories and quotes are matched."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Take the plugins' settings (and which are disabled) from this config; not its storage.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0, max=MAX_WORKERS),
    default=None,
    help="Processes that analyse the articles' text, this one included (0 or 1: this one only; "
    "default: one per core, at most 3). The output is the same whatever the number.",
)
def replay(
    stream: Path, as_json: bool, db: Path | None, window: str, config_path: Path | None, workers: int | None
) -> None:
    """Ingest a JSON-lines article stream in order and print one result per article."""
    with _stdout_for_results() as out:
        _replay(stream, as_json, db, window, config_path, workers, out)


@contextmanager
def _stdout_for_results() -> Iterator[TextIO]:
    """A stream of this process's stdout for the results alone: while it is open, anything else
    written to stdout (a plugin's print, in this process or a forked worker) goes to stderr instead
    of corrupting the results. Where stdout is no file (a test runner's capture), stdout itself."""
    try:
        fd = sys.stdout.fileno()
        err = sys.stderr.fileno()
    except (AttributeError, OSError):  # io.UnsupportedOperation included
        yield sys.stdout
        return
    sys.stdout.flush()
    kept = os.dup(fd)
    results = open(os.dup(fd), "w", encoding=sys.stdout.encoding, errors="replace", closefd=True)  # noqa: SIM115
    os.dup2(err, fd)
    plain, sys.stdout = sys.stdout, sys.stderr
    try:
        yield results
    finally:
        results.close()
        sys.stdout = plain
        os.dup2(kept, fd)
        os.close(kept)


def _replay(
    stream: Path,
    as_json: bool,
    db: Path | None,
    window: str,
    config_path: Path | None,
    workers: int | None,
    out: TextIO,
) -> None:
    from bot import migrations
    from bot.config import parse_duration
    from bot.pipeline import Pipeline
    from bot.progress import Progress
    from bot.storage import Store, StoreError

    if config_path is not None:
        config, pm = _load(config_path, settings_only=True)
        settings: Mapping[str, Mapping[str, Any]] = config.plugins
    else:
        pm = _manager_or_exit()
        settings = collect(pm).settings
    with tempfile.TemporaryDirectory(prefix="wirewatch-") as tmp:
        try:
            store = Store(db or Path(tmp) / "replay.db", window=parse_duration(window, "--window"))
        except (ConfigError, StoreError) as exc:
            raise click.ClickException(str(exc)) from None
        try:
            migrations.apply(store.db, collect(pm).migrations)
        except migrations.MigrationError as exc:
            store.close()
            raise click.ClickException(str(exc)) from None
        pipeline = Pipeline(store, pm, settings, workers)
        settle_collector()
        count = 0
        total = _line_count(stream)
        progress = Progress("replay", total)
        articles = (
            read_lines(sys.stdin.buffer, "<stdin>", "replay", "stdin")
            if str(stream) == "-"
            else read_jsonl(stream, feed="replay")
        )
        for article, prepared in pipeline.ahead(articles, total):
            # committed before it is printed: a crash never loses an article the output showed
            result = pipeline.ingest(article, prepared)
            count += 1
            if result.article.id != article.id:
                log.warning(
                    "article %s: its id, GUID or URL names another stored text; stored as %s",
                    article.id,
                    result.article.id,
                )
            if as_json:
                # one line per input article, under its own id (the store may keep it under another,
                # e.g. when its GUID was reused for another story)
                click.echo(json.dumps({**result.as_json(), "id": article.id}, ensure_ascii=False), file=out)
            else:
                new = sum(q.new for q in result.quotes)
                tied = f"{result.relation} of {result.of}" if result.of else result.relation
                click.echo(
                    f"{article.id:<24} {tied:<36} story {result.story:<24} "
                    f"score {result.score:.2f}  quotes {len(result.quotes)} ({new} new)",
                    file=out,
                )
            progress.update()
        progress.close()
        say(f"replayed {counted(count, 'article')}")
        store.close()
        own, workers_cpu = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        log.info(
            "replay used %.2f s CPU in this process, %.2f s in its workers",
            own.ru_utime + own.ru_stime,
            workers_cpu.ru_utime + workers_cpu.ru_stime,
        )


def _line_count(stream: Path) -> int | None:
    """How many lines a stream has that are not blank, where it can be read twice (a regular file),
    else None: counting a pipe (`-`, /dev/stdin, <(...)) would consume it."""
    if str(stream) == "-" or not stream.is_file():
        return None
    with stream.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


def _load(path: Path, settings_only: bool = False) -> tuple[Config, Manager]:
    """The validated config and its plugin manager (less the plugins it disables), or one clear line.
    settings_only: only its plugins' settings are used (replay), so it need not name a store."""
    if str(path) == DEFAULT_CONFIG and not path.exists():
        raise click.ClickException(
            f"config error: no {DEFAULT_CONFIG} here; pass --config FILE, set WIREWATCH_CONFIG, "
            "or write a starter config with `wirewatch init`"
        )
    try:
        data = read_toml(path)
        storage = data.get("storage", {})
        if settings_only and isinstance(storage, dict) and "path" not in storage:
            data = {**data, "storage": {**storage, "path": ":memory:"}}  # a [storage] without a store too
        pm = make_manager(disabled=disabled_plugins(data))
        config = parse_config(data, base=path.resolve().parent, registry=collect(pm))
    except ConfigError as exc:
        raise click.ClickException(f"config error: {exc}") from None
    except PluginError as exc:
        raise click.ClickException(f"plugin error: {exc}") from None
    return Config(**{**config.__dict__, "source": path}), pm


def _manager_or_exit() -> Manager:
    try:
        return make_manager()
    except PluginError as exc:
        raise click.ClickException(f"plugin error: {exc}") from None


def _config_or_exit(path: Path) -> Config:
    return _load(path)[0]


def _bot(path: Path) -> Bot:
    from bot.app import Bot
    from bot.migrations import MigrationError
    from bot.storage import StoreError

    config, pm = _load(path)
    try:
        return Bot(config, pm=pm)
    except (StoreError, MigrationError) as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@config_option
@click.option("--once", is_flag=True, help="One ingest cycle and one digest delivery, then exit.")
def run(config_path: Path, once: bool) -> None:
    """Run the bot: poll feeds and deliver digests on schedule (or once); SIGTERM, SIGINT or SIGHUP
    stops it after the article being written (a second one exits at once)."""
    from bot.lifecycle import Stopper, exit_now_if_threads_linger

    bot = _bot(config_path)
    Stopper(bot.stopping).install()
    try:
        if once:
            stored, sent = bot.run_once()
            say(f"stored {counted(stored, 'new article')}; sent {counted(sent, 'digest message')}")
            if not bot.stopping.is_set() and bot.every_feed_failed():
                # a cron job's exit status: nothing could be read this cycle
                say(f"every feed failed this cycle ({counted(len(bot.feeds()), 'feed')})", error=True)
                raise SystemExit(1)
            return
        _serve(bot)
    finally:
        bot.close()
    exit_now_if_threads_linger(0)


def _serve(bot: Bot) -> None:
    """Start the HTTP server, chat commands and the scheduler; return once asked to stop."""
    from bot.scheduler import build_scheduler
    from bot.server import Server, ServerError

    config = bot.config
    server: Server | None = Server(config.server.host, config.server.port, bot.metrics, bot.facts)
    assert server is not None
    mounted = bot.serve_http(server.app)  # Slack's HTTP mode, where its secrets are set
    if not (mounted or config.server.enabled):
        server.stop()
        server = None
    try:
        if server is not None:
            try:
                server.start()  # before any work: a port that cannot be bound stops the start
            except ServerError as exc:
                raise click.ClickException(str(exc)) from None
            for platform in mounted:
                say(f"answering /wirewatch from {platform} at http://{server.host}:{server.port}")
        try:
            for platform in bot.serve_chat():
                say(f"answering /wirewatch in {platform}")
        except ValueError as exc:  # a setting the platform's library refuses (a Discord permission name)
            raise click.ClickException(str(exc)) from None
        scheduler = build_scheduler(bot)
        settle_collector()
        # the scheduler in a thread of its own, so that this (the main) thread handles the signals
        thread = threading.Thread(target=scheduler.start, name="scheduler", daemon=True)
        thread.start()
        if server is not None:
            server.scheduler_ok = lambda: thread.is_alive() and bool(scheduler.running)
        feeds, channels = counted(len(bot.feeds()), "feed"), counted(len(config.channels), "channel")
        say(f"wirewatch running: {feeds}, {channels}")
        while not bot.stopping.wait(1.0):
            if not thread.is_alive():
                raise click.ClickException("the scheduler stopped unexpectedly")
        scheduler.shutdown(wait=False)
        # the article being written is finished (ingest and delivery hold the lock between articles);
        # the lock stays held: no chat command writes while the store closes
        if not bot.lock.acquire(timeout=STOP_WAIT):
            log.warning("an ingest did not finish within %.0fs; closing anyway", STOP_WAIT)
        pending = bot.store.db.table("outbox").count_where("status = 'pending'")
        later = f"; {counted(pending, 'outbox part')} pending for the next start" if pending else ""
        log.info("stopped%s", later)
    finally:
        if server is not None:
            server.stop()


@cli.command("check-config")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@config_option
def check_config(path: Path | None, config_path: Path) -> None:
    """Validate a config file and explain what it sets up (PATH is the same as --config)."""
    path = path or config_path
    config, pm = _load(path)
    registry = collect(pm)
    click.echo(f"{path}: OK")
    kept = f"kept {config.keep // 86400} days after their last article" if config.keep else "kept for ever"
    click.echo(
        f"storage: {config.storage_path} (stories and quotes matched over {config.window // 86400} days, "
        f"{kept})"
    )
    for feed in config.feeds:
        missing = "" if feed.is_remote or Path(feed.url).exists() else " (not there yet: each poll says so)"
        click.echo(f"feed {feed.name}: {feed.url} every {duration(feed.every)}{missing}")
    chat_feeds, chat_subscribed = _chat_changes(config)
    for feed in chat_feeds:
        click.echo(f"feed {feed.name}: {feed.url} every {duration(feed.every)} (added from chat)")
    from bot.app import make_adapter

    for ch in config.channels:
        platform = registry.platforms[ch.platform]
        # the platform itself says whether the environment has what it needs to post
        ready, problem = make_adapter(config, ch.platform, platform, os.environ)
        where = (
            ch.platform
            if ready
            else f"nowhere yet: parts wait, its adapter cannot be made ({problem})"
            if problem
            else f"nowhere yet: parts wait until its token is set ({', '.join(platform.env)})"
        )
        wanted = [
            f"feeds {', '.join(ch.feeds)}" if ch.feeds else "",
            f"keywords {', '.join(ch.keywords)}" if ch.keywords else "",
        ]
        subscribed = chat_subscribed.get((ch.platform, ch.id), [])
        wanted.append(f"subscribed from chat to {', '.join(subscribed)}" if subscribed else "")
        filters = ", ".join(w for w in wanted if w) or "everything"
        sends = {
            "digest": f"digest '{ch.digest}'",
            "live": f"live cards (edits at most every {ch.edit_every:g}s)",
            "both": f"digest '{ch.digest}' and live cards (edits at most every {ch.edit_every:g}s)",
        }[ch.mode]
        click.echo(f"channel {ch.platform}:{ch.id}: {sends} via {where}; {filters}")
    click.echo(
        f"plugins: {', '.join(plugin_names(pm))}"
        + (f" (disabled: {', '.join(config.disabled)})" if config.disabled else "")
    )


def _chat_changes(config: Config) -> tuple[list[Feed], dict[tuple[str, str], list[str]]]:
    """The feeds added from chat and each configured channel's subscriptions ("keyword dam"), read from
    the store without writing to it (none for a store that does not exist yet or cannot be read:
    checking a config never creates or migrates one)."""
    import sqlite3

    import sqlite_utils

    from bot.feeds import chat_feeds

    path = config.storage_path
    feeds: list[Feed] = []
    subscribed: dict[tuple[str, str], list[str]] = {}
    if path == ":memory:" or not Path(path).is_file():
        return feeds, subscribed
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)) as conn:
            db = sqlite_utils.Database(conn)
            if db["feeds"].exists():
                feeds = chat_feeds(db, config.feeds)
            if db["subscriptions"].exists():
                for ch in config.channels:
                    rows = queries.subscriptions(db, ch.platform, ch.id)
                    subscribed[(ch.platform, ch.id)] = [f"{r['kind']} {r['value']}" for r in rows]
    except sqlite3.Error as exc:
        say(f"(the store's chat changes cannot be read: {exc})")
    return feeds, subscribed


@cli.command("plugins")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), help="Leave out what this config disables."
)
def list_plugins(config_path: Path | None) -> None:
    """List the loaded plugins: their names, where each comes from, and the hooks it implements."""
    pm = _load(config_path)[1] if config_path is not None else _manager_or_exit()
    for name, origin, hooks in describe(pm):
        click.echo(f"{name}: {origin}\n  hooks: {', '.join(hooks) or 'none'}")
    disabled = [name for name, plugin in pm.list_name_plugin() if plugin is None]
    if disabled:
        click.echo(f"disabled in the config: {', '.join(disabled)}")


@cli.command()
@config_option
def feeds(config_path: Path) -> None:
    """List the feeds with their last success, last error, next poll and items seen."""
    from bot.feeds import Feeds

    config = _config_or_exit(config_path)
    store = _store_or_exit(config, read_only=True)
    watched = Feeds(store, config.feeds)
    for feed in watched.all():
        st = watched.state(feed)
        origin = "" if feed in config.feeds else f" (added from chat by {st.added_by})"
        tz = config.timezone
        error = (st.last_error or "").removeprefix(f"feed {feed.name}: ")  # the feed is named once
        click.echo(
            f"{feed.name}: {feed.url}{origin}\n  last success {local_time(st.last_success, tz)}; "
            f"failures {st.failures}{' (FAILING)' if st.failing else ''}; "
            f"items seen {st.items_seen}; next poll {local_time(st.next_poll, tz, never='at start')}"
            + (f"\n  last error: {error}" if error else "")
        )
    store.close()


@cli.command()
@config_option
@click.option("--channel", "channel_id", required=True, help="The channel id, as in the config.")
@click.option(
    "--print", "print_only", is_flag=True, help="Render the digest here without sending or queuing it."
)
def digest(config_path: Path, channel_id: str, print_only: bool) -> None:
    """Render a channel's digest now (with --print), or queue and deliver it."""
    from bot.delivery import deliver_held, delivery_lock, last_until
    from bot.digest import compose, no_digest, render
    from bot.storage import now_iso

    bot = _bot(config_path)
    channel = next((c for c in bot.config.channels if c.id == channel_id), None)
    try:
        if channel is None:
            raise click.ClickException(f"no channel {channel_id!r} in {config_path}")
        if refused := no_digest(channel):
            raise click.ClickException(refused)
        if print_only:
            composed = compose(bot.store, channel, last_until(bot.store, channel), now_iso())
            click.echo(render(composed, bot.registry.sections).as_text())
            return
        with delivery_lock(bot.store) as held:
            if not held:
                say("another wirewatch process is delivering from this store; it sends the digest")
                return
            # asked for on a terminal: an empty digest is answered here, not posted (unless the channel
            # has send_empty)
            if bot.queue_digest(channel) is None:
                say(f"nothing to post: no new stories for {channel_id} since its last digest")
                return
            sent = deliver_held(bot.store, bot.adapters, budget=bot.edit_budget)
        say(f"sent {counted(sent, 'digest message')}")
    finally:
        bot.close()


@cli.group(invoke_without_command=True)
@config_option
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="How many of the latest parts to list.",
)
@click.pass_context
def outbox(ctx: click.Context, config_path: Path, limit: int) -> None:
    """List the latest digest parts with their delivery status and why they wait or failed."""
    ctx.obj = config_path
    if ctx.invoked_subcommand is not None:
        return
    config = _config_or_exit(config_path)
    store = _store_or_exit(config, read_only=True)
    rows = queries.outbox_latest(store.db, limit)
    if not rows:
        click.echo("the outbox is empty")
    for row in rows:
        what = (  # a live card's post, edit or reply, or a digest's part
            f"card {row['card_id']} {'post' if row['action'] == 'card' else row['action']}"
            if row.get("action")
            else f"digest {row['digest_id']} part {row['part']}"
        )
        line = f"#{row['id']} {what} -> {row['platform']}:{row['channel']}: {row['status']}" + (
            f" after {counted(row['attempts'], 'attempt')}" if row["attempts"] else ""
        )
        if row["sent_at"]:
            line += f", sent {local_time(row['sent_at'], config.timezone)}"
        if row["status"] == "pending" and row["not_before"]:
            line += f", not before {row['not_before']} (Retry-After)"
        if row["last_error"] and row["status"] != "sent":
            line += (
                f"\n  {'why it waits' if row['status'] == 'pending' else 'last error'}: {row['last_error']}"
            )
        if row["status"] == "failed":
            line += f"\n  to send it again: wirewatch outbox retry {row['id']} --config {config_path}"
        click.echo(line)
    store.close()


@outbox.command("retry")
@click.argument("part_id", required=False, type=int)
@click.option("--failed", "all_failed", is_flag=True, help="Every failed part.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="TOML config file.")
@click.pass_context
def outbox_retry(ctx: click.Context, part_id: int | None, all_failed: bool, config_path: Path | None) -> None:
    """Queue a failed part (by its #id) or every failed part again, once the cause is mended."""
    from bot.delivery import retry

    config_path = config_path or ctx.obj
    if config_path is None:
        raise click.UsageError("--config is required")
    if (part_id is None) == (not all_failed):
        raise click.UsageError("give one part id, or --failed for every failed part")
    store = _store_or_exit(_config_or_exit(config_path))
    try:
        count = retry(store, part_id)
    finally:
        store.close()
    if part_id is not None and not count:
        raise click.ClickException(f"no unsent outbox part #{part_id}")
    click.echo(f"{counted(count, 'part')} queued again; they go out with the next delivery")


def _store_or_exit(config: Config, read_only: bool = False) -> Any:
    """The config's store, or one clear line on why it cannot be opened (read_only: an empty store in
    memory where the file is not there yet, so that a command that only lists creates nothing)."""
    from bot.storage import Store, StoreError

    path = config.storage_path
    if read_only and path != ":memory:" and not Path(path).exists():
        path = ":memory:"
    try:
        return Store(path, config.window)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.argument("line")
@config_option
@click.option("--user", default="", help="Ask as this user id (admins may change feeds).")
@click.option("--channel", "channel_id", default="", help="Ask in this channel (as in the config).")
def ask(line: str, config_path: Path, user: str, channel_id: str) -> None:
    """Run a chat command here, e.g. wirewatch ask "quotes Peskov --since 7d"; a refused command
    exits with status 2."""
    from bot.commands import answer

    bot = _bot(config_path)
    # the channel's platform, where the config names the channel; subscriptions are kept per platform
    platforms = {c.platform for c in bot.config.channels if c.id == channel_id}
    try:
        if len(platforms) > 1:
            raise click.ClickException(
                f"channel {channel_id!r} is configured on {', '.join(sorted(platforms))}"
            )
        ctx = bot.context(platforms.pop() if platforms else "console", admins={"terminal"})
        reply, ok = answer(line, ctx, user=user or "terminal", channel=channel_id)
        click.echo(reply.as_text())
        if not ok:
            sys.exit(2)
    finally:
        bot.close()


@cli.command()
@config_option
@click.option("--keep", help="Keep stories that gained an article within this (default: [storage] keep).")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
def prune(config_path: Path, keep: str | None, dry_run: bool) -> None:
    """Forget the stories that gained no article for longer than [storage] keep (or --keep), whole:
    their articles, quotes and cards; and the digests older than that (each channel's latest kept)."""
    from bot.config import parse_duration
    from bot.retention import prune_store

    bot = _bot(config_path)
    try:
        try:
            seconds = parse_duration(keep, "--keep") if keep is not None else bot.config.keep
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        if seconds is None:
            raise click.UsageError("give --keep (e.g. 365d) or set [storage] keep in the config")
        if seconds < bot.config.window:
            raise click.UsageError("--keep must be at least [storage] window: stories being matched are kept")
        with bot.lock:
            done = prune_store(bot.store, seconds, dry_run=dry_run)
        if done is None:
            raise click.ClickException("another wirewatch process is ingesting or delivering: try again")
        click.echo(done.line(dry_run))
    finally:
        bot.close()


@cli.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path | None, force: bool) -> None:
    """Write a commented starter config (default: $WIREWATCH_CONFIG, else ./wirewatch.toml)."""
    from bot.starter import STARTER

    path = path or Path(os.environ.get("WIREWATCH_CONFIG") or DEFAULT_CONFIG)
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; pass --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    say(f"wrote {path}; check it with: wirewatch check-config --config {path}")


@cli.group()
def slack() -> None:
    """Setting up the Slack app."""


@slack.command("manifest")
@click.option("--url", help="The bot's public https base URL (HTTP mode): Slack posts to URL/slack/events.")
@click.option("--socket-mode", is_flag=True, help="For Socket Mode (SLACK_APP_TOKEN): no request URLs.")
@click.option("--name", default="wirewatch", show_default=True, help="The app's name in Slack.")
def slack_manifest(url: str | None, socket_mode: bool, name: str) -> None:
    """Print a manifest for Slack's "Create an app from a manifest" (JSON)."""
    from bot.adapters.slack_setup import manifest

    if bool(url) == socket_mode:
        raise click.UsageError("pass either --url https://your.host (HTTP mode) or --socket-mode")
    if url and not url.startswith("https://"):
        raise click.UsageError(f"--url must be an https:// URL (Slack only posts to https), got {url!r}")
    click.echo(json.dumps(manifest(None if socket_mode else url, name), indent=2))


@cli.group()
def discord() -> None:
    """Setting up the Discord bot."""


@discord.command("invite")
@click.option(
    "--client-id", required=True, help="The application's id (Developer Portal, General Information)."
)
def discord_invite(client_id: str) -> None:
    """Print the URL that adds the bot to a server, with the scopes and permissions it uses."""
    from bot.adapters.discord_setup import invite_url

    if not client_id.isdigit():
        raise click.UsageError(f"--client-id must be the application's numeric id, got {client_id!r}")
    click.echo(invite_url(client_id))


if __name__ == "__main__":
    cli()
