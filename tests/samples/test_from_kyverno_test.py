"""`migrator samples from-kyverno-test` on a Kyverno test folder written for these tests (data/kyverno)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from migrator.cli.app import main
from migrator.samples.from_kyverno_test import (
    KyvernoTest,
    KyvernoTestSummary,
    Policy,
    expectations,
    iter_samples,
    wrap_pod,
)

TEST_DIR = Path(__file__).parent / "data" / "kyverno" / "team-policies"
TEST_FILE = TEST_DIR / ".kyverno-test" / "kyverno-test.yaml"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture(scope="module")
def samples() -> dict[str, dict]:
    summary = KyvernoTestSummary()
    out = {}
    for s in iter_samples([str(TEST_DIR)], summary):
        req = s.review["request"]
        out[f"{req['kind']['kind']}/{req['name']}"] = s.review
    return out


def test_expected_results_become_recorded_decisions(samples):
    assert samples["Pod/labelled"]["response"]["allowed"] is True
    assert samples["Pod/unlabelled"]["response"]["allowed"] is False
    # autogen-check-team on a Deployment in the test: a result for the controller itself
    assert samples["Deployment/api"]["response"]["allowed"] is False
    assert samples["Deployment/api"]["request"]["resource"] == {"group": "apps", "version": "v1", "resource": "deployments"}


def test_namespace_defaults_and_user_info(samples):
    pod = samples["Pod/labelled"]["request"]
    assert pod["namespace"] == "default"
    assert pod["object"]["metadata"]["namespace"] == "default"
    assert pod["userInfo"] == {"username": "alice@example.com", "groups": ["dev-team"]}
    assert pod["operation"] == "CREATE" and pod["oldObject"] is None
    assert pod["options"] == {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}


def test_values_operation_delete_moves_resource_to_old_object(samples):
    req = samples["ConfigMap/settings"]["request"]
    assert req["operation"] == "DELETE"
    assert req["object"] is None and req["oldObject"]["data"] == {"mode": "strict"}
    assert req["namespace"] == "ops"
    assert samples["ConfigMap/settings"]["response"]["allowed"] is False


def test_mutate_results_are_not_admission_decisions():
    summary = KyvernoTestSummary()
    list(iter_samples([str(TEST_FILE)], summary))
    assert summary.dropped["mutate/generate result"] == 1


def test_pods_expand_to_controllers_not_covered_by_the_test(samples):
    kinds = sorted(k.split("/")[0] for k in samples if k.endswith("/unlabelled"))
    # Deployment is left out: the test has its own autogen result for a Deployment
    assert kinds == ["CronJob", "DaemonSet", "Job", "Pod", "ReplicaSet", "ReplicationController", "StatefulSet"]
    cron = samples["CronJob/unlabelled"]
    assert cron["response"]["allowed"] is False
    template = cron["request"]["object"]["spec"]["jobTemplate"]["spec"]["template"]
    assert template["metadata"]["labels"] == {"app": "web"}
    assert template["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert cron["request"]["resource"] == {"group": "batch", "version": "v1", "resource": "cronjobs"}
    assert samples["StatefulSet/labelled"]["response"]["allowed"] is True


def test_no_autogen_option(tmp_path, capsys):
    out = tmp_path / "s.jsonl"
    code, stdout, _ = run(capsys, "samples", "from-kyverno-test", str(TEST_FILE), "-o", str(out), "--no-autogen")
    assert code == 0
    kinds = sorted(json.loads(l)["request"]["kind"]["kind"] for l in out.read_text().splitlines())
    assert kinds == ["ConfigMap", "Deployment", "Pod", "Pod"]


def _policy(annotations=None, match=None, extra_rule=None) -> Policy:
    rule = {"name": "r", "match": match or {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"pattern": {}}}
    doc = {"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
           "metadata": {"name": "p", "annotations": annotations or {}}, "spec": {"rules": [rule] + ([extra_rule] if extra_rule else [])}}
    return Policy(doc)


def test_autogen_controllers_follow_kyverno():
    assert _policy().autogen_controllers() == [
        "DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController", "CronJob"]
    assert _policy({"pod-policies.kyverno.io/autogen-controllers": "Deployment,CronJob"}).autogen_controllers() == [
        "Deployment", "CronJob"]
    assert _policy({"pod-policies.kyverno.io/autogen-controllers": "none"}).autogen_controllers() == []
    # a name, a selector or mixed kinds switch autogen off
    assert _policy(match={"any": [{"resources": {"kinds": ["Pod"], "names": ["web-*"]}}]}).autogen_controllers() == []
    assert _policy(match={"resources": {"kinds": ["Pod"], "selector": {"matchLabels": {"a": "b"}}}}).autogen_controllers() == []
    assert _policy(match={"any": [{"resources": {"kinds": ["Pod", "Deployment"]}}]}).autogen_controllers() == []
    assert _policy(match={"any": [{"resources": {"kinds": ["ConfigMap"]}}]}).autogen_controllers() == []
    assert _policy(extra_rule={"name": "g", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "generate": {}}).autogen_controllers() == []


def test_expansion_stops_when_another_policy_matches_the_controller(tmp_path):
    (tmp_path / "p.yaml").write_text(yaml.safe_dump_all([
        _policy().doc,
        {"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "replicas"},
         "spec": {"rules": [{"name": "min", "match": {"any": [{"resources": {"kinds": ["apps/v1/Deployment"]}}]},
                             "validate": {"pattern": {"spec": {"replicas": ">1"}}}}]}},
    ]))
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
                                                      "spec": {"containers": [{"name": "c", "image": "i"}]}}))
    (tmp_path / "kyverno-test.yaml").write_text(yaml.safe_dump({
        "name": "t", "policies": ["p.yaml"], "resources": ["r.yaml"],
        "results": [{"policy": "p", "rule": "r", "kind": "Pod", "resources": ["x"], "result": "fail"}],
    }))
    test = KyvernoTest.load(str(tmp_path / "kyverno-test.yaml"))
    kinds = sorted(e.resource.kind for e in expectations(test, KyvernoTestSummary()))
    assert "Deployment" not in kinds and "StatefulSet" in kinds and "Pod" in kinds


def test_wrap_pod_shapes():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "n", "labels": {"x": "1"}},
           "spec": {"containers": []}}
    rc = wrap_pod(pod, "ReplicationController")
    assert rc["apiVersion"] == "v1" and rc["spec"]["selector"] == {"x": "1"}
    dep = wrap_pod(pod, "Deployment")
    assert dep["metadata"] == {"name": "a", "namespace": "n"}
    assert dep["spec"]["template"]["metadata"] == {"labels": {"x": "1"}}


def test_cli_namespaces_out_and_summary(tmp_path, capsys):
    out = tmp_path / "samples"
    ns_file = tmp_path / "namespaces.yaml"
    code, stdout, _ = run(capsys, "samples", "from-kyverno-test", str(TEST_DIR), "-o", str(out),
                          "--namespaces-out", str(ns_file))
    assert code == 0, stdout
    assert len(os.listdir(out)) == 16
    ns = yaml.safe_load(ns_file.read_text())
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "ops", "tier": "platform"}
    assert "results not used (mutate/generate result): 1" in stdout
    code, _, err = run(capsys, "samples", "from-kyverno-test", str(TEST_DIR), "-o", str(out))
    assert code == 2 and "--force" in err


def test_cli_bad_inputs(tmp_path, capsys):
    bad = tmp_path / "kyverno-test.yaml"
    bad.write_text("name: t\npolicies: [missing.yaml]\nresources: []\nresults: []\n")
    code, _, err = run(capsys, "samples", "from-kyverno-test", str(bad), "-o", str(tmp_path / "o"))
    assert code == 2 and "missing.yaml" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n")
    code, _, err = run(capsys, "samples", "from-kyverno-test", str(bad), "-o", str(tmp_path / "o"))
    assert code == 2 and "not a Kyverno test" in err
    code, _, err = run(capsys, "samples", "from-kyverno-test", str(tmp_path / "empty"), "-o", str(tmp_path / "o"))
    assert code == 2


def test_scope_of_kinds_outside_the_builtin_table():
    from migrator.sources.kinds import is_namespaced

    assert is_namespaced("ClusterRole", "authorization.openshift.io") is False  # same scope as the built-in
    assert is_namespaced("APIServer", "config.openshift.io") is False
    assert is_namespaced("Ingress", "config.openshift.io") is False and is_namespaced("Ingress", "networking.k8s.io")
    assert is_namespaced("ClusterIssuer", "cert-manager.io") is False
    assert is_namespaced("ClusterWidget", "example.com") is False  # the Cluster... convention
    assert is_namespaced("Widget", "example.com") is True


def test_audit_mode_failures_and_enforced_only(tmp_path, capsys):
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "p"},
        "spec": {"validationFailureAction": "Audit", "rules": [
            {"name": "audited", "match": {"any": [{"resources": {"kinds": ["ConfigMap"]}}]}, "validate": {"pattern": {}}},
            {"name": "enforced", "match": {"any": [{"resources": {"kinds": ["ConfigMap"]}}]},
             "validate": {"failureAction": "Enforce", "pattern": {}}}]}}))
    (tmp_path / "r.yaml").write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}]))
    (tmp_path / "kyverno-test.yaml").write_text(yaml.safe_dump({
        "name": "t", "policies": ["p.yaml"], "resources": ["r.yaml"],
        "results": [{"policy": "p", "rule": "audited", "kind": "ConfigMap", "resources": ["a"], "result": "fail"},
                    {"policy": "p", "rule": "enforced", "kind": "ConfigMap", "resources": ["b"], "result": "fail"}]}))
    out = tmp_path / "s.jsonl"
    code, stdout, _ = run(capsys, "samples", "from-kyverno-test", str(tmp_path), "-o", str(out))
    assert code == 0
    decided = {json.loads(l)["request"]["name"]: json.loads(l)["response"]["allowed"] for l in out.read_text().splitlines()}
    assert decided == {"a": False, "b": False}  # the test's fail is recorded as a denial
    assert "1 denied sample(s) fail only Audit-mode rules" in stdout
    code, stdout, _ = run(capsys, "samples", "from-kyverno-test", str(tmp_path), "-o", str(out), "--force", "--enforced-only")
    decided = {json.loads(l)["request"]["name"]: json.loads(l)["response"]["allowed"] for l in out.read_text().splitlines()}
    assert decided == {"a": True, "b": False}
