"""Kyverno conditions (preconditions, deny.conditions, foreach preconditions) -> CEL.

Each operator follows its handler in Kyverno's pkg/engine/variables/operator: the key's runtime type picks the
comparison (bool / number / string with duration, quantity, wildcard fallbacks / map / list), exactly as the Go
type switch does. Keys and values are JSON after variable substitution; Kyverno decodes every number as float64,
so CEL ints and doubles are both treated as that one number type.

A side without `{{ }}` is static: its type checks fold away at translation time, so the common
`key: "{{ request.operation }}"  operator: AnyIn  value: [CREATE, UPDATE]` becomes a short CEL expression.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from migrator.translate.cel_literal import literal, quote
from migrator.translate.kyverno import jmespath as jp
from migrator.translate.kyverno.expr_values import (
    DURATION_RE2,
    and_,
    cond,
    const,
    glob_cel,
    has_wildcard,
    not_,
    or_,
    paren,
    parse_go_duration,
    parse_quantity,
    wildcard_match,
)
from migrator.translate.kyverno.scope import Scope, Unsupported

__all__ = ["conditions_to_cel", "condition_to_cel", "Operand"]

_FLOAT_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_FLOAT_RE2 = "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _go_float(text: str) -> float | None:
    """strconv.ParseFloat for the decimal forms (hex floats, inf and nan are not accepted here)."""
    if isinstance(text, str) and _FLOAT_RE.match(text):
        return float(text)
    return None


def go_sprint(value: Any) -> str:
    """fmt.Sprint of a JSON value decoded by Go (numbers are float64)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        f = float(value)
        if f == int(f) and abs(f) < 1e21:
            return str(int(f))
        text = repr(f)
        if "e" in text:
            mant, exp = text.split("e")
            e = int(exp)
            return f"{mant}e{'+' if e >= 0 else '-'}{abs(e):02d}"
        return text
    if isinstance(value, str):
        return value
    raise Unsupported(f"fmt.Sprint of a {type(value).__name__} in an In/NotIn operand")


# ---------------------------------------------------------------------------------------------------- operands


class Operand:
    """One side of a condition: a static JSON value or a dynamic CEL value (possibly a JMESPath Seq)."""

    def __init__(self, *, static: bool, value: Any = None, expr: str | None = None, seq: jp.Seq | None = None,
                 kind: str | None = None) -> None:
        self.static = static
        self.value = value
        self._expr = expr
        self.seq = seq
        self.kind = kind  # statically known kind of a dynamic operand

    # static kind of a Python JSON value
    @staticmethod
    def _kind_of(value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, (int, float)):
            return "number"
        if isinstance(value, str):
            return "string"
        if isinstance(value, list):
            return "list"
        if isinstance(value, dict):
            return "map"
        raise Unsupported(f"condition value of type {type(value).__name__}")

    def is_(self, kind: str) -> str:
        if self.static:
            return const(self._kind_of(self.value) == kind)
        if self.seq is not None:
            if kind == "list":
                return self.seq.valid
            if kind == "null":
                return not_(self.seq.valid)
            return "false"
        if self.kind is not None:
            return const(self.kind == kind)
        x = self.cel
        if kind == "number":
            return f"(type({x}) == int || type({x}) == double)"
        type_name = {"string": "string", "bool": "bool", "null": "null_type", "list": "list", "map": "map"}[kind]
        return f"type({x}) == {type_name}"

    @property
    def cel(self) -> str:
        if self.static:
            return literal(self.value)
        if self.seq is not None:
            return jp.materialize(self.seq)
        return self._expr

    @property
    def num(self) -> str:
        if self.static:
            if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
                return "0.0"  # only used under a number type check, which folds to false here
            return literal(float(self.value))
        return f"double({self.cel})"

    def static_kind(self) -> str | None:
        if self.static:
            return self._kind_of(self.value)
        return self.kind


def _operand(raw: Any, scope: Scope) -> Operand:
    if not jp.has_variables(raw) and not _nested_variables(raw):
        return Operand(static=True, value=raw)
    if isinstance(raw, str):
        parts = jp.split_variables(raw)
        if len(parts) == 1 and parts[0][0] == "var" and raw.startswith("{{") and raw.endswith("}}"):
            value = jp.translate(parts[0][1], scope)
            if isinstance(value, jp.Seq):
                return Operand(static=False, seq=value)
            expr = jp.as_cel(value)
            kind = "bool" if isinstance(expr, jp.BoolExpr) else ("string" if isinstance(expr, jp.StrExpr) else None)
            return Operand(static=False, expr=expr, kind=kind)
        return Operand(static=False, expr=jp.substitute(raw, scope), kind="string")  # text with variables
    if isinstance(raw, list):
        items = [_operand(item, scope) for item in raw]
        return Operand(static=False, expr="[" + ", ".join(f"dyn({i.cel})" for i in items) + "]", kind="list")
    raise Unsupported("variables inside a map-valued condition operand")


def _nested_variables(raw: Any) -> bool:
    if isinstance(raw, list):
        return any(jp.has_variables(x) or _nested_variables(x) for x in raw)
    if isinstance(raw, dict):
        return any(jp.has_variables(x) or _nested_variables(x) for x in raw.values())
    return False


# ---------------------------------------------------------------------------------------------------- value helpers


def _let(expr: str, fn: Callable[[str], str], names: "_Names") -> str:
    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", expr) or expr.startswith('"') and expr.endswith('"') and '"' not in expr[1:-1]:
        return fn(expr)
    var = names.fresh()
    return f"[{expr}].map({var}, {fn(var)})[0]"


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def fresh(self) -> str:
        self.n += 1
        return f"cv{self.n}"


def _match(pattern: Operand, name: Operand) -> str:
    """wildcard.Match(pattern, name) for string operands."""
    if pattern.static and name.static:
        if not (isinstance(pattern.value, str) and isinstance(name.value, str)):
            return "false"
        return const(wildcard_match(pattern.value, name.value))
    if pattern.static:
        return glob_cel(name.cel, pattern.value)
    return _dynamic_glob(pattern.cel, name.cel)


def _dynamic_glob(pattern: str, name: str) -> str:
    """wildcard.Match with a pattern known only at run time: plain equality unless it holds `*`/`?`."""
    escaped = paren(pattern)
    for ch in "\\.+()[]{}^$|":
        escaped = f"{escaped}.replace({quote(ch)}, {quote(chr(92) + ch)})"
    regex = f'"(?s)^" + {escaped}.replace("*", ".*").replace("?", ".") + "$"'
    return (
        f"({paren(pattern)}.contains(\"*\") || {paren(pattern)}.contains(\"?\")) ? "
        f"{paren(name)}.matches({regex}) : {paren(pattern)} == {paren(name)}"
    )


def _sprint_operand(item: Operand) -> Operand:
    """fmt.Sprint of an In/NotIn list element or scalar key, as a string operand."""
    if item.static:
        return Operand(static=True, value=go_sprint(item.value))
    x = f"dyn({item.cel})"
    return Operand(static=False, kind="string", expr=(
        f"type({x}) == string ? {x} : (type({x}) == bool ? ({x} ? \"true\" : \"false\") : "
        f"(type({x}) == null_type ? \"<nil>\" : string({x})))"
    ))


def _is_duration_string(op: Operand, allow_zero: bool = False) -> str:
    if op.static:
        return const(isinstance(op.value, str) and parse_go_duration(op.value) is not None
                     and (allow_zero or op.value != "0"))
    x = op.cel
    test = and_(op.is_("string"), f"{paren(x)}.matches({quote(DURATION_RE2)})")
    return test if allow_zero else and_(test, f'{paren(x)} != "0"')


def _duration(op: Operand) -> str:
    """CEL duration for a duration string or a number of seconds (truncated to whole seconds, as Go does)."""
    if op.static:
        if isinstance(op.value, str):
            return f"duration({quote(op.value)})"
        return f'duration("{int(float(op.value))}s")'
    x = op.cel
    return cond(op.is_("string"), f"duration({x})", f'duration(string(int({x})) + "s")')


def _is_quantity(op: Operand) -> str:
    if op.static:
        return const(isinstance(op.value, str) and parse_quantity(op.value) is not None)
    return and_(op.is_("string"), f"isQuantity({op.cel})")


def _quantity_cmp(a: Operand, b: Operand, sym: str) -> str:
    if a.static and b.static:
        from migrator.translate.kyverno.expr_values import compare_static

        qa, qb = parse_quantity(a.value), parse_quantity(b.value)
        if qa is None or qb is None:
            return "false"  # only reached under a quantity check that folds to false
        return const(compare_static(qa, qb, sym))
    return f"quantity({a.cel}).compareTo(quantity({b.cel})) {sym} 0"


def _float_of_string(op: Operand) -> tuple[str, str]:
    """(parses?, double expr) for strconv.ParseFloat of a string operand."""
    if op.static:
        f = _go_float(op.value) if isinstance(op.value, str) else None
        return (const(f is not None), literal(f) if f is not None else "0.0")
    x = op.cel
    return (and_(op.is_("string"), f"{paren(x)}.matches({quote(_FLOAT_RE2)})"), f"double({x})")


# ---------------------------------------------------------------------------------------------------- Equals / NotEquals


def _guard(test: str, body: Callable[[], str]) -> str:
    """and_(test, body()) without building body when test folds to false (static operands of another type)."""
    return "false" if test == "false" else and_(test, body())


def _pick(test: str, then: Callable[[], str], other: Callable[[], str]) -> str:
    if test == "true":
        return then()
    if test == "false":
        return other()
    return cond(test, then(), other())


def _equals(k: Operand, v: Operand, negate: bool) -> str:
    neg = const(negate)
    eq_bool = _guard(k.is_("bool"), lambda: _pick(v.is_("bool"), lambda: _cmp(k.cel, v.cel, negate), lambda: neg))

    def number() -> str:
        parses, fval = _float_of_string(v)
        return _pick(v.is_("number"), lambda: _cmp(k.num, v.num, negate), lambda: _pick(
            v.is_("string"), lambda: _pick(parses, lambda: _cmp(k.num, fval, negate), lambda: neg), lambda: neg))

    eq_num = _guard(k.is_("number"), number)
    eq_str = _guard(k.is_("string"), lambda: _string_equals(k, v, negate))
    eq_map = _guard(k.is_("map"), lambda: _pick(
        v.is_("map"), lambda: _cmp(f"dyn({k.cel})", f"dyn({v.cel})", negate), lambda: neg))
    eq_list = _guard(k.is_("list"), lambda: _pick(
        v.is_("list"), lambda: _cmp(f"dyn({k.cel})", f"dyn({v.cel})", negate), lambda: neg))
    return or_(eq_bool, eq_num, eq_str, eq_map, eq_list)


def _cmp(a: str, b: str, negate: bool) -> str:
    if a == b:
        return const(not negate)
    return f"{paren(a)} {'!=' if negate else '=='} {paren(b)}"


def _string_equals(k: Operand, v: Operand, negate: bool) -> str:
    durations = and_(_is_duration_string(k), or_(_is_duration_string(v), v.is_("number")))
    dur_cmp = _cmp(_duration(k), _duration(v), negate) if durations != "false" else "false"
    if negate:
        quantity_branch = or_(
            _cmp(v.cel, '""', False) if not v.static else const(v.value == ""),
            not_(_is_quantity(v)),
            _quantity_cmp(k, v, "!=") if _is_quantity(v) != "false" else "true",
        )
    else:
        quantity_branch = and_(_is_quantity(v), _quantity_cmp(k, v, "==") if _is_quantity(v) != "false" else "false")
    def fallback() -> str:
        return _pick(v.is_("string"), lambda: not_(_match(v, k)) if negate else _match(v, k), lambda: const(negate))

    return _pick(durations, lambda: dur_cmp,
                 lambda: _pick(and_(_is_quantity(k), v.is_("string")), lambda: quantity_branch, fallback))


# ---------------------------------------------------------------------------------------------------- numeric


_NUMERIC = {"greaterthan": ">", "greaterthanorequals": ">=", "lessthan": "<", "lessthanorequals": "<="}
_DURATION_OPS = {"durationgreaterthan": ">", "durationgreaterthanorequals": ">=", "durationlessthan": "<",
                 "durationlessthanorequals": "<="}
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _numeric(k: Operand, v: Operand, sym: str) -> str:
    """NumericOperatorHandler: numbers, durations, quantities, numeric strings (semver is not translated)."""
    def number_key(key_num: str, key_seconds: Callable[[], str]) -> str:
        v_dur = _is_duration_string(v)
        parses, fval = _float_of_string(v)
        return _pick(v.is_("number"), lambda: f"{key_num} {sym} {v.num}", lambda: _pick(
            v_dur, lambda: f"{paren(key_seconds())} {sym} {paren(_duration(v))}",
            lambda: _pick(parses, lambda: f"{key_num} {sym} {fval}", lambda: "false")))

    num_branch = _guard(k.is_("number"), lambda: number_key(k.num, lambda: _duration(k)))

    def semver() -> str:
        # blang/semver, as the Kubernetes semver library (1.33+) parses it
        def body() -> str:
            return and_(f"isSemver({k.cel})", f"isSemver({v.cel})",
                        f"semver({k.cel}).compareTo(semver({v.cel})) {sym} 0")
        if k.static and not (isinstance(k.value, str) and _SEMVER.match(k.value)):
            return "false"
        if v.static and not (isinstance(v.value, str) and _SEMVER.match(v.value)):
            return "false"
        return _guard(v.is_("string"), body)

    def string_key() -> str:
        durations = and_(_is_duration_string(k), or_(_is_duration_string(v), v.is_("number")))
        quantities = and_(_is_quantity(k), _is_quantity(v))
        k_parses, k_fval = _float_of_string(k)
        return _pick(
            durations, lambda: f"{paren(_duration(k))} {sym} {paren(_duration(v))}",
            lambda: _pick(quantities, lambda: _quantity_cmp(k, v, sym), lambda: _pick(
                k_parses, lambda: number_key(k_fval, lambda: f'duration(string(int({k_fval})) + "s")'),
                semver)))

    string_branch = _guard(k.is_("string"), string_key)
    return or_(num_branch, string_branch)


def _duration_op(k: Operand, v: Operand, sym: str) -> str:
    v_ok = or_(v.is_("number"), _is_duration_string(v, allow_zero=True))
    k_ok = or_(k.is_("number"), _is_duration_string(k, allow_zero=True))
    if v_ok == "false" or k_ok == "false":
        return "false"
    return and_(k_ok, v_ok, f"{paren(_duration(k))} {sym} {paren(_duration(v))}")


# ---------------------------------------------------------------------------------------------------- In family


class _Items:
    """The elements of a list operand, for exists/all over Sprint'ed strings."""

    def __init__(self, op: Operand, names: _Names) -> None:
        self.op = op
        self.names = names

    def _bound(self, item: str, pred: Callable[[Operand], str]) -> str:
        """pred over fmt.Sprint(item), the rendering evaluated once."""
        text = _sprint_operand(Operand(static=False, expr=item)).cel
        var = self.names.fresh()
        return f"[{text}].exists({var}, {pred(Operand(static=False, expr=var, kind='string'))})"

    def exists(self, pred: Callable[[Operand], str]) -> str:
        op = self.op
        if op.static:
            return or_(*[pred(_sprint_operand(Operand(static=True, value=x))) for x in op.value])
        if op.seq is not None:
            return jp.seq_exists(op.seq, lambda item: self._bound(item, pred))
        var = self.names.fresh()
        return f"{paren(op.cel)}.exists({var}, {self._bound(var, pred)})"

    def all(self, pred: Callable[[Operand], str]) -> str:
        return not_(self.exists(lambda x: not_(pred(x))))

    def exists_raw(self, pred: Callable[[str], str]) -> str:
        """exists over the elements themselves (no Sprint), for a dynamic list operand."""
        op = self.op
        if op.seq is not None:
            return jp.seq_exists(op.seq, lambda item: pred(paren(item)))
        var = self.names.fresh()
        return and_(op.is_("list"), f"{paren(op.cel)}.exists({var}, {pred(var)})")

    def all_raw(self, pred: Callable[[str], str]) -> str:
        op = self.op
        if op.seq is not None:
            return jp.seq_all(op.seq, lambda item: pred(paren(item)))
        var = self.names.fresh()
        return and_(op.is_("list"), f"{paren(op.cel)}.all({var}, {pred(var)})")

    def size_is_one_and_equals_expr(self, text_expr: str) -> str:
        op = self.op
        if op.seq is not None:
            return and_(op.seq.valid, f"{jp.seq_size(op.seq)} == 1",
                        jp.seq_all(op.seq, lambda i: f"dyn({i}) == dyn({text_expr})"))
        return and_(op.is_("list"), f"size({op.cel}) == 1", f"dyn({paren(op.cel)}[0]) == dyn({text_expr})")

    def size_is_one_and_equals(self, text: str) -> str:
        op = self.op
        if op.seq is not None:
            return and_(op.seq.valid, f"{jp.seq_size(op.seq)} == 1", jp.seq_all(op.seq, lambda i: f"dyn({i}) == {quote(text)}"))
        return and_(op.is_("list"), f"size({op.cel}) == 1", f"dyn({paren(op.cel)}[0]) == {quote(text)}")


def _both_match(a: Operand, b: Operand) -> str:
    return or_(_match(a, b), _match(b, a))


def _string_value_list(v: Operand) -> tuple[str, list[str] | None]:
    """A static string value as Kyverno reads it: (status, list) with status "list" / "invalid"."""
    text = v.value
    try:
        json.loads(text)
        valid = True
    except (ValueError, RecursionError):
        valid = False
    if not valid:
        return "list", [text]
    parsed = json.loads(text)
    if parsed is None:
        return "list", []
    if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
        return "list", parsed
    return "invalid", None


def _in_range(v: Operand) -> bool:
    from migrator.translate.kyverno.pattern import operator_of

    return v.static and isinstance(v.value, str) and operator_of(v.value) == "-"


def _range_check(key: Operand, pattern: str) -> str:
    from migrator.translate.kyverno.pattern import leaf_cel

    return leaf_cel(f"dyn({key.cel})", pattern)


def _static_strings_contain(key: Operand, items: list[str]) -> str:
    """exists item: Match(item, key) || Match(key, item), for static item strings and a string key."""
    if key.static:
        return const(any(wildcard_match(i, key.value) or wildcard_match(key.value, i) for i in items))
    if not items:
        return "false"
    x = key.cel
    plain = [i for i in items if not has_wildcard(i)]
    terms = []
    if plain:
        terms.append(f"{paren(x)} in {literal(plain)}" if len(plain) > 1 else f"{paren(x)} == {literal(plain[0])}")
    for i in items:
        if has_wildcard(i):
            terms.append(glob_cel(x, i))
    # the key itself may hold wildcards at run time (Kyverno matches both ways)
    var = "kw"
    terms.append(and_(f'({paren(x)}.contains("*") || {paren(x)}.contains("?"))',
                      f"{literal(items)}.exists({var}, {_dynamic_glob(x, var)})"))
    return or_(*terms)


def _key_in_value(key: Operand, v: Operand, names: _Names, strict_json: bool) -> tuple[str, str]:
    """(invalid, exists) of keyExistsInArray (strict_json, the legacy In) / anyKeyExistsInArray for a string key."""
    if v.static and isinstance(v.value, list):
        try:
            items = [go_sprint(x) for x in v.value]
        except Unsupported:
            return "false", _Items(v, names).exists(lambda item: _both_match(item, key))
        return "false", _static_strings_contain(key, items)
    if v.static and isinstance(v.value, str):
        direct = _match(v, key)
        if not strict_json and _in_range(v):
            return "false", or_(direct, _range_check(key, v.value))
        if strict_json:
            try:
                parsed = json.loads(v.value)
                ok = parsed is None or (isinstance(parsed, list) and all(isinstance(x, str) for x in parsed))
            except ValueError:
                parsed, ok = None, False
            if not ok:
                return not_(direct), direct
            items = parsed or []
        else:
            status, items = _string_value_list(v)
            if status == "invalid":
                return not_(direct), direct
        return "false", or_(direct, *[_cmp(key.cel, literal(x), False) for x in items])
    if v.static:
        return "true", "false"
    if v.seq is not None:
        return not_(v.seq.valid), _Items(v, names).exists(lambda item: _both_match(item, key))
    # dynamic value: a list (element match) or a string (wildcard or equality; JSON-array text is not parsed)
    x = v.cel
    var = names.fresh()
    item = _sprint_operand(Operand(static=False, expr=var))
    string_case = _untranslated_text_guard(x, or_(_match(Operand(static=False, expr=x, kind="string"), key),
                                                   _cmp(key.cel, x, False)))
    if strict_json:
        string_case = _untranslated_text_guard(x, _match(Operand(static=False, expr=x, kind="string"), key))
    if v.kind == "list":
        return "false", f"{paren(x)}.exists({var}, {_both_match(item, key)})"
    exists = cond(v.is_("list"), f"{paren(x)}.exists({var}, {_both_match(item, key)})",
                  and_(v.is_("string"), string_case))
    invalid = not_(or_(v.is_("list"), v.is_("string")))
    return invalid, exists


_RANGE_OR_ARRAY_RE2 = (
    "^(\\s*\\[.*|[-|+]?[0-9]+(\\.[0-9]+)?[A-Za-z]*!?-[-|+]?[0-9]+(\\.[0-9]+)?[A-Za-z]*)$"
)


def _untranslated_text_guard(x: str, body: str) -> str:
    """A string value read at run time that Kyverno would parse as a range (`1-10`) or a JSON array is not
    interpreted here: the expression fails with an evaluation error instead of giving a wrong answer."""
    return f"{paren(x)}.matches({quote(_RANGE_OR_ARRAY_RE2)}) ? (int({x}) == 0) : {paren(body)}"


def _set_in_value(keys: _Items, v: Operand, names: _Names, mode: str) -> str:
    """anySetExistsInArray / allSetExistsInArray for a list key; mode in any/anynot/all/allnot."""
    def quantifier(pred_for_key: Callable[[Operand], str]) -> str:
        if mode in ("any", "anynot"):
            return keys.exists(pred_for_key)
        return keys.all(pred_for_key)

    def over_values(values: _Items | list[str]) -> str:
        def key_matches(k: Operand) -> str:
            if isinstance(values, list):
                return or_(*[_both_match(Operand(static=True, value=x), k) for x in values])
            return values.exists(lambda item: _both_match(item, k))

        if mode == "any":
            return keys.exists(key_matches)
        if mode == "all":
            return keys.all(key_matches)
        if mode == "anynot":
            return keys.exists(lambda k: not_(key_matches(k)))
        return keys.all(lambda k: not_(key_matches(k)))  # allnot

    if v.static_kind() == "list":
        return over_values(_Items(v, names))
    if v.static and v.static_kind() in ("number", "bool"):
        if mode in ("all", "allnot"):
            return "false"  # allSetExistsInArray: invalid type
        return over_values([go_sprint(v.value)])
    if v.static and isinstance(v.value, str):
        single = keys.op.static and len(keys.op.value) == 1 and go_sprint(keys.op.value[0]) == v.value
        if single:
            return const(mode in ("any", "all"))
        if _in_range(v):
            pattern = v.value.replace("-", "!-", 1) if mode == "anynot" else v.value
            if mode == "any":
                return keys.exists(lambda k: _range_check(k, pattern))
            if mode == "anynot":
                return keys.exists(lambda k: _range_check(k, pattern))
            if mode == "all":
                return keys.all(lambda k: _range_check(k, pattern))
            return keys.all(lambda k: not_(_range_check(k, pattern)))
        status, items = _string_value_list(v)
        if status == "invalid":
            return "false"
        return over_values(items)
    if v.static:
        return "false"
    if v.seq is not None:
        return and_(v.seq.valid, over_values(_Items(v, names)))
    # dynamic value: list (the common case) or a scalar
    x = v.cel
    list_case = over_values(_Items(Operand(static=False, expr=x, kind="list"), names))
    if mode in ("any", "anynot"):
        scalar_case = and_(or_(v.is_("number"), v.is_("bool")),
                           over_values(_Items(Operand(static=False, expr=f"[{x}]", kind="list"), names)))
    else:
        scalar_case = "false"
    string_case = and_(v.is_("string"), _untranslated_text_guard(
        x, over_values(_Items(Operand(static=False, expr=f"[{x}]", kind="list"), names))))
    return cond(v.is_("list"), list_case, or_(scalar_case, string_case))


def _in_family(op: str, k: Operand, v: Operand, names: _Names) -> str:
    mode = {"anyin": "any", "allin": "all", "anynotin": "anynot", "allnotin": "allnot"}[op]
    negate = mode in ("anynot", "allnot")
    # scalar key -> string
    scalar = or_(k.is_("string"), k.is_("number"), k.is_("bool"))
    results = []
    if scalar != "false":
        key = _sprint_operand(k) if k.static or k.is_("string") != "true" else k
        invalid, exists = _key_in_value(key, v, names, strict_json=False)
        body = and_(not_(invalid), not_(exists) if negate else exists)
        results.append(and_(scalar, body))
    if k.is_("list") != "false":
        keys = _Items(k, names)
        results.append(and_(k.is_("list"), _set_in_value(keys, v, names, mode)))
    return or_(*results)


def _legacy_in(op: str, k: Operand, v: Operand, names: _Names) -> str:
    """The deprecated In / NotIn: exact set membership, string elements only."""
    negate = op == "notin"
    results = []
    scalar = or_(k.is_("string"), k.is_("number"), k.is_("bool"))
    if scalar != "false":
        key = _sprint_operand(k) if k.static or k.is_("string") != "true" else k
        invalid, exists = _key_in_value(key, v, names, strict_json=True)
        results.append(and_(scalar, not_(invalid), not_(exists) if negate else exists))
    if k.is_("list") != "false":
        results.append(_guard(k.is_("list"), lambda: _legacy_set(op, k, v, names)))
    return or_(*results)


def _legacy_set(op: str, k: Operand, v: Operand, names: _Names) -> str:
    """setExistsInArray: every key element must be a string; In = all keys in the set, NotIn = some key is not."""
    negate = op == "notin"
    if k.static and not all(isinstance(x, str) for x in k.value):
        raise Unsupported(f"deprecated operator {op} with non-string list elements (Kyverno panics)")
    if not v.static:
        items = _Items(k, names)
        x = v.cel
        y = names.fresh()
        strings = items.all_raw(lambda e: f"type({e}) == string")
        member = lambda e: f"{paren(x)}.exists({y}, dyn({y}) == dyn({e}))"  # noqa: E731
        listed = items.all_raw(member) if not negate else items.exists_raw(lambda e: not_(member(e)))
        list_case = and_(v.is_("list"), f"{paren(x)}.all({y}, type({y}) == string)", strings, listed)
        string_case = and_(v.is_("string"), _untranslated_text_guard(
            x, items.size_is_one_and_equals_expr(x)))
        return or_(list_case, string_case)
    if isinstance(v.value, str):
        if k.static and len(k.value) == 1 and k.value[0] == v.value:
            return "true"
        try:
            parsed = json.loads(v.value)
        except ValueError:
            return "false"
        if parsed is None:
            parsed = []
        if not (isinstance(parsed, list) and all(isinstance(x, str) for x in parsed)):
            return "false"
        members = parsed
        single = None if k.static else v.value
    elif isinstance(v.value, list):
        if not all(isinstance(x, str) for x in v.value):
            return "false"
        members, single = v.value, None
    else:
        return "false"
    if k.static:
        inside = all(x in members for x in k.value)
        return const(not inside if negate else inside)
    items = _Items(k, names)
    strings = items.all_raw(lambda x: f"type({x}) == string")
    in_set = (lambda x: f"{x} in {literal(members)}") if members else (lambda x: "false")
    result = items.all_raw(in_set) if not negate else items.exists_raw(lambda x: not_(in_set(x)))
    body = and_(strings, result)
    if single is not None:
        body = or_(and_(items.size_is_one_and_equals(single)), body)
    return body


# ---------------------------------------------------------------------------------------------------- entry points


def condition_to_cel(condition: dict, scope: Scope, names: _Names | None = None) -> str:
    """CEL bool for one Kyverno condition {key, operator, value}."""
    names = names or _Names()
    if not isinstance(condition, dict):
        raise Unsupported("condition is not a map")
    op = str(condition.get("operator", "")).lower()
    k = _operand(condition.get("key"), scope)
    v = _operand(condition.get("value"), scope)
    bindings: list[tuple[str, str]] = []
    for side in (k, v):
        if not side.static and side.seq is None and not _is_simple(side._expr):
            var = names.fresh()
            bindings.append((var, side._expr))
            side._expr = var
    body = _operator(op, condition, k, v, names)
    for var, expr in reversed(bindings):
        if var in body:
            body = f"[dyn({expr})].map({var}, {body})[0]"
    return body


def _is_simple(expr: str) -> bool:
    return re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", expr) is not None


def _operator(op: str, condition: dict, k: Operand, v: Operand, names: _Names) -> str:
    if op in ("equal", "equals"):
        return _equals(k, v, negate=False)
    if op in ("notequal", "notequals"):
        return _equals(k, v, negate=True)
    if op in ("anyin", "allin", "anynotin", "allnotin"):
        return _in_family(op, k, v, names)
    if op in ("in", "notin"):
        return _legacy_in(op, k, v, names)
    if op in _NUMERIC:
        return _numeric(k, v, _NUMERIC[op])
    if op in _DURATION_OPS:
        return _duration_op(k, v, _DURATION_OPS[op])
    raise Unsupported(f"condition operator {condition.get('operator')!r}")


def conditions_to_cel(conditions: Any, scope: Scope) -> str:
    """CEL bool, true when the conditions block holds (any/all map, a list of such maps, or the legacy list = all)."""
    names = _Names()
    if conditions is None:
        return "true"
    if isinstance(conditions, list):
        if all(isinstance(c, dict) and ("any" in c or "all" in c) and "key" not in c for c in conditions) and conditions:
            return and_(*[conditions_to_cel(c, scope) for c in conditions])
        return str(and_(*[condition_to_cel(c, scope, names) for c in conditions]))
    if not isinstance(conditions, dict):
        raise Unsupported("conditions block is neither a list nor an any/all map")
    any_part = "true"
    if conditions.get("any") is not None and not isinstance(conditions.get("any"), list):
        raise Unsupported("conditions `any` is not a list")
    if conditions.get("any") is not None:
        any_part = or_(*[condition_to_cel(c, scope, names) for c in conditions["any"]])
    all_part = and_(*[condition_to_cel(c, scope, names) for c in (conditions.get("all") or [])])
    return str(and_(any_part, all_part))

