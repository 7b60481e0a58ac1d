"""Stopping rules and the RN fitness shared by the tabular and the batched inner loops.

Both follow the original's ``AverageMeter`` windows: the mean of the last <= k values (as many as
exist) and the mean of the <= k values before those. Sources (file, function, commit) and the
tests that pin each rule: docs/fidelity/lse.md. Valid on Python 3.8.
"""
from __future__ import annotations

from typing import Sequence


def window_mean(values: Sequence[float], k: int, skip: int = 0) -> float:
    """Mean of the last <= k values before the last ``skip`` ones; 0.0 if there are none."""
    n = len(values)
    part = list(values[max(n - k - skip, 0):max(n - skip, 0)])
    return float(sum(part) / len(part)) if part else 0.0


def threshold_reached(test_returns: Sequence[float], k: int, solved: float) -> bool:
    """RN threshold objective (early-2021 base_agent.env_solved on a real env): the mean of the
    last <= k test returns reaches the solved reward. The caller checks it from episode index
    init_episodes on, after every training episode's test."""
    return len(test_returns) > 0 and window_mean(test_returns, k) >= solved


def se_early_out(train_returns: Sequence[float], episode: int, init_episodes: int, k: int,
                 diff: float) -> bool:
    """SE early-out (2020 base_agent.env_solved on a virtual env), after the episode with 0-based
    index ``episode``: episode > init_episodes + k and |mean(last <= k) - mean(<= k before)| /
    |mean(<= k before) + 1e-9| < diff. With init 0 and k 10 the first possible stop is after
    12 episodes."""
    if episode <= init_episodes + k:
        return False
    last, prev = window_mean(train_returns, k), window_mean(train_returns, k, skip=k)
    return abs(last - prev) / abs(prev + 1e-9) < diff


def real_env_solved(train_returns: Sequence[float], episode: int, init_episodes: int, k: int,
                    solved: float) -> bool:
    """The same function's real-env branch (an agent trained on the real env, no real test env
    given), after the episode with 0-based index ``episode``: episode > init_episodes and the
    mean of the last <= k training returns reaches the solved reward."""
    return episode > init_episodes and window_mean(train_returns, k) >= solved


def rn_fitness(lengths: Sequence[int], final_test: float, solved: float,
               unsolved_weight: float) -> float:
    """GTN_Worker.calc_score of a reward env (from 2021-01-20): -sum(training episode lengths) -
    unsolved_weight * max(0, solved - the mean return of the test run after training)."""
    return float(-sum(lengths) - unsolved_weight * max(0.0, solved - final_test))
