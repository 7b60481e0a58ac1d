"""MinAtar stand-in tables: the behaviour log's return distribution and the oracle's return
against random play and against the log's best episodes, per game (the analogue of the paper's
description of DQN Replay and of its C51 oracle, Fig. A1). The logging speed against MinAtar's
raw stepping stays in each log's manifest.json, not in a table (tables are byte-reproducible).

Also the Appendix Tables 4-5 and 10 analogues, the FDT - DT sweep figure over target returns
and the per-seed claim values, from scripts.fdt.minatar_train's and minatar_critical's outputs.

CLI: ``python -m scripts.fdt.minatar_tables log|a5|a10|sweep|claims --common JSON ...``
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Dict, List

import numpy as np
import pandas as pd

from scripts.common.io import read_json
from scripts.common.tables import write_table


def log_table(manifests: List[dict]) -> pd.DataFrame:
    """One row per game from ``scripts.fdt.minatar_log`` manifests."""
    rows = []
    for m in manifests:
        lg, orc, rnd = m["log"], m["oracle"], m["random"]
        rows.append({
            "game": m["game"], "env": "MinAtar stand-in", "agent_steps": m["agent_steps"],
            "log_episodes": lg["episodes"], "log_mean": round(lg["mean"], 2),
            "log_first_tenth": round(lg["first_tenth_mean"], 2),
            "log_last_tenth": round(lg["last_tenth_mean"], 2),
            "log_median": lg["median"], "log_p90": lg["p90"], "log_max": lg["max"],
            "log_best10_mean": round(lg["best10_mean"], 2),
            "oracle_mean": round(orc["mean"], 2), "oracle_std": round(orc["std"], 2),
            "random_mean": round(rnd["mean"], 2),
            "oracle_minus_random": round(orc["mean"] - rnd["mean"], 2),
            "oracle_minus_log_best10": round(orc["mean"] - lg["best10_mean"], 2),
            # no speeds here: a table must be byte-identical between two runs; the log's
            # manifest.json keeps them (agent_steps_per_s, raw_minatar_steps_per_s)
        })
    return pd.DataFrame(rows)


def load_evals(paths: List[str]) -> pd.DataFrame:
    """Every evaluation episode (scripts.fdt.minatar_train's rows)."""
    from scripts.common.io import read_csvs

    return read_csvs(paths)


def seed_scores(evals: pd.DataFrame, fraction: float = 1.0, by: str = "model") -> pd.DataFrame:
    """Mean return per (game, ``by``, setup, seed) at one target-return fraction."""
    sub = evals[np.isclose(evals["rtg_fraction"], fraction)]
    return sub.groupby(["game", by, "setup", "seed"], as_index=False)["return"].mean()


def _paired(scores: pd.DataFrame, game: str, setup: str, a: str, b: str,
            by: str = "model") -> pd.Series:
    """Per-seed return of ``a`` minus ``b`` in column ``by`` (seeds both have)."""
    sel = scores[(scores["game"] == game) & (scores["setup"] == setup)]
    x = sel[sel[by] == a].set_index("seed")["return"]
    y = sel[sel[by] == b].set_index("seed")["return"]
    common = x.index.intersection(y.index)
    return (x[common] - y[common]).sort_index()


def _iv(values) -> Dict[str, object]:
    from scripts.common.verdict import fmt_interval, t_interval

    iv = t_interval(np.asarray(values, dtype=float))
    return {"point": iv.point, "low": iv.low, "high": iv.high, "text": fmt_interval(iv)}


def table_a5(evals: pd.DataFrame, games: List[str], setups: List[str]) -> pd.DataFrame:
    """Per game and setup at the training set's best return: each model's mean over seeds
    (95% t-interval) and FDT - DT, FDT - BC paired over seeds with their verdicts."""
    from scripts.common.verdict import verdict

    scores = seed_scores(evals)
    rows = []
    for game in games:
        for setup in setups:
            row: Dict[str, object] = {"game": game, "env": "MinAtar stand-in", "setup": setup}
            for m in ("fdt", "dt", "bc"):
                v = scores[(scores["game"] == game) & (scores["setup"] == setup)
                           & (scores["model"] == m)]["return"]
                row[m] = _iv(v)["text"]
                row[f"{m}_mean"] = float(v.mean()) if len(v) else float("nan")
            for other in ("dt", "bc"):
                d = _paired(scores, game, setup, "fdt", other)
                iv = _iv(d)
                row[f"fdt_minus_{other}"] = iv["text"]
                row[f"fdt_minus_{other}_low"] = iv["low"]
                row[f"fdt_minus_{other}_high"] = iv["high"]
                row[f"verdict_vs_{other}"] = verdict(d.to_numpy(), null=0.0,
                                                     direction="greater").verdict
            row["seeds"] = int(scores[(scores["game"] == game)]["seed"].nunique())
            rows.append(row)
    return pd.DataFrame(rows)


def table_a10(stats: List[dict]) -> pd.DataFrame:
    """Table 10's columns per game, mean over seeds."""
    frame = pd.DataFrame(stats)
    cols = ["pos", "aligned", "neg", "ignored", "important_states", "cells", "label_positive_rate",
            "transitions", "max_return", "mean_return"]
    out = frame.groupby(["game", "gamma", "budget"], as_index=False)[cols].mean()
    out.insert(1, "env", "MinAtar stand-in")
    out["seeds"] = frame.groupby(["game", "gamma", "budget"])["seed"].nunique().to_numpy()
    return out.round(3)


def sweep_frame(evals: pd.DataFrame, game: str) -> pd.DataFrame:
    """FDT - DT per seed at each target return of ``game`` (rows: setup, fraction, rtg, delta)."""
    rows = []
    sub = evals[evals["game"] == game]
    for frac in sorted(sub["rtg_fraction"].unique()):
        scores = seed_scores(sub, frac)
        rtg = float(sub[np.isclose(sub["rtg_fraction"], frac)]["rtg"].iloc[0])
        for setup in sorted(scores["setup"].unique()):
            d = _paired(scores, game, setup, "fdt", "dt")
            iv = _iv(d)
            rows.append({"setup": setup, "rtg_fraction": float(frac), "rtg": rtg,
                         "delta": iv["point"], "low": iv["low"], "high": iv["high"], "n": len(d)})
    return pd.DataFrame(rows)


def plot_sweep(frame: pd.DataFrame, game: str, scale: str, out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scripts.common.plotting import apply_style, save_figure

    apply_style()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for setup, g in frame.groupby("setup"):
        g = g.sort_values("rtg")
        ax.plot(g["rtg"], g["delta"], marker="o", label=setup)
        ax.fill_between(g["rtg"], g["low"], g["high"], alpha=0.2)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("target return")
    ax.set_ylabel("FDT − DT return (paired, 95% CI)")
    ax.set_title(f"{game} (MinAtar stand-in)", fontsize=9)
    ax.legend(fontsize=8)
    seeds = int(frame["n"].max()) if len(frame) else 0
    save_figure(fig, out, scale=scale, seeds=seeds, note="MinAtar stand-in")


def claim_rows(evals: pd.DataFrame, games: List[str]) -> List[dict]:
    """FDT - DT and FDT - BC per seed, Sampling setup, the training set's best return."""
    scores = seed_scores(evals)
    rows = []
    for game in games:
        for other in ("dt", "bc"):
            d = _paired(scores, game, "sampling", "fdt", other)
            rows += [{"claim": f"fdt_minatar_beats_{other}_{game}", "run": f"seed{seed}", "arm": "",
                      "value": float(v)} for seed, v in d.items()]
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["log", "a5", "a10", "sweep", "claims"])
    p.add_argument("--common", type=json.loads, required=True)
    p.add_argument("--manifests", nargs="*", default=[])
    p.add_argument("--evals", nargs="*", default=[])
    p.add_argument("--stats", nargs="*", default=[])
    p.add_argument("--csv", default="")
    p.add_argument("--md", default="")
    p.add_argument("--out", default="")
    args = p.parse_args(argv)
    c = args.common
    scale, n_seeds = c["scale"], len(c["seeds"])
    if args.kind == "log":
        frame = log_table([read_json(path, keys=["log", "oracle", "random"])
                           for path in args.manifests])
        write_table(frame, args.csv, args.md,
                    title="MinAtar stand-in: behaviour log and oracle returns", scale=scale, seeds=1,
                    notes=LOG_NOTES)
    elif args.kind == "a5":
        frame = table_a5(load_evals(args.evals), c["games"], c["setups"])
        write_table(frame, args.csv, args.md,
                    title="Appendix Tables 4-5, MinAtar stand-in: FDT vs DT vs BC",
                    scale=scale, seeds=n_seeds, interval="95% t-interval",
                    notes=["Target return: the training set's best episode return (the laptop "
                           "ALE run's dataset_max); mean return over the test episodes per seed.",
                           "fdt_minus_dt / fdt_minus_bc: paired over training seeds (same "
                           "training set); verdict: the project's one rule (holds only when the "
                           "95% interval over >= 3 seeds excludes 0).",
                           "The paper's numbers are ALE Breakout/Qbert/Pong/Seaquest on DQN "
                           "Replay (config/reported/fdt.csv); MinAtar games and scores are not "
                           "comparable, only the sign of the differences."])
    elif args.kind == "a10":
        frame = table_a10([read_json(path) for path in args.stats])
        write_table(frame, args.csv, args.md,
                    title="Appendix Table 10, MinAtar stand-in: feedback statistics",
                    scale=scale, seeds=n_seeds,
                    notes=["Mean over seeds. pos/neg: positive/negative feedback in the budget; "
                           "aligned: positives whose logged action is the cell's best action; "
                           "ignored: negatives whose logged action already is; important_states: "
                           "candidates before the budget; cells: distinct MinAtar frames seen; "
                           "label_positive_rate: oracle agreement over the training set."])
    elif args.kind == "sweep":
        frame = sweep_frame(load_evals(args.evals), c["sweep_game"])
        plot_sweep(frame, c["sweep_game"], scale, args.out)
    else:
        from scripts.common.scorecard import write_runs

        write_runs(args.out, claim_rows(load_evals(args.evals), c["games"]))
    return 0


LOG_NOTES = ["One DQN run per game (seed 0): its whole training experience is the behaviour log, "
             "its final greedy network the oracle (docs/fidelity/fdt.md).",
             "log_*: raw returns of the logged episodes (first/last tenth in chronological "
             "order); oracle/random: one episode per env, mean (std) over eval_episodes.",
             "Speeds (agent steps per second while logging, against MinAtar's raw stepping on "
             "the same envs) are in each log's manifest.json under results/, not here.",
             "The paper's behaviour data is DQN Replay on the ALE; no paper values."]


if __name__ == "__main__":
    sys.exit(main())
