"""Pong attack table and win-rate-drop-vs-k figure (rules dsi_table_attack, dsi_fig_attack).

Win-rate drop = (wins before - wins after) / wins before over the attacked seeds (the paper's
normalisation is not stated; this one is EDGE's "win rate change" read as relative). CI: 95%
percentile bootstrap over rally seeds (one detector per data set)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.stats import BOOTSTRAP_SEED
from scripts.common.tables import fmt_ci, write_table
from scripts.common.io import read_csv_checked


def drop_ci(e0: np.ndarray, e1: np.ndarray, n_boot: int = 2000):
    def drop(idx):
        w0 = np.sum(e0[idx] == 1)
        return np.nan if w0 == 0 else 100.0 * (w0 - np.sum(e1[idx] == 1)) / w0

    n = len(e0)
    point = drop(np.arange(n))
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    boots = np.array([drop(rng.integers(0, n, n)) for _ in range(n_boot)])
    boots = boots[np.isfinite(boots)]
    if len(boots) < 10 or not np.isfinite(point):
        return point, np.nan, np.nan
    return point, float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))


def load(paths):
    frames = []
    for item in paths:
        variant, k, method, path = item.split(":", 3)
        f = read_csv_checked(path, columns=["e0", "e1"], no_na=True)
        f["variant"], f["k"], f["method"] = variant, int(k), method
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def summarise(data: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (variant, k, method), sub in data.groupby(["variant", "k", "method"], sort=True):
        e0, e1 = sub.e0.to_numpy(), sub.e1.to_numpy()
        point, lo, hi = drop_ci(e0, e1)
        rows.append({"variant": variant, "k": k, "method": method, "rallies": len(sub),
                     "wins before": int((e0 == 1).sum()), "wins after": int((e1 == 1).sum()),
                     "outcome changed": int((e0 != e1).sum()),
                     "mean outcome drop": float(np.mean(e0 - e1)), "drop_pct": point, "drop_low": lo,
                     "drop_high": hi})
    return pd.DataFrame(rows)


def main() -> None:
    p = cli.parser(__doc__, seed=False)
    p.add_argument("--scale", required=True)
    p.add_argument("--runs", nargs="+", required=True, help="variant:k:method:path")
    p.add_argument("--policy-init", default="scratch", choices=["scratch", "imitate"],
                   help="how the attacked agents were made (config pong.a3c.init)")
    p.add_argument("--csv", default=None)
    p.add_argument("--md", default=None)
    p.add_argument("--fig", default=None)
    args = p.parse_args()
    cli.setup(args)
    summ = summarise(load(args.runs))
    if args.csv:
        table = summ.copy()
        table["win-rate drop (%)"] = [fmt_ci(a, b, c) for a, b, c in
                                      zip(summ.drop_pct, summ.drop_low, summ.drop_high)]
        table = table.drop(columns=["drop_pct", "drop_low", "drop_high"])
        if args.policy_init == "imitate":
            agents = ("Attacked agents (deviation, a3c.init: imitate): baby-a3c architecture "
                      "and preprocessing, greedy, but behaviour-cloned from a scripted "
                      "ball-tracking teacher (critic: discounted rally outcome) instead of "
                      "A3C-trained; cross-step = the net after half the cloning updates. "
                      "In-policy: the detector's data came from the attacked agent.")
        else:
            agents = ("Attacked agents: A3C policies trained here (baby-a3c architecture); "
                      "in-policy: the detector's data came from the attacked agent; "
                      "cross-step/-seed/-arch: from another agent.")
        write_table(table, args.csv, args.md, title="DSI: Pong attack (win-rate drop)",
                    scale=args.scale, seeds=1, notes=[
                        agents,
                        "Methods: DSI top-k scored steps; random k steps; top-k of the "
                        "attacked agent's critic value (value-based baseline).",
                        "Drop = (wins before - wins after) / wins before; CI: percentile bootstrap "
                        "over the rallies of one attacked agent and detector (within one run, so "
                        "it is no evidence across runs; the verdict, over attack variants, is in "
                        "compare_to_paper.md and figures/scorecard.md). "
                        "Mean outcome drop = mean of e0 - e1 (outcomes in {-1, 0, 1}), defined "
                        "even when a weak agent never wins.",
                        "The paper's attack numbers are not in the released material "
                        "(the README gives none), so no paper column.",
                    ])
    if args.fig:
        from scripts.common.plotting import ROLE_COLORS, apply_style, save_figure
        import matplotlib.pyplot as plt

        apply_style()
        variants = sorted(summ.variant.unique())
        fig, axes = plt.subplots(1, len(variants), figsize=(3.6 * len(variants), 3.2),
                                 sharey=True, squeeze=False)
        colors = {"dsi": ROLE_COLORS["ours"], "random": ROLE_COLORS["random"],
                  "value": ROLE_COLORS["baseline"]}
        for ax, variant in zip(axes[0], variants):
            sub = summ[summ.variant == variant]
            for method, g in sub.groupby("method"):
                g = g.sort_values("k")
                ax.plot(g.k, g.drop_pct, marker="o", color=colors.get(method), label=method)
                ax.fill_between(g.k, g.drop_low, g.drop_high, color=colors.get(method),
                                alpha=0.15, lw=0)
            ax.set_title(variant)
            ax.set_xlabel("perturbed steps k")
            ax.axhline(0, color="0.5", lw=0.8)
        axes[0][0].set_ylabel("win-rate drop (%)")
        axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
        save_figure(fig, args.fig, scale=args.scale, seeds=1,
                    note=f"{int(summ.rallies.max())} rallies per point; band: 95% CI")


if __name__ == "__main__":
    main()
