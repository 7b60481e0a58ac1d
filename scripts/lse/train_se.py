"""Rule lse_train_se: one NES run of a synthetic environment (one env, variant, seed).

2020 fitness semantics (train only on the SE, then real test episodes). Saves the first psi
whose mean unperturbed score reaches the solved reward (quit_when_solved stops there), else the
best psi flagged unsolved. Also records real-env test transitions of agents trained on the
final SE (real_transitions.npz; the MBRL baseline's data).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Dict

import numpy as np

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import save_npz
from scripts.common.progress import get_logger
from scripts.lse.inner import record_transitions
from scripts.lse.models import SyntheticEnvNet, env_spaces
from scripts.lse.nes_job import run_job, save_outputs


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_train_se: config/lse.yaml's `se.<env>.<variant>` block, plus the
    env, its solved reward and the `se` block's `inner` and `record_agents`."""

    env: str  # the real environment the SE stands in for (cartpole, acrobot)
    solved: float  # the real-env mean test return at which an SE counts as solved
    vary_hp: bool  # vary the inner DDQN agents' HPs per evaluation (the varyhp variant)
    nes: Dict[str, Any]  # the NES outer loop: population, sigma, step_size, transform, mirrored, iterations, ...
    net: Dict[str, Any]  # the SE network's shape: activation, hidden_size, hidden_layer
    agent: Dict[str, Any]  # the inner DDQN agent's HPs
    inner: Dict[str, Any]  # the inner run's budget and early-out rule (train_episodes, early_out_num, ...)
    record_agents: int  # agents trained on the final SE whose real test transitions are kept


def pack(rows):
    if not rows:
        return {}
    s, a, s2, r, d = zip(*rows)
    return {"s": np.asarray(s, np.float32), "a": np.asarray(a, np.int64),
            "s2": np.asarray(s2, np.float32), "r": np.asarray(r, np.float32),
            "done": np.asarray(d, bool)}


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--out-dir"])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out_dir)
    log = get_logger("lse.train_se")
    p = step_params(Params, args.params)
    env = p.env
    obs_dim, n_act, _, _ = env_spaces(env)
    spec = {"kind": "se", "env": env, "net": p.net, "agent": p.agent,
            "agent_kind": "ddqn", "inner": p.inner, "vary_hp": p.vary_hp}
    psi0 = SyntheticEnvNet(1, obs_dim, n_act, p.net, [args.seed]).get_flat()[0]
    log.info("SE %s seed %d: %d parameters, NES %s, vary_hp %s", env, args.seed, psi0.size,
             p.nes, p.vary_hp)
    state = run_job(spec, p.nes, psi0, args.seed, args.out_dir, args.threads, log,
                    solved=p.solved)
    # config.yaml: the settings as the rule passed them
    psi = save_outputs(state, args.out_dir, dict(args.params, seed=args.seed, n_params=int(psi0.size)),
                       se_semantics=True)
    rows = record_transitions(env, p.net, psi, "ddqn", p.agent, p.inner, p.vary_hp,
                              p.record_agents, args.seed)
    data = pack(rows["test"])
    save_npz(f"{args.out_dir}/real_transitions.npz", **data)
    log.info("saved %d real test transitions", len(rows["test"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
