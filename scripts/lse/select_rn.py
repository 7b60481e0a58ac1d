"""Rule lse_select_rn: the best reward networks of one (env, mode) by the NES loss
(loss = -best mean unperturbed score), sorted ASCENDING (the original's eval scripts sorted
descending after the AUC switch and so took the worst)."""
from __future__ import annotations

import sys
from dataclasses import dataclass

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import write_json
from scripts.common.progress import get_logger
from scripts.lse.nes_job import load_model


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_select_rn: config/lse.yaml's `rn` block's `n_best`."""

    n_best: int  # how many reward networks to keep (the lowest losses)


def rank_models(paths, n_best):
    losses = [-load_model(p)["best_score"] for p in paths]
    order = sorted(range(len(paths)), key=lambda i: (losses[i], i))
    return [{"path": paths[i], "loss": losses[i]} for i in order[:n_best]]


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False, required=["--out"], required_many=["--models"])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    p = step_params(Params, args.params)
    best = rank_models(args.models, p.n_best)
    get_logger("lse.select_rn").info("selected %s", best)
    write_json(args.out, {"models": best})
    return 0


if __name__ == "__main__":
    sys.exit(main())
