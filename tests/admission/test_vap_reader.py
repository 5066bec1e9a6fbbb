"""Reading VAPs and bindings: the API server's defaults, its validation errors as one line with file, document
and field path, other kinds skipped."""

from __future__ import annotations

import pytest
import yaml

from migrator.errors import InputError
from migrator.sources.vap import load_policy_set


def write(tmp_path, *docs, name="p.yaml"):
    f = tmp_path / name
    f.write_text(yaml.safe_dump_all(docs))
    return str(f)


def test_defaults(tmp_path, vap):
    ps = load_policy_set([write(tmp_path, vap.policy(), vap.binding())])
    p = ps.policies["p"]
    assert p.failure_policy == "Fail"
    assert p.match_constraints.match_policy == "Equivalent"
    assert p.match_constraints.namespace_selector.empty and p.match_constraints.object_selector.empty
    assert p.match_constraints.resource_rules[0].scope == "*"
    assert ps.bindings[0].match_resources is None


def test_other_kinds_are_skipped_and_counted(tmp_path, vap):
    kyverno = {"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "k"}}
    ps = load_policy_set([write(tmp_path, kyverno, vap.policy(), vap.binding())])
    assert ps.skipped == {"kyverno.io/v1/ClusterPolicy": 1} and list(ps.policies) == ["p"]


def test_folders_and_lists(tmp_path, vap):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", {"apiVersion": "v1", "kind": "List", "items": [vap.policy("a"), vap.binding("ab", "a")]}, name="l.yaml")
    (tmp_path / "b.json").write_text(__import__("json").dumps(vap.policy("b")))
    ps = load_policy_set([str(tmp_path)])
    assert sorted(ps.policies) == ["a", "b"] and [b.name for b in ps.bindings] == ["ab"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p, b: b["spec"].update(policyName="nope"), "spec.policyName: ValidatingAdmissionPolicy 'nope' not found"),
        (lambda p, b: b["spec"].update(validationActions=[]), "spec.validationActions: Required value"),
        (lambda p, b: b["spec"].update(validationActions=["Deny", "Warn"]), "must not contain both Deny and Warn"),
        (lambda p, b: b["spec"].update(validationActions=["Block"]), 'spec.validationActions[0]: Unsupported value: "Block"'),
        (lambda p, b: p["spec"].update(failurePolicy="Sometimes"), 'spec.failurePolicy: Unsupported value: "Sometimes"'),
        (lambda p, b: p["spec"].pop("matchConstraints"), "spec.matchConstraints: Required value"),
        (lambda p, b: p["spec"]["validations"][0].pop("expression"), "spec.validations[0].expression: Required value"),
        (lambda p, b: p["spec"].update(validations=[]), "validations or auditAnnotations must contain at least one item"),
        (
            lambda p, b: p["spec"]["matchConstraints"].update(namespaceSelector={"matchExpressions": [{"key": "a", "operator": "In"}]}),
            "spec.matchConstraints.namespaceSelector.matchExpressions[0].values: Required value",
        ),
        (lambda p, b: b["spec"].update(paramRef={"name": "x"}), "spec.paramRef.parameterNotFoundAction: Required value"),
        (lambda p, b: b["spec"].update(paramRef={"name": "x", "selector": {}, "parameterNotFoundAction": "Allow"}), "mutually exclusive"),
    ],
)
def test_invalid_objects_are_one_line_with_file_document_and_field(tmp_path, vap, mutate, message):
    p, b = vap.policy(), vap.binding()
    mutate(p, b)
    path = write(tmp_path, p, b)
    with pytest.raises(InputError) as info:
        load_policy_set([path])
    text = str(info.value)
    assert message in text and text.startswith(path + ": document ") and "\n" not in text


def test_errors_name_the_line_of_the_field(tmp_path, vap):
    p = vap.policy(validations=[{"expression": "true"}, {"message": "no expression"}])
    path = write(tmp_path, vap.binding(), p)
    with pytest.raises(InputError) as info:
        load_policy_set([path])
    lines = open(path).read().splitlines()
    where = str(info.value).split(": ")[1]  # "document 2, line N"
    line = int(where.rsplit(" ", 1)[1])
    assert where.startswith("document 2, line ") and "no expression" in lines[line - 1]


def test_duplicate_policy_names(tmp_path, vap):
    with pytest.raises(InputError, match="duplicate ValidatingAdmissionPolicy 'p'"):
        load_policy_set([write(tmp_path, vap.policy(), vap.policy())])


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        load_policy_set([str(tmp_path / "nope")])
