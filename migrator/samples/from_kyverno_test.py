"""Kyverno CLI test suites (`kyverno-test.yaml`) -> samples whose recorded decision is what the test expects.

A test names policy files, resource files, optional values (`variables:`) and userinfo files, and expected
results per (policy, rule, resource): pass, fail, skip, warn or error. Each resource the test has results for
becomes one AdmissionReview per operation; `response.allowed` is false when any validate rule is expected to
`fail` for it, true when all are pass/skip/warn, and left out when one is `error` (the outcome then depends on
failure policies the test does not state). Results of mutate and generate rules say nothing about admission and
are left out.

From the values file: `request.operation` (CREATE by default; DELETE moves the resource to oldObject, UPDATE
copies it there, as the Kyverno CLI does) and `request.namespace`; namespace labels (`namespaceSelector`,
`namespaces`) can be written out for `verify --namespaces`. The userinfo file gives `request.userInfo`
(default: kubernetes-admin in system:masters, the Kyverno CLI's own default user).

Autogen, as Kyverno does it (pkg/autogen): results named `autogen-<rule>` / `autogen-cronjob-<rule>` are the
rule's results on Pod controllers in the test. And a Pod's results are expanded to the controllers Kyverno
generates rules for (by default DaemonSet, Deployment, Job, StatefulSet, ReplicaSet, ReplicationController,
CronJob; the policy annotation `pod-policies.kyverno.io/autogen-controllers` narrows it, `none` disables it; a
rule matching by name, selector or annotations, or mixing Pod with other kinds, disables it): each such Pod is
wrapped in every controller kind the test does not already cover, with the Pod's expected outcome, unless
another policy of the test matches that controller kind directly (its outcome would be unknown).
"""

from __future__ import annotations

import copy
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from migrator.errors import InputError
from migrator.sources.documents import walk_files
from migrator.sources.kinds import is_namespaced, resource_for_kind, split_api_version
from migrator.samples.review import Sample, admission_review, default_options, gvk, gvr, label_for

TEST_FILE_NAMES = ("kyverno-test.yaml", "kyverno-test.yml")
DEFAULT_USER_INFO = {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]}
AUTOGEN_ANNOTATION = "pod-policies.kyverno.io/autogen-controllers"
POD_CONTROLLERS = ("DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob")
KYVERNO_POLICY_KINDS = ("ClusterPolicy", "Policy")
VALIDATING_POLICY_KINDS = ("ValidatingPolicy", "NamespacedValidatingPolicy")
_UID_NAMESPACE = uuid.UUID("4c3f2a9e-8d1b-4f6a-b7e2-0a9c5d3e1f27")
_VERDICT_RANK = {"fail": 3, "error": 2, "pass": 1, "warn": 1, "skip": 0}


@dataclass
class KyvernoTestSummary:
    tests: int = 0
    samples: int = 0
    allowed: int = 0
    denied: int = 0
    unknown: int = 0
    autogen_samples: int = 0
    audit_only_denials: int = 0  # expected fails only of rules that audit or warn (validationFailureAction Audit)
    dropped: Counter = field(default_factory=Counter)  # results not used, by reason
    notes: list[str] = field(default_factory=list)
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)  # Namespace objects from values files


# ---------------------------------------------------------------------------------------------- reading


def find_test_files(paths: Iterable[str]) -> list[str]:
    """Test files named directly, plus every kyverno-test.yaml under named folders (hidden `.kyverno-test` too)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = walk_files(p, keep_dir=lambda d: d != ".git", keep_file=lambda f: f in TEST_FILE_NAMES)
            if not found:
                raise InputError(p, "no kyverno-test.yaml in this folder")
            out.extend(found)
        elif os.path.exists(p):
            out.append(p)
        else:
            raise InputError(p, "no such file or directory")
    return out


def _load_yaml_docs(path: str) -> list[Any]:
    from migrator.sources.documents import load_documents

    return [d.obj for d in load_documents(path)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass
class Resource:
    obj: dict[str, Any]
    path: str

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name") or "")

    @property
    def namespace(self) -> str:
        return str((self.obj.get("metadata") or {}).get("namespace") or "")


@dataclass
class Policy:
    doc: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind") or "")

    @property
    def name(self) -> str:
        return str((self.doc.get("metadata") or {}).get("name") or "")

    @property
    def rules(self) -> list[dict[str, Any]]:
        return [r for r in ((self.doc.get("spec") or {}).get("rules") or []) if isinstance(r, dict)]

    def admission_rule(self, name: str | None) -> bool | None:
        """Whether rule `name` can decide admission (validate, verifyImages); None when the rule is unknown."""
        if self.kind not in KYVERNO_POLICY_KINDS or name is None:
            return True
        for rule in self.rules:
            if rule.get("name") == name:
                return "validate" in rule or "verifyImages" in rule
        return None

    def enforces(self, rule_name: str | None) -> bool:
        """Whether a failing rule denies the request (Enforce / Deny) rather than only auditing or warning."""
        spec = self.doc.get("spec") or {}
        if self.kind in KYVERNO_POLICY_KINDS:
            action = spec.get("validationFailureAction")
            for rule in self.rules:
                if rule.get("name") == rule_name:
                    action = ((rule.get("validate") or {}).get("failureAction")) or action
            return str(action or "Audit").lower() == "enforce"
        if self.kind in VALIDATING_POLICY_KINDS:
            return "Deny" in (spec.get("validationActions") or ["Deny"])
        return True  # a ValidatingAdmissionPolicy's actions live in its bindings

    def match_kinds(self) -> set[str]:
        """Kinds the policy's rules match directly (short kind names; `*` for any)."""
        kinds: set[str] = set()
        if self.kind in KYVERNO_POLICY_KINDS:
            for rule in self.rules:
                for desc in _resource_descriptions(rule.get("match") or {}):
                    kinds.update(_short_kind(k) for k in _as_list(desc.get("kinds")))
        else:  # ValidatingPolicy / ValidatingAdmissionPolicy: matchConstraints.resourceRules
            constraints = (self.doc.get("spec") or {}).get("matchConstraints") or {}
            for rule in constraints.get("resourceRules") or []:
                for res in rule.get("resources") or []:
                    kinds.add("*" if res.startswith("*") else _kind_for_plural(res.split("/")[0]))
        return kinds

    def autogen_controllers(self) -> list[str]:
        """The Pod controllers Kyverno generates this policy's rules for (pkg/autogen CanAutoGen + annotation)."""
        spec = self.doc.get("spec") or {}
        if self.kind in VALIDATING_POLICY_KINDS:
            wanted = (((spec.get("autogen") or {}).get("podControllers") or {}).get("controllers")) or []
            return [k for k in (_kind_for_plural(c) for c in wanted) if k in POD_CONTROLLERS]
        if self.kind not in KYVERNO_POLICY_KINDS:
            return []
        needed = False
        for rule in self.rules:
            mutate = rule.get("mutate") or {}
            if "generate" in rule or mutate.get("patchesJson6902") or any(
                (f or {}).get("patchesJson6902") for f in _as_list(mutate.get("foreach"))
            ):
                return []
            for block in (rule.get("match") or {}, rule.get("exclude") or {}):
                for desc in _resource_descriptions(block):
                    kinds = [_short_kind(k) for k in _as_list(desc.get("kinds"))]
                    if desc.get("name") or desc.get("names") or desc.get("selector") or desc.get("annotations"):
                        return []
                    if len(kinds) > 1 and "Pod" in kinds:
                        return []
                    needed = needed or any(k == "Pod" or k in POD_CONTROLLERS for k in kinds)
        if not needed:
            return []
        annotation = ((self.doc.get("metadata") or {}).get("annotations") or {}).get(AUTOGEN_ANNOTATION)
        if annotation is None or annotation == "":
            return list(POD_CONTROLLERS)
        if annotation == "none":
            return []
        requested = [c.strip() for c in str(annotation).split(",")]
        return [c for c in POD_CONTROLLERS if c in requested]


def _resource_descriptions(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if isinstance(block.get("resources"), dict):
        yield block["resources"]
    for key in ("any", "all"):
        for item in _as_list(block.get(key)):
            if isinstance(item, dict) and isinstance(item.get("resources"), dict):
                yield item["resources"]


def _short_kind(kind: Any) -> str:
    """`apps/v1/Deployment` -> Deployment, `Pod/exec` -> Pod/exec, `*` stays."""
    text = str(kind)
    if "/" in text and text.split("/")[-1][:1].isupper():
        return text.split("/")[-1]
    return text


def _kind_for_plural(plural: str) -> str:
    from migrator.sources.kinds import BUILTIN_KINDS

    for kind, (_g, _v, res, _n) in BUILTIN_KINDS.items():
        if res == plural:
            return kind
    return plural


@dataclass
class KyvernoTest:
    """One test file and everything it references, read and resolved."""

    path: str
    name: str
    policies: list[Policy]
    resources: list[Resource]
    results: list[dict[str, Any]]
    values: dict[str, Any]
    user_info: dict[str, Any]
    notes: list[str]

    @classmethod
    def load(cls, path: str) -> "KyvernoTest":
        docs = _load_yaml_docs(path)
        test = next((d for d in docs if isinstance(d, dict)), None)
        if test is None or not isinstance(test.get("results", []), list):
            raise InputError(path, "not a Kyverno test file (expected policies, resources and results)")
        if test.get("kind") not in (None, "Test") or not ("policies" in test or "resources" in test):
            raise InputError(path, f"not a Kyverno test file (kind {test.get('kind')!r})")
        base = os.path.dirname(os.path.abspath(path))
        notes: list[str] = []

        def resolve(ref: Any, what: str) -> str | None:
            ref = str(ref)
            if "://" in ref:
                notes.append(f"{path}: {what} {ref} is remote; not read")
                return None
            full = os.path.normpath(os.path.join(base, ref))
            if not os.path.exists(full):
                raise InputError(path, f"{what} file {ref} does not exist")
            return full

        policies = []
        for ref in _as_list(test.get("policies")):
            full = resolve(ref, "policy")
            if full:
                policies.extend(Policy(d) for d in _load_yaml_docs(full) if isinstance(d, dict))
        resources = []
        for ref in _as_list(test.get("resources")):
            full = resolve(ref, "resource")
            if full:
                resources.extend(Resource(d, full) for d in _load_yaml_docs(full) if isinstance(d, dict))
        values: dict[str, Any] = {}
        for key in ("variables", "values"):
            ref = test.get(key)
            if isinstance(ref, dict):
                values = ref
            elif isinstance(ref, str) and ref:
                full = resolve(ref, "values")
                if full:
                    values = next((d for d in _load_yaml_docs(full) if isinstance(d, dict)), {})
        user_info = copy.deepcopy(DEFAULT_USER_INFO)
        ref = test.get("userinfo")
        if isinstance(ref, str) and ref:
            full = resolve(ref, "userinfo")
            doc = next((d for d in _load_yaml_docs(full) if isinstance(d, dict)), {}) if full else {}
            info = doc.get("userInfo") if isinstance(doc.get("userInfo"), dict) else {}
            if info:
                user_info = {k: info[k] for k in ("username", "uid", "groups", "extra") if info.get(k) not in (None, "")}
        name = str((test.get("metadata") or {}).get("name") or test.get("name") or os.path.basename(os.path.dirname(base)))
        results = [r for r in test.get("results") or [] if isinstance(r, dict)]
        return cls(path, name, policies, resources, results, values, user_info, notes)

    def policy(self, ref: str) -> Policy | None:
        ns, _, name = str(ref).rpartition("/")
        for p in self.policies:
            if p.name == name and (not ns or (p.doc.get("metadata") or {}).get("namespace") == ns):
                return p
        return None

    def find_resources(self, kind: str | None, ref: str) -> list[Resource]:
        ns, _, name = str(ref).rpartition("/")
        kind = _short_kind(kind) if kind else None
        out = []
        for r in self.resources:
            if r.name != name or (kind and r.kind != kind):
                continue
            group = split_api_version(r.obj.get("apiVersion"))[0]
            if ns and (r.namespace or ("default" if is_namespaced(r.kind, group) else "")) != ns:
                continue
            out.append(r)
        return out

    def values_for(self, policy: str, resource: Resource) -> dict[str, Any]:
        merged: dict[str, Any] = dict(self.values.get("globalValues") or {})
        short = policy.rpartition("/")[2]
        for pol in self.values.get("policies") or []:
            if not isinstance(pol, dict) or pol.get("name") not in (policy, short):
                continue
            for rule in pol.get("rules") or []:
                merged.update((rule or {}).get("values") or {})
            for res in pol.get("resources") or []:
                rname = str((res or {}).get("name") or "")
                if rname in (resource.name, f"{resource.namespace}/{resource.name}"):
                    merged.update(res.get("values") or {})
        return merged

    def namespace_objects(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for ns in self.values.get("namespaces") or []:
            name = ((ns or {}).get("metadata") or {}).get("name")
            if name:
                out[name] = ns
        for sel in self.values.get("namespaceSelector") or []:
            name = (sel or {}).get("name")
            if name:
                labels = {"kubernetes.io/metadata.name": name, **((sel or {}).get("labels") or {})}
                out[name] = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
        return out


# ---------------------------------------------------------------------------------------------- expectations


@dataclass
class Expectation:
    """What the test expects for one resource under one operation: policy -> rule -> verdict."""

    resource: Resource
    operation: str
    namespace: str
    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)
    autogen_of: str | None = None  # controller kind, for samples expanded from a Pod

    def add(self, policy: str, rule: str, verdict: str) -> None:
        rules = self.verdicts.setdefault(policy, {})
        prev = rules.get(rule)
        if prev is None or _VERDICT_RANK[verdict] > _VERDICT_RANK[prev]:
            rules[rule] = verdict

    @property
    def allowed(self) -> bool | None:
        return self.allowed_when()

    def allowed_when(self, enforced: Any = None) -> bool | None:
        """False when a rule is expected to fail; with `enforced(policy, rule)`, only rules that would deny."""
        flat = [
            v for policy, rules in self.verdicts.items() for rule, v in rules.items()
            if enforced is None or v != "fail" or enforced(policy, rule)
        ]
        if "fail" in flat:
            return False
        if "error" in flat:
            return None
        return True


def _strip_autogen(rule: str | None) -> str | None:
    if rule is None:
        return None
    for prefix in ("autogen-cronjob-", "autogen-"):
        if rule.startswith(prefix):
            return rule[len(prefix):]
    return rule


def expectations(test: KyvernoTest, summary: KyvernoTestSummary, autogen: bool = True) -> list[Expectation]:
    table: dict[tuple[int, str], Expectation] = {}
    order: list[tuple[int, str]] = []
    for result in test.results:
        policy_ref = str(result.get("policy") or "")
        verdict = str(result.get("result") or "").lower()
        if verdict not in _VERDICT_RANK:
            summary.dropped[f"result {verdict!r} is not pass/fail/skip/warn/error"] += 1
            continue
        if result.get("patchedResource") or result.get("patchedResources") or result.get("generatedResource"):
            summary.dropped["mutate/generate result"] += 1
            continue
        policy = test.policy(policy_ref)
        rule = result.get("rule")
        rule_name = _strip_autogen(rule)
        if policy is not None:
            decides = policy.admission_rule(rule_name)
            if decides is None and rule != rule_name:
                decides = policy.admission_rule(rule)  # a rule literally named autogen-...
                rule_name = rule
            if decides is None:
                summary.dropped["rule not found in the policy"] += 1
                continue
            if not decides:
                summary.dropped["mutate/generate rule"] += 1
                continue
        elif test.policies:
            summary.dropped["policy not found in the test's policy files"] += 1
            continue
        refs = [str(r) for r in _as_list(result.get("resources")) + _as_list(result.get("resource"))]
        if result.get("namespace"):  # older tests give the namespace beside the names
            refs = [r if "/" in r else f"{result['namespace']}/{r}" for r in refs]
        for ref in refs:
            found = test.find_resources(result.get("kind"), str(ref))
            if not found:
                summary.dropped["resource not found in the test's resource files"] += 1
                continue
            for res in found:
                vals = test.values_for(policy_ref, res)
                operation = str(vals.get("request.operation") or "CREATE").upper()
                if operation not in ("CREATE", "UPDATE", "DELETE", "CONNECT"):
                    operation = "CREATE"
                group = split_api_version(res.obj.get("apiVersion"))[0]
                cluster = not res.namespace and not is_namespaced(res.kind, group)
                namespace = "" if cluster else str(vals.get("request.namespace") or res.namespace or "default")
                key = (id(res), operation)
                if key not in table:
                    table[key] = Expectation(res, operation, namespace)
                    order.append(key)
                table[key].add(policy_ref, rule_name or policy_ref, verdict)
    out = [table[k] for k in order]
    if autogen:
        out.extend(_expand_pods(test, out, summary))
    return out


def _expand_pods(test: KyvernoTest, found: list[Expectation], summary: KyvernoTestSummary) -> list[Expectation]:
    """Controllers wrapping each tested Pod, for the policies Kyverno would autogen rules for."""
    covered: set[tuple[str, str]] = set()  # (policy, controller kind) the test already has results for
    for exp in found:
        for policy in exp.verdicts:
            covered.add((policy, exp.resource.kind))
    extra: list[Expectation] = []
    for exp in found:
        if exp.resource.kind != "Pod":
            continue
        for controller in POD_CONTROLLERS:
            verdicts: dict[str, dict[str, str]] = {}
            usable = True
            for policy_ref, rules in exp.verdicts.items():
                policy = test.policy(policy_ref)
                if policy is None:
                    usable = False
                    break
                if controller in policy.autogen_controllers():
                    if (policy_ref, controller) in covered:
                        usable = False  # the test speaks for this controller itself
                        break
                    verdicts[policy_ref] = dict(rules)
            for policy in test.policies:
                kinds = policy.match_kinds()
                if controller in kinds or "*" in kinds:
                    usable = False  # a policy matching the controller directly: its outcome is unknown
            if usable and verdicts:
                wrapped = Resource(wrap_pod(exp.resource.obj, controller), exp.resource.path)
                e = Expectation(wrapped, exp.operation, exp.namespace, verdicts, autogen_of=controller)
                extra.append(e)
    summary.autogen_samples += len(extra)
    return extra


def wrap_pod(pod: dict[str, Any], controller: str) -> dict[str, Any]:
    """A `controller` whose pod template is `pod` (its metadata minus namespace, and its spec)."""
    meta = pod.get("metadata") or {}
    template_meta = {k: copy.deepcopy(v) for k, v in meta.items() if k not in ("namespace", "name")}
    template = {"metadata": template_meta, "spec": copy.deepcopy(pod.get("spec") or {})}
    labels = dict(template_meta.get("labels") or {}) or {"app": str(meta.get("name") or "app")}
    template_meta.setdefault("labels", labels)
    obj_meta = {k: meta[k] for k in ("name", "namespace") if k in meta}
    group, version = {"Job": ("batch", "v1"), "CronJob": ("batch", "v1"), "ReplicationController": ("", "v1")}.get(
        controller, ("apps", "v1")
    )
    if controller == "CronJob":
        spec: dict[str, Any] = {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template}}}
    elif controller == "Job":
        spec = {"template": template}
    elif controller == "ReplicationController":
        spec = {"replicas": 1, "selector": labels, "template": template}
    elif controller == "DaemonSet":
        spec = {"selector": {"matchLabels": labels}, "template": template}
    else:
        spec = {"replicas": 1, "selector": {"matchLabels": labels}, "template": template}
        if controller == "StatefulSet":
            spec["serviceName"] = str(meta.get("name") or "app")
    return {
        "apiVersion": f"{group}/{version}" if group else version,
        "kind": controller,
        "metadata": obj_meta,
        "spec": spec,
    }


# ---------------------------------------------------------------------------------------------- samples


def sample_for(test: KyvernoTest, exp: Expectation, enforced_only: bool = False) -> Sample:
    obj = copy.deepcopy(exp.resource.obj)
    kind = exp.resource.kind
    group, version = split_api_version(obj.get("apiVersion"))
    meta = obj.setdefault("metadata", {})
    if exp.namespace and not meta.get("namespace"):
        meta["namespace"] = exp.namespace  # the API server puts the request namespace on the object
    name = str(meta.get("name") or meta.get("generateName") or "")
    resource = resource_for_kind(kind, group)
    new, old = obj, None
    if exp.operation == "DELETE":
        new, old = None, obj
    elif exp.operation == "UPDATE":
        old = copy.deepcopy(obj)
    key = f"{test.path}|{kind}|{exp.namespace}|{name}|{exp.operation}|{exp.autogen_of or ''}"
    uid = str(uuid.uuid5(_UID_NAMESPACE, key))
    review = admission_review(
        uid=uid,
        kind=gvk(group, version or "v1", kind),
        resource=gvr(group, version or "v1", resource),
        name=name,
        namespace=exp.namespace,
        operation=exp.operation,
        user_info=copy.deepcopy(test.user_info),
        obj=new,
        old_obj=old,
        options=default_options(exp.operation),
        allowed=exp.allowed_when(_enforced(test) if enforced_only else None),
    )
    label = label_for(exp.operation, resource, "", exp.namespace, name)
    if exp.autogen_of:
        label = f"{label}-autogen"
    return Sample(review, label, "kyverno test")


def _enforced(test: KyvernoTest):
    def enforced(policy_ref: str, rule: str) -> bool:
        policy = test.policy(policy_ref)
        return True if policy is None else policy.enforces(rule)

    return enforced


def iter_samples(
    paths: Iterable[str], summary: KyvernoTestSummary, autogen: bool = True, enforced_only: bool = False
) -> Iterator[Sample]:
    """All samples of all tests found under `paths`; each test is read and checked whole before its samples."""
    for path in find_test_files(paths):
        test = KyvernoTest.load(path)
        summary.tests += 1
        summary.notes.extend(test.notes)
        summary.namespaces.update(test.namespace_objects())
        exps = expectations(test, summary, autogen)
        if not exps:
            summary.notes.append(f"{path}: no results usable as admission decisions")
        for exp in exps:
            sample = sample_for(test, exp, enforced_only)
            if exp.allowed is False and exp.allowed_when(_enforced(test)) is not False:
                summary.audit_only_denials += 1
            summary.samples += 1
            allowed = sample.allowed
            if allowed is True:
                summary.allowed += 1
            elif allowed is False:
                summary.denied += 1
            else:
                summary.unknown += 1
            yield sample
