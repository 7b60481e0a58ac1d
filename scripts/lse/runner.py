"""Train P agent members in lockstep, each alternating training and real test episodes.

Protocols (the same rules as tabular.py; sources in docs/fidelity/lse.md):
- "se" (2020 semantics): learn only after episode ``init_episodes`` (strictly); train (on an SE
  or the real env) until ``episodes`` or the early-out (on an SE, after episode index e >
  init_episodes + k: |mean(last <= k train returns) - mean(the <= k before)| / |mean(the <= k
  before)| < ``early_out_diff``; on the real env, given ``real_solved``: after e > init_episodes,
  the mean of the last <= k train returns reaches ``real_solved``); then ``test_episodes`` real
  test episodes; fitness = their mean.
- "threshold" (early-2021 agent code): learn from episode ``init_episodes`` on; a real test
  episode after every training episode; from episode ``init_episodes`` on, stop as soon as the
  mean of the last <= k test returns (as many as exist) reaches ``solved``, else after
  ``episodes``; then one more real test episode; fitness = -sum(train lengths) -
  unsolved_weight * max(0, solved - that final test return).
- "curve": ``episodes`` training episodes, a real test episode after each, no early stop.
A step cap is a terminal transition for the agent on the real env (gym 0.17's TimeLimit), not on
an SE (``train_env.truncation_is_terminal`` False).
Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from scripts.lse.early_out import real_env_solved, rn_fitness, se_early_out, threshold_reached

TRAIN, TEST, DONE = 0, 1, 2


def se_protocol(inner: Dict) -> Dict:
    """Runner keyword arguments of the "se" protocol from a config's ``inner`` block."""
    return dict(protocol="se", episodes=inner["train_episodes"],
                early_out_num=inner["early_out_num"], early_out_diff=inner["early_out_diff"],
                test_episodes=inner["test_episodes"], max_total_steps=inner.get("max_total_steps"))


class Runner:
    def __init__(self, agent, train_env, test_env, *, protocol: str, episodes: int,
                 solved: float = 0.0, early_out_num: int = 10, early_out_diff: float = 0.01,
                 test_episodes: int = 10, unsolved_weight: float = 100.0, icm=None,
                 record: bool = False, max_total_steps: Optional[int] = None,
                 real_solved: Optional[float] = None):
        self.agent, self.train_env, self.test_env = agent, train_env, test_env
        self.protocol, self.episodes = protocol, int(episodes)
        self.solved, self.k, self.diff = float(solved), int(early_out_num), float(early_out_diff)
        self.test_episodes, self.unsolved_weight = int(test_episodes), float(unsolved_weight)
        self.icm, self.record = icm, record
        self.max_total_steps = max_total_steps
        P = agent.pop
        self.P = P
        self.phase = np.full(P, TRAIN)
        self.ep = np.zeros(P, np.int64)
        self.lengths: List[List[int]] = [[] for _ in range(P)]
        self.train_returns: List[List[float]] = [[] for _ in range(P)]
        self.test_returns: List[List[float]] = [[] for _ in range(P)]
        self.tests_left = np.zeros(P, np.int64)
        self.solved_ep: List[Optional[int]] = [None] * P
        self.final_test: List[Optional[float]] = [None] * P
        self.in_final = np.zeros(P, bool)
        self.trunc_terminal = bool(getattr(train_env, "truncation_is_terminal", True))
        if real_solved is not None and (protocol != "se" or not self.trunc_terminal):
            raise ValueError("real_solved is the \"se\" protocol's early-out on the real env; the train env is an SE"
                             if protocol == "se" else f"real_solved applies to the \"se\" protocol, not {protocol!r}")
        self.real_solved = real_solved
        self.cur_len = np.zeros(P, np.int64)
        self.cur_ret = np.zeros(P)
        self.transitions = {"train": [], "test": []}

    def _start(self, m: int, obs: np.ndarray) -> None:
        env = self.train_env if self.phase[m] == TRAIN else self.test_env
        obs[m] = env.reset(m)
        self.cur_len[m], self.cur_ret[m] = 0, 0.0

    def _end_train(self, m: int) -> None:
        self.lengths[m].append(int(self.cur_len[m]))
        self.train_returns[m].append(float(self.cur_ret[m]))
        self.ep[m] += 1
        self.agent.end_episode(m)
        if self.protocol == "se":
            e, init = int(self.ep[m]) - 1, self.agent.init_episodes
            if self.real_solved is not None:  # the real env: train until the train returns reach solved
                early = real_env_solved(self.train_returns[m], e, init, self.k, self.real_solved)
            else:
                early = se_early_out(self.train_returns[m], e, init, self.k, self.diff)
            stop = self.ep[m] >= self.episodes or early
            if self.max_total_steps is not None and sum(self.lengths[m]) >= self.max_total_steps:
                stop = True
            if stop:
                self.phase[m], self.tests_left[m] = TEST, self.test_episodes
        else:
            self.phase[m], self.tests_left[m] = TEST, 1

    def _end_test(self, m: int) -> None:
        if self.in_final[m]:  # the worker's test run after training (threshold fitness)
            self.final_test[m] = float(self.cur_ret[m])
            self.phase[m] = DONE
            return
        self.test_returns[m].append(float(self.cur_ret[m]))
        self.tests_left[m] -= 1
        if self.protocol == "se":
            self.phase[m] = DONE if self.tests_left[m] <= 0 else TEST
            return
        tr, ep = self.test_returns[m], int(self.ep[m]) - 1
        if (self.solved_ep[m] is None and ep >= self.agent.init_episodes
                and threshold_reached(tr, self.k, self.solved)):
            self.solved_ep[m] = ep
        stop = self.ep[m] >= self.episodes
        if self.protocol == "threshold" and self.solved_ep[m] is not None:
            stop = True
        if self.max_total_steps is not None and sum(self.lengths[m]) >= self.max_total_steps:
            stop = True
        if stop and self.protocol == "threshold":
            self.in_final[m], self.phase[m] = True, TEST
        else:
            self.phase[m] = DONE if stop else TRAIN

    def run(self) -> List[Dict]:
        P = self.P
        obs = None
        for m in range(P):
            o = self.train_env.reset(m)
            if obs is None:
                obs = np.zeros((P,) + o.shape, np.float32)
            obs[m] = o
        while np.any(self.phase != DONE):
            train_m = self.phase == TRAIN
            test_m = self.phase == TEST
            actions = self.agent.act(obs, train_m, self.ep)
            nobs = obs.copy()
            ended = np.zeros(P, bool)
            if train_m.any():
                o2, r_ag, r_real, term, trunc = self.train_env.step(obs, actions, train_m)
                if self.icm is not None and train_m[0]:
                    r_ag = r_ag + self.icm(obs[0], actions[0], o2[0])
                # real env: the step cap is terminal (gym 0.17 TimeLimit); SE: not
                done = ((term | trunc) if self.trunc_terminal else term).astype(np.float32)
                self.agent.store(train_m, obs, actions, r_ag, o2, done)
                if self.protocol == "se":  # 2020 code: learn only after init_episodes
                    learn = self.ep > self.agent.init_episodes
                else:  # 2021 code: from init_episodes on
                    learn = self.ep >= self.agent.init_episodes
                self.agent.update(train_m & learn)
                if self.record:
                    for m in np.nonzero(train_m)[0]:
                        self.transitions["train"].append((obs[m].copy(), int(np.asarray(actions[m]).ravel()[0]),
                                                          o2[m].copy(), float(r_real[m]), bool(term[m])))
                self.cur_len[train_m] += 1
                self.cur_ret[train_m] += r_real[train_m]
                nobs[train_m] = o2[train_m]
                ended |= train_m & (term | trunc)
            if test_m.any():
                o2, _, r_real, term, trunc = self.test_env.step(obs, actions, test_m)
                if self.record:
                    for m in np.nonzero(test_m)[0]:
                        self.transitions["test"].append((obs[m].copy(), int(np.asarray(actions[m]).ravel()[0]),
                                                         o2[m].copy(), float(r_real[m]), bool(term[m])))
                self.cur_ret[test_m] += r_real[test_m]
                nobs[test_m] = o2[test_m]
                ended |= test_m & (term | trunc)
            obs = nobs
            for m in np.nonzero(ended)[0]:
                if self.phase[m] == TRAIN:
                    self._end_train(m)
                else:
                    self._end_test(m)
                if self.phase[m] != DONE:
                    self._start(m, obs)
        return [self.result(m) for m in range(P)]

    def result(self, m: int) -> Dict:
        lengths, tests = self.lengths[m], self.test_returns[m]
        out = {"lengths": lengths, "test_returns": tests, "episodes": len(lengths),
               "steps": int(sum(lengths)), "solved_episode": self.solved_ep[m]}
        if self.protocol == "se":
            out["fitness"] = float(np.mean(tests))
        else:
            final = self.final_test[m]
            if final is None:  # "curve": no test run after training; the last test stands in
                final = float(tests[-1])
            out["final_test"] = final
            out["fitness"] = rn_fitness(lengths, final, self.solved, self.unsolved_weight)
            se = self.solved_ep[m]
            out["steps_to_threshold"] = float(sum(lengths[:se + 1])) if se is not None else float("nan")
        return out
