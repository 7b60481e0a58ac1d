"""Train D and G on GridWorld data (rule dsi_train_gridworld).

``--params`` holds the recipe's training settings (``paper`` or ``fixed``) and ``--ablation``
one of full, no_rev, no_com, no_imp, noniter (a loss term's weight set to 0, or one joint step).
Checkpoints every epoch to the output folder and resumes from it.
"""
from __future__ import annotations

import copy
import os
import time

import pandas as pd

from scripts.common import cli
from scripts.common.io import torch_save, write_csv, write_json
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.dsi.trainer import EpisodeSet, discard_checkpoint, train

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
    p = cli.parser(__doc__)
    p.add_argument("--ablation", default="full", choices=ABLATIONS)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--detector", required=True)
    p.add_argument("--predictor", required=True)
    p.add_argument("--log-csv", required=True)
    p.add_argument("--max-steps", type=int, default=None, help="stop early (timing runs)")
    args = p.parse_args()
    cli.setup(args)
    log = get_logger("dsi.train_gridworld")
    cfg = apply_ablation(args.params, args.ablation)
    out_dir = os.path.dirname(args.detector)
    os.makedirs(out_dir, exist_ok=True)
    write_json(os.path.join(out_dir, "config.json"),
               {"params": cfg, "ablation": args.ablation, "seed": args.seed})
    dev = pick_device()
    train_set, test_set = EpisodeSet.load(args.train), EpisodeSet.load(args.test)
    log.info("train %d, test %d episodes; device %s; recipe %s; ablation %s", len(train_set),
             len(test_set), dev, cfg.get("name"), args.ablation)
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
