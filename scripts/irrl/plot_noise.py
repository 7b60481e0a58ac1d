"""Discriminator-noise violins over training epochs and their statistics table."""
from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from scripts.common.cli import parser
from scripts.common.plotting import apply_style, plt, save_figure
from scripts.common.tables import write_table
from scripts.common.io import load_npy

NOISE_RE = re.compile(r"(?P<reward>[a-z_]+)_seed(?P<seed>\d+)_e(?P<epoch>\d+)\.npy$")
VIOLIN_COLORS = ["#2ca02c", "#1f77b4", "#ff7f0e", "#d62728", "#9467bd", "#8c564b"]


def stats(delta: np.ndarray) -> dict:
    q1, med, q3 = np.percentile(delta, [25, 50, 75])
    return {"n": int(delta.size), "mean": float(delta.mean()), "std": float(delta.std()),
            "median": float(med), "q25": float(q1), "q75": float(q3), "IQR": float(q3 - q1),
            "share |delta| > 0.5": float(np.mean(np.abs(delta) > 0.5))}


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--fig", "--csv", "--md", "--scale"],
               required_many=["--noise"])
    args = p.parse_args(argv)
    items = []
    for path in args.noise:
        m = NOISE_RE.search(path)
        items.append((int(m.group("epoch")), m.group("reward"), int(m.group("seed")), load_npy(path)))
    items.sort(key=lambda t: t[0])
    rows = [{"epoch": e, "analysed run": f"RAM {r} seed {s}", **stats(d)} for e, r, s, d in items]
    write_table(pd.DataFrame(rows), args.csv, args.md,
                title="IRRL: discriminator noise delta~ = q_phi(y|tau) - q_oracle(y|tau) on the test set",
                scale=args.scale, seeds=1,
                notes=["delta~ per test image (the whole test set, as the paper's code; its README "
                       "says 1,000 cases); oracle = the converged clipped-linear RAM.",
                       "Paper (poster, approx.): widest at epoch 100, still wide at 400, "
                       "concentrated near 0 at 1200."])
    apply_style()
    fig, ax = plt.subplots(figsize=(1.6 * len(items) + 2, 4))
    data = [d for _, _, _, d in items]
    parts = ax.violinplot(data, showextrema=False, widths=0.8)
    for i, body in enumerate(parts["bodies"]):
        body.set_facecolor(VIOLIN_COLORS[i % len(VIOLIN_COLORS)])
        body.set_alpha(0.6)
    for i, d in enumerate(data, start=1):
        q1, med, q3 = np.percentile(d, [25, 50, 75])
        iqr = q3 - q1
        lo = max(d.min(), q1 - 1.5 * iqr)
        hi = min(d.max(), q3 + 1.5 * iqr)
        ax.vlines(i, lo, hi, color="0.2", lw=1)
        ax.vlines(i, q1, q3, color="0.2", lw=5)
        ax.hlines(d.mean(), i - 0.12, i + 0.12, color="white", lw=2)
    ax.axhline(0, ls=":", color="0.3")
    ax.set_xticks(range(1, len(items) + 1))
    ax.set_xticklabels([str(e) for e, _, _, _ in items])
    ax.set(xlabel="Epoch number", ylabel=r"$\tilde{\delta}$", ylim=(-1.05, 1.05),
           title=f"Discriminator noise over training (RAM, {items[0][1]} reward)")
    fig.subplots_adjust(bottom=0.2)  # room for the scale/seeds footer
    save_figure(fig, args.fig, scale=args.scale, seeds=1,
                note="bars: IQR; whiskers 1.5 IQR; white tick: mean")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
