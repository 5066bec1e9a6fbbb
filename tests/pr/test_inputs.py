"""Reading the convert output and the JSON reports; rewriting bindings to a rollout stage."""

from __future__ import annotations

import json

import pytest
import yaml

from migrator.errors import InputError
from migrator.pr.inputs import load_convert_report, load_manifests, load_verify_report, load_analyze_report
from migrator.pr.rollout import STAGES, apply_stage


def _one(tmp_path, text, name="p.yaml"):
    folder = tmp_path / "vap"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


BINDING = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: b
spec:
  policyName: p
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {team: "a: b"}
"""

POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: p   # trailing comment kept
spec:
  validations:
  - expression: "object.metadata.name != 'x'"
    message: "it's 'x'"
"""


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_apply_stage_rewrites_only_bindings(tmp_path, stage):
    folder = _one(tmp_path, "# head comment\n" + POLICY + "# between\n---\n" + BINDING + "# tail\n")
    manifest = load_manifests(str(folder))[0][0]
    out = apply_stage(manifest, STAGES[stage].actions)
    assert out.startswith("# head comment\n" + POLICY + "# between\n---\n")
    assert out.endswith("# tail\n")
    docs = list(yaml.safe_load_all(out))
    assert docs[1]["spec"]["validationActions"] == list(STAGES[stage].actions)
    assert docs[1]["spec"]["matchResources"] == {"namespaceSelector": {"matchLabels": {"team": "a: b"}}}
    assert docs[0] == yaml.safe_load(POLICY)


def test_apply_stage_adds_missing_actions_and_handles_json_flow(tmp_path):
    flow = json.dumps({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
                       "metadata": {"name": "b"}, "spec": {"policyName": "p"}})
    folder = _one(tmp_path, POLICY + "---\n" + flow + "\n")
    out = apply_stage(load_manifests(str(folder))[0][0], ("Warn", "Audit"))
    assert list(yaml.safe_load_all(out))[1]["spec"] == {"policyName": "p", "validationActions": ["Warn", "Audit"]}


def test_stage_actions_follow_the_issue():
    assert STAGES["audit"].actions == ("Audit",)
    assert STAGES["warn"].actions == ("Warn", "Audit")
    assert STAGES["deny"].actions == ("Deny",)  # Kubernetes refuses Deny together with Warn


@pytest.mark.parametrize(
    "text, expected",
    [
        ("kind: [unclosed\n", "invalid YAML"),
        ("- just\n- a list\n", "expected a Kubernetes object"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "unexpected v1 ConfigMap"),
        ("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {}\n",
         "spec.policyName is missing"),
        ("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {}\n", "no metadata.name"),
    ],
)
def test_bad_manifests_name_file_and_place(tmp_path, text, expected):
    folder = _one(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_manifests(str(folder))
    assert expected in str(err.value) and str(folder / "p.yaml") in str(err.value)


def test_manifest_folder_errors(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        load_manifests(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no manifests"):
        load_manifests(str(tmp_path / "empty"))
    folder = _one(tmp_path, POLICY, "a.yaml")
    (folder / "b.yaml").write_text(POLICY)
    with pytest.raises(InputError, match="also defined in a.yaml"):
        load_manifests(str(folder))


def test_empty_manifest_files_are_skipped(tmp_path):
    folder = _one(tmp_path, POLICY + "---\n" + BINDING)
    (folder / "nothing.yaml").write_text("# all rules unsupported\n")
    (folder / "report.json").write_text("{}")  # not a manifest
    manifests, skipped = load_manifests(str(folder))
    assert [m.name for m in manifests] == ["p.yaml"] and skipped == ["nothing.yaml"]


def test_report_shapes(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text('{"policies": [{"name": "p", "rules": [{"name": "r", "status": "done"}]}]}')
    with pytest.raises(InputError, match=r"policies\[0\].rules\[0\].*'done'"):
        load_convert_report(str(bad))
    bad.write_text("{not json")
    with pytest.raises(InputError, match="invalid JSON"):
        load_convert_report(str(bad))
    bad.write_text('{"results": []}')
    with pytest.raises(InputError, match="summary"):
        load_verify_report(str(bad))
    bad.write_text('{"webhooks": [], "findings": [{"id": 1}]}')
    with pytest.raises(InputError, match=r"findings\[0\]"):
        load_analyze_report(str(bad))
    with pytest.raises(InputError, match="no such file"):
        load_convert_report(str(tmp_path / "none.json"))


def test_cli_reports_bad_input_in_one_line(ws, run_cli):
    (ws.vap / "broken.yaml").write_text("kind: [\n")
    refs = ws.refs()
    result = run_cli(ws.args())
    assert result.code == 2 and result.err.count("\n") == 1 and "broken.yaml" in result.err
    assert ws.refs() == refs


@pytest.mark.parametrize("dest", ["/abs", "../out", "a/../../b", ".git/x", "."])
def test_dest_must_stay_inside_the_repository(ws, run_cli, dest):
    result = run_cli(ws.args("--dest", dest, "--dry-run"))
    assert result.code == 2 and "--dest" in result.err


def test_custom_dest(ws, run_cli):
    result = run_cli(ws.args("--dest", "clusters/prod/vap/", "--branch", "d"))
    assert result.code == 0, result.err
    assert "clusters/prod/vap/disallow-latest-tag.yaml" in ws.git("ls-tree", "-r", "--name-only", "d")
