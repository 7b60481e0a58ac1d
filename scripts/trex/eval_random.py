"""The uniform random policy on the TRUE reward of a fresh env: the "random" row of the
MinAtar stand-in table (episodes, return and length as tidy CSV rows, method ``random``)."""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from scripts.common import cli
from scripts.common.io import write_csv
from scripts.common.progress import get_logger
from scripts.common.stats import tidy_frame
from scripts.trex import rl
from scripts.trex.params import RunEnv


@dataclass(frozen=True)
class Params:
    """Settings of rule trex_minatar_random: how to make the env (the MinAtar game's block) and
    the number of episodes (``minatar.eval.episodes``)."""

    env: RunEnv  # the episode cap and MinAtar settings
    episodes: int  # episodes of the random policy


def random_returns(env, episodes: int, seed: int, max_steps: int | None = None) -> list:
    """(return, length) of ``episodes`` episodes of uniform random actions; episode k is reset
    with seed ``seed + k`` and its actions drawn from a generator seeded (seed, k)."""
    out = []
    for k in range(int(episodes)):
        rng = np.random.default_rng([int(seed), k])
        env.reset(seed=int(seed) + k)
        total, length = 0.0, 0
        while True:
            _, r, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
            total += float(r)
            length += 1
            if terminated or truncated or (max_steps and length >= max_steps):
                break
        out.append((total, length))
    return out


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], required=["--env", "--experiment", "--out"])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("trex.eval_random")
    prm = cli.step_params(Params, args.params)
    env = rl.make_env(args.env, purpose="rollout", max_episode_steps=prm.env.max_episode_steps,
                      minatar=prm.env.minatar)
    eps = random_returns(env, prm.episodes, 200_000_000 + 1000 * args.seed)
    env.close()
    rows = []
    for k, (ret, length) in enumerate(eps):
        for name, value in (("return", ret), ("length", length)):
            rows.append({"paper": "trex", "experiment": args.experiment, "method": "random",
                         "env": args.env, "seed": args.seed, "step": 0, "metric": name,
                         "value": float(value), "set": "random", "episode": k})
    write_csv(args.out, tidy_frame(rows))
    log.info("%s: random policy, mean return %.2f over %d episodes", args.env,
             float(np.mean([e[0] for e in eps])), len(eps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
