"""Kubernetes CEL `url` library (k8s.io/apiserver pkg/cel/library/urls.go), type `kubernetes.URL`.

url(string) (must pass Go's url.ParseRequestURI, then is parsed with url.Parse), isURL(string), and members
getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery -> map(string, list(string)).
"""

from __future__ import annotations

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._neturl import URL as _URL
from migrator.cel.library._neturl import URLError, parse, parse_query, parse_request_uri, text


class URL:
    """A kubernetes.URL value; two URLs are equal when their String() forms are."""

    __slots__ = ("u",)
    cel_type_name = "kubernetes.URL"

    def __init__(self, u: _URL) -> None:
        self.u = u

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, URL):
            return NotImplemented
        return self.u.string() == other.u.string()

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(("kubernetes.URL", self.u.string()))

    def __str__(self) -> str:
        return text(self.u.string())

    def __repr__(self) -> str:
        return f"url({str(self)!r})"


def string_to_url(s: str) -> URL:
    try:
        parse_request_uri(str(s))
        return URL(parse(str(s)))
    except URLError as exc:
        raise EvaluationError(f"URL parse error during conversion from string: {exc}") from None


def is_url(s: str) -> celtypes.BoolType:
    try:
        parse_request_uri(str(s))
    except URLError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def get_query(u: URL) -> celtypes.MapType:
    result = celtypes.MapType()
    for k, values in parse_query(u.u.raw_query).items():
        result[celtypes.StringType(text(k))] = celtypes.ListType([celtypes.StringType(text(v)) for v in values])
    return result


def _string(b: bytes) -> celtypes.StringType:
    return celtypes.StringType(text(b))


LIBRARY = Library(name="kubernetes.urls", types={"kubernetes.URL": URL})
LIBRARY.add("url", string_to_url, ("string",), "kubernetes.URL")
LIBRARY.add("isURL", is_url, ("string",), "bool")
LIBRARY.add("getScheme", lambda u: _string(u.u.scheme), ("kubernetes.URL",), "string", member=True)
LIBRARY.add("getHost", lambda u: _string(u.u.host), ("kubernetes.URL",), "string", member=True)
LIBRARY.add("getHostname", lambda u: _string(u.u.hostname()), ("kubernetes.URL",), "string", member=True)
LIBRARY.add("getPort", lambda u: _string(u.u.port()), ("kubernetes.URL",), "string", member=True)
LIBRARY.add("getEscapedPath", lambda u: _string(u.u.escaped_path()), ("kubernetes.URL",), "string", member=True)
LIBRARY.add("getQuery", get_query, ("kubernetes.URL",), "map(string, list(string))", member=True)
