"""One policy x one binding x one param -> decisions (validating/validator.go, plugin.go compilePolicy).

Every expression is compiled once, when the validator is built. An expression that does not compile is kept
with its error and, as in the API server, fails at evaluation time per failurePolicy (`compilation error: ...`);
`compile_errors` lists them so callers (verify) can refuse the policy up front.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celpy import celtypes

from migrator.admission import decision as d
from migrator.admission.activation import (
    AUTHORIZER,
    NAMESPACE_OBJECT,
    OBJECT,
    OLD_OBJECT,
    PARAMS,
    REQUEST,
    VARIABLES,
    CompiledVariable,
    new_activation,
)
from migrator.cel import (
    PER_CALL_LIMIT,
    RUNTIME_CEL_COST_BUDGET,
    RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS,
    CompileError,
    Environment,
    EvaluationError,
    Program,
)
from migrator.sources.vap import Origin, Policy

MAX_MESSAGE_BYTES = 5 * 1024  # celconfig.MaxEvaluatedMessageExpressionSizeBytes
# plugin/cel/condition.go (filter.go before 1.31): what ForInput returns when the policy's budget runs out
OUT_OF_BUDGET = "validation failed due to running out of cost budget, no further validation rules will be run"


class OutOfBudget(Exception):
    """The expressions of one filter (matchConditions, validations + messages, auditAnnotations) together
    cost more than the budget left: the API server stops and reports OUT_OF_BUDGET."""


@dataclass(frozen=True)
class ExpressionError:
    """An expression of a policy that does not compile: where it is and why."""

    policy: str
    origin: Origin  # file and document
    field: str  # spec.validations[0].expression
    expression: str
    message: str
    position: int | None

    def __str__(self) -> str:
        pos = self._line_col()
        at = f" at {pos}" if pos else ""
        return (
            f"{self.origin.path}: {self.origin.field(self.field)}: {self.field}: ValidatingAdmissionPolicy "
            f"'{self.policy}': compilation failed{at}: {self.message} (expression: {self.expression!r})"
        )

    def _line_col(self) -> str:
        if self.position is None:
            return ""
        before = self.expression[: self.position]
        line = before.count("\n") + 1
        col = self.position - (before.rfind("\n") + 1) + 1
        return f"line {line}, column {col}"


REQUEST_TYPE = "kubernetes.AdmissionRequest"
NAMESPACE_TYPE = "kubernetes.Namespace"
AUTHORIZER_TYPE = "kubernetes.authorization.Authorizer"
RESOURCE_CHECK_TYPE = "kubernetes.authorization.ResourceCheck"
REQUEST_RESOURCE_AUTHORIZER = "authorizer.requestResource"

_SUPPORTED: dict[str, bool] = {}


def _engine_supports(type_name: str, probe: str) -> bool:
    """Whether the CEL environment declares `type_name` (probed once by compiling `probe` against `x`)."""
    known = _SUPPORTED.get(type_name)
    if known is None:
        try:
            Environment({"x": type_name}).compile(probe)
            known = True
        except Exception:  # unknown type: the engine cannot type-check fields of it
            known = False
        _SUPPORTED[type_name] = known
    return known


def declarations(*, params: bool, authorizer: bool, variables: dict[str, str]) -> dict[str, Any]:
    """What a VAP expression may reference (cel.createEnvForOpts): object, oldObject, request, namespaceObject,
    variables (typed, in declaration order), params only with a paramKind, authorizer except in messageExpression.
    Types the CEL environment does not know yet are declared dyn."""
    decls: dict[str, Any] = {
        OBJECT: "dyn",
        OLD_OBJECT: "dyn",
        REQUEST: REQUEST_TYPE if _engine_supports(REQUEST_TYPE, "x.name") else "dyn",
        NAMESPACE_OBJECT: NAMESPACE_TYPE if _engine_supports(NAMESPACE_TYPE, "x.metadata.name") else "dyn",
        VARIABLES: dict(variables),
    }
    if params:
        decls[PARAMS] = "dyn"
    if authorizer and _engine_supports(AUTHORIZER_TYPE, "x.group('').resource('pods').check('get').allowed()"):
        decls[AUTHORIZER] = AUTHORIZER_TYPE
        decls[REQUEST_RESOURCE_AUTHORIZER] = RESOURCE_CHECK_TYPE
    return decls


# Allowed result types per expression kind (ReturnTypes() in validating/ and plugin/cel/): the API server
# requires the checked output type to be exactly one of them (compile.go: OutputType().IsExactType), so a
# validation whose type is only known as dyn (`object.spec.enabled`) does not compile.
BOOL = ("bool",)
STRING = ("string",)
STRING_OR_NULL = ("string", "null_type")


def _check_result(program: Program, expected: tuple[str, ...] | None) -> str | None:
    """The API server's return-type error for `program`, None when its type is allowed (or unknown)."""
    got = getattr(program, "type_name", None)
    if expected is None or not isinstance(got, str) or got in expected:
        return None
    if len(expected) == 1:
        return f"must evaluate to {expected[0]} but got {got}"
    return f"must evaluate to one of [{' '.join(expected)}] but got {got}"


class _Compiled:
    """A program or its compile error."""

    __slots__ = ("expression", "program", "error")

    def __init__(self, expression: str, program: Program | None, error: str | None) -> None:
        self.expression = expression
        self.program = program
        self.error = error


def _type_name_of(program: Program | None) -> str:
    """The CEL type of a compiled variable, for declaring `variables.<name>` (dyn when unknown)."""
    name = getattr(program, "type_name", None) if program is not None else None
    return name if isinstance(name, str) and name else "dyn"


def _max_cost(program: Program | None) -> int:
    """The most one evaluation of `program` can cost (0 for an expression that did not compile)."""
    if program is None:
        return 0
    return int(getattr(program, "cost_limit", PER_CALL_LIMIT)) + int(getattr(program, "static_cost", 0))


def _error_text(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc)


def _type_name(value: Any) -> str:
    if value is None:
        return "null_type"
    for cls, name in (
        (celtypes.BoolType, "bool"), (celtypes.UintType, "uint"), (celtypes.IntType, "int"),
        (celtypes.DoubleType, "double"), (celtypes.StringType, "string"), (celtypes.BytesType, "bytes"),
        (celtypes.ListType, "list"), (celtypes.MapType, "map"), (celtypes.TimestampType, "google.protobuf.Timestamp"),
        (celtypes.DurationType, "google.protobuf.Duration"),
    ):
        if isinstance(value, cls):
            return name
    return type(value).__name__


def _is_true(value: Any) -> bool:
    return isinstance(value, (bool, celtypes.BoolType)) and bool(value)


def _is_false(value: Any) -> bool:
    return isinstance(value, (bool, celtypes.BoolType)) and not bool(value)


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error()."""
    if len(errors) == 1:
        return errors[0]
    return "[" + ", ".join(errors) + "]"


class Validator:
    """A compiled policy: evaluates its matchConditions, validations, messages and audit annotations.

    cost_limit: budget of one expression evaluation (PerCallLimit); cost_budget: what validations and then
    messageExpressions may cost together in one evaluation, and auditAnnotations apart (RuntimeCELCostBudget);
    match_conditions_cost_budget: the same for matchConditions (RuntimeCELCostBudgetMatchConditions).
    A variable's cost is charged to the expression that first reads it, once per filter, as composition.go does.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        cost_limit: int = PER_CALL_LIMIT,
        cost_budget: int = RUNTIME_CEL_COST_BUDGET,
        match_conditions_cost_budget: int = RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS,
    ) -> None:
        self.policy = policy
        self.cost_limit = cost_limit
        self.cost_budget = cost_budget
        self.match_conditions_cost_budget = match_conditions_cost_budget
        self.compile_errors: list[ExpressionError] = []
        self.has_params = policy.param_kind is not None
        # Variables compile in order, each seeing the ones before it with their types (composition.go).
        typed: dict[str, str] = {}
        self.variables: dict[str, CompiledVariable] = {}
        for var in policy.variables:
            env = Environment(declarations(params=self.has_params, authorizer=True, variables=typed), cost_limit=cost_limit)
            c = self._compile(env, var.expression, var.field, None)  # variables may be of any type
            self.variables[var.name] = CompiledVariable(var.name, c.program, c.error)
            typed[var.name] = _type_name_of(c.program)
        env = Environment(declarations(params=self.has_params, authorizer=True, variables=typed), cost_limit=cost_limit)
        message_env = Environment(
            declarations(params=self.has_params, authorizer=False, variables=typed), cost_limit=cost_limit
        )
        self.match_conditions = [
            (mc.name, self._compile(env, mc.expression, mc.field, BOOL)) for mc in policy.match_conditions
        ]
        self._match_programs = [compiled for _name, compiled in self.match_conditions]
        self.validations = [self._compile(env, v.expression, v.field, BOOL) for v in policy.validations]
        self.messages = [
            self._compile(message_env, v.message_expression, v.field.replace(".expression", ".messageExpression"), STRING)
            if v.message_expression
            else None
            for v in policy.validations
        ]
        self.audit_annotations = [self._compile(env, a.value_expression, a.field, STRING_OR_NULL) for a in policy.audit_annotations]
        # The most the messageExpressions (and the variables they read) can cost: each evaluation stops at
        # cost_limit, overshooting it by at most one charge (<= the program's node count).
        self._has_messages = any(c is not None for c in self.messages)
        self._messages_max_cost = sum(
            _max_cost(c.program) for c in self.messages if c is not None
        ) + sum(_max_cost(v.program) for v in self.variables.values())

    def _compile(self, env: Environment, expression: str, field: str, returns: tuple[str, ...] | None) -> _Compiled:
        try:
            program = env.compile(expression)
        except CompileError as exc:
            message = _error_text(exc)
            self.compile_errors.append(
                ExpressionError(self.policy.name, self.policy.origin, field, expression, message, getattr(exc, "position", None))
            )
            return _Compiled(expression, None, f"compilation failed: {message}")
        wrong_type = _check_result(program, returns)
        if wrong_type is not None:
            self.compile_errors.append(ExpressionError(self.policy.name, self.policy.origin, field, expression, wrong_type, None))
            return _Compiled(expression, None, wrong_type)
        return _Compiled(expression, program, None)

    # -- evaluation

    @staticmethod
    def _evaluate(compiled: _Compiled, activation: dict) -> tuple[Any, str | None, int]:
        """(value, error message as the API server words it, cost)."""
        if compiled.program is None:
            return None, f"compilation error: {compiled.error}", 0
        try:
            value, cost = compiled.program.evaluate_with_cost(activation)
            return value, None, cost
        except EvaluationError as exc:
            return None, f"expression '{compiled.expression}' resulted in error: {exc}", getattr(exc, "cost", 0)
        except RecursionError:
            return None, f"expression '{compiled.expression}' resulted in error: expression nested too deeply", 0
        except Exception as exc:  # an engine defect must not stop a run: the API server would report an error too
            return None, f"expression '{compiled.expression}' resulted in error: internal error: {type(exc).__name__}: {exc}", 0

    def _for_input(
        self, compiled: list[_Compiled | None], activation: dict, budget: int, needed: list[bool] | None = None
    ) -> tuple[list[tuple[Any, str | None]], int]:
        """condition.go ForInput: evaluate the expressions in order, charging each one's cost and the cost of the
        variables it read first (composition.go GetAndResetCost) to `budget`; raises OutOfBudget when a charge
        exceeds what is left. Returns the (value, error) of each expression (None entries: (None, None)) and
        the budget left. `needed[i]` False skips an expression whose result is unused and whose cost cannot
        exhaust the budget (the caller has checked the bound), so the outcome is the API server's."""
        take_cost = getattr(activation.get(VARIABLES), "take_cost", None) if self.variables else None
        results: list[tuple[Any, str | None]] = []
        append = results.append
        for index, item in enumerate(compiled):
            if item is None or (needed is not None and not needed[index]):
                append((None, None))
                continue
            program = item.program
            if program is not None:  # the common case, inlined (this loop is verify's hot path)
                try:
                    value, cost = program.evaluate_with_cost(activation)
                    err = None
                except EvaluationError as exc:
                    value, err, cost = None, f"expression '{item.expression}' resulted in error: {exc}", getattr(exc, "cost", 0)
                except Exception:
                    value, err, cost = self._evaluate(item, activation)
            else:
                value, err, cost = self._evaluate(item, activation)
            if take_cost is not None:
                composition = take_cost()
                if composition > budget:
                    raise OutOfBudget(OUT_OF_BUDGET)
                budget -= composition
            if cost > budget:
                raise OutOfBudget(OUT_OF_BUDGET)
            budget -= cost
            append((value, err))
        return results, budget

    def _filter_activation(self, activation: dict, *, authorizer: dict[str, Any] | None, **bindings: Any) -> dict:
        """The activation of a filter after the validations': its own lazy variables (composition.go creates a
        context per ForInput, so variables are evaluated and charged again), or, for a policy without
        variables, a copy of `activation` with the authorizer entries replaced."""
        if self.variables:
            return new_activation(**bindings, variables=self.variables, has_params=self.has_params, authorizer=authorizer)
        copy = dict(activation)
        copy.pop(AUTHORIZER, None)
        copy.pop(REQUEST_RESOURCE_AUTHORIZER, None)
        if authorizer:
            copy.update(authorizer)
        return copy

    def _error_action(self) -> str:
        return d.ADMIT if self.policy.failure_policy == "Ignore" else d.DENY

    def match(self, activation: dict) -> tuple[bool, str | None]:
        """matchconditions.Matcher.Match: any false -> no match; else errors -> failurePolicy; else match.

        Returns (matches, error message when failurePolicy Fail turns errors into a failure)."""
        # matcher.go: the filter evaluates every condition (within RuntimeCELCostBudgetMatchConditions) before
        # any result is looked at; running out of budget is an error handled by failurePolicy.
        try:
            results, _ = self._for_input(self._match_programs, activation, self.match_conditions_cost_budget)
        except OutOfBudget as exc:
            if self.policy.failure_policy == "Ignore":
                return False, None
            return False, str(exc)
        errors = []
        for value, err in results:
            if err is not None:
                errors.append(err)
                continue
            if _is_false(value):
                return False, None
        if errors:
            if self.policy.failure_policy == "Ignore":
                return False, None
            return False, _aggregate(errors)
        return True, None

    def validate(
        self,
        *,
        object: Any,
        old_object: Any,
        request: Any,
        namespace_object: Any,
        params: Any = None,
        authorizer: dict[str, Any] | None = None,
    ) -> d.ValidateResult:
        """validator.Validate for one param (None when the policy has no paramKind or none was bound)."""
        if self.match_conditions:
            # Match conditions see no namespaceObject (the API server passes a nil namespace there).
            mc_activation = new_activation(
                object=object, old_object=old_object, request=request, namespace_object=None,
                variables=self.variables, params=params, has_params=self.has_params, authorizer=authorizer,
            )
            matches, error = self.match(mc_activation)
            if error is not None:
                return d.ValidateResult([d.PolicyDecision(self._error_action(), d.EVAL_ERROR, error)])
            if not matches:
                return d.ValidateResult()

        activation = new_activation(
            object=object, old_object=old_object, request=request, namespace_object=namespace_object,
            variables=self.variables, params=params, has_params=self.has_params, authorizer=authorizer,
        )
        try:
            results, remaining = self._for_input(self.validations, activation, self.cost_budget)
        except OutOfBudget as exc:
            return d.ValidateResult([d.PolicyDecision(self._error_action(), d.EVAL_ERROR, str(exc))])

        # validator.go: the message filter runs over every messageExpression with what the validations left,
        # in its own activation (no authorizer; variables evaluated afresh). Results are only read for failed
        # validations, so the others are skipped when even their worst case cannot exhaust the budget.
        message_results: list[tuple[Any, str | None]] = []
        message_error: str | None = None
        if self._has_messages:
            needed = None
            if remaining >= self._messages_max_cost:
                needed = [err is None and not _is_true(value) for value, err in results]
            if needed is None or any(n and m is not None for n, m in zip(needed, self.messages)):
                message_activation = self._filter_activation(
                    activation, object=object, old_object=old_object, request=request,
                    namespace_object=namespace_object, params=params, authorizer=None,
                )
                try:
                    message_results, _ = self._for_input(self.messages, message_activation, remaining, needed)
                except OutOfBudget as exc:
                    message_error = str(exc)

        decisions = []
        for index, (validation, (value, err)) in enumerate(zip(self.policy.validations, results)):
            if err is not None:
                decisions.append(d.PolicyDecision(self._error_action(), d.EVAL_ERROR, err, "", index))
                continue
            if message_error is not None:
                # validator.go: a message filter that ran out of budget turns every evaluated validation,
                # passed or failed, into an error handled by failurePolicy.
                decisions.append(
                    d.PolicyDecision(self._error_action(), d.EVAL_ERROR, f"failed messageExpression: {message_error}", "", index)
                )
                continue
            if _is_true(value):
                decisions.append(d.PolicyDecision(d.ADMIT, d.EVAL_ADMIT, index=index))
                continue
            message = ""
            if index < len(message_results):
                msg_value, msg_err = message_results[index]
                if msg_err is None and isinstance(msg_value, str):
                    message = msg_value.strip()
                    if len(message.encode("utf-8")) > MAX_MESSAGE_BYTES or "\n" in message:
                        message = ""
            if not message and validation.message:
                message = validation.message.strip()
            if not message:
                message = f"failed expression: {validation.expression.strip()}"
            decisions.append(d.PolicyDecision(d.DENY, d.EVAL_DENY, message, validation.reason or "Invalid", index))

        annotations = []
        if self.audit_annotations:
            # a filter of its own: a fresh RuntimeCELCostBudget and variables evaluated afresh (validator.go)
            annotation_activation = self._filter_activation(
                activation, object=object, old_object=old_object, request=request,
                namespace_object=namespace_object, params=params, authorizer=authorizer,
            )
            try:
                annotation_results, _ = self._for_input(self.audit_annotations, annotation_activation, self.cost_budget)
            except OutOfBudget as exc:
                return d.ValidateResult([d.PolicyDecision(self._error_action(), d.EVAL_ERROR, str(exc))])
        else:
            annotation_results = []
        for annotation, (value, err) in zip(self.policy.audit_annotations, annotation_results):
            if err is not None:
                action = d.ANNOTATION_EXCLUDE if self.policy.failure_policy == "Ignore" else d.ANNOTATION_ERROR
                annotations.append(d.AuditAnnotationResult(annotation.key, action, error=err))
            elif value is None:
                annotations.append(d.AuditAnnotationResult(annotation.key, d.ANNOTATION_EXCLUDE))
            elif isinstance(value, str):
                text = value.strip()
                if text:
                    annotations.append(d.AuditAnnotationResult(annotation.key, d.ANNOTATION_PUBLISH, text))
                else:
                    annotations.append(d.AuditAnnotationResult(annotation.key, d.ANNOTATION_EXCLUDE))
            else:
                annotations.append(
                    d.AuditAnnotationResult(
                        annotation.key,
                        d.ANNOTATION_ERROR,
                        error=f"valueExpression '{annotation.value_expression}' resulted in unsupported return type: "
                        f"{_type_name(value)}. Return type must be either string or null.",
                    )
                )
        return d.ValidateResult(decisions, annotations)
