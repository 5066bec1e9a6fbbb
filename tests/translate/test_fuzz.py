"""Odd but well-formed-YAML policies never crash convert: each rule gets a status."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator.sources.documents import Document
from migrator.sources.kyverno import policy_from_document
from migrator.translate.kyverno.policy import convert_classic
from migrator.translate.objects import schema_errors

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["Pod", "*", "a*", "CREATE", "v1/Pod", "{{request.object.x}}", ""]))
json_values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(
    st.sampled_from(["kinds", "names", "resources", "any", "all", "operations", "namespaces", "selector", "subjects",
                     "clusterRoles", "pattern", "deny", "conditions", "key", "value", "operator", "cel", "expressions",
                     "expression", "foreach", "list", "spec", "(name)", "=(x)"]), c, max_size=3)), max_leaves=12)

rules = st.fixed_dictionaries({"name": st.sampled_from(["r", "R 1", "x"])}, optional={
    "match": json_values, "exclude": json_values, "validate": json_values, "preconditions": json_values,
    "context": json_values})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rules, min_size=1, max_size=3), st.sampled_from(["Audit", "Enforce", "bogus", None]))
def test_convert_never_crashes(rule_list, action):
    obj = {"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "fuzz"},
           "spec": {"validationFailureAction": action, "rules": rule_list}}
    for rule in rule_list:  # the reader rejects non-mapping match/exclude/validate with a clear error
        for key in ("match", "exclude", "validate"):
            if key in rule and rule[key] is not None and not isinstance(rule[key], dict):
                rule[key] = {}
    conv = convert_classic(policy_from_document(Document("f.yaml", 0, 1, obj)))
    assert {r.name for r in conv.rules} == {r["name"] for r in rule_list}
    for o in conv.objects:
        assert schema_errors(o) == []
