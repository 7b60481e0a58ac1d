"""Synthetic environments (SEs), reward networks (RNs) and the batched envs agents train on.

SE (the original's envs/virtual_env.py): three MLPs (state, reward, done) on concat(one-hot
action, state), action FIRST; linear outputs; done when the done output > 0.5 (no sigmoid);
start states from the real env's reset(); deterministic; step cap = truncation.

RN modes (envs/reward_env.py); states and dones always come from the real env:
  0 native r; 1/2 exclusive/additive potential (r +) gamma*Phi(s') - Phi(s);
  3/4 as 1/2 with Phi(s, info); 5/6 exclusive/additive non-potential (r +) RN(s');
  7/8 as 5/6 with RN(s', info); 101/102 (r +) w . info (linear, no bias); -1 r + ICM/count bonus.
Info is the SAME step's info for s and s'; Phi is not zeroed at terminal states.
Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import gymnasium as gym
import numpy as np
import torch

from scripts.lse.nets import BatchedMLP

RN_MODES = (-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 101, 102)
POTENTIAL = (1, 2, 3, 4)
ADDITIVE = (2, 4, 6, 8, 102)
WITH_INFO = (3, 4, 7, 8, 101, 102)
MODE_NAMES = {-1: "native + bonus (ICM / count)", 0: "native", 1: "exclusive potential",
              2: "additive potential", 3: "exclusive potential + info",
              4: "additive potential + info", 5: "exclusive non-potential",
              6: "additive non-potential", 7: "exclusive non-potential + info",
              8: "additive non-potential + info", 101: "exclusive linear info",
              102: "additive linear info"}

ENV_IDS = {"cartpole": "CartPole-v0", "acrobot": "Acrobot-v1", "cmc": "MountainCarContinuous-v0",
           "halfcheetah": "HalfCheetah-v5", "cliff": "LSECliff-v0"}
MAX_STEPS = {"cartpole": 200, "acrobot": 500, "cmc": 999, "halfcheetah": 1000, "cliff": 50}


# --------------------------------------------------------------------------- SE
class SyntheticEnvNet(torch.nn.Module):
    def __init__(self, pop: int, obs_dim: int, n_actions: int, net: Dict, seeds: Sequence[int]):
        super().__init__()
        self.obs_dim, self.n_actions = obs_dim, n_actions
        n_in = n_actions + obs_dim
        kw = dict(hidden=int(net["hidden_size"]), layers=int(net["hidden_layer"]),
                  activation=net["activation"])
        self.state_net = BatchedMLP(pop, n_in, obs_dim, seeds=[s + 101 for s in seeds], **kw)
        self.reward_net = BatchedMLP(pop, n_in, 1, seeds=[s + 102 for s in seeds], **kw)
        self.done_net = BatchedMLP(pop, n_in, 1, seeds=[s + 103 for s in seeds], **kw)
        # one shared activation per member across the three nets is not in the original:
        # each net has its own activation object, as here.

    def heads(self):
        return (self.state_net, self.reward_net, self.done_net)

    def numel_member(self) -> int:
        return sum(h.numel_member() for h in self.heads())

    def get_flat(self) -> np.ndarray:
        return np.concatenate([h.get_flat() for h in self.heads()], axis=1)

    def set_flat(self, flat: np.ndarray) -> None:
        flat = np.atleast_2d(flat)
        pos = 0
        for h in self.heads():
            n = h.numel_member()
            h.set_flat(flat[:, pos:pos + n] if flat.shape[0] > 1 else flat[0, pos:pos + n])
            pos += n

    def forward(self, state: torch.Tensor, action: torch.Tensor):
        """state (P, N, obs), action (P, N) long -> next state, reward (P, N), done (P, N) bool."""
        x = torch.cat([torch.nn.functional.one_hot(action.long(), self.n_actions).float(), state], 2)
        return self.state_net(x), self.reward_net(x)[..., 0], self.done_net(x)[..., 0] > 0.5


def make_real_env(env: str, action_repeat: int = 1, max_steps: Optional[int] = None):
    """The real env; ``max_steps`` (smoke scale only) shortens its time limit."""
    if env == "cliff":
        import scripts.lse.gridworlds  # noqa: F401  (registers LSECliff-v0)
    e = gym.make(ENV_IDS[env], max_episode_steps=max_steps) if max_steps else gym.make(ENV_IDS[env])
    if action_repeat > 1:
        e = ActionRepeat(e, action_repeat)
    return e


class ActionRepeat(gym.Wrapper):
    """`same_action_num`: repeat the action, sum the rewards, keep the last info."""

    def __init__(self, env, k: int):
        super().__init__(env)
        self.k = int(k)

    def step(self, action):
        total = 0.0
        for _ in range(self.k):
            obs, r, term, trunc, info = self.env.step(action)
            total += float(r)
            if term or trunc:
                break
        return obs, total, term, trunc, info


def env_spaces(env: str):
    e = make_real_env(env)
    obs_dim = int(np.prod(e.observation_space.shape))
    if isinstance(e.action_space, gym.spaces.Discrete):
        out = (obs_dim, int(e.action_space.n), True, 1.0)
    else:
        out = (obs_dim, int(e.action_space.shape[0]), False, float(e.action_space.high[0]))
    e.close()
    return out


def info_vector(info: Dict, keys: Sequence[str]) -> np.ndarray:
    return np.asarray([float(info.get(k, 0.0)) for k in keys], np.float32)


# --------------------------------------------------------------------------- RN
def rn_input_dim(mode: int, obs_dim: int, info_dim: int) -> int:
    if mode in (101, 102):
        return info_dim
    return obs_dim + (info_dim if mode in WITH_INFO else 0)


def make_rn(mode: int, pop: int, obs_dim: int, info_dim: int, net: Dict,
            seeds: Sequence[int]) -> Optional[BatchedMLP]:
    if mode in (-1, 0):
        return None
    n_in = rn_input_dim(mode, obs_dim, info_dim)
    if mode in (101, 102):
        return BatchedMLP(pop, n_in, 1, layers=0, bias=False, seeds=seeds)
    return BatchedMLP(pop, n_in, 1, int(net["hidden_size"]), int(net["hidden_layer"]),
                      net["activation"], seeds=seeds)


def rn_reward(mode: int, rn: Optional[BatchedMLP], s: np.ndarray, s2: np.ndarray, r: np.ndarray,
              info: Optional[np.ndarray], gamma: float) -> np.ndarray:
    """Reward seen by the agent, for P members: s, s2 (P, obs); r (P,); info (P, info_dim)."""
    if rn is None:
        return np.asarray(r, np.float32)
    with torch.no_grad():
        def net(x):
            return rn(torch.as_tensor(np.asarray(x, np.float32)).unsqueeze(1))[:, 0, 0].numpy()

        if mode in (101, 102):
            learned = net(info)
        else:
            def inp(x):
                return np.concatenate([x, info], 1) if mode in WITH_INFO else x

            if mode in POTENTIAL:
                learned = gamma * net(inp(s2)) - net(inp(s))
            else:
                learned = net(inp(s2))
    return (learned + r if mode in ADDITIVE else learned).astype(np.float32)


def tabular_reward_table(mode: int, flat: np.ndarray, net: Dict, nxt: np.ndarray, rew: np.ndarray,
                         gamma: float) -> np.ndarray:
    """The agent's reward table R[s, a] of a state-only RN on a deterministic grid (one-hot states)."""
    n = nxt.shape[0]
    if mode in (-1, 0):
        return rew.copy()
    rn = make_rn(mode, 1, n, 0, net, seeds=[0])
    rn.set_flat(flat)
    with torch.no_grad():
        v = rn(torch.eye(n).unsqueeze(0))[0, :, 0].double().numpy()
    return shaped_table(mode, v, nxt, rew, gamma)


def shaped_table(mode: int, v: np.ndarray, nxt: np.ndarray, rew: np.ndarray,
                 gamma: float) -> np.ndarray:
    """R[s, a] of a state-only RN with values v[s]: potential modes gamma*v(s') - v(s),
    non-potential modes v(s'); additive modes add the native reward first. In float32 and in the
    original's order of operations (its reward env returns a float32 scalar), then as float64."""
    v32 = np.asarray(v, dtype=np.float32)
    r32 = np.asarray(rew, dtype=np.float32)
    g = np.float32(gamma)
    nv = v32[nxt]
    if mode in POTENTIAL:
        out = (r32 + g * nv) - v32[:, None] if mode in ADDITIVE else g * nv - v32[:, None]
    else:
        out = r32 + nv if mode in ADDITIVE else nv
    return out.astype(np.float32).astype(np.float64)


# --------------------------------------------------------------------------- batched envs
class RealBatch:
    """P real envs (one per member), with an optional batched RN for the agent's reward."""

    def __init__(self, env: str, seeds: Sequence[int], action_repeat: int = 1, mode: int = 0,
                 rn: Optional[BatchedMLP] = None, gamma: float = 0.99,
                 info_keys: Sequence[str] = (), max_steps: Optional[int] = None):
        self.envs = [make_real_env(env, action_repeat, max_steps) for _ in seeds]
        self.seeds = list(seeds)
        self.first = [True] * len(seeds)
        self.mode, self.rn, self.gamma, self.info_keys = mode, rn, gamma, list(info_keys)
        self.pop = len(seeds)
        self.last_info = [None] * self.pop

    def reset(self, m: int) -> np.ndarray:
        obs, info = self.envs[m].reset(seed=self.seeds[m] if self.first[m] else None)
        if self.first[m]:
            self.envs[m].action_space.seed(self.seeds[m])
            self.first[m] = False
        return np.asarray(obs, np.float32).ravel()

    def step(self, obs: np.ndarray, actions: np.ndarray, mask: np.ndarray):
        P = self.pop
        nobs = np.zeros_like(obs)
        r = np.zeros(P, np.float32)
        term = np.zeros(P, bool)
        trunc = np.zeros(P, bool)
        info = np.zeros((P, len(self.info_keys)), np.float32)
        for m in np.nonzero(mask)[0]:
            o, rr, te, tr, inf = self.envs[m].step(actions[m])
            nobs[m], r[m], term[m], trunc[m] = np.asarray(o, np.float32).ravel(), rr, te, tr
            if self.info_keys:
                info[m] = info_vector(inf, self.info_keys)
        r_agent = rn_reward(self.mode, self.rn, obs, nobs, r, info, self.gamma)
        return nobs, r_agent, r, term, trunc


class SEBatch:
    """P synthetic envs in one forward pass; start states from each member's real env reset."""

    # the original's SE had no TimeLimit: its step cap ends the loop without a done flag
    truncation_is_terminal = False

    def __init__(self, se: SyntheticEnvNet, env: str, seeds: Sequence[int], max_steps: int,
                 cap: Optional[int] = None):
        self.se = se
        self.starts = RealBatch(env, seeds)
        self.max_steps = min(max_steps, cap) if cap else max_steps
        self.t = np.zeros(len(seeds), np.int64)

    def reset(self, m: int) -> np.ndarray:
        self.t[m] = 0
        return self.starts.reset(m)

    def step(self, obs: np.ndarray, actions: np.ndarray, mask: np.ndarray):
        with torch.no_grad():
            s2, r, d = self.se(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(1),
                               torch.as_tensor(np.asarray(actions).reshape(-1, 1)))
        self.t[mask] += 1
        nobs = s2[:, 0].numpy().astype(np.float32)
        rr = r[:, 0].numpy().astype(np.float32)
        term = d[:, 0].numpy()
        trunc = (~term) & (self.t >= self.max_steps)
        return nobs, rr, rr, term, trunc
