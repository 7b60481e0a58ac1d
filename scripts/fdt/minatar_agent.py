"""The laptop scale's MinAtar stand-in for the ALE: a tianshou DQN on MinAtar frames, acted by
``scripts.fdt.agent.run_online`` (the same loop, epsilon schedule, replay memory and episode
logger as the ALE behaviour log), through a small adapter over the shared factory
``scripts.common.envs.MinAtarVectorEnv``.

Observations are MinAtar's C x 10 x 10 binary frames (uint8 0/1). The adapter adds a stack axis
of length 1 ([n, 1, C, 10, 10]) so that ``run_online`` logs ``obs[:, -1]``, the frame itself:
MinAtar frames carry motion trails, so no frame stacking is used (as the MinAtar paper's DQN).
The Q-network is the MinAtar paper's DQN (Young and Tian 2019): one 3x3 conv of 16 channels,
a hidden layer of 128 units.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn

from scripts.common.envs import MINATAR_CHANNELS, MinAtarVectorEnv, minatar_game

# MinAtar's full action set (all games): no-op, left, up, right, down, fire
N_ACTIONS = 6


def frame_shape(game: str) -> Tuple[int, int, int]:
    """(C, 10, 10): one logged MinAtar frame."""
    return (MINATAR_CHANNELS[minatar_game(game)], 10, 10)


class MinAtarGroup:
    """``MinAtarVectorEnv`` with the ``send``/``recv`` interface ``run_online`` steps (one group).

    ``recv`` returns the next observations [n, 1, C, 10, 10], raw rewards, terminated and
    truncated flags and an info dict with ``final_obs`` (the last observation of an episode
    that ended, same-step autoreset) and ``lives`` (MinAtar has none: -1)."""

    def __init__(self, game: str, num_envs: int, *, sticky: float, max_steps: int = 0):
        self.vec = MinAtarVectorEnv(game, num_envs, max_episode_steps=max_steps or None,
                                    sticky_action_prob=float(sticky))
        self.num_envs = int(num_envs)
        self.single_action_space = self.vec.single_action_space
        self._pending: Optional[np.ndarray] = None

    def reset(self, seed: int = 0) -> Tuple[np.ndarray, Dict[str, Any]]:
        self.vec.seed = int(seed)
        return self.vec.reset()[:, None], {}

    def send(self, actions) -> None:
        self._pending = np.asarray(actions)

    def recv(self):
        obs, rew, term, trunc = self.vec.step(self._pending)
        final = np.zeros_like(obs)
        for i, f in enumerate(self.vec.final_obs):
            if f is not None:
                final[i] = f
        info = {"final_obs": final[:, None], "lives": np.full(self.num_envs, -1, np.int32)}
        return obs[:, None], rew, term, trunc, info

    def close(self) -> None:
        self.vec.close()


class MinAtarQNet(nn.Module):
    """Q(s, .) of the MinAtar paper's DQN for [B, 1, C, 10, 10] or [B, C, 10, 10] 0/1 frames;
    the tianshou model interface (``forward(obs, state, info) -> (q, state)``)."""

    def __init__(self, channels: int, n_actions: int = N_ACTIONS, hidden: int = 128):
        super().__init__()
        self.channels = channels
        self.net = nn.Sequential(nn.Conv2d(channels, 16, 3), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(16 * 8 * 8, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_actions))
        self.output_dim = n_actions

    def forward(self, obs, state=None, info=None):
        device = next(self.parameters()).device
        x = torch.as_tensor(np.asarray(obs) if not torch.is_tensor(obs) else obs,
                            device=device, dtype=torch.float32)
        x = x.reshape((-1, self.channels, 10, 10))
        return self.net(x), state


def build_dqn(game: str, *, lr: float, gamma: float, target_update: int, n_step: int = 1,
              adam_eps: float = 1.5e-4):
    """A tianshou DQN with the MinAtar Q-network for ``game`` (6 actions)."""
    import gymnasium as gym
    from tianshou.algorithm import DQN
    from tianshou.algorithm.modelfree.dqn import DiscreteQLearningPolicy
    from tianshou.algorithm.optim import AdamOptimizerFactory

    net = MinAtarQNet(frame_shape(game)[0])
    policy = DiscreteQLearningPolicy(model=net, action_space=gym.spaces.Discrete(N_ACTIONS))
    return DQN(policy=policy, optim=AdamOptimizerFactory(lr=lr, eps=adam_eps), gamma=gamma,
               n_step_return_horizon=n_step, target_update_freq=target_update, is_double=False,
               huber_loss_delta=1.0)


def greedy_actions(net: MinAtarQNet, frames: np.ndarray) -> np.ndarray:
    """argmax_a Q(s, a) for frames [N, C, 10, 10] (ties: the first action), in chunks."""
    out = []
    with torch.no_grad():
        for i in range(0, len(frames), 4096):
            q, _ = net(frames[i:i + 4096])
            out.append(q.argmax(-1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def play(game: str, act, *, episodes: int, seed: int, sticky: float, max_steps: int) -> np.ndarray:
    """Raw returns of ``episodes`` episodes of ``act(frames [n, C, 10, 10]) -> actions``, one
    per parallel env (so long episodes are not under-counted), each capped at ``max_steps``."""
    vec = MinAtarVectorEnv(game, episodes, seed=seed, max_episode_steps=max_steps,
                           sticky_action_prob=float(sticky))
    obs = vec.reset()
    ret = np.zeros(episodes)
    live = np.ones(episodes, dtype=bool)
    while live.any():
        obs, rew, term, trunc = vec.step(act(obs))
        ret += rew * live
        live &= ~(term | trunc)
    vec.close()
    return ret
