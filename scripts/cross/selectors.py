"""The feedback selectors compared by the cross experiment (DSI's detector as FDT's selector),
as pure functions of one training set's arrays; all return sorted position lists.

Every selector picks among the same eligible positions as FDT's criterion
(``scripts.fdt.critical.eligible_steps``: started, not terminal, reward 0) and under the same
budget N:

- ``criterion``: FDT's own critical states (read from FDT's feedback arrays, not recomputed);
- ``dsi``: the N eligible positions with the highest detector mask value (ties: earlier first);
- ``random``: N eligible positions drawn uniformly without replacement (seeded);
- ``oracle``: eligible positions where the oracle's greedy action differs from the logged one
  (label 0); a seeded random N of them when there are more, all of them when fewer;
- ``first``: the N eligible positions nearest their episode's start (a position prior: DSI's
  MinAtar attack found the detector ranks the opening steps first); ties: earlier episode first.

The chosen positions are then labelled as FDT's pipeline labels its own (``feedback_arrays``):
the oracle's bit, and the best action of the position's cell from FDT's Monte-Carlo cell
statistics where the cell has one (else -1: a negative label there has no action to push to).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

SELECTORS = ("criterion", "dsi", "random", "oracle", "first")


def eligible_positions(ts: Dict[str, np.ndarray]) -> np.ndarray:
    """Flat positions of ``ts`` (reward, terminal, valid, episode_start) that FDT's criterion
    may choose: eligible_steps within each episode."""
    from scripts.fdt.critical import eligible_steps
    from scripts.fdt.minatar_critical import episode_slices

    out = []
    for a, b in episode_slices(ts["episode_start"]):
        elig = eligible_steps(ts["reward"][a:b], ts["terminal"][a:b], ts["valid"][a:b],
                              np.arange(b - a))
        out.append(a + np.flatnonzero(elig))
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, dtype=np.int64)


def relative_positions(episode_start: np.ndarray) -> np.ndarray:
    """Each position's place in its episode, 0 (first step) to 1 (last step); 0 when the
    episode has one step."""
    from scripts.fdt.minatar_critical import episode_slices

    out = np.zeros(len(episode_start), dtype=float)
    for a, b in episode_slices(episode_start):
        if b - a > 1:
            out[a:b] = np.arange(b - a) / float(b - a - 1)
    return out


def select_top_scores(eligible: np.ndarray, scores: np.ndarray, budget: int) -> List[int]:
    """The ``budget`` eligible positions with the highest score (ties: earlier position)."""
    eligible = np.asarray(eligible, dtype=np.int64)
    s = np.asarray(scores, dtype=float)[eligible]
    order = np.lexsort((eligible, -s))
    return sorted(int(p) for p in eligible[order[:budget]])


def select_random(eligible: np.ndarray, budget: int, seed: int) -> List[int]:
    """``budget`` eligible positions uniformly without replacement (all when fewer)."""
    eligible = np.asarray(eligible, dtype=np.int64)
    rng = np.random.default_rng(seed)
    k = min(budget, len(eligible))
    return sorted(int(p) for p in rng.choice(eligible, size=k, replace=False))


def select_oracle(eligible: np.ndarray, labels: np.ndarray, budget: int, seed: int) -> List[int]:
    """Eligible positions whose oracle label is 0 (greedy action != logged action): a seeded
    random ``budget`` of them when there are more, else all."""
    eligible = np.asarray(eligible, dtype=np.int64)
    wrong = eligible[np.asarray(labels)[eligible] == 0]
    return select_random(wrong, budget, seed)


def select_first(eligible: np.ndarray, episode_start: np.ndarray, budget: int) -> List[int]:
    """The ``budget`` eligible positions with the smallest in-episode step (position minus its
    episode's start; ties: earlier position, i.e. earlier episode)."""
    eligible = np.asarray(eligible, dtype=np.int64)
    t = eligible - np.asarray(episode_start, dtype=np.int64)[eligible]
    order = np.lexsort((eligible, t))
    return sorted(int(p) for p in eligible[order[:budget]])


def criterion_positions(feedback: np.ndarray) -> List[int]:
    """FDT's own chosen positions: where its feedback array holds a label."""
    return [int(p) for p in np.flatnonzero(np.asarray(feedback) >= 0)]


def labelled(n: int, positions: Sequence[int], labels: np.ndarray,
             cell_best: Sequence[Tuple[int, int, float]]) -> Dict[str, np.ndarray]:
    """FDT's feedback arrays for ``positions``: the oracle's bit, and per position (best,
    worst, gap) of its cell (``cell_best[p]``; best -1 when the cell has none)."""
    from scripts.fdt.critical import feedback_arrays

    chosen = [(int(p),) + tuple(cell_best[int(p)]) for p in positions]
    return feedback_arrays(n, chosen, len(chosen), labels)


def cell_best_actions(keys: Sequence[bytes], ranking) -> List[Tuple[int, int, float]]:
    """(best, worst, gap) of each position's cell from FDT's ranking (cell, gap, best, worst);
    (-1, -1, 0.0) for a cell it does not rank."""
    table = {k: (int(b), int(w), float(g)) for k, g, b, w in ranking}
    return [table.get(k, (-1, -1, 0.0)) for k in keys]


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """|A & B| / |A | B| (nan when both are empty)."""
    sa, sb = set(int(x) for x in a), set(int(x) for x in b)
    union = sa | sb
    return float(len(sa & sb)) / len(union) if union else float("nan")


def mean_relative_position(positions: Sequence[int], rel: np.ndarray) -> float:
    """Mean of ``rel`` (0: episode start, 1: end) over the positions (nan when none)."""
    pos = np.asarray(list(positions), dtype=np.int64)
    return float(np.mean(np.asarray(rel)[pos])) if len(pos) else float("nan")


def select(name: str, *, eligible: np.ndarray, budget: int, seed: int, labels: np.ndarray,
           episode_start: np.ndarray, feedback: np.ndarray,
           scores: Optional[np.ndarray] = None) -> List[int]:
    """One selector's positions (``scores``: the detector's per-position mask, for ``dsi``)."""
    if name == "criterion":
        return criterion_positions(feedback)
    if name == "dsi":
        if scores is None:
            raise ValueError("the dsi selector needs the detector's scores")
        return select_top_scores(eligible, scores, budget)
    if name == "random":
        return select_random(eligible, budget, seed)
    if name == "oracle":
        return select_oracle(eligible, labels, budget, seed)
    if name == "first":
        return select_first(eligible, episode_start, budget)
    raise ValueError(f"unknown selector {name!r} (one of {', '.join(SELECTORS)})")
