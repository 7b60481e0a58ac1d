"""Rule lse_fig10: the learned Cliff rewards, mean over the selected RNs of a mode, one triangle
per (state, action), min-max normalised, red -> green; "simplified" drops rewards <= -50."""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection

from scripts.common.cli import parser, setup
from scripts.common.io import read_json, write_csv
from scripts.common.plotting import apply_style, save_figure
from scripts.lse import gridworlds
from scripts.lse.models import tabular_reward_table
from scripts.lse.nes_job import load_model
from scripts.lse.plots import MODE_LABEL

# triangle of action a in the cell (x = col, y = row from the top): 0 right, 1 left, 2 down, 3 up
TRI = {0: [(1, 0), (1, 1), (0.5, 0.5)], 1: [(0, 0), (0, 1), (0.5, 0.5)],
       2: [(0, 1), (1, 1), (0.5, 0.5)], 3: [(0, 0), (1, 0), (0.5, 0.5)]}


def reward_table(selected, gamma):
    nxt, rew, _ = gridworlds.cliff_tables()
    tabs = []
    for m in selected["models"]:
        model = load_model(m["path"])
        cfg = model["config"]
        tabs.append(tabular_reward_table(int(cfg["mode"]), model["psi"], cfg["net"], nxt, rew, gamma))
    return np.mean(tabs, 0)


def draw(R, title, out, scale, seeds, drop_below=None):
    fig, ax = plt.subplots(figsize=(9, 3.4))
    vals = R.copy()
    mask = np.zeros_like(vals, bool) if drop_below is None else vals <= drop_below
    # cliff cells and the goal are terminal: never a state the agent acts in
    for r, c in list(gridworlds.CLIFF_CELLS) + [gridworlds.CLIFF_GOAL]:
        mask[r * gridworlds.CLIFF_COLS + c] = True
    ok = vals[~mask]
    lo, hi = (ok.min(), ok.max()) if ok.size else (0.0, 1.0)
    norm = (vals - lo) / (hi - lo) if hi > lo else np.full_like(vals, 0.5)
    cmap = plt.get_cmap("RdYlGn")
    polys, colors = [], []
    for s in range(R.shape[0]):
        r, c = divmod(s, gridworlds.CLIFF_COLS)
        for a in range(4):
            polys.append([(c + x, r + y) for x, y in TRI[a]])
            colors.append((0.85, 0.85, 0.85, 1) if mask[s, a] else cmap(norm[s, a]))
    ax.add_collection(PolyCollection(polys, facecolors=colors, edgecolors="white", linewidths=0.4))
    for c in range(1, 11):
        ax.text(c + 0.5, 3.5, "cliff", ha="center", va="center", fontsize=7, color="0.3")
    ax.text(0.5, 3.5, "S", ha="center", va="center", fontweight="bold")
    ax.text(11.5, 3.5, "G", ha="center", va="center", fontweight="bold")
    ax.set_xlim(0, 12)
    ax.set_ylim(4, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(lo, hi))
    fig.colorbar(sm, ax=ax, fraction=0.02, pad=0.01, label="reward seen by the agent")
    ax.set_title(title)
    save_figure(fig, out, scale=scale, seeds=seeds)


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False, required=["--scale", "--outdir"])
    ap.add_argument("--selected", nargs="+", required=True, help="MODE=best.json")
    ap.add_argument("--gamma", type=float, default=0.8)
    args = ap.parse_args(argv)
    setup(args)
    apply_style()
    for item in args.selected:
        mode, path = item.split("=", 1)
        sel = read_json(path, keys=["models"])
        R = reward_table(sel, args.gamma)
        n = len(sel["models"])
        base = f"{args.outdir}/fig10_cliff_mode{mode}"
        draw(R, f"Cliff, {MODE_LABEL[int(mode)]} (mean of {n} RNs)", base + ".pdf", args.scale, n)
        draw(R, f"Cliff, {MODE_LABEL[int(mode)]}, simplified (rewards <= -50 dropped)",
             base + "_simplified.pdf", args.scale, n, drop_below=-50)
        rows = [{"state": s, "row": s // 12, "col": s % 12, "action": ["right", "left", "down", "up"][a],
                 "reward": R[s, a]} for s in range(R.shape[0]) for a in range(4)]
        write_csv(f"{args.outdir}/table_fig10_cliff_rewards_mode{mode}.csv", pd.DataFrame(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
