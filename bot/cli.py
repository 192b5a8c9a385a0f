"""The `wirewatch` command: replay, run, check-config, feeds."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot import queries
from bot.config import Config, ConfigError, disabled_plugins, parse_config, read_toml
from bot.plugins import Manager, PluginError, collect, describe, make_manager, plugin_names
from bot.sources import read_jsonl

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger("wirewatch")


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.group()
@click.version_option(package_name="wirewatch")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def cli(verbose: bool) -> None:
    """wirewatch: tells new stories from rewrites and finds newly attributed quotes."""
    _logging(verbose)


@cli.command()
@click.argument("stream", type=click.Path(exists=True, dir_okay=False, path_type=Path))
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
def replay(stream: Path, as_json: bool, db: Path | None, window: str, config_path: Path | None) -> None:
    """Ingest a JSON-lines article stream in order and print one result per article."""
    from bot import migrations
    from bot.config import parse_duration
    from bot.pipeline import Pipeline
    from bot.storage import Store, StoreError

    if config_path is not None:
        config, pm = _load(config_path)
        settings: Mapping[str, Mapping[str, Any]] = config.plugins
    else:
        pm = _manager_or_exit()
        settings = collect(pm).settings
    with tempfile.TemporaryDirectory(prefix="wirewatch-") as tmp:
        try:
            store = Store(db or Path(tmp) / "replay.db", window=parse_duration(window, "--window"))
        except (ConfigError, StoreError) as exc:
            raise click.ClickException(str(exc)) from None
        migrations.apply(store.db, collect(pm).migrations)
        pipeline = Pipeline(store, pm, settings)
        count = 0
        for article in read_jsonl(stream, feed="replay"):
            result = pipeline.ingest(article)
            count += 1
            if as_json:
                click.echo(json.dumps(result.as_json(), ensure_ascii=False))
            else:
                new = sum(q.new for q in result.quotes)
                tied = f"{result.relation} of {result.of}" if result.of else result.relation
                click.echo(
                    f"{article.id:<24} {tied:<36} story {result.story:<24} "
                    f"score {result.score:.2f}  quotes {len(result.quotes)} ({new} new)"
                )
            if count % 100 == 0:
                click.echo(f"{count} articles", err=True)
        click.echo(f"replayed {count} articles", err=True)
        store.close()


def _load(path: Path) -> tuple[Config, Manager]:
    """The validated config and its plugin manager (less the plugins it disables), or one clear line."""
    try:
        data = read_toml(path)
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
    from bot.storage import StoreError

    config, pm = _load(path)
    try:
        return Bot(config, pm=pm)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="TOML config file."
)
@click.option("--once", is_flag=True, help="One ingest cycle and one digest delivery, then exit.")
def run(config_path: Path, once: bool) -> None:
    """Run the bot: poll feeds and deliver digests on schedule (or once)."""
    bot = _bot(config_path)
    config = bot.config
    try:
        if once:
            stored, sent = bot.run_once()
            click.echo(f"stored {stored} new articles; sent {sent} digest messages", err=True)
            return
        from bot.scheduler import build_scheduler

        try:
            for platform in bot.serve_chat():
                click.echo(f"answering /wirewatch in {platform}", err=True)
        except ValueError as exc:  # a setting the platform's library refuses (a Discord permission name)
            raise click.ClickException(str(exc)) from None
        scheduler = build_scheduler(bot)
        click.echo(f"wirewatch running: {len(bot.feeds())} feeds, {len(config.channels)} channels", err=True)
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
    finally:
        bot.close()


@cli.command("check-config")
@click.argument("path", type=click.Path(path_type=Path))
def check_config(path: Path) -> None:
    """Validate a config file and explain what it sets up."""
    config, pm = _load(path)
    registry = collect(pm)
    click.echo(f"{path}: OK")
    click.echo(
        f"storage: {config.storage_path} (stories and quotes matched over {config.window // 86400} days)"
    )
    for feed in config.feeds:
        click.echo(f"feed {feed.name}: {feed.url} every {feed.every}s")
    for ch in config.channels:
        platform = registry.platforms[ch.platform]
        # the platform itself says whether the environment has what it needs to post
        ready = platform.adapter(config.platforms.get(ch.platform, platform.settings), os.environ)
        where = (
            ch.platform
            if ready
            else f"nowhere yet: parts wait until its token is set ({', '.join(platform.env)})"
        )
        wanted = [
            f"feeds {', '.join(ch.feeds)}" if ch.feeds else "",
            f"keywords {', '.join(ch.keywords)}" if ch.keywords else "",
        ]
        filters = ", ".join(w for w in wanted if w) or "everything"
        click.echo(f"channel {ch.platform}:{ch.id}: digest '{ch.digest}' via {where}; {filters}")
    click.echo(
        f"plugins: {', '.join(plugin_names(pm))}"
        + (f" (disabled: {', '.join(config.disabled)})" if config.disabled else "")
    )


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
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="TOML config file."
)
def feeds(config_path: Path) -> None:
    """List the feeds with their last success, last error, next poll and items seen."""
    from bot.feeds import Feeds

    config = _config_or_exit(config_path)
    store = _store_or_exit(config)
    watched = Feeds(store, config.feeds)
    for feed in watched.all():
        st = watched.state(feed)
        origin = "" if feed in config.feeds else f" (added from chat by {st.added_by})"
        click.echo(
            f"{feed.name}: {feed.url}{origin}\n  last success {st.last_success or 'never'}; "
            f"failures {st.failures}{' (FAILING)' if st.failing else ''}; "
            f"items seen {st.items_seen}; next poll {st.next_poll or 'at start'}"
            + (f"\n  last error: {st.last_error}" if st.last_error else "")
        )
    store.close()


@cli.command()
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="TOML config file."
)
@click.option("--channel", "channel_id", required=True, help="The channel id, as in the config.")
@click.option(
    "--print", "print_only", is_flag=True, help="Render the digest here without sending or queuing it."
)
def digest(config_path: Path, channel_id: str, print_only: bool) -> None:
    """Render a channel's digest now (with --print), or queue and deliver it."""
    from bot.delivery import deliver_held, delivery_lock, last_until
    from bot.digest import compose, render
    from bot.storage import now_iso

    bot = _bot(config_path)
    channel = next((c for c in bot.config.channels if c.id == channel_id), None)
    try:
        if channel is None:
            raise click.ClickException(f"no channel {channel_id!r} in {config_path}")
        if print_only:
            composed = compose(bot.store, channel, last_until(bot.store, channel), now_iso())
            click.echo(render(composed, bot.registry.sections).as_text())
            return
        with delivery_lock(bot.store) as held:
            if not held:
                click.echo(
                    "another wirewatch process is delivering from this store; it sends the digest", err=True
                )
                return
            bot.queue_digest(channel, send_empty=True)
            sent = deliver_held(bot.store, bot.adapters)
        click.echo(f"sent {sent} digest messages", err=True)
    finally:
        bot.close()


@cli.group(invoke_without_command=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="TOML config file.")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="How many of the latest parts to list.",
)
@click.pass_context
def outbox(ctx: click.Context, config_path: Path | None, limit: int) -> None:
    """List the latest digest parts with their delivery status and why they wait or failed."""
    ctx.obj = config_path
    if ctx.invoked_subcommand is not None:
        return
    if config_path is None:
        raise click.UsageError("--config is required")
    config = _config_or_exit(config_path)
    store = _store_or_exit(config)
    rows = queries.outbox_latest(store.db, limit)
    if not rows:
        click.echo("the outbox is empty")
    for row in rows:
        line = (
            f"#{row['id']} digest {row['digest_id']} part {row['part']} -> "
            f"{row['platform']}:{row['channel']}: "
            f"{row['status']} after {row['attempts']} attempt(s)"
        )
        if row["sent_at"]:
            line += f", sent {row['sent_at']}"
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
    click.echo(f"{count} part(s) queued again; they go out with the next delivery")


def _store_or_exit(config: Config) -> Any:
    """The config's store, or one clear line on why it cannot be opened."""
    from bot.storage import Store, StoreError

    try:
        return Store(config.storage_path, config.window)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.argument("line")
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="TOML config file."
)
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


if __name__ == "__main__":
    cli()
