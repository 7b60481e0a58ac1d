"""DQN on Seaquest with DSI-chosen horizons, or plain n-step DQN (rule dsi_train_dqn)."""
from __future__ import annotations

import os

import pandas as pd
import torch

from scripts.common import cli
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.dsi.seaquest import run_dqn
from scripts.dsi.trainer import load_detector


def main() -> None:
    p = cli.parser(__doc__)
    p.add_argument("--method", required=True)
    p.add_argument("--detector", default=None)
    p.add_argument("--progress", required=True)
    p.add_argument("--policy", required=True)
    args = p.parse_args()
    cli.setup(args, config_beside=args.progress)
    log = get_logger("dsi.train_dqn")
    cfg = args.params
    det = None
    if args.method == "dsi":
        det, info = load_detector(args.detector)
        det.zero_top_rows = int(info["zero_top_rows"])
    out_dir = os.path.dirname(args.progress)
    ckpt = os.path.join(out_dir, "checkpoint.pt")
    resume = torch.load(ckpt, weights_only=False) if os.path.exists(ckpt) else None

    holder = {}

    def save(step, alg, rows):
        holder["alg"] = alg
        torch_save(ckpt, {"algorithm": alg.state_dict(), "rows": rows, "step": step})

    imp = cfg["improve"]
    rows = run_dqn(imp, cfg["game"], args.method, args.seed, int(imp["env_steps"]), [], save,
                   log.info, detector=det, resume=resume)
    frame = pd.DataFrame(rows)
    frame["method"], frame["seed"] = args.method, args.seed
    write_csv(args.progress, frame)
    torch_save(args.policy, holder["alg"].policy.model.state_dict())
    os.remove(ckpt)


if __name__ == "__main__":
    main()
