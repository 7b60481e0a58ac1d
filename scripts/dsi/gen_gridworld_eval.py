"""Seeded evaluation episodes with ground-truth critical states (rule dsi_gen_gridworld_eval).

The original ``test.py`` drew 100 fresh, unseeded positive episodes and tuned the threshold on
them. We draw seeded held-out episodes (env seeds from ``seed_base + 2_000_000``), split into a
validation half (threshold choice) and a test half. Per episode we keep the frame-aligned labels
(1 when the agent stands in a doorway) and the original per-move labels (T - 2 of them).
GridWorld-M evaluates positive and ``policy_new`` episodes alternately.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scripts.common import cli
from scripts.common.io import open_npz, save_npz
from scripts.common.progress import get_logger
from scripts.dsi import gridworld as gw
from scripts.dsi.trainer import pack_episodes


@dataclass(frozen=True)
class EvalEpisodes:
    """config/dsi.yaml's gridworld `eval` block."""

    val_episodes: int  # held-out episodes for the threshold choice
    test_episodes: int  # held-out episodes the metrics are computed on


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_gen_gridworld_eval: config/dsi.yaml's gridworld seed_base and eval."""

    seed_base: int  # the environment seeds start at seed_base + 2_000_000
    eval: EvalEpisodes  # how many evaluation episodes


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--variant", required=True, choices=["S", "M"])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.out)
    log = get_logger("dsi.gen_gridworld_eval")
    p = cli.step_params(Params, args.params)
    n_val, n_test = p.eval.val_episodes, p.eval.test_episodes
    rng = np.random.default_rng(args.seed)
    env = gw.make_env()
    episodes, split = [], []
    seed = p.seed_base + 2_000_000
    for i in range(n_val + n_test):
        detour = args.variant == "M" and i % 2 == 1
        episodes.append(gw.positive_episode(env, seed, detour=detour, rng=rng))
        split.append(0 if i < n_val else 1)
        seed += 1
    frames, offsets = pack_episodes([np.transpose(e["frames"], (0, 3, 1, 2)) for e in episodes])
    labels = np.concatenate([e["labels"] for e in episodes])
    off_labels = [e["official_labels"] for e in episodes]
    off_offsets = np.concatenate([[0], np.cumsum([len(o) for o in off_labels])]).astype(np.int64)
    save_npz(args.out, frames=frames, offsets=offsets, labels=labels,
             official_labels=np.concatenate(off_labels), official_offsets=off_offsets,
             split=np.array(split, dtype=np.int64),
             kind=np.array([2 if e["kind"] == "policy_new" else 0 for e in episodes]),
             env_seed=np.array([e["seed"] for e in episodes], dtype=np.int64))
    base = float(labels.mean())
    log.info("%d episodes (val %d, test %d); critical base rate %.3f; %.2f labels per episode",
             len(episodes), n_val, n_test, base, labels.sum() / len(episodes))


def load_eval(path: str):
    """Episodes (T, C, H, W), aligned labels, official labels, split flags (0 val, 1 test)."""
    with open_npz(path) as z:
        off = z["offsets"]
        eps = [z["frames"][off[i]:off[i + 1]] for i in range(len(off) - 1)]
        labels = [z["labels"][off[i]:off[i + 1]] for i in range(len(off) - 1)]
        oo = z["official_offsets"]
        official = [z["official_labels"][oo[i]:oo[i + 1]] for i in range(len(oo) - 1)]
        return eps, labels, official, z["split"].copy(), z["kind"].copy()


if __name__ == "__main__":
    main()
