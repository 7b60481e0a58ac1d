"""Reward-gradient ablation (not in the paper): the official non-detached information reward vs
the same reward detached (upstream RAM), RAM validation accuracy per seed."""
from __future__ import annotations

from typing import Optional, Sequence

import pandas as pd

from scripts.common.cli import parser
from scripts.common.plotting import apply_style, plt, run_lines, save_figure
from scripts.common.tables import write_table
from scripts.irrl.summaries import (COLORS, ci_cell, label, load_runs, mean_band, ordered,
                                    per_seed_summary)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--csv", "--md", "--fig", "--scale"],
               required_many=["--metrics", "--rewards"])
    p.add_argument("--seeds", nargs="+", type=int, required=True)
    args = p.parse_args(argv)
    df = load_runs(args.metrics)
    df = df[(df["model"] == "ram") & df["reward"].isin(args.rewards) & df["seed"].isin(args.seeds)]
    summ = per_seed_summary(df)
    rows = []
    for reward in ordered(args.rewards):
        for detach in ("official", "detached"):
            g = summ[(summ["reward"] == reward) & (summ["detach"] == detach)]
            rows.append({"reward": label(reward), "reward gradient": detach, "seeds": len(g),
                         "final val acc % (ours)": ci_cell(g["final_val_acc"]),
                         "AUC val acc % (ours)": ci_cell(g["auc_val_acc"])})
    write_table(pd.DataFrame(rows), args.csv, args.md,
                title="IRRL ablation: detaching the information reward (not in the paper)",
                scale=args.scale, interval="95% t-interval (none from fewer than 3 seeds)", seeds=len(args.seeds),
                notes=["official = the IRRL code: the reward keeps its gradient into the "
                       "discriminator through the baseline-MSE and REINFORCE terms; detached = "
                       "upstream RAM.", "Same seeds in both arms."])
    apply_style()
    fig, axes = plt.subplots(1, len(args.rewards), figsize=(5 * len(args.rewards), 3.8), squeeze=False)
    for ax, reward in zip(axes[0], ordered(args.rewards)):
        for detach, ls in (("official", "-"), ("detached", "--")):
            band = mean_band(df[(df["reward"] == reward) & (df["detach"] == detach)], "epoch", "val_acc")
            ax.plot(band["epoch"], 100 * band["mean"], ls, color=COLORS.get(reward),
                    label=f"{detach} reward gradient")
            ax.fill_between(band["epoch"], 100 * (band["mean"] - band["std"]),
                            100 * (band["mean"] + band["std"]), color=COLORS.get(reward),
                            alpha=0.15, lw=0)
            run_lines(ax, df[(df["reward"] == reward) & (df["detach"] == detach)], "epoch",
                      "val_acc", COLORS.get(reward), scale=100.0)
        ax.set(title=label(reward), xlabel="Epoch", ylabel="Validation accuracy (%)")
        ax.legend(loc="lower right")
    fig.subplots_adjust(bottom=0.2)  # room for the scale/seeds footer
    save_figure(fig, args.fig, scale=args.scale, seeds=len(args.seeds), note="mean ± std over seeds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
