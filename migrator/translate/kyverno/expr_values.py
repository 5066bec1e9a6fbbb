"""Kyverno's value vocabulary (wildcards, Go durations, Kubernetes quantities) parsed statically and spelled in CEL.

Shared by the pattern and condition translators. Static parsing mirrors the Go functions Kyverno calls
(time.ParseDuration, resource.ParseQuantity, go-wildcard v1 Match); the CEL spellings only use what the Kubernetes
CEL environment provides (matches, startsWith, duration(), quantity()/isQuantity()).
"""

from __future__ import annotations

import re
from fractions import Fraction

from migrator.translate.cel_literal import quote

# ---------------------------------------------------------------------------------------------------- booleans


def and_(*terms: str) -> str:
    """Conjunction with constant folding; each term is parenthesised."""
    return _fold(terms, "&&", unit="true", absorbing="false")


def or_(*terms: str) -> str:
    return _fold(terms, "||", unit="false", absorbing="true")


def _fold(terms: tuple[str, ...], op: str, *, unit: str, absorbing: str) -> str:
    """`terms` joined by `op`: `unit` terms dropped, any `absorbing` term decides, one term left stands alone."""
    out = []
    for t in terms:
        if t == absorbing:
            return absorbing
        if t != unit:
            out.append(t)
    if not out:
        return unit
    if len(out) == 1:
        return out[0]
    return f" {op} ".join(paren(t) for t in out)


def not_(term: str) -> str:
    if term == "true":
        return "false"
    if term == "false":
        return "true"
    if term.startswith("!") and _balanced_atom(term[1:]):
        return term[1:]
    return "!" + paren(term)


def cond(test: str, then: str, other: str) -> str:
    if test == "true":
        return then
    if test == "false":
        return other
    if then == other:
        return then
    if then == "true" and other == "false":
        return test
    if then == "false" and other == "true":
        return not_(test)
    if other == "false":
        return and_(test, then)
    if then == "true":
        return or_(test, other)
    return f"{paren(test)} ? {paren(then)} : {paren(other)}"


def const(b: bool) -> str:
    return "true" if b else "false"


def _balanced_atom(text: str) -> bool:
    """True when `text` is one primary expression (no top-level binary operator), so it needs no parentheses."""
    depth = 0
    in_str = None
    i = 0
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 2
                continue
            if ch == in_str:
                in_str = None
        elif ch in "\"'":
            in_str = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in " ?:|&=<>+-*/%!,":
            if ch == "!" and i == 0:
                pass
            elif ch == "-" and i == 0:
                pass
            else:
                return False
        i += 1
    return depth == 0


def paren(term: str) -> str:
    return term if _balanced_atom(term) else f"({term})"


# ---------------------------------------------------------------------------------------------------- field access

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = {
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
    "let", "loop", "package", "namespace", "return", "var", "void", "while",
}


def field(expr: str, key: str) -> str:
    """CEL for `expr[key]` (dot syntax when the key is a plain identifier)."""
    if _IDENT.match(key) and key not in _RESERVED:
        return f"{paren(expr)}.{key}"
    return f"{paren(expr)}[{quote(key)}]"


def has_field(expr: str, key: str) -> str:
    """CEL true when map `expr` has `key` (present, even with a null value)."""
    if _IDENT.match(key) and key not in _RESERVED:
        return f"has({paren(expr)}.{key})"
    return f"{quote(key)} in {paren(expr)}"


def is_type(expr: str, type_name: str) -> str:
    return f"type({expr}) == {type_name}"


# ---------------------------------------------------------------------------------------------------- wildcards


def has_wildcard(s: str) -> bool:
    return "*" in s or "?" in s


def wildcard_match(pattern: str, name: str) -> bool:
    """go-wildcard v1.0.3 Match: `*` any run of runes (also empty), `?` exactly one rune; whole string."""
    if pattern == "":
        return name == ""
    if pattern == "*":
        return True
    return _deep_match(name, pattern)


def _deep_match(s: str, p: str) -> bool:
    # iterative glob match with backtracking on the last star
    si = pi = 0
    star = -1
    mark = 0
    while si < len(s):
        if pi < len(p) and (p[pi] == "?" or p[pi] == s[si]):
            si += 1
            pi += 1
        elif pi < len(p) and p[pi] == "*":
            star = pi
            mark = si
            pi += 1
        elif star != -1:
            pi = star + 1
            mark += 1
            si = mark
        else:
            return False
    while pi < len(p) and p[pi] == "*":
        pi += 1
    return pi == len(p)


def _re2_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch.isascii() and not ch.isalnum() and ch not in " _":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def glob_regex(pattern: str) -> str:
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(_re2_escape(ch))
    return "(?s)^" + "".join(parts) + "$"


def glob_cel(string_expr: str, pattern: str) -> str:
    """CEL bool: the CEL string `string_expr` matches Kyverno wildcard `pattern`."""
    s = paren(string_expr)
    if pattern == "":
        return f"{s} == \"\""
    if not has_wildcard(pattern):
        return f"{s} == {quote(pattern)}"
    if set(pattern) == {"*"}:
        return "true"
    if set(pattern) <= {"*", "?"}:
        n = pattern.count("?")
        return f"size({s}) >= {n}" if "*" in pattern else f"size({s}) == {n}"
    stars = pattern.count("*")
    if "?" not in pattern:
        if stars == 1 and pattern.endswith("*"):
            return f"{s}.startsWith({quote(pattern[:-1])})"
        if stars == 1 and pattern.startswith("*"):
            return f"{s}.endsWith({quote(pattern[1:])})"
        if stars == 2 and pattern.startswith("*") and pattern.endswith("*"):
            return f"{s}.contains({quote(pattern[1:-1])})"
    return f"{s}.matches({quote(glob_regex(pattern))})"


# ---------------------------------------------------------------------------------------------------- durations

_DURATION_UNITS_NS = {
    "ns": 1, "us": 1000, "\u00b5s": 1000, "\u03bcs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9,
}
_DURATION_RE = re.compile(r"^[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$")
# The same test in RE2 syntax for the generated CEL (time.ParseDuration's grammar).
DURATION_RE2 = "^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$"
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_MAX_DURATION_NS = 2**63 - 1


def parse_go_duration(text: str) -> Fraction | None:
    """time.ParseDuration: nanoseconds, or None when Go would return an error."""
    if not isinstance(text, str) or not _DURATION_RE.match(text):
        return None
    sign = 1
    body = text
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return Fraction(0)
    total = Fraction(0)
    for number, unit in _DURATION_PART.findall(body):
        total += Fraction(number) * _DURATION_UNITS_NS[unit]
    if total > _MAX_DURATION_NS + (1 if sign < 0 else 0):
        return None
    return sign * Fraction(int(total))


def duration_literal(ns: Fraction) -> str:
    """CEL duration constant for a whole number of nanoseconds."""
    ns = int(ns)
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    seconds, rest = divmod(ns, 10**9)
    text = f"{seconds}" if not rest else f"{seconds}.{rest:09d}".rstrip("0")
    return f"duration({quote(sign + text + 's')})"


# ---------------------------------------------------------------------------------------------------- quantities

_QUANTITY_RE = re.compile(
    r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$"
)
_SUFFIX = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": 1,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}


def parse_quantity(text: str) -> Fraction | None:
    """resource.ParseQuantity: the exact value, or None when Kubernetes would reject the string."""
    if not isinstance(text, str):
        return None
    m = _QUANTITY_RE.match(text)
    if not m:
        return None
    number, suffix = m.group(1), m.group(2) or ""
    if number in {"+", "-", "", "."}:
        return None
    if suffix[:1] in ("e", "E") and len(suffix) > 1:
        exp = int(suffix[1:])
        if abs(exp) > 1000:
            return None
        mult = Fraction(10) ** exp
    else:
        mult = _SUFFIX[suffix]
    return Fraction(number) * mult


OPS = {"==": "==", "!=": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}


def compare_static(a: Fraction, b: Fraction, op: str) -> bool:
    return {
        "==": a == b, "!=": a != b, ">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b,
    }[op]


def int_vs_rational(int_expr: str, q: Fraction, op: str) -> str:
    """CEL for `int_expr <op> q` exactly, with q a rational constant."""
    import math

    lo, hi = math.floor(q), math.ceil(q)
    integral = lo == hi
    if op == "==":
        return f"{int_expr} == {lo}" if integral else "false"
    if op == "!=":
        return f"{int_expr} != {lo}" if integral else "true"
    if op == ">":
        return f"{int_expr} > {lo}"
    if op == ">=":
        return f"{int_expr} >= {hi}"
    if op == "<":
        return f"{int_expr} < {hi}"
    if op == "<=":
        return f"{int_expr} <= {lo}"
    raise ValueError(op)


def format_float_e(value: float) -> str:
    """Go strconv.FormatFloat(v, 'E', -1, 64)."""
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        return {"inf": "+Inf", "-inf": "-Inf", "nan": "NaN"}[text]
    mant, _, exp = f"{value:.17e}".partition("e")
    # shortest representation that round-trips, in E notation
    for digits in range(0, 18):
        candidate = f"{value:.{digits}e}"
        if float(candidate) == value:
            mant, _, exp = candidate.partition("e")
            break
    e = int(exp)
    return f"{mant}E{'+' if e >= 0 else '-'}{abs(e):02d}"
