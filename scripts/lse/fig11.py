"""Rule lse_fig11: iterations to solve the 2x2 EmptyRoom SE per score transform and step size,
mirrored and plain sampling (Fig 11)."""
from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import pandas as pd

from scripts.common.cli import parser, setup
from scripts.common.plotting import apply_style, save_figure
from scripts.common.io import read_json
from scripts.lse.nes import TRANSFORM_NAMES


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False, required=["--scale"], required_many=["--runs"])
    ap.add_argument("--mirrored-out", default=None)
    ap.add_argument("--plain-out", default=None)
    args = ap.parse_args(argv)
    setup(args)
    df = pd.DataFrame([read_json(p, keys=["mirrored", "max_iterations"]) for p in args.runs])
    apply_style()
    for mirrored, out in ((True, args.mirrored_out), (False, args.plain_out)):
        if out is None:
            continue
        sub = df[df["mirrored"] == mirrored]
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        cap = int(df["max_iterations"].max())
        sc = ax.scatter(sub["step_size"], sub["transform"], c=sub["iterations_to_solve"],
                        cmap="viridis_r", vmin=0, vmax=cap, s=70, edgecolors="k", linewidths=0.4)
        ax.set_xscale("log")
        ax.set_yticks(range(8))
        ax.set_yticklabels([f"{t}: {TRANSFORM_NAMES[t]}" for t in range(8)], fontsize=7)
        ax.set(xlabel="step size α", title=f"{'mirrored' if mirrored else 'plain'} sampling "
               f"({int(sub['solved'].sum())}/{len(sub)} solved)")
        fig.colorbar(sc, ax=ax, label=f"iterations to solve ({cap} = failed)")
        save_figure(fig, out, scale=args.scale, seeds=int(df["seed"].nunique()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
