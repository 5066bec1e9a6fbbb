"""Building and checking the generated admissionregistration.k8s.io/v1 objects.

Every object is checked before it is emitted: each CEL expression must compile in our engine (with the variables the
API server declares for a ValidatingAdmissionPolicy) and the object must validate against the compact v1 schema in
schema/admissionregistration-v1.json. A failed check raises Unsupported, so the rule is reported, not emitted.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from importlib import resources
from typing import Any

from migrator.translate.kyverno.scope import Unsupported

API_VERSION = "admissionregistration.k8s.io/v1"
# What the API server declares for VAP expressions (validations, messageExpression, auditAnnotations, variables;
# matchConditions see all but `variables`).
VAP_VARIABLES = ("object", "oldObject", "request", "params", "namespaceObject", "authorizer", "variables")
MAX_NAME = 253

_INVALID = re.compile(r"[^a-z0-9.-]+")
_INVALID_TAIL = re.compile(r"[^a-z0-9-]+")


def object_name(policy: str, namespace: str | None, suffix: str | None = None) -> str:
    """`<policy>[-<namespace>][-<suffix>]` as a DNS subdomain; a short hash keeps altered or long names unique.

    A valid policy name stays the prefix (`<policy>` or `<policy>-...`), so tools can attribute objects to their source.
    """
    raw = "-".join([policy] + ([namespace] if namespace else []) + ([suffix] if suffix else []))
    segments = [seg.strip("-") for seg in _INVALID.sub("-", policy.lower()).split(".")]
    head = ".".join(seg for seg in segments if seg)
    tail = [_INVALID_TAIL.sub("-", part.lower()).strip("-") for part in (namespace, suffix) if part]
    clean = "-".join([head] + [t for t in tail if t]) if head else "-".join(t for t in tail if t)
    if clean != raw or len(clean) > MAX_NAME or not clean:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
        base = clean[: MAX_NAME - 9].rstrip("-.")
        clean = f"{base}-{digest}" if base else f"x-{digest}"
    return clean


def policy_object(name: str, annotations: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name, "annotations": dict(annotations)},
        "spec": spec,
    }


def binding_object(name: str, policy_name: str, actions: list[str], annotations: dict[str, str], *,
                   namespace_selector: dict[str, Any] | None = None, param_ref: dict[str, Any] | None = None,
                   match_resources: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"policyName": policy_name, "validationActions": list(actions)}
    if param_ref:
        spec["paramRef"] = param_ref
    match = dict(match_resources or {})
    if namespace_selector:
        match["namespaceSelector"] = namespace_selector
    if match:
        spec["matchResources"] = match
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name, "annotations": dict(annotations)},
        "spec": spec,
    }


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("migrator.translate").joinpath("schema/admissionregistration-v1.json").read_text("utf-8")
    return json.loads(text)


@functools.lru_cache(maxsize=4)
def _validator(kind: str | None) -> Any:
    import jsonschema

    doc = dict(schema())
    if kind in doc["$defs"]:  # validate against the object's own definition: precise error messages
        doc.pop("oneOf")
        doc["$ref"] = f"#/$defs/{kind}"
    return jsonschema.Draft202012Validator(doc)


_QUALIFIED_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


def condition_names(conditions: list[dict[str, str]]) -> list[dict[str, str]]:
    """matchConditions with names the API server accepts (qualified names, unique). Kyverno does not check
    celPreconditions names; a name never changes a decision, so an invalid one is rewritten, not refused."""
    out, used = [], set()
    for c in conditions:
        name = c["name"]
        if not _QUALIFIED_NAME.match(name) or name in used:
            base = re.sub(r"[^-A-Za-z0-9_.]+", "-", name).strip("-_.")[:50].strip("-_.") or "condition"
            name = f"{base}-{hashlib.sha256(c['name'].encode()).hexdigest()[:6]}"
            n = 2
            while name in used:
                name = f"{base}-{n}"
                n += 1
        used.add(name)
        out.append({**c, "name": name})
    return out


def schema_errors(obj: dict[str, Any]) -> list[str]:
    """Schema violations of one generated object (empty when valid)."""
    errors = []
    kind = obj.get("kind") if isinstance(obj, dict) else None
    for err in _validator(kind if isinstance(kind, str) else None).iter_errors(obj):
        path = "/".join(str(p) for p in err.absolute_path)
        errors.append(f"{path or '<root>'}: {err.message}")
    return errors


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    from migrator.cel import Environment

    return Environment({name: "dyn" for name in VAP_VARIABLES})


def expressions(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, expression) for every CEL expression of a ValidatingAdmissionPolicy."""
    spec = obj.get("spec") or {}
    out = []
    for key, field in (("validations", "expression"), ("validations", "messageExpression"),
                       ("matchConditions", "expression"), ("variables", "expression"),
                       ("auditAnnotations", "valueExpression")):
        for i, item in enumerate(spec.get(key) or []):
            if item.get(field):
                out.append((f"{key}[{i}].{field}", item[field]))
    return out


def compile_errors(obj: dict[str, Any]) -> list[str]:
    """Compile errors of a generated ValidatingAdmissionPolicy, found as verify and the API server find them:
    typed declarations (request, namespaceObject), variables in order, required result types."""
    try:
        from migrator.admission.validator import Validator
        from migrator.sources.documents import Document
        from migrator.sources.vap import read_policy
    except ImportError:  # admission not available: plain compile against dyn declarations
        return _dyn_compile_errors(obj)
    from migrator.errors import InputError

    try:
        policy = read_policy(Document("<generated>", 0, 0, obj))
        validator = Validator(policy)
    except InputError as exc:
        return [exc.message]
    except Exception as exc:  # noqa: BLE001 - the engine failing on this input counts as not compiling
        return [f"{type(exc).__name__}: {exc}"]
    return [f"{e.field}: {e.message.splitlines()[0] if e.message else e}" for e in validator.compile_errors]


def _dyn_compile_errors(obj: dict[str, Any]) -> list[str]:
    from migrator.cel import CompileError

    env = _environment()
    errors = []
    for where, expr in expressions(obj):
        try:
            env.compile(expr)
        except CompileError as exc:
            errors.append(f"{where}: {exc.message.splitlines()[0] if exc.message else exc}")
        except Exception as exc:  # a crash in the engine on this input: treat it as not compiling
            errors.append(f"{where}: {type(exc).__name__}: {exc}")
    return errors


def compiles(expr: str) -> bool:
    """True when `expr` compiles in the VAP environment."""
    from migrator.cel import CompileError

    try:
        _environment().compile(expr)
    except CompileError:
        return False
    except Exception:  # noqa: BLE001 - an engine crash counts as "does not compile"
        return False
    return True


def drop_failing_message_expressions(obj: dict[str, Any]) -> list[str]:
    """Remove messageExpressions that do not compile (the static message stays); returns what was dropped.

    A message never changes the decision, so it must not cost the rule its conversion."""
    dropped = []
    errors = compile_errors(obj)
    for err in errors:
        m = re.match(r"spec\.validations\[(\d+)\]\.messageExpression", err)
        if m:
            validation = obj["spec"]["validations"][int(m.group(1))]
            if validation.pop("messageExpression", None) is not None:
                validation.setdefault("message", "validation failed")
                dropped.append(err)
    return dropped


def check_objects(objects: list[dict[str, Any]]) -> None:
    """Raise Unsupported when a generated object does not compile or does not validate."""
    for obj in objects:
        if obj["kind"] == "ValidatingAdmissionPolicy" and any("messageExpression" in v for v in obj["spec"].get("validations") or []):
            drop_failing_message_expressions(obj)
        errs = schema_errors(obj)
        if errs:
            raise Unsupported(f"generated {obj['kind']} is not valid: {errs[0]}")
        if obj["kind"] == "ValidatingAdmissionPolicy":
            errs = compile_errors(obj)
            if errs:
                raise Unsupported(f"CEL does not compile in the engine: {errs[0]}")
