"""Kyverno validate `pattern` / `anyPattern` -> CEL.

The translation follows Kyverno's matcher (pkg/engine/validate/validate.go, pkg/engine/anchor/handlers.go,
pkg/engine/pattern/pattern.go) node by node. Every node has three outcomes, as in Kyverno:

    pass, skip (a conditional or global anchor did not hold: the rule does not apply), fail.

Each node becomes a pair of CEL booleans (fail, skip), never both true. Kyverno's ordering rules are kept: anchors
of one map are handled before its other keys, conditional anchors first; keys holding nested anchors are visited
before plain keys (in reverse key order), and the first key that does not pass decides. A pattern passes for the
VAP when it does not fail (a skipped rule allows the request).

Resources are untyped JSON in CEL, so every access is guarded with has()/type() checks: a missing field takes the
path Kyverno takes for a nil value and never raises an evaluation error.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from migrator.translate.cel_literal import literal, quote
from migrator.translate.kyverno.expr_values import (
    DURATION_RE2,
    and_,
    compare_static,
    cond,
    const,
    duration_literal,
    format_float_e,
    field,
    glob_cel,
    has_field,
    has_wildcard,
    int_vs_rational,
    is_type,
    not_,
    or_,
    paren,
    parse_go_duration,
    parse_quantity,
    wildcard_match,
)
from migrator.translate.kyverno.scope import Scope, Unsupported

__all__ = ["pattern_to_cel", "any_pattern_to_cel", "pattern_status", "Status", "validate_nil", "string_value_cel"]


# ---------------------------------------------------------------------------------------------------- anchors

_ANCHOR_RE = re.compile(r"^([+<=X^])?\((.+)\)$")

CONDITION, GLOBAL, NEGATION, ADD, EQUALITY, EXISTENCE = "", "<", "X", "+", "=", "^"


def parse_anchor(key: str) -> tuple[str, str] | None:
    """anchor.Parse: (modifier, key) or None for a plain key."""
    m = _ANCHOR_RE.match(key.strip())
    if not m:
        return None
    return (m.group(1) or "", m.group(2))


def has_nested_anchors(pattern: Any) -> bool:
    if isinstance(pattern, dict):
        for k, v in pattern.items():
            a = parse_anchor(k)
            if a is not None and a[0] in (CONDITION, EXISTENCE, EQUALITY, NEGATION, GLOBAL):
                return True
            if has_nested_anchors(v):
                return True
        return False
    if isinstance(pattern, list):
        return any(has_nested_anchors(v) for v in pattern)
    return False


# ---------------------------------------------------------------------------------------------------- statuses


@dataclass(frozen=True)
class Status:
    """CEL booleans for the two non-pass outcomes of a pattern node; "false" when impossible.

    `code`, when set, is one CEL int for the same node (0 pass, 1 skip, 2 fail): parents that take codes evaluate
    it once instead of repeating the fail and skip expressions (which grows with every level of anchors)."""

    fail: str = "false"
    skip: str = "false"
    code: str | None = None

    @property
    def passes(self) -> str:
        return and_(not_(self.fail), not_(self.skip))

    @property
    def not_passes(self) -> str:
        return or_(self.fail, self.skip)


# beyond this many characters of fail+skip, a node that can be skipped is encoded as an int code
COMPACT_THRESHOLD = 1500


def _coded(code: str) -> Status:
    return Status(fail=f"{paren(code)} == 2", skip=f"{paren(code)} == 1", code=code)


def code_of(st: Status) -> str:
    """CEL int 0 pass / 1 skip / 2 fail for a node."""
    if st.code is not None:
        return st.code
    if st.fail == "true":
        return "2"
    if st.skip == "false":
        return "0" if st.fail == "false" else f"{paren(st.fail)} ? 2 : 0"
    if st.fail == "false":
        return "1" if st.skip == "true" else f"{paren(st.skip)} ? 1 : 0"
    return f"{paren(st.fail)} ? 2 : ({paren(st.skip)} ? 1 : 0)"


def _not_passing(st: Status) -> str:
    """CEL bool: the node skipped or failed (its code evaluated once when it has one)."""
    return f"{paren(st.code)} != 0" if st.code is not None else st.not_passes


def _big(st: Status) -> bool:
    return st.code is not None or (st.skip != "false" and len(st.fail) + len(st.skip) > COMPACT_THRESHOLD)


@dataclass(frozen=True)
class _Ref:
    """A resource value: CEL expression plus a CEL guard telling whether the key is present at all."""

    expr: str
    present: str = "true"


class _Names:
    def __init__(self, scope: Scope | None = None) -> None:
        self._counter = itertools.count()
        self.scope = scope or Scope()

    def fresh(self) -> str:
        return f"pe{next(self._counter)}"


# ---------------------------------------------------------------------------------------------------- operators

_IN_RANGE = re.compile(r"^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$")
_NOT_IN_RANGE = re.compile(r"^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$")
_GO_SPACE = " \t\n\v\f\r\u0085\u00a0"


def operator_of(pattern: str) -> str:
    """operator.GetOperatorFromStringPattern."""
    if len(pattern) < 2:
        return ""
    for op in (">=", "<=", ">", "<", "!"):
        if pattern.startswith(op):
            return op
    if _NOT_IN_RANGE.match(pattern):
        return "!-"
    if _IN_RANGE.match(pattern):
        return "-"
    return ""


_CEL_OP = {"": "==", "!": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
_FLOAT_RE2 = "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$"


# ---------------------------------------------------------------------------------------------------- leaf values (static nil)


def validate_nil(pattern: Any) -> bool:
    """pattern.Validate(nil, pattern): what Kyverno answers for a missing or null resource value."""
    if pattern is None:
        return True
    if isinstance(pattern, str):
        return any(
            all(_string_condition_nil(c.strip(" ")) for c in alt.strip(" ").split("&")) for alt in pattern.split("|")
        )
    return False


def _string_condition_nil(condition: str) -> bool:
    op = operator_of(condition)
    if op == "-":
        m = _IN_RANGE.match(condition)
        return bool(m) and _string_condition_nil(f">= {m.group(1)}") and _string_condition_nil(f"<= {m.group(2)}")
    if op == "!-":
        m = _NOT_IN_RANGE.match(condition)
        return bool(m) and (_string_condition_nil(f"< {m.group(1)}") or _string_condition_nil(f"> {m.group(2)}"))
    operand = condition[len(op):].strip(_GO_SPACE)
    # convertNumberToString(nil) == "0": a nil value compares as the duration 0 or the quantity 0.
    dur = parse_go_duration(operand)
    if dur is not None:
        return compare_static(Fraction(0), dur, _CEL_OP[op])
    qty = parse_quantity(operand)
    if qty is not None:
        return compare_static(Fraction(0), qty, _CEL_OP[op])
    return False


# ---------------------------------------------------------------------------------------------------- leaf values (CEL)


def leaf_cel(v: str, pattern: Any) -> str:
    """CEL bool for pattern.Validate(v, pattern); `v` is a CEL expression of any JSON type, possibly null."""
    nil = validate_nil(pattern)
    if isinstance(pattern, bool):
        body = and_(is_type(v, "bool"), paren(v) if pattern else not_(v))
    elif isinstance(pattern, (int, float)):
        body = _number_cel(v, float(pattern))
    elif pattern is None:
        body = or_(
            and_(is_type(v, "int"), f"{paren(v)} == 0"),
            and_(is_type(v, "double"), f"{paren(v)} == 0.0"),
            and_(is_type(v, "string"), f'{paren(v)} == ""'),
            and_(is_type(v, "bool"), not_(v)),
        )
    elif isinstance(pattern, str):
        body = string_value_cel(v, pattern)
    else:
        body = "false"
    return or_(is_type(v, "null_type"), body) if nil else body


def _number_cel(v: str, p: float) -> str:
    """validateFloatPattern (Kyverno decodes pattern numbers from JSON as float64)."""
    terms = []
    if p == int(p) and abs(p) < 2**63:
        terms.append(and_(is_type(v, "int"), f"{paren(v)} == {int(p)}"))
    terms.append(and_(is_type(v, "double"), f"{paren(v)} == {literal(p)}"))
    terms.append(and_(is_type(v, "string"), f"{paren(v)}.matches({quote(_FLOAT_RE2)})", f"double({v}) == {literal(p)}"))
    return or_(*terms)


def string_value_cel(v: str, pattern: str) -> str:
    """validateStringPatterns: `|` alternatives of `&` conjunctions of operator conditions."""
    alternatives = []
    for alt in pattern.split("|"):
        alt = alt.strip(" ")
        alternatives.append(and_(*[_string_condition_cel(v, c.strip(" ")) for c in alt.split("&")]))
    result = or_(*alternatives)
    if any(ch in pattern for ch in "|&<>!- ") and result != "true":
        result = or_(and_(is_type(v, "string"), f"{paren(v)} == {quote(pattern)}"), result)
    return result


def _string_condition_cel(v: str, condition: str) -> str:
    op = operator_of(condition)
    if op == "-":
        m = _IN_RANGE.match(condition)
        if not m:
            return "false"
        return and_(_string_condition_cel(v, f">= {m.group(1)}"), _string_condition_cel(v, f"<= {m.group(2)}"))
    if op == "!-":
        m = _NOT_IN_RANGE.match(condition)
        if not m:
            return "false"
        return or_(_string_condition_cel(v, f"< {m.group(1)}"), _string_condition_cel(v, f"> {m.group(2)}"))
    operand = condition[len(op):].strip(_GO_SPACE)
    return _validate_string_cel(v, operand, _CEL_OP[op])


def _validate_string_cel(v: str, operand: str, op: str) -> str:
    """validateString: duration comparison, else quantity comparison, else wildcard string comparison."""
    qty = parse_quantity(operand)
    # Numbers always convert to a quantity string, so they reach compareString only when the operand is no quantity.
    result = _compare_string_cel(v, operand, op, numbers=qty is None)
    if qty is not None:
        qlit = f"quantity({quote(operand)})"
        result = cond(
            and_(is_type(v, "string"), f"isQuantity({v})"),
            f"quantity({v}).compareTo({qlit}) {op} 0",
            cond(
                is_type(v, "int"),
                int_vs_rational(paren(v), qty, op),
                # convertNumberToString formats a float with %f; compared as a double here.
                cond(is_type(v, "double"), f"{paren(v)} {op} {literal(float(qty))}", result),
            ),
        )
    dur = parse_go_duration(operand)
    if dur is not None:
        result = cond(
            and_(is_type(v, "string"), f"{paren(v)}.matches({quote(DURATION_RE2)})"),
            f"duration({v}) {op} {duration_literal(dur)}",
            cond(and_(is_type(v, "int"), f"{paren(v)} == 0"), const(compare_static(Fraction(0), dur, op)), result),
        )
    return result


_FLOAT_TEXT_CHARS = set("0123456789.E+-")


def _compare_string_cel(v: str, operand: str, op: str, numbers: bool = True) -> str:
    """compareString: only = and ! apply; the value is rendered as Go renders it, then wildcard-matched."""
    if op not in ("==", "!="):
        return "false"
    negate = op == "!="

    def term(type_name: str, match: str) -> str:
        return and_(is_type(v, type_name), not_(match) if negate else match)

    terms = [term("string", glob_cel(v, operand))]
    terms.append(
        term("bool", cond(v, const(wildcard_match(operand, "true")), const(wildcard_match(operand, "false"))))
    )
    if numbers:
        literal_chars = set(operand) - {"*", "?"}
        if literal_chars <= set("0123456789-"):
            terms.append(term("int", glob_cel(f"string({v})", operand)))
        else:
            terms.append(term("int", "false"))
        terms.append(term("double", _float_text_match(v, operand)))
    return or_(*terms)


def _float_text_match(v: str, operand: str) -> str:
    """wildcard.Match(operand, strconv.FormatFloat(v, 'E', -1, 64)) for a double v."""
    literal_chars = set(operand) - {"*", "?"}
    if not has_wildcard(operand):
        try:
            number = float(operand)
        except ValueError:
            return "false"
        if format_float_e(number) == operand:
            return f"{paren(v)} == {literal(number)}"
        return "false"
    if not literal_chars <= _FLOAT_TEXT_CHARS:
        return "false"
    if operand.startswith("*") and operand.endswith("*") and len(operand.strip("*")) == 1:
        # `*c*` on strconv.FormatFloat(v, 'E', -1, 64): "E" always, "+"/"-" from the exponent's and value's sign
        c = operand.strip("*")
        if c == "E":
            return "true"
        if c == "+":
            return f"{paren(v)} == 0.0 || {paren(v)} >= 1.0 || {paren(v)} <= -1.0"
        if c == "-":
            return f"{paren(v)} < 0.0 || ({paren(v)} != 0.0 && {paren(v)} > -1.0 && {paren(v)} < 1.0)"
    if not literal_chars:
        n = operand.count("?")
        if "*" in operand and n <= 5:
            return "true"  # the %E text of a double has at least 5 runes ("1E+00")
        if "*" not in operand and n < 5:
            return "false"
    raise Unsupported(
        f"wildcard value {operand!r} compared with a floating-point field (Kyverno matches it against the "
        "number's %E text)"
    )


# ---------------------------------------------------------------------------------------------------- structure


def _check_static_string(value: Any, where: str) -> None:
    if isinstance(value, str) and ("{{" in value or "$(" in value):
        raise Unsupported(f"variable or reference {value!r} inside a pattern ({where})")


def _node(ref: _Ref, pattern: Any, names: _Names, ctx: str = "") -> Status:
    """validateResourceElement."""
    v = ref.expr
    if isinstance(pattern, dict):
        guard = and_(ref.present, is_type(v, "map"))
        inner = _map(v, pattern, names, ctx)
        if inner.code is not None:
            return _coded(inner.code if guard == "true" else f"{paren(guard)} ? ({inner.code}) : 2")
        return Status(fail=or_(not_(guard), inner.fail), skip=and_(guard, inner.skip))
    if isinstance(pattern, list):
        guard = and_(ref.present, is_type(v, "list"))
        if not pattern:
            return Status(fail="true")
        first = pattern[0]
        if isinstance(first, dict):
            e = names.fresh()
            st = _node(_Ref(e), first, names)
            if _big(st):
                codes, x = names.fresh(), names.fresh()
                summary = (f"[{paren(v)}.map({e}, {code_of(st)})].map({codes}, {codes}.exists({x}, {x} == 2) ? 2 : "
                           f"(size({codes}) > 0 && {codes}.all({x}, {x} == 1) ? 1 : 0))[0]")
                return _coded(summary if guard == "true" else f"{paren(guard)} ? {summary} : 2")
            any_fail = "false" if st.fail == "false" else f"{paren(v)}.exists({e}, {st.fail})"
            skip = "false"
            if st.skip != "false":
                skip = and_(guard, not_(any_fail), f"size({v}) > 0", f"{paren(v)}.all({e}, {st.skip})")
            return Status(fail=or_(not_(guard), any_fail), skip=skip)
        if first is None or isinstance(first, (str, int, float, bool)):
            _check_static_string(first, "array value")
            e = names.fresh()
            ok = leaf_cel(e, first)
            return Status(fail=or_(not_(guard), "false" if ok == "true" else f"{paren(v)}.exists({e}, {not_(ok)})"))
        # nested arrays: element-wise against the pattern's positions
        n = len(pattern)
        statuses = [_node(_Ref(f"{paren(v)}[{i}]"), p, names) for i, p in enumerate(pattern)]
        length_ok = and_(guard, f"size({v}) >= {n}")
        any_fail = or_(*[s.fail for s in statuses])
        all_skip = and_(*[s.skip for s in statuses])
        return Status(fail=or_(not_(length_ok), any_fail), skip=and_(length_ok, not_(any_fail), all_skip))
    if isinstance(pattern, str) and "{{" in pattern and "$(" not in pattern:
        return _dynamic_scalar_node(ref, pattern, names)
    if pattern is None or isinstance(pattern, (str, int, float, bool)):
        _check_static_string(pattern, "value")
        e = names.fresh()
        elem_ok = leaf_cel(e, pattern)
        list_ok = "true" if elem_ok == "true" else f"{paren(v)}.all({e}, {elem_ok})"
        ok = cond(ref.present, cond(is_type(v, "list"), list_ok, leaf_cel(v, pattern)), const(validate_nil(pattern)))
        return Status(fail=not_(ok))
    raise Unsupported(f"pattern value of type {type(pattern).__name__}")


_DYNAMIC_OPERATORS_RE2 = (
    "^[ ]*(<|>|!)|[|&]|^[ ]*[-+]?[0-9]+([.][0-9]+)?[A-Za-z]*!?-[-+]?[0-9]+([.][0-9]+)?[A-Za-z]*[ ]*$"
)


def _dynamic_scalar_node(ref: _Ref, pattern: str, names: _Names) -> Status:
    """A pattern value holding `{{ }}` variables: Kyverno substitutes first, then reads the result as a pattern.

    The substituted value is bound once; a string result holding pattern operators (`|`, `&`, `<`, `>`, `!`,
    ranges) fails the evaluation instead of being read as a plain value."""
    from migrator.translate.kyverno import jmespath as jp

    pp = names.fresh()
    source = jp.substitute(pattern, names.scope)
    v = ref.expr
    e = names.fresh()
    elem_ok = _dynamic_leaf(e, pp)
    list_ok = f"{paren(v)}.all({e}, {elem_ok})"
    ok = cond(ref.present, cond(is_type(v, "list"), list_ok, _dynamic_leaf(v, pp)), _dynamic_leaf("dyn(null)", pp))
    return Status(fail=f"[dyn({source})].map({pp}, {not_(ok)})[0]")


def _dynamic_leaf(v: str, pp: str) -> str:
    """pattern.Validate(v, pp) with the pattern known only at run time (null, bool, number or plain string)."""
    from migrator.translate.kyverno.conditions import _dynamic_glob

    is_null = f"type({v}) == null_type"
    num = f"double({pp})"
    number = or_(
        and_(is_type(v, "int"), f"double({v}) == {num}"),
        and_(is_type(v, "double"), f"{v} == {num}"),
        and_(is_type(v, "string"), f"{v}.matches({quote(_FLOAT_RE2)})", f"double({v}) == {num}"),
    )
    nil_pattern = or_(is_null, and_(is_type(v, "int"), f"{v} == 0"), and_(is_type(v, "double"), f"{v} == 0.0"),
                      and_(is_type(v, "string"), f'{v} == ""'), and_(is_type(v, "bool"), f"!{v}"))
    pp_dur = f"{pp}.matches({quote(DURATION_RE2)})"
    v_dur = or_(and_(is_type(v, "string"), f"{v}.matches({quote(DURATION_RE2)})"),
                and_(is_type(v, "int"), f"{v} == 0"), is_null)
    v_dur_value = (f"(type({v}) == string ? duration({v}) : duration(\"0s\"))")
    v_qty = or_(and_(is_type(v, "string"), f"isQuantity({v})"), is_type(v, "int"), is_type(v, "double"), is_null)
    v_qty_value = (f"(type({v}) == string ? quantity({v}) : (type({v}) == null_type ? quantity(\"0\") : "
                   f"quantity(string({v}))))")
    text = (f"(type({v}) == string ? {v} : (type({v}) == bool ? ({v} ? \"true\" : \"false\") : string({v})))")
    string_compare = and_(or_(is_type(v, "string"), is_type(v, "bool"), is_type(v, "int")), _dynamic_glob(pp, text))
    string_pattern = cond(
        f"{pp}.matches({quote(_DYNAMIC_OPERATORS_RE2)})", f"int({pp}) == 0",
        or_(and_(is_type(v, "string"), f"{v} == {pp}"),
            cond(and_(pp_dur, v_dur), f"{v_dur_value} == duration({pp})",
                 cond(and_(f"isQuantity({pp})", v_qty), f"{v_qty_value}.compareTo(quantity({pp})) == 0",
                      string_compare))))
    return (f"type({pp}) == null_type ? {paren(nil_pattern)} : (type({pp}) == bool ? "
            f"({is_type(v, 'bool')} && {v} == {pp}) : ((type({pp}) == int || type({pp}) == double) ? "
            f"{paren(number)} : (type({pp}) == string ? {paren(string_pattern)} : int(string({pp})) == 0)))")


def _map(m: str, pattern: dict, names: _Names, ctx: str) -> Status:
    """validateMap: anchors first (conditional ones decide skip), then the other keys in Kyverno's order."""
    for key in pattern:
        if not isinstance(key, str):
            raise Unsupported(f"pattern key {key!r} is not a string")
        _check_static_string(key, "key")

    anchors: dict[str, tuple[str, str, Any]] = {}
    resources: dict[str, tuple[str | None, str, Any]] = {}
    for key, value in pattern.items():
        a = parse_anchor(key)
        if a is not None and a[0] in (CONDITION, EXISTENCE, EQUALITY, NEGATION):
            anchors[key] = (a[0], a[1], value)
        elif a is not None and a[0] == GLOBAL:
            resources[key] = (GLOBAL, a[1], value)
        elif a is not None and a[0] == ADD:
            raise Unsupported(f"add-if-not-present anchor {key!r} in a validate pattern")
        else:
            resources[key] = (None, key, value)

    wildcard_keys = ctx == "metadata-tag"
    if wildcard_keys:
        for key, value in pattern.items():
            if not isinstance(value, str):
                raise Unsupported(
                    f"non-string value for {key!r} under metadata labels/annotations (Kyverno drops it when expanding "
                    "wildcard keys)"
                )
            anchor = parse_anchor(key)
            if has_wildcard(key) and anchor is not None and anchor[0] not in (NEGATION, EQUALITY, CONDITION):
                raise Unsupported(f"anchored wildcard key {key!r} under metadata labels/annotations")

    def child_ctx(name: str) -> str:
        if name == "metadata":
            return "metadata"
        if ctx == "metadata" and name in ("labels", "annotations"):
            return "metadata-tag"
        return ""

    # Phase 1: anchors, sorted by key (conditional "(" sorts before "=(", "X(", "^(").
    cond_skips: list[str] = []
    other_fails: list[str] = []
    for key in sorted(anchors):
        kind, name, value = anchors[key]
        if wildcard_keys and has_wildcard(name):
            # ExpandInMetadata: the anchor applies to a resource key matching the wildcard (any, when several do)
            k = names.fresh()
            match = glob_cel(k, name)
            present = f"{paren(m)}.exists({k}, {match})"
            all_ok = f"{paren(m)}.all({k}, {or_(not_(match), leaf_cel(f'{paren(m)}[{k}]', value))})"
            if kind == NEGATION:
                other_fails.append(present)
            elif kind == EQUALITY:
                other_fails.append(and_(present, not_(all_ok)))
            else:
                cond_skips.append(or_(not_(present), not_(all_ok)))
            continue
        present = has_field(m, name)
        child = field(m, name)
        if kind == NEGATION:
            other_fails.append(present)
            continue
        if kind == EXISTENCE:
            if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
                raise Unsupported(f"existence anchor {key!r} whose value is not a list of maps")
            e = names.fresh()
            found = [f"{paren(child)}.exists({e}, {_node(_Ref(e), p, names).passes})" for p in value]
            other_fails.append(and_(present, or_(not_(is_type(child, "list")), not_(and_(*found)))))
            continue
        st = _node(_Ref(child), value, names, child_ctx(name))
        if kind == CONDITION:
            cond_skips.append(or_(not_(present), _not_passing(st)))
        elif kind == EQUALITY:
            if st.skip != "false":
                # a skip from inside an equality anchor only decides when it is the map's sole anchor (then
                # applyCount == 0 and validateMap returns the skip); with siblings it depends on error types
                if len(anchors) != 1:
                    raise Unsupported(f"conditional or global anchors nested under equality anchor {key!r} "
                                      "next to other anchors")
                cond_skips.append(and_(present, st.skip))
            other_fails.append(and_(present, st.fail))
    a_skip = or_(*cond_skips)
    a_fail = and_(not_(a_skip), or_(*other_fails)) if other_fails else "false"

    # Phase 2: other keys; global anchors and keys holding anchors first (reverse order), then plain keys.
    front: list[str] = []
    back: list[str] = []
    for key in sorted(resources):
        kind, name, value = resources[key]
        if kind == GLOBAL or has_nested_anchors(value):
            front.insert(0, key)
        else:
            back.append(key)
    statuses: list[Status] = []
    for key in front + back:
        kind, name, value = resources[key]
        if wildcard_keys and has_wildcard(name):
            statuses.append(_wildcard_key(m, name, value, names))
            continue
        present = has_field(m, name)
        child = field(m, name)
        if kind == GLOBAL:
            st = _node(_Ref(child), value, names, child_ctx(name))
            statuses.append(Status(skip=and_(present, _not_passing(st))))
        elif value == "*":
            statuses.append(Status(fail=not_(and_(present, f"type({child}) != null_type"))))
        else:
            statuses.append(_node(_Ref(child, present), value, names, child_ctx(name)))
    r_skip_terms = []
    for i, st in enumerate(statuses):
        if st.skip != "false":
            r_skip_terms.append(and_(st.skip, *[s.passes for s in statuses[:i]]))
    r_skip = or_(*r_skip_terms)
    r_fail = and_(or_(*[s.fail for s in statuses]), not_(r_skip))

    skip = or_(a_skip, and_(not_(a_fail), r_skip))
    fail = or_(a_fail, and_(not_(a_skip), r_fail))
    result = Status(fail=fail, skip=skip)
    if not _big(result) and not any(st.code is not None for st in statuses):
        return result
    # one int per key, each evaluated once: anchors decide first, then the first key that does not pass
    codes, x = names.fresh(), names.fresh()
    first = (f"[[{', '.join(code_of(st) for st in statuses)}].filter({x}, {x} != 0)].map({codes}, "
             f"size({codes}) > 0 ? {codes}[0] : 0)[0]") if statuses else "0"
    anchors_fail = or_(*other_fails)
    code = first
    if anchors_fail != "false":
        code = f"{paren(anchors_fail)} ? 2 : ({code})"
    if a_skip != "false":
        code = f"{paren(a_skip)} ? 1 : ({code})"
    return _coded(code)


def _wildcard_key(labels: str, key: str, value: str, names: _Names) -> Status:
    """wildcards.ExpandInMetadata: a wildcard label/annotation key stands for a matching key of the resource.

    Kyverno picks one matching key (Go map order); when several keys match they are all required to pass here, so
    the answer only differs from Kyverno's where Kyverno's own answer depends on map iteration order.
    """
    k = names.fresh()
    matches = glob_cel(k, key)
    if value == "*":
        # defaultHandler: "*" only needs a non-null value under the chosen key
        value_ok = f"type({paren(labels)}[{k}]) != null_type"
    else:
        value_ok = leaf_cel(f"{paren(labels)}[{k}]", value)
    nil_ok = False if value == "*" else validate_nil(value)
    ok = cond(
        f"{paren(labels)}.exists({k}, {matches})",
        f"{paren(labels)}.all({k}, {or_(not_(matches), value_ok)})",
        const(nil_ok),
    )
    return Status(fail=not_(ok))


# ---------------------------------------------------------------------------------------------------- public API


def pattern_status(pattern: Any, subject: str, scope: Scope | None = None) -> Status:
    """The (fail, skip) CEL pair for `pattern` applied to the resource at CEL expression `subject`."""
    return _node(_Ref(subject), pattern, _Names(scope))


def pattern_to_cel(pattern: Any, subject: str, scope: Scope | None = None) -> str:
    """CEL bool, true when the resource at `subject` passes the validate pattern (a skipped rule passes)."""
    return str(not_(pattern_status(pattern, subject, scope).fail))


def any_pattern_to_cel(patterns: list, subject: str, scope: Scope | None = None) -> str:
    """CEL bool for anyPattern: passes when one pattern passes or when none fails (all skipped)."""
    if not isinstance(patterns, list):
        raise Unsupported("anyPattern is not a list")
    if not patterns:
        return "true"
    names = _Names(scope)
    statuses = [_node(_Ref(subject), p, names) for p in patterns]
    fail = and_(not_(or_(*[s.passes for s in statuses])), or_(*[s.fail for s in statuses]))
    return str(not_(fail))
