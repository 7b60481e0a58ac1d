"""NES: rank utilities (every score transform), mirrored selection, the update, convergence."""
import math

import numpy as np
import pytest

from scripts.lse import nes

SCORES = [1.0, 4.0, 2.0, 3.0]  # ranks (best first): 4, 1, 3, 2


def test_ranks_best_first():
    assert nes.ranks_best_first(SCORES).tolist() == [4, 1, 3, 2]
    assert nes.ranks_best_first([2.0, 2.0, 1.0]).tolist() == [1, 2, 3]  # ties keep member order


@pytest.mark.parametrize("transform, orig, expected", [
    (0, None, [0.0, 1.0, 1 / 3, 2 / 3]),
    (1, None, [0.0, 1.0, 1 / 3, 2 / 3]),
    (3, None, [0.0, 1.0, 0.0, math.log(1.5) / math.log(3)]),
    (4, None, [0.0, 1.0, 0.0, 0.0]),
    (5, 3.5, [0.0, 1.0, 0.0, 0.0]),
    (5, 5.0, [0.0, 0.0, 0.0, 0.0]),
    (6, 2.5, [0.0, 1.0, 0.0, 1 / 3]),
    (7, 2.5, [0.0, 0.75, 0.0, 0.25]),
])
def test_score_transforms(transform, orig, expected):
    np.testing.assert_allclose(nes.score_transform(SCORES, transform, orig), expected, atol=1e-12)


def test_transform_2_nes_utility_minus_one_over_lambda():
    # u_k = max(0, log 3 - log k) = [log 3, log 1.5, 0, 0]; normalised, minus 1/4, divided by max
    u = np.array([math.log(3), math.log(1.5), 0.0, 0.0])
    u = u / u.sum() - 0.25
    u = u / u.max()
    expected = [u[3], u[0], u[2], u[1]]  # member order from ranks [4, 1, 3, 2]
    out = nes.score_transform(SCORES, 2)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert out[1] == pytest.approx(1.0) and out[0] == pytest.approx(-0.520375, abs=1e-5)


def test_transform_needs_orig_and_known_type():
    with pytest.raises(ValueError):
        nes.score_transform(SCORES, 6)
    with pytest.raises(ValueError):
        nes.score_transform(SCORES, 8)


def test_mirrored_select_flips_losers():
    sign, score = nes.mirrored_select([1.0, 5.0, 2.0], [3.0, 4.0, 2.0])
    assert sign.tolist() == [-1.0, 1.0, 1.0]
    assert score.tolist() == [3.0, 5.0, 2.0]


def test_update_no_division_by_sigma_or_lambda():
    psi = np.zeros(2)
    eps = np.array([[1.0, 0.0], [0.0, 2.0]])
    w = np.array([1.0, 0.5])
    np.testing.assert_allclose(nes.nes_update(psi, eps, w, 0.5), [0.5, 0.5])
    np.testing.assert_allclose(nes.nes_update(psi, eps, w, 0.5, nes_step_size=True), [0.25, 0.25])
    np.testing.assert_allclose(nes.nes_update(np.ones(2), eps, w, 0.5, weight_decay=0.5), [1.0, 1.0])


@pytest.mark.parametrize("transform", [2, 3, 7])
def test_nes_finds_known_optimum(transform):
    target = np.array([1.0, -2.0, 0.5])

    def evaluate(thetas, seeds):
        return -((thetas - target) ** 2).sum(1)

    cfg = {"population": 16, "sigma": 0.1, "step_size": 0.3, "transform": transform,
           "mirrored": True, "iterations": 300, "orig_evals": 1}
    state = nes.run_nes(np.zeros(3), cfg, run_seed=0, evaluate=evaluate)
    assert np.linalg.norm(state["psi"] - target) < 0.15
    assert state["best_score"] > -0.05


def test_nes_iteration_is_seeded():
    def evaluate(thetas, seeds):
        return -(thetas ** 2).sum(1)

    cfg = {"population": 4, "sigma": 0.1, "step_size": 0.5, "transform": 3, "mirrored": True,
           "iterations": 1}
    a = nes.nes_iteration(np.ones(5), 3, cfg, 7, evaluate)["psi"]
    b = nes.nes_iteration(np.ones(5), 3, cfg, 7, evaluate)["psi"]
    np.testing.assert_array_equal(a, b)
    assert nes.inner_seed(1, 2, 3, -1) != nes.inner_seed(1, 2, 3, 1)


def test_saving_keeps_the_best_strictly_solved_iteration_and_quits_at_the_first():
    # GTN_Master.save_good_model: an SE is saved at every iteration whose mean unperturbed score
    # exceeds solved (strictly) and the best saved so far (strictly); quit_when_solved stops at
    # the first; RN saving keeps the best mean unperturbed score so far
    seq = [0.5, 0.9, 0.8, 0.95, 0.95, 0.7]
    seen = []

    def evaluate(thetas, seeds):
        seen.append(thetas[0].copy())  # the unperturbed psi of this iteration
        return np.full(len(thetas), seq[len(seen) - 1])

    cfg = {"population": 4, "sigma": 0.1, "step_size": 0.5, "transform": 1, "mirrored": True,
           "iterations": len(seq), "orig_evals": 2}
    state = nes.run_nes(np.zeros(3), cfg, run_seed=0, evaluate=evaluate, solved=0.8)
    assert len(seen) == 6 and not np.array_equal(seen[3], seen[4])  # psi moves every iteration
    assert state["solved_it"] == 1
    np.testing.assert_array_equal(state["solved_psi"], seen[3])  # not 4: 0.95 is no improvement
    np.testing.assert_array_equal(state["best_psi"], seen[3])
    seen.clear()
    cfg["quit_when_solved"] = True
    state = nes.run_nes(np.zeros(3), cfg, run_seed=0, evaluate=evaluate, solved=0.8)
    assert len(seen) == 2 and state["solved_it"] == 1
    np.testing.assert_array_equal(state["solved_psi"], seen[1])
