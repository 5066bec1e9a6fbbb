"""`migrator eval` end to end: the batch contract of shared/conformance/k8s-cel/README.md and single mode."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migrator", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_batch_contract(tmp_path):
    lines = [
        {"id": "v", "expr": "x.a + 1", "vars": {"x": {"a": 1}}},
        {"id": "u", "expr": "1u", "vars": {}},
        {"id": "c", "expr": "1 + 'a'", "vars": {}},
        {"id": "r", "expr": "x.b", "vars": {"x": {}}},
    ]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n{\"id\": \"n\", \"vars\": {}}\n")
    result = run("eval", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"id": "v", "value": 2, "type": "int"}
    assert out[1] == {"id": "u", "value": 1, "type": "uint"}
    assert out[2]["phase"] == "compile" and "no matching overload" in out[2]["error"]
    assert out[3] == {"id": "r", "error": "no such key: b", "phase": "runtime"}
    assert out[4]["id"] is None and out[4]["phase"] == "input"  # malformed line: reported, the rest still run
    assert out[5]["id"] == "n" and out[5]["phase"] == "input"
    assert len(out) == 6


def test_single_expression_with_object(tmp_path):
    pod = tmp_path / "pod.yaml"
    pod.write_text("metadata:\n  name: web\nspec:\n  containers:\n  - image: nginx:latest\n")
    result = run("eval", "object.spec.containers.all(c, c.image.endsWith(':latest')) && oldObject == null",
                 "--object", str(pod))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "true"


def test_request_accepts_admission_review(tmp_path):
    review = tmp_path / "review.json"
    review.write_text(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                                  "request": {"operation": "CREATE", "userInfo": {"username": "alice"}}}))
    result = run("eval", "request.operation + ':' + request.userInfo.username", "--request", str(review))
    assert result.stdout.strip() == '"CREATE:alice"', result.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["eval", "object", "--object", "/nonexistent/pod.yaml"], "no such file"),
        (["eval", "1 +"], "does not compile"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, fragment):
    result = run(*args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_malformed_yaml_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("metadata: [unclosed\n")
    result = run("eval", "object", "--object", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "Traceback" not in result.stderr


def test_runtime_error_exit_1():
    result = run("eval", "1 / 0")
    assert result.returncode == 1
    assert "division by zero" in result.stderr


def test_authorizer_option(tmp_path):
    review = tmp_path / "review.json"
    review.write_text(json.dumps({"kind": "AdmissionReview", "request": {
        "operation": "DELETE", "userInfo": {"username": "bob"}, "resource": {"group": "apps", "resource": "deployments"},
        "namespace": "prod", "name": "web"}}))
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n- users: [alice]\n  verbs: ['*']\n  apiGroups: ['*']\n  resources: ['*']\n")
    expr = "authorizer.requestResource.check('delete').allowed()"
    assert run("eval", expr, "--request", str(review)).stdout.strip() == "true"  # allow-all by default
    assert run("eval", expr, "--request", str(review), "--authorizer", str(rules)).stdout.strip() == "false"


def test_single_mode_types_request_like_the_api_server():
    # compile.go: request is kubernetes.AdmissionRequest, which has no `uid` field
    result = run("eval", "request.uid")
    assert result.returncode == 2 and "undefined field 'uid'" in result.stderr
