"""`validate.foreach` -> one CEL comprehension per foreach entry (nested entries nest comprehensions).

Kyverno (pkg/engine/handlers/validation/validate_resource.go, pkg/engine/utils/foreach.go):
- the `list` JMESPath result is the element list; a non-list result is one element (so a missing list is `[null]`);
- null elements are skipped; an element whose preconditions do not hold is skipped;
- pattern/anyPattern apply to the element when it is a map (elementScope defaults to true for maps, false otherwise,
  where the pattern applies to the whole resource); deny conditions see `element`;
- `elementIndex` makes the comprehension a two-variable one (`all(i, e, ...)`, Kubernetes 1.32+);
- the rule fails when any element of any entry fails.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from migrator.translate.kyverno.context import translate_context
from migrator.translate.kyverno.scope import Scope, Unsupported

ExprModule = Callable[[str], Any]


def _element_names(scope: Scope) -> tuple[str, str]:
    depth = len(scope.outer) + (1 if scope.element else 0)
    return f"element{depth}", f"elementIndex{depth}"


def foreach_to_cel(entries: Any, scope: Scope, expr: ExprModule, depth: int = 0) -> str:
    """CEL bool: every element of every foreach entry passes."""
    if not isinstance(entries, list) or not entries:
        raise Unsupported("validate.foreach must be a non-empty list")
    if depth > 4:
        raise Unsupported("foreach nested deeper than 4 levels")
    parts = []
    for i, fe in enumerate(entries):
        if not isinstance(fe, dict):
            raise Unsupported(f"foreach[{i}] is not a mapping")
        if not isinstance(fe.get("list"), str) or not fe["list"].strip():
            raise Unsupported("foreach without a list expression")
        list_expr = expr("jmespath").jmespath_to_cel(fe["list"].strip(), scope)
        elem, index = _element_names(scope)
        inner = translate_context(fe, scope.in_foreach(elem, index))
        body = _element_body(fe, elem, inner, expr, depth)
        guard = []
        if fe.get("preconditions"):
            pre = expr("conditions").conditions_to_cel(fe["preconditions"], inner)
            guard.append(f"!({pre})")
        element_ok = " || ".join([f"{elem} == null"] + guard + [f"({body})"])
        items = f"(type({list_expr}) == list ? {list_expr} : [{list_expr}])"
        if re.search(rf"\b{index}\b", element_ok):
            # elementIndex: a two-variable comprehension (Kubernetes 1.32+)
            parts.append(f"{items}.all({index}, {elem}, {element_ok})")
        else:
            parts.append(f"{items}.all({elem}, {element_ok})")
    return parts[0] if len(parts) == 1 else " && ".join(f"({p})" for p in parts)


def _element_body(fe: dict[str, Any], elem: str, scope: Scope, expr: ExprModule, depth: int) -> str:
    scoped = fe.get("elementScope")
    if scoped is True:
        subject = elem
    elif scoped is False:
        subject = scope.object
    else:
        subject = f"(type({elem}) == map ? {elem} : {scope.object})"
    if fe.get("deny") is not None:
        deny = fe["deny"]
        conditions = deny.get("conditions") if isinstance(deny, dict) else None
        if conditions is None:
            return "false"  # no conditions: Kyverno denies every element
        return f"!({expr('conditions').conditions_to_cel(conditions, scope)})"
    if fe.get("pattern") is not None:
        return expr("pattern").pattern_to_cel(fe["pattern"], subject, scope)
    if fe.get("anyPattern") is not None:
        if not isinstance(fe["anyPattern"], list):
            raise Unsupported("foreach anyPattern is not a list")
        return expr("pattern").any_pattern_to_cel(fe["anyPattern"], subject, scope)
    if fe.get("foreach") is not None:
        return foreach_to_cel(fe["foreach"], scope, expr, depth + 1)
    raise Unsupported("foreach entry without deny, pattern, anyPattern or foreach")
