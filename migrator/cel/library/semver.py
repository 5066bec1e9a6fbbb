"""Kubernetes CEL `semver` library, version 1 (k8s.io/apiserver pkg/cel/library/semverlib.go).

semver(string[, normalize]) -> kubernetes.Semver, isSemver(string[, normalize]), and members isGreaterThan,
isLessThan, compareTo, major, minor, patch. Parsing is blang/semver/v4 Parse (strict SemVer 2.0.0);
`normalize` applies Kubernetes' normalizeAndParse (strip "v", drop leading zeros, fill missing minor/patch).
"""

from __future__ import annotations

from dataclasses import dataclass

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._gostd import go_quote, wrap_int64

_NUMBERS = "0123456789"
_ALPHANUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-" + _NUMBERS


class SemverError(ValueError):
    pass


def _contains_only(s: str, charset: str) -> bool:
    return all(c in charset for c in s)


def _has_leading_zeroes(s: str) -> bool:
    return len(s) > 1 and s[0] == "0"


def _parse_uint(s: str) -> int:
    if not s or not s.isdigit():
        raise SemverError(f"strconv.ParseUint: parsing {go_quote(s)}: invalid syntax")
    v = int(s)
    if v > (1 << 64) - 1:
        raise SemverError(f"strconv.ParseUint: parsing {go_quote(s)}: value out of range")
    return v


@dataclass(frozen=True)
class PRVersion:
    text: str
    num: int
    is_num: bool

    def compare(self, o: "PRVersion") -> int:
        if self.is_num and not o.is_num:
            return -1
        if not self.is_num and o.is_num:
            return 1
        if self.is_num:
            return (self.num > o.num) - (self.num < o.num)
        return (self.text > o.text) - (self.text < o.text)

    def __str__(self) -> str:
        return str(self.num) if self.is_num else self.text


def _new_pr_version(s: str) -> PRVersion:
    if len(s) == 0:
        raise SemverError("Prerelease is empty")
    if _contains_only(s, _NUMBERS):
        if _has_leading_zeroes(s):
            raise SemverError(f"Numeric PreRelease version must not contain leading zeroes {go_quote(s)}")
        return PRVersion("", _parse_uint(s), True)
    if _contains_only(s, _ALPHANUM):
        return PRVersion(s, 0, False)
    raise SemverError(f"Invalid character(s) found in prerelease {go_quote(s)}")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: tuple[PRVersion, ...] = ()
    build: tuple[str, ...] = ()

    def compare(self, o: "Version") -> int:
        for a, b in ((self.major, o.major), (self.minor, o.minor), (self.patch, o.patch)):
            if a != b:
                return 1 if a > b else -1
        if not self.pre and not o.pre:
            return 0
        if not self.pre:
            return 1
        if not o.pre:
            return -1
        for a, b in zip(self.pre, o.pre):
            c = a.compare(b)
            if c:
                return c
        if len(self.pre) == len(o.pre):
            return 0
        return -1 if len(self.pre) < len(o.pre) else 1

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += "-" + ".".join(str(p) for p in self.pre)
        if self.build:
            text += "+" + ".".join(self.build)
        return text


def parse(s: str) -> Version:
    """blang/semver/v4 Parse."""
    if len(s) == 0:
        raise SemverError("Version string empty")
    parts = s.split(".", 2)
    if len(parts) != 3:
        raise SemverError("No Major.Minor.Patch elements found")
    if not _contains_only(parts[0], _NUMBERS):
        raise SemverError(f"Invalid character(s) found in major number {go_quote(parts[0])}")
    if _has_leading_zeroes(parts[0]):
        raise SemverError(f"Major number must not contain leading zeroes {go_quote(parts[0])}")
    major = _parse_uint(parts[0])
    if not _contains_only(parts[1], _NUMBERS):
        raise SemverError(f"Invalid character(s) found in minor number {go_quote(parts[1])}")
    if _has_leading_zeroes(parts[1]):
        raise SemverError(f"Minor number must not contain leading zeroes {go_quote(parts[1])}")
    minor = _parse_uint(parts[1])
    patch_str = parts[2]
    build: list[str] = []
    prerelease: list[str] = []
    i = patch_str.find("+")
    if i != -1:
        build = patch_str[i + 1 :].split(".")
        patch_str = patch_str[:i]
    i = patch_str.find("-")
    if i != -1:
        prerelease = patch_str[i + 1 :].split(".")
        patch_str = patch_str[:i]
    if not _contains_only(patch_str, _NUMBERS):
        raise SemverError(f"Invalid character(s) found in patch number {go_quote(patch_str)}")
    if _has_leading_zeroes(patch_str):
        raise SemverError(f"Patch number must not contain leading zeroes {go_quote(patch_str)}")
    patch = _parse_uint(patch_str)
    pre = tuple(_new_pr_version(p) for p in prerelease)
    for b in build:
        if len(b) == 0:
            raise SemverError("Build meta data is empty")
        if not _contains_only(b, _ALPHANUM):
            raise SemverError(f"Invalid character(s) found in build meta data {go_quote(b)}")
    return Version(major, minor, patch, pre, tuple(build))


def normalize_and_parse(s: str) -> Version:
    """semverlib.go normalizeAndParse."""
    if s.startswith("v"):
        s = s[1:]
    parts = s.split(".", 2)
    for i, p in enumerate(parts):
        if len(p) > 1:
            p = p.lstrip("0")
            if len(p) == 0 or p[0] not in _NUMBERS:
                p = "0" + p
            parts[i] = p
    if len(parts) < 3:
        if any(c in "+-" for c in parts[-1]):
            raise SemverError("short version cannot contain PreRelease/Build meta data")
        while len(parts) < 3:
            parts.append("0")
    return parse(".".join(parts))


class Semver:
    """A kubernetes.Semver value."""

    __slots__ = ("v",)
    cel_type_name = "kubernetes.Semver"

    def __init__(self, v: Version) -> None:
        self.v = v

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Semver):
            return NotImplemented
        return self.v.compare(other.v) == 0

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(("kubernetes.Semver", self.v.major, self.v.minor, self.v.patch, self.v.pre))

    def __str__(self) -> str:
        return str(self.v)

    def __repr__(self) -> str:
        return f"semver({str(self)!r})"


def _parse(s: str, normalize: bool) -> Version:
    return normalize_and_parse(s) if normalize else parse(s)


def string_to_semver(s: str, normalize: bool = False) -> Semver:
    try:
        return Semver(_parse(str(s), bool(normalize)))
    except SemverError as exc:
        raise EvaluationError(str(exc)) from None


def is_semver(s: str, normalize: bool = False) -> celtypes.BoolType:
    try:
        _parse(str(s), bool(normalize))
    except SemverError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


LIBRARY = Library(name="kubernetes.Semver", types={"kubernetes.Semver": Semver})
LIBRARY.add("semver", string_to_semver, ("string",), "kubernetes.Semver")
LIBRARY.add("semver", string_to_semver, ("string", "bool"), "kubernetes.Semver")
LIBRARY.add("isSemver", is_semver, ("string",), "bool")
LIBRARY.add("isSemver", is_semver, ("string", "bool"), "bool")
LIBRARY.add(
    "isGreaterThan",
    lambda a, b: celtypes.BoolType(a.v.compare(b.v) == 1),
    ("kubernetes.Semver", "kubernetes.Semver"),
    "bool",
    member=True,
)
LIBRARY.add(
    "isLessThan",
    lambda a, b: celtypes.BoolType(a.v.compare(b.v) == -1),
    ("kubernetes.Semver", "kubernetes.Semver"),
    "bool",
    member=True,
)
LIBRARY.add(
    "compareTo",
    lambda a, b: celtypes.IntType(a.v.compare(b.v)),
    ("kubernetes.Semver", "kubernetes.Semver"),
    "int",
    member=True,
)
# types.Int(v.Major) converts Go's uint64 to int64 (wrapping above 2^63-1).
LIBRARY.add("major", lambda s: celtypes.IntType(wrap_int64(s.v.major)), ("kubernetes.Semver",), "int", member=True)
LIBRARY.add("minor", lambda s: celtypes.IntType(wrap_int64(s.v.minor)), ("kubernetes.Semver",), "int", member=True)
LIBRARY.add("patch", lambda s: celtypes.IntType(wrap_int64(s.v.patch)), ("kubernetes.Semver",), "int", member=True)
