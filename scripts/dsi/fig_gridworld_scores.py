"""Detector scores over time on held-out GridWorld episodes (rule dsi_fig_gridworld_scores).

One panel per episode: each recipe's scores (seed 0 of each) against the frame index, the
ground-truth critical frames (agent in a doorway) shaded, and a strip of the episode's frames with
the top-scored frames outlined.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np

from scripts.common import cli
from scripts.common.plotting import ROLE_COLORS, apply_style, save_figure
from scripts.common.io import open_npz
from scripts.dsi.gen_gridworld_eval import load_eval

COLORS = {"fixed": ROLE_COLORS["ours"], "paper": ROLE_COLORS["paper"]}


def load_scores(path):
    with open_npz(path, keys=["offsets", "scores"]) as z:
        off = z["offsets"]
        return [z["scores"][off[i]:off[i + 1]] for i in range(len(off) - 1)]


def main() -> None:
    p = cli.parser(__doc__, seed=False)
    p.add_argument("--scale", required=True)
    p.add_argument("--seeds", type=int, required=True)
    p.add_argument("--eval", required=True)
    p.add_argument("--scores", nargs="+", required=True, help="recipe:path")
    p.add_argument("--episodes", type=int, default=4)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    cli.setup(args)
    apply_style()
    eps, labels, _, split, _ = load_eval(args.eval)
    runs = [(s.split(":", 1)[0], load_scores(s.split(":", 1)[1])) for s in args.scores]
    test = [i for i, s in enumerate(split) if s == 1][:args.episodes]
    n_strip = 12
    fig = plt.figure(figsize=(10, 2.6 * len(test)))
    outer = fig.add_gridspec(len(test), 1, hspace=0.55)
    for row, i in enumerate(test):
        inner = outer[row].subgridspec(2, 1, height_ratios=[1, 2.2], hspace=0.08)
        ax = fig.add_subplot(inner[1])
        T = len(eps[i])
        for t in np.nonzero(labels[i])[0]:
            ax.axvspan(t - 0.5, t + 0.5, color="0.85", lw=0,
                       label="critical (in doorway)" if t == np.nonzero(labels[i])[0][0] else None)
        for recipe, scores in runs:
            ax.plot(np.arange(T), scores[i], marker="o", ms=3, lw=1.4,
                    color=COLORS.get(recipe, None), label=f"DSI, {recipe} recipe")
        ax.set_xlim(-0.5, T - 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(-0.03, 1.03)
        ax.set_ylabel("score $m_t$")
        if row == len(test) - 1:
            ax.set_xlabel("frame")
        if row == 0:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        # frame strip: evenly spaced frames, the first recipe's top-scored ones outlined
        strip = fig.add_subplot(inner[0])
        idx = np.unique(np.linspace(0, T - 1, min(n_strip, T)).round().astype(int))
        top = set(np.argsort(-runs[0][1][i])[:max(1, int(labels[i].sum()))].tolist())
        tiles = []
        for t in idx:
            f = np.transpose(eps[i][t], (1, 2, 0)).copy()
            if t in top:
                f[:2], f[-2:], f[:, :2], f[:, -2:] = [255, 200, 0], [255, 200, 0], \
                    [255, 200, 0], [255, 200, 0]
            tiles.append(np.pad(f, ((0, 0), (1, 1), (0, 0)), constant_values=255))
        strip.imshow(np.concatenate(tiles, 1))
        strip.set_xticks([28 // 2 + 1 + k * 30 for k in range(len(idx))])
        strip.set_xticklabels([str(t) for t in idx], fontsize=7)
        strip.set_yticks([])
        strip.grid(False)
        strip.set_title(f"held-out episode {i} ({T} frames; outlined: top-scored frames of the "
                        f"{runs[0][0]} recipe)", fontsize=9, loc="left")
    save_figure(fig, args.out, scale=args.scale, seeds=args.seeds,
                note="seed 0 of each recipe")


if __name__ == "__main__":
    main()
