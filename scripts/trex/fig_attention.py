"""Reward attention maps of the Atari reward net (the paper's Breakout figure): for the
frames with the highest and the lowest predicted reward over all demos and held-out
trajectories, zero a 3x3 patch at every position in all 4 stacked frames and record how
much the predicted reward changes (occlusion sensitivity). Runs on the reward stage's env.
"""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import torch

from scripts.common import cli
from scripts.common.plotting import apply_style, save_figure
from scripts.trex import nets
from scripts.trex.data import Trajectories


def occlusion_map(model, stack: np.ndarray, patch: int = 3, batch: int = 512) -> np.ndarray:
    """|r(occluded) - r(stack)| for a patch x patch zero patch at each top-left position
    (stride 1), spread back over the pixels it covers (mean over covering patches)."""
    h, w = stack.shape[-2:]
    base = float(model(torch.as_tensor(stack[None]))[0])
    positions = [(i, j) for i in range(h - patch + 1) for j in range(w - patch + 1)]
    deltas = np.zeros(len(positions))
    with torch.no_grad():
        for k in range(0, len(positions), batch):
            chunk = positions[k:k + batch]
            x = np.repeat(stack[None], len(chunk), 0).copy()
            for n, (i, j) in enumerate(chunk):
                x[n, :, i:i + patch, j:j + patch] = 0
            deltas[k:k + len(chunk)] = np.abs(model(torch.as_tensor(x)).numpy() - base)
    heat = np.zeros((h, w))
    count = np.zeros((h, w))
    for d, (i, j) in zip(deltas, positions):
        heat[i:i + patch, j:j + patch] += d
        count[i:i + patch, j:j + patch] += 1
    return heat / np.maximum(count, 1)


def extreme_states(model, spec, paths, batch: int = 512) -> tuple:
    """((max reward, state), (min reward, state)) over every state of the trajectories."""
    best, worst = (-np.inf, None), (np.inf, None)
    for path in paths:
        traj = Trajectories.load(path)
        for e in range(len(traj)):
            states = traj.states(e)
            r = nets.per_state_reward(model, spec, states, batch=batch)
            if r.max() > best[0]:
                best = (float(r.max()), states[int(r.argmax())])
            if r.min() < worst[0]:
                worst = (float(r.min()), states[int(r.argmin())])
    return best, worst


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False,
                   required=["--scale", "--reward", "--out-fig"],
                   required_many=["--trajs"])
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    model, spec = nets.load_reward_model(args.reward)
    best, worst = extreme_states(model, spec, args.trajs, batch=256)
    apply_style()
    fig, axes = plt.subplots(2, 5, figsize=(12, 5.4))
    for row, (title, (value, stack)) in enumerate((("max reward", best), ("min reward", worst))):
        with torch.no_grad():
            heat = occlusion_map(model, stack)
        for k in range(4):
            axes[row, k].imshow(stack[k], cmap="gray", vmin=0, vmax=255)
            axes[row, k].set_title(f"{title}: frame {k + 1}" if k == 0 else f"frame {k + 1}", fontsize=9)
        axes[row, 4].imshow(stack[3], cmap="gray", vmin=0, vmax=255)
        axes[row, 4].imshow(heat, cmap="inferno", alpha=0.6)
        axes[row, 4].set_title(f"occlusion attention\n(r̂ = {value:.2f})", fontsize=9)
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    fig.suptitle(f"{spec.get('game', '')}: reward-net attention (3x3 occlusion, score rows masked)")
    fig.tight_layout()
    save_figure(fig, args.out_fig, scale=args.scale, seeds=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
