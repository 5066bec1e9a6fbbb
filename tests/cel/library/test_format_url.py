"""format and url libraries. Expectations from kubernetes/apiserver pkg/cel/library/format_test.go
(TestFormat), urls_test (library_compatibility / apiextensions validation_test.go "URL parsing"), and
apimachinery pkg/util/validation validation_test.go."""

from __future__ import annotations

import pytest
from libcheck import run, runtime_error, value

DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


@pytest.mark.parametrize(
    "fmt, text",
    [
        # format_test.go "example_usage_*" and "*_Success"
        ("dns1123Label", "my-label-name"),
        ("dns1123Subdomain", "apiextensions.k8s.io"),
        ("qualifiedName", "apiextensions.k8s.io/v1beta1"),
        ("dns1123LabelPrefix", "my-label-prefix-"),
        ("dns1123SubdomainPrefix", "mysubdomain.prefix.-"),
        ("dns1035LabelPrefix", "my-label-prefix-"),
        ("dns1035Label", "my-label-name"),
        ("labelValue", "my-cool-label-Value"),
        ("uri", "http://example.com"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
        ("byte", "aGVsbG8="),
        ("date", "2021-01-01"),
        ("datetime", "2021-01-01T00:00:00Z"),
    ],
)
def test_valid_values_give_none(fmt, text):
    assert value(f"format.{fmt}().validate({text!r}) == optional.none()") is True


@pytest.mark.parametrize(
    "fmt, text, messages",
    [
        ("dns1123Label", "contains a space", [DNS1123_LABEL_MSG]),
        # validation.go IsDNS1123Label: a valid subdomain that is not a label
        ("dns1123Label", "a.b", ["must not contain dots"]),
        (
            "dns1035Label",
            "contains a space",
            [
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
            ],
        ),
        (
            "qualifiedName",
            "contains a space",
            [
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
                "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ],
        ),
        ("dns1123Label", "a" * 64, ["must be no more than 63 characters"]),
        ("labelValue", "a" * 64, ["must be no more than 63 bytes"]),
        ("date", "2020-01-32", ["invalid date"]),
        ("date", "2021-02-29", ["invalid date"]),
        ("datetime", "2020-01-01T25:00:00Z", ["invalid datetime"]),
        ("uuid", "not-a-uuid", ["does not match the UUID format"]),
        ("byte", "aGVsbG8", ["invalid base64"]),
        ("uri", "not a uri", ['parse "not a uri": invalid URI for request']),
    ],
)
def test_invalid_values_give_messages(fmt, text, messages):
    assert value(f"format.{fmt}().validate({text!r}).value()") == messages


def test_named_formats():
    # format_test.go "unknown_format", "named_format"
    assert value('format.named("unknown").hasValue()') is False
    assert value('format.named("dns1123Label").value().validate("my-name").hasValue()') is False


@pytest.mark.parametrize(
    "expr",
    [
        # apiextensions validation_test.go "URL parsing" valid list
        "url('/path').getScheme() == ''",
        "url('https://example.com/').getScheme() == 'https'",
        "url('https://example.com:80/').getHost() == 'example.com:80'",
        "url('https://example.com/').getHost() == 'example.com'",
        "url('https://[::1]:80/').getHost() == '[::1]:80'",
        "url('https://[::1]/').getHost() == '[::1]'",
        "url('/path').getHost() == ''",
        "url('https://example.com:80/').getHostname() == 'example.com'",
        "url('https://127.0.0.1/').getHostname() == '127.0.0.1'",
        "url('https://[::1]/').getHostname() == '::1'",
        "url('https://example.com:80/').getPort() == '80'",
        "url('https://example.com/').getPort() == ''",
        "url('https://example.com/path').getEscapedPath() == '/path'",
        "url('https://example.com/with space/').getEscapedPath() == '/with%20space/'",
        "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == { 'k1': ['a'], 'k2': ['b', 'c']}",
        "url('https://example.com/path?key with spaces=value with spaces').getQuery() == "
        "{ 'key with spaces': ['value with spaces']}",
        "url('https://example.com/path?').getQuery() == {}",
        "url('https://example.com/path').getQuery() == {}",
        "isURL('https://user:pass@example.com:80/path?query=val#fragment') == true",
        "isURL('/path') == true",
        "isURL('https://a:b:c/') == false",
        "isURL('../relative-path') == false",
    ],
)
def test_url(expr):
    assert value(expr) is True


def test_url_prints_and_errors_like_go():
    assert run("url('HTTPS://example.com/a b?x=1#frag')") == ("https://example.com/a%20b?x=1#frag", "kubernetes.URL")
    assert runtime_error("url('../relative')") == (
        'URL parse error during conversion from string: parse "../relative": invalid URI for request'
    )
    # Go rejects a bracketed IPv4 literal (CVE-2025-47912 fix) and control characters.
    assert value("isURL('https://[1.2.3.4]/')") is False
    assert value("isURL('https://example.com/\\n')") is False
