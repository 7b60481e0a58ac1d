"""Unsupervised skill discovery on the paper's four-rooms grids (docs/fidelity/irrl.md S1-S6), in numpy.

Tabular everything, batched over episodes:
- env: deterministic grid, one-hot state over free cells, start at state 0 = cell (1, 1),
  actions NOOP, UP, DOWN, LEFT, RIGHT, walls = stay;
- skill z ~ U{0..K-1}; ``goal_duration`` steps epsilon-greedy on Q_skill + w * Q_bonus;
- discriminator: tabular softmax q(z | s_T) per ensemble member (init U(0, 1), the row of
  state 0 fixed at 0), prediction = mean probability over members;
- reward on the last transition only (discount 0 there): the IRRL variants of
  ``scripts.irrl.rewards`` on q-bar with p(z) = 1/K; DISDAIN bonus H[mean] - mean H[members]
  learned by Q_bonus, used only for acting and bootstrapping;
- SARSA(lambda)-style lambda-returns (lambda 0.7, gamma 0.99), bootstrap action = argmax of
  the combined Q at the next state, targets under stop-gradient; loss = sum_t TD^2 (batch
  mean) per Q table + discriminator NLL (mean over members and batch); plain SGD.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict

import numpy as np

from scripts.irrl.rewards import reward as reward_fn

LARGE = """
#############
#     #     #
#     #     #
#           #
#     #     #
#     #     #
## ####     #
#     ### ###
#     #     #
#     #     #
#           #
#     #     #
#############
"""
SMALL = """
#######
#  #  #
#     #
## #  #
#  # ##
#  #  #
#     #
#######
"""
MAPS = {"large": LARGE, "small": SMALL}
# action -> (d_row, d_col): NOOP, UP, DOWN, LEFT, RIGHT
MOVES = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
NUM_ACTIONS = 5


def parse_grid(text: str) -> np.ndarray:
    """Walls as a bool array (True = wall)."""
    lines = [line for line in text.strip("\n").split("\n")]
    width = max(len(line) for line in lines)
    return np.array([[c == "#" for c in line.ljust(width)] for line in lines])


@dataclass(frozen=True)
class Grid:
    walls: np.ndarray          # (rows, cols) bool
    cells: np.ndarray          # (S, 2) row, col of each free cell, row-major order
    next_state: np.ndarray     # (S, A) deterministic transition table

    @property
    def n_states(self) -> int:
        return len(self.cells)


def make_grid(name: str) -> Grid:
    walls = parse_grid(MAPS[name])
    cells = np.argwhere(~walls)  # row-major: state 0 = (1, 1)
    ids = -np.ones(walls.shape, dtype=np.int64)
    ids[cells[:, 0], cells[:, 1]] = np.arange(len(cells))
    nxt = np.zeros((len(cells), NUM_ACTIONS), dtype=np.int64)
    for s, (r, c) in enumerate(cells):
        for a, (dr, dc) in enumerate(MOVES):
            rr = min(max(r + dr, 0), walls.shape[0] - 1)
            cc = min(max(c + dc, 0), walls.shape[1] - 1)
            nxt[s, a] = ids[rr, cc] if ids[rr, cc] >= 0 else s
    return Grid(walls, cells, nxt)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def entropy(logp: np.ndarray, axis: int = -1) -> np.ndarray:
    return -(np.exp(logp) * logp).sum(axis=axis)


def disdain_bonus(member_logp: np.ndarray) -> np.ndarray:
    """H[mean of members] - mean_e H[member e]; member_logp: (E, B, K)."""
    mean_p = np.exp(member_logp).mean(axis=0)
    h_mean = -(mean_p * np.log(np.maximum(mean_p, 1e-30))).sum(-1)
    return h_mean - entropy(member_logp).mean(axis=0)


def lambda_returns(r: np.ndarray, discount: np.ndarray, v: np.ndarray, lam: float) -> np.ndarray:
    """rlax-style: G_t = r_t + d_t [(1 - lam) v_t + lam G_{t+1}], G_{T} bootstraps on v_{T-1}.
    r, v: (T, B); discount: (T,)."""
    g = v[-1]
    out = np.empty_like(r)
    for t in range(r.shape[0] - 1, -1, -1):
        g = r[t] + discount[t] * ((1 - lam) * v[t] + lam * g)
        out[t] = g
    return out


@dataclass
class SkillConfig:
    env: str = "large"
    n_skills: int = 128
    goal_duration: int = 20
    batch_size: int = 32
    lr: float = 0.004
    gamma: float = 0.99
    lam: float = 0.7
    epsilon: float = 0.001
    eval_epsilon: float = 0.001
    occupancy_epsilon: float = 0.005
    reward: str = "log_clip"
    bonus_weight: float = 0.0
    ensemble: int = 1


class SkillLearner:
    def __init__(self, cfg: SkillConfig, seed: int):
        self.cfg = cfg
        self.grid = make_grid(cfg.env)
        self.rng = np.random.default_rng(seed)
        k, s = cfg.n_skills, self.grid.n_states
        self.q_skill = self.rng.uniform(0, 1, (k, s, NUM_ACTIONS))
        self.q_bonus = self.rng.uniform(0, 1, (k, s, NUM_ACTIONS))
        self.disc = self.rng.uniform(0, 1, (cfg.ensemble, s, k))
        self.disc[:, 0, :] = 0.0  # state 0's row is fixed at 0 (the original masks it)
        self.iteration = 0
        # lambda-returns with reward and discount 0 on the last transition only, as a matrix:
        # G = M @ v + c * r_final (identical to ``lambda_returns``; see the unit test)
        t_max = cfg.goal_duration
        self._ret_m = np.zeros((t_max, t_max))
        gl = cfg.gamma * cfg.lam
        for t in range(t_max):
            for j in range(t, t_max - 1):
                self._ret_m[t, j] = cfg.gamma * (1 - cfg.lam) * gl ** (j - t)
        self._ret_c = np.array([gl ** (t_max - 1 - t) for t in range(t_max)])

    # --- acting -----------------------------------------------------------------------
    def combined_q(self, z: np.ndarray, s: np.ndarray) -> np.ndarray:
        q = self.q_skill[z, s]
        if self.cfg.bonus_weight:
            q = q + self.cfg.bonus_weight * self.q_bonus[z, s]
        return q

    def rollout(self, z: np.ndarray, epsilon: float):
        """States (T+1, B) and actions (T, B) of epsilon-greedy episodes from state 0."""
        b, t_max = len(z), self.cfg.goal_duration
        states = np.zeros((t_max + 1, b), dtype=np.int64)
        actions = np.zeros((t_max, b), dtype=np.int64)
        s = states[0]
        explore = self.rng.random((t_max, b)) < epsilon
        random_a = self.rng.integers(0, NUM_ACTIONS, (t_max, b))
        nxt = self.grid.next_state
        for t in range(t_max):
            a = self.combined_q(z, s).argmax(-1)
            if explore[t].any():
                a = np.where(explore[t], random_a[t], a)
            s = nxt[s, a]
            actions[t] = a
            states[t + 1] = s
        return states, actions

    # --- discriminator and rewards -------------------------------------------------------
    def member_log_probs(self, s_final: np.ndarray) -> np.ndarray:
        return log_softmax(self.disc[:, s_final, :], -1)  # (E, B, K)

    def rewards(self, s_final: np.ndarray, z: np.ndarray) -> Dict[str, np.ndarray]:
        mlp = self.member_log_probs(s_final)
        mean_p = np.exp(mlp).mean(0)
        q = mean_p[np.arange(len(z)), z]
        log_q = np.log(np.maximum(q, 1e-30))
        correct = (mean_p.argmax(-1) == z).astype(np.float64)
        prior = 1.0 / self.cfg.n_skills
        out = {kind: reward_fn(kind, log_q, correct, prior)
               for kind in ("acc", "log_noclip", "log_clip", "lin_noclip", "lin_clip")}
        out["bonus"] = disdain_bonus(mlp)
        out["nll"] = -mlp[:, np.arange(len(z)), z].mean()
        return out

    # --- learning ------------------------------------------------------------------------
    def _q_update(self, table: np.ndarray, z, states, actions, r_final, bootstrap_a) -> float:
        t_max, b = actions.shape
        zz = np.broadcast_to(z, (t_max, b))
        q_tm1 = table[zz, states[:-1], actions]                    # (T, B)
        v_t = table[zz, states[1:], bootstrap_a]                   # (T, B)
        target = self._ret_m @ v_t + self._ret_c[:, None] * r_final  # stop-gradient target
        td = target - q_tm1
        # d/dQ of mean_b sum_t td^2 = -2 td / B
        np.add.at(table, (zz, states[:-1], actions), self.cfg.lr * 2.0 * td / b)
        return float((td ** 2).sum(0).mean())

    def train_step(self) -> Dict[str, float]:
        cfg = self.cfg
        z = self.rng.integers(0, cfg.n_skills, cfg.batch_size)
        states, actions = self.rollout(z, cfg.epsilon)
        s_final = states[-1]
        mlp = self.member_log_probs(s_final)                       # (E, B, K)
        probs = np.exp(mlp)
        bidx = np.arange(len(z))
        q = probs.mean(0)[bidx, z] if cfg.ensemble > 1 else probs[0, bidx, z]
        log_q = np.log(np.maximum(q, 1e-30))
        correct = (probs.mean(0).argmax(-1) == z) * 1.0 if cfg.reward == "acc" else 0.0
        r_skill = reward_fn(cfg.reward, log_q, correct, 1.0 / cfg.n_skills)
        t_max = actions.shape[0]
        zz = np.broadcast_to(z, (t_max, len(z)))
        bootstrap_a = self.combined_q(zz, states[1:]).argmax(-1)   # (T, B)
        skill_loss = self._q_update(self.q_skill, z, states, actions, r_skill, bootstrap_a)
        bonus_loss = 0.0
        if cfg.bonus_weight:
            bonus_loss = self._q_update(self.q_bonus, z, states, actions, disdain_bonus(mlp),
                                        bootstrap_a)
        # discriminator NLL, mean over members and batch
        e_n = cfg.ensemble
        nll = float(-mlp[:, bidx, z].mean())
        grad = probs
        grad[:, bidx, z] -= 1.0
        grad /= (e_n * len(z))
        for e in range(e_n):
            np.add.at(self.disc[e], s_final, -cfg.lr * grad[e])
        self.disc[:, 0, :] = 0.0
        self.iteration += 1
        return {"skill_loss": skill_loss, "bonus_loss": bonus_loss, "disc_loss": nll}

    # --- evaluation ----------------------------------------------------------------------
    def evaluate(self, per_skill: int) -> Dict[str, float]:
        """Stratified rollouts (every skill ``per_skill`` times) with the evaluation epsilon.
        Effective skills = exp(mean[log q-bar(z|s_T) + log K]) (unclipped log reward)."""
        z = np.repeat(np.arange(self.cfg.n_skills), per_skill)
        states, _ = self.rollout(z, self.cfg.eval_epsilon)
        rw = self.rewards(states[-1], z)
        out = {"effective_skills": float(math.exp(rw["log_noclip"].mean())),
               "disc_loss": float(rw["nll"]), "bonus": float(rw["bonus"].mean())}
        for kind in ("acc", "log_noclip", "log_clip", "lin_noclip", "lin_clip"):
            out[f"reward_{kind}"] = float(rw[kind].mean())
        return out

    def occupancy(self, per_skill: int) -> np.ndarray:
        """Terminal-state counts over the grid (rows, cols) from ``per_skill`` rollouts per skill
        with the occupancy epsilon (0.005), as the paper's state-occupancy figure."""
        z = np.repeat(np.arange(self.cfg.n_skills), per_skill)
        states, _ = self.rollout(z, self.cfg.occupancy_epsilon)
        counts = np.bincount(states[-1], minlength=self.grid.n_states)
        occ = np.zeros(self.grid.walls.shape)
        occ[self.grid.cells[:, 0], self.grid.cells[:, 1]] = counts
        return occ

    # --- state ---------------------------------------------------------------------------
    def state_dict(self) -> Dict[str, object]:
        return {"q_skill": self.q_skill, "q_bonus": self.q_bonus, "disc": self.disc,
                "iteration": self.iteration, "rng": self.rng.bit_generator.state}

    def load_state_dict(self, st: Dict[str, object]) -> None:
        self.q_skill, self.q_bonus, self.disc = st["q_skill"], st["q_bonus"], st["disc"]
        self.iteration = int(st["iteration"])
        self.rng.bit_generator.state = st["rng"]


def config_for(prm, sreward: str) -> SkillConfig:
    """``disdain`` = clipped log with the bonus (weight, ensemble of 2); the others bonus 0,
    ensemble 1 (the paper's scripts). ``prm``: the run's ``TrainSkillsParams``."""
    disdain = sreward == "disdain"
    return SkillConfig(env=prm.env, n_skills=prm.n_skills, goal_duration=prm.goal_duration,
                       batch_size=prm.batch_size, lr=prm.lr, gamma=prm.gamma,
                       lam=prm.lambda_, epsilon=prm.epsilon, eval_epsilon=prm.eval_epsilon,
                       occupancy_epsilon=prm.occupancy_epsilon,
                       reward="log_clip" if disdain else sreward,
                       bonus_weight=prm.disdain_bonus_weight if disdain else 0.0,
                       ensemble=prm.disdain_ensemble if disdain else 1)

