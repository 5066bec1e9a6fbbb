"""`validate.cel` rules and ValidatingPolicy CEL: what carries over to a ValidatingAdmissionPolicy as is.

Kyverno evaluates `validate.cel` with the API server's own validator (pkg/engine/handlers/validation/validate_cel.go):
expressions, messageExpression, variables, auditAnnotations, celPreconditions as matchConditions, paramKind/paramRef;
an expression without a message takes the rule's `validate.message`. ValidatingPolicy CEL adds Kyverno's own libraries,
which no API server has: any use of them makes the construct unsupported.
"""

from __future__ import annotations

import re
from typing import Any

from migrator.translate.kyverno.scope import Unsupported

# Identifiers Kyverno's CEL environments add (pkg/cel/compiler/keys.go and the policy libraries) that a
# ValidatingAdmissionPolicy does not declare; a call or member access on them needs Kyverno.
KYVERNO_CEL_GLOBALS = ("globalContext", "http", "resource", "image", "imagedata", "images", "generator", "exceptions",
                       "attestations", "attestors", "json", "yaml", "x509", "random", "time", "hash", "gctx",
                       "parseImageReference", "parseServiceAccount")
_GLOBAL_RE = re.compile(r"(?<![\w.])(" + "|".join(KYVERNO_CEL_GLOBALS) + r")\s*[.(]")
_BOUND_RE = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter|transformList|transformMap)\s*\(\s*(\w+)\s*[,)]")
_BIND_RE = re.compile(r"cel\.bind\s*\(\s*(\w+)\s*,")
_STRING_RE = re.compile(r"""(?s)('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")""")


def kyverno_library_use(expr: str) -> str | None:
    """The Kyverno-only CEL identifier `expr` uses (outside string literals), or None."""
    code = _STRING_RE.sub('""', expr)
    bound = set(_BOUND_RE.findall(code)) | set(_BIND_RE.findall(code))
    for m in _GLOBAL_RE.finditer(code):
        if m.group(1) not in bound:
            return m.group(1)
    return None


def check_portable(expr: Any, where: str) -> str:
    if not isinstance(expr, str) or not expr.strip():
        raise Unsupported(f"{where}: missing expression")
    lib = kyverno_library_use(expr)
    if lib:
        raise Unsupported(f"{where}: Kyverno CEL library `{lib}` (not available to a ValidatingAdmissionPolicy)")
    return expr


class Dialect:
    """Ports Kyverno CEL to the API server's CEL (cel_dialect: Kyverno's orValue compat macro and friends).

    `variables` are the policy's own spec.variables (name -> Kyverno expression): their kinds decide how the
    expressions that read them are rewritten. `kyverno=False` copies as is, for CEL the API server itself already
    evaluates in Kyverno's place (webhook matchConditions)."""

    def __init__(self, variables: Any = None, kyverno: bool = True) -> None:
        self.kyverno = kyverno
        self.variables = {str(v["name"]): str(v["expression"]) for v in variables or []
                          if isinstance(v, dict) and v.get("name") and isinstance(v.get("expression"), str)}

    def port(self, expr: Any, where: str, *, keep_types: bool = False) -> str:
        text = check_portable(expr, where)
        if not self.kyverno:
            return text
        from migrator.translate.kyverno.cel_dialect import to_apiserver_cel

        try:
            return to_apiserver_cel(text, variables=self.variables, keep_kyverno_types=keep_types)
        except Unsupported as exc:
            raise Unsupported(f"{where}: {exc.reason}") from None


AS_IS = Dialect(kyverno=False)


def copy_validations(items: Any, where: str, default_message: str | None = None,
                     dialect: Dialect = AS_IS) -> list[dict[str, Any]]:
    out = []
    for i, v in enumerate(items or []):
        if not isinstance(v, dict):
            raise Unsupported(f"{where}[{i}] is not a mapping")
        item: dict[str, Any] = {"expression": dialect.port(v.get("expression"), f"{where}[{i}]")}
        message = v.get("message") or default_message
        if message:
            item["message"] = str(message)
        if v.get("messageExpression"):
            item["messageExpression"] = dialect.port(v["messageExpression"], f"{where}[{i}].messageExpression")
        if v.get("reason"):
            item["reason"] = v["reason"]
        out.append(item)
    return out


def copy_named(items: Any, where: str, value_key: str, dialect: Dialect = AS_IS) -> list[dict[str, Any]]:
    """variables (name, expression), matchConditions (name, expression), auditAnnotations (key, valueExpression).

    Variables keep Kyverno's types (the expressions that read them see those types)."""
    out = []
    name_key = "key" if value_key == "valueExpression" else "name"
    keep_types = where.endswith("variables")
    for i, v in enumerate(items or []):
        if not isinstance(v, dict) or not v.get(name_key):
            raise Unsupported(f"{where}[{i}] has no {name_key}")
        out.append({name_key: str(v[name_key]),
                    value_key: dialect.port(v.get(value_key), f"{where}[{i}]", keep_types=keep_types)})
    return out


def translate_cel_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """VAP spec pieces for a `validate.cel` rule: validations, variables, auditAnnotations, matchConditions,
    paramKind, and the binding's paramRef."""
    validate = rule["validate"]
    cel = validate.get("cel")
    if not isinstance(cel, dict):
        raise Unsupported("validate.cel is not a mapping")
    dialect = Dialect(cel.get("variables"))
    pieces: dict[str, Any] = {
        "validations": copy_validations(cel.get("expressions"), "validate.cel.expressions", validate.get("message"),
                                        dialect),
        "variables": copy_named(cel.get("variables"), "validate.cel.variables", "expression", dialect),
        "auditAnnotations": copy_named(cel.get("auditAnnotations"), "validate.cel.auditAnnotations", "valueExpression",
                                       dialect),
        "matchConditions": copy_named(rule.get("celPreconditions"), "celPreconditions", "expression", dialect),
    }
    if not pieces["validations"] and not pieces["auditAnnotations"]:
        raise Unsupported("validate.cel without expressions")
    if cel.get("paramKind"):
        pieces["paramKind"] = dict(cel["paramKind"])
        ref = cel.get("paramRef")
        if not isinstance(ref, dict):
            raise Unsupported("validate.cel.paramKind without paramRef")
        pieces["paramRef"] = dict(ref)
    return pieces
