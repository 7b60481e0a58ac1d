"""Rule lse_env_info: library versions, the env specs used, and a check of the paper's Cliff."""
from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from typing import List

import gymnasium as gym
import numpy as np

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import write_json
from scripts.lse import gridworlds
from scripts.lse.models import ENV_IDS, MAX_STEPS


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_env_info."""

    envs: List[str]  # the environments to describe, by config name (cliff, cartpole, acrobot, cmc, halfcheetah)


def cliff_check():
    env = gym.make(gridworlds.CLIFF_ID)
    obs, _ = env.reset(seed=0)
    _, r_fall, term_fall, _, _ = env.step(0)  # right from the start: into the cliff
    env.reset()
    ret, steps = 0.0, 0
    for a in [3] + [0] * 11 + [2]:
        _, r, term, trunc, _ = env.step(a)
        ret += r
        steps += 1
        if term or trunc:
            break
    return {"start": int(obs), "fall_reward": r_fall, "fall_terminates": bool(term_fall),
            "optimal_return": ret, "optimal_steps": steps, "goal_terminates": bool(term)}


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False, required=["--out"])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    p = step_params(Params, args.params)
    import torch

    specs = {}
    for name in p.envs:
        env_id = ENV_IDS[name]
        try:
            e = gym.make(env_id)
            specs[name] = {"id": env_id, "max_steps": MAX_STEPS[name],
                           "observation_space": str(e.observation_space),
                           "action_space": str(e.action_space)}
            e.close()
        except Exception as exc:  # noqa: BLE001 - recorded, not hidden
            specs[name] = {"id": env_id, "error": repr(exc)}
    write_json(args.out, {"python": platform.python_version(), "torch": torch.__version__,
                          "gymnasium": gym.__version__, "numpy": np.__version__,
                          "envs": specs, "cliff_check": cliff_check()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
