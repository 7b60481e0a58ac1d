"""Top-scored frames of a Pong rally (rule dsi_fig_pong_frames): the detector's scores over a
held-out rally with its highest-scored frames shown above."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from scripts.common import cli
from scripts.common.plotting import ROLE_COLORS, apply_style, save_figure
from scripts.dsi.pong import downsample
from scripts.dsi.trainer import EpisodeSet, load_detector, score_episodes

OUTCOME = {0: "lost", 1: "timeout", 2: "won"}


def main() -> None:
    p = cli.parser(__doc__, seed=False)
    p.add_argument("--scale", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--detector", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--top", type=int, default=6)
    args = p.parse_args()
    cli.setup(args)
    apply_style()
    data = EpisodeSet.load(args.test)
    d, info = load_detector(args.detector)
    # the longest rally that ends with a point, else the longest
    order = sorted(range(len(data)), key=lambda i: (data.targets[i] != 1, len(data.episodes[i])),
                   reverse=True)
    i = order[0]
    ep = data.episodes[i]
    scores = score_episodes(d, [downsample(ep, int(info["resolution"]))], torch.device("cpu"))[0]
    top = np.sort(np.argsort(-scores)[:args.top])
    fig = plt.figure(figsize=(10, 4.2))
    gs = fig.add_gridspec(2, len(top), height_ratios=[1.1, 1.4], hspace=0.35)
    for j, t in enumerate(top):
        ax = fig.add_subplot(gs[0, j])
        ax.imshow(ep[t, 0], cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"t={t}, m={scores[t]:.2f}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    ax = fig.add_subplot(gs[1, :])
    ax.plot(np.arange(len(scores)), scores, color=ROLE_COLORS["ours"], lw=1.4)
    ax.scatter(top, scores[top], color=ROLE_COLORS["paper"], zorder=3, s=18,
               label=f"top {len(top)} (shown above)")
    ax.set_xlabel("step of the rally")
    ax.set_ylabel("score $m_t$")
    ax.set_title(f"held-out rally {i}: {OUTCOME[int(data.targets[i])]}, {len(ep)} steps",
                 fontsize=9, loc="left")
    ax.legend(loc="upper left")
    save_figure(fig, args.out, scale=args.scale, seeds=1)


if __name__ == "__main__":
    main()
