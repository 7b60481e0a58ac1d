"""Per-run values of LSE's claims (config/claims.yaml): results/<scale>/lse/claims.csv.

Both LSE claim families compare two sets of runs that are not paired, so each row carries an
arm: ``a`` the baseline's runs, ``b`` the learned environment's, and the claim's ratio
statistic is a / b in geometric means (scripts.common.verdict, Welch on the log scale).

- RN speed-up (Fig. 5): one run = one group (a selected reward network and the agents trained
  on it; native baselines: groups of as many agents), its value the mean steps to the
  threshold (censored at the run's total steps when never reached), as in Fig. 5/9's table.
- SE steps (Fig. 3): one run = one model's agents (real env: one group of agents per seed),
  its value the agents' mean training steps.
- SE solves (Fig. 3): one run = one SE's agents (trained only on the SE, varied HPs), its value
  the fraction of them whose mean real-env test return reaches the env's solved reward (a
  one-sample statistic, no arm).
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.io import read_csvs
from scripts.common.scorecard import write_runs
from scripts.lse.fig5_9 import group_steps, load_run_set
from scripts.lse.plan import SE_CLAIM_MODES

RN_CLAIMS = {  # claim id -> (env, protocol, mode)
    "lse_cliff_rn_add_pot_speedup": ("cliff", "default", 2),
    "lse_cliff_rn_add_nonpot_speedup": ("cliff", "default", 6),
    "lse_cliff_rn_varyhp_speedup": ("cliff", "varyhp", 6),
}
# the SE claims' modes come from the plan (which leaves out the claims of modes a scale skips)
SE_CLAIMS = {c: ("cartpole", "ddqn", "real", SE_CLAIM_MODES[c])
             for c in ("lse_cartpole_se_fewer_steps", "lse_cartpole_se_fixhp_fewer_steps")}
SOLVE_CLAIMS = {c: ("cartpole", "ddqn", SE_CLAIM_MODES[c], 195.0)  # solved: CartPole-v0
                for c in ("lse_cartpole_se_solves", "lse_cartpole_se_fixhp_solves")}


def rn_rows(runs: dict) -> list:
    rows = []
    for claim, (env, proto, mode) in RN_CLAIMS.items():
        if (env, proto, 0) not in runs or (env, proto, mode) not in runs:
            continue
        for arm, m in (("a", 0), ("b", mode)):
            g = group_steps(runs[(env, proto, m)])
            rows += [{"claim": claim, "run": f"mode{m}-group{int(r.group)}", "arm": arm,
                      "value": float(r.steps)} for r in g.itertuples()]
    return rows


def se_rows(frame: pd.DataFrame) -> list:
    rows = []
    if frame.empty:
        return rows
    for claim, (env, agent, base, learned) in SE_CLAIMS.items():
        sub = frame[(frame["agent"] == agent) & (frame["metric"] == "steps")]
        if "env" in sub.columns:
            sub = sub[sub["env"] == env]
        if not (sub["method"] == learned).any():  # this scale trains no agent on that SE variant
            continue
        for arm, method in (("a", base), ("b", learned)):
            per_run = sub[sub["method"] == method].groupby("seed")["value"].mean()
            rows += [{"claim": claim, "run": f"{method}-seed{seed}", "arm": arm,
                      "value": float(v)} for seed, v in per_run.items() if np.isfinite(v)]
    for claim, (env, agent, method, solved) in SOLVE_CLAIMS.items():
        sub = frame[(frame["agent"] == agent) & (frame["metric"] == "test_return")
                    & (frame["method"] == method)]
        if "env" in sub.columns:
            sub = sub[sub["env"] == env]
        per_run = (sub["value"] >= solved).groupby(sub["seed"]).mean()
        rows += [{"claim": claim, "run": f"{method}-seed{seed}", "arm": "", "value": float(v)}
                 for seed, v in per_run.items()]
    return rows


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--out"])
    p.add_argument("--rn", nargs="*", default=[], help="ENV/PROTOCOL/MODE=eval_rn npz")
    p.add_argument("--se", nargs="*", default=[], help="eval_se CSVs (CartPole)")
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    runs = {}
    for item in args.rn:
        key, path = item.split("=", 1)
        env, proto, mode = key.split("/")
        runs[(env, proto, int(mode))] = load_run_set(path)
    rows = rn_rows(runs)
    if args.se:
        rows += se_rows(read_csvs(args.se))
    write_runs(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
