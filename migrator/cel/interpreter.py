"""Compile a checked CEL AST into nested Python closures (compile once, evaluate many).

Each node becomes `fn(act) -> value`; `act` is the per-evaluation activation dict (variables, comprehension
variables, and the remaining cost budget under COST). Errors are EvaluationError exceptions; `&&`, `||`,
`all` and `exists` absorb an error when another operand decides the result, as cel-go's interpreter does
(interpreter/interpretable.go evalAnd/evalOr, comprehension loop conditions).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import celpy
from celpy import celtypes

from migrator.cel import ast as A
from migrator.cel import runtime as R
from migrator.cel.errors import EvaluationError
from migrator.cel.types import NONE, OptionalValue, TypeValue, runtime_type_name

COST = "@cost"
Fn = Callable[[dict], Any]

_BoolType = celtypes.BoolType
_IntType = celtypes.IntType
_MapType = celtypes.MapType
_ListType = celtypes.ListType
_MISSING = object()
TRUE, FALSE = R.TRUE, R.FALSE


class MapBoolKey(celtypes.BoolType):
    """A bool map key that does not collide with the int keys 1 and 0 (`{true: 'a', 1: 'b'}` has two entries
    in CEL; Python's dict would merge them since True == 1)."""

    def __new__(cls, value: Any) -> "MapBoolKey":
        return int.__new__(cls, 1 if value else 0)

    def __hash__(self) -> int:
        return hash(("cel-bool-key", int(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, celtypes.BoolType) and int(self) == int(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)


class CostExceeded(EvaluationError):
    pass


def _charge(act: dict, amount: int) -> None:
    budget = act[COST]
    budget[0] -= amount
    if budget[0] < 0:
        raise CostExceeded("operation cancelled: actual cost limit exceeded")


def node_count(e: A.Expr | None) -> int:
    if e is None:
        return 0
    if isinstance(e, A.Const) or isinstance(e, A.Ident):
        return 1
    if isinstance(e, A.Select):
        return 1 + node_count(e.operand)
    if isinstance(e, A.Call):
        return 1 + node_count(e.target) + sum(node_count(a) for a in e.args)
    if isinstance(e, A.CreateList):
        return 1 + sum(node_count(x) for x in e.elements)
    if isinstance(e, A.CreateMap):
        return 1 + sum(node_count(x.key) + node_count(x.value) for x in e.entries)
    if isinstance(e, A.Comprehension):
        return 1 + node_count(e.iter_range) + node_count(e.predicate) + node_count(e.transform)
    return 1


def _is_false(v: Any) -> bool:
    return type(v) is _BoolType and not v


def _is_true(v: Any) -> bool:
    return type(v) is _BoolType and bool(v)


def const_value(e: A.Const) -> Any:
    k = e.kind
    v = e.value
    if k == "int":
        return int.__new__(_IntType, v)
    if k == "uint":
        return int.__new__(celtypes.UintType, v)
    if k == "double":
        return R.mk_double(v)
    if k == "string":
        return R.mk_string(v)
    if k == "bytes":
        return celtypes.BytesType(v)
    if k == "bool":
        return TRUE if v else FALSE
    return None


def _zero(v: Any) -> bool:
    k = R.kind(v)
    if k == R.K_NULL:
        return True
    if k in (R.K_BOOL, R.K_INT, R.K_UINT, R.K_DOUBLE):
        return not v
    if k in (R.K_STRING, R.K_BYTES, R.K_LIST, R.K_MAP):
        return len(v) == 0
    if k == R.K_DUR:
        return R.duration_ns(v) == 0
    if k == R.K_TS:  # Go's zero time.Time: 0001-01-01T00:00:00Z
        return R.timestamp_ns(v) == _ZERO_TIME_NS
    return False


_ZERO_TIME_NS = R.timestamp_ns(R._TS_MIN)


def _check_optional(v: Any, name: str) -> OptionalValue:
    if type(v) is not OptionalValue:
        raise R.no_overload(name, v)
    return v


def _opt_value(o: Any) -> Any:
    o = _check_optional(o, "value")
    if not o.present:
        raise EvaluationError("optional.none() dereference")
    return o.value


def _list(v: Any, name: str) -> Any:
    if R.kind(v) != R.K_LIST:
        raise R.no_overload(name, v)
    return v


def _unwrap(v: Any) -> Any:
    out = []
    for o in _list(v, "unwrapOpt"):
        if _check_optional(o, "unwrapOpt").present:
            out.append(o.value)
    return _ListType(out)


# Built-in functions: (name, member) -> callable(*args). Library overloads are tried first.
def _builtins() -> dict[tuple[str, bool], Callable[..., Any]]:
    b: dict[tuple[str, bool], Callable[..., Any]] = {}
    b[("size", False)] = R.size
    b[("size", True)] = R.size
    b[("contains", True)] = R.str_contains
    b[("startsWith", True)] = R.str_starts
    b[("endsWith", True)] = R.str_ends
    b[("matches", True)] = R.matches
    b[("matches", False)] = R.matches
    b[("int", False)] = R.to_int
    b[("uint", False)] = R.to_uint
    b[("double", False)] = R.to_double
    b[("string", False)] = R.to_string
    b[("bytes", False)] = R.to_bytes
    b[("bool", False)] = R.to_bool
    b[("timestamp", False)] = R.to_timestamp
    b[("duration", False)] = R.to_duration
    b[("dyn", False)] = lambda v: v
    b[("type", False)] = lambda v: TypeValue(runtime_type_name(v))
    for name in R.TIMESTAMP_GETTERS:
        ts_get = R.TIMESTAMP_GETTERS[name]
        dur_get = R.DURATION_GETTERS.get(name)

        def getter(target: Any, *tz: Any, _ts: Any = ts_get, _dur: Any = dur_get, _n: str = name) -> Any:
            k = R.kind(target)
            if k == R.K_TS:
                return _ts(target, *tz)
            if k == R.K_DUR and _dur is not None and not tz:
                return _dur(target)
            raise R.no_overload(_n, target, *tz)

        b[(name, True)] = getter
    b[("optional.of", False)] = lambda v: OptionalValue(v)
    b[("optional.ofNonZeroValue", False)] = lambda v: NONE if _zero(v) else OptionalValue(v)
    b[("optional.none", False)] = lambda: NONE
    b[("hasValue", True)] = lambda o: TRUE if _check_optional(o, "hasValue").present else FALSE
    b[("value", True)] = _opt_value
    # optional library version 2 (cel-go cel/library.go): first, last, optional.unwrap, unwrapOpt
    b[("first", True)] = lambda l: OptionalValue(l[0]) if _list(l, "first") else NONE
    b[("last", True)] = lambda l: OptionalValue(l[-1]) if _list(l, "last") else NONE
    b[("optional.unwrap", False)] = _unwrap
    b[("unwrapOpt", True)] = _unwrap
    return b


BUILTINS = _builtins()


class Compiler:
    """Turns a checked AST into closures; `refs` come from the checker's name resolution."""

    def __init__(self, refs: dict[int, tuple[str, Any]], registry: Any, types: dict[int, Any] | None = None) -> None:
        self.refs = refs
        self.registry = registry
        self.types = types or {}

    def compile(self, e: A.Expr) -> Fn:
        return getattr(self, "_" + type(e).__name__)(e)

    # -- leaves
    def _Const(self, e: A.Const) -> Fn:
        v = const_value(e)
        return lambda act: v

    def _Ident(self, e: A.Ident) -> Fn:
        ref = self.refs.get(id(e))
        if ref is not None and ref[0] == "type":
            tv = TypeValue(str(ref[1]) if not ref[1].params or ref[1].name not in ("list", "map", "optional_type")
                           else ref[1].name)
            return lambda act: tv
        name = ref[1] if ref is not None else e.name.lstrip(".")
        if name in ("authorizer", "authorizer.requestResource"):
            return _authorizer_ident(name)

        def ident(act: dict) -> Any:
            try:
                return act[name]
            except KeyError:
                raise EvaluationError(f"no such attribute: {name}") from None

        return ident

    def _Select(self, e: A.Select) -> Fn:
        ref = self.refs.get(id(e))
        if ref is not None:
            if ref[0] == "type":
                return self._type_ref(ref[1])
            return self._Ident(A.Ident(e.pos, ref[1]))
        operand = self.compile(e.operand)
        field = e.field
        if e.test_only:
            def has(act: dict) -> Any:
                o = operand(act)
                if type(o) is _MapType:
                    return TRUE if field in o else FALSE
                return TRUE if R.has_field(o, field)[0] else FALSE

            return has

        def select(act: dict) -> Any:
            o = operand(act)
            if type(o) is _MapType:
                v = dict.get(o, field, _MISSING)
                if v is not _MISSING:
                    return v
            return R.select(o, field)

        declared = self.types.get(id(e))
        if declared is not None and declared.name == "google.protobuf.Timestamp":
            # A schema-typed timestamp field (e.g. namespaceObject.metadata.creationTimestamp) arrives from JSON as
            # an RFC 3339 string; the API server's UnstructuredToVal converts `format: date-time` the same way.
            def select_timestamp(act: dict) -> Any:
                v = select(act)
                return R.to_timestamp(v) if R.kind(v) == R.K_STRING else v

            return select_timestamp
        return select

    def _type_ref(self, t: Any) -> Fn:
        tv = TypeValue(t.name if t.name in ("list", "map", "optional_type") else str(t))
        return lambda act: tv

    # -- literals
    def _CreateList(self, e: A.CreateList) -> Fn:
        elems = [self.compile(x) for x in e.elements]
        opt = e.optional_indices
        if all(isinstance(x, A.Const) for x in e.elements) and not opt:
            values = [f({}) for f in elems]
            return lambda act: _ListType(values)
        if not opt:
            return lambda act: _ListType([f(act) for f in elems])

        def create(act: dict) -> Any:
            out = []
            for i, f in enumerate(elems):
                v = f(act)
                if i in opt:
                    if type(v) is not OptionalValue:
                        raise EvaluationError("cannot initialize optional list element from non-optional value")
                    if v.present:
                        out.append(v.value)
                else:
                    out.append(v)
            return _ListType(out)

        return create

    def _CreateMap(self, e: A.CreateMap) -> Fn:
        entries = [(self.compile(x.key), self.compile(x.value), x.optional) for x in e.entries]

        def create(act: dict) -> Any:
            m = _MapType()
            for kf, vf, optional in entries:
                k = kf(act)
                kk = R.kind(k)
                if kk not in (R.K_STRING, R.K_INT, R.K_UINT, R.K_BOOL):
                    raise EvaluationError(f"unsupported key type: {runtime_type_name(k)}")
                v = vf(act)
                if optional:
                    if type(v) is not OptionalValue:
                        raise EvaluationError("cannot initialize optional entry from non-optional value")
                    if not v.present:
                        continue
                    v = v.value
                if R.map_lookup(m, k)[0]:
                    raise EvaluationError(f"Failed with repeated key: {R.format_key(k)}")
                if kk == R.K_BOOL:
                    k = MapBoolKey(k)
                dict.__setitem__(m, k, v)
            return m

        return create

    def _CreateStruct(self, e: A.CreateStruct) -> Fn:
        raise EvaluationError(f"unknown type: {e.type_name}")

    # -- calls
    def _Call(self, e: A.Call) -> Fn:
        fn = e.function
        special = getattr(self, "_op_" + _OP_NAMES.get(fn, "none"), None)
        if special is not None:
            return special(e)
        ref = self.refs.get(id(e))
        if ref is not None and ref[0] == "fn":
            return self._function(ref[1], False, [self.compile(a) for a in e.args])
        if e.target is not None:
            if fn in ("or", "orValue") and len(e.args) == 1:
                return self._optional_or(e)
            return self._function(fn, True, [self.compile(e.target)] + [self.compile(a) for a in e.args])
        return self._function(fn.lstrip("."), False, [self.compile(a) for a in e.args])

    def _function(self, name: str, member: bool, args: list[Fn]) -> Fn:
        overloads = self.registry.overloads(name, member) if self.registry is not None else []
        builtin = BUILTINS.get((name, member))
        if name == "string" and not member:
            builtin = R.to_string
        n = len(args)
        if not overloads:
            if builtin is None:
                def missing(act: dict) -> Any:
                    raise EvaluationError(f"no such overload: {name}")

                return missing
            if n == 1:
                a0 = args[0]
                return lambda act: builtin(a0(act))
            if n == 2:
                a0, a1 = args
                return lambda act: builtin(a0(act), a1(act))
            return lambda act: builtin(*[a(act) for a in args])
        candidates = [o for o in overloads if len(o.param_types) == n]
        normalize = R.normalize

        def call(act: dict) -> Any:
            values = tuple(a(act) for a in args)
            for bound in candidates:
                if bound.accepts(values):
                    try:
                        result = bound.overload.impl(*values)
                    except EvaluationError:
                        raise
                    except RecursionError:
                        raise EvaluationError("recursion limit exceeded") from None
                    except Exception as exc:  # library code: any failure is an evaluation error
                        raise EvaluationError(str(exc) or type(exc).__name__) from None
                    if isinstance(result, celpy.CELEvalError):
                        raise EvaluationError(str(result.args[0] if result.args else result))
                    return normalize(result)
            if builtin is not None:
                return builtin(*values)
            raise R.no_overload(name, *values)

        return call

    def _optional_or(self, e: A.Call) -> Fn:
        target = self.compile(e.target)  # type: ignore[arg-type]
        arg = self.compile(e.args[0])
        is_or = e.function == "or"

        def optional_or(act: dict) -> Any:
            o = _check_optional(target(act), e.function)
            if o.present:
                return o if is_or else o.value
            v = arg(act)
            if is_or:
                return _check_optional(v, "or")
            return v

        return optional_or

    def _op_and(self, e: A.Call) -> Fn:
        left, right = (self.compile(a) for a in e.args)

        def and_(act: dict) -> Any:
            lerr = None
            try:
                lv = left(act)
            except EvaluationError as exc:
                if isinstance(exc, CostExceeded):
                    raise
                lerr = exc
                lv = None
            else:
                if type(lv) is _BoolType and not lv:
                    return FALSE
            try:
                rv = right(act)
            except EvaluationError:
                if lerr is not None:
                    raise lerr from None
                raise
            if type(rv) is _BoolType:
                if not rv:
                    return FALSE
                if lerr is not None:
                    raise lerr
                if type(lv) is _BoolType:
                    return TRUE
                raise R.no_overload("_&&_", lv, rv)
            if lerr is not None:
                raise lerr
            raise R.no_overload("_&&_", lv, rv)

        return and_

    def _op_or(self, e: A.Call) -> Fn:
        left, right = (self.compile(a) for a in e.args)

        def or_(act: dict) -> Any:
            lerr = None
            try:
                lv = left(act)
            except EvaluationError as exc:
                if isinstance(exc, CostExceeded):
                    raise
                lerr = exc
                lv = None
            else:
                if type(lv) is _BoolType and lv:
                    return TRUE
            try:
                rv = right(act)
            except EvaluationError:
                if lerr is not None:
                    raise lerr from None
                raise
            if type(rv) is _BoolType:
                if rv:
                    return TRUE
                if lerr is not None:
                    raise lerr
                if type(lv) is _BoolType:
                    return FALSE
                raise R.no_overload("_||_", lv, rv)
            if lerr is not None:
                raise lerr
            raise R.no_overload("_||_", lv, rv)

        return or_

    def _op_cond(self, e: A.Call) -> Fn:
        cond, then, other = (self.compile(a) for a in e.args)

        def conditional(act: dict) -> Any:
            c = cond(act)
            if type(c) is _BoolType:
                return then(act) if c else other(act)
            raise R.no_overload("_?_:_", c)

        return conditional

    def _op_not(self, e: A.Call) -> Fn:
        a = self.compile(e.args[0])
        return lambda act: R.logical_not(a(act))

    def _op_neg(self, e: A.Call) -> Fn:
        a = self.compile(e.args[0])
        return lambda act: R.neg(a(act))

    def _op_eq(self, e: A.Call) -> Fn:
        left, right = (self.compile(a) for a in e.args)
        eq = R.cel_equal
        return lambda act: TRUE if eq(left(act), right(act)) else FALSE

    def _op_ne(self, e: A.Call) -> Fn:
        left, right = (self.compile(a) for a in e.args)
        eq = R.cel_equal
        return lambda act: FALSE if eq(left(act), right(act)) else TRUE

    def _relational(self, e: A.Call, test: Callable[[int], bool], int_op: Callable[[int, int], bool]) -> Fn:
        left, right = (self.compile(a) for a in e.args)
        op = e.function
        compare = R.compare

        def rel(act: dict) -> Any:
            a = left(act)
            b = right(act)
            if type(a) is _IntType and type(b) is _IntType:  # fast path; celtypes' own operators are Python-level
                return TRUE if int_op(a, b) else FALSE
            c = compare(a, b, op)
            if c is None:
                return FALSE
            return TRUE if test(c) else FALSE

        return rel

    def _op_lt(self, e: A.Call) -> Fn:
        return self._relational(e, lambda c: c < 0, int.__lt__)

    def _op_le(self, e: A.Call) -> Fn:
        return self._relational(e, lambda c: c <= 0, int.__le__)

    def _op_gt(self, e: A.Call) -> Fn:
        return self._relational(e, lambda c: c > 0, int.__gt__)

    def _op_ge(self, e: A.Call) -> Fn:
        return self._relational(e, lambda c: c >= 0, int.__ge__)

    def _binary(self, e: A.Call, f: Callable[[Any, Any], Any]) -> Fn:
        left, right = (self.compile(a) for a in e.args)
        return lambda act: f(left(act), right(act))

    def _op_add(self, e: A.Call) -> Fn:
        return self._binary(e, R.add)

    def _op_sub(self, e: A.Call) -> Fn:
        return self._binary(e, R.sub)

    def _op_mul(self, e: A.Call) -> Fn:
        return self._binary(e, R.mul)

    def _op_div(self, e: A.Call) -> Fn:
        return self._binary(e, R.div)

    def _op_mod(self, e: A.Call) -> Fn:
        return self._binary(e, R.mod)

    def _op_in(self, e: A.Call) -> Fn:
        item, container = (self.compile(a) for a in e.args)
        return lambda act: TRUE if R.contains(container(act), item(act)) else FALSE

    def _op_index(self, e: A.Call) -> Fn:
        container, key = (self.compile(a) for a in e.args)

        def index(act: dict) -> Any:
            c = container(act)
            k = key(act)
            if type(c) is _ListType and type(k) is _IntType:
                i = int.__int__(k)
                if 0 <= i < len(c):
                    return c[i]
            return R.index(c, k)

        return index

    def _op_optindex(self, e: A.Call) -> Fn:
        return self._binary(e, R.opt_index)

    def _op_optselect(self, e: A.Call) -> Fn:
        operand = self.compile(e.args[0])
        field = e.args[1].value  # type: ignore[attr-defined]
        return lambda act: R.opt_select(operand(act), field)

    # -- comprehensions (macros)
    def _Comprehension(self, e: A.Comprehension) -> Fn:
        rng = self.compile(e.iter_range)
        pred = self.compile(e.predicate) if e.predicate is not None else None
        tr = self.compile(e.transform) if e.transform is not None else None
        v1 = e.iter_var
        v2 = e.iter_var2
        cost = 1 + node_count(e.predicate) + node_count(e.transform)
        kind = e.kind
        if kind in ("optMap", "optFlatMap"):
            flat = kind == "optFlatMap"

            def opt_map(act: dict) -> Any:
                o = _check_optional(rng(act), kind)
                if not o.present:
                    return o
                saved = act.get(v1, _MISSING)
                act[v1] = o.value
                try:
                    r = tr(act)  # type: ignore[misc]
                finally:
                    _restore(act, v1, saved)
                if flat:
                    return _check_optional(r, kind)
                return OptionalValue(r)

            return opt_map
        body = _LOOPS[kind]

        def comprehension(act: dict) -> Any:
            r = rng(act)
            saved1 = act.get(v1, _MISSING)
            saved2 = act.get(v2, _MISSING) if v2 else _MISSING
            try:
                return body(act, r, v1, v2, pred, tr, cost, kind)
            finally:
                _restore(act, v1, saved1)
                if v2:
                    _restore(act, v2, saved2)

        return comprehension


def _authorizer_ident(name: str) -> Fn:
    """`authorizer` answers for the request's user and `authorizer.requestResource` is the request's own resource
    (k8s.io/apiserver pkg/admission/plugin/cel/activation). When the activation holds an authorizer that is not yet
    bound to a request (it has `for_request`, library/authz.py), bind it here from `request`."""

    def bound(act: dict) -> tuple[Any, Any]:
        cached = act.get("@authorizer")
        if cached is None:
            try:
                value = act["authorizer"]
            except KeyError:
                raise EvaluationError("no such attribute: authorizer") from None
            resource = act.get("authorizer.requestResource")
            if resource is None and hasattr(value, "for_request"):
                from migrator.cel.values import to_json

                request = act.get("request")
                entries = value.for_request(to_json(request)[0] if request is not None else None)
                value, resource = entries["authorizer"], entries["authorizer.requestResource"]
            cached = act["@authorizer"] = (value, resource)
        return cached

    if name == "authorizer":
        return lambda act: bound(act)[0]

    def request_resource(act: dict) -> Any:
        resource = bound(act)[1]
        if resource is None:
            raise EvaluationError(f"no such attribute: {name}")
        return resource

    return request_resource


def _restore(act: dict, name: str, saved: Any) -> None:
    if saved is _MISSING:
        act.pop(name, None)
    else:
        act[name] = saved


_StringType = celtypes.StringType


def _as_string(x: Any) -> Any:
    """A map key as a CEL value: plain str keys (from to_cel) become StringType, bool keys plain BoolType."""
    t = type(x)
    if t is str:
        return str.__new__(_StringType, x)
    if t is MapBoolKey:
        return TRUE if x else FALSE
    return x


def _pairs(r: Any, two: bool, kind: str) -> Any:
    k = R.kind(r)
    if k == R.K_LIST:
        return enumerate(r) if two else ((x, None) for x in r)
    if k == R.K_MAP:
        # to_cel keeps JSON keys as plain str for fast lookups; iteration hands out StringType like every value
        if two:
            return ((_as_string(x), v) for x, v in r.items())
        return ((_as_string(x), None) for x in r)
    raise EvaluationError(f"expression of type '{runtime_type_name(r)}' cannot be range of a comprehension")


def _loop_all(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    return _loop_quantifier(act, r, v1, v2, pred, cost, kind, "_&&_", False)


def _loop_exists(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    return _loop_quantifier(act, r, v1, v2, pred, cost, kind, "_||_", True)


def _loop_quantifier(act, r, v1, v2, pred, cost, kind, op, stop):  # type: ignore[no-untyped-def]
    """all() (`op` _&&_, `stop` false) and exists() (_||_, true) as cel-go folds them: the first predicate equal to
    `stop` decides; otherwise the first error (or non-bool) is raised, else the loop result is `not stop`."""
    err = None
    two = v2 is not None
    for a, b in _pairs(r, two, kind):
        act[v1] = int.__new__(_IntType, a) if two and type(a) is int else a
        if two:
            act[v2] = b
        _charge(act, cost)
        try:
            p = pred(act)
        except CostExceeded:
            raise
        except EvaluationError as exc:
            if err is None:
                err = exc
            continue
        if type(p) is not _BoolType:
            if err is None:
                err = R.no_overload(op, p)
            continue
        if bool(p) is stop:
            return TRUE if stop else FALSE
    if err is not None:
        raise err
    return FALSE if stop else TRUE


def _loop_exists_one(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    count = 0
    two = v2 is not None
    for a, b in _pairs(r, two, kind):
        act[v1] = int.__new__(_IntType, a) if two and type(a) is int else a
        if two:
            act[v2] = b
        _charge(act, cost)
        p = pred(act)
        if type(p) is not _BoolType:
            raise R.no_overload("_?_:_", p)
        if p:
            count += 1
    return TRUE if count == 1 else FALSE


def _loop_map(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    out = []
    two = v2 is not None
    for a, b in _pairs(r, two, kind):
        act[v1] = int.__new__(_IntType, a) if two and type(a) is int else a
        if two:
            act[v2] = b
        _charge(act, cost)
        if pred is not None:
            p = pred(act)
            if type(p) is not _BoolType:
                raise R.no_overload("_?_:_", p)
            if not p:
                continue
        out.append(tr(act))
    return _ListType(out)


def _loop_filter(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    out = []
    for a, _b in _pairs(r, False, kind):
        act[v1] = a
        _charge(act, cost)
        p = pred(act)
        if type(p) is not _BoolType:
            raise R.no_overload("_?_:_", p)
        if p:
            out.append(a)
    return _ListType(out)


def _loop_transform_map(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    out = _MapType()
    for a, b in _pairs(r, True, kind):
        key = int.__new__(_IntType, a) if type(a) is int else a
        act[v1] = key
        act[v2] = b
        _charge(act, cost)
        if pred is not None:
            p = pred(act)
            if type(p) is not _BoolType:
                raise R.no_overload("_?_:_", p)
            if not p:
                continue
        dict.__setitem__(out, key, tr(act))
    return out


def _loop_transform_map_entry(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    out = _MapType()
    for a, b in _pairs(r, True, kind):
        act[v1] = int.__new__(_IntType, a) if type(a) is int else a
        act[v2] = b
        _charge(act, cost)
        if pred is not None:
            p = pred(act)
            if type(p) is not _BoolType:
                raise R.no_overload("_?_:_", p)
            if not p:
                continue
        entry = tr(act)
        if R.kind(entry) != R.K_MAP:
            raise R.no_overload("transformMapEntry", entry)
        for k, v in entry.items():
            if R.map_lookup(out, k)[0]:
                raise EvaluationError(f"insert failed: key {R.format_key(k)} already exists")
            dict.__setitem__(out, k, v)
    return out


def _loop_sort_by(act, r, v1, v2, pred, tr, cost, kind):  # type: ignore[no-untyped-def]
    if R.kind(r) != R.K_LIST:
        raise R.no_overload("sortBy", r)
    keyed = []
    for x in r:
        act[v1] = x
        _charge(act, cost)
        keyed.append((tr(act), x))
    if keyed:
        k0 = R.kind(keyed[0][0])
        for k, _x in keyed:
            if R.kind(k) != k0 or k0 not in (R.K_INT, R.K_UINT, R.K_DOUBLE, R.K_STRING, R.K_BYTES, R.K_BOOL,
                                             R.K_TS, R.K_DUR):
                raise EvaluationError("list elements must have the same type")

    def cmp(p: Any, q: Any) -> int:
        return R.compare(p[0], q[0], "sortBy") or 0

    keyed.sort(key=functools.cmp_to_key(cmp))
    return _ListType([x for _k, x in keyed])


_LOOPS = {
    "all": _loop_all,
    "exists": _loop_exists,
    "exists_one": _loop_exists_one,
    "map": _loop_map,
    "transformList": _loop_map,
    "filter": _loop_filter,
    "transformMap": _loop_transform_map,
    "transformMapEntry": _loop_transform_map_entry,
    "sortBy": _loop_sort_by,
}

_OP_NAMES = {
    "_&&_": "and", "_||_": "or", "_?_:_": "cond", "!_": "not", "-_": "neg", "_==_": "eq", "_!=_": "ne",
    "_<_": "lt", "_<=_": "le", "_>_": "gt", "_>=_": "ge", "_+_": "add", "_-_": "sub", "_*_": "mul",
    "_/_": "div", "_%_": "mod", "@in": "in", "_[_]": "index", "_[?_]": "optindex", "_?._": "optselect",
}
