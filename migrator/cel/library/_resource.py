"""A port of k8s.io/apimachinery/pkg/api/resource.Quantity (quantity.go, amount.go, math.go, suffix.go).

Kubernetes keeps a quantity either as an int64 mantissa with a decimal scale (`int64Amount`) or, when that
cannot hold it, as an arbitrary-precision decimal (`inf.Dec`). Which one is in use is observable from CEL:
`isInteger()`/`asInteger()` fail for the decimal form even when the value is whole, and `String()` keeps the
original text only in some cases. So this is a faithful port of the representation, not a Decimal wrapper.
"""

from __future__ import annotations

from migrator.cel.library._gostd import INT64_MAX, INT64_MIN, go_div, go_rem

DECIMAL_EXPONENT = "DecimalExponent"
BINARY_SI = "BinarySI"
DECIMAL_SI = "DecimalSI"

NANO = -9
SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

MAX_INT64_FACTORS = 18

_DEC_SUFFIX = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BIN_SUFFIX = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_CONSTRUCT = {v: k for k, v in _DEC_SUFFIX.items()}
_BIN_CONSTRUCT = {v: k for k, v in _BIN_SUFFIX.items()}


class QuantityError(ValueError):
    pass


def _fits(v: int) -> bool:
    return INT64_MIN <= v <= INT64_MAX


def _wrap32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


# ---- math.go -------------------------------------------------------------------------------------------

def int64_add(a: int, b: int) -> tuple[int, bool]:
    c = a + b
    return (c, True) if _fits(c) else (0, False)


def int64_multiply(a: int, b: int) -> tuple[int, bool]:
    c = a * b
    return (c, True) if _fits(c) else (0, False)


def positive_scale_int64(base: int, scale: int) -> tuple[int, bool]:
    if base == 0 or scale <= 0:
        return base, True
    if scale > 19:  # |base| >= 1, so base * 10**scale cannot fit in int64 (Go fails on the way)
        return 0, False
    c = base * 10**scale
    return (c, True) if _fits(c) else (0, False)


def negative_scale_int64(base: int, scale: int) -> tuple[int, bool]:
    if scale == 0:
        return base, True
    value = base
    fraction = False
    for _ in range(scale):
        if not fraction and go_rem(value, 10) != 0:
            fraction = True
        value = go_div(value, 10)
        if value == 0:
            if fraction:
                return (1, False) if base > 0 else (-1, False)
            return 0, True
    if fraction:
        value = value + 1 if base > 0 else value - 1
    return value, not fraction


def divide_by_scale_int64(base: int, scale: int) -> tuple[int, int, bool]:
    if scale == 0:
        return base, 0, True
    if scale >= 18:
        return 0, base, False
    divisor = 10**scale
    return go_div(base, divisor), go_rem(base, divisor), True


def remove_int_factors(value: int, base: int) -> tuple[int, int]:
    times = 0
    negative = value < 0
    result = -value if negative else value
    while result >= base and result % base == 0:
        times += 1
        result //= base
    return (-result if negative else result), times


def remove_big_int_factors(d: int, factor: int) -> tuple[int, int]:
    times = 0
    while d != 0:
        q, m = divmod(abs(d), factor)
        if m != 0:
            break
        times += 1
        d = q if d > 0 else -q
    return d, times


# ---- inf.Dec: value = unscaled * 10**-scale ------------------------------------------------------------

# Beyond this many digits a decimal is refused instead of computed: Go's inf.Dec would grind through
# numbers such as 10**2000000000 (quantity("1e2000000000") against a decimal); migrator must not hang.
MAX_DIGITS = 100_000


def _pow10(n: int) -> int:
    if n > MAX_DIGITS:
        raise QuantityError("quantity exponent too large to evaluate")
    return 10**n


class Dec:
    __slots__ = ("unscaled", "scale")

    def __init__(self, unscaled: int, scale: int) -> None:
        self.unscaled = unscaled
        self.scale = scale

    def copy(self) -> "Dec":
        return Dec(self.unscaled, self.scale)

    def normalized(self) -> tuple[int, int]:
        """(unscaled, scale) without trailing zeros: equal values give equal pairs (used for hashing)."""
        u, sc = self.unscaled, self.scale
        if u == 0:
            return 0, 0
        while u % 10 == 0:
            u //= 10
            sc -= 1
        return u, sc

    def sign(self) -> int:
        return (self.unscaled > 0) - (self.unscaled < 0)

    def cmp(self, other: "Dec") -> int:
        sa, sb = self.sign(), other.sign()
        if sa != sb:
            return (sa > sb) - (sa < sb)
        if sa == 0:
            return 0
        # Compare magnitudes by their number of integer digits first, so huge exponents stay cheap.
        ea = len(str(abs(self.unscaled))) - self.scale
        eb = len(str(abs(other.unscaled))) - other.scale
        if ea != eb:
            r = 1 if ea > eb else -1
            return r if sa > 0 else -r
        s = max(self.scale, other.scale)
        a = self.unscaled * _pow10(s - self.scale)
        b = other.unscaled * _pow10(s - other.scale)
        return (a > b) - (a < b)

    def round_up(self, scale: int) -> "Dec":
        """inf.Dec.Round(x, scale, inf.RoundUp): away from zero."""
        if scale >= self.scale:
            if self.unscaled == 0:
                return Dec(0, scale)
            return Dec(self.unscaled * _pow10(scale - self.scale), scale)
        drop = self.scale - scale
        if self.unscaled == 0:
            return Dec(0, scale)
        if drop > len(str(abs(self.unscaled))):
            return Dec(1 if self.unscaled > 0 else -1, scale)  # all digits dropped, rounded away from zero
        q, r = divmod(abs(self.unscaled), _pow10(drop))
        if r:
            q += 1
        return Dec(q if self.unscaled >= 0 else -q, scale)

    def add(self, other: "Dec") -> "Dec":
        s = max(self.scale, other.scale)
        return Dec(self.unscaled * _pow10(s - self.scale) + other.unscaled * _pow10(s - other.scale), s)

    def neg(self) -> "Dec":
        return Dec(-self.unscaled, self.scale)


def _dec_set_string(s: str) -> Dec | None:
    """inf.Dec.SetString: optional sign, digits with at most one '.', at least one digit."""
    body = s
    neg = False
    if body[:1] in ("+", "-"):
        neg = body[0] == "-"
        body = body[1:]
    if body.count(".") > 1:
        return None
    whole, _, frac = body.partition(".")
    digits = whole + frac
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    v = int(digits)
    return Dec(-v if neg else v, len(frac))


# ---- Quantity ------------------------------------------------------------------------------------------

class Quantity:
    """resource.Quantity: `i` = (value, scale) int64Amount, or `d` = Dec; `s` the cached string; `format`."""

    __slots__ = ("i_value", "i_scale", "d", "s", "format")

    def __init__(self, i_value: int = 0, i_scale: int = 0, d: Dec | None = None, s: str = "", format: str = DECIMAL_SI):
        self.i_value = i_value
        self.i_scale = i_scale
        self.d = d
        self.s = s
        self.format = format

    def deep_copy(self) -> "Quantity":
        return Quantity(self.i_value, self.i_scale, self.d.copy() if self.d is not None else None, self.s, self.format)

    # value helpers
    def _i_as_dec(self) -> Dec:
        return Dec(self.i_value, -self.i_scale)

    def as_dec(self) -> Dec:
        """Quantity.AsDec: switches the quantity to its decimal form (a visible mutation in Go)."""
        if self.d is None:
            self.d = self._i_as_dec()
            self.i_value, self.i_scale = 0, 0
        return self.d

    def value_key(self) -> tuple[int, int]:
        """A hashable key equal for equal values, whatever the representation."""
        return (self.d if self.d is not None else self._i_as_dec()).normalized()

    def is_zero(self) -> bool:
        if self.d is not None:
            return self.d.sign() == 0
        return self.i_value == 0

    def sign(self) -> int:
        if self.d is not None:
            return self.d.sign()
        return (self.i_value > 0) - (self.i_value < 0)

    # int64Amount methods
    @staticmethod
    def _i_cmp(av: int, ascale: int, bv: int, bscale: int) -> int:
        if ascale == bscale:
            pass
        elif ascale > bscale:
            result, remainder, exact = divide_by_scale_int64(bv, ascale - bscale)
            if not exact:
                return Dec(av, -ascale).cmp(Dec(bv, -bscale))
            if result == av:
                if remainder == 0:
                    return 0
                return -1 if remainder > 0 else 1
            bv = result
        else:
            result, remainder, exact = divide_by_scale_int64(av, bscale - ascale)
            if not exact:
                return Dec(av, -ascale).cmp(Dec(bv, -bscale))
            if result == bv:
                if remainder == 0:
                    return 0
                return 1 if remainder > 0 else -1
            av = result
        return (av > bv) - (av < bv)

    def _i_add(self, bv: int, bscale: int) -> bool:
        av, ascale = self.i_value, self.i_scale
        if bv == 0:
            return True
        if av == 0:
            self.i_value, self.i_scale = bv, bscale
            return True
        if ascale == bscale:
            c, ok = int64_add(av, bv)
            if not ok:
                return False
            self.i_value = c
        elif ascale > bscale:
            c, ok = positive_scale_int64(av, ascale - bscale)
            if not ok:
                return False
            c, ok = int64_add(c, bv)
            if not ok:
                return False
            self.i_value, self.i_scale = c, bscale
        else:
            c, ok = positive_scale_int64(bv, bscale - ascale)
            if not ok:
                return False
            c, ok = int64_add(av, c)
            if not ok:
                return False
            self.i_value = c
        return True

    def as_int64(self) -> tuple[int, bool]:
        if self.d is not None:
            return 0, False
        if self.i_scale == 0:
            return self.i_value, True
        if self.i_scale < 0:
            return 0, False
        return positive_scale_int64(self.i_value, self.i_scale)

    def cmp(self, y: "Quantity") -> int:
        """Quantity.Cmp (pointer receiver: converts self to decimal form when either side is decimal)."""
        if self.d is None and y.d is None:
            return self._i_cmp(self.i_value, self.i_scale, y.i_value, y.i_scale)
        yd = y.d if y.d is not None else y._i_as_dec()
        return self.as_dec().cmp(yd)

    def cmp_int64(self, v: int) -> int:
        if self.d is not None:
            return self.d.cmp(Dec(v, 0))
        return self._i_cmp(self.i_value, self.i_scale, v, 0)

    def add(self, y: "Quantity") -> None:
        self.s = ""
        if self.d is None and y.d is None:
            if self.i_value == 0:
                self.format = y.format
            if self._i_add(y.i_value, y.i_scale):
                return
        elif self.is_zero():
            self.format = y.format
        yd = y.d if y.d is not None else y._i_as_dec()
        self.d = self.as_dec().add(yd)

    def sub(self, y: "Quantity") -> None:
        self.s = ""
        if self.is_zero():
            self.format = y.format
        if self.d is None and y.d is None and self._i_add(-y.i_value, y.i_scale):
            return
        yd = y.d if y.d is not None else y._i_as_dec()
        self.d = self.as_dec().add(yd.neg())

    def as_approximate_float64(self) -> float:
        if self.d is not None:
            try:
                base = float(self.d.unscaled)
            except OverflowError:
                base = float("inf") if self.d.unscaled > 0 else float("-inf")
            exponent = -self.d.scale
        else:
            base = float(self.i_value)
            exponent = self.i_scale
        if exponent == 0:
            return base
        return base * pow10(exponent)

    # canonical form
    def _canonical_bytes(self) -> tuple[str, str]:
        if self.is_zero():
            return "0", ""
        fmt = self.format
        rounded: tuple[str, object] | None = None
        if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
            pass
        elif fmt == BINARY_SI:
            if self.cmp_int64(-1024) > 0 and self.cmp_int64(1024) < 0:
                fmt = DECIMAL_SI
            else:
                rounded, exact = self._as_scale0()
                if not exact:
                    fmt = DECIMAL_SI
        else:
            fmt = DECIMAL_EXPONENT
        if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
            number, exponent = self._as_canonical_bytes()
            return number, _construct_suffix(10, exponent, fmt)
        assert rounded is not None
        number, exponent = _as_canonical_base1024(rounded)
        return number, _construct_suffix(2, exponent * 10, fmt)

    def _as_scale0(self) -> tuple[tuple[str, object], bool]:
        if self.d is not None:
            r = self.d.round_up(0)
            return ("d", r), r.cmp(self.d) == 0
        if self.i_scale >= 0:
            return ("i", (self.i_value, self.i_scale)), True
        result, exact = negative_scale_int64(self.i_value, -self.i_scale)
        return ("i", (result, 0)), exact

    def _as_canonical_bytes(self) -> tuple[str, int]:
        if self.d is not None:
            return _dec_canonical(self.d)
        amount, times = remove_int_factors(self.i_value, 10)
        exponent = self.i_scale + times
        r = exponent % 3
        if r == 1:
            amount, ok = int64_multiply(amount, 10)
            if not ok:
                return _dec_canonical(self._i_as_dec())
            exponent -= 1
        elif r == 2:
            amount, ok = int64_multiply(amount, 100)
            if not ok:
                return _dec_canonical(self._i_as_dec())
            exponent -= 2
        return str(amount), exponent

    def __str__(self) -> str:
        if not self.s:
            number, suffix = self._canonical_bytes()
            self.s = number + suffix
        return self.s


def _dec_canonical(d: Dec) -> tuple[str, int]:
    amount, times = remove_big_int_factors(d.unscaled, 10)
    exponent = -d.scale + times
    while exponent % 3 != 0:
        amount *= 10
        exponent -= 1
    return str(amount), exponent


def _as_canonical_base1024(rounded: tuple[str, object]) -> tuple[str, int]:
    kind, val = rounded
    if kind == "d":
        d = val.round_up(0)  # type: ignore[union-attr]
        amount, exponent = remove_big_int_factors(d.unscaled, 1024)
        return str(amount), exponent
    value, scale = val  # type: ignore[misc]
    if scale >= 0:
        v, ok = positive_scale_int64(value, scale)
    else:
        v, ok = negative_scale_int64(value, -scale)
        ok = True
    if not ok:
        d = Dec(value, -scale).round_up(0)
        amount, exponent = remove_big_int_factors(d.unscaled, 1024)
        return str(amount), exponent
    amount, exponent = remove_int_factors(v, 1024)
    return str(amount), exponent


def _construct_suffix(base: int, exponent: int, fmt: str) -> str:
    if fmt == DECIMAL_SI:
        if base == 10:
            return _DEC_CONSTRUCT.get(exponent, "")
        return ""  # (2, 0) maps to "" and nothing else exists for base 2 in the decimal table
    if fmt == BINARY_SI:
        if base == 2:
            return _BIN_CONSTRUCT.get(exponent, "")
        return ""
    if fmt == DECIMAL_EXPONENT:
        if base != 10 or exponent == 0:
            return ""
        return "e" + str(exponent)
    return ""


_POW10TAB = [float(f"1e{i}") for i in range(32)]
_POW10POS32 = [float(f"1e{i * 32}") for i in range(10)]
_POW10NEG32 = [float(f"1e-{i * 32}") for i in range(11)]


def pow10(n: int) -> float:
    """Go's math.Pow10 (table based; +Inf above 308, 0 below -323)."""
    if 0 <= n <= 308:
        return _POW10POS32[n // 32] * _POW10TAB[n % 32]
    if -323 <= n <= 0:
        return _POW10NEG32[(-n) // 32] / _POW10TAB[(-n) % 32]
    return float("inf") if n > 0 else 0.0


# ---- parsing -------------------------------------------------------------------------------------------

def _parse_quantity_string(s: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, value, num, denom, suffix) or QuantityError(ERR_FORMAT_WRONG)."""
    positive = True
    pos = 0
    end = len(s)
    if pos < end:
        if s[0] == "-":
            positive = False
            pos += 1
        elif s[0] == "+":
            pos += 1
    # leading zeros
    i = pos
    while True:
        if i >= end:
            return positive, "0", "0", "", ""
        if s[i] == "0":
            pos += 1
            i += 1
            continue
        break
    i = pos
    while True:
        if i >= end:
            return positive, s[0:end], s[pos:end], "", ""
        if "0" <= s[i] <= "9":
            i += 1
            continue
        num = s[pos:i]
        pos = i
        break
    if len(num) == 0:
        num = "0"
    denom = ""
    if pos < end and s[pos] == ".":
        pos += 1
        i = pos
        while True:
            if i >= end:
                return positive, s[0:end], num, s[pos:end], ""
            if "0" <= s[i] <= "9":
                i += 1
                continue
            denom = s[pos:i]
            pos = i
            break
    value = s[0:pos]
    suffix_start = pos
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if s[i] not in "eEinumkKMGTP":
            pos = i
            break
        i += 1
    if pos < end and s[pos] in "-+":
        pos += 1
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if "0" <= s[i] <= "9":
            i += 1
            continue
        break
    raise QuantityError(ERR_FORMAT_WRONG)


def _interpret_suffix(suffix: str) -> tuple[int, int, str] | None:
    if suffix in _DEC_SUFFIX:
        return 10, _DEC_SUFFIX[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIX:
        return 2, _BIN_SUFFIX[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "Ee":
        body = suffix[1:]
        digits = body[1:] if body[:1] in ("+", "-") else body
        if not digits or not digits.isdigit():
            return None
        parsed = int(body)
        if not _fits(parsed):
            return None
        return 10, _wrap32(parsed), DECIMAL_EXPONENT
    return None


def parse_quantity(s: str) -> Quantity:
    """resource.ParseQuantity."""
    if len(s) == 0:
        raise QuantityError(ERR_FORMAT_WRONG)
    if s == "0":
        return Quantity(format=DECIMAL_SI, s=s)
    positive, value, num, denom, suf = _parse_quantity_string(s)
    interpreted = _interpret_suffix(suf)
    if interpreted is None:
        raise QuantityError(ERR_SUFFIX)
    base, exponent, fmt = interpreted

    precision = 0
    scale = 0
    mantissa = 1
    if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
        scale = exponent
        precision = MAX_INT64_FACTORS - (len(num) + len(denom))
    else:
        scale = 0
        if exponent >= 0 and len(denom) == 0:
            mantissa = mantissa << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            precision = -1

    if precision >= 0:
        scale -= len(denom)
        if scale >= NANO:
            shifted = num + denom
            if not _fits(int(shifted)):
                raise QuantityError(ERR_NUMERIC)
            ivalue = int(shifted)
            result, ok = int64_multiply(ivalue, mantissa)
            if ok:
                if not positive:
                    result = -result
                cache = ""
                if fmt == BINARY_SI:
                    if exponent % 10 == 0 and (ivalue & 0x07) != 0:
                        cache = s
                elif scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
                    cache = s
                return Quantity(result, scale, None, cache, fmt)

    amount = _dec_set_string(value)
    if amount is None:
        raise QuantityError(ERR_NUMERIC)
    if base == 10:
        amount = Dec(amount.unscaled, amount.scale - exponent)
    else:
        amount = Dec(amount.unscaled << exponent, amount.scale)
    sign = amount.sign()
    if sign == -1:
        amount = amount.neg()
    if amount.unscaled != 0:
        amount = amount.round_up(-NANO)
    if fmt == BINARY_SI and amount.cmp(Dec(INT64_MAX, 0)) > 0:
        amount = Dec(INT64_MAX, 0)
    if fmt == BINARY_SI and amount.cmp(Dec(1, 0)) < 0 and amount.cmp(Dec(0, 0)) > 0:
        fmt = DECIMAL_SI
    if sign == -1:
        amount = amount.neg()
    return Quantity(0, 0, amount, "", fmt)


def new_quantity(value: int, fmt: str) -> Quantity:
    """resource.NewQuantity."""
    return Quantity(value, 0, None, "", fmt)
