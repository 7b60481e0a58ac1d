"""A MinAtar DQN run (rule dsi_minatar_dqn): fixed n-step targets (method n<k>) or DSI's adaptive
horizon (method dsi, with --detector). Saves the Q-net at each configured checkpoint (the
detector's data policies), the final Q-net and the greedy evaluation curve."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from scripts.common import cli
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.dsi.minatar import DqnSettings, GameSettings, to_detector_frames, train_dqn
from scripts.dsi.trainer import load_detector, score_episodes


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_minatar_dqn: config/dsi.yaml's minatar blocks."""

    game: GameSettings  # how the MinAtar game is made
    dqn: DqnSettings  # the DQN
    upsample: int  # detector input: each MinAtar cell repeated upsample x upsample times


def main() -> None:
    ap = cli.parser(__doc__.splitlines()[0])
    ap.add_argument("--game", required=True)
    ap.add_argument("--method", required=True, help="n1, n3, n5, ... or dsi")
    ap.add_argument("--detector", default=None)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.out_dir)
    log = get_logger("dsi.train_minatar_dqn")
    p = cli.step_params(Params, args.params)
    scorer = None
    if args.method == "dsi":
        det, _ = load_detector(args.detector)

        def scorer(frames: np.ndarray) -> np.ndarray:
            return score_episodes(det, [to_detector_frames(frames, p.upsample)], torch.device("cpu"))[0]

    def save(step: int, q) -> None:
        torch_save(os.path.join(args.out_dir, f"q_step{step}.pt"), q.state_dict())

    rows = train_dqn(args.game, p.game, p.dqn, args.method, args.seed, scorer=scorer, log=log.info,
                     on_checkpoint=save)
    frame = pd.DataFrame(rows)
    frame.insert(0, "method", args.method)
    frame.insert(1, "seed", args.seed)
    write_csv(os.path.join(args.out_dir, "progress.csv"), frame)


if __name__ == "__main__":
    main()
