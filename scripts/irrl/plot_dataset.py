"""The 20 x 20 preview grid of Cluttered MNIST samples (the generator's 0.png)."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from scripts.common.cli import parser
from scripts.common.plotting import apply_style, plt, save_figure
from scripts.common.io import open_npz


def grid(images: np.ndarray, n: int) -> np.ndarray:
    w = images.shape[1]
    out = np.ones((n * (w + 1) - 1, n * (w + 1) - 1))
    for i in range(n * n):
        r, c = divmod(i, n)
        out[r * (w + 1):r * (w + 1) + w, c * (w + 1):c * (w + 1) + w] = images[i]
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False, required=["--data", "--out", "--scale"])
    args = p.parse_args(argv)
    with open_npz(args.data, keys=["preview"]) as z:
        prev = z["preview"]
    n = int(np.sqrt(len(prev)))
    apply_style()
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.imshow(grid(prev[:n * n], n), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(f"Cluttered MNIST samples ({prev.shape[1]}x{prev.shape[2]} canvas)")
    save_figure(fig, args.out, scale=args.scale, seeds=1, note="generator seed 1234")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
