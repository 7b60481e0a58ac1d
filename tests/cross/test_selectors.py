"""scripts.cross.selectors and the detector data's labels, on crafted training sets whose
chosen positions are known by hand."""
from __future__ import annotations

import numpy as np
import pytest

from scripts.cross import selectors as S
from scripts.cross.detector_data import draw_windows, return_classes


def _ts():
    # two episodes: positions 0-5 (ends at 5) and 6-9 (ends at 9)
    episode_start = np.array([0, 0, 0, 0, 0, 0, 6, 6, 6, 6])
    reward = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 1], dtype=float)
    terminal = np.array([0, 0, 0, 0, 0, 1, 0, 0, 0, 1])
    valid = np.ones(10, dtype=bool)
    valid[3] = False
    return {"episode_start": episode_start, "reward": reward, "terminal": terminal, "valid": valid}


def test_eligible_positions_follow_fdts_rule():
    # not the first step (0, 6), not rewarded (2, 9), not terminal (5, 9), valid (3 is not)
    assert S.eligible_positions(_ts()).tolist() == [1, 4, 7, 8]


def test_relative_positions():
    rel = S.relative_positions(_ts()["episode_start"])
    assert rel[:6].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert rel[6:].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1.0])


def test_top_scores_breaks_ties_by_position():
    elig = np.array([1, 4, 7, 8])
    scores = np.array([9, 0.5, 9, 9, 0.9, 9, 9, 0.9, 0.1, 9])
    # ineligible positions (0, 2, 3, 5, ...) never count, however high their score
    assert S.select_top_scores(elig, scores, 2) == [4, 7]
    assert S.select_top_scores(elig, scores, 3) == [1, 4, 7]
    assert S.select_top_scores(elig, scores, 10) == [1, 4, 7, 8]


def test_first_picks_the_opening_steps_of_every_episode():
    ts = _ts()
    elig = S.eligible_positions(ts)
    # in-episode steps: 1 -> 1, 4 -> 4, 7 -> 1, 8 -> 2
    assert S.select_first(elig, ts["episode_start"], 2) == [1, 7]
    assert S.select_first(elig, ts["episode_start"], 3) == [1, 7, 8]


def test_random_and_oracle_are_seeded_subsets():
    elig = np.arange(100, 200)
    a, b = S.select_random(elig, 10, seed=3), S.select_random(elig, 10, seed=3)
    assert a == b and len(set(a)) == 10 and set(a) <= set(elig.tolist())
    assert S.select_random(elig, 10, seed=4) != a
    assert S.select_random(np.array([5, 6]), 10, seed=0) == [5, 6]
    labels = np.ones(200, dtype=np.int8)
    labels[[101, 150, 199, 20]] = 0   # 20 is not eligible
    assert S.select_oracle(elig, labels, 10, seed=0) == [101, 150, 199]    # fewer than N: all
    got = S.select_oracle(elig, labels, 2, seed=0)
    assert len(got) == 2 and set(got) <= {101, 150, 199}


def test_criterion_is_fdts_own_feedback():
    fb = np.array([-1, 1, -1, 0, -1], dtype=np.int8)
    assert S.criterion_positions(fb) == [1, 3]
    kw = dict(eligible=np.array([1, 2]), budget=1, seed=0, labels=np.ones(5),
              episode_start=np.zeros(5, dtype=int), feedback=fb)
    assert S.select("criterion", **kw) == [1, 3]
    with pytest.raises(ValueError, match="scores"):
        S.select("dsi", **kw)
    with pytest.raises(ValueError, match="unknown selector"):
        S.select("best", **kw)


def test_labelled_uses_fdts_arrays_and_the_cells_best_action():
    keys = [b"a", b"b", b"a", b"c"]
    ranking = [(b"a", 2.0, 3, 1), (b"c", 0.5, 0, 2)]
    cell_best = S.cell_best_actions(keys, ranking)
    assert cell_best == [(3, 1, 2.0), (-1, -1, 0.0), (3, 1, 2.0), (0, 2, 0.5)]
    labels = np.array([0, 1, 1, 0], dtype=np.int8)
    fb = S.labelled(4, [0, 1, 3], labels, cell_best)
    assert fb["feedback"].tolist() == [0, 1, -1, 0]
    assert fb["best_action"].tolist() == [3, -1, -1, 0]
    assert fb["worst_action"].tolist() == [1, -1, -1, 2]


def test_overlap_and_mean_position():
    assert S.jaccard([1, 2, 3], [2, 3, 4]) == pytest.approx(0.5)
    assert S.jaccard([1], [2]) == 0.0 and np.isnan(S.jaccard([], []))
    rel = np.array([0.0, 0.5, 1.0])
    assert S.mean_relative_position([0, 2], rel) == pytest.approx(0.5)
    assert np.isnan(S.mean_relative_position([], rel))


def test_detector_labels_and_windows():
    # DSI's MinAtar labels: 0 above the median return, 1 at or below
    assert return_classes([0, 5, 2, 9]).tolist() == [1, 0, 1, 0]
    rng = np.random.default_rng(0)
    cuts = draw_windows([30, 5, 12, 40], 3, 10, rng)
    assert len(cuts) == 3 and [c[0] for c in cuts] == sorted(c[0] for c in cuts)
    lengths = [30, 5, 12, 40]
    for i, a, b in cuts:
        assert 0 <= a < b <= lengths[i] and b - a == min(10, lengths[i])
