"""Seaquest DQN with tianshou 2.x, and the DSI adaptive-horizon DQN (brief §3.8).

Plain DQN: tianshou's ``DQN`` (double DQN, MSE TD loss, target sync), Nature CNN on the DeepMind
preprocessed game (train envs: episodic life, clipped rewards; test: full game, raw rewards).

DSI-DQN: per update, (1) chain ``chain`` consecutive replay indices (random start, follow
``buffer.next``, jump to a new random index at an episode end); (2) score the chain's ``obs_next``
stacks once with the frozen detector (frames / 255, score rows zeroed as in D's training: a
documented fix); (3) draw ``batch_size`` distinct positions from [3, chain - 3); (4) give each
target its own horizon n_j = 1 + argmax(m_j, ..., m_{j+N-1}): the n_j-step double-DQN return with
tianshou's episode-end truncation, i.e. each target bootstraps at the highest-scored state within
the next N steps. Targets are computed per distinct n_j (vectorised).
"""
from __future__ import annotations

import time
from typing import Dict, List, Sequence

import numpy as np
import torch

from scripts.common.envs import make_atari
from scripts.common.io import torch_load


def make_env(game: str, train: bool, max_episode_frames: int = 108_000):
    return make_atari(game, terminal_on_life_loss=train, clip_rewards=train,
                      max_episode_frames=max_episode_frames)


def adaptive_horizons(scores: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
    """n_j = 1 + argmax(scores[j : j + horizon]) for each position j (first max on ties)."""
    scores = np.asarray(scores, dtype=float)
    win = np.stack([scores[np.asarray(positions) + i] for i in range(horizon)], axis=1)
    return 1 + np.argmax(win, axis=1)


def chain_indices(buffer, length: int, rng: np.random.Generator) -> np.ndarray:
    """``length`` consecutive replay indices; restart at a random index at an episode end."""
    valid = buffer.sample_indices(0)
    cur = int(rng.choice(valid))
    out = [cur]
    while len(out) < length:
        nxt = int(buffer.next(np.array([cur]))[0])
        cur = int(rng.choice(valid)) if nxt == cur else nxt
        out.append(cur)
    return np.array(out, dtype=np.int64)


def build_algorithm(cfg: Dict, env, method: str, detector=None, rng=None):
    from tianshou.algorithm import DQN
    from tianshou.algorithm.modelfree.dqn import DiscreteQLearningPolicy
    from tianshou.algorithm.optim import AdamOptimizerFactory
    from tianshou.env.atari.atari_network import DQNet, ScaledObsInputActionReprNet

    c, h, w = env.observation_space.shape
    net = ScaledObsInputActionReprNet(DQNet(c, h, w, env.action_space.n))
    policy = DiscreteQLearningPolicy(model=net, action_space=env.action_space,
                                     eps_training=cfg["eps_train"], eps_inference=cfg["eps_test"])
    n_step = int(method.split("-n")[1]) if method.startswith("baseline-n") else 1
    kwargs = dict(policy=policy, optim=AdamOptimizerFactory(lr=cfg["lr"]), gamma=cfg["gamma"],
                  n_step_return_horizon=n_step if method != "policy" else cfg["n_step"],
                  target_update_freq=cfg["target_update_freq"], is_double=True)
    if method == "dsi":
        return make_dsi_dqn(detector, int(cfg["horizon"]), int(cfg["chain"]),
                            rng or np.random.default_rng(0), **kwargs)
    return DQN(**kwargs)


def make_dsi_dqn(detector, horizon: int, chain: int, rng: np.random.Generator, **kwargs):
    from tianshou.algorithm import DQN
    from tianshou.algorithm.algorithm_base import TrainingStats
    from tianshou.utils.torch_utils import torch_train_mode

    class DSIDQN(DQN):
        """DQN whose targets bootstrap at the detector's highest-scored state ahead."""

        def _update(self, sample_size, buffer, update_with_batch_fn):
            if buffer is None or len(buffer) < chain:
                return TrainingStats()
            start = time.time()
            idx = chain_indices(buffer, chain, rng)
            obs = np.asarray(buffer[idx].obs_next)
            with torch.no_grad():
                x = torch.from_numpy(obs).float().div_(255.0)[None]
                x[..., :detector.zero_top_rows, :] = 0.0
                m = detector(x, torch.tensor([chain])).numpy()[0]
            n = min(int(sample_size), chain - 6)
            positions = np.sort(rng.choice(np.arange(3, chain - 3), size=n, replace=False))
            horizons = adaptive_horizons(m, positions, horizon)
            indices = idx[positions]
            batch = buffer[indices]
            returns = np.zeros(len(indices), dtype=np.float32)
            for h in np.unique(horizons):
                sel = np.nonzero(horizons == h)[0]
                sub = self.compute_nstep_return(batch=buffer[indices[sel]], buffer=buffer,
                                                indices=indices[sel], target_q_fn=self._target_q,
                                                gamma=self.gamma, n_step=int(h))
                returns[sel] = np.asarray(sub.returns).reshape(-1)
            batch.returns = returns
            with torch_train_mode(self):
                stat = update_with_batch_fn(batch)
            stat.train_time = time.time() - start
            self.horizon_log.append(float(np.mean(horizons)))
            return stat

    alg = DSIDQN(**kwargs)
    alg.horizon_log = []
    detector.eval()
    return alg


def run_dqn(cfg: Dict, game: str, method: str, seed: int, total_steps: int,
            save_at: Sequence[int], save_fn, log, detector=None,
            max_episode_frames: int = 108_000, resume: Dict = None) -> List[Dict]:
    """Train for ``total_steps`` env steps; evaluate and call ``save_fn(step, algorithm)`` at each
    step in ``save_at`` and every ``epoch_steps`` (``save_fn(step, algorithm, rows)``); return
    progress rows (step, test return)."""
    from tianshou.data import Collector, VectorReplayBuffer
    from tianshou.env import DummyVectorEnv
    from tianshou.utils.torch_utils import policy_within_training_step, torch_train_mode

    torch.manual_seed(seed)
    n_train = int(cfg["train_envs"])
    max_episode_frames = int(cfg.get("max_episode_frames", max_episode_frames))
    train_envs = DummyVectorEnv([lambda: make_env(game, True, max_episode_frames)
                                 for _ in range(n_train)])
    test_env = DummyVectorEnv([lambda: make_env(game, False, max_episode_frames)])
    train_envs.seed(seed)
    test_env.seed(seed + 10_000)
    probe = make_env(game, True)
    alg = build_algorithm(cfg, probe, method, detector, np.random.default_rng(seed))
    probe.close()
    buf = VectorReplayBuffer(int(cfg["buffer_size"]), buffer_num=n_train, ignore_obs_next=False)
    train_c = Collector(alg, train_envs, buf, exploration_noise=True)
    test_c = Collector(alg, test_env, exploration_noise=True)
    train_c.reset()
    test_c.reset()
    rows: List[Dict] = []
    steps, updates, t0 = 0, 0.0, time.time()
    if resume:  # network weights, optimiser and progress; the replay buffer is re-warmed
        alg.load_state_dict(resume["algorithm"])
        rows, steps = list(resume["rows"]), int(resume["step"])
        log(f"resumed at step {steps}")
    marks = sorted(set(list(save_at) + list(range(int(cfg["epoch_steps"]), total_steps + 1,
                                                  int(cfg["epoch_steps"])))))
    with policy_within_training_step(alg.policy), torch_train_mode(alg.policy, False):
        train_c.collect(n_step=int(cfg["start_steps"]) or n_train, random=True)
    for mark in marks:
        if mark <= steps:
            continue
        while steps < mark:
            frac = min(1.0, steps / float(cfg["eps_decay_steps"]))
            alg.policy.set_eps_training(cfg["eps_train"] + frac * (cfg["eps_train_final"]
                                                                   - cfg["eps_train"]))
            with policy_within_training_step(alg.policy):
                with torch_train_mode(alg.policy, False):
                    stats = train_c.collect(n_step=int(cfg["step_per_collect"]))
                steps += stats.n_collected_steps
                updates += stats.n_collected_steps * float(cfg["update_per_step"])
                while updates >= 1.0:
                    alg.update(buffer=buf, sample_size=int(cfg["batch_size"]))
                    updates -= 1.0
        with torch_train_mode(alg.policy, False):
            res = test_c.collect(n_episode=int(cfg["test_episodes"]), reset_before_collect=True)
        ret = float(np.mean(res.returns))
        row = {"step": int(steps), "test_return": ret, "test_return_std": float(np.std(res.returns)),
               "seconds": time.time() - t0}
        if hasattr(alg, "horizon_log") and alg.horizon_log:
            row["mean_horizon"] = float(np.mean(alg.horizon_log[-1000:]))
        rows.append(row)
        log(f"{method} seed {seed}: step {steps}, test return {ret:.1f}")
        save_fn(mark, alg, rows)
    train_envs.close()
    test_env.close()
    return rows


def greedy_action(net, obs: np.ndarray) -> int:
    with torch.no_grad():
        q = net(torch.from_numpy(np.asarray(obs)[None]))[0]
    return int(q.argmax(-1)[0])


def load_qnet(path: str, env):
    from tianshou.env.atari.atari_network import DQNet, ScaledObsInputActionReprNet

    c, h, w = env.observation_space.shape
    net = ScaledObsInputActionReprNet(DQNet(c, h, w, env.action_space.n))
    net.load_state_dict(torch_load(path, map_location="cpu"))
    net.eval()
    return net


def rollout_episode(env, net, rng: np.random.Generator, eps: float, seed: int,
                    max_steps: int) -> Dict[str, np.ndarray]:
    """One full-game episode with epsilon-greedy ``net``: single uint8 frames (T + 4, 84, 84)
    (stacks are rebuilt from them) and raw rewards with a leading 0 (T + 1,)."""
    obs, _ = env.reset(seed=int(seed))
    frames = [np.asarray(f) for f in np.asarray(obs)]
    rewards = [0.0]
    for _ in range(max_steps):
        a = int(rng.integers(env.action_space.n)) if rng.random() < eps else greedy_action(net, obs)
        obs, r, term, trunc, _ = env.step(a)
        frames.append(np.asarray(obs)[-1])
        rewards.append(float(r))
        if term or trunc:
            break
    return {"frames": np.stack(frames).astype(np.uint8), "rewards": np.array(rewards, np.float32)}
