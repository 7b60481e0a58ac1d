"""DQN on Seaquest with DSI-chosen horizons, or plain n-step DQN (rule dsi_train_dqn).

Checkpoints every ``epoch_steps`` (weights, optimiser, replay buffer, envs, RNGs, counters) to
checkpoint.pt beside --progress and resumes exactly when the checkpoint's fingerprint (settings
and detector file) matches; the checkpoint is removed once the outputs are written."""
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
from scripts.dsi.seaquest import run_dqn
from scripts.dsi.trainer import load_detector


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_train_dqn: config/dsi.yaml's `seaquest` block (run_dqn reads the
    improve block)."""

    game: str  # the Atari game (seaquest)
    # the DQN trained with DSI-chosen horizons or plain n-step returns: tianshou DQN settings,
    # methods, env_steps, horizon and chain
    improve: Dict[str, Any]
    policies: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    dqn: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    data: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    detector: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block


def main() -> None:
    ap = cli.parser(__doc__.splitlines()[0])
    ap.add_argument("--method", required=True)
    ap.add_argument("--detector", default=None)
    ap.add_argument("--progress", required=True)
    ap.add_argument("--policy", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.progress)
    log = get_logger("dsi.train_dqn")
    p = cli.step_params(Params, args.params)
    det = None
    if args.method == "dsi":
        det, info = load_detector(args.detector)
        det.zero_top_rows = int(info["zero_top_rows"])
    out_dir = os.path.dirname(args.progress)
    ckpt = os.path.join(out_dir, "checkpoint.pt")
    fp = args_fingerprint(args, inputs=[args.detector])
    resume = load_checkpoint(ckpt, restore_rng=False, fingerprint=fp, log=log.info)

    holder = {}

    def save(step, alg, rows, state):
        holder["alg"] = alg
        save_checkpoint(ckpt, state(), fingerprint=fp)

    imp = p.improve
    rows = run_dqn(imp, p.game, args.method, args.seed, int(imp["env_steps"]), [], save,
                   log.info, detector=det, resume=resume)
    frame = pd.DataFrame(rows)
    frame["method"], frame["seed"] = args.method, args.seed
    write_csv(args.progress, frame)
    torch_save(args.policy, holder["alg"].policy.model.state_dict())
    remove_checkpoint(ckpt)   # finished: a rerun trains again


if __name__ == "__main__":
    main()
