"""cel-go's value semantics over cel-python's value classes (celpy.celtypes).

Where cel-python's own operators differ from cel-go (heterogeneous numeric equality and ordering, overflow,
NaN, bool vs int, error messages) the functions here decide, citing cel-go common/types/*.go.
"""

from __future__ import annotations

import datetime
import math
import re
import zoneinfo
from functools import lru_cache
from typing import Any, Callable

import celpy
from celpy import celtypes

from migrator.cel.errors import EvaluationError
from migrator.cel.types import OptionalValue, TypeValue, runtime_type_name

IntType = celtypes.IntType
UintType = celtypes.UintType
DoubleType = celtypes.DoubleType
BoolType = celtypes.BoolType
StringType = celtypes.StringType
BytesType = celtypes.BytesType
ListType = celtypes.ListType
MapType = celtypes.MapType
TimestampType = celtypes.TimestampType
DurationType = celtypes.DurationType

INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_new_int = int.__new__
_new_float = float.__new__
_new_str = str.__new__

TRUE = _new_int(BoolType, 1)
FALSE = _new_int(BoolType, 0)

# Value kinds, for fast dispatch on type(value).
K_BOOL, K_INT, K_UINT, K_DOUBLE, K_STRING, K_BYTES, K_LIST, K_MAP, K_NULL, K_TS, K_DUR, K_TYPE, K_OPT, K_OTHER = range(14)
_KINDS: dict[type, int] = {
    BoolType: K_BOOL, bool: K_BOOL, IntType: K_INT, int: K_INT, UintType: K_UINT, DoubleType: K_DOUBLE,
    float: K_DOUBLE, StringType: K_STRING, str: K_STRING, BytesType: K_BYTES, bytes: K_BYTES, ListType: K_LIST,
    list: K_LIST, tuple: K_LIST, MapType: K_MAP, dict: K_MAP, type(None): K_NULL, TimestampType: K_TS,
    datetime.datetime: K_TS, DurationType: K_DUR, datetime.timedelta: K_DUR, TypeValue: K_TYPE, OptionalValue: K_OPT,
}
_NUMERIC = (K_INT, K_UINT, K_DOUBLE)


def kind(v: Any) -> int:
    k = _KINDS.get(type(v))
    if k is not None:
        return k
    for cls, kk in list(_KINDS.items()):
        if cls is not tuple and isinstance(v, cls) and not (kk == K_LIST and isinstance(v, (str, bytes))):
            if kk in (K_INT,) and isinstance(v, bool):
                kk = K_BOOL
            _KINDS[type(v)] = kk
            return kk
    _KINDS[type(v)] = K_OTHER
    return K_OTHER


def register_library_class(cls: type) -> None:
    """Values of a library type are opaque to the core operators (compared with their own __eq__/__lt__)."""
    _KINDS[cls] = K_OTHER


def err(message: str) -> EvaluationError:
    return EvaluationError(message)


def no_overload(name: str, *args: Any) -> EvaluationError:
    types = ", ".join(runtime_type_name(a) for a in args)
    return EvaluationError(f"no such overload: {name}({types})" if args else f"no such overload: {name}")


# -- constructors that skip celtypes' slow __new__ -------------------------------------------------------

def mk_int(v: int) -> Any:
    if INT64_MIN <= v <= INT64_MAX:
        return _new_int(IntType, v)
    raise EvaluationError("integer overflow")


def mk_uint(v: int) -> Any:
    if 0 <= v <= UINT64_MAX:
        return _new_int(UintType, v)
    raise EvaluationError("unsigned integer overflow")


def mk_double(v: float) -> Any:
    return _new_float(DoubleType, v)


def mk_bool(v: bool) -> Any:
    return TRUE if v else FALSE


def mk_string(v: str) -> Any:
    return _new_str(StringType, v)


def normalize(v: Any) -> Any:
    """Python natives returned by library code -> celtypes."""
    t = type(v)
    if t is bool:
        return TRUE if v else FALSE
    if t is int:
        return mk_int(v)
    if t is float:
        return mk_double(v)
    if t is str:
        return mk_string(v)
    if t is bytes:
        return BytesType(v)
    if t is list or t is tuple:
        return ListType([normalize(x) for x in v])
    if t is dict:
        m = MapType()
        for k, x in v.items():
            dict.__setitem__(m, normalize(k), normalize(x))
        return m
    if t is datetime.datetime:
        return TimestampType(v)
    if t is datetime.timedelta:
        return DurationType(v)
    return v


# -- equality and ordering (cel-go common/types: heterogeneous numeric equality, CrossTypeNumericComparisons)

def cel_equal(a: Any, b: Any) -> bool:
    ka = kind(a)
    kb = kind(b)
    if ka == kb:  # fast paths: celtypes' own __eq__ are Python-level and refuse some pairings
        if ka == K_STRING:
            return str.__eq__(a, b)
        if ka == K_INT or ka == K_UINT or ka == K_BOOL:
            return int.__eq__(a, b)
    if ka != kb:
        if ka in _NUMERIC and kb in _NUMERIC:
            if ka == K_DOUBLE or kb == K_DOUBLE:
                # cel-go Int.Equal(Double) / compareIntDouble: the integer is converted to double
                return float(a) == float(b)
            return int(a) == int(b)
        return False
    if ka == K_LIST:
        if len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if not cel_equal(x, y):
                return False
        return True
    if ka == K_MAP:
        if len(a) != len(b):
            return False
        for k, v in a.items():
            found, other = map_lookup(b, k)
            if not found or not cel_equal(v, other):
                return False
        return True
    if ka == K_DOUBLE:
        return float(a) == float(b)
    if ka == K_TS:
        return timestamp_ns(a) == timestamp_ns(b)
    if ka == K_DUR:
        return duration_ns(a) == duration_ns(b)
    if ka == K_OTHER:
        if type(a) is not type(b):
            return False
        try:
            return bool(a == b)
        except Exception:
            return False
    return bool(a == b) if ka != K_NULL else True


def compare(a: Any, b: Any, op: str) -> int | None:
    """-1/0/1, or None when unordered (NaN). Raises no such overload for incomparable types."""
    ka = kind(a)
    kb = kind(b)
    if ka in _NUMERIC and kb in _NUMERIC:
        if ka == K_DOUBLE or kb == K_DOUBLE:
            # cel-go compareIntDouble/compareUintDouble: integers are compared as doubles
            fa = float(a)
            fb = float(b)
            if math.isnan(fa) or math.isnan(fb):
                return None
        else:
            fa, fb = int(a), int(b)
        return -1 if fa < fb else (1 if fa > fb else 0)
    if ka == kb and ka in (K_STRING, K_BYTES, K_BOOL, K_TS, K_DUR):
        if ka == K_TS:
            a, b = timestamp_ns(a), timestamp_ns(b)
        elif ka == K_DUR:
            a, b = duration_ns(a), duration_ns(b)
        elif ka == K_BOOL:
            a, b = bool(a), bool(b)
        elif ka == K_STRING:
            a, b = str(a), str(b)
        return -1 if a < b else (1 if a > b else 0)
    if ka == kb == K_OTHER and type(a) is type(b):
        try:
            return -1 if a < b else (1 if a > b else 0)
        except TypeError:
            pass
    raise no_overload(op, a, b)


def map_lookup(m: Any, key: Any) -> tuple[bool, Any]:
    """Key lookup with cel-go semantics: numeric keys of different types are equal; bool is not 1."""
    k = kind(key)
    if k == K_BOOL:
        for mk, mv in m.items():
            if kind(mk) == K_BOOL and bool(mk) == bool(key):
                return True, mv
        return False, None
    if k == K_DOUBLE:
        f = float(key)
        if not f.is_integer():
            return False, None
        key = int(f)
    elif k not in (K_INT, K_UINT, K_STRING):
        if k in (K_NULL, K_LIST, K_MAP, K_OPT):
            raise EvaluationError(f"unsupported key type: {runtime_type_name(key)}")
        try:
            return (True, m[key]) if key in m else (False, None)
        except TypeError:
            return False, None
    if k == K_STRING:
        v = dict.get(m, key, _MISSING)
        return (False, None) if v is _MISSING else (True, v)
    # numeric keys: int, uint and integral double keys are the same key (celtypes' own __eq__ refuses to
    # compare IntType with UintType, so compare plain integers)
    n = int(key)
    for mk, mv in m.items():
        kk = kind(mk)
        if (kk == K_INT or kk == K_UINT) and int(mk) == n:
            return True, mv
    return False, None


_MISSING = object()


def contains(container: Any, item: Any) -> bool:
    """`item in container` (list: heterogeneous equality; map: key presence)."""
    k = kind(container)
    if k == K_LIST:
        ki = kind(item)
        if ki in (K_STRING, K_INT) and ki != K_BOOL:
            for x in container:
                kx = kind(x)
                if (kx == ki or (kx in _NUMERIC and ki in _NUMERIC)) and cel_equal(x, item):
                    return True
            return False
        for x in container:
            if cel_equal(x, item):
                return True
        return False
    if k == K_MAP:
        return map_lookup(container, item)[0]
    raise no_overload("@in", item, container)


# -- arithmetic (cel-go common/types/int.go, uint.go, double.go, timestamp.go, duration.go) -------------

_NS_MAX = 2**63 - 1
_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_TS_MIN = datetime.datetime(1, 1, 1, tzinfo=_UTC)
_TS_MAX = datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=_UTC)

# Timestamps and durations keep nanoseconds (cel-go uses time.Time / time.Duration): celtypes' datetime-based
# classes hold microseconds, and the sub-microsecond rest rides along as an attribute (`extra_ns` on a
# timestamp, `total_ns` on a duration) that every operation here takes into account.


def duration_ns(d: datetime.timedelta) -> int:
    ns = getattr(d, "total_ns", None)
    if ns is None:
        ns = ((d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds) * 1000
    return ns


def mk_duration_ns(ns: int) -> Any:
    """A duration from nanoseconds; cel-go durations are Go time.Duration (int64 nanoseconds)."""
    if not -_NS_MAX - 1 <= ns <= _NS_MAX:
        raise EvaluationError("duration overflow")
    d = DurationType(datetime.timedelta(microseconds=_trunc_div(ns, 1000)))
    if ns % 1000:
        d.total_ns = ns
    return d


def timestamp_ns(ts: datetime.datetime) -> int:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=_UTC)
    delta = datetime.datetime.__sub__(ts, _EPOCH)
    us = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return us * 1000 + getattr(ts, "extra_ns", 0)


def mk_timestamp_ns(ns: int) -> Any:
    """A timestamp from nanoseconds since the epoch; range 0001-01-01..9999-12-31 as cel-go checks it."""
    us, extra = divmod(ns, 1000)
    try:
        dt = _EPOCH + datetime.timedelta(microseconds=us)
    except OverflowError:
        raise EvaluationError("timestamp overflow") from None
    t = TimestampType(dt)
    if extra:
        t.extra_ns = extra
    return t


def mk_timestamp(dt: datetime.datetime) -> Any:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_UTC)
    return TimestampType(dt)


def _duration_us(d: datetime.timedelta) -> int:
    return _trunc_div(duration_ns(d), 1000)


def add(a: Any, b: Any) -> Any:
    ka = kind(a)
    kb = kind(b)
    if ka == kb:
        if ka == K_INT:
            return mk_int(int(a) + int(b))
        if ka == K_DOUBLE:
            return mk_double(float(a) + float(b))
        if ka == K_STRING:
            return mk_string(str(a) + str(b))
        if ka == K_UINT:
            return mk_uint(int(a) + int(b))
        if ka == K_LIST:
            return ListType(list(a) + list(b))
        if ka == K_BYTES:
            return BytesType(bytes(a) + bytes(b))
        if ka == K_DUR:
            return mk_duration_ns(duration_ns(a) + duration_ns(b))
    elif ka == K_TS and kb == K_DUR:
        return mk_timestamp_ns(timestamp_ns(a) + duration_ns(b))
    elif ka == K_DUR and kb == K_TS:
        return mk_timestamp_ns(timestamp_ns(b) + duration_ns(a))
    raise no_overload("_+_", a, b)


def sub(a: Any, b: Any) -> Any:
    ka = kind(a)
    kb = kind(b)
    if ka == kb:
        if ka == K_INT:
            return mk_int(int(a) - int(b))
        if ka == K_DOUBLE:
            return mk_double(float(a) - float(b))
        if ka == K_UINT:
            return mk_uint(int(a) - int(b))
        if ka == K_DUR:
            return mk_duration_ns(duration_ns(a) - duration_ns(b))
        if ka == K_TS:
            return mk_duration_ns(timestamp_ns(a) - timestamp_ns(b))
    elif ka == K_TS and kb == K_DUR:
        return mk_timestamp_ns(timestamp_ns(a) - duration_ns(b))
    raise no_overload("_-_", a, b)


def mul(a: Any, b: Any) -> Any:
    ka = kind(a)
    if ka == kind(b):
        if ka == K_INT:
            return mk_int(int(a) * int(b))
        if ka == K_DOUBLE:
            return mk_double(float(a) * float(b))
        if ka == K_UINT:
            return mk_uint(int(a) * int(b))
    raise no_overload("_*_", a, b)


def _go_div(x: int, y: int) -> int:
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y >= 0) else -q


def div(a: Any, b: Any) -> Any:
    ka = kind(a)
    if ka == kind(b):
        if ka == K_INT:
            x, y = int(a), int(b)
            if y == 0:
                raise EvaluationError("division by zero")
            if x == INT64_MIN and y == -1:
                raise EvaluationError("integer overflow")
            return _new_int(IntType, _go_div(x, y))
        if ka == K_DOUBLE:
            x, y = float(a), float(b)
            if y == 0.0:
                if x == 0.0 or math.isnan(x):
                    return mk_double(math.nan)
                neg = (x < 0) != (math.copysign(1.0, y) < 0)
                return mk_double(-math.inf if neg else math.inf)
            return mk_double(x / y)
        if ka == K_UINT:
            if int(b) == 0:
                raise EvaluationError("division by zero")
            return _new_int(UintType, int(a) // int(b))
    raise no_overload("_/_", a, b)


def mod(a: Any, b: Any) -> Any:
    ka = kind(a)
    if ka == kind(b):
        if ka == K_INT:
            x, y = int(a), int(b)
            if y == 0:
                raise EvaluationError("modulus by zero")
            if x == INT64_MIN and y == -1:
                raise EvaluationError("integer overflow")
            return _new_int(IntType, x - _go_div(x, y) * y)
        if ka == K_UINT:
            if int(b) == 0:
                raise EvaluationError("modulus by zero")
            return _new_int(UintType, int(a) % int(b))
    raise no_overload("_%_", a, b)


def neg(a: Any) -> Any:
    k = kind(a)
    if k == K_INT:
        return mk_int(-int(a))
    if k == K_DOUBLE:
        return mk_double(-float(a))
    if k == K_DUR:
        return mk_duration_ns(-duration_ns(a))
    raise no_overload("-_", a)


def logical_not(a: Any) -> Any:
    if kind(a) == K_BOOL:
        return FALSE if a else TRUE
    raise no_overload("!_", a)


# -- indexing and selection ------------------------------------------------------------------------------

def index(container: Any, key: Any) -> Any:
    k = kind(container)
    if k == K_LIST:
        kk = kind(key)
        if kk == K_INT or kk == K_UINT:
            i = int(key)
        elif kk == K_DOUBLE:
            f = float(key)
            if not f.is_integer():
                raise EvaluationError(f"unsupported index value: {f}")
            i = int(f)
        else:
            raise no_overload("_[_]", container, key)
        if 0 <= i < len(container):
            return container[i]
        raise EvaluationError(f"index out of bounds: {i}")
    if k == K_MAP:
        found, v = map_lookup(container, key)
        if found:
            return v
        raise EvaluationError(f"no such key: {format_key(key)}")
    if k == K_OPT:
        return opt_index(container, key)
    if k == K_OTHER and hasattr(container, "cel_index"):
        return container.cel_index(key)
    raise no_overload("_[_]", container, key)


def format_key(key: Any) -> str:
    if kind(key) == K_BOOL:
        return "true" if key else "false"
    return str(key)


def select(operand: Any, field: str) -> Any:
    k = kind(operand)
    if k == K_MAP:
        if type(operand) is MapType or type(operand) is dict:
            v = dict.get(operand, field, _MISSING)
        else:  # a lazy mapping (e.g. admission variables): go through its own lookup
            try:
                v = operand[field]
            except KeyError:
                v = _MISSING
        if v is _MISSING:
            raise EvaluationError(f"no such key: {field}")
        if isinstance(v, celpy.CELEvalError):
            raise EvaluationError(str(v.args[0] if v.args else v))
        return v
    if k == K_OPT:
        # a plain select after `.?`: the chain stays optional (cel-go attribute qualification on optionals)
        if not operand.present:
            return operand
        inner = operand.value
        ki = kind(inner)
        if ki == K_MAP or (ki == K_OTHER and hasattr(inner, "cel_has")):
            found, v = has_field(inner, field)
            return OptionalValue(v) if found else OptionalValue(None, False)
        raise EvaluationError(f"no such key: {field}")
    if k == K_OTHER:
        getter = getattr(operand, "cel_select", None)
        if getter is not None:
            return getter(field)
    if k == K_LIST:
        raise EvaluationError(f"unsupported index type 'string' in list")
    # cel-go interpreter/attributes.go refQualify: anything else (null, primitives) is a missing key
    raise EvaluationError(f"no such key: {field}")


def has_field(operand: Any, field: str, select_missing: bool = False) -> tuple[bool, Any]:
    k = kind(operand)
    if k == K_MAP:
        if type(operand) is MapType or type(operand) is dict:
            v = dict.get(operand, field, _MISSING)
            return (False, None) if v is _MISSING else (True, v)
        return (True, None) if field in operand else (False, None)
    if k == K_OTHER:
        tester = getattr(operand, "cel_has", None)
        if tester is not None:
            found = tester(field)
            return (found, operand.cel_select(field) if found else None)
    if k == K_OPT:
        if not operand.present:
            return False, None
        return has_field(operand.value, field)
    if k == K_LIST:  # refQualify: a list indexed by a field name is an error even in a presence test
        raise EvaluationError("unsupported index type 'string' in list")
    # refQualify default case: a presence test on null or a primitive is false (Kubernetes does not enable
    # cel.EnableErrorOnBadPresenceTest)
    return False, None


def opt_select(operand: Any, field: str) -> Any:
    """`operand.?field` (cel-go optional field selection)."""
    k = kind(operand)
    if k == K_OPT:
        if not operand.present:
            return operand
        operand = operand.value
        k = kind(operand)
    if k == K_MAP or (k == K_OTHER and hasattr(operand, "cel_has")):
        found, v = has_field(operand, field)
        return OptionalValue(v) if found else OptionalValue(None, False)
    return OptionalValue(None, False)


def opt_index(container: Any, key: Any) -> Any:
    """`container[?key]`: optional.none() when the key or index is absent."""
    k = kind(container)
    if k == K_OPT:
        if not container.present:
            return container
        container = container.value
        k = kind(container)
    if k == K_LIST:
        kk = kind(key)
        if kk in (K_INT, K_UINT) or (kk == K_DOUBLE and float(key).is_integer()):
            i = int(key)
            return OptionalValue(container[i]) if 0 <= i < len(container) else OptionalValue(None, False)
        raise no_overload("_[?_]", container, key)
    if k == K_MAP:
        found, v = map_lookup(container, key)
        return OptionalValue(v) if found else OptionalValue(None, False)
    raise no_overload("_[?_]", container, key)


# -- sizes, strings --------------------------------------------------------------------------------------

def size(v: Any) -> Any:
    k = kind(v)
    if k in (K_STRING, K_BYTES, K_LIST, K_MAP):
        return _new_int(IntType, len(v))
    if k == K_OTHER and hasattr(v, "cel_size"):
        return mk_int(v.cel_size())
    raise no_overload("size", v)


@lru_cache(maxsize=512)
def compile_re2(pattern: str) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options=options)
    except Exception as exc:  # re2.error
        raise EvaluationError(f"invalid regular expression '{pattern}': {exc}") from None


def matches(s: Any, pattern: Any) -> Any:
    if kind(s) != K_STRING or kind(pattern) != K_STRING:
        raise no_overload("matches", s, pattern)
    return mk_bool(compile_re2(str(pattern)).search(str(s)) is not None)


def _strings(name: str, s: Any, t: Any) -> tuple[str, str]:
    if kind(s) != K_STRING or kind(t) != K_STRING:
        raise no_overload(name, s, t)
    return str(s), str(t)


def str_contains(s: Any, t: Any) -> Any:
    a, b = _strings("contains", s, t)
    return mk_bool(b in a)


def str_starts(s: Any, t: Any) -> Any:
    a, b = _strings("startsWith", s, t)
    return mk_bool(a.startswith(b))


def str_ends(s: Any, t: Any) -> Any:
    a, b = _strings("endsWith", s, t)
    return mk_bool(a.endswith(b))


# -- conversions (cel-go common/types/*.go ConvertToType) ----------------------------------------------

def format_double(f: float) -> str:
    """Go's fmt %g (shortest digits; exponent form when exp < -4 or exp >= 6), as cel-go's string(double)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    import decimal

    _sign, digit_tuple, exponent = decimal.Decimal(repr(abs(f))).normalize().as_tuple()
    digits = "".join(str(d) for d in digit_tuple)
    dp = len(digits) + int(exponent)
    x = dp - 1
    sign = "-" if f < 0 else ""
    if x < -4 or x >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return f"{sign}{digits}{'0' * (dp - len(digits))}"
    return f"{sign}{digits[:dp]}.{digits[dp:]}"


def to_string(v: Any) -> Any:
    k = kind(v)
    if k == K_STRING:
        return v
    if k == K_INT or k == K_UINT:
        return mk_string(str(int(v)))
    if k == K_DOUBLE:
        return mk_string(format_double(float(v)))
    if k == K_BOOL:
        return mk_string("true" if v else "false")
    if k == K_BYTES:
        try:
            return mk_string(bytes(v).decode("utf-8"))
        except UnicodeDecodeError:
            raise EvaluationError("invalid UTF-8 in bytes, cannot convert to string") from None
    if k == K_TS:
        from migrator.cel.values import format_timestamp

        return mk_string(format_timestamp(v))
    if k == K_DUR:
        from migrator.cel.values import format_duration

        return mk_string(format_duration(v))
    if k == K_OTHER:
        return mk_string(str(v))
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'string'")


_INT_RE = re.compile(r"[+-]?\d+\Z")


def to_int(v: Any) -> Any:
    k = kind(v)
    if k == K_INT:
        return v
    if k == K_UINT:
        if int(v) > INT64_MAX:
            raise EvaluationError("integer overflow")
        return _new_int(IntType, int(v))
    if k == K_DOUBLE:
        f = float(v)
        # cel-go doubleToInt64Checked: NaN, +-Inf and values outside (-2^63, 2^63) are range errors
        if math.isnan(f) or math.isinf(f) or f <= -9223372036854775809.0 or f >= 9223372036854775807.0:
            raise EvaluationError("integer overflow")
        return mk_int(int(f))
    if k == K_STRING:
        s = str(v)
        if _INT_RE.match(s):
            n = int(s)
            if INT64_MIN <= n <= INT64_MAX:
                return _new_int(IntType, n)
        raise EvaluationError(f"type conversion error from 'string' to 'int'")
    if k == K_TS:
        return mk_int(timestamp_ns(v) // 10**9)
    if k == K_BOOL:
        raise EvaluationError("type conversion error from 'bool' to 'int'")
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'int'")


def to_uint(v: Any) -> Any:
    k = kind(v)
    if k == K_UINT:
        return v
    if k == K_INT:
        if int(v) < 0:
            raise EvaluationError("unsigned integer overflow")
        return _new_int(UintType, int(v))
    if k == K_DOUBLE:
        f = float(v)
        if math.isnan(f) or math.isinf(f) or f <= -1.0 or f >= 18446744073709551616.0:
            raise EvaluationError("unsigned integer overflow")
        return mk_uint(int(f))
    if k == K_STRING:
        s = str(v)
        if re.fullmatch(r"\d+", s) and int(s) <= UINT64_MAX:  # strconv.ParseUint: digits only
            return _new_int(UintType, int(s))
        raise EvaluationError("type conversion error from 'string' to 'uint'")
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'uint'")


_FLOAT_RE = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\Z", re.IGNORECASE)


def to_double(v: Any) -> Any:
    k = kind(v)
    if k == K_DOUBLE:
        return v
    if k == K_INT or k == K_UINT:
        return mk_double(float(int(v)))
    if k == K_STRING:
        s = str(v)
        if _FLOAT_RE.match(s):
            f = float(s)
            if math.isinf(f) and "inf" not in s.lower():  # strconv.ParseFloat: out of range is ErrRange
                raise EvaluationError("type conversion error from 'string' to 'double'")
            return mk_double(f)
        raise EvaluationError("type conversion error from 'string' to 'double'")
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'double'")


_BOOL_STRINGS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
                 "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


def to_bool(v: Any) -> Any:
    k = kind(v)
    if k == K_BOOL:
        return v
    if k == K_STRING:
        b = _BOOL_STRINGS.get(str(v))
        if b is not None:
            return mk_bool(b)
        raise EvaluationError("type conversion error from 'string' to 'bool'")
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'bool'")


def to_bytes(v: Any) -> Any:
    k = kind(v)
    if k == K_BYTES:
        return v
    if k == K_STRING:
        return BytesType(str(v).encode("utf-8"))
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'bytes'")


# -- timestamps and durations ----------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))\Z"
)


def parse_timestamp(s: str) -> datetime.datetime:
    """Validate (and return, to the microsecond) an RFC 3339 timestamp; see parse_timestamp_ns."""
    parse_timestamp_ns(s)
    return _parse_rfc3339(s)[0]


def parse_timestamp_ns(s: str) -> int:
    """time.Parse(time.RFC3339, s) -> nanoseconds since the epoch; range 0001-01-01..9999-12-31 (cel-go)."""
    dt, extra = _parse_rfc3339(s)
    ns = timestamp_ns(dt) + extra
    if not timestamp_ns(_TS_MIN) <= ns <= timestamp_ns(_TS_MAX) + 999:
        raise ValueError("timestamp out of range")
    return ns


def _parse_rfc3339(s: str) -> tuple[datetime.datetime, int]:
    m = _RFC3339.match(s)
    if not m:
        raise ValueError(f"cannot parse {s!r} as RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac = (m.group(7) or "")[:9]  # Go accepts any number of fractional digits and keeps nanoseconds
    micro = int((frac + "000000")[:6]) if frac else 0
    extra = int((frac + "000000000")[6:9]) if frac else 0
    if m.group(8):
        tz = datetime.timezone.utc
    else:
        hh, mm = int(m.group(10)), int(m.group(11))
        if hh > 23 or mm > 59:
            raise ValueError("time zone offset out of range")
        off = datetime.timedelta(hours=hh, minutes=mm)
        tz = datetime.timezone(-off if m.group(9) == "-" else off)
    if second == 60:
        raise ValueError("second out of range")
    dt = datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    try:
        return dt.astimezone(datetime.timezone.utc), extra
    except OverflowError:
        raise ValueError("timestamp out of range") from None


def to_timestamp(v: Any) -> Any:
    k = kind(v)
    if k == K_TS:
        return v
    if k == K_STRING:
        try:
            return mk_timestamp_ns(parse_timestamp_ns(str(v)))
        except ValueError:
            raise EvaluationError(f"type conversion error from 'string' to 'google.protobuf.Timestamp'") from None
    if k == K_INT:
        return mk_timestamp_ns(int(v) * 10**9)
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'google.protobuf.Timestamp'")


_DURATION_UNITS = {"ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9,
                   "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(s: str) -> int:
    """Go time.ParseDuration -> nanoseconds."""
    orig = s
    neg = False
    if s[:1] in "+-" and s:
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"invalid duration {orig!r}")
    total = 0
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m or (not m.group(1) and not m.group(2)) or m.end() == pos:
            raise ValueError(f"invalid duration {orig!r}")
        whole = int(m.group(1) or "0")
        frac = m.group(2) or ""
        unit = _DURATION_UNITS[m.group(3)]
        total += whole * unit
        if frac:
            total += int(frac) * unit // (10 ** len(frac))
        if total > 2**63 - (0 if neg else 1):
            raise ValueError(f"invalid duration {orig!r}")
        pos = m.end()
    return -total if neg else total


def to_duration(v: Any) -> Any:
    k = kind(v)
    if k == K_DUR:
        return v
    if k == K_STRING:
        try:
            ns = parse_duration(str(v))
        except ValueError:
            raise EvaluationError("type conversion error from 'string' to 'google.protobuf.Duration'") from None
        return mk_duration_ns(ns)
    raise EvaluationError(f"type conversion error from '{runtime_type_name(v)}' to 'google.protobuf.Duration'")


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // b
    return -q if a < 0 else q


_TZ_OFFSET = re.compile(r"([+-])?(\d{1,2}):(\d{2})\Z")


@lru_cache(maxsize=128)
def time_zone(name: str) -> datetime.tzinfo:
    """cel-go timeZone: IANA names, UTC, or [+-]HH:MM offsets."""
    m = _TZ_OFFSET.match(name)
    if m:
        off = datetime.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return datetime.timezone(-off if m.group(1) == "-" else off)
    if name == "UTC" or name == "":
        return datetime.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except Exception:
        raise EvaluationError(f"unknown time zone {name!r}") from None


def _in_zone(ts: Any, tz: Any) -> datetime.datetime:
    dt = ts if ts.tzinfo else ts.replace(tzinfo=datetime.timezone.utc)
    if tz is None:
        return dt.astimezone(datetime.timezone.utc)
    if kind(tz) != K_STRING:
        raise no_overload("timezone", tz)
    return dt.astimezone(time_zone(str(tz)))


def _ts_getter(fn: Callable[[datetime.datetime], int], name: str) -> Callable[..., Any]:
    def getter(ts: Any, tz: Any = None) -> Any:
        if kind(ts) != K_TS:
            raise no_overload(name, ts)
        return _new_int(IntType, fn(_in_zone(ts, tz)))

    return getter


def _dur_getter(div_us: int, name: str) -> Callable[..., Any]:
    def getter(d: Any) -> Any:
        return _new_int(IntType, _trunc_div(duration_ns(d), div_us * 1000))

    return getter


TIMESTAMP_GETTERS = {
    "getFullYear": _ts_getter(lambda d: d.year, "getFullYear"),
    "getMonth": _ts_getter(lambda d: d.month - 1, "getMonth"),
    "getDate": _ts_getter(lambda d: d.day, "getDate"),
    "getDayOfMonth": _ts_getter(lambda d: d.day - 1, "getDayOfMonth"),
    "getDayOfWeek": _ts_getter(lambda d: (d.weekday() + 1) % 7, "getDayOfWeek"),
    "getDayOfYear": _ts_getter(lambda d: d.timetuple().tm_yday - 1, "getDayOfYear"),
    "getHours": _ts_getter(lambda d: d.hour, "getHours"),
    "getMinutes": _ts_getter(lambda d: d.minute, "getMinutes"),
    "getSeconds": _ts_getter(lambda d: d.second, "getSeconds"),
    "getMilliseconds": _ts_getter(lambda d: d.microsecond // 1000, "getMilliseconds"),
}

DURATION_GETTERS = {
    "getHours": _dur_getter(3600 * 10**6, "getHours"),
    "getMinutes": _dur_getter(60 * 10**6, "getMinutes"),
    "getSeconds": _dur_getter(10**6, "getSeconds"),
    "getMilliseconds": _dur_getter(1000, "getMilliseconds"),
}


def type_name_of(v: Any) -> str:
    return runtime_type_name(v)
