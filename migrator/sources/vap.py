"""ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding and param objects -> plain dataclasses.

Reading applies the API server's defaults (failurePolicy Fail, matchPolicy Equivalent, empty selectors, rule scope
`*`) and rejects what its validation would reject (missing required fields, unknown enum values), naming the file,
the document and the field path. Documents of other kinds are skipped and counted, so Kyverno policies may sit
in the same folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, TypeVar

import yaml

from migrator.errors import InputError
from migrator.sources.documents import Document, KubeYamlLoader, iter_documents, read_text
from migrator.sources.kinds import split_api_version

T = TypeVar("T")

ADMISSION_GROUP = "admissionregistration.k8s.io"
POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"
POLICY_VERSIONS = ("v1", "v1beta1", "v1alpha1")

FAILURE_POLICIES = ("Fail", "Ignore")
MATCH_POLICIES = ("Exact", "Equivalent")
OPERATIONS = ("*", "CREATE", "UPDATE", "DELETE", "CONNECT")
SCOPES = ("*", "Cluster", "Namespaced")
VALIDATION_ACTIONS = ("Deny", "Warn", "Audit")
REASONS = ("Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge")
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
NOT_FOUND_ACTIONS = ("Allow", "Deny")


@dataclass(frozen=True)
class Origin:
    """Where an object was read: file and document position, for error lines."""

    path: str
    where: str
    index: int = 0
    item: int | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.where}"

    def field(self, field_path: str) -> str:
        """The position of one field of the object: `document 1, line 16`."""
        return field_where(self.path, self.where, self.index, self.item, field_path)


@dataclass(frozen=True)
class LabelRequirement:
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, Any]) -> bool:
        """labels.Requirement.Matches: NotIn and DoesNotExist hold for a missing label; an unknown operator holds
        for nothing (the API server rejects it when the selector is written)."""
        present = self.key in labels
        if self.operator == "In":
            return present and str(labels[self.key]) in self.values
        if self.operator == "NotIn":
            return not present or str(labels[self.key]) not in self.values
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        return False


@dataclass(frozen=True)
class LabelSelector:
    """metav1.LabelSelector as its parsed requirements (matchLabels become `In` with one value)."""

    requirements: tuple[LabelRequirement, ...] = ()

    @property
    def empty(self) -> bool:
        """An empty selector matches everything."""
        return not self.requirements


@dataclass(frozen=True)
class ResourceRule:
    """NamedRuleWithOperations."""

    api_groups: tuple[str, ...]
    api_versions: tuple[str, ...]
    operations: tuple[str, ...]
    resources: tuple[str, ...]
    resource_names: tuple[str, ...] = ()
    scope: str = "*"


@dataclass(frozen=True)
class MatchResources:
    namespace_selector: LabelSelector = LabelSelector()
    object_selector: LabelSelector = LabelSelector()
    resource_rules: tuple[ResourceRule, ...] = ()
    exclude_resource_rules: tuple[ResourceRule, ...] = ()
    match_policy: str = "Equivalent"


@dataclass(frozen=True)
class MatchCondition:
    name: str
    expression: str
    field: str  # field path of the expression, for error messages


@dataclass(frozen=True)
class Variable:
    name: str
    expression: str
    field: str


@dataclass(frozen=True)
class Validation:
    expression: str
    field: str
    message: str = ""
    message_expression: str = ""
    reason: str | None = None  # None: the API server uses Invalid


@dataclass(frozen=True)
class AuditAnnotation:
    key: str
    value_expression: str
    field: str


@dataclass(frozen=True)
class ParamKind:
    api_version: str
    kind: str

    @property
    def group(self) -> str:
        return split_api_version(self.api_version)[0]


@dataclass(frozen=True)
class ParamRef:
    name: str = ""
    namespace: str = ""
    selector: LabelSelector | None = None
    parameter_not_found_action: str = "Deny"


@dataclass(frozen=True)
class Policy:
    name: str
    origin: Origin
    match_constraints: MatchResources
    failure_policy: str = "Fail"
    param_kind: ParamKind | None = None
    match_conditions: tuple[MatchCondition, ...] = ()
    variables: tuple[Variable, ...] = ()
    validations: tuple[Validation, ...] = ()
    audit_annotations: tuple[AuditAnnotation, ...] = ()


@dataclass(frozen=True)
class Binding:
    name: str
    origin: Origin
    policy_name: str
    validation_actions: tuple[str, ...]
    param_ref: ParamRef | None = None
    match_resources: MatchResources | None = None


@dataclass
class PolicySet:
    """Everything read from --policies: policies by name, their bindings, and what was skipped."""

    policies: dict[str, Policy] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # "apiVersion/kind" -> documents skipped

    def bindings_for(self, policy_name: str) -> list[Binding]:
        return [b for b in self.bindings if b.policy_name == policy_name]


class _Reader:
    """Reads one document's fields with a running field path, raising InputError at the first problem."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def fail(self, path: str, message: str) -> InputError:
        return InputError(self.doc.path, f"{path}: {message}", field_where(self.doc.path, self.doc.where, self.doc.index, self.doc.item, path))

    def map(self, value: Any, path: str, *, required: bool = False) -> dict:
        if value is None:
            if required:
                raise self.fail(path, "Required value")
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_type_name(value)}")
        return value

    def list(self, value: Any, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_type_name(value)}")
        return value

    def string(self, value: Any, path: str, *, required: bool = False, default: str = "") -> str:
        if value is None or (required and value == ""):
            if required:
                raise self.fail(path, "Required value")
            return default
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {_type_name(value)}")
        return value

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        items = self.list(value, path)
        out = []
        for i, v in enumerate(items):
            if not isinstance(v, str):
                raise self.fail(f"{path}[{i}]", f"expected a string, got {_type_name(v)}")
            out.append(v)
        return tuple(out)

    def enum(self, value: Any, path: str, allowed: tuple[str, ...], *, default: str | None = None) -> str:
        if value is None and default is not None:
            return default
        text = self.string(value, path, required=True)
        if text not in allowed:
            choices = ", ".join(f'"{a}"' for a in allowed)
            raise self.fail(path, f'Unsupported value: "{text}": supported values: {choices}')
        return text

    # -- shared structures

    def selector(self, value: Any, path: str) -> LabelSelector:
        """metav1.LabelSelectorAsSelector: matchLabels and matchExpressions, validated as the API server does."""
        sel = self.map(value, path)
        reqs: list[LabelRequirement] = []
        labels = self.map(sel.get("matchLabels"), f"{path}.matchLabels")
        for key in sorted(labels):
            reqs.append(LabelRequirement(str(key), "In", (self.string(labels[key], f"{path}.matchLabels.{key}"),)))
        for i, expr in enumerate(self.list(sel.get("matchExpressions"), f"{path}.matchExpressions")):
            p = f"{path}.matchExpressions[{i}]"
            expr = self.map(expr, p)
            key = self.string(expr.get("key"), f"{p}.key", required=True)
            op = self.enum(expr.get("operator"), f"{p}.operator", SELECTOR_OPERATORS)
            values = self.strings(expr.get("values"), f"{p}.values")
            if op in ("In", "NotIn") and not values:
                raise self.fail(f"{p}.values", f"Required value: must be specified when `operator` is '{op}'")
            if op in ("Exists", "DoesNotExist") and values:
                raise self.fail(f"{p}.values", f"Forbidden: may not be specified when `operator` is '{op}'")
            reqs.append(LabelRequirement(key, op, values))
        return LabelSelector(tuple(reqs))

    def named_expressions(
        self, value: Any, path: str, make: Callable[[str, str, str], T], *, name: str = "name", expression: str = "expression"
    ) -> list[T]:
        """A list of {name, expression} items, both required (matchConditions, variables; auditAnnotations with
        key/valueExpression): `make(name, expression, field path of the expression)` for each."""
        out = []
        for i, raw in enumerate(self.list(value, path)):
            p = f"{path}[{i}]"
            raw = self.map(raw, p)
            out.append(
                make(
                    self.string(raw.get(name), f"{p}.{name}", required=True),
                    self.string(raw.get(expression), f"{p}.{expression}", required=True),
                    f"{p}.{expression}",
                )
            )
        return out

    def rules(self, value: Any, path: str) -> tuple[ResourceRule, ...]:
        out = []
        for i, raw in enumerate(self.list(value, path)):
            p = f"{path}[{i}]"
            raw = self.map(raw, p)
            ops = self.strings(raw.get("operations"), f"{p}.operations")
            for j, op in enumerate(ops):
                self.enum(op, f"{p}.operations[{j}]", OPERATIONS)
            out.append(
                ResourceRule(
                    api_groups=self.strings(raw.get("apiGroups"), f"{p}.apiGroups"),
                    api_versions=self.strings(raw.get("apiVersions"), f"{p}.apiVersions"),
                    operations=ops,
                    resources=self.strings(raw.get("resources"), f"{p}.resources"),
                    resource_names=self.strings(raw.get("resourceNames"), f"{p}.resourceNames"),
                    scope=self.enum(raw.get("scope"), f"{p}.scope", SCOPES, default="*"),
                )
            )
        return tuple(out)

    def match_resources(self, value: Any, path: str) -> MatchResources:
        raw = self.map(value, path)
        return MatchResources(
            namespace_selector=self.selector(raw.get("namespaceSelector"), f"{path}.namespaceSelector"),
            object_selector=self.selector(raw.get("objectSelector"), f"{path}.objectSelector"),
            resource_rules=self.rules(raw.get("resourceRules"), f"{path}.resourceRules"),
            exclude_resource_rules=self.rules(raw.get("excludeResourceRules"), f"{path}.excludeResourceRules"),
            match_policy=self.enum(raw.get("matchPolicy"), f"{path}.matchPolicy", MATCH_POLICIES, default="Equivalent"),
        )


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_line(path: str, index: int, item: int | None, field_path: str) -> int | None:
    """1-based line of `field_path` (`spec.validations[0].expression`) in document `index` (and List item) of a
    YAML or JSON file; the line of the nearest existing parent when the field is missing; None when unknown.
    Only called on error paths: it reads the file again."""
    try:
        text = read_text(path)
        node = None
        for i, doc in enumerate(yaml.compose_all(text, Loader=KubeYamlLoader)):
            if i == index:
                node = doc
                break
    except (InputError, yaml.YAMLError):
        return None
    tokens: list[str | int] = [] if item is None else ["items", item]
    for name, number in _TOKEN.findall(field_path):
        tokens.append(int(number) if number else name)
    line = node.start_mark.line + 1 if node is not None else None
    for token in tokens:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(token, str):
            child = next((v for k, v in node.value if getattr(k, "value", None) == token), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and token < len(node.value):
            child = node.value[token]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def field_where(path: str, where: str, index: int, item: int | None, field_path: str) -> str:
    """`document 1, line 16` for a field; the document's own position when the line is unknown."""
    line = field_line(path, index, item, field_path)
    if line is None:
        return where
    text = f"document {index + 1}"
    if item is not None:
        text += f", items[{item}]"
    return f"{text}, line {line}"


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _origin(doc: Document) -> Origin:
    return Origin(doc.path, doc.where, doc.index, doc.item)


def read_policy(doc: Document) -> Policy:
    """One ValidatingAdmissionPolicy document, defaulted and validated."""
    r = _Reader(doc)
    obj = doc.obj
    name = r.string(r.map(obj.get("metadata"), "metadata", required=True).get("name"), "metadata.name", required=True)
    spec = r.map(obj.get("spec"), "spec", required=True)
    if spec.get("matchConstraints") is None:
        raise r.fail("spec.matchConstraints", "Required value")
    constraints = r.match_resources(spec.get("matchConstraints"), "spec.matchConstraints")
    if not constraints.resource_rules:
        raise r.fail("spec.matchConstraints.resourceRules", "Required value")

    param_kind = None
    if spec.get("paramKind") is not None:
        pk = r.map(spec["paramKind"], "spec.paramKind")
        param_kind = ParamKind(
            r.string(pk.get("apiVersion"), "spec.paramKind.apiVersion", required=True),
            r.string(pk.get("kind"), "spec.paramKind.kind", required=True),
        )

    conditions = r.named_expressions(spec.get("matchConditions"), "spec.matchConditions", MatchCondition)
    variables = r.named_expressions(spec.get("variables"), "spec.variables", Variable)

    validations = []
    for i, raw in enumerate(r.list(spec.get("validations"), "spec.validations")):
        p = f"spec.validations[{i}]"
        raw = r.map(raw, p)
        validations.append(
            Validation(
                expression=r.string(raw.get("expression"), f"{p}.expression", required=True),
                field=f"{p}.expression",
                message=r.string(raw.get("message"), f"{p}.message"),
                message_expression=r.string(raw.get("messageExpression"), f"{p}.messageExpression"),
                reason=r.enum(raw.get("reason"), f"{p}.reason", REASONS) if raw.get("reason") is not None else None,
            )
        )

    annotations = r.named_expressions(
        spec.get("auditAnnotations"), "spec.auditAnnotations", AuditAnnotation, name="key", expression="valueExpression"
    )
    if not validations and not annotations:
        raise r.fail("spec.validations", "Required value: validations or auditAnnotations must contain at least one item")

    return Policy(
        name=name,
        origin=_origin(doc),
        match_constraints=constraints,
        failure_policy=r.enum(spec.get("failurePolicy"), "spec.failurePolicy", FAILURE_POLICIES, default="Fail"),
        param_kind=param_kind,
        match_conditions=tuple(conditions),
        variables=tuple(variables),
        validations=tuple(validations),
        audit_annotations=tuple(annotations),
    )


def read_binding(doc: Document) -> Binding:
    """One ValidatingAdmissionPolicyBinding document, defaulted and validated."""
    r = _Reader(doc)
    obj = doc.obj
    name = r.string(r.map(obj.get("metadata"), "metadata", required=True).get("name"), "metadata.name", required=True)
    spec = r.map(obj.get("spec"), "spec", required=True)
    policy_name = r.string(spec.get("policyName"), "spec.policyName", required=True)
    actions = r.strings(spec.get("validationActions"), "spec.validationActions")
    api_version = str(obj.get("apiVersion") or "")
    if not actions:
        if api_version.endswith("/v1alpha1"):
            actions = ("Deny",)  # v1alpha1 bindings predate validationActions and always denied
        else:
            raise r.fail("spec.validationActions", "Required value")
    for i, action in enumerate(actions):
        r.enum(action, f"spec.validationActions[{i}]", VALIDATION_ACTIONS)
    if len(set(actions)) != len(actions):
        raise r.fail("spec.validationActions", "Duplicate value")
    if "Deny" in actions and "Warn" in actions:
        raise r.fail("spec.validationActions", "Invalid value: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)")

    param_ref = None
    if spec.get("paramRef") is not None:
        p = "spec.paramRef"
        raw = r.map(spec["paramRef"], p)
        ref_name = r.string(raw.get("name"), f"{p}.name")
        selector = r.selector(raw.get("selector"), f"{p}.selector") if raw.get("selector") is not None else None
        if ref_name and selector is not None:
            raise r.fail(p, "Forbidden: name and selector are mutually exclusive")
        if not ref_name and selector is None:
            raise r.fail(p, "Required value: one of name or selector must be set")
        not_found = raw.get("parameterNotFoundAction")
        if not_found is None and api_version.endswith("/v1alpha1"):
            not_found = "Deny"
        param_ref = ParamRef(
            name=ref_name,
            namespace=r.string(raw.get("namespace"), f"{p}.namespace"),
            selector=selector,
            parameter_not_found_action=r.enum(not_found, f"{p}.parameterNotFoundAction", NOT_FOUND_ACTIONS),
        )

    match_resources = None
    if spec.get("matchResources") is not None:
        match_resources = r.match_resources(spec["matchResources"], "spec.matchResources")
    return Binding(
        name=name,
        origin=_origin(doc),
        policy_name=policy_name,
        validation_actions=tuple(actions),
        param_ref=param_ref,
        match_resources=match_resources,
    )


def kind_of(obj: Any) -> tuple[str, str]:
    """(group, kind) of a document, ('', '') when it has none."""
    if not isinstance(obj, dict):
        return "", ""
    api_version = str(obj.get("apiVersion") or "")
    return split_api_version(api_version)[0], str(obj.get("kind") or "")


def load_policy_set(paths: Iterable[str]) -> PolicySet:
    """Every VAP and binding under `paths` (files or folders; YAML/JSON; multi-document; Lists).

    Other kinds are counted in `skipped`. A duplicate name or a binding naming a missing policy is an InputError.
    """
    result = PolicySet()
    seen_bindings: dict[str, Binding] = {}
    for doc in iter_documents(list(paths)):
        obj = doc.obj
        group, kind = kind_of(obj)
        if group == ADMISSION_GROUP and kind == POLICY_KIND:
            policy = read_policy(doc)
            if policy.name in result.policies:
                first = result.policies[policy.name].origin
                raise InputError(doc.path, f"duplicate {POLICY_KIND} '{policy.name}' (first defined in {first})", doc.where)
            result.policies[policy.name] = policy
        elif group == ADMISSION_GROUP and kind == BINDING_KIND:
            binding = read_binding(doc)
            if binding.name in seen_bindings:
                first = seen_bindings[binding.name].origin
                raise InputError(doc.path, f"duplicate {BINDING_KIND} '{binding.name}' (first defined in {first})", doc.where)
            seen_bindings[binding.name] = binding
            result.bindings.append(binding)
        else:
            if isinstance(obj, dict) and obj.get("kind"):
                label = f"{obj.get('apiVersion')}/{obj['kind']}" if obj.get("apiVersion") else str(obj["kind"])
            else:
                label = "documents without a kind"
            result.skipped[label] = result.skipped.get(label, 0) + 1
    for binding in result.bindings:
        if binding.policy_name not in result.policies:
            raise InputError(
                binding.origin.path,
                f"{BINDING_KIND} '{binding.name}': spec.policyName: {POLICY_KIND} '{binding.policy_name}' not found",
                binding.origin.where,
            )
    result.bindings.sort(key=lambda b: b.name)
    return result


@dataclass(frozen=True)
class ParamObject:
    """An object a binding's paramRef may select (any kind: ConfigMap, a CRD instance, ...)."""

    group: str
    kind: str
    name: str
    namespace: str
    labels: dict[str, str]
    obj: dict
    origin: Origin


def load_objects(paths: Iterable[str], what: str) -> list[ParamObject]:
    """Kubernetes objects (params, Namespaces) from files or folders; each needs kind and metadata.name."""
    out = []
    for doc in iter_documents(list(paths)):
        obj = doc.obj
        r = _Reader(doc)
        if not isinstance(obj, dict):
            raise InputError(doc.path, f"expected a Kubernetes object for {what}, got {_type_name(obj)}", doc.where)
        group, kind = kind_of(obj)
        if not kind:
            raise r.fail("kind", "Required value")
        meta = r.map(obj.get("metadata"), "metadata", required=True)
        name = r.string(meta.get("name"), "metadata.name", required=True)
        labels = {str(k): str(v) for k, v in r.map(meta.get("labels"), "metadata.labels").items()}
        out.append(
            ParamObject(group, kind, name, r.string(meta.get("namespace"), "metadata.namespace"), labels, obj, _origin(doc))
        )
    return out
