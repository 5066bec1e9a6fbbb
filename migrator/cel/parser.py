"""CEL parser: source text -> migrator.cel.ast, with macros expanded at parse time.

Follows cel-go's grammar (parser/gen/CEL.g4) and visitor (parser/parser.go): optional syntax (`.?f`, `[?i]`,
`[?x]`, `{?k: v}`), backtick-quoted fields, reserved identifiers, string/bytes escapes as in
parser/unescape.go, signed number literals, even runs of `!`/`-` cancel out. A hand-written recursive-descent
parser is used instead of cel-python's Lark grammar because that grammar lacks the optional syntax, escaped
fields and positions we need for error messages, and is several times slower to parse.
"""

from __future__ import annotations

import re
import sys
from typing import Callable, Optional

from migrator.cel import ast as A


class ParseError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


RESERVED = {
    "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop",
    "package", "namespace", "return", "var", "void", "while",
}

_TOKEN = re.compile(
    r"""
    (?P<ws>[\t\n\f\r ]+|//[^\n]*)
    |(?P<rawstr>[bB]?[rR](?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"[^"\n\r]*"|'[^'\n\r]*'))
    |(?P<str>[bB]?(?:\"\"\"(?:\\[\s\S]|[^\\])*?\"\"\"|'''(?:\\[\s\S]|[^\\])*?'''|"(?:\\[\s\S]|[^\\"\n\r])*"|'(?:\\[\s\S]|[^\\'\n\r])*'))
    |(?P<double>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<uint>(?:0x[0-9a-fA-F]+|\d+)[uU])
    |(?P<int>0x[0-9a-fA-F]+|\d+)
    |(?P<escident>`[a-zA-Z0-9_.\-/ ]+`)
    |(?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
    |(?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%?:.,\[\](){}])
    """,
    re.VERBOSE,
)

_KEYWORDS = {"true": "true", "false": "false", "null": "null", "in": "in"}


class Token:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind: str, text: str, pos: int) -> None:
        self.kind = kind
        self.text = text
        self.pos = pos

    def __repr__(self) -> str:
        return f"{self.kind}:{self.text!r}@{self.pos}"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            ch = text[pos]
            if ch in "\"'":
                raise ParseError("Syntax error: token recognition error: unterminated string", pos)
            raise ParseError(f"Syntax error: token recognition error at: '{ch}'", pos)
        kind = m.lastgroup or ""
        value = m.group()
        if kind != "ws":
            if kind == "ident":
                kind = _KEYWORDS.get(value, "ident")
            elif kind == "rawstr":
                kind = "str"
            elif kind == "op":
                kind = value
            elif kind in ("int", "uint", "double"):
                end = m.end()
                if end < n and (text[end].isalnum() or text[end] == "_"):
                    raise ParseError(f"Syntax error: token recognition error at: '{value}{text[end]}'", pos)
            tokens.append(Token(kind, value, pos))
        pos = m.end()
    tokens.append(Token("eof", "", n))
    return tokens


_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?",
}


def unescape(body: str, is_bytes: bool) -> str | bytes:
    """cel-go parser/unescape.go: escapes of a non-raw literal; in bytes, \\x and octal are byte values."""
    out: list[bytes] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            j = body.find("\\", i)
            if j < 0:
                j = n
            out.append(body[i:j].encode("utf-8"))
            i = j
            continue
        if i + 1 >= n:
            raise ValueError("unable to unescape string, found '\\' as last character")
        e = body[i + 1]
        i += 2
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e].encode())
        elif e in "xXuU":
            width = {"x": 2, "X": 2, "u": 4, "U": 8}[e]
            if is_bytes and e in "uU":
                raise ValueError("unable to unescape string")
            digits = body[i:i + width]
            if len(digits) < width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError("unable to unescape string")
            v = int(digits, 16)
            i += width
            if is_bytes:
                out.append(bytes([v]))
            else:
                if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
                    raise ValueError("invalid unicode code point")
                out.append(chr(v).encode("utf-8"))
        elif e in "0123":
            digits = body[i:i + 2]
            if len(digits) < 2 or not all(d in "01234567" for d in digits):
                raise ValueError("unable to unescape octal sequence in string")
            v = int(e + digits, 8)
            i += 2
            out.append(bytes([v]) if is_bytes else chr(v).encode("utf-8"))
        else:
            raise ValueError("unable to unescape string")
    data = b"".join(out)
    if is_bytes:
        return data
    return data.decode("utf-8")


def _string_literal(text: str) -> tuple[str, object]:
    is_bytes = text[0] in "bB"
    if is_bytes:
        text = text[1:]
    raw = text[0] in "rR"
    if raw:
        text = text[1:]
    q = 3 if text[:3] in ('"""', "'''") else 1
    body = text[q:-q]
    if raw:
        value: object = body.encode("utf-8") if is_bytes else body
    else:
        value = unescape(body, is_bytes)
    return ("bytes" if is_bytes else "string"), value


INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1

MAX_DEPTH = 250  # cel-go's default parser recursion limit


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        j = min(self.i + k, len(self.tokens) - 1)
        return self.tokens[j]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        if self.i < len(self.tokens) - 1:
            self.i += 1
        return t

    def accept(self, kind: str) -> Optional[Token]:
        if self.tok.kind == kind:
            return self.advance()
        return None

    def expect(self, kind: str) -> Token:
        if self.tok.kind != kind:
            self.error_unexpected(f"'{kind}'")
        return self.advance()

    def error_unexpected(self, wanted: str = "") -> None:
        t = self.tok
        got = "<EOF>" if t.kind == "eof" else t.text
        msg = f"Syntax error: mismatched input '{got}'"
        if wanted:
            msg += f" expecting {wanted}"
        raise ParseError(msg, t.pos)

    # -- grammar
    def parse(self) -> A.Expr:
        e = self.expr()
        if self.tok.kind != "eof":
            t = self.tok
            raise ParseError(f"Syntax error: extraneous input '{t.text}' expecting <EOF>", t.pos)
        return e

    def _nest(self, at: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("expression recursion limit exceeded", at.pos)

    def expr(self) -> A.Expr:
        self._nest(self.tok)
        cond = self.or_()
        if self.tok.kind == "?":
            q = self.advance()
            then = self.or_()
            self.expect(":")
            other = self.expr()
            cond = A.Call(q.pos, "_?_:_", [cond, then, other])
        self.depth -= 1
        return cond

    def or_(self) -> A.Expr:
        return self._logical(self.and_, "||", "_||_")

    def and_(self) -> A.Expr:
        return self._logical(self.relation, "&&", "_&&_")

    def _logical(self, operand: Callable[[], A.Expr], token: str, function: str) -> A.Expr:
        """`operand (token operand)*`, balanced into a tree as cel-go's parser does for && and ||."""
        terms = [operand()]
        ops: list[Token] = []
        while self.tok.kind == token:
            ops.append(self.advance())
            terms.append(operand())
        return _balance(function, terms, ops)

    _RELOPS = {"<": "_<_", "<=": "_<=_", ">": "_>_", ">=": "_>=_", "==": "_==_", "!=": "_!=_", "in": "@in"}
    _ADDOPS = {"+": "_+_", "-": "_-_"}
    _MULOPS = {"*": "_*_", "/": "_/_", "%": "_%_"}

    def relation(self) -> A.Expr:
        return self._left_assoc(self.addition, self._RELOPS)

    def addition(self) -> A.Expr:
        return self._left_assoc(self.multiplication, self._ADDOPS)

    def multiplication(self) -> A.Expr:
        return self._left_assoc(self.unary, self._MULOPS)

    def _left_assoc(self, operand: Callable[[], A.Expr], operators: dict[str, str]) -> A.Expr:
        """`operand (op operand)*` for the operators of one precedence level, associating to the left."""
        left = operand()
        base = self.depth
        while self.tok.kind in operators:
            op = self.advance()
            self._nest(op)  # left-recursive in CEL.g4: each operator nests the parse tree one level deeper
            left = A.Call(op.pos, operators[op.kind], [left, operand()])
        self.depth = base
        return left

    def unary(self) -> A.Expr:
        kind = self.tok.kind
        if kind == "!":
            first = self.tok
            count = 0
            while self.tok.kind == "!":
                self.advance()
                count += 1
            operand = self.member()
            return A.Call(first.pos, "!_", [operand]) if count % 2 else operand
        if kind == "-":
            first = self.tok
            count = 0
            j = self.i
            while self.tokens[j].kind == "-":
                j += 1
                count += 1
            if count == 1 and self.tokens[j].kind in ("int", "double"):
                return self.member()  # a signed literal
            self.i = j
            operand = self.member()
            return A.Call(first.pos, "-_", [operand]) if count % 2 else operand
        return self.member()

    def member(self) -> A.Expr:
        e = self.primary()
        while True:
            kind = self.tok.kind
            if kind == ".":
                dot = self.advance()
                opt = self.accept("?") is not None
                t = self.tok
                if t.kind == "ident":
                    self.advance()
                    name = t.text
                    if not opt and self.tok.kind == "(":
                        self.advance()
                        args = self.expr_list(")")
                        e = self.receiver_call(t.pos, name, e, args)
                        continue
                elif t.kind == "escident":
                    self.advance()
                    name = t.text[1:-1]
                else:
                    self.error_unexpected("IDENTIFIER")
                    raise AssertionError
                if opt:
                    e = A.Call(dot.pos, "_?._", [e, A.Const(t.pos, name, "string")])
                else:
                    e = A.Select(dot.pos, e, name)
            elif kind == "[":
                op = self.advance()
                opt = self.accept("?") is not None
                index = self.expr()
                self.expect("]")
                e = A.Call(op.pos, "_[?_]" if opt else "_[_]", [e, index])
            else:
                return e

    def expr_list(self, close: str) -> list[A.Expr]:
        args: list[A.Expr] = []
        if self.accept(close):
            return args
        while True:
            args.append(self.expr())
            if self.accept(close):
                return args
            self.expect(",")

    def primary(self) -> A.Expr:
        t = self.tok
        kind = t.kind
        if kind in ("int", "uint", "double", "str", "true", "false", "null"):
            self.advance()
            return self.literal(t, negative=False)
        if kind == "-" and self.peek().kind in ("int", "double"):
            self.advance()
            num = self.advance()
            return self.literal(num, negative=True, pos=t.pos)
        if kind == "ident" or (kind == "." and self.peek().kind == "ident"):
            leading = ""
            if kind == ".":
                self.advance()
                leading = "."
            ident = self.advance()
            name = ident.text
            if self.tok.kind == "(":
                if name in RESERVED:
                    raise ParseError(f"reserved identifier: {name}", ident.pos)
                self.advance()
                args = self.expr_list(")")
                return self.global_call(ident.pos, leading + name, args)
            # Message construction: IDENT ('.' IDENT)* '{'
            j = self.i
            parts = [name]
            while self.tokens[j].kind == "." and self.tokens[j + 1].kind == "ident":
                parts.append(self.tokens[j + 1].text)
                j += 2
            if self.tokens[j].kind == "{":
                self.i = j + 1
                return self.create_struct(ident.pos, leading + ".".join(parts))
            if name in RESERVED:
                raise ParseError(f"reserved identifier: {name}", ident.pos)
            return A.Ident(ident.pos, leading + name)
        if kind == "(":
            self.advance()
            e = self.expr()
            self.expect(")")
            return e
        if kind == "[":
            self.advance()
            elements: list[A.Expr] = []
            optional: set[int] = set()
            while self.tok.kind != "]":
                if self.accept("?"):
                    optional.add(len(elements))
                elements.append(self.expr())
                if not self.accept(","):
                    break
            self.expect("]")
            return A.CreateList(t.pos, elements, frozenset(optional))
        if kind == "{":
            self.advance()
            entries: list[A.MapEntry] = []
            while self.tok.kind != "}":
                opt = self.accept("?") is not None
                key = self.expr()
                self.expect(":")
                value = self.expr()
                entries.append(A.MapEntry(key, value, opt))
                if not self.accept(","):
                    break
            self.expect("}")
            return A.CreateMap(t.pos, entries)
        self.error_unexpected()
        raise AssertionError

    def create_struct(self, pos: int, name: str) -> A.Expr:
        fields: list[tuple[str, A.Expr, bool]] = []
        while self.tok.kind != "}":
            opt = self.accept("?") is not None
            t = self.tok
            if t.kind == "ident":
                fname = t.text
            elif t.kind == "escident":
                fname = t.text[1:-1]
            else:
                self.error_unexpected("IDENTIFIER")
                raise AssertionError
            self.advance()
            self.expect(":")
            fields.append((fname, self.expr(), opt))
            if not self.accept(","):
                break
        self.expect("}")
        return A.CreateStruct(pos, name, fields)

    def literal(self, t: Token, negative: bool, pos: Optional[int] = None) -> A.Expr:
        p = t.pos if pos is None else pos
        kind = t.kind
        text = t.text
        if kind == "int":
            v = int(text[2:], 16) if text.startswith("0x") else int(text)
            if negative:
                v = -v
            if not INT64_MIN <= v <= INT64_MAX:
                raise ParseError(f"invalid int literal: {'-' if negative else ''}{text}", p)
            return A.Const(p, v, "int")
        if kind == "uint":
            body = text[:-1]
            v = int(body[2:], 16) if body.startswith("0x") else int(body)
            if v > UINT64_MAX:
                raise ParseError(f"invalid uint literal: {text}", p)
            return A.Const(p, v, "uint")
        if kind == "double":
            v = float(text)
            return A.Const(p, -v if negative else v, "double")
        if kind == "str":
            try:
                skind, value = _string_literal(text)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ParseError(f"Syntax error: {exc}", p) from None
            return A.Const(p, value, skind)
        if kind == "true":
            return A.Const(p, True, "bool")
        if kind == "false":
            return A.Const(p, False, "bool")
        return A.Const(p, None, "null_type")

    # -- macros (cel-go parser/macro.go, ext/comprehensions.go, ext/lists.go sortBy, optional optMap/optFlatMap)
    def global_call(self, pos: int, name: str, args: list[A.Expr]) -> A.Expr:
        if name == "has" and len(args) == 1:
            arg = args[0]
            if isinstance(arg, A.Select) and not arg.test_only:
                return A.Select(arg.pos, arg.operand, arg.field, test_only=True)
            raise ParseError("invalid argument to has() macro", pos)
        return A.Call(pos, name, args)

    def _var(self, e: A.Expr) -> str:
        if not isinstance(e, A.Ident) or e.name.startswith("."):
            raise ParseError("argument must be a simple name", e.pos)
        return e.name

    def receiver_call(self, pos: int, name: str, target: A.Expr, args: list[A.Expr]) -> A.Expr:
        n = len(args)
        if name in ("all", "exists", "exists_one", "existsOne") and n in (2, 3):
            if n == 2 and name == "existsOne":
                return A.Call(pos, name, args, target)
            kind = "exists_one" if name in ("exists_one", "existsOne") else name
            if n == 2:
                return A.Comprehension(pos, kind, target, self._var(args[0]), None, args[1])
            v1, v2 = self._two_vars(args[0], args[1])
            return A.Comprehension(pos, kind, target, v1, v2, args[2])
        if name == "map" and n in (2, 3):
            v = self._var(args[0])
            if n == 2:
                return A.Comprehension(pos, "map", target, v, None, None, args[1])
            return A.Comprehension(pos, "map", target, v, None, args[1], args[2])
        if name == "filter" and n == 2:
            return A.Comprehension(pos, "filter", target, self._var(args[0]), None, args[1])
        if name in ("transformList", "transformMap", "transformMapEntry") and n in (3, 4):
            v1, v2 = self._two_vars(args[0], args[1])
            if n == 3:
                return A.Comprehension(pos, name, target, v1, v2, None, args[2])
            return A.Comprehension(pos, name, target, v1, v2, args[2], args[3])
        if name in ("optMap", "optFlatMap") and n == 2:
            return A.Comprehension(pos, name, target, self._var(args[0]), None, None, args[1])
        if name == "sortBy" and n == 2:
            return A.Comprehension(pos, "sortBy", target, self._var(args[0]), None, None, args[1])
        return A.Call(pos, name, args, target)

    def _two_vars(self, a: A.Expr, b: A.Expr) -> tuple[str, str]:
        v1 = self._var(a)
        v2 = self._var(b)
        if v1 == v2:
            raise ParseError(f"duplicate variable name: {v2}", b.pos)
        for v, e in ((v1, a), (v2, b)):
            if v == "__result__":
                raise ParseError("iteration variable overwrites accumulator variable", e.pos)
        return v1, v2


def _balance(function: str, terms: list[A.Expr], ops: list[Token]) -> A.Expr:
    """A chain of `&&` or `||` as a balanced tree (cel-go parser/helper.go balancer), so long chains stay shallow."""
    if len(terms) == 1:
        return terms[0]
    mid = (len(ops) + 1) // 2 - 1
    left = _balance(function, terms[: mid + 1], ops[:mid])
    right = _balance(function, terms[mid + 1:], ops[mid + 1:])
    return A.Call(ops[mid].pos, function, [left, right])


def parse(text: str) -> A.Expr:
    """Parse CEL source; raises ParseError(message, offset)."""
    limit = sys.getrecursionlimit()
    if limit < 12000:
        sys.setrecursionlimit(12000)
    try:
        return Parser(text).parse()
    except RecursionError:
        raise ParseError("expression recursion limit exceeded", 0) from None


def line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column (in code points) of an offset, as cel-go reports them."""
    line = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    return line, pos - start + 1
