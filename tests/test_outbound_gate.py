"""The outbound gate on a real local server: links, redirects and rebound names never reach private addresses."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import LocalServer
from test_sources import FERRY, page

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.commands import Context, answer
from bot.config import parse_config
from bot.netgate import why_not_public

SECRET = [
    "The internal service answered with its configuration and the credentials of the deploy account.",
    "Nobody outside the network should ever read this sentence, which is long enough to be extracted.",
    "A third sentence makes the page look like an article to the extractor, as a real one would.",
]


def feed_xml(links: list[str]) -> str:
    entries = "".join(
        f"<item><title>Item {n}</title><link>{link}</link><guid>urn:item-{n}</guid>"
        f"<description>Short teaser {n}.</description></item>"
        for n, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'


def make_bot(tmp_path: Path, server: LocalServer, resolve: dict[str, list[str]], **bot: object) -> Bot:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "gate.db")},
            "bot": bot,
            "http": {"host_interval": 0},
            "feeds": [{"name": "news", "url": f"{server.url}/feed"}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    b = Bot(config, adapters={"console": MemoryAdapter()})

    async def stub(host: str, port: int) -> list[str]:
        return resolve[host]

    b.http.outbound.resolver = stub  # no real DNS: each name resolves as the test says
    return b


def stored_texts(b: Bot) -> str:
    return " ".join(r["text"] for r in b.store.db.query("select text from articles"))


def test_addresses_that_are_not_public_are_refused() -> None:
    refused = [
        "127.0.0.2",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.100.100.200",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::1",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    ]
    for address in refused:
        assert why_not_public(address), address
    for address in ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::5db8:d70e"]:
        assert why_not_public(address) is None, address


def test_an_entry_link_to_a_private_address_is_not_fetched(
    tmp_path: Path, http_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    port = http_server.url.rsplit(":", 1)[1]
    http_server.serve("/secret", page("Internal", f"{http_server.url}/secret", SECRET))
    http_server.serve("/a/ferry", page("Ferry", f"{http_server.url}/a/ferry", FERRY))
    links = [
        f"http://intranet.test:{port}/secret",
        f"http://intranet.test:{port}/other",
        f"{http_server.url}/a/ferry",
    ]
    http_server.serve("/feed", feed_xml(links), ctype="application/rss+xml")
    b = make_bot(tmp_path, http_server, {"intranet.test": ["127.0.0.1"]})
    try:
        with caplog.at_level(logging.WARNING):
            b.poll_all()
        assert "credentials of the deploy account" not in stored_texts(b)
        assert "ran aground off Isla Brava" in stored_texts(b)  # the public item still gets its page
        assert [p for p, _ in http_server.requests if p in ("/secret", "/other")] == []
        row = b.store.db.table("feeds").get("news")
        assert not row["failures"] and not row["last_error"]  # the item's failure, not the feed's
        refusals = [r for r in caplog.records if "refused to connect to intranet.test" in r.getMessage()]
        assert len(refusals) == 1  # once per host, though two of its links were refused
    finally:
        b.close()


def test_a_redirect_from_a_trusted_host_to_a_private_one_is_not_followed(
    tmp_path: Path, http_server: LocalServer
) -> None:
    port = http_server.url.rsplit(":", 1)[1]
    http_server.serve("/secret", page("Internal", f"{http_server.url}/secret", SECRET))
    http_server.routes["/go"] = lambda _h: (302, {"Location": f"http://metadata.test:{port}/secret"}, b"")
    http_server.serve("/feed", feed_xml([f"{http_server.url}/go"]), ctype="application/rss+xml")
    b = make_bot(tmp_path, http_server, {"metadata.test": ["100.100.100.200", "127.0.0.1"]})
    try:
        b.poll_all()
        assert "credentials" not in stored_texts(b)
        assert "/secret" not in [p for p, _ in http_server.requests]
    finally:
        b.close()


def test_a_chat_feed_whose_name_rebinds_to_a_private_address_is_refused_at_fetch(
    tmp_path: Path, http_server: LocalServer
) -> None:
    port = http_server.url.rsplit(":", 1)[1]
    http_server.serve("/feed", feed_xml([]), ctype="application/rss+xml")
    http_server.serve("/rebound", feed_xml([f"{http_server.url}/secret"]), ctype="application/rss+xml")
    b = make_bot(tmp_path, http_server, {"rebind.test": ["127.0.0.1"]})
    try:
        public = Context(b.store, frozenset({"UADMIN"}), resolve=lambda host: ["93.184.215.14"])
        reply, ok = answer(f"feeds add http://rebind.test:{port}/rebound", public, user="UADMIN")
        assert ok, reply.as_text()
        b.poll_all()
        assert "/rebound" not in [p for p, _ in http_server.requests]
        row = b.store.db.table("feeds").get("rebind-test")
        assert "refused" in row["last_error"]
    finally:
        b.close()


def test_allow_hosts_lets_an_operator_reach_a_private_host(tmp_path: Path, http_server: LocalServer) -> None:
    port = http_server.url.rsplit(":", 1)[1]
    http_server.serve("/a/ferry", page("Ferry", f"{http_server.url}/a/ferry", FERRY))
    http_server.serve("/feed", feed_xml([f"http://wiki.test:{port}/a/ferry"]), ctype="application/rss+xml")
    b = make_bot(tmp_path, http_server, {"wiki.test": ["127.0.0.1"]}, allow_hosts=["wiki.test"])
    try:
        b.poll_all()
        assert "ran aground off Isla Brava" in stored_texts(b)
    finally:
        b.close()


def test_cgnat_and_broken_urls_are_refused_when_added_from_chat(
    tmp_path: Path, http_server: LocalServer
) -> None:
    b = make_bot(tmp_path, http_server, {})
    try:
        ctx = Context(b.store, frozenset({"UADMIN"}), resolve=lambda host: ["100.100.100.200"])
        for url in ["http://100.100.100.200/latest", "http://metadata.example/feed"]:
            reply, ok = answer(f"feeds add {url}", ctx, user="UADMIN")
            assert not ok and "private or local network" in reply.as_text(), url
        for url in ["http://[::1", "http://h:abc/", "http://" + "a" * 64 + ".example/", "http://a..b/"]:
            reply, ok = answer(f"feeds add {url}", ctx, user="UADMIN")
            assert not ok and "usage: feeds" in reply.as_text(), url
        reply, ok = answer("feeds add http://" + "a" * 190 + ".example/", ctx, user="UADMIN")
        assert not ok and len(reply.as_text().splitlines()) == 1
    finally:
        b.close()
