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
from scripts.lse.agents import vary_hps
from scripts.lse.inner import make_agent
from scripts.lse.models import MAX_STEPS, RealBatch, SEBatch, SyntheticEnvNet, env_spaces
from scripts.lse.nes_job import load_model
from scripts.lse.runner import Runner


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--out", required=True)
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
    train, test = [], []
    for k in range(int(p["n_agents"])):
        seed = 5000 + k
        hp = vary_hps(p["agent"], np.random.default_rng(seed), kind)
        se = SyntheticEnvNet(1, obs_dim, n_act, model["config"]["net"], [seed])
        se.set_flat(model["psi"])
        agent = make_agent(kind, 1, obs_dim, n_act, hp, [seed])
        inner = p["inner"]
        cap = inner.get("episode_cap")
        runner = Runner(agent, SEBatch(se, env, [seed], MAX_STEPS[env], cap),
                        RealBatch(env, [seed + 17], max_steps=cap),
                        protocol="se", episodes=inner["train_episodes"],
                        early_out_num=inner["early_out_num"], early_out_diff=inner["early_out_diff"],
                        test_episodes=inner["test_episodes"], record=True,
                        max_total_steps=inner.get("max_total_steps"))
        runner.run()
        train += runner.transitions["train"]
        test += runner.transitions["test"]
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
