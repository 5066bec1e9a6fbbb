"""Prometheus text-format scrapes (the API server's /metrics) -> plain samples.

Parsing is prometheus_client's text parser (the reference Python implementation of the exposition format,
histograms and escapes included); this module only adds file handling and an error that names the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from migrator.errors import InputError


@dataclass(frozen=True)
class Sample:
    """One sample line: full sample name (with `_bucket`/`_count`/`_sum` suffix), labels, value."""

    name: str
    labels: dict[str, str]
    value: float


@dataclass
class Scrape:
    """All samples of one scrape file (one API server at one moment)."""

    source: str
    samples: list[Sample] = field(default_factory=list)

    def named(self, *names: str) -> list[Sample]:
        wanted = set(names)
        return [s for s in self.samples if s.name in wanted]


def parse_prometheus_text(text: str, source: str) -> Scrape:
    """Parse a whole scrape; a malformed line raises InputError naming `source` and the line number."""
    from prometheus_client.parser import text_string_to_metric_families

    scrape = Scrape(source)
    try:
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                scrape.samples.append(Sample(s.name, dict(s.labels), float(s.value)))
    except Exception:  # the library raises ValueError/IndexError/KeyError without a position: find the line
        lineno, message = _first_bad_line(text)
        raise InputError(source, f"invalid Prometheus text format: {message}", f"line {lineno}") from None
    return scrape


def _first_bad_line(text: str) -> tuple[int, str]:
    from prometheus_client.parser import text_string_to_metric_families

    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            list(text_string_to_metric_families(stripped + "\n"))
        except Exception as exc:  # noqa: BLE001 - any failure of the parser is a bad line
            return lineno, f"{exc or type(exc).__name__}: {stripped[:80]!r}"
    return 0, "cannot parse"


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Quantile from cumulative (upper bound, count) buckets, interpolated linearly inside the bucket
    as Prometheus' histogram_quantile does. NaN without a +Inf bucket or without observations."""
    if not buckets:
        return math.nan
    buckets = sorted(buckets)
    if not math.isinf(buckets[-1][0]):
        return math.nan
    # Prometheus fixes non-monotonic counts (precision loss) by carrying the maximum forward.
    fixed: list[tuple[float, float]] = []
    running = 0.0
    for bound, count in buckets:
        running = max(running, count)
        fixed.append((bound, running))
    total = fixed[-1][1]
    if total <= 0:
        return math.nan
    rank = q * total
    index = next(i for i, (_, count) in enumerate(fixed) if count >= rank)
    if index == len(fixed) - 1:  # in the +Inf bucket: the highest finite bound
        return fixed[-2][0] if len(fixed) > 1 else math.nan
    if index == 0 and fixed[0][0] <= 0:
        return fixed[0][0]
    upper, count = fixed[index]
    lower, below = (0.0, 0.0) if index == 0 else fixed[index - 1]
    if count == below:
        return upper
    return lower + (upper - lower) * (rank - below) / (count - below)
