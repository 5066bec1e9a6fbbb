"""A port of Go's net/netip address and prefix parsing, which the Kubernetes ip and cidr libraries use.

Python's ipaddress module accepts and prints addresses differently (zones, leading zeros, IPv4-mapped forms,
error messages), so the Go algorithm is reproduced here: ParseAddr, ParsePrefix, String, the Is* predicates,
Prefix.Contains/Overlaps/Masked. Go's error texts are kept because Kubernetes returns them to users.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrator.cel.library._gostd import go_quote


class NetipError(ValueError):
    """A parse error with Go's message."""


def _addr_error(in_: str, msg: str, at: str = "") -> NetipError:
    text = "ParseAddr(" + go_quote(in_) + "): " + msg
    if at:
        text += " (at " + go_quote(at) + ")"
    return NetipError(text)


@dataclass(frozen=True)
class Addr:
    """An IPv4 (bits=32) or IPv6 (bits=128) address; `value` is the integer form, `zone` the IPv6 zone."""

    value: int
    bits: int
    zone: str = ""

    # --- classification (net/netip Addr methods) ---
    def is4(self) -> bool:
        return self.bits == 32

    def is6(self) -> bool:
        return self.bits == 128

    def is4in6(self) -> bool:
        return self.bits == 128 and (self.value >> 32) == 0xFFFF

    def unmap(self) -> "Addr":
        if self.is4in6():
            return Addr(self.value & 0xFFFFFFFF, 32)
        return self

    def _v4(self, i: int) -> int:
        return (self.value >> ((3 - i) * 8)) & 0xFF

    def _v6u16(self, i: int) -> int:
        return (self.value >> ((7 - i) * 16)) & 0xFFFF

    def is_unspecified(self) -> bool:
        return self.value == 0 and not self.zone

    def is_loopback(self) -> bool:
        ip = self.unmap()
        if ip.is4():
            return ip._v4(0) == 127
        return ip.value == 1

    def is_multicast(self) -> bool:
        ip = self.unmap()
        if ip.is4():
            return ip._v4(0) & 0xF0 == 0xE0
        return (ip.value >> 120) == 0xFF

    def is_link_local_unicast(self) -> bool:
        ip = self.unmap()
        if ip.is4():
            return ip._v4(0) == 169 and ip._v4(1) == 254
        return ip._v6u16(0) & 0xFFC0 == 0xFE80

    def is_link_local_multicast(self) -> bool:
        ip = self.unmap()
        if ip.is4():
            return ip._v4(0) == 224 and ip._v4(1) == 0 and ip._v4(2) == 0
        return ip._v6u16(0) & 0xFF0F == 0xFF02

    def is_global_unicast(self) -> bool:
        ip = self.unmap()
        if ip.is4() and ip.value in (0, 0xFFFFFFFF):
            return False
        if ip.is6() and ip.value == 0 and not ip.zone:
            return False
        return not ip.is_loopback() and not ip.is_multicast() and not ip.is_link_local_unicast()

    # --- formatting ---
    def _string4(self) -> str:
        return ".".join(str(self._v4(i)) for i in range(4))

    def __str__(self) -> str:
        if self.is4():
            return self._string4()
        if self.is4in6():
            text = "::ffff:" + Addr(self.value & 0xFFFFFFFF, 32)._string4()
        else:
            words = [self._v6u16(i) for i in range(8)]
            zero_start, zero_end = 255, 255
            for i in range(8):
                j = i
                while j < 8 and words[j] == 0:
                    j += 1
                if j - i >= 2 and j - i > zero_end - zero_start:
                    zero_start, zero_end = i, j
            i = 0
            text = ""
            while i < 8:
                if i == zero_start:
                    text += "::"
                    i = zero_end
                    if i >= 8:
                        break
                elif i > 0:
                    text += ":"
                text += format(words[i], "x")
                i += 1
        if self.zone:
            text += "%" + self.zone
        return text


def _parse_ipv4_fields(in_: str, s: str) -> list[int]:
    fields = [0, 0, 0, 0]
    val = pos = dig_len = 0
    for i, c in enumerate(s):
        if "0" <= c <= "9":
            if dig_len == 1 and val == 0:
                raise _addr_error(in_, "IPv4 field has octet with leading zero")
            val = val * 10 + ord(c) - 48
            dig_len += 1
            if val > 255:
                raise _addr_error(in_, "IPv4 field has value >255")
        elif c == ".":
            if i == 0 or i == len(s) - 1 or s[i - 1] == ".":
                raise _addr_error(in_, "IPv4 field must have at least one digit", s[i:])
            if pos == 3:
                raise _addr_error(in_, "IPv4 address too long")
            fields[pos] = val
            pos += 1
            val = dig_len = 0
        else:
            raise _addr_error(in_, "unexpected character", s[i:])
    if pos < 3:
        raise _addr_error(in_, "IPv4 address too short")
    fields[3] = val
    return fields


def _parse_ipv6(in_: str) -> Addr:
    s = in_
    zone = ""
    i = s.find("%")
    if i != -1:
        s, zone = s[:i], s[i + 1 :]
        if zone == "":
            raise _addr_error(in_, "zone must be a non-empty string")
    ip = [0] * 16
    ellipsis = -1
    if len(s) >= 2 and s[0] == ":" and s[1] == ":":
        ellipsis = 0
        s = s[2:]
        if len(s) == 0:
            return Addr(0, 128, zone)
    i = 0
    while i < 16:
        off = 0
        acc = 0
        while off < len(s):
            c = s[off]
            if "0" <= c <= "9":
                acc = (acc << 4) + ord(c) - 48
            elif "a" <= c <= "f":
                acc = (acc << 4) + ord(c) - 87
            elif "A" <= c <= "F":
                acc = (acc << 4) + ord(c) - 55
            else:
                break
            if off > 3:
                raise _addr_error(in_, "each group must have 4 or less digits", s)
            if acc > 0xFFFF:
                raise _addr_error(in_, "IPv6 field has value >=2^16", s)
            off += 1
        if off == 0:
            raise _addr_error(in_, "each colon-separated field must have at least one digit", s)
        if off < len(s) and s[off] == ".":
            if ellipsis < 0 and i != 12:
                raise _addr_error(in_, "embedded IPv4 address must replace the final 2 fields of the address", s)
            if i + 4 > 16:
                raise _addr_error(in_, "too many hex fields to fit an embedded IPv4 at the end of the address", s)
            ip[i : i + 4] = _parse_ipv4_fields(in_, s)
            s = ""
            i += 4
            break
        ip[i] = acc >> 8
        ip[i + 1] = acc & 0xFF
        i += 2
        s = s[off:]
        if len(s) == 0:
            break
        if s[0] != ":":
            raise _addr_error(in_, "unexpected character, want colon", s)
        if len(s) == 1:
            raise _addr_error(in_, "colon must be followed by more characters", s)
        s = s[1:]
        if s[0] == ":":
            if ellipsis >= 0:
                raise _addr_error(in_, "multiple :: in address", s)
            ellipsis = i
            s = s[1:]
            if len(s) == 0:
                break
    if len(s) != 0:
        raise _addr_error(in_, "trailing garbage after address", s)
    if i < 16:
        if ellipsis < 0:
            raise _addr_error(in_, "address string too short")
        n = 16 - i
        for j in range(i - 1, ellipsis - 1, -1):
            ip[j + n] = ip[j]
        for j in range(ellipsis, ellipsis + n):
            ip[j] = 0
    elif ellipsis >= 0:
        raise _addr_error(in_, "the :: must expand to at least one field of zeros")
    return Addr(int.from_bytes(bytes(ip), "big"), 128, zone)


def parse_addr(s: str) -> Addr:
    """netip.ParseAddr."""
    for c in s:
        if c == ".":
            f = _parse_ipv4_fields(s, s)
            return Addr((f[0] << 24) | (f[1] << 16) | (f[2] << 8) | f[3], 32)
        if c == ":":
            return _parse_ipv6(s)
        if c == "%":
            raise _addr_error(s, "missing IPv6 address")
    raise _addr_error(s, "unable to parse IP")


@dataclass(frozen=True)
class Prefix:
    """netip.Prefix: an address (zone stripped, host bits kept) and a prefix length."""

    addr: Addr
    bits: int

    def masked(self) -> "Prefix":
        width = self.addr.bits
        mask = ((1 << width) - 1) ^ ((1 << (width - self.bits)) - 1)
        return Prefix(Addr(self.addr.value & mask, width), self.bits)

    def contains(self, ip: Addr) -> bool:
        if ip.zone or ip.bits != self.addr.bits:
            return False
        shift = ip.bits - self.bits
        return (ip.value >> shift) == (self.addr.value >> shift)

    def overlaps(self, o: "Prefix") -> bool:
        if self == o:
            return True
        if self.addr.is4() != o.addr.is4():
            return False
        min_bits = min(self.bits, o.bits)
        if min_bits == 0:
            return True
        return Prefix(self.addr, min_bits).masked().addr == Prefix(o.addr, min_bits).masked().addr

    def __str__(self) -> str:
        return f"{self.addr}/{self.bits}"


def parse_prefix(s: str) -> Prefix:
    """netip.ParsePrefix."""

    def err(msg: str) -> NetipError:
        return NetipError("netip.ParsePrefix(" + go_quote(s) + "): " + msg)

    i = s.rfind("/")
    if i < 0:
        raise err("no '/'")
    try:
        ip = parse_addr(s[:i])
    except NetipError as exc:
        raise err(str(exc)) from None
    if ip.is6() and ip.zone:
        raise err("IPv6 zones cannot be present in a prefix")
    bits_str = s[i + 1 :]
    if len(bits_str) > 1 and not ("1" <= bits_str[0] <= "9"):
        raise err("bad bits after slash: " + go_quote(bits_str))
    body = bits_str[1:] if bits_str[:1] in ("+", "-") else bits_str
    if not body or not body.isascii() or not body.isdigit():
        raise err("bad bits after slash: " + go_quote(bits_str))
    bits = int(bits_str)
    max_bits = 128 if ip.is6() else 32
    if bits < 0 or bits > max_bits:
        raise err("prefix length out of range")
    return Prefix(Addr(ip.value, ip.bits), bits)
