"""Evaluate a trained policy on the TRUE reward of a fresh, unwrapped environment.

MuJoCo: ``episodes`` episodes, return and final x-position (the paper's bar-chart
"performance" is the forward distance); Atari: ``episodes`` full games (30 in the paper),
no life-loss resets, unclipped score. Actions are sampled from the policy (stochastic, as
the authors' Atari evaluation) unless ``deterministic``. Output: tidy CSV rows.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import torch

from scripts.common import cli
from scripts.common.io import write_csv
from scripts.common.progress import get_logger
from scripts.common.stats import tidy_frame
from scripts.trex import rl, util
from scripts.trex.params import Eval, RunEnv


@dataclass(frozen=True)
class Params:
    """Settings of rules trex_eval_policy and trex_minatar_eval: how to make the env
    (config/trex.yaml ``envs.<env>``, or the MinAtar game's) and the evaluation (``eval_<kind>``,
    or ``minatar.eval``)."""

    env: RunEnv  # the episode cap and MinAtar settings
    eval: Eval  # episodes and the policy's mode


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0],
                   required=["--env", "--set", "--policy", "--experiment", "--out"])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("trex.eval")
    prm = cli.step_params(Params, args.params)
    ev = prm.eval
    policy, obs_rms, spec = rl.load_policy(args.policy)
    policy.deterministic_eval = bool(ev.deterministic)
    env = rl.make_env(args.env, purpose="rollout", max_episode_steps=prm.env.max_episode_steps,
                      minatar=prm.env.minatar)
    torch.manual_seed(10_000_019 + args.seed)
    eps = rl.rollout(policy, obs_rms, env, seed=100_000_000 + 1000 * args.seed,
                     n_episodes=int(ev.episodes), record=False)
    env.close()
    method = "control" if util.parse_set(args.set)["control"] else "T-REX"
    rows = []
    for k, e in enumerate(eps):
        metrics = {"return": e["return"], "length": e["length"]}
        if rl.env_kind(args.env) == "mujoco":
            metrics["distance"] = e["distance"]
        for name, value in metrics.items():
            rows.append({"paper": "trex", "experiment": args.experiment, "method": method,
                         "env": args.env, "seed": args.seed, "step": spec.get("env_steps", 0),
                         "metric": name, "value": float(value), "set": args.set, "episode": k})
    write_csv(args.out, tidy_frame(rows))
    log.info("%s/%s seed %d: mean return %.1f over %d episodes", args.env, args.set, args.seed,
             sum(e["return"] for e in eps) / len(eps), len(eps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
