"""Train D and G on GridWorld data (rule dsi_train_gridworld).

``--params`` holds the recipe's training settings (``paper`` or ``fixed``) and ``--ablation``
one of full, no_rev, no_com, no_imp, noniter (a loss term's weight set to 0, or one joint step).
Checkpoints every epoch to the output folder and resumes from it.
"""
from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from typing import Optional

import pandas as pd

from scripts.common import cli
from scripts.common.io import torch_save, write_csv, write_json
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.dsi.trainer import EpisodeSet, TrainerSettings, discard_checkpoint, train

@dataclass(frozen=True)
class Params(TrainerSettings):
    """Settings of rule dsi_train_gridworld: config/dsi.yaml's gridworld `common` block with
    the recipe's block over it, and the recipe's name (trainer.train reads the fields of
    TrainerSettings, and init, from the same dict)."""

    init: str  # the nets' initialisation: default (PyTorch's) or kaiming
    name: str  # the recipe: paper or fixed
    # not read by this step, passed with its config block: scoring's batch size, and which
    # negatives the recipe's data has (the rule picks the data files by it)
    eval_batch_size: Optional[int] = None
    negatives: Optional[str] = None


ABLATIONS = ("full", "no_rev", "no_com", "no_imp", "noniter")


def apply_ablation(cfg: dict, ablation: str) -> dict:
    cfg = copy.deepcopy(cfg)
    if ablation not in ABLATIONS:
        raise ValueError(f"ablation must be one of {ABLATIONS}, got {ablation!r}")
    if ablation == "no_rev":
        cfg["loss_weights"]["rev"] = 0.0
    elif ablation == "no_com":
        cfg["loss_weights"]["com"] = 0.0
    elif ablation == "no_imp":
        cfg["loss_weights"]["imp"] = 0.0
    elif ablation == "noniter":
        cfg["iterative"] = False
    return cfg


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--ablation", default="full", choices=ABLATIONS)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--detector", required=True)
    ap.add_argument("--predictor", required=True)
    ap.add_argument("--log-csv", required=True)
    ap.add_argument("--max-steps", type=int, default=None, help="stop early (timing runs)")
    args = ap.parse_args()
    cli.setup(args)
    log = get_logger("dsi.train_gridworld")
    p = cli.step_params(Params, args.params)
    cfg = apply_ablation(args.params, args.ablation)
    out_dir = os.path.dirname(args.detector)
    os.makedirs(out_dir, exist_ok=True)
    write_json(os.path.join(out_dir, "config.json"),
               {"params": cfg, "ablation": args.ablation, "seed": args.seed})
    dev = pick_device()
    train_set, test_set = EpisodeSet.load(args.train), EpisodeSet.load(args.test)
    log.info("train %d, test %d episodes; device %s; recipe %s; ablation %s", len(train_set),
             len(test_set), dev, p.name, args.ablation)
    t0 = time.time()
    d, g, rows = train(train_set, test_set, cfg, 3, out_dir, args.seed, dev, log=log.info,
                       max_steps=args.max_steps)
    log.info("trained in %.1f s", time.time() - t0)
    write_csv(args.log_csv, pd.DataFrame(rows))
    torch_save(args.predictor, g.state_dict())
    torch_save(args.detector, d.state_dict())
    discard_checkpoint(out_dir)


if __name__ == "__main__":
    main()
