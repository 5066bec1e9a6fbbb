"""semver library (version 1). Expectations from kubernetes/apiserver pkg/cel/library/semver_test.go
(TestSemver) and blang/semver/v4 semver_test.go."""

from __future__ import annotations

import pytest
from libcheck import run, runtime_error


@pytest.mark.parametrize(
    "expr, expected",
    [
        ('semver("1.2.3")', ("1.2.3", "kubernetes.Semver")),
        ('isSemver("1.0.0")', (True, "bool")),
        ('isSemver("1. 0.0")', (False, "bool")),
        ('isSemver("1")', (False, "bool")),
        ('isSemver(" 1.0.0", true)', (False, "bool")),
        ('isSemver("01.01.01", true)', (True, "bool")),
        ('isSemver("1", true)', (True, "bool")),
        ('isSemver("1.1", true)', (True, "bool")),
        ('isSemver("v1.1", true)', (True, "bool")),
        ('isSemver("1.0.0-alpha.1+build.5")', (True, "bool")),
        ('isSemver("1.0.0-01")', (False, "bool")),
        ('semver("v01.01", true) == semver("1.1.0")', (True, "bool")),
        ('semver("1.2.3") == semver("1.2.3")', (True, "bool")),
        ('semver("1.2.3") == semver("1.0.0")', (False, "bool")),
        ('semver("1.0.0").isLessThan(semver("1.2.3"))', (True, "bool")),
        ('semver("1.2.3").isGreaterThan(semver("1.0.0"))', (True, "bool")),
        ('semver("1.2.3").compareTo(semver("1.0.0"))', (1, "int")),
        ('semver("1.0.0").compareTo(semver("1.2.3"))', (-1, "int")),
        ('semver("1.2.3").major()', (1, "int")),
        ('semver("1.2.3").minor()', (2, "int")),
        ('semver("1.2.3").patch()', (3, "int")),
        # SemVer 2.0.0 precedence (blang semver_test.go compareTests): pre-releases sort before the release,
        # numeric identifiers below alphanumeric ones, build metadata ignored.
        ('semver("1.0.0-alpha").isLessThan(semver("1.0.0"))', (True, "bool")),
        ('semver("1.0.0-alpha.1").isLessThan(semver("1.0.0-alpha.beta"))', (True, "bool")),
        ('semver("1.0.0-2").isLessThan(semver("1.0.0-11"))', (True, "bool")),
        ('semver("1.0.0+a") == semver("1.0.0+b")', (True, "bool")),
    ],
)
def test_semver(expr, expected):
    assert run(expr) == expected


def test_semver_errors():
    # semver_test.go "parseInvalidVersion"
    assert runtime_error('semver("v1.0")') == "No Major.Minor.Patch elements found"
    assert runtime_error('semver("1.02.3")') == 'Minor number must not contain leading zeroes "02"'
    assert runtime_error('semver("1.0-beta", true)') == "short version cannot contain PreRelease/Build meta data"
