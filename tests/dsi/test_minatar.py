"""The MinAtar stand-in (scripts/dsi/minatar.py): n-step and adaptive-horizon DQN targets on a
hand-built batch, the attack's step choice and action replacement on a known episode, and a tiny
end-to-end run (DQN agent -> attack with an untrained detector)."""
import numpy as np
import pytest
import torch

from scripts.dsi import minatar as ma
from scripts.dsi.trainer import build_nets, score_episodes

GAME = ma.GameSettings(sticky_action_prob=0.1, difficulty_ramping=True, minimal_actions=True)
G = 0.9


def test_nstep_targets_hand_built_batch():
    H = 3
    rewards = np.array([[1.0, 2.0, 4.0], [1.0, 2.0, 4.0], [1.0, 2.0, 4.0], [0.0, 1.0, 0.0]])
    ends = np.zeros((4, H), bool)
    terms = np.zeros((4, H), bool)
    ends[2, 1] = terms[2, 1] = True          # row 2: terminal after its 2nd step
    ends[3, 0] = True                        # row 3: time limit after its 1st step (bootstraps)
    boot = np.array([[10.0, 20.0, 30.0]] * 4)
    y = ma.nstep_targets(rewards, ends, terms, boot, np.array([1, 3, 3, 2]), G)
    assert y[0] == pytest.approx(1 + G * 10)                            # n = 1
    assert y[1] == pytest.approx(1 + G * 2 + G ** 2 * 4 + G ** 3 * 30)  # n = 3
    assert y[2] == pytest.approx(1 + G * 2)                             # stops at the terminal
    assert y[3] == pytest.approx(0 + G * 10)                            # truncation: bootstrap at s_{t+1}


def test_dsi_horizons_bootstrap_at_the_top_scored_state_within_the_episode():
    scores = np.array([[0.1, 0.9, 0.2, 0.3, 0.0],
                       [0.1, 0.2, 0.3, 0.4, 0.95],
                       [0.1, 0.2, 0.3, 0.4, 0.95],   # episode ends after step 2: states 4, 5 excluded
                       [np.nan, 0.5, 0.5, 0.1, 0.1]])  # unscored states never win; ties: first
    ends = np.zeros((4, 5), bool)
    ends[2, 2] = True
    assert ma.dsi_horizons(scores, ends).tolist() == [2, 5, 3, 2]


def test_dsi_targets_follow_their_horizons():
    rewards = np.array([[1.0, 1.0, 1.0]])
    boot = np.array([[5.0, 6.0, 7.0]])
    z = np.zeros((1, 3), bool)
    n = ma.dsi_horizons(np.array([[0.0, 1.0, 0.5]]), z)
    assert n.tolist() == [2]
    assert ma.nstep_targets(rewards, z, z, boot, n, G)[0] == pytest.approx(1 + G + G ** 2 * 6)


def test_attack_steps_per_method():
    scores = np.array([0.1, 0.9, 0.3, 0.8, 0.0])
    values = np.array([5.0, 1.0, 2.0, 3.0, 4.0])
    rng = np.random.default_rng(0)
    assert ma.attack_steps("dsi", 2, scores, values, rng).tolist() == [1, 3]
    assert ma.attack_steps("value", 2, scores, values, rng).tolist() == [0, 4]
    r = ma.attack_steps("random", 3, scores, values, rng)
    assert len(set(r.tolist())) == 3 and r.min() >= 0 and r.max() < 5
    assert ma.attack_steps("dsi", 10, scores, values, rng).tolist() == [0, 1, 2, 3, 4]
    assert ma.attack_steps("first", 3, scores, values, rng).tolist() == [0, 1, 2]
    assert ma.attack_steps("first", 9, scores, values, rng).tolist() == [0, 1, 2, 3, 4]


def test_attack_table_pairs_dsi_with_each_baseline_per_seed():
    """Drops per seed at k = 5: dsi 4, 6, 8; first 4, 5, 3 (dsi - first 0, 1, 5: mean 2);
    random 1, 1, 1 (dsi - random 3, 5, 7: mean 5, sd 2 -> 5.00 [0.03, 9.97])."""
    import pandas as pd

    from scripts.dsi.table_attack_minatar import per_seed, summarise

    drops = {"dsi": [4.0, 6.0, 8.0], "first": [4.0, 5.0, 3.0], "random": [1.0, 1.0, 1.0]}
    rows = [{"agent_seed": s, "method": m, "k": 5, "r0": 10.0, "r1": 10.0 - d}
            for m, ds in drops.items() for s, d in enumerate(ds)]
    summ = summarise(per_seed(pd.DataFrame(rows))).set_index("method")
    assert summ.loc["dsi - first", "drop"] == pytest.approx(2.0)
    assert summ.loc["dsi - random", "drop"] == pytest.approx(5.0)
    assert summ.loc["dsi - random", "drop_low"] == pytest.approx(5.0 - 4.303 * 2 / 3 ** 0.5, abs=0.01)
    assert "dsi - value" not in summ.index       # no value runs: no row


def test_step_replacement_on_a_known_episode():
    """Replaying the seed without perturbation repeats the episode exactly; with perturbations at
    steps 3 and 7, the actions match up to step 3 and differ exactly there and at 7."""
    env = ma.make_game("breakout", GAME, max_episode_steps=40)
    for net_seed in range(50):   # an untrained net whose episodes last > 8 steps
        torch.manual_seed(net_seed)
        q = ma.QNet(4, env.action_space.n)
        clean = ma.play(env, q, 123, 40)
        hit = ma.play(env, q, 123, 40, perturb_at=[3, 7], rng=np.random.default_rng(5))
        if len(clean["actions"]) > 8 and len(hit["actions"]) > 8:
            break
    assert len(clean["actions"]) > 8 and len(hit["actions"]) > 8
    again = ma.play(env, q, 123, 40)
    assert np.array_equal(clean["frames"], again["frames"]) and clean["return"] == again["return"]
    assert np.array_equal(hit["actions"][:3], clean["actions"][:3])
    assert np.array_equal(hit["frames"][:4], clean["frames"][:4])
    assert hit["actions"][3] != clean["actions"][3]
    # at step 7 the (possibly diverged) greedy action was replaced: recompute it
    greedy7 = int(q(torch.from_numpy(hit["frames"][7][None])).argmax())
    assert hit["actions"][7] != greedy7


def test_perturb_action_never_returns_the_action():
    rng = np.random.default_rng(1)
    draws = [ma.perturb_action(1, rng, 3) for _ in range(600)]
    assert set(draws) == {0, 2}
    assert 250 < draws.count(0) < 350


def test_to_detector_frames_upsamples_cells():
    obs = np.zeros((2, 4, 10, 10), np.uint8)
    obs[0, 1, 2, 3] = 1
    x = ma.to_detector_frames(obs, 3)
    assert x.shape == (2, 4, 30, 30)
    assert (x[0, 1, 6:9, 9:12] == 255).all() and x.sum() == 9 * 255


def test_tiny_end_to_end():
    p = ma.DqnSettings(env_steps=300, checkpoints=[150], lr=1e-3, gamma=0.99, buffer_size=500,
                       batch_size=8, start_steps=50, update_every=2, target_update=20, eps_start=1.0,
                       eps_final=0.1, eps_decay_steps=200, horizon=3, max_episode_steps=60,
                       eval_every=300, eval_episodes=1, eval_epsilon=0.0)
    saved = {}
    d, _ = build_nets({"instance_norm": {"mid": False, "last": False}, "out_dim": 2, "max_length": 60,
                       "pooling": "mean", "init": "kaiming"}, 4)

    def scorer(frames):
        return score_episodes(d, [ma.to_detector_frames(frames, 3)], torch.device("cpu"))[0]

    rows = ma.train_dqn("breakout", GAME, p, "dsi", 0, scorer=scorer, log=lambda m: None,
                        on_checkpoint=lambda t, q: saved.__setitem__(t, {k: v.clone() for k, v in q.state_dict().items()}))
    assert [r["step"] for r in rows] == [300] and rows[0]["updates"] == (300 - 50) // 2
    assert sorted(saved) == [150, 300]
    rows_n = ma.train_dqn("breakout", GAME, p, "n3", 0, log=lambda m: None)
    assert rows_n[0]["updates"] == rows[0]["updates"]
    q = ma.QNet(4, 3)
    q.load_state_dict(saved[300])
    env = ma.make_game("breakout", GAME)
    out = ma.attack_episode(env, q, 7, 60, scorer, [1, 4], ["dsi", "random", "value", "first"])
    assert len(out) == 8 and len({r["r0"] for r in out}) == 1  # one clean episode for all
    assert {(r["method"], r["k"]) for r in out} == {(m, k) for m in ("dsi", "random", "value", "first")
                                                    for k in (1, 4)}


def _progress(values):
    """progress.csv rows: {method: [final return per seed]} at step 30, with an earlier step."""
    import pandas as pd

    rows = []
    for method, rets in values.items():
        for seed, ret in enumerate(rets):
            rows += [{"method": method, "seed": seed, "step": 10, "return": 0.0},
                     {"method": method, "seed": seed, "step": 30, "return": ret}]
    return pd.DataFrame(rows)


def test_improve_table_pairs_dsi_with_each_fixed_n_and_the_best():
    from scripts.dsi.fig_improve_minatar import best_fixed, final_table

    data = _progress({"dsi": [4.0, 6.0, 8.0], "n1": [1.0, 2.0, 3.0], "n3": [5.0, 5.0, 8.0],
                      "n5": [3.0, 3.0, 3.0]})
    assert best_fixed(data[data.step == 30]) == "n3"  # means 2, 6, 3
    table = final_table(data).set_index("method")
    assert table.loc["dsi", "point"] == pytest.approx(6.0)
    assert table.loc["dsi - n1", "point"] == pytest.approx(4.0)
    assert table.loc["dsi - n3", "point"] == pytest.approx(0.0)  # -1, +1, 0 by seed
    assert table.loc["dsi - n5", "point"] == pytest.approx(3.0)
    assert table.loc["dsi - best fixed (n3)", "point"] == pytest.approx(0.0)
    # dsi - n1 = 3, 4, 5: mean 4, sd 1, t(0.975, 2) = 4.303 -> half-width 4.303 / sqrt(3) = 2.48
    assert table.loc["dsi - n1", "final return"] == "4.00 [1.52, 6.48]"
    assert list(table["env steps"].unique()) == [30]


def test_improve_claim_rows_per_seed(tmp_path):
    from scripts.dsi.claims import improve_rows

    data = _progress({"dsi": [4.0, 6.0, 8.0], "n1": [1.0, 2.0, 3.0], "n3": [5.0, 5.0, 8.0],
                      "n5": [7.0, 7.0, 7.0]})  # best fixed: n5 (mean 7)
    paths = []
    for (m, s), sub in data.groupby(["method", "seed"]):
        paths.append(str(tmp_path / f"{m}{s}.csv"))
        sub.to_csv(paths[-1], index=False)
    rows = improve_rows(paths)
    got = {(r["claim"], r["run"]): r["value"] for r in rows}
    assert got == {("dsi_minatar_improve_vs_n3", "seed0"): -1.0, ("dsi_minatar_improve_vs_n3", "seed1"): 1.0,
                   ("dsi_minatar_improve_vs_n3", "seed2"): 0.0,
                   ("dsi_minatar_improve_vs_best_fixed", "seed0"): -3.0,
                   ("dsi_minatar_improve_vs_best_fixed", "seed1"): -1.0,
                   ("dsi_minatar_improve_vs_best_fixed", "seed2"): 1.0}
    assert {r["arm"] for r in rows} == {""}
    assert improve_rows([]) == []
