"""Compile once, evaluate many: a thin, replaceable seam over cel-python.

(First cut: plain cel-python. The Kubernetes libraries and cel-go fixes plug in behind this interface.)
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import celpy
from celpy import celtypes

logging.getLogger("celpy").setLevel(logging.CRITICAL)


class CompileError(Exception):
    """The expression does not parse or type-check, as the API server would reject it at admission time."""

    def __init__(self, message: str, expr: str, position: int | None = None) -> None:
        self.message = message
        self.expr = expr
        self.position = position
        super().__init__(message)


class EvaluationError(Exception):
    """The expression failed at run time (no such key, overflow, budget exceeded, ...)."""


class Program:
    """A compiled expression, reusable across activations."""

    def __init__(self, expr: str, runner: Any) -> None:
        self.expr = expr
        self._runner = runner

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        try:
            result = self._runner.evaluate(dict(activation))
        except celpy.CELEvalError as exc:
            raise EvaluationError(str(exc.args[0] if exc.args else exc)) from None
        except (TypeError, ValueError, ArithmeticError, KeyError, IndexError) as exc:
            raise EvaluationError(str(exc)) from None
        if isinstance(result, celpy.CELEvalError):
            raise EvaluationError(str(result.args[0] if result.args else result))
        return result


class Environment:
    """Declared variables (name -> CEL type name) plus the Kubernetes function libraries."""

    def __init__(self, variables: Mapping[str, str] | None = None) -> None:
        self.variables = dict(variables or {})
        self._env = celpy.Environment()
        from migrator.cel.registry import load_registry

        self._functions = _library_functions(load_registry())

    def compile(self, expr: str) -> Program:
        try:
            ast = self._env.compile(expr)
        except celpy.CELParseError as exc:
            raise CompileError(str(exc), expr) from None
        return Program(expr, self._env.program(ast, functions=self._functions))


def _library_functions(registry: Any) -> dict[str, Any]:
    """Interim wiring on plain cel-python: one dispatcher per library function name (first matching overload)."""
    functions: dict[str, Any] = {}
    names = {name for name, _member in registry.functions}
    for name in names:
        candidates = registry.overloads(name, True) + registry.overloads(name, False)

        def dispatch(*args: Any, _c: list = candidates, _n: str = name) -> Any:
            for bound in _c:
                if bound.accepts(args):
                    result = bound.overload.impl(*args)
                    if isinstance(result, celpy.CELEvalError):
                        raise EvaluationError(str(result.args[0] if result.args else result))
                    return result
            raise EvaluationError(f"no such overload: {_n}")

        functions[name] = dispatch
    return functions


__all__ = ["CompileError", "Environment", "EvaluationError", "Program", "celtypes"]
