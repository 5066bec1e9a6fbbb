"""The two ways a CEL expression fails: it does not compile, or it fails while evaluating."""

from __future__ import annotations


class CompileError(Exception):
    """The expression does not parse or type-check, as the API server would reject it.

    message: cel-go style text ("undeclared reference to 'math' (in container '')");
    position: 0-based offset in expr; line/column: 1-based, as cel-go prints them ("<input>:1:5").
    str(error) is "line:column: message".
    """

    def __init__(self, message: str, expr: str, position: int | None = None) -> None:
        self.message = message
        self.expr = expr
        self.position = position
        if position is not None:
            line = expr.count("\n", 0, position) + 1
            column = position - (expr.rfind("\n", 0, position) + 1) + 1
        else:
            line = column = None
        self.line = line
        self.column = column
        super().__init__(f"{line}:{column}: {message}" if line is not None else message)


class EvaluationError(Exception):
    """The expression failed at run time (no such key, overflow, budget exceeded, ...)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
