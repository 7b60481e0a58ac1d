"""Per-run values of FDT's claims (config/claims.yaml): results/<scale>/fdt/claims.csv.

One value per training seed: FDT's return minus DT's (or BC's) of the same seed, in the
Sampling setup at the scale's main target return, each model's per-seed score computed as in
the appendix tables (scripts.fdt.tables.per_seed_scores).
"""
from __future__ import annotations

import json
import sys

from scripts.common import cli
from scripts.common.scorecard import write_runs
from scripts.fdt.tables import _select, load_evals, paired_diffs

SETUP = "sampling"


def claim_rows(scores, common: dict) -> list:
    rows = []
    for game in common["games"]:
        rtg = common["main_rtg"][game]
        fdt = _select(scores, game, "fdt", common["main"][game], SETUP, rtg, common["seeds"])
        for other in ("dt", "bc"):
            base = _select(scores, game, other, "base", SETUP, rtg, common["seeds"])
            seeds = fdt.index.intersection(base.index)
            for seed, value in zip(seeds, paired_diffs(fdt, base)):
                rows.append({"claim": f"fdt_beats_{other}_{game}", "run": f"seed{seed}",
                             "arm": "", "value": float(value)})
    return rows


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--out"],
                   required_many=["--evals"])
    p.add_argument("--common", type=json.loads, required=True)
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    write_runs(args.out, claim_rows(load_evals(args.evals), args.common))
    return 0


if __name__ == "__main__":
    sys.exit(main())
