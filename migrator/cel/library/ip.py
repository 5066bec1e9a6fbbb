"""Kubernetes CEL `ip` library (k8s.io/apiserver pkg/cel/library/ip.go), type `net.IP`.

ip(string) -> net.IP, isIP(string), ip.isCanonical(string), and on net.IP: family(), isUnspecified(),
isLoopback(), isLinkLocalMulticast(), isLinkLocalUnicast(), isGlobalUnicast(), string(ip).
Parsing follows Go's netip.ParseAddr; IPv4-mapped IPv6 addresses and zones are rejected as Kubernetes does.
"""

from __future__ import annotations

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._gostd import go_quote
from migrator.cel.library._netip import Addr, NetipError, parse_addr


class IP:
    """A net.IP value: an immutable wrapper of a parsed address."""

    __slots__ = ("addr",)
    cel_type_name = "net.IP"

    def __init__(self, addr: Addr) -> None:
        self.addr = addr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IP) and other.addr == self.addr

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("net.IP", self.addr))

    def __str__(self) -> str:
        return str(self.addr)

    def __repr__(self) -> str:
        return f"ip({str(self)!r})"


def parse_ip_addr(raw: str) -> Addr:
    """ip.go parseIPAddr: netip.ParseAddr plus Kubernetes' refusal of zones and IPv4-mapped IPv6."""
    try:
        addr = parse_addr(raw)
    except NetipError as exc:
        raise ValueError(f"IP Address {go_quote(raw)} parse error during conversion from string: {exc}") from None
    if addr.zone:
        raise ValueError(f"IP address {go_quote(raw)} with zone value is not allowed")
    if addr.is4in6():
        raise ValueError(f"IPv4-mapped IPv6 address {go_quote(raw)} is not allowed")
    return addr


def string_to_ip(s: str) -> IP:
    try:
        return IP(parse_ip_addr(str(s)))
    except ValueError as exc:
        raise EvaluationError(str(exc)) from None


def is_ip(s: str) -> celtypes.BoolType:
    try:
        parse_ip_addr(str(s))
    except ValueError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def ip_is_canonical(s: str) -> celtypes.BoolType:
    addr = string_to_ip(s).addr
    return celtypes.BoolType(str(addr) == str(s))


def family(ip: IP) -> celtypes.IntType:
    return celtypes.IntType(4 if ip.addr.is4() else 6)


def ip_to_string(ip: IP) -> celtypes.StringType:
    return celtypes.StringType(str(ip.addr))


LIBRARY = Library(name="kubernetes.net.ip", types={"net.IP": IP})
LIBRARY.add("ip", string_to_ip, ("string",), "net.IP")
LIBRARY.add("isIP", is_ip, ("string",), "bool")
LIBRARY.add("ip.isCanonical", ip_is_canonical, ("string",), "bool")
LIBRARY.add("family", family, ("net.IP",), "int", member=True)
LIBRARY.add("isUnspecified", lambda ip: celtypes.BoolType(ip.addr.is_unspecified()), ("net.IP",), "bool", member=True)
LIBRARY.add("isLoopback", lambda ip: celtypes.BoolType(ip.addr.is_loopback()), ("net.IP",), "bool", member=True)
LIBRARY.add(
    "isLinkLocalMulticast",
    lambda ip: celtypes.BoolType(ip.addr.is_link_local_multicast()),
    ("net.IP",),
    "bool",
    member=True,
)
LIBRARY.add(
    "isLinkLocalUnicast", lambda ip: celtypes.BoolType(ip.addr.is_link_local_unicast()), ("net.IP",), "bool", member=True
)
LIBRARY.add("isGlobalUnicast", lambda ip: celtypes.BoolType(ip.addr.is_global_unicast()), ("net.IP",), "bool", member=True)
LIBRARY.add("string", ip_to_string, ("net.IP",), "string")
