"""The `wirewatch` command: replay, run, check-config, feeds."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import tempfile
from pathlib import Path

import click

from bot.config import Config, ConfigError, Secrets, load_config
from bot.plugins import make_manager, plugin_names
from bot.sources import read_jsonl

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
def replay(stream: Path, as_json: bool, db: Path | None, window: str) -> None:
    """Ingest a JSON-lines article stream in order and print one result per article."""
    from bot.config import parse_duration
    from bot.pipeline import Pipeline
    from bot.storage import Store

    with tempfile.TemporaryDirectory(prefix="wirewatch-") as tmp:
        store = Store(db or Path(tmp) / "replay.db", window=parse_duration(window, "--window"))
        pipeline = Pipeline(store, make_manager(), {})
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


def _config_or_exit(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise click.ClickException(f"config error: {exc}") from None


@cli.command()
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="TOML config file."
)
@click.option("--once", is_flag=True, help="One ingest cycle and one digest delivery, then exit.")
def run(config_path: Path, once: bool) -> None:
    """Run the bot: poll feeds and deliver digests on schedule (or once)."""
    from bot.app import Bot

    config = _config_or_exit(config_path)
    bot = Bot(config, Secrets.from_env())
    try:
        if once:
            stored, sent = bot.run_once()
            click.echo(f"stored {stored} new articles; sent {sent} digest messages", err=True)
            return
        from bot.scheduler import build_scheduler

        secrets = Secrets.from_env()
        if secrets.slack_signing_secret and secrets.slack_bot_token:
            from bot.adapters.slack_commands import build_app, serve
            from bot.commands import answer

            ctx = bot.context("slack")
            app = build_app(
                secrets.slack_signing_secret,
                secrets.slack_bot_token,
                lambda text, user, channel: answer(text, ctx, user, channel),
                config.slack_api_url,
            )
            serve(app, secrets.slack_app_token)
            click.echo("answering /wirewatch in Slack", err=True)
        if secrets.discord_bot_token:
            from bot.adapters import discord_commands
            from bot.commands import answer

            dctx = bot.context("discord")
            try:
                discord_commands.serve(
                    secrets.discord_bot_token,
                    lambda text, user, channel, admin: answer(text, dctx, user, channel, admin),
                    config.discord_guild_id,
                    config.discord_admin_roles,
                    config.discord_admin_permission,
                )
            except ValueError as exc:  # a permission name discord.py does not know
                raise click.ClickException(str(exc)) from None
            click.echo("answering /wirewatch in Discord", err=True)
        scheduler = build_scheduler(bot)
        click.echo(f"wirewatch running: {len(config.feeds)} feeds, {len(config.channels)} channels", err=True)
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
    finally:
        bot.close()


@cli.command("check-config")
@click.argument("path", type=click.Path(path_type=Path))
def check_config(path: Path) -> None:
    """Validate a config file and explain what it sets up."""
    config = _config_or_exit(path)
    secrets = Secrets.from_env()
    click.echo(f"{path}: OK")
    click.echo(
        f"storage: {config.storage_path} (stories and quotes matched over {config.window // 86400} days)"
    )
    for feed in config.feeds:
        click.echo(f"feed {feed.name}: {feed.url} every {feed.every}s")
    for ch in config.channels:
        token = {"slack": secrets.slack_bot_token, "discord": secrets.discord_bot_token}.get(ch.platform, "-")
        where = "console (no token in the environment)" if token is None else ch.platform
        filters = (
            ", ".join(
                filter(
                    None,
                    [
                        f"feeds {', '.join(ch.feeds)}" if ch.feeds else "",
                        f"keywords {', '.join(ch.keywords)}" if ch.keywords else "",
                    ],
                )
            )
            or "everything"
        )
        click.echo(f"channel {ch.platform}:{ch.id}: digest '{ch.digest}' via {where}; {filters}")
    click.echo(f"plugins: {', '.join(plugin_names(make_manager()))}")


@cli.command()
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="TOML config file."
)
def feeds(config_path: Path) -> None:
    """List the feeds with their last success, last error, next poll and items seen."""
    from bot.feeds import Feeds
    from bot.storage import Store

    config = _config_or_exit(config_path)
    store = Store(config.storage_path, config.window)
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
    from bot.app import Bot
    from bot.delivery import deliver, last_until, queue_digest
    from bot.digest import compose, render
    from bot.storage import now_iso

    config = _config_or_exit(config_path)
    channel = next((c for c in config.channels if c.id == channel_id), None)
    if channel is None:
        raise click.ClickException(f"no channel {channel_id!r} in {config_path}")
    bot = Bot(config, Secrets.from_env())
    try:
        if print_only:
            composed = compose(bot.store, channel, last_until(bot.store, channel), now_iso())
            click.echo(render(composed).as_text())
            return
        queue_digest(bot.store, channel, send_empty=True)
        click.echo(f"sent {deliver(bot.store, bot.adapters)} digest messages", err=True)
    finally:
        bot.close()


@cli.command()
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="TOML config file."
)
@click.option("--limit", default=20, show_default=True, help="How many of the latest parts to list.")
def outbox(config_path: Path, limit: int) -> None:
    """List the latest digest parts with their delivery status and last error."""
    from bot.storage import Store

    config = _config_or_exit(config_path)
    store = Store(config.storage_path, config.window)
    rows = list(store.db.query("select * from outbox order by id desc limit ?", [limit]))
    if not rows:
        click.echo("the outbox is empty")
    for row in reversed(rows):
        line = (
            f"digest {row['digest_id']} part {row['part']} -> {row['platform']}:{row['channel']}: "
            f"{row['status']} after {row['attempts']} attempt(s)"
        )
        if row["sent_at"]:
            line += f", sent {row['sent_at']}"
        if row["last_error"] and row["status"] != "sent":
            line += f"\n  last error: {row['last_error']}"
        click.echo(line)
    store.close()


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
    from bot.app import Bot
    from bot.commands import answer

    config = _config_or_exit(config_path)
    # the channel's platform, where the config names the channel; subscriptions are kept per platform
    platforms = {c.platform for c in config.channels if c.id == channel_id}
    if len(platforms) > 1:
        raise click.ClickException(f"channel {channel_id!r} is configured on {', '.join(sorted(platforms))}")
    bot = Bot(config, Secrets.from_env())
    try:
        ctx = bot.context(platforms.pop() if platforms else "console", admins={"terminal"})
        reply, ok = answer(line, ctx, user=user or "terminal", channel=channel_id)
        click.echo(reply.as_text())
        if not ok:
            sys.exit(2)
    finally:
        bot.close()


if __name__ == "__main__":
    cli()
