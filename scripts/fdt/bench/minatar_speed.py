"""Speed checks of the MinAtar stand-in (not part of the workflow), in process CPU seconds so that
a loaded machine gives comparable numbers:

- ``generation``: agent steps per CPU second of the behaviour-log generator
  (scripts.fdt.minatar_log's loop: epsilon-greedy acting, replay insertion, episode logger and
  the laptop's DQN updates) against MinAtar's raw stepping alone (random actions, same envs);
- ``train_step``: one DT and one FDT gradient step of the laptop model on the same batch of a
  MinAtar training set (FDT: the feedback term on top of the same forward and backward pass).

    python -m scripts.fdt.bench.minatar_speed --out results/bench_fdt_minatar.json
        [--game breakout] [--steps 10000] [--reps 50]
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

LAPTOP_LOG = {"num_envs": 8, "sticky": 0.1, "lr": 0.001, "gamma": 0.99, "target_update": 1000,
              "batch": 32, "learning_starts": 2000, "update_every": 4, "eps_start": 1.0,
              "eps_end": 0.05, "eps_decay": 50000, "replay_size": 50000}
LAPTOP_MODEL = {"context": 10, "batch": 64, "n_layer": 2, "n_head": 4, "n_embd": 64}


def bench_generation(game: str, steps: int) -> dict:
    from scripts.fdt.agent import EnvGroups, EpisodeLogger, online_kwargs, run_online
    from scripts.fdt.minatar_agent import MinAtarGroup, build_dqn, frame_shape
    from scripts.fdt.minatar_log import raw_steps_per_s

    n = LAPTOP_LOG["num_envs"]
    c0 = time.process_time()
    raw_wall = raw_steps_per_s(game, n, steps, LAPTOP_LOG["sticky"], 0)
    raw_cpu = steps / (time.process_time() - c0)
    logger = EpisodeLogger(n, 10 ** 9, lambda k, b: None, frame_shape=frame_shape(game))
    env = EnvGroups([MinAtarGroup(game, n, sticky=LAPTOP_LOG["sticky"], max_steps=2000)])
    algo = build_dqn(game, lr=LAPTOP_LOG["lr"], gamma=LAPTOP_LOG["gamma"],
                     target_update=LAPTOP_LOG["target_update"])
    kw = online_kwargs(LAPTOP_LOG)
    kw["learning_starts"] = min(kw["learning_starts"], steps // 4)
    c0, t0 = time.process_time(), time.time()
    run_online(algo, env, total_steps=steps, seed=0, logger=logger, pipeline=False, **kw)
    gen_cpu = steps / (time.process_time() - c0)
    return {"raw_steps_per_cpu_s": round(raw_cpu, 1), "raw_steps_per_wall_s": round(raw_wall, 1),
            "generator_steps_per_cpu_s": round(gen_cpu, 1),
            "generator_steps_per_wall_s": round(steps / (time.time() - t0), 1),
            "ratio_cpu": round(gen_cpu / raw_cpu, 4), "steps": steps, "num_envs": n}


def bench_train_step(game: str, reps: int) -> dict:
    from scripts.fdt.minatar_agent import frame_shape
    from scripts.fdt.minatar_train import make_batch, train_step
    from scripts.fdt.model import DecisionTransformer, configure_optimizer

    rng = np.random.default_rng(0)
    m = LAPTOP_MODEL
    n = 5000
    c = frame_shape(game)[0]
    ts = {"observation": rng.integers(0, 2, (n, c, 10, 10)).astype(np.uint8),
          "action": rng.integers(0, 6, n), "rtg": rng.random(n).astype(np.float32),
          "timestep": np.arange(n) % 500, "feedback": np.where(rng.random(n) < 0.03, 1, -1),
          "best_action": rng.integers(0, 6, n)}
    b = make_batch(ts, rng.integers(0, n - m["context"], m["batch"]), m["context"], fb=True)
    out = {}
    for model in ("dt", "fdt"):
        torch.manual_seed(0)
        net = DecisionTransformer(6, m["context"], 500, n_layer=m["n_layer"], n_head=m["n_head"],
                                  n_embd=m["n_embd"], dropout=0.1, encoder="minatar", in_channels=c)
        opt = configure_optimizer(net, 6e-4, 0.1, (0.9, 0.95))
        for _ in range(3):
            train_step(net, opt, b, model, 0.1, 1.0)
        c0 = time.process_time()
        for _ in range(reps):
            train_step(net, opt, b, model, 0.1, 1.0)
        out[f"{model}_ms_per_step_cpu"] = round(1000 * (time.process_time() - c0) / reps, 2)
    out["fdt_over_dt"] = round(out["fdt_ms_per_step_cpu"] / out["dt_ms_per_step_cpu"], 3)
    out.update(batch=m["batch"], context=m["context"], reps=reps)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--game", default="breakout")
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=50)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    res = {"game": args.game, "threads": 1, "generation": bench_generation(args.game, args.steps),
           "train_step": bench_train_step(args.game, args.reps)}
    from scripts.common.io import write_json

    write_json(args.out, res)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
