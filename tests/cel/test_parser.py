"""Parsing as cel-go parses (google/cel-go parser/gen/CEL.g4, parser/parser.go, parser/unescape.go)."""

from __future__ import annotations

import pytest

from migrator.cel import CompileError, Environment

from celtest import evaluate, value


@pytest.mark.parametrize(
    "expr, expected",
    [
        # parser/unescape.go: simple escapes, hex, octal, \u and \U
        (r"'\a\b\f\n\r\t\v\\\'\"\`\?'", "\a\b\f\n\r\t\v\\'\"`?"),
        (r"'\x41\101\u00e9\U0001F600'", "AAé😀"),
        # raw strings keep backslashes (CEL.g4 RAW prefix)
        (r"r'\n\x41'", r"\n\x41"),
        # triple-quoted strings may span lines
        ("'''a\nb'''", "a\nb"),
        ('"""x"y"""', 'x"y'),
    ],
)
def test_string_literals(expr, expected):
    assert value(expr) == expected


def test_bytes_literals_use_byte_values_for_octal_and_hex():
    # unescape.go: in bytes, \x and octal escapes are single bytes, not code points
    assert evaluate(r"b'\xff\377'") == ("//8=", "bytes")
    assert value(r"size(b'\xff')") == 1


def test_unicode_escape_in_bytes_is_an_error():
    # unescape.go: \u and \U are rejected in bytes literals
    with pytest.raises(CompileError):
        Environment().compile(r"b'\u00ff'")


@pytest.mark.parametrize("expr", ["-9223372036854775808", "18446744073709551615u", "0x7fffffffffffffff"])
def test_integer_literal_bounds(expr):
    Environment().compile(expr)


@pytest.mark.parametrize("expr", ["9223372036854775808", "18446744073709551616u", "-0x8000000000000001"])
def test_integer_literal_out_of_range_is_compile_error(expr):
    with pytest.raises(CompileError):
        Environment().compile(expr)


def test_even_runs_of_not_and_minus_cancel():
    # parser.go VisitLogicalNot / VisitNegate: an even count returns the operand unchanged
    assert value("!!true") is True
    assert value("--5") == 5
    assert value("-(-5)") == 5


@pytest.mark.parametrize("word", ["as", "break", "const", "for", "if", "import", "let", "var", "while"])
def test_reserved_identifiers(word):
    # parser.go reservedIds
    with pytest.raises(CompileError, match="reserved identifier"):
        Environment({word: "dyn"}).compile(word)


def test_backtick_quoted_field():
    # CEL.g4 ESC_IDENTIFIER: `a.b-c` selects a field that is not an identifier
    assert value("x.`content-type`", x={"content-type": "json"}) == "json"
    assert value("x.?`a.b`.orValue(1)", x={}) == 1


def test_optional_syntax():
    assert value("x.?a.hasValue()", x={"a": 1}) is True
    assert value("x[?'b'].hasValue()", x={"a": 1}) is False
    assert value("[?optional.none(), ?optional.of(2)]") == [2]
    assert value("{?'a': optional.none(), 'b': 2}") == {"b": 2}


def test_syntax_error_position():
    with pytest.raises(CompileError) as info:
        Environment().compile("1 +\n  )")
    assert (info.value.line, info.value.column) == (2, 3)


def test_long_logical_chains_are_balanced():
    # cel-go parser/helper.go balances && and || chains, so thousands of terms stay shallow
    assert value(" && ".join(["true"] * 3000)) is True
    assert value(" || ".join(["false"] * 3000) + " || true") is True


@pytest.mark.parametrize("expr", ["(" * 300 + "1" + ")" * 300, " + ".join(["1"] * 3000)])
def test_recursion_limit_is_a_compile_error(expr):
    # cel-go parser maxRecursionDepth (250): too deep is a compile error, never a crash
    with pytest.raises(CompileError, match="recursion limit"):
        Environment().compile(expr)
