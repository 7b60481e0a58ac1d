"""Critical states (appendix Table 2) and their oracle feedback; rule by rule against the
original code in docs/fidelity/fdt.md.

States are hashed into cells (game mask, 7x7 max-pool per frame, SHA-512 of the pooled
float stack). Per (cell, action), Monte-Carlo returns of clipped rewards with discount gamma,
plus a life-loss penalty when a life is lost within the game's window, give Q(c, a) (the
original's first-visit and non-eligible-step rules: ``CellStats``); the importance of a cell
is max_a Q - min_a Q over actions with at least ``min_samples`` samples (cells with >= 2
actions, I > 0, sorted descending; ties: first-inserted action, first-created cell). Phase A
(the training set) comes first, and only its eligible positions up to ``candidate_limit``
(the original: index 500,000) create cells and become candidates; phase B (a longer
sequential read of the behaviour log, each buffer continued after the training set's last
episode from it, episodes shorter than K dropped) only adds returns. "highest-lowest"
selects, per cell, the first training-set occurrence whose logged action is the best action
and the first whose logged action is the worst (the cell's first occurrence only when
neither occurs); "all-cell-pairs" with n > 0 adds the next n + 1 occurrences not picked yet.
The budget N keeps the first N positions.

Eligibility (deviation, documented): the original's exact-grey-level pixel heuristics need
atari-py's ROM frames; we use the game-independent part (episode started, not terminal,
step reward 0, not padding) and life-loss flags from ``lives()`` (or the terminal flag
where lives are unknown, as in DQN Replay).

Checkpoints (up to a day of reading at paper scale): the accumulated statistics, the
training-set occurrences and the read position are saved to ``.<out name>.checkpoint.pt``
beside the output every ``checkpoint_every`` episodes (both phases, default in the paper
block of config/fdt.yaml), after every phase-B buffer, and on SIGTERM/SIGUSR1 (then the step
exits with 143, so Snakemake or SLURM reruns it). A rerun resumes from there when the
checkpoint's fingerprint (every argument but ``--threads`` and ``checkpoint_every``, the
training set's bytes and the replay's manifest.json) matches, else starts fresh; the
checkpoint is removed once the outputs are written. A resumed run writes the same outputs as
an uninterrupted one (the step draws no random numbers; dicts keep their insertion order
through pickling, so the ties are broken alike).

CLI: ``python -m scripts.fdt.critical --params JSON --seed S --trainset NPZ --replay DIR
--labels DIR --out NPZ``
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from scripts.fdt.games import LL_OFFSET, LL_WINDOW
from scripts.fdt.replay import episode_bounds, load_buffer
from scripts.common.io import load_npy, load_npz, read_json

POOL = 7


@dataclass(frozen=True)
class Params:
    """Settings of rule fdt_critical_states: config/fdt.yaml's `critical` block, plus
    candidate_limit and min_len (the discount, life-loss reward, sampling and budget of the
    setting come as their own flags)."""

    return_transitions: int  # transitions whose returns feed Q (training set + phase B)
    phase_b_first_buffer: int  # the buffer phase B starts its sequential read at
    min_samples: int  # actions with fewer samples do not count in a cell's importance (MIN_RTG)
    pairs: int  # all-cell-pairs: extra occurrences per cell
    checkpoint_every: int  # episodes (both phases) between checkpoints; not fingerprinted
    candidate_limit: int  # only training-set positions up to this index create cells
    min_len: int  # phase B drops episodes shorter than this (the model's context K)
    # the game's life-loss reward: not read by this step; passed with its config block (the rule
    # passes the game's value as --ll)
    ll_reward: Optional[Dict[str, float]] = None


# ----------------------------------------------------------------------------- cells
def mask_frames(frames: np.ndarray, game: str) -> np.ndarray:
    """The paper's per-game masks on 84x84 frames (score and lives digits, oxygen bar)."""
    f = np.array(frames, dtype=np.float32, copy=True)
    if game == "breakout":
        f[..., 0:6, 0:48] = 0
    elif game == "qbert":
        f[..., 2:12, 17:38] = 0
    elif game == "pong":
        f = f[..., 11:, :]
    elif game == "seaquest":
        # the ship's row 20 binarised as the original: grey < 100 -> 0, >= 100 -> 172
        f[..., 18:22, :] = np.where(f[..., 18:22, :] >= 100, 172.0, 0.0)
        f[..., 18:20, :] = 0
        f[..., 21, :] = 0
        f[..., 61:70, :] = 0
        f = f[..., 18:, :]
    elif game != "none":
        raise ValueError(f"no mask for game {game!r}")
    return f


def pool_frames(frames: np.ndarray, k: int = POOL) -> np.ndarray:
    """Max-pool, kernel k stride k, floor (as torch's max_pool2d) over the last two axes."""
    h, w = frames.shape[-2] // k * k, frames.shape[-1] // k * k
    f = frames[..., :h, :w]
    lead = f.shape[:-2]
    f = f.reshape(lead + (h // k, k, w // k, k))
    return f.max(axis=(-3, -1))


def cell_keys(frames: np.ndarray, episode_start: np.ndarray, game: str, stack: int = 4,
              k: int = POOL) -> List[bytes]:
    """One cell key (SHA-512 digest of the pooled float32 4-stack) per position."""
    pooled = pool_frames(mask_frames(frames, game), k).astype(np.float32)
    zero = np.zeros_like(pooled[0])
    keys = []
    for t in range(len(frames)):
        parts = []
        for j in range(stack):
            s = t - (stack - 1 - j)
            parts.append(pooled[s] if s >= episode_start[t] else zero)
        keys.append(hashlib.sha512(np.stack(parts).tobytes()).digest())
    return keys


# ----------------------------------------------------------------------------- returns
def life_loss_flags(terminal: np.ndarray, lives: np.ndarray) -> np.ndarray:
    """Flag at t when the step t -> t+1 loses a life, or ends the game."""
    flags = np.asarray(terminal).astype(bool).copy()
    lives = np.asarray(lives)
    if len(lives) > 1 and (lives >= 0).all():
        flags[:-1] |= lives[1:] < lives[:-1]
    return flags


def penalised_returns(rewards: np.ndarray, flags: np.ndarray, gamma: float, ll_reward: float,
                      window: int, offset: int) -> np.ndarray:
    """G_j = sum_k gamma^k r_{j+k} to the episode end (one episode), plus ``ll_reward`` when a
    life-loss flag lies in [j+offset, j+window), and always when fewer than ``window`` steps
    remain."""
    r = np.asarray(rewards, dtype=np.float64)
    n = len(r)
    g = np.zeros(n)
    run = 0.0
    for j in range(n - 1, -1, -1):
        run = r[j] + gamma * run
        g[j] = run
    if ll_reward != 0:
        fl = np.asarray(flags, dtype=bool)
        csum = np.concatenate([[0], np.cumsum(fl)])
        for j in range(n):
            lo, hi = min(n, j + offset), min(n, j + window)
            hit = csum[hi] - csum[lo] > 0
            if hit or n - j < window:
                g[j] += ll_reward
    return g


def eligible_steps(reward: np.ndarray, terminal: np.ndarray, valid: np.ndarray,
                   timestep: np.ndarray) -> np.ndarray:
    """Game-independent eligibility: started (t >= 1), not terminal, reward 0, valid."""
    return ((np.asarray(timestep) >= 1) & ~np.asarray(terminal).astype(bool)
            & (np.asarray(reward) == 0) & np.asarray(valid).astype(bool))


# ----------------------------------------------------------------------------- importance
class CellStats:
    """Monte-Carlo returns per (cell, action), accumulated episode by episode, with the
    original's rules (generate_important_states.py, calc_important_states):

    - an eligible step creates its cell if the cell is new and ``can_create`` allows it (the
      original: only indices <= 500,000 of the read data, i.e. the training set); it adds its
      return to (cell, action) on the pair's first eligible visit in the episode (an action
      not yet in the cell is always added) and marks the pair as visited;
    - a non-eligible step adds nothing to a new cell; in an existing cell it adds the action if
      the cell does not have it yet and records the action as "first seen at a non-eligible
      step" (for the whole data, not per episode); later non-eligible steps with such an
      action add their return on every visit (no first-visit filter), and a non-eligible step
      never marks a pair as visited, so it never blocks a later eligible first visit.

    Per cell, actions keep their insertion order, which breaks ties in ``ranking``."""

    def __init__(self) -> None:
        self.sums: Dict[bytes, Dict[int, List[float]]] = {}
        self.order: Dict[bytes, int] = {}
        self.from_noneligible: Dict[bytes, set] = {}
        self.seen_cells = set()

    def state(self) -> Dict[str, object]:
        """Everything accumulated so far (plain dicts, lists and sets), for a checkpoint."""
        return {"sums": self.sums, "order": self.order,
                "from_noneligible": self.from_noneligible, "seen_cells": self.seen_cells}

    @classmethod
    def from_state(cls, state: Dict[str, object]) -> "CellStats":
        stats = cls()
        stats.sums = state["sums"]
        stats.order = state["order"]
        stats.from_noneligible = state["from_noneligible"]
        stats.seen_cells = state["seen_cells"]
        return stats

    def add_episode(self, keys: Sequence[bytes], actions: np.ndarray, returns: np.ndarray,
                    eligible: np.ndarray, can_create: Optional[np.ndarray] = None) -> None:
        visited = set()
        for t, key in enumerate(keys):
            self.seen_cells.add(key)
            a = int(actions[t])
            cell = self.sums.get(key)
            if not eligible[t]:
                if cell is None:
                    continue  # non-eligible steps only add to existing candidate cells
                if a not in cell:
                    cell[a] = [float(returns[t]), 1]
                    self.from_noneligible.setdefault(key, set()).add(a)
                elif a in self.from_noneligible.get(key, ()):
                    cell[a][0] += float(returns[t])
                    cell[a][1] += 1
                continue
            if cell is None:
                if can_create is not None and not can_create[t]:
                    visited.add((key, a))
                    continue
                cell = self.sums[key] = {}
                self.order[key] = len(self.order)
            if a not in cell:
                cell[a] = [float(returns[t]), 1]
            elif (key, a) not in visited:
                cell[a][0] += float(returns[t])
                cell[a][1] += 1
            visited.add((key, a))

    def ranking(self, min_samples: int = 0) -> List[Tuple[bytes, float, int, int]]:
        """(cell, importance, best action, worst action), importance > 0, descending; equal
        importances keep the cells' creation order, equal action means the action first
        inserted into the cell (the original's max/min over its action dict)."""
        out = []
        for key, acts in self.sums.items():
            means = {a: s[0] / s[1] for a, s in acts.items() if s[1] >= max(1, min_samples)}
            if len(means) < 2:
                continue
            best = max(means, key=means.get)
            worst = min(means, key=means.get)
            gap = means[best] - means[worst]
            if gap > 0:
                out.append((key, gap, best, worst))
        out.sort(key=lambda x: (-x[1], self.order[x[0]]))
        return out


def select_positions(ranking, occurrences: Dict[bytes, List[int]], actions: np.ndarray,
                     sampling: str = "hl", pairs: int = 0) -> List[Tuple[int, int, int, float]]:
    """Ordered candidate positions (position, best, worst, gap) before the budget.

    Per cell (in ranking order): the first occurrence whose logged action is the best action
    and the first whose logged action is the worst; the cell's first occurrence only when
    neither occurs. "ap" (all-cell-pairs) with ``pairs`` = n > 0 then adds the next n + 1
    occurrences not picked yet, in order."""
    chosen: List[Tuple[int, int, int, float]] = []
    for key, gap, best, worst in ranking:
        occ = occurrences.get(key, [])
        if not occ:
            continue
        picks = []
        for target in (best, worst):
            p = next((q for q in occ if actions[q] == target), None)
            if p is not None:
                picks.append(p)
        if not picks:
            picks.append(occ[0])
        if sampling == "ap" and pairs > 0:
            taken = set(picks)
            extra = [q for q in occ if q not in taken][: pairs + 1]
            picks += extra
        for p in picks:
            chosen.append((p, best, worst, gap))
    return chosen


def feedback_arrays(n: int, chosen, budget: int, labels: np.ndarray
                    ) -> Dict[str, np.ndarray]:
    """Per training-set position: feedback bit (-1: none), best and worst action (-1: none)."""
    fb = np.full(n, -1, dtype=np.int8)
    best = np.full(n, -1, dtype=np.int16)
    worst = np.full(n, -1, dtype=np.int16)
    gap = np.zeros(n, dtype=np.float32)
    for p, b, w, g in chosen[:budget]:
        fb[p] = int(labels[p])
        best[p], worst[p], gap[p] = b, w, g
    return {"feedback": fb, "best_action": best, "worst_action": worst, "gap": gap}


def feedback_stats(actions: np.ndarray, fb: np.ndarray, best: np.ndarray) -> Dict[str, float]:
    """Table 10's pos / aligned / neg / ignored for one budget."""
    pos, neg = fb == 1, fb == 0
    aligned = float((actions[pos] == best[pos]).mean()) if pos.any() else float("nan")
    ignored = float((actions[neg] == best[neg]).mean()) if neg.any() else float("nan")
    return {"pos": int(pos.sum()), "aligned": aligned, "neg": int(neg.sum()),
            "ignored": ignored}


# ----------------------------------------------------------------------------- CLI
def _episode_pass(stats: CellStats, frames, actions, rewards, terminal, lives, valid, game,
                  gamma, ll, window, offset, can_create=None):
    start = np.zeros(len(actions), dtype=np.int64)
    keys = cell_keys(frames, start, game)
    flags = life_loss_flags(terminal, lives)
    g = penalised_returns(rewards, flags, gamma, ll, window, offset)
    elig = eligible_steps(rewards, terminal, valid, np.arange(len(actions)))
    stats.add_episode(keys, actions, g, elig, can_create)
    return keys, elig


def phase_b_starts(src_buffer: np.ndarray, src_index: np.ndarray, n_buffers: int) -> List[int]:
    """Per buffer, the stored index where phase B resumes: after the last training-set episode
    read from it (the original continues each buffer where the training-set read left it),
    0 for a buffer the training set never visited."""
    out = [0] * n_buffers
    for k in np.unique(src_buffer):
        out[int(k)] = int(src_index[src_buffer == k].max()) + 1
    return out


def _fingerprint(args: argparse.Namespace, manifest: Path) -> str:
    """The run's settings (``checkpoint_every`` and ``--threads`` aside) and inputs: the
    training set's bytes and the replay's manifest (its buffers are too large to hash on every
    start; the labels are read only after the loop, so a checkpoint does not depend on them)."""
    from scripts.common.checkpoint import args_fingerprint

    prm = {k: v for k, v in args.params.items() if k != "checkpoint_every"}
    return args_fingerprint(argparse.Namespace(**dict(vars(args), params=prm)),
                            inputs=[args.trainset, manifest])


def main(argv=None) -> int:
    from scripts.common import cli
    from scripts.common.checkpoint import Checkpointer
    from scripts.common.io import save_npz, write_json
    from scripts.common.progress import get_logger

    ap = cli.parser(__doc__.splitlines()[0], required=["--trainset", "--replay", "--game", "--out"])
    ap.add_argument("--labels", required=True, help="folder with buffer_{k}.npy feedback labels")
    ap.add_argument("--gamma", type=float, required=True)
    ap.add_argument("--ll", type=float, required=True, help="life-loss reward (0: none)")
    ap.add_argument("--sampling", choices=["hl", "ap"], required=True)
    ap.add_argument("--budget", type=int, required=True)
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("fdt.critical")
    p = cli.step_params(Params, args.params)
    game = args.game
    window, offset = LL_WINDOW[game], LL_OFFSET[game]
    ts = load_npz(args.trainset)
    n = len(ts["action"])
    # the original: only indices <= 500,000 (its training-set size) become candidate cells
    limit = p.candidate_limit
    min_len = p.min_len
    manifest_path = Path(args.replay) / "manifest.json"
    manifest = read_json(manifest_path, keys=["buffers"])
    n_buf = int(manifest["buffers"])
    budget_b = p.return_transitions - n

    # checkpoint every `checkpoint_every` episodes (how often does not change the result, so it
    # is not fingerprinted)
    out = Path(args.out)
    ck = Checkpointer(out.parent / f".{out.name}.checkpoint.pt",
                      every=p.checkpoint_every, log=log.info,
                      fingerprint=_fingerprint(args, manifest_path))
    saved = ck.load()
    if saved is None:
        stats = CellStats()
        occurrences: Dict[bytes, List[int]] = {}
        pos = {"phase": "A", "episode": 0, "buffer": p.phase_b_first_buffer % n_buf,
               "visited": 0, "next": 0, "read": 0, "step": 0}
    else:
        stats = CellStats.from_state(saved["stats"])
        occurrences = saved["occurrences"]
        pos = saved["pos"]
        log.info("resumed in phase %s: %d episodes done (phase A episode %d; phase B buffer "
                 "%d, %d buffers done, next episode %d, %d transitions read)", pos["phase"],
                 pos["step"], pos["episode"], pos["buffer"], pos["visited"], pos["next"],
                 pos["read"])

    def state(**at):
        pos.update(at)
        return {"stats": stats.state(), "occurrences": occurrences, "pos": dict(pos),
                "step": pos["step"]}

    with ck.preemptible():
        # phase A: the training set, episode by episode; its eligible positions are candidates
        starts = np.flatnonzero(ts["episode_start"] == np.arange(n))
        ends = list(starts[1:]) + [n]
        if pos["phase"] == "A":
            for i in range(pos["episode"], len(starts)):
                s, e = int(starts[i]), int(ends[i])
                create = np.arange(s, e) <= limit
                keys, elig = _episode_pass(stats, ts["observation"][s:e], ts["action"][s:e],
                                           ts["reward"][s:e], ts["terminal"][s:e],
                                           ts["lives"][s:e], ts["valid"][s:e], game, args.gamma,
                                           args.ll, window, offset, create)
                for t, key in enumerate(keys):
                    if elig[t] and create[t]:
                        occurrences.setdefault(key, []).append(int(s + t))
                done = pos["step"] + 1
                ck.step(done, lambda: state(episode=i + 1, step=done))
                pos["episode"], pos["step"] = i + 1, done
            pos["phase"] = "B"
        # phase B: sequential read of the behaviour log from buffer `phase_b_first`, each
        # buffer continued after the training set's last episode from it; returns only (no new
        # cells), complete episodes of at least K steps (as the original's loader)
        resume = phase_b_starts(ts["src_buffer"], ts["src_index"], n_buf)
        k, read, visited, first = pos["buffer"], pos["read"], pos["visited"], pos["next"]
        while read < budget_b and visited < n_buf:
            buf = load_buffer(Path(args.replay) / f"buffer_{k}.npz")
            bounds = episode_bounds(buf["terminal"], buf["padding"])
            for j in range(first, len(bounds)):
                s, e, complete = bounds[j]
                if not complete or s < resume[k] or e - s < min_len or read >= budget_b:
                    continue
                _episode_pass(stats, buf["observation"][s:e], buf["action"][s:e],
                              buf["reward"][s:e], buf["terminal"][s:e], buf["lives"][s:e],
                              buf["valid"][s:e], game, args.gamma, args.ll, window, offset,
                              np.zeros(e - s, dtype=bool))
                read += e - s
                done = pos["step"] + 1
                ck.step(done, lambda: state(phase="B", buffer=k, visited=visited, next=j + 1,
                                            read=read, step=done))
                pos["step"] = done
            k = (k + 1) % n_buf
            visited += 1
            first = 0
            if read < budget_b and visited < n_buf:   # a buffer done: the natural unit
                ck.save(state(phase="B", buffer=k, visited=visited, next=0, read=read))
    ranking = stats.ranking(p.min_samples)
    chosen = select_positions(ranking, occurrences, ts["action"], args.sampling,
                              p.pairs)
    # oracle labels of the training-set positions
    labels = np.zeros(n, dtype=np.int64)
    for kb in np.unique(ts["src_buffer"]):
        lab = load_npy(Path(args.labels) / f"buffer_{kb}.npy")
        m = ts["src_buffer"] == kb
        labels[m] = lab[ts["src_index"][m]]
    arrays = feedback_arrays(n, chosen, args.budget, labels)
    st = feedback_stats(ts["action"], arrays["feedback"], arrays["best_action"])
    st.update(important_states=len(chosen), important_cells=len(ranking),
              cells=len(stats.seen_cells), return_transitions=n + read, budget=args.budget,
              gamma=args.gamma, ll=args.ll, sampling=args.sampling, seed=args.seed)
    log.info("critical states: %s", st)
    save_npz(args.out, **arrays)
    write_json(str(args.out)[: -len(".npz")] + ".json", st)
    ck.remove()   # finished: a rerun computes again
    return 0


if __name__ == "__main__":
    sys.exit(main())
