"""`migrator convert` hands ValidatingWebhookConfigurations to the scope scaffold (issue 6), next to Kyverno policies."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import yaml

WEBHOOKS = textwrap.dedent("""\
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingWebhookConfiguration
    metadata:
      name: guard
    webhooks:
    - name: pods.guard.example.com
      admissionReviewVersions: [v1]
      sideEffects: None
      clientConfig:
        service: {name: guard, namespace: platform}
      rules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [pods]
      namespaceSelector:
        matchLabels: {guarded: "true"}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: unrelated}
    """)


def run(*args):
    return subprocess.run([sys.executable, "-m", "migrator", *args], capture_output=True, text=True)


def test_webhook_configuration_becomes_a_partial_scaffold(tmp_path):
    src = tmp_path / "webhooks.yaml"
    src.write_text(WEBHOOKS)
    out, report = tmp_path / "out", tmp_path / "report.json"
    proc = run("convert", str(src), "-o", str(out), "--report", str(report), "--action", "warn")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(report.read_text())
    [policy] = doc["policies"]
    assert policy["kind"] == "ValidatingWebhookConfiguration"
    [rule] = policy["rules"]
    assert rule["name"] == "pods.guard.example.com" and rule["status"] == "partial"
    [manifest] = list(out.iterdir())
    vap, binding = list(yaml.safe_load_all(manifest.read_text()))
    assert vap["spec"]["matchConstraints"]["namespaceSelector"] == {"matchLabels": {"guarded": "true"}}
    assert vap["spec"]["matchConstraints"]["resourceRules"][0]["resources"] == ["pods"]
    assert vap["spec"]["failurePolicy"] == "Fail"  # the v1 default, kept exactly
    assert binding["spec"]["validationActions"] == ["Warn", "Audit"]  # --action warn forces the stage
    assert "ConfigMap" in proc.stdout and "skipped" in proc.stdout  # other kinds are noted, not converted
