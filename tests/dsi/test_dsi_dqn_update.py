"""DSI-DQN's replay chain and one `_update` on a hand-built buffer (ledger H1, H2, H3, H5):
with a Q-network that outputs 0 the targets are the discounted reward sums over each
position's adaptive horizon, cut at the episode end."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
from tianshou.algorithm.algorithm_base import TrainingStats
from tianshou.algorithm.modelfree.dqn import DiscreteQLearningPolicy
from tianshou.algorithm.optim import AdamOptimizerFactory
from tianshou.data import Batch, ReplayBuffer

from scripts.dsi.seaquest import adaptive_horizons, chain_indices, make_dsi_dqn


def _buffer(ep_lens, size=None, frame=None):
    buf = ReplayBuffer(size or sum(ep_lens))
    i = 0
    for n in ep_lens:
        for t in range(n):
            f = np.zeros((1, 12, 4), dtype=np.uint8) if frame is None else frame(i)
            buf.add(Batch(obs=f, act=0, rew=float(i + 1), terminated=t == n - 1,
                          truncated=False, obs_next=f, info={}))
            i += 1
    return buf


def test_chain_follows_next_and_restarts_at_episode_ends():
    """H1: consecutive indices along `buffer.next`; after an episode's last step a new random
    start. Episodes 0-3, 4-6, 7-12; known chains for two generator seeds."""
    buf = _buffer((4, 3, 6))
    assert chain_indices(buf, 12, np.random.default_rng(0)).tolist() == \
        [11, 12, 8, 9, 10, 11, 12, 6, 3, 4, 5, 6]
    assert chain_indices(buf, 12, np.random.default_rng(1)).tolist() == \
        [6, 6, 9, 10, 11, 12, 12, 0, 1, 2, 3, 1]


class _ZeroQ(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(48, 3)

    def forward(self, obs, state=None, info=None):
        x = torch.as_tensor(np.asarray(obs), dtype=torch.float32).flatten(1)
        return self.lin(x) * 0.0, state


class _Detector(nn.Module):
    """Records its input; scores the chain with a fixed pattern."""
    zero_top_rows = 10

    def __init__(self, scores):
        super().__init__()
        self.scores = torch.tensor(scores, dtype=torch.float32)
        self.seen = []

    def forward(self, x, lengths):
        self.seen.append((x.clone(), lengths.clone()))
        return self.scores[None, : x.shape[1]]


def horizons_of(scores, positions):
    return adaptive_horizons(scores, positions, 5).tolist()


def test_update_scores_zeroed_frames_and_bootstraps_at_adaptive_horizons():
    chain, gamma = 20, 0.5

    def frame(i):  # every pixel 255, except row 11 col 0 which holds the buffer index
        f = np.full((1, 12, 4), 255, dtype=np.uint8)
        f[0, 11, 0] = i
        return f

    buf = _buffer((30, 25), frame=frame)  # indices 0-29 and 30-54; rewards index + 1
    scores = np.array([0.1, 0.9, 0.2, 0.3, 0.8, 0.1, 0.0, 0.7, 0.2, 0.6,
                       0.5, 0.1, 0.95, 0.2, 0.3, 0.1, 0.4, 0.8, 0.2, 0.1])
    det = _Detector(scores)
    space = gym.spaces.Discrete(3)
    policy = DiscreteQLearningPolicy(model=_ZeroQ(), action_space=space, eps_training=0.0,
                                     eps_inference=0.0)
    alg = make_dsi_dqn(det, 5, chain, np.random.default_rng(4), policy=policy,
                       optim=AdamOptimizerFactory(lr=1e-4), gamma=gamma,
                       n_step_return_horizon=1, target_update_freq=0, is_double=True)
    got = []
    alg._update(6, buf, lambda b: (got.append(b), TrainingStats())[1])
    (x, lengths), = det.seen
    # H2: D sees the chain's obs_next / 255 with the top 10 rows zeroed, as in D's training
    assert x.shape == (1, chain, 1, 12, 4) and lengths.tolist() == [chain]
    assert float(x[..., :10, :].abs().max()) == 0.0
    assert torch.all(x[..., 10, :] == 1.0) and torch.all(x[..., 11, 1:] == 1.0)
    idx = (x[0, :, 0, 11, 0] * 255).round().long().numpy()
    batch, = got
    index = np.asarray(batch.obs)[:, 0, 11, 0].astype(np.int64)
    positions = np.array([int(np.nonzero(idx == i)[0][0]) for i in index])
    # H3: distinct positions in 3 .. chain - 4, known for generator seed 4
    assert positions.tolist() == sorted(set(positions.tolist()))
    assert positions.min() >= 3 and positions.max() <= chain - 4
    assert idx.tolist() == KNOWN_CHAIN and positions.tolist() == KNOWN_POSITIONS
    assert horizons_of(scores, positions) == [1, 5, 3, 5, 4, 3]
    # H5: target Q is 0, so the return is the discounted reward sum over n steps, cut at the
    # episode's end (index 29 ends the first episode)
    horizons = adaptive_horizons(scores, positions, 5)
    expected = []
    for i, n in zip(index, horizons):
        g, k = 0.0, i
        for j in range(n):
            g += gamma ** j * (k + 1)
            if k in (29, 54):
                break
            k += 1
        expected.append(g)
    assert np.allclose(np.asarray(batch.returns), expected)
    assert np.allclose(np.asarray(batch.returns), KNOWN_RETURNS)
    assert alg.horizon_log == [float(np.mean(horizons))]


# generator seed 4: the chain runs 39-54, reaches the second episode's end and restarts at 51
KNOWN_CHAIN = [39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 51, 52, 53, 54]
KNOWN_POSITIONS = [4, 8, 10, 13, 14, 15]
# horizons 1, 5, 3, 5, 4, 3; e.g. index 52 with n = 5: 53 + 54 / 2 + 55 / 4, cut after index 54
KNOWN_RETURNS = [44.0, 94.625, 88.5, 93.75, 81.5, 55.0]
