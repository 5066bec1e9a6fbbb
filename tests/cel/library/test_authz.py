"""authz library. Call shapes and error texts from kubernetes/apiserver pkg/cel/library/authz.go (and the
authz doc comment); decisions come from migrator's rules authorizer (docs/cel-libraries.md)."""

from __future__ import annotations

import pytest

from migrator.cel import Environment, EvaluationError
from migrator.cel.library.authz import AuthorizerValue, UserInfo, load_authorizer, parse_rules
from migrator.errors import InputError

DECLS = {
    "authorizer": "kubernetes.authorization.Authorizer",
    "authorizer.requestResource": "kubernetes.authorization.ResourceCheck",
}
REQUEST = {
    "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]},
    "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
    "subResource": "scale",
    "namespace": "team-a",
    "name": "web",
}
RULES = """
rules:
- groups: [dev]
  verbs: [get, list]
  resources: [pods, pods/log]
  namespaces: [team-a]
- users: [alice]
  verbs: ["*"]
  apiGroups: [apps]
  resources: ["deployments/scale"]
  allowed: false
  reason: alice may not scale deployments
- verbs: [get]
  nonResourceURLs: ["/healthz", "/metrics/*"]
- users: ["system:serviceaccount:kube-system:controller"]
  verbs: [create]
  resources: ["*"]
- users: [bob]
  verbs: ["*"]
  error: webhook authorizer unreachable
"""


def evaluate(expr: str, authorizer: AuthorizerValue, request: dict | None = None):
    activation = authorizer.for_request(request if request is not None else REQUEST)
    return Environment(DECLS).compile(expr).evaluate(activation)


@pytest.fixture
def rules(tmp_path) -> AuthorizerValue:
    path = tmp_path / "authz.yaml"
    path.write_text(RULES)
    return load_authorizer(str(path))


def test_allow_all_by_default():
    a = load_authorizer(None)
    assert evaluate("authorizer.group('').resource('secrets').namespace('x').check('delete').allowed()", a)
    assert evaluate("authorizer.path('/healthz').check('get').allowed()", a)
    assert evaluate("authorizer.requestResource.check('update').reason()", a) == ""


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("authorizer.group('').resource('pods').namespace('team-a').check('list').allowed()", True),
        ("authorizer.group('').resource('pods').subresource('log').namespace('team-a').check('get').allowed()", True),
        ("authorizer.group('').resource('pods').namespace('team-b').check('list').allowed()", False),
        ("authorizer.group('').resource('pods').namespace('team-a').check('delete').allowed()", False),
        # authorizer.requestResource is the admitted request's own resource: apps/deployments/scale in team-a
        ("authorizer.requestResource.check('update').allowed()", False),
        ("authorizer.requestResource.check('update').reason()", "alice may not scale deployments"),
        ("authorizer.path('/metrics/cadvisor').check('get').allowed()", True),
        ("authorizer.path('/debug').check('get').allowed()", False),
        ("authorizer.serviceAccount('kube-system', 'controller').group('').resource('configmaps')"
         ".check('create').allowed()", True),
        ("authorizer.group('').resource('pods').namespace('team-a').check('get').errored()", False),
        # selectors (1.31) are carried to the authorizer; the rules authorizer does not restrict on them
        ("authorizer.group('').resource('pods').namespace('team-a').labelSelector('app=web')"
         ".fieldSelector('spec.nodeName=n1').check('list').allowed()", True),
    ],
)
def test_rules(rules, expr, expected):
    assert evaluate(expr, rules) == expected


def test_errored_decision(rules):
    bob = {"userInfo": {"username": "bob"}, "resource": {"group": "", "resource": "pods"}}
    assert evaluate("authorizer.requestResource.check('get').errored()", rules, bob) == True  # noqa: E712
    assert evaluate("authorizer.requestResource.check('get').error()", rules, bob) == "webhook authorizer unreachable"
    assert evaluate("authorizer.requestResource.check('get').allowed()", rules, bob) == False  # noqa: E712


@pytest.mark.parametrize(
    "expr, message",
    [
        # authz.go: authorizerPath, groupCheckResource, authorizerServiceAccount
        ("authorizer.path(' ').check('get')", "path must not be empty"),
        ("authorizer.group('').resource('').check('get')", "resource must not be empty"),
        ("authorizer.serviceAccount('default', 'Bad_Name').group('').resource('pods').check('get')",
         "Invalid service account name"),
        ("authorizer.serviceAccount('Bad.NS', 'sa').group('').resource('pods').check('get')",
         "Invalid service account namespace"),
    ],
)
def test_errors(expr, message):
    with pytest.raises(EvaluationError, match=message):
        evaluate(expr, load_authorizer(None))


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"rule": []}, "unknown field 'rule'"),
        ("nope", "a list of rules"),
        ([{"resources": ["pods"]}], "verbs is required"),
        ([{"verbs": "get", "allowed": "yes"}], "allowed must be true or false"),
        ([{"verbs": ["get"], "namespace": ["x"]}], "unknown field 'namespace'"),
    ],
)
def test_bad_rules_files(doc, message):
    with pytest.raises(InputError, match=message):
        parse_rules(doc, "authz.yaml")


def test_missing_rules_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        load_authorizer(str(tmp_path / "missing.yaml"))


def test_unbound_authorizer_value_is_usable():
    # The value load_authorizer returns can be put in an activation as is (anonymous user).
    a = AuthorizerValue(UserInfo(), parse_rules([{"verbs": ["get"], "resources": ["pods"]}]))
    env = Environment({"authorizer": "kubernetes.authorization.Authorizer"})
    assert env.compile("authorizer.group('').resource('pods').check('get').allowed()").evaluate({"authorizer": a})
