"""`migrator verify` end to end: files in, JSON/table/junit out, exit codes 0/1/2, one-line errors."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from migrator.cli.app import main

POLICY = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-latest}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  validations:
  - expression: "!object.spec.containers.exists(c, c.image.endsWith(':latest'))"
    messageExpression: "'pod ' + object.metadata.name + ' uses a latest image'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-latest-binding}
spec:
  policyName: no-latest
  validationActions: [Deny]
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: something-else}
spec: {rules: []}
"""


def review(name, image, allowed=None, namespace="default"):
    doc = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": f"uid-{name}",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace,
            "name": name,
            "operation": "CREATE",
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
                       "spec": {"containers": [{"name": "c", "image": image}]}},
        },
    }
    if allowed is not None:
        doc["response"] = {"uid": f"uid-{name}", "allowed": allowed}
    return doc


@pytest.fixture
def case(tmp_path):
    pol = tmp_path / "policies"
    pol.mkdir()
    (pol / "no-latest.yaml").write_text(POLICY)
    samples = tmp_path / "samples"
    samples.mkdir()
    return tmp_path


def run(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(["verify", *map(str, args)])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def write(path, doc):
    path.write_text(json.dumps(doc))


def test_all_agree_exit_0_and_json_shape(case, capsys):
    write(case / "samples" / "001-good.json", review("good", "nginx:1.25", allowed=True))
    write(case / "samples" / "002-bad.json", review("bad", "nginx:latest", allowed=False))
    write(case / "samples" / "003-unknown.json", review("unknown", "nginx:latest"))
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--format", "json", "--jobs", "1")
    assert code == 0, err
    doc = json.loads(out)
    assert "ignored documents that are not ValidatingAdmissionPolicy/Binding: kyverno.io/v1/ClusterPolicy x1" in err
    by_name = {r["sample"]: r for r in doc["results"]}
    assert list(by_name) == ["001-good.json", "002-bad.json", "003-unknown.json"]
    bad = by_name["002-bad.json"]
    assert bad["allowed"] is False and bad["expected_allowed"] is False and bad["agree"] is True
    assert bad["uid"] == "uid-bad"
    assert bad["violations"] == [{"policy": "no-latest", "binding": "no-latest-binding", "validation": 0,
                                  "actions": ["Deny"], "message": "pod bad uses a latest image", "reason": "Invalid"}]
    assert bad["message"] == "ValidatingAdmissionPolicy 'no-latest' with binding 'no-latest-binding' denied request: pod bad uses a latest image"
    assert set(bad) >= {"sample", "uid", "allowed", "expected_allowed", "agree", "violations", "warnings", "audit_annotations", "errors"}
    assert by_name["003-unknown.json"]["agree"] is None and by_name["003-unknown.json"]["expected_allowed"] is None
    s = doc["summary"]
    assert (s["samples"], s["agree"], s["disagree"], s["no_expectation"], s["errors"]) == (3, 2, 0, 1, 0)
    assert s["policies"] == [{"policy": "no-latest", "matched": 3, "denied": 2, "warned": 0, "audited": 0, "disagreements": 0, "errors": 0}]


def test_disagreement_exit_1_and_table_shows_it_first(case, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # no wrapping inside the message column
    write(case / "samples" / "a-fine.json", review("fine", "nginx:1", allowed=True))
    write(case / "samples" / "z-webhook-allowed.json", review("latest", "nginx:latest", allowed=True))
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies")
    assert code == 1
    assert out.index("z-webhook-allowed.json") < out.index("a-fine.json")
    assert "pod latest uses a latest image" in out
    assert "2 samples: 1 agree, 1 disagree" in out


def test_junit(case, capsys):
    write(case / "samples" / "a.json", review("a", "nginx:latest", allowed=True))
    write(case / "samples" / "b.json", review("b", "nginx:1", allowed=True))
    code, out, _ = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    suite = root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failed = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert failed == ["a.json"]


def test_streams_and_parallel_jobs_keep_input_order(case, capsys):
    lines = [json.dumps(review(f"p{i}", "nginx:latest" if i % 3 == 0 else "nginx:1", allowed=i % 3 != 0)) for i in range(300)]
    with gzip.open(case / "samples" / "traffic.jsonl.gz", "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--format", "json", "--jobs", "2")
    assert code == 0, err
    doc = json.loads(out)
    assert [r["sample"] for r in doc["results"]] == [f"traffic.jsonl.gz#{i}" for i in range(300)]
    assert doc["summary"]["policies"][0]["denied"] == 100


def test_bad_sample_in_a_stream_is_reported_and_the_rest_run(case, capsys):
    (case / "samples" / "s.jsonl").write_text(
        json.dumps(review("a", "nginx:latest", allowed=False)) + "\n{broken\n" + json.dumps(review("b", "nginx:1", allowed=True)) + "\n"
    )
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert [r["agree"] for r in doc["results"]] == [True, None, True]
    assert doc["summary"]["errors"] == 1
    [line] = [ln for ln in err.splitlines() if "invalid JSON" in ln]
    assert "s.jsonl: line 2: invalid JSON" in line


def test_compile_error_is_bad_input_with_file_field_and_position(case, capsys):
    broken = POLICY.replace("!object.spec.containers.exists(c, c.image.endsWith(':latest'))", "object.spec.containers.exists(c, ")
    (case / "policies" / "no-latest.yaml").write_text(broken)
    write(case / "samples" / "a.json", review("a", "nginx:1"))
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies")
    assert code == 2 and out == ""
    line = err.strip().splitlines()[-1]
    assert "no-latest.yaml: document 1, line 10: spec.validations[0].expression" in line  # the line of the field
    assert "compilation failed" in line and "object.spec.containers.exists(c, " in line
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda c: (c / "policies" / "x.yaml").write_text("a: [b\n"), "invalid YAML"),
        (
            lambda c: (c / "policies" / "x.yaml").write_text(
                yaml.safe_dump({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
                                "metadata": {"name": "orphan"}, "spec": {"policyName": "ghost", "validationActions": ["Deny"]}})
            ),
            "ValidatingAdmissionPolicy 'ghost' not found",
        ),
    ],
)
def test_bad_policy_input_is_one_line_exit_2(case, capsys, setup, message):
    setup(case)
    write(case / "samples" / "a.json", review("a", "nginx:1"))
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "x.yaml" in err


def test_missing_samples_path(case, capsys):
    code, _, err = run(capsys, "--samples", case / "nope", "--policies", case / "policies")
    assert code == 2 and "nope: no such file or directory" in err


def test_namespaces_and_params_files(case, capsys):
    (case / "policies" / "no-latest.yaml").write_text(
        POLICY.replace("  validationActions: [Deny]", "  validationActions: [Deny]\n  matchResources:\n    namespaceSelector:\n      matchLabels: {env: prod}")
    )
    (case / "ns.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"env": "prod"}}}))
    write(case / "samples" / "a.json", review("a", "nginx:latest", namespace="shop", allowed=False))
    write(case / "samples" / "b.json", review("b", "nginx:latest", namespace="dev", allowed=True))
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--namespaces", case / "ns.yaml", "--format", "json")
    assert code == 0, out + err


def test_python_m_migrator_runs_verify(case):
    write(case / "samples" / "a.json", review("a", "nginx:latest", allowed=False))
    proc = subprocess.run(
        [sys.executable, "-m", "migrator", "verify", "--samples", str(case / "samples"), "--policies", str(case / "policies"), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["agree"] == 1


def test_authorizer_rules_file(case, capsys):
    (case / "policies" / "authz.yaml").write_text(
        POLICY.replace("no-latest", "only-admins").replace(
            "!object.spec.containers.exists(c, c.image.endsWith(':latest'))", "authorizer.requestResource.check('create').allowed()"
        ).split("---\napiVersion: kyverno.io/v1")[0]
    )
    (case / "rules.yaml").write_text("rules:\n- users: [admin]\n  verbs: ['*']\n  resources: ['*']\n")
    doc = review("a", "nginx:1", allowed=False)
    doc["request"]["userInfo"] = {"username": "dev"}
    write(case / "samples" / "a.json", doc)
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--authorizer", case / "rules.yaml", "--format", "json")
    assert code == 0, err
    assert [v["policy"] for v in json.loads(out)["results"][0]["violations"]] == ["only-admins"]
    code, out, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--format", "json")
    assert code == 1  # allow-all by default: nothing denies the request the webhook denied


def test_namespaces_file_must_hold_namespaces(case, capsys):
    (case / "ns.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}))
    write(case / "samples" / "a.json", review("a", "nginx:1"))
    code, _, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--namespaces", case / "ns.yaml")
    assert code == 2 and "ns.yaml" in err and "expected a Namespace, got ConfigMap" in err


def test_missing_params_file(case, capsys):
    write(case / "samples" / "a.json", review("a", "nginx:1"))
    code, _, err = run(capsys, "--samples", case / "samples", "--policies", case / "policies", "--params", case / "nope.yaml")
    assert code == 2 and "nope.yaml: no such file or directory" in err
