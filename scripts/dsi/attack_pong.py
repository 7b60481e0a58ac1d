"""The Pong attack (rule dsi_attack_pong), EDGE protocol as the original ``attack_test.py``.

For each seed s in [seed_start, seed_start + n_seeds): play the attacked agent's clean rally
(greedy), score its frames with the detector, then replay the same seed with a random different
action at the top-k steps of each method: DSI scores, uniformly random steps, or the attacked
agent's critic value (a value-based baseline). Writes one CSV (seed, e0, e1) per k and method.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional

import pandas as pd
import torch

from scripts.common import cli
from scripts.common.io import write_csv
from scripts.common.progress import get_logger, progress
from scripts.dsi.pong import attack_once, downsample, load_policy, make_pong
from scripts.dsi.trainer import load_detector, score_episodes


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_attack_pong: config/dsi.yaml's pong `attack` block."""

    ks: List[int]  # attacked steps per rally (top-k of each method)
    methods: List[str]  # how the k steps are chosen: dsi, random, value
    n_seeds: int  # rallies attacked (env seeds seed_start, seed_start + 1, ...)
    seed_start: int  # first rally's env seed
    max_steps: int  # a rally ends at the first point or after this many steps
    # not read by this step; passed with its config block (the rule runs one job per variant)
    variants: Optional[List[str]] = None


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--variant", required=True)
    ap.add_argument("--policy", required=True, help="the attacked agent")
    ap.add_argument("--detector", required=True)
    ap.add_argument("--out-dir", required=True, help="writes k{k}/{method}.csv under it")
    args = ap.parse_args()
    cli.setup(args, config_beside=os.path.join(args.out_dir, "config.json"))
    log = get_logger("dsi.attack_pong")
    p = cli.step_params(Params, args.params)
    policy = load_policy(args.policy)
    d, info = load_detector(args.detector)
    res = int(info["resolution"])

    def score_fn(frames, values):
        return score_episodes(d, [downsample(frames, res)], torch.device("cpu"))[0]

    env = make_pong("Pong-v4")
    rows = []
    seeds = range(p.seed_start, p.seed_start + p.n_seeds)
    for s in progress(seeds, desc=args.variant, unit="rally"):
        rows += attack_once(env, policy, s, p.max_steps, score_fn, p.ks, p.methods)
    frame = pd.DataFrame(rows)
    frame["variant"] = args.variant
    for (k, method), sub in frame.groupby(["k", "method"]):
        write_csv(os.path.join(args.out_dir, f"k{k}", f"{method}.csv"), sub)
        w0, w1 = int((sub.e0 == 1).sum()), int((sub.e1 == 1).sum())
        log.info("k=%d %s: wins %d -> %d of %d rallies", k, method, w0, w1, len(sub))


if __name__ == "__main__":
    main()
