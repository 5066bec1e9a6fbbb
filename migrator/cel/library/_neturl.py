"""A port of Go's net/url parsing (Parse, ParseRequestURI, String, EscapedPath, Hostname, Port, Query).

The Kubernetes url library and the `uri` named format call these Go functions, and their error texts reach
users. Go works on bytes; here a string is encoded to UTF-8 bytes on entry and results are decoded with
`surrogateescape`, so invalid byte sequences round-trip and print as Go's %q prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrator.cel.library._gostd import go_quote

ENCODE_PATH = 1
ENCODE_PATH_SEGMENT = 2
ENCODE_HOST = 3
ENCODE_ZONE = 4
ENCODE_USER_PASSWORD = 5
ENCODE_QUERY_COMPONENT = 6
ENCODE_FRAGMENT = 7

DEFAULT_MAX_PARAMS = 10000
_UPPERHEX = b"0123456789ABCDEF"


class URLError(ValueError):
    pass


def _q(b: bytes) -> str:
    return go_quote(b.decode("utf-8", "surrogateescape"))


def _ishex(c: int) -> bool:
    return 48 <= c <= 57 or 97 <= c <= 102 or 65 <= c <= 70


def _unhex(c: int) -> int:
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return 0


def should_escape(c: int, mode: int) -> bool:
    if 97 <= c <= 122 or 65 <= c <= 90 or 48 <= c <= 57:
        return False
    ch = chr(c)
    if mode in (ENCODE_HOST, ENCODE_ZONE):
        if ch in "!$&'()*+,;=:[]<>\"":
            return False
    if ch in "-_.~":
        return False
    if ch in "$&+,/:;=?@":
        if mode == ENCODE_PATH:
            return ch == "?"
        if mode == ENCODE_PATH_SEGMENT:
            return ch in "/;,?"
        if mode == ENCODE_USER_PASSWORD:
            return ch in "@/?:"
        if mode == ENCODE_QUERY_COMPONENT:
            return True
        if mode == ENCODE_FRAGMENT:
            return False
    if mode == ENCODE_FRAGMENT and ch in "!()*":
        return False
    return True


def unescape(s: bytes, mode: int) -> bytes:
    n = 0
    has_plus = False
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x25:  # %
            n += 1
            if i + 2 >= len(s) or not _ishex(s[i + 1]) or not _ishex(s[i + 2]):
                bad = s[i:][:3]
                raise URLError("invalid URL escape " + _q(bad))
            if mode == ENCODE_HOST and _unhex(s[i + 1]) < 8 and s[i : i + 3] != b"%25":
                raise URLError("invalid URL escape " + _q(s[i : i + 3]))
            if mode == ENCODE_ZONE:
                v = _unhex(s[i + 1]) << 4 | _unhex(s[i + 2])
                if s[i : i + 3] != b"%25" and v != 0x20 and should_escape(v, ENCODE_HOST):
                    raise URLError("invalid URL escape " + _q(s[i : i + 3]))
            i += 3
        elif c == 0x2B:  # +
            has_plus = mode == ENCODE_QUERY_COMPONENT
            i += 1
        else:
            if mode in (ENCODE_HOST, ENCODE_ZONE) and c < 0x80 and should_escape(c, mode):
                raise URLError("invalid character " + _q(s[i : i + 1]) + " in host name")
            i += 1
    if n == 0 and not has_plus:
        return s
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x25:
            out.append(_unhex(s[i + 1]) << 4 | _unhex(s[i + 2]))
            i += 3
            continue
        if c == 0x2B:
            out.append(0x20 if mode == ENCODE_QUERY_COMPONENT else 0x2B)
        else:
            out.append(c)
        i += 1
    return bytes(out)


def escape(s: bytes, mode: int) -> bytes:
    out = bytearray()
    for c in s:
        if c == 0x20 and mode == ENCODE_QUERY_COMPONENT:
            out.append(0x2B)
        elif should_escape(c, mode):
            out += bytes((0x25, _UPPERHEX[c >> 4], _UPPERHEX[c & 15]))
        else:
            out.append(c)
    return bytes(out)


def _valid_encoded(s: bytes, mode: int) -> bool:
    for c in s:
        if chr(c) in "!$&'()*+,;=:@[]%":
            continue
        if should_escape(c, mode):
            return False
    return True


def _valid_optional_port(port: bytes) -> bool:
    if port == b"":
        return True
    if port[:1] != b":":
        return False
    return all(48 <= b <= 57 for b in port[1:])


def _valid_userinfo(s: bytes) -> bool:
    for ch in s.decode("utf-8", "surrogateescape"):
        if ch.isascii() and ch.isalnum():
            continue
        if ch in "-._:~!$&'()*+,;=%@":
            continue
        return False
    return True


@dataclass
class URL:
    scheme: bytes = b""
    opaque: bytes = b""
    user: tuple[bytes, bytes | None] | None = None
    host: bytes = b""
    path: bytes = b""
    raw_path: bytes = b""
    omit_host: bool = False
    force_query: bool = False
    raw_query: bytes = b""
    fragment: bytes = b""
    raw_fragment: bytes = b""

    def _set_path(self, p: bytes) -> None:
        path = unescape(p, ENCODE_PATH)
        self.path = path
        self.raw_path = b"" if escape(path, ENCODE_PATH) == p else p

    def _set_fragment(self, f: bytes) -> None:
        frag = unescape(f, ENCODE_FRAGMENT)
        self.fragment = frag
        self.raw_fragment = b"" if escape(frag, ENCODE_FRAGMENT) == f else f

    def escaped_path(self) -> bytes:
        if self.raw_path and _valid_encoded(self.raw_path, ENCODE_PATH):
            try:
                p = unescape(self.raw_path, ENCODE_PATH)
            except URLError:
                p = None
            if p == self.path:
                return self.raw_path
        if self.path == b"*":
            return b"*"
        return escape(self.path, ENCODE_PATH)

    def escaped_fragment(self) -> bytes:
        if self.raw_fragment and _valid_encoded(self.raw_fragment, ENCODE_FRAGMENT):
            try:
                f = unescape(self.raw_fragment, ENCODE_FRAGMENT)
            except URLError:
                f = None
            if f == self.fragment:
                return self.raw_fragment
        return escape(self.fragment, ENCODE_FRAGMENT)

    def _split_host_port(self) -> tuple[bytes, bytes]:
        host = self.host
        port = b""
        colon = host.rfind(b":")
        if colon != -1 and _valid_optional_port(host[colon:]):
            host, port = host[:colon], host[colon + 1 :]
        if host.startswith(b"[") and host.endswith(b"]"):
            host = host[1:-1]
        return host, port

    def hostname(self) -> bytes:
        return self._split_host_port()[0]

    def port(self) -> bytes:
        return self._split_host_port()[1]

    def string(self) -> bytes:
        buf = bytearray()
        if self.scheme:
            buf += self.scheme + b":"
        if self.opaque:
            buf += self.opaque
        else:
            if self.scheme or self.host or self.user is not None:
                if self.omit_host and not self.host and self.user is None:
                    pass
                else:
                    if self.host or self.path or self.user is not None:
                        buf += b"//"
                    if self.user is not None:
                        name, password = self.user
                        buf += escape(name, ENCODE_USER_PASSWORD)
                        if password is not None:
                            buf += b":" + escape(password, ENCODE_USER_PASSWORD)
                        buf += b"@"
                    if self.host:
                        buf += escape(self.host, ENCODE_HOST)
            path = self.escaped_path()
            if path and path[:1] != b"/" and self.host:
                buf += b"/"
            if not buf:
                segment = path.split(b"/", 1)[0]
                if b":" in segment:
                    buf += b"./"
            buf += path
        if self.force_query or self.raw_query:
            buf += b"?" + self.raw_query
        if self.fragment:
            buf += b"#" + self.escaped_fragment()
        return bytes(buf)


def _get_scheme(raw: bytes) -> tuple[bytes, bytes]:
    for i, c in enumerate(raw):
        if 97 <= c <= 122 or 65 <= c <= 90:
            continue
        if 48 <= c <= 57 or c in b"+-.":
            if i == 0:
                return b"", raw
            continue
        if c == 0x3A:
            if i == 0:
                raise URLError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return b"", raw
    return b"", raw


def _parse_host(scheme: bytes, host: bytes) -> bytes:
    from migrator.cel.library._netip import NetipError, parse_addr

    open_idx = host.rfind(b"[")
    if open_idx > 0:
        raise URLError("invalid IP-literal")
    if open_idx == 0:
        close_idx = host.rfind(b"]")
        if close_idx < 0:
            raise URLError("missing ']' in host")
        colon_port = host[close_idx + 1 :]
        if not _valid_optional_port(colon_port):
            raise URLError("invalid port " + _q(colon_port) + " after host")
        unescaped_colon_port = unescape(colon_port, ENCODE_HOST)
        hostname = host[1:close_idx]
        zone_idx = hostname.find(b"%25")
        if zone_idx >= 0:
            unescaped_hostname = unescape(hostname[:zone_idx], ENCODE_HOST) + unescape(hostname[zone_idx:], ENCODE_ZONE)
        else:
            unescaped_hostname = unescape(hostname, ENCODE_HOST)
        try:
            addr = parse_addr(unescaped_hostname.decode("utf-8", "surrogateescape"))
        except NetipError as exc:
            raise URLError(f"invalid host: {exc}") from None
        if addr.is4():
            raise URLError("invalid IP-literal")
        return b"[" + unescaped_hostname + b"]" + unescaped_colon_port
    i = host.find(b":")
    if i != -1:
        last = host.rfind(b":")
        if last != i and scheme not in (b"http", b"https"):
            i = last
        colon_port = host[i:]
        if not _valid_optional_port(colon_port):
            raise URLError("invalid port " + _q(colon_port) + " after host")
    return unescape(host, ENCODE_HOST)


def _parse_authority(scheme: bytes, authority: bytes) -> tuple[tuple[bytes, bytes | None] | None, bytes]:
    i = authority.rfind(b"@")
    host = _parse_host(scheme, authority if i < 0 else authority[i + 1 :])
    if i < 0:
        return None, host
    userinfo = authority[:i]
    if not _valid_userinfo(userinfo):
        raise URLError("net/url: invalid userinfo")
    if b":" not in userinfo:
        return (unescape(userinfo, ENCODE_USER_PASSWORD), None), host
    username, _, password = userinfo.partition(b":")
    return (unescape(username, ENCODE_USER_PASSWORD), unescape(password, ENCODE_USER_PASSWORD)), host


def _parse(raw: bytes, via_request: bool) -> URL:
    if any(b < 0x20 or b == 0x7F for b in raw):
        raise URLError("net/url: invalid control character in URL")
    if raw == b"" and via_request:
        raise URLError("empty url")
    url = URL()
    if raw == b"*":
        url.path = b"*"
        return url
    scheme, rest = _get_scheme(raw)
    url.scheme = scheme.lower()
    if rest.endswith(b"?") and rest.count(b"?") == 1:
        url.force_query = True
        rest = rest[:-1]
    else:
        rest, _, url.raw_query = rest.partition(b"?")
    if not rest.startswith(b"/"):
        if url.scheme:
            url.opaque = rest
            return url
        if via_request:
            raise URLError("invalid URI for request")
        segment = rest.split(b"/", 1)[0]
        if b":" in segment:
            raise URLError("first path segment in URL cannot contain colon")
    if (url.scheme or (not via_request and not rest.startswith(b"///"))) and rest.startswith(b"//"):
        authority, rest = rest[2:], b""
        i = authority.find(b"/")
        if i >= 0:
            authority, rest = authority[:i], authority[i:]
        url.user, url.host = _parse_authority(url.scheme, authority)
    elif url.scheme and rest.startswith(b"/"):
        url.omit_host = True
    url._set_path(rest)
    return url


def _wrap(op_url: bytes, exc: URLError) -> URLError:
    return URLError(f"parse {_q(op_url)}: {exc}")


def parse(raw_url: str) -> URL:
    """url.Parse."""
    raw = raw_url.encode("utf-8", "surrogateescape")
    u, sep, frag = raw.partition(b"#")
    try:
        url = _parse(u, False)
    except URLError as exc:
        raise _wrap(u, exc) from None
    if not sep or frag == b"":
        return url
    try:
        url._set_fragment(frag)
    except URLError as exc:
        raise _wrap(raw, exc) from None
    return url


def parse_request_uri(raw_url: str) -> URL:
    """url.ParseRequestURI."""
    raw = raw_url.encode("utf-8", "surrogateescape")
    try:
        return _parse(raw, True)
    except URLError as exc:
        raise _wrap(raw, exc) from None


def parse_query(query: bytes) -> dict[bytes, list[bytes]]:
    """url.ParseQuery, keeping the valid pairs (URL.Query ignores the error)."""
    m: dict[bytes, list[bytes]] = {}
    if DEFAULT_MAX_PARAMS > 0 and query.count(b"&") >= DEFAULT_MAX_PARAMS:
        return m
    while query:
        key, _, query = query.partition(b"&")
        if b";" in key:
            continue
        if key == b"":
            continue
        key, _, value = key.partition(b"=")
        try:
            key = unescape(key, ENCODE_QUERY_COMPONENT)
            value = unescape(value, ENCODE_QUERY_COMPONENT)
        except URLError:
            continue
        m.setdefault(key, []).append(value)
    return m


def text(b: bytes) -> str:
    """Bytes from this module back to a Python string."""
    return b.decode("utf-8", "surrogateescape")
