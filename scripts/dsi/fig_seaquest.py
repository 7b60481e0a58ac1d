"""Seaquest: DQN with DSI horizons vs n-step DQN (rule dsi_fig_seaquest): test return (true game)
over env steps, mean and 95% bootstrap CI over seeds, and the final-return table."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from scripts.common import cli
from scripts.common.plotting import ROLE_COLORS, apply_style, save_figure, run_lines
from scripts.common.stats import aggregate
from scripts.common.tables import fmt_ci, write_table
from scripts.common.io import read_tidy


def main() -> None:
    p = cli.parser(__doc__, seed=False)
    p.add_argument("--scale", required=True)
    p.add_argument("--evals", nargs="+", required=True)
    p.add_argument("--fig", required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--md", required=True)
    args = p.parse_args()
    cli.setup(args)
    apply_style()
    data = read_tidy(args.evals, metrics=["final_return", "test_return"])
    n_seeds = data.seed.nunique()
    curve = aggregate(data[data.metric == "test_return"], ["method", "step"])
    fig, ax = plt.subplots(figsize=(6, 3.6))
    colors = [ROLE_COLORS["ours"], ROLE_COLORS["baseline"], ROLE_COLORS["control"],
              ROLE_COLORS["random"]]
    for c, (method, g) in zip(colors, curve.groupby("method")):
        g = g.sort_values("step")
        label = "DQN + DSI horizons" if method == "dsi" else f"DQN, {method.split('-')[1]}-step"
        ax.plot(g.step, g.point, marker="o", ms=3, color=c, label=label)
        ax.fill_between(g.step, g.ci_low, g.ci_high, color=c, alpha=0.15, lw=0)
        runs = data[(data.metric == "test_return") & (data.method == method)]
        run_lines(ax, runs.groupby(["seed", "step"], as_index=False)["value"].mean(), "step",
                  "value", c)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("test return (true game)")
    ax.legend(loc="upper left")
    save_figure(fig, args.fig, scale=args.scale, seeds=n_seeds, note="band: 95% CI over seeds; thin lines: each seed")
    final = aggregate(data[data.metric == "final_return"], ["method"])
    table = pd.DataFrame({"method": final.method,
                          "final return": [fmt_ci(a, b, c) for a, b, c in
                                           zip(final.point, final.ci_low, final.ci_high)],
                          "seeds": final.n_seeds,
                          "env steps": int(data.step.max())})
    write_table(table, args.csv, args.md, title="DSI: Seaquest DQN with DSI horizons",
                scale=args.scale, seeds=n_seeds, notes=[
                    "Final policy, epsilon 0.005, full game, raw score; mean over seeds with "
                    "95% bootstrap CI. The paper shows learning curves only (no released "
                    "values), so no paper column.",
                ])


if __name__ == "__main__":
    main()
