"""The variables one policy evaluation sees (pkg/admission/plugin/cel/activation.go, composition.go).

`variables` is lazy: each entry is evaluated the first time an expression reads it, at most once per
activation, and may read earlier variables. A variable that fails to compile or evaluate yields an error value
that the reading expression reports (`composited variable "x" fails to evaluate: ...`).
"""

from __future__ import annotations

from typing import Any, Iterator

import celpy
from celpy import celtypes

from migrator.cel import EvaluationError, Program

try:  # the CEL environment's own lazy `variables` (typed, cost-accounted); the class below is the fallback
    from migrator.cel import LazyVariables as EngineLazyVariables  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the CEL engine's version
    EngineLazyVariables = None

# Names as the API server declares them.
OBJECT = "object"
OLD_OBJECT = "oldObject"
REQUEST = "request"
PARAMS = "params"
NAMESPACE_OBJECT = "namespaceObject"
VARIABLES = "variables"
AUTHORIZER = "authorizer"


class CompiledVariable:
    """One spec.variables entry: its program, or why it did not compile."""

    __slots__ = ("name", "program", "error")

    def __init__(self, name: str, program: Program | None, error: str | None) -> None:
        self.name = name
        self.program = program
        self.error = error


class LazyVariables(celtypes.MapType):
    """(Fallback for CEL engines without their own.) The `variables` map: name -> value, computed on first read against `activation` (which holds this map)."""

    def __init__(self, compiled: dict[str, CompiledVariable], activation: dict[str, Any]) -> None:
        super().__init__()
        self._compiled = compiled
        self._activation = activation
        self._values: dict[str, Any] = {}
        self._evaluating: set[str] = set()

    def _value(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        var = self._compiled[name]
        if var.error is not None or var.program is None:
            value: Any = celpy.CELEvalError(f'composited variable "{name}" fails to compile: {var.error}')
        elif name in self._evaluating:
            value = celpy.CELEvalError(f'composited variable "{name}" fails to evaluate: it refers to itself')
        else:
            self._evaluating.add(name)
            try:
                value = var.program.evaluate(self._activation)
            except EvaluationError as exc:
                value = celpy.CELEvalError(f'composited variable "{name}" fails to evaluate: {exc}')
            finally:
                self._evaluating.discard(name)
        self._values[name] = value
        return value

    def __getitem__(self, key: Any) -> Any:
        name = str(key)
        if name not in self._compiled:
            raise KeyError(key)
        return self._value(name)

    def get(self, key: Any, default: Any = None) -> Any:
        name = str(key)
        if name not in self._compiled:
            return default
        return self._value(name)

    def __contains__(self, key: Any) -> bool:
        return str(key) in self._compiled

    def __iter__(self) -> Iterator[Any]:
        return (celtypes.StringType(n) for n in self._compiled)

    def __len__(self) -> int:
        return len(self._compiled)

    def keys(self) -> Any:  # type: ignore[override]
        return [celtypes.StringType(n) for n in self._compiled]

    def values(self) -> Any:  # type: ignore[override]
        return [self._value(n) for n in self._compiled]

    def items(self) -> Any:  # type: ignore[override]
        return [(celtypes.StringType(n), self._value(n)) for n in self._compiled]

    def __repr__(self) -> str:
        return f"LazyVariables({list(self._compiled)})"

    def __eq__(self, other: Any) -> Any:
        return celtypes.MapType(dict(self.items())) == other

    __hash__ = None  # type: ignore[assignment]


if EngineLazyVariables is not None:

    class _ComposedVariables(EngineLazyVariables):  # type: ignore[misc,valid-type]
        """The engine's lazy variables, with errors worded as composition.go words them."""

        def __init__(self, programs: dict[str, Program], activation: dict[str, Any]) -> None:
            super().__init__(programs, activation)
            self._names = frozenset(programs)

        def cel_select(self, name: str) -> Any:
            try:
                return super().cel_select(name)
            except EvaluationError as exc:
                if name in self._names:
                    raise EvaluationError(f'composited variable "{name}" fails to evaluate: {exc}') from None
                raise


def new_activation(
    *,
    object: Any,
    old_object: Any,
    request: Any,
    namespace_object: Any,
    variables: dict[str, CompiledVariable],
    params: Any = None,
    has_params: bool = False,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One activation; `variables` is bound lazily to it. `authorizer` holds the request's authorizer entries
    (`authorizer` and `authorizer.requestResource`)."""
    activation: dict[str, Any] = {
        OBJECT: object,
        OLD_OBJECT: old_object,
        REQUEST: request,
        NAMESPACE_OBJECT: namespace_object,
    }
    if has_params:
        activation[PARAMS] = params
    if authorizer:
        activation.update(authorizer)
    if EngineLazyVariables is not None:
        programs = {name: v.program for name, v in variables.items() if v.program is not None}
        activation[VARIABLES] = _ComposedVariables(programs, activation)
    else:
        activation[VARIABLES] = LazyVariables(variables, activation)
    return activation
