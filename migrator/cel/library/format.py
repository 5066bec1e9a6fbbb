"""Kubernetes CEL `format` library (k8s.io/apiserver pkg/cel/library/format.go), type `kubernetes.NamedFormat`.

format.dns1123Label(), format.dns1123Subdomain(), format.dns1035Label(), format.qualifiedName(),
format.dns1123LabelPrefix(), format.dns1123SubdomainPrefix(), format.dns1035LabelPrefix(),
format.labelValue(), format.uri(), format.uuid(), format.byte(), format.date(), format.datetime(),
format.named(name) -> optional(kubernetes.NamedFormat), and <format>.validate(string) ->
optional(list(string)): none when valid, else the messages apimachinery's validators return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from celpy import celtypes

from migrator.cel.library import Library
from migrator.cel.library import _validation as v
from migrator.cel.library._neturl import URLError, parse_request_uri
from migrator.cel.types import NONE, OptionalValue


@dataclass(frozen=True, eq=False)
class NamedFormat:
    """A kubernetes.NamedFormat value; formats are equal when their names are."""

    name: str
    validate: Callable[[str], list[str]]

    cel_type_name = "kubernetes.NamedFormat"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NamedFormat):
            return NotImplemented
        return self.name == other.name

    def __hash__(self) -> int:
        return hash(("kubernetes.NamedFormat", self.name))

    def __str__(self) -> str:
        return self.name


def _uri(s: str) -> list[str]:
    try:
        parse_request_uri(s)
    except URLError as exc:
        return [str(exc)]
    return []


def _check(pred: Callable[[str], bool], message: str) -> Callable[[str], list[str]]:
    return lambda s: [] if pred(s) else [message]


CONSTANT_FORMATS: dict[str, NamedFormat] = {
    "dns1123Label": NamedFormat("DNS1123Label", v.is_dns1123_label),
    "dns1123Subdomain": NamedFormat("DNS1123Subdomain", v.is_dns1123_subdomain),
    "dns1035Label": NamedFormat("DNS1035Label", v.is_dns1035_label),
    "qualifiedName": NamedFormat("QualifiedName", v.is_qualified_name),
    "dns1123LabelPrefix": NamedFormat("DNS1123LabelPrefix", lambda s: v.is_dns1123_label(v.mask_trailing_dash(s))),
    "dns1123SubdomainPrefix": NamedFormat(
        "DNS1123SubdomainPrefix", lambda s: v.is_dns1123_subdomain(v.mask_trailing_dash(s))
    ),
    "dns1035LabelPrefix": NamedFormat("DNS1035LabelPrefix", lambda s: v.is_dns1035_label(v.mask_trailing_dash(s))),
    "labelValue": NamedFormat("LabelValue", v.is_label_value),
    "uri": NamedFormat("URI", _uri),
    "uuid": NamedFormat("uuid", _check(v.is_uuid, "does not match the UUID format")),
    "byte": NamedFormat("byte", _check(v.is_base64, "invalid base64")),
    "date": NamedFormat("date", _check(v.is_date, "invalid date")),
    "datetime": NamedFormat("datetime", _check(v.is_date_time, "invalid datetime")),
}


def validate(fmt: NamedFormat, s: str) -> OptionalValue:
    errors = fmt.validate(str(s))
    if not errors:
        return NONE
    return OptionalValue(celtypes.ListType([celtypes.StringType(e) for e in errors]), True)


def named(name: str) -> OptionalValue:
    fmt = CONSTANT_FORMATS.get(str(name))
    return NONE if fmt is None else OptionalValue(fmt, True)


LIBRARY = Library(name="kubernetes.format", types={"kubernetes.NamedFormat": NamedFormat})
LIBRARY.add("validate", validate, ("kubernetes.NamedFormat", "string"), "optional(list(string))", member=True)
LIBRARY.add("format.named", named, ("string",), "optional(kubernetes.NamedFormat)")
for _key, _fmt in CONSTANT_FORMATS.items():
    LIBRARY.add("format." + _key, (lambda f=_fmt: f), (), "kubernetes.NamedFormat")
