"""Run admission over a stream of samples, in this process or in a process pool, results in input order.

The pool is forked after the policies are compiled, so workers inherit the compiled dispatcher instead of
compiling again. Samples go out in chunks with a bounded number in flight, so memory stays flat however long
the stream is. Small runs (fewer than two chunks per worker) stay in-process: starting workers would cost
more than it saves.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Iterable, Iterator

from migrator.admission.dispatcher import Dispatcher
from migrator.sources.samples import Sample
from migrator.verify.results import policy_flags, sample_result

Outcome = tuple[dict[str, Any], dict[str, tuple[bool, bool, bool, bool, int]], bool]

CHUNK = 32
IN_FLIGHT_PER_JOB = 4

_DISPATCHER: Dispatcher | None = None  # set in the parent before forking; inherited by workers


def evaluate(dispatcher: Dispatcher, sample: Sample) -> Outcome:
    """(result, per-policy flags, invalid) for one sample."""
    if sample.error is not None or sample.request is None:
        return sample_result(sample, None), {}, True
    decision = dispatcher.dispatch(sample.request)
    return sample_result(sample, decision), policy_flags(decision), False


def _evaluate_chunk(chunk: list[Sample]) -> list[Outcome]:
    assert _DISPATCHER is not None, "worker started without a dispatcher"
    return [evaluate(_DISPATCHER, s) for s in chunk]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _chunks(samples: Iterable[Sample], size: int) -> Iterator[list[Sample]]:
    it = iter(samples)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def run(samples: Iterable[Sample], dispatcher: Dispatcher, jobs: int = 1) -> Iterator[Outcome]:
    """Outcomes for `samples`, in their order."""
    chunks = _chunks(samples, CHUNK)
    head: list[list[Sample]] = []
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            head.append(chunk)
            if len(head) >= 2 * jobs:
                break
        if len(head) >= 2 * jobs:
            yield from _run_pool(itertools.chain(head, chunks), dispatcher, jobs)
            return
    for chunk in itertools.chain(head, chunks):
        for sample in chunk:
            yield evaluate(dispatcher, sample)


def _run_pool(chunks: Iterator[list[Sample]], dispatcher: Dispatcher, jobs: int) -> Iterator[Outcome]:
    global _DISPATCHER
    _DISPATCHER = dispatcher
    window: deque[Future] = deque()
    limit = jobs * IN_FLIGHT_PER_JOB
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        try:
            for chunk in chunks:
                window.append(pool.submit(_evaluate_chunk, chunk))
                while len(window) >= limit:
                    yield from window.popleft().result()
            while window:
                yield from window.popleft().result()
        finally:
            for fut in window:
                fut.cancel()
            _DISPATCHER = None
