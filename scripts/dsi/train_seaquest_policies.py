"""Seaquest DQN policies of varied quality for the detector's data (rule
dsi_train_seaquest_policies): tianshou DQN (tianshou 0.4.11 atari_dqn defaults), checkpoints
saved at several env-step counts. Resumes exactly from its last checkpoint (weights, optimiser,
replay buffer, envs, RNGs) when the checkpoint's fingerprint (settings) matches; removes it once
the outputs are written."""
from __future__ import annotations

import os

import pandas as pd

from scripts.common import cli
from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                       save_checkpoint)
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
    fp = args_fingerprint(args)
    resume = load_checkpoint(ckpt, restore_rng=False, fingerprint=fp, log=log.info)

    def save(step, alg, rows, state):
        if step in pol["checkpoints"]:
            torch_save(os.path.join(args.out_dir, f"dqn_seed{args.seed}_step{step}.pt"),
                       alg.policy.model.state_dict())
        save_checkpoint(ckpt, state(), fingerprint=fp)

    cfg_run = {**dqn, "train_envs": pol["train_envs"], "test_episodes": pol["test_episodes"]}
    rows = run_dqn(cfg_run, cfg["game"], "policy", args.seed, int(pol["env_steps"]),
                   pol["checkpoints"], save, log.info, resume=resume)
    write_csv(os.path.join(args.out_dir, f"progress_seed{args.seed}.csv"), pd.DataFrame(rows))
    remove_checkpoint(ckpt)   # finished: a rerun trains again


if __name__ == "__main__":
    main()
