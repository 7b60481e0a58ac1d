"""Per-run values of the MinAtar stand-in claims (config/claims.yaml, ``runs:
claims_minatar.csv``): per game and RL seed, the T-REX policy's mean true score over its
evaluation episodes minus the best of the game's 12 demonstrations (a paired difference against
a constant), claim id ``trex_minatar_<game>_beats_demo``."""
from __future__ import annotations

import sys
from typing import Dict, List

import pandas as pd

from scripts.common import cli
from scripts.common.io import read_csv_checked, read_tidy
from scripts.common.scorecard import write_runs


def minatar_claim_rows(evals: pd.DataFrame, best_demo: Dict[str, float]) -> List[dict]:
    rows = []
    for game in sorted(best_demo):
        sub = evals[(evals.env == f"minatar-{game}") & (evals.metric == "return") & (evals.method == "T-REX")]
        for seed, value in sub.groupby("seed")["value"].mean().items():
            rows.append({"claim": f"trex_minatar_{game}_beats_demo", "run": f"seed{seed}", "arm": "",
                         "value": float(value) - best_demo[game]})
    return rows


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--out"],
                   required_many=["--evals", "--demos"])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    evals = read_tidy(args.evals, metrics=["return"])
    best = {}
    for path in args.demos:
        game = path.replace("\\", "/").split("/")[-2]
        best[game] = float(read_csv_checked(path, columns=["return"], no_na=True)["return"].max())
    write_runs(args.out, minatar_claim_rows(evals, best))
    return 0


if __name__ == "__main__":
    sys.exit(main())
