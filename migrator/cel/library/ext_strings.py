"""cel-go `ext.Strings(ext.StringsVersion(2))`, the string extension Kubernetes enables (cel-go ext/strings.go).

charAt, indexOf, lastIndexOf (with offsets), lowerAscii, upperAscii, replace (with n), split (with n),
substring, trim, join, format (the pre-version-4 rules, ext/formatting.go) and strings.quote. No `reverse`
(version 3). Indexes count Unicode code points, as cel-go does; trim removes Go's unicode.IsSpace runes.
"""

from __future__ import annotations

import datetime
import math
from typing import Any, Callable

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._celvalues import kind, type_name
from migrator.cel.library._gostd import go_quote
from migrator.cel.runtime import format_double

# Go's unicode.IsSpace.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _s(v: str) -> celtypes.StringType:
    return celtypes.StringType(v)


def char_at(s: str, i: int) -> celtypes.StringType:
    s, i = str(s), int(i)
    if i < 0 or i > len(s):
        raise EvaluationError(f"index out of range: {i}")
    return _s("" if i == len(s) else s[i])


def index_of(s: str, sub: str, offset: int = 0) -> celtypes.IntType:
    s, sub, off = str(s), str(sub), int(offset)
    if off < 0:
        raise EvaluationError(f"index out of range: {off}")
    if sub == "":
        return celtypes.IntType(len(s) if off > len(s) else off)
    if off >= len(s):
        return celtypes.IntType(-1)
    return celtypes.IntType(s.find(sub, off))


def last_index_of(s: str, sub: str) -> celtypes.IntType:
    s, sub = str(s), str(sub)
    if sub == "":
        return celtypes.IntType(len(s))
    if len(s.encode("utf-8", "surrogateescape")) < len(sub.encode("utf-8", "surrogateescape")):
        return celtypes.IntType(-1)
    return last_index_of_offset(s, sub, len(s) - 1)


def last_index_of_offset(s: str, sub: str, offset: int) -> celtypes.IntType:
    s, sub, off = str(s), str(sub), int(offset)
    if off < 0:
        raise EvaluationError(f"index out of range: {off}")
    if sub == "":
        return celtypes.IntType(len(s) if off > len(s) else off)
    if off >= len(s):
        return celtypes.IntType(-1)
    if off > len(s) - len(sub):
        off = len(s) - len(sub)
    if off < 0:
        return celtypes.IntType(-1)
    return celtypes.IntType(s.rfind(sub, 0, off + len(sub)))


def lower_ascii(s: str) -> celtypes.StringType:
    return _s("".join(c.lower() if c < "\x80" else c for c in str(s)))


def upper_ascii(s: str) -> celtypes.StringType:
    return _s("".join(c.upper() if c < "\x80" else c for c in str(s)))


def replace(s: str, old: str, new: str, n: int = -1) -> celtypes.StringType:
    n = int(n)
    return _s(str(s).replace(str(old), str(new), n if n >= 0 else -1))


def split(s: str, sep: str, n: int = -1) -> celtypes.ListType:
    """Go's strings.SplitN (n < 0: all; n == 0: none; an empty separator splits into runes)."""
    s, sep, n = str(s), str(sep), int(n)
    if n == 0:
        parts: list[str] = []
    elif sep == "":
        chars = list(s)
        parts = chars if n < 0 or n >= len(chars) else chars[: n - 1] + ["".join(chars[n - 1 :])]
    else:
        parts = s.split(sep, n - 1 if n > 0 else -1)
    return celtypes.ListType([_s(p) for p in parts])


def substring(s: str, start: int, end: int | None = None) -> celtypes.StringType:
    s, start = str(s), int(start)
    if end is None:
        if start < 0 or start > len(s):
            raise EvaluationError(f"index out of range: {start}")
        return _s(s[start:])
    end = int(end)
    if start > end:
        raise EvaluationError(f"invalid substring range. start: {start}, end: {end}")
    if start < 0 or start > len(s):
        raise EvaluationError(f"index out of range: {start}")
    if end < 0 or end > len(s):
        raise EvaluationError(f"index out of range: {end}")
    return _s(s[start:end])


def trim(s: str) -> celtypes.StringType:
    return _s(str(s).strip(_GO_SPACE))


def join(items: list, sep: str = "") -> celtypes.StringType:
    out = []
    for item in items:
        if kind(item) != "string":
            raise EvaluationError(f"join: invalid input: {item}")
        out.append(str(item))
    return _s(str(sep).join(out))


def quote(s: str) -> celtypes.StringType:
    """strings.quote: escape \\a \\b \\f \\n \\r \\t \\v \\\\ and \", keep every other rune."""
    table = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
             "\\": "\\\\", '"': '\\"'}
    out = []
    for c in str(s):
        if 0xD800 <= ord(c) <= 0xDFFF:
            c = "\ufffd"
        out.append(table.get(c, c))
    return _s('"' + "".join(out) + '"')


# ---- format (cel-go ext/formatting.go, versions < 4) -------------------------------------------------

class _FormatError(Exception):
    pass


# cel-go caps precision (at 100) only from strings version 5; version 2 has no cap and Go would build the
# string. migrator refuses precisions whose output alone would exceed the per-call cost budget.
_MAX_PRECISION = 1_000_000


def _group(int_digits: str) -> str:
    out = []
    while len(int_digits) > 3:
        out.insert(0, int_digits[-3:])
        int_digits = int_digits[:-3]
    out.insert(0, int_digits)
    return ",".join(out)


def _xtext_fixed(v: float, prec: int) -> str:
    """golang.org/x/text message.Printer %.Nf for en_US: grouping separators, ∞ for infinities."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    text = f"{abs(v):.{prec}f}"
    ip, _, fp = text.partition(".")
    return ("-" if v < 0 else "") + _group(ip) + ("." + fp if fp else "")


_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def _xtext_scientific(v: float, width: int) -> str:
    """x/text "%<width>e" for en_US. cel-go builds "%<precision>e" (a width, not a precision), so the mantissa
    always has the default six decimals and short results such as ∞ are padded to the requested width."""
    if math.isnan(v):
        text = "NaN"
    elif math.isinf(v):
        text = "∞" if v > 0 else "-∞"
    else:
        mant, _, exp = f"{abs(v):.6e}".partition("e")
        e = int(exp)
        exp_text = ("-" if e < 0 else "") + f"{abs(e):02d}"
        text = ("-" if v < 0 else "") + mant + "×10" + exp_text.translate(_SUPERSCRIPT)
    return text.rjust(width)


def _timestamp_text(v: datetime.datetime) -> str:
    from migrator.cel.values import format_timestamp

    return format_timestamp(v)


def _duration_text(v: datetime.timedelta) -> str:
    from migrator.cel.values import format_duration

    return format_duration(v)


def _format_string(arg: Any) -> str:
    """FormatString: the %s clause."""
    k = kind(arg)
    if k == "list":
        return _format_list(arg)
    if k == "map":
        return _format_map(arg)
    if k == "null":
        return "null"
    if k == "bool":
        return "true" if arg else "false"
    if k in ("int", "uint"):
        return str(int(arg))
    if k == "double":
        return format_double(float(arg))  # strconv.FormatFloat(f, 'g', -1, 64), as string(double)
    if k == "string":
        return str(arg)
    if k == "bytes":
        return bytes(arg).decode("utf-8", "replace")
    if k == "timestamp":
        return _timestamp_text(arg)
    if k == "duration":
        return _duration_text(arg)
    if type_name(arg) == "type":
        return str(arg)
    raise _FormatError(
        "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, "
        f"durations, and timestamps, was given {type_name(arg)}"
    )


def _format_decimal(arg: Any) -> str:
    if kind(arg) in ("int", "uint"):
        return str(int(arg))
    raise _FormatError(f"decimal clause can only be used on integers, was given {type_name(arg)}")


def _clause_for_type(arg: Any) -> Callable[[Any], str]:
    k = kind(arg)
    if k in ("int", "uint"):
        return _format_decimal
    if k in ("string", "bytes", "bool", "null"):
        return _format_string
    if type_name(arg) == "type":
        return _format_string
    if k == "timestamp":
        return lambda a: f"timestamp({go_quote(_timestamp_text(a))})"
    if k == "duration":
        return lambda a: f"duration({go_quote(_duration_text(a))})"
    if k == "list":
        return _format_list
    if k == "map":
        return _format_map
    if k == "double":
        return _go_fixed6
    raise _FormatError(f"no formatting function for {type_name(arg)}")


def _go_fixed6(a: Any) -> str:
    f = float(a)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    return f"{f:.6f}"


def _quote_for_cel(v: Any, text: str) -> str:
    k = kind(v)
    if k == "string":
        return go_quote(text)
    if k == "bytes":
        return "b" + go_quote(text)
    if k == "double":
        f = float(v)
        if math.isinf(f) or math.isnan(f):
            return go_quote(text)
    return text


def _format_list(arg: Any) -> str:
    parts = [_quote_for_cel(m, _clause_for_type(m)(m)) for m in arg]
    return "[" + ", ".join(parts) + "]"


def _format_map(arg: Any) -> str:
    pairs = []
    for key, value in arg.items():
        kk = kind(key)
        if kk in ("string", "bool"):
            key_text = _format_string(key)
        elif kk in ("int", "uint"):
            key_text = _format_decimal(key)
        else:
            raise _FormatError(f"no formatting function for map key of type {type_name(key)}")
        value_text = _quote_for_cel(value, _clause_for_type(value)(value))
        pairs.append((_quote_for_cel(key, key_text), value_text))
    pairs.sort(key=lambda p: p[0].encode("utf-8", "surrogateescape"))
    return "{" + ", ".join(f"{k}:{v}" for k, v in pairs) + "}"


def _is_float_exception(arg: Any) -> bool:
    return kind(arg) == "string" and str(arg) in ("NaN", "Infinity", "-Infinity")


def _as_float(arg: Any) -> float:
    if kind(arg) == "string":
        return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}[str(arg)])
    return float(arg)


def _double_clause(clause: str, render: Callable[[float, int], str]) -> Callable[[int | None], Callable[[Any], str]]:
    """A clause that formats doubles (and the strings NaN/Infinity/-Infinity) with a precision, 6 by default."""

    def with_precision(precision: int | None) -> Callable[[Any], str]:
        prec = 6 if precision is None else precision

        def impl(arg: Any) -> str:
            if kind(arg) != "double" and not _is_float_exception(arg):
                raise _FormatError(f"{clause} clause can only be used on doubles, was given {type_name(arg)}")
            return render(_as_float(arg), prec)

        return impl

    return with_precision


_fixed = _double_clause("fixed-point", _xtext_fixed)
_scientific = _double_clause("scientific", _xtext_scientific)


def _binary(arg: Any) -> str:
    k = kind(arg)
    if k in ("int", "uint"):
        return format(int(arg), "b")
    if k == "bool":
        return "1" if arg else "0"
    raise _FormatError(f"only integers and bools can be formatted as binary, was given {type_name(arg)}")


def _hex(upper: bool) -> Callable[[Any], str]:
    def impl(arg: Any) -> str:
        k = kind(arg)
        if k == "string":
            text = str(arg).encode("utf-8", "surrogateescape").hex()
        elif k == "bytes":
            text = bytes(arg).hex()
        elif k in ("int", "uint"):
            text = format(int(arg), "x")
        else:
            raise _FormatError(
                f"only integers, byte buffers, and strings can be formatted as hex, was given {type_name(arg)}"
            )
        return text.upper() if upper else text

    return impl


def _octal(arg: Any) -> str:
    if kind(arg) in ("int", "uint"):
        return format(int(arg), "o")
    raise _FormatError(f"octal clause can only be used on integers, was given {type_name(arg)}")


def _parse_clause(fmt: str) -> tuple[int, Callable[[Any], str]]:
    """parseFormattingClause on the text after '%': (characters read, formatter)."""
    i = 0
    precision: int | None = None
    if fmt[0] == ".":
        i = 1
        digits = ""
        while True:
            if i >= len(fmt):
                raise _FormatError(
                    "could not parse formatting clause: error while parsing precision: "
                    "could not find end of precision specifier"
                )
            if not ("0" <= fmt[i] <= "9"):
                break
            digits += fmt[i]
            i += 1
        if not digits:
            raise _FormatError(
                "could not parse formatting clause: error while parsing precision: error while converting "
                'precision to integer: strconv.Atoi: parsing "": invalid syntax'
            )
        precision = int(digits)
        if precision > _MAX_PRECISION:
            raise _FormatError(
                "could not parse formatting clause: error while parsing precision: "
                f"precision {precision} exceeds maximum allowed precision {_MAX_PRECISION}"
            )
    r = fmt[i]
    i += 1
    table: dict[str, Callable[[Any], str]] = {
        "s": _format_string,
        "d": _format_decimal,
        "f": _fixed(precision),
        "e": _scientific(precision),
        "b": _binary,
        "x": _hex(False),
        "X": _hex(True),
        "o": _octal,
    }
    if r not in table:
        raise _FormatError(f'could not parse formatting clause: unrecognized formatting clause "{r}"')
    return i, table[r]


def format_string(fmt: str, args: list) -> tuple[str, int]:
    """parseFormatString: the formatted text and how many arguments the clauses used."""
    fmt = str(fmt)
    out: list[str] = []
    i = 0
    arg_index = 0
    while i < len(fmt):
        if fmt[i] != "%":
            out.append(fmt[i])
            i += 1
            continue
        if i + 1 < len(fmt) and fmt[i + 1] == "%":
            out.append("%")
            i += 2
            continue
        if arg_index >= len(args):
            raise _FormatError(f"index {arg_index} out of range")
        if i + 1 >= len(fmt):
            raise _FormatError("unexpected end of string")
        read, formatter = _parse_clause(fmt[i + 1 :])
        try:
            out.append(formatter(args[arg_index]))
        except _FormatError as exc:
            raise _FormatError(f"error during formatting: {exc}") from None
        i += 1 + read
        arg_index += 1
    return "".join(out), arg_index


def string_format(fmt: str, args: list) -> celtypes.StringType:
    try:
        return _s(format_string(fmt, list(args))[0])
    except _FormatError as exc:
        raise EvaluationError(str(exc)) from None


def validate_format(*args: object) -> None:
    """Constant validator (cel-go stringFormatValidator): args are (format string, argument list) when constant."""
    if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], list):
        return
    try:
        _, used = format_string(args[0], args[1])
    except _FormatError as exc:
        raise ValueError(str(exc)) from None
    if len(args[1]) > used:
        raise ValueError(f"too many arguments supplied to string.format (expected {used}, got {len(args[1])})")


LIBRARY = Library(name="cel.lib.ext.strings")
LIBRARY.add("charAt", char_at, ("string", "int"), "string", member=True)
LIBRARY.add("indexOf", index_of, ("string", "string"), "int", member=True)
LIBRARY.add("indexOf", index_of, ("string", "string", "int"), "int", member=True)
LIBRARY.add("lastIndexOf", last_index_of, ("string", "string"), "int", member=True)
LIBRARY.add("lastIndexOf", last_index_of_offset, ("string", "string", "int"), "int", member=True)
LIBRARY.add("lowerAscii", lower_ascii, ("string",), "string", member=True)
LIBRARY.add("replace", replace, ("string", "string", "string"), "string", member=True)
LIBRARY.add("replace", replace, ("string", "string", "string", "int"), "string", member=True)
LIBRARY.add("split", split, ("string", "string"), "list(string)", member=True)
LIBRARY.add("split", split, ("string", "string", "int"), "list(string)", member=True)
LIBRARY.add("substring", substring, ("string", "int"), "string", member=True)
LIBRARY.add("substring", substring, ("string", "int", "int"), "string", member=True)
LIBRARY.add("trim", trim, ("string",), "string", member=True)
LIBRARY.add("upperAscii", upper_ascii, ("string",), "string", member=True)
LIBRARY.add("format", string_format, ("string", "list(dyn)"), "string", member=True)
LIBRARY.add("strings.quote", quote, ("string",), "string")
LIBRARY.add("join", join, ("list(string)",), "string", member=True)
LIBRARY.add("join", join, ("list(string)", "string"), "string", member=True)
LIBRARY.constant_validators["format"] = validate_format
