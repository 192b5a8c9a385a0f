"""Named read and write queries of the store for chat commands, the digest, delivery and the CLI."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

import sqlite_utils

from bot.messages import REF, story_ref
from bot.storage import index_search, now_iso

Row = dict[str, Any]
log = logging.getLogger(__name__)


def stories_since(db: sqlite_utils.Database, since: str, match: str = "", limit: int = 10) -> list[Row]:
    """Stories with articles ingested since then (matching an FTS query, if given), biggest first, in a
    digest's order (more outlets, more new quotes, more recent): story, n, rewrites, related, outlets,
    latest and headline."""
    params: list[object] = [since]
    where = "a.ingested >= ?"
    if match:
        try:
            index_search(db)  # the articles stored since the last batch are found too
        except sqlite3.Error as exc:  # searched as indexed: at most the last batch is missing
            log.warning("the search index was not brought up to date before a search: %s", exc)
        where += " and a.rowid in (select rowid from articles_fts where articles_fts match ?)"
        params.append(match)
    return list(
        db.query(
            "select coalesce(s.merged_into, a.story_id) as story, count(*) as n, "
            # the story's first (earliest published) is its original, also where it came in after a
            # rewrite of it and was stored as related
            "sum(a.relation = 'rewrite') as rewrites, sum(a.relation = 'related') - "
            "coalesce((select f.relation = 'related' from articles f where f.story_id = "
            "coalesce(s.merged_into, a.story_id) order by f.at, f.rowid limit 1), 0) as related, "
            "group_concat(distinct a.source) as outlets, max(a.at) as latest, "
            "count(distinct a.source) as sources, "
            "sum((select count(*) from quotes q where q.article_id = a.id and q.new = 1)) as quotes, "
            "(select headline from stories where id = coalesce(s.merged_into, a.story_id)) as headline "
            f"from articles a join stories s on s.id = a.story_id where {where} "
            "group by story order by sources desc, quotes desc, latest desc, n desc limit ?",
            [*params, limit],
        )
    )


def story(db: sqlite_utils.Database, story_id: str) -> Row | None:
    """One story's row, by its id or by a reference to it that a platform's limit cut (messages.story_ref)."""
    row = next(db.query("select * from stories where id = ?", [story_id]), None)
    head, ref, _ = story_id.rpartition(REF)
    if row is not None or not ref or not head:
        return row
    # the key's index serves the head's range: the stories whose ids start with it
    for found in db.query("select * from stories where id > ? and id < ?", [head, head + "\U0010ffff"]):
        if story_ref(found["id"], len(story_id)) == story_id:
            return found
    return None


def first_article(db: sqlite_utils.Database, story_id: str) -> Row | None:
    """A story's first article: id, title, source, url and text."""
    return next(
        db.query(
            "select id, title, source, url, text from articles where story_id = ? order by at, rowid limit 1",
            [story_id],
        ),
        None,
    )


def articles_for_digest(db: sqlite_utils.Database, since: str, until: str) -> list[Row]:
    """Articles ingested in (since, until] and not quietened, or substantively edited then, in order."""
    return list(
        db.query(
            "select * from articles where (ingested > ? and ingested <= ? and quiet = 0) "
            "or (edited > ? and edited <= ?) order by at, rowid",
            [since, until, since, until],
        )
    )


def article_new_quotes(db: sqlite_utils.Database, article_id: str) -> list[Row]:
    """The statements first attributed in an article, in text order."""
    return list(
        db.query(
            "select speaker, text, direct, unresolved from quotes where article_id = ? and new = 1 "
            "order by start",
            [article_id],
        )
    )


def _in_story(db: sqlite_utils.Database, select: str, story_id: str, order: str) -> list[Row]:
    """Rows of a select over the story and the stories merged into it."""
    merged = "(select id from stories where id = ? or merged_into = ?)"
    return list(db.query(f"{select} where story_id in {merged} {order}", [story_id, story_id]))


def story_articles(db: sqlite_utils.Database, story_id: str) -> list[Row]:
    """The articles of a story and of the stories merged into it, oldest first."""
    return _in_story(db, "select * from articles", story_id, "order by at, rowid")


def story_new_quotes(db: sqlite_utils.Database, story_id: str) -> list[Row]:
    """The statements first attributed in a story (and the stories merged into it)."""
    return _in_story(
        db, "select speaker, text, direct, unresolved from quotes", story_id, "and new = 1 order by id"
    )


def quotes_since(
    db: sqlite_utils.Database, since: str, words: str = "", new_only: bool = False, limit: int = 15
) -> list[Row]:
    """The latest statements quoted since then, by a speaker or with words like these, each once: its
    earliest row in that time (new, or the first repeat of an older one), with `also` the other outlets
    that repeated it, in the order of their latest use."""
    params: list[object] = [since]
    where = "q.first_seen >= ?"
    if new_only:
        where += " and q.new = 1"
    if words:
        where += " and (q.speaker like ? or s.name like ? or q.text like ?)"
        params += [f"%{words}%"] * 3
    rows = db.query(
        "select q.id, coalesce(q.same_as, q.id) as statement, q.speaker, q.text, q.direct, q.unresolved, "
        "q.new, q.first_seen, a.source, a.url from quotes q "
        f"join speakers s on s.id = q.speaker_id join articles a on a.id = q.article_id where {where} "
        "order by q.id desc",
        params,
    )
    uses: dict[int, list[Row]] = {}  # statement -> its rows, newest first; statements by latest use
    for row in rows:
        uses.setdefault(row["statement"], []).append(row)
    out = []
    for *later, first in list(uses.values())[:limit]:
        also = dict.fromkeys(r["source"] for r in later if r["source"] and r["source"] != first["source"])
        out.append({**first, "also": list(also)})
    return out


def speakers_like(db: sqlite_utils.Database, words: str, limit: int = 20) -> list[Row]:
    """Speakers whose name contains the words, most quoted first: name, n, new.

    Only named speakers are rows: an unresolved mention ("he", "the company") names nobody."""
    return list(
        db.query(
            "select s.name, count(q.id) as n, sum(q.new) as new from speakers s "
            "join quotes q on q.speaker_id = s.id and coalesce(q.unresolved, 0) = 0 where s.name like ? "
            "group by s.id order by n desc limit ?",
            [f"%{words}%", limit],
        )
    )


def subscriptions(db: sqlite_utils.Database, platform: str, channel: str) -> list[Row]:
    """The feeds and keywords a channel subscribed to from chat: kind and value."""
    return list(
        db.query(
            "select kind, value from subscriptions where platform = ? and channel = ?", [platform, channel]
        )
    )


def subscribe(
    db: sqlite_utils.Database, platform: str, channel: str, kind: str, value: str, user: str
) -> None:
    """Add a feed or keyword to a channel's digest."""
    db.table("subscriptions").insert(
        {
            "platform": platform,
            "channel": channel,
            "kind": kind,
            "value": value,
            "added_by": user,
            "added": now_iso(),
        },
        replace=True,
    )


def unsubscribe(db: sqlite_utils.Database, platform: str, channel: str, kind: str, value: str) -> bool:
    """Remove a feed or keyword from a channel's digest; False if it was not there."""
    deleted = db.execute(
        "delete from subscriptions where platform = ? and channel = ? and kind = ? and value = ?",
        [platform, channel, kind, value],
    ).rowcount
    db.conn.commit()
    return bool(deleted)


def outbox_latest(db: sqlite_utils.Database, limit: int) -> list[Row]:
    """The latest outbox parts, oldest of them first."""
    return list(reversed(list(db.query("select * from outbox order by id desc limit ?", [limit]))))


def muted_stories(db: sqlite_utils.Database, platform: str, channel: str) -> set[str]:
    """The stories a channel muted (no updates or digest entries for them there)."""
    if not db.table("muted_stories").exists():
        return set()
    rows = db.execute(
        "select story_id from muted_stories where platform = ? and channel = ?", [platform, channel]
    )
    return {str(r[0]) for r in rows}


EPOCH = "0000-01-01T00:00:00+00:00"  # before every stored time: "since the beginning"


def last_digest_until(db: sqlite_utils.Database, platform: str, channel: str) -> str:
    """Where the channel's previous digest ended, or the beginning of time."""
    row = db.execute(
        "select max(until) from digests where channel = ? and platform = ?", [channel, platform]
    ).fetchone()
    return str(row[0]) if row and row[0] else EPOCH


def added_sentences(article: Row) -> list[str]:
    """The sentences an article added to its story that are worth showing, in order: those of six
    words or more (shorter ones are datelines, bylines and captions). Digests, cards and the story
    view all show these, so they list the same."""
    return [s for s in json.loads(article["added"] or "[]") if len(str(s).split()) >= 6]
