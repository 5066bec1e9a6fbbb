"""cel-go sets and lists extensions. Expectations from google/cel-go ext/sets_test.go (TestSets) and
ext/lists_test.go (TestLists, TestListsRuntimeErrors). Mixed-type list literals are passed as variables,
since Kubernetes type-checks literals as homogeneous."""

from __future__ import annotations

import pytest
from libcheck import runtime_error, value


@pytest.mark.parametrize(
    "expr, variables",
    [
        ("sets.contains([], [])", {}),
        ("sets.contains([1], [])", {}),
        ("sets.contains([1, 1], [1])", {}),
        ("sets.contains([2, 1], [1])", {}),
        ("sets.contains(a, b)", {"a": [1], "b": [1.0, 1]}),
        ("sets.contains(a, b)", {"a": [[1], [2, 3]], "b": [[2, 3.0]]}),
        ("!sets.contains([1], [2])", {}),
        ("!sets.contains(a, b)", {"a": [1], "b": [1.1, 1]}),
        ("sets.equivalent([], [])", {}),
        ("sets.equivalent([1], [1, 1])", {}),
        ("sets.equivalent(a, b)", {"a": [1, 2, 3], "b": [3, 2.0, 1]}),
        ("!sets.equivalent([1, 2], [2, 2, 2])", {}),
        ("sets.intersects([1], [1, 2])", {}),
        ("sets.intersects(a, b)", {"a": [1], "b": [1.0, 2]}),
        ("!sets.intersects(a, b)", {"a": [1], "b": ["1", 2]}),
        ("!sets.intersects([], [1])", {}),
    ],
)
def test_sets(expr, variables):
    assert value(expr, **variables) is True


@pytest.mark.parametrize(
    "expr, variables",
    [
        ("lists.range(4) == [0, 1, 2, 3]", {}),
        ("lists.range(0) == []", {}),
        ("[5, 1, 2, 3].reverse() == [3, 2, 1, 5]", {}),
        ("[1, 2, 3, 4].slice(1, 3) == [2, 3]", {}),
        ("[1, 2, 3, 4].slice(0, 0) == []", {}),
        ("[[1], [2], [3, 4]].flatten() == [1, 2, 3, 4]", {}),
        ("x.flatten() == y", {"x": [1, [2, [3, 4]]], "y": [1, 2, [3, 4]]}),
        ("x.flatten(2) == [1, 2, 3, 4]", {"x": [1, [2, [3, 4]]]}),
        ("dyn([1, 2, 3, 4]).flatten() == [1, 2, 3, 4]", {}),
        ("[4, 3, 2, 1].sort() == [1, 2, 3, 4]", {}),
        ("['d', 'a', 'b', 'c'].sort() == ['a', 'b', 'c', 'd']", {}),
        ("[].sort() == []", {}),
        ("[-2, 5, -2, 1, 1, 5, -2, 1].distinct() == [-2, 5, 1]", {}),
        ("x.distinct() == y", {"x": [1, 2.0, "c", 3, "c", 1], "y": [1, 2.0, "c", 3]}),
        ("[[1], [1], [2]].distinct() == [[1], [2]]", {}),
        ("lists.range(3).sortBy(e, -e) == [2, 1, 0]", {}),
        ("['a', 'c', 'b', 'first'].sortBy(e, e == 'first' ? '' : e) == ['first', 'a', 'b', 'c']", {}),
        ("[{'name': 'foo'}, {'name': 'bar'}].sortBy(e, e.name) == [{'name': 'bar'}, {'name': 'foo'}]", {}),
    ],
)
def test_lists(expr, variables):
    assert value(expr, **variables) is True


@pytest.mark.parametrize(
    "expr, message",
    [
        ("[1, 2, 3, 4].slice(3, 0)", "cannot slice(3, 0), start index must be less than or equal to end index"),
        ("[1, 2, 3, 4].slice(0, 10)", "cannot slice(0, 10), list is length 4"),
        ("[1, 2, 3, 4].slice(-5, 10)", "cannot slice(-5, 10), negative indexes not supported"),
        ("[].flatten(-1)", "level must be non-negative"),
        ("dyn({}).flatten()", "no such overload"),
        ("[].flatten(dyn('1'))", "no such overload"),
    ],
)
def test_list_errors(expr, message):
    assert runtime_error(expr).startswith(message)


def test_sort_of_mixed_types_is_an_error():
    assert runtime_error("x.sort()", x=["d", 3]) == "list elements must have the same type"


def test_sort_is_go_sort_slice_not_a_stable_sort():
    # ext/lists.go sortListByAssociatedKeys uses sort.Slice (pdqsort): up to 12 elements it is an insertion
    # sort, so equal keys keep their order; longer lists are partitioned and equal keys may be reordered.
    short = [{"k": i % 2, "i": i} for i in range(12)]
    assert [e["i"] for e in value("xs.sortBy(e, e.k)", xs=short)] == [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]
    long = [{"k": i % 3, "i": i} for i in range(20)]
    result = value("xs.sortBy(e, e.k)", xs=long)
    assert [e["k"] for e in result] == sorted(e["k"] for e in long)
    assert sorted(e["i"] for e in result) == list(range(20))


def test_go_sort_slice_sorts():
    import random

    from migrator.cel.library._gosort import sort_slice

    rng = random.Random(7)
    for n in (0, 1, 13, 51, 200, 1000):
        xs = [rng.randint(0, n // 3 + 1) for _ in range(n)]
        ys = list(xs)
        sort_slice(ys, lambda a, b: a < b)
        assert ys == sorted(xs)
    for xs in (list(range(300, 0, -1)), list(range(300)), [5] * 300):
        ys = list(xs)
        sort_slice(ys, lambda a, b: a < b)
        assert ys == sorted(xs)


def test_range_beyond_the_per_call_cost_limit_is_refused():
    assert runtime_error("lists.range(2000000).size()") == "operation cancelled: actual cost limit exceeded"
    assert value("lists.range(-1) == []") is True


@pytest.mark.parametrize("expr,expected", [
    # cel-go ext/sets.go uses the runtime's Equal, so sets agree with `==`: timestamps and durations to the
    # nanosecond (common/types/timestamp.go Equal compares time.Time), NaN never equal (common/types/double.go).
    ("sets.contains([timestamp('2020-01-01T00:00:00.000000001Z')], [timestamp('2020-01-01T00:00:00Z')])", False),
    ("sets.contains([duration('1ns')], [duration('2ns')])", False),
    ("sets.intersects([double('NaN')], [double('NaN')])", False),
    # lists sort/isSorted order timestamps and durations by their nanoseconds (Compare in the same files).
    ("[duration('2ns'), duration('1ns')].isSorted()", False),
    ("[timestamp('2020-01-01T00:00:00.000000002Z'), timestamp('2020-01-01T00:00:00.000000001Z')].sort()[0]"
     " == timestamp('2020-01-01T00:00:00.000000001Z')", True),
])
def test_library_equality_and_order_match_the_engine(expr, expected):
    assert value(expr) is expected
