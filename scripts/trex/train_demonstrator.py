"""Demonstrator: tianshou PPO on the true reward, saving a checkpoint every ``ckpt_every``
updates, starting with the random initial policy (update 0), as the authors' ppo2 runs.
The learning rate decays over ``schedule_updates`` (default ``updates``): a run shorter than
the paper's keeps the paper's schedule and stops early.

Outputs in --out-dir: ckpt_<update>.pt (policy + observation statistics), train_log.csv,
checkpoints.json (the index, written last). Resumes from checkpoint.pt when its fingerprint
(the settings) matches; removes it once the index is written.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

import pandas as pd

from scripts.common import cli
from scripts.common.checkpoint import args_fingerprint, remove_checkpoint
from scripts.common.io import torch_save, write_csv, write_json
from scripts.common.progress import get_logger
from scripts.trex import rl, util  # noqa: F401  (util silences a tianshou warning)
from scripts.trex.params import DemonstratorEnv


@dataclass(frozen=True)
class Params:
    """Settings of rules trex_train_demonstrator and trex_minatar_demonstrator: the env's
    demonstrator run and episode cap (config/trex.yaml ``envs.<env>``, or the MinAtar game's),
    and PPO (``ppo_<kind>``, or ``minatar.ppo``)."""

    env: DemonstratorEnv  # the run's length and checkpoints, the episode cap, MinAtar settings
    ppo: Dict[str, Any]  # PPO settings as scripts.trex.rl.train_ppo reads them (kept in each checkpoint)


def minatar_spec(env: DemonstratorEnv) -> dict:
    """A MinAtar game's settings (sticky actions, ramping, action set), kept with each policy."""
    return {"minatar": env.minatar} if env.minatar else {}


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], required=["--env", "--out-dir"])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out_dir)
    log = get_logger("trex.demonstrator")
    prm = cli.step_params(Params, args.params)
    env, out = args.env, Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dem = prm.env.demonstrator
    every, updates = dem.ckpt_every, dem.updates
    if updates % every:
        raise ValueError(f"demonstrator.updates={updates} is not a multiple of ckpt_every={every}")
    ppo = dict(prm.ppo, epoch_updates=every)
    kind = rl.env_kind(env)
    max_steps = prm.env.max_episode_steps
    index = []

    def save(epoch, env_step, algo, obs_rms):
        update = epoch * every
        path = out / f"ckpt_{update}.pt"
        torch_save(path, rl.policy_blob(algo, obs_rms, spec_holder[0]))
        index.append({"update": update, "env_step": env_step, "path": str(path)})

    spec_holder = [{"env": env, "kind": kind, "ppo": ppo, **minatar_spec(prm.env)}]
    log.info("demonstrator %s: %d updates of %d steps, checkpoint every %d", env, updates,
             ppo["n_envs"] * ppo["steps_per_env"], every)
    algo, obs_rms, rows, spec = rl.train_ppo(
        env=env, ppo=ppo, seed=args.seed, total_epochs=updates // every, work_dir=out,
        norm_obs=kind == "mujoco", on_epoch_end=save,
        schedule_updates=int(dem.schedule_updates or updates),
        fingerprint=args_fingerprint(args),
        make_train_env=lambda: rl.RewardSubstitution(
            rl.make_env(env, purpose="demonstrator", max_episode_steps=max_steps,
                        minatar=prm.env.minatar)),
        extra_spec=minatar_spec(prm.env))
    steps_per_update = ppo["n_envs"] * ppo["steps_per_env"]
    index = [{"update": u, "env_step": u * steps_per_update, "path": str(out / f"ckpt_{u}.pt")}
             for u in range(0, updates + 1, every)]
    missing = [i["path"] for i in index if not Path(i["path"]).exists()]
    if missing:
        raise FileNotFoundError(f"checkpoints missing: {missing}")
    write_csv(out / "train_log.csv", pd.DataFrame(rows))
    write_json(out / "checkpoints.json", index)
    remove_checkpoint(out / rl.CHECKPOINT)   # finished: a rerun trains again
    log.info("done: %d checkpoints", len(index))
    return 0


if __name__ == "__main__":
    sys.exit(main())
