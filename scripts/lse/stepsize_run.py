"""Rule lse_stepsize_run (Fig 11): one NES run of a tabulated SE for the 2x2 EmptyRoom (QL inner
agents) with a given score transform, step size and mirrored flag; records the iterations
needed to solve it (the iteration cap = failed)."""
from __future__ import annotations

import sys

from scripts.common.cli import parser, setup
from scripts.common.io import write_json
from scripts.common.progress import get_logger
from scripts.lse import nes
from scripts.lse.inner import PopulationEvaluator
from scripts.lse.models import SyntheticEnvNet


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--out"])
    ap.add_argument("--index", type=int, required=True)
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.stepsize_run")
    p = args.params
    cfg = p["configs"][args.index]
    nes_cfg = dict(p["nes"], transform=int(cfg["transform"]), step_size=float(cfg["step_size"]),
                   mirrored=bool(cfg["mirrored"]), quit_when_solved=True)
    spec = {"kind": "se_tabular", "env": "room", "net": p["net"], "agent": p["agent"],
            "inner": p["inner"], "solved": float(p["solved"])}
    psi0 = SyntheticEnvNet(1, 4, 4, p["net"], [args.seed]).get_flat()[0]
    ev = PopulationEvaluator(spec, args.threads)
    try:
        state = nes.run_nes(psi0, nes_cfg, args.seed + 7919 * args.index, ev, solved=float(p["solved"]))
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
