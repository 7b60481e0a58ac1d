"""Rules lse_fig4 / lse_fig8: log-count histograms (bin 0.02) per next-state dimension and
reward: SE training transitions, real test transitions, and the SE evaluated on the real test
(s, a)."""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np

from scripts.common.cli import parser, setup
from scripts.common.plotting import apply_style, save_figure
from scripts.common.io import load_npz


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False,
                required=["--data", "--env", "--scale"],
                required_many=["--dims", "--outs"])
    args = ap.parse_args(argv)
    setup(args)
    d = load_npz(args.data)
    apply_style()
    series = [("SE training", "se", "#0072B2"), ("real test", "real", "#D55E00"),
              ("SE on real test (s, a)", "pred", "#009E73")]
    for k, (dim, out) in enumerate(zip(args.dims, args.outs)):
        fig, ax = plt.subplots(figsize=(5.5, 3.4))
        for label, key, color in series:
            arr = d[f"{key}_s2"]
            if dim == "reward":
                x = d[f"{key}_r"]
            else:
                x = arr[:, k] if arr.ndim == 2 and arr.shape[0] else np.zeros(0)
            x = np.asarray(x, float)
            x = x[np.isfinite(x)]
            if x.size == 0:
                continue
            lo, hi = float(x.min()), float(x.max())
            bins = np.arange(lo, hi + 0.04, 0.02) if hi - lo < 200 else 200
            ax.hist(x, bins=bins, histtype="step", lw=1.3, color=color, label=f"{label} (n={x.size})", log=True)
        ax.set(title=f"{args.env}: {dim}", xlabel=dim if dim == "reward" else f"next state: {dim}",
               ylabel="count (log)")
        ax.legend(fontsize=7)
        save_figure(fig, out, scale=args.scale, seeds=1,
                    note="SE solved" if bool(d["solved"]) else "SE not solved at this scale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
