"""Known-value tests for rules of docs/fidelity/fdt.md that no other test pins: the
evaluation loop (on a scripted environment), the action rules, the per-seed score, the
optimizer's parameter groups and the configured constants."""
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from scripts.common.config import load_config
from scripts.fdt.evaluate import SETUPS, choose_actions, rollout
from scripts.fdt.model import DecisionTransformer, configure_optimizer
from scripts.fdt.tables import per_seed_scores
from scripts.fdt.train import window_starts


@pytest.fixture(scope="module")
def cfg():
    return load_config(overrides={"papers": ["fdt"]})["fdt"]


# ---- configured constants ---------------------------------------------------------------

def test_one_trainset_capacity_for_every_game_and_seed(cfg):
    # the original's Pong seed 512 used 150,000: not reproduced, one scalar for all runs
    assert cfg["paper"]["trainset"]["capacity"] == 100000
    for scale in ("smoke", "laptop", "paper"):
        assert isinstance(cfg[scale]["trainset"]["capacity"], int)
        assert "capacity" not in str(cfg[scale].get("per_game", {}))


def test_labels_are_shipped_at_paper_scale_and_a_local_oracle_at_cpu_scales(cfg):
    assert cfg["paper"]["feedback"]["source"] == "shipped"
    assert cfg["smoke"]["feedback"]["source"] == "oracle"
    assert cfg["laptop"]["feedback"]["source"] == "oracle"


def test_training_constants_and_drop_last_windows(cfg):
    m = cfg["paper"]["model"]
    assert (m["epochs"], m["grad_clip"], m["max_steps"]) == (5, 1.0, 0)
    # windows: one start per index i < n - K, min(i, episode end - K); train.main takes
    # len(starts) // batch steps per epoch (drop_last)
    starts = window_starts(np.array([0, 0, 0, 0, 4, 4, 4, 4, 4, 4]), 3)
    assert starts.tolist() == [0, 1, 1, 1, 4, 5, 6]
    assert len(starts) // 2 == 3


def test_evaluation_setups_and_counts(cfg):
    assert SETUPS == {"det": ("det", False), "det_noop": ("det", True),
                      "sampling": ("sampling", False), "sampling_noop": ("sampling", True),
                      "eps": ("eps", False), "eps_noop": ("eps", True)}
    ev = cfg["paper"]["eval"]
    assert (ev["episodes"], ev["noop_max"], ev["max_steps"]) == (10, 30, 27000)
    assert ev["max_steps_per_game"] == {"seaquest": 5000}


# ---- action rules -----------------------------------------------------------------------

def test_choose_actions_det_sampling_and_eps():
    ln3 = math.log(3.0)
    logits = torch.tensor([[0.0, ln3, 0.0]]).repeat(20000, 1)  # softmax (0.2, 0.6, 0.2)
    rng = np.random.default_rng(0)
    assert (choose_actions(logits, "det", rng) == 1).all()
    freq = np.bincount(choose_actions(logits, "sampling", rng), minlength=3) / 20000
    assert np.allclose(freq, [0.2, 0.6, 0.2], atol=0.015)
    # Eps.: argmax unless a draw < 0.001 (default), then uniform over all actions
    eps = choose_actions(logits, "eps", np.random.default_rng(1))
    assert 0 < (eps != 1).sum() < 40
    allrand = choose_actions(logits, "eps", np.random.default_rng(2), epsilon=1.0)
    assert np.allclose(np.bincount(allrand, minlength=3) / 20000, 1 / 3, atol=0.015)


# ---- per-seed score ---------------------------------------------------------------------

def test_per_seed_score_is_the_mean_of_truncated_episode_means():
    base = {"env": "pong", "method": "fdt", "experiment": "main", "seed": 0,
            "metric": "sampling", "rtg_label": "20"}
    rows = [dict(base, test_seed=1, value=v) for v in (1.6, 2.9)]      # 2.25 -> 2
    rows += [dict(base, test_seed=2, value=v) for v in (-1.0, -2.0)]   # -1.5 -> -1
    out = per_seed_scores(pd.DataFrame(rows))
    assert len(out) == 1 and out["value"].iloc[0] == 0.5
    assert out["game"].iloc[0] == "pong" and out["setup"].iloc[0] == "sampling"


# ---- optimizer groups -------------------------------------------------------------------

def test_weight_decay_only_on_linear_and_conv_weights():
    net = DecisionTransformer(4, 2, 5, n_layer=1, n_head=1, n_embd=8, dropout=0.0)
    opt = configure_optimizer(net, 1e-3, 0.1, (0.9, 0.95))
    assert isinstance(opt, torch.optim.AdamW)
    names = {id(p): n for n, p in net.named_parameters()}
    decay = {names[id(p)] for p in opt.param_groups[0]["params"]}
    rest = {names[id(p)] for p in opt.param_groups[1]["params"]}
    assert opt.param_groups[0]["weight_decay"] == 0.1 and opt.param_groups[1]["weight_decay"] == 0
    assert opt.param_groups[0]["betas"] == (0.9, 0.95)
    mods = dict(net.named_modules())
    want = {n for n in names.values() if n.endswith("weight")
            and isinstance(mods[n.rsplit(".", 1)[0]], (nn.Linear, nn.Conv2d))}
    assert decay == want and decay.isdisjoint(rest) and decay | rest == set(names.values())
    assert {"pos_emb", "global_pos_emb"} <= rest
    assert any(isinstance(mods[n.rsplit(".", 1)[0]], nn.Conv2d) for n in decay)
    assert all(not isinstance(mods[n.rsplit(".", 1)[0]], (nn.LayerNorm, nn.Embedding))
               for n in decay if "." in n)


# ---- evaluation loop on a scripted vector environment -----------------------------------

class _ScriptedEnv:
    """Vector env stand-in: scripted rewards and lives per step; records resets and actions."""

    def __init__(self, rewards, lives, start_lives):
        self.rewards, self.lives = np.asarray(rewards, float), np.asarray(lives)
        self.start_lives = np.asarray(start_lives)
        self.resets, self.actions, self.t = 0, [], 0

    def reset(self, seed):
        self.resets += 1
        e = len(seed)
        return np.full((e, 4, 84, 84), 7, np.uint8), {"lives": self.start_lives.copy()}

    def step(self, act):
        t = self.t
        self.actions.append(np.asarray(act).tolist())
        self.t += 1
        e = len(act)
        done = np.full(e, self.t == len(self.rewards))
        return (np.full((e, 4, 84, 84), 10 + t, np.uint8), self.rewards[t], done,
                np.zeros(e, bool), {"lives": self.lives[t]})


class _Recorder(nn.Module):
    """Policy that always prefers action 3; records the model inputs it is given."""

    def __init__(self, context, max_t):
        super().__init__()
        self.context = context
        self.global_pos_emb = nn.Parameter(torch.zeros(1, max_t + 1, 1))
        self.calls = []

    def forward(self, states, actions, rtgs, timesteps):
        self.calls.append((states[:, 0, 0, 0, 0].tolist(), rtgs[:, -1].tolist(),
                           timesteps.tolist(), states.shape[1]))
        logits = torch.zeros(states.shape[0], states.shape[1], 4)
        logits[..., 3] = 1.0
        return logits


def _play(game, rewards, lives, start_lives, context=3, max_t=3, target=10.0):
    env = _ScriptedEnv(rewards, lives, start_lives)
    net = _Recorder(context, max_t)
    ret = rollout(net, game, env, mode="det", target=target,
                  env_seeds=list(range(len(start_lives))), max_steps=len(rewards),
                  rng=np.random.default_rng(0), device="cpu")
    return env, net, ret


def _breakout():
    rewards = [[0, 0], [1, 0], [0, 0], [4, 0], [0, 0], [0, 0], [0, 0]]
    lives = [[5, 5], [5, 5], [4, 5], [4, 5], [4, 5], [4, 5], [4, 5]]
    return _play("breakout", rewards, lives, [5, 5])


def test_life_loss_replaces_the_next_action_by_fire():
    env, _, ret = _breakout()
    # env 0 loses a life on step 2: its step-3 action is FIRE (1), inside the agent's steps
    assert [a[0] for a in env.actions] == [3, 3, 3, 1, 3, 3, 3]
    assert [a[1] for a in env.actions] == [3] * 7
    assert ret.tolist() == [5.0, 0.0]


def test_rtg_is_decremented_by_the_raw_reward():
    _, net, _ = _breakout()
    assert [c[1][0] for c in net.calls] == [10, 10, 9, 9, 5, 5, 5]


def test_one_reset_per_episode_and_the_first_action_on_its_frame():
    env, net, _ = _breakout()
    assert env.resets == 1
    assert net.calls[0][0] == [7, 7]  # step 0 acts on the reset's frame
    assert net.calls[1][0] == [7, 7]


def test_global_timestep_is_the_windows_first_step_capped():
    _, net, _ = _breakout()
    # context 3: window lengths 1, 2, 3, 3, ...; first step max(0, t - 2), capped at 3
    assert [c[3] for c in net.calls] == [1, 2, 3, 3, 3, 3, 3]
    assert [c[2][0] for c in net.calls] == [0, 0, 0, 1, 2, 3, 3]


def test_pong_point_replaces_the_next_action_by_fire():
    env, _, ret = _play("pong", [[0], [-1], [0], [1], [0]], [[0]] * 5, [0])
    assert [a[0] for a in env.actions] == [3, 3, 1, 3, 1]
    assert ret.tolist() == [0.0]


# ---- the evaluation ALE (ale-py's vector env) -------------------------------------------

def test_eval_env_zero_padded_stack_and_noop_starts():
    pytest.importorskip("ale_py")
    from scripts.fdt.evaluate import make_eval_env

    seeds = np.array([1, 2, 3], dtype=np.int64)
    env = make_eval_env("pong", 3, noop_max=0, max_steps=100)
    obs, info = env.reset(seed=seeds)
    assert obs.shape == (3, 4, 84, 84) and obs.dtype == np.uint8
    # zero-padded 4-stack: only the newest frame is filled after a reset
    assert [int((obs[0, j] != 0).sum()) for j in range(4)] == [0, 0, 0, 7056]
    assert info["episode_frame_number"].tolist() == [1, 1, 1]  # FIRE reset, no no-ops
    obs, _, _, _, info = env.step(np.zeros(3, dtype=np.int64))
    assert info["episode_frame_number"].tolist() == [5, 5, 5]  # frame skip 4
    assert [int((obs[0, j] != 0).sum()) for j in range(4)] == [0, 0, 7056, 7056]
    env.close()
    # up to 30 no-op starts: ale-py's own draw per seed (pinned values, not the original's)
    env = make_eval_env("pong", 3, noop_max=30, max_steps=100)
    _, info = env.reset(seed=seeds)
    assert info["episode_frame_number"].tolist() == [12, 13, 16]
    env.close()
