"""Shared helpers for the CEL engine tests: compile and evaluate with JSON in, (JSON, type) out."""

from __future__ import annotations

from typing import Any

from migrator.cel import Environment, to_cel, to_json


def evaluate(expr: str, **variables: Any) -> tuple[Any, str]:
    env = Environment({name: "dyn" for name in variables})
    value = env.compile(expr).evaluate({k: to_cel(v) for k, v in variables.items()})
    return to_json(value)


def value(expr: str, **variables: Any) -> Any:
    return evaluate(expr, **variables)[0]
