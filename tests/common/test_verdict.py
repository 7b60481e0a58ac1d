"""The verdict rule with known values (t quantiles from tables: t_{2,.975} = 4.3027,
t_{4,.975} = 2.7764)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scripts.common.scorecard import judge, load_claims, scorecard
from scripts.common.verdict import (CONTRADICTED, HOLDS, NOT_RUN, NOT_SHOWN, fmt_interval,
                                    statistic_interval, t_interval, verdict, welch_interval)

T2 = 4.302652729911275
T4 = 2.7764451051977987


def test_t_interval_known_values_at_n3():
    iv = t_interval([5.0, 6.0, 7.0])
    half = T2 * 1.0 / math.sqrt(3)
    assert iv.point == pytest.approx(6.0)
    assert (iv.low, iv.high) == (pytest.approx(6.0 - half), pytest.approx(6.0 + half))
    assert iv.n == 3


def test_interval_above_the_null_holds_in_the_papers_direction():
    v = verdict([5.0, 6.0, 7.0], null=0.0, direction="greater")
    assert v.verdict == HOLDS and v.reason == ""
    assert v.ours() == "6.00 [3.52, 8.48]"


def test_interval_below_the_null_contradicts_the_claim():
    v = verdict([-5.0, -6.0, -7.0], null=0.0, direction="greater")
    assert v.verdict == CONTRADICTED
    # and the same interval holds for a claim in the other direction
    assert verdict([-5.0, -6.0, -7.0], null=0.0, direction="less").verdict == HOLDS


def test_interval_containing_the_null_is_not_shown():
    # mean 2, sd 1: [2 - 2.484, 2 + 2.484] contains 0
    v = verdict([1.0, 2.0, 3.0], null=0.0, direction="greater")
    assert v.verdict == NOT_SHOWN
    assert v.interval.low == pytest.approx(2.0 - T2 / math.sqrt(3))
    assert "contains the null" in v.reason


def test_the_fdt_case_of_the_issue_is_not_a_match():
    # FDT 4.67 vs DT 2.33 from three seeds with paired differences spread over [-3, 7]
    v = verdict([7.0, -3.0, 3.0], null=0.0, direction="greater")
    assert v.verdict == NOT_SHOWN


def test_fewer_than_three_runs_give_no_interval_and_no_verdict():
    v = verdict([5.0, 6.0], null=0.0, direction="greater")
    assert v.verdict == NOT_SHOWN
    assert np.isnan(v.interval.low) and np.isnan(v.interval.high)
    assert v.interval.n == 2 and "fewer than 3 runs" in v.reason
    assert fmt_interval(v.interval) == "5.50 (no CI)"
    assert verdict([], null=0.0, direction="greater").reason == "no runs"


def test_left_out_target_is_not_run_with_the_manifests_reason():
    v = verdict([5.0, 6.0, 7.0], null=0.0, direction="greater", left_out="needs a GPU")
    assert v.verdict == NOT_RUN and v.reason == "needs a GPU"


def test_welch_interval_known_values():
    # a - b = -3; se = sqrt(1/3 + 1/3); Welch dof = 4
    iv = welch_interval([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    half = T4 * math.sqrt(2.0 / 3.0)
    assert iv.point == pytest.approx(-3.0)
    assert (iv.low, iv.high) == (pytest.approx(-3.0 - half), pytest.approx(-3.0 + half))
    assert (iv.n, iv.n_b) == (3, 3)
    # fewer than 3 runs in one arm: no interval
    assert np.isnan(welch_interval([1.0, 2.0, 3.0], [4.0, 5.0]).low)


def test_ratio_is_judged_on_the_log_scale():
    # geometric mean 4, log sd ln 2: [4 exp(-h), 4 exp(h)], h = 4.3027 ln2 / sqrt 3
    iv = statistic_interval([2.0, 4.0, 8.0], kind="ratio")
    h = T2 * math.log(2.0) / math.sqrt(3)
    assert iv.point == pytest.approx(4.0)
    assert iv.low == pytest.approx(4.0 * math.exp(-h)) and iv.high == pytest.approx(4.0 * math.exp(h))
    assert verdict([2.0, 4.0, 8.0], null=1.0, direction="greater", kind="ratio").verdict == NOT_SHOWN
    # two arms: native steps / RN steps, slower RN -> ratio below 1 -> contradicted
    v = verdict([1000.0, 1100.0, 900.0], baseline=[2000.0, 2100.0, 1900.0], null=1.0,
                direction="greater", kind="ratio")
    assert v.interval.point == pytest.approx(math.exp(np.mean(np.log([1000, 1100, 900]))
                                                      - np.mean(np.log([2000, 2100, 1900]))))
    assert v.verdict == CONTRADICTED


def test_percentile_bootstrap_degeneracy_is_avoided():
    # two of three runs agree: a percentile bootstrap gives order statistics, the t-interval widens
    iv = t_interval([0.0, 0.0, 7.0])
    assert iv.low < 0.0 < iv.high and iv.high > 7.0


def test_claims_yaml_is_well_formed_and_each_paper_has_two_claims():
    claims = load_claims()
    for paper in ("trex", "fdt", "lse", "irrl", "dsi"):
        assert sum(c["paper"] == paper for c in claims) >= 2, paper
    for c in claims:
        assert c["target"].startswith(f"figures/{c['paper']}/")


def test_scorecard_rows_join_runs_claims_and_left_out_targets():
    claims = [
        {"paper": "x", "id": "a", "claim": "A > B", "source": "Table 1", "target": "figures/x/t.csv",
         "statistic": "A - B per seed", "kind": "difference", "null_value": 0, "direction": "greater",
         "paper_value": "3"},
        {"paper": "x", "id": "b", "claim": "C > D", "source": "Fig. 2", "target": "figures/x/f.pdf",
         "statistic": "C - D per seed", "kind": "difference", "null_value": 0, "direction": "greater",
         "paper_value": "1"},
        {"paper": "x", "id": "c", "claim": "E > F", "source": "Fig. 3", "target": "figures/x/t.csv",
         "statistic": "E - F per seed", "kind": "difference", "null_value": 0, "direction": "greater",
         "paper_value": "1"},
    ]
    runs = pd.DataFrame({"claim": ["a", "a", "a", "b"], "run": ["0", "1", "2", "0"],
                         "arm": ["", "", "", ""], "value": [5.0, 6.0, 7.0, 1.0]})
    frame = scorecard(claims, runs, {"figures/x/f.pdf": "needs a cluster"}, "laptop")
    assert list(frame.verdict) == [HOLDS, NOT_RUN, NOT_RUN]
    assert frame.reason.iloc[1] == "needs a cluster"
    assert "runs none" in frame.reason.iloc[2]
    assert judge(claims[0], runs, "", "smoke")["runs"] == 3
    # a claim run nowhere although its target is built gives its own reason (keyed by claim id)
    frame = scorecard(claims, runs, {"c": "no varied-HP SE here"}, "laptop")
    assert list(frame.verdict) == [HOLDS, NOT_SHOWN, NOT_RUN]
    assert frame.reason.iloc[2] == "no varied-HP SE here"


def test_identical_runs_give_no_verdict():
    # a zero-width interval (no spread between runs) is not evidence of a direction
    v = verdict([0.25, 0.25, 0.25, 0.25, 0.25], null=0.0, direction="greater")
    assert v.verdict == NOT_SHOWN and "same value" in v.reason



def test_read_runs_skips_an_empty_runs_file(tmp_path, recwarn):
    from scripts.common.scorecard import read_runs, write_runs
    empty, full = str(tmp_path / "empty.csv"), str(tmp_path / "full.csv")
    write_runs(empty, [])
    write_runs(full, [{"claim": "c", "run": "0", "value": 1.5}, {"claim": "c", "run": "1", "value": 2.5}])
    frame = read_runs([empty, full])
    assert list(frame["value"]) == [1.5, 2.5]
    assert list(frame["run"]) == ["0", "1"]
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]
    assert len(read_runs([empty])) == 0
