"""Per-run values of DSI's claims (config/claims.yaml): results/<scale>/dsi/claims.csv.

- GridWorld-S: per training seed, DSI's F1@2 (best of the thresholds, as the paper computes it)
  minus that of uniform random scores on the same test episodes, one claim per recipe
  (``paper``: the paper's recipe; ``fixed``: our repaired recipe).
- Pong attack: one run = one attack variant (an attacked agent and the detector trained on its
  data); its value is the mean rally-outcome drop (e0 - e1, outcomes in {-1, 0, 1}) when the
  DSI-scored steps are perturbed minus the same with random steps, at the largest k. Rallies
  of one variant are not runs: they are averaged first.
- MinAtar attack (the laptop stand-in): one run = one attacked agent seed; its value is the mean
  return drop at the detector's top-k steps minus that at random steps (or at the agent's
  top-k steps by value), at the largest k.
- MinAtar policy improvement (the stand-in for the Seaquest DQN): one run = one DQN seed; its
  value is DSI's adaptive-horizon final evaluation return minus that of n = 3 (or of the fixed
  n with the highest mean final return) with the same seed.
"""
from __future__ import annotations

import sys

import pandas as pd

from scripts.common import cli
from scripts.common.io import read_json
from scripts.common.scorecard import write_runs

GRID_CLAIMS = {"paper": "dsi_gridworld_beats_random", "fixed": "dsi_gridworld_fixed_beats_random"}
ATTACK_CLAIM = "dsi_attack_beats_random"
MINATAR_CLAIMS = {"random": "dsi_minatar_attack_beats_random", "value": "dsi_minatar_attack_vs_value"}
IMPROVE_CLAIMS = {"n3": "dsi_minatar_improve_vs_n3", "best": "dsi_minatar_improve_vs_best_fixed"}
METRIC = "f1_best_tol2"


def grid_rows(items) -> list:
    rows = []
    for item in items:
        variant, recipe, _abl, seed, path = item.split(":", 4)
        if variant != "S" or recipe not in GRID_CLAIMS:
            continue
        res = read_json(path)
        rows.append({"claim": GRID_CLAIMS[recipe], "run": f"seed{seed}", "arm": "",
                     "value": float(res["dsi"][METRIC]) - float(res["random_uniform"][METRIC])})
    return rows


def attack_rows(items) -> list:
    frames = []
    for item in items:
        variant, k, method, path = item.split(":", 3)
        f = pd.read_csv(path)
        frames.append(pd.DataFrame({"variant": variant, "k": int(k), "method": method,
                                    "drop": (f.e0 - f.e1).astype(float)}))
    if not frames:
        return []
    data = pd.concat(frames, ignore_index=True)
    data = data[data.k == data.k.max()]
    per = data.groupby(["variant", "method"])["drop"].mean().unstack("method")
    if not {"dsi", "random"} <= set(per.columns):
        return []
    return [{"claim": ATTACK_CLAIM, "run": variant, "arm": "", "value": float(r.dsi - r.random)}
            for variant, r in per.iterrows()]


def minatar_rows(paths) -> list:
    """Per attacked agent seed: mean return drop at the detector's top-k steps minus that at
    random (or top-value) steps, at the largest k."""
    if not paths:
        return []
    data = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    data = data[data.k == data.k.max()]
    per = data.assign(drop=data.r0 - data.r1).groupby(["agent_seed", "method"])["drop"].mean().unstack("method")
    rows = []
    for other, claim in MINATAR_CLAIMS.items():
        if {"dsi", other} <= set(per.columns):
            rows += [{"claim": claim, "run": f"seed{s}", "arm": "", "value": float(r.dsi - r[other])}
                     for s, r in per.iterrows()]
    return rows


def improve_rows(paths) -> list:
    """Per DQN seed: DSI's final return minus n3's, and minus the best fixed n's (the fixed n
    with the highest mean final return over seeds)."""
    if not paths:
        return []
    data = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    last = data[data.step == data.step.max()]
    wide = last.pivot_table(index="seed", columns="method", values="return")
    fixed = [c for c in wide.columns if c != "dsi"]
    if "dsi" not in wide or not fixed:
        return []
    best = str(wide[fixed].mean().sort_index().idxmax())
    rows = []
    for key, claim in IMPROVE_CLAIMS.items():
        other = best if key == "best" else key
        if other in wide:
            rows += [{"claim": claim, "run": f"seed{s}", "arm": "", "value": float(r.dsi - r[other])}
                     for s, r in wide.iterrows() if pd.notna(r.dsi) and pd.notna(r[other])]
    return rows


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--out"])
    p.add_argument("--gridworld", nargs="*", default=[], help="variant:recipe:ablation:seed:json")
    p.add_argument("--attack", nargs="*", default=[], help="variant:k:method:csv")
    p.add_argument("--attack-minatar", nargs="*", default=[], help="MinAtar attack CSVs, one per agent seed")
    p.add_argument("--improve-minatar", nargs="*", default=[], help="MinAtar DQN progress CSVs (method x seed)")
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    write_runs(args.out, grid_rows(args.gridworld) + attack_rows(args.attack)
               + minatar_rows(args.attack_minatar) + improve_rows(args.improve_minatar))
    return 0


if __name__ == "__main__":
    sys.exit(main())
