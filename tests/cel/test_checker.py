"""Type checking: what cel-go's checker and the Kubernetes AST validators reject is a CompileError.

Sources: google/cel-go checker/checker.go and checker/errors.go (messages), cel/validator.go (homogeneous
aggregate literals; duration, timestamp and regex literal validators), and Kubernetes
k8s.io/apiserver pkg/cel/environment/base.go (which of these the API server enables).
"""

from __future__ import annotations

import pytest

from migrator.cel import CompileError, Environment

from celtest import value


def compile_error(expr: str, **decls: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        Environment(decls).compile(expr)
    return info.value


@pytest.mark.parametrize(
    "expr, name",
    [
        ("math.greatest(1, 2)", "math"),  # ext.Math is not in the Kubernetes environment
        ("base64.encode(b'a')", "base64"),  # ext.Encoders neither
        ("cel.bind(x, 1, x)", "cel"),  # ext.Bindings neither
        ("regex.replace('a', 'a', 'b')", "regex"),  # ext.Regex neither
        ("undeclared + 1", "undeclared"),
    ],
)
def test_undeclared_reference(expr, name):
    err = compile_error(expr)
    assert f"undeclared reference to '{name}'" in err.message


def test_string_reverse_is_not_declared_for_strings():
    # strings version 3 adds reverse(); Kubernetes enables version 2 (reverse exists only for lists, ext.Lists)
    assert "reverse" in compile_error("'abc'.reverse()").message


@pytest.mark.parametrize(
    "expr", ["1 + 'a'", "'a' < 1", "1 == 1u", "size(1)", "!1", "-'a'", "true ? 1 : 'a'", "true ? 'a' : null", "1 == null"]
)
def test_no_matching_overload(expr):
    assert "found no matching overload" in compile_error(expr).message


def test_wrong_arity():
    assert "found no matching overload for 'size'" in compile_error("size('a', 'b')").message


@pytest.mark.parametrize("expr", ["[1, 'a']", "{'a': 1, 'b': 'c'}", "{1: 1, 2u: 2}", "[1, x]"])
def test_heterogeneous_aggregate_literals_rejected(expr):
    # cel.HomogeneousAggregateLiterals (Kubernetes 1.0+): elements must have equivalent types; dyn is not int.
    assert "expected type" in compile_error(expr, x="dyn").message


def test_homogeneous_literal_exemption_inside_format():
    # cel/validator.go: literals inside format() arguments are exempt (ext/strings.go sets the exemption)
    assert value("'%s %d'.format(['a', 1])") == "a 1"


def test_empty_literals_unify_with_later_elements():
    assert value("[[], [1]]") == [[], [1]]
    assert value("[{}, {'a': 1}]") == [{}, {"a": 1}]


@pytest.mark.parametrize(
    "expr", ["duration('1x')", "timestamp('2023-13-01T00:00:00Z')", "'a'.matches('(')", "matches('a', '[')"]
)
def test_constant_literal_validators(expr):
    # Kubernetes 1.29: cel.ValidateDurationLiterals/ValidateTimestampLiterals/ValidateRegexLiterals
    compile_error(expr)


def test_non_constant_invalid_pattern_is_a_runtime_error():
    from migrator.cel import EvaluationError, to_cel

    program = Environment({"p": "dyn"}).compile("'a'.matches(p)")
    with pytest.raises(EvaluationError):
        program.evaluate({"p": to_cel("(")})


def test_dyn_variables_check_permissively():
    Environment({"x": "dyn"}).compile("x.a.b + 1 == x.c && x[0] in x.list")


def test_result_type_enforced():
    # pkg/admission/plugin/cel/compile.go: ast.OutputType() must equal one of the return types exactly
    Environment().compile("1 < 2", result_type="bool")
    Environment({"x": "dyn"}).compile("x.y == true", result_type="bool")
    Environment().compile("null", result_type=("string", "null_type"))  # audit annotation valueExpression
    with pytest.raises(CompileError, match="must evaluate to bool"):
        Environment().compile("'a'", result_type="bool")
    with pytest.raises(CompileError, match="must evaluate to bool"):
        Environment({"x": "dyn"}).compile("x.y", result_type="bool")  # dyn is not bool


def test_comprehension_range_must_be_list_or_map():
    assert "cannot be range of a comprehension" in compile_error("1.all(x, x > 0)").message


def test_typed_request_fields():
    # kubernetes.AdmissionRequest (pkg/admission/plugin/cel/compile.go buildRequestType)
    env = Environment({"request": "kubernetes.AdmissionRequest"})
    env.compile("request.userInfo.groups.exists(g, g == 'system:masters') && request.operation == 'CREATE'")
    with pytest.raises(CompileError, match="undefined field 'nope'"):
        env.compile("request.nope")


def test_typed_variables():
    env = Environment({"variables": {"ok": "bool"}})
    env.compile("variables.ok || false")
    with pytest.raises(CompileError, match="undefined field 'missing'"):
        env.compile("variables.missing")


def test_error_position_is_line_and_column():
    err = compile_error("true &&\n  math.abs(1) > 0")
    assert (err.line, err.column) == (2, 3)
    assert str(err).startswith("2:3: ")


def test_cel_go_error_text():
    # cel-go common/errors.go ToDisplayString: location, message, source line and a caret under the column
    err = compile_error("1 + x")
    assert err.cel_go_text() == "ERROR: <input>:1:5: undeclared reference to 'x' (in container '')\n | 1 + x\n | ....^"


@pytest.mark.parametrize(
    "expr, fragment",
    [
        ("'%d'.format(['a'])", "decimal clause can only be used on integers, was given string"),
        ("'%s %s'.format(['a'])", "index 1 out of range"),
        ("'%s'.format(['a', 'b'])", "too many arguments supplied to string.format (expected 1, got 2)"),
        ("'%z'.format([1])", 'unrecognized formatting clause "z"'),
    ],
)
def test_constant_format_strings_checked_at_compile_time(expr, fragment):
    # cel-go ext/formatting.go stringFormatValidator (ext.Strings versions 1-3; Kubernetes enables version 2)
    assert fragment in compile_error(expr).message


def test_format_with_dyn_arguments_is_left_to_run_time():
    Environment({"x": "dyn"}).compile("'%d'.format([x])")


def test_typed_namespace_object():
    # compile.go BuildNamespaceType: typed fields; date-time fields are timestamps (strings in JSON are converted)
    from migrator.cel import to_cel, to_json

    env = Environment({"namespaceObject": "kubernetes.Namespace"})
    program = env.compile("namespaceObject.metadata.labels['team'] == 'a' && "
                          "namespaceObject.metadata.creationTimestamp < timestamp('2024-01-01T00:00:00Z') && "
                          "namespaceObject.status.phase == 'Active'")
    ns = {"metadata": {"name": "x", "labels": {"team": "a"}, "creationTimestamp": "2023-05-01T10:00:00Z"},
          "status": {"phase": "Active"}}
    assert to_json(program.evaluate({"namespaceObject": to_cel(ns)}))[0] is True
    with pytest.raises(CompileError, match="undefined field 'nope'"):
        env.compile("namespaceObject.metadata.nope")


# cel-go checker/types.go: a type parameter already bound to T joins a new argument type U through
# isValidTypeSubstitution -> mostGeneral(U, T) (isEqualOrLessSpecific), so the conditional `_?_:_`
# (bool, A, A) -> A is typed with the most general of its branches, and whole types are kept, never mixed.
@pytest.mark.parametrize(
    "expr, type_name",
    [
        ("true ? 1 : 2", "int"),
        ("true ? 1 : dyn(2)", "dyn"),
        ("true ? dyn(1) : 2", "dyn"),
        ("true ? [1] : [dyn(2)]", "list(dyn)"),
        ("true ? [dyn(1)] : [2]", "list(dyn)"),
        ("true ? {'a': 1} : {dyn('b'): 2}", "map(dyn, int)"),
        # mostGeneral(map(dyn, int), map(string, dyn)): neither is less specific -> the bound type stays
        ("true ? {'a': dyn(1)} : {dyn('b'): 2}", "map(string, dyn)"),
        # null binds first, then timestamp: mostGeneral(timestamp, null) is null (kinds differ -> t2)
        ("true ? null : timestamp(1)", "null_type"),
        ("true ? timestamp(1) : null", "google.protobuf.Timestamp"),
        ("[1, 2].map(y, y > 1 ? y : dyn(0))", "list(dyn)"),
    ],
)
def test_conditional_takes_most_general_branch_type(expr, type_name):
    assert Environment({}).compile(expr).type_name == type_name


def test_conditional_with_dyn_branch_is_not_bool_for_validations():
    """compile.go requires the output type to be exactly bool: `c ? true : dyn(false)` is dyn in cel-go."""
    with pytest.raises(CompileError):
        Environment({}).compile("1 > 0 ? true : dyn(false)", result_type="bool")
    assert Environment({}).compile("1 > 0 ? true : false", result_type="bool").type_name == "bool"


def test_list_literal_join_keeps_most_general_element_type():
    """checker.go joinTypes -> mostGeneral(previous, current) for element types (homogeneity validated apart)."""
    env = Environment({"x": "dyn"})
    assert env.compile("[[1], [2]]").type_name == "list(list(int))"
    assert env.compile("{'a': [1], 'b': [2]}").type_name == "map(string, list(int))"


def test_every_overload_type_parameter_joins_like_the_conditional():
    """isValidTypeSubstitution applies to every overload with a repeated type parameter, e.g. list(A) + list(A)."""
    env = Environment({})
    assert env.compile("[1].map(v, [v]) + [[dyn(1)]]").type_name == "list(list(dyn))"
    assert env.compile("[[1]] + [[2]]").type_name == "list(list(int))"
    with pytest.raises(CompileError, match="found no matching overload for '_\\+_'"):
        env.compile("[1] + ['a']")
