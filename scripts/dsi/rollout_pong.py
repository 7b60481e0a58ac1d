"""Pong rallies for the detector (rule dsi_rollout_pong): Pong-S from one policy, Pong-M from
several (round robin). One trajectory = one rally (first point or max_steps steps), stored as the
network's preprocessed uint8 frames (T, 1, 80, 80); class = outcome + 1 (lose, timeout, win).
Train seeds from 0, test seeds from 1_000_000: disjoint."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

import numpy as np

from scripts.common import cli
from scripts.common.io import save_npz
from scripts.common.progress import get_logger, progress
from scripts.dsi.pong import load_policy, make_pong, play_rally
from scripts.dsi.trainer import pack_episodes


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_rollout_pong: config/dsi.yaml's pong `data` block."""

    max_steps: int  # a rally ends at the first point or after this many steps
    epsilon: float  # probability of a random action at each step (0: greedy)
    # per rally set (S, M): policies (not read here: the rule passes them as --policies),
    # train and test rally counts
    sets: Dict[str, Dict[str, Any]]


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--set", required=True, choices=["S", "M"])
    ap.add_argument("--policies", nargs="+", required=True, help="name=path")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.train)
    log = get_logger("dsi.rollout_pong")
    p = cli.step_params(Params, args.params)
    spec = p.sets[args.set]
    pols = [(kv.split("=", 1)[0], load_policy(kv.split("=", 1)[1])) for kv in args.policies]
    env = make_pong("Pong-v4")
    rng = np.random.default_rng(args.seed)
    for split, out, n, base in (("train", args.train, spec["train"], 0),
                                ("test", args.test, spec["test"], 1_000_000)):
        frames, target, pol_idx, seeds = [], [], [], []
        for i in progress(range(int(n)), desc=split, unit="rally"):
            j = i % len(pols)
            r = play_rally(env, pols[j][1], base + i, p.max_steps, rng=rng, epsilon=p.epsilon)
            frames.append(r["frames"])
            target.append(r["outcome"] + 1)
            pol_idx.append(j)
            seeds.append(base + i)
        packed, offsets = pack_episodes(frames)
        save_npz(out, frames=packed, offsets=offsets, target=np.array(target, dtype=np.int64),
                 policy=np.array(pol_idx), env_seed=np.array(seeds),
                 policy_names=np.array([n for n, _ in pols]))
        counts = np.bincount(target, minlength=3)
        log.info("%s: %d rallies, mean length %.1f, lose/timeout/win %s", split, len(frames),
                 np.mean([len(f) for f in frames]), counts.tolist())


if __name__ == "__main__":
    main()
