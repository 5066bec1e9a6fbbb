"""Small pieces of Go's standard library that Kubernetes' CEL libraries expose through their error messages.

Go formats errors with strconv.Quote (`%q`) and does 64-bit integer arithmetic with wrap-around; the CEL
libraries are ports of Go code, so they need both to print and compute exactly what the API server does.
"""

from __future__ import annotations

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(s: str) -> str:
    """Go's strconv.Quote: a double-quoted Go string literal, printable runes kept as they are."""
    out = ['"']
    for ch in s:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == " " or (ch.isprintable() and not (0xD800 <= ord(ch) <= 0xDFFF)):
            out.append(ch)
        else:
            cp = ord(ch)
            if cp < 0x20 or cp == 0x7F:
                out.append(f"\\x{cp:02x}")
            elif 0xDC80 <= cp <= 0xDCFF:
                # surrogateescape form of an invalid UTF-8 byte: Go prints the byte.
                out.append(f"\\x{cp - 0xDC00:02x}")
            elif 0xD800 <= cp <= 0xDFFF:
                out.append("\\ufffd")
            elif cp < 0x10000:
                out.append(f"\\u{cp:04x}")
            else:
                out.append(f"\\U{cp:08x}")
    out.append('"')
    return "".join(out)


def wrap_int64(v: int) -> int:
    """Two's-complement truncation to int64, as Go's int64 arithmetic does on overflow."""
    v &= UINT64_MAX
    return v - (1 << 64) if v > INT64_MAX else v


def go_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def go_rem(a: int, b: int) -> int:
    """Go's remainder (sign follows the dividend)."""
    return a - b * go_div(a, b)


def go_atoi(s: str) -> int | None:
    """strconv.Atoi: optional sign, decimal digits, int64 range; None when Go would return an error."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        return None
    v = int(s)
    if v < INT64_MIN or v > INT64_MAX:
        return None
    return v


def go_parse_uint(s: str) -> int | None:
    """strconv.ParseUint(s, 10, 64): digits only, uint64 range; None on error."""
    if not s or not s.isascii() or not s.isdigit():
        return None
    v = int(s)
    return v if v <= UINT64_MAX else None
