"""Kyverno rule messages -> ValidatingAdmissionPolicy message / messageExpression.

A static message is kept as it is (line breaks folded into spaces: the API server rejects a validation message
with line breaks). A message with `{{ }}` variables becomes a messageExpression that builds the same text in CEL;
the static message (variables shown literally) stays as the fallback the API server uses when the expression
fails. A message whose variables cannot be translated degrades to the static text: messages never change whether a
request is admitted.
"""

from __future__ import annotations

from migrator.translate.kyverno import jmespath as jp
from migrator.translate.kyverno.scope import Scope, Unsupported


def _single_line(text: str) -> str:
    return " ".join(text.replace("\r", "\n").split("\n")).strip()


def message_to_cel(message: str | None, scope: Scope) -> tuple[str | None, str | None]:
    """(message, messageExpression); either may be None."""
    if message is None or message == "":
        return None, None
    if not isinstance(message, str):
        message = str(message)
    static = _single_line(message)
    if not jp.has_variables(message):
        return static.replace("\\{{", "{{"), None
    try:
        parts = jp.split_variables(_single_line(message))
        if len(parts) == 1 and parts[0][0] == "var":
            expr = jp.to_text(jp.jmespath_to_cel(parts[0][1], scope))
        else:
            expr = jp.substitute(_single_line(message), scope)
    except Unsupported:
        return static, None
    return static, str(expr)
