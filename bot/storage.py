"""The SQLite store: one file in WAL mode, written one article (with its findings) per transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import NotFoundError

from bot import migrations
from bot.models import Article, KnownArticle, KnownQuote, Refreshed, Result
from bot.urls import canonical_url, canonical_urls

log = logging.getLogger(__name__)
_ARTICLE_COLUMNS = "id, title, text, source, story_id, published, fingerprint"
CHECKPOINT_EVERY = 0.5  # seconds between background WAL checkpoints
RESTART_FRAMES = 16384  # pages in the WAL (64 MB of 4 KB pages) beyond which it is started afresh
# a story and those merged into it (each merged story points straight at the one it is part of)
_STORY_AND_MERGED = "select ? union select id from stories where merged_into = ?"
POSTINGS = 50  # newest articles read per index key when looking for candidates
# new articles that wait for the search index before it is written for all of them at once: written
# per article, the index cost 2.4 ms of each commit at 10,000 stored; per 32 articles, 0.1 ms each
SEARCH_BATCH = 32
QUOTE_CANDIDATES = 30  # stored statements a new one is compared with, those sharing most terms first


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string, to the microsecond: digests cover the articles
    ingested after the previous digest's end, and a second is too coarse to tell them apart."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 time (a trailing Z allowed) as an aware datetime, or None if unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def utc_text(moment: datetime) -> str:
    """A time as the store orders times: UTC, to the second, with a Z (as feeds' dates are written);
    one an offset takes past the calendar's ends is clamped to them."""
    try:
        t = moment.astimezone(UTC)
    except OverflowError:
        t = (datetime.max if moment.year > 1 else datetime.min).replace(tzinfo=UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def _known(row: Any) -> KnownArticle:
    return KnownArticle(
        id=row[0],
        title=row[1] or "",
        text=row[2] or "",
        source=row[3] or "",
        story_id=row[4],
        published=row[5],
        fingerprint=row[6],
    )


class Checkpointer(threading.Thread):
    """Copies committed pages from the WAL into the database file on a connection of its own, so that
    no article's commit pays for it (SQLite would otherwise do it inside every ~10th commit).

    A passive checkpoint never waits, so under a steady stream of commits it never catches up and the
    WAL is never started afresh: it grew to 7.9 GB beside a 300 MB database in a long benchmark. Once
    the WAL holds restart_frames pages the checkpointer says so (`long`), and the writer restarts it
    between two of its transactions (from here it would wait for the writer's snapshot while holding
    the write lock the writer wants: a deadlock)."""

    def __init__(
        self, path: str, every: float = CHECKPOINT_EVERY, restart_frames: int = RESTART_FRAMES
    ) -> None:
        super().__init__(name="wal-checkpoint", daemon=True)
        self.path = path
        self.every = every
        self.restart_frames = restart_frames
        self.stopping = threading.Event()
        self.long = threading.Event()
        self.round_done = threading.Event()  # set after each round (tests wait for one instead of sleeping)

    def run(self) -> None:
        """Checkpoint what it can without waiting for the writer, until stopped."""
        conn = sqlite3.connect(self.path, check_same_thread=False)
        try:
            while not self.stopping.wait(self.every):
                try:
                    _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # busy or gone: the next round tries again
                    log.debug("background checkpoint of %s skipped: %s", self.path, exc)
                    continue
                if frames >= self.restart_frames:
                    self.long.set()
                self.round_done.set()
        finally:
            conn.close()


def index_search(db: sqlite_utils.Database) -> None:
    """Add the articles waiting in search_pending to the search index, in one transaction (a search
    runs this first, so it finds every stored article)."""
    with db.atomic():
        db.conn.execute(
            'insert into "articles_fts" (rowid, "title", "text") select a.rowid, a."title", a."text" '
            "from search_pending p join articles a on a.rowid = p.article_rowid order by p.article_rowid"
        )
        db.conn.execute("delete from search_pending")


WAL_SWITCH_WAIT = 5.0  # seconds another process may take to switch a fresh store to WAL mode


def _enable_wal(db: sqlite_utils.Database) -> None:
    """Put the store in WAL mode. On a fresh file another process may be switching it at the same
    moment, and SQLite answers "database is locked" at once instead of waiting (no busy handler for
    that lock): try again for a few seconds, then fail as before."""
    deadline = time.monotonic() + WAL_SWITCH_WAIT
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


class StoreError(Exception):
    """The store cannot be opened: the message says which file and why, in one line."""


class Store:
    """Read and write access to one wirewatch database."""

    def __init__(self, path: str | Path, window: int = 14 * 86400) -> None:
        """Open (creating and migrating as needed) the database at path; ':memory:' for a throwaway;
        raise StoreError when it is a directory, not SQLite, or cannot be created."""
        try:
            self._open(path, window)
        except (sqlite3.Error, OSError) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
                raise StoreError(f"storage {path}: not a wirewatch database (SQLite): {exc}") from None
            if Path(str(path)).is_dir():
                raise StoreError(f"storage {path}: is a directory, not a database file") from None
            log.debug("storage %s cannot be opened", path, exc_info=True)
            raise StoreError(f"storage {path}: cannot be opened: {exc}") from None

    def _open(self, path: str | Path, window: int) -> None:
        self.path = str(path)
        if self.path == ":memory:":
            self.db = sqlite_utils.Database(memory=True)
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # one connection, used by one scheduler worker thread at a time
            self.db = sqlite_utils.Database(sqlite3.connect(self.path, check_same_thread=False))
            _enable_wal(self.db)
            # with WAL, NORMAL loses no committed transaction when the process crashes (only, at
            # worst, the last ones on a power cut) and saves an fsync per article
            self.db.execute("PRAGMA synchronous = NORMAL")
            # 32 MB of page cache: the recent index pages stay here and the rest is read from the OS's
            # cache; 128 MB was no faster at 100,000 stored (a 2.3 GB file, read all over: it misses
            # either way), slower at 10,000 (each commit cost more) and 106 MB more memory.
            # No mmap: it was no faster here and counted the mapped file in the process's memory
            self.db.execute("PRAGMA cache_size = -32768")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA busy_timeout = 5000")
        self.window = window
        # what plugins derive from stored articles and keep for later ones, one room per plugin
        self.memos: dict[str, dict[str, Any]] = {}
        self._statements: dict[tuple[str, ...], str] = {}
        self.unindexed = 0  # articles saved here since the search index was last written (SEARCH_BATCH)
        self.migrated = migrations.apply(self.db)
        self.checkpointer: Checkpointer | None = None
        if self.path != ":memory:":
            self.db.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpointer thread does it
            self.db.execute("PRAGMA journal_size_limit = 67108864")  # the WAL file shrinks back to 64 MB
            self.checkpointer = Checkpointer(self.path)
            self.checkpointer.start()

    def close(self) -> None:
        """Index the articles waiting for search, stop the checkpointer, fold the WAL into the
        database file and close the connection."""
        if self.unindexed:
            self.index_search()
        if self.checkpointer is not None:
            self.checkpointer.stopping.set()
            self.checkpointer.join()
            self.checkpointer = None
            try:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                log.warning("final checkpoint of %s failed: %s", self.path, exc)
        self.db.close()

    # ------------------------------------------------------------------ reading

    def find_same_item(self, article: Article) -> tuple[str, str] | None:
        """The stored article that is the same item (by id, GUID, canonical URL or content hash), and
        the column that matched."""
        checks: list[tuple[str, tuple[str | None, ...]]] = [
            ("id", (article.id,)),
            ("guid", (article.guid,)),
            ("canonical_url", canonical_urls(article.url) if article.url else (None,)),
            ("content_hash", (article.content_hash,)),
        ]
        for column, values in checks:
            if not values[0]:
                continue
            marks = ", ".join("?" * len(values))
            row = self.db.execute(
                f"select id from articles where {column} in ({marks}) limit 1", list(values)
            ).fetchone()
            if row:
                return str(row[0]), column
        return None

    def add_revision(self, article_id: str, article: Article) -> bool:
        """Keep a publisher's edit of a stored article; False if this version was already kept."""
        digest = article.content_hash
        known = self.db.execute(
            "select 1 from articles where id = ? and content_hash = ? union all "
            "select 1 from article_revisions where article_id = ? and content_hash = ?",
            [article_id, digest, article_id, digest],
        ).fetchone()
        if known:
            return False
        with self.db.atomic():
            self._insert(
                "article_revisions",
                {
                    "article_id": article_id,
                    "title": article.title,
                    "text": article.text,
                    "content_hash": digest,
                    "seen": now_iso(),
                },
            )
        return True

    def repost(self, article_id: str, title: str) -> None:
        """Put a substantively edited article back in the next digests, under its new title."""
        with self.db.atomic():
            self.db.execute(
                "update articles set edited = ?, edited_title = ? where id = ?",
                [now_iso(), title, article_id],
            )

    def release_quiet(self, feed: str, article_ids: Sequence[str], keep: int) -> None:
        """Let the newest `keep` of these articles of a feed that are out of digests (a new feed's
        backlog) reach digests after all."""
        if keep <= 0 or not article_ids:
            return
        with self.db.atomic():
            self.db.execute(
                "update articles set quiet = 0 where id in (select id from articles where feed = ? and "
                "quiet = 1 and id in (select value from json_each(?)) "
                "order by coalesce(published, '') desc, rowid limit ?)",
                [feed, json.dumps(list(article_ids)), keep],
            )

    def view(self, at: str) -> StoreWindow:
        """A read-only view of the store for plugins, limited to the window before `at`."""
        moment = parse_time(at) or datetime.now(UTC)
        try:
            since = moment - timedelta(seconds=self.window)
        except (
            OverflowError
        ):  # a date in the first years of the calendar: the window reaches back to its start
            since = datetime.min.replace(tzinfo=UTC)
        return StoreWindow(self, utc_text(since))

    def result_of(self, article_id: str) -> dict[str, Any] | None:
        """The stored relation, story and quotes of an article, in the replay contract's shape."""
        rows = list(self.db.query("select * from articles where id = ?", [article_id]))
        if not rows:
            return None
        row = rows[0]
        quotes = [
            {
                "speaker": q["speaker"],
                "text": q["text"],
                "start": q["start"],
                "end": q["end"],
                "cue": q["cue"],
                "direct": bool(q["direct"]),
                "new": bool(q["new"]),
                "mention": q["mention"] or "",
                "resolved": not q["unresolved"],
            }
            for q in self.db.query("select * from quotes where article_id = ? order by start", [article_id])
        ]
        return {
            "id": row["id"],
            "relation": row["relation"],
            "story": row["story_id"],
            "of": row["of_id"],
            "score": row["score"],
            "quotes": quotes,
        }

    def article_text(self, article_id: str) -> str | None:
        """The stored text of an article."""
        row = self.db.execute("select text from articles where id = ?", [article_id]).fetchone()
        return str(row[0]) if row else None

    def story_of(self, article_id: str) -> str | None:
        """The story an article belongs to, following merges."""
        # a merged story points straight at the story it is now part of (save keeps it one step)
        row = self.db.execute(
            "select coalesce(s.merged_into, a.story_id) from articles a "
            "left join stories s on s.id = a.story_id where a.id = ?",
            [article_id],
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def story_start(self, story_id: str) -> str | None:
        """When the earliest article of a story (and of the stories merged into it) was published."""
        row = self.db.execute(
            f"select min(at) from articles where story_id in ({_STORY_AND_MERGED})",
            [story_id, story_id],
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def _refresh_first(self, story_id: str) -> None:
        """Make the earliest published article of a story its first (and its title the headline): an
        article published earlier but ingested later, or a story merged in, can change which it is."""
        row = self.db.execute(
            f"select id, title, text from articles where story_id in ({_STORY_AND_MERGED}) "
            "order by at, rowid limit 1",
            [story_id, story_id],
        ).fetchone()
        if row:
            self.db.execute(
                "update stories set first_article = ?, headline = ? where id = ? and first_article != ?",
                [row[0], row[1] or _first_line(row[2] or ""), story_id, row[0]],
            )

    def stale_stories(self, cutoff: str) -> list[tuple[str, ...]]:
        """The stories that gained no article since the cutoff (UTC text), each with the stories merged
        into it (a group is kept or forgotten whole): its latest ingestion is the group's."""
        groups: dict[str, list[str]] = {}
        rows = self.db.execute(
            "select coalesce(s.merged_into, s.id) as root, s.id from stories s where coalesce(s.merged_into, "
            "s.id) in (select coalesce(g.merged_into, g.id) from stories g left join articles a on "
            "a.story_id = g.id group by 1 having coalesce(max(a.ingested), max(g.updated)) < ?) "
            "order by root, s.id != root, s.id",
            [cutoff],
        )
        for root, story_id in rows:
            groups.setdefault(str(root), []).append(str(story_id))
        return [tuple(g) for g in groups.values()]

    def forget_stories(self, story_ids: Sequence[str], dry_run: bool = False) -> tuple[int, int]:
        """Delete these stories with their articles and what was derived from them (index keys, kept
        readings, revisions, quotes and their terms; the search index by its trigger), in the caller's
        transaction; (articles, quotes) deleted, or that would be in a dry run."""
        articles = column_in(self.db, "select id from articles where story_id in ({})", story_ids)
        quotes = column_in(self.db, "select id from quotes where article_id in ({})", articles)
        if not dry_run:
            delete_in(self.db, "quote_terms", "quote_id", quotes)
            delete_in(self.db, "quotes", "id", quotes)
            for table in ("article_keys", "article_readings", "article_revisions"):
                delete_in(self.db, table, "article_id", articles)
            delete_in(self.db, "articles", "id", articles)
            delete_in(self.db, "stories", "id", story_ids)
        return len(articles), len(quotes)

    def count(self, table: str) -> int:
        """Number of rows in a table."""
        return self.db.table(table).count

    # ------------------------------------------------------------------ writing

    def save(
        self,
        result: Result,
        keys: Sequence[str],
        fingerprint: str | bytes = "",
        kept: bytes = b"",
        refreshed: Sequence[Refreshed] = (),
        quiet: bool = False,
    ) -> None:
        """Store an article with its story and quotes in one transaction (kept: what the story plugin
        keeps of its text, see StoryMatch.kept; refreshed: the kept readings it made again of stored
        articles, each stored where that article still has the title and text it was made from;
        quiet: left out of digests, as a new feed's backlog is)."""
        art = result.article
        stamp = now_iso()
        published = parse_time(art.published)
        # in UTC: the store orders and windows by this text, and offsets (+01:00) do not sort as times
        at = utc_text(published) if published else stamp
        with self.db.atomic():
            if result.relation == "new" or not result.story:
                result.story = result.story or f"s-{art.id}"
                self._insert(
                    "stories",
                    {
                        "id": result.story,
                        "headline": art.title or _first_line(art.text),
                        "first_article": art.id,
                        "created": stamp,
                        "updated": stamp,
                        "merged_into": None,
                    },
                    "or ignore",
                )
            else:
                updated = self.db.conn.execute(
                    "update stories set updated = ? where id = ?", [stamp, result.story]
                )
                if not updated.rowcount:  # as sqlite-utils' update said, before the hot path skipped it
                    raise NotFoundError(f"no story {result.story!r}")
            for other in result.merged:  # two stories that turn out to be one
                if other == result.story:
                    continue
                # the merged story and those merged into it earlier all point at the surviving one,
                # so every story is at most one step from where it now belongs (and no merge loops)
                self.db.execute(
                    "update stories set merged_into = ?, updated = ? where id = ? or merged_into = ?",
                    [result.story, stamp, other, other],
                )
            self._insert(
                "articles",
                {
                    "id": art.id,
                    "guid": art.guid,
                    "url": art.url,
                    "canonical_url": canonical_url(art.url) if art.url else None,
                    "content_hash": art.content_hash,
                    "title": art.title,
                    "text": art.text,
                    "source": art.source,
                    "author": art.author,
                    "feed": art.feed,
                    "published": art.published,
                    "ingested": stamp,
                    "at": at,
                    "story_id": result.story,
                    "relation": result.relation,
                    "of_id": result.of,
                    "score": result.score,
                    "added": json.dumps(list(result.added)),
                    "fingerprint": fingerprint or None,
                    **({"quiet": 1} if quiet else {}),
                },
            )
            self.db.conn.executemany(
                "insert or ignore into article_keys (key, article_id, at) values (?, ?, ?)",
                [(k, art.id, at) for k in dict.fromkeys(keys)],
            )
            if kept:
                self.db.conn.execute(
                    "insert or replace into article_readings (article_id, data) values (?, ?)", [art.id, kept]
                )
            if refreshed:  # only after an upgrade (or for articles stored without one): none otherwise
                self.db.conn.executemany(
                    "insert or replace into article_readings (article_id, data) select ?, ? where exists "
                    "(select 1 from articles where id = ? and coalesce(title, '') = ? "
                    "and coalesce(text, '') = ?)",
                    [
                        (r.article_id, r.kept, r.article_id, r.title, r.text)
                        for r in refreshed
                        if r.article_id != art.id
                    ],
                )
            if result.rewritten_by:  # an original that arrived late: a rewrite keeps the source it had
                marks = ",".join("?" * len(result.rewritten_by))
                self.db.conn.execute(
                    f"update articles set relation = 'rewrite', of_id = ? where id in ({marks}) "
                    "and relation in ('new', 'related')",
                    [art.id, *result.rewritten_by],
                )
            if result.relation != "new" or result.merged:
                self._refresh_first(result.story)
            terms: list[tuple[object, ...]] = []
            for quote in result.quotes:
                speaker_id = self._speaker(quote.speaker, quote.speaker_keys)
                quote_id = self._insert(
                    "quotes",
                    {
                        "article_id": art.id,
                        "story_id": result.story,
                        "speaker_id": speaker_id,
                        "speaker": quote.speaker,
                        "text": quote.text,
                        "start": quote.start,
                        "end": quote.end,
                        "cue": quote.cue,
                        "direct": int(quote.direct),
                        "new": int(quote.new),
                        "same_as": quote.same_as,
                        "mention": quote.mention,
                        "unresolved": int(not quote.resolved),
                        "first_seen": stamp,
                        "at": at,
                    },
                )
                terms += [(t, speaker_id, quote_id, at) for t in dict.fromkeys(quote.terms)]
            # every quote's index terms in one statement, in the order they were always written
            self.db.conn.executemany(
                "insert or ignore into quote_terms (term, speaker_id, quote_id, at) values (?, ?, ?, ?)",
                terms,
            )
        self.unindexed += 1
        if self.unindexed >= SEARCH_BATCH:
            self.index_search()
        self._restart_long_wal()

    def index_search(self) -> None:
        """Add the articles stored since the last batch to the search index (see SEARCH_BATCH); a store
        that is locked or failing logs one line and the articles wait (they are stored: the next batch,
        search or close adds them)."""
        try:
            index_search(self.db)
        except sqlite3.Error as exc:
            log.warning("the search index of %s was not brought up to date: %s", self.path, exc)
            return
        self.unindexed = 0

    def _restart_long_wal(self) -> None:
        """Start a long WAL afresh (see Checkpointer): the pages still in it are copied first, and the
        next transaction writes from the start of the file again."""
        if self.checkpointer is None or not self.checkpointer.long.is_set():
            return
        self.checkpointer.long.clear()
        try:
            self.db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        except sqlite3.Error as exc:  # busy: the checkpointer will say so again
            log.debug("restarting the WAL of %s failed: %s", self.path, exc)

    def _insert(self, table: str, row: dict[str, Any], conflict: str = "") -> int:
        """Insert one row with plain SQL (the hot path skips sqlite-utils' introspection); its rowid.
        The statement text is made once per table and columns, so sqlite3 reuses its prepared form."""
        key = (table, conflict, *row)
        sql = self._statements.get(key)
        if sql is None:
            columns = ", ".join(f'"{c}"' for c in row)
            sql = f'insert {conflict} into "{table}" ({columns}) values ({", ".join("?" * len(row))})'
            self._statements[key] = sql
        cursor = self.db.conn.execute(sql, list(row.values()))
        return int(cursor.lastrowid or 0)

    def _speaker(self, name: str, keys: Sequence[str]) -> int:
        """The id of the speaker sharing a key, created if none; the longer name is kept.

        Keys starting with "~" are only offered: registered for later speakers to find, never matched.
        """
        conn = self.db.conn
        matched = list(dict.fromkeys(k for k in keys if not k.startswith("~")))
        row = (
            conn.execute(
                f"select min(speaker_id) from speaker_keys where key in ({','.join('?' * len(matched))})",
                matched,
            ).fetchone()
            if matched
            else None
        )
        if row and row[0] is not None:
            speaker_id = int(row[0])
            current = conn.execute("select name from speakers where id = ?", [speaker_id]).fetchone()
            if current is None:
                raise NotFoundError(f"no speaker {speaker_id}")
            if len(name) > len(current[0]):
                conn.execute("update speakers set name = ? where id = ?", [name, speaker_id])
        else:
            speaker_id = self._insert("speakers", {"name": name})
        self.db.conn.executemany(
            "insert or ignore into speaker_keys (key, speaker_id) values (?, ?)",
            [(k.lstrip("~"), speaker_id) for k in keys],
        )
        return speaker_id


class StoreWindow:
    """The read-only StoreView handed to plugins for one incoming article."""

    def __init__(self, store: Store, since: str) -> None:
        self.store = store
        self.since = since

    def memo(self, name: str) -> dict[str, Any]:
        """Room for what the plugin `name` derives from stored articles, kept as long as the store is
        open (the plugin bounds what it keeps)."""
        return self.store.memos.setdefault(name, {})

    def candidates(self, keys: Sequence[str], limit: int) -> list[tuple[KnownArticle, int]]:
        """Stored articles in the time window sharing index keys with these, most shared first."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        db = self.store.db
        # each key contributes at most its POSTINGS newest articles: the cost of a look-up stays the
        # same however many articles share a common term
        per_key = " union all ".join(
            "select * from (select article_id from article_keys where key = ? and at >= ? "
            "order by at desc limit ?)"
            for _ in keys
        )
        params: list[object] = []
        for key in keys:
            params += [key, self.since, POSTINGS]
        hits = db.execute(
            f"select article_id, count(*) as n from ({per_key}) group by article_id "
            "order by n desc, article_id limit ?",
            [*params, limit],
        ).fetchall()
        if not hits:
            return []
        ids = [h[0] for h in hits]
        rows = db.execute(
            f"select {_ARTICLE_COLUMNS} from articles where id in ({','.join('?' * len(ids))})", ids
        ).fetchall()
        by_id = {row[0]: _known(row) for row in rows}
        return [(by_id[i], int(n)) for i, n in hits if i in by_id]

    def kept_reading(self, article_id: str) -> bytes | None:
        """What the story plugin kept of a stored article's text (StoryMatch.kept), if anything."""
        # bytes only: a row turned to text (by hand, say) is not kept, and is made again, not a crash
        row = self.store.db.execute(
            "select data from article_readings where article_id = ? and typeof(data) = 'blob'", [article_id]
        ).fetchone()
        return bytes(row[0]) if row and row[0] else None

    def story_articles(self, story_id: str, limit: int = 50) -> list[KnownArticle]:
        """The newest `limit` articles of a story, oldest first."""
        rows = self.store.db.execute(
            f"select {_ARTICLE_COLUMNS} from articles where story_id = ? "
            "order by at desc, rowid desc limit ?",
            [story_id, limit],
        ).fetchall()
        return [_known(r) for r in reversed(rows)]

    def speaker_names(self, speaker_keys: Sequence[str]) -> list[str]:
        """The stored names of the speakers sharing any of these keys, fullest first (at most 8)."""
        keys = [k for k in dict.fromkeys(speaker_keys) if not k.startswith("~")]
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self.store.db.execute(
            "select distinct s.name from speakers s join speaker_keys k on k.speaker_id = s.id "
            f"where k.key in ({marks}) order by length(s.name) desc, s.name limit 8",
            keys,
        ).fetchall()
        return [str(r[0]) for r in rows]

    def known_quotes(self, speaker_keys: Sequence[str], terms: Sequence[str] = ()) -> list[KnownQuote]:
        """Stored quotes, in the time window, by a speaker who shares any of these keys; with terms,
        only quotes sharing one of them (the newest POSTINGS of each speaker and term, the
        QUOTE_CANDIDATES sharing most), so the answer stays bounded. SQLite still reads every posting
        of those speakers and terms in the window to rank them."""
        keys = [k for k in dict.fromkeys(speaker_keys) if not k.startswith("~")]
        if not keys:
            return []
        db = self.store.db
        marks = ",".join("?" * len(keys))
        speakers = [
            r[0]
            for r in db.execute(f"select distinct speaker_id from speaker_keys where key in ({marks})", keys)
        ]
        if not speakers:
            return []
        if not terms:
            rows = db.execute(
                "select id, article_id, speaker, text from quotes where speaker_id in "
                f"({','.join('?' * len(speakers))}) and at >= ? order by id",
                [*speakers, self.since],
            ).fetchall()
        else:
            terms = list(dict.fromkeys(terms))
            # the POSTINGS newest of each speaker and term (the newest time first, then the higher quote
            # id, as the index scan gives them), then the quotes sharing the most terms first, and only
            # so many of them. One statement for all the pairs: one sub-query per pair failed past 500
            # pairs ("too many terms in compound SELECT"), as a name shared by 17 speakers can make
            rows = db.execute(
                "select q.id, q.article_id, q.speaker, q.text from quotes q join "
                "(select quote_id, count(*) as n from (select quote_id, row_number() over "
                "(partition by speaker_id, term order by at desc, quote_id desc) as newest "
                f"from quote_terms where speaker_id in ({','.join('?' * len(speakers))}) "
                f"and term in ({','.join('?' * len(terms))}) and at >= ?) where newest <= ? "
                "group by quote_id order by n desc, quote_id desc limit ?) hits on hits.quote_id = q.id "
                "order by hits.n desc, q.id",
                [*speakers, *terms, self.since, POSTINGS, QUOTE_CANDIDATES],
            ).fetchall()
        return [KnownQuote(id=r[0], article_id=r[1], speaker=r[2], text=r[3]) for r in rows]


IN_LIST = 10_000  # values bound in one `in (...)`: far below SQLite's limit on a statement's variables


def column_in(db: sqlite_utils.Database, sql: str, values: Sequence[object]) -> list[object]:
    """The first column of a query whose `{}` is these values (none: no rows)."""
    out: list[object] = []
    for i in range(0, len(values), IN_LIST):
        chunk = list(values[i : i + IN_LIST])
        out += [r[0] for r in db.execute(sql.format(", ".join("?" * len(chunk))), chunk)]
    return out


def delete_in(db: sqlite_utils.Database, table: str, column: str, values: Sequence[object]) -> None:
    """Delete the rows whose column is one of these values."""
    for i in range(0, len(values), IN_LIST):
        chunk = list(values[i : i + IN_LIST])
        db.execute(f"delete from {table} where {column} in ({', '.join('?' * len(chunk))})", chunk)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
