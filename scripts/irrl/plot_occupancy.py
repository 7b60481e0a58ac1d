"""State-occupancy maps: terminal-state distribution at initialisation, mid-training and
convergence (LogNorm 1e-3..1e-1, viridis), as the paper's figure."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from matplotlib.colors import LogNorm

from scripts.common.cli import parser
from scripts.common.plotting import plt, save_figure
from scripts.common.io import open_npz
from scripts.irrl.summaries import label


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False, required=["--sreward", "--out", "--scale"])
    p.add_argument("--snaps", nargs=3, required=True, help="snapshots: init, mid, converged")
    args = p.parse_args(argv)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    titles = ["At initialization", "Mid-training", "At convergence"]
    im = None
    for ax, path, title in zip(axes, args.snaps, titles):
        with open_npz(path, keys=["occupancy", "walls", "iteration"]) as z:
            occ, walls, it = z["occupancy"], z["walls"], int(z["iteration"])
        frac = occ / max(occ.sum(), 1)
        shown = np.ma.masked_where(walls | (frac <= 0), frac)
        ax.imshow(np.where(walls, 0.0, np.nan), cmap="gray_r", vmin=-1, vmax=0)
        im = ax.imshow(shown, cmap="viridis", norm=LogNorm(1e-3, 1e-1))
        ax.imshow(np.ma.masked_where(~walls, walls.astype(float)), cmap="gray_r", vmin=0, vmax=1.5)
        ax.set_title(f"{title} ({it:,} iters)")
        ax.set_xticks([])
        ax.set_yticks([])
    cb = fig.colorbar(im, ax=list(axes), shrink=0.85, ticks=[1e-3, 1e-2, 1e-1])
    cb.set_label("fraction of terminal states")
    fig.suptitle(f"State occupancy, {label(args.sreward)}")
    save_figure(fig, args.out, scale=args.scale, seeds=1,
                note="one epsilon=0.005 rollout per skill (5 at initialization)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
