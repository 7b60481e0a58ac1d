"""Statistics with known values."""
from __future__ import annotations

import numpy as np
import pytest

from scripts.common.stats import TIDY_COLUMNS, aggregate, bootstrap_ci, correlations, iqm, tidy_frame


def test_iqm_drops_the_outer_quartiles():
    # 8 values: the middle four are 3, 4, 5, 6
    assert iqm([1, 2, 3, 4, 5, 6, 7, 100]) == pytest.approx(4.5)


def test_bootstrap_ci_contains_the_mean_and_is_reproducible():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    first = bootstrap_ci(values)
    second = bootstrap_ci(values)
    assert first == second
    assert first.point == pytest.approx(3.0)
    assert 1.0 <= first.low < 3.0 < first.high <= 5.0
    assert first.n == 5


def test_bootstrap_ci_degenerate_cases_are_not_invented():
    single = bootstrap_ci([2.0])
    assert single.point == 2.0 and np.isnan(single.low) and single.n == 1
    constant = bootstrap_ci([3.0, 3.0, 3.0])
    assert (constant.low, constant.high) == (3.0, 3.0)
    assert bootstrap_ci([]).n == 0
    # no interval from fewer than 3 runs
    two = bootstrap_ci([1.0, 5.0])
    assert two.point == 3.0 and np.isnan(two.low) and np.isnan(two.high) and two.n == 2


def test_aggregate_averages_episodes_within_a_seed_first():
    rows = [dict(paper="p", experiment="e", method="m", env="x", seed=s, step=0, metric="ret", value=v)
            for s, v in [(0, 1.0), (0, 3.0), (1, 10.0), (2, 20.0)]]
    out = aggregate(tidy_frame(rows), by=["method"])
    # per-seed means are 2, 10, 20 -> mean 32/3
    assert out.loc[0, "point"] == pytest.approx(32 / 3)
    assert out.loc[0, "n_seeds"] == 3


def test_tidy_frame_rejects_missing_columns():
    with pytest.raises(ValueError, match="seed"):
        tidy_frame([{c: 0 for c in TIDY_COLUMNS if c != "seed"}])


def test_correlations_of_a_monotone_relation():
    x = np.arange(10.0)
    out = correlations(x, x ** 3)
    assert out["spearman"] == pytest.approx(1.0)
    assert 0.9 < out["pearson"] < 1.0
    assert np.isnan(correlations([1, 2], [1, 2])["pearson"])
