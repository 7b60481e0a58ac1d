"""The NES outer loop of the paper (GTN master/worker), as pure functions plus one driver.

Per iteration, each of the lambda members draws eps_i ~ N(0, sigma^2 I) over the flat Linear
parameters psi, scores psi + eps_i (and psi - eps_i when mirrored: the better sign is kept,
eps flipped if psi - eps wins), and the unperturbed psi is scored for logging, saving and the
transforms 5-7. The update is the original's weighted recombination of winning perturbations:

    psi <- (1 - wd) psi + alpha * sum_i u_i eps_i          (no division by sigma;
                                                           divided by lambda only if nes_step_size)

Seeds are deterministic: eps from (run seed, iteration); every inner run from
(run seed, iteration, member, sign). Valid on Python 3.8 (the paper's pinned env).
"""
from __future__ import annotations

import hashlib
import math
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

TRANSFORMS = tuple(range(8))
ORIG_MARGIN = 1e-6  # transforms 5-7 count a member as above the mean unperturbed score only beyond this
TRANSFORM_NAMES = {0: "min-max", 1: "rank linear", 2: "NES utility (-1/λ)", 3: "NES utility",
                   4: "single best", 5: "single best > orig", 6: "above orig (max)",
                   7: "above orig (sum)"}


def ranks_best_first(scores: Sequence[float]) -> np.ndarray:
    """rank[i] in 1..n of member i, 1 = highest score (ties keep member order)."""
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, kind="stable")
    ranks = np.empty(len(s), dtype=int)
    ranks[order] = np.arange(1, len(s) + 1)
    return ranks


def score_transform(scores: Sequence[float], transform: int,
                    score_orig: Optional[float] = None) -> np.ndarray:
    """Weights u_i of the lambda members (member order) for the NES update.

    0 min-max to [0, 1]; 1 rank-linear in [0, 1] (best 1, worst 0; ties in ascending member
    order); 3 u_k = max(0, log(l/2+1) -
    log k), normalised to sum 1, then divided by its max; 2 as 3 with 1/l subtracted before the
    max step; 4 best only; 5 best only if any member is above the mean unperturbed score (by more
    than 1e-6); 6/7 every member above it, weighted by the excess, normalised by the max (6) or
    the sum (7). Known values from the original's GTN_Master.score_transform: tests/lse.
    """
    s = np.asarray(scores, dtype=float)
    lam = len(s)
    if transform not in TRANSFORMS:
        raise ValueError(f"score transform {transform} unknown; allowed: 0..7")
    if transform == 0:
        span = s.max() - s.min()
        return (s - s.min()) / span if span > 0 else np.zeros(lam)
    ranks = ranks_best_first(s)
    if transform == 1:  # ascending stable order: among tied scores the earlier member ranks lower
        if lam == 1:
            return np.ones(1)
        u = np.empty(lam)
        u[np.argsort(s, kind="stable")] = np.arange(lam) / (lam - 1)
        return u
    if transform in (2, 3):
        u = np.maximum(0.0, math.log(lam / 2 + 1) - np.log(ranks))
        u = u / u.sum()
        if transform == 2:
            u = u - 1.0 / lam
        return u / u.max()
    if transform == 4:
        return (ranks == 1).astype(float)
    if score_orig is None:
        raise ValueError(f"score transform {transform} needs the unperturbed score")
    above = s > score_orig + ORIG_MARGIN  # the original's margin against numerical noise
    if transform == 5:
        return ((ranks == 1) & np.any(above)).astype(float)
    if not np.any(above):
        return np.zeros(lam)
    excess = np.where(above, s - score_orig, 0.0)
    return excess / (excess.max() if transform == 6 else excess.sum())


def mirrored_select(f_plus: Sequence[float], f_minus: Sequence[float]):
    """(sign, score): sign -1 where psi - eps scored strictly better; score = the max."""
    fp = np.asarray(f_plus, dtype=float)
    fm = np.asarray(f_minus, dtype=float)
    sign = np.where(fm > fp, -1.0, 1.0)
    return sign, np.maximum(fp, fm)


def nes_update(psi: np.ndarray, eps: np.ndarray, weights: np.ndarray, step_size: float,
               weight_decay: float = 0.0, nes_step_size: bool = False) -> np.ndarray:
    """psi' = (1 - wd) psi + alpha * sum_i u_i eps_i (alpha / lambda if nes_step_size)."""
    alpha = step_size / len(weights) if nes_step_size else step_size
    return (1.0 - weight_decay) * psi + alpha * (np.asarray(weights)[:, None] * eps).sum(axis=0)


def inner_seed(*parts: int) -> int:
    """A stable 31-bit seed from integers (run seed, iteration, member, sign)."""
    h = hashlib.sha256(",".join(str(int(p)) for p in parts).encode()).digest()
    return int.from_bytes(h[:4], "little") & 0x7FFFFFFF


def draw_eps(run_seed: int, iteration: int, lam: int, dim: int, sigma: float) -> np.ndarray:
    rng = np.random.default_rng(inner_seed(run_seed, iteration, 999_983))
    return rng.standard_normal((lam, dim)) * sigma


# evaluate(thetas (N, D), seeds (N,)) -> scores (N,)
Evaluator = Callable[[np.ndarray, List[int]], np.ndarray]


def nes_iteration(psi: np.ndarray, it: int, cfg: Dict, run_seed: int,
                  evaluate: Evaluator) -> Dict:
    """One NES iteration; returns the new psi and what the original logged."""
    lam, sigma = int(cfg["population"]), float(cfg["sigma"])
    mirrored = bool(cfg["mirrored"])
    n_orig = int(cfg.get("orig_evals", lam))
    eps = draw_eps(run_seed, it, lam, psi.size, sigma)
    thetas = [np.tile(psi, (n_orig, 1)), psi + eps]
    seeds = [inner_seed(run_seed, it, m, 0) for m in range(n_orig)]
    seeds += [inner_seed(run_seed, it, m, 1) for m in range(lam)]
    if mirrored:
        thetas.append(psi - eps)
        seeds += [inner_seed(run_seed, it, m, -1) for m in range(lam)]
    scores = np.asarray(evaluate(np.concatenate(thetas, axis=0), seeds), dtype=float)
    orig = scores[:n_orig]
    f_plus = scores[n_orig:n_orig + lam]
    if mirrored:
        sign, score = mirrored_select(f_plus, scores[n_orig + lam:])
        eps = eps * sign[:, None]
    else:
        score = f_plus
    weights = score_transform(score, int(cfg["transform"]), float(np.mean(orig)))
    new_psi = nes_update(psi, eps, weights, float(cfg["step_size"]),
                         float(cfg.get("weight_decay", 0.0)), bool(cfg.get("nes_step_size", False)))
    return {"psi": new_psi, "psi_scored": psi, "score_orig": orig, "scores": score,
            "weights": weights}


def run_nes(psi0: np.ndarray, cfg: Dict, run_seed: int, evaluate: Evaluator, *,
            solved: Optional[float] = None, start: Optional[Dict] = None,
            checkpoint: Optional[Callable[[Dict], None]] = None, log=None) -> Dict:
    """Iterate NES. Keeps the best psi by mean unperturbed score (RN saving) and, SE semantics
    (GTN_Master.save_good_model), the psi of the best iteration whose mean unperturbed score
    exceeds ``solved`` (strictly); ``solved_it`` is the first such iteration, where the run stops
    if quit_when_solved."""
    state = start or {"psi": np.asarray(psi0, dtype=float), "it": 0, "rows": [],
                      "best_score": -np.inf, "best_psi": None, "solved_psi": None,
                      "solved_it": None}
    iterations = int(cfg["iterations"])
    quit_when_solved = bool(cfg.get("quit_when_solved", False))
    while state["it"] < iterations:
        it = state["it"]
        t0 = time.time()
        out = nes_iteration(state["psi"], it, cfg, run_seed, evaluate)
        mean_orig = float(np.mean(out["score_orig"]))
        if mean_orig > state["best_score"]:
            state["best_score"], state["best_psi"] = mean_orig, out["psi_scored"].copy()
        newly_solved = False
        if (solved is not None and mean_orig > solved
                and mean_orig > state.get("solved_score", -np.inf)):
            state["solved_psi"], state["solved_score"] = out["psi_scored"].copy(), mean_orig
            newly_solved = True
            if state["solved_it"] is None:
                state["solved_it"] = it
        state["rows"].append({"iteration": it, "score_orig_mean": mean_orig,
                              "score_orig_std": float(np.std(out["score_orig"])),
                              "score_best": float(np.max(out["scores"])),
                              "score_mean": float(np.mean(out["scores"])),
                              "seconds": time.time() - t0})
        state["psi"] = out["psi"]
        state["it"] = it + 1
        if log is not None:
            log.info("iteration %d: mean score_orig %.3f, best member %.3f (%.2f s)", it,
                     mean_orig, float(np.max(out["scores"])), time.time() - t0)
        if checkpoint is not None:
            checkpoint(state)
        if newly_solved and quit_when_solved:
            break
    return state
