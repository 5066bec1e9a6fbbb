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

    def cel_go_text(self) -> str:
        """The error as cel-go's Issues.String() prints it (what the API server reports):

            ERROR: <input>:1:5: undeclared reference to 'x' (in container '')
             | 1 + x
             | ....^
        """
        if self.line is None or self.column is None:
            return f"ERROR: <input>: {self.message}"
        source_line = self.expr.split("\n")[self.line - 1] if self.expr else ""
        return (f"ERROR: <input>:{self.line}:{self.column}: {self.message}\n | {source_line}\n"
                f" | {'.' * (self.column - 1)}^")


class EvaluationError(Exception):
    """The expression failed at run time (no such key, overflow, budget exceeded, ...)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
