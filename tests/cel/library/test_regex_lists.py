"""regex and Kubernetes lists libraries. Expectations from kubernetes/apiserver pkg/cel/library/regex.go and
lists.go doc comments, apiextensions validation_test.go ("regex", "lists"), and Go regexp (RE2) semantics."""

from __future__ import annotations

import pytest
from libcheck import compile_error, run, runtime_error, value

from migrator.cel.library.regex import matches


@pytest.mark.parametrize(
    "expr, expected",
    [
        # regex.go doc comment examples
        ("'abc 123'.find('[0-9]+')", "123"),
        ("'abc 123'.find('xyz')", ""),
        ("'123 abc 456'.findAll('[0-9]+')", ["123", "456"]),
        ("'123 abc 456'.findAll('[0-9]+', 1)", ["123"]),
        ("'123 abc 456'.findAll('xyz')", []),
        ("'123 abc 456'.findAll('[0-9]+', 0)", []),
        # Go FindAllString: an empty match right after a match is skipped (Python's re.findall keeps it)
        ("'abc'.findAll('a*')", ["a", "", ""]),
        ("'héllo'.findAll('l+')", ["ll"]),
    ],
)
def test_find(expr, expected):
    assert value(expr) == expected


def test_invalid_patterns_use_go_messages():
    assert runtime_error("'abc'.find(dyn('('))") == "Illegal regex: error parsing regexp: missing closing ): `(`"
    assert runtime_error("'abc'.findAll(dyn('a**'))") == (
        "Illegal regex: error parsing regexp: invalid nested repetition operator: `**`"
    )


def test_constant_invalid_pattern_is_a_compile_error():
    # 1.29 regex literal validator (apiextensions validation_test.go "self.val1.matches(')')")
    assert "missing closing )" in compile_error("'abc'.find('(')")
    assert "missing closing )" in compile_error("'abc'.findAll('(', 2)")


def test_matches_has_re2_semantics_and_go_error_text():
    # RE2 has no backreferences or look-around, and `$` is the end of the text only.
    from migrator.cel.engine import EvaluationError

    with pytest.raises(EvaluationError) as info:
        matches("aa", r"(a)\1")
    # Go's regexp text, as cel-go returns it; cel-python's function_matches reports RE2's own
    # "invalid escape sequence: \1" (and RE2 logs it to stderr).
    assert str(info.value) == "error parsing regexp: invalid escape sequence: `\\1`"
    with pytest.raises(EvaluationError, match="invalid or unsupported Perl syntax"):
        matches("ab", r"a(?=b)")
    assert bool(matches("hello world", "o w"))
    assert not bool(matches("abc\n", "abc$"))


@pytest.mark.parametrize(
    "expr, expected",
    [
        # lists.go doc comment examples
        ("[1, 2, 3].isSorted()", (True, "bool")),
        ("['a', 'c', 'b'].isSorted()", (False, "bool")),
        ("[1, 2, 3].sum()", (6, "int")),
        ("[1.0, 2.0, 3.0].sum()", (6.0, "double")),
        ("[duration('1s'), duration('2s')].sum()", ("3s", "google.protobuf.Duration")),
        ("dyn([]).sum() == 0", (True, "bool")),
        ("[1, 2, 3].min()", (1, "int")),
        ("[1, 2, 3].max()", (3, "int")),
        ("['b', 'a'].min()", ("a", "string")),
        ("[1, 2, 3, 2].indexOf(2)", (1, "int")),
        ("[1, 2, 3, 2].lastIndexOf(2)", (3, "int")),
        ("[1, 2, 3].indexOf(4)", (-1, "int")),
    ],
)
def test_lists(expr, expected):
    assert run(expr) == expected


def test_index_of_uses_heterogeneous_equality():
    assert run("xs.indexOf(2)", xs=[1, 2.0]) == (1, "int")


def test_lists_errors():
    assert runtime_error("[].min()") == "min called on empty list"
    assert runtime_error("[].max()") == "max called on empty list"
    assert runtime_error("[9223372036854775807, 1].sum()") == "integer overflow"
    # lists_test: min on a list of lists has no overload (templated comparable types only)
    assert "found no matching overload for 'min'" in compile_error("[[1], [2]].min() == [1]")


def test_includes_is_not_declared_before_kubernetes_1_37():
    # base.go: lists library version 1 (`includes`) is introduced in 1.37; the newest release is 1.36.
    compile_error("[1, 2].includes(1)")


def test_cross_type_compare_errors_are_not_acted_on_as_in_lists_go():
    # lists.go isSorted/min/max only act when Compare returns 1/-1; an error value from comparing unrelated
    # types is ignored, while a non-comparable element (a list) is `no such overload`.
    assert value("x.isSorted()", x=[1, "a"]) is True
    assert value("x.min()", x=[2, "a", 1]) == 1
    assert runtime_error("x.max()", x=[[1], [2]]).startswith("no such overload")
