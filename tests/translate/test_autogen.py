"""Autogen reproduces Kyverno's pkg/autogen: which rules, their names, kinds and rewritten paths."""

from __future__ import annotations

from migrator.translate.kyverno.autogen import ANNOTATION_CONTROLLERS, compute_rules, vpol_autogen


def pod_rule(**extra):
    rule = {
        "name": "check-image",
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "validate": {"message": "bad {{request.object.metadata.name}}", "pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}},
    }
    rule.update(extra)
    return rule


def test_pattern_rule_gets_controller_and_cronjob_copies():
    rules = compute_rules({"rules": [pod_rule()]}, {})
    names = [r["name"] for r, _ in rules]
    assert names == ["check-image", "autogen-check-image", "autogen-cronjob-check-image"]
    assert [origin for _, origin in rules] == [None, "check-image", "check-image"]
    controllers = rules[1][0]
    assert controllers["match"]["any"][0]["resources"]["kinds"] == [
        "apps/v1/DaemonSet", "apps/v1/Deployment", "batch/v1/Job", "apps/v1/ReplicaSet", "v1/ReplicationController",
        "apps/v1/StatefulSet"]
    assert controllers["validate"]["pattern"] == {"spec": {"template": {"spec": {"containers": [{"image": "!*:latest"}]}}}}
    assert controllers["validate"]["message"] == "bad {{request.object.spec.template.metadata.name}}"
    cron = rules[2][0]
    assert cron["match"]["any"][0]["resources"]["kinds"] == ["batch/v1/CronJob"]
    assert cron["validate"]["pattern"] == {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "!*:latest"}]}}}}}}
    assert cron["validate"]["message"] == "bad {{request.object.spec.jobTemplate.spec.template.metadata.name}}"


def test_annotation_none_and_subset():
    assert [r["name"] for r, _ in compute_rules({"rules": [pod_rule()]}, {ANNOTATION_CONTROLLERS: "none"})] == ["check-image"]
    rules = compute_rules({"rules": [pod_rule()]}, {ANNOTATION_CONTROLLERS: "Deployment"})
    assert [r["name"] for r, _ in rules] == ["check-image", "autogen-check-image"]
    assert rules[1][0]["match"]["any"][0]["resources"]["kinds"] == ["apps/v1/Deployment"]


def test_no_autogen_with_names_selector_or_mixed_kinds():
    named = pod_rule(match={"any": [{"resources": {"kinds": ["Pod"], "names": ["x"]}}]})
    assert len(compute_rules({"rules": [named]}, {})) == 1
    mixed = pod_rule(match={"any": [{"resources": {"kinds": ["Pod", "Service"]}}]})
    assert len(compute_rules({"rules": [mixed]}, {})) == 1


def test_cel_rule_rewrites_object_paths():
    rule = {"name": "c", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"cel": {"expressions": [{"expression": "object.spec.hostNetwork != true && oldObject.metadata.name != ''"}]}}}
    rules = compute_rules({"rules": [rule]}, {})
    assert rules[1][0]["validate"]["cel"]["expressions"][0]["expression"] == \
        "object.spec.template.spec.hostNetwork != true && oldObject.spec.template.metadata.name != ''"


def test_vpol_autogen_targets_and_protected_namespace():
    spec = {
        "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"],
                                                "operations": ["CREATE"]}]},
        "validations": [{"expression": "object.spec.x == 1 && object.metadata.namespace != 'a' && object.metadata.name != ''"}],
    }
    out = vpol_autogen(spec)
    assert [c for c, _, _ in out] == ["cronjobs", "defaults"]
    defaults = out[1][2]
    assert defaults["validations"][0]["expression"] == (
        "object.spec.template.spec.x == 1 && object.metadata.namespace != 'a' && object.spec.template.metadata.name != ''")
    assert defaults["matchConstraints"]["resourceRules"] == [
        {"apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["daemonsets", "deployments", "replicasets", "statefulsets"], "operations": ["CREATE"]},
        {"apiGroups": ["batch"], "apiVersions": ["v1"], "resources": ["jobs"], "operations": ["CREATE"]}]
    spec["autogen"] = {"podControllers": {"controllers": []}}
    assert vpol_autogen(spec) == []
