"""Kyverno `{{ }}` JMESPath expressions -> CEL.

The expression is parsed with the `jmespath` package and its AST translated node by node. JMESPath's null semantics
are kept: a field of a missing or non-object value is null (every access is guarded with type()/has()), a projection
over a non-list is null and drops null results, `||`/`&&`/filters use JMESPath truthiness.

Lists built by projections are kept as a `Seq` (nested loops over CEL lists yielding items) rather than a CEL list,
because flattening a list of lists needs `flatten()`, which the Kubernetes CEL environment only has from 1.34.
Consumers that only need membership, counting or quantifiers (contains, length, AnyIn, ...) iterate the loops
directly; a whole-list value is materialised with filter()/map() when it has a single loop level.

Anything outside the supported subset raises scope.Unsupported naming the construct.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import Any, Union

import jmespath.exceptions
from jmespath import parser as jp_parser

from migrator.translate.cel_literal import literal, quote
from migrator.translate.kyverno.expr_values import and_, cond, field, has_field, is_type, not_, or_, paren
from migrator.translate.kyverno.scope import Scope, Unsupported

__all__ = [
    "jmespath_to_cel",
    "substitute",
    "Seq",
    "Path",
    "translate",
    "materialize",
    "as_cel",
    "seq_exists",
    "seq_all",
    "split_variables",
    "has_variables",
]


# ---------------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Path:
    """A guarded access path: base CEL expression plus field/index steps; null wherever JMESPath gives null."""

    base: str
    steps: tuple[tuple[str, Any], ...] = ()
    typed: bool = False  # base is a typed object (request.*): no map guards needed for its declared fields

    def then(self, kind: str, arg: Any) -> "Path":
        return replace(self, steps=self.steps + ((kind, arg),))

    def cel(self) -> str:
        if not self.steps:
            return self.base
        if not _simple(self.base):
            # evaluate a compound base once: [base].map(v, <path over v>)[0]
            var = "jpb"
            inner = replace(self, base=var).cel()
            return f"[{self.base}].map({var}, {inner})[0]"
        guards: list[str] = []
        cur = self.base
        for kind, arg in self.steps:
            if kind == "field":
                if not self.typed:
                    guards.append(is_type(cur, "map"))
                    guards.append(has_field(cur, arg))
                cur = field(cur, arg)
            else:  # index
                guards.append(is_type(cur, "list"))
                if arg >= 0:
                    guards.append(f"size({cur}) > {arg}")
                    cur = f"{paren(cur)}[{arg}]"
                else:
                    guards.append(f"size({cur}) >= {-arg}")
                    cur = f"{paren(cur)}[size({cur}) - {-arg}]"
        guard = and_(*guards)
        if guard == "true":
            return cur
        return f"{guard} ? dyn({cur}) : null"


@dataclass(frozen=True)
class Seq:
    """A list produced by projections: for each level (source list, loop variable, filter), yield `item`."""

    valid: str  # CEL bool; when false the whole value is null
    levels: tuple[tuple[str, str, str], ...]
    item: str
    drop_null: bool
    # loop variables that only re-bind an earlier item: var -> (item, spliced?) where a spliced item that is itself
    # a list would be flattened into the result (JMESPath `[]`)
    aliases: tuple[tuple[str, str, bool], ...] = ()


Value = Union[str, Path, Seq]


def as_cel(value: Value) -> str:
    """CEL expression for a scalar-or-list JMESPath value (materialising a Seq)."""
    if isinstance(value, Seq):
        return materialize(value)
    if isinstance(value, Path):
        return value.cel()
    return value


def _item_filter(seq: Seq) -> str:
    return f"type({seq.item}) != null_type" if seq.drop_null else "true"  # type(...) parenthesises the item


def _substitute_var(text: str, var: str, value: str) -> str:
    return re.sub(rf"\b{re.escape(var)}\b", lambda _: paren(value), text)


def _reduce_aliases(seq: Seq, splices: bool = True) -> tuple[Seq, list[str]]:
    """Drop alias levels by substituting their item; returns the reduced Seq and the CEL tests (over the remaining
    loop variables) that are true when a spliced item is a list, i.e. when the one-level form would be wrong.
    With splices=False only plain re-bindings are dropped (splice levels stay, exact for counting)."""
    all_aliases = {var: (item, splice) for var, item, splice in seq.aliases}
    levels = list(seq.levels)
    item = seq.item
    splice_tests: list[str] = []
    k = 1
    while k < len(levels):
        src, var, filt = levels[k]
        if var not in all_aliases or (all_aliases[var][1] and not splices) or all_aliases[var][1] == "deep":
            k += 1
            continue
        alias_item, splice = all_aliases.pop(var)
        psrc, pvar, pfilt = levels[k - 1]
        if splice:
            splice_tests.append(and_(pfilt, f"type({paren(alias_item)}) == list"))
        levels[k - 1] = (psrc, pvar, and_(pfilt, _substitute_var(filt, var, alias_item)))
        del levels[k]
        levels = [(_substitute_var(a, var, alias_item), b, _substitute_var(c, var, alias_item)) for a, b, c in levels]
        item = _substitute_var(item, var, alias_item)
        splice_tests = [_substitute_var(t, var, alias_item) for t in splice_tests]
        all_aliases = {v: (_substitute_var(i, var, alias_item), sp) for v, (i, sp) in all_aliases.items()}
    kept = tuple((v, i, sp) for v, (i, sp) in all_aliases.items() if any(lv[1] == v for lv in levels))
    return replace(seq, levels=tuple(levels), item=item, aliases=kept), splice_tests


def materialize(seq: Seq) -> str:
    """CEL list for the Seq; its source list is evaluated once (bound with a one-element map)."""
    src = seq.levels[0][0]
    if not _simple(src):
        var = f"jpl{next(_LIST_NAMES)}"
        rebound = replace(seq, levels=((var,) + tuple(seq.levels[0][1:]),) + seq.levels[1:],
                          valid=seq.valid.replace(src, var))
        return f"[dyn({src})].map({var}, {_materialize_bound(rebound)})[0]"
    return _materialize_bound(seq)


_LIST_NAMES = itertools.count()


def _materialize_bound(seq: Seq) -> str:
    reduced, splice_tests = _reduce_aliases(seq)
    if len(reduced.levels) != 1:
        raise Unsupported("a flattened projection of lists (e.g. a[].b[]) used as a whole list value")
    body = _materialize_one(reduced)
    if not splice_tests:
        return body
    # A list element that `[]` would splice: fail the evaluation (string(list) has no overload) instead of
    # returning an unflattened list. Kubernetes object lists (containers, volumes, ...) never hold lists.
    src, var, _ = reduced.levels[0]
    bad = or_(*splice_tests)
    spliced = and_(reduced.valid, f"{paren(src)}.exists({var}, {bad})")
    return f"{paren(spliced)} ? dyn(string(dyn({paren(src)}.filter({var}, {bad})))) : {paren(body)}"


def _materialize_one(seq: Seq) -> str:
    src, var, filt = seq.levels[0]
    keep = and_(filt, _item_filter(seq))
    expr = paren(src)
    if keep != "true":
        expr = f"{expr}.filter({var}, {keep})"
    if seq.item != var:
        expr = f"{expr}.map({var}, {seq.item})"
    if seq.valid == "true":
        return expr
    return f"{paren(seq.valid)} ? dyn({expr}) : null"


def seq_exists(seq: Seq, pred) -> str:
    """CEL bool: some item of the (non-null) Seq satisfies pred(item_cel)."""
    body = and_(_item_filter(seq), pred(seq.item))
    for src, var, filt in reversed(seq.levels):
        body = f"{paren(src)}.exists({var}, {and_(filt, body)})"
    return and_(seq.valid, body)


def seq_all(seq: Seq, pred) -> str:
    """CEL bool: every item satisfies pred (vacuously true for an empty or null Seq)."""
    body = or_(not_(_item_filter(seq)), pred(seq.item))
    for src, var, filt in reversed(seq.levels):
        body = f"{paren(src)}.all({var}, {or_(not_(filt), body)})"
    return or_(not_(seq.valid), body)


def seq_size(seq: Seq) -> str:
    """CEL int: number of items (nested levels counted with sum(), from the Kubernetes lists library)."""
    seq, _ = _reduce_aliases(seq, splices=False)
    if len(seq.levels) == 1:
        return f"size({materialize(replace(seq, valid='true'))})"
    keep_last = _item_filter(seq)
    *outer, (src_n, var_n, filt_n) = seq.levels
    keep = and_(filt_n, keep_last)
    body = f"size({paren(src_n)})" if keep == "true" else f"size({paren(src_n)}.filter({var_n}, {keep}))"
    for src, var, filt in reversed(outer):
        body = f"{paren(src)}.map({var}, {cond(filt, body, '0')}).sum()"
    return body


# ---------------------------------------------------------------------------------------------------- helpers


class BoolExpr(str):
    """A CEL expression statically known to be a bool (comparisons, predicates)."""


class MultiList(str):
    """A multi-select list `[a, b]`: CEL for the list, plus its item expressions (so `[a, b][]` can concatenate)."""

    items: tuple[str, ...] = ()
    null_test: str = "false"


def _multi_list(expr: str, items: list[str], null_test: str) -> MultiList:
    value = MultiList(expr)
    value.items = tuple(items)
    value.null_test = null_test
    return value


class StrExpr(str):
    """A CEL expression statically known to be a string (typed request fields, string functions)."""


def truthy(x: str) -> str:
    """JMESPath truthiness: false, null, "", [] and {} are false."""
    if isinstance(x, BoolExpr) or x in ("true", "false"):
        return x
    if isinstance(x, StrExpr) or (x.startswith('"') and _simple(x)):
        return f"size({x}) > 0"
    x = f"dyn({x})"
    return (
        f"type({x}) == bool ? {x} : (type({x}) == string || type({x}) == list || type({x}) == map ? "
        f"size({x}) > 0 : type({x}) != null_type)"
    )


def is_number(x: str) -> str:
    return f"(type({x}) == int || type({x}) == double)"


_SIMPLE = re.compile(r'^(?:[A-Za-z_][A-Za-z0-9_.]*|-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|"(?:[^"\\]|\\.)*")$')


def _simple(expr: str) -> bool:
    """An identifier path or a scalar literal: cheap to repeat, needs no let-binding."""
    return _SIMPLE.match(expr) is not None


class _Ctx:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.counter = itertools.count()

    def fresh(self) -> str:
        return f"jp{next(self.counter)}"

    def let(self, value: str, body_fn) -> str:
        """Evaluate `value` once and use it in body_fn(var): [value].map(v, body)[0] (CEL has no let)."""
        if _simple(value):
            return body_fn(value)
        var = self.fresh()
        return f"[dyn({value})].map({var}, {body_fn(var)})[0]"


ROOT = object()

_REQUEST_TYPED = {
    "operation": None,
    "namespace": None,
    "name": None,
    "subResource": None,
    "dryRun": None,
    "userInfo": {"username", "uid", "groups", "extra"},
    "kind": {"group", "version", "kind"},
    "resource": {"group", "version", "resource"},
    "requestKind": {"group", "version", "kind"},
    "requestResource": {"group", "version", "resource"},
    "requestSubResource": None,
}


# ---------------------------------------------------------------------------------------------------- translation


def _parse(expr: str) -> dict:
    try:
        return jp_parser.Parser().parse(expr).parsed
    except jmespath.exceptions.JMESPathError as exc:
        raise Unsupported(f"JMESPath {expr!r} does not parse: {str(exc).splitlines()[0]}") from None


_NESTED = re.compile(r"'\{\{(?:[^{}])*\}\}'")


def _inline_nested(expr: str, scope: Scope) -> tuple[str, Scope]:
    """Kyverno substitutes inner `'{{ x }}'` first, as text inside a raw string literal; here the literal becomes a
    variable bound to the inner value rendered as text."""
    if "{{" not in expr:
        return expr, scope
    variables = dict(scope.variables)
    counter = itertools.count()

    def repl(m: re.Match) -> str:
        inner = m.group(0)[3:-3].strip()
        if inner.startswith("-"):
            inner = inner[1:].strip()
        name = f"\x00kyverno-nested-{next(counter)}\x00"
        value = as_cel(translate(inner, scope))
        variables[name] = f"[dyn({value})].map(jn, {to_text('jn')})[0]"
        return "'" + name + "'"  # a raw-string placeholder, resolved when the literal is translated

    text = _NESTED.sub(repl, expr)
    if "{{" in text:
        raise Unsupported("nested {{ }} variables outside a quoted raw string")
    return text, replace(scope, variables=variables)


def translate(expr: str, scope: Scope) -> Value:
    """The JMESPath value of `expr` as a Path, CEL expression or Seq."""
    expr, scope = _inline_nested(expr.strip(), scope)
    ctx = _Ctx(scope)
    return _tr(_parse(expr), ROOT, ctx)


def jmespath_to_cel(expr: str, scope: Scope) -> str:
    """CEL value expression (JSON value or null) for the body of a `{{ }}`, parenthesised when compound."""
    return str(paren(as_cel(translate(expr, scope))))


def _root_field(name: str, ctx: _Ctx, rest: list[dict]) -> tuple[Value, list[dict]]:
    """Resolve a top-level name and consume the typed part of `request.*`."""
    scope = ctx.scope
    if name == "request":
        if not rest or rest[0]["type"] != "field":
            raise Unsupported("the whole `request` object as a value")
        sub = rest[0]["value"]
        rest = rest[1:]
        if sub == "object":
            base = f'(request.operation == "DELETE" ? {scope.old_object} : {scope.object})'
            return Path(base), rest
        if sub == "oldObject":
            return Path(scope.old_object), rest
        if sub not in _REQUEST_TYPED:
            raise Unsupported(f"request.{sub} (not part of a ValidatingAdmissionPolicy request)")
        fields = _REQUEST_TYPED[sub]
        if fields is None:
            expr = BoolExpr(f"request.{sub}") if sub == "dryRun" else StrExpr(f"request.{sub}")
            if sub in ("namespace", "name", "subResource", "requestSubResource"):
                # omitempty in the AdmissionRequest JSON Kyverno queries: an empty value is absent (null)
                expr = f'(request.{sub} == "" ? null : dyn(request.{sub}))'
            return expr, rest
        if not rest or rest[0]["type"] != "field":
            raise Unsupported(f"request.{sub} as a whole object")
        leaf = rest[0]["value"]
        if leaf not in fields:
            return "null", rest[1:]
        expr = f"request.{sub}.{leaf}"
        if sub == "userInfo" and leaf in ("extra", "groups"):
            return Path(expr), rest[1:]
        return StrExpr(expr), rest[1:]
    if name in scope.variables:
        return Path(scope.variables[name]), rest
    levels = list(scope.outer) + ([(scope.element, scope.element_index)] if scope.element else [])
    if name == "element" and scope.element:
        return Path(scope.element), rest
    if name == "elementIndex" and scope.element_index:
        return scope.element_index, rest
    m = re.match(r"^(element|elementIndex)(\d+)$", name)
    if m and int(m.group(2)) < len(levels):
        elem, index = levels[int(m.group(2))]
        return (Path(elem), rest) if m.group(1) == "element" else (index, rest)
    raise Unsupported(f"variable {name!r} (context entries, images and service-account variables are not translated)")


def _tr(node: dict, cur: Any, ctx: _Ctx) -> Value:
    t = node["type"]
    ch = node.get("children", [])
    if t == "field":
        if cur is ROOT:
            value, rest = _root_field(node["value"], ctx, [])
            return value
        return _field(cur, node["value"])
    if t == "subexpression":
        items = list(ch)
        if cur is ROOT and items[0]["type"] == "field":
            value, rest = _root_field(items[0]["value"], ctx, items[1:])
        else:
            value, rest = _tr(items[0], cur, ctx), items[1:]
        for child in rest:
            value = _apply(child, value, ctx)
        return value
    if t in ("current", "identity"):
        if cur is ROOT:
            raise Unsupported("`@` at the top level of a variable")
        return cur
    if t == "literal":
        value = node["value"]
        if isinstance(value, str) and value.startswith("\x00kyverno-nested-") and value in ctx.scope.variables:
            return ctx.scope.variables[value]
        return literal(value)
    if t == "index_expression":
        base = _tr(ch[0], cur, ctx)
        return _apply(ch[1], base, ctx)
    if t == "index":
        return _index(cur, node["value"])
    if t == "slice":
        raise Unsupported("JMESPath slice")
    if t in ("projection", "filter_projection", "value_projection"):
        return _projection(node, cur, ctx)
    if t == "flatten":
        return _flatten(_tr(ch[0], cur, ctx), ctx)
    if t == "pipe":
        left = _tr(ch[0], cur, ctx)
        if isinstance(left, Seq):
            return _tr(ch[1], left, ctx)  # `@` is the projected list; functions iterate it without building it
        left_cel = as_cel(left)
        if _simple(left_cel) or isinstance(left, Path):
            return _tr(ch[1], left if isinstance(left, Path) else left_cel, ctx)
        var = ctx.fresh()
        inner = as_cel(_tr(ch[1], var, ctx))
        return f"[{left_cel}].map({var}, {inner})[0]"
    if t == "or_expression":
        left_value = _tr(ch[0], cur, ctx)
        if isinstance(left_value, Seq) and ch[1]["type"] == "literal" and ch[1]["value"] == []:
            # a projection that is null or empty gives the default []: iterate it as a list that may be empty
            src, var, filt = left_value.levels[0]
            guarded = f"{paren(left_value.valid)} ? {paren(src)} : []" if left_value.valid != "true" else src
            return replace(left_value, valid="true", levels=((f"({guarded})", var, filt),) + left_value.levels[1:])
        left = as_cel(left_value)
        right = as_cel(_tr(ch[1], cur, ctx))
        if isinstance(left, StrExpr) and (isinstance(right, StrExpr) or (right.startswith('"') and _simple(right))):
            return StrExpr(ctx.let(left, lambda x: f"size({x}) > 0 ? {x} : {paren(right)}"))
        if isinstance(left, BoolExpr) and isinstance(right, BoolExpr):
            return BoolExpr(f"{paren(left)} || {paren(right)}")
        return ctx.let(left, lambda x: f"{paren(truthy(StrExpr(x) if isinstance(left, StrExpr) else x))} ? {x} : dyn({right})")
    if t == "and_expression":
        left = as_cel(_tr(ch[0], cur, ctx))
        right = as_cel(_tr(ch[1], cur, ctx))
        return ctx.let(left, lambda x: f"{paren(truthy(x))} ? dyn({right}) : {x}")
    if t == "not_expression":
        value = as_cel(_tr(ch[0], cur, ctx))
        return BoolExpr(ctx.let(value, lambda x: not_(truthy(x))))
    if t == "comparator":
        return _comparator(node["value"], as_cel(_tr(ch[0], cur, ctx)), as_cel(_tr(ch[1], cur, ctx)), ctx)
    if t == "function_expression":
        from migrator.translate.kyverno.expr_functions import call

        return call(node["value"], [_tr(c, cur, ctx) for c in ch], ctx)
    if t == "multi_select_list":
        if cur is ROOT:
            items = [as_cel(_tr(c, cur, ctx)) for c in ch]
            return _multi_list("[" + ", ".join(f"dyn({i})" for i in items) + "]", items, "false")
        cur_cel = as_cel(cur)
        items = [as_cel(_tr(c, cur, ctx)) for c in ch]
        null_test = f"type({cur_cel}) == null_type"
        expr = f"{null_test} ? dyn(null) : dyn([" + ", ".join(f"dyn({i})" for i in items) + "])"
        return _multi_list(expr, items, null_test)
    if t == "multi_select_dict":
        pairs = []
        for kv in ch:
            pairs.append(f"{quote(kv['value'])}: dyn({as_cel(_tr(kv['children'][0], cur, ctx))})")
        body = "{" + ", ".join(pairs) + "}"
        if cur is ROOT:
            return body
        return f"type({as_cel(cur)}) == null_type ? dyn(null) : dyn({body})"
    raise Unsupported(f"JMESPath {t.replace('_', ' ')}")


def _apply(node: dict, value: Value, ctx: _Ctx) -> Value:
    """Evaluate `node` with `value` as the current node (the right side of a subexpression)."""
    if node["type"] == "field":
        return _field(value, node["value"])
    if node["type"] == "index":
        return _index(value, node["value"])
    if isinstance(value, Seq):
        value = materialize(value)
    if node["type"] in ("multi_select_list", "multi_select_dict"):
        return _tr(node, value, ctx)  # these test the current node for null themselves
    cel = as_cel(value)
    if cel == "null":
        return "null"
    # a subexpression stops at null (jmespath evaluates nothing on the right of a null left side)
    var = ctx.fresh()
    inner = _tr(node, Path(var), ctx)
    if isinstance(inner, Seq):
        inner = materialize(inner)
    return f"[dyn({cel})].map({var}, type({var}) == null_type ? dyn(null) : dyn({as_cel(inner)}))[0]"


def _field(value: Value, name: str) -> Value:
    if isinstance(value, Seq):
        return "null"  # a field of a list is null
    if isinstance(value, Path):
        return value.then("field", name)
    if value == "null":
        return "null"
    return Path(value).then("field", name) if _simple(value) else Path(paren(value)).then("field", name)


def _index(value: Value, i: int) -> Value:
    if isinstance(value, Seq):
        value = materialize(value)
    if isinstance(value, Path):
        return value.then("index", i)
    return Path(paren(value)).then("index", i)


def _projection(node: dict, cur: Any, ctx: _Ctx) -> Value:
    t = node["type"]
    ch = node["children"]
    lhs = _tr(ch[0], cur, ctx)
    rhs = ch[1]
    condition = ch[2] if t == "filter_projection" else None
    var = ctx.fresh()
    if t == "value_projection":
        base = as_cel(lhs)
        item_base = f"{paren(base)}[{var}]"
        seq = Seq(valid=is_type(base, "map"), levels=((base, var, "true"),), item=item_base, drop_null=True)
        return _project(seq, rhs, ctx)
    if isinstance(lhs, Seq):
        seq = lhs
        if condition is not None or rhs["type"] != "identity":
            # start a new level over each item so the condition/rhs see it as `@`
            keep = _item_filter(seq)
            levels = seq.levels[:-1] + ((seq.levels[-1][0], seq.levels[-1][1], and_(seq.levels[-1][2], keep)),)
            seq = Seq(valid=seq.valid, levels=levels + ((f"[{seq.item}]", var, "true"),), item=var, drop_null=False,
                      aliases=seq.aliases + ((var, seq.item, False),))
    else:
        base = as_cel(lhs)
        seq = Seq(valid=is_type(base, "list"), levels=((base, var, "true"),), item=var, drop_null=False)
    if condition is not None:
        item_var = seq.item
        test = as_cel(_tr(condition, Path(item_var), ctx))
        last = seq.levels[-1]
        seq = replace(seq, levels=seq.levels[:-1] + ((last[0], last[1], and_(last[2], paren(truthy(test)))),))
    return _project(seq, rhs, ctx)


def _project(seq: Seq, rhs: dict, ctx: _Ctx) -> Seq:
    if rhs["type"] == "identity":
        return replace(seq, drop_null=True)
    item = _tr(rhs, Path(seq.item), ctx)
    if isinstance(item, Seq):
        item_cel = materialize(item)
    else:
        item_cel = as_cel(item)
    return replace(seq, item=item_cel, drop_null=True)


def _flatten(value: Value, ctx: _Ctx) -> Seq:
    var = ctx.fresh()
    if isinstance(value, Seq):
        keep = _item_filter(value)
        last = value.levels[-1]
        levels = value.levels[:-1] + ((last[0], last[1], and_(last[2], keep)),)
        item = paren(value.item)
        src = f"type({item}) == list ? dyn({item}) : dyn([{item}])"
        # the items of a projection are typically lists themselves (a[].b[]): a real flatten, never reduced;
        # flattening the raw elements of a filtered list (a[?x][]) only splices elements, like `a[]`
        raw = any(value.item == lv[1] for lv in value.levels)
        return Seq(valid=value.valid, levels=levels + ((src, var, "true"),), item=var, drop_null=False,
                   aliases=value.aliases + ((var, value.item, True if raw else "deep"),))
    if isinstance(value, MultiList):
        # [a, b][]: concatenate the items, splicing the ones that are lists
        parts = []
        for item in value.items:
            parts.append(ctx.let(item, lambda x: f"(type({x}) == list ? dyn({x}) : dyn([{x}]))"))
        concat = " + ".join(parts) if parts else "[]"
        base = f"{paren(value.null_test)} ? dyn(null) : dyn({concat})" if value.null_test != "false" else concat
        return Seq(valid=is_type(paren(base), "list"), levels=((paren(base), var, "true"),), item=var, drop_null=False)
    base = as_cel(value)
    outer = ctx.fresh()
    return Seq(
        valid=is_type(base, "list"),
        levels=((base, outer, "true"), (f"type({outer}) == list ? dyn({outer}) : dyn([{outer}])", var, "true")),
        item=var,
        drop_null=False,
        aliases=((var, outer, True),),
    )


def _comparator(op: str, a: str, b: str, ctx: _Ctx) -> str:
    if op == "eq":
        return BoolExpr(f"dyn({a}) == dyn({b})")
    if op == "ne":
        return BoolExpr(f"dyn({a}) != dyn({b})")
    sym = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[op]
    return ctx.let(a, lambda x: ctx.let(b, lambda y: (
        f"{is_number(x)} && {is_number(y)} ? dyn(double({x}) {sym} double({y})) : null"
    )))


# ---------------------------------------------------------------------------------------------------- {{ }} text

_VARIABLE = re.compile(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")


def has_variables(text: Any) -> bool:
    return isinstance(text, str) and _VARIABLE.search(text) is not None


def _variable_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost `{{ ... }}` not escaped with a backslash; an inner `'{{ x }}'` (Kyverno
    substitutes it first) stays inside its outer variable."""
    spans = []
    i = 0
    while True:
        start = text.find("{{", i)
        if start < 0:
            return spans
        if start > 0 and text[start - 1] == "\\":
            i = start + 2
            continue
        depth, j = 0, start
        while j < len(text) - 1:
            pair = text[j:j + 2]
            if pair == "{{":
                depth += 1
                j += 2
                continue
            if pair == "}}":
                depth -= 1
                j += 2
                if depth == 0:
                    break
                continue
            j += 1
        if depth != 0:
            return spans
        spans.append((start, j))
        i = j


def split_variables(text: str) -> list[tuple[str, str]]:
    """[(kind, text)] with kind "text" or "var" (the JMESPath inside one `{{ }}`), in order; `\\{{` stays text."""
    parts: list[tuple[str, str]] = []
    pos = 0
    for start, end in _variable_spans(text):
        if start > pos:
            parts.append(("text", text[pos:start]))
        body = text[start + 2:end - 2].strip()
        if body.startswith("-"):
            body = body[1:].strip()
        parts.append(("var", body))
        pos = end
    if pos < len(text):
        parts.append(("text", text[pos:]))
    return [(k, v.replace("\\{{", "{{") if k == "text" else v) for k, v in parts]


def _json_string(x: str) -> str:
    """Go json.Marshal of a CEL string (quotes, backslashes and its HTML-safe escapes of <, >, &)."""
    escaped = paren(x)
    for ch, rep in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                    ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        escaped = f"{escaped}.replace({quote(ch)}, {quote(rep)})"
    return f'"\\"" + {escaped} + "\\""'


def _json_scalar(x: str) -> str:
    return (f"type({x}) == string ? {_json_string(x)} : (type({x}) == null_type ? \"null\" : "
            f"(type({x}) == bool ? ({x} ? \"true\" : \"false\") : string({x})))")


def to_text(x: str) -> str:
    """CEL string for a substituted value: strings as they are, other values as JSON (json.Marshal); lists of
    scalars are rendered as JSON arrays, maps and nested lists fail the evaluation (the static message is used)."""
    x = f"dyn({x})"
    return (
        f"type({x}) == string ? {x} : (type({x}) == null_type ? \"null\" : (type({x}) == bool ? "
        f"({x} ? \"true\" : \"false\") : (type({x}) == list ? "
        f"\"[\" + {x}.map(je, {_json_scalar('je')}).join(\",\") + \"]\" : string({x}))))"
    )


def substitute(text: str, scope: Scope) -> str:
    """CEL for a policy string with embedded `{{ }}`: a whole-value variable keeps its type, otherwise a string."""
    parts = split_variables(text)
    if len(parts) == 1 and parts[0][0] == "var" and text.strip() == text and text.startswith("{{"):
        return jmespath_to_cel(parts[0][1], scope)
    return str(_substitute_text(parts, scope))


def _substitute_text(parts: list[tuple[str, str]], scope: Scope) -> str:
    ctx = _Ctx(scope)
    pieces: list[str] = []
    for kind, value in parts:
        if kind == "text":
            pieces.append(quote(value))
        else:
            cel = as_cel(translate(value, scope))
            pieces.append(ctx.let(cel, to_text))
    if not pieces:
        return '""'
    if len(pieces) == 1:
        return StrExpr(paren(pieces[0]))
    return StrExpr("(" + " + ".join(paren(p) for p in pieces) + ")")
