"""quantity library. Expectations from kubernetes/apiserver pkg/cel/library/quantity_test.go (TestQuantity),
the doc comment of quantity.go, and k8s.io/apimachinery pkg/api/resource quantity_test.go (canonical forms)."""

from __future__ import annotations

import pytest
from libcheck import compile_error, run, runtime_error, value

from migrator.cel.library._resource import parse_quantity


@pytest.mark.parametrize(
    "expr, expected",
    [
        # quantity_test.go TestQuantity
        ('quantity("12Mi")', ("12Mi", "kubernetes.Quantity")),
        ('isQuantity("20")', (True, "bool")),
        ('isQuantity("20M")', (True, "bool")),
        ('isQuantity("20Mi")', (True, "bool")),
        ('isQuantity("20Mo")', (False, "bool")),
        ('isQuantity("10Mm")', (False, "bool")),
        ('quantity("200M") == quantity("200M")', (True, "bool")),
        ('quantity("200M") == quantity("0.2G") && quantity("0.2G") == quantity("200M")', (True, "bool")),
        ('quantity("2M") == quantity("0.002G") && quantity("2000k") == quantity("2M")', (True, "bool")),
        ('quantity("200M") == quantity("0.3G")', (False, "bool")),
        ('quantity("50M").isLessThan(quantity("50Mi"))', (True, "bool")),
        ('quantity("100M").isLessThan(quantity("50M"))', (False, "bool")),
        ('quantity("50Mi").isGreaterThan(quantity("50M"))', (True, "bool")),
        ('quantity("50M").isGreaterThan(quantity("100M"))', (False, "bool")),
        ('quantity("200M").compareTo(quantity("0.2G"))', (0, "int")),
        ('quantity("50M").compareTo(quantity("50Mi"))', (-1, "int")),
        ('quantity("50Mi").compareTo(quantity("50M"))', (1, "int")),
        ('quantity("50k").add(quantity("20")) == quantity("50.02k")', (True, "bool")),
        ('quantity("50k").add(20).isLessThan(quantity("50020"))', (False, "bool")),
        ('quantity("50k").sub(quantity("20")) == quantity("49.98k")', (True, "bool")),
        ('quantity("50k").sub(20) == quantity("49980")', (True, "bool")),
        ('quantity("50k").add(20).sub(quantity("100k")).asInteger()', (-49980, "int")),
        ('quantity("50k").add(20).sub(quantity("100k")).sub(-50000).asInteger()', (20, "int")),
        ('quantity("50k").asInteger()', (50000, "int")),
        ('quantity("9999999999999999999999999999999999999G").isInteger()', (False, "bool")),
        ('quantity("50").isInteger()', (True, "bool")),
        ('quantity("50.703k").asApproximateFloat()', (50703.0, "double")),
        (
            '[quantity("9999999999999999999999999999999999999")].all(x, '
            'x.add(quantity("1")).compareTo(x.add(quantity("2"))) == -1)',
            (True, "bool"),
        ),
        # quantity.go doc comment: sign is declared as a global function (cel.Overload, not MemberOverload)
        ('sign(quantity("-1Ki"))', (-1, "int")),
        ('sign(quantity("0"))', (0, "int")),
        ('quantity("50000000G").isInteger()', (True, "bool")),
    ],
)
def test_quantity(expr, expected):
    assert run(expr) == expected


def test_quantity_errors():
    # quantity_test.go "parseInvalidSuffix", "parseInvalidSuffixPassesRegex", "as_integer_error"
    assert runtime_error('quantity("10Mo")').startswith("quantities must match the regular expression")
    assert runtime_error('quantity("10Mm")') == "unable to parse quantity's suffix"
    assert runtime_error('quantity("9999999999999999999999999999999999999G").asInteger()') == (
        "cannot convert value to integer"
    )


def test_is_quantity_rejects_a_list_at_compile_time():
    # quantity_test.go "isQuantity_noOverload"
    assert "found no matching overload for 'isQuantity'" in compile_error("isQuantity([1, 2, 3])")


@pytest.mark.parametrize(
    "text, canonical",
    [
        # apimachinery quantity_test.go TestQuantityParse / TestQuantityString (canonical String())
        ("1.5G", "1500M"),
        ("0.5Ki", "512"),
        ("100m", "100m"),
        ("1.5", "1500m"),
        ("3000m", "3"),
        ("1024", "1024"),
        ("1Ki", "1Ki"),
        ("1.5Gi", "1536Mi"),
        ("-1.5Gi", "-1536Mi"),
        ("0.0000000001", "1n"),
        ("1e3", "1e3"),
        ("12E", "12E"),
        ("+12M", "+12M"),
        ("0", "0"),
        (".", "0"),
        ("10Ei", "9223372036854775807"),
    ],
)
def test_canonical_string(text, canonical):
    assert str(parse_quantity(text)) == canonical


def test_integer_form_depends_on_representation_as_in_apimachinery():
    # AsInt64 fails for a negative scale (milli units) and for the inf.Dec form even when the value is whole.
    assert parse_quantity("3000m").as_int64() == (0, False)
    assert parse_quantity("1Ei").as_int64() == (0, False)
    assert parse_quantity("1Gi").as_int64() == (1 << 30, True)


def test_huge_exponents_do_not_hang():
    # Comparisons of huge exponents are decided by digit counts; arithmetic that would need an enormous
    # decimal is refused (documented limit) rather than computed.
    assert value('quantity("1e2000000000").compareTo(quantity("9999999999999999999999999999"))') == 1
    assert value('quantity("1e2000000000").isInteger()') is False
    assert value('quantity("1e-999999999")') == "1e-9"
    assert runtime_error('quantity("1e2000000000").add(quantity("0.5"))') == "quantity exponent too large to evaluate"
