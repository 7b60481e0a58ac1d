"""MuJoCo performance per task and stage (the paper's bar chart) and its table.

Ours: T-REX policies' final x-position (forward distance, the bar chart's
"performance") and true return, each seed averaged over its evaluation episodes,
mean with a 95% bootstrap CI over seeds; the constant-reward control; the best demo
(highest final x-position and highest return over the stage's demo episodes). Paper:
T-REX, BCO, GAIL and best demo read off the authors' figure (config/reported/trex.csv).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Dict

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.plotting import ROLE_COLORS, apply_style, run_points, save_figure
from scripts.common.stats import aggregate
from scripts.common.verdict import verdict
from scripts.common.tables import fmt_ci, load_reported, write_table
from scripts.common.io import read_csv_checked, read_tidy
from scripts.trex import util


@dataclass(frozen=True)
class Params:
    """Settings of rule trex_fig_mujoco_bars: each MuJoCo task's stages at this scale."""

    stages: Dict[str, Dict[str, Dict[str, int]]]  # task -> stage -> checkpoint range {first, last}


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False,
                   required=["--scale", "--out-fig", "--out-csv", "--out-md"],
                   required_many=["--evals", "--demos"])
    p.add_argument("--control", nargs="*", default=[])
    args = p.parse_args(argv)
    evals = read_tidy(args.evals, metrics=["return"])
    control = read_tidy(args.control, metrics=["return"]) if args.control else None
    reported = load_reported("trex")
    reported = reported[reported.experiment == "mujoco"]
    n_seeds = evals["seed"].nunique()
    rows = []
    for env, stages in cli.step_params(Params, args.params).stages.items():
        meta = read_csv_checked(next(d for d in args.demos if f"/{env}/" in d),
                                columns=["episode", "checkpoint", "return"], no_na=True)
        for stage in stages:
            # every checkpoint in [first, last]: the demo metadata holds only the real ones
            ckpts = util.stage_ckpts(stages, 1, stage)
            demo = meta[meta.checkpoint.isin(ckpts)]
            row = {"env": env, "stage": stage, "n_demos": int(demo.checkpoint.nunique()),
                   "best_demo_distance": float(demo.distance.max()),
                   "best_demo_return": float(demo["return"].max())}
            for metric in ("distance", "return"):
                sub = evals[(evals.env == env) & (evals["set"] == stage) & (evals.metric == metric)]
                agg = aggregate(sub, ["metric"]).iloc[0]
                per_seed = sub.groupby("seed")["value"].mean()
                row[f"trex_{metric}"] = agg.point
                row[f"trex_{metric}_ci_low"] = agg.ci_low
                row[f"trex_{metric}_ci_high"] = agg.ci_high
                row[f"trex_{metric}_best_seed"] = float(per_seed.max())
                if control is not None and env in set(control.env):
                    csub = control[(control.env == env) & (control.metric == metric)]
                    cagg = aggregate(csub, ["metric"]).iloc[0]
                    row[f"control_{metric}"] = cagg.point
            for method in ("T-REX", "best_demo", "BCO", "GAIL"):
                r = reported[(reported.env == env) & (reported.stage == stage) & (reported.method == method)]
                row[f"paper_{method}_distance"] = float(r.value.iloc[0]) if len(r) else float("nan")
            for metric in ("distance", "return"):
                sub = evals[(evals.env == env) & (evals["set"] == stage) & (evals.metric == metric)]
                diffs = sub.groupby("seed")["value"].mean().to_numpy() - row[f"best_demo_{metric}"]
                row[f"vs_best_demo_{metric}"] = verdict(diffs, null=0.0, direction="greater").verdict
            rows.append(row)
    table = pd.DataFrame(rows)
    pretty = pd.DataFrame({
        "task": table.env, "stage": table.stage, "demos": table.n_demos,
        "best demo distance": table.best_demo_distance.round(1),
        "T-REX distance (ours)": [fmt_ci(r.trex_distance, r.trex_distance_ci_low, r.trex_distance_ci_high) for r in table.itertuples()],
        "control distance (ours)": table.get("control_distance", pd.Series([np.nan] * len(table))).round(1),
        "best demo return": table.best_demo_return.round(1),
        "T-REX return (ours)": [fmt_ci(r.trex_return, r.trex_return_ci_low, r.trex_return_ci_high) for r in table.itertuples()],
        "T-REX distance (paper)": table["paper_T-REX_distance"], "best demo distance (paper)": table.paper_best_demo_distance,
        "BCO (paper)": table.paper_BCO_distance, "GAIL (paper)": table.paper_GAIL_distance,
    })
    write_table(table, args.out_csv, args.out_md, title="T-REX MuJoCo performance (forward distance, true return)",
                scale=args.scale, seeds=n_seeds,
                notes=["Ours: mean [95% bootstrap CI] over seeds of each seed's mean over evaluation episodes "
                       "(stochastic policy, true reward, fresh env). Distance = final x-position.",
                       "Best demo: highest final x-position / highest return over the stage's demo episodes.",
                       "`vs_best_demo_*`: the verdict rule (scripts/common/verdict.py) on each seed's value minus the "
                       "best demo (95% t-interval over >= 3 seeds).",
                       "Paper numbers are read off the authors' bar chart (approximate)."])
    with open(args.out_md, "a") as f:
        from scripts.common.tables import to_markdown
        f.write("\n## Summary\n\n" + to_markdown(pretty) + "\n")

    apply_style()
    fig, axes = plt.subplots(1, len(table), figsize=(2.2 * len(table) + 1, 3.2), squeeze=False)
    for ax, r in zip(axes[0], table.itertuples()):
        xs, heights, errs, colors, labels = [], [], [], [], []
        xs.append(0); heights.append(r.trex_distance); colors.append(ROLE_COLORS["ours"]); labels.append("T-REX")
        errs.append([[r.trex_distance - r.trex_distance_ci_low if np.isfinite(r.trex_distance_ci_low) else 0],
                     [r.trex_distance_ci_high - r.trex_distance if np.isfinite(r.trex_distance_ci_high) else 0]])
        if "control_distance" in table:
            xs.append(1); heights.append(getattr(r, "control_distance")); colors.append(ROLE_COLORS["control"]); labels.append("control")
            errs.append([[0], [0]])
        for x, h, c, e in zip(xs, heights, colors, errs):
            ax.bar(x, h, color=c, width=0.7, yerr=np.array(e), capsize=3)
        seed_dist = evals[(evals.env == r.env) & (evals["set"] == r.stage) & (evals.metric == "distance")]
        run_points(ax, 0, seed_dist.groupby("seed")["value"].mean().to_numpy(), "0.15",
                   label="T-REX runs (ours)")
        if control is not None and "control_distance" in table:
            csub = control[(control.env == r.env) & (control.metric == "distance")]
            run_points(ax, 1, csub.groupby("seed")["value"].mean().to_numpy(), "0.15")
        ax.axhline(r.best_demo_distance, color=ROLE_COLORS["demo"], ls="--", lw=1.2, label="best demo (ours)")
        if np.isfinite(table.loc[r.Index, "paper_T-REX_distance"]):
            ax.scatter([0], [table.loc[r.Index, "paper_T-REX_distance"]], marker="D", color=ROLE_COLORS["paper"],
                       zorder=5, label="T-REX (paper)")
            ax.axhline(table.loc[r.Index, "paper_best_demo_distance"], color=ROLE_COLORS["paper"], ls=":", lw=1,
                       label="best demo (paper)")
        ax.set_xticks(xs, labels)
        ax.set_title(f"{r.env} {r.stage}")
        ax.set_ylabel("forward distance (final x)" if r.Index == 0 else "")
    handles, labs = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labs, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    save_figure(fig, args.out_fig, scale=args.scale, seeds=n_seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
