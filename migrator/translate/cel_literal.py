"""CEL literals for values taken from policies.

Every string that lands inside generated CEL goes through `quote`, so a policy string can never break out of its
literal (quotes, backslashes, newlines) or be mistaken for template syntax (`${`). Non-printable and non-ASCII
characters are written as `\\u`/`\\U` escapes, which cel-go and our engine decode the same way.
"""

from __future__ import annotations

import math
from typing import Any

from migrator.translate.kyverno.scope import Unsupported

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_SIMPLE_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    # `$` is escaped so generated CEL never contains `${`, which template engines and shell heredocs expand.
    "$": "\\u0024",
}


def quote(s: str) -> str:
    """A double-quoted CEL string literal that evaluates to exactly `s`."""
    if not isinstance(s, str):
        raise TypeError(f"quote() needs a str, got {type(s).__name__}")
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif 0xD800 <= code <= 0xDFFF:
            raise Unsupported(f"string with a lone surrogate code point U+{code:04X} has no CEL literal")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _type_signature(value: Any) -> Any:
    """The static CEL type a literal of `value` gets (used to decide whether an aggregate literal is homogeneous)."""
    if value is None:
        return "null_type"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        sigs = {_type_signature(v) for v in value}
        return ("list", sigs.pop() if len(sigs) == 1 else "dyn")
    if isinstance(value, dict):
        sigs = {_type_signature(v) for v in value.values()}
        return ("map", sigs.pop() if len(sigs) == 1 else "dyn")
    raise Unsupported(f"value of type {type(value).__name__} has no CEL literal")


def _homogeneous(values: list) -> bool:
    return len({_type_signature(v) for v in values}) <= 1


def literal(value: Any) -> str:
    """A CEL literal for a JSON value; aggregates with mixed element types wrap each element in dyn()."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value < INT64_MIN or value > INT64_MAX:
            raise Unsupported(f"integer {value} is outside the CEL int range")
        if value == INT64_MIN:
            return f"({INT64_MIN + 1} - 1)"
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 'double("NaN")'
        if math.isinf(value):
            return 'double("Infinity")' if value > 0 else 'double("-Infinity")'
        text = repr(value)
        if "e" in text or "E" in text:
            mantissa, _, exponent = text.lower().partition("e")
            if "." not in mantissa:
                mantissa += ".0"
            text = f"{mantissa}e{exponent}"
        elif "." not in text:
            text += ".0"
        return text
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, (list, tuple)):
        items = list(value)
        parts = [literal(v) for v in items]
        if not _homogeneous(items):
            parts = [f"dyn({p})" for p in parts]
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise Unsupported(f"map key {k!r} is not a string")
        vals = list(value.values())
        wrap = not _homogeneous(vals)
        parts = []
        for k, v in value.items():
            lit = literal(v)
            parts.append(f"{quote(k)}: {'dyn(' + lit + ')' if wrap else lit}")
        return "{" + ", ".join(parts) + "}"
    raise Unsupported(f"value of type {type(value).__name__} has no CEL literal")
