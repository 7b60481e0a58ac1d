"""Demonstrations (--which demos) or held-out trajectories (--which heldout) from the
demonstrator's checkpoints.

Demos: the checkpoints of every configured stage; MuJoCo: stochastic rollouts until at least
``demos.min_steps`` env steps per checkpoint (authors' min_length 1000); Atari: ``demos.episodes``
stochastic full-game episodes per checkpoint (authors: 1), unclipped, no life-loss resets.
Held-out: later checkpoints (``heldout``), ``heldout.episodes`` each, never given to T-REX.
Outputs: <out>.npz (see scripts/trex/data.py) and a metadata CSV (one row per episode).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from scripts.common import cli
from scripts.common.io import read_json, save_npz, write_csv
from scripts.common.progress import get_logger, progress
from scripts.trex import data, rl, util
from scripts.trex.params import EnvSettings


@dataclass(frozen=True)
class Params:
    """Settings of rules trex_generate_demos/heldout and trex_minatar_demos/heldout: the env's
    block (config/trex.yaml ``envs.<env>``, or the MinAtar game's)."""

    env: EnvSettings  # checkpoint ranges of the stages and the held-out set, rollouts, episode cap


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], required=["--env", "--out-npz", "--out-meta"])
    p.add_argument("--which", choices=["demos", "heldout"], required=True)
    p.add_argument("--demonstrator", required=True, help="checkpoints.json of the demonstrator")
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out_npz)
    log = get_logger(f"trex.{args.which}")
    env_cfg = cli.step_params(Params, args.params).env
    every = env_cfg.demonstrator.ckpt_every
    index = {int(c["update"]): c["path"] for c in read_json(args.demonstrator)}
    if args.which == "demos":
        ckpts = util.demo_ckpts(env_cfg.stages, every)
        n_episodes, min_steps = env_cfg.demos.episodes, env_cfg.demos.min_steps
    else:
        ckpts = util.ckpt_range(env_cfg.heldout, every)
        n_episodes, min_steps = int(env_cfg.heldout["episodes"]), None
    missing = [c for c in ckpts if c not in index]
    if missing:
        raise ValueError(f"{args.env}: no demonstrator checkpoint for updates {missing}; "
                         f"have {sorted(index)}")
    kind = rl.env_kind(args.env)
    max_steps = env_cfg.max_episode_steps
    env = rl.make_env(args.env, purpose="rollout", max_episode_steps=max_steps,
                      minatar=env_cfg.minatar)
    episodes, rows = [], []
    offset = 0 if args.which == "demos" else 500
    for ckpt in progress(ckpts, desc=args.which, unit="ckpt"):
        policy, obs_rms, _ = rl.load_policy(index[ckpt])
        torch.manual_seed(args.seed * 100_003 + ckpt + offset)
        eps = rl.rollout(policy, obs_rms, env, seed=args.seed * 1_000_000 + ckpt * 1000 + offset,
                         n_episodes=n_episodes, min_steps=min_steps, max_steps=max_steps,
                         newest_frame=kind == "atari")
        mean_ret = float(np.mean([e["return"] for e in eps]))
        for k, e in enumerate(eps):
            rows.append({"episode": len(episodes), "checkpoint": ckpt, "ckpt_episode": k,
                         "return": e["return"], "length": e["length"], "distance": e["distance"],
                         "ckpt_mean_return": mean_ret})
            episodes.append(e["obs"].astype(np.float32 if kind == "mujoco" else np.uint8))
        log.info("checkpoint %d: %d episodes, mean return %.1f", ckpt, len(eps), mean_ret)
    env.close()
    traj = data.concat_episodes(episodes, kind)
    save_npz(args.out_npz, **traj.arrays())
    write_csv(args.out_meta, pd.DataFrame(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
