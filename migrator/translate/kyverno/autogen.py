"""Kyverno auto-generation of pod-controller rules, reproduced step for step.

ClusterPolicy/Policy: kyverno pkg/autogen/v1 (CanAutoGen, computeRules, generateRule, convertRule): Pod rules are
copied for DaemonSet, Deployment, Job, StatefulSet, ReplicaSet, ReplicationController (`autogen-<rule>`, pattern under
spec.template) and CronJob (`autogen-cronjob-<rule>`, pattern under spec.jobTemplate.spec.template), and the rule's
JSON text is rewritten (`request.object.spec` -> `request.object.spec.template.spec`, ...; `object.spec` ... for CEL
rules). The annotation `pod-policies.kyverno.io/autogen-controllers` narrows the controllers or turns it off (`none`).

ValidatingPolicy: kyverno pkg/cel/policies/vpol/autogen + pkg/cel/autogen: a policy matching exactly core/v1 pods gets
one extra policy per replacement set (`defaults`: daemonsets, deployments, jobs, replicasets, statefulsets;
`cronjobs`), with the spec text rewritten (`object.spec` -> `object.spec.template.spec`, `object.metadata` ->
`object.spec.template.metadata` except `.namespace`). `spec.autogen.podControllers.controllers` picks the controllers.

Working on the JSON text, as Kyverno does, keeps every quirk (messages and preconditions are rewritten too).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from migrator.translate.kyverno.kinds import VERSION_RE

ANNOTATION_CONTROLLERS = "pod-policies.kyverno.io/autogen-controllers"
POD_CONTROLLERS = ["DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob"]
DEFAULT_CONTROLLERS_NO_CRON = "DaemonSet,Deployment,Job,StatefulSet,ReplicaSet,ReplicationController"
POD_CONTROLLER_GVK = {
    "DaemonSet": "apps/v1/DaemonSet",
    "Deployment": "apps/v1/Deployment",
    "Job": "batch/v1/Job",
    "StatefulSet": "apps/v1/StatefulSet",
    "ReplicaSet": "apps/v1/ReplicaSet",
    "ReplicationController": "v1/ReplicationController",
    "CronJob": "batch/v1/CronJob",
    "Pod": "v1/Pod",
}

POD_REPLACEMENTS = [
    ("request.object.spec", "request.object.spec.template.spec"),
    ("request.oldObject.spec", "request.oldObject.spec.template.spec"),
    ("request.object.metadata", "request.object.spec.template.metadata"),
    ("request.oldObject.metadata", "request.oldObject.spec.template.metadata"),
]
POD_CEL_REPLACEMENTS = [
    ("object.spec", "object.spec.template.spec"),
    ("oldObject.spec", "oldObject.spec.template.spec"),
    ("object.metadata", "object.spec.template.metadata"),
    ("oldObject.metadata", "oldObject.spec.template.metadata"),
]
CRONJOB_REPLACEMENTS = [
    ("request.object.spec", "request.object.spec.jobTemplate.spec.template.spec"),
    ("request.oldObject.spec", "request.oldObject.spec.jobTemplate.spec.template.spec"),
    ("request.object.metadata", "request.object.spec.jobTemplate.spec.template.metadata"),
    ("request.oldObject.metadata", "request.oldObject.spec.jobTemplate.spec.template.metadata"),
]
CRONJOB_CEL_REPLACEMENTS = [
    ("object.spec", "object.spec.jobTemplate.spec.template.spec"),
    ("oldObject.spec", "oldObject.spec.jobTemplate.spec.template.spec"),
    ("object.metadata", "object.spec.jobTemplate.spec.template.metadata"),
    ("oldObject.metadata", "oldObject.spec.jobTemplate.spec.template.metadata"),
]


# ---- helpers on Kyverno's match blocks -----------------------------------------------------------------------------

def _kind_of(selector: str) -> str:
    """kubeutils.GetKindFromGVK + SplitSubresource: the kind part of a selector."""
    parts = selector.split("/")
    if len(parts) == 1:
        kind = selector.replace(".", "/", 1)
    elif len(parts) == 2:
        if parts[0] == "*" and parts[1] == "*":
            kind = "*/*"
        elif VERSION_RE.match(parts[0]):
            kind = parts[1].replace(".", "/", 1)
        else:
            kind = parts[0] + "/" + parts[1]
    elif len(parts) == 3:
        if VERSION_RE.match(parts[0]):
            kind = parts[1] + "/" + parts[2]
        else:
            kind = parts[2].replace(".", "/", 1)
    elif len(parts) == 4:
        kind = parts[2] + "/" + parts[3]
    else:
        kind = ""
    k = kind.split("/")
    return k[0] if len(k) == 2 else kind


def contains_kind(kinds: list[str], kind: str) -> bool:
    return any(_kind_of(str(k)) == kind for k in kinds or [])


def _descriptions(block: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every ResourceDescription of a match/exclude block: `resources`, then all[*], any[*] (Go field order)."""
    if not isinstance(block, dict):
        return []
    out = [block.get("resources") or {}]
    for key in ("all", "any"):
        for f in block.get(key) or []:
            if isinstance(f, dict):
                out.append(f.get("resources") or {})
    return out


def get_kinds(block: dict[str, Any] | None) -> list[str]:
    return [str(k) for d in _descriptions(block) for k in (d.get("kinds") or [])]


def _check_autogen_support(desc: dict[str, Any], needed: list[bool]) -> bool:
    kinds = [str(k) for k in desc.get("kinds") or []]
    if desc.get("name") or desc.get("names") or desc.get("selector") is not None or desc.get("annotations") is not None:
        return False
    if len(kinds) > 1 and contains_kind(kinds, "Pod"):
        return False
    if any(k in POD_CONTROLLERS + ["Pod"] for k in kinds):
        needed[0] = True
    return True


def can_autogen(spec: dict[str, Any]) -> tuple[bool, set[str]]:
    """kyverno autogen v1 CanAutoGen."""
    needed = [False]
    for rule in spec.get("rules") or []:
        if rule.get("generate"):
            return False, {"none"}
        mutate = rule.get("mutate")
        if isinstance(mutate, dict):
            if mutate.get("patchesJson6902"):
                return False, {"none"}
            for fe in mutate.get("foreach") or []:
                if isinstance(fe, dict) and fe.get("patchesJson6902"):
                    return False, {"none"}
        match = rule.get("match") or {}
        blocks = [match.get("resources") or {}] + [(f or {}).get("resources") or {} for f in match.get("any") or []] \
            + [(f or {}).get("resources") or {} for f in match.get("all") or []]
        exclude = rule.get("exclude")
        if exclude:
            blocks += [exclude.get("resources") or {}] + [(f or {}).get("resources") or {} for f in exclude.get("any") or []] \
                + [(f or {}).get("resources") or {} for f in exclude.get("all") or []]
        for desc in blocks:
            if not _check_autogen_support(desc, needed):
                return False, set()
    if not needed[0]:
        return False, set()
    return True, set(POD_CONTROLLERS)


def _split_kinds(controllers: str) -> list[str]:
    return sorted(controllers.split(","))


def _strip_cronjob(controllers: str) -> str:
    return ",".join(c for c in _split_kinds(controllers) if c != "CronJob")


def _gvk(kinds: list[str]) -> list[str]:
    return [POD_CONTROLLER_GVK.get(k, k) for k in kinds]


def _rewrite_filters(filters: list[Any], kinds: list[str], only_pod: bool) -> list[Any]:
    out = copy.deepcopy(filters)
    for f in out:
        if not isinstance(f, dict):
            continue
        res = f.get("resources") or {}
        if not only_pod or contains_kind([str(k) for k in res.get("kinds") or []], "Pod"):
            res = dict(res)
            res["kinds"] = _gvk(kinds)
            f["resources"] = res
    return out


def _generate_rule(name: str, rule: dict[str, Any] | None, tpl_key: str, kinds: list[str], only_pod: bool) -> dict[str, Any] | None:
    """kyverno generateRule: rename, re-target kinds, wrap patterns under spec.<tpl_key>."""
    if rule is None:
        return None
    rule = copy.deepcopy(rule)
    rule["name"] = name
    match = rule.setdefault("match", {})
    if match.get("any"):
        match["any"] = _rewrite_filters(match["any"], kinds, only_pod)
    elif match.get("all"):
        match["all"] = _rewrite_filters(match["all"], kinds, only_pod)
    else:
        res = dict(match.get("resources") or {})
        res["kinds"] = _gvk(kinds)
        match["resources"] = res
    exclude = rule.get("exclude")
    if isinstance(exclude, dict) and exclude:
        if exclude.get("any"):
            exclude["any"] = _rewrite_filters(exclude["any"], kinds, only_pod)
        elif exclude.get("all"):
            exclude["all"] = _rewrite_filters(exclude["all"], kinds, only_pod)
        elif (exclude.get("resources") or {}).get("kinds"):
            exclude["resources"] = dict(exclude["resources"], kinds=_gvk(kinds))
    mutate = rule.get("mutate")
    if isinstance(mutate, dict) and mutate:
        if mutate.get("patchStrategicMerge") is not None:
            rule["mutate"] = {"patchStrategicMerge": {"spec": {tpl_key: mutate["patchStrategicMerge"]}}}
            return rule
        if mutate.get("foreach"):
            rule["mutate"] = {"foreach": [
                {k: v for k, v in {"list": fe.get("list"), "context": fe.get("context"),
                                   "preconditions": fe.get("preconditions"),
                                   "patchStrategicMerge": {"spec": {tpl_key: fe.get("patchStrategicMerge")}}}.items()
                 if v is not None}
                for fe in mutate["foreach"]]}
            return rule
    validate = rule.get("validate")
    if isinstance(validate, dict) and validate:
        keep = {k: validate[k] for k in ("message", "failureAction", "failureActionOverrides", "allowExistingViolations")
                if k in validate}
        if validate.get("pattern") is not None:
            rule["validate"] = {**keep, "pattern": {"spec": {tpl_key: validate["pattern"]}}}
            return rule
        if validate.get("deny") is not None:
            rule["validate"] = {**keep, "deny": validate["deny"]}
            return rule
        if validate.get("podSecurity") is not None:
            rule["validate"] = {**keep, "podSecurity": copy.deepcopy(validate["podSecurity"])}
            return rule
        if validate.get("anyPattern") is not None:
            patterns = validate["anyPattern"] if isinstance(validate["anyPattern"], list) else []
            rule["validate"] = {**keep, "anyPattern": [{"spec": {tpl_key: p}} for p in patterns]}
            return rule
        if validate.get("foreach"):
            rule["validate"] = {**keep, "foreach": copy.deepcopy(validate["foreach"])}
            return rule
        if validate.get("cel") is not None:
            return rule
    if rule.get("verifyImages"):
        return rule
    return None


def _rule_for_controllers(rule: dict[str, Any], controllers: str) -> dict[str, Any] | None:
    name = str(rule.get("name", ""))
    if name.startswith("autogen-") or controllers == "":
        return None
    match_kinds = get_kinds(rule.get("match"))
    exclude_kinds = get_kinds(rule.get("exclude"))
    if not contains_kind(match_kinds, "Pod") or (exclude_kinds and not contains_kind(exclude_kinds, "Pod")):
        return None
    if controllers == "all":
        controllers = DEFAULT_CONTROLLERS_NO_CRON
    elif controllers != "none":
        valid = [c for c in _split_kinds(controllers) if c in DEFAULT_CONTROLLERS_NO_CRON.split(",")]
        if valid:
            controllers = ",".join(valid)
    return _generate_rule(_autogen_name("autogen", name), rule, "template", _split_kinds(controllers), True)


def _cronjob_rule(rule: dict[str, Any], controllers: str) -> dict[str, Any] | None:
    if "CronJob" not in controllers and "all" not in controllers:
        return None
    return _generate_rule(_autogen_name("autogen-cronjob", str(rule.get("name", ""))),
                          _rule_for_controllers(rule, controllers), "jobTemplate", ["CronJob"], False)


def _autogen_name(prefix: str, name: str) -> str:
    return (prefix + "-" + name)[:63]


def _convert(rule: dict[str, Any], cron: bool) -> dict[str, Any]:
    """kyverno convertRule: rewrite the rule's JSON text so request/object paths point into the pod template."""
    is_cel = isinstance(rule.get("validate"), dict) and rule["validate"].get("cel") is not None
    if cron:
        replacements = CRONJOB_CEL_REPLACEMENTS if is_cel else CRONJOB_REPLACEMENTS
    else:
        replacements = POD_CEL_REPLACEMENTS if is_cel else POD_REPLACEMENTS
    text = json.dumps(rule, ensure_ascii=False)
    for old, new in replacements:
        text = text.replace(old, new)
    return json.loads(text)


def compute_rules(spec: dict[str, Any], annotations: dict[str, str]) -> list[tuple[dict[str, Any], str | None]]:
    """kyverno ComputeRules(policy, ""): [(rule, source rule name or None for the rule itself)].

    Generated rules carry the name of the source rule they came from, so the report lists them under it.
    """
    rules = [r for r in spec.get("rules") or [] if isinstance(r, dict)]
    apply, desired = can_autogen(spec)
    if not apply:
        desired = {"none"}
    if apply and ANNOTATION_CONTROLLERS in annotations:
        actual = set(annotations[ANNOTATION_CONTROLLERS].split(","))
    else:
        actual = desired
    kind = ",".join(sorted(actual))
    plain = [(r, None) for r in rules]
    if kind == "none":
        return plain
    generated: list[tuple[dict[str, Any], str | None]] = []
    for r in rules:
        g = _rule_for_controllers(r, _strip_cronjob(kind))
        if g is not None:
            generated.append((_convert(g, cron=False), str(r.get("name"))))
        c = _cronjob_rule(r, kind)
        if c is not None:
            generated.append((_convert(c, cron=True), str(r.get("name"))))
    if not generated:
        return plain
    return [(r, None) for r in rules if not str(r.get("name", "")).startswith("autogen-")] + generated


# ---- ValidatingPolicy ----------------------------------------------------------------------------------------------

VPOL_TARGETS = {
    "daemonsets": ("apps", "v1", "daemonsets", "DaemonSet", "defaults"),
    "deployments": ("apps", "v1", "deployments", "Deployment", "defaults"),
    "replicasets": ("apps", "v1", "replicasets", "ReplicaSet", "defaults"),
    "statefulsets": ("apps", "v1", "statefulsets", "StatefulSet", "defaults"),
    "jobs": ("batch", "v1", "jobs", "Job", "defaults"),
    "cronjobs": ("batch", "v1", "cronjobs", "CronJob", "cronjobs"),
}
VPOL_REPLACEMENTS = {
    "defaults": [("spec", "spec.template.spec"), ("metadata", "spec.template.metadata")],
    "cronjobs": [("spec", "spec.jobTemplate.spec.template.spec"), ("metadata", "spec.jobTemplate.spec.template.metadata")],
}
_PROTECTED_SUFFIXES = (".namespace",)


def vpol_can_autogen(match: Any) -> bool:
    """kyverno pkg/cel/autogen CanAutoGen: the policy matches exactly core/v1 pods, without names or exclusions."""
    if not isinstance(match, dict):
        return False
    obj_sel = match.get("objectSelector")
    if isinstance(obj_sel, dict) and (obj_sel.get("matchLabels") or obj_sel.get("matchExpressions")):
        return False
    if match.get("excludeResourceRules"):
        return False
    rules = match.get("resourceRules") or []
    if len(rules) != 1:
        return False
    rule = rules[0]
    return (not rule.get("resourceNames") and rule.get("apiGroups") == [""] and rule.get("apiVersions") == ["v1"]
            and rule.get("resources") == ["pods"])


def _ident(ch: str) -> bool:
    return ch == "_" or ch.isascii() and ch.isalnum()


def _replace_protected(text: str, old: str, new: str) -> str:
    out, i = [], 0
    while True:
        j = text.find(old, i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        rest = text[j + len(old):]
        protected = any(rest.startswith(s) and (len(rest) == len(s) or not _ident(rest[len(s)])) for s in _PROTECTED_SUFFIXES)
        out.append(old if protected else new)
        i = j + len(old)


def vpol_autogen(spec: dict[str, Any]) -> list[tuple[str, list[str], dict[str, Any]]]:
    """[(config name, target kinds, rewritten spec)] for a ValidatingPolicy spec; empty when autogen does not apply."""
    if not vpol_can_autogen(spec.get("matchConstraints")):
        return []
    controllers = set(VPOL_TARGETS)
    pod_controllers = ((spec.get("autogen") or {}).get("podControllers") or {})
    if pod_controllers.get("controllers") is not None:
        controllers = set(pod_controllers["controllers"])
    mapping: dict[str, list[tuple[str, str, str, str]]] = {}
    for c in controllers:
        if c in VPOL_TARGETS:
            g, v, r, k, ref = VPOL_TARGETS[c]
            mapping.setdefault(ref, []).append((g, v, r, k))
    out = []
    for config in sorted(mapping):
        targets = sorted(mapping[config])
        new = copy.deepcopy(spec)
        match = spec["matchConstraints"]
        ops = match["resourceRules"][0].get("operations") or []
        if not ops:
            continue  # Kyverno builds no matchConstraints then: the generated policy matches nothing
        by_gv: dict[tuple[str, str], set[str]] = {}
        for g, v, r, _ in targets:
            by_gv.setdefault((g, v), set()).add(r)
        constraints: dict[str, Any] = {"resourceRules": [
            {"apiGroups": [g], "apiVersions": [v], "resources": sorted(rs), "operations": list(ops)}
            for (g, v), rs in sorted(by_gv.items())]}
        if match.get("namespaceSelector") is not None:
            constraints["namespaceSelector"] = copy.deepcopy(match["namespaceSelector"])
        new["matchConstraints"] = constraints
        text = json.dumps(new, ensure_ascii=False)
        for frm, to in VPOL_REPLACEMENTS[config]:
            text = _replace_protected(text, "object." + frm, "object." + to)
            text = _replace_protected(text, "oldObject." + frm, "oldObject." + to)
        out.append((config, [t[3] for t in targets], json.loads(text)))
    return out
