"""MinAtar data generation against MinAtar's raw env stepping, in agent steps per second, on one
core (issue 17). Measures, per game:

- ``raw``: ``minatar.Environment.act`` + ``state()`` with uniform random actions (the package alone);
- ``gym``: our gymnasium env (scripts/common/envs.py ``make_minatar``, (C,10,10) uint8 frames),
  random actions, one env;
- ``vector_policy``: data generation as FDT/DSI will run it, ``MinAtarVectorEnv`` of ``--envs``
  games stepped in lock step, actions sampled from a policy network (MinAtar's conv 16 -> FC 128,
  scripts/trex/rl.py ``minatar_net``) in one batched forward pass per step, frames kept;
- ``single_policy``: the T-REX rollout path (one env, one forward pass per step).

    python -m scripts.tools.minatar_throughput --steps 20000 --out benchmarks/minatar_throughput.csv
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
import torch

from scripts.common.envs import MINATAR_GAMES, MinAtarVectorEnv, make_minatar


def raw(game: str, steps: int, seed: int = 0) -> float:
    from minatar import Environment

    env = Environment(MINATAR_GAMES[game])
    env.seed(seed)
    env.reset()
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, 6, steps)
    t0 = time.perf_counter()
    for a in actions:
        _, done = env.act(int(a))
        env.state()
        if done:
            env.reset()
    return steps / (time.perf_counter() - t0)


def gym_random(game: str, steps: int, seed: int = 0) -> float:
    env = make_minatar(game)
    env.reset(seed=seed)
    actions = np.random.default_rng(seed).integers(0, 6, steps)
    t0 = time.perf_counter()
    for a in actions:
        _, _, term, trunc, _ = env.step(int(a))
        if term or trunc:
            env.reset()
    return steps / (time.perf_counter() - t0)


def _policy(channels: int):
    from scripts.trex.rl import minatar_net

    torch.manual_seed(0)
    feat = minatar_net(channels, 10, 10)
    head = torch.nn.Linear(128, 6)
    return lambda obs: head(feat(obs)[0])


def vector_policy(game: str, steps: int, n_envs: int, seed: int = 0) -> float:
    venv = MinAtarVectorEnv(game, n_envs, seed=seed)
    net = _policy(venv.single_observation_space.shape[0])
    obs = venv.reset()
    frames = np.empty((steps // n_envs + 1, n_envs) + obs.shape[1:], dtype=np.uint8)
    t0 = time.perf_counter()
    with torch.no_grad():
        for k in range(steps // n_envs):
            frames[k] = obs
            logits = net(torch.as_tensor(obs))
            act = torch.distributions.Categorical(logits=logits).sample().numpy()
            obs, _, _, _ = venv.step(act)
    return (steps // n_envs) * n_envs / (time.perf_counter() - t0)


def single_policy(game: str, steps: int, seed: int = 0) -> float:
    env = make_minatar(game)
    net = _policy(env.observation_space.shape[0])
    obs, _ = env.reset(seed=seed)
    t0 = time.perf_counter()
    with torch.no_grad():
        for _ in range(steps):
            logits = net(torch.as_tensor(obs[None]))
            a = int(torch.distributions.Categorical(logits=logits).sample()[0])
            obs, _, term, trunc, _ = env.step(a)
            if term or trunc:
                obs, _ = env.reset()
    return steps / (time.perf_counter() - t0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--envs", type=int, default=16)
    p.add_argument("--games", nargs="*", default=sorted(MINATAR_GAMES))
    p.add_argument("--out")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for game in args.games:
        row = {"game": game, "raw": raw(game, args.steps), "gym": gym_random(game, args.steps),
               "vector_policy": vector_policy(game, args.steps, args.envs),
               "single_policy": single_policy(game, max(1000, args.steps // 4))}
        row["vector_policy_vs_raw"] = row["vector_policy"] / row["raw"]
        rows.append(row)
        print(", ".join(f"{k}={v:.0f}" if isinstance(v, float) and k != "vector_policy_vs_raw"
                        else f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
              flush=True)
    frame = pd.DataFrame(rows)
    if args.out:
        frame.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
