"""Reward hacking: RAM trained with the reward of a converged (frozen) discriminator vs the
ordinary runs, for the accuracy and the unclipped logarithmic reward (the README's variant)."""
from __future__ import annotations

from typing import Optional, Sequence

from scripts.common.cli import parser
from scripts.common.plotting import apply_style, plt, run_lines, save_figure
from scripts.irrl.summaries import COLORS, label, load_runs, mean_band, ordered


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--out", "--scale"],
               required_many=["--rh", "--base"])
    args = p.parse_args(argv)
    rh = load_runs(args.rh)
    base = load_runs(args.base)
    apply_style()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for reward in ordered(rh["reward"].unique()):
        c = COLORS.get(reward)
        for frame, ls, suffix in ((rh, "-", " + RH"), (base, "--", "")):
            sel = frame[(frame["reward"] == reward) & (frame["detach"] == "official")]
            if sel.empty:
                continue
            band = mean_band(sel, "epoch", "val_acc")
            ax.plot(band["epoch"], 100 * band["mean"], ls, color=c,
                    label=f"{label(reward)}{suffix} (n={band['n'].max()})")
            ax.fill_between(band["epoch"], 100 * (band["mean"] - band["std"]),
                            100 * (band["mean"] + band["std"]), color=c, alpha=0.12, lw=0)
            run_lines(ax, sel, "epoch", "val_acc", c, scale=100.0)
    ax.set(xlabel="Epoch", ylabel="Validation accuracy (%)",
           title="Reward hacking: reward from a converged clipped-linear discriminator")
    ax.legend(loc="lower right", fontsize=8)
    fig.subplots_adjust(bottom=0.2)  # room for the scale/seeds footer
    save_figure(fig, args.out, scale=args.scale, seeds=int(rh["seed"].nunique()),
                note="RH log = unclipped log reward; oracle frozen (paper: in the optimiser)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
