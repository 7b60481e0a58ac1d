"""Predicted against true returns of the set's demos and of the held-out trajectories
(checkpoints later than the set's last demo, never given to T-REX).

Predicted return = sum of the per-state learned reward over the episode: MuJoCo the
ensemble mean of raw member outputs; Atari the raw CNN output and, as the authors plot it,
the sum of sigmoid outputs. ``pred_norm`` maps the plotted predicted return affinely so
its min/max match the min/max true return over all rows (the authors' "normalized"
axis). Output: pred_vs_true.csv and correlations.json (Pearson/Spearman on demos,
held-out and all rows; affine maps do not change them).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.io import read_csv_checked, write_csv, write_json
from scripts.common.progress import get_logger
from scripts.common.stats import correlations
from scripts.trex import nets, util
from scripts.trex.data import Trajectories


@dataclass(frozen=True)
class Params:
    """Settings of rules trex_predict_returns and trex_minatar_predict: the env's stages."""

    stages: Dict[str, Dict[str, int]]  # stage -> checkpoint range {first, last, step?} of its demos
    ckpt_every: int  # the demonstrator's updates between checkpoints (a range's default step)


def affine_to(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Map x affinely so that min/max of x land on min/max of target."""
    x = np.asarray(x, dtype=float)
    lo, hi = float(np.min(x)), float(np.max(x))
    tlo, thi = float(np.min(target)), float(np.max(target))
    if hi == lo:
        return np.full_like(x, (tlo + thi) / 2)
    return tlo + (x - lo) * (thi - tlo) / (hi - lo)


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0],
                   required=["--env", "--set", "--reward", "--demos", "--demos-meta", "--heldout",
                             "--heldout-meta", "--out"])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("trex.predict")
    spec_set = util.parse_set(args.set)
    prm = cli.step_params(Params, args.params)
    ckpts = util.stage_ckpts(prm.stages, prm.ckpt_every, spec_set["stage"])
    model, spec = nets.load_reward_model(args.reward)
    rows = []
    for source, npz, meta_path in (("demo", args.demos, args.demos_meta),
                                   ("heldout", args.heldout, args.heldout_meta)):
        traj = Trajectories.load(npz)
        meta = read_csv_checked(meta_path, columns=["episode", "checkpoint", "return"], no_na=True)
        keep = meta["checkpoint"].isin(ckpts) if source == "demo" else meta["checkpoint"] > max(ckpts)
        for _, m in meta[keep].iterrows():
            states = traj.states(int(m["episode"]))
            raw = nets.per_state_reward(model, spec, states, normalise=False)
            row = {"env": args.env, "set": args.set, "source": source,
                   "checkpoint": int(m["checkpoint"]), "episode": int(m["episode"]),
                   "true_return": float(m["return"]), "length": int(m["length"]),
                   "distance": float(m["distance"]), "pred_raw": float(raw.sum())}
            if spec["kind"] in ("atari", "minatar"):
                row["pred_sigmoid"] = float(nets.per_state_reward(model, spec, states,
                                                                  squash="sigmoid").sum())
            rows.append(row)
    frame = pd.DataFrame(rows)
    plotted = "pred_sigmoid" if spec["kind"] in ("atari", "minatar") else "pred_raw"
    frame["pred_norm"] = affine_to(frame[plotted].to_numpy(), frame["true_return"].to_numpy())
    corr = {"env": args.env, "set": args.set, "plotted": plotted}
    for name, sub in (("demo", frame[frame.source == "demo"]),
                      ("heldout", frame[frame.source == "heldout"]), ("all", frame)):
        for col in dict.fromkeys(["pred_raw", plotted]):
            c = correlations(sub["true_return"], sub[col])
            corr[f"{name}_{col}"] = c
        corr[f"{name}_true_max"] = float(sub["true_return"].max()) if len(sub) else None
    write_csv(args.out, frame)
    write_json(Path(args.out).with_name("correlations.json"), corr)
    log.info("%s/%s: demo %s, held-out %s", args.env, args.set, corr[f"demo_{plotted}"],
             corr[f"heldout_{plotted}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
