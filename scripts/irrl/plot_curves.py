"""Validation-accuracy curves of RAM or DT-RAM per reward (mean +- std over seeds), beside the
paper's digitised curves (their epochs differ at reduced scales, so they get their own panel)."""
from __future__ import annotations

from typing import Optional, Sequence

from scripts.common.cli import parser
from scripts.common.plotting import apply_style, plt, run_lines, save_figure
from scripts.irrl.summaries import COLORS, label, load_runs, mean_band, ordered, reported


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--model", "--out", "--scale"],
               required_many=["--metrics"])
    args = p.parse_args(argv)
    df = load_runs(args.metrics)
    df = df[(df["model"] == args.model) & (df["detach"] == "official")]
    rep = reported(f"fig_{args.model}_curves")
    apply_style()
    fig, (ax, axp) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1.3, 1]})
    n_seeds = df["seed"].nunique()
    for reward in ordered(df["reward"].unique()):
        band = mean_band(df[df["reward"] == reward], "epoch", "val_acc")
        c = COLORS.get(reward)
        ax.plot(band["epoch"], 100 * band["mean"], color=c, label=f"{label(reward)} (n={band['n'].max()})")
        ax.fill_between(band["epoch"], 100 * (band["mean"] - band["std"]),
                        100 * (band["mean"] + band["std"]), color=c, alpha=0.2, lw=0)
        run_lines(ax, df[df["reward"] == reward], "epoch", "val_acc", c, scale=100.0)
    name = "RAM" if args.model == "ram" else "DT-RAM"
    ax.set(xlabel="Epoch", ylabel="Validation accuracy (%)",
           title=f"Ours: {name}, {args.scale} scale (mean ± std over seeds; thin: each seed)")
    ax.legend(loc="lower right")
    for reward in ordered(rep["method"].unique()):
        r = rep[rep["method"] == reward].sort_values("x")
        axp.plot(r["x"], r["value"], "o--", color=COLORS.get(reward), label=label(reward), ms=3)
    axp.set(xlabel="Epoch", ylabel="Validation accuracy (%)",
            title=f"Paper: {name} on Cluttered MNIST 60x60 (digitised)")
    axp.legend(loc="lower right")
    fig.subplots_adjust(bottom=0.2)  # room for the scale/seeds footer
    save_figure(fig, args.out, scale=args.scale, seeds=n_seeds,
                note="right panel: the paper's values read off its figure")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
