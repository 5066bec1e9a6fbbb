"""The Kubernetes CEL environment on cel-python.

Public interface (stable; other packages use only this):

    env = Environment(variables={"object": "dyn", ...})   # declarations, as the API server declares them
    program = env.compile(expr)                            # raises CompileError (message, expr, position, line, column)
    program = env.compile(expr, result_type="bool")        # validations must be bool, messageExpression string
    value = program.evaluate({"object": to_cel(obj), ...})  # raises EvaluationError (cost limit included)
    to_cel(json_value) -> CEL value;  to_json(cel_value) -> (json value, CEL type name)
    LazyVariables({"name": program, ...}, activation)      # the VAP `variables` value, bound into activation
    load_authorizer(path | None) -> the `authorizer` value (allow-all, or rules from a file; library/authz.py);
        the engine binds it to the request's user and derives `authorizer.requestResource` when the activation
        holds an unbound authorizer and the `request`.
"""

from migrator.cel.engine import (
    PER_CALL_LIMIT,
    RUNTIME_CEL_COST_BUDGET,
    RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS,
    Environment,
    LazyVariables,
    Program,
)
from migrator.cel.errors import CompileError, EvaluationError
from migrator.cel.values import to_cel, to_json



def load_authorizer(path: str | None = None) -> object:
    """The `authorizer` value (the authz library's allow-all, or rules from a YAML/JSON file)."""
    from migrator.cel.library.authz import load_authorizer as load

    return load(path)


__all__ = [
    "CompileError", "Environment", "EvaluationError", "LazyVariables", "PER_CALL_LIMIT", "Program",
    "RUNTIME_CEL_COST_BUDGET", "RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS", "load_authorizer",
    "to_cel", "to_json",
]
