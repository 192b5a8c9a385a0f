"""Feeds over real HTTP on 127.0.0.1 and local folders: full text, conditional GET, bad input."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from conftest import EXAMPLES, LocalServer

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import Feed, parse_config
from bot.sources import parse_feed, read_local
from bot.storage import parse_time

PAGE = """<html><head><title>{title}</title><link rel="canonical" href="{url}">
<meta name="author" content="Lena Brandt"></head><body>
<nav>Home | World | Sport</nav><article><h1>{title}</h1>{paragraphs}</article>
<footer>Copyright Example News</footer></body></html>"""


def page(title: str, url: str, sentences: list[str]) -> str:
    return PAGE.format(title=title, url=url, paragraphs="".join(f"<p>{s}</p>" for s in sentences))


def rss(base: str, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<description>Short teaser.</description><pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate></item>"
        for t, path in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title>{entries}</channel></rss>'


FERRY = [
    "A passenger ferry ran aground off Isla Brava on Sunday night with 212 people on board, "
    "the coast guard said.",
    "“Everyone is safe and the hull is intact, but we will not move the ship until the tide turns,” said "
    "coast guard captain Ines Moreau.",
    "Passengers were taken to the island's harbour by fishing boats before midnight, officials said.",
]
MARKET = [
    "The old covered market in Santa Lucia reopened on Saturday after a two-year restoration.",
    "“The roof leaked for thirty years; now it shines,” said stallholder Bruno Ferri, "
    "who sells cheese there.",
]


def serve_feed(server: LocalServer) -> None:
    server.serve("/a/ferry", page("Ferry runs aground off Isla Brava", f"{server.url}/a/ferry", FERRY))
    server.serve("/a/market", page("Covered market reopens", f"{server.url}/a/market", MARKET))
    body = rss(
        server.url,
        [("Ferry runs aground off Isla Brava", "/a/ferry"), ("Covered market reopens", "/a/market")],
    ).encode()

    def feed(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body

    server.routes["/feed.xml"] = feed


def make_bot(tmp_path: Path, url: str, adapter: MemoryAdapter) -> Bot:
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "feeds.db")},
            "feeds": [{"name": "example", "url": url, "backfill": 10}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    return Bot(config, adapters={"console": adapter})


def test_rss_entries_get_their_pages_full_text_once(tmp_path: Path, http_server: LocalServer) -> None:
    serve_feed(http_server)
    adapter = MemoryAdapter()
    bot = make_bot(tmp_path, f"{http_server.url}/feed.xml", adapter)
    assert bot.run_once() == (2, 1)
    texts = {r["title"]: r["text"] for r in bot.store.db.query("select title, text from articles")}
    assert "coast guard captain Ines Moreau" in texts["Ferry runs aground off Isla Brava"]
    assert "Copyright" not in texts["Ferry runs aground off Isla Brava"]  # boilerplate is not article text
    assert {r["author"] for r in bot.store.db.query("select author from articles")} == {"Lena Brandt"}
    quotes = {q["speaker"] for q in bot.store.db.query("select speaker from quotes")}
    assert {"Ines Moreau", "Bruno Ferri"} <= quotes
    user_agents = {h.get("User-Agent", "") for _, h in http_server.requests}
    assert all(ua.startswith("wirewatch/") for ua in user_agents)

    again = make_bot(tmp_path, f"{http_server.url}/feed.xml", adapter)
    assert again.run_once() == (0, 0)  # 304: nothing stored, nothing posted
    assert http_server.requests[-1][1].get("If-None-Match") == '"v1"'
    assert again.store.count("articles") == 2 and len(adapter.sent) == 1


def test_broken_feeds_are_recorded_and_lose_nothing(tmp_path: Path, http_server: LocalServer) -> None:
    serve_feed(http_server)
    adapter = MemoryAdapter()
    bot = make_bot(tmp_path, f"{http_server.url}/feed.xml", adapter)
    bot.run_once()
    for body, ctype in [
        ("<rss><channel><item><title>broken", "application/xml"),
        ("<html><body><p>Not a feed at all</p></body></html>", "text/html"),
    ]:
        http_server.serve("/feed.xml", body, ctype=ctype)
        broken = make_bot(tmp_path, f"{http_server.url}/feed.xml", adapter)
        broken.store.db["feeds"].update("example", {"etag": None})
        assert broken.run_once() == (0, 0)
        row = broken.store.db["feeds"].get("example")
        assert "example" in row["last_error"] and row["failures"] >= 1
        assert broken.store.count("articles") == 2
    http_server.serve("/feed.xml", "gone", status=500)
    failing = make_bot(tmp_path, f"{http_server.url}/feed.xml", adapter)
    failing.poll_all()
    assert "HTTP 500" in failing.store.db["feeds"].get("example")["last_error"]


def test_local_folder_reads_front_matter() -> None:
    articles = read_local(Feed("samples", str(EXAMPLES)))
    assert len(articles) == 5
    first = articles[0]
    assert first.source == "Wirepress" and first.published == "2026-11-02T06:00:00Z"
    assert first.title.startswith("Engineers find widening cracks")
    assert not first.text.startswith("---")


def test_run_once_command_against_a_local_feed_server(tmp_path: Path, http_server: LocalServer) -> None:
    from conftest import run_cli

    serve_feed(http_server)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "w.db"}"\n[http]\nhost_interval = 0\n'
        f'[[feeds]]\nname = "example"\nurl = "{http_server.url}/feed.xml"\nbackfill = 5\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n'
    )
    first = run_cli("run", "--config", str(config), "--once")
    assert "stored 2 new articles; sent 1 digest message" in first.stderr
    assert "NEW Ines Moreau: “Everyone is safe" in first.stdout  # quoted on the page, not in the teaser
    second = run_cli("run", "--config", str(config), "--once")
    assert "stored 0 new articles; sent 0 digest messages" in second.stderr
    fetched = [path for path, _ in http_server.requests]
    assert fetched.count("/a/ferry") == 1 and fetched.count("/feed.xml") == 2


def test_an_entry_is_dated_by_its_published_time_else_its_updated_time_without_warnings() -> None:
    body = " ".join(FERRY)
    entries = [
        ("published", "<published>2026-11-02T08:00:00Z</published>"),
        ("updated only", "<updated>2026-11-03T09:30:00Z</updated>"),
        ("unreadable published", "<published>the day before yesterday</published>"),
        ("undated", ""),
    ]
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title>'
        + "".join(
            f"<entry><title>{t}</title><id>urn:{n}</id>{d}<content>{body}</content></entry>"
            for n, (t, d) in enumerate(entries)
        )
        + "</feed>"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # feedparser's deprecated date mapping warned here
        articles = parse_feed(feed.encode(), Feed(name="atom", url="http://127.0.0.1/feed"))
    dates = {a.title: a.published for a in articles}
    assert dates["published"] == "2026-11-02T08:00:00Z"
    assert dates["updated only"] == "2026-11-03T09:30:00Z"
    assert len(articles) == 4  # an unreadable date loses no item
    assert dates["unreadable published"] != "2026-11-02T08:00:00Z"


def test_one_bad_file_in_a_folder_costs_none_of_the_others(tmp_path: Path, caplog: Any) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.txt").write_text("The mayor said the bridge would reopen in May.\n")
    (folder / "b.html").write_text(page("Library opens", "https://example.org/lib", FERRY))
    (folder / "c.jsonl").write_text('{"id": "c1", "text": "The council said the budget passed."}\n')
    (folder / "e.xml").write_text("<rss><channel><item><title>x</title></item>")
    with caplog.at_level("WARNING"):
        articles = read_local(Feed("local", str(folder)))
    assert sorted(a.id for a in articles) == ["a", "b", "c1"]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "e.xml skipped" in errors[0]


def test_front_matter_ends_at_its_closing_line(tmp_path: Path) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "b.txt").write_text("---\ntitle: T\nsource: Wire\n---\nThe mayor said X.\nNote: it rained.\n")
    (folder / "c.txt").write_text("---\ntitle: U\n---\n\nThe minister said Y.\n")
    b, c = read_local(Feed("local", str(folder)))
    assert (b.title, b.source, b.text) == ("T", "Wire", "The mayor said X.\nNote: it rained.\n")
    assert (c.title, c.text) == ("U", "The minister said Y.\n")


def test_empty_files_are_skipped_with_a_line(tmp_path: Path, caplog: Any) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.txt").write_text("The mayor said the bridge would reopen in May.\n")
    (folder / "c.txt").write_text("")
    (folder / "d.txt").write_text(" \n\n\t\n")
    (folder / "e.txt").write_text("---\ntitle: only a title\n---\n\n")
    (folder / "f.xml").write_text("")
    with caplog.at_level("WARNING"):
        articles = read_local(Feed("local", str(folder)))
    assert [a.id for a in articles] == ["a"]
    lines = [r.getMessage() for r in caplog.records]
    for name in ("c.txt", "d.txt", "e.txt", "f.xml"):
        assert sum(name in line and "skipped" in line for line in lines) == 1, (name, lines)
    assert not any("HTML page" in line for line in lines)


def test_a_text_file_not_in_utf8_is_decoded_as_a_page_would_be(tmp_path: Path) -> None:
    text = "Le café de la gare est fermé depuis lundi, a déclaré le maire à la presse.\n"
    (tmp_path / "f.txt").write_bytes(text.encode("latin-1"))
    (article,) = read_local(Feed("local", str(tmp_path / "f.txt")))
    assert article.text == text


def test_an_entry_without_text_is_named_in_its_line(caplog: Any) -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>Bridge closed</title></item><item><description> </description></item>"
        "</channel></rss>"
    )
    with caplog.at_level("WARNING"):
        assert parse_feed(body.encode(), Feed(name="f", url="http://127.0.0.1/feed")) == []
    lines = [r.getMessage() for r in caplog.records]
    assert any("'Bridge closed'" in line for line in lines)
    assert any("item 2" in line for line in lines)
    assert not any("None" in line for line in lines)


def test_front_matter_values_in_quotes_and_dates_that_are_no_dates(tmp_path: Path, caplog: Any) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.txt").write_text(
        '---\ntitle: "Dam cracks: what we know"\nsource: \'Wirepress\'\npublished: "2026-11-02T08:00:00Z"\n'
        "---\nEngineers said the cracks were widening.\n"
    )
    (folder / "b.txt").write_text(
        "---\ntitle: B\npublished: Mon, 02 Nov 2026 09:30:00 +0100\n---\nThe mayor said X.\n"
    )
    (folder / "c.txt").write_text("---\ntitle: C\npublished: last tuesday\n---\nThe minister said Y.\n")
    (folder / "d.txt").write_text(
        "---\nWater levels fall\n\nThe dam authority said levels fell.\n"
    )  # unclosed
    with caplog.at_level("WARNING"):
        a, b, c, d = read_local(Feed("local", str(folder)))
    assert (a.title, a.source, a.published) == (
        "Dam cracks: what we know",
        "Wirepress",
        "2026-11-02T08:00:00Z",
    )
    assert b.published == "2026-11-02T08:30:00Z"  # RFC 2822, as the store keeps times
    assert c.published is None
    assert d.title == "Water levels fall"
    lines = [r.getMessage() for r in caplog.records]
    assert sum("c.txt" in line and "'last tuesday' is not a date" in line for line in lines) == 1, lines
    assert not any("a.txt" in line or "b.txt" in line for line in lines), lines


def test_a_local_item_dated_ahead_of_now_is_dated_when_it_was_read(tmp_path: Path) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        '{"id": "x1", "title": "Dam", "text": "Engineers said the cracks in the dam were widening.",'
        ' "published": "2999-01-01T00:00:00Z"}\n'
    )
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "local.db")},
            "feeds": [{"name": "local", "url": str(folder)}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    bot = Bot(config, adapters={"console": MemoryAdapter()})
    bot.run_once()
    (published,) = [r[0] for r in bot.store.db.execute("select published from articles")]
    when = parse_time(published)
    assert when is not None and timedelta(0) <= datetime.now(UTC) - when < timedelta(hours=1)
