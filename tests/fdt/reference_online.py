"""The per-step behaviour loop before the speed work (commit d9335ed's scripts/fdt/agent.py:
greedy_q, EpisodeLogger and run_online, verbatim but for names), kept as the reference that
the fast path in scripts/fdt/agent.py must reproduce bit for bit."""
from __future__ import annotations

import time
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from scripts.fdt.agent import linear_epsilon

def ref_greedy_q(policy, obs: np.ndarray) -> torch.Tensor:
    """Q-values of a tianshou DQN/C51 policy for stacked uint8 observations [B, 4, 84, 84]."""
    with torch.no_grad():
        logits, _ = policy.model(obs)
        return policy.compute_q_value(logits, None)


class RefEpisodeLogger:
    """Chronological behaviour log in our buffer layout, one complete episode at a time.

    Each sub-environment's stream is kept apart until its episode ends, so every episode
    is contiguous in the buffers (as in a single-actor dopamine log)."""

    def __init__(self, num_envs: int, buffer_size: int, flush: Callable[[int, Dict], None]):
        self.buffer_size = buffer_size
        self.flush_fn = flush
        self.open = [self._empty() for _ in range(num_envs)]
        self.current = self._empty()
        self.n_current = 0
        self.k = 0
        self.episode_returns: List[float] = []

    @staticmethod
    def _empty() -> Dict[str, list]:
        return {"observation": [], "action": [], "reward": [], "raw_reward": [], "terminal": [],
                "lives": []}

    def add(self, frames: np.ndarray, actions: np.ndarray, raw: np.ndarray, term: np.ndarray,
            trunc: np.ndarray, lives: np.ndarray) -> None:
        for i in range(len(actions)):
            ep = self.open[i]
            ep["observation"].append(frames[i])
            ep["action"].append(actions[i])
            ep["raw_reward"].append(raw[i])
            ep["reward"].append(np.sign(raw[i]))
            ep["terminal"].append(bool(term[i]))
            ep["lives"].append(lives[i])
            if term[i] or trunc[i]:
                self.episode_returns.append(float(np.sum(ep["raw_reward"])))
                self._close(i)

    def _close(self, i: int) -> None:
        ep = self.open[i]
        for key, vals in ep.items():
            self.current[key].extend(vals)
        self.n_current += len(ep["action"])
        self.open[i] = self._empty()
        if self.n_current >= self.buffer_size:
            self.flush()

    def flush(self) -> None:
        if self.n_current == 0:
            return
        c = self.current
        n = self.n_current
        buf = {
            "observation": np.asarray(c["observation"], dtype=np.uint8),
            "action": np.asarray(c["action"], dtype=np.int32),
            "reward": np.asarray(c["reward"], dtype=np.float32),
            "raw_reward": np.asarray(c["raw_reward"], dtype=np.float32),
            "terminal": np.asarray(c["terminal"], dtype=np.uint8),
            "lives": np.asarray(c["lives"], dtype=np.int32),
            "padding": np.zeros(n, dtype=bool),
            "valid": np.ones(n, dtype=bool),
        }
        self.flush_fn(self.k, buf)
        self.k += 1
        self.current = self._empty()
        self.n_current = 0


def ref_run_online(algo, env, *, total_steps: int, num_envs: int, seed: int, batch_size: int,
               learning_starts: int, update_every: int, eps_start: float, eps_end: float,
               eps_decay: int, replay_size: int, logger: Optional[RefEpisodeLogger] = None,
               on_progress: Optional[Callable[[int], None]] = None,
               checkpoint: Optional[Callable[[int, Dict[str, list]], None]] = None,
               checkpoint_every: int = 0, start_step: int = 0,
               curve: Optional[Dict[str, list]] = None) -> Dict[str, list]:
    """Train ``algo`` online for ``total_steps`` agent steps (summed over sub-environments).

    ``update_every``: agent steps per gradient update of ``batch_size`` transitions (dopamine
    DQN: 4). Returns the learning curve (agent step at each finished episode, its raw return).
    """
    from tianshou.data import Batch, ReplayBuffer
    from tianshou.utils.torch_utils import policy_within_training_step

    rng = np.random.default_rng(seed)
    # one plain buffer with stacked obs and obs_next: tianshou's VectorReplayBuffer would keep
    # single frames, but JIT-compiles (numba) for ~15 s per process, more than a smoke run allows
    buffer = ReplayBuffer(replay_size)
    obs, info = env.reset(seed=int(seed))
    ep_ret = np.zeros(num_envs)
    if curve is None:
        curve = {"step": [], "return": [], "wall_s": []}
    n_act = int(env.single_action_space.n)
    step = start_step
    t0 = time.time()
    next_update = step + update_every
    policy = algo.policy
    while step < total_steps:
        eps = linear_epsilon(step, eps_start, eps_end, eps_decay)
        act = rng.integers(0, n_act, size=num_envs)
        greedy = rng.random(num_envs) >= eps
        if greedy.any():
            policy.eval()
            act[greedy] = ref_greedy_q(policy, obs[greedy]).argmax(-1).cpu().numpy()
        obs_next, rew, term, trunc, info = env.step(act.astype(np.int64))
        obs_next_true = obs_next
        if "final_obs" in info and (term | trunc).any():
            obs_next_true = obs_next.copy()
            ended = np.flatnonzero(term | trunc)
            obs_next_true[ended] = np.asarray(info["final_obs"])[ended]
        if logger is not None:
            logger.add(obs[:, -1], act, rew, term, trunc, info["lives"])
        done = term | trunc
        clipped = np.sign(rew).astype(np.float32)
        for i in range(num_envs):
            buffer.add(Batch(obs=obs[i], act=act[i], rew=clipped[i], terminated=term[i],
                             truncated=trunc[i], done=done[i], obs_next=obs_next_true[i],
                             info={}))
        ep_ret += rew
        for i in np.flatnonzero(done):
            curve["step"].append(step + num_envs)
            curve["return"].append(float(ep_ret[i]))
            curve["wall_s"].append(time.time() - t0)
            ep_ret[i] = 0.0
        obs = obs_next
        step += num_envs
        while step >= next_update:
            next_update += update_every
            if step >= learning_starts and len(buffer) >= batch_size:
                policy.train()
                with policy_within_training_step(policy):
                    algo.update(buffer, batch_size)
        if on_progress is not None:
            on_progress(num_envs)
        if checkpoint is not None and checkpoint_every and step % checkpoint_every < num_envs \
                and step < total_steps:
            checkpoint(step, curve)
    return curve
