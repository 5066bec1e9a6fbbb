"""cel-go evaluation semantics (google/cel-go common/types/*.go, interpreter/interpretable.go) and the
cel-spec conformance suite (google/cel-spec tests/simple/testdata/*.textproto) they are checked against."""

from __future__ import annotations


import pytest

from migrator.cel import Environment, EvaluationError, to_cel, to_json

from celtest import evaluate, value


def runtime_error(expr: str, **variables) -> str:
    env = Environment({k: "dyn" for k in variables})
    program = env.compile(expr)
    with pytest.raises(EvaluationError) as info:
        program.evaluate({k: to_cel(v) for k, v in variables.items()})
    return str(info.value)


# -- heterogeneous numbers (cel-spec comparisons.textproto; cel-go CrossTypeNumericComparisons) ---------------

@pytest.mark.parametrize(
    "expr",
    [
        "dyn(1) == 1.0", "dyn(1u) == 1", "dyn(1.0) == 1u", "dyn(1) < 1.5", "2u > dyn(1)", "dyn(-1) < 0u",
        "1.0 in [dyn(1)]", "dyn(2u) in [1, 2]", "{1: 'a'}[dyn(1u)] == 'a'", "{1: 'a'}[dyn(1.0)] == 'a'",
        "dyn(9223372036854775807) >= 9223372036854775808.0",  # compareIntDouble converts the int to double
    ],
)
def test_cross_type_numeric(expr):
    assert value(expr) is True


def test_unrelated_types_are_unequal_not_errors():
    assert value("dyn(1) == 'a'") is False
    assert value("dyn(true) == 1") is False  # bool is not a number
    assert value("dyn([1]) != {}") is True


def test_nan():
    assert value("0.0/0.0 == 0.0/0.0") is False
    assert value("!(0.0/0.0 < 1.0) && !(0.0/0.0 >= 1.0)") is True
    assert evaluate("1.0/0.0") == ("Infinity", "double")
    assert evaluate("-1.0/0.0") == ("-Infinity", "double")


# -- integer arithmetic (common/types/int.go, uint.go: overflow and division errors) -----------------------

@pytest.mark.parametrize(
    "expr, message",
    [
        ("9223372036854775807 + 1", "integer overflow"),
        ("-9223372036854775808 - 1", "integer overflow"),
        ("-9223372036854775808 / -1", "integer overflow"),
        ("5000000000 * 5000000000", "integer overflow"),
        ("0u - 1u", "unsigned integer overflow"),
        ("1 / 0", "division by zero"),
        ("1 % 0", "modulus by zero"),
        ("1u / 0u", "division by zero"),
        ("-(-9223372036854775808)", "integer overflow"),
    ],
)
def test_integer_errors(expr, message):
    assert message in runtime_error(expr)


def test_integer_division_truncates_toward_zero():
    # Go semantics: -7 / 2 == -3, -7 % 2 == -1
    assert value("-7 / 2") == -3
    assert value("-7 % 2") == -1
    assert value("7 % -2") == 1


# -- logic (cel-spec logic.textproto: commutative error absorption) ----------------------------------------

def test_and_or_absorb_errors():
    assert value("1/0 == 1 && false") is False
    assert value("false && 1/0 == 1") is False
    assert value("1/0 == 1 || true") is True
    assert value("x.missing || true", x={}) is True
    assert "division by zero" in runtime_error("1/0 == 1 && true")
    assert "no such key" in runtime_error("x.missing && true", x={})


def test_conditional():
    assert value("true ? 1 : 1/0") == 1
    assert value("false ? 1/0 : 2") == 2


# -- fields and has() ----------------------------------------------------------------------------------------

def test_has_and_missing_keys():
    assert value("has(x.a)", x={"a": None}) is True
    assert value("has(x.b)", x={"a": 1}) is False
    assert runtime_error("x.b", x={"a": 1}) == "no such key: b"
    assert runtime_error("x['b']", x={"a": 1}) == "no such key: b"


def test_list_index_errors():
    assert "index out of bounds" in runtime_error("[1, 2][2]")
    assert value("[1, 2][dyn(1u)]") == 2


# -- strings and bytes -----------------------------------------------------------------------------------

def test_size_counts_code_points():
    assert value("size('héllo😀')") == 6
    assert value("size(b'h\\xc3\\xa9')") == 3


def test_string_functions():
    assert value("'hello'.startsWith('he') && 'hello'.endsWith('lo') && 'hello'.contains('ell')") is True
    assert value("'abc123'.matches('^[a-z]+[0-9]+$')") is True
    assert value("'aaa'.matches('a{2}')") is True  # RE2 search semantics: a match anywhere


# -- conversions (common/types/*.go ConvertToType) -------------------------------------------------------------

@pytest.mark.parametrize(
    "expr, expected",
    [
        ("int('-42')", (-42, "int")), ("int(3.9)", (3, "int")), ("int(-3.9)", (-3, "int")),
        ("uint(42)", (42, "uint")), ("double('1e3')", (1000.0, "double")), ("string(1.5)", ("1.5", "string")),
        ("string(1e6)", ("1e+06", "string")), ("string(-4.5e-3)", ("-0.0045", "string")),
        ("string(true)", ("true", "string")), ("bytes('é')", ("w6k=", "bytes")), ("bool('TRUE')", (True, "bool")),
        ("int(timestamp('1970-01-01T00:01:00Z'))", (60, "int")), ("dyn(1u)", (1, "uint")),
        ("type(1) == int && type('a') == string && type([]) == list && type(type(1)) == type", (True, "bool")),
        ("type(null)", ("null_type", "type")), ("type(duration('1s'))", ("google.protobuf.Duration", "type")),
    ],
)
def test_conversions(expr, expected):
    assert evaluate(expr) == expected


@pytest.mark.parametrize(
    "expr", ["int(9.3e18)", "int(1.0/0.0)", "uint(-1)", "uint(-1.5)", "int(18446744073709551615u)", "int('1.5')",
             "bool('yes')", "string(b'\\xff')"],
)
def test_conversion_range_errors(expr):
    runtime_error(expr)


# -- timestamps and durations ------------------------------------------------------------------------------------

def test_timestamp_and_duration_formatting():
    assert evaluate("timestamp('2009-02-13T23:31:30Z')") == ("2009-02-13T23:31:30Z", "google.protobuf.Timestamp")
    assert evaluate("timestamp('2009-02-13T15:31:30.5-08:00')") == ("2009-02-13T23:31:30.5Z",
                                                                  "google.protobuf.Timestamp")
    assert evaluate("duration('1h2m3.5s')") == ("3723.5s", "google.protobuf.Duration")
    assert evaluate("duration('-1.5h')") == ("-5400s", "google.protobuf.Duration")
    assert evaluate("duration('300ms')") == ("0.3s", "google.protobuf.Duration")


def test_time_zone_accessors():
    ts = "timestamp('2023-01-01T02:30:00Z')"
    assert value(f"{ts}.getHours()") == 2
    assert value(f"{ts}.getHours('America/Los_Angeles')") == 18
    assert value(f"{ts}.getHours('+05:30')") == 8
    assert value(f"{ts}.getMinutes('-01:15')") == 15
    assert value(f"{ts}.getDayOfWeek()") == 0  # Sunday
    assert value(f"{ts}.getMonth()") == 0  # 0-based
    assert value(f"{ts}.getDayOfMonth()") == 0  # 0-based
    assert value(f"{ts}.getDate()") == 1  # 1-based
    assert value(f"{ts}.getFullYear('America/Los_Angeles')") == 2022


def test_time_arithmetic():
    assert value("timestamp('2023-01-01T00:00:00Z') + duration('36h') == timestamp('2023-01-02T12:00:00Z')") is True
    assert evaluate("timestamp('2023-01-02T00:00:00Z') - timestamp('2023-01-01T00:00:00Z')") == (
        "86400s", "google.protobuf.Duration")
    assert value("duration('1h').getMinutes()") == 60
    assert value("duration('1500ms').getMilliseconds()") == 1500
    runtime_error("timestamp('9999-12-31T23:59:59Z') + duration('1s')")


# -- macros and comprehensions (parser/macro.go, ext/comprehensions.go) ------------------------------------------

def test_macros():
    assert value("[1, 2, 3].all(x, x > 0)") is True
    assert value("[1, 2, 3].exists(x, x > 2)") is True
    assert value("[1, 2, 3].exists_one(x, x > 1)") is False
    assert value("[1, 2, 3].map(x, x * 2)") == [2, 4, 6]
    assert value("[1, 2, 3].map(x, x > 1, x * 2)") == [4, 6]
    assert value("[1, 2, 3].filter(x, x != 2)") == [1, 3]
    assert value("{'a': 1}.all(k, k == 'a')") is True


def test_quantifier_error_absorption():
    # cel-spec macros.textproto: a false (all) or true (exists) element decides despite errors elsewhere
    assert value("[0, 1].all(x, 1 / x > 5)") is False
    assert value("[0, 1].exists(x, 1 / x == 1)") is True
    assert "division by zero" in runtime_error("[0, 1].all(x, 1 / x > 0)")


def test_two_variable_comprehensions():
    assert value("[10, 20].all(i, v, v == (i + 1) * 10)") is True
    assert value("{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)") is True
    assert value("[1, 2, 3].existsOne(i, v, v > 2)") is True
    assert value("[1, 2].transformList(i, v, i + v)") == [1, 3]
    assert value("[1, 2, 3].transformList(i, v, v > 1, v * 10)") == [20, 30]
    assert value("{'a': 1}.transformMap(k, v, v + 1)") == {"a": 2}
    assert value("{'a': 1, 'b': 2}.transformMap(k, v, v > 1, k)") == {"b": "b"}
    assert value("{'a': 1}.transformMapEntry(k, v, {v: k})") == {"1": "a"}
    assert "already exists" in runtime_error("{'a': 1, 'b': 1}.transformMapEntry(k, v, {v: k})")


def test_sort_by_macro():
    # ext/lists.go sortBy (Kubernetes 1.34: ext.Lists version 3)
    assert value("['ccc', 'a', 'bb'].sortBy(s, size(s))") == ["a", "bb", "ccc"]
    assert value("[{'k': 2, 'n': 20}, {'k': 1, 'n': 10}].sortBy(e, e.k).map(e, e.n)") == [10, 20]


# -- optional types (cel/library.go optionalLib) -------------------------------------------------------------------

def test_optionals():
    assert value("optional.of(1).value()") == 1
    assert value("optional.none().orValue(2)") == 2
    assert value("optional.none().or(optional.of(3)).value()") == 3
    assert value("optional.of(1).or(optional.of(1/0)).value()") == 1  # or() is short-circuiting
    assert value("optional.ofNonZeroValue('').hasValue()") is False
    assert value("optional.ofNonZeroValue(timestamp('0001-01-01T00:00:00Z')).hasValue()") is False
    assert value("x.?a.?b.orValue('none')", x={"a": {}}) == "none"
    assert value("x.?a.b.orValue('none')", x={"a": {"b": "B"}}) == "B"
    assert value("[1, 2][?5].hasValue()") is False
    assert value("optional.of(2).optMap(v, v * 10).value()") == 20
    assert value("optional.of({'a': 1}).optFlatMap(m, m[?'a']).value()") == 1
    assert value("[1, 2].first().value() + [1, 2].last().value()") == 3
    assert value("optional.unwrap([optional.of(1), optional.none()])") == [1]
    assert "optional.none() dereference" in runtime_error("optional.none().value()")


def test_nanosecond_precision():
    # cel-go time.Time / time.Duration keep nanoseconds (cel-spec timestamps.textproto nanos tests)
    assert evaluate("timestamp('2009-02-13T23:31:30.123456789Z')") == ("2009-02-13T23:31:30.123456789Z",
                                                                      "google.protobuf.Timestamp")
    assert evaluate("duration('1.000000001s')") == ("1.000000001s", "google.protobuf.Duration")
    assert value("timestamp('0001-01-01T00:00:01.999999999Z') + duration('999999999ns') == "
                 "timestamp('0001-01-01T00:00:02.999999998Z')") is True
    assert value("duration('1ns') > duration('0s') && timestamp('2020-01-01T00:00:00.000000001Z') > "
                 "timestamp('2020-01-01T00:00:00Z')") is True
    assert "timestamp overflow" in runtime_error("timestamp('9999-12-31T23:59:59.999999999Z') + duration('1ns')")


def test_bool_and_int_map_keys_are_distinct():
    # CEL map keys true and 1 are different keys (Python's dict alone would merge them); such a literal is only
    # allowed where homogeneous-literal checks are exempt, e.g. inside format(), or built dynamically.
    program = Environment({"m": "dyn"}).compile("dyn(m).size() == 2 && dyn(m)[true] == 'a' && dyn(m)[1] == 'b'")
    from migrator.cel.interpreter import MapBoolKey
    from celpy import celtypes

    m = celtypes.MapType()
    dict.__setitem__(m, MapBoolKey(True), celtypes.StringType("a"))
    dict.__setitem__(m, celtypes.IntType(1), celtypes.StringType("b"))
    assert to_json(program.evaluate({"m": m}))[0] is True
    assert value("'%s'.format([{true: 1, 1: 2}]).size() > 0") is True


def test_presence_test_on_null_or_primitive_is_false():
    # cel-go interpreter/attributes.go refQualify: without EnableErrorOnBadPresenceTest (Kubernetes leaves it
    # off) has() on null or a primitive is false; selecting from them is "no such key"
    assert value("has(x.a.b)", x={"a": None}) is False
    assert value("has(x.a.b)", x={"a": 1}) is False
    assert runtime_error("x.a.b", x={"a": None}) == "no such key: b"
    runtime_error("has(x.a.b)", x={"a": [1]})  # a list indexed by a field name stays an error
