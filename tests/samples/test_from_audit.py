"""`migrator samples from-audit` on hand-written audit.k8s.io/v1 events (data/audit.log): stages, levels,
verbs -> operations, recorded decisions (webhook and VAP denials, success, conflicts), damage in the log."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from migrator.cli.app import main
from migrator.samples.from_audit import (
    AuditFilter,
    AuditSummary,
    SkipReason,
    connect_options,
    event_to_samples,
    iter_samples,
    recorded_decision,
)
from migrator.sources.audit import FileStats, read_audit_file

DATA = Path(__file__).parent / "data"
AUDIT_LOG = DATA / "audit.log"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def samples_of(path) -> list[dict]:
    summary = AuditSummary()
    return [s.review for s in iter_samples([str(path)], None, summary)]


def by_uid(reviews: list[dict]) -> dict[str, dict]:
    return {r["request"]["uid"]: r for r in reviews}


@pytest.fixture(scope="module")
def reviews() -> dict[str, dict]:
    return by_uid(samples_of(AUDIT_LOG))


def test_only_final_stage_events_with_objects_become_samples():
    summary = AuditSummary()
    out = list(iter_samples([str(AUDIT_LOG)], None, summary))
    assert summary.events == 14
    assert summary.samples == len(out) == 9
    assert summary.skipped[SkipReason.STAGE] == 1  # the RequestReceived half of the first create
    assert summary.skipped[SkipReason.METADATA_LEVEL] == 3  # secret get, configmap create, /healthz
    assert summary.skipped[SkipReason.PATCH_WITHOUT_RESULT] == 1  # Request-level patch: body is only the patch
    assert (summary.allowed, summary.denied, summary.unknown) == (6, 2, 1)


def test_created_pod_allowed(reviews):
    r = reviews["a1b2c3d4-0001-4000-8000-000000000001"]
    req = r["request"]
    assert r["apiVersion"] == "admission.k8s.io/v1" and r["kind"] == "AdmissionReview"
    assert req["operation"] == "CREATE"
    assert req["kind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert req["resource"] == {"group": "", "version": "v1", "resource": "pods"}
    assert req["requestKind"] == req["kind"] and req["requestResource"] == req["resource"]
    assert (req["name"], req["namespace"]) == ("web", "shop")
    # requestObject (what the client sent), not the stored responseObject with its server-set uid
    assert "uid" not in req["object"]["metadata"]
    assert req["oldObject"] is None
    assert req["userInfo"] == {"username": "alice@example.com", "groups": ["dev-team", "system:authenticated"]}
    assert req["options"] == {
        "kind": "CreateOptions",
        "apiVersion": "meta.k8s.io/v1",
        "fieldManager": "kubectl-client-side-apply",
        "fieldValidation": "Strict",
    }
    assert r["response"] == {"uid": req["uid"], "allowed": True}


def test_webhook_denial_with_403_is_recorded(reviews):
    r = reviews["a1b2c3d4-0004-4000-8000-000000000004"]
    assert r["response"]["allowed"] is False
    assert r["response"]["status"]["code"] == 403
    assert 'admission webhook "validate.kyverno.svc-fail" denied the request' in r["response"]["status"]["message"]


def test_vap_denial_with_403_and_dry_run(reviews):
    r = reviews["a1b2c3d4-0005-4000-8000-000000000005"]
    assert r["response"]["allowed"] is False
    assert r["response"]["status"]["reason"] == "Forbidden"
    assert r["request"]["dryRun"] is True
    assert r["request"]["options"]["dryRun"] == ["All"]


def test_successful_update_with_audit_only_policy_annotation_is_allowed(reviews):
    r = reviews["a1b2c3d4-0006-4000-8000-000000000006"]
    req = r["request"]
    assert req["operation"] == "UPDATE"
    assert req["kind"]["kind"] == "Deployment" and req["resource"]["group"] == "apps"
    assert req["object"]["spec"]["replicas"] == 3
    assert req["oldObject"] is None  # not recoverable from an update event
    assert req["userInfo"]["extra"] == {"authentication.kubernetes.io/pod-name": ["runner-7f9c"]}
    assert r["response"]["allowed"] is True  # the validation_failure annotation only says Audit


def test_patch_on_scale_subresource_uses_response_object(reviews):
    req = reviews["a1b2c3d4-0007-4000-8000-000000000007"]["request"]
    assert req["operation"] == "UPDATE"
    assert req["subResource"] == "scale" and req["requestSubResource"] == "scale"
    assert req["kind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    assert req["resource"] == {"group": "apps", "version": "v1", "resource": "deployments"}
    assert req["object"]["spec"]["replicas"] == 5
    assert req["options"]["kind"] == "PatchOptions"


def test_delete_recovers_old_object_from_response(reviews):
    req = reviews["a1b2c3d4-0009-4000-8000-000000000009"]["request"]
    assert req["operation"] == "DELETE"
    assert req["object"] is None
    assert req["oldObject"]["metadata"]["name"] == "web"
    assert req["options"] == {"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1", "propagationPolicy": "Background"}


def test_exec_is_connect_with_options_from_query(reviews):
    r = reviews["a1b2c3d4-0010-4000-8000-000000000010"]
    req = r["request"]
    assert req["operation"] == "CONNECT"
    assert req["kind"] == {"group": "", "version": "v1", "kind": "PodExecOptions"}
    assert req["subResource"] == "exec"
    assert req["object"] == {
        "kind": "PodExecOptions",
        "apiVersion": "v1",
        "stdin": True,
        "stdout": True,
        "tty": True,
        "container": "web",
        "command": ["sh", "-c", "id"],
    }
    assert req["options"] is None
    assert r["response"]["allowed"] is True  # 101 Switching Protocols


def test_conflict_is_not_an_admission_decision(reviews):
    r = reviews["a1b2c3d4-0011-4000-8000-000000000011"]
    assert "response" not in r


def test_impersonated_user_is_the_admission_user(reviews):
    req = reviews["a1b2c3d4-0012-4000-8000-000000000012"]["request"]
    assert req["userInfo"] == {"username": "bob@example.com", "groups": ["dev-team"]}


def test_damaged_lines_are_counted_with_line_numbers():
    stats = FileStats(str(AUDIT_LOG))
    events = list(read_audit_file(str(AUDIT_LOG), stats))
    assert len(events) == 14
    assert stats.corrupt.count == 1 and stats.corrupt.lines == [5]
    assert stats.not_events.count == 1 and stats.not_events.lines == [9]


def test_gzip_that_ends_early_keeps_what_was_read(tmp_path):
    whole = gzip.compress(AUDIT_LOG.read_bytes())
    cut = tmp_path / "audit.log.1.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    stats = FileStats(str(cut))
    events = list(read_audit_file(str(cut), stats))
    assert 0 < len(events) < 14
    assert stats.stream_error and "gzip stream ends early" in stats.stream_error


def test_gzip_detected_by_content_and_truncated_last_line(tmp_path):
    text = AUDIT_LOG.read_text()
    cut = text[: text.rindex("\n", 0, len(text) - 1) + 200]  # stop 200 characters into the last line
    rotated = tmp_path / "audit-2024-05-01T11-00-00.log"  # rotated name, gzip content
    rotated.write_bytes(gzip.compress(cut.encode()))
    stats = FileStats(str(rotated))
    events = list(read_audit_file(str(rotated), stats))
    assert len(events) == 13
    assert stats.truncated_line == 16


def test_eventlist_lines_from_the_webhook_backend(tmp_path):
    first = json.loads(AUDIT_LOG.read_text().splitlines()[1])
    log = tmp_path / "batch.jsonl"
    log.write_text(json.dumps({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [first, first]}) + "\n")
    assert len(samples_of(log)) == 2


def test_deletecollection_expands_deleted_items():
    event = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "RequestResponse",
        "auditID": "dc-1",
        "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/tmp/configmaps",
        "verb": "deletecollection",
        "user": {"username": "ops"},
        "objectRef": {"resource": "configmaps", "namespace": "tmp", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "responseObject": {
            "kind": "ConfigMapList",
            "apiVersion": "v1",
            "items": [{"metadata": {"name": "a", "namespace": "tmp"}}, {"metadata": {"name": "b", "namespace": "tmp"}}],
        },
    }
    samples, reason = event_to_samples(event)
    assert reason is None
    assert [s.request["name"] for s in samples] == ["a", "b"]
    assert samples[0].request["oldObject"]["kind"] == "ConfigMap"
    assert samples[0].request["kind"]["kind"] == "ConfigMap"
    assert len({s.request["uid"] for s in samples}) == 2
    event.pop("responseObject")
    assert event_to_samples(event) == ([], SkipReason.DELETECOLLECTION_WITHOUT_ITEMS)


@pytest.mark.parametrize(
    "status, annotations, expected",
    [
        ({"code": 201}, {}, True),
        ({"code": 422, "reason": "Invalid", "message": 'pods "x" is forbidden: ValidatingAdmissionPolicy \'p\' with binding \'b\' denied request: no'}, {}, False),
        ({"code": 400, "message": 'admission webhook "w.example.com" denied the request without explanation'}, {}, False),
        ({"code": 403, "message": 'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged'}, {}, False),
        ({"code": 403, "reason": "Forbidden", "message": "denied"},
         {"validation.policy.admission.k8s.io/validation_failure": '[{"policy":"p","binding":"b","validationActions":["Deny"]}]'}, False),
        ({"code": 403, "reason": "Forbidden", "message": "denied"},
         {"validation.policy.admission.k8s.io/validation_failure": '[{"policy":"p","binding":"b","validationActions":["Audit"]}]'}, None),
        ({"code": 422, "reason": "Invalid", "message": 'Pod "x" is invalid: spec.containers: Required value'}, {}, None),
        ({"code": 500, "message": 'Internal error occurred: failed calling webhook "w.example.com": context deadline exceeded'}, {}, None),
        ({"code": 503, "message": 'admission webhook "w.example.com" denied the request: maintenance window'}, {}, False),
        ({}, {}, None),
    ],
)
def test_recorded_decision(status, annotations, expected):
    assert recorded_decision({"responseStatus": status, "annotations": annotations}).allowed is expected


def test_proxy_and_port_forward_options():
    assert connect_options("PodPortForwardOptions", "/api/v1/namespaces/a/pods/b/portforward?ports=8080,9090") == {
        "kind": "PodPortForwardOptions",
        "apiVersion": "v1",
        "ports": [8080, 9090],
    }
    assert connect_options("ServiceProxyOptions", "/api/v1/namespaces/a/services/web:80/proxy/metrics")["path"] == "/metrics"


def test_filters_by_time_resource_and_user():
    def uids(f):
        return sorted(s.request["uid"][-2:] for s in iter_samples([str(AUDIT_LOG)], f, AuditSummary()))

    assert uids(AuditFilter.build("2024-05-01T10:03:00Z", "2024-05-01T10:05:00Z", [], [])) == ["06", "07", "09"]
    assert uids(AuditFilter.build(None, None, ["deployments.apps"], [])) == ["06", "11"]
    assert uids(AuditFilter.build(None, None, ["deployments/*"], [])) == ["07"]
    assert uids(AuditFilter.build(None, None, ["pods/exec,rolebindings"], [])) == ["10", "12"]
    assert uids(AuditFilter.build(None, None, [], ["bob@example.com"])) == ["12"]  # impersonated user matches
    assert uids(AuditFilter.build(None, None, [], ["system:serviceaccount:ci:*"])) == ["06", "07", "11"]


def test_cli_writes_a_folder_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "samples"
    code, stdout, _ = run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(out))
    assert code == 0
    files = sorted(os.listdir(out))
    assert len(files) == 9
    assert files[0] == "000001-create-pods-shop-web.json"
    assert "connect-pods-exec-shop-web" in files[6]
    assert json.loads((out / files[0]).read_text())["request"]["name"] == "web"
    assert "read 14 audit event(s)" in stdout
    assert "wrote 9 sample(s)" in stdout and "2 denied" in stdout
    assert "line 5" in stdout and "line 9" in stdout
    assert "Metadata level: no request object: 3" in stdout


def test_cli_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "samples.jsonl"
    out.write_text("mine\n")
    code, _, err = run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(out))
    assert code == 2 and "already exists" in err and "--force" in err
    assert out.read_text() == "mine\n"
    code, _, _ = run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(out), "--force")
    assert code == 0
    assert len(out.read_text().splitlines()) == 9
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "keep.json").write_text("{}")
    code, _, err = run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(folder))
    assert code == 2 and "--force" in err


def test_cli_gzip_stream_output_and_missing_input(tmp_path, capsys):
    out = tmp_path / "s.jsonl.gz"
    code, _, _ = run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(out))
    assert code == 0
    with gzip.open(out, "rt") as fh:
        assert len(fh.read().splitlines()) == 9
    code, _, err = run(capsys, "samples", "from-audit", str(tmp_path / "nope.log"), "-o", str(tmp_path / "x.jsonl"))
    assert code == 2 and "nope.log" in err and "Traceback" not in err
    assert not (tmp_path / "x.jsonl").exists()


def test_cli_bad_time_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(tmp_path / "o"), "--since", "yesterday")
    assert code == 2 and "--since" in err and len(err.strip().splitlines()) == 1


def test_cli_reports_truncated_gzip(tmp_path, capsys):
    whole = gzip.compress(AUDIT_LOG.read_bytes())
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(AUDIT_LOG, logs / "audit.log")
    (logs / "audit.log.1.gz").write_bytes(whole[: len(whole) // 2])
    code, stdout, _ = run(capsys, "samples", "from-audit", str(logs), "-o", str(tmp_path / "o.jsonl"))
    assert code == 0
    assert "audit.log.1.gz: gzip stream ends early" in stdout


def test_outputs_are_readable_like_any_new_file(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(tmp_path / "d"))
        run(capsys, "samples", "from-audit", str(AUDIT_LOG), "-o", str(tmp_path / "s.jsonl"))
    finally:
        os.umask(old)
    first = sorted((tmp_path / "d").iterdir())[0]
    assert first.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "s.jsonl").stat().st_mode & 0o777 == 0o644
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("command", ["from-audit", "from-cluster", "from-kyverno-test"])
def test_help_renders(capsys, command):
    code, out, err = run(capsys, "samples", command, "--help")
    assert code == 0, err
    assert "--force" in out


def test_standard_input_plain_and_gzip(tmp_path, capsys, monkeypatch):
    import io
    import sys

    for data in (AUDIT_LOG.read_bytes(), gzip.compress(AUDIT_LOG.read_bytes())):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        out = tmp_path / "stdin.jsonl"
        code, stdout, _ = run(capsys, "samples", "from-audit", "-", "-o", str(out), "--force")
        assert code == 0 and len(out.read_text().splitlines()) == 9
        assert "<stdin>: 1 corrupt line(s)" in stdout
