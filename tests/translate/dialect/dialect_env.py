"""Test helper: evaluate an expression as Kyverno does and as the API server does, with our engine.

Kyverno side: the expression spelled as Kyverno's parser expands it (`expand_compat_macro`: every one-argument
`x.orValue(y)` becomes `__orValueCompat__(x, y)`), checked and evaluated in our Kubernetes environment plus the
compat function, transcribed from kyverno/kyverno pkg/cel/compiler/env.go (OrValueCompatEnvOptions):

    cel.Function("__orValueCompat__", cel.Overload("__orValueCompat___dyn_dyn", [dyn, dyn], dyn,
        cel.BinaryBinding(func(lhs, rhs) { switch v := lhs.(type) { case *types.Optional: if v.HasValue() {
        return v.GetValue() }; return rhs; case *types.Err: return rhs; default: return lhs } })))

A binary binding is strict in cel-go (interpreter/interpretable.go evalBinary: both arguments are evaluated and an
error or unknown argument is returned before the binding runs), so the `*types.Err` case never runs; our engine's
library calls are strict the same way.

API-server side: the rewritten expression in the plain Kubernetes environment. Both declare the VAP variables
(object, oldObject, request, params, namespaceObject, authorizer, variables) as the API server does.
"""

from __future__ import annotations

import functools
from typing import Any, Mapping, Optional

from migrator.cel import Environment, EvaluationError, LazyVariables, to_cel, to_json
from migrator.cel.library import Library
from migrator.cel.registry import Registry, _predicate, load_registry
from migrator.cel.types import OptionalValue
from migrator.translate.kyverno.cel_dialect import expand_compat_macro, to_apiserver_cel

VAP_VARIABLES: dict[str, Any] = {
    "object": "dyn", "oldObject": "dyn", "params": "dyn", "request": "kubernetes.AdmissionRequest",
    "namespaceObject": "kubernetes.Namespace", "authorizer": "kubernetes.authorization.Authorizer",
}


def _or_value_compat(lhs: Any, rhs: Any) -> Any:
    if type(lhs) is OptionalValue:
        return lhs.value if lhs.present else rhs
    return lhs


@functools.lru_cache(maxsize=1)
def kyverno_registry() -> Registry:
    base = load_registry()
    registry = Registry()
    for library in base.libraries:
        registry.add(library)
    compat = Library("kyverno-orvalue-compat")
    compat.add("__orValueCompat__", _or_value_compat, ("dyn", "dyn"), "dyn")
    registry.add(compat)
    for bounds in registry.functions.values():
        for bound in bounds:
            bound.predicates = tuple(_predicate(p, registry.types) for p in bound.param_types)
    return registry


@functools.lru_cache(maxsize=None)
def _environment(kyverno: bool, variable_types: tuple[tuple[str, str], ...]) -> Environment:
    declared = dict(VAP_VARIABLES)
    declared["variables"] = dict(variable_types)
    return Environment(declared, registry=kyverno_registry() if kyverno else None)


def environment(kyverno: bool, variable_types: Optional[Mapping[str, str]] = None) -> Environment:
    return _environment(kyverno, tuple(sorted((variable_types or {}).items())))


REQUEST = {
    "uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"},
    "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
    "requestResource": {"group": "", "version": "v1", "resource": "pods"},
    "name": "p", "namespace": "default", "operation": "CREATE", "dryRun": False,
    "userInfo": {"username": "alice", "groups": ["dev"]},
}


class Side:
    """One policy (variables + expression) compiled for one side; `outcome(obj)` evaluates it."""

    def __init__(self, kyverno: bool, expr: str, variables: Optional[Mapping[str, str]] = None,
                 tell_variables: bool = True) -> None:
        """tell_variables=False: the rewrite is not given the policy's variables (it must then decide at run
        time), though they are still compiled and bound."""
        self.kyverno = kyverno
        self.variables = dict(variables or {})
        told = self.variables if tell_variables else None
        spell = expand_compat_macro if kyverno else (
            lambda e, typed=False: to_apiserver_cel(e, variables=told, keep_kyverno_types=typed))
        types: dict[str, str] = {}
        self.programs = {}
        for name, vexpr in self.variables.items():
            text = expand_compat_macro(vexpr) if kyverno else spell(vexpr, True)
            program = environment(kyverno, types).compile(text)
            types[name] = program.type_name
            self.programs[name] = program
        self.variable_types = types
        self.text = spell(expr)
        self.program = environment(kyverno, types).compile(self.text)

    @property
    def type_name(self) -> str:
        return self.program.type_name

    def outcome(self, obj: Any, old: Any = None, request: Optional[dict] = None) -> tuple[str, Any]:
        activation: dict[str, Any] = {
            "object": to_cel(obj), "oldObject": to_cel(old), "params": None,
            "request": to_cel(request or REQUEST), "namespaceObject": None,
        }
        LazyVariables(self.programs, activation)
        try:
            return "value", to_json(self.program.evaluate(activation))[0]
        except EvaluationError:
            return "error", None


def kyverno(expr: str, variables: Optional[Mapping[str, str]] = None) -> Side:
    return Side(True, expr, variables)


def apiserver(expr: str, variables: Optional[Mapping[str, str]] = None, tell_variables: bool = True) -> Side:
    return Side(False, expr, variables, tell_variables)
