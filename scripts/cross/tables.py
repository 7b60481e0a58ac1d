"""The cross experiment's tables, figure and claim values (rules cross_table_selectors,
cross_table_positions, cross_figure, cross_claims): FDT trained on each selector's feedback,
against DT, per game and setup at the training set's best return (target fraction 1.0).

Arms: ``dt`` (FDT's own DT runs), ``criterion`` (FDT's own FDT runs: its count-based critical
states), and the cross experiment's FDT runs on the ``dsi``, ``random``, ``oracle`` and
``first`` selections. Differences are paired over seeds (same training set, oracle, budget and
test episodes per seed), with 95% t-intervals and the project's verdict rule.

CLI: ``python -m scripts.cross.tables table|positions|figure|claims --common JSON
--evals ARM=CSV ... --stats JSON ... [--csv --md | --out]``.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Dict, List, Sequence

import numpy as np
import pandas as pd

from scripts.fdt.minatar_tables import _iv, _paired, seed_scores

ENV = "MinAtar"
# (a, b): the paired differences the table reports, in order
DIFFERENCES = [("dsi", "criterion"), ("dsi", "dt"), ("dsi", "random"), ("criterion", "random"),
               ("oracle", "criterion"), ("dsi", "first"), ("criterion", "dt")]
ARM_ORDER = ["dt", "criterion", "dsi", "random", "oracle", "first"]


def load_arm_evals(pairs: Sequence[str]) -> pd.DataFrame:
    """Evaluation rows of ``arm=path`` pairs, with an ``arm`` column."""
    from scripts.common.io import read_csvs

    frames = []
    for pair in pairs:
        arm, path = pair.split("=", 1)
        f = read_csvs([path])
        f["arm"] = arm
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def arms_of(scores: pd.DataFrame) -> List[str]:
    present = set(scores["arm"])
    return [a for a in ARM_ORDER if a in present]


def selector_table(evals: pd.DataFrame, games: List[str], setups: List[str]) -> pd.DataFrame:
    """Per game and setup: each arm's mean return over seeds (95% t-interval) and the paired
    differences of DIFFERENCES, with the verdict of dsi - criterion."""
    from scripts.common.verdict import verdict

    scores = seed_scores(evals, by="arm")
    arms = arms_of(scores)
    rows = []
    for game in games:
        for setup in setups:
            row: Dict[str, object] = {"game": game, "env": ENV, "setup": setup}
            for arm in arms:
                v = scores[(scores["game"] == game) & (scores["setup"] == setup)
                           & (scores["arm"] == arm)]["return"]
                row[arm] = _iv(v)["text"]
            for a, b in DIFFERENCES:
                if a not in arms or b not in arms:
                    continue
                d = _paired(scores, game, setup, a, b, by="arm")
                iv = _iv(d)
                row[f"{a}_minus_{b}"] = iv["text"]
                if (a, b) == ("dsi", "criterion"):
                    row["verdict_dsi_vs_criterion"] = verdict(d.to_numpy(), null=0.0,
                                                              direction="greater").verdict
            row["seeds"] = int(scores[scores["game"] == game]["seed"].nunique())
            rows.append(row)
    return pd.DataFrame(rows)


def positions_table(stats: List[dict], games: List[str]) -> pd.DataFrame:
    """Per game and selector, mean over seeds: positions chosen, pos / neg labels, negatives
    with a best action, mean relative position in the episode (0 start, 1 end), mean detector
    score; and the Jaccard overlap of dsi, criterion and oracle with each other."""
    rows = []
    for game in games:
        sub = [s for s in stats if s["game"] == game]
        if not sub:
            continue
        names = list(sub[0]["selectors"])
        for name in names:
            vals = [s["selectors"][name] for s in sub]
            row = {"game": game, "env": ENV, "selector": name}
            for key in ("count", "pos", "neg", "neg_with_best", "mean_rel_position"):
                row[key] = round(float(np.mean([v[key] for v in vals])), 3)
            row["mean_score"] = float("%.4g" % np.mean([v["mean_score"] for v in vals]))
            for other in ("criterion", "dsi", "oracle"):
                if other == name or other not in names:
                    row[f"jaccard_{other}"] = ""
                    continue
                key = f"{name}|{other}" if f"{name}|{other}" in sub[0]["jaccard"] else f"{other}|{name}"
                row[f"jaccard_{other}"] = round(float(np.mean([s["jaccard"][key] for s in sub])), 3)
            rows.append(row)
        rows.append({"game": game, "env": ENV, "selector": "(all eligible)",
                     "count": int(round(float(np.mean([s["eligible"] for s in sub])))),
                     "pos": "", "neg": int(round(float(np.mean([s["oracle_disagreements"] for s in sub])))),
                     "neg_with_best": "",
                     "mean_rel_position": round(float(np.mean([s["eligible_mean_rel_position"] for s in sub])), 3),
                     "mean_score": float("%.4g" % np.mean([s["score_mean"] for s in sub])),
                     "jaccard_criterion": "", "jaccard_dsi": "", "jaccard_oracle": ""})
    return pd.DataFrame(rows)


def plot_selectors(evals: pd.DataFrame, games: List[str], setups: List[str], scale: str,
                   out: str) -> None:
    """Per game (columns) and setup (rows): each selector's FDT mean return with its 95%
    t-interval and the seeds as points; DT's mean as a dashed line with its interval as a band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scripts.common.plotting import apply_style, run_points, save_figure

    apply_style()
    scores = seed_scores(evals, by="arm")
    arms = [a for a in arms_of(scores) if a != "dt"]
    colors = {"criterion": "#4C72B0", "dsi": "#DD8452", "random": "#8C8C8C",
              "oracle": "#55A868", "first": "#C44E52"}
    fig, axes = plt.subplots(len(setups), len(games), figsize=(3.3 * len(games), 2.7 * len(setups)),
                             squeeze=False, constrained_layout=True)
    for j, game in enumerate(games):
        for i, setup in enumerate(setups):
            ax = axes[i][j]
            sel = scores[(scores["game"] == game) & (scores["setup"] == setup)]
            dt = _iv(sel[sel["arm"] == "dt"]["return"])
            if np.isfinite(dt["point"]):
                ax.axhline(dt["point"], color="black", ls="--", lw=1.0, label="DT")
                if np.isfinite(dt["low"]):
                    ax.axhspan(dt["low"], dt["high"], color="black", alpha=0.08, lw=0)
            for k, arm in enumerate(arms):
                v = sel[sel["arm"] == arm]["return"].to_numpy()
                iv = _iv(v)
                c = colors.get(arm, "#333333")
                ax.bar(k, iv["point"], width=0.6, color=c, alpha=0.35, edgecolor=c)
                if np.isfinite(iv["low"]):
                    ax.errorbar(k, iv["point"], yerr=[[iv["point"] - iv["low"]], [iv["high"] - iv["point"]]],
                                color=c, capsize=3, lw=1.2)
                run_points(ax, k, v, c)
            ax.set_xticks(range(len(arms)))
            ax.set_xticklabels(arms, fontsize=8)
            ax.set_title(f"{game}, {setup}", fontsize=9)
            if j == 0:
                ax.set_ylabel("return (mean, 95% CI)")
            if i == 0 and j == 0:
                ax.legend(fontsize=7, loc="best")
            ax.grid(False, axis="x")
    fig.suptitle("FDT by feedback selector (same training set, oracle and budget)", fontsize=10)
    seeds = int(scores["seed"].nunique()) if len(scores) else 0
    save_figure(fig, out, scale=scale, seeds=seeds, note="MinAtar")


def claim_rows(evals: pd.DataFrame, games: List[str]) -> List[dict]:
    """FDT(dsi) - FDT(criterion) per seed, Sampling setup, the training set's best return."""
    scores = seed_scores(evals, by="arm")
    rows = []
    for game in games:
        d = _paired(scores, game, "sampling", "dsi", "criterion", by="arm")
        rows += [{"claim": f"cross_dsi_vs_criterion_{game}", "run": f"seed{seed}", "arm": "",
                  "value": float(v)} for seed, v in d.items()]
    return rows


NOTES = [
    "Arms: dt and criterion are FDT's own MinAtar DT and FDT runs (FDT's count-based critical "
    "states); dsi, random, oracle and first are FDT trained on other selections of the same "
    "training set under the same budget N, labelled by the same oracle (docs/cross.md).",
    "Target return: the training set's best episode return; mean return over the test episodes "
    "per seed; differences paired over seeds (95% t-interval).",
    "verdict_dsi_vs_criterion: the project's rule (holds only when the interval over >= 3 seeds "
    "excludes 0 above). This is our question, not a paper's: no paper reports these numbers.",
]


def main(argv=None) -> int:
    from scripts.common.io import read_json, write_csv, write_resolved_config
    from scripts.common.tables import write_table

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["table", "positions", "figure", "claims"])
    p.add_argument("--common", type=json.loads, required=True)
    p.add_argument("--evals", nargs="*", default=[])
    p.add_argument("--stats", nargs="*", default=[])
    p.add_argument("--csv", default="")
    p.add_argument("--md", default="")
    p.add_argument("--out", default="")
    args = p.parse_args(argv)
    c = args.common
    scale, n_seeds = c["scale"], len(c["seeds"])
    if args.kind == "table":
        frame = selector_table(load_arm_evals(args.evals), c["games"], c["setups"])
        write_table(frame, args.csv, args.md, title="Feedback selectors for FDT: FDT's criterion vs "
                    "DSI's detector vs random vs the oracle's disagreements", scale=scale,
                    seeds=n_seeds, interval="95% t-interval", notes=NOTES)
    elif args.kind == "positions":
        frame = positions_table([read_json(s) for s in args.stats], c["games"])
        write_table(frame, args.csv, args.md, title="Feedback selectors: where their positions lie",
                    scale=scale, seeds=n_seeds, interval="no interval (means)",
                    notes=["Means over seeds. mean_rel_position: 0 = the episode's first step, "
                           "1 = its last; (all eligible) is every eligible position, and its neg "
                           "column the oracle's disagreements among them.",
                           "neg_with_best: negative labels whose cell has a best action other "
                           "than the logged one (only these give FDT's negative term).",
                           "jaccard_*: |A & B| / |A | B| of the two selectors' positions."])
    elif args.kind == "figure":
        plot_selectors(load_arm_evals(args.evals), c["games"], c["setups"], scale, args.out)
    else:
        write_resolved_config(args.out, vars(args))
        write_csv(args.out, pd.DataFrame(claim_rows(load_arm_evals(args.evals), c["games"]),
                                         columns=["claim", "run", "arm", "value"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
