"""The MinAtar detector's episodes (rule dsi_minatar_rollout): agents of several strengths (DQN
checkpoints of every agent seed, and the random policy), epsilon-greedy, each episode cut at
``max_steps``; labelled by return as the paper's Atari setting labels a rally by its outcome:
class 0 = return above the data's median (success), 1 = at or below (failure). Frames are
stored as uint8 (T, C, 10, 10) in {0, 255}; the detector upsamples them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.io import torch_load, write_csv, save_npz
from scripts.common.progress import get_logger
from scripts.dsi.minatar import GameSettings, QNet, make_game, play
from scripts.dsi.trainer import pack_episodes


@dataclass(frozen=True)
class DataSettings:
    """config/dsi.yaml's minatar `data` block."""

    episodes_per_policy: int  # episodes of each checkpoint (and of the random policy)
    epsilon: float  # the agents' epsilon-greedy noise
    max_steps: int  # an episode is cut after this many steps
    test_fraction: float  # share of the episodes held out (the detector's test split)
    seed_start: int  # first episode's env seed


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_minatar_rollout: config/dsi.yaml's minatar `game` and `data`."""

    game: GameSettings
    data: DataSettings


def main() -> None:
    ap = cli.parser(__doc__.splitlines()[0])
    ap.add_argument("--game", required=True)
    ap.add_argument("--agents", nargs="+", required=True, help="Q-net files (the data's agents)")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--meta", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.meta)
    log = get_logger("dsi.rollout_minatar")
    p = cli.step_params(Params, args.params)
    d = p.data
    env = make_game(args.game, p.game)
    c, n_act = env.observation_space.shape[0], env.action_space.n
    policies: List = [("random", None)]
    for path in args.agents:
        q = QNet(c, n_act)
        q.load_state_dict(torch_load(path))
        q.eval()
        policies.append((path, q))
    frames, rets, meta = [], [], []
    seed = d.seed_start
    for name, q in policies:
        for _ in range(d.episodes_per_policy):
            ep = play(env, q, seed, d.max_steps, epsilon=d.epsilon if q is not None else 0.0)
            frames.append(ep["frames"] * np.uint8(255))
            rets.append(ep["return"])
            meta.append({"episode": len(meta), "policy": name, "seed": seed, "length": len(ep["frames"]),
                         "return": ep["return"]})
            seed += 1
        log.info("%s: mean return %.2f", name, np.mean([m["return"] for m in meta[-d.episodes_per_policy:]]))
    rets = np.array(rets)
    median = float(np.median(rets))
    target = np.where(rets > median, 0, 1).astype(np.int64)
    rng = np.random.default_rng(args.seed)
    test = rng.random(len(rets)) < d.test_fraction
    for path, sel in ((args.train, ~test), (args.test, test)):
        idx = np.nonzero(sel)[0]
        packed, offsets = pack_episodes([frames[i] for i in idx])
        save_npz(path, frames=packed, offsets=offsets, target=target[idx], ret=rets[idx])
    m = pd.DataFrame(meta)
    m["target"], m["split"] = target, np.where(test, "test", "train")
    write_csv(args.meta, m)
    log.info("%d episodes, median return %.1f, class 0 (above) %d, test %d", len(rets), median,
             int((target == 0).sum()), int(test.sum()))


if __name__ == "__main__":
    main()
