"""Train D and G on Pong rallies, Seaquest windows or MinAtar episodes (rules dsi_train_pong,
dsi_train_seaquest_detector and dsi_minatar_detector). Checkpoints every epoch and resumes.

Pong: 3 classes (lose / timeout / win), L_rev = MSE(softmax, 1/3), the original's length jitter
(clamped to [1, rally length]), frames optionally block-averaged to 40x40 (a CPU-scale
deviation). Seaquest: 200-step windows, target = window reward sum / 1000, SmoothL1, score rows
zeroed, orthogonality term. MinAtar: whole episodes (cut at the rollout's max_steps), 2 classes
by return, cells upsampled so the original CNN fits the 10 x 10 frames.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional

import pandas as pd

from scripts.common import cli
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.dsi.trainer import EpisodeSet, TrainerSettings, discard_checkpoint, train


@dataclass(frozen=True)
class Params(TrainerSettings):
    """Settings of rules dsi_train_pong and dsi_train_seaquest_detector: config/dsi.yaml's pong
    or seaquest `detector` block (trainer.train reads the fields of TrainerSettings, and
    random_length, window, return_scale and zero_top_rows, from the same dict)."""

    random_length: int  # Pong's length jitter: length + int((u - 0.5) * random_length) (0: none)
    max_train_steps: int  # stop after this many minibatches (0: whole epochs)
    sets: Optional[List[str]] = None  # Pong: not read by this step (the rally sets, one job each)
    resolution: Optional[int] = None  # Pong: frames block-averaged to this size (80: as stored)
    window: Optional[int] = None  # Seaquest: steps per training window
    return_scale: Optional[float] = None  # Seaquest: G's target = window reward sum / this
    zero_top_rows: int = 0  # Seaquest: rows of the frame zeroed (the score display)
    init: str = "default"  # conv init: default (PyTorch) or kaiming (the fixed recipe)
    upsample: Optional[int] = None  # MinAtar: each 10 x 10 cell repeated upsample x upsample times


def load_set(path: str, domain: str, p: Params) -> EpisodeSet:
    if domain == "pong":
        from scripts.dsi.pong import downsample

        data = EpisodeSet.load(path)
        data.episodes = [downsample(e, p.resolution) for e in data.episodes]
        return data
    if domain == "minatar":
        data = EpisodeSet.load(path)
        data.episodes = [e.repeat(p.upsample, axis=-2).repeat(p.upsample, axis=-1) for e in data.episodes]
        return data
    from scripts.dsi.seaquest_data import load_windows_set

    return load_windows_set(path, p.window)


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--domain", required=True, choices=["pong", "seaquest", "minatar"])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--detector", required=True)
    ap.add_argument("--predictor", required=True)
    ap.add_argument("--log-csv", required=True)
    args = ap.parse_args()
    out_dir = os.path.dirname(args.detector)
    cli.setup(args, config_beside=out_dir)
    log = get_logger(f"dsi.train_{args.domain}")
    cfg = dict(args.params)   # trainer.train reads this dict
    p = cli.step_params(Params, cfg)
    train_set, test_set = load_set(args.train, args.domain, p), load_set(args.test, args.domain, p)
    in_ch = train_set.episodes[0].shape[1]
    log.info("%s: train %d, test %d sequences, input %s", args.domain, len(train_set),
             len(test_set), train_set.episodes[0].shape[1:])
    steps = p.max_train_steps or None
    d, g, rows = train(train_set, test_set, cfg, in_ch, out_dir, args.seed, pick_device(),
                       log=log.info, max_steps=steps)
    write_csv(args.log_csv, pd.DataFrame(rows))
    torch_save(args.predictor, g.state_dict())
    torch_save(args.detector, {"state_dict": d.state_dict(), "in_channels": in_ch,
                               "instance_norm": p.instance_norm,
                               "resolution": p.resolution,
                               "zero_top_rows": p.zero_top_rows})
    discard_checkpoint(out_dir)


if __name__ == "__main__":
    main()
