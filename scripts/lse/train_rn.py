"""Rule lse_train_rn: one NES run of a reward network (one env, one mode, one seed).

Threshold objective; the best-so-far psi (by mean unperturbed score) is always saved.
Outputs: model.pt (flat Linear parameters), log.csv (per iteration), config.yaml.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List

from scripts.common.cli import parser, setup, step_params
from scripts.common.progress import get_logger
from scripts.lse.models import env_spaces, make_rn
from scripts.lse.nes_job import run_job, save_outputs


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_train_rn: config/lse.yaml's `rn.<env>` block (less `eval` and
    `modes`), plus the env and the `rn` block's `nes` and `unsolved_weight`."""

    env: str  # the real environment (cliff, cartpole, cmc, halfcheetah)
    solved: float  # the mean test return at which an inner run stops (threshold objective)
    agent_kind: str  # the inner agent (ql, ddqn, td3)
    net: Dict[str, Any]  # the reward network's shape: activation, hidden_size, hidden_layer
    agent: Dict[str, Any]  # the inner agent's HPs
    inner: Dict[str, Any]  # the inner run's budget: train_episodes, early_out_num (, episode_cap)
    nes: Dict[str, Any]  # the NES outer loop: population, sigma, step_size, transform, mirrored, iterations, ...
    unsolved_weight: float  # penalty weight on the extra test of an inner run that never solved
    # env info entries the reward network also sees (HalfCheetah's modes 101/102); none elsewhere
    info_keys: List[str] = field(default_factory=list)


def rn_spec(p: Params, mode):
    tabular = p.env == "cliff"
    return {"kind": "rn_tabular" if tabular else "rn", "env": p.env, "mode": int(mode),
            "net": p.net, "agent": p.agent, "agent_kind": p.agent_kind,
            "inner": p.inner, "solved": p.solved,
            "unsolved_weight": p.unsolved_weight, "info_keys": p.info_keys}


def initial_psi(p: Params, mode, seed):
    if p.env == "cliff":
        obs_dim = 48
    else:
        obs_dim = env_spaces(p.env)[0]
    rn = make_rn(int(mode), 1, obs_dim, len(p.info_keys), p.net, [seed])
    return rn.get_flat()[0]


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--out-dir"])
    ap.add_argument("--mode", type=int, required=True)
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out_dir)
    log = get_logger("lse.train_rn")
    p = step_params(Params, args.params)
    spec = rn_spec(p, args.mode)
    psi0 = initial_psi(p, args.mode, args.seed)
    log.info("RN %s mode %d seed %d: %d parameters, NES %s", p.env, args.mode, args.seed,
             psi0.size, p.nes)
    state = run_job(spec, p.nes, psi0, args.seed, args.out_dir, args.threads, log)
    # config.yaml: the settings as the rule passed them
    save_outputs(state, args.out_dir, dict(args.params, mode=args.mode, seed=args.seed, n_params=int(psi0.size)),
                 se_semantics=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
