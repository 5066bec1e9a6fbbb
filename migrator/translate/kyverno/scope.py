"""What a Kyverno expression can see, expressed as CEL, and how a translation says "cannot".

Shared by the structural translator (rules, match/exclude, foreach, autogen) and the expression translators
(pattern, conditions, JMESPath, messages, podSecurity).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


class Unsupported(Exception):
    """This construct has no faithful CEL translation; `reason` names the construct (shown in the report)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Scope:
    """CEL spellings of the names a Kyverno rule refers to.

    object / old_object: CEL for `request.object` / `request.oldObject`.
    element / element_index: CEL names bound by the enclosing foreach comprehension (None outside foreach);
        `outer` holds the enclosing levels' (element, index) names for nested foreach (`element0`, ...).
    variables: Kyverno context variable name -> CEL expression (for context entries already translated).
    """

    object: str = "object"
    old_object: str = "oldObject"
    element: str | None = None
    element_index: str | None = None
    outer: tuple[tuple[str, str], ...] = ()
    variables: dict[str, str] = field(default_factory=dict)

    def in_foreach(self, element: str, index: str) -> "Scope":
        """The scope inside one more foreach level."""
        outer = self.outer + ((self.element, self.element_index),) if self.element else self.outer
        return replace(self, element=element, element_index=index, outer=outer)
