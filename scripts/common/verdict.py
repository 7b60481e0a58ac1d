"""One verdict rule for every claim of every paper.

A claim's evidence is a set of per-run values (one value per independent run: a training seed,
or a seed x environment when a claim is stratified). Steps or episodes within one run are never
resampling units. From these values we take a 95% Student-t interval:

- ``paired`` (one value per run, e.g. a paired difference FDT - DT of the same seed): the
  t-interval of the mean, ``mean +- t_{n-1} * sd / sqrt(n)``;
- ``two-sample`` (the claim compares two sets of runs that are not paired, e.g. agents trained
  on a learned reward against agents trained on the native one): Welch's t-interval of the
  difference of means;
- ``ratio`` statistics are handled on the log scale (log values, paired or Welch), and the
  interval is mapped back with exp, so it is the interval of a ratio of geometric means.

The t-interval widens with small n (t_{2, 0.975} = 4.30 at n = 3), unlike a percentile
bootstrap, which at n = 3 can only return order statistics of three numbers (a zero-width
interval when two of them agree). No interval is given from fewer than ``MIN_RUNS`` runs (per
arm, for two-sample claims).

Verdicts:

- ``holds``: the interval excludes the null in the paper's direction;
- ``contradicted``: it excludes the null in the other direction;
- ``not shown at this scale``: otherwise (the interval contains the null, too few runs, or
  every run gave the same value, so the interval has zero width);
- ``not run at this scale``: the claim's target is left out at this scale (the manifest's reason).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
from scipy import stats as st

MIN_RUNS = 3
CONFIDENCE = 0.95
HOLDS = "holds"
CONTRADICTED = "contradicted"
NOT_SHOWN = "not shown at this scale"
NOT_RUN = "not run at this scale"
VERDICTS = (HOLDS, CONTRADICTED, NOT_SHOWN, NOT_RUN)
DIRECTIONS = ("greater", "less")
KINDS = ("difference", "ratio", "value")
INTERVAL_NAME = ("95% Student-t interval over runs (paired: of the mean per-run value; "
                 "unpaired: Welch's interval of the difference of means; ratios on the log scale)")


@dataclass(frozen=True)
class Interval:
    """Point estimate and interval of a statistic, over ``n`` runs (``n_b``: second arm)."""
    point: float
    low: float
    high: float
    n: int
    n_b: int = 0

    @property
    def has_interval(self) -> bool:
        return np.isfinite(self.low) and np.isfinite(self.high)


@dataclass(frozen=True)
class Verdict:
    verdict: str
    interval: Interval
    reason: str = ""
    values: tuple = field(default=(), compare=False)

    def ours(self, digits: int = 2) -> str:
        """'1.23 [0.45, 2.01]', or the point with the run count when there is no interval."""
        return fmt_interval(self.interval, digits)


def _clean(values: Optional[Sequence[float]]) -> np.ndarray:
    data = np.asarray([] if values is None else values, dtype=float).ravel()
    return data[np.isfinite(data)]


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE,
               min_runs: int = MIN_RUNS) -> Interval:
    """Mean and Student-t interval of per-run values; NaN bounds below ``min_runs`` runs."""
    x = _clean(values)
    n = int(x.size)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    point = float(np.mean(x))
    if n < min_runs:
        return Interval(point, float("nan"), float("nan"), n)
    half = float(st.t.ppf(0.5 + confidence / 2, n - 1)) * float(np.std(x, ddof=1)) / math.sqrt(n)
    return Interval(point, point - half, point + half, n)


def welch_interval(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE,
                   min_runs: int = MIN_RUNS) -> Interval:
    """Difference of means mean(a) - mean(b) with Welch's t-interval (unpaired runs)."""
    x, y = _clean(a), _clean(b)
    nx, ny = int(x.size), int(y.size)
    if nx == 0 or ny == 0:
        return Interval(float("nan"), float("nan"), float("nan"), nx, ny)
    point = float(np.mean(x) - np.mean(y))
    if nx < min_runs or ny < min_runs:
        return Interval(point, float("nan"), float("nan"), nx, ny)
    vx, vy = float(np.var(x, ddof=1)) / nx, float(np.var(y, ddof=1)) / ny
    se = math.sqrt(vx + vy)
    if se == 0.0:
        return Interval(point, point, point, nx, ny)
    dof = (vx + vy) ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1))
    half = float(st.t.ppf(0.5 + confidence / 2, dof)) * se
    return Interval(point, point - half, point + half, nx, ny)


def statistic_interval(values: Sequence[float], baseline: Optional[Sequence[float]] = None, *,
                       kind: str = "difference", confidence: float = CONFIDENCE,
                       min_runs: int = MIN_RUNS) -> Interval:
    """The claim's statistic and its interval.

    ``values``: per-run values (paired statistics: already the per-run difference or ratio;
    two-sample: the first arm's per-run values). ``baseline``: the second arm's per-run values,
    for claims whose runs are not paired. ``kind='ratio'``: positive values, handled on the log
    scale and mapped back (a ratio of two arms is mean(values) / mean(baseline) in geometric
    means)."""
    if kind not in KINDS:
        raise ValueError(f"unknown statistic kind {kind!r} (one of {', '.join(KINDS)})")
    a = _clean(values)
    b = None if baseline is None else _clean(baseline)
    if kind == "ratio":
        if np.any(a <= 0) or (b is not None and np.any(b <= 0)):
            raise ValueError("a ratio statistic needs positive per-run values")
        a = np.log(a)
        b = None if b is None else np.log(b)
    iv = (t_interval(a, confidence, min_runs) if b is None
          else welch_interval(a, b, confidence, min_runs))
    if kind == "ratio":
        iv = Interval(math.exp(iv.point) if np.isfinite(iv.point) else float("nan"),
                      math.exp(iv.low) if np.isfinite(iv.low) else float("nan"),
                      math.exp(iv.high) if np.isfinite(iv.high) else float("nan"), iv.n, iv.n_b)
    return iv


def decide(interval: Interval, null: float, direction: str) -> str:
    """holds / contradicted / not shown, from an interval, the null value and the direction."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    if not interval.has_interval:
        return NOT_SHOWN
    above, below = interval.low > null, interval.high < null
    if (above and direction == "greater") or (below and direction == "less"):
        return HOLDS
    if above or below:
        return CONTRADICTED
    return NOT_SHOWN


def verdict(values: Optional[Sequence[float]], *, null: float, direction: str,
            kind: str = "difference", baseline: Optional[Sequence[float]] = None,
            left_out: str = "", confidence: float = CONFIDENCE,
            min_runs: int = MIN_RUNS) -> Verdict:
    """The verdict of one claim on its per-run values (see the module docstring).

    ``left_out``: the manifest's reason when the claim's target is not built at this scale;
    the values are then ignored and the verdict is 'not run at this scale'."""
    if left_out:
        return Verdict(NOT_RUN, Interval(float("nan"), float("nan"), float("nan"), 0), left_out)
    iv = statistic_interval(values, baseline, kind=kind, confidence=confidence, min_runs=min_runs)
    if iv.has_interval and iv.low == iv.high:
        # every run gave the same value: a zero-width interval is no evidence of a direction
        return Verdict(NOT_SHOWN, iv, "every run gave the same value: no spread, no interval",
                       tuple(_clean(values)))
    label = decide(iv, null, direction)
    if iv.n == 0:
        reason = "no runs"
    elif not iv.has_interval:
        reason = (f"fewer than {min_runs} runs" + (" per arm" if baseline is not None else "")
                  + ": no interval")
    elif label == NOT_SHOWN:
        reason = f"the interval contains the null ({null:g})"
    else:
        reason = ""
    return Verdict(label, iv, reason, tuple(_clean(values)))


def fmt_interval(iv: Interval, digits: int = 2) -> str:
    if not np.isfinite(iv.point):
        return "–"
    if not iv.has_interval:
        return f"{iv.point:.{digits}f} (no CI)"
    if iv.low == iv.high:
        return f"{iv.point:.{digits}f} (no spread, no CI)"
    return f"{iv.point:.{digits}f} [{iv.low:.{digits}f}, {iv.high:.{digits}f}]"


def runs_label(iv: Interval) -> str:
    return f"{iv.n} vs {iv.n_b}" if iv.n_b else str(iv.n)
