"""Oracle feedback labels (docs/fidelity/fdt.md): for every stored index of every buffer, 1 if the
oracle's greedy action on the stored 4-stack equals the logged action, 0 otherwise and
at invalid or padding indices. Equivalent actions (NOOP/FIRE in Breakout) count as
disagreement, as in the paper.

CLI: ``python -m scripts.fdt.feedback --params JSON --game G --replay DIR
(--oracle PT | --shipped DIR) --out-dir DIR`` writes buffer_{k}.npy and agreement.csv.
With ``--shipped``, the authors' released ``$store$_feedback_ckpt.N.gz`` files (downloaded as
``feedback_ckpt.N.gz``) are read instead of running the oracle.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from scripts.fdt.replay import episode_bounds, load_buffer, load_gz_array, stack_frames
from scripts.common.io import read_json


@dataclass(frozen=True)
class Params:
    """Settings of rules fdt_label_feedback(_shipped): config/fdt.yaml's `feedback` block. With
    ``--oracle``, ``--oracle-params`` are the oracle's own settings (scripts.fdt.oracle.Params)."""

    batch: int  # stored indices per oracle forward pass
    # not read by this step; passed with its config block (the rules pick oracle or shipped)
    source: Optional[str] = None


def label_feedback(greedy: np.ndarray, actions: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """1[greedy == logged] at usable indices, else 0 (int64, as the shipped labels)."""
    return ((np.asarray(greedy) == np.asarray(actions)) & np.asarray(usable, dtype=bool)
            ).astype(np.int64)


def episode_start_index(terminal: np.ndarray, padding: np.ndarray) -> np.ndarray:
    """Per stored index, the index of its episode's first non-padding frame."""
    n = len(terminal)
    start = np.arange(n)
    for s, e, _ in episode_bounds(terminal, padding):
        start[s:e] = s
    return start


def main(argv=None) -> int:
    import pandas as pd

    from scripts.common import cli
    from scripts.common.io import atomic_path, write_csv
    from scripts.common.progress import get_logger, progress

    ap = cli.parser(__doc__.splitlines()[0], required=["--game", "--replay", "--out-dir"])
    ap.add_argument("--oracle", default="")
    ap.add_argument("--oracle-params", type=json.loads, default={})
    ap.add_argument("--shipped", default="")
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out_dir)
    log = get_logger("fdt.feedback")
    prm = cli.step_params(Params, args.params)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = read_json(Path(args.replay) / "manifest.json", keys=["buffers"])
    policy = None
    if args.oracle:

        from scripts.fdt.agent import greedy_q
        from scripts.fdt.oracle import Params as OracleParams
        from scripts.fdt.oracle import load_oracle

        policy = load_oracle(args.oracle, args.game,
                             cli.step_params(OracleParams, args.oracle_params, "oracle_params"))
    rows = []
    batch = prm.batch
    for k in progress(range(int(manifest["buffers"])), desc="label", unit="buffer"):
        buf = load_buffer(Path(args.replay) / f"buffer_{k}.npz")
        n = len(buf["action"])
        usable = buf["valid"] & ~buf["padding"]
        if args.shipped:
            lab = np.asarray(load_gz_array(Path(args.shipped) / f"feedback_ckpt.{k}.gz"))
            labels = np.zeros(n, dtype=np.int64)
            m = min(n, len(lab))
            labels[:m] = lab[:m]
            labels &= usable
        else:
            start = episode_start_index(buf["terminal"], buf["padding"])
            greedy = np.zeros(n, dtype=np.int64)
            for i in range(0, n, batch):
                idx = np.arange(i, min(n, i + batch))
                st = stack_frames(buf["observation"], start, idx)
                greedy[idx] = greedy_q(policy, st).argmax(-1).cpu().numpy()
            labels = label_feedback(greedy, buf["action"], usable)
        with atomic_path(out / f"buffer_{k}.npy") as tmp, open(tmp, "wb") as f:
            np.save(f, labels)
        rows.append({"game": args.game, "buffer": k, "indices": n, "usable": int(usable.sum()),
                     "positive": int(labels.sum()),
                     "positive_rate": float(labels[usable].mean()) if usable.any() else np.nan})
    frame = pd.DataFrame(rows)
    write_csv(out / "agreement.csv", frame)
    log.info("positive rate %.3f over %d buffers", float(frame["positive"].sum() /
             max(1, frame["usable"].sum())), len(frame))
    return 0


if __name__ == "__main__":
    sys.exit(main())
