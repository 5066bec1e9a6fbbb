"""Type checker: what cel-go's checker (checker/checker.go) rejects is a CompileError here.

Declarations are the CEL standard library (cel-go checker/decls, common/stdlib) with the options the
Kubernetes environment turns on (CrossTypeNumericComparisons, OptionalTypes, HomogeneousAggregateLiterals,
TwoVarComprehensions), plus every library overload from migrator/cel/library. Variables declared `dyn`
check permissively, as in cel-go. The checker records the type of every node (`types[id(node)]`) and
resolves qualified names (`optional.none`, `sets.contains`, `authorizer.requestResource`) once, so the
evaluator does not have to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from migrator.cel import ast as A
from migrator.cel import types as T
from migrator.cel.types import CelType


class CheckError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Decl:
    name: str
    params: tuple[CelType, ...]
    result: CelType
    member: bool


def _decls() -> dict[tuple[str, bool], list[Decl]]:
    table: dict[tuple[str, bool], list[Decl]] = {}

    def d(name: str, params: Iterable[str], result: str, member: bool = False) -> None:
        decl = Decl(name, tuple(T.parse_type(p) for p in params), T.parse_type(result), member)
        table.setdefault((name, member), []).append(decl)

    num = ("int", "uint", "double")
    d("!_", ["bool"], "bool")
    d("-_", ["int"], "int")
    d("-_", ["double"], "double")
    d("_&&_", ["bool", "bool"], "bool")
    d("_||_", ["bool", "bool"], "bool")
    d("_?_:_", ["bool", "A", "A"], "A")
    d("_==_", ["A", "A"], "bool")
    d("_!=_", ["A", "A"], "bool")
    ordered = ["string", "bytes", "bool", "timestamp", "duration"]
    for op in ("_<_", "_<=_", "_>_", "_>=_"):
        for t in ordered:
            d(op, [t, t], "bool")
        for a in num:
            for b in num:
                d(op, [a, b], "bool")
    for t in ("int", "uint", "double", "string", "bytes", "list(A)"):
        d("_+_", [t, t], t)
    d("_+_", ["timestamp", "duration"], "timestamp")
    d("_+_", ["duration", "timestamp"], "timestamp")
    d("_+_", ["duration", "duration"], "duration")
    for t in num:
        d("_-_", [t, t], t)
        d("_*_", [t, t], t)
        d("_/_", [t, t], t)
    d("_-_", ["timestamp", "timestamp"], "duration")
    d("_-_", ["timestamp", "duration"], "timestamp")
    d("_-_", ["duration", "duration"], "duration")
    d("_%_", ["int", "int"], "int")
    d("_%_", ["uint", "uint"], "uint")
    d("_[_]", ["list(A)", "int"], "A")
    d("_[_]", ["map(K, V)", "K"], "V")
    d("@in", ["A", "list(A)"], "bool")
    d("@in", ["A", "map(A, B)"], "bool")
    for t in ("string", "bytes", "list(A)", "map(K, V)"):
        d("size", [t], "int")
        d("size", [t], "int", member=True)
    for f in ("contains", "startsWith", "endsWith", "matches"):
        d(f, ["string", "string"], "bool", member=True)
    d("matches", ["string", "string"], "bool")
    for t in ("int", "uint", "double", "string", "timestamp"):
        d("int", [t], "int")
    for t in ("int", "uint", "double", "string"):
        d("uint", [t], "uint")
        d("double", [t], "double")
    for t in ("int", "uint", "double", "bool", "bytes", "string", "timestamp", "duration"):
        d("string", [t], "string")
    d("bytes", ["string"], "bytes")
    d("bytes", ["bytes"], "bytes")
    d("bool", ["bool"], "bool")
    d("bool", ["string"], "bool")
    d("timestamp", ["string"], "timestamp")
    d("timestamp", ["timestamp"], "timestamp")
    d("timestamp", ["int"], "timestamp")
    d("duration", ["string"], "duration")
    d("duration", ["duration"], "duration")
    d("dyn", ["A"], "dyn")
    d("type", ["A"], "type(A)")
    for f in ("getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours",
              "getMinutes", "getSeconds", "getMilliseconds"):
        d(f, ["timestamp"], "int", member=True)
        d(f, ["timestamp", "string"], "int", member=True)
    for f in ("getHours", "getMinutes", "getSeconds", "getMilliseconds"):
        d(f, ["duration"], "int", member=True)
    # cel-go OptionalTypes (cel/library.go optionalLib)
    d("optional.of", ["A"], "optional(A)")
    d("optional.ofNonZeroValue", ["A"], "optional(A)")
    d("optional.none", [], "optional(A)")
    d("hasValue", ["optional(A)"], "bool", member=True)
    d("value", ["optional(A)"], "A", member=True)
    d("or", ["optional(A)", "optional(A)"], "optional(A)", member=True)
    d("orValue", ["optional(A)", "A"], "A", member=True)
    d("_[?_]", ["list(A)", "int"], "optional(A)")
    d("_[?_]", ["map(K, V)", "K"], "optional(V)")
    d("_[?_]", ["optional(list(A))", "int"], "optional(A)")
    d("_[?_]", ["optional(map(K, V))", "K"], "optional(V)")
    d("_[_]", ["optional(list(A))", "int"], "optional(A)")
    d("_[_]", ["optional(map(K, V))", "K"], "optional(V)")
    d("first", ["list(A)"], "optional(A)", member=True)
    d("last", ["list(A)"], "optional(A)", member=True)
    d("optional.unwrap", ["list(optional(A))"], "list(A)")
    d("unwrapOpt", ["list(optional(A))"], "list(A)", member=True)
    return table


STANDARD = _decls()

TYPE_IDENTS = {
    "int": T.INT, "uint": T.UINT, "double": T.DOUBLE, "bool": T.BOOL, "string": T.STRING, "bytes": T.BYTES,
    "list": T.list_of(T.DYN), "map": T.map_of(T.DYN, T.DYN), "null_type": T.NULL, "type": CelType("type"),
    "google.protobuf.Timestamp": T.TIMESTAMP, "google.protobuf.Duration": T.DURATION,
    "optional_type": T.optional_of(T.DYN), "dyn": T.DYN,
}

_NOT_NULLABLE = {"bool", "bytes", "double", "int", "string", "uint", "list", "map", "type"}


def format_type(t: CelType) -> str:
    if t.is_param:
        return t.name if not t.name.startswith("_") else "dyn"
    if not t.params:
        return t.name
    return f"{t.name}({', '.join(format_type(p) for p in t.params)})"


class Subs:
    """Type parameter bindings for one overload attempt."""

    def __init__(self) -> None:
        self.map: dict[str, CelType] = {}

    def resolve(self, t: CelType) -> CelType:
        seen = 0
        while t.is_param and t.name in self.map and seen < 50:
            t = self.map[t.name]
            seen += 1
        return t

    def substitute(self, t: CelType, free_to_dyn: bool = True) -> CelType:
        t = self.resolve(t)
        if t.is_param:
            return T.DYN if free_to_dyn else t
        if not t.params:
            return t
        return CelType(t.name, tuple(self.substitute(p, free_to_dyn) for p in t.params))


def _params_of(t: CelType) -> list[str]:
    if t.is_param:
        return [t.name]
    out: list[str] = []
    for p in t.params:
        out.extend(_params_of(p))
    return out


def assignable(param: CelType, arg: CelType, subs: Subs, object_types: frozenset = frozenset()) -> bool:
    if param.is_param and param.name in subs.map:
        # cel-go checker/types.go isValidTypeSubstitution: a type parameter already bound joins the new argument
        # type with its binding and keeps the most general of the two (`true ? 1 : dyn(2)` binds A to dyn).
        name = param.name
        while subs.map[name].is_param and subs.map[name].name in subs.map and subs.map[name].name != name:
            name = subs.map[name].name
        bound = subs.map[name]
        if not bound.is_param:
            arg = subs.resolve(arg)
            if arg.is_param:
                subs.map[arg.name] = bound
                return True
            if not _assignable_resolved(bound, arg, subs, object_types):
                return False
            subs.map[name] = most_general(arg, bound)
            return True
    param = subs.resolve(param)
    arg = subs.resolve(arg)
    return _assignable_resolved(param, arg, subs, object_types)


def _assignable_resolved(param: CelType, arg: CelType, subs: Subs, object_types: frozenset) -> bool:
    if param.is_param:
        if arg.is_param and arg.name == param.name:
            return True
        subs.map[param.name] = arg
        return True
    if arg.is_param:
        subs.map[arg.name] = param
        return True
    if param.is_dyn or arg.is_dyn or arg is T.ERROR or param is T.ERROR:
        # still bind nested params to dyn so results substitute to dyn
        return True
    # cel-go checker/types.go internalIsAssignableNull: null goes to opaque, struct, any, duration and timestamp
    # types (and optional_type, which is opaque), never to primitives, lists or maps
    if arg.name == "null_type":
        return param.name not in _NOT_NULLABLE
    if param.name == "null_type":
        return arg.name not in _NOT_NULLABLE
    if param.name == "type" and arg.name == "type":
        return True  # type values compare at run time (cel-go: type(A) params are not checked)
    if param.name != arg.name or len(param.params) != len(arg.params):
        return False
    for p, a in zip(param.params, arg.params):
        if not assignable(p, a, subs, object_types):
            return False
    return True


def _equal_or_less_specific(a: CelType, b: CelType) -> bool:
    """cel-go checker/types.go isEqualOrLessSpecific: `a` matches `b` through dyn (or is `b`)."""
    if a.is_dyn or a.is_param:
        return True
    if b.is_dyn or b.is_param:
        return False
    if a.name != b.name or len(a.params) != len(b.params):
        return False
    if a.name == "type":
        return True
    return all(_equal_or_less_specific(x, y) for x, y in zip(a.params, b.params))


def most_general(a: CelType, b: CelType) -> CelType:
    """cel-go checker/types.go mostGeneral(t1, t2): t1 when it is equal or less specific than t2, else t2 (whole
    types, never a mix: map(string, dyn) against map(dyn, int) is map(dyn, int))."""
    return a if _equal_or_less_specific(a, b) else b


class Checker:
    def __init__(
        self,
        variables: dict[str, CelType],
        functions: dict[tuple[str, bool], list[Decl]],
        type_idents: dict[str, CelType],
        object_fields: dict[str, dict[str, CelType]],
        validators: dict[str, Callable[[A.Call, "Checker"], None]] | None = None,
    ) -> None:
        self.variables = variables
        self.functions = functions
        self.type_idents = type_idents
        self.object_fields = object_fields
        self.object_types = frozenset(object_fields)
        self.validators = validators or {}
        self.types: dict[int, CelType] = {}
        # node id -> resolution: ("var", name) for a qualified variable reference, ("type", CelType),
        # ("fn", qualified function name) for a namespaced global call.
        self.refs: dict[int, tuple[str, Any]] = {}
        self.scopes: list[dict[str, CelType]] = []
        self._fresh = 0
        # bindings of the checker's free type variables (`[]`, `{}` element types), as cel-go's c.mappings
        self.mappings = Subs()

    # -- helpers
    def fresh(self) -> CelType:
        self._fresh += 1
        return CelType(f"_T{self._fresh}")

    def lookup_local(self, name: str) -> Optional[CelType]:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def record(self, e: A.Expr, t: CelType) -> CelType:
        self.types[id(e)] = t
        return t

    def check(self, e: A.Expr) -> CelType:
        method = getattr(self, "_" + type(e).__name__)
        return self.record(e, method(e))

    # -- nodes
    def _Const(self, e: A.Const) -> CelType:
        return CelType(e.kind)

    def _resolve_name(self, name: str) -> Optional[tuple[str, Any, CelType]]:
        if name.startswith("."):
            name = name[1:]
        elif self.lookup_local(name) is not None and "." not in name:
            return ("local", name, self.lookup_local(name))
        if name in self.variables:
            return ("var", name, self.variables[name])
        if name in self.type_idents:
            return ("type", self.type_idents[name], T.type_of_type(self.type_idents[name]))
        return None

    def _Ident(self, e: A.Ident) -> CelType:
        r = self._resolve_name(e.name)
        if r is None:
            raise CheckError(f"undeclared reference to '{e.name.lstrip('.')}' (in container '')", e.pos)
        self.refs[id(e)] = (r[0], r[1])
        return r[2]

    def _qualified(self, e: A.Expr) -> Optional[str]:
        parts: list[str] = []
        while isinstance(e, A.Select) and not e.test_only:
            parts.append(e.field)
            e = e.operand
        if isinstance(e, A.Ident):
            if not e.name.startswith(".") and self.lookup_local(e.name) is not None:
                return None
            parts.append(e.name)
            return ".".join(reversed(parts))
        return None

    def _Select(self, e: A.Select) -> CelType:
        if not e.test_only:
            q = self._qualified(e)
            if q is not None:
                r = self._resolve_name(q)
                if r is not None and r[0] != "local":
                    self.refs[id(e)] = (r[0], r[1])
                    return r[2]
        operand_t = self.check(e.operand)
        t = self._field_type(operand_t, e.field, e.pos)
        return T.BOOL if e.test_only else t

    def _field_type(self, operand_t: CelType, field: str, pos: int) -> CelType:
        name = operand_t.name
        if operand_t.is_dyn or operand_t.is_param or operand_t is T.ERROR:
            return T.DYN
        if name == "map":
            return operand_t.params[1]
        if name == "optional_type":
            inner = self._field_type(operand_t.params[0], field, pos)
            return T.optional_of(inner) if inner.name != "optional_type" else inner
        if name in self.object_fields:
            fields = self.object_fields[name]
            if field not in fields:
                raise CheckError(f"undefined field '{field}'", pos)
            return fields[field]
        if name in self.type_idents and name not in TYPE_IDENTS:
            return T.DYN  # library object type without declared fields
        raise CheckError(f"type '{format_type(operand_t)}' does not support field selection", pos)

    def _CreateList(self, e: A.CreateList) -> CelType:
        elem: Optional[CelType] = None
        for i, x in enumerate(e.elements):
            t = self.check(x)
            if i in e.optional_indices:
                if t.name == "optional_type":
                    t = t.params[0]
                elif not (t.is_dyn or t.is_param):
                    raise CheckError(f"expected type 'optional_type({format_type(t)})' but found "
                                     f"'{format_type(t)}'", x.pos)
                else:
                    t = T.DYN
            elem = self._join(elem, t, x.pos)
        return T.list_of(elem if elem is not None else self.fresh())

    def _join(self, prev: Optional[CelType], cur: CelType, pos: int) -> CelType:
        if prev is None:
            return cur
        if assignable(prev, cur, self.mappings, self.object_types):
            return most_general(self.mappings.substitute(prev, False), self.mappings.substitute(cur, False))
        return T.DYN  # cel-go joinTypes with dyn aggregate element types; homogeneity is a separate validator

    def _CreateMap(self, e: A.CreateMap) -> CelType:
        kt: Optional[CelType] = None
        vt: Optional[CelType] = None
        for entry in e.entries:
            k = self.check(entry.key)
            if not (k.is_dyn or k.is_param or k.name in ("int", "uint", "bool", "string")):
                raise CheckError(f"unsupported map key type: {format_type(k)}", entry.key.pos)
            v = self.check(entry.value)
            if entry.optional:
                if v.name == "optional_type":
                    v = v.params[0]
                elif not (v.is_dyn or v.is_param):
                    raise CheckError(f"expected type 'optional_type({format_type(v)})' but found "
                                     f"'{format_type(v)}'", entry.value.pos)
            kt = self._join(kt, k, entry.key.pos)
            vt = self._join(vt, v, entry.value.pos)
        return T.map_of(kt if kt is not None else self.fresh(), vt if vt is not None else self.fresh())

    def _CreateStruct(self, e: A.CreateStruct) -> CelType:
        name = e.type_name.lstrip(".")
        if name not in self.type_idents:
            raise CheckError(f"undeclared reference to '{name}' (in container '')", e.pos)
        raise CheckError(f"'{name}' is not a message type", e.pos)

    def _Comprehension(self, e: A.Comprehension) -> CelType:
        kind = e.kind
        range_t = self.check(e.iter_range)
        if kind in ("optMap", "optFlatMap"):
            if range_t.name == "optional_type":
                inner = range_t.params[0]
            elif range_t.is_dyn or range_t.is_param:
                inner = T.DYN
            else:
                raise CheckError(f"found no matching overload for '{kind}' applied to "
                                 f"'{format_type(range_t)}'", e.pos)
            self.scopes.append({e.iter_var: inner})
            t = self.check(e.transform)
            self.scopes.pop()
            if kind == "optMap":
                return T.optional_of(t)
            if t.name == "optional_type" or t.is_dyn:
                return t if t.name == "optional_type" else T.optional_of(T.DYN)
            raise CheckError(f"found no matching overload for 'optFlatMap' applied to '{format_type(t)}'", e.pos)
        if range_t.name == "list":
            v1, v2 = (T.INT, range_t.params[0]) if e.iter_var2 else (range_t.params[0], None)
        elif range_t.name == "map":
            v1, v2 = (range_t.params[0], range_t.params[1]) if e.iter_var2 else (range_t.params[0], None)
        elif range_t.is_dyn or range_t.is_param or range_t is T.ERROR:
            v1, v2 = T.DYN, (T.DYN if e.iter_var2 else None)
        else:
            raise CheckError(f"expression of type '{format_type(range_t)}' cannot be range of a comprehension "
                             "(must be list, map, or dynamic)", e.iter_range.pos)
        if kind == "sortBy" and range_t.name == "map":
            raise CheckError(f"found no matching overload for 'sortBy' applied to '{format_type(range_t)}'", e.pos)
        scope = {e.iter_var: v1}
        if e.iter_var2:
            scope[e.iter_var2] = v2 or T.DYN
        self.scopes.append(scope)
        try:
            if e.predicate is not None:
                pt = self.check(e.predicate)
                if not assignable(T.BOOL, pt, Subs()):
                    raise CheckError(f"expected type 'bool' but found '{format_type(pt)}'", e.predicate.pos)
            tt = self.check(e.transform) if e.transform is not None else None
        finally:
            self.scopes.pop()
        if kind in ("all", "exists", "exists_one"):
            return T.BOOL
        if kind == "map" or kind == "transformList":
            return T.list_of(tt or T.DYN)
        if kind == "filter":
            return T.list_of(v1 if not e.iter_var2 else v2 or T.DYN)
        if kind == "transformMap":
            if range_t.name == "list":
                return T.map_of(T.INT, tt or T.DYN)
            return T.map_of(v1, tt or T.DYN)
        if kind == "transformMapEntry":
            if tt is not None and tt.name == "map":
                return tt
            if tt is not None and (tt.is_dyn or tt.is_param):
                return T.map_of(T.DYN, T.DYN)
            raise CheckError(f"found no matching overload for 'transformMapEntry' applied to "
                             f"'{format_type(tt or T.DYN)}'", e.pos)
        if kind == "sortBy":
            if tt is not None and not (tt.is_dyn or tt.is_param or tt.name in (
                    "int", "uint", "double", "string", "bytes", "bool", "google.protobuf.Timestamp",
                    "google.protobuf.Duration")):
                raise CheckError(f"found no matching overload for '@sortByAssociatedKeys' applied to "
                                 f"'list({format_type(tt)})'", e.pos)
            return range_t if range_t.name == "list" else T.list_of(T.DYN)
        return T.DYN

    def _Call(self, e: A.Call) -> CelType:
        fn = e.function
        if fn == "_?._":
            operand_t = self.check(e.args[0])
            self.check(e.args[1])
            field = e.args[1].value  # type: ignore[attr-defined]
            if operand_t.name == "optional_type":
                operand_t = operand_t.params[0]
            t = self._field_type(operand_t, field, e.pos)
            return t if t.name == "optional_type" else T.optional_of(t)
        target = e.target
        member = target is not None
        if member:
            q = self._qualified(target)
            if q is not None and (f"{q.lstrip('.')}.{fn}", False) in self.functions:
                r = self._resolve_name(q)
                if r is None or r[0] == "type":
                    qualified = f"{q.lstrip('.')}.{fn}"
                    self.refs[id(e)] = ("fn", qualified)
                    return self._resolve_overload(e, qualified, False, [self.check(a) for a in e.args], e.args)
            target_t = self.check(target)
            arg_ts = [self.check(a) for a in e.args]
            return self._resolve_overload(e, fn, True, [target_t] + arg_ts, [target] + list(e.args))
        name = fn.lstrip(".")
        arg_ts = [self.check(a) for a in e.args]
        return self._resolve_overload(e, name, False, arg_ts, list(e.args))

    def _resolve_overload(self, e: A.Call, name: str, member: bool, arg_ts: list[CelType],
                          args: list[A.Expr]) -> CelType:
        decls = self.functions.get((name, member))
        if not decls:
            other = self.functions.get((name, not member))
            if not other:
                raise CheckError(f"undeclared reference to '{name}' (in container '')", e.pos)
            decls = []
        results: list[CelType] = []
        for decl in decls:
            if len(decl.params) != len(arg_ts):
                continue
            subs = Subs()
            subs.map.update(self.mappings.map)
            # fresh type parameters per overload use
            if all(assignable(p, a, subs, self.object_types) for p, a in zip(decl.params, arg_ts)):
                # declaration parameters left unbound become fresh checker variables, bound later by
                # literals and other calls (cel-go instantiates overload type params the same way)
                for pname in _params_of(decl.result):
                    if subs.resolve(CelType(pname)).is_param and not subs.resolve(CelType(pname)).name.startswith("_"):
                        subs.map[subs.resolve(CelType(pname)).name] = self.fresh()
                results.append(subs.substitute(decl.result, free_to_dyn=False))
                for k, v in subs.map.items():
                    if k.startswith("_") and k not in self.mappings.map:
                        self.mappings.map[k] = v
        if not results:
            if name in ("string",) and len(arg_ts) == 1 and (arg_ts[0].name in self.type_idents
                                                                and arg_ts[0].name not in TYPE_IDENTS):
                results.append(T.STRING)
            else:
                if member:
                    sig = f"{format_type(arg_ts[0])}.({', '.join(format_type(a) for a in arg_ts[1:])})"
                else:
                    sig = f"({', '.join(format_type(a) for a in arg_ts)})"
                raise CheckError(f"found no matching overload for '{name}' applied to '{sig}'", e.pos)
        validator = self.validators.get(name)
        if validator is not None:
            validator(e, self)
        if len(results) == 1:
            return results[0]
        first = results[0]
        if all(r == first for r in results):
            return first
        return T.DYN


def equivalent(a: CelType, b: CelType) -> bool:
    """cel-go Type.IsEquivalentType: same kind and parameters; type parameter names do not matter."""
    # free type parameters left after checking are dyn (cel-go substitutes them with typeParamToDyn)
    if a.is_param:
        a = T.DYN
    if b.is_param:
        b = T.DYN
    if a.name != b.name or len(a.params) != len(b.params):
        return False
    return all(equivalent(x, y) for x, y in zip(a.params, b.params))


def validate_homogeneous_literals(root: A.Expr, types: dict[int, CelType], mappings: Optional[Subs] = None,
                                  exempt_functions: frozenset[str] = frozenset({"format"})) -> None:
    """cel-go cel/validator.go homogeneousAggregateLiteralValidator (Kubernetes: cel.HomogeneousAggregateLiterals):
    every element of a list literal, and every key and value of a map literal, must have equivalent types
    (`[1, 'a']` and `['a', dyn(x)]` are errors). Literals anywhere under a `format` call are exempt (ext/strings
    stringFormatValidator adds it to HomogeneousAggregateLiteralExemptFunctions)."""

    def elem_type(e: A.Expr, optional: bool) -> CelType:
        t = types.get(id(e), T.DYN)
        if mappings is not None:
            t = mappings.substitute(t)
        if optional and t.name == "optional_type":
            t = t.params[0]
        return t

    def visit(e: Any, exempt: bool) -> None:
        if e is None:
            return
        if isinstance(e, A.CreateList):
            if not exempt:
                first: Optional[CelType] = None
                for i, x in enumerate(e.elements):
                    t = elem_type(x, i in e.optional_indices)
                    if first is None:
                        first = t
                    elif not equivalent(first, t):
                        raise CheckError(f"expected type '{format_type(first)}' but found '{format_type(t)}'", x.pos)
            for x in e.elements:
                visit(x, exempt)
        elif isinstance(e, A.CreateMap):
            if not exempt:
                kt: Optional[CelType] = None
                vt: Optional[CelType] = None
                for entry in e.entries:
                    k = elem_type(entry.key, False)
                    v = elem_type(entry.value, entry.optional)
                    if kt is None:
                        kt, vt = k, v
                        continue
                    if not equivalent(kt, k):
                        raise CheckError(f"expected type '{format_type(kt)}' but found '{format_type(k)}'",
                                         entry.key.pos)
                    if not equivalent(vt, v):  # type: ignore[arg-type]
                        raise CheckError(f"expected type '{format_type(vt)}' but found '{format_type(v)}'",  # type: ignore[arg-type]
                                         entry.value.pos)
            for entry in e.entries:
                visit(entry.key, exempt)
                visit(entry.value, exempt)
        elif isinstance(e, A.Call):
            inner = exempt or e.function in exempt_functions  # any ancestor call (inExemptFunction)
            visit(e.target, inner)
            for a in e.args:
                visit(a, inner)
        elif isinstance(e, A.Select):
            visit(e.operand, exempt)
        elif isinstance(e, A.Comprehension):
            visit(e.iter_range, exempt)
            visit(e.predicate, exempt)
            visit(e.transform, exempt)
        elif isinstance(e, A.CreateStruct):
            for _n, v, _o in e.fields:
                visit(v, exempt)

    visit(root, False)


_FORMAT_STRING_KINDS = {"list", "map", "int", "uint", "double", "bool", "string", "google.protobuf.Timestamp",
                        "bytes", "google.protobuf.Duration", "type", "null_type"}
_FORMAT_CLAUSES = {
    "d": ({"int", "uint"}, "decimal clause can only be used on integers"),
    "f": ({"double", "string"}, "fixed-point clause can only be used on doubles"),
    "e": ({"double", "string"}, "scientific clause can only be used on doubles"),
    "b": ({"int", "uint", "bool"}, "only integers and bools can be formatted as binary"),
    "x": ({"int", "uint", "string", "bytes"}, "only integers, byte buffers, and strings can be formatted as hex"),
    "X": ({"int", "uint", "string", "bytes"}, "only integers, byte buffers, and strings can be formatted as hex"),
    "o": ({"int", "uint"}, "octal clause can only be used on integers"),
}


def validate_format_calls(root: A.Expr, types: dict[int, CelType], mappings: Optional[Subs] = None) -> None:
    """cel-go ext/formatting.go stringFormatValidator (strings versions 1-3, which Kubernetes enables): a constant
    format string applied to a list literal is checked at compile time, clause by clause, against the static
    types of the list's elements; unknown clauses, missing and surplus arguments are compile errors too."""

    def type_of(e: A.Expr) -> CelType:
        t = types.get(id(e), T.DYN)
        return mappings.substitute(t) if mappings is not None else t

    def ok(e: A.Expr, kinds: set[str]) -> bool:
        t = type_of(e)
        return t.is_dyn or t.is_param or t.name in kinds

    def string_ok(e: A.Expr) -> Optional[A.Expr]:
        if not ok(e, _FORMAT_STRING_KINDS):
            return e
        if isinstance(e, A.CreateList):
            for x in e.elements:
                bad = string_ok(x)
                if bad is not None:
                    return bad
        elif isinstance(e, A.CreateMap):
            for entry in e.entries:
                bad = string_ok(entry.key) or string_ok(entry.value)
                if bad is not None:
                    return bad
        return None

    def check(call: A.Call) -> None:
        fmt = call.target.value  # type: ignore[union-attr]
        args = call.args[0].elements  # type: ignore[attr-defined]
        i = 0
        arg_index = 0
        requested = 0
        while i < len(fmt):
            if fmt[i] != "%":
                i += 1
                continue
            if i + 1 < len(fmt) and fmt[i + 1] == "%":
                i += 2
                continue
            requested += 1
            if i + 1 >= len(fmt):
                raise CheckError("unexpected end of string", call.pos)
            if arg_index >= len(args):
                raise CheckError(f"index {arg_index} out of range", call.pos)
            j = i + 1
            if fmt[j] == ".":
                j += 1
                start = j
                while j < len(fmt) and fmt[j].isdigit() and fmt[j].isascii():
                    j += 1
                if j >= len(fmt):
                    raise CheckError("could not parse formatting clause: error while parsing precision: could not "
                                     "find end of precision specifier", call.pos)
                if start == j:
                    raise CheckError("could not parse formatting clause: error while parsing precision: error while "
                                     "converting precision to integer: strconv.Atoi: parsing \"\": invalid syntax",
                                     call.pos)
            verb = fmt[j]
            arg = args[arg_index]
            if verb == "s":
                bad = string_ok(arg)
                if bad is not None:
                    raise CheckError("error during formatting: string clause can only be used on strings, bools, "
                                     "bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given "
                                     f"{format_type(type_of(bad))}", bad.pos)
            elif verb in _FORMAT_CLAUSES:
                kinds, text = _FORMAT_CLAUSES[verb]
                if not ok(arg, kinds):
                    raise CheckError(f"error during formatting: {text}, was given {format_type(type_of(arg))}",
                                     arg.pos)
            else:
                raise CheckError(f"could not parse formatting clause: unrecognized formatting clause \"{verb}\"",
                                 call.pos)
            i = j + 1
            arg_index += 1
        if len(args) > requested:
            raise CheckError(f"too many arguments supplied to string.format (expected {requested}, got {len(args)})",
                             call.pos)

    def visit(e: Any) -> None:
        if e is None:
            return
        if isinstance(e, A.Call):
            if (e.function == "format" and e.target is not None and isinstance(e.target, A.Const)
                    and e.target.kind == "string" and len(e.args) == 1 and isinstance(e.args[0], A.CreateList)):
                check(e)
            visit(e.target)
            for a in e.args:
                visit(a)
        elif isinstance(e, A.CreateList):
            for x in e.elements:
                visit(x)
        elif isinstance(e, A.CreateMap):
            for entry in e.entries:
                visit(entry.key)
                visit(entry.value)
        elif isinstance(e, A.Select):
            visit(e.operand)
        elif isinstance(e, A.Comprehension):
            visit(e.iter_range)
            visit(e.predicate)
            visit(e.transform)
        elif isinstance(e, A.CreateStruct):
            for _n, v, _o in e.fields:
                visit(v)

    visit(root)
