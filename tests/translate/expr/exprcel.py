"""Test helper: evaluate generated CEL with our engine against JSON objects."""

from __future__ import annotations

import functools

import pytest

from migrator.cel import Environment, to_cel, to_json

VARIABLES = {"object": "dyn", "oldObject": "dyn", "request": "dyn", "params": "dyn", "namespaceObject": "dyn"}


@functools.lru_cache(maxsize=None)
def environment(extra: frozenset = frozenset()) -> Environment:
    variables = dict(VARIABLES)
    variables.update({name: "dyn" for name in extra})
    return Environment(variables)


@functools.lru_cache(maxsize=None)
def typed_request_environment(extra: frozenset = frozenset()) -> Environment:
    """As the API server declares `request` (kubernetes.AdmissionRequest): typed fields catch ill-typed CEL."""
    variables = dict(VARIABLES)
    variables["request"] = "kubernetes.AdmissionRequest"
    variables.update({name: "dyn" for name in extra})
    return Environment(variables)


def evaluate(expr: str, obj=None, **activation):
    """Value of `expr` (JSON) with `object` bound to `obj` and any other variables given as JSON (undeclared
    names are declared as dyn, as foreach element variables are)."""
    activation.setdefault("request", {"operation": "CREATE"})
    activation.setdefault("oldObject", None)
    bound = {"object": to_cel(obj)}
    for name, value in activation.items():
        bound[name] = to_cel(value)
    extra = frozenset(n for n in activation if n not in VARIABLES)
    typed_request_environment(extra).compile(expr)  # must also type-check against the API server's typed request
    program = environment(extra).compile(expr)
    return to_json(program.evaluate(bound))[0]


@functools.lru_cache(maxsize=None)
def engine_has(expr: str) -> bool:
    try:
        environment().compile(expr).evaluate({})
        return True
    except Exception:  # noqa: BLE001 - any failure means the engine lacks the function
        return False


def needs_quantity():
    return pytest.mark.skipif(
        not engine_has('isQuantity("1Gi") && quantity("1Gi").compareTo(quantity("1Mi")) > 0'),
        reason="engine lacks the Kubernetes quantity library (isQuantity/quantity) so far",
    )

