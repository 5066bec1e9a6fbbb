"""Ports of the string validators behind the Kubernetes CEL `format` library.

k8s.io/apimachinery pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain, IsDNS1035Label with their
"characters" length message), pkg/api/validate/content (IsLabelKey a.k.a. IsQualifiedName, IsLabelValue,
with the "bytes" length message), pkg/api/validation NameIsDNS* with maskTrailingDash, and
k8s.io/kube-openapi strfmt (uuid, byte, date, datetime). Patterns run on RE2, as Go's regexp does.
"""

from __future__ import annotations

import re2

# --- pkg/util/validation ---------------------------------------------------------------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character"
)
LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_KEY_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)
LABEL_VALUE_FMT = "(" + LABEL_KEY_FMT + ")?"
LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)

_dns1123_label = re2.compile("^" + DNS1123_LABEL_FMT + "$")
_dns1123_subdomain = re2.compile("^" + DNS1123_SUBDOMAIN_FMT + "$")
_dns1035_label = re2.compile("^" + DNS1035_LABEL_FMT + "$")
_label_key = re2.compile("^" + LABEL_KEY_FMT + "$")
_label_value = re2.compile("^" + LABEL_VALUE_FMT + "$")


def _blen(s: str) -> int:
    return len(s.encode("utf-8", "surrogateescape"))


def _match(rx, s: str) -> bool:  # type: ignore[no-untyped-def]
    return rx.search(s) is not None


def max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


def content_max_len_error(n: int) -> str:
    return f"must be no more than {n} bytes"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return msg + " (regex used for validation is '" + fmt + "')"
    msg += " (e.g. "
    for i, ex in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += "'" + ex + "', "
    return msg + "regex used for validation is '" + fmt + "')"


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if _blen(value) > 63:
        errs.append(max_len_error(63))
    if not _match(_dns1123_label, value):
        if _match(_dns1123_subdomain, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str, content: bool = False) -> list[str]:
    errs = []
    if _blen(value) > 253:
        errs.append((content_max_len_error if content else max_len_error)(253))
    if not _match(_dns1123_subdomain, value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if _blen(value) > 63:
        errs.append(max_len_error(63))
    if not _match(_dns1035_label, value):
        errs.append(regex_error(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """content.IsLabelKey."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if len(prefix) == 0:
            errs.append("prefix part must be non-empty")
        else:
            msgs = is_dns1123_subdomain(prefix, content=True)
            errs.extend("prefix part " + m for m in msgs)
    else:
        return errs + [
            "a valid label key "
            + regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if len(name) == 0:
        errs.append("name part must be non-empty")
    elif _blen(name) > 63:
        errs.append("name part " + content_max_len_error(63))
    if not _match(_label_key, name):
        errs.append("name part " + regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_label_value(value: str) -> list[str]:
    """content.IsLabelValue."""
    errs = []
    if _blen(value) > 63:
        errs.append(content_max_len_error(63))
    if not _match(_label_value, value):
        errs.append(regex_error(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def mask_trailing_dash(name: str) -> str:
    """pkg/api/validation maskTrailingDash: a trailing '-' (and the character before it) becomes 'a'."""
    if _blen(name) > 1 and name.endswith("-"):
        b = name.encode("utf-8", "surrogateescape")
        return (b[:-2] + b"a").decode("utf-8", "surrogateescape")
    return name


# --- kube-openapi strfmt ---------------------------------------------------------------------------------

UUID_PATTERN = "(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$"
BASE64_PATTERN = "^(?:[A-Za-z0-9+\\/]{4})*(?:[A-Za-z0-9+\\/]{2}==|[A-Za-z0-9+\\/]{3}=|[A-Za-z0-9+\\/]{4})$"
DATE_TIME_PATTERN = "^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$"

_uuid = re2.compile(UUID_PATTERN)
_base64 = re2.compile(BASE64_PATTERN)
_date_time = re2.compile(DATE_TIME_PATTERN)

_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def is_uuid(s: str) -> bool:
    return _match(_uuid, s)


def is_base64(s: str) -> bool:
    return _match(_base64, s)


def is_date(s: str) -> bool:
    """time.Parse("2006-01-02", s) succeeds."""
    if len(s) != 10 or s[4] != "-" or s[7] != "-":
        return False
    y, m, d = s[0:4], s[5:7], s[8:10]
    if not all(p.isascii() and p.isdigit() for p in (y, m, d)):
        return False
    year, month, day = int(y), int(m), int(d)
    if not 1 <= month <= 12:
        return False
    days = _DAYS[month - 1]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        days = 29
    return 1 <= day <= days


def is_date_time(s: str) -> bool:
    """strfmt.IsDateTime."""
    if len(s) < 4:
        return False
    parts = s.lower().split("t")
    if len(parts) < 2 or not is_date(parts[0]):
        return False
    m = _date_time.search(parts[1])
    if m is None:
        return False
    return m.group(1) <= "23" and m.group(2) <= "59" and m.group(3) <= "59"
