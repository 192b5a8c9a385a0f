"""Text from outside escaped on every path: Slack slash-command replies and digests, Discord embeds and replies."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fake_platforms import FakeAPI, slack_default
from slack_bolt.request import BoltRequest
from test_commands import SECRET, signed, slash, wait_for

from bot.adapters.discord import render as discord_render
from bot.adapters.slack import render_block
from bot.adapters.slack_commands import build_app
from bot.commands import Context, answer
from bot.models import Article
from bot.pipeline import Pipeline
from bot.plugins import make_manager
from bot.storage import Store

HOSTILE_TITLE = "<!channel> Bank alert <https://evil.example|https://bank.example> [https://bank.example](https://evil.example)"
HOSTILE_TEXT = (
    "The council met on Tuesday. <@U0ADMIN> and <!subteam^S0TEAM> were told to act at once, @here. "
    "[click to verify](javascript:alert(1)) and <!here> before the vote. " * 4
)
RAW_SLACK = ("<!channel>", "<!here>", "<!subteam", "<@U0ADMIN>", "<https://evil.example|")


def hostile_store(tmp_path: Path) -> tuple[Store, str]:
    store = Store(tmp_path / "e.db")
    result = Pipeline(store, make_manager(), {}).ingest(
        Article(
            id="h1",
            text=HOSTILE_TEXT,
            title=HOSTILE_TITLE,
            source="Wire <!channel>",
            url="https://evil.example/a|b>c",
        )
    )
    return store, result.story


def mrkdwn(payload: dict[str, Any]) -> list[str]:
    """The fallback text and every mrkdwn text of a Slack payload: what Slack parses for mentions and links."""
    out = [str(payload.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                out.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks", []))
    return out


def test_a_story_reply_in_slack_carries_no_mention_or_masked_link(tmp_path: Path) -> None:
    store, story = hostile_store(tmp_path)
    api = FakeAPI(
        lambda m, p, b: (200, {}, {"ok": True}) if p.startswith("/respond") else slack_default(m, p, b)
    )
    try:
        ctx = Context(store, frozenset())
        app = build_app(
            SECRET,
            "xoxb-test",
            lambda text, user, channel: answer(text, ctx, user, channel),
            api.url + "/api/",
        )
        for n, line in enumerate([f"story {story}", "stories council"], 1):
            body = slash(line, api.url + f"/respond/{n}")
            assert app.dispatch(BoltRequest(body=body, headers=signed(body))).status == 200
            reply = wait_for(api, n)[n - 1]
            texts = mrkdwn(reply)
            assert "Bank alert" in " ".join(texts) or "council" in " ".join(texts), line
            for raw in RAW_SLACK:
                assert not any(raw in t for t in texts), (line, raw, texts)
            links = [u for t in texts for u in re.findall(r"<([^|>]*)\|", t)]
            assert all(u.startswith("http") and "<" not in u and " " not in u for u in links), links
    finally:
        api.close()
        store.close()


def test_discord_embeds_and_replies_carry_no_masked_or_javascript_link(tmp_path: Path) -> None:
    store, story = hostile_store(tmp_path)
    try:
        reply, ok = answer(f"story {story}", Context(store, frozenset()))
        assert ok
        content, embeds = discord_render(reply)
        shown = [content] + [t for e in embeds for t in (e.title or "", e.description or "")]
        for text in shown:
            assert not re.search(r"(?<!\\)\[[^\]]*\]\(", text), text  # no unescaped [shown](target)
            assert "<@U" not in text and "@here" not in text and "@everyone" not in text
        assert all(e.url is None or str(e.url).startswith(("http://", "https://")) for e in embeds)
    finally:
        store.close()


def test_slack_digest_links_cannot_break_out_of_their_brackets() -> None:
    from bot.messages import Block

    block = render_block(Block("text", "title <!channel>", "https://evil.example/x>y|z <!here>&a"))
    text = block["text"]["text"]
    assert text.count("<") == 1 and text.count(">") == 1 and "<!" not in text
    assert json.dumps(block).count("|") == 1


def test_discord_embed_links_are_urls_discord_accepts() -> None:
    from bot.messages import Block, Message

    blocks = (
        Block("header", "h"),
        Block("text", "a", 'https://news.example/a b"c<d>'),
        Block("divider", ""),
        Block("text", "b", "javascript:alert(1)"),
    )
    _, embeds = discord_render(Message(blocks, "h"))
    assert [e.url for e in embeds] == ["https://news.example/a%20b%22c%3Cd%3E", None]
