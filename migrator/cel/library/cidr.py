"""Kubernetes CEL `cidr` library (k8s.io/apiserver pkg/cel/library/cidr.go), type `net.CIDR`.

cidr(string) -> net.CIDR, isCIDR(string), and on net.CIDR: containsIP(string|net.IP),
containsCIDR(string|net.CIDR), ip(), prefixLength(), masked(), string(cidr).
Parsing follows Go's netip.ParsePrefix (host bits are kept until masked()).
"""

from __future__ import annotations

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._gostd import go_quote
from migrator.cel.library._netip import NetipError, Prefix, parse_prefix
from migrator.cel.library.ip import IP, string_to_ip


class CIDR:
    """A net.CIDR value."""

    __slots__ = ("prefix",)
    cel_type_name = "net.CIDR"

    def __init__(self, prefix: Prefix) -> None:
        self.prefix = prefix

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CIDR) and other.prefix == self.prefix

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("net.CIDR", self.prefix))

    def __str__(self) -> str:
        return str(self.prefix)

    def __repr__(self) -> str:
        return f"cidr({str(self)!r})"


def parse_cidr(raw: str) -> Prefix:
    """cidr.go parseCIDR."""
    try:
        net = parse_prefix(raw)
    except NetipError as exc:
        raise ValueError(f"network address parse error during conversion from string: {exc}") from None
    if net.addr.is4in6():
        raise ValueError(f"IPv4-mapped IPv6 address {go_quote(raw)} is not allowed")
    return net


def string_to_cidr(s: str) -> CIDR:
    try:
        return CIDR(parse_cidr(str(s)))
    except ValueError as exc:
        # cidr.go wraps parseCIDR's already-prefixed error once more.
        raise EvaluationError(f"network address parse error during conversion from string: {exc}") from None


def is_cidr(s: str) -> celtypes.BoolType:
    try:
        parse_cidr(str(s))
    except ValueError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def contains_ip(c: CIDR, ip: IP) -> celtypes.BoolType:
    return celtypes.BoolType(c.prefix.contains(ip.addr))


def contains_ip_string(c: CIDR, s: str) -> celtypes.BoolType:
    try:
        ip = string_to_ip(s)
    except EvaluationError:
        # cidr.go: cidrContainsIP(arg, stringToIP(other)) sees an error value, not an IP -> no such overload.
        raise EvaluationError("no such overload") from None
    return contains_ip(c, ip)


def contains_cidr(c: CIDR, other: CIDR) -> celtypes.BoolType:
    return celtypes.BoolType(c.prefix.overlaps(other.prefix) and c.prefix.bits <= other.prefix.bits)


def contains_cidr_string(c: CIDR, s: str) -> celtypes.BoolType:
    return contains_cidr(c, string_to_cidr(s))


LIBRARY = Library(name="kubernetes.net.cidr", types={"net.CIDR": CIDR})
LIBRARY.add("cidr", string_to_cidr, ("string",), "net.CIDR")
LIBRARY.add("isCIDR", is_cidr, ("string",), "bool")
LIBRARY.add("containsIP", contains_ip_string, ("net.CIDR", "string"), "bool", member=True)
LIBRARY.add("containsIP", contains_ip, ("net.CIDR", "net.IP"), "bool", member=True)
LIBRARY.add("containsCIDR", contains_cidr_string, ("net.CIDR", "string"), "bool", member=True)
LIBRARY.add("containsCIDR", contains_cidr, ("net.CIDR", "net.CIDR"), "bool", member=True)
LIBRARY.add("ip", lambda c: IP(c.prefix.addr), ("net.CIDR",), "net.IP", member=True)
LIBRARY.add("prefixLength", lambda c: celtypes.IntType(c.prefix.bits), ("net.CIDR",), "int", member=True)
LIBRARY.add("masked", lambda c: CIDR(c.prefix.masked()), ("net.CIDR",), "net.CIDR", member=True)
LIBRARY.add("string", lambda c: celtypes.StringType(str(c.prefix)), ("net.CIDR",), "string")
