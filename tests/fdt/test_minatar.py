"""FDT's MinAtar stand-in: the behaviour log in the DQN Replay reader's layout (round trip: the
logged actions replayed in a fresh env give the logged frames, rewards and game-overs), the
critical-state criterion on MinAtar frames (cells, per-action returns, selection, budget), the
FDT loss's MinAtar batch, and a tiny end-to-end run of the three steps."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import torch

from scripts.common.envs import MinAtarVectorEnv, make_minatar
from scripts.fdt.minatar_critical import critical_states, frame_keys, oracle_labels
from scripts.fdt.replay import LAYOUT_KEYS, episode_bounds, load_buffer
from scripts.fdt.trainset import assemble, sample_episodes

LOG = {"num_envs": 1, "sticky": 0.1, "lr": 0.001, "gamma": 0.99, "target_update": 50,
       "batch": 16, "learning_starts": 100, "update_every": 8, "eps_start": 1.0, "eps_end": 0.1,
       "eps_decay": 300, "replay_size": 500, "transitions": 400, "buffer_size": 150,
       "eval_episodes": 2, "max_steps": 60, "raw_steps": 100}


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    from scripts.fdt import minatar_log

    out = tmp_path_factory.mktemp("minatar_log")
    assert minatar_log.main(["--params", json.dumps(LOG), "--seed", "3", "--game", "breakout",
                             "--out-dir", str(out)]) == 0
    return out


def test_log_round_trip_in_the_reader_layout(log_dir):
    manifest = json.loads((log_dir / "manifest.json").read_text())
    bufs = [load_buffer(log_dir / f"buffer_{k}.npz") for k in range(manifest["buffers"])]
    assert sum(len(b["action"]) for b in bufs) == manifest["transitions"]
    episodes = []
    for b in bufs:
        assert set(LAYOUT_KEYS) <= set(b)
        assert b["observation"].shape[1:] == (4, 10, 10) and b["observation"].dtype == np.uint8
        assert set(np.unique(b["observation"])) <= {0, 1}
        # MinAtar rewards are 0/1: clipped = raw; no lives, no padding
        np.testing.assert_array_equal(b["reward"], b["raw_reward"])
        assert (b["lives"] == -1).all() and not b["padding"].any() and b["valid"].all()
        for s, e, done in episode_bounds(b["terminal"], b["padding"]):
            episodes.append({k: b[k][s:e] for k in ("observation", "action", "raw_reward", "terminal")})
    assert len(episodes) == manifest["log"]["episodes"] >= 3
    # one env: the k-th logged episode is the k-th started, seeded seed * 1000003 + k (the
    # factory's episode_seed); replaying its actions reproduces every frame, reward and game over
    # (in one env, as logged: MinAtar's sticky action carries its last action across resets)
    vec = MinAtarVectorEnv("breakout", 1, seed=3)
    env = make_minatar("breakout", max_episode_steps=LOG["max_steps"], sticky_action_prob=0.1)
    for k, ep in enumerate(episodes[:4]):
        obs, _ = env.reset(seed=vec.episode_seed(k))
        for t, a in enumerate(ep["action"]):
            np.testing.assert_array_equal(ep["observation"][t], obs)
            obs, r, term, trunc, _ = env.step(int(a))
            assert r == ep["raw_reward"][t] and bool(term) == bool(ep["terminal"][t])
        assert term or trunc
    returns = pd.read_csv(log_dir / "returns.csv")
    assert set(returns["source"]) == {"log", "oracle", "random"}
    assert (returns["source"] == "oracle").sum() == 2


def test_log_feeds_the_paper_sampler(log_dir):
    manifest = json.loads((log_dir / "manifest.json").read_text())
    bufs = [load_buffer(log_dir / f"buffer_{k}.npz") for k in range(manifest["buffers"])]
    bounds = [episode_bounds(b["terminal"], b["padding"]) for b in bufs]
    eps = sample_episodes(bounds, seed=0, transitions=100, capacity=10 ** 9, episodes_per_visit=2,
                          min_len=3)
    ts = assemble(bufs, eps)
    assert len(ts["action"]) >= 100 and ts["observation"].shape[1:] == (4, 10, 10)
    # returns-to-go restart at each episode start
    starts = np.flatnonzero(ts["episode_start"] == np.arange(len(ts["action"])))
    for s, e in zip(starts, list(starts[1:]) + [len(ts["action"])]):
        assert ts["rtg"][s] == pytest.approx(ts["reward"][s:e].sum())


def _frame(cell):
    f = np.zeros((4, 10, 10), np.uint8)
    f[0, cell // 10, cell % 10] = 1
    return f


def test_cells_are_exact_minatar_frames():
    a, b = _frame(3), _frame(4)
    keys = frame_keys(np.stack([a, b, a.copy()]))
    assert keys[0] == keys[2] != keys[1]
    assert frame_keys(np.zeros((1, 4, 10, 10), np.uint8))[0] == hashlib.sha512(bytes(400)).digest()


def test_criterion_on_crafted_minatar_episodes():
    # cell X = _frame(5) at t = 1 of two training episodes (t = 0 is never eligible), with
    # actions 2 and 3; episode 1 earns a reward at t = 3, episode 2 none. gamma 0.5:
    # Q(X, 2) = 0.5^2 * 1 = 0.25, Q(X, 3) = 0 -> importance 0.25, best 2, worst 3.
    x = _frame(5)
    ep_frames = [np.stack([_frame(0), x, _frame(1), _frame(2)]),
                 np.stack([_frame(0), x, _frame(6), _frame(7)])]
    actions = np.array([0, 2, 0, 0, 0, 3, 0, 0])
    reward = np.array([0, 0, 0, 1, 0, 0, 0, 0], np.float32)
    terminal = np.array([0, 0, 0, 1, 0, 0, 0, 1], np.uint8)
    ts = {"observation": np.concatenate(ep_frames), "action": actions, "reward": reward,
          "terminal": terminal, "valid": np.ones(8, bool),
          "episode_start": np.array([0, 0, 0, 0, 4, 4, 4, 4])}
    labels = oracle_labels(np.array([0, 2, 0, 0, 0, 2, 0, 0]), actions)
    np.testing.assert_array_equal(labels, [1, 1, 1, 1, 1, 0, 1, 1])
    fb, st = critical_states(ts, [], labels, gamma=0.5, budget=10)
    # only X has two actions with different returns: both its occurrences are selected
    np.testing.assert_array_equal(fb["feedback"], [-1, 1, -1, -1, -1, 0, -1, -1])
    assert fb["best_action"][1] == 2 and fb["best_action"][5] == 2
    assert fb["worst_action"][5] == 3 and fb["gap"][1] == pytest.approx(0.25)
    assert st["pos"] == 1 and st["neg"] == 1 and st["important_states"] == 2
    assert st["aligned"] == 1.0 and st["ignored"] == 0.0
    # the budget keeps the first selected position only
    fb1, st1 = critical_states(ts, [], labels, gamma=0.5, budget=1)
    np.testing.assert_array_equal(fb1["feedback"], [-1, 1, -1, -1, -1, -1, -1, -1])
    # phase-B returns change Q but create no cell: a third episode with X, action 3, reward
    # right after -> Q(X, 3) = mean(0, 0.5) = 0.25 = Q(X, 2): no importance left
    other = {"observation": np.stack([_frame(0), x, _frame(9)]), "action": np.array([0, 3, 0]),
             "reward": np.array([0, 0, 1], np.float32), "terminal": np.array([0, 0, 1], np.uint8),
             "valid": np.ones(3, bool)}
    fb2, st2 = critical_states(ts, [other], labels, gamma=0.5, budget=10)
    assert (fb2["feedback"] == -1).all() and st2["important_states"] == 0


def test_minatar_encoder_and_fdt_step_on_one_batch():
    from scripts.fdt.minatar_train import make_batch, train_step
    from scripts.fdt.model import DecisionTransformer, configure_optimizer

    rng = np.random.default_rng(0)
    n = 40
    ts = {"observation": rng.integers(0, 2, (n, 4, 10, 10)).astype(np.uint8),
          "action": rng.integers(0, 6, n), "rtg": rng.random(n).astype(np.float32),
          "timestep": np.arange(n), "feedback": np.where(rng.random(n) < 0.3, 1, -1),
          "best_action": rng.integers(0, 6, n)}
    b = make_batch(ts, np.array([0, 10, 20]), 5, fb=True)
    assert b["states"].shape == (3, 5, 4, 10, 10) and b["feedback"].shape == (3, 5)
    torch.manual_seed(0)
    net = DecisionTransformer(6, 5, n, n_layer=1, n_head=2, n_embd=16, encoder="minatar",
                              in_channels=4)
    assert net(b["states"], b["actions"], b["rtg"], b["timesteps"]).shape == (3, 5, 6)
    opt = configure_optimizer(net, 1e-3, 0.1, (0.9, 0.95))
    first = train_step(net, opt, b, "fdt", 0.5, 1.0)
    for _ in range(30):
        last = train_step(net, opt, b, "fdt", 0.5, 1.0)
    assert last < first  # it fits the batch


def test_tiny_end_to_end(log_dir, tmp_path):
    from scripts.fdt import minatar_critical, minatar_tables, minatar_train

    data = tmp_path / "seed0.npz"
    assert minatar_critical.main(["--params", json.dumps({"transitions": 120,
                                                          "episodes_per_visit": 3, "min_len": 4}),
                                  "--seed", "0", "--game", "breakout", "--log", str(log_dir),
                                  "--gamma", "0.9", "--budget", "10", "--out", str(data)]) == 0
    stats = json.loads((tmp_path / "seed0.json").read_text())
    assert stats["pos"] + stats["neg"] == min(10, stats["important_states"])
    prm = {"context": 4, "batch": 8, "n_layer": 1, "n_head": 2, "n_embd": 16, "dropout": 0.0,
           "lr": 0.001, "weight_decay": 0.1, "grad_clip": 1.0, "warmup_tokens": 10, "epochs": 1,
           "setups": ["sampling", "det_noop"], "episodes": 2, "noop_max": 3, "max_steps": 20,
           "rtg_fractions": [1.0, 2.0], "sticky": 0.1}
    evals = []
    for model in ("dt", "fdt", "bc"):
        out = tmp_path / f"{model}.csv"
        assert minatar_train.main(["--params", json.dumps(prm), "--seed", "0", "--game", "breakout",
                                   "--model", model, "--data", str(data), "--lam", "0.1",
                                   "--out", str(out)]) == 0
        evals.append(str(out))
        rows = pd.read_csv(out)
        assert len(rows) == 2 * 2 * 2 and set(rows["setup"]) == {"sampling", "det_noop"}
    common = json.dumps({"games": ["breakout"], "seeds": [0], "scale": "smoke",
                         "setups": ["sampling", "det_noop"], "sweep_game": "breakout",
                         "main": {"gamma": 0.9, "budget": 10, "lam": 0.1}})
    assert minatar_tables.main(["a5", "--common", common, "--evals", *evals,
                                "--csv", str(tmp_path / "a5.csv"), "--md", str(tmp_path / "a5.md")]) == 0
    a5 = pd.read_csv(tmp_path / "a5.csv")
    assert list(a5["setup"]) == ["sampling", "det_noop"]
    assert (a5["verdict_vs_dt"] == "not shown at this scale").all()  # one seed: no interval
    assert minatar_tables.main(["claims", "--common", common, "--evals", *evals,
                                "--out", str(tmp_path / "claims.csv")]) == 0
    claims = pd.read_csv(tmp_path / "claims.csv")
    assert list(claims["claim"]) == ["fdt_minatar_beats_dt_breakout", "fdt_minatar_beats_bc_breakout"]
    assert claims["value"].iloc[0] == pytest.approx(a5["fdt_mean"].iloc[0] - a5["dt_mean"].iloc[0])
    assert minatar_tables.main(["sweep", "--common", common, "--evals", *evals,
                                "--out", str(tmp_path / "sweep.pdf")]) == 0
    assert (tmp_path / "sweep.pdf").stat().st_size > 0
