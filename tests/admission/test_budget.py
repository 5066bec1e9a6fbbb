"""The per-policy runtime cost budget, as k8s.io/apiserver threads it (pkg/admission/plugin/cel/condition.go
ForInput, policy/validating/validator.go, webhook/matchconditions/matcher.go):

* validations share RuntimeCELCostBudget (10,000,000); messageExpressions get what the validations left;
  auditAnnotations get a fresh RuntimeCELCostBudget; matchConditions RuntimeCELCostBudgetMatchConditions;
* each expression is charged its cost plus the cost of the variables it read first (composition.go);
* a charge above what is left stops the filter with "validation failed due to running out of cost budget, no
  further validation rules will be run", one error decision handled by failurePolicy.
"""

from __future__ import annotations

import copy

import pytest

from migrator.admission import decision as d
from migrator.admission.validator import OUT_OF_BUDGET, Validator, declarations
from migrator.cel import PER_CALL_LIMIT, RUNTIME_CEL_COST_BUDGET, Environment, to_cel
from migrator.sources.documents import Document
from migrator.sources.vap import read_policy

# Each iteration of the body is charged its node count; `true || [...]` keeps evaluation cheap.
HEAVY = "object.spec.items.all(i, true || [i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i].size() > 0)"


def policy(vap, **spec):
    doc = vap.policy(**spec)
    return read_policy(Document("test.yaml", 0, 1, copy.deepcopy(doc)))


def run(validator, obj, vap):
    req = vap.request(obj)
    return validator.validate(object=to_cel(obj), old_object=None, request=to_cel(req), namespace_object=None)


def cost_of(expression, obj):
    env = Environment(declarations(params=False, authorizer=False, variables={}))
    return env.compile(expression).evaluate_with_cost({"object": to_cel(obj)})[1]


def items(n):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "default"},
            "spec": {"items": list(range(n))}}


def test_validations_within_the_per_call_limit_exceed_the_policy_budget_together(vap):
    obj = items(int(PER_CALL_LIMIT * 0.9) // cost_of(HEAVY, items(1000)) * 1000)
    one = cost_of(HEAVY, obj)
    assert PER_CALL_LIMIT * 0.5 < one <= PER_CALL_LIMIT  # every validation fits the per-expression limit
    fits = RUNTIME_CEL_COST_BUDGET // one
    ok = run(Validator(policy(vap, validations=[{"expression": HEAVY}] * fits)), obj, vap)
    assert [x.evaluation for x in ok.decisions] == [d.EVAL_ADMIT] * fits

    over = Validator(policy(vap, validations=[{"expression": HEAVY}] * (fits + 1)))
    [decision] = run(over, obj, vap).decisions
    assert (decision.action, decision.evaluation, decision.message) == (d.DENY, d.EVAL_ERROR, OUT_OF_BUDGET)
    assert decision.index is None  # the whole policy, not one validation

    ignore = Validator(policy(vap, validations=[{"expression": HEAVY}] * (fits + 1), failurePolicy="Ignore"))
    [decision] = run(ignore, obj, vap).decisions
    assert (decision.action, decision.evaluation, decision.message) == (d.ADMIT, d.EVAL_ERROR, OUT_OF_BUDGET)


def test_budget_is_configurable_and_cost_is_summed_in_order(vap):
    obj = items(50)
    one = cost_of(HEAVY, obj)
    p = policy(vap, validations=[{"expression": HEAVY}, {"expression": HEAVY}, {"expression": "1 == 2"}])
    assert [x.evaluation for x in run(Validator(p, cost_budget=3 * one), obj, vap).decisions] == [
        d.EVAL_ADMIT, d.EVAL_ADMIT, d.EVAL_DENY]
    [decision] = run(Validator(p, cost_budget=2 * one - 1), obj, vap).decisions
    assert decision.message == OUT_OF_BUDGET
    # the per-expression limit is configurable the same way: it fails the one expression, not the policy
    decisions = run(Validator(p, cost_limit=one - 1), obj, vap).decisions
    assert [x.evaluation for x in decisions] == [d.EVAL_ERROR, d.EVAL_ERROR, d.EVAL_DENY]
    assert decisions[0].message == f"expression '{HEAVY}' resulted in error: operation cancelled: actual cost limit exceeded"


def test_failed_evaluations_are_charged_their_cost(vap):
    """cel-go reports the actual cost of an evaluation that stopped at the per-call limit; the filter charges it."""
    obj = items(50)
    one = cost_of(HEAVY, obj)
    p = policy(vap, validations=[{"expression": HEAVY}] * 3)
    [decision] = run(Validator(p, cost_limit=one // 2, cost_budget=one), obj, vap).decisions
    assert decision.message == OUT_OF_BUDGET


def test_variables_are_charged_to_the_expression_that_reads_them(vap):
    obj = items(50)
    one = cost_of(HEAVY, obj)
    spec = dict(variables=[{"name": "heavy", "expression": HEAVY}],
                validations=[{"expression": "variables.heavy"}, {"expression": "variables.heavy"}])
    p = policy(vap, **spec)
    # read twice, evaluated (and charged) once
    assert [x.evaluation for x in run(Validator(p, cost_budget=one + 10), obj, vap).decisions] == [d.EVAL_ADMIT] * 2
    [decision] = run(Validator(p, cost_budget=one - 1), obj, vap).decisions
    assert decision.message == OUT_OF_BUDGET
    # a variable nobody reads costs nothing
    unread = policy(vap, variables=[{"name": "heavy", "expression": HEAVY}], validations=[{"expression": "true"}])
    assert [x.evaluation for x in run(Validator(unread, cost_budget=5), obj, vap).decisions] == [d.EVAL_ADMIT]


def test_message_expressions_spend_what_validations_left(vap):
    obj = items(50)
    one = cost_of(HEAVY, obj)
    message = f"{HEAVY} ? 'heavy' : 'light'"
    p = policy(vap, validations=[{"expression": "1 == 1", "messageExpression": message},
                                 {"expression": "1 == 2", "messageExpression": "'no'"}])
    ok = run(Validator(p, cost_budget=2 * one), obj, vap).decisions
    assert [x.evaluation for x in ok] == [d.EVAL_ADMIT, d.EVAL_DENY] and ok[1].message == "no"
    # the message of a validation that passed is evaluated too (validator.go runs the whole message filter),
    # and when the filter runs out every evaluated validation becomes an error
    out = run(Validator(p, cost_budget=one), obj, vap).decisions
    assert [(x.action, x.evaluation, x.index) for x in out] == [(d.DENY, d.EVAL_ERROR, 0), (d.DENY, d.EVAL_ERROR, 1)]
    assert out[0].message == f"failed messageExpression: {OUT_OF_BUDGET}"


def test_audit_annotations_have_a_budget_of_their_own(vap):
    obj = items(50)
    one = cost_of(HEAVY, obj)
    spec = dict(validations=[{"expression": HEAVY}],
                auditAnnotations=[{"key": "k", "valueExpression": f"{HEAVY} ? 'heavy' : ''"}])
    result = run(Validator(policy(vap, **spec), cost_budget=one + 10), obj, vap)
    assert [x.evaluation for x in result.decisions] == [d.EVAL_ADMIT]
    assert [(a.key, a.action, a.value) for a in result.audit_annotations] == [("k", d.ANNOTATION_PUBLISH, "heavy")]
    twice = dict(spec, auditAnnotations=spec["auditAnnotations"] * 2)
    [decision] = run(Validator(policy(vap, **twice), cost_budget=one + 10), obj, vap).decisions
    assert (decision.evaluation, decision.message) == (d.EVAL_ERROR, OUT_OF_BUDGET)


@pytest.mark.parametrize("failure_policy, expected", [("Fail", [(d.DENY, d.EVAL_ERROR, OUT_OF_BUDGET)]), ("Ignore", [])])
def test_match_conditions_budget(vap, failure_policy, expected):
    obj = items(50)
    one = cost_of(HEAVY, obj)
    # every condition is evaluated before any result is read: a later one running out wins over an earlier false
    p = policy(vap, failurePolicy=failure_policy, validations=[{"expression": "false"}],
               matchConditions=[{"name": "a", "expression": "false"}, {"name": "b", "expression": HEAVY},
                                {"name": "c", "expression": HEAVY}])
    assert run(Validator(p, match_conditions_cost_budget=3 * one), obj, vap).decisions == []
    decisions = run(Validator(p, match_conditions_cost_budget=2 * one - 1), obj, vap).decisions
    assert [(x.action, x.evaluation, x.message) for x in decisions] == expected
