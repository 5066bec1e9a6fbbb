"""Kyverno rule `context` entries and access to the expression translators.

A `variable` entry with a JMESPath over the request, or a constant value, is inlined into the Scope (later `{{ name }}`
references expand to its CEL); apiCall / configMap / imageRegistry / globalReference fetch data at admission time,
which a ValidatingAdmissionPolicy cannot do, so they are unsupported.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from migrator.translate.kyverno.scope import Scope, Unsupported


def expression_module(name: str) -> Any:
    """The expression translator module `name` (pattern, conditions, jmespath, message, podsecurity)."""
    try:
        return importlib.import_module(f"migrator.translate.kyverno.{name}")
    except ImportError as exc:
        raise Unsupported(f"{name} translation is not available ({exc})") from None


_USERNAME = '(has(request.userInfo.username) ? request.userInfo.username : "")'
# Kyverno's AddServiceAccount: drop the first len("system:serviceaccount:") bytes (no prefix check), split on ":",
# name = part 1, namespace = part 0 when there are at least two parts, else "".
_SA = f'(size({_USERNAME}) <= 22 ? "" : {_USERNAME}.substring(22))'
BUILTIN_VARIABLES = {
    "serviceAccountName": f'(size({_SA}.split(":")) >= 2 ? {_SA}.split(":")[1] : "")',
    "serviceAccountNamespace": f'(size({_SA}.split(":")) >= 2 ? {_SA}.split(":")[0] : "")',
}


def base_scope() -> Scope:
    """The scope every rule starts from: Kyverno's built-in variables that a VAP can compute from `request`."""
    return Scope(variables=dict(BUILTIN_VARIABLES))


def translate_context(rule: dict[str, Any], scope: Scope) -> Scope:
    """Inline `variable` context entries into the scope; anything that fetches data is unsupported."""
    entries = rule.get("context") or []
    if not entries:
        return scope
    variables = dict(scope.variables)
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise Unsupported("malformed context entry")
        for source in ("apiCall", "configMap", "imageRegistry", "globalReference"):
            if entry.get(source) is not None:
                raise Unsupported(f"context.{source} (data a ValidatingAdmissionPolicy cannot fetch)")
        var = entry.get("variable")
        if not isinstance(var, dict):
            raise Unsupported("context entry without a supported source")
        name = str(entry["name"])
        inner = Scope(object=scope.object, old_object=scope.old_object, element=scope.element,
                      element_index=scope.element_index, outer=scope.outer, variables=variables)
        has_path, has_value = var.get("jmesPath") is not None, var.get("value") is not None
        if has_path and not has_value:
            expr = expression_module("jmespath").jmespath_to_cel(str(var["jmesPath"]), inner)
            if var.get("default") is not None:
                if "{{" in json.dumps(var["default"]):
                    raise Unsupported("context.variable default with embedded variables")
                from migrator.translate.cel_literal import literal

                # Kyverno (loaders/variable.go): the default replaces a null result
                expr = f"(({expr}) != null ? ({expr}) : {literal(var['default'])})"
            else:
                # Kyverno: a variable that evaluates to nil is an error of the rule; so is it here
                from migrator.translate.cel_literal import quote

                expr = f"(({expr}) != null ? ({expr}) : {{}}[{quote(f'kyverno: context variable {name} evaluated to nil')}])"
            variables[name] = expr
        elif has_value and not has_path:
            value = var["value"]
            if "{{" in json.dumps(value):
                if isinstance(value, str):
                    variables[name] = expression_module("jmespath").substitute(value, inner)
                else:
                    raise Unsupported("context.variable value with embedded variables")
            else:
                from migrator.translate.cel_literal import literal

                variables[name] = literal(value)
        else:
            raise Unsupported("context.variable with both value and jmesPath" if has_path else "empty context.variable")
    return Scope(object=scope.object, old_object=scope.old_object, element=scope.element,
                 element_index=scope.element_index, outer=scope.outer, variables=variables)


