"""Reading articles from a feed: local files and folders, or RSS/Atom over HTTP."""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import charset_normalizer
import feedparser
import httpx
import lxml.html
import trafilatura

from bot.config import Feed
from bot.http import Http, SourceError, retry_after
from bot.models import Article
from bot.records import article_from_record as article_from_record  # where callers have found them
from bot.records import read_lines, read_published, stable_id
from bot.storage import parse_time, utc_text
from bot.urls import canonical_url, url_problem

log = logging.getLogger(__name__)

SUMMARY_ONLY = 400  # entries with less text than this get their page fetched
MAX_LINKS = 30  # article links taken from one listing page


@dataclass
class Fetched:
    """What one poll of a feed brought: articles, and the validators for the next conditional GET."""

    articles: list[Article]
    etag: str | None = None
    modified: str | None = None
    not_modified: bool = False
    min_interval: float = 0.0  # seconds the publisher asks us to wait (Cache-Control max-age, feed ttl)


def decode_text(body: bytes) -> str:
    """A local text file's text: UTF-8 where it is that, else as decode_html guesses a page's."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return decode_html(body)


def front_matter(raw: str) -> tuple[dict[str, str], str] | None:
    """The fields of a text's front matter (`key: value` lines between a first line `---` and the next
    line `---`) and the text after it, or None when it has none (no closing `---` line: none)."""
    lines = raw.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    close = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if close is None:
        return None
    fields = dict(line.split(":", 1) for line in lines[1:close] if ":" in line)
    body = "".join(lines[close + 1 :]).lstrip("\r\n")
    return {k.strip().lower(): _unquoted(v.strip()) for k, v in fields.items()}, body


def _unquoted(value: str) -> str:
    """A front-matter value without the quotes YAML allows around it ('title: "Dams: what we know"')."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _read_text_file(path: Path, feed: str, body: bytes) -> Article | None:
    if path.suffix.lower() in (".html", ".htm"):
        page = extract_page(decode_html(body), None)
        if page is None:
            log.error("feed %s: %s skipped: no article text found in the HTML", feed, path)
            return None
        return Article(
            id=path.stem,
            text=page.text,
            title=page.title,
            source=feed,
            url=page.url,
            published=page.published,
            feed=feed,
            author=page.author,
        )
    raw = decode_text(body)
    parsed = front_matter(raw)
    if parsed is None and raw.split("\n", 1)[0].strip() == "---":
        log.warning("feed %s: %s: its front matter has no closing --- line; all read as text", feed, path)
    fields, text = parsed or ({}, raw)
    if not text.strip():
        log.error("feed %s: %s skipped: no text after its front matter", feed, path)
        return None
    # the first line of text, past an unclosed front matter's opening ---
    first = next((line.strip() for line in text.splitlines() if line.strip() not in ("", "---")), "")
    problems: list[str] = []
    published = read_published(fields.get("published"), problems)
    for problem in problems:
        log.warning("feed %s: %s: %s", feed, path, problem)
    return Article(
        id=path.stem,
        text=text,
        title=fields.get("title") or first,
        source=fields.get("source", feed),
        url=fields.get("url"),
        published=published,
        feed=feed,
        author=fields.get("author"),
    )


def _read_file(file: Path, feed: Feed) -> list[Article]:
    """The articles of one local file (by its suffix; none for other files)."""
    suffix = file.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".xml", ".rss", ".atom", ".txt", ".md", ".html", ".htm"):
        return []
    body = file.read_bytes()
    if not body.strip():
        log.error("feed %s: %s skipped: the file is empty", feed.name, file)
        return []
    if suffix in (".jsonl", ".ndjson"):
        return list(read_lines(body.splitlines(keepends=True), str(file), feed.name, file.stem))
    if suffix in (".xml", ".rss", ".atom"):
        return parse_feed(body, feed)
    article = _read_text_file(file, feed.name, body)
    return [article] if article else []


def read_local(feed: Feed) -> list[Article]:
    """Articles from a local file or folder (txt, html, jsonl, or an RSS/Atom file): in a folder, a file
    that cannot be read is logged and skipped, and the others are read; so is an item with no text."""
    path = Path(feed.url)
    if not path.exists():
        raise SourceError(f"feed {feed.name}: {path} does not exist")
    folder = path.is_dir()
    files = sorted(p for p in path.iterdir() if p.is_file()) if folder else [path]
    out: list[Article] = []
    for file in files:
        try:
            articles = _read_file(file, feed)
        except SourceError as exc:
            if not folder:
                raise
            why = str(exc).removeprefix(f"feed {feed.name}: ")
            log.error("feed %s: %s skipped: %s", feed.name, file, why)
            continue
        except (OSError, UnicodeError) as exc:
            log.error("feed %s: %s skipped: %s", feed.name, file, exc)
            continue
        for article in articles:
            if article.text.strip():
                out.append(article)
            else:
                name = article.title or article.url or article.id
                log.error("feed %s: %s: item %r skipped: it has no text", feed.name, file, name)
    return out


def _label(entry: Any) -> str:
    """How an item is named in the log: its title, GUID or link."""
    return str(entry.get("title") or entry.get("id") or entry.get("link") or "")[:120]


def item_link(link: Any, base: str | None, feed: Feed, label: str) -> str | None:
    """An item's link resolved against the feed's URL, or None (logged) when it cannot be fetched."""
    if not link or not isinstance(link, str):
        return None
    problem: str | None = None
    try:
        url = urljoin(base, link.strip()) if base else link.strip()
    except ValueError as exc:
        url, problem = link, f"cannot be parsed: {exc}"
    if problem is None and (base or url.startswith(("http://", "https://"))):
        problem = url_problem(url)
    if problem:
        log.warning("feed %s: item %r: link dropped: %s", feed.name, label, problem)
        return None
    return url


def _entry_article(entry: Any, feed: Feed, base: str | None, n: int = 0) -> Article | None:
    """One feed entry (the feed's n-th) as an article, or None when it has neither text nor link."""
    title = str(entry.get("title", ""))
    link = item_link(entry.get("link"), base, feed, title)
    guid = entry.get("id") or None
    text = ""
    if entry.get("content"):
        text = _html_to_text(entry["content"][0].get("value", ""))
    if not text:
        text = _html_to_text(entry.get("summary", ""))
    if not text.strip() and not link:
        name = repr(_label(entry)) if _label(entry) else "with no title, GUID or link"
        log.warning("feed %s: item %d %s has neither text nor a usable link; skipped", feed.name, n, name)
        return None
    identity = guid or (canonical_url(link) if link else hashlib.sha256(text.encode()).hexdigest())
    return Article(
        id=stable_id(feed.name, identity),
        text=text,
        title=title,
        source=feed.name,
        url=link,
        published=_iso(entry),
        feed=feed.name,
        guid=guid,
        author=entry.get("author") or None,
    )


def _charset_header(body: bytes, charset: str | None) -> dict[str, str]:
    """The HTTP header's charset, as feedparser reads it, where the body needs it: a body that is valid
    UTF-8 is left to its own declaration (a server's default charset is often wrong), another one (a
    KOI8-R or windows-1251 feed whose XML declaration names no encoding) is read in the header's."""
    if not charset or _codec(charset) is None:
        return {}
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return {"content-type": f"application/xml; charset={charset}"}
    return {}


def parse_feed(body: bytes, feed: Feed, base: str | None = None, charset: str | None = None) -> list[Article]:
    """Articles from RSS/Atom bytes, with the text the feed itself carries; relative links are resolved
    against base (the feed's URL), charset is the one the HTTP header names, and an item that cannot be
    read is logged and skipped."""
    if not body.strip():
        raise SourceError(f"feed {feed.name}: empty (no RSS or Atom in it)")
    parsed = feedparser.parse(body, response_headers=_charset_header(body, charset))
    if parsed.bozo and not parsed.entries:
        raise SourceError(f"feed {feed.name}: not a readable feed ({parsed.get('bozo_exception')})")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(f"feed {feed.name}: the response is not RSS or Atom (an HTML page?)")
    if parsed.bozo:
        log.warning(
            "feed %s: malformed feed, %d entries recovered (%s)",
            feed.name,
            len(parsed.entries),
            parsed.get("bozo_exception"),
        )
    out = []
    for n, entry in enumerate(parsed.entries, 1):
        try:
            article = _entry_article(entry, feed, base, n)
        except Exception as exc:  # one malformed item never costs the feed's others
            log.error("feed %s: item %d (%r) skipped: %s", feed.name, n, _label(entry), exc)
            continue
        if article is not None:
            out.append(article)
    # feeds list the newest item first: ingest oldest first, so a story's first article is its first
    # (undated items keep their place among themselves, before the dated ones)
    out.sort(key=lambda a: a.published or "")
    if parsed.bozo and not out:
        raise SourceError(
            f"feed {feed.name}: malformed feed with no usable entry ({parsed.get('bozo_exception')})"
        )
    return out


def article_links(html: str, page_url: str) -> list[str]:
    """Links of a listing page that look like articles: same host, in page order, headline-like anchor
    text or a slug path; navigation (the page itself, its parents, one-word links) left out."""
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    page = urlsplit(page_url)
    page_path = page.path.rstrip("/")
    out: list[str] = []
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        url = urldefrag(urljoin(page_url, href.strip()))[0]
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != page.netloc.lower():
            continue
        if not path or page_path.startswith(path) or url in out:
            continue
        words = len(anchor.text_content().split())
        slug = path.rsplit("/", 1)[-1]
        if words >= 3 or slug.count("-") >= 2:
            out.append(url)
        if len(out) >= MAX_LINKS:
            break
    return out


def _iso(entry: Any) -> str | None:
    # dict.get: feedparser's own get maps a missing updated_parsed to published_parsed, with a warning
    stamp = entry.get("published_parsed") or dict.get(entry, "updated_parsed")
    if not stamp:
        return None
    year, month, day, hour, minute, second = (int(v) for v in stamp[:6])
    if not 1 <= year <= 9999:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"


def _html_to_text(html: str) -> str:
    if not html.strip():
        return ""
    if "<" not in html:
        return html.strip()
    text = trafilatura.extract(f"<html><body><article>{html}</article></body></html>", favor_recall=True)
    return (text or "").strip()


async def fetch_page(http: Http, url: str) -> Article | None:
    """The main text, title and canonical URL of an article page, or None if it cannot be had."""
    try:
        body = page_text(await http.get(url))
    except (httpx.HTTPError, SourceError) as exc:
        log.warning("page %s not fetched: %s", url, exc)
        return None
    page = await asyncio.to_thread(extract_page, body, url)
    if page is None:
        log.warning("page %s: no article text found", url)
    return page


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _codec(name: str | None) -> str | None:
    """The Python codec of a charset name, or None if there is none."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except (LookupError, ValueError):
        return None


def decode_html(body: bytes, declared: str | None = None) -> str:
    """A page's text: in the charset the HTTP headers name, else its <meta charset>, else the one
    charset_normalizer detects, else UTF-8 (undecodable bytes replaced)."""
    codec = _codec(declared)
    if codec is None:
        match = _META_CHARSET.search(body[:4096])
        codec = _codec(match.group(1).decode("ascii", "replace")) if match else None
    if codec is None:
        codec = _guess(body[:200_000])
    return body.decode(codec or "utf-8", errors="replace")


def _guess(body: bytes) -> str | None:
    """The codec charset_normalizer finds likeliest for bytes, or None; of readings it finds equally
    likely, windows-1252 (the web's default for undeclared pages, WHATWG Encoding) comes first."""
    matches = charset_normalizer.from_bytes(body)
    best = matches.best()
    if best is None:
        return None
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    return _codec(next((m for m in tied if m.encoding == "cp1252"), best).encoding)


def page_text(response: httpx.Response) -> str:
    """The text of an HTML response, decoded as decode_html says."""
    return decode_html(response.content, response.charset_encoding)


def extract_page(html: str, url: str | None) -> Article | None:
    """The main text, title, date and canonical URL of an HTML article page (trafilatura)."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_recall=True)
    data: dict[str, Any] = (doc if isinstance(doc, dict) else doc.as_dict()) if doc else {}
    if not data.get("text"):
        return None
    return Article(
        id=url or "",
        text=str(data["text"]),
        title=str(data.get("title") or ""),
        url=data.get("url") or url,
        published=data.get("date"),
        author=data.get("author") or None,
    )


Known = Callable[[Article], bool]


async def _with_page(http: Http, article: Article) -> Article:
    """A summary-only entry with the text, canonical URL and title of its page, where it can be had."""
    assert article.url
    try:
        page = await fetch_page(http, article.url)
    except Exception as exc:  # one page that breaks the extractor never costs the feed's others
        log.error("feed %s: page %s of item %r skipped: %s", article.feed, article.url, article.title, exc)
        return article
    if page is None:
        return article
    return replace(
        article,
        text=page.text or article.text,
        url=page.url if page.url and not url_problem(page.url) else article.url,
        title=article.title or page.title,
        published=article.published or page.published,
        author=article.author or page.author,
    )


async def fetch(
    feed: Feed,
    http: Http,
    etag: str | None = None,
    modified: str | None = None,
    known: Known | None = None,
) -> Fetched:
    """Poll one feed: a conditional GET of a remote feed (or listing page) and the pages of its new
    summary-only entries, all through `http`'s per-host gate; a local path is read from disk."""
    if not feed.is_remote:
        read_at = datetime.now(UTC)
        return Fetched([_not_after(a, read_at) for a in await asyncio.to_thread(read_local, feed)])
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        response = await http.get(feed.url, headers)
    except httpx.HTTPStatusError as exc:
        wait = retry_after(exc.response) if exc.response.status_code in (429, 503) else None
        raise SourceError(
            f"feed {feed.name}: HTTP {exc.response.status_code} from {feed.url}", wait
        ) from None
    except httpx.HTTPError as exc:
        raise SourceError(f"feed {feed.name}: {type(exc).__name__} fetching {feed.url}: {exc}") from None
    except SourceError as exc:
        raise SourceError(f"feed {feed.name}: {exc}", exc.retry_after, exc.deferred) from None
    if response.status_code == 304:
        return Fetched([], etag, modified, not_modified=True)
    fetched_at = datetime.now(UTC)
    if feed.kind == "page":
        links = article_links(page_text(response), str(response.url))
        if not links:
            raise SourceError(f"feed {feed.name}: no article links found on the page {feed.url}")
        entries = [
            Article(
                id=stable_id(feed.name, canonical_url(u)), text="", source=feed.name, url=u, feed=feed.name
            )
            for u in links
        ]
    else:
        entries = await asyncio.to_thread(
            parse_feed, response.content, feed, str(response.url), response.charset_encoding
        )
    stored: set[int] = set()  # the summary-only entries stored already (by their place in entries)
    if known is not None:
        # asked off the event loop that every feed's requests share: known takes the bot's lock, which a
        # long ingest or a delivery waiting out a Retry-After holds, and the others' responses would
        # stall meanwhile (and run out of their timeout)
        check = known
        stored = await asyncio.to_thread(
            lambda: {n for n, e in enumerate(entries) if len(e.text) < SUMMARY_ONLY and e.url and check(e)}
        )
    kept: list[Article] = []
    short: list[Article] = []  # summary-only entries, whose pages are fetched
    for n, entry in enumerate(entries):
        if len(entry.text) < SUMMARY_ONLY and entry.url:
            if n in stored:
                continue  # stored already: neither fetched nor ingested again, the host is spared
            short.append(entry)
        kept.append(entry)
    # at most max_pages pages a poll, newest first; the others wait (neither fetched nor stored) for
    # the next polls, which then must not be answered "not modified"
    cap = http.settings.max_pages
    short.sort(key=lambda a: a.published or "", reverse=True)
    later = {a.id for a in short[cap:]}
    if later:
        log.info("feed %s: %d pages left for later polls (at most %d a poll)", feed.name, len(later), cap)
    pages = {a.id: a for a in await asyncio.gather(*(_with_page(http, a) for a in short[:cap]))}
    read = [pages.get(a.id, a) for a in kept if a.id not in later]
    articles = [_not_after(a, fetched_at) for a in read if a.text.strip()]
    # an entry with no text of its own whose page could not be had (a 503, a timeout) is not stored:
    # the next poll tries its page again, so it too must not be answered "not modified"
    missed = len(read) - len(articles)
    if missed:
        log.info("feed %s: %d items whose page could not be read are tried again", feed.name, missed)
    again = bool(later or missed)
    return Fetched(
        articles,
        None if again else response.headers.get("etag"),
        None if again else response.headers.get("last-modified"),
        min_interval=0.0 if again else _min_interval(response),
    )


def _not_after(article: Article, fetched_at: datetime) -> Article:
    """The article dated no later than its feed was fetched: a date ahead of that is a publisher's wrong
    time zone or a typo, which put the item after the rewrites of its text (or, years ahead, outside the
    window of every story it belongs to, a new story each time)."""
    when = parse_time(article.published)
    if when is None or when <= fetched_at:
        return article
    log.info("feed %s: item %r is dated %s, ahead of now; dated now", article.feed, article.title, when)
    return replace(article, published=utc_text(fetched_at))


def _min_interval(response: httpx.Response) -> float:
    """The longer of Cache-Control max-age and the feed's own <ttl> (minutes), in seconds."""
    seconds = 0.0
    match = re.search(r"max-age=(\d+)", response.headers.get("cache-control", ""))
    if match:
        seconds = float(match.group(1))
    ttl = re.search(rb"<ttl>\s*(\d+)\s*</ttl>", response.content[:20_000])
    if ttl:
        seconds = max(seconds, float(ttl.group(1)) * 60)
    return min(seconds, 86400.0)
