"""Rule lse_se_transitions (Fig 4/8 data): agents with varied HPs trained on one SE and tested
on the real env; keeps the SE training transitions, the real test transitions, and the SE's
prediction on the real test (s, a)."""
from __future__ import annotations

import sys

import numpy as np
import torch

from scripts.common.cli import parser, setup
from scripts.common.io import save_npz
from scripts.common.progress import get_logger
from scripts.lse.inner import record_transitions
from scripts.lse.models import SyntheticEnvNet, env_spaces
from scripts.lse.nes_job import load_model


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--out"], required_many=["--models"])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.se_transitions")
    p = args.params
    env, kind = p["env"], p["agent_kind"]
    models = [load_model(m) for m in args.models]
    pick = next((i for i, m in enumerate(models) if m["solved"]), 0)
    model = models[pick]
    log.info("SE %s (solved: %s)", args.models[pick], model["solved"])
    obs_dim, n_act, _, _ = env_spaces(env)
    # agent k seeded 5000 + k, its HPs varied
    rows = record_transitions(env, model["config"]["net"], model["psi"], kind, p["agent"],
                              p["inner"], True, int(p["n_agents"]), 5)
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
