"""Helpers for the library tests: evaluate through the public engine interface, JSON in, (JSON, type) out."""

from __future__ import annotations

from typing import Any

import pytest

from migrator.cel import CompileError, Environment, EvaluationError, to_cel, to_json


def run(expr: str, **variables: Any) -> tuple[Any, str]:
    env = Environment({name: "dyn" for name in variables})
    return to_json(env.compile(expr).evaluate({k: to_cel(v) for k, v in variables.items()}))


def value(expr: str, **variables: Any) -> Any:
    return run(expr, **variables)[0]


def runtime_error(expr: str, **variables: Any) -> str:
    with pytest.raises(EvaluationError) as info:
        run(expr, **variables)
    return str(info.value)


def compile_error(expr: str) -> str:
    with pytest.raises(CompileError) as info:
        Environment({}).compile(expr)
    return str(info.value)
