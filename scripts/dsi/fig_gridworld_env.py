"""The GridWorld (rule dsi_fig_gridworld_env): the full map with key, locked door, ball and
doors, the agent's 7x7 partial view, and the expert's path with its critical (doorway) cells."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from scripts.common import cli
from scripts.common.plotting import apply_style, save_figure
from scripts.dsi import gridworld as gw


def main() -> None:
    p = cli.parser(__doc__)
    p.add_argument("--scale", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    cli.setup(args)
    apply_style()
    env = gw.make_env()
    ep = gw.positive_episode(env, args.seed)
    env.reset(seed=args.seed)
    env.agent_dir = 0  # the heading of the episode's first frame
    tile = 16
    full = env.get_frame(highlight=True, tile_size=tile, agent_pov=False)
    fig, axes = plt.subplots(1, 3, figsize=(11, 4), gridspec_kw={"width_ratios": [1.6, 1, 1.6]})
    axes[0].imshow(full)
    axes[0].set_title("start: key (left), locked door + ball (right),\nclosed doors; "
                      "shaded = agent's 7x7 view", fontsize=9)
    axes[1].imshow(ep["frames"][0])
    axes[1].set_title("agent's egocentric view\n(28x28x3, the detector's input)", fontsize=9)
    # expert path on the map after the episode (doors opened)
    gw.positive_episode(env, args.seed)
    axes[2].imshow(env.get_frame(highlight=False, tile_size=tile, agent_pov=False))
    rec_pos = np.asarray(ep["positions"], dtype=float)
    xs, ys = (rec_pos[:, 0] + 0.5) * tile, (rec_pos[:, 1] + 0.5) * tile
    axes[2].plot(xs, ys, color="#0072B2", lw=2, label="expert path")
    crit = np.asarray(ep["labels"]).astype(bool)
    axes[2].scatter(xs[crit], ys[crit], s=60, color="#D55E00", zorder=3,
                    label="critical: in a doorway")
    axes[2].legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8)
    axes[2].set_title(f"expert episode ({ep['length']} frames,\n"
                      f"{int(ep['labels'].sum())} critical)", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    save_figure(fig, args.out, scale=args.scale, seeds=1, note=f"env seed {args.seed}")


if __name__ == "__main__":
    main()
