"""One bad item, link, date or page costs only itself: the cycle, the other items and delivery go on."""

from __future__ import annotations

from pathlib import Path

from conftest import LocalServer
from test_sources import FERRY, MARKET, page

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config

LONG = "The regional council approved the new harbour budget on Tuesday after a debate of six hours. " * 6
CZECH = [
    "Příliš žluťoučký kůň úpěl ďábelské ódy, řekl starosta města Třebíč na úterní schůzi zastupitelstva.",
    "Rada města schválila rozpočet na opravu mostu přes řeku Jihlavu, která začne příští jaro.",
    "Oprava potrvá dva roky a doprava bude vedena po objížďce přes sousední obce, uvedl úřad.",
]


def item(n: int, link: str, text: str = "Short teaser.", date: str = "Mon, 02 Nov 2026 08:00:00 GMT") -> str:
    return (
        f"<item><title>Item {n}</title><link>{link}</link><guid>urn:i{n}</guid>"
        f"<description>{text}</description><pubDate>{date}</pubDate></item>"
    )


def make_bot(tmp_path: Path, server: LocalServer, adapter: MemoryAdapter, **http: object) -> Bot:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "iso.db")},
            "http": {"host_interval": 0, **http},
            "feeds": [{"name": "news", "url": f"{server.url}/news/feed"}],
            "channels": [{"platform": "console", "id": "desk", "send_empty": True}],
        }
    )
    return Bot(config, adapters={"console": adapter})


def test_malformed_links_and_dates_among_good_items(tmp_path: Path, http_server: LocalServer) -> None:
    http_server.serve("/a/ferry", page("Ferry runs aground", f"{http_server.url}/a/ferry", FERRY))
    items = [
        item(1, "http://h:abc/story", LONG.replace("harbour", "port")),
        item(2, "http://[::1/story"),
        item(3, "http://xn--a..example/story"),
        item(4, "/a/ferry"),  # relative: resolved against the feed's URL
        item(5, "http://" + "a" * 190 + ".example/", LONG.replace("harbour", "airport")),
        item(6, "http://news.example/ok", LONG, date="Mon, 99 Zzz 99999 99:99:99 GMT"),
        item(7, "http://h:99999999/", "Short teaser."),
        item(
            8,
            "http://news.example/old",
            LONG.replace("harbour", "canal"),
            date="Mon, 01 Jan 0001 00:00:00 GMT",
        ),
    ]
    http_server.serve(
        "/news/feed",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{"".join(items)}</channel></rss>',
        ctype="application/rss+xml",
    )
    adapter = MemoryAdapter()
    b = make_bot(tmp_path, http_server, adapter)
    try:
        stored, sent = b.run_once()
        texts = " ".join(r["text"] for r in b.store.db.query("select text from articles"))
        assert "new port budget" in texts and "new airport budget" in texts  # their own text, link dropped
        assert "ran aground off Isla Brava" in texts  # the relative link's page was fetched
        assert "new harbour budget" in texts  # an unreadable date costs only the date
        assert "new canal budget" in texts  # and a date in year 1 does not overflow the story window
        assert stored == 8 and sent >= 1 and adapter.sent  # every item kept, and the digest went out
        assert not b.store.db.table("feeds").get("news")["failures"]
    finally:
        b.close()


def test_a_page_in_windows_1250_with_only_a_meta_charset(tmp_path: Path, http_server: LocalServer) -> None:
    html = page("Most přes Jihlavu", f"{http_server.url}/a/most", CZECH).replace(
        "<head>", '<head><meta charset="windows-1250">'
    )
    http_server.serve("/a/most", html.encode("cp1250"), ctype="text/html")
    http_server.serve("/a/market", page("Market", f"{http_server.url}/a/market", MARKET).encode("utf-8"))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{item(1, "/a/most")}{item(2, "/a/market")}</channel></rss>'
    http_server.serve("/news/feed", feed, ctype="application/rss+xml")
    b = make_bot(tmp_path, http_server, MemoryAdapter())
    try:
        b.poll_all()
        texts = " ".join(r["text"] for r in b.store.db.query("select text from articles"))
        assert "Příliš žluťoučký kůň úpěl ďábelské ódy" in texts
        assert "The roof leaked for thirty years" in texts
    finally:
        b.close()
