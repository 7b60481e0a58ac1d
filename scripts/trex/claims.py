"""Per-run values of T-REX's claims (config/claims.yaml): results/<scale>/trex/claims.csv.

One value per run: a T-REX policy's mean over its evaluation episodes minus the best
demonstration of its stage (MuJoCo: forward distance, per RL seed; Atari: game score, per RL
seed; ranking noise: forward distance per trial at the swap level nearest 85% order
correctness). The best demonstration is one number per stage, so each value is a paired
difference against a constant.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import pandas as pd

from scripts.common import cli
from scripts.common.scorecard import write_runs
from scripts.trex import util

NOISE_LEVEL = 0.85  # "up to around 15% pairwise errors"


@dataclass(frozen=True)
class Noise:
    """The ranking-noise sweep's set-up (config/trex.yaml ``noise``, with its env's stages)."""

    env: str  # the sweep's MuJoCo task
    stage: str  # the stage whose ranking is perturbed
    stages: Dict[str, Dict[str, int]]  # that env's stage -> checkpoint range {first, last}


@dataclass(frozen=True)
class Params:
    """Settings of rule trex_claims: each MuJoCo task's stages and the noise sweep's set-up."""

    stages: Dict[str, Dict[str, Dict[str, int]]]  # task -> stage -> checkpoint range {first, last}
    noise: Optional[Noise]  # None where the sweep is not run at this scale


def _meta(demos: List[str], env: str) -> pd.DataFrame:
    return pd.read_csv(next(d for d in demos if f"/{env}/" in d))


def _best(meta: pd.DataFrame, stages: dict, stage: str, metric: str) -> float:
    # every checkpoint in [first, last] (step 1): the demo metadata holds only the real ones
    ckpts = util.stage_ckpts(stages, 1, stage)
    return float(meta[meta.checkpoint.isin(ckpts)][metric].max())


def mujoco_rows(evals: pd.DataFrame, demos: List[str], stages: Dict[str, dict]) -> List[dict]:
    rows = []
    for env, env_stages in stages.items():
        meta = _meta(demos, env)
        for stage in env_stages:
            best = _best(meta, env_stages, stage, "distance")
            sub = evals[(evals.env == env) & (evals["set"] == stage) & (evals.metric == "distance")]
            for seed, value in sub.groupby("seed")["value"].mean().items():
                rows.append({"claim": f"trex_{env}{stage[len('stage'):]}_beats_demo",
                             "run": f"seed{seed}", "arm": "", "value": value - best})
    return rows


def atari_rows(evals: pd.DataFrame, demos: List[str]) -> List[dict]:
    rows = []
    for game in sorted(evals.env.unique()):
        best = float(_meta(demos, game)["return"].max())
        sub = evals[(evals.env == game) & (evals.metric == "return")]
        for seed, value in sub.groupby("seed")["value"].mean().items():
            rows.append({"claim": f"trex_{game}_beats_demo", "run": f"seed{seed}", "arm": "",
                         "value": value - best})
    return rows


def noise_rows(evals: List[str], pairs: List[str], demos: List[str], env: str, stages: dict,
               stage: str) -> List[dict]:
    trials = []
    for ev, pr in zip(evals, pairs):
        summary = json.loads((Path(pr).parent / "pairs_summary.json").read_text())
        info = util.parse_set(summary["set"])
        frame = pd.read_csv(ev)
        trials.append({"swaps": info["swaps"], "trial": info["trial"],
                       "oc": summary["order_correctness"],
                       "distance": frame[frame.metric == "distance"].value.mean()})
    trials = pd.DataFrame(trials)
    if trials.empty:
        return []
    level = trials.groupby("swaps").oc.mean()
    swaps = int((level - NOISE_LEVEL).abs().idxmin())
    best = _best(_meta(demos, env), stages, stage, "distance")
    return [{"claim": "trex_noise_robust", "run": f"trial{int(t.trial)}", "arm": "",
             "value": t.distance - best} for t in trials[trials.swaps == swaps].itertuples()]


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--out"])
    p.add_argument("--mujoco-evals", nargs="*", default=[])
    p.add_argument("--atari-evals", nargs="*", default=[])
    p.add_argument("--noise-evals", nargs="*", default=[])
    p.add_argument("--noise-pairs", nargs="*", default=[])
    p.add_argument("--demos", nargs="*", default=[])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    params = cli.step_params(Params, args.params)
    rows: List[dict] = []
    if args.mujoco_evals:
        evals = pd.concat([pd.read_csv(e) for e in args.mujoco_evals], ignore_index=True)
        rows += mujoco_rows(evals, args.demos, params.stages)
    if args.atari_evals:
        evals = pd.concat([pd.read_csv(e) for e in args.atari_evals], ignore_index=True)
        rows += atari_rows(evals, args.demos)
    if args.noise_evals:
        n = params.noise
        rows += noise_rows(args.noise_evals, args.noise_pairs, args.demos, n.env, n.stages, n.stage)
    write_runs(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
