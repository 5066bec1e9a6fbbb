"""JMESPath and Kyverno custom functions -> CEL (the exact subset; anything else is Unsupported).

Semantics from the JMESPath specification and Kyverno's pkg/engine/jmespath/functions.go. A function applied to
an argument of the wrong type is an error in JMESPath (the Kyverno rule errors); the CEL below errors too
(no matching overload) rather than inventing a value.
"""

from __future__ import annotations

from migrator.translate.kyverno.expr_values import paren
from migrator.translate.kyverno.jmespath import (
    BoolExpr,
    Seq,
    as_cel,
    seq_exists,
    seq_size,
    to_text,
)
from migrator.translate.kyverno.scope import Unsupported


def _arity(name: str, args: list, *counts: int) -> None:
    if len(args) not in counts:
        raise Unsupported(f"JMESPath {name}() with {len(args)} arguments")


def call(name: str, args: list, ctx) -> object:
    fn = _FUNCTIONS.get(name)
    if fn is None:
        raise Unsupported(f"JMESPath function {name}()")
    return fn(name, args, ctx)


def _length(name, args, ctx):
    _arity(name, args, 1)
    (a,) = args
    if isinstance(a, Seq):
        return f"{paren(a.valid)} ? dyn({seq_size(a)}) : dyn(null)" if a.valid != "true" else seq_size(a)
    x = as_cel(a)
    return ctx.let(x, lambda v: f"size({v})")


def _contains(name, args, ctx):
    _arity(name, args, 2)
    subject, search = args
    s = as_cel(search)
    if isinstance(subject, Seq):
        return BoolExpr(ctx.let(s, lambda needle: seq_exists(subject, lambda item: f"dyn({item}) == dyn({needle})")))
    x = as_cel(subject)
    e = ctx.fresh()
    return BoolExpr(ctx.let(x, lambda v: ctx.let(s, lambda needle: (
        f"type({v}) == string ? dyn({v}).contains({needle}) : dyn({v}).exists({e}, dyn({e}) == dyn({needle}))"
    ))))


def _string_pred(method):
    def fn(name, args, ctx):
        _arity(name, args, 2)
        s, p = (as_cel(a) for a in args)
        return BoolExpr(f"{paren(s)}.{method}({p})")

    return fn


def require(value: str, type_name: str, ctx) -> str:
    """`value` when it has the CEL type, else a runtime error (JMESPath's invalid-type error)."""
    var = ctx.fresh()
    return f"[{value}].filter({var}, type({var}) == {type_name})[0]"


def _keys(name, args, ctx):
    _arity(name, args, 1)
    x = as_cel(args[0])
    k = ctx.fresh()
    return f"{require(x, 'map', ctx)}.map({k}, {k})"


def _values(name, args, ctx):
    _arity(name, args, 1)
    x = as_cel(args[0])
    k = ctx.fresh()
    return ctx.let(require(x, "map", ctx), lambda v: f"{v}.map({k}, {v}[{k}])")


def _join(name, args, ctx):
    _arity(name, args, 2)
    sep, items = as_cel(args[0]), as_cel(args[1])
    return f"{paren(items)}.join({sep})"


def _to_string(name, args, ctx):
    _arity(name, args, 1)
    x = as_cel(args[0])
    return ctx.let(x, to_text)


def _case(method):
    def fn(name, args, ctx):
        _arity(name, args, 1)
        x = as_cel(args[0])
        # strings.ToUpper/ToLower: exact for ASCII text; non-ASCII letters are left alone by the CEL functions
        return f"{paren(x)}.{method}()"

    return fn


def _split(name, args, ctx):
    _arity(name, args, 2)
    s, sep = (as_cel(a) for a in args)
    return f"{paren(s)}.split({sep})"


def _regex_match(name, args, ctx):
    _arity(name, args, 2)
    regex, value = (as_cel(a) for a in args)
    return BoolExpr(ctx.let(value, lambda v: f"(type({v}) == string ? dyn({v}) : string({v})).matches({regex})"))


def _not_null(name, args, ctx):
    if not args:
        raise Unsupported("not_null() without arguments")
    expr = "null"
    for a in reversed(args):
        x = as_cel(a)
        expr = ctx.let(x, lambda v, rest=expr: f"type({v}) != null_type ? dyn({v}) : dyn({rest})")
    return expr


def _to_array(name, args, ctx):
    _arity(name, args, 1)
    if isinstance(args[0], Seq):
        return args[0]  # a projection is already an array (or null, which to_array wraps: kept as the Seq's null)
    x = as_cel(args[0])
    return ctx.let(x, lambda v: f"type({v}) == list ? dyn({v}) : dyn([{v}])")


def _type(name, args, ctx):
    _arity(name, args, 1)
    x = as_cel(args[0])
    return ctx.let(x, lambda v: (
        f'type({v}) == string ? "string" : (type({v}) == bool ? "boolean" : (type({v}) == list ? "array" : '
        f'(type({v}) == map ? "object" : (type({v}) == null_type ? "null" : "number"))))'
    ))


def _abs(name, args, ctx):
    _arity(name, args, 1)
    x = as_cel(args[0])
    return ctx.let(x, lambda v: f"{v} < 0 ? -{v} : {v}")


def _trim(name, args, ctx):
    raise Unsupported("Kyverno trim() (cutset semantics)")


_FUNCTIONS = {
    "length": _length,
    "contains": _contains,
    "starts_with": _string_pred("startsWith"),
    "ends_with": _string_pred("endsWith"),
    "keys": _keys,
    "values": _values,
    "join": _join,
    "to_string": _to_string,
    "to_upper": _case("upperAscii"),
    "to_lower": _case("lowerAscii"),
    "split": _split,
    "regex_match": _regex_match,
    "not_null": _not_null,
    "to_array": _to_array,
    "type": _type,
    "abs": _abs,
}
