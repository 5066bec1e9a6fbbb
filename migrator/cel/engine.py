"""Compile once, evaluate many: the Kubernetes CEL environment (parse -> check -> closures).

cel-python supplies the value classes (celpy.celtypes); parsing, type checking and evaluation follow cel-go
(see parser.py, checker.py, interpreter.py, runtime.py for the sources each part follows). The libraries in
migrator/cel/library are wired in by registry.py.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Optional, Union

from migrator.cel import ast as A
from migrator.cel import runtime as R
from migrator.cel import types as T
from migrator.cel.checker import (
    STANDARD, TYPE_IDENTS, Checker, CheckError, Decl, Subs, assignable, format_type, validate_format_calls,
    validate_homogeneous_literals,
)
from migrator.cel.errors import CompileError, EvaluationError
from migrator.cel.interpreter import COST, Compiler, CostExceeded, node_count
from migrator.cel.parser import ParseError, parse
from migrator.cel.registry import Registry, load_registry

logging.getLogger("celpy").setLevel(logging.CRITICAL)

# Kubernetes PerCallLimit (k8s.io/apiserver pkg/apis/cel/config.go): cost budget of one expression evaluation.
PER_CALL_LIMIT = 1_000_000
# RuntimeCELCostBudget / RuntimeCELCostBudgetMatchConditions (same file): what all expressions of one policy
# evaluation may cost together (validations + messageExpressions; auditAnnotations; matchConditions).
RUNTIME_CEL_COST_BUDGET = 10_000_000
RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS = 2_500_000

TypeSpec = Union[str, T.CelType, Mapping[str, Any]]


class Program:
    """A compiled expression, reusable across activations (thread-compatible: evaluate builds its own frame)."""

    def __init__(self, expr: str, fn: Any, result_type: T.CelType, cost_limit: int, static_cost: int = 0) -> None:
        self.expr = expr
        self._fn = fn
        self.type = result_type
        self.cost_limit = cost_limit
        # every node evaluated once costs about 1 in cel-go; comprehension bodies are charged per iteration
        self.static_cost = static_cost

    @property
    def type_name(self) -> str:
        return format_type(self.type)

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        """Evaluate with CEL values bound to the declared variables; raises EvaluationError."""
        return self.evaluate_with_cost(activation)[0]

    def evaluate_with_cost(self, activation: Mapping[str, Any], limit: Optional[int] = None) -> tuple[Any, int]:
        """(value, cost used): for callers that share one budget across expressions, as the API server's
        RuntimeCELCostBudget does for a whole policy. `limit` lowers this call's budget below cost_limit.
        An EvaluationError carries the cost spent before it as `error.cost` (cel-go reports the actual cost of a
        failed evaluation too, and the API server charges it to the policy budget)."""
        act = dict(activation)
        budget = [self.cost_limit if limit is None else min(limit, self.cost_limit)]
        start = budget[0]
        budget[0] -= self.static_cost
        act[COST] = budget
        try:
            if budget[0] < 0:
                raise CostExceeded("operation cancelled: actual cost limit exceeded")
            return self._fn(act), start - budget[0]
        except EvaluationError as exc:
            exc.cost = start - budget[0]
            raise
        except RecursionError:
            error = EvaluationError("evaluation recursion limit exceeded")
        except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as exc:
            error = EvaluationError(str(exc) or type(exc).__name__)
        error.cost = start - budget[0]
        raise error from None


class LazyVariables:
    """The `variables` value of a ValidatingAdmissionPolicy: each variable is evaluated on first access, in the
    activation it is bound into, and cached (value or error) for the rest of that evaluation.

        lazy = LazyVariables({"name": program, ...}, activation)   # activation["variables"] = lazy (done here)
    An error in a variable surfaces where the variable is used, as in the API server (composition.go).
    The cost of each variable evaluation (once, when first read) accumulates in `cost`; `take_cost()` returns
    and resets it, as composition.go's GetAndResetCost lets the filter charge it to the reading expression.
    """

    cel_type_name = "kubernetes.variables"

    def __init__(self, programs: Mapping[str, Program], activation: dict[str, Any]) -> None:
        self._programs = dict(programs)
        self._activation = activation
        self._cache: dict[str, tuple[bool, Any]] = {}
        self.cost = 0
        activation["variables"] = self

    def take_cost(self) -> int:
        """The cost of the variables evaluated since the last call (0 when none was)."""
        cost, self.cost = self.cost, 0
        return cost

    def cel_has(self, name: str) -> bool:
        return name in self._programs

    def cel_select(self, name: str) -> Any:
        hit = self._cache.get(name)
        if hit is None:
            program = self._programs.get(name)
            if program is None:
                raise EvaluationError(f"no such key: {name}")
            self._cache[name] = (False, EvaluationError(f"variable {name!r} refers to itself"))
            try:
                value, cost = program.evaluate_with_cost(self._activation)
                self.cost += cost
                hit = (True, value)
            except EvaluationError as exc:
                self.cost += getattr(exc, "cost", 0)
                hit = (False, exc)
            self._cache[name] = hit
        ok, value = hit
        if ok:
            return value
        raise EvaluationError(str(value))

    def __getitem__(self, name: str) -> Any:
        return self.cel_select(name)


def _const(e: A.Expr) -> tuple[bool, Any]:
    if isinstance(e, A.Const):
        return True, e.value
    return False, None


def _constant_validators(registry: Registry) -> dict[str, Any]:
    """1.29+ AST validators (cel-go cel/validator.go formatValidator: "invalid <function> argument") for duration,
    timestamp and regex literals, plus the libraries' own constant validators."""

    def string_literal_check(function: str, parse: Callable[[str], Any]) -> Callable[[A.Call, Checker], None]:
        """`function("literal")`: the literal must parse."""

        def check(call: A.Call, checker: Checker) -> None:
            if call.target is None and len(call.args) == 1:
                ok, v = _const(call.args[0])
                if ok and isinstance(v, str):
                    try:
                        parse(v)
                    except ValueError:
                        raise CheckError(f"invalid {function} argument: {v!r}", call.args[0].pos) from None

        return check

    check_duration = string_literal_check("duration", R.parse_duration)
    check_timestamp = string_literal_check("timestamp", R.parse_timestamp)

    def check_regex(call: A.Call, checker: Checker) -> None:
        pattern = call.args[0] if call.target is not None else (call.args[1] if len(call.args) > 1 else None)
        if pattern is None:
            return
        ok, v = _const(pattern)
        if ok and isinstance(v, str):
            try:
                R.compile_re2(v)
            except EvaluationError as exc:
                raise CheckError(f"invalid matches argument: {exc}", pattern.pos) from None

    validators: dict[str, Any] = {"duration": check_duration, "timestamp": check_timestamp, "matches": check_regex}
    for name, fns in registry.constant_validators.items():
        def library_check(call: A.Call, checker: Checker, _fns: list = fns, _name: str = name) -> None:
            consts = [_const(a) for a in call.args]
            if not all(ok for ok, _v in consts):
                return
            values = [v for _ok, v in consts]
            for fn in _fns:
                try:
                    fn(*values)
                except (ValueError, EvaluationError) as exc:
                    raise CheckError(f"{_name} validation failed. Reason: {exc}", call.pos) from None
                except TypeError:
                    continue

        previous = validators.get(name)
        if previous is not None:
            def both(call: A.Call, checker: Checker, _a: Any = previous, _b: Any = library_check) -> None:
                _a(call, checker)
                _b(call, checker)

            validators[name] = both
        else:
            validators[name] = library_check
    return validators


# Typed request (kubernetes.AdmissionRequest, k8s.io/apiserver pkg/admission/plugin/cel/compile.go
# buildRequestType); other objects stay dyn as the API server declares them for unstructured input.
OBJECT_TYPES: dict[str, dict[str, str]] = {
    "kubernetes.GroupVersionKind": {"group": "string", "version": "string", "kind": "string"},
    "kubernetes.GroupVersionResource": {"group": "string", "version": "string", "resource": "string"},
    "kubernetes.UserInfo": {"username": "string", "uid": "string", "groups": "list(string)",
                            "extra": "map(string, list(string))"},
    "kubernetes.AdmissionRequest": {
        "kind": "kubernetes.GroupVersionKind", "resource": "kubernetes.GroupVersionResource",
        "subResource": "string", "requestKind": "kubernetes.GroupVersionKind",
        "requestResource": "kubernetes.GroupVersionResource", "requestSubResource": "string", "name": "string",
        "namespace": "string", "operation": "string", "userInfo": "kubernetes.UserInfo", "dryRun": "bool",
        "options": "dyn",
    },
    # namespaceObject (compile.go BuildNamespaceType; managedFields, ownerReferences etc. are left out by design)
    "kubernetes.Namespace": {"metadata": "kubernetes.NamespaceMetadata", "spec": "kubernetes.NamespaceSpec",
                             "status": "kubernetes.NamespaceStatus"},
    "kubernetes.NamespaceMetadata": {
        "name": "string", "generateName": "string", "namespace": "string", "labels": "map(string, string)",
        "annotations": "map(string, string)", "UID": "string", "creationTimestamp": "google.protobuf.Timestamp",
        "deletionGracePeriodSeconds": "int", "deletionTimestamp": "google.protobuf.Timestamp", "generation": "int",
        "resourceVersion": "string", "finalizers": "list(string)",
    },
    "kubernetes.NamespaceSpec": {"finalizers": "list(string)"},
    "kubernetes.NamespaceStatus": {"conditions": "list(kubernetes.NamespaceCondition)", "phase": "string"},
    "kubernetes.NamespaceCondition": {"status": "string", "type": "string",
                                      "lastTransitionTime": "google.protobuf.Timestamp", "message": "string",
                                      "reason": "string"},
}


class Environment:
    """Declared variables (name -> CEL type name) plus the Kubernetes function libraries.

    variables: {"object": "dyn", "request": "kubernetes.AdmissionRequest", "variables": {"a": "bool"}, ...};
    a mapping as the type declares an object type with those fields (unknown fields are compile errors).
    cost_limit: evaluation budget per call (Kubernetes PerCallLimit by default).
    """

    def __init__(self, variables: Optional[Mapping[str, TypeSpec]] = None, *, cost_limit: int = PER_CALL_LIMIT,
                 registry: Optional[Registry] = None) -> None:
        self.variables = dict(variables or {})
        self.cost_limit = cost_limit
        self.registry = registry if registry is not None else load_registry()
        self._object_fields: dict[str, dict[str, T.CelType]] = {
            name: {f: T.parse_type(t) for f, t in fields.items()} for name, fields in OBJECT_TYPES.items()
        }
        self._declared: dict[str, T.CelType] = {}
        for name, spec in self.variables.items():
            self._declared[name] = self._declare(name, spec)
        self._functions: dict[tuple[str, bool], list[Decl]] = {k: list(v) for k, v in STANDARD.items()}
        for (fname, member), bounds in self.registry.functions.items():
            decls = self._functions.setdefault((fname, member), [])
            for b in bounds:
                decls.append(Decl(fname, b.param_types, b.result_type, member))
        self._type_idents = dict(TYPE_IDENTS)
        for tname in self.registry.types:
            self._type_idents[tname] = T.CelType(tname)
        self._validators = _constant_validators(self.registry)

    def _declare(self, name: str, spec: TypeSpec) -> T.CelType:
        if isinstance(spec, T.CelType):
            return spec
        if isinstance(spec, str):
            return T.parse_type(spec)
        type_name = "kubernetes.variables" if name == "variables" else f"kubernetes.{name}"
        self._object_fields[type_name] = {f: self._declare(f, t) if not isinstance(t, Mapping) else
                                          self._declare(f"{name}.{f}", t) for f, t in spec.items()}
        return T.CelType(type_name)

    def check(self, expr: str) -> tuple[A.Expr, Checker, T.CelType]:
        try:
            tree = parse(expr)
        except ParseError as exc:
            raise CompileError(exc.message, expr, exc.pos) from None
        checker = Checker(self._declared, self._functions, self._type_idents, self._object_fields, self._validators)
        try:
            result = checker.check(tree)
            validate_homogeneous_literals(tree, checker.types, checker.mappings)
            if ("format", True) in self.registry.functions:  # ext.Strings is loaded: its format validator too
                validate_format_calls(tree, checker.types, checker.mappings)
        except CheckError as exc:
            raise CompileError(exc.message, expr, exc.pos) from None
        except RecursionError:
            raise CompileError("expression recursion limit exceeded", expr, 0) from None
        return tree, checker, result

    def compile(self, expr: str, result_type: Union[str, tuple[str, ...], None] = None) -> Program:
        """Parse, type-check and compile.

        result_type ("bool", "string", or a tuple such as ("string", "null_type")) is enforced as the API server
        does (pkg/admission/plugin/cel/compile.go): the checked output type must be exactly one of them, so a
        `dyn` result (e.g. `object.spec.flag`) is rejected for a validation ("must evaluate to bool")."""
        tree, checker, rtype = self.check(expr)
        if result_type is not None:
            wanted = (result_type,) if isinstance(result_type, str) else tuple(result_type)
            got = format_type(checker.mappings.substitute(rtype))
            if got not in {format_type(T.parse_type(w)) for w in wanted}:
                reason = (f"must evaluate to {wanted[0]}" if len(wanted) == 1
                          else f"must evaluate to one of [{' '.join(wanted)}]")
                raise CompileError(f"{reason} but got {got}", expr, 0)
        try:
            fn = Compiler(checker.refs, self.registry, checker.types).compile(tree)
        except EvaluationError as exc:
            raise CompileError(str(exc), expr, tree.pos) from None
        except RecursionError:
            raise CompileError("expression recursion limit exceeded", expr, 0) from None
        return Program(expr, fn, rtype, self.cost_limit, node_count(tree))


__all__ = ["CompileError", "CostExceeded", "Environment", "EvaluationError", "LazyVariables", "Program"]
