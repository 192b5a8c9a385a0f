"""The outbound gate: every connection the bot opens goes to a public address, or to a host it trusts.

The check is made in httpx's network layer, on the address actually connected to, after the name was
resolved: a redirect, a link in a feed or a name that resolves differently at fetch time (DNS
rebinding) cannot reach loopback, private, link-local, CGNAT, multicast or reserved addresses."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Any

import httpcore
import httpx

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# cloud metadata services, refused even if a network reports them as public
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254", "192.0.0.192")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class RefusedAddress(httpx.TransportError):
    """A connection to a non-public address was refused by the gate."""


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    return None


def why_not_public(address: str) -> str | None:
    """Why an address may not be connected to (loopback, private, ...), or None for a public one."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    inner = embedded_ipv4(ip)
    if inner is not None:
        reason = why_not_public(str(inner))
        return f"{ip} stands for {inner}: {reason}" if reason else None
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64_LOCAL:
        return f"{ip} is a local-use NAT64 address"
    if ip in METADATA:
        return f"{ip} is a cloud metadata address"
    for test, name in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, test):
            return f"{ip} is a {name} address"
    if not ip.is_global:  # CGNAT 100.64/10, benchmarking, documentation, ...
        return f"{ip} is not a public address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, through the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Gate:
    """Which hosts may be reached although they are not public, and how names are resolved."""

    def __init__(self, trusted: Iterable[str] = (), resolver: Resolver | None = None) -> None:
        self.trusted = frozenset(h.lower().strip("[]") for h in trusted if h)
        self.resolver: Resolver = resolver or system_resolver
        self._logged: set[str] = set()

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses of host that may be connected to; raise RefusedAddress when none may."""
        name = host.lower().strip("[]")
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
            resolved = [name]
        except ValueError:
            try:
                resolved = await self.resolver(name, port)
            except (OSError, UnicodeError) as exc:
                raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from None
        if name in self.trusted:
            return resolved
        reasons = [r for r in map(why_not_public, resolved) if r]
        if reasons or not resolved:
            reason = reasons[0] if reasons else "it resolves to no address"
            if name not in self._logged:
                self._logged.add(name)
                log.warning(
                    "refused to connect to %s: %s (add it to [bot] allow_hosts to allow)", host, reason
                )
            raise RefusedAddress(f"{host} refused: {reason}")
        return resolved


class GatedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the gate allows."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first allowed address of host that answers (TLS still verifies host)."""
        last: Exception | None = None
        for address in await self.gate.addresses(host, port):
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never used for fetching."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Sleep as the inner backend does."""
        await self.inner.sleep(seconds)


class GatedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on the gated backend (no proxies from the environment,
    which would make the proxy the only address checked)."""

    def __init__(self, gate: Gate, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(limits=limits, trust_env=False)
        # httpx has no public way to pass a network backend; the pool is built the way it builds it
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GatedBackend(gate),
        )


def trusted_hosts(allow_hosts: Collection[str], feed_urls: Iterable[str]) -> set[str]:
    """The operator's allow_hosts and the hosts of the remote feeds the operator configured."""
    hosts = {h.lower() for h in allow_hosts}
    for url in feed_urls:
        try:
            host = httpx.URL(url).host
        except (httpx.InvalidURL, ValueError, UnicodeError):
            continue
        if host:
            hosts.add(host.lower())
    return hosts
