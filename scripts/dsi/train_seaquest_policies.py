"""Seaquest DQN policies of varied quality for the detector's data (rule
dsi_train_seaquest_policies): tianshou DQN (tianshou 0.4.11 atari_dqn defaults), checkpoints
saved at several env-step counts. Resumes from its last checkpoint (buffer re-warmed)."""
from __future__ import annotations

import os

import pandas as pd
import torch

from scripts.common import cli
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.dsi.seaquest import run_dqn


def main() -> None:
    p = cli.parser(__doc__)
    p.add_argument("--out-dir", required=True)
    args = p.parse_args()
    cli.setup(args, config_beside=os.path.join(args.out_dir, "config.json"))
    log = get_logger("dsi.train_seaquest_policies")
    cfg = args.params
    pol, dqn = cfg["policies"], cfg["dqn"]
    ckpt = os.path.join(args.out_dir, f".seed{args.seed}.checkpoint.pt")
    resume = torch.load(ckpt, weights_only=False) if os.path.exists(ckpt) else None

    def save(step, alg, rows):
        if step in pol["checkpoints"]:
            torch_save(os.path.join(args.out_dir, f"dqn_seed{args.seed}_step{step}.pt"),
                       alg.policy.model.state_dict())
        torch_save(ckpt, {"algorithm": alg.state_dict(), "rows": rows, "step": step})

    cfg_run = {**dqn, "train_envs": pol["train_envs"], "test_episodes": pol["test_episodes"]}
    rows = run_dqn(cfg_run, cfg["game"], "policy", args.seed, int(pol["env_steps"]),
                   pol["checkpoints"], save, log.info, resume=resume)
    write_csv(os.path.join(args.out_dir, f"progress_seed{args.seed}.csv"), pd.DataFrame(rows))
    if os.path.exists(ckpt):
        os.remove(ckpt)


if __name__ == "__main__":
    main()
