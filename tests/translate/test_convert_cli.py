"""`migrator convert` end to end on hand-written policies: files, report, actions, refusal to overwrite, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import yaml

from migrator.translate.objects import schema_errors

CEL_POLICY = textwrap.dedent("""\
    apiVersion: kyverno.io/v1
    kind: ClusterPolicy
    metadata:
      name: no-host-network
    spec:
      validationFailureAction: Enforce
      rules:
      - name: host-network
        match:
          any:
          - resources:
              kinds: [Pod]
              operations: [CREATE, UPDATE]
        validate:
          message: "hostNetwork is not allowed: \\"quoted\\""
          cel:
            expressions:
            - expression: "!has(object.spec.hostNetwork) || object.spec.hostNetwork == false"
      - name: add-label
        match:
          any:
          - resources:
              kinds: [Pod]
        mutate:
          patchStrategicMerge:
            metadata:
              labels:
                team: x
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: not-a-policy
    """)

VPOL = textwrap.dedent("""\
    apiVersion: policies.kyverno.io/v1alpha1
    kind: ValidatingPolicy
    metadata:
      name: replicas
    spec:
      validationActions: [Audit]
      matchConstraints:
        resourceRules:
        - apiGroups: [apps]
          apiVersions: [v1]
          operations: [CREATE]
          resources: [deployments]
      validations:
      - expression: "object.spec.replicas <= 5"
        message: too many replicas
    ---
    apiVersion: policies.kyverno.io/v1alpha1
    kind: ValidatingPolicy
    metadata:
      name: uses-http
    spec:
      matchConstraints:
        resourceRules:
        - apiGroups: [""]
          apiVersions: [v1]
          operations: [CREATE]
          resources: [pods]
      validations:
      - expression: "http.Get('https://example.com').allowed"
    """)


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "migrator", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture()
def policies(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "cel.yaml").write_text(CEL_POLICY)
    (src / "vpol.yaml").write_text(VPOL)
    return src


def test_convert_writes_one_file_per_policy_and_report(tmp_path, policies):
    out, report = tmp_path / "out", tmp_path / "report.json"
    proc = run("convert", str(policies), "-o", str(out), "--report", str(report))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["no-host-network.yaml", "replicas.yaml"]
    doc = json.loads(report.read_text())
    rules = {(p["name"], r["name"]): r for p in doc["policies"] for r in p["rules"]}
    assert rules[("no-host-network", "host-network")]["status"] == "converted"
    assert rules[("no-host-network", "add-label")]["status"] == "unsupported"
    assert "mutate" in rules[("no-host-network", "add-label")]["reason"]
    assert rules[("uses-http", "uses-http")]["status"] == "unsupported"
    assert "http" in rules[("uses-http", "uses-http")]["reason"]
    assert doc["summary"]["rules_by_status"] == {"converted": 2, "partial": 0, "unsupported": 2}
    objs = list(yaml.safe_load_all((out / "no-host-network.yaml").read_text()))
    assert all(not schema_errors(o) for o in objs)
    names = [o["metadata"]["name"] for o in objs]
    assert all(n.startswith("no-host-network-") for n in names)
    binding = next(o for o in objs if o["kind"] == "ValidatingAdmissionPolicyBinding")
    assert binding["spec"]["validationActions"] == ["Deny"]
    vap = objs[0]
    assert vap["spec"]["validations"][0]["message"] == 'hostNetwork is not allowed: "quoted"'
    assert vap["metadata"]["annotations"]["migrator.kyverno.io/rules"] == "host-network"
    # autogen copies exist for the pod controllers
    assert any("autogen-cronjob" in n for n in names)


def test_refuses_to_overwrite_without_force(tmp_path, policies):
    out = tmp_path / "out"
    assert run("convert", str(policies), "-o", str(out)).returncode == 0
    proc = run("convert", str(policies), "-o", str(out))
    assert proc.returncode == 2
    assert "already exists" in proc.stderr and "--force" in proc.stderr
    assert run("convert", str(policies), "-o", str(out), "--force").returncode == 0


def test_action_override_and_stdout(tmp_path, policies):
    proc = run("convert", str(policies / "cel.yaml"), "--action", "warn", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    objs = list(yaml.safe_load_all(proc.stdout))
    assert {tuple(o["spec"]["validationActions"]) for o in objs if o["kind"].endswith("Binding")} == {("Warn", "Audit")}
    report = json.loads(proc.stderr)
    assert report["policies"][0]["name"] == "no-host-network"


def test_bad_yaml_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x\n")
    proc = run("convert", str(bad))
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_malformed_policy_names_place(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: x}\nspec:\n  rules: {}\n")
    proc = run("convert", str(bad))
    assert proc.returncode == 2
    assert "spec.rules must be a list" in proc.stderr and "document 1" in proc.stderr


def test_missing_file(tmp_path):
    proc = run("convert", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2 and "nope.yaml" in proc.stderr
