"""Contract review regressions: input shapes and edges the first implementation got wrong."""

from __future__ import annotations

import json

from migrator.analyze.analyzer import analyze
from migrator.analyze.context import Options
from migrator.sources.cluster import load_dump

from .conftest import NOW


def _findings(folder) -> dict[tuple[str, str], dict]:
    analysis = analyze(load_dump(folder, now=NOW), Options(now=NOW))
    return {(f.id, f.target): f.to_json() for f in analysis.findings}


HOOK = {
    "apiVersion": "admissionregistration.k8s.io/v1",
    "kind": "ValidatingWebhookConfiguration",
    "metadata": {"name": "cfg"},
    "webhooks": [
        {
            "name": "w.example.com",
            "clientConfig": {"service": {"namespace": "guard", "name": "gone"}},
            "sideEffects": "None",
            "timeoutSeconds": 3,
            "namespaceSelector": {
                "matchExpressions": [
                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system", "guard"]}
                ]
            },
            "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}],
        }
    ],
}
TARGET = "ValidatingWebhookConfiguration/cfg/w.example.com"


def test_json_lines_of_objects_are_objects_not_log_text(tmp_path):
    """`kubectl get -o json | jq -c '.items[]'` writes one object per line: a Service there is a Service."""
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "other", "namespace": "guard"}}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "guard"}}
    (tmp_path / "hooks.json").write_text(json.dumps(HOOK))
    for name in ("objects.json", "objects.jsonl"):
        (tmp_path / name).write_text(json.dumps(svc) + "\n" + json.dumps(ns) + "\n")
        assert ("service-missing", TARGET) in _findings(tmp_path), name
        (tmp_path / name).unlink()


def test_json_lines_mixing_audit_events_objects_and_log_text(tmp_path):
    audit = {
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Event",
        "auditID": "a1",
        "stage": "ResponseComplete",
        "stageTimestamp": "2026-11-20T00:00:00Z",
        "responseStatus": {"message": 'failed calling webhook "w.example.com": connection refused'},
    }
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "other", "namespace": "guard"}}
    log = {"message": 'failed calling webhook "w.example.com": x509: bad', "time": "2026-11-21T00:00:00Z"}
    (tmp_path / "hooks.json").write_text(json.dumps(HOOK))
    (tmp_path / "mixed.jsonl").write_text("\n".join(json.dumps(x) for x in (audit, svc, log)) + "\n")
    found = _findings(tmp_path)
    assert ("service-missing", TARGET) in found
    evidence = found[("call-failures", TARGET)]["evidence"]
    assert evidence == {
        "count": 2,
        "by_cause": {"tls": 1, "connection-refused": 1},
        "first": "2026-11-20T00:00:00Z",
        "last": "2026-11-21T00:00:00Z",
    }


def test_event_count_zero_falls_back_to_series_count_and_never_below_one(tmp_path):
    (tmp_path / "hooks.json").write_text(json.dumps(HOOK))
    (tmp_path / "events.yaml").write_text(
        "apiVersion: v1\nkind: Event\nmetadata: {name: e1, namespace: guard}\n"
        "message: 'failed calling webhook \"w.example.com\": boom'\ncount: 0\nseries: {count: 7}\n"
        "---\napiVersion: v1\nkind: Event\nmetadata: {name: e2, namespace: guard}\n"
        "message: 'failed calling webhook \"w.example.com\": boom'\ncount: 0\n"
    )
    evidence = _findings(tmp_path)[("call-failures", TARGET)]["evidence"]
    assert evidence["count"] == 8 and evidence["by_cause"] == {"other": 8}


def test_json_lines_file_with_a_truncated_line_is_read_not_an_error(tmp_path, run_cli):
    """An audit log exported while it was written ends in half a line: that line is log text, not a parse error."""
    audit = {
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Event",
        "auditID": "a1",
        "stage": "ResponseComplete",
        "responseStatus": {"message": 'failed calling webhook "w.example.com": no endpoints available for service'},
    }
    (tmp_path / "hooks.json").write_text(json.dumps(HOOK))
    (tmp_path / "audit.json").write_text(json.dumps(audit) + "\n" + json.dumps(audit)[:40] + "\n")
    assert _findings(tmp_path)[("call-failures", TARGET)]["evidence"]["by_cause"] == {"no-endpoints": 1}
    (tmp_path / "broken.json").write_text('{\n  "apiVersion": "v1",\n  "kind": \n')
    code, out, err = run_cli("analyze", "--from", str(tmp_path), "--format", "json")
    assert (code, out) == (2, "") and "broken.json" in err


def test_extensions_v1beta1_workloads_back_a_service(tmp_path):
    hook = json.loads(json.dumps(HOOK))
    hook["webhooks"][0]["clientConfig"]["service"]["name"] = "svc"
    (tmp_path / "hooks.json").write_text(json.dumps(hook))
    (tmp_path / "objects.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: guard}\nspec: {selector: {app: g}}\n---\n"
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: g, namespace: guard}\n"
        "spec:\n  replicas: 1\n  template:\n    metadata: {labels: {app: g}}\n"
        "    spec: {containers: [{name: c, resources: {requests: {cpu: 1m, memory: 1Mi}}}]}\n"
    )
    found = _findings(tmp_path)
    assert ("single-replica", TARGET) in found and ("no-pdb", TARGET) in found


def test_klog_header_after_a_journald_prefix_gives_the_time():
    from datetime import datetime, timezone

    from migrator.sources.cluster import klog_timestamp

    line = (
        'Nov 24 10:15:30 node-1 kube-apiserver[812]: E1123 10:15:30.250000     812 dispatcher.go:214] '
        'failed calling webhook "w.example.com": connection refused'
    )
    assert klog_timestamp(line, NOW) == datetime(2026, 11, 23, 10, 15, 30, 250000, tzinfo=timezone.utc)
    assert klog_timestamp('text mentioning E1123 10:15:30 without a klog header', NOW) is None


def test_files_with_a_byte_order_mark_are_read(tmp_path):
    """Windows tools write BOMs: UTF-8 with BOM (JSON parsers reject it), UTF-16LE from PowerShell 5's `>`."""
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n"}}
    (tmp_path / "svc.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(svc).encode())
    (tmp_path / "ns.yaml").write_bytes("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n".encode("utf-16"))
    inv = load_dump(tmp_path, now=NOW)
    assert sorted((o.kind, o.name) for o in inv.objects) == [("Namespace", "n"), ("Service", "s")]


def test_audit_events_behind_a_cri_log_prefix_are_audit_events(tmp_path):
    """An audit log written to the API server's stdout, collected from /var/log/pods: each line is
    `<time> stdout F <audit event JSON>`, so RequestReceived and duplicate auditIDs must not count."""
    def event(stage):
        return {
            "apiVersion": "audit.k8s.io/v1",
            "kind": "Event",
            "auditID": "a1",
            "stage": stage,
            "stageTimestamp": "2026-11-20T00:00:00Z",
            "responseStatus": {"message": 'failed calling webhook "w.example.com": i/o timeout'},
        }
    lines = [f"2026-11-20T00:00:01.5Z stdout F {json.dumps(event(s))}" for s in ("RequestReceived", "ResponseComplete")]
    lines.append('2026-11-21T00:00:00Z stderr F {"msg": "failed calling webhook \\"w.example.com\\": x509: expired"}')
    (tmp_path / "hooks.json").write_text(json.dumps(HOOK))
    (tmp_path / "kube-apiserver.log").write_text("\n".join(lines * 2) + "\n")
    evidence = _findings(tmp_path)[("call-failures", TARGET)]["evidence"]
    assert evidence == {
        "count": 3,
        "by_cause": {"timeout": 1, "tls": 2},
        "first": "2026-11-20T00:00:00Z",
        "last": "2026-11-21T00:00:00Z",
    }


def test_a_log_export_as_one_json_document_is_log_text(tmp_path):
    """`aws logs filter-log-events --output json > apiserver.json`: records under `events`, epoch-ms timestamps."""
    export = {
        "events": [
            {"logStreamName": "kube-apiserver-1", "timestamp": 1795478400000, "message": "I1124 ok"},
            {
                "logStreamName": "kube-apiserver-1",
                "timestamp": 1795305600000,
                "message": 'E1117 00:00:00.000000 1 d.go:1] failed calling webhook "w.example.com": connection refused',
            },
        ],
        "searchedLogStreams": [],
    }
    (tmp_path / "hooks.json").write_text(json.dumps(HOOK))
    (tmp_path / "apiserver.json").write_text(json.dumps(export, indent=2))
    evidence = _findings(tmp_path)[("call-failures", TARGET)]["evidence"]
    assert evidence == {
        "count": 1,
        "by_cause": {"connection-refused": 1},
        "first": "2026-11-22T00:00:00Z",
        "last": "2026-11-22T00:00:00Z",
    }


def test_a_bom_before_the_first_json_log_line_keeps_it_json(tmp_path):
    line = json.dumps({"@timestamp": "2026-11-20T00:00:00Z", "@message": 'failed calling webhook "w.example.com": x'})
    (tmp_path / "hooks.json").write_text(json.dumps(HOOK))
    (tmp_path / "export.log").write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n")
    evidence = _findings(tmp_path)[("call-failures", TARGET)]["evidence"]
    assert (evidence["count"], evidence["first"]) == (1, "2026-11-20T00:00:00Z")
