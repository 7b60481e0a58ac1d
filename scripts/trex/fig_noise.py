"""Ranking noise (Hopper stage 1): T-REX policy's forward distance against the order
correctness of the noisy demonstrator ranking (k random adjacent swaps; mean and 95% CI over
trials per swap level), beside the paper's points read off its plot."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.plotting import ROLE_COLORS, apply_style, save_figure
from scripts.common.stats import bootstrap_ci
from scripts.common.tables import load_reported, write_table
from scripts.common.io import read_json, read_tidy


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False,
                   required=["--scale", "--out-fig", "--out-csv", "--out-md"],
                   required_many=["--evals", "--pairs"])
    args = p.parse_args(argv)
    trials = []
    for ev, pr in zip(args.evals, args.pairs):
        frame = read_tidy(ev, metrics=["return"])
        summary = read_json(Path(pr).parent / "pairs_summary.json",
                            keys=["set", "order_correctness", "label_agreement"])
        m = re.search(r"swap(\d+)-trial(\d+)", summary["set"])
        trials.append({"swaps": int(m.group(1)), "trial": int(m.group(2)),
                       "order_correctness": summary["order_correctness"],
                       "label_agreement": summary["label_agreement"],
                       "distance": frame[frame.metric == "distance"].value.mean(),
                       "return": frame[frame.metric == "return"].value.mean()})
    trials = pd.DataFrame(trials)
    rows = []
    for swaps, g in trials.groupby("swaps"):
        d = bootstrap_ci(g.distance.to_numpy())
        r = bootstrap_ci(g["return"].to_numpy())
        rows.append({"swaps": swaps, "trials": len(g), "order_correctness": g.order_correctness.mean(),
                     "label_agreement": g.label_agreement.mean(), "distance": d.point,
                     "distance_ci_low": d.low, "distance_ci_high": d.high, "return": r.point,
                     "return_ci_low": r.low, "return_ci_high": r.high})
    table = pd.DataFrame(rows)
    paper = load_reported("trex")
    paper = paper[paper.experiment == "noise"].sort_values("x")
    write_table(table, args.out_csv, args.out_md, title="T-REX ranking noise (Hopper stage 1)",
                scale=args.scale, seeds=int(trials.trial.nunique()),
                notes=["Ours: one PPO run per trial; mean [95% CI] over trials per swap level.",
                       "Paper (read off the plot; 9 trials): " + ", ".join(
                           f"{x:.2f} -> {v:.1f}" for x, v in zip(paper.x, paper.value))])
    apply_style()
    fig, ax = plt.subplots(figsize=(4.6, 3.4))
    err = np.array([table.distance - table.distance_ci_low.fillna(table.distance),
                    table.distance_ci_high.fillna(table.distance) - table.distance])
    ax.errorbar(table.order_correctness, table.distance, yerr=err, marker="o", capsize=3,
                color=ROLE_COLORS["ours"], label="T-REX (ours)")
    ax.scatter(trials.order_correctness, trials.distance, color=ROLE_COLORS["ours"], alpha=0.3, s=10)
    ax.errorbar(paper.x, paper.value, yerr=[paper.value - paper.ci_low, paper.ci_high - paper.value],
                marker="D", ls=":", capsize=3, color=ROLE_COLORS["paper"], label="T-REX (paper)")
    ax.set_xlabel("ranking order correctness")
    ax.set_ylabel("forward distance (final x)")
    ax.invert_xaxis()
    ax.legend()
    save_figure(fig, args.out_fig, scale=args.scale, seeds=int(trials.trial.nunique()),
                note="seeds = trials per noise level")
    return 0


if __name__ == "__main__":
    sys.exit(main())
