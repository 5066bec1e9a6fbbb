"""ip and cidr libraries. Expectations from kubernetes/apiserver pkg/cel/library/ip_test.go (TestIP) and
cidr_test.go (TestCIDR), and from Go's net/netip tests (netip_test.go TestParseAddr, TestAddrString)."""

from __future__ import annotations

import pytest
from libcheck import compile_error, run, runtime_error, value

from migrator.cel.library._netip import NetipError, parse_addr, parse_prefix


@pytest.mark.parametrize(
    "expr, expected",
    [
        # ip_test.go TestIP: "parse ipv4", "parse ipv6"
        ('ip("192.168.0.1")', ("192.168.0.1", "net.IP")),
        ('ip("2001:db8::68")', ("2001:db8::68", "net.IP")),
        # "isIP valid/invalid ipv4/ipv6"
        ('isIP("192.168.0.1")', (True, "bool")),
        ('isIP("192.168.0.1.0")', (False, "bool")),
        ('isIP("2001:db8:::68")', (False, "bool")),
        # "ip.isCanonical valid ipv4", "ip.isCanonical non-canonical ipv6"
        ('ip.isCanonical("127.0.0.1")', (True, "bool")),
        ('ip.isCanonical("2001:DB8::68")', (False, "bool")),
        # "ipv4 family", "ipv6 family"
        ('ip("192.168.0.1").family()', (4, "int")),
        ('ip("2001:db8::68").family()', (6, "int")),
        # "ipv4 isUnspecified true", "ipv6 isLoopback true", "isLinkLocalMulticast", "isLinkLocalUnicast"
        ('ip("0.0.0.0").isUnspecified()', (True, "bool")),
        ('ip("::").isUnspecified()', (True, "bool")),
        ('ip("::1").isLoopback()', (True, "bool")),
        ('ip("224.0.0.1").isLinkLocalMulticast()', (True, "bool")),
        ('ip("224.0.1.1").isLinkLocalMulticast()', (False, "bool")),
        ('ip("fe80::1").isLinkLocalUnicast()', (True, "bool")),
        ('ip("169.254.169.254").isLinkLocalUnicast()', (True, "bool")),
        # "ipv4 isGlobalUnicast", "ipv6 isGlobalUnicast false"
        ('ip("192.168.0.1").isGlobalUnicast()', (True, "bool")),
        ('ip("ff00::1").isGlobalUnicast()', (False, "bool")),
        ('string(ip("2001:db8::68"))', ("2001:db8::68", "string")),
    ],
)
def test_ip(expr, expected):
    assert run(expr) == expected


def test_ip_parse_errors_carry_go_messages():
    # ip_test.go "ip.isCanonical invalid ipv4" and "parse invalid ipv6"
    assert runtime_error('ip.isCanonical("127.0.0.1.0")') == (
        'IP Address "127.0.0.1.0" parse error during conversion from string: '
        'ParseAddr("127.0.0.1.0"): IPv4 address too long'
    )
    assert runtime_error('ip("2001:db8:::68")').endswith(
        'ParseAddr("2001:db8:::68"): each colon-separated field must have at least one digit (at ":68")'
    )


def test_ip_rejects_zones_and_ipv4_mapped_addresses():
    # ip_test.go "parse ipv6 with zone", "parse ipv4-mapped ipv6" (ip.go parseIPAddr)
    assert runtime_error('ip("fe80::1%eth0")') == 'IP address "fe80::1%eth0" with zone value is not allowed'
    assert runtime_error('ip("::ffff:192.168.0.1")') == 'IPv4-mapped IPv6 address "::ffff:192.168.0.1" is not allowed'
    assert value('isIP("::ffff:192.168.0.1")') is False


@pytest.mark.parametrize(
    "expr, expected",
    [
        # cidr_test.go TestCIDR
        ('cidr("192.168.0.0/24")', ("192.168.0.0/24", "net.CIDR")),
        ('cidr("192.168.0.0/24").containsIP(ip("192.168.0.1"))', (True, "bool")),
        ('cidr("192.168.0.0/24").containsIP(ip("192.168.1.1"))', (False, "bool")),
        ('cidr("192.168.0.0/24").containsIP("192.168.0.1")', (True, "bool")),
        ('cidr("192.168.0.0/24").containsCIDR(cidr("192.168.0.0/25"))', (True, "bool")),
        ('cidr("192.168.0.0/24").containsCIDR(cidr("192.168.0.0/23"))', (False, "bool")),
        ('cidr("192.168.0.0/24").containsCIDR("192.169.0.1/32")', (False, "bool")),
        ('cidr("2001:db8::/32").containsIP("2001:db8::1")', (True, "bool")),
        ('cidr("2001:db8::/32").containsCIDR("2001:db8::/33")', (True, "bool")),
        ('cidr("192.168.0.0/24").ip()', ("192.168.0.0", "net.IP")),
        ('cidr("2001:db8::/32").prefixLength()', (32, "int")),
        # "masked ipv4", "masked ipv6": host bits are kept until masked()
        ('cidr("192.168.0.1/24").masked()', ("192.168.0.0/24", "net.CIDR")),
        ('cidr("2001:db8::1/32").masked()', ("2001:db8::/32", "net.CIDR")),
        ('cidr("192.168.0.1/24").ip()', ("192.168.0.1", "net.IP")),
        ('string(cidr("192.168.0.0/24"))', ("192.168.0.0/24", "string")),
        ('isCIDR("192.168.0.0/33")', (False, "bool")),
    ],
)
def test_cidr(expr, expected):
    assert run(expr) == expected


def test_cidr_parse_error_is_wrapped_twice_as_in_cidr_go():
    # cidr_test.go "parse invalid ipv4"
    assert runtime_error('cidr("192.168.0.0/")') == (
        "network address parse error during conversion from string: network address parse error during "
        'conversion from string: netip.ParsePrefix("192.168.0.0/"): bad bits after slash: ""'
    )


def test_cidr_contains_ip_with_bad_string_is_no_such_overload():
    # cidr.go cidrContainsIPString passes stringToIP's error value on, which is not an IP.
    assert runtime_error('cidr("10.0.0.0/8").containsIP("10.0.0.300")') == "no such overload"


def test_cidr_rejects_ipv4_mapped_prefix():
    assert value('isCIDR("::ffff:10.0.0.0/104")') is False


def test_isip_rejects_cidr_at_compile_time():
    # ip_test.go "passing cidr into isIP returns compile error"
    assert "found no matching overload for 'isIP'" in compile_error('isIP(cidr("192.168.0.0/24"))')


@pytest.mark.parametrize(
    "text, printed",
    [
        # net/netip TestAddrString / RFC 5952: longest zero run, first one on ties, no "::" for one field
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
        ("2001:db8::1:0:0:0", "2001:db8:0:0:1::"),
        ("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("::1.2.3.4", "::102:304"),
    ],
)
def test_netip_prints_like_go(text, printed):
    assert str(parse_addr(text)) == printed


@pytest.mark.parametrize(
    "text, message",
    [
        ("1.2.3", "IPv4 address too short"),
        ("01.2.3.4", "IPv4 field has octet with leading zero"),
        ("256.0.0.0", "IPv4 field has value >255"),
        ("1:2:3:4:5:6:7:8:9", "trailing garbage after address"),
        ("12345::", "each group must have 4 or less digits"),
        ("", "unable to parse IP"),
    ],
)
def test_netip_parse_errors(text, message):
    with pytest.raises(NetipError, match=message):
        parse_addr(text)


def test_netip_prefix_bits_must_be_canonical_decimal():
    # Go 1.22+ ParsePrefix rejects leading zeros and signs in the bit count.
    for text in ("10.0.0.0/08", "10.0.0.0/+8", "10.0.0.0/-1"):
        with pytest.raises(NetipError, match="bad bits after slash"):
            parse_prefix(text)
    with pytest.raises(NetipError, match="prefix length out of range"):
        parse_prefix("10.0.0.0/33")
