"""Rule lse_fig5_9: RN learning curves (real test return vs training steps) per env and
protocol, and the steps-to-threshold table (speed-up vs the native reward, final return)."""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from scripts.common.cli import parser, setup
from scripts.common.plotting import MAX_RUN_POINTS, apply_style, save_figure
from scripts.common.tables import write_table
from scripts.common.verdict import verdict
from scripts.lse.plots import MODE_LABEL, ci_str, reported, reported_value
from scripts.common.io import load_npz

XLIM = {"cliff": 5000, "cartpole": 50000, "cmc": 250000, "halfcheetah": 500000}


def load_run_set(path):
    return load_npz(path)


def group_steps(d):
    """Per run: steps to threshold, censored at the run's total steps when never reached."""
    total = d["lengths"].sum(1).astype(float)
    s = d["steps_to_threshold"].astype(float)
    cens = np.where(np.isfinite(s), s, total)
    df = pd.DataFrame({"group": d["group"], "steps": cens, "reached": np.isfinite(s),
                       "final": np.nanmean(d["test_returns"][:, -10:], 1)})
    return df.groupby("group").agg(steps=("steps", "mean"), reached=("reached", "mean"),
                                   final=("final", "mean")).reset_index()


def curve(d, grid):
    """Each run's test return as a step function of cumulative training steps."""
    cum = np.cumsum(d["lengths"], 1)
    out = np.full((len(cum), len(grid)), np.nan)
    for i in range(len(cum)):
        valid = np.isfinite(d["test_returns"][i])
        c, r = cum[i][valid], d["test_returns"][i][valid]
        if len(c) == 0:
            continue
        idx = np.searchsorted(c, grid, side="right") - 1
        out[i] = np.where(idx >= 0, r[np.clip(idx, 0, len(r) - 1)], np.nan)
        out[i, grid > c[-1]] = np.nan
    return out


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False,
                required=["--scale", "--table-csv", "--table-md"])
    ap.add_argument("--runs", nargs="+", required=True, help="ENV/PROTOCOL/MODE=path.npz")
    ap.add_argument("--figs", nargs="+", required=True, help="ENV/PROTOCOL=path.pdf")
    args = ap.parse_args(argv)
    setup(args)
    data = {}
    for item in args.runs:
        key, path = item.split("=", 1)
        env, proto, mode = key.split("/")
        data[(env, proto, int(mode))] = load_run_set(path)
    apply_style()
    rows = []
    n_groups = max(len(np.unique(d["group"])) for d in data.values())
    for item in args.figs:
        key, out = item.split("=", 1)
        env, proto = key.split("/")
        modes = sorted(m for (e, p, m) in data if e == env and p == proto)
        fig, ax = plt.subplots(figsize=(6, 3.8))
        xmax = max(float(np.nanmax(np.cumsum(data[(env, proto, m)]["lengths"], 1)[:, -1])) for m in modes)
        xmax = min(xmax, XLIM[env])  # the paper's x-limits (Cliff 5k, CartPole 50k, CMC 250k, HalfCheetah 500k)
        grid = np.linspace(0, xmax, 300)
        for m in modes:
            c = curve(data[(env, proto, m)], grid)
            mean = np.nanmean(c, 0)
            sem = np.nanstd(c, 0) / np.sqrt(np.maximum(np.sum(np.isfinite(c), 0), 1))
            ls = "--" if m in (0, -1) else "-"
            line, = ax.plot(grid, mean, ls=ls, lw=1.6, label=MODE_LABEL[m])
            ax.fill_between(grid, mean - sem, mean + sem, alpha=0.2)
            groups = data[(env, proto, m)]["group"]
            if len(np.unique(groups)) <= MAX_RUN_POINTS:  # each run (group of agents), thin
                for gid in np.unique(groups):
                    ax.plot(grid, np.nanmean(c[groups == gid], 0), ls=ls, lw=0.5, alpha=0.4,
                            color=line.get_color())
        solved = float(data[(env, proto, modes[0])]["solved"])
        ax.axhline(solved, color="0.3", lw=0.8, ls=":", label="threshold")
        ax.set(title=f"{env}, {proto}", xlabel="training steps", ylabel="real test return")
        if env == "cliff":
            ax.set_ylim(-110, 0)
        ax.legend(fontsize=7, ncol=2)
        save_figure(fig, out, scale=args.scale, seeds=n_groups, note="band: ±1 SEM over runs; thin lines: each run (group)")
    rep = reported("fig5_9")
    for (env, proto) in sorted({(e, p) for (e, p, _) in data}):
        modes = sorted(m for (e, p, m) in data if e == env and p == proto)
        base = group_steps(data[(env, proto, 0)]) if (env, proto, 0) in data else None
        for m in modes:
            g = group_steps(data[(env, proto, m)])
            steps_s, _ = ci_str(g["steps"].to_numpy(), 0)
            final_s, _ = ci_str(g["final"].to_numpy(), 1)
            if base is not None and m != 0:
                # speed-up = native steps / RN steps over unpaired runs: the one verdict rule
                # (Welch's t-interval on log steps, >= 3 runs per arm), claim: RN is faster
                v = verdict(base["steps"].to_numpy(), baseline=g["steps"].to_numpy(), null=1.0,
                            direction="greater", kind="ratio")
                sp_s, verdict_s = v.ours(2), v.verdict + (f" ({v.reason})" if v.reason else "")
            else:
                sp_s, verdict_s = "–", "–"
            rows.append({"env": env, "protocol": proto, "mode": m, "reward": MODE_LABEL[m],
                         "groups": len(g), "runs": int(len(data[(env, proto, m)]["group"])),
                         "reached": f"{g['reached'].mean():.2f}",
                         "steps to threshold (ours)": steps_s,
                         "steps to threshold (paper)": reported_value(rep, env=env, mode=m, metric="steps_to_threshold") if proto == "default" else float("nan"),
                         "speed-up vs native (ours)": sp_s,
                         "speed-up (paper)": reported_value(rep, env=env, mode=m, metric="speedup") if proto == "default" else float("nan"),
                         "vs native (95% CI)": verdict_s, "final return (ours)": final_s})
    write_table(pd.DataFrame(rows), args.table_csv, args.table_md,
                title="Fig 5/9: training steps until the threshold (mean of the last k test returns)",
                scale=args.scale, seeds=n_groups,
                notes=["Steps to threshold: cumulative training steps at the end of the first episode "
                       "whose last-k mean real test return reaches the solved reward (Cliff -20, k=10); "
                       "runs that never reach it count with their total steps (censored) and lower "
                       "'reached'.",
                       "Steps and returns: 95% percentile bootstrap over groups (one group = one "
                       "selected RN model and its agents; baselines: groups of agents with the same "
                       "count). Speed-up = native steps / RN steps in geometric means, with Welch's "
                       "95% t-interval on log steps over groups; 'vs native' is the one verdict rule "
                       "(scripts/common/verdict.py) for the claim that the RN is faster: holds, "
                       "contradicted (slower), or not shown (interval contains 1 or < 3 groups).",
                       "Paper values are read off result2.png (approximate)."])
    return 0


if __name__ == "__main__":
    sys.exit(main())
