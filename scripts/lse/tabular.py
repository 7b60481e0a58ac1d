"""Tabular Q-learning and SARSA inner runs (the paper's QL/SARSA agents), in plain Python.

As the original: constant epsilon, online updates on the latest transition only (a buffer of
one), Q initialised to 0, greedy ties to the lowest action index. The agent trains on
``train`` tables (the real grid, or a tabulated synthetic env) with ``agent_reward[s, a]`` (a
shaped reward table; None = the train table's own reward) and an optional count-based bonus
beta/sqrt(n(s, a)); after each training episode (or at the end, SE protocol) it runs greedy
test episodes on the ``test`` tables with their true reward.

Protocols:
- "threshold" (RN fitness, 2021-01-20 onwards): stop when the mean of the last ``early_out_num``
  test returns reaches ``solved`` or after ``episodes``; fitness = -sum of training episode
  lengths - unsolved_weight * max(0, solved - that mean).
- "curve" (RN evaluation): all ``episodes``, a test episode after each.
- "se" (SE fitness, 2020 semantics): train only on the synthetic tables until ``episodes`` or
  the early-out, then ``test_episodes`` greedy real episodes; fitness = their mean return.
"""
from __future__ import annotations

import math
import random
from typing import Dict, List, Optional

import numpy as np


def _argmax(q: List[float]) -> int:
    best, ba = q[0], 0
    for a in range(1, len(q)):
        if q[a] > best:
            best, ba = q[a], a
    return ba


def _greedy_episode(Q, nxt, rew, term, start, max_steps) -> float:
    s, ret = start, 0.0
    for _ in range(max_steps):
        a = _argmax(Q[s])
        ret += rew[s][a]
        if term[s][a]:
            break
        s = nxt[s][a]
    return ret


def _as_lists(tables):
    nxt, rew, term = tables
    return np.asarray(nxt).tolist(), np.asarray(rew, dtype=float).tolist(), np.asarray(term).tolist()


def run_tabular(train, test, start: int, max_steps: int, *, algo: str = "ql", alpha: float = 1.0,
                gamma: float = 0.8, eps: float = 0.1, episodes: int = 100,
                protocol: str = "threshold", solved: float = -20.0, early_out_num: int = 10,
                early_out_diff: float = 0.01, unsolved_weight: float = 100.0,
                test_episodes: int = 10, agent_reward: Optional[np.ndarray] = None,
                count_beta: float = 0.0, seed: int = 0, train_max_steps: Optional[int] = None) -> Dict:
    rng = random.Random(seed)
    nxt, rew, term = _as_lists(train)
    tnxt, trew, tterm = _as_lists(test)
    r_agent = rew if agent_reward is None else np.asarray(agent_reward, dtype=float).tolist()
    n_states, n_actions = len(nxt), len(nxt[0])
    Q = [[0.0] * n_actions for _ in range(n_states)]
    counts = [[0] * n_actions for _ in range(n_states)] if count_beta > 0 else None
    tmax = train_max_steps or max_steps
    lengths: List[int] = []
    test_returns: List[float] = []
    train_returns: List[float] = []
    sarsa = algo == "sarsa"
    if algo not in ("ql", "sarsa"):
        raise ValueError(f"tabular algo '{algo}' unknown")

    def policy(s):
        if rng.random() < eps:
            return rng.randrange(n_actions)
        return _argmax(Q[s])

    solved_at = None
    for ep in range(episodes):
        s, length, ep_ret = start, 0, 0.0
        a = policy(s)
        for _ in range(tmax):
            s2, r, done = nxt[s][a], r_agent[s][a], term[s][a]
            if counts is not None:
                counts[s][a] += 1
                r = r + count_beta / math.sqrt(counts[s][a])
            ep_ret += rew[s][a]
            length += 1
            if sarsa:
                a2 = policy(s2)
                target = r if done else r + gamma * Q[s2][a2]
            else:
                a2 = None
                target = r if done else r + gamma * max(Q[s2])
            Q[s][a] += alpha * (target - Q[s][a])
            if done:
                break
            s = s2
            a = a2 if sarsa else policy(s)
        lengths.append(length)
        train_returns.append(ep_ret)
        if protocol == "se":
            k = early_out_num
            if ep + 1 >= 2 * k:
                last, prev = np.mean(train_returns[-k:]), np.mean(train_returns[-2 * k:-k])
                if abs(last - prev) <= early_out_diff * abs(prev):
                    break
            continue
        test_returns.append(_greedy_episode(Q, tnxt, trew, tterm, start, max_steps))
        if len(test_returns) >= early_out_num and solved_at is None:
            if np.mean(test_returns[-early_out_num:]) >= solved:
                solved_at = ep
                if protocol == "threshold":
                    break
    out = {"lengths": lengths, "test_returns": test_returns, "Q": Q, "solved_episode": solved_at}
    if protocol == "se":
        rets = [_greedy_episode(Q, tnxt, trew, tterm, start, max_steps) for _ in range(test_episodes)]
        out["test_returns"] = rets
        out["fitness"] = float(np.mean(rets))
    else:
        final = float(np.mean(test_returns[-early_out_num:]))
        out["fitness"] = float(-sum(lengths) - unsolved_weight * max(0.0, solved - final))
        out["steps_to_threshold"] = (float(sum(lengths[:solved_at + 1])) if solved_at is not None
                                     else float("nan"))
    return out
