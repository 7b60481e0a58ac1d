"""Four-rooms grids, lambda-returns, DISDAIN bonus and a learner step."""
import numpy as np
import pytest

from scripts.irrl.skills import (SkillConfig, SkillLearner, disdain_bonus, lambda_returns,
                                 make_grid)


def test_grids():
    large, small = make_grid("large"), make_grid("small")
    assert large.n_states == 104 and large.walls.shape == (13, 13)
    assert small.n_states == 24 and small.walls.shape == (8, 7)
    assert tuple(large.cells[0]) == (1, 1)
    nxt = large.next_state
    # from (1,1): NOOP, UP (wall), DOWN (2,1), LEFT (wall), RIGHT (1,2)
    ids = {tuple(c): i for i, c in enumerate(large.cells)}
    assert list(nxt[0]) == [0, 0, ids[(2, 1)], 0, ids[(1, 2)]]
    # the doorway between the top rooms is at (3, 6)
    assert nxt[ids[(3, 5)], 4] == ids[(3, 6)] and nxt[ids[(2, 5)], 4] == ids[(2, 5)]


def test_lambda_returns_known_values():
    r = np.array([[0.0], [0.0], [1.0]])
    v = np.array([[0.5], [0.2], [9.9]])
    d = np.array([0.9, 0.9, 0.0])
    g = lambda_returns(r, d, v, 0.5)
    assert g[2, 0] == pytest.approx(1.0)
    assert g[1, 0] == pytest.approx(0.9 * (0.5 * 0.2 + 0.5 * 1.0))
    assert g[0, 0] == pytest.approx(0.9 * (0.5 * 0.5 + 0.5 * g[1, 0]))


def test_learner_matrix_returns_match_loop():
    cfg = SkillConfig(env="small", n_skills=24, goal_duration=8)
    learner = SkillLearner(cfg, 0)
    v = np.random.RandomState(0).rand(8, 5)
    r = np.random.RandomState(1).rand(5)
    rr = np.zeros((8, 5))
    rr[-1] = r
    disc = np.full(8, cfg.gamma)
    disc[-1] = 0.0
    expected = lambda_returns(rr, disc, v, cfg.lam)
    got = learner._ret_m @ v + learner._ret_c[:, None] * r
    assert np.allclose(got, expected)


def test_disdain_bonus():
    p = np.log(np.array([[[0.5, 0.5]], [[0.5, 0.5]]]))
    assert disdain_bonus(p)[0] == pytest.approx(0.0)
    q = np.log(np.array([[[1 - 1e-12, 1e-12]], [[1e-12, 1 - 1e-12]]]))
    assert disdain_bonus(q)[0] == pytest.approx(np.log(2), abs=1e-6)


def test_learner_step_and_state_zero_row():
    cfg = SkillConfig(env="small", n_skills=24, goal_duration=8, reward="log_clip",
                      bonus_weight=20, ensemble=2)
    learner = SkillLearner(cfg, 0)
    before = learner.q_skill.copy()
    for _ in range(5):
        learner.train_step()
    assert not np.array_equal(before, learner.q_skill)
    assert np.all(learner.disc[:, 0, :] == 0)
    ev = learner.evaluate(1)
    assert 0 < ev["effective_skills"] <= 24
    occ = learner.occupancy(1)
    assert occ.sum() == 24 and occ[learner.grid.walls].sum() == 0


def test_train_skills_parameter_change_retrains(tmp_path, monkeypatch):
    """A checkpoint left by a run with another learning rate is discarded, not resumed."""
    import json

    import pandas as pd

    from scripts.irrl import train_skills

    prm = {"batch_size": 32, "checkpoint_every": 50, "disdain_bonus_weight": 20,
           "disdain_ensemble": 2, "env": "small", "envs": ["small"], "epsilon": 0.001,
           "eval_epsilon": 0.001, "eval_every": 50, "eval_per_skill": 2, "gamma": 0.99,
           "goal_duration": 8, "iterations": 100, "lambda": 0.7, "lr": 0.1, "n_skills": 8,
           "occupancy_epsilon": 0.005, "occupancy_init_per_skill": 1, "occupancy_per_skill": 1,
           "snapshot_iters": [100], "skills_threshold": 4, "env_settings": {}, "panels": {},
           "srewards": ["lin_clip"], "seeds": [1]}

    def run(out, **change):
        return train_skills.main(["--params", json.dumps(dict(prm, **change)), "--seed", "1",
                                  "--sreward", "lin_clip", "--outdir", str(out)])

    assert run(tmp_path / "fresh", lr=0.3) == 0
    assert not (tmp_path / "fresh" / "checkpoint.npz").exists()
    monkeypatch.setattr(train_skills, "remove_checkpoint", lambda path: None)  # as older code
    assert run(tmp_path / "old") == 0
    monkeypatch.undo()
    assert (tmp_path / "old" / "checkpoint.npz").exists()
    assert run(tmp_path / "old", lr=0.3) == 0
    cols = ["iteration", "effective_skills", "disc_loss"]
    a = pd.read_csv(tmp_path / "fresh" / "stats.csv")
    b = pd.read_csv(tmp_path / "old" / "stats.csv")
    pd.testing.assert_frame_equal(a[cols], b[cols])
