"""FDT figures: oracle learning curves (Fig. A1), FDT vs DT over target returns, and oracle
agreement (feedback statistics).

    python -m scripts.fdt.plots {oracle,rtg_sweep,agreement} --common JSON ... --out PDF
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from scripts.common.plotting import ROLE_COLORS, apply_style, save_figure, run_points
from scripts.common.io import read_csv_checked
from scripts.fdt.games import DISPLAY

# read off dopamine's C51 baseline curves (appendix Fig. A1, end of training; approximate)
C51_FINAL = {"breakout": 215, "pong": 20, "qbert": 15000, "seaquest": 30000}
# positive-label rates of the shipped labels (computed from the released label files)
SHIPPED_RATE = {"breakout": 0.283, "pong": 0.192, "qbert": 0.200, "seaquest": 0.105}
SETUP_LABEL = {"det": "Det.", "det_noop": "Det.+NoOp", "sampling": "Sampling",
               "sampling_noop": "Sampling+NoOp", "eps": "Eps.", "eps_noop": "Eps.+NoOp"}


def _axes(n):
    import matplotlib.pyplot as plt

    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def plot_oracle(curves, common, out):
    fig, axes = _axes(len(curves))
    for ax, path in zip(axes, curves):
        c = read_csv_checked(path, columns=["step", "return"], min_rows=0, no_na=True)
        game = path.split("/")[-2]
        if len(c):
            ax.plot(c["step"] * 4 / 1e6, c["return"], ".", ms=2, alpha=0.3,
                    color=ROLE_COLORS["ours"])
            roll = c["return"].rolling(max(1, len(c) // 20), min_periods=1).mean()
            ax.plot(c["step"] * 4 / 1e6, roll, color=ROLE_COLORS["ours"], label="C51 (ours)")
        ax.axhline(C51_FINAL[game], ls="--", color=ROLE_COLORS["paper"],
                   label="dopamine C51 at 200M frames (approx.)")
        ax.set_title(DISPLAY[game])
        ax.set_xlabel("frames (millions)")
        ax.set_ylabel("episode return (raw)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, out, scale=common["scale"], seeds=1, note="oracle training episodes")


def _ci(strings):
    """'[lo, hi]' strings from a table -> arrays (NaN where missing)."""
    lo, hi = [], []
    for v in strings:
        try:
            a, b = str(v).strip("[]").split(",")
            lo.append(float(a))
            hi.append(float(b))
        except ValueError:
            lo.append(np.nan)
            hi.append(np.nan)
    return np.array(lo), np.array(hi)


def plot_rtg_sweep(table, game, common, out):
    t = read_csv_checked(table, columns=["rtg", "setup"], no_na=["rtg", "setup"])
    t = t[t["rtg"].astype(str) != "avg"].copy()
    setups = [s for s in common["setups"] if s in set(t["setup"])]
    fig, axes = _axes(len(setups))
    x_of = {r: i for i, r in enumerate(dict.fromkeys(t["rtg"].astype(str)))}
    for ax, setup in zip(axes, setups):
        s = t[t.setup == setup]
        x = np.array([x_of[str(r)] for r in s["rtg"]], dtype=float)
        for j, (model, color) in enumerate((("FDT", ROLE_COLORS["ours"]),
                                            ("DT", ROLE_COLORS["baseline"]))):
            y = s[f"{model} ours"].to_numpy(dtype=float)
            lo, hi = _ci(s.get(f"{model} ours 95% CI", [np.nan] * len(s)))
            err = np.vstack([np.where(np.isfinite(lo), y - lo, 0), np.where(np.isfinite(hi), hi - y, 0)])
            ax.errorbar(x + (j - 0.5) * 0.12, y, yerr=err, fmt="o-", color=color, capsize=3,
                        label=f"{model} (ours, 95% CI)")
            if f"{model} runs" in s:  # each training seed, when there are at most 10
                for xi, runs in zip(x, s[f"{model} runs"].fillna("").astype(str)):
                    vals = [float(v) for v in runs.split(";") if v not in ("", "nan")]
                    run_points(ax, xi + (j - 0.5) * 0.12 + (j - 0.5) * 0.16, vals, color,
                               width=0.1)
            if f"{model} paper" in s and s[f"{model} paper"].notna().any():
                ax.plot(x, s[f"{model} paper"], "s--", color=color, alpha=0.5,
                        label=f"{model} (paper)")
        ax.set_xticks(list(x_of.values()))
        ax.set_xticklabels(list(x_of.keys()), rotation=45 if len(x_of) > 4 else 0, fontsize=8)
        ax.set_xlim(-0.5, len(x_of) - 0.5)
        ax.set_title(SETUP_LABEL.get(setup, setup))
        ax.set_xlabel("target return")
        ax.set_ylabel("return")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{DISPLAY[game]}: FDT vs DT over target returns")
    fig.tight_layout()
    save_figure(fig, out, scale=common["scale"], seeds=len(common["seeds"]))


def plot_agreement(paths, common, out):
    fig, axes = _axes(len(paths))
    for ax, path in zip(axes, paths):
        a = read_csv_checked(path, columns=["buffer", "positive_rate"], no_na=["buffer"])
        game = path.split("/")[-2]
        ax.bar(a["buffer"], a["positive_rate"], color=ROLE_COLORS["ours"],
               label="oracle agreement (ours)")
        ax.axhline(SHIPPED_RATE[game], ls="--", color=ROLE_COLORS["paper"],
                   label="shipped labels (paper)")
        ax.set_title(DISPLAY[game])
        ax.set_xlabel("buffer")
        ax.set_ylabel("positive feedback rate")
        ax.set_ylim(0, 1)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, out, scale=common["scale"], seeds=1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["oracle", "rtg_sweep", "agreement"])
    p.add_argument("--common", type=json.loads, required=True)
    p.add_argument("--curves", nargs="*", default=[])
    p.add_argument("--agreement", nargs="*", default=[])
    p.add_argument("--table", default="")
    p.add_argument("--game", default="")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    apply_style()
    if args.kind == "oracle":
        plot_oracle(args.curves, args.common, args.out)
    elif args.kind == "rtg_sweep":
        plot_rtg_sweep(args.table, args.game, args.common, args.out)
    else:
        plot_agreement(args.agreement, args.common, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
