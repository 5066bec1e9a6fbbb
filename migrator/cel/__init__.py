"""The Kubernetes CEL environment on cel-python.

Public interface (stable; other packages use only this):

    env = Environment(variables={"object": "dyn", ...})   # declarations, as the API server declares them
    program = env.compile(expr)                            # raises CompileError (message, expr, position, line, column)
    program = env.compile(expr, result_type="bool")        # validations must be bool, messageExpression string
    value = program.evaluate({"object": to_cel(obj), ...})  # raises EvaluationError (cost limit included)
    to_cel(json_value) -> CEL value;  to_json(cel_value) -> (json value, CEL type name)
    LazyVariables({"name": program, ...}, activation)      # the VAP `variables` value, bound into activation
"""

from migrator.cel.engine import PER_CALL_LIMIT, Environment, LazyVariables, Program
from migrator.cel.errors import CompileError, EvaluationError
from migrator.cel.values import to_cel, to_json

__all__ = [
    "CompileError", "Environment", "EvaluationError", "LazyVariables", "PER_CALL_LIMIT", "Program", "to_cel", "to_json",
]
