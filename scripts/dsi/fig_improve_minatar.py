"""MinAtar: DQN with DSI's adaptive horizon against fixed n-step DQN (rule dsi_minatar_fig_improve;
the stand-in for the paper's Seaquest DQN, on the scale's improve.game): greedy evaluation return
against env steps (mean and 95% t-interval over seeds) and a table of final returns, with DSI
minus each fixed n and minus the best fixed n, paired by seed."""
from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.io import read_csv_checked
from scripts.common.tables import fmt_ci, write_table
from scripts.common.verdict import t_interval


def best_fixed(last: pd.DataFrame) -> str:
    """The fixed-n method with the highest mean final return (ties: the first by name)."""
    means = last[last.method != "dsi"].groupby("method", sort=True)["return"].mean()
    return str(means.idxmax())


def final_table(data: pd.DataFrame) -> pd.DataFrame:
    """Final returns per method, then DSI minus each fixed n and minus the best fixed n (paired
    by seed), each with a 95% t-interval over seeds."""
    last = data[data.step == data.step.max()]
    rows = []
    for method, sub in last.groupby("method", sort=True):
        iv = t_interval(sub["return"])
        rows.append({"method": method, "seeds": iv.n, "env steps": int(last.step.max()),
                     "final return": fmt_ci(iv.point, iv.low, iv.high, 2), "point": iv.point})
    wide = last.pivot_table(index="seed", columns="method", values="return")
    for other in sorted(c for c in wide.columns if c != "dsi"):
        if "dsi" in wide:
            iv = t_interval((wide["dsi"] - wide[other]).dropna())
            rows.append({"method": f"dsi - {other}", "seeds": iv.n, "env steps": int(last.step.max()),
                         "final return": fmt_ci(iv.point, iv.low, iv.high, 2), "point": iv.point})
    if "dsi" in wide and len(wide.columns) > 1:
        best = best_fixed(last)
        iv = t_interval((wide["dsi"] - wide[best]).dropna())
        rows.append({"method": f"dsi - best fixed ({best})", "seeds": iv.n, "env steps": int(last.step.max()),
                     "final return": fmt_ci(iv.point, iv.low, iv.high, 2), "point": iv.point})
    return pd.DataFrame(rows)


def main() -> None:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--scale", "--csv", "--md", "--fig"])
    p.add_argument("--game", required=True, help="the MinAtar game of the runs (improve.game)")
    p.add_argument("--runs", nargs="+", required=True, help="progress.csv of each method x seed")
    args = p.parse_args()
    cli.setup(args)
    data = pd.concat([read_csv_checked(f, columns=["method", "seed", "step", "return"], no_na=True)
                      for f in args.runs], ignore_index=True)
    table = final_table(data)
    n = int(data.seed.nunique())
    write_table(table.drop(columns=["point"]), args.csv, args.md,
                title=f"DSI: adaptive-horizon DQN on MinAtar {args.game} (MinAtar stand-in for Seaquest)",
                scale=args.scale, seeds=n, interval="95% Student-t interval", notes=[
                    f"MinAtar stand-in for the paper's ALE Seaquest, on MinAtar {args.game}: DQN "
                    "(MinAtar's network) with "
                    "DSI's adaptive horizon (n = 1 + argmax of the detector over the next 5 states) "
                    "against fixed n-step targets; greedy evaluation return at the last step.",
                    "Rows 'dsi - nK': paired by seed; 'best fixed': the fixed n with the highest "
                    "mean final return here."])
    from scripts.common.plotting import apply_style, save_figure
    import matplotlib.pyplot as plt

    apply_style()
    fig, ax = plt.subplots(figsize=(4.4, 3.2))
    for method, sub in data.groupby("method", sort=True):
        steps = sorted(sub.step.unique())
        ivs = [t_interval(sub[sub.step == s]["return"]) for s in steps]
        ax.plot(steps, [iv.point for iv in ivs], marker="o", label=method)
        lo = np.array([iv.low for iv in ivs], dtype=float)
        hi = np.array([iv.high for iv in ivs], dtype=float)
        if np.isfinite(lo).all():
            ax.fill_between(steps, lo, hi, alpha=0.15, lw=0)
    ax.set_xlabel("env steps")
    ax.set_ylabel(f"evaluation return (MinAtar {args.game})")
    ax.legend(loc="upper left")
    save_figure(fig, args.fig, scale=args.scale, seeds=n,
                note="MinAtar stand-in; band: 95% t-interval over seeds")


if __name__ == "__main__":
    main()
