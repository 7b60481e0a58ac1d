"""Training pairs for one demo set (stage<k> or stage<k>-swap<n>-trial<t>).

Atari: the authors' snippet sampler (or whole-demo pairs for the games listed in
``whole_demo_games``, Enduro in the paper); MuJoCo: ``pairs_per_member`` window pairs for
each ensemble member. Ranking noise: ``n`` random adjacent swaps of the demonstrators'
ranking (trial ``t`` seeds them); the order correctness and each pair's label agreement with
the true ranking are recorded. Output: pairs.npz (``pairs`` structured array, see
scripts/trex/pairs.py) and pairs_summary.json.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from scripts.common import cli
from scripts.common.io import read_csv_checked, save_npz, write_json
from scripts.common.progress import get_logger
from scripts.trex import pairs as P
from scripts.trex import util
from scripts.trex.masks import ATARI_GAMES


@dataclass(frozen=True)
class Pairs:
    """The pair sampler's part of the reward block (config/trex.yaml ``reward_<kind>``, or
    ``minatar.reward``): the snippet keys on Atari and MinAtar, the window keys on MuJoCo."""

    n_pairs: Optional[int] = None  # snippet pairs, built once (Atari, MinAtar)
    min_len: Optional[int] = None  # shortest snippet, in stacks (Atari, MinAtar)
    max_len: Optional[int] = None  # snippet length drawn below this, capped by the shortest demo
    stride: Optional[int] = None  # every stride-th stack of a snippet (Atari, MinAtar)
    whole_demo_games: Optional[List[str]] = None  # games paired by whole demos (Atari: Enduro)
    whole_demo_pairs: Optional[int] = None  # whole-demo pairs of those games (Atari)
    members: Optional[int] = None  # ensemble members, each with its own pairs (MuJoCo)
    pairs_per_member: Optional[int] = None  # window pairs per member (MuJoCo)
    window: Optional[int] = None  # window length in steps (MuJoCo; whole episode if shorter)


@dataclass(frozen=True)
class Params:
    """Settings of rules trex_make_pairs and trex_minatar_pairs: the env's stages and the pair
    sampler's settings."""

    stages: Dict[str, Dict[str, int]]  # stage -> checkpoint range {first, last, step?} of its demos
    ckpt_every: int  # the demonstrator's updates between checkpoints (a range's default step)
    pairs: Pairs  # the pair sampler's settings


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], required=["--env", "--set", "--demos-meta", "--out"])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("trex.pairs")
    prm, env = cli.step_params(Params, args.params), args.env
    spec = util.parse_set(args.set)
    meta = read_csv_checked(args.demos_meta, columns=["episode", "checkpoint", "return"], no_na=True)
    ckpts = util.stage_ckpts(prm.stages, prm.ckpt_every, spec["stage"])
    meta = meta[meta["checkpoint"].isin(ckpts)].reset_index(drop=True)
    if meta["checkpoint"].nunique() < 2:
        raise ValueError(f"{env}/{args.set}: fewer than two demonstrators")
    rng = np.random.default_rng([args.seed, spec["trial"], spec["swaps"]])
    rp = prm.pairs
    atari = env in ATARI_GAMES or env.startswith("minatar-")   # MinAtar: the Atari protocol
    # the unit that is ranked: each demo episode on Atari, each demonstrator on MuJoCo
    if atari:
        units = meta["episode"].to_numpy()
        true_value = meta["return"].to_numpy(dtype=float)
    else:
        per = meta.groupby("checkpoint")["ckpt_mean_return"].first()
        units = per.index.to_numpy()
        true_value = per.to_numpy(dtype=float)
    order = np.argsort(true_value, kind="stable")          # worst .. best
    true_pos = np.empty(len(units), dtype=np.int64)
    true_pos[order] = np.arange(len(units))
    noisy_pos = P.adjacent_swaps(len(units), spec["swaps"], rng)[true_pos]
    correctness = P.order_correctness(noisy_pos[order])
    rank = true_value if spec["swaps"] == 0 else noisy_pos.astype(float)
    if atari:
        lengths = meta["length"].to_numpy()
        if env in (rp.whole_demo_games or []):
            local = P.whole_demo_pairs(lengths, rank, int(rp.whole_demo_pairs), rng,
                                       true_rank=true_value)
        else:
            local = P.atari_snippet_pairs(lengths, rank, int(rp.n_pairs), rng,
                                          min_len=int(rp.min_len), max_len=int(rp.max_len),
                                          stride=int(rp.stride), true_rank=true_value)
        glob = meta["episode"].to_numpy()
        local["a_ep"] = glob[local["a_ep"]]
        local["b_ep"] = glob[local["b_ep"]]
        pairs = local
    else:
        dem_rank = {int(u): float(r) for u, r in zip(units, rank)}
        dem_true = {int(u): float(v) for u, v in zip(units, true_value)}
        parts = []
        for m in range(int(rp.members)):
            local = P.window_pairs(meta["checkpoint"].to_numpy(), meta["length"].to_numpy(),
                                   dem_rank, int(rp.pairs_per_member), rng,
                                   window=int(rp.window), true_rank=dem_true, member=m)
            glob = meta["episode"].to_numpy()
            local["a_ep"] = glob[local["a_ep"]]
            local["b_ep"] = glob[local["b_ep"]]
            parts.append(local)
        pairs = np.concatenate(parts)
    summary = {"env": env, "set": args.set, "n_pairs": int(len(pairs)), "units": int(len(units)),
               "swaps": spec["swaps"], "trial": spec["trial"],
               "order_correctness": correctness,
               "label_agreement": float(np.mean(pairs["correct"])),
               "checkpoints": [int(c) for c in ckpts],
               "mean_snippet_len": float(np.mean(pairs["a_len"]))}
    save_npz(args.out, pairs=pairs, noisy_rank=noisy_pos, true_value=true_value, units=units)
    write_json(Path(args.out).with_name("pairs_summary.json"), summary)
    log.info("%s/%s: %d pairs, order correctness %.3f, label agreement %.3f", env, args.set,
             len(pairs), correctness, summary["label_agreement"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
