"""Kubernetes CEL `regex` library (k8s.io/apiserver pkg/cel/library/regex.go) and an RE2 `matches`.

find(string) and findAll(string[, int]) on strings, with Go regexp (RE2) semantics: leftmost-first matching,
no backreferences or look-around, and FindAllString's rule that an empty match right after a previous match
is skipped. `matches` is provided here too so the engine can replace cel-python's Python-`re` version.
Invalid patterns produce Go's regexp error text; a constant invalid pattern is a compile error.
"""

from __future__ import annotations

import functools

import re2
from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False

# RE2 (C++) error code text -> Go regexp/syntax ErrorCode text.
_GO_CODES = {
    "missing )": "missing closing )",
    "missing ]": "missing closing ]",
    "unexpected )": "unexpected )",
    "invalid escape sequence": "invalid escape sequence",
    "bad repetition operator": "invalid nested repetition operator",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid repetition size": "invalid repeat count",
    "invalid character class range": "invalid character class range",
    "invalid character class": "invalid character class",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid named capture group": "invalid named capture",
    "duplicate capture group name": "duplicate capture group name",
    "invalid UTF-8": "invalid UTF-8",
    "pattern too large - compile failed": "expression too large",
    "pattern too large - reverse compile failed": "expression too large",
    "excessive depth in regular expression": "expression nests too deeply",
}


class RegexError(ValueError):
    """A pattern Go's regexp.Compile rejects; the message is Go's."""


def _go_error(raw: str) -> str:
    if raw.startswith("trailing \\"):
        return "error parsing regexp: trailing backslash at end of expression: ``"
    code, sep, arg = raw.partition(": ")
    go = _GO_CODES.get(code)
    if go is None:
        return "error parsing regexp: " + raw
    return "error parsing regexp: " + go + ": `" + (arg if sep else "") + "`"


@functools.lru_cache(maxsize=512)
def compile_go_regexp(pattern: str):  # type: ignore[no-untyped-def]
    """regexp.Compile: an RE2 program, or RegexError with Go's message."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        msg = exc.args[0] if exc.args else str(exc)
        if isinstance(msg, bytes):
            msg = msg.decode("utf-8", "replace")
        raise RegexError(_go_error(str(msg))) from None


def _compiled(pattern: str, prefix: str = ""):  # type: ignore[no-untyped-def]
    try:
        return compile_go_regexp(str(pattern))
    except RegexError as exc:
        raise EvaluationError(prefix + str(exc)) from None


def find_all_strings(rx, s: str, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Go's Regexp.FindAllString(s, n)."""
    if n < 0:
        n = len(s) + 1
    out: list[str] = []
    pos = 0
    prev_end = -1
    end = len(s)
    while len(out) < n and pos <= end:
        m = rx.search(s, pos)
        if m is None:
            break
        start, stop = m.span()
        accept = True
        if stop == pos:
            if start == prev_end:
                accept = False
            pos += 1
        else:
            pos = stop
        prev_end = stop
        if accept:
            out.append(s[start:stop])
    return out


def find(s: str, pattern: str) -> celtypes.StringType:
    m = _compiled(pattern, "Illegal regex: ").search(str(s))
    return celtypes.StringType(m.group(0) if m is not None else "")


def find_all(s: str, pattern: str, n: int = -1) -> celtypes.ListType:
    rx = _compiled(pattern, "Illegal regex: ")
    return celtypes.ListType([celtypes.StringType(x) for x in find_all_strings(rx, str(s), int(n))])


def matches(s: str, pattern: str) -> celtypes.BoolType:
    """cel-go's matches: an unanchored RE2 search."""
    return celtypes.BoolType(_compiled(pattern).search(str(s)) is not None)


def validate_pattern_argument(*args: object) -> None:
    """Constant validator for `s.find(re)` / `s.findAll(re[, n])`: the engine passes the call's constant
    arguments (not the receiver), so the pattern is the first one."""
    if args and isinstance(args[0], str):
        try:
            compile_go_regexp(args[0])
        except RegexError as exc:
            raise ValueError(str(exc)) from None


LIBRARY = Library(name="kubernetes.regex")
LIBRARY.add("find", find, ("string", "string"), "string", member=True)
LIBRARY.add("findAll", find_all, ("string", "string"), "list(string)", member=True)
LIBRARY.add("findAll", find_all, ("string", "string", "int"), "list(string)", member=True)
LIBRARY.add("matches", matches, ("string", "string"), "bool", member=True)
LIBRARY.add("matches", matches, ("string", "string"), "bool")
LIBRARY.constant_validators["find"] = validate_pattern_argument
LIBRARY.constant_validators["findAll"] = validate_pattern_argument
