"""The Pong attack (rule dsi_attack_pong), EDGE protocol as the original ``attack_test.py``.

For each seed s in [seed_start, seed_start + n_seeds): play the attacked agent's clean rally
(greedy), score its frames with the detector, then replay the same seed with a random different
action at the top-k steps of each method: DSI scores, uniformly random steps, or the attacked
agent's critic value (a value-based baseline). Writes one CSV (seed, e0, e1) per k and method.
"""
from __future__ import annotations

import os

import pandas as pd
import torch

from scripts.common import cli
from scripts.common.io import write_csv
from scripts.common.progress import get_logger, progress
from scripts.dsi.pong import attack_once, downsample, load_policy, make_pong
from scripts.dsi.trainer import load_detector, score_episodes


def main() -> None:
    p = cli.parser(__doc__)
    p.add_argument("--variant", required=True)
    p.add_argument("--policy", required=True, help="the attacked agent")
    p.add_argument("--detector", required=True)
    p.add_argument("--out-dir", required=True, help="writes k{k}/{method}.csv under it")
    args = p.parse_args()
    cli.setup(args, config_beside=os.path.join(args.out_dir, "config.json"))
    log = get_logger("dsi.attack_pong")
    cfg = args.params
    policy = load_policy(args.policy)
    d, info = load_detector(args.detector)
    res = int(info["resolution"])

    def score_fn(frames, values):
        return score_episodes(d, [downsample(frames, res)], torch.device("cpu"))[0]

    env = make_pong("Pong-v4")
    rows = []
    seeds = range(int(cfg["seed_start"]), int(cfg["seed_start"]) + int(cfg["n_seeds"]))
    for s in progress(seeds, desc=args.variant, unit="rally"):
        rows += attack_once(env, policy, s, int(cfg["max_steps"]), score_fn, cfg["ks"],
                            cfg["methods"])
    frame = pd.DataFrame(rows)
    frame["variant"] = args.variant
    for (k, method), sub in frame.groupby(["k", "method"]):
        write_csv(os.path.join(args.out_dir, f"k{k}", f"{method}.csv"), sub)
        w0, w1 = int((sub.e0 == 1).sum()), int((sub.e1 == 1).sum())
        log.info("k=%d %s: wins %d -> %d of %d rallies", k, method, w0, w1, len(sub))


if __name__ == "__main__":
    main()
