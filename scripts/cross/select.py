"""Every selector's feedback positions on one seed's FDT MinAtar training set (rule
cross_select), labelled as FDT's pipeline labels its own critical states.

The training set, the oracle's labels and the log's other episodes are rebuilt from the FDT log
exactly as ``scripts.fdt.minatar_critical`` builds them (same sampler, same seed), and checked
against FDT's own file (``--data``), whose feedback arrays are the ``criterion`` arm. FDT's
Monte-Carlo cell statistics (same gamma) give each chosen position its cell's best action.
The detector scores every step of each training-set episode in consecutive chunks of
``window`` steps (its training length). See scripts.cross.selectors for the selectors.

Writes, per trained selector, an NPZ with FDT's training keys (``scripts.fdt.minatar_train``
reads it as it reads FDT's own), and one JSON of statistics: per selector the positions, their
count, pos / neg labels, negatives with a best action, mean relative position in the episode,
and the Jaccard overlaps between selectors.

CLI: ``python -m scripts.cross.select --params JSON --seed S --game G --log DIR --data NPZ
--detector PT --selectors dsi random ... --out-dir DIR --stats JSON``.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Dict, List

import numpy as np


@dataclass(frozen=True)
class Params:
    """Settings of rule cross_select: FDT's MinAtar `trainset` block and min_len (its
    critical-state step's), its `main` gamma and budget, and the detector's window and
    upsampling (config/cross.yaml `detector_data.window`, config/dsi.yaml `minatar.upsample`)."""

    transitions: int  # training-set size (FDT's)
    episodes_per_visit: int  # FDT's sampler
    min_len: int  # FDT's shortest episode kept (its context K)
    gamma: float  # FDT's discount of the cell returns
    budget: int  # N, FDT's feedback budget
    window: int  # steps the detector scores at once
    upsample: int  # each MinAtar cell repeated upsample x upsample times for the detector


TRAIN_KEYS = ("observation", "action", "raw_reward", "rtg", "timestep", "episode_start")


def detector_scores(detector_path: str, observation: np.ndarray, episode_start: np.ndarray,
                    window: int, upsample: int) -> np.ndarray:
    """The detector's mask value of every position, episode by episode in chunks of ``window``."""
    import torch

    from scripts.dsi.minatar import to_detector_frames
    from scripts.dsi.trainer import load_detector, score_episodes
    from scripts.fdt.minatar_critical import episode_slices

    d, _ = load_detector(detector_path)
    chunks = [(s, min(s + window, b)) for a, b in episode_slices(episode_start)
              for s in range(a, b, window)]
    frames = [to_detector_frames(observation[s:e], upsample) for s, e in chunks]
    out = np.zeros(len(episode_start), dtype=float)
    for (s, e), m in zip(chunks, score_episodes(d, frames, torch.device("cpu"))):
        out[s:e] = m
    return out


def main(argv=None) -> int:

    from scripts.common import cli
    from scripts.common.io import open_npz, save_npz, write_json
    from scripts.common.progress import get_logger
    from scripts.cross import selectors as S
    from scripts.fdt.critical import feedback_stats
    from scripts.fdt.minatar_critical import Params as CritParams
    from scripts.fdt.minatar_critical import cell_stats, frame_keys, load_trainset

    ap = cli.parser(__doc__.splitlines()[0], required=["--game"])
    ap.add_argument("--log", required=True, help="the FDT MinAtar log folder")
    ap.add_argument("--data", required=True, help="FDT's npz of this seed (its criterion arm)")
    ap.add_argument("--detector", required=True)
    ap.add_argument("--selectors", nargs="+", required=True, help="the arms to write NPZ files for")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--stats", required=True)
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out_dir)
    log = get_logger("cross.select")
    p = cli.step_params(Params, args.params)
    loaded = load_trainset(Path(args.log), args.game, args.seed,
                           CritParams(p.transitions, p.episodes_per_visit, p.min_len))
    if loaded is None:
        log.error("no training set in %s", args.log)
        return 1
    ts, labels, others = loaded
    with open_npz(args.data) as z:
        fdt = {k: z[k] for k in TRAIN_KEYS + ("labels", "feedback")}
    if not (np.array_equal(fdt["action"], ts["action"]) and np.array_equal(fdt["labels"], labels)):
        log.error("the rebuilt training set differs from FDT's %s", args.data)
        return 1
    n = len(ts["action"])
    stats, _ = cell_stats(ts, others, gamma=p.gamma)
    cell_best = S.cell_best_actions(frame_keys(ts["observation"]), stats.ranking(0))
    eligible = S.eligible_positions(ts)
    scores = detector_scores(args.detector, ts["observation"], ts["episode_start"], p.window,
                             p.upsample)
    rel = S.relative_positions(ts["episode_start"])
    names = ["criterion"] + [s for s in args.selectors if s != "criterion"]
    chosen: Dict[str, List[int]] = {}
    summary: Dict[str, dict] = {}
    for name in names:
        pos = S.select(name, eligible=eligible, budget=p.budget, seed=args.seed, labels=labels,
                       episode_start=ts["episode_start"], feedback=fdt["feedback"], scores=scores)
        chosen[name] = pos
        fb = S.labelled(n, pos, labels, cell_best)
        st = feedback_stats(ts["action"], fb["feedback"], fb["best_action"])
        usable_neg = int(((fb["feedback"] == 0) & (fb["best_action"] >= 0)
                          & (fb["best_action"] != ts["action"])).sum())
        summary[name] = {"count": len(pos), "pos": st["pos"], "neg": st["neg"],
                         "neg_with_best": usable_neg,
                         "mean_rel_position": S.mean_relative_position(pos, rel),
                         "mean_score": float(np.mean(scores[pos])) if pos else float("nan")}
        if name != "criterion":
            save_npz(str(Path(args.out_dir) / f"{name}.npz"),
                     **{k: fdt[k] for k in TRAIN_KEYS}, labels=labels, **fb)
        log.info("%s: %d positions, %d pos / %d neg (%d with a best action), mean position %.3f",
                 name, len(pos), st["pos"], st["neg"], usable_neg,
                 summary[name]["mean_rel_position"])
    overlap = {f"{a}|{b}": S.jaccard(chosen[a], chosen[b]) for a, b in combinations(names, 2)}
    write_json(args.stats, {
        "game": args.game, "seed": args.seed, "budget": p.budget, "transitions": n,
        "eligible": int(len(eligible)), "oracle_disagreements": int((labels[eligible] == 0).sum()),
        "eligible_mean_rel_position": S.mean_relative_position(eligible.tolist(), rel),
        "score_mean": float(scores[eligible].mean()) if len(eligible) else float("nan"),
        "score_std": float(scores[eligible].std()) if len(eligible) else float("nan"),
        "selectors": summary, "jaccard": overlap,
        "positions": {k: v for k, v in chosen.items()}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
