"""The Kubernetes CEL environment on cel-python.

Public interface (stable; other packages use only this):

    env = Environment(variables={"object": "dyn", ...})   # declarations, as the API server declares them
    program = env.compile(expr)                            # raises CompileError (message, expr, position)
    value = program.evaluate({"object": to_cel(obj), ...})  # raises EvaluationError
    to_cel(json_value) -> CEL value;  to_json(cel_value) -> (json value, CEL type name)
"""

from migrator.cel.engine import CompileError, Environment, EvaluationError, Program
from migrator.cel.values import to_cel, to_json

__all__ = ["CompileError", "Environment", "EvaluationError", "Program", "to_cel", "to_json"]
