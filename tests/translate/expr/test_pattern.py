"""pattern/anyPattern -> CEL, checked by evaluating the CEL against resources with Kyverno's known answers.

Expected answers come from Kyverno's own unit tests (kyverno/kyverno pkg/engine/pattern/pattern_test.go,
pkg/engine/validate/validate_test.go) and the "Validate Rules" / "Anchors" documentation pages; each case names
its source.
"""

from __future__ import annotations

import pytest

from exprcel import evaluate, needs_quantity
from migrator.translate.kyverno import pattern as pattern_module
from migrator.translate.kyverno.pattern import any_pattern_to_cel, pattern_to_cel, validate_nil
from migrator.translate.kyverno.scope import Scope, Unsupported


@pytest.fixture(autouse=True, params=["boolean", "coded"])
def encoding(request, monkeypatch):
    """Every pattern test runs with both encodings: boolean (fail, skip) pairs and one int code per node."""
    if request.param == "coded":
        monkeypatch.setattr(pattern_module, "COMPACT_THRESHOLD", 0)
    return request.param


def passes(pattern, resource) -> bool:
    return evaluate(pattern_to_cel(pattern, "object", Scope()), resource)


def value_passes(value_pattern, value) -> bool:
    """pattern.Validate(value, pattern) via a one-key map (key present)."""
    return passes({"v": value_pattern}, {"v": value})


# ---- pattern.Validate for scalar patterns: pattern_test.go


@pytest.mark.parametrize(
    "value,pattern,want",
    [
        (7.9914, 7.9914, True),  # TestValidateValueWithFloatPattern_FloatValue
        (7.9914, 7.99141, False),
        (7, 7.0, True),
        (7.0, 7, True),  # TestValidateValueWithIntPattern_FloatValueWithoutFraction
        (7.000001, 7, False),
        (8, 7, False),
        ("7", 7, True),  # validateFloatPattern parses strings
        ("seven", 7, False),
        (True, True, True),
        ("true", True, False),  # bool pattern needs a bool
        (None, None, True),  # Test_validateNilPattern
        (0, None, True),
        ("", None, True),
        (False, None, True),
        ("x", None, False),
        ({"a": 1}, None, False),
    ],
)
def test_scalar_patterns(value, pattern, want):
    assert value_passes(pattern, value) is want


@pytest.mark.parametrize(
    "value,pattern,want",
    [
        (4, ">= 3", True),  # TestValidateValueWithStringPattern_WithSpace
        (0, "0-2", True),  # TestValidateValueWithStringPattern_Ranges
        (2, "0-2", True),
        (3, "0-2", False),
        (0, "10!-20", True),
        (15, "10!-20", False),
        (25, "10!-20", True),
        (2, "2-2", True),
        (2, "2!-2", False),
        (-9, "-10-8", True),
        (9, "-10--8", False),
        (9, "-10!--8", True),
        (-9, "-10!--8", False),
        (0, "+0-+1", True),
        (2.99999, "2.99998-3", True),
        (3.00001, "2.99998!-3", True),
        ("12s", "12s", True),  # TestValidateDuration
        ("12s", "!15s", True),
        ("12s", "<15s", True),
        ("15s", "<12s", False),
        ("15s", ">=12s", True),
        ("1h30m", ">80m", True),
        ("nginx:1.2", "nginx:*", True),  # wildcards
        ("nginx:latest", "!*:latest", False),
        ("nginx:1.2", "!*:latest", True),
        ("a", "?*", True),
        ("", "?*", False),
        ("abc", "a?c", True),
        ("abbc", "a?c", False),
        ("Always", "Always|IfNotPresent", True),
        ("Never", "Always | IfNotPresent", False),
        ("x|y", "x|y", True),  # value equal to the whole pattern string
        (5, ">1 & <10", True),
        (50, ">1 & <10", False),
        (5, "?*", True),  # ints are compared as their decimal text
        (True, "true", True),  # bools as "true"/"false"
        (False, "t*", False),
        ({"a": "b"}, "*", True),  # "*" via the default handler: present and non-null
        ([], "?*", True),  # a list value: every element must match (none here)
        (["a", "b"], "?", True),
        (["a", "bb"], "?", False),
        ("x", ">1", False),  # ordering operators do not apply to plain strings
    ],
)
def test_string_patterns(value, pattern, want):
    assert value_passes(pattern, value) is want


@needs_quantity()
@pytest.mark.parametrize(
    "value,pattern,want",
    [
        ("1024Gi", "1024Gi", True),  # TestValidateQuantity_Equal
        ("1024Mi", "1Gi", True),
        ("0.2", "200m", True),
        ("2048", "1024", False),
        (1024, "1024", True),
        ("1Gi", ">1000Mi", True),  # TestValidateQuantity_Operation
        ("1G", "<1Gi", True),
        ("500m", ">=0.5", True),
        ("0.2", "!.5", True),
        ("500m", ">=0.6", False),  # TestValidateQuantity_Operation_No_String_Check
        ("256Mi", "128Mi-512Mi", True),
        ("1024Mi", "128Mi-512Mi", False),
        ("64Mi", "128Mi!-512Mi", True),
        ("9Mi", "-10Mi!--8Mi", True),
        ("gii", "1024Gi", False),  # TestValidateQuantity_InvalidQuantity
    ],
)
def test_quantity_patterns(value, pattern, want):
    assert value_passes(pattern, value) is want


@pytest.mark.parametrize(
    "pattern,want",
    [
        ("<10", True),  # a nil value compares as quantity 0 (convertNumberToString(nil) == "0")
        (">0", False),
        ("0", True),
        ("?*", False),
        ("*", False),
        (None, True),
        (False, False),
        ("!0", False),
    ],
)
def test_missing_value_is_nil(pattern, want):
    assert validate_nil(pattern) is want if pattern != "*" else True
    assert passes({"v": pattern}, {}) is want


# ---- structure and anchors: validate_test.go and the Anchors documentation


def test_asterisk_needs_a_value():
    # TestValidateMap_AsteriskFieldIsMissing / TestValidateMap_livenessProbeIsNull
    pattern = {"spec": {"containers": [{"name": "*", "livenessProbe": "*"}]}}
    assert passes(pattern, {"spec": {"containers": [{"name": "a", "livenessProbe": {"x": 1}}]}})
    assert not passes(pattern, {"spec": {"containers": [{"name": "a"}]}})
    assert not passes(pattern, {"spec": {"containers": [{"name": "a", "livenessProbe": None}]}})


def test_every_array_element_must_match():
    # TestValidateMapElement_TwoElementsInArrayOnePass
    pattern = {"spec": {"containers": [{"image": "!*:latest"}]}}
    assert passes(pattern, {"spec": {"containers": [{"image": "a:1"}, {"image": "b:2"}]}})
    assert not passes(pattern, {"spec": {"containers": [{"image": "a:1"}, {"image": "b:latest"}]}})
    assert passes(pattern, {"spec": {"containers": []}})
    # the path must exist with the right type
    assert not passes(pattern, {"spec": {}})
    assert not passes(pattern, {"spec": {"containers": {"image": "a"}}})


def test_conditional_anchor_skips_element_and_rule():
    # Anchors docs: "(name): nginx*" applies the sibling check only to matching containers
    pattern = {"spec": {"containers": [{"(name)": "nginx*", "imagePullPolicy": "Always"}]}}
    assert passes(pattern, {"spec": {"containers": [{"name": "nginx-a", "imagePullPolicy": "Always"}]}})
    assert not passes(pattern, {"spec": {"containers": [{"name": "nginx-a", "imagePullPolicy": "Never"}]}})
    assert passes(pattern, {"spec": {"containers": [{"name": "redis", "imagePullPolicy": "Never"}]}})
    assert passes(pattern, {"spec": {"containers": [{"image": "x"}]}})  # anchor key missing: skip
    both = {"spec": {"containers": [{"name": "redis", "imagePullPolicy": "Never"},
                                    {"name": "nginx", "imagePullPolicy": "Never"}]}}
    assert not passes(pattern, both)


def test_conditional_anchor_in_map_skips_the_rule():
    # Anchors docs: if the label is not set the rule is skipped, other keys are not checked
    pattern = {"metadata": {"labels": {"(app)": "web"}}, "spec": {"hostNetwork": False}}
    assert passes(pattern, {"metadata": {"labels": {"app": "db"}}, "spec": {"hostNetwork": True}})
    assert passes(pattern, {"metadata": {"labels": {}}, "spec": {"hostNetwork": True}})
    assert not passes(pattern, {"metadata": {"labels": {"app": "web"}}, "spec": {"hostNetwork": True}})
    assert passes(pattern, {"metadata": {"labels": {"app": "web"}}, "spec": {"hostNetwork": False}})


def test_conditional_anchor_skip_wins_over_sibling_anchor_failure():
    # validateMap: a conditional anchor error at the same level turns the other anchors' errors into a skip
    pattern = {"(a)": "1", "X(b)": None}
    assert passes(pattern, {"a": "2", "b": 1})
    assert not passes(pattern, {"a": "1", "b": 1})
    assert passes(pattern, {"a": "1"})


def test_equality_anchor():
    # Anchors docs: =(hostPath): {=(path): "!/var/run/docker.sock"}: checked only when present
    pattern = {"spec": {"=(volumes)": [{"=(hostPath)": {"path": "!/var/run/docker.sock"}}]}}
    assert passes(pattern, {"spec": {}})
    assert passes(pattern, {"spec": {"volumes": [{"name": "a", "emptyDir": {}}]}})
    assert passes(pattern, {"spec": {"volumes": [{"hostPath": {"path": "/tmp"}}]}})
    assert not passes(pattern, {"spec": {"volumes": [{"hostPath": {"path": "/var/run/docker.sock"}}]}})


def test_negation_anchor():
    # Anchors docs: X(hostPath): null forbids the key whatever its value
    pattern = {"spec": {"=(volumes)": [{"X(hostPath)": "null"}]}}
    assert passes(pattern, {"spec": {"volumes": [{"emptyDir": {}}]}})
    assert not passes(pattern, {"spec": {"volumes": [{"emptyDir": {}}, {"hostPath": {"path": "/"}}]}})
    assert not passes(pattern, {"spec": {"volumes": [{"hostPath": None}]}})


def test_existence_anchor():
    # Anchors docs: ^(containers): at least one element matches
    pattern = {"spec": {"^(containers)": [{"image": "nginx:*"}]}}
    assert passes(pattern, {"spec": {"containers": [{"image": "redis"}, {"image": "nginx:1"}]}})
    assert not passes(pattern, {"spec": {"containers": [{"image": "redis"}]}})
    assert passes(pattern, {"spec": {}})
    assert not passes(pattern, {"spec": {"containers": "x"}})


def test_global_anchor():
    # Anchors docs: <(image) in one container makes imagePullSecrets required; no such container: rule skipped
    pattern = {"spec": {"containers": [{"name": "*", "<(image)": "someimagename"}],
                        "imagePullSecrets": [{"name": "my-registry-secret"}]}}
    ok = {"spec": {"containers": [{"name": "a", "image": "someimagename"}],
                   "imagePullSecrets": [{"name": "my-registry-secret"}]}}
    bad = {"spec": {"containers": [{"name": "a", "image": "someimagename"}], "imagePullSecrets": [{"name": "x"}]}}
    other = {"spec": {"containers": [{"name": "a", "image": "other"}], "imagePullSecrets": [{"name": "x"}]}}
    assert passes(pattern, ok)
    assert not passes(pattern, bad)
    assert passes(pattern, other)


def test_wildcard_label_keys():
    # TestValidateMapWildcardKeys: wildcard keys under metadata labels match any resource key
    pattern = {"metadata": {"labels": {"test/*": "*"}}}
    assert passes(pattern, {"metadata": {"labels": {"test/app": "x"}}})
    assert not passes(pattern, {"metadata": {"labels": {"other": "x"}}})
    pattern = {"metadata": {"labels": {"app.kubernetes.io/*": "?*"}}}
    assert passes(pattern, {"metadata": {"labels": {"app.kubernetes.io/name": "x"}}})
    assert not passes(pattern, {"metadata": {"labels": {"app.kubernetes.io/name": ""}}})


def test_any_pattern():
    # Validate Rules docs: anyPattern passes when one pattern passes
    patterns = [
        {"spec": {"containers": [{"resources": {"limits": {"memory": "?*"}}}]}},
        {"metadata": {"labels": {"exempt": "true"}}},
    ]
    expr = any_pattern_to_cel(patterns, "object", Scope())
    assert evaluate(expr, {"metadata": {"labels": {"exempt": "true"}}, "spec": {"containers": [{}]}})
    assert evaluate(expr, {"metadata": {}, "spec": {"containers": [{"resources": {"limits": {"memory": "1"}}}]}})
    assert not evaluate(expr, {"metadata": {}, "spec": {"containers": [{}]}})


def test_any_pattern_all_skipped_passes():
    patterns = [{"metadata": {"labels": {"(a)": "x", "b": "y"}}}, {"metadata": {"labels": {"(c)": "x", "d": "y"}}}]
    expr = any_pattern_to_cel(patterns, "object", Scope())
    assert evaluate(expr, {"metadata": {"labels": {}}})
    assert not evaluate(expr, {"metadata": {"labels": {"a": "x"}}})


def test_missing_structure_fails_and_wrong_types_never_raise():
    pattern = {"spec": {"securityContext": {"runAsNonRoot": True}}}
    for resource in ({}, {"spec": None}, {"spec": "x"}, {"spec": {"securityContext": []}}, {"spec": {"securityContext": {}}}):
        assert not passes(pattern, resource)
    assert passes(pattern, {"spec": {"securityContext": {"runAsNonRoot": True}}})


def test_unsupported_constructs_are_named():
    with pytest.raises(Unsupported, match="reference"):
        pattern_to_cel({"metadata": {"name": "$(../namespace)"}}, "object", Scope())
    with pytest.raises(Unsupported, match="add-if-not-present"):
        pattern_to_cel({"+(a)": "b"}, "object", Scope())


def test_strings_are_escaped():
    expr = pattern_to_cel({"metadata": {"name": 'a"b\\c${x}'}}, "object", Scope())
    assert evaluate(expr, {"metadata": {"name": 'a"b\\c${x}'}})
    assert not evaluate(expr, {"metadata": {"name": "ab"}})


def test_anchored_wildcard_annotation_keys():
    # wildcards.ExpandInMetadata keeps the anchor on the matching key (disallow-ingress-nginx-custom-snippets style)
    pattern = {"metadata": {"=(annotations)": {"X(*-snippet)": "null"}}}
    assert passes(pattern, {"metadata": {"annotations": {"a": "b"}}})
    assert not passes(pattern, {"metadata": {"annotations": {"nginx.org/server-snippet": "x"}}})
    assert passes(pattern, {"metadata": {}})
    pattern = {"metadata": {"=(annotations)": {"=(container.apparmor.security.beta.kubernetes.io/*)":
                                                   "runtime/default | localhost/*"}}}
    assert passes(pattern, {"metadata": {"annotations": {"x": "y"}}})
    assert passes(pattern, {"metadata": {"annotations": {
        "container.apparmor.security.beta.kubernetes.io/app": "localhost/p"}}})
    assert not passes(pattern, {"metadata": {"annotations": {
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined"}}})


def test_conditional_inside_equality_anchor():
    # check-env-vars style: =(env): [{(name): DISABLE_OPA, value: "!true"}]
    pattern = {"spec": {"containers": [{"name": "*", "=(env)": [{"(name)": "DISABLE_OPA", "value": "!true"}]}]}}
    assert passes(pattern, {"spec": {"containers": [{"name": "a"}]}})
    assert passes(pattern, {"spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": "true"}]}]}})
    assert passes(pattern, {"spec": {"containers": [{"name": "a", "env": [{"name": "DISABLE_OPA", "value": "false"}]}]}})
    assert not passes(pattern, {"spec": {"containers": [{"name": "a", "env": [{"name": "DISABLE_OPA", "value": "true"}]}]}})


def test_variables_in_pattern_values():
    # require-qos-guaranteed style: limits must equal the requests (substituted first, compared as quantities)
    scope = Scope().in_foreach("el", "idx")
    pattern = {"resources": {"limits": {"cpu": "{{ element.resources.requests.cpu }}"}}}
    expr = pattern_to_cel(pattern, "el", scope)
    good = {"resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "0.5"}}}
    bad = {"resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1"}}}
    assert evaluate(expr, None, el=good, idx=0)
    assert not evaluate(expr, None, el=bad, idx=0)
    expr = pattern_to_cel({"metadata": {"name": "{{ request.object.metadata.namespace }}-*"}}, "object", Scope())
    assert evaluate(expr, {"metadata": {"name": "team-a-web", "namespace": "team-a"}})
    assert not evaluate(expr, {"metadata": {"name": "web", "namespace": "team-a"}})
