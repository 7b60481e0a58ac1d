"""MinAtar stand-in: training set, oracle feedback labels and critical states of one seed.

The paper's pipeline (scripts.fdt.trainset, feedback, critical) on a MinAtar behaviour log
(scripts.fdt.minatar_log), in one step because every array is small:

1. training set: the original loader's sampler (random buffer, ``episodes_per_visit`` complete
   episodes per visit, episodes shorter than K dropped) until ``transitions``;
2. labels: 1 where the oracle's greedy action on the logged frame equals the logged action;
3. cells: SHA-512 of the MinAtar frame itself (C x 10 x 10 is already coarser than the paper's
   7x7-pooled 84x84 stacks: 12x12 per frame; MinAtar shows no score, so there is no mask);
   per (cell, action) Monte-Carlo returns of clipped rewards with discount gamma and the
   original's first-visit and non-eligible-step rules (``critical.CellStats``); phase A is the
   training set (only its eligible positions create cells), phase B the log's other episodes
   (returns only); importance max_a Q - min_a Q; "highest-lowest" selection; the first
   ``budget`` positions get their label.

Eligibility: started (t >= 1), not terminal, reward 0 (the paper's game-independent part; its
pixel heuristics are ALE-specific). MinAtar has no lives, so the life-loss penalty (off in the
main setting) could only flag game over.

CLI: ``python -m scripts.fdt.minatar_critical --params JSON --seed S --game G --log DIR
--gamma G --budget N --out NPZ`` writes NPZ (training set + feedback arrays) and a .json beside
it (Table 10's statistics).
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from scripts.fdt.critical import (CellStats, eligible_steps, feedback_arrays, feedback_stats,
                                  penalised_returns, select_positions)


@dataclass(frozen=True)
class Params:
    """Settings of rule fdt_minatar_critical: config/fdt.yaml's `minatar.trainset` block plus
    min_len (the model's context K)."""

    transitions: int  # training-set size (transitions)
    episodes_per_visit: int  # complete episodes kept per visit of a buffer
    min_len: int  # shortest episode kept (the model's context K)


def frame_keys(frames: np.ndarray) -> List[bytes]:
    """One cell key per MinAtar frame: SHA-512 of its uint8 bytes (exact cells)."""
    f = np.ascontiguousarray(frames, dtype=np.uint8)
    return [hashlib.sha512(f[t].tobytes()).digest() for t in range(len(f))]


def oracle_labels(greedy: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Feedback bit per position: 1 where the oracle's greedy action equals the logged one."""
    return (np.asarray(greedy) == np.asarray(actions)).astype(np.int8)


def episode_slices(episode_start: np.ndarray) -> List[Tuple[int, int]]:
    """(start, end) of each episode of a flat training set."""
    n = len(episode_start)
    starts = np.flatnonzero(episode_start == np.arange(n))
    ends = np.append(starts[1:], n)
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


def cell_stats(ts: Dict[str, np.ndarray], others: Sequence[Dict[str, np.ndarray]], *,
               gamma: float) -> Tuple[CellStats, Dict[bytes, List[int]]]:
    """Monte-Carlo returns per (cell, action) over the training set ``ts`` (flat episodes:
    observation, action, reward, terminal, valid, episode_start; phase A, whose eligible steps
    create cells) and ``others`` (phase B: whole episodes, returns only), and each cell's
    eligible positions in ``ts``."""
    stats = CellStats()
    occurrences: Dict[bytes, List[int]] = {}
    for a, b in episode_slices(ts["episode_start"]):
        keys = frame_keys(ts["observation"][a:b])
        r = ts["reward"][a:b]
        g = penalised_returns(r, ts["terminal"][a:b], gamma, 0.0, 1, 0)
        elig = eligible_steps(r, ts["terminal"][a:b], ts["valid"][a:b], np.arange(b - a))
        stats.add_episode(keys, ts["action"][a:b], g, elig)
        for t, k in enumerate(keys):
            if elig[t]:
                occurrences.setdefault(k, []).append(a + t)
    for ep in others:
        r = ep["reward"]
        keys = frame_keys(ep["observation"])
        g = penalised_returns(r, ep["terminal"], gamma, 0.0, 1, 0)
        elig = eligible_steps(r, ep["terminal"], ep["valid"], np.arange(len(r)))
        stats.add_episode(keys, ep["action"], g, elig, can_create=np.zeros(len(r), dtype=bool))
    return stats, occurrences


def critical_states(ts: Dict[str, np.ndarray], others: Sequence[Dict[str, np.ndarray]],
                    labels: np.ndarray, *, gamma: float, budget: int, sampling: str = "hl",
                    min_samples: int = 0) -> Tuple[Dict[str, np.ndarray], Dict[str, float]]:
    """Feedback arrays over the training set ``ts`` (flat episodes: observation, action,
    reward, terminal, valid, episode_start) with returns also from ``others`` (phase B: whole
    episodes, same keys but episode_start), and their Table-10 statistics."""
    n = len(ts["action"])
    stats, occurrences = cell_stats(ts, others, gamma=gamma)
    ranking = stats.ranking(min_samples)
    chosen = select_positions(ranking, occurrences, ts["action"], sampling)
    fb = feedback_arrays(n, chosen, budget, labels)
    st = feedback_stats(ts["action"], fb["feedback"], fb["best_action"])
    st.update(important_states=len(chosen), cells=len(stats.seen_cells),
              candidate_cells=len(stats.sums), ranked_cells=len(ranking),
              label_positive_rate=float(np.mean(labels)) if n else float("nan"))
    return fb, st


def load_trainset(folder: Path, game: str, seed: int, p: Params):
    """One seed's training set from a MinAtar log folder (the paper's sampler), the oracle's
    labels on it and the log's other complete episodes (phase B): ``(ts, labels, others)``,
    or None when the log has no episode of at least ``p.min_len`` steps."""
    from scripts.common.io import read_json, torch_load
    from scripts.fdt.minatar_agent import MinAtarQNet, frame_shape, greedy_actions
    from scripts.fdt.replay import episode_bounds, load_buffer
    from scripts.fdt.trainset import assemble, sample_episodes

    manifest = read_json(folder / "manifest.json", keys=["buffers"])
    buffers = [load_buffer(folder / f"buffer_{k}.npz") for k in range(int(manifest["buffers"]))]
    bounds = [episode_bounds(b["terminal"], b["padding"]) for b in buffers]
    episodes = sample_episodes(bounds, seed=seed, transitions=p.transitions,
                               capacity=10 ** 12, episodes_per_visit=p.episodes_per_visit,
                               min_len=p.min_len)
    if not episodes:
        return None
    ts = assemble(buffers, episodes)
    net = MinAtarQNet(frame_shape(game)[0])
    net.load_state_dict(torch_load(folder / "oracle.pt", map_location="cpu"))
    net.eval()
    labels = oracle_labels(greedy_actions(net, ts["observation"]), ts["action"])
    taken = {(k, s) for k, s, _ in episodes}
    others = [{key: b[key][s:e] for key in ("observation", "action", "reward", "terminal", "valid")}
              for k, (b, bk) in enumerate(zip(buffers, bounds)) for s, e, done in bk
              if done and (k, s) not in taken]
    ts["n_episodes"] = np.asarray(len(episodes))
    return ts, labels, others


def main(argv=None) -> int:
    from scripts.common import cli
    from scripts.common.io import save_npz, write_json
    from scripts.common.progress import get_logger

    ap = cli.parser(__doc__.splitlines()[0], required=["--game", "--out"])
    ap.add_argument("--log", required=True, help="the MinAtar log folder (buffers, oracle.pt)")
    ap.add_argument("--gamma", type=float, required=True)
    ap.add_argument("--budget", type=int, required=True)
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=Path(args.out).parent)
    log = get_logger("fdt.minatar_critical")
    p = cli.step_params(Params, args.params)
    loaded = load_trainset(Path(args.log), args.game, args.seed, p)
    if loaded is None:
        log.error("no episode of at least %d steps in %s", p.min_len, args.log)
        return 1
    ts, labels, others = loaded
    fb, st = critical_states(ts, others, labels, gamma=args.gamma, budget=args.budget)
    save_npz(args.out, **{k: ts[k] for k in ("observation", "action", "reward", "raw_reward",
                                             "rtg", "timestep", "episode_start")},
             labels=labels, **fb)
    ep_ret = [float(ts["raw_reward"][a:b].sum()) for a, b in episode_slices(ts["episode_start"])]
    st.update(game=args.game, seed=args.seed, gamma=args.gamma, budget=args.budget,
              transitions=int(len(ts["action"])), episodes=int(ts["n_episodes"]),
              phase_b_episodes=len(others), max_return=float(max(ep_ret)),
              mean_return=float(np.mean(ep_ret)), max_rtg=float(ts["rtg"].max()))
    write_json(str(args.out)[: -len(".npz")] + ".json", st)
    log.info("%s seed %d: %d transitions, %d important states, %d pos / %d neg (labels %.2f)",
             args.game, args.seed, len(ts["action"]), st["important_states"], st["pos"],
             st["neg"], st["label_positive_rate"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
