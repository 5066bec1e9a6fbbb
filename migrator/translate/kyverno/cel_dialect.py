"""Kyverno's CEL dialect -> the API server's CEL: rewrite what decides differently in a ValidatingAdmissionPolicy.

Kyverno compiles `validate.cel` rules (pkg/admissionpolicy/compiler.go: the Kubernetes base environment extended
with `OrValueCompatEnvOptions`) and ValidatingPolicy expressions (pkg/cel/policies/vpol/compiler/compiler.go:
`DefaultEnvOptionsWithCompat` plus Kyverno's libraries) with a parse-time macro (pkg/cel/compiler/env.go,
`orValueCompatMacro`) that turns every one-argument `x.orValue(y)` into `__orValueCompat__(x, y)`:

    __orValueCompat__(dyn, dyn) -> dyn, a strict binary function (cel-go interpreter evalBinary):
    x and y are both evaluated, an error in x (then in y) is the result; otherwise
    x optional with a value -> its value; x optional.none() -> y; any other x -> x unchanged.

The API server (cel-go v0.28+, library.go evalOptionalOrValue) short-circuits instead: y is evaluated only when x
is optional.none(), and a non-optional x is "no such overload". The result type differs too: Kyverno's call is
`dyn`, the API server's `orValue` has the type of the optional's value. Each call is therefore rewritten into an
expression that evaluates like `__orValueCompat__` in the API server; the dyn() casts in parentheses, which give it
Kyverno's static type, are kept only where the API server would otherwise reject the expression or (for a
variable, `keep_kyverno_types`) give it another type:

    x plain (never an optional)      -> x                      (dyn(x))
    x optional                       -> x.orValue(y)           (dyn(dyn(x).orValue(y)))
    x unknown                        -> (type(dyn(x)) == optional_type ? dyn(dyn(x).orValue(y)) : dyn(x))
    y may fail at run time           -> x above is first replaced by [dyn(x), dyn(y)][0], which evaluates x then y
                                        as the strict call does (y is then evaluated again only to pick the value)

`cel.bind(v, init, body)` (cel-go ext.Bindings, a macro Kyverno loads and the API server does not) becomes
`[init].map(v, body)[0]`: init evaluated once, bound to v in body, same types.

Whether x is plain or optional is decided from its syntax (`a.?b`, `a[?k]`, `optional.*()`, `.or()`, `optMap`
are optional; selections from object/oldObject/params/request/namespaceObject, literals, operators and
standard functions are not) and from the policy's variables. Every other environment difference found in Kyverno's
sources is documented in docs/kyverno-semantics.md ("Kyverno CEL vs API-server CEL"); homogeneous aggregate
literals are enforced by both Kyverno compilers, so no literal needs rewriting.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import AbstractSet, Iterator, Mapping, Optional

from migrator.cel import CompileError, Environment
from migrator.cel import ast as A
from migrator.cel.parser import ParseError, Parser
from migrator.translate.kyverno.scope import Unsupported

# -- what an expression's value can be at run time --------------------------------------------------------------

DATA = "data"  # never an optional, at any depth (JSON objects, literals of such, results of standard functions)
PLAIN = "plain"  # not an optional itself; an element or field might be
OPTIONAL = "optional"  # an optional (or an evaluation error)
UNKNOWN = "unknown"

DYN = "dyn"  # static type (as cel-go's checker infers it) is dyn
OPT_DYN = "optional(dyn)"  # static type is optional_type(dyn)


@dataclass(frozen=True)
class ValueInfo:
    """What the rewrite knows of a sub-expression: its run-time kind and its static type (DYN, OPT_DYN or None
    for any other or unknown type). For OPTIONAL, `inner_data` says the optional's value is DATA."""

    kind: str
    static: Optional[str] = None
    inner_data: bool = False


_UNKNOWN = ValueInfo(UNKNOWN)
_DATA = ValueInfo(DATA)

# Variables of a ValidatingAdmissionPolicy expression holding request data (never optionals).
_DATA_ROOTS = {"object": DYN, "oldObject": DYN, "params": DYN, "request": None, "namespaceObject": None}

# Functions whose result is never an optional (cel-go standard library, ext.Strings v2, ext.Sets, ext.Lists v3,
# and the Kubernetes libraries of ENVIRONMENT.md). Their result holds an optional only if an argument does.
_NEVER_OPTIONAL = frozenset({
    "size", "int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration", "type",
    "matches", "contains", "startsWith", "endsWith", "hasValue",
    "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours",
    "getMinutes", "getSeconds", "getMilliseconds",
    "charAt", "indexOf", "lastIndexOf", "lowerAscii", "upperAscii", "replace", "split", "substring", "trim",
    "join", "format", "strings.quote", "reverse",
    "sets.contains", "sets.equivalent", "sets.intersects",
    "slice", "flatten", "distinct", "sort", "lists.range",
    "isSorted", "sum", "includes",
    "find", "findAll",
    "url", "isURL", "getScheme", "getHost", "getHostname", "getPort", "getEscapedPath", "getQuery",
    "quantity", "isQuantity", "sign", "isGreaterThan", "isLessThan", "compareTo", "asApproximateFloat",
    "asInteger", "isInteger", "add", "sub",
    "ip", "isIP", "isCanonical", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast",
    "isLinkLocalUnicast", "isGlobalUnicast", "cidr", "isCIDR", "containsIP", "containsCIDR", "prefixLength",
    "masked", "semver", "isSemver", "major", "minor", "patch",
})
# Never an optional themselves, but they return one of the argument's elements.
_ELEMENT_OF = frozenset({"min", "max"})
# Return an optional (cel-go optional library v2 first/last, Kubernetes format library validate/named).
_RETURNS_OPTIONAL = frozenset({"optional.of", "optional.ofNonZeroValue", "optional.none", "or", "first", "last",
                               "validate", "format.named"})

_COMMENT = re.compile(r"//[^\n]*")

_OPERATORS_DATA = frozenset({"_&&_", "_||_", "!_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "@in", "-_",
                             "_-_", "_*_", "_/_", "_%_"})


@dataclass(frozen=True)
class Change:
    """One rewritten construct: where it was (offset in the original text), what it was, what replaced it, why."""

    offset: int
    original: str
    replacement: str
    reason: str


@dataclass(frozen=True)
class Rewrite:
    """The API-server expression and the constructs rewritten to get it (empty: the text is unchanged)."""

    text: str
    changes: tuple[Change, ...] = ()


# -- parsing with source spans -------------------------------------------------------------------------------------


class _SpanParser(Parser):
    """migrator.cel.parser with the source span of every primary expression recorded (parentheses included)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.primary_spans: dict[int, tuple[int, int]] = {}

    def primary(self) -> A.Expr:
        first = self.i
        node = super().primary()
        last = self.tokens[self.i - 1]
        self.primary_spans[id(node)] = (self.tokens[first].pos, last.pos + len(last.text))
        return node


class _Source:
    """The expression text, its tokens and AST, and the spans of the nodes the rewrite replaces."""

    def __init__(self, text: str) -> None:
        self.text = text
        parser = _SpanParser(text)
        try:
            self.tree = parser.parse()
        except ParseError as exc:
            raise Unsupported(f"CEL expression does not parse: {exc.message}") from None
        except RecursionError:
            raise Unsupported("CEL expression is nested too deeply") from None
        self.tokens = parser.tokens
        self.primary_spans = parser.primary_spans
        self.index = {t.pos: i for i, t in enumerate(self.tokens)}
        self.match: dict[int, int] = {}
        stack: list[int] = []
        for i, t in enumerate(self.tokens):
            if t.kind in ("(", "[", "{"):
                stack.append(i)
            elif t.kind in (")", "]", "}") and stack:
                self.match[stack.pop()] = i

    def _end(self, i: int) -> int:
        t = self.tokens[i]
        return t.pos + len(t.text)

    def start(self, e: A.Expr) -> int:
        """Offset where the member expression `e` begins (it is a primary or a chain of selections, index
        operations and member calls on one)."""
        span = self.primary_spans.get(id(e))
        if span is not None:
            return span[0]
        if isinstance(e, A.Select):
            return self.start(e.operand)
        if isinstance(e, A.Comprehension):
            return self.start(e.iter_range)
        if isinstance(e, A.Call):
            if e.target is not None:
                return self.start(e.target)
            if e.function in ("_[_]", "_[?_]", "_?._"):
                return self.start(e.args[0])
        raise AssertionError(f"no source span for {type(e).__name__}")  # pragma: no cover - parser contract

    def member_call_args(self, call: A.Call) -> tuple[int, list[tuple[int, int]]]:
        """(end offset of the call, spans of its arguments) for `target.name(args)`."""
        k = self.index[call.pos]
        open_i = k + 1
        close_i = self.match[open_i]
        args: list[tuple[int, int]] = []
        depth = 0
        begin = open_i + 1
        for i in range(open_i + 1, close_i):
            kind = self.tokens[i].kind
            if kind in ("(", "[", "{"):
                depth += 1
            elif kind in (")", "]", "}"):
                depth -= 1
            elif kind == "," and depth == 0:
                args.append((self.tokens[begin].pos, self._end(i - 1)))
                begin = i + 1
        if begin < close_i:
            args.append((self.tokens[begin].pos, self._end(close_i - 1)))
        return self._end(close_i), args

    def slice(self, start: int, end: int) -> str:
        """Source text of [start, end) without `//` comments (they live only between tokens)."""
        text = self.text[start:end]
        if "//" not in text:
            return text
        parts: list[str] = []
        at = start
        for t in self.tokens:
            if t.pos < start or t.kind == "eof":
                continue
            if t.pos >= end:
                break
            parts.append(_COMMENT.sub("", self.text[at:t.pos]))
            parts.append(t.text)
            at = t.pos + len(t.text)
        parts.append(_COMMENT.sub("", self.text[at:end]))
        return "".join(parts)

    def dot_before(self, call: A.Call) -> int:
        """Offset of the `.` that introduces the member call."""
        return self.tokens[self.index[call.pos] - 1].pos


def _children(e: A.Expr) -> Iterator[A.Expr]:
    if isinstance(e, A.Select):
        yield e.operand
    elif isinstance(e, A.Call):
        if e.target is not None:
            yield e.target
        yield from e.args
    elif isinstance(e, A.CreateList):
        yield from e.elements
    elif isinstance(e, A.CreateMap):
        for entry in e.entries:
            yield entry.key
            yield entry.value
    elif isinstance(e, A.CreateStruct):
        for _name, value, _opt in e.fields:
            yield value
    elif isinstance(e, A.Comprehension):
        yield e.iter_range
        if e.predicate is not None:
            yield e.predicate
        if e.transform is not None:
            yield e.transform


def _is_or_value(e: A.Expr) -> bool:
    """A call Kyverno's compat macro rewrites (cel.ReceiverMacro("orValue", 1, ...))."""
    return isinstance(e, A.Call) and e.function == "orValue" and e.target is not None and len(e.args) == 1


def _check_request_field(operand: A.Expr, name: object, scope: Mapping[str, "ValueInfo"]) -> None:
    """Kyverno's ValidatingPolicy request type adds `object` and `oldObject` (pkg/cel/compiler/request.go); the
    API server's request type has neither, and `request.object` is not `object` in every case (DELETE)."""
    if isinstance(operand, A.Ident) and operand.name == "request" and "request" not in scope \
            and name in ("object", "oldObject"):
        raise Unsupported(f"request.{name} is a field only Kyverno's ValidatingPolicy request has; "
                          f"the API server's request has none (`{name}` is the nearest variable)")


def _is_bind(e: A.Expr) -> bool:
    """`cel.bind(v, init, body)`: cel-go ext.Bindings' parse-time macro (ext/bindings.go celBind), which Kyverno's
    environments load (pkg/cel/compiler/env.go ext.Bindings()) and the API server's does not."""
    return (isinstance(e, A.Call) and e.function == "bind" and len(e.args) == 3 and isinstance(e.target, A.Ident)
            and e.target.name == "cel")


# -- analysis ------------------------------------------------------------------------------------------------------


class _Analyzer:
    def __init__(self, known_optional: AbstractSet[str], variables: Mapping[str, str]) -> None:
        self.known_optional = known_optional
        self.variables = variables
        self._variable_infos: dict[str, ValueInfo] = {}
        self._visiting: set[str] = set()

    def variable(self, name: str) -> ValueInfo:
        if name in self.known_optional:
            return ValueInfo(OPTIONAL)
        if name in self._variable_infos:
            return self._variable_infos[name]
        expr = self.variables.get(name)
        if not isinstance(expr, str) or name in self._visiting:
            return _UNKNOWN
        self._visiting.add(name)
        try:
            info = self.info(_Source(expr).tree, {})
        except Unsupported:
            info = _UNKNOWN
        finally:
            self._visiting.discard(name)
        self._variable_infos[name] = info
        return info

    def info(self, e: A.Expr, scope: Mapping[str, ValueInfo]) -> ValueInfo:
        if isinstance(e, A.Const):
            return _DATA
        if isinstance(e, A.Ident):
            if e.name in scope:
                return scope[e.name]
            name = e.name.lstrip(".")
            if name in _DATA_ROOTS:
                return ValueInfo(DATA, _DATA_ROOTS[name])
            if name in ("variables", "authorizer"):
                return ValueInfo(PLAIN)
            return _UNKNOWN
        if isinstance(e, A.Select):
            _check_request_field(e.operand, e.field, scope)
            if e.test_only:
                return _DATA
            op = e.operand
            if isinstance(op, A.Ident) and op.name == "variables" and "variables" not in scope:
                return self.variable(e.field)
            return self._member_of(self.info(op, scope), True)
        if isinstance(e, A.CreateList):
            ok = all(self._element_data(x, i in e.optional_indices, scope) for i, x in enumerate(e.elements))
            return _DATA if ok else ValueInfo(PLAIN)
        if isinstance(e, A.CreateMap):
            ok = all(self.info(en.key, scope).kind == DATA and self._element_data(en.value, en.optional, scope)
                     for en in e.entries)
            return _DATA if ok else ValueInfo(PLAIN)
        if isinstance(e, A.CreateStruct):
            return ValueInfo(PLAIN)
        if isinstance(e, A.Comprehension):
            return self._comprehension(e, scope)
        if isinstance(e, A.Call):
            return self._call(e, scope)
        return _UNKNOWN

    def _element_data(self, x: A.Expr, optional_entry: bool, scope: Mapping[str, ValueInfo]) -> bool:
        i = self.info(x, scope)
        if optional_entry:
            return i.kind == OPTIONAL and i.inner_data
        return i.kind == DATA

    @staticmethod
    def _member_of(i: ValueInfo, select: bool) -> ValueInfo:
        """A field (select=True) or an element (`x[k]`) of a value of kind `i`. Only a field of a dyn value is
        statically dyn: cel-go types `dyn[k]` with a fresh type parameter."""
        static = i.static if select else None
        if i.kind == DATA:
            return ValueInfo(DATA, DYN if static == DYN else None)
        if i.kind == OPTIONAL:  # selecting into an optional yields an optional
            return ValueInfo(OPTIONAL, OPT_DYN if static == OPT_DYN else None, i.inner_data)
        return ValueInfo(UNKNOWN, DYN if static == DYN else None)

    @staticmethod
    def _optional_member_of(i: ValueInfo, select: bool) -> ValueInfo:
        """`x.?f` (select=True) / `x[?k]`: always an optional (or an error)."""
        inner = i.kind == DATA or (i.kind == OPTIONAL and i.inner_data)
        return ValueInfo(OPTIONAL, OPT_DYN if select and i.static in (DYN, OPT_DYN) else None, inner)

    def _call(self, e: A.Call, scope: Mapping[str, ValueInfo]) -> ValueInfo:
        fn = e.function
        if _is_bind(e) and isinstance(e.args[0], A.Ident):
            inner = dict(scope)
            inner[e.args[0].name] = self.info(e.args[1], scope)
            return self.info(e.args[2], inner)
        if _is_or_value(e):
            x = self.info(e.target, scope)  # type: ignore[arg-type]
            y = self.info(e.args[0], scope)
            if x.kind in (DATA, PLAIN):
                return ValueInfo(x.kind, DYN)
            if x.kind == OPTIONAL and x.inner_data and y.kind == DATA:
                return ValueInfo(DATA, DYN)
            return ValueInfo(UNKNOWN, DYN)
        if fn == "_?._" and isinstance(e.args[1], A.Const):
            _check_request_field(e.args[0], e.args[1].value, scope)
        if fn in ("_?._", "_[?_]"):
            return self._optional_member_of(self.info(e.args[0], scope), fn == "_?._")
        if fn == "_[_]":
            return self._member_of(self.info(e.args[0], scope), False)
        if fn == "_?_:_":
            a, b = self.info(e.args[1], scope), self.info(e.args[2], scope)
            static = a.static if a.static == b.static else None
            if a.kind == b.kind == OPTIONAL:
                return ValueInfo(OPTIONAL, static, a.inner_data and b.inner_data)
            if a.kind == b.kind == DATA:
                return ValueInfo(DATA, static)
            if a.kind in (DATA, PLAIN) and b.kind in (DATA, PLAIN):
                return ValueInfo(PLAIN, static)
            return ValueInfo(UNKNOWN, static)
        args = ([e.target] if e.target is not None else []) + list(e.args)
        if fn in _OPERATORS_DATA:
            return _DATA
        infos = [self.info(a, scope) for a in args]
        all_data = all(i.kind == DATA for i in infos)
        if fn == "_+_":  # cel-go types dyn + dyn as dyn (every overload matches, results differ)
            static = DYN if all(i.static == DYN for i in infos) else None
            return ValueInfo(DATA if all_data else PLAIN, static)
        if fn == "dyn" and e.target is None and len(infos) == 1:
            return ValueInfo(infos[0].kind, DYN, infos[0].inner_data)
        if fn == "value" and e.target is not None and not e.args:
            x = infos[0]
            if x.kind == OPTIONAL and x.inner_data:
                return ValueInfo(DATA, DYN if x.static == OPT_DYN else None)
            return _UNKNOWN
        if fn in _RETURNS_OPTIONAL:
            return ValueInfo(OPTIONAL, None, all_data)
        if fn in _NEVER_OPTIONAL:
            return _DATA if all_data else ValueInfo(PLAIN)
        if fn in _ELEMENT_OF:
            return _DATA if all_data else _UNKNOWN
        return _UNKNOWN

    def _comprehension(self, e: A.Comprehension, scope: Mapping[str, ValueInfo]) -> ValueInfo:
        if e.kind in ("all", "exists", "exists_one"):
            return _DATA
        if e.kind in ("optMap", "optFlatMap"):
            return ValueInfo(OPTIONAL)
        r = self.info(e.iter_range, scope)
        if e.kind in ("filter", "sortBy"):
            return _DATA if r.kind == DATA else ValueInfo(PLAIN)
        if e.kind in ("map", "transformList", "transformMap"):
            body = e.transform if e.transform is not None else e.predicate
            if body is None:
                return ValueInfo(PLAIN)
            t = self.info(body, self.bind(e, scope))
            return _DATA if t.kind == DATA and r.kind == DATA else ValueInfo(PLAIN)
        return ValueInfo(PLAIN)

    def bind(self, e: A.Comprehension, scope: Mapping[str, ValueInfo]) -> dict[str, ValueInfo]:
        """The scope inside a comprehension: its iteration variables, typed from the range."""
        r = self.info(e.iter_range, scope)
        element = ValueInfo(DATA if r.kind == DATA else UNKNOWN, DYN if r.static == DYN else None)
        inner = dict(scope)
        inner[e.iter_var] = element
        if e.iter_var2 is not None:
            inner[e.iter_var2] = element
        if e.kind in ("optMap", "optFlatMap"):  # the variable is the optional's value
            inner[e.iter_var] = ValueInfo(DATA if r.kind == OPTIONAL and r.inner_data else UNKNOWN)
        return inner


def _cannot_fail(e: A.Expr, scope: Mapping[str, ValueInfo]) -> bool:
    """`e` evaluates without error in every activation (then evaluating it eagerly, as Kyverno's strict
    `__orValueCompat__` does, or lazily, as `orValue` does, cannot differ)."""
    if isinstance(e, A.Const):
        return True
    if isinstance(e, A.Ident):
        return e.name in scope or e.name.lstrip(".") in _DATA_ROOTS or e.name in ("variables", "authorizer")
    if isinstance(e, A.CreateList):
        return not e.optional_indices and all(_cannot_fail(x, scope) for x in e.elements)
    if isinstance(e, A.CreateMap):
        keys = []
        for en in e.entries:
            if en.optional or not isinstance(en.key, A.Const) or not _cannot_fail(en.value, scope):
                return False
            keys.append((en.key.kind, en.key.value))
        return len(set(keys)) == len(keys) and all(k not in ("double", "null_type") for k, _v in keys)
    if isinstance(e, A.Call) and e.target is None:
        if e.function == "optional.none" and not e.args:
            return True
        if e.function in ("dyn", "optional.of") and len(e.args) == 1:
            return _cannot_fail(e.args[0], scope)
    return False


# -- rewriting -----------------------------------------------------------------------------------------------------


class _Rewriter:
    def __init__(self, source: _Source, analyzer: _Analyzer, style: str = "typed") -> None:
        self.src = source
        self.analyzer = analyzer
        # "typed": results typed dyn as Kyverno's; "plain": the same values without the dyn() casts (used when
        # the API server accepts it); "kyverno": spell Kyverno's own macro expansion instead
        self.style = style
        self.changes: list[Change] = []
        self.casts = False  # a "plain" replacement differs from its "typed" one

    def edits(self, e: A.Expr, scope: Mapping[str, ValueInfo]) -> list[tuple[int, int, str]]:
        """Replacements (start, end, text) for the outermost rewritten constructs inside `e`."""
        if _is_or_value(e):
            return [self.or_value(e, scope)]  # type: ignore[arg-type]
        if _is_bind(e):
            return [self.bind(e, scope)]  # type: ignore[arg-type]
        if isinstance(e, A.Select):
            _check_request_field(e.operand, e.field, scope)
        elif isinstance(e, A.Call) and e.function == "_?._" and isinstance(e.args[1], A.Const):
            _check_request_field(e.args[0], e.args[1].value, scope)
        out: list[tuple[int, int, str]] = []
        if isinstance(e, A.Comprehension):
            out.extend(self.edits(e.iter_range, scope))
            inner = self.analyzer.bind(e, scope)
            for body in (e.predicate, e.transform):
                if body is not None:
                    out.extend(self.edits(body, inner))
            return out
        for child in _children(e):
            out.extend(self.edits(child, scope))
        return out

    def text(self, start: int, end: int, edits: list[tuple[int, int, str]], clean: bool = False) -> str:
        """Source text of [start, end) with `edits` applied; `clean` drops `//` comments (text that is
        embedded in a template must not comment out what follows it)."""
        parts: list[str] = []
        at = start
        for s, t, replacement in sorted(edits):
            parts.append(self.src.slice(at, s) if clean else self.src.text[at:s])
            parts.append(replacement)
            at = t
        parts.append(self.src.slice(at, end) if clean else self.src.text[at:end])
        return "".join(parts)

    def bind(self, call: A.Call, scope: Mapping[str, ValueInfo]) -> tuple[int, int, str]:
        """`cel.bind(v, init, body)` -> `[init].map(v, body)[0]`: cel-go expands the macro into a comprehension
        whose accumulator `v` starts at `init` (evaluated once, before `body`) and whose result is `body`; a
        one-element map evaluates `init` once, binds it to `v` and yields `body` with the same types."""
        var = call.args[0]
        if not isinstance(var, A.Ident) or var.name.startswith("."):
            raise Unsupported("cel.bind() variable names must be simple identifiers")
        start = self.src.start(call.target)  # type: ignore[arg-type]
        end, spans = self.src.member_call_args(call)
        init = self.text(*spans[1], self.edits(call.args[1], scope), clean=True).strip()
        inner = dict(scope)
        inner[var.name] = self.analyzer.info(call.args[1], scope)
        body = self.text(*spans[2], self.edits(call.args[2], inner), clean=True).strip()
        if self.style == "kyverno":
            return start, end, f"cel.bind({var.name}, {init}, {body})"
        replacement = f"[{init}].map({var.name}, {body})[0]"
        self.changes.append(Change(start, self.src.text[start:end], replacement,
                                   "cel.bind (cel-go ext.Bindings, loaded by Kyverno, not by the API server): "
                                   "the same binding as a one-element map"))
        return start, end, replacement

    def or_value(self, call: A.Call, scope: Mapping[str, ValueInfo]) -> tuple[int, int, str]:
        x_node = call.target
        assert x_node is not None
        y_node = call.args[0]
        start = self.src.start(x_node)
        end, arg_spans = self.src.member_call_args(call)
        x = self.text(start, self.src.dot_before(call), self.edits(x_node, scope), clean=True).strip()
        y_start, y_end = arg_spans[0]
        y = self.text(y_start, y_end, self.edits(y_node, scope), clean=True).strip()
        if self.style == "kyverno":
            return start, end, f"__orValueCompat__({x}, {y})"
        info = self.analyzer.info(x_node, scope)
        safe_default = _cannot_fail(y_node, scope)
        static = info.static
        if not safe_default:
            x = f"[dyn({x}), dyn({y})][0]"  # evaluates x, then y, as the strict compat call does
            static = DYN
        as_dyn = x if static == DYN else f"dyn({x})"
        plain = self.style == "plain"
        if info.kind in (DATA, PLAIN):
            replacement = x if plain else as_dyn
            self.casts |= static != DYN
            reason = "orValue on a value that is never optional: Kyverno's compat macro returns it unchanged"
        elif info.kind == OPTIONAL:
            typed = static == OPT_DYN
            replacement = f"{x}.orValue({y})" if typed or plain else f"dyn({as_dyn}.orValue({y}))"
            self.casts |= not typed
            reason = "orValue on an optional"
        else:
            replacement = f"(type({as_dyn}) == optional_type ? dyn({as_dyn}.orValue({y})) : {as_dyn})"
            reason = ("orValue on a value that may or may not be optional: decided at run time as Kyverno's "
                      "compat function does")
        if not safe_default:
            reason += "; the default is evaluated even when unused, as Kyverno's strict compat function does"
        original = self.src.text[start:end]
        if replacement != original:
            self.changes.append(Change(start, original, replacement, reason))
        return start, end, replacement


def rewrite(expr: str, *, known_optional_variables: AbstractSet[str] = frozenset(),
            variables: Optional[Mapping[str, str]] = None, keep_kyverno_types: bool = False) -> Rewrite:
    """Rewrite a Kyverno CEL expression (validate.cel or ValidatingPolicy) into one the API server evaluates
    exactly as Kyverno does; `Rewrite.changes` lists what was rewritten and why.

    known_optional_variables: names of `variables.<name>` known to hold an optional.
    variables: the policy's variables (name -> Kyverno expression), analysed to tell which hold optionals or
        request data; a variable neither known nor given is decided at run time (see the module docstring).
    keep_kyverno_types: the expression's type stays the one Kyverno gives it (each `orValue` is dyn there).
        Pass True for a spec.variables expression: its type is seen by the expressions that use it. The dyn()
        casts are left out when the API server's environment compiles the expression without them (to the same
        type, with keep_kyverno_types): the values are the same, only a static type is narrower. `variables`
        are typed as their keep_kyverno_types rewrites compile.
    Raises Unsupported (reason) when the expression does not parse or uses a construct the API server's request
    lacks (`request.object`, `request.oldObject`).
    """
    source = _Source(expr)
    analyzer = _Analyzer(known_optional_variables, variables or {})
    rewriter, text = _render(source, analyzer, "plain")
    if rewriter.casts:
        typed, typed_text = _render(source, analyzer, "typed")
        if not _accepted(text, typed_text if keep_kyverno_types else None, variables,
                         frozenset(known_optional_variables)):
            rewriter, text = typed, typed_text
    if not rewriter.changes:
        return Rewrite(expr)
    return Rewrite(text, tuple(sorted(rewriter.changes, key=lambda c: c.offset)))


def _render(source: _Source, analyzer: _Analyzer, style: str) -> tuple[_Rewriter, str]:
    rewriter = _Rewriter(source, analyzer, style)
    edits = rewriter.edits(source.tree, {})
    return rewriter, rewriter.text(0, len(source.text), edits)


# The variables of a ValidatingAdmissionPolicy expression (pkg/admission/plugin/cel/compile.go), for the check
# that decides whether the dyn() casts of a rewrite can be left out.
_VAP_VARIABLES = {
    "object": "dyn", "oldObject": "dyn", "params": "dyn", "request": "kubernetes.AdmissionRequest",
    "namespaceObject": "kubernetes.Namespace", "authorizer": "kubernetes.authorization.Authorizer",
}


def _accepted(text: str, typed_text: Optional[str], variables: Optional[Mapping[str, str]],
              known_optional: frozenset[str]) -> bool:
    """The API server's environment compiles `text` (and, when `typed_text` is given, to the same type).

    Without its dyn() casts a rewrite keeps the values but the result types of `orValue` are narrower than
    Kyverno's dyn; that matters only where it makes the expression fail to type-check, or, for a variable, where
    it changes the variable's type (other expressions see it). Variables are typed as their rewrites compile."""
    env = _environment(_variable_types(tuple((variables or {}).items()), known_optional))
    try:
        program = env.compile(text)
        return typed_text is None or env.compile(typed_text).type_name == program.type_name
    except CompileError:
        return False


@functools.lru_cache(maxsize=64)
def _variable_types(variables: tuple[tuple[str, str], ...], known_optional: frozenset[str]) \
        -> tuple[tuple[str, str], ...]:
    """CEL types of the policy's variables (rewritten), each compiled with the ones before it, as the API server
    compiles spec.variables; one that does not compile is left undeclared (an expression using it then fails
    the check and keeps its casts)."""
    types: list[tuple[str, str]] = []
    analyzer = _Analyzer(known_optional, dict(variables))
    for name, expr in variables:
        try:
            # the cast rewrite has the type the keep_kyverno_types rewrite has (that one drops casts only
            # when the type stays the same), without the check that would need these very types
            text = _render(_Source(expr), analyzer, "typed")[1]
            types.append((name, _environment(tuple(types)).compile(text).type_name))
        except (Unsupported, CompileError):
            continue
    return tuple(types)


@functools.lru_cache(maxsize=64)
def _environment(variable_types: tuple[tuple[str, str], ...]) -> Environment:
    declared: dict[str, object] = dict(_VAP_VARIABLES)
    declared["variables"] = dict(variable_types)
    return Environment(declared)


def to_apiserver_cel(expr: str, *, known_optional_variables: AbstractSet[str] = frozenset(),
                     variables: Optional[Mapping[str, str]] = None, keep_kyverno_types: bool = False) -> str:
    """The API-server CEL for a Kyverno CEL expression (see `rewrite`); the text is returned unchanged when
    nothing in it decides differently."""
    return rewrite(expr, known_optional_variables=known_optional_variables, variables=variables,
                   keep_kyverno_types=keep_kyverno_types).text


def expand_compat_macro(expr: str) -> str:
    """The expression as Kyverno evaluates it: every one-argument `x.orValue(y)` spelled as the call its
    parse-time macro produces, `__orValueCompat__(x, y)` (for tests and explanations)."""
    rewriter, text = _render(_Source(expr), _Analyzer(frozenset(), {}), "kyverno")
    return text


def classify(expr: str, *, known_optional_variables: AbstractSet[str] = frozenset(),
             variables: Optional[Mapping[str, str]] = None) -> ValueInfo:
    """What the rewrite knows of the value of a Kyverno CEL expression (e.g. a policy variable)."""
    analyzer = _Analyzer(known_optional_variables, variables or {})
    return analyzer.info(_Source(expr).tree, {})


__all__ = ["Change", "DATA", "OPTIONAL", "PLAIN", "Rewrite", "UNKNOWN", "ValueInfo", "classify",
           "expand_compat_macro", "rewrite", "to_apiserver_cel"]
