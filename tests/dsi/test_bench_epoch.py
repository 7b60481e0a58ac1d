"""The DSI epoch benchmark's pure helpers (the benchmark itself needs the original checkout)."""
import numpy as np
import pytest

from scripts.dsi.bench.epoch import minibatches, summarise


def test_minibatches_cover_the_epoch_once():
    b = minibatches(130, 64, seed=3)
    assert [len(x) for x in b] == [64, 64, 2]
    assert sorted(np.concatenate(b).tolist()) == list(range(130))
    first_two = minibatches(130, 64, seed=3, limit=2)
    assert [x.tolist() for x in first_two] == [x.tolist() for x in b[:2]]


def test_summarise_ratios():
    rec = {"original": {"step_cpu": [4.0, 6.0, 8.0], "batch_cpu": [1.0, 1.0, 1.0],
                        "step_wall": [4.0, 6.0, 8.0], "batch_wall": [0.0, 0.0, 0.0]},
           "ours": {"step_cpu": [2.0, 2.0, 4.0], "batch_cpu": [0.0, 0.0, 0.0],
                    "step_wall": [1.0, 3.0, 2.0], "batch_wall": [0.0, 0.0, 0.0]}}
    s = summarise(rec)
    sp = s["speedup_original_over_ours"]
    assert s["original"]["step_cpu_s_epoch"] == pytest.approx(18.0)
    assert s["original"]["with_batch_cpu_s_median"] == pytest.approx(7.0)
    assert sp["step_cpu_ratio_of_medians"] == pytest.approx(3.0)
    assert sp["step_cpu_ratio_of_epochs"] == pytest.approx(18.0 / 8.0)
    assert sp["step_cpu_median_of_pair_ratios"] == pytest.approx(2.0)  # 2, 3, 2
    assert sp["with_batch_cpu_ratio_of_medians"] == pytest.approx(7.0 / 2.0)
    assert sp["step_wall_median_of_pair_ratios"] == pytest.approx(4.0)  # 4, 2, 4
