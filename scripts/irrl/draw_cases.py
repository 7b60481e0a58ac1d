"""Glimpse paths over test images: first glimpse yellow, last red, path in lime (paper 2.3)."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from scripts.common.cli import parser
from scripts.common.plotting import plt, save_figure
from scripts.common.io import load_npz
from matplotlib.patches import Rectangle


def to_pixels(loc: np.ndarray, size: int) -> np.ndarray:
    """The paper's drawing convention: 0.5 (l + 1) * W."""
    return 0.5 * (loc + 1.0) * size


def draw(ax, image: np.ndarray, locs: np.ndarray, patch: int, label: int, pred: int) -> None:
    w = image.shape[0]
    ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    px = to_pixels(locs, w)
    ax.plot(px[:, 0], px[:, 1], "-", color="lime", lw=1.2)
    ax.plot(px[:, 0], px[:, 1], "o", color="lime", ms=2)
    for i, colour in ((0, "yellow"), (len(px) - 1, "red")):
        ax.add_patch(Rectangle((px[i, 0] - patch / 2, px[i, 1] - patch / 2), patch, patch,
                               fill=False, edgecolor=colour, lw=1.5))
    ax.set_title(f"label {label}, predicted {pred}", fontsize=8)
    ax.set_axis_off()


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--cases", "--reward", "--scale"],
               required_many=["--outs"])
    args = p.parse_args(argv)
    c = load_npz(args.cases)
    patch = int(c["patch"])
    for i, out in enumerate(args.outs):
        # glimpses are taken at l_0 .. l_{T-1} (DT-RAM: up to the stop step)
        last = int(c["stop_idx"][i]) + 1
        locs = c["locations"][i][:last]
        fig, ax = plt.subplots(figsize=(3.2, 3.4))
        draw(ax, c["images"][i], locs, patch, int(c["labels"][i]), int(c["predictions"][i]))
        save_figure(fig, out, scale=args.scale, seeds=1, note=f"{args.reward}, case {i}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
