"""Where plain cel-python 0.5.0 differs from cel-go, and that migrator's engine now agrees with cel-go.

Each case runs plain cel-python (celpy.Environment, interpreted runner) and our engine. Expectations come from
the cel-spec conformance suite (google/cel-spec tests/simple/testdata: comparisons, integer_math, logic, fields,
parse, string, optionals) and Kubernetes' environment (k8s.io/apiserver pkg/cel/environment/base.go).
"""

from __future__ import annotations

import logging

import celpy
import pytest

from migrator.cel import CompileError, Environment, EvaluationError, to_json

logging.getLogger("celpy").setLevel(logging.CRITICAL)

OK, ERROR = "ok", "error"


def plain_celpy(expr: str):
    try:
        env = celpy.Environment()
        result = env.program(env.compile(expr)).evaluate({})
    except Exception:  # parse errors, TypeErrors leaking from celtypes, ...
        return ERROR
    if isinstance(result, celpy.CELEvalError):
        return ERROR
    return (OK, to_json(result)[0])


def ours(expr: str):
    try:
        return (OK, to_json(Environment().compile(expr).evaluate({}))[0])
    except (CompileError, EvaluationError):
        return ERROR


@pytest.mark.parametrize(
    "expr, cel_go",
    [
        # comparisons.textproto eq_mixed_types / in_list: heterogeneous numeric equality
        ("dyn(1) == 1.0", (OK, True)),
        ("dyn(1u) == 1", (OK, True)),
        ("1.0 in [dyn(1)]", (OK, True)),
        # comparisons.textproto: cross-type ordering (cel.CrossTypeNumericComparisons)
        ("dyn(1) < 1.5", (OK, True)),
        # conversions.textproto: int(string) is base 10 only (strconv.ParseInt(s, 10, 64))
        ("int('0x10')", ERROR),
        # conversions: string(double) prints with Go's %g
        ("string(1e6)", (OK, "1e+06")),
        # strings cannot be indexed (no '_[_]' overload for string)
        ("'abc'[0]", ERROR),
        # parse.textproto: backtick-quoted field names
        ("{'a-b': 1}.`a-b`", (OK, 1)),
        # logic.textproto: NaN comparisons are false, not errors
        ("dyn(1) != 0.0/0.0", (OK, True)),
        # optionals.textproto
        ("{'a': 1}.?b.orValue(2)", (OK, 2)),
        # optionals: optional index on a list
        ("[1, 2][?5].hasValue()", (OK, False)),
        # Kubernetes: HomogeneousAggregateLiterals
        ("[1, 'a'].size()", ERROR),
    ],
)
def test_cel_python_differs_and_we_agree_with_cel_go(expr, cel_go):
    assert ours(expr) == cel_go
    assert plain_celpy(expr) != cel_go
