"""Seaquest DQN policies of varied quality for the detector's data (rule
dsi_train_seaquest_policies): tianshou DQN (tianshou 0.4.11 atari_dqn defaults), checkpoints
saved at several env-step counts. Resumes exactly from its last checkpoint (weights, optimiser,
replay buffer, envs, RNGs) when the checkpoint's fingerprint (settings) matches; removes it once
the outputs are written."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

import pandas as pd

from scripts.common import cli
from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                       save_checkpoint)
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.dsi.seaquest import PolicySchedule, run_dqn


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_train_seaquest_policies: config/dsi.yaml's `seaquest` block."""

    game: str  # the Atari game (seaquest)
    policies: PolicySchedule  # the policies' training and the steps they are saved at
    dqn: Dict[str, Any]  # tianshou DQN settings of the policies (run_dqn reads them)
    data: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    detector: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    improve: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=os.path.join(args.out_dir, "config.json"))
    log = get_logger("dsi.train_seaquest_policies")
    p = cli.step_params(Params, args.params)
    pol = p.policies
    ckpt = os.path.join(args.out_dir, f".seed{args.seed}.checkpoint.pt")
    fp = args_fingerprint(args)
    resume = load_checkpoint(ckpt, restore_rng=False, fingerprint=fp, log=log.info)

    def save(step, alg, rows, state):
        if step in pol.checkpoints:
            torch_save(os.path.join(args.out_dir, f"dqn_seed{args.seed}_step{step}.pt"),
                       alg.policy.model.state_dict())
        save_checkpoint(ckpt, state(), fingerprint=fp)

    cfg_run = {**p.dqn, "train_envs": pol.train_envs, "test_episodes": pol.test_episodes}
    rows = run_dqn(cfg_run, p.game, "policy", args.seed, pol.env_steps, pol.checkpoints, save,
                   log.info, resume=resume)
    write_csv(os.path.join(args.out_dir, f"progress_seed{args.seed}.csv"), pd.DataFrame(rows))
    remove_checkpoint(ckpt)   # finished: a rerun trains again


if __name__ == "__main__":
    main()
