"""DSI's Atari experiments on MinAtar, the laptop stand-in for the ALE (docs/fidelity/dsi.md,
MinAtar section): DQN agents (fixed n-step or DSI's adaptive horizon), their episodes as the
detector's data, and the EDGE-style attack on a trained agent.

The DQN is a small one written here (MinAtar's own network: conv 16 3x3 -> FC 128; double DQN,
Huber loss, target sync, one env, replay of single frames): the adaptive horizon gives each
sample its own n, and scoring whole episodes with the frozen detector once, when they enter the
replay, is what keeps it affordable on a CPU (the original scores a 100-step chain per update).
Pure functions (``nstep_targets``, ``attack_steps``) are unit-tested.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from scripts.common.envs import make_minatar
from scripts.dsi.pong import top_k_steps
from scripts.dsi.seaquest import adaptive_horizons


@dataclass(frozen=True)
class GameSettings:
    """config/dsi.yaml's minatar `game` block: how the MinAtar games are made."""

    sticky_action_prob: float  # MinAtar's sticky actions (its default 0.1)
    difficulty_ramping: bool  # MinAtar's difficulty ramping
    minimal_actions: bool  # the game's minimal action set (Breakout: no-op, left, right)


def make_game(game: str, g: GameSettings, max_episode_steps: Optional[int] = None):
    return make_minatar(game, max_episode_steps=max_episode_steps,
                        sticky_action_prob=g.sticky_action_prob,
                        difficulty_ramping=g.difficulty_ramping, minimal_actions=g.minimal_actions)


class QNet(nn.Module):
    """MinAtar's DQN network: conv 16 3x3 (stride 1) -> ReLU -> FC 128 -> ReLU -> Q values."""

    def __init__(self, in_channels: int, n_actions: int, channels: int = 16, hidden: int = 128):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, 3)
        self.fc = nn.Linear(channels * 8 * 8, hidden)
        self.out = nn.Linear(hidden, n_actions)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(x.float()))
        return self.out(torch.relu(self.fc(h.flatten(1))))


def to_detector_frames(obs: np.ndarray, upsample: int) -> np.ndarray:
    """MinAtar frames (T, C, 10, 10) in {0, 1} -> the detector's uint8 input (T, C, 10u, 10u) in
    {0, 255}: each cell repeated u x u times (DSI's CNN needs more than 10 x 10 pixels)."""
    x = np.asarray(obs, dtype=np.uint8) * np.uint8(255)
    if upsample > 1:
        x = x.repeat(upsample, axis=-2).repeat(upsample, axis=-1)
    return np.ascontiguousarray(x)


# ------------------------------------------------------------------ targets


def nstep_targets(rewards: np.ndarray, ends: np.ndarray, terms: np.ndarray, boot: np.ndarray,
                  horizons: np.ndarray, gamma: float) -> np.ndarray:
    """Per-sample n-step targets. Row j holds the next H steps from t: rewards r_{t+i}, episode
    ends (terminal or time limit) after step t+i, terminals, and boot[j, i] =
    Q_target(s_{t+i+1}, argmax_a Q(s_{t+i+1}, a)). With n = horizons[j] (1 <= n <= H) and m =
    min(n, steps to the first end): y = sum_{i<m} gamma^i r_{t+i} + gamma^m boot[j, m-1], the
    bootstrap dropped when the episode ended by a terminal (tianshou's n-step return)."""
    rewards = np.asarray(rewards, dtype=np.float64)
    ends = np.asarray(ends, dtype=bool)
    terms = np.asarray(terms, dtype=bool)
    boot = np.asarray(boot, dtype=np.float64)
    out = np.zeros(len(rewards))
    for j, n in enumerate(np.asarray(horizons, dtype=np.int64)):
        y, disc, m = 0.0, 1.0, 0
        for i in range(int(n)):
            y += disc * rewards[j, i]
            disc *= gamma
            m = i + 1
            if ends[j, i]:
                break
        if not terms[j, m - 1]:
            y += disc * boot[j, m - 1]
        out[j] = y
    return out


def dsi_horizons(scores: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """DSI's adaptive horizons: row j holds the detector's scores of the next H states
    s_{t+1..t+H} and the episode-end flags of steps t..t+H-1; n_j = 1 + argmax of the scores
    (first on ties), states after the first episode end excluded (``adaptive_horizons`` on
    each row, the original's rule)."""
    sc = np.array(scores, dtype=float)
    ends = np.asarray(ends, dtype=bool)
    after = (np.cumsum(ends, axis=1) - ends) > 0
    sc[after | np.isnan(sc)] = -np.inf
    return np.array([adaptive_horizons(row, np.array([0]), sc.shape[1])[0] for row in sc], dtype=np.int64)


class Replay:
    """A ring of single transitions in play order (one env): obs, action, reward, terminal
    (episode end, terminal or truncated), bootstrap allowed, next obs, and the detector's score
    of the next obs (NaN until its episode is scored)."""

    def __init__(self, size: int, obs_shape, horizon: int):
        self.size, self.h = int(size), int(horizon)
        self.obs = np.zeros((self.size,) + tuple(obs_shape), dtype=np.uint8)
        self.next_obs = np.zeros_like(self.obs)
        self.act = np.zeros(self.size, dtype=np.int64)
        self.rew = np.zeros(self.size, dtype=np.float32)
        self.end = np.zeros(self.size, dtype=bool)      # the episode ends after this step
        self.term = np.zeros(self.size, dtype=bool)     # ... by a terminal state (no bootstrap)
        self.score = np.full(self.size, np.nan, dtype=np.float32)
        self.pos, self.n = 0, 0

    def add(self, o, a, r, o2, end, term) -> int:
        i = self.pos
        self.obs[i], self.act[i], self.rew[i], self.next_obs[i] = o, a, r, o2
        self.end[i], self.term[i], self.score[i] = end, term, np.nan
        self.pos = (self.pos + 1) % self.size
        self.n = min(self.n + 1, self.size)
        return i

    def sample(self, batch: int, rng: np.random.Generator, need_score: bool) -> np.ndarray:
        """Indices whose next H - 1 steps are stored (not overwritten, same write order)."""
        hi = self.n - self.h  # positions 0 .. n - h in write-age order are safe
        if hi <= 0:
            return np.zeros(0, dtype=np.int64)
        start = (self.pos - self.n) % self.size
        ages = rng.integers(0, hi, size=batch * 4 if need_score else batch)
        idx = (start + ages) % self.size
        if need_score:
            idx = idx[~np.isnan(self.score[idx])][:batch]
        return idx

    def windows(self, idx: np.ndarray):
        """(ring positions, rewards, episode ends, terminals) over the next H steps of each index
        (past an episode end the window holds the next episode: targets stop there)."""
        steps = (idx[:, None] + np.arange(self.h)[None, :]) % self.size
        return steps, self.rew[steps], self.end[steps], self.term[steps]


def dqn_update(q: QNet, target: QNet, opt, rb: Replay, idx: np.ndarray, horizons: np.ndarray,
               gamma: float) -> float:
    """One double-DQN step on the sampled indices with their horizons (Huber loss)."""
    steps, rew, end, term = rb.windows(idx)
    h = rb.h
    with torch.no_grad():
        nxt = torch.from_numpy(rb.next_obs[steps.reshape(-1)])
        a_star = q(nxt).argmax(1, keepdim=True)
        boot = target(nxt).gather(1, a_star).view(len(idx), h).numpy()
    y = nstep_targets(rew, end, term, boot, horizons, gamma)
    obs = torch.from_numpy(rb.obs[idx])
    qa = q(obs).gather(1, torch.from_numpy(rb.act[idx])[:, None]).squeeze(1)
    loss = nn.functional.smooth_l1_loss(qa, torch.from_numpy(y).float())
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss.detach())


@dataclass(frozen=True)
class DqnSettings:
    """config/dsi.yaml's minatar `dqn` block."""

    env_steps: int  # agent steps of training
    checkpoints: List[int]  # env-step counts at which the Q-net is saved (the data's agents)
    lr: float  # Adam learning rate
    gamma: float  # discount
    buffer_size: int  # replay capacity (transitions)
    batch_size: int  # samples per update
    start_steps: int  # random steps before the first update
    update_every: int  # env steps per update
    target_update: int  # updates between target syncs
    eps_start: float  # epsilon-greedy exploration: from ...
    eps_final: float  # ... to ...
    eps_decay_steps: int  # ... over this many env steps
    horizon: int  # DSI: n = 1 + argmax of D over the next `horizon` states; n-step: max n stored
    max_episode_steps: int  # training episodes are cut here
    eval_every: int  # env steps between greedy evaluations
    eval_episodes: int  # episodes per evaluation
    eval_epsilon: float  # exploration during evaluation


def evaluate(q: QNet, game: str, g: GameSettings, episodes: int, eps: float, seed: int,
             max_steps: int) -> float:
    env = make_game(game, g, max_steps)
    rng = np.random.default_rng(seed)
    rets = []
    for e in range(episodes):
        obs, _ = env.reset(seed=seed * 1000 + e)
        done, ret = False, 0.0
        while not done:
            a = act_greedy(q, obs) if rng.random() >= eps else int(rng.integers(env.action_space.n))
            obs, r, te, tr, _ = env.step(a)
            ret += r
            done = te or tr
        rets.append(ret)
    return float(np.mean(rets))


@torch.no_grad()
def act_greedy(q: QNet, obs: np.ndarray) -> int:
    return int(q(torch.from_numpy(obs[None])).argmax(1)[0])


def train_dqn(game: str, g: GameSettings, p: DqnSettings, method: str, seed: int,
              scorer: Optional[Callable[[np.ndarray], np.ndarray]] = None,
              log: Callable[[str], None] = print,
              on_checkpoint: Optional[Callable[[int, QNet], None]] = None) -> List[Dict]:
    """Train a DQN; ``method`` is ``n<k>`` (fixed k-step targets) or ``dsi`` (adaptive horizon
    from ``scorer``, which maps an episode's next-obs frames (T, C, 10, 10) to T scores).
    Returns evaluation rows (step, return)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    env = make_game(game, g, p.max_episode_steps)
    c = env.observation_space.shape[0]
    n_act = env.action_space.n
    q, target = QNet(c, n_act), QNet(c, n_act)
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=p.lr)
    fixed_n = None if method == "dsi" else int(method.lstrip("n"))
    horizon = p.horizon if fixed_n is None else fixed_n
    rb = Replay(p.buffer_size, env.observation_space.shape, horizon)
    obs, _ = env.reset(seed=seed * 7919)
    episode_idx: List[int] = []
    rows: List[Dict] = []
    updates, ep = 0, 0
    ckpts = set(int(s) for s in p.checkpoints) | {int(p.env_steps)}  # the last: the trained agent
    if on_checkpoint and 0 in ckpts:
        on_checkpoint(0, q)
    for t in range(1, p.env_steps + 1):
        eps = max(p.eps_final, p.eps_start - (p.eps_start - p.eps_final) * t / max(1, p.eps_decay_steps))
        a = int(rng.integers(n_act)) if (t <= p.start_steps or rng.random() < eps) else act_greedy(q, obs)
        o2, r, te, tr, _ = env.step(a)
        episode_idx.append(rb.add(obs, a, r, o2, te or tr, te))
        obs = o2
        if te or tr:
            if scorer is not None:
                ix = np.array(episode_idx)
                rb.score[ix] = scorer(rb.next_obs[ix])
            episode_idx = []
            ep += 1
            obs, _ = env.reset(seed=seed * 7919 + ep)
        if t > p.start_steps and t % p.update_every == 0:
            idx = rb.sample(p.batch_size, rng, need_score=fixed_n is None)
            if len(idx):
                if fixed_n is None:
                    steps, _, end, _ = rb.windows(idx)
                    hz = dsi_horizons(rb.score[steps], end)
                else:
                    hz = np.full(len(idx), fixed_n)
                dqn_update(q, target, opt, rb, idx, hz, p.gamma)
                updates += 1
                if updates % p.target_update == 0:
                    target.load_state_dict(q.state_dict())
        if on_checkpoint and t in ckpts:
            on_checkpoint(t, q)
        if t % p.eval_every == 0 or t == p.env_steps:
            ret = evaluate(q, game, g, p.eval_episodes, p.eval_epsilon, 10_000 + t, p.max_episode_steps)
            rows.append({"step": t, "return": ret, "updates": updates, "episodes": ep})
            log(f"step {t}: eval return {ret:.2f} ({ep} episodes, {updates} updates)")
    return rows


# ------------------------------------------------------------------ episodes and the attack


@torch.no_grad()
def play(env, q: Optional[QNet], seed: int, max_steps: int, epsilon: float = 0.0,
         perturb_at: Sequence[int] = (), rng: Optional[np.random.Generator] = None) -> Dict:
    """One episode from reset(seed): greedy (epsilon-greedy; a random policy if ``q`` is None),
    with a uniformly random *different* action at the steps in ``perturb_at``. Returns the
    observations (T, C, 10, 10), actions, the agent's values max_a Q and the return."""
    obs, _ = env.reset(seed=int(seed))
    n_act = env.action_space.n
    rng = rng if rng is not None else np.random.default_rng(seed)
    perturb = set(int(i) for i in perturb_at)
    frames, actions, values, ret = [], [], [], 0.0
    for t in range(max_steps):
        frames.append(obs)
        if q is not None:
            qv = q(torch.from_numpy(obs[None]))[0]
            a, v = int(qv.argmax()), float(qv.max())
        else:
            a, v = int(rng.integers(n_act)), 0.0
        if epsilon and rng.random() < epsilon:
            a = int(rng.integers(n_act))
        if t in perturb:
            a = perturb_action(a, rng, n_act)
        actions.append(a)
        values.append(v)
        obs, r, te, tr, _ = env.step(a)
        ret += r
        if te or tr:
            break
    return {"frames": np.stack(frames).astype(np.uint8), "actions": np.array(actions),
            "values": np.array(values, dtype=np.float32), "return": ret}


def perturb_action(action: int, rng: np.random.Generator, n_actions: int) -> int:
    """A uniformly random action different from ``action``."""
    other = int(rng.integers(n_actions - 1))
    return other if other < action else other + 1


def attack_steps(method: str, k: int, dsi_scores: np.ndarray, values: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """The k steps an attack perturbs: the detector's top-k (dsi), the agent's top-k by value
    (value), k uniformly random steps (random), or the episode's first k steps (first: a
    position prior, the control for a detector that ranks the opening steps first); sorted
    step indices."""
    T = len(values)
    if method == "dsi":
        return top_k_steps(np.asarray(dsi_scores)[:T], k)
    if method == "value":
        return top_k_steps(values, k)
    if method == "random":
        return np.sort(rng.choice(T, size=min(int(k), T), replace=False))
    if method == "first":
        return np.arange(min(int(k), T))
    raise ValueError(f"unknown attack method {method!r}")


def attack_episode(env, q: QNet, seed: int, max_steps: int, score_fn, ks: Sequence[int],
                   methods: Sequence[str]) -> List[Dict]:
    """The clean episode, then one replay per method and k with the chosen steps perturbed
    (same env seed: MinAtar replays the clean episode exactly until the first perturbation)."""
    clean = play(env, q, seed, max_steps)
    scores = score_fn(clean["frames"])
    rows = []
    for method in methods:
        for k in ks:
            steps = attack_steps(method, k, scores, clean["values"], np.random.default_rng(seed + 7919 * k))
            hit = play(env, q, seed, max_steps, perturb_at=steps,
                       rng=np.random.default_rng(seed * 31 + int(k)))
            rows.append({"seed": seed, "method": method, "k": int(k), "length": len(clean["actions"]),
                         "r0": clean["return"], "r1": hit["return"]})
    return rows
