"""Training pairs for T-REX: the authors' Atari snippet sampler, their Enduro whole-demo
pairs, MuJoCo windows, and ranking noise by adjacent swaps.

A pair is a row of the structured array ``PAIR_DTYPE``: two snippets (episode, start,
length in steps, stride) and ``label`` = 1 where snippet b comes from the better-ranked
trajectory. The frames used are ``start + arange(0, length, stride)``. ``correct``
says whether the label agrees with the true ranking (it differs only under ranking
noise). Pure numpy; every function takes its own ``numpy.random.Generator``.
"""
from __future__ import annotations

from typing import Dict, Sequence, Tuple

import numpy as np

PAIR_DTYPE = np.dtype([("a_ep", np.int32), ("a_start", np.int32), ("a_len", np.int32),
                       ("a_stride", np.int32), ("b_ep", np.int32), ("b_start", np.int32),
                       ("b_len", np.int32), ("b_stride", np.int32), ("label", np.int8),
                       ("correct", np.int8), ("member", np.int16)])


def snippet_indices(start: int, length: int, stride: int) -> np.ndarray:
    return start + np.arange(0, length, stride)


def _draw_two_ranked(rank: np.ndarray, rng: np.random.Generator, max_tries: int = 10_000
                     ) -> Tuple[int, int]:
    """Two different episodes whose rank values differ (ties are dropped: the authors only
    guarantee different indices; msinto93 drops equal returns; we drop them)."""
    n = len(rank)
    for _ in range(max_tries):
        i, j = rng.choice(n, size=2, replace=False)
        if rank[i] != rank[j]:
            return int(i), int(j)
    raise ValueError("cannot draw a pair of differently ranked trajectories (all ranks tied?)")


def atari_snippet_pairs(lengths: Sequence[int], rank: Sequence[float], n_pairs: int,
                        rng: np.random.Generator, *, min_len: int = 50, max_len: int = 100,
                        stride: int = 2, true_rank: Sequence[float] | None = None) -> np.ndarray:
    """The authors' sampler (docs/fidelity/trex.md A2-A5): L uniform in [min_len, max_len) with the upper bound
    capped by the shortest demo (exclusive); the worse demo's start uniform over positions valid
    in both demos; the better demo's start uniform from that start to its end (progress prior);
    every ``stride``-th stack kept. Short-demo guard: when the shortest demo is shorter than
    ``min_len`` the range shrinks to what it allows (the authors' sampler would fail)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    rank = np.asarray(rank, dtype=float)
    true_rank = rank if true_rank is None else np.asarray(true_rank, dtype=float)
    hi = int(min(max_len, lengths.min()))          # exclusive upper bound, as the authors
    lo = int(min(min_len, max(hi - 1, 1)))
    hi = max(hi, lo + 1)
    out = np.zeros(n_pairs, dtype=PAIR_DTYPE)
    for n in range(n_pairs):
        i, j = _draw_two_ranked(rank, rng)
        worse, better = (i, j) if rank[i] < rank[j] else (j, i)
        length = int(rng.integers(lo, hi))
        shortest = int(min(lengths[i], lengths[j]))
        length = min(length, shortest)
        worse_start = int(rng.integers(0, shortest - length + 1))
        better_start = int(rng.integers(worse_start, lengths[better] - length + 1))
        starts = {worse: worse_start, better: better_start}
        label = int(rank[j] > rank[i])               # b (= j) better
        correct = int((true_rank[j] > true_rank[i]) == bool(label))
        out[n] = (i, starts[i], length, stride, j, starts[j], length, stride, label, correct, 0)
    return out


def whole_demo_pairs(lengths: Sequence[int], rank: Sequence[float], n_pairs: int,
                     rng: np.random.Generator, *, max_offset: int = 5, stride_low: int = 3,
                     stride_high: int = 6, true_rank: Sequence[float] | None = None) -> np.ndarray:
    """The authors' Enduro pairs: two whole demos, each from a random offset in [0, max_offset],
    down-sampled with one random stride in [stride_low, stride_high] shared by the pair."""
    lengths = np.asarray(lengths, dtype=np.int64)
    rank = np.asarray(rank, dtype=float)
    true_rank = rank if true_rank is None else np.asarray(true_rank, dtype=float)
    out = np.zeros(n_pairs, dtype=PAIR_DTYPE)
    for n in range(n_pairs):
        i, j = _draw_two_ranked(rank, rng)
        oi = int(rng.integers(0, min(max_offset, lengths[i] - 1) + 1))
        oj = int(rng.integers(0, min(max_offset, lengths[j] - 1) + 1))
        step = int(rng.integers(stride_low, stride_high + 1))
        label = int(rank[j] > rank[i])
        correct = int((true_rank[j] > true_rank[i]) == bool(label))
        out[n] = (i, oi, lengths[i] - oi, step, j, oj, lengths[j] - oj, step, label, correct, 0)
    return out


def window_pairs(ep_demonstrator: Sequence[int], lengths: Sequence[int],
                 demonstrator_rank: Dict[int, float], n_pairs: int, rng: np.random.Generator, *,
                 window: int = 50, true_rank: Dict[int, float] | None = None,
                 member: int = 0) -> np.ndarray:
    """MuJoCo pairs (authors' ``gt_traj_no_steps_noise``): two different demonstrators, one
    episode of each, an independent random window of ``window`` steps in each (the whole
    episode if shorter); label = which demonstrator ranks higher."""
    ep_dem = np.asarray(ep_demonstrator)
    lengths = np.asarray(lengths, dtype=np.int64)
    true_rank = demonstrator_rank if true_rank is None else true_rank
    dems = np.array(sorted(demonstrator_rank))
    ranks = np.array([demonstrator_rank[d] for d in dems], dtype=float)
    episodes = {d: np.flatnonzero(ep_dem == d) for d in dems}
    out = np.zeros(n_pairs, dtype=PAIR_DTYPE)
    for n in range(n_pairs):
        di, dj = _draw_two_ranked(ranks, rng)
        row = []
        for d in (dems[di], dems[dj]):
            ep = int(rng.choice(episodes[d]))
            length = int(min(window, lengths[ep]))
            start = int(rng.integers(0, lengths[ep] - length + 1))
            row += [ep, start, length, 1]
        label = int(ranks[dj] > ranks[di])
        correct = int((true_rank[dems[dj]] > true_rank[dems[di]]) == bool(label))
        out[n] = tuple(row) + (label, correct, member)
    return out


def adjacent_swaps(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Noisy ranking: start from the true order 0..n-1 (worst to best) and swap k random
    adjacent positions. Returns ``noisy_rank`` with noisy_rank[t] = noisy position of the
    item whose true position is t."""
    order = np.arange(n)                 # order[p] = item at position p
    for _ in range(k):
        p = int(rng.integers(0, n - 1))
        order[p], order[p + 1] = order[p + 1], order[p]
    noisy_rank = np.empty(n, dtype=np.int64)
    noisy_rank[order] = np.arange(n)
    return noisy_rank


def order_correctness(noisy_rank: Sequence[int]) -> float:
    """Fraction of item pairs (true order t < u) that the noisy ranking keeps in order."""
    r = np.asarray(noisy_rank)
    n = len(r)
    if n < 2:
        return 1.0
    t, u = np.triu_indices(n, 1)
    return float(np.mean(r[t] < r[u]))
