"""Train D and G on Pong rallies or Seaquest windows (rules dsi_train_pong and
dsi_train_seaquest_detector). Checkpoints every epoch and resumes.

Pong: 3 classes (lose / timeout / win), L_rev = MSE(softmax, 1/3), the original's length jitter
(clamped to [1, rally length]), frames optionally block-averaged to 40x40 (a CPU-scale
deviation). Seaquest: 200-step windows, target = window reward sum / 1000, SmoothL1, score rows
zeroed, orthogonality term.
"""
from __future__ import annotations

import os

import pandas as pd

from scripts.common import cli
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.dsi.trainer import EpisodeSet, discard_checkpoint, train


def load_set(path: str, domain: str, cfg: dict) -> EpisodeSet:
    if domain == "pong":
        from scripts.dsi.pong import downsample

        data = EpisodeSet.load(path)
        data.episodes = [downsample(e, int(cfg["resolution"])) for e in data.episodes]
        return data
    from scripts.dsi.seaquest_data import load_windows_set

    return load_windows_set(path, int(cfg["window"]))


def main() -> None:
    p = cli.parser(__doc__)
    p.add_argument("--domain", required=True, choices=["pong", "seaquest"])
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--detector", required=True)
    p.add_argument("--predictor", required=True)
    p.add_argument("--log-csv", required=True)
    args = p.parse_args()
    out_dir = os.path.dirname(args.detector)
    cli.setup(args, config_beside=out_dir)
    log = get_logger(f"dsi.train_{args.domain}")
    cfg = dict(args.params)
    train_set, test_set = load_set(args.train, args.domain, cfg), load_set(args.test,
                                                                            args.domain, cfg)
    in_ch = train_set.episodes[0].shape[1]
    log.info("%s: train %d, test %d sequences, input %s", args.domain, len(train_set),
             len(test_set), train_set.episodes[0].shape[1:])
    steps = int(cfg.get("max_train_steps", 0)) or None
    d, g, rows = train(train_set, test_set, cfg, in_ch, out_dir, args.seed, pick_device(),
                       log=log.info, max_steps=steps)
    write_csv(args.log_csv, pd.DataFrame(rows))
    torch_save(args.predictor, g.state_dict())
    torch_save(args.detector, {"state_dict": d.state_dict(), "in_channels": in_ch,
                               "instance_norm": cfg["instance_norm"],
                               "resolution": cfg.get("resolution"),
                               "zero_top_rows": cfg.get("zero_top_rows", 0)})
    discard_checkpoint(out_dir)


if __name__ == "__main__":
    main()
