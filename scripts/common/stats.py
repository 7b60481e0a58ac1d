"""Aggregation over seeds: mean or IQM with a 95% bootstrap confidence interval.

Tidy evaluation rows have the columns in ``TIDY_COLUMNS``. A point estimate is
taken over seeds (each seed first averaged over its episodes), and the CI comes
from a percentile bootstrap over seeds with a fixed random state, so tables are
reproducible bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

TIDY_COLUMNS = ["paper", "experiment", "method", "env", "seed", "step", "metric", "value"]
BOOTSTRAP_SEED = 12345
MIN_RUNS = 3  # no interval from fewer runs (as the verdict rule, scripts/common/verdict.py)


def tidy_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Build a tidy evaluation frame, failing if a column is missing."""
    frame = pd.DataFrame(list(rows))
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"tidy rows lack column(s): {', '.join(missing)}")
    return frame[TIDY_COLUMNS + [c for c in frame.columns if c not in TIDY_COLUMNS]]


def iqm(values: Sequence[float] | np.ndarray, axis: int = -1) -> np.ndarray | float:
    """Interquartile mean: the mean of the middle 50% (scipy's 25% trimmed mean)."""
    return st.trim_mean(np.asarray(values, dtype=float), 0.25, axis=axis)


def mean(values: Sequence[float] | np.ndarray, axis: int = -1) -> np.ndarray | float:
    return np.mean(np.asarray(values, dtype=float), axis=axis)


ESTIMATORS: dict[str, Callable] = {"mean": mean, "iqm": iqm}


@dataclass(frozen=True)
class Estimate:
    point: float
    low: float
    high: float
    n: int

    def fmt(self, digits: int = 1) -> str:
        if self.n < MIN_RUNS or not np.isfinite(self.low):
            return f"{self.point:.{digits}f} (n={self.n})"
        return f"{self.point:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def bootstrap_ci(values: Sequence[float] | np.ndarray, estimator: str = "mean",
                 confidence: float = 0.95, n_resamples: int = 10_000,
                 seed: int = BOOTSTRAP_SEED) -> Estimate:
    """Point estimate and percentile-bootstrap CI over seeds, for describing a table's numbers.

    Below ``MIN_RUNS`` (3) values there is no interval (NaN bounds), and with all values equal it
    collapses; it is never invented. Verdicts on claims never use this interval: at 3-5 seeds a
    percentile bootstrap can only return order statistics of the data, so the one verdict rule
    (scripts/common/verdict.py) uses a t-interval instead.
    """
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    fn = ESTIMATORS[estimator]
    if data.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    point = float(fn(data))
    if data.size < MIN_RUNS:
        return Estimate(point, float("nan"), float("nan"), int(data.size))
    if np.all(data == data[0]):
        return Estimate(point, point, point, int(data.size))
    res = st.bootstrap((data,), fn, confidence_level=confidence, n_resamples=n_resamples,
                       method="percentile", vectorized=True, random_state=seed)
    return Estimate(point, float(res.confidence_interval.low),
                    float(res.confidence_interval.high), int(data.size))


def aggregate(frame: pd.DataFrame, by: list[str], value: str = "value",
              estimator: str = "mean", seed_col: str = "seed") -> pd.DataFrame:
    """Per group: average each seed's rows, then estimate and CI over seeds."""
    per_seed = frame.groupby(by + [seed_col], dropna=False)[value].mean().reset_index()
    rows = []
    for keys, group in per_seed.groupby(by, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        est = bootstrap_ci(group[value].to_numpy(), estimator)
        rows.append({**dict(zip(by, keys)), "estimator": estimator, "point": est.point,
                     "ci_low": est.low, "ci_high": est.high, "n_seeds": est.n})
    return pd.DataFrame(rows)


def correlations(x: Sequence[float], y: Sequence[float]) -> dict[str, float]:
    """Pearson and Spearman correlations (NaN when fewer than 3 points or no variance)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 3 or np.std(x) == 0 or np.std(y) == 0:
        return {"pearson": float("nan"), "spearman": float("nan"), "n": int(x.size)}
    return {"pearson": float(st.pearsonr(x, y)[0]), "spearman": float(st.spearmanr(x, y)[0]),
            "n": int(x.size)}
