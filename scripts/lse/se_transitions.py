"""Rule lse_se_transitions (Fig 4/8 data): agents with varied HPs trained on one SE and tested
on the real env; keeps the SE training transitions, the real test transitions, and the SE's
prediction on the real test (s, a)."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Dict

import numpy as np
import torch

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import save_npz
from scripts.common.progress import get_logger
from scripts.lse.inner import record_transitions
from scripts.lse.models import SyntheticEnvNet, env_spaces
from scripts.lse.nes_job import load_model


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_se_transitions: the agent (config/lse.yaml's `se.eval` block) and
    the `se.transitions` block's `n_agents`."""

    env: str  # the real environment (cartpole, acrobot)
    agent_kind: str  # the agent trained on the SE (ddqn)
    agent: Dict[str, Any]  # its base HPs (`se.eval.agent_hp.<agent_kind>`), varied per agent
    inner: Dict[str, Any]  # the training budget and early-out rule (train_episodes, early_out_num, ...)
    n_agents: int  # agents trained on the SE (agent k seeded 5000 + k)


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--out"], required_many=["--models"])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.se_transitions")
    p = step_params(Params, args.params)
    env, kind = p.env, p.agent_kind
    models = [load_model(m) for m in args.models]
    pick = next((i for i, m in enumerate(models) if m["solved"]), 0)
    model = models[pick]
    log.info("SE %s (solved: %s)", args.models[pick], model["solved"])
    obs_dim, n_act, _, _ = env_spaces(env)
    # agent k seeded 5000 + k, its HPs varied
    rows = record_transitions(env, model["config"]["net"], model["psi"], kind, p.agent,
                              p.inner, True, p.n_agents, 5)
    train, test = rows["train"], rows["test"]
    se = SyntheticEnvNet(1, obs_dim, n_act, model["config"]["net"], [0])
    se.set_flat(model["psi"])
    ts = np.asarray([t[0] for t in test], np.float32)
    ta = np.asarray([t[1] for t in test], np.int64)
    with torch.no_grad():
        ps2, pr, _ = se(torch.as_tensor(ts).unsqueeze(0), torch.as_tensor(ta).unsqueeze(0))
    save_npz(args.out, se_s2=np.asarray([t[2] for t in train], np.float32),
             se_r=np.asarray([t[3] for t in train], np.float32),
             real_s2=np.asarray([t[2] for t in test], np.float32),
             real_r=np.asarray([t[3] for t in test], np.float32),
             pred_s2=ps2[0].numpy(), pred_r=pr[0].numpy(), solved=np.asarray(model["solved"]))
    log.info("%d SE training and %d real test transitions", len(train), len(test))
    return 0


if __name__ == "__main__":
    sys.exit(main())
