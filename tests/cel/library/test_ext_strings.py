"""cel-go strings extension, version 2. Expectations from google/cel-go ext/strings_test.go (stringTests),
ext/formatting_test.go (pre-version-4 clauses) and apiextensions validation_test.go ("string functions"),
which pins what Kubernetes' x/text prints for %e."""

from __future__ import annotations

import pytest
from libcheck import compile_error, runtime_error, value


@pytest.mark.parametrize(
    "expr",
    [
        # strings_test.go stringTests
        "'tacocat'.charAt(3) == 'o'",
        "'tacocat'.charAt(7) == ''",
        "'©αT'.charAt(0) == '©' && '©αT'.charAt(1) == 'α' && '©αT'.charAt(2) == 'T'",
        "'tacocat'.indexOf('') == 0",
        "'tacocat'.indexOf('ac') == 1",
        "'tacocat'.indexOf('none') == -1",
        "'tacocat'.indexOf('', 3) == 3",
        "'tacocat'.indexOf('a', 3) == 5",
        "'tacocat'.indexOf('at', 3) == 5",
        "'ta©o©αT'.indexOf('©') == 2",
        "'ta©o©αT'.indexOf('©', 3) == 4",
        "'ta©o©αT'.indexOf('©αT', 3) == 4",
        "'ta©o©αT'.indexOf('©α', 5) == -1",
        "'tacocat'.indexOf('a', 30) == -1",
        "'tacocat'.indexOf('', 30) == 7",
        "'tacocat'.lastIndexOf('') == 7",
        "'tacocat'.lastIndexOf('at') == 5",
        "'tacocat'.lastIndexOf('none') == -1",
        "'tacocat'.lastIndexOf('', 3) == 3",
        "'tacocat'.lastIndexOf('a', 3) == 1",
        "'ta©o©αT'.lastIndexOf('©') == 4",
        "'ta©o©αT'.lastIndexOf('©', 3) == 2",
        "'ta©o©αT'.lastIndexOf('©α', 4) == 4",
        "'hello wello'.lastIndexOf('ello', 6) == 1",
        "'bananananana'.lastIndexOf('nana', 7) == 6",
        "'tacocat'.lastIndexOf('', 30) == 7",
        "'TacoCat'.lowerAscii() == 'tacocat'",
        "'TacoCÆt Xii'.lowerAscii() == 'tacocÆt xii'",
        "'tacoCat'.upperAscii() == 'TACOCAT'",
        "'tacoCαt'.upperAscii() == 'TACOCαT'",
        "'{0} days {0} hours'.replace('{0}', '2') == '2 days 2 hours'",
        "'{0} days {0} hours'.replace('{0}', '2', 1).replace('{0}', '23') == '2 days 23 hours'",
        "'1 ©αT taco'.replace('αT', 'o©α') == '1 ©o©α taco'",
        "'hello hello'.replace('', '_') == '_h_e_l_l_o_ _h_e_l_l_o_'",
        "'hello hello'.replace('h', '') == 'ello ello'",
        "'hello world'.split(' ') == ['hello', 'world']",
        "'hello world events!'.split(' ', 0) == []",
        "'hello world events!'.split(' ', 1) == ['hello world events!']",
        "'o©o©o©o'.split('©', -1) == ['o', 'o', 'o', 'o']",
        "'o©o©o'.split('', 2) == ['o', '©o©o']",
        "'tacocat'.substring(4) == 'cat'",
        "'tacocat'.substring(0, 4) == 'taco'",
        "'ta©o©αT'.substring(2, 6) == '©o©α'",
        "' \\f\\n\\r\\t\\vtext  '.trim() == 'text'",
        "'\\u0085\\u00a0\\u1680text'.trim() == 'text'",
        "'\\u200atext\\u2028\\u2029\\u202F\\u205F\\u3000'.trim() == 'text'",
        # Go's TrimSpace keeps zero-width characters that are not Unicode White_Space
        "'\\u180etext\\u200b\\u200c\\u200d\\u2060\\ufeff'.trim() == '\\u180etext\\u200b\\u200c\\u200d\\u2060\\ufeff'",
        "['x', 'y'].join() == 'xy'",
        "['x', 'y'].join('-') == 'x-y'",
        "[].join('-') == ''",
        "strings.quote('verbatim') == '\"verbatim\"'",
        "strings.quote('ends with \\\\') == '\"ends with \\\\\\\\\"'",
        "strings.quote('mid string \" quote') == '\"mid string \\\\\" quote\"'",
        "strings.quote('printable unicode😀') == '\"printable unicode😀\"'",
    ],
)
def test_strings(expr):
    assert value(expr) is True


@pytest.mark.parametrize(
    "expr, message",
    [
        ("'tacocat'.charAt(30)", "index out of range: 30"),
        ("'tacocat'.indexOf('a', -1)", "index out of range: -1"),
        ("'tacocat'.lastIndexOf('a', -1)", "index out of range: -1"),
        ("'tacocat'.substring(40)", "index out of range: 40"),
        ("'tacocat'.substring(-1)", "index out of range: -1"),
        ("'tacocat'.substring(1, 50)", "index out of range: 50"),
        ("'tacocat'.substring(4, 3)", "invalid substring range. start: 4, end: 3"),
    ],
)
def test_string_errors(expr, message):
    assert runtime_error(expr) == message


def test_no_string_reverse_in_version_2():
    compile_error("'abc'.reverse()")


@pytest.mark.parametrize(
    "expr, expected",
    [
        # formatting_test.go (pre-version-4 rules) and apiextensions validation_test.go "string functions"
        ("'%d %s %f %s %s'.format([1, 'abc', 1.0, duration('1m'), timestamp('2000-01-01T00:00:00.000Z')])",
         "1 abc 1.000000 60s 2000-01-01T00:00:00Z"),
        ("'%e'.format([3.14])", "3.140000×10⁰⁰"),
        ("'%o %o %o'.format([7, 8, 9])", "7 10 11"),
        ("'%b %b %b'.format([7, 8, 9])", "111 1000 1001"),
        ("'%%%s%%'.format(['text'])", "%text%"),
        ("'%.3f'.format([1.2345])", "1.234"),
        ("'%.0f'.format([2.5])", "2"),
        ("'%.3f'.format([-123.4999])", "-123.500"),
        ("'%x is 20 in hexadecimal'.format([30])", "1e is 20 in hexadecimal"),
        ("'%X'.format(['Hello world!'])", "48656C6C6F20776F726C6421"),
        ("'%b'.format([true])", "1"),
        ("'%s'.format([b'xyz'])", "xyz"),
        ("'%s'.format([type('test string')])", "string"),
        ("'%s'.format([2.71])", "2.71"),
        ("'%s'.format([0.000000002])", "2e-09"),
        # pre-v4 list formatting: CEL-quoted strings, %.6f doubles, timestamp(...) wrappers
        ("'%s'.format([[2.71]])", "[2.710000]"),
        ("'%s'.format([['abc', 1, null]])", '["abc", 1, null]'),
        ("'%f'.format(['Infinity'])", "∞"),
        ("'%f'.format(['NaN'])", "NaN"),
        # cel-go builds "%<precision>e": the precision becomes a width, the mantissa keeps six decimals
        ("'%.2e'.format([1052.032911275])", "1.052033×10⁰³"),
        ("'%e'.format([double('Infinity')])", "     ∞"),
        # x/text message printer groups thousands for en_US
        ("'%.2f'.format([1234567.891])", "1,234,567.89"),
    ],
)
def test_format_pre_v4(expr, expected):
    assert value(expr) == expected


@pytest.mark.parametrize(
    "expr, message",
    [
        ("'%d %d %d'.format([0, 1])", "index 2 out of range"),
        ("'string is %b'.format(['abc'])",
         "error during formatting: only integers and bools can be formatted as binary, was given string"),
        ("'%d'.format([duration('30m2s')])",
         "error during formatting: decimal clause can only be used on integers, was given google.protobuf.Duration"),
        ("'null: %e'.format([null])",
         "error during formatting: scientific clause can only be used on doubles, was given null_type"),
        ("'%z'.format([1])", 'could not parse formatting clause: unrecognized formatting clause "z"'),
    ],
)
def test_format_errors(expr, message):
    # The format string is hidden behind dyn() so the error surfaces at run time, as in formatting_test.go.
    target, _, rest = expr.partition(".format(")
    assert runtime_error(f"dyn({target}).format({rest}") == message
