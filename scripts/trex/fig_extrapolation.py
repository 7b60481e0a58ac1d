"""Extrapolation plots: predicted vs true return of demos (red) and of held-out trajectories
from later checkpoints (blue), one panel per task/stage (MuJoCo) or game (--atari), with
Pearson/Spearman correlations (ours; the paper reports none). The predicted return is mapped
affinely onto the true range (the authors' "normalized" axis); Atari sums sigmoid rewards.
"""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.plotting import apply_style, save_figure
from scripts.common.stats import correlations
from scripts.common.tables import write_table
from scripts.common.io import read_csvs

RED, BLUE = "#D55E00", "#0072B2"


def corr_rows(frame: pd.DataFrame, plotted: str) -> list[dict]:
    rows = []
    for (env, set_), g in frame.groupby(["env", "set"], sort=False):
        best_demo = float(g[g.source == "demo"].true_return.max())
        for subset, sub in (("demos", g[g.source == "demo"]), ("held-out", g[g.source == "heldout"]),
                            ("held-out beyond best demo", g[(g.source == "heldout") & (g.true_return > best_demo)]),
                            ("all", g)):
            c = correlations(sub.true_return, sub[plotted])
            rows.append({"env": env, "set": set_, "trajectories": subset, "n": c["n"],
                         "pearson": c["pearson"], "spearman": c["spearman"],
                         "true_return_min": float(sub.true_return.min()) if len(sub) else np.nan,
                         "true_return_max": float(sub.true_return.max()) if len(sub) else np.nan,
                         "best_demo_return": best_demo})
    return rows


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False,
                   required=["--scale", "--out-fig"],
                   required_many=["--inputs"])
    p.add_argument("--atari", action="store_true")
    p.add_argument("--out-csv")
    p.add_argument("--out-md")
    p.add_argument("--label", default="", help="added to the figure's footer (e.g. 'MinAtar stand-in')")
    args = p.parse_args(argv)
    plotted = "pred_sigmoid" if args.atari else "pred_raw"
    frame = read_csvs(args.inputs, columns=["env", "set", "source", "true_return", plotted],
                      no_na=["env", "set", "source", "true_return", plotted])
    panels = list(frame.groupby(["env", "set"], sort=False))
    apply_style()
    cols = min(4, len(panels))
    rows_n = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows_n, cols, figsize=(3.2 * cols, 3.0 * rows_n), squeeze=False)
    for ax, ((env, set_), g) in zip(axes.flat, panels):
        demo, held = g[g.source == "demo"], g[g.source == "heldout"]
        ax.scatter(demo.true_return, demo.pred_norm, color=RED, s=18, label="demos")
        ax.scatter(held.true_return, held.pred_norm, color=BLUE, s=18, marker="s", label="held-out (later ckpts)")
        lo, hi = float(g.true_return.min()), float(g.true_return.max())
        ax.plot([lo, hi], [lo, hi], color="0.3", ls="--", lw=1, label="y = x")
        if len(demo):
            ax.axvline(demo.true_return.max(), color=RED, ls=":", lw=1)
        c = correlations(held.true_return, held[plotted]) if len(held) else {"pearson": np.nan, "spearman": np.nan}
        ax.set_title(f"{env} {set_ if not args.atari else ''}".strip()
                     + f"\nheld-out r={c['pearson']:.2f}, ρ={c['spearman']:.2f}", fontsize=9)
        ax.set_xlabel("true return")
        ax.set_ylabel("predicted return (normalised)")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1.06))
    fig.tight_layout()
    save_figure(fig, args.out_fig, scale=args.scale, seeds=1,
                note="; ".join(x for x in (args.label, "reward nets: one per task/stage; dotted: best demo") if x))
    if args.out_csv:
        table = pd.DataFrame(corr_rows(frame, plotted))
        write_table(table, args.out_csv, args.out_md,
                    title="T-REX extrapolation: correlation of predicted and true returns",
                    scale=args.scale, seeds=1,
                    notes=["Not reported in the paper (scatter plots only); computed on our demos and held-out "
                           "trajectories (3 stochastic episodes per later checkpoint).",
                           "Predicted return: sum of the ensemble-mean learned reward over the episode."])
    return 0


if __name__ == "__main__":
    sys.exit(main())
