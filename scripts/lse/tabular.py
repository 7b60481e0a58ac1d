"""Tabular Q-learning and SARSA inner runs (the paper's QL/SARSA agents), in plain Python.

As the original (agents/QL.py, SARSA.py, base_agent.py): constant epsilon, online updates on the
latest transition only (a buffer of one), Q initialised to 0, greedy ties to the lowest action
index with Q compared in float32 (torch.argmax of a float32 tensor); SARSA's target uses its own
epsilon-greedy draw of the next action, independent of the action then taken. The agent trains on ``train`` tables (the real grid, or a tabulated synthetic env) with
``agent_reward[s, a]`` (a shaped reward table; None = the train table's own reward) and an
optional count-based bonus beta/sqrt(n(s, a)); after each training episode (or at the end, SE
protocol) it runs greedy test episodes on the ``test`` tables with their true reward. On the real
grid the step cap is a terminal transition for the TD target (gym 0.17's TimeLimit sets done);
on a synthetic env it is not (the original's SE has no TimeLimit).

Protocols (docs/fidelity/lse.md gives the original's file, function and commit of each rule):
- "threshold" (RN fitness, early-2021 agent code): learn from episode ``init_episodes`` on; after
  each training episode one greedy real test; from episode ``init_episodes`` on, stop as soon as
  the mean of the last <= ``early_out_num`` test returns (as many as exist) reaches ``solved``,
  else after ``episodes``; then one more greedy real test; fitness = -sum of training episode
  lengths - unsolved_weight * max(0, solved - that final test return).
- "curve" (RN evaluation): all ``episodes``, a test episode after each; ``solved_episode`` and
  ``steps_to_threshold`` by the same rule as "threshold".
- "se" (SE fitness, 2020 semantics): learn only after episode ``init_episodes`` (strictly);
  train on the synthetic tables until ``episodes`` or the early-out (after episode index
  e > init_episodes + k: |mean(last <= k train returns) - mean(the <= k before)| /
  |mean(the <= k before)| < ``early_out_diff``), then ``test_episodes`` greedy real episodes;
  fitness = their mean return.
"""
from __future__ import annotations

import math
import random
from typing import Dict, List, Optional

import numpy as np

from scripts.lse.early_out import rn_fitness, se_early_out, threshold_reached


def _argmax(q: List[float]) -> int:
    """Greedy action as the original's torch.argmax(torch.tensor(q)): the Q values compared in
    float32, ties (also float32 ones) to the lowest index. Exact float64 compare unless several
    values lie within float32 precision of the max."""
    b = max(q)
    tol = abs(b) * 2.4e-7
    near = [a for a in range(len(q)) if q[a] >= b - tol]
    if len(near) == 1:
        return near[0]
    q32 = [float(np.float32(q[a])) for a in near]
    return near[q32.index(max(q32))]


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
                count_beta: float = 0.0, seed: int = 0, train_max_steps: Optional[int] = None,
                init_episodes: int = 0) -> Dict:
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
    se = protocol == "se"
    if protocol not in ("se", "threshold", "curve"):
        raise ValueError(f"protocol '{protocol}' unknown")
    if algo not in ("ql", "sarsa"):
        raise ValueError(f"tabular algo '{algo}' unknown")

    def policy(s):
        if rng.random() < eps:
            return rng.randrange(n_actions)
        return _argmax(Q[s])

    solved_at = None
    for ep in range(episodes):
        # the 2020 SE code learns only after init_episodes, the 2021 RN code from it on
        learn = ep > init_episodes if se else ep >= init_episodes
        s, length, ep_ret = start, 0, 0.0
        a = policy(s)
        for t in range(tmax):
            s2, r, done = nxt[s][a], r_agent[s][a], term[s][a]
            if counts is not None:
                counts[s][a] += 1
                r = r + count_beta / math.sqrt(counts[s][a])
            ep_ret += rew[s][a]
            length += 1
            # real grid: the step cap ends the episode as a terminal (gym 0.17 TimeLimit)
            terminal = done or (not se and t == tmax - 1)
            if sarsa:
                # the original's SARSA.learn draws the next action for its target, and the
                # agent then draws the action it takes in s2 afresh (two epsilon-greedy draws)
                a2 = policy(s2)
                target = r if terminal else r + gamma * Q[s2][a2]
            else:
                target = r if terminal else r + gamma * max(Q[s2])
            if learn:
                Q[s][a] += alpha * (target - Q[s][a])
            if done:
                break
            s = s2
            a = policy(s)
        lengths.append(length)
        train_returns.append(ep_ret)
        if se:
            if se_early_out(train_returns, ep, init_episodes, early_out_num, early_out_diff):
                break
            continue
        test_returns.append(_greedy_episode(Q, tnxt, trew, tterm, start, max_steps))
        if (solved_at is None and ep >= init_episodes
                and threshold_reached(test_returns, early_out_num, solved)):
            solved_at = ep
            if protocol == "threshold":
                break
    out = {"lengths": lengths, "test_returns": test_returns, "Q": Q, "solved_episode": solved_at}
    if se:
        rets = [_greedy_episode(Q, tnxt, trew, tterm, start, max_steps) for _ in range(test_episodes)]
        out["test_returns"] = rets
        out["fitness"] = float(np.mean(rets))
    else:
        # the worker tests once more after training (deterministic here: the same greedy episode)
        final = _greedy_episode(Q, tnxt, trew, tterm, start, max_steps)
        out["final_test"] = final
        out["fitness"] = rn_fitness(lengths, final, solved, unsolved_weight)
        out["steps_to_threshold"] = (float(sum(lengths[:solved_at + 1])) if solved_at is not None
                                     else float("nan"))
    return out
