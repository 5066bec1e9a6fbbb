"""The command line: formats, exit codes, bad input, and how files of a dump are read."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

from migrator.sources.cluster import Inventory, klog_timestamp, load_dump

from .conftest import NOW, NOW_TEXT, WEBHOOK_TARGET


def test_exit_codes_follow_fail_on(dump, run_cli):
    folder = dump("single-replica/fires")  # worst finding: high
    base = ("analyze", "--from", str(folder), "--now", NOW_TEXT, "--format", "json")
    assert run_cli(*base)[0] == 0  # default --fail-on critical
    assert run_cli(*base, "--fail-on", "high")[0] == 1
    assert run_cli(*base, "--fail-on", "info")[0] == 1
    assert run_cli(*base, "--fail-on", "never")[0] == 0
    critical = dump("fail-closed-unavailable/fires")
    assert run_cli("analyze", "--from", str(critical), "--now", NOW_TEXT, "--format", "json")[0] == 1


def test_bad_yaml_is_one_line_naming_file_and_line_without_output(dump, run_cli, tmp_path):
    folder = dump("healthy")
    (folder / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n")
    code, out, err = run_cli("analyze", "--from", str(folder), "--now", NOW_TEXT, "--format", "json")
    assert code == 2
    assert out == ""
    assert "broken.yaml" in err and "line" in err and len(err.strip().splitlines()) == 1


def test_bad_json_and_bad_metrics_are_errors(tmp_path, run_cli):
    (tmp_path / "a.json").write_text('{"apiVersion": "v1",\n "kind": ')
    code, out, err = run_cli("analyze", "--from", str(tmp_path), "--format", "json")
    assert (code, out) == (2, "") and "a.json" in err
    (tmp_path / "a.json").unlink()
    (tmp_path / "apiserver.prom").write_text("# TYPE x counter\nx 1\nthis is not a sample {\n")
    code, out, err = run_cli("analyze", "--from", str(tmp_path), "--format", "json")
    assert (code, out) == (2, "") and "apiserver.prom" in err and "line 3" in err


def test_missing_folder_and_bad_now(run_cli, tmp_path):
    code, _, err = run_cli("analyze", "--from", str(tmp_path / "nope"))
    assert code == 2 and "nope" in err
    code, _, err = run_cli("analyze", "--from", str(tmp_path), "--now", "yesterday")
    assert code == 2 and "--now" in err


def test_documents_without_kind_and_unknown_kinds_are_skipped(tmp_path, analyze_json):
    (tmp_path / "values.yaml").write_text("replicaCount: 2\n---\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    (tmp_path / "notes.txt").write_text("not read")
    result = analyze_json(tmp_path)
    assert result["webhooks"] == [] and result["findings"] == []


def test_table_is_ordered_by_severity(tmp_path, run_cli):
    (tmp_path / "hooks.yaml").write_text(
        """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: cfg}
webhooks:
- name: a.example.com
  sideEffects: Some
  clientConfig: {service: {namespace: hooks, name: gone}}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: hooks}
spec: {selector: {app: other}}
"""
    )
    code, out, _ = run_cli("analyze", "--from", str(tmp_path), "--now", NOW_TEXT)
    assert code == 1
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│") and line.split("│")[1].strip()]
    severities = [r for r in rows if r in ("critical", "high", "medium", "low", "info")]
    assert severities == ["critical", "high", "high", "medium", "low"], out
    assert "service-missing" in out and "timeout-long" in out


def test_sarif_has_one_rule_per_id_and_results_with_locations(dump, run_cli):
    code, out, _ = run_cli("analyze", "--from", str(dump("cert-expired/fires")), "--now", NOW_TEXT, "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == 19 and len({r["id"] for r in rules}) == 19
    (result,) = [r for r in run["results"] if r["ruleId"] == "cert-expired"]
    assert result["level"] == "error"
    assert rules[result["ruleIndex"]]["id"] == "cert-expired"
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("webhooks.yaml")
    assert location["logicalLocations"][0]["fullyQualifiedName"] == WEBHOOK_TARGET


def test_json_lines_in_a_json_file_and_gzip(tmp_path):
    audit = {"apiVersion": "audit.k8s.io/v1", "kind": "Event", "auditID": "a1", "stage": "ResponseComplete",
             "responseStatus": {"message": 'failed calling webhook "w": i/o timeout'}, "stageTimestamp": "2026-11-23T01:02:03Z"}
    log = {"@timestamp": "2026-11-23T04:05:06.5Z", "@message": 'failed calling webhook "w": connection refused'}
    (tmp_path / "export.json").write_text(json.dumps(audit) + "\n" + json.dumps(log) + "\n")
    with gzip.open(tmp_path / "kube-apiserver.log.gz", "wt") as fh:
        fh.write('E1123 07:00:00.000000       1 x.go:1] failed calling webhook "w": no endpoints available\n')
    inv = load_dump(tmp_path, now=NOW)
    assert [a.obj["auditID"] for a in inv.audit_events] == ["a1"]
    assert len(inv.log_lines) == 2
    stamps = sorted(line.timestamp for line in inv.log_lines)
    assert stamps == [datetime(2026, 11, 23, 4, 5, 6, 500000, tzinfo=timezone.utc), datetime(2026, 11, 23, 7, tzinfo=timezone.utc)]


def test_concatenated_json_documents(tmp_path):
    one = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "x"}}
    two = {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}]}
    (tmp_path / "dump.json").write_text(json.dumps(one, indent=2) + "\n" + json.dumps(two, indent=2) + "\n")
    inv = load_dump(tmp_path, now=NOW)
    assert sorted(o.kind for o in inv.objects) == ["Namespace", "Service"]


def test_duplicate_objects_are_read_once(tmp_path):
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\n"
    (tmp_path / "a.yaml").write_text(svc)
    (tmp_path / "b.yaml").write_text(svc)
    assert len(load_dump(tmp_path, now=NOW).objects) == 1


def test_klog_year_comes_from_now_or_the_year_before():
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert klog_timestamp("E0101 10:00:00.250000 1 a.go:1] x", now) == datetime(2026, 1, 1, 10, 0, 0, 250000, tzinfo=timezone.utc)
    assert klog_timestamp("E1231 23:00:00.000000 1 a.go:1] x", now) == datetime(2025, 12, 31, 23, tzinfo=timezone.utc)
    assert klog_timestamp("no header", now) is None


def test_typed_list_items_without_kind_get_it_from_the_list():
    inv = Inventory()
    inv.add_object({"apiVersion": "v1", "kind": "ServiceList", "items": [{"metadata": {"name": "a", "namespace": "b"}}]}, "x")
    assert [(o.kind, o.api_version) for o in inv.objects] == [("Service", "v1")]


def test_cri_and_timestamped_log_lines():
    now = datetime(2026, 11, 24, tzinfo=timezone.utc)
    cri = "2026-11-23T10:15:30.123456789Z stderr F E1123 10:15:31.000000       1 x.go:1] failed"
    assert klog_timestamp(cri, now) == datetime(2026, 11, 23, 10, 15, 31, tzinfo=timezone.utc)
    plain = "2026-11-23T10:15:30.5Z failed calling webhook"
    assert klog_timestamp(plain, now) == datetime(2026, 11, 23, 10, 15, 30, 500000, tzinfo=timezone.utc)


def test_one_line_json_log_file(tmp_path):
    line = {"time": "2026-11-23T01:00:00Z", "log": 'failed calling webhook "w": x509: expired'}
    (tmp_path / "export.json").write_text(json.dumps(line) + "\n")
    inv = load_dump(tmp_path, now=NOW)
    assert [(entry.text, entry.timestamp) for entry in inv.log_lines] == [
        (line["log"], datetime(2026, 11, 23, 1, tzinfo=timezone.utc))]


def test_log_with_invalid_utf8_is_read_and_broken_gzip_is_an_error(tmp_path, run_cli):
    (tmp_path / "kube-apiserver.log").write_bytes(
        b'\xff\xfe junk\nE1123 07:00:00.000000 1 x.go:1] failed calling webhook "w": connection refused \xe9\n')
    inv = load_dump(tmp_path, now=NOW)
    assert len(inv.log_lines) == 1 and "connection refused" in inv.log_lines[0].text
    packed = gzip.compress(b"".join(b"line %d %x\n" % (i, i * 7919) for i in range(2000)))
    (tmp_path / "old.log.gz").write_bytes(packed[: len(packed) // 2])
    code, out, err = run_cli("analyze", "--from", str(tmp_path), "--format", "json")
    assert (code, out) == (2, "") and "old.log.gz" in err
