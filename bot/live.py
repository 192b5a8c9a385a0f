"""The live step: a card per story in each live channel, edited as coverage grows, with what is new
as replies in its thread. Everything it decides goes into the outbox, in the transaction that moves
the channel's cursor, and is delivered (and recovered after a crash) like digest parts."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import queries
from bot.alerts import Rules, outlets, rules, watched_speaker_ids
from bot.cards import card_of, edit_reply, fingerprint, paragraphs_reply, quote_reply, render, story_quotes
from bot.config import Channel
from bot.digest import MAX_ADDED
from bot.messages import Block, Message, shown_id
from bot.storage import Store, column_in, delete_in, now_iso, parse_time

log = logging.getLogger(__name__)
Row = dict[str, Any]


def _cursor(store: Store, channel: Channel) -> str:
    """Where the channel's live step stopped; for its first step, where its last digest ended (a
    channel switched to live is not flooded with cards for stories its digests had), else the start."""
    row = store.db.execute(
        "select until from live_cursors where platform = ? and channel = ?", [channel.platform, channel.id]
    ).fetchone()
    return str(row[0]) if row else queries.last_digest_until(store.db, channel.platform, channel.id)


def start_cursors(store: Store, channels: Iterable[Channel]) -> None:
    """A live channel new to a store that already holds articles starts where it was added, so the
    backlog does not come out as a burst of cards (a channel that had digests starts where they ended;
    on an empty store the first poll's stories get their cards)."""
    if not store.db.execute("select 1 from articles limit 1").fetchone():
        return
    with store.db.atomic():
        for channel in channels:
            if channel.live and _cursor(store, channel) == queries.EPOCH:
                store.db.table("live_cursors").insert(
                    {"platform": channel.platform, "channel": channel.id, "until": now_iso()}, replace=True
                )


def card_for(store: Store, channel: Channel, story_id: str) -> Row | None:
    """The channel's card of a story, if it has one."""
    return next(
        store.db.query(
            "select * from cards where platform = ? and channel = ? and story_id = ?",
            [channel.platform, channel.id, story_id],
        ),
        None,
    )


def _queue(store: Store, channel: Channel, card_id: int, action: str, message: Message) -> None:
    store.db.table("outbox").insert(
        {
            "digest_id": None,
            "part": 1,
            "channel": channel.id,
            "platform": channel.platform,
            "payload": json.dumps(message.to_json()),
            "status": "pending",
            "attempts": 0,
            "nonce": "ww" + uuid.uuid4().hex[:20],
            "card_id": card_id,
            "action": action,
        }
    )


def _items(store: Store, card_id: int) -> set[str]:
    return {str(r[0]) for r in store.db.execute("select item from card_items where card_id = ?", [card_id])}


def _said(store: Store, card_id: int, item: str) -> None:
    store.db.table("card_items").insert({"card_id": card_id, "item": item, "at": now_iso()}, ignore=True)


def _news(store: Store, story_id: str) -> tuple[list[Row], list[Row]]:
    """A story's new quotes and its later articles that added sentences (with what they added)."""
    later = [
        a for a in queries.story_articles(store.db, story_id) if a["relation"] != "new" and not a["quiet"]
    ]
    return story_quotes(store, story_id), later


def _added_reply(story_id: str, article: Row, quoted: list[str]) -> Message | None:
    """The reply for what a later article added: its sentences that are not already in the thread as
    a new quote, the first MAX_ADDED of them, and how many more with the command that shows them."""
    sentences = [x for x in queries.added_sentences(article) if not any(t and t in x for t in quoted)]
    if not sentences:
        return None
    reply = paragraphs_reply(article["source"] or "", sentences[:MAX_ADDED], article["url"])
    if (rest := len(sentences) - MAX_ADDED) > 0:
        pointer = Block("context", f"and {rest} more: /wirewatch story {shown_id(story_id)}")
        reply = replace(reply, blocks=(*reply.blocks, pointer))
    return reply


def _earns_card(store: Store, story_id: str, r: Rules, watched: set[int]) -> bool:
    """Enough outlets carry the story, or a watched speaker is newly quoted in it."""
    if watched and any(q["speaker_id"] in watched for q in story_quotes(store, story_id)):
        return True
    return r.min_outlets <= 1 or outlets(store, story_id, r) >= r.min_outlets


def _new_card(store: Store, channel: Channel, story_id: str, now: datetime) -> int:
    """Record the card and queue its post; what it shows now is not said again in its thread."""
    message = render(card_of(store, story_id))
    card_id = int(
        store.db.table("cards")
        .insert(
            {
                "platform": channel.platform,
                "channel": channel.id,
                "story_id": story_id,
                "created": now_iso(),
                "content": fingerprint(message),
                "edit_due": (now + timedelta(seconds=channel.edit_every)).isoformat(),
                "edits": 0,
                "dirty": 0,
                "muted": 0,
            }
        )
        .last_pk
        or 0
    )
    quotes, later = _news(store, story_id)
    for q in quotes:
        _said(store, card_id, f"q:{q['id']}")
    for a in later:
        _said(store, card_id, f"a:{a['id']}")
    _queue(store, channel, card_id, "card", message)
    return card_id


def _follow_merges(store: Store, channel: Channel) -> None:
    """Cards whose story was absorbed by another: pointed at the survivor when it has a card here (and
    edited to say so), or carried on as the survivor's card when it has none."""
    absorbed = store.db.query(
        "select c.id, s.merged_into as root from cards c join stories s on s.id = c.story_id "
        "where c.platform = ? and c.channel = ? and s.merged_into is not null and c.merged_into is null",
        [channel.platform, channel.id],
    )
    for row in list(absorbed):
        if card_for(store, channel, row["root"]) is not None:
            store.db.table("cards").update(row["id"], {"merged_into": row["root"], "dirty": 1})
        else:
            store.db.table("cards").update(row["id"], {"story_id": row["root"], "dirty": 1})


def _thread_news(store: Store, channel: Channel, card: Row, watched: set[int]) -> int:
    """Queue a reply for each quote and each added paragraph the card's thread has not had."""
    said = _items(store, card["id"])
    quotes, later = _news(store, card["story_id"])
    queued = 0
    articles = {a["id"]: a for a in queries.story_articles(store.db, card["story_id"])}
    for q in quotes:
        if f"q:{q['id']}" in said:
            continue
        article = articles.get(str(q["article_id"])) or {}
        reply = quote_reply(
            q,
            article.get("source") or "",
            article.get("url"),
            alert=q["speaker_id"] in watched,
        )
        _queue(store, channel, card["id"], "reply", reply)
        _said(store, card["id"], f"q:{q['id']}")
        queued += 1
    quoted = [str(q["text"]) for q in quotes]
    for a in later:
        if f"a:{a['id']}" in said:
            continue
        # a paragraph that is a new quote is in the thread as that quote already
        if added := _added_reply(card["story_id"], a, quoted):
            _queue(store, channel, card["id"], "reply", added)
            queued += 1
        _said(store, card["id"], f"a:{a['id']}")
    return queued


def _refresh(store: Store, channel: Channel, card: Row, now: datetime) -> int:
    """Queue an edit where the card's content changed and its interval has passed (a pending one is
    brought up to date instead: at most one edit per card per interval); 1 if one was queued."""
    cards = store.db.table("cards")
    message = render(card_of(store, card["story_id"], card["merged_into"]))
    content = fingerprint(message)
    if content == card["content"]:
        cards.update(card["id"], {"dirty": 0})
        return 0
    payload = json.dumps(message.to_json())
    unsent = store.db.execute(
        "select id from outbox where card_id = ? and action in ('card', 'edit') and status = 'pending' "
        "and coalesce(in_doubt, 0) = 0 order by id desc limit 1",
        [card["id"]],
    ).fetchone()
    if unsent:  # not sent yet: it goes out with the latest content
        store.db.table("outbox").update(unsent[0], {"payload": payload})
        cards.update(card["id"], {"content": content, "dirty": 0})
        return 0
    due = parse_time(card["edit_due"])
    if due and now < due:
        cards.update(card["id"], {"dirty": 1})  # the next step after edit_due queues it
        return 0
    _queue(store, channel, card["id"], "edit", message)
    cards.update(
        card["id"],
        {
            "content": content,
            "dirty": 0,
            "edits": int(card["edits"] or 0) + 1,
            "edit_due": (now + timedelta(seconds=channel.edit_every)).isoformat(),
        },
    )
    return 1


def queue_live(store: Store, channel: Channel, now: datetime | None = None) -> int:
    """The live step for one channel: cards for stories that now pass its rules, replies for what is
    new, coalesced edits; the number of outbox parts queued. `now` decides when edits are due."""
    now = now or datetime.now(UTC)
    r = rules(store, channel)
    watched = watched_speaker_ids(store, r)
    since, until = _cursor(store, channel), now_iso()
    muted = queries.muted_stories(store.db, channel.platform, channel.id)
    queued = 0
    with store.db.atomic():
        _follow_merges(store, channel)
        for row in queries.articles_for_digest(store.db, since, until):
            story_id = store.story_of(row["id"]) or row["story_id"]
            card = card_for(store, channel, story_id)
            fresh = since < row["ingested"] <= until and not row["quiet"]
            if card is None:
                if (
                    fresh
                    and story_id not in muted
                    and r.counts(row)
                    and _earns_card(store, story_id, r, watched)
                ):
                    _new_card(store, channel, story_id, now)
                    queued += 1
                continue
            if card["muted"] or card["merged_into"]:
                continue
            if row["edited"] and since < row["edited"] <= until:  # the publisher's substantive edit
                item = f"e:{row['id']}:{row['edited']}"
                if item not in _items(store, card["id"]):
                    title = row["edited_title"] or row["title"] or ""
                    _queue(
                        store,
                        channel,
                        card["id"],
                        "reply",
                        edit_reply(row["source"] or "", title, row["url"]),
                    )
                    _said(store, card["id"], item)
                    queued += 1
            store.db.table("cards").update(card["id"], {"dirty": 1})
        dirty = store.db.query(
            "select * from cards where platform = ? and channel = ? and dirty = 1 and muted = 0",
            [channel.platform, channel.id],
        )
        for card in list(dirty):
            if not card["merged_into"]:
                queued += _thread_news(store, channel, card, watched)
            queued += _refresh(store, channel, card, now)
        store.db.table("live_cursors").insert(
            {"platform": channel.platform, "channel": channel.id, "until": until}, replace=True
        )
    return queued


def unmute(store: Store, platform: str, channel: str, story_id: str) -> bool:
    """Resume a muted story's card updates in a channel from now: the card is brought up to date by one
    edit, and what the story gained while muted is not replied in its thread after the fact; False if
    the channel has no muted card of it."""
    with store.db.atomic():
        cards = [
            int(r[0])
            for r in store.db.execute(
                "select id from cards where platform = ? and channel = ? and story_id = ? and muted = 1",
                [platform, channel, story_id],
            )
        ]
        quotes, later = _news(store, story_id)
        missed = [f"q:{q['id']}" for q in quotes] + [f"a:{a['id']}" for a in later]
        for card_id in cards:
            for item in missed:
                _said(store, card_id, item)  # kept if already said
            store.db.execute("update cards set muted = 0, dirty = 1 where id = ?", [card_id])
    return bool(cards)


def cards_waiting(store: Store, story_ids: Sequence[str]) -> bool:
    """Whether a card of any of these stories has a part still waiting to be sent."""
    if not story_ids:
        return False
    marks = ", ".join("?" * len(story_ids))
    return bool(
        store.db.execute(
            f"select 1 from cards c join outbox o on o.card_id = c.id where c.story_id in ({marks}) "
            "and o.status = 'pending' limit 1",
            list(story_ids),
        ).fetchone()
    )


def forget_cards(store: Store, story_ids: Sequence[str], dry_run: bool = False) -> int:
    """Delete the cards of these stories in every channel, with their sent parts, what their threads
    were told and the channels' mutes of them, in the caller's transaction; the cards deleted (or that
    would be, in a dry run)."""
    cards = column_in(store.db, "select id from cards where story_id in ({})", story_ids)
    if not dry_run:
        for table, column in (("outbox", "card_id"), ("card_items", "card_id"), ("cards", "id")):
            delete_in(store.db, table, column, cards)
        if store.db.table("muted_stories").exists():
            delete_in(store.db, "muted_stories", "story_id", story_ids)
    return len(cards)


def addressed(store: Store, row: Mapping[str, Any], message: Message) -> tuple[Message, str | None]:
    """A card part ready to send: a reply under the card's message; with the card's platform id (None
    while the card itself is not posted)."""
    card = store.db.execute("select remote_id from cards where id = ?", [row["card_id"]]).fetchone()
    remote = str(card[0]) if card and card[0] else None
    if row["action"] == "reply":
        message = replace(message, reply_to=remote)
    return message, remote


def confirmed(store: Store, row: Mapping[str, Any], remote_id: str | None) -> None:
    """Record the platform's id of a posted card (in the transaction that marks its part sent)."""
    if row["action"] == "card" and remote_id:
        store.db.table("cards").update(row["card_id"], {"remote_id": remote_id})


def mute(store: Store, platform: str, channel: str, story_id: str) -> bool:
    """Stop a story's card updates in a channel; False if the channel has no card of it."""
    with store.db.atomic():
        count = store.db.execute(
            "update cards set muted = 1 where platform = ? and channel = ? and story_id = ?",
            [platform, channel, story_id],
        ).rowcount
        store.db.execute(
            "update outbox set status = 'muted' where status = 'pending' and action in ('edit', 'reply') "
            "and card_id in (select id from cards where platform = ? and channel = ? and story_id = ?)",
            [platform, channel, story_id],
        )
    return bool(count)
