"""Policy x binding x request -> decision, as validating/{validator,dispatcher}.go decide it.

Messages are the API server's own formats (dispatcher.go: "ValidatingAdmissionPolicy '%s' with binding '%s'
denied request: %s", warnings "Validation failed for ValidatingAdmissionPolicy '%s' with binding '%s': %s";
validator.go: "failed expression: %v"; activation.go: "expression '%v' resulted in error: %v").
"""

from __future__ import annotations

import json

import pytest

NO_LATEST = "!object.spec.containers.exists(c, c.image.endsWith(':latest'))"


def deny_latest(vap, actions=("Deny",), **spec):
    validations = spec.pop("validations", [{"expression": NO_LATEST}])
    return vap.dispatcher(vap.policy(validations=validations, **spec), vap.binding(actions=actions))


def test_allowed_when_validations_pass(vap):
    d = deny_latest(vap).dispatch(vap.request(vap.pod(image="nginx:1.25")))
    assert d.allowed and not d.violations and d.message is None and d.policies["p"].matched


def test_denied_with_the_api_server_message_and_default_message(vap):
    d = deny_latest(vap).dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert not d.allowed
    assert d.message == f"ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed expression: {NO_LATEST}"
    assert d.reason == "Invalid" and d.code == 422
    [v] = d.violations
    assert (v.policy, v.binding, v.validation, v.actions, v.reason) == ("p", "b", 0, ("Deny",), "Invalid")


def test_message_and_reason(vap):
    disp = deny_latest(vap, validations=[{"expression": NO_LATEST, "message": "  no latest  ", "reason": "Forbidden"}])
    d = disp.dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert d.violations[0].message == "no latest"  # trimmed
    assert d.reason == "Forbidden" and d.code == 403


@pytest.mark.parametrize(
    "message_expression, expected",
    [
        ("'image of ' + object.metadata.name + ' is latest'", "image of web is latest"),
        ("'x' + object.metadata.missing", "static"),  # error: falls back to message
        ("'   '", "static"),  # blank: falls back
        ("'two\\nlines'", "static"),  # multi-line messages are refused
        ("object.spec.containers.size() > 0 ? 'x' : 'y'", "x"),
    ],
)
def test_message_expression_and_fallbacks(vap, message_expression, expected):
    disp = deny_latest(vap, validations=[{"expression": NO_LATEST, "message": "static", "messageExpression": message_expression}])
    d = disp.dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert d.violations[0].message == expected


def test_message_expression_without_message_falls_back_to_the_expression(vap):
    disp = deny_latest(vap, validations=[{"expression": NO_LATEST, "messageExpression": "'x' + object.metadata.missing"}])
    d = disp.dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert d.violations[0].message == f"failed expression: {NO_LATEST}"


def test_warn_action_allows_with_a_warning(vap):
    d = deny_latest(vap, actions=("Warn",)).dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert d.allowed
    assert d.warnings == [f"Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': failed expression: {NO_LATEST}"]
    assert d.violations[0].actions == ("Warn",)


def test_audit_action_writes_the_validation_failure_annotation(vap):
    d = deny_latest(vap, actions=("Warn", "Audit")).dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert d.allowed and len(d.warnings) == 1
    failures = json.loads(d.audit_annotations["validation.policy.admission.k8s.io/validation_failure"])
    assert failures == [
        {"message": f"failed expression: {NO_LATEST}", "policy": "p", "binding": "b", "expressionIndex": 0,
         "validationActions": ["Warn", "Audit"]}
    ]
    assert d.policies["p"].audited and d.policies["p"].warned and not d.policies["p"].denied


def test_deny_and_audit(vap):
    d = deny_latest(vap, actions=("Deny", "Audit")).dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert not d.allowed and "validation.policy.admission.k8s.io/validation_failure" in d.audit_annotations


def test_every_failed_validation_is_a_violation_and_the_first_denial_is_the_message(vap):
    disp = deny_latest(vap, validations=[
        {"expression": "object.metadata.name == 'api'", "message": "first"},
        {"expression": "true"},
        {"expression": NO_LATEST, "message": "third"},
    ])
    d = disp.dispatch(vap.request(vap.pod(image="nginx:latest")))
    assert [(v.validation, v.message) for v in d.violations] == [(0, "first"), (2, "third")]
    assert d.message.endswith("denied request: first")


@pytest.mark.parametrize("failure_policy", ["Fail", "Ignore"])
def test_evaluation_error_follows_failure_policy(vap, failure_policy):
    disp = deny_latest(vap, failurePolicy=failure_policy, validations=[{"expression": "object.spec.missing == 1"}])
    d = disp.dispatch(vap.request(vap.pod()))
    assert d.errors and d.errors[0].startswith(
        "ValidatingAdmissionPolicy 'p' with binding 'b': expression 'object.spec.missing == 1' resulted in error: "
    )
    if failure_policy == "Fail":
        assert not d.allowed and d.violations[0].error
        assert d.message.startswith("ValidatingAdmissionPolicy 'p' with binding 'b' denied request: expression 'object.spec.missing == 1' resulted in error")
    else:
        assert d.allowed and not d.violations


def test_an_error_under_warn_only_warns(vap):
    disp = deny_latest(vap, actions=("Warn",), validations=[{"expression": "object.spec.missing == 1"}])
    d = disp.dispatch(vap.request(vap.pod()))
    assert d.allowed and d.warnings and d.errors


def test_match_conditions(vap):
    conditions = [
        {"name": "not-kube-system", "expression": "object.metadata.namespace != 'kube-system'"},
        {"name": "has-containers", "expression": "has(object.spec.containers)"},
    ]
    disp = deny_latest(vap, matchConditions=conditions)
    assert not disp.dispatch(vap.request(vap.pod(image="x:latest"))).allowed
    skipped = disp.dispatch(vap.request(vap.pod(image="x:latest", namespace="kube-system"), namespace="kube-system"))
    assert skipped.allowed and not skipped.violations


@pytest.mark.parametrize("failure_policy, allowed", [("Fail", False), ("Ignore", True)])
def test_match_condition_error_follows_failure_policy(vap, failure_policy, allowed):
    conditions = [{"name": "broken", "expression": "object.spec.missing == 1"}]
    disp = deny_latest(vap, matchConditions=conditions, failurePolicy=failure_policy)
    d = disp.dispatch(vap.request(vap.pod(image="nginx:1")))  # would pass the validation
    assert d.allowed is allowed
    if not allowed:
        assert "expression 'object.spec.missing == 1' resulted in error" in d.message


def test_a_false_match_condition_wins_over_an_error(vap):
    conditions = [
        {"name": "broken", "expression": "object.spec.missing == 1"},
        {"name": "no", "expression": "false"},
    ]
    d = deny_latest(vap, matchConditions=conditions).dispatch(vap.request(vap.pod(image="x:latest")))
    assert d.allowed and not d.errors


def test_variables_are_lazy_and_may_use_earlier_ones(vap):
    variables = [
        {"name": "broken", "expression": "object.spec.missing"},  # never read: never fails
        {"name": "images", "expression": "object.spec.containers.map(c, c.image)"},
        {"name": "latest", "expression": "variables.images.exists(i, i.endsWith(':latest'))"},
    ]
    disp = deny_latest(vap, variables=variables, validations=[{"expression": "!variables.latest"}])
    assert disp.dispatch(vap.request(vap.pod(image="nginx:1"))).allowed
    assert not disp.dispatch(vap.request(vap.pod(image="nginx:latest"))).allowed


def test_a_failing_variable_is_reported_through_the_expression_reading_it(vap):
    variables = [{"name": "broken", "expression": "object.spec.missing"}]
    disp = deny_latest(vap, variables=variables, validations=[{"expression": "variables.broken == 1"}])
    d = disp.dispatch(vap.request(vap.pod()))
    assert 'composited variable "broken" fails to evaluate' in d.violations[0].message


def test_audit_annotations(vap):
    annotations = [
        {"key": "image", "valueExpression": "string(object.spec.containers[0].image)"},
        {"key": "none", "valueExpression": "null"},
        {"key": "blank", "valueExpression": "' '"},
    ]
    disp = vap.dispatcher(vap.policy(auditAnnotations=annotations), vap.binding(actions=["Audit"]),
                          vap.binding("b2", actions=["Audit"]))
    d = disp.dispatch(vap.request(vap.pod(image="nginx:1")))
    # key is <policy>/<key>; two bindings with the same value publish it once; null and blank publish nothing
    assert d.audit_annotations == {"p/image": "nginx:1"}


def test_audit_annotation_of_the_wrong_type_does_not_compile(vap):
    disp = vap.dispatcher(vap.policy(auditAnnotations=[{"key": "n", "valueExpression": "1 + 1"}]), vap.binding(actions=["Audit"]))
    [err] = disp.compile_errors
    assert err.message == "must evaluate to one of [string null_type] but got int"
    d = disp.dispatch(vap.request(vap.pod()))
    assert not d.allowed  # failurePolicy Fail: an annotation error denies, whatever the binding's actions
    assert d.violations[0].message == "compilation error: must evaluate to one of [string null_type] but got int"


@pytest.mark.parametrize(
    "field, expression, message",
    [
        ("validations", "object.spec.hostNetwork", "must evaluate to bool but got dyn"),
        ("validations", "'yes'", "must evaluate to bool but got string"),
        ("messageExpression", "object.metadata.name", "must evaluate to string but got dyn"),
        ("matchConditions", "object.metadata.labels", "must evaluate to bool but got dyn"),
    ],
)
def test_result_types_must_be_exact_as_in_the_api_server(vap, field, expression, message):
    """compile.go: the checked output type must be exactly the expected one; dyn is not bool."""
    if field == "validations":
        policy = vap.policy(validations=[{"expression": expression}])
    elif field == "messageExpression":
        policy = vap.policy(validations=[{"expression": "false", "messageExpression": expression}])
    else:
        policy = vap.policy(matchConditions=[{"name": "m", "expression": expression}])
    [err] = vap.dispatcher(policy, vap.binding()).compile_errors
    assert err.message == message


def test_binding_match_resources_narrow_the_policy(vap):
    disp = vap.dispatcher(
        vap.policy(validations=[{"expression": NO_LATEST}]),
        vap.binding(matchResources={"namespaceSelector": {"matchLabels": {"env": "prod"}}}),
        namespaces=[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"env": "prod"}}}],
    )
    assert not disp.dispatch(vap.request(vap.pod(image="x:latest", namespace="shop"), namespace="shop")).allowed
    d = disp.dispatch(vap.request(vap.pod(image="x:latest")))
    assert d.allowed and "p" not in d.policies


def test_policy_without_binding_never_applies(vap):
    disp = vap.dispatcher(vap.policy(validations=[{"expression": "false"}]))
    assert disp.dispatch(vap.request(vap.pod())).allowed


def test_namespace_object_and_request_variables(vap):
    validations = [
        {"expression": "namespaceObject.metadata.name == 'default'"},
        {"expression": "namespaceObject.metadata.labels['kubernetes.io/metadata.name'] == 'default'"},
        {"expression": "request.operation == 'CREATE' && request.userInfo.username == 'alice'"},
        {"expression": "request.resource.resource == 'pods' && request.kind.kind == 'Pod' && request.name == 'web'"},
        {"expression": "oldObject == null"},
    ]
    d = deny_latest(vap, validations=validations).dispatch(vap.request(vap.pod()))
    assert d.allowed, d.violations


def test_namespace_object_is_null_for_cluster_scoped_requests(vap):
    rules = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"], "resources": ["nodes"]}]
    disp = vap.dispatcher(vap.policy(rules=rules, validations=[{"expression": "namespaceObject == null"}]), vap.binding())
    req = vap.request({"metadata": {"name": "n1"}}, kind=("", "v1", "Node"), resource=("", "v1", "nodes"), namespace="")
    assert disp.dispatch(req).allowed


def test_admission_configuration_resources_are_exempt(vap):
    rules = [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]
    disp = vap.dispatcher(vap.policy(rules=rules, validations=[{"expression": "false"}]), vap.binding())
    req = vap.request({"metadata": {"name": "x"}}, kind=("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy"),
                      resource=("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies"), namespace="")
    assert disp.dispatch(req).allowed
    assert not disp.dispatch(vap.request(vap.pod())).allowed


def test_compile_errors_are_listed_and_fail_per_failure_policy(vap):
    disp = deny_latest(vap, validations=[{"expression": "object.metadata.name == "}])
    [err] = disp.compile_errors
    assert err.field == "spec.validations[0].expression" and err.expression == "object.metadata.name == "
    assert "test.yaml" in str(err) and "spec.validations[0].expression" in str(err)
    d = disp.dispatch(vap.request(vap.pod()))
    assert not d.allowed and "compilation error: compilation failed" in d.message


def test_policies_are_visited_in_name_order(vap):
    disp = vap.dispatcher(
        vap.policy("zeta", validations=[{"expression": "false", "message": "zeta says no"}]),
        vap.policy("alpha", validations=[{"expression": "false", "message": "alpha says no"}]),
        vap.binding("zb", policy="zeta"), vap.binding("ab", policy="alpha"),
    )
    d = disp.dispatch(vap.request(vap.pod()))
    assert d.message == "ValidatingAdmissionPolicy 'alpha' with binding 'ab' denied request: alpha says no"
    assert [v.policy for v in d.violations] == ["alpha", "zeta"]


def test_authorizer_is_allow_all_by_default_and_bound_to_the_request(vap):
    validations = [
        {"expression": "authorizer.group('').resource('secrets').namespace('default').check('get').allowed()"},
        {"expression": "authorizer.requestResource.check('create').allowed()"},
    ]
    assert deny_latest(vap, validations=validations).dispatch(vap.request(vap.pod())).allowed


def test_authorizer_rules_decide_checks(vap, tmp_path):
    from migrator.cel.library.authz import load_authorizer

    rules = tmp_path / "authz.yaml"
    rules.write_text("rules:\n- users: [alice]\n  verbs: [create]\n  resources: [pods]\n")
    policy = vap.policy(validations=[{"expression": "authorizer.requestResource.check('create').allowed()", "message": "not allowed"}])
    disp = vap.dispatcher(policy, vap.binding())
    disp.authorizer = load_authorizer(str(rules))
    assert disp.dispatch(vap.request(vap.pod())).allowed  # alice may create pods
    bob = vap.request(vap.pod(), userInfo={"username": "bob"})
    assert disp.dispatch(bob).violations[0].message == "not allowed"


def test_message_expression_cannot_use_the_authorizer(vap):
    disp = deny_latest(vap, validations=[{"expression": "false", "messageExpression": "authorizer.requestResource.check('get').reason()"}])
    [err] = disp.compile_errors
    assert err.field == "spec.validations[0].messageExpression"


def test_validation_failure_annotation_is_go_json(vap):
    """encoding/json.Marshal escapes <, > and & and keeps other UTF-8 as is."""
    disp = deny_latest(vap, actions=("Audit",), validations=[{"expression": "false", "message": "size < 5 & café"}])
    value = disp.dispatch(vap.request(vap.pod())).audit_annotations["validation.policy.admission.k8s.io/validation_failure"]
    assert '"message":"size \\u003c 5 \\u0026 café"' in value


@pytest.mark.parametrize("failure_policy, allowed", [("Fail", False), ("Ignore", True)])
def test_runaway_expression_is_an_evaluation_error(vap, failure_policy, allowed):
    ten = "[1,2,3,4,5,6,7,8,9,10]"
    expr = f"{ten}.all(a, {ten}.all(b, {ten}.all(c, {ten}.all(d, {ten}.all(e, {ten}.all(f, true))))))"
    d = deny_latest(vap, failurePolicy=failure_policy, validations=[{"expression": expr}]).dispatch(vap.request(vap.pod()))
    assert d.allowed is allowed
    assert "resulted in error: operation cancelled: actual cost limit exceeded" in d.errors[0]
