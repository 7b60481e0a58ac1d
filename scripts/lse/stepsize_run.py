"""Rule lse_stepsize_run (Fig 11): one NES run of a tabulated SE for the 2x2 EmptyRoom (QL inner
agents) with a given score transform, step size and mirrored flag; records the iterations
needed to solve it (the iteration cap = failed)."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Dict, List

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import write_json
from scripts.common.progress import get_logger
from scripts.lse import nes
from scripts.lse.inner import PopulationEvaluator
from scripts.lse.models import SyntheticEnvNet


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_stepsize_run: config/lse.yaml's `stepsize` block, plus the grid of
    runs it spans."""

    # the runs, one per --index: {transform, step_size, mirrored} (the grid below, mirrored outermost)
    configs: List[Dict[str, Any]]
    solved: float  # EmptyRoom22's solved reward: an SE is solved when the mean score exceeds it
    nes: Dict[str, Any]  # the NES settings shared by every run: population, sigma, iterations, ...
    net: Dict[str, Any]  # the tabulated SE's shape: activation, hidden_size, hidden_layer
    agent: Dict[str, Any]  # the inner Q-learning agent: algo, alpha, gamma, eps
    inner: Dict[str, Any]  # the inner run's budget and early-out rule (train_episodes, early_out_num, ...)
    transforms: List[int]  # not read by this step; passed with its config block (the grid's score transforms)
    step_sizes: List[float]  # not read by this step; passed with its config block (the grid's step sizes)
    mirrored: List[bool]  # not read by this step; passed with its config block (the grid's mirrored flags)


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--out"])
    ap.add_argument("--index", type=int, required=True)
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.stepsize_run")
    p = step_params(Params, args.params)
    cfg = p.configs[args.index]
    nes_cfg = dict(p.nes, transform=int(cfg["transform"]), step_size=float(cfg["step_size"]),
                   mirrored=bool(cfg["mirrored"]), quit_when_solved=True)
    spec = {"kind": "se_tabular", "env": "room", "net": p.net, "agent": p.agent,
            "inner": p.inner, "solved": p.solved}
    psi0 = SyntheticEnvNet(1, 4, 4, p.net, [args.seed]).get_flat()[0]
    ev = PopulationEvaluator(spec, args.threads)
    try:
        state = nes.run_nes(psi0, nes_cfg, args.seed + 7919 * args.index, ev, solved=p.solved)
    finally:
        ev.close()
    solved_it = state["solved_it"]
    iters = int(nes_cfg["iterations"]) if solved_it is None else int(solved_it) + 1
    log.info("config %s: solved at %s", cfg, solved_it)
    write_json(args.out, {**cfg, "seed": args.seed, "iterations_to_solve": iters,
                          "solved": solved_it is not None, "max_iterations": int(nes_cfg["iterations"]),
                          "score_orig": [r["score_orig_mean"] for r in state["rows"]]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
