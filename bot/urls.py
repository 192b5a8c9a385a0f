"""URL identity: the canonical form under which an item is recognised again."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = ("utm_", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "igshid", "ref_src")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The URL with tracking parameters, fragments, default ports and trailing slashes removed (a URL
    that cannot be parsed is its own canonical form)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    ]
    path = parts.path.rstrip("/") or ""
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def canonical_urls(url: str) -> tuple[str, str]:
    """The canonical form of the URL and the same under the other of http and https: a publisher that
    moves to https (or a feed that lists either) serves the same item under both."""
    canonical = canonical_url(url)
    scheme, sep, rest = canonical.partition("://")
    other = {"http": "https", "https": "http"}.get(scheme)
    return canonical, f"{other}{sep}{rest}" if other and sep else canonical


def url_problem(url: str) -> str | None:
    """Why a URL cannot be fetched (not http(s), no host, a bad port, a broken IPv6 literal, a host name
    that is not valid IDNA or too long), or None if it can."""
    if not isinstance(url, str) or not url.strip():
        return "the URL is empty"
    if len(url) > 8000:
        return "the URL is longer than 8,000 characters"
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises on a port that is not a number from 0 to 65535
        host = parts.hostname
    except ValueError as exc:
        return f"{url[:200]!r} cannot be parsed: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url[:200]!r} is not an http(s) URL"
    if not host:
        return f"{url[:200]!r} has no host"
    if port == 0:
        return f"{url[:200]!r} has port 0"
    if not host.startswith("[") and ":" not in host:
        try:
            ascii_host = host.encode("idna")
        except UnicodeError as exc:
            return f"the host of {url[:100]!r} is not a valid name ({exc})"
        if len(ascii_host) > 253:
            return f"the host of {url[:100]!r}… is longer than 253 characters"
    import httpx  # here, not at import: replay and the store never parse URLs this way

    try:
        httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        return f"{url[:200]!r} cannot be parsed: {exc}"
    return None


def display_url(url: str) -> str:
    """The URL as shown to people: tracking parameters (utm_*, fbclid, ...) dropped, the rest as given."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if not k.lower().startswith(_TRACKING)]
    if len(kept) == len(query):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))
