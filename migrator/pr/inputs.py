"""What `migrator pr` reads: the manifests `convert -o DIR` wrote, and the JSON of convert/verify/analyze.

Each reader checks the shape it relies on and names the file and place when it is wrong, so a truncated or
mixed-up input is a clear error instead of a half-empty pull request description.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from migrator.errors import InputError
from migrator.sources.documents import KubeYamlLoader, read_text

POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"
ADMISSION_GROUP = "admissionregistration.k8s.io/"
RULE_STATUSES = ("converted", "partial", "unsupported")


@dataclass(frozen=True)
class ManifestDocument:
    """One object of a manifest file, with the character span of its content in the file's text."""

    obj: dict[str, Any]
    start: int
    end: int
    line: int

    @property
    def kind(self) -> str:
        return self.obj["kind"]

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name") or "")


@dataclass(frozen=True)
class Manifest:
    """One `<policy-name>.yaml` from the convert output folder."""

    path: str  # as found on disk
    name: str  # file name, the name it is committed under
    text: str
    documents: tuple[ManifestDocument, ...]

    @property
    def policies(self) -> list[ManifestDocument]:
        return [d for d in self.documents if d.kind == POLICY_KIND]

    @property
    def bindings(self) -> list[ManifestDocument]:
        return [d for d in self.documents if d.kind == BINDING_KIND]


@dataclass(frozen=True)
class RuleReport:
    name: str
    status: str
    reason: str
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class PolicyReport:
    source: str
    name: str
    kind: str
    namespace: str | None
    rules: tuple[RuleReport, ...]

    @property
    def status(self) -> str:
        statuses = {r.status for r in self.rules}
        if not statuses or statuses == {"unsupported"}:
            return "unsupported"
        if statuses == {"converted"}:
            return "converted"
        return "partial"


@dataclass(frozen=True)
class ConvertReport:
    path: str
    raw: bytes
    policies: tuple[PolicyReport, ...]
    summary: dict[str, Any]


@dataclass(frozen=True)
class VerifyReport:
    path: str
    results: tuple[dict[str, Any], ...]
    summary: dict[str, Any]


@dataclass(frozen=True)
class AnalyzeReport:
    path: str
    webhooks: tuple[dict[str, Any], ...]
    policies: tuple[dict[str, Any], ...]
    findings: tuple[dict[str, Any], ...]
    summary: dict[str, Any]


@dataclass
class Inputs:
    """Everything one `migrator pr` run is built from."""

    input_dir: str
    manifests: list[Manifest]
    skipped: list[str] = field(default_factory=list)  # manifest files holding no object
    report: ConvertReport | None = None
    verify: VerifyReport | None = None
    analyze: AnalyzeReport | None = None


# -- manifests ------------------------------------------------------------------------------------------------


def _parse_manifest(path: Path) -> tuple[str, list[ManifestDocument]]:
    text = read_text(path)
    loader = KubeYamlLoader(text)
    docs: list[ManifestDocument] = []
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            index += 1
            if node is None:
                continue
            obj = loader.construct_document(node)
            if obj is None:
                continue
            where = f"document {index} (line {node.start_mark.line + 1})"
            _check_object(str(path), where, obj)
            docs.append(ManifestDocument(obj, node.start_mark.index, node.end_mark.index, node.start_mark.line + 1))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise InputError(str(path), f"invalid YAML: {exc.problem or exc.context}", where) from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return text, docs


def _check_object(path: str, where: str, obj: Any) -> None:
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a Kubernetes object, found a {type(obj).__name__}", where)
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        raise InputError(path, "expected a Kubernetes object with apiVersion and kind", where)
    if kind not in (POLICY_KIND, BINDING_KIND) or not api_version.startswith(ADMISSION_GROUP):
        raise InputError(
            path,
            f"unexpected {api_version} {kind}: convert output holds only "
            f"{POLICY_KIND} and {BINDING_KIND} objects (admissionregistration.k8s.io)",
            where,
        )
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        raise InputError(path, f"{kind} has no metadata.name", where)
    spec = obj.get("spec")
    if spec is not None and not isinstance(spec, dict):
        raise InputError(path, f"{kind} {meta['name']}: spec is not a mapping", where)
    if kind == BINDING_KIND and not isinstance((spec or {}).get("policyName"), str):
        raise InputError(path, f"{kind} {meta['name']}: spec.policyName is missing", where)


def load_manifests(input_dir: str) -> tuple[list[Manifest], list[str]]:
    """The `*.yaml`/`*.yml` files directly in `input_dir`, by name; files with no object are returned apart."""
    folder = Path(input_dir)
    if not folder.exists():
        raise InputError(input_dir, "no such directory")
    if not folder.is_dir():
        raise InputError(input_dir, "not a directory: --input takes the folder `migrator convert -o` wrote")
    manifests: list[Manifest] = []
    skipped: list[str] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.suffix not in (".yaml", ".yml"):
            continue
        text, docs = _parse_manifest(path)
        if not docs:
            skipped.append(path.name)
            continue
        manifests.append(Manifest(str(path), path.name, text, tuple(docs)))
        for doc in docs:
            key = f"{doc.kind}/{doc.name}"
            if key in seen and seen[key] != path.name:
                raise InputError(str(path), f"{key} is also defined in {seen[key]}", f"line {doc.line}")
            seen[key] = path.name
    if not manifests:
        raise InputError(input_dir, "no manifests (*.yaml) found: expected the folder `migrator convert -o` wrote")
    return manifests, skipped


# -- JSON reports ---------------------------------------------------------------------------------------------


def _load_json(path: str, what: str) -> tuple[bytes, dict[str, Any]]:
    p = Path(path)
    if not p.exists():
        raise InputError(path, "no such file")
    if p.is_dir():
        raise InputError(path, f"is a directory, expected the {what} JSON file")
    raw = p.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(data, dict):
        raise InputError(path, f"expected a JSON object ({what}), found {type(data).__name__}")
    return raw, data


def _list_of_objects(path: str, data: dict[str, Any], key: str, what: str, required: bool = True) -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InputError(path, f"not {what}: `{key}` must be a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputError(path, f"{key}[{i}] is not an object")
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def load_convert_report(path: str) -> ConvertReport:
    """`migrator convert --report FILE`: {"policies": [{source, name, kind, rules: [...]}], "summary": {...}}."""
    what = "a convert report"
    raw, data = _load_json(path, what)
    policies = []
    for i, item in enumerate(_list_of_objects(path, data, "policies", what)):
        if not isinstance(item.get("name"), str):
            raise InputError(path, "policy has no name", f"policies[{i}]")
        rules = []
        for j, rule in enumerate(_list_of_objects(path, item, "rules", what, required=False)):
            status = rule.get("status")
            if status not in RULE_STATUSES:
                raise InputError(
                    path, f"rule status {status!r} is not one of {', '.join(RULE_STATUSES)}", f"policies[{i}].rules[{j}]"
                )
            outputs = rule.get("outputs") or []
            if not isinstance(outputs, list):
                raise InputError(path, "outputs must be a list", f"policies[{i}].rules[{j}]")
            rules.append(RuleReport(_text(rule.get("name")), status, _text(rule.get("reason")), tuple(map(str, outputs))))
        policies.append(
            PolicyReport(
                source=_text(item.get("source")),
                name=item["name"],
                kind=_text(item.get("kind")) or "ClusterPolicy",
                namespace=item.get("namespace") if isinstance(item.get("namespace"), str) else None,
                rules=tuple(rules),
            )
        )
    summary = data.get("summary") if isinstance(data.get("summary"), dict) else {}
    return ConvertReport(path, raw, tuple(policies), summary)


def load_verify_report(path: str) -> VerifyReport:
    """`migrator verify --format json`: {"results": [...], "summary": {samples, agree, disagree, ...}}."""
    what = "verify results (migrator verify --format json)"
    _raw, data = _load_json(path, what)
    results = _list_of_objects(path, data, "results", what)
    for i, result in enumerate(results):
        violations = result.get("violations")
        if violations is not None and not isinstance(violations, list):
            raise InputError(path, "violations must be a list", f"results[{i}]")
    summary = data.get("summary")
    if not isinstance(summary, dict):
        raise InputError(path, f"not {what}: `summary` must be an object")
    return VerifyReport(path, tuple(results), summary)


def load_analyze_report(path: str) -> AnalyzeReport:
    """`migrator analyze --format json`: {"webhooks": [...], "policies": [...], "findings": [...], "summary": {...}}."""
    what = "analyze results (migrator analyze --format json)"
    _raw, data = _load_json(path, what)
    findings = _list_of_objects(path, data, "findings", what)
    for i, finding in enumerate(findings):
        if not isinstance(finding.get("id"), str) or not isinstance(finding.get("target"), str):
            raise InputError(path, "finding needs a string id and target", f"findings[{i}]")
    return AnalyzeReport(
        path,
        tuple(_list_of_objects(path, data, "webhooks", what)),
        tuple(_list_of_objects(path, data, "policies", what, required=False)),
        tuple(findings),
        data.get("summary") if isinstance(data.get("summary"), dict) else {},
    )


def load_inputs(
    input_dir: str, report: str | None = None, verify: str | None = None, analyze: str | None = None
) -> Inputs:
    manifests, skipped = load_manifests(input_dir)
    return Inputs(
        input_dir=input_dir,
        manifests=manifests,
        skipped=skipped,
        report=load_convert_report(report) if report else None,
        verify=load_verify_report(verify) if verify else None,
        analyze=load_analyze_report(analyze) if analyze else None,
    )
