"""Versioned schema migrations: each function runs once per database, in order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []
migration = MIGRATIONS.append


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    """Feeds, articles, stories, speakers, quotes, digests and the delivery outbox."""
    db.table("feeds").create(
        {
            "name": str,
            "url": str,
            "every": int,
            "etag": str,
            "modified": str,
            "last_success": str,
            "last_error": str,
            "failures": int,
            "next_poll": str,
            "items_seen": int,
        },
        pk="name",
    )
    db.table("stories").create(
        {
            "id": str,
            "headline": str,
            "first_article": str,
            "created": str,
            "updated": str,
            "merged_into": str,
        },
        pk="id",
    )
    db.table("articles").create(
        {
            "id": str,
            "guid": str,
            "url": str,
            "canonical_url": str,
            "content_hash": str,
            "title": str,
            "text": str,
            "source": str,
            "feed": str,
            "published": str,
            "ingested": str,
            "at": str,
            "story_id": str,
            "relation": str,
            "of_id": str,
            "score": float,
            "added": str,
        },
        pk="id",
        foreign_keys=[("story_id", "stories", "id")],
    )
    db.table("articles").create_index(["content_hash"], unique=True)
    db.table("articles").create_index(["canonical_url"])
    db.table("articles").create_index(["guid"])
    db.table("articles").create_index(["story_id"])
    db.table("articles").create_index(["at"])
    db.table("article_keys").create({"key": str, "article_id": str, "at": str}, pk=("key", "article_id"))
    db.table("speakers").create({"id": int, "name": str}, pk="id")
    db.table("speaker_keys").create({"key": str, "speaker_id": int}, pk="key")
    db.table("quotes").create(
        {
            "id": int,
            "article_id": str,
            "story_id": str,
            "speaker_id": int,
            "speaker": str,
            "text": str,
            "start": int,
            "end": int,
            "cue": str,
            "direct": int,
            "new": int,
            "same_as": int,
            "first_seen": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("speaker_id", "speakers", "id")],
    )
    db.table("quotes").create_index(["speaker_id", "at"])
    db.table("quotes").create_index(["article_id"])
    db.table("digests").create(
        {
            "id": int,
            "channel": str,
            "platform": str,
            "created": str,
            "since": str,
            "until": str,
            "stories": str,
        },
        pk="id",
    )
    db.table("outbox").create(
        {
            "id": int,
            "digest_id": int,
            "part": int,
            "channel": str,
            "platform": str,
            "payload": str,
            "status": str,
            "attempts": int,
            "last_error": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("digest_id", "digests", "id")],
    )
    db.table("outbox").create_index(["digest_id", "part"], unique=True)
    db.table("outbox").create_index(["status"])


@migration
def m002_index_keys_by_time(db: sqlite_utils.Database) -> None:
    """Index keys are read newest first within the time window."""
    db.table("article_keys").create_index(["key", "at"])


@migration
def m003_article_fingerprints(db: sqlite_utils.Database) -> None:
    """What the story plugin keeps of each article to compare later ones without re-reading it."""
    db.table("articles").add_column("fingerprint", str)


@migration
def m004_quote_terms_and_story_order(db: sqlite_utils.Database) -> None:
    """Quotes are found by speaker and shared terms; a story's articles are read newest first."""
    db.table("quote_terms").create(
        {"term": str, "speaker_id": int, "quote_id": int, "at": str}, pk=("term", "speaker_id", "quote_id")
    )
    db.table("quote_terms").create_index(["term", "speaker_id", "at"])
    db.table("articles").create_index(["story_id", "at"])


@migration
def m005_search_and_chat_feeds(db: sqlite_utils.Database) -> None:
    """Full-text search over articles; feeds added from chat remember who added them."""
    db.table("articles").enable_fts(["title", "text"], create_triggers=True, fts_version="FTS5")
    db.table("feeds").add_column("added_by", str)
    db.table("feeds").add_column("added", str)


@migration
def m006_revisions_quiet_and_feed_health(db: sqlite_utils.Database) -> None:
    """Publisher edits kept as revisions; a new feed's old items stored quietly; feed health."""
    db.table("article_revisions").create(
        {"id": int, "article_id": str, "title": str, "text": str, "content_hash": str, "seen": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_revisions").create_index(["article_id"])
    db.table("articles").add_column("quiet", int, not_null_default=0)
    db.table("feeds").add_column("failing", int, not_null_default=0)


@migration
def m007_subscriptions(db: sqlite_utils.Database) -> None:
    """Feeds and keywords a channel subscribed to from chat, on top of its configured filters."""
    db.table("subscriptions").create(
        {"platform": str, "channel": str, "kind": str, "value": str, "added_by": str, "added": str},
        pk=("platform", "channel", "kind", "value"),
    )


def _recluster(db: sqlite_utils.Database, table: str, columns: str, key: str) -> None:
    """Rebuild a table as WITHOUT ROWID with `key` as its primary key, rows kept."""
    db.execute(f"create table {table}_new ({columns}, primary key ({key})) without rowid")
    names = ", ".join(c.split()[0] for c in columns.split(","))
    db.execute(f"insert or ignore into {table}_new select {names} from {table}")
    db.execute(f"drop table {table}")
    db.execute(f"alter table {table}_new rename to {table}")


@migration
def m008_clustered_postings(db: sqlite_utils.Database) -> None:
    """Index keys and quote terms as WITHOUT ROWID tables in the order they are read and written: one
    B-tree each instead of a table and two indexes; quote terms by speaker first, so the terms of one
    statement land on the few pages of its speaker instead of one page per term."""
    _recluster(db, "article_keys", "key text, at text, article_id text", "key, at, article_id")
    _recluster(
        db,
        "quote_terms",
        "speaker_id integer, term text, at text, quote_id integer",
        "speaker_id, term, at, quote_id",
    )


@migration
def m009_outbox_remote_ids(db: sqlite_utils.Database) -> None:
    """The platform's id of each sent part: a threaded digest's details reply under its first part."""
    db.table("outbox").add_column("remote_id", str)


@migration
def m010_article_indexes_that_are_used(db: sqlite_utils.Database) -> None:
    """Digests and /stories select by ingestion time: index that (it only grows, so inserts append), and
    drop the index on publication time that nothing reads and the one on story_id that (story_id, at)
    already covers; each index an article need not update is pages its transaction need not write."""
    db.execute("drop index if exists idx_articles_at")
    db.execute("drop index if exists idx_articles_story_id")
    db.table("articles").create_index(["ingested"], if_not_exists=True)


@migration
def m011_story_merges_one_step(db: sqlite_utils.Database) -> None:
    """Merged stories point straight at the story they belong to. Earlier versions chained merges
    (a story merged into one that was merged later) and could close a loop; each chain is followed to
    its end, a loop is cut at its smallest story id, and every story is repointed there."""
    parent = {
        str(r[0]): str(r[1])
        for r in db.execute("select id, merged_into from stories where merged_into is not null")
    }

    def root(story: str) -> str:
        seen: list[str] = []
        while story in parent and story not in seen:
            seen.append(story)
            story = parent[story]
        return min(seen[seen.index(story) :]) if story in seen else story

    roots = {story: root(story) for story in parent}
    db.conn.executemany(
        "update stories set merged_into = ? where id = ?",
        [(None if r == s else r, s) for s, r in roots.items()],
    )
    db.table("stories").create_index(["merged_into"], if_not_exists=True)


@migration
def m013_reposted_edits(db: sqlite_utils.Database) -> None:
    """When a publisher's edit was substantive enough to post again, and its new title."""
    db.table("articles").add_column("edited", str)
    db.table("articles").add_column("edited_title", str)
    db.table("articles").create_index(["edited"])


@migration
def m014_article_authors(db: sqlite_utils.Database) -> None:
    """Who wrote an article, where the feed or the page says."""
    db.table("articles").add_column("author", str)


@migration
def m015_chat_feed_settings(db: sqlite_utils.Database) -> None:
    """A feed added from chat keeps its kind, backfill and repost_edits like a configured one."""
    db.table("feeds").add_column("kind", str)
    db.table("feeds").add_column("backfill", int)
    db.table("feeds").add_column("repost_edits", float)


@migration
def m016_outbox_delivery_state(db: sqlite_utils.Database) -> None:
    """Per outbox part: the key the platform knows it by, whether an attempt may have reached the
    platform, when it was last tried, and the time before which it may not be tried (Retry-After)."""
    outbox = db.table("outbox")
    outbox.add_column("nonce", str)
    outbox.add_column("in_doubt", int)
    outbox.add_column("tried_at", str)
    outbox.add_column("not_before", str)


@migration
def m017_quote_mentions(db: sqlite_utils.Database) -> None:
    """How an article referred to a quote's speaker, and whether that names anybody."""
    db.table("quotes").add_column("mention", str)
    db.table("quotes").add_column("unresolved", int, not_null_default=0)


@migration
def m018_live_cards(db: sqlite_utils.Database) -> None:
    """Live story cards: one per story per channel, what each has said in its thread, how far each
    channel's live step has read, which outbox parts post, edit or reply to a card; the stories a
    channel muted and who pressed which story button."""
    db.table("cards").create(
        {
            "id": int,
            "platform": str,
            "channel": str,
            "story_id": str,
            "created": str,
            "remote_id": str,  # the platform's id of the posted card (Slack ts, Discord message id)
            "content": str,  # a hash of the content last queued (posted or edited)
            "edit_due": str,  # before then a change waits (edits are coalesced)
            "edits": int,
            "dirty": int,  # a change waits to be queued
            "muted": int,
            "merged_into": str,  # the surviving story, once this card's story was absorbed
        },
        pk="id",
    )
    db.table("cards").create_index(["platform", "channel", "story_id"], unique=True)
    db.table("cards").create_index(["dirty"])
    db.table("card_items").create({"card_id": int, "item": str, "at": str}, pk=("card_id", "item"))
    db.table("live_cursors").create(
        {"platform": str, "channel": str, "until": str}, pk=("platform", "channel")
    )
    outbox = db.table("outbox")
    outbox.add_column("card_id", int)
    outbox.add_column("action", str)  # None: a digest part; "card", "edit" or "reply"
    outbox.create_index(["card_id", "status"])
    db.table("muted_stories").create(
        {"platform": str, "channel": str, "story_id": str, "by": str, "at": str},
        pk=("platform", "channel", "story_id"),
    )
    db.table("presses").create(  # who pressed which story button where
        {"id": int, "platform": str, "channel": str, "user": str, "action": str, "story_id": str, "at": str},
        pk="id",
    )


@migration
def m019_kept_readings(db: sqlite_utils.Database) -> None:
    """What the story plugin keeps of each article's text to compare later ones with it (StoryMatch.kept),
    apart from the articles, whose rows the many candidate look-ups read."""
    db.table("article_readings").create({"article_id": str, "data": bytes}, pk="article_id")


@migration
def m020_search_index_follows_the_text(db: sqlite_utils.Database) -> None:
    """The search index is rewritten when an article's title or text changes, not on every update of
    its row (a new feed's backlog made quiet re-indexed every article of it)."""
    db.execute("drop trigger if exists articles_au")
    db.execute(
        'create trigger "articles_au" after update of "title", "text" on "articles" begin '
        'insert into "articles_fts" ("articles_fts", rowid, "title", "text") '
        'values (\'delete\', old.rowid, old."title", old."text"); '
        'insert into "articles_fts" (rowid, "title", "text") values (new.rowid, new."title", new."text"); '
        "end"
    )


@migration
def m021_search_index_in_batches(db: sqlite_utils.Database) -> None:
    """A new article waits in search_pending and joins the search index with others in one batch
    (storage.index_search): each write of the index cost an article's commit more than the rest of
    it. An edit or a deletion of an article still waiting changes nothing in the index (the batch
    reads the row as it then is)."""
    db.execute("create table search_pending (article_rowid integer primary key)")
    db.execute("drop trigger if exists articles_ai")
    db.execute(
        'create trigger "articles_ai" after insert on "articles" begin '
        "insert into search_pending (article_rowid) values (new.rowid); end"
    )
    db.execute("drop trigger if exists articles_au")
    db.execute(
        'create trigger "articles_au" after update of "title", "text" on "articles" '
        "when old.rowid not in (select article_rowid from search_pending) begin "
        'insert into "articles_fts" ("articles_fts", rowid, "title", "text") '
        'values (\'delete\', old.rowid, old."title", old."text"); '
        'insert into "articles_fts" (rowid, "title", "text") values (new.rowid, new."title", new."text"); '
        "end"
    )
    db.execute("drop trigger if exists articles_ad")
    db.execute(
        'create trigger "articles_ad" after delete on "articles" begin '
        'insert into "articles_fts" ("articles_fts", rowid, "title", "text") '
        'select \'delete\', old.rowid, old."title", old."text" '
        "where old.rowid not in (select article_rowid from search_pending); "
        "delete from search_pending where article_rowid = old.rowid; end"
    )


@migration
def m022_surnames_of_several_speakers(db: sqlite_utils.Database) -> None:
    """A key may name several speakers: the surname that "Ana Ferreira" and "Tomas Ferreira" both offer
    is kept for both, so that a bare "Ferreira" is known to be either (it was the first one's alone)."""
    _recluster(db, "speaker_keys", "key text, speaker_id integer", "key, speaker_id")


class MigrationError(Exception):
    """A migration that failed (and was rolled back, with the others of its run): one line naming it."""


def apply(db: sqlite_utils.Database, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the migrations this database has not had yet; return their names. The whole run holds
    the write lock from its first read, so two processes opening a fresh store take turns (the second
    finds the first's migrations done) instead of failing with "database is locked"."""
    if db.conn.in_transaction:
        db.conn.commit()
    db.execute("BEGIN IMMEDIATE")
    try:
        done_table = db.table("_migrations")
        if not done_table.exists():
            db.table("_migrations").create({"name": str, "applied": str}, pk="name")
        done = {row["name"] for row in db.table("_migrations").rows}
        applied = []
        for fn in MIGRATIONS if migrations is None else migrations:
            if fn.__name__ in done:
                continue
            with db.atomic():
                try:
                    fn(db)
                except Exception as exc:  # a plugin's migration above all: one line, nothing half-made
                    why = f"{type(exc).__name__}: {exc}"
                    raise MigrationError(
                        f"migration {fn.__name__} failed and was rolled back: {why}"
                    ) from exc
                db.table("_migrations").insert(
                    {"name": fn.__name__, "applied": datetime.now(UTC).isoformat()}
                )
            applied.append(fn.__name__)
    except BaseException:
        if db.conn.in_transaction:
            db.conn.rollback()
        raise
    db.conn.commit()
    return applied
