"""Small helpers shared by the benchmarks."""

from __future__ import annotations


def pct(values: list[float], p: float) -> float:
    """The p-quantile (0..1) with linear interpolation; NaN for no values."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
