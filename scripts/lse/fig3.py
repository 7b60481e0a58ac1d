"""Rules lse_fig3 / lse_fig7: densities of training steps and episodes and bars of the real test
return of vary-HP agents trained on the real env vs on SEs (fixed / varied HPs), per agent type."""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import pandas as pd

from scripts.common.cli import parser, setup
from scripts.common.io import read_csvs
from scripts.common.plotting import apply_style, save_figure
from scripts.common.tables import write_table
from scripts.lse.plots import bars_with_runs, SE_MODE_LABEL, ci_str, density_by_group, reported, reported_value


def load(paths):
    df = read_csvs(paths, columns=["agent", "method", "seed", "agent_idx", "model_solved", "metric", "value"],
                   no_na=["agent", "method", "seed", "metric"])
    wide = df.pivot_table(index=["agent", "method", "seed", "agent_idx", "model_solved"],
                          columns="metric", values="value").reset_index()
    return wide


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False,
                required=["--env", "--target", "--scale", "--kde", "--bars", "--table-csv",
                          "--table-md"],
                required_many=["--csv"])
    args = ap.parse_args(argv)
    setup(args)
    w = load(args.csv)
    w["mode"] = w["method"].map(SE_MODE_LABEL)
    agents = sorted(w["agent"].unique())
    apply_style()
    fig, axes = plt.subplots(len(agents), 2, figsize=(10, 3 * len(agents)), squeeze=False,
                             layout="constrained")
    for r, ag in enumerate(agents):
        sub = w[w["agent"] == ag]
        for c, metric in enumerate(["steps", "episodes"]):
            ax = axes[r, c]
            density_by_group(ax, sub, metric, by="mode")
            ax.set(title=f"{ag}: training {metric}", xlabel=metric, ylabel="density")
    n_models = int(w["seed"].nunique())
    save_figure(fig, args.kde, scale=args.scale, seeds=n_models)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bars_with_runs(ax, w, "mode")  # points: each model's agents (one run), when <= 10 per bar
    ax.set(ylabel="real test return (mean of test episodes)", title=f"{args.env}: agents trained on SEs")
    ax.legend(fontsize=7)
    save_figure(fig, args.bars, scale=args.scale, seeds=n_models)
    rep = reported(args.target, args.env)
    rows = []
    for (ag, method), g in w.groupby(["agent", "method"]):
        per_model = g.groupby("seed")["test_return"].mean().to_numpy()
        ret_s, _ = ci_str(per_model)
        rows.append({"agent": ag, "mode": SE_MODE_LABEL[method], "agents": len(g),
                     "steps mean ± std (ours)": f"{g['steps'].mean():.0f} ± {g['steps'].std(ddof=0):.0f}",
                     "steps mean ± std (paper)": f"{reported_value(rep, agent=ag, mode=method, metric='steps_mean'):.0f}"
                     f" ± {reported_value(rep, agent=ag, mode=method, metric='steps_std'):.0f}",
                     "episodes mean (ours)": round(float(g["episodes"].mean()), 1),
                     "return [95% CI over models] (ours)": ret_s,
                     "return (paper)": reported_value(rep, agent=ag, mode=method, metric="return_mean"),
                     "models solved": "–" if method == "real" else
                     f"{g['model_solved'].astype(str).eq('True').mean():.2f}"})
    write_table(pd.DataFrame(rows), args.table_csv, args.table_md,
                title=f"{args.target}: {args.env} agents trained on real vs synthetic envs",
                scale=args.scale, seeds=n_models,
                notes=["Evaluation agents always have varied HPs; steps are SE steps in SE modes.",
                       "'models solved' < 1: unsolved SE runs were used because too few runs solved "
                       "(the paper used only solved, saved SEs)."])
    return 0


if __name__ == "__main__":
    sys.exit(main())
