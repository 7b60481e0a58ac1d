"""Reward attention on a MinAtar game (the paper's Breakout figure, MinAtar stand-in): for the
frames with the highest and the lowest predicted reward over the demos and held-out
trajectories, zero a 3x3 patch at every position in all channels and record how much the
predicted reward changes (occlusion sensitivity, scripts/trex/fig_attention.py's map). Each
frame is drawn with one colour per object channel. No score rows are masked: MinAtar shows none.
"""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap

from scripts.common import cli
from scripts.common.plotting import apply_style, save_figure
from scripts.trex import nets
from scripts.trex.fig_attention import extreme_states, occlusion_map
from scripts.trex.plan_minatar import STAND_IN

# object channels of MinAtar Breakout, in the game's order
CHANNEL_NAMES = {"breakout": ["paddle", "ball", "trail", "brick"]}


def colour_frame(frame: np.ndarray) -> np.ndarray:
    """(C, 10, 10) 0/1 -> (10, 10) index of the last channel present (0 = empty), for a colour map."""
    c = frame.shape[0]
    idx = (np.asarray(frame, dtype=np.int64) * np.arange(1, c + 1)[:, None, None]).max(0)
    return idx


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--scale", "--reward", "--out-fig"],
                   required_many=["--trajs"])
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    model, spec = nets.load_reward_model(args.reward)
    game = str(spec.get("game", "")).replace("minatar-", "")
    best, worst = extreme_states(model, spec, args.trajs, batch=512)
    names = CHANNEL_NAMES.get(game)
    apply_style()
    fig, axes = plt.subplots(2, 2, figsize=(6.4, 6.6))
    n_ch = int(best[1].shape[0])
    colours = ["black"] + [plt.get_cmap("tab10")(k) for k in range(n_ch)]   # empty cell: black
    cmap = ListedColormap(colours)
    for row, (title, (value, frame)) in enumerate((("max reward", best), ("min reward", worst))):
        with torch.no_grad():
            heat = occlusion_map(model, frame.astype(np.float32))
        idx = colour_frame(frame)
        axes[row, 0].imshow(idx, cmap=cmap, vmin=-0.5, vmax=n_ch + 0.5, interpolation="nearest")
        axes[row, 0].set_title(f"{title} frame (r̂ = {value:.2f})", fontsize=9)
        axes[row, 1].imshow(idx, cmap=cmap, vmin=-0.5, vmax=n_ch + 0.5, interpolation="nearest")
        axes[row, 1].imshow(heat, cmap="inferno", alpha=0.65, interpolation="nearest")
        axes[row, 1].set_title("occlusion attention (3x3)", fontsize=9)
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    if names:
        handles = [plt.Rectangle((0, 0), 1, 1, color=colours[k + 1]) for k in range(len(names))]
        fig.legend(handles, names, loc="upper center", ncol=len(names), fontsize=8,
                   bbox_to_anchor=(0.5, 0.955))
    fig.suptitle(f"MinAtar {game}: reward-net attention ({STAND_IN}; no score to mask)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    save_figure(fig, args.out_fig, scale=args.scale, seeds=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
