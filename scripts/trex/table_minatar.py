"""Table 1 on the MinAtar stand-in: per game the best and average demonstration, T-REX (mean
[95% CI] over the RL seeds, and the paper's best-of-seeds), the constant-reward control and the
uniform random policy, all on the true game score; beside them the paper's ALE numbers for the
game of the same name (MinAtar's games are miniatures of those, not the same games)."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.io import read_csv_checked, read_tidy
from scripts.common.stats import aggregate
from scripts.common.tables import fmt_ci, load_reported, write_table
from scripts.common.verdict import verdict
from scripts.trex.plan_minatar import STAND_IN


def _game(env: str) -> str:
    return env[len("minatar-"):] if env.startswith("minatar-") else env


def _mean_ci(sub: pd.DataFrame) -> tuple:
    """(mean, low, high, text) over seeds of the per-seed mean return; NaNs when there are none."""
    if sub.empty:
        return np.nan, np.nan, np.nan, ""
    agg = aggregate(sub, ["env"]).iloc[0]
    return agg.point, agg.ci_low, agg.ci_high, fmt_ci(agg.point, agg.ci_low, agg.ci_high, digits=2)


def minatar_rows(evals: pd.DataFrame, demos: dict, reported: pd.DataFrame) -> list:
    """One row per game. ``evals``: tidy return rows of methods T-REX, control and random;
    ``demos``: game -> demos_meta frame; ``reported``: the paper's Atari rows."""
    rows = []
    for game in sorted(demos):
        meta = demos[game]
        sub = evals[evals.env.map(_game) == game]
        trex, ctrl, rand = (sub[sub.method == m] for m in ("T-REX", "control", "random"))
        per_seed = trex.groupby("seed")["value"].mean()
        t_mean, t_lo, t_hi, t_txt = _mean_ci(trex)
        c_mean, _, _, c_txt = _mean_ci(ctrl)
        best = float(meta["return"].max())

        def paper(method):
            r = reported[(reported.env == game) & (reported.method == method)]
            return float(r.value.iloc[0]) if len(r) else np.nan

        vs = verdict(per_seed.to_numpy() - best, null=0.0, direction="greater")
        rows.append({"game": f"{game} ({STAND_IN})", "demos": int(len(meta)), "best_demo": best,
                     "avg_demo": float(meta["return"].mean()),
                     "trex_mean": t_mean, "trex_ci_low": t_lo, "trex_ci_high": t_hi, "trex_mean_ci": t_txt,
                     "trex_best_of_seeds": float(per_seed.max()) if len(per_seed) else np.nan,
                     "rl_seeds": int(len(per_seed)),
                     "trex_minus_best_demo": vs.interval.point,
                     "trex_minus_best_demo_ci": fmt_ci(vs.interval.point, vs.interval.low,
                                                       vs.interval.high, digits=2)
                     if vs.interval.has_interval else "",
                     "vs_best_demo": vs.verdict,
                     "control_mean": c_mean, "control_ci": c_txt,
                     "random_mean": float(rand.value.mean()) if len(rand) else np.nan,
                     "episodes_per_seed": int(trex.groupby("seed").size().min()) if len(trex) else 0,
                     "paper_ale_best_demo": paper("best_demo"), "paper_ale_avg_demo": paper("avg_demo"),
                     "paper_ale_trex": paper("T-REX")})
    return rows


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--scale", "--out-csv", "--out-md"],
                   required_many=["--evals", "--demos"])
    args = p.parse_args(argv)
    evals = read_tidy(args.evals, metrics=["return"])
    evals = evals[evals.metric == "return"]
    demos = {}
    for path in args.demos:
        game = path.replace("\\", "/").rstrip("/").split("/")[-2]
        demos[game] = read_csv_checked(path, columns=["episode", "checkpoint", "return"], no_na=True)
    rep = load_reported("trex")
    rep = rep[rep.experiment == "atari"]
    table = pd.DataFrame(minatar_rows(evals, demos, rep))
    n_seeds = int(evals[evals.method == "T-REX"].seed.nunique())
    write_table(table, args.out_csv, args.out_md,
                title=f"T-REX Table 1 on MinAtar ({STAND_IN} for the ALE; true game score)",
                scale=args.scale, seeds=n_seeds,
                notes=[f"{STAND_IN}: MinAtar's 10x10 miniatures of the ALE games (sticky actions 0.1, "
                       "difficulty ramping), not the paper's games; the paper_ale_* columns are the paper's "
                       "ALE numbers for the game of the same name, for orientation only.",
                       "Demos: one stochastic episode per early checkpoint of our PPO demonstrator (the "
                       "random initial policy first), ranked by true score. T-REX: PPO on sigmoid(r_hat) "
                       "of each frame; episodes_per_seed stochastic episodes per RL seed, true score.",
                       "trex_minus_best_demo: each seed's mean score minus the best demo, mean [95% CI] over "
                       "seeds; vs_best_demo: the verdict rule (scripts/common/verdict.py) on it (>= 3 "
                       "seeds); best_of_seeds is the paper's protocol.",
                       "control: PPO on a constant reward of 1 per step (no reward net); random: uniform "
                       "random actions. MinAtar shows no score, so no frame is masked."])
    return 0


if __name__ == "__main__":
    sys.exit(main())
