"""Speed checks (not part of the workflow): behaviour-log generation against ale-py's native
vector env alone, and the vectorised FDT loss/training step against the per-position loop.

    python -m scripts.fdt.bench --out results/bench_fdt.json [--steps 4000]
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch


def bench_native(game, n_envs, steps, threads):
    from scripts.fdt.agent import make_vec_env

    env = make_vec_env(game, n_envs, sticky=0.25, threads=threads)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(50):  # warm-up
        env.step(rng.integers(0, 4, n_envs))
    t = time.perf_counter()
    for _ in range(steps // n_envs):
        env.step(rng.integers(0, 4, n_envs))
    return steps / (time.perf_counter() - t)


def bench_generation(game, n_envs, steps, threads, eps, learn):
    from scripts.fdt.agent import EpisodeLogger, build_algorithm, make_vec_env, run_online

    env = make_vec_env(game, n_envs, sticky=0.25, threads=threads)
    algo = build_algorithm("dqn", game, lr=1e-4, gamma=0.99, target_update=2000)
    logger = EpisodeLogger(n_envs, 10**9, lambda k, b: None)
    kw = dict(num_envs=n_envs, seed=0, batch_size=32, update_every=128, eps_start=eps,
              eps_end=eps, eps_decay=0, replay_size=steps + 1000, logger=logger)
    # warm-up (replay allocation, first forward passes) is not timed
    run_online(algo, env, total_steps=400, learning_starts=0 if learn else 10**12, **kw)
    t = time.perf_counter()
    run_online(algo, env, total_steps=steps, learning_starts=0 if learn else 10**12, **kw)
    return steps / (time.perf_counter() - t)


def bench_loss(b, k, a, reps):
    from scripts.fdt.model import fdt_loss, fdt_loss_loop

    g = torch.Generator().manual_seed(0)
    logits = torch.randn(b, k, a, generator=g, requires_grad=True)
    actions = torch.randint(0, a, (b, k), generator=g)
    fb = torch.full((b, k), -1)
    mask = torch.rand(b, k, generator=g) < 0.05
    fb[mask] = torch.randint(0, 2, (int(mask.sum()),), generator=g)
    best = torch.where(fb >= 0, torch.randint(0, a, (b, k), generator=g), torch.full((b, k), -1))
    out = {}
    for name, fn in (("vectorised", lambda: fdt_loss(logits, actions, fb, best, 0.1)[0]),
                     ("loop", lambda: fdt_loss_loop(logits, actions, fb, best, 0.1))):
        t = time.perf_counter()
        for _ in range(reps):
            fn().backward()
        out[name] = (time.perf_counter() - t) / reps
    return out


def bench_train_step(reps, b=64, k=10, paper=False):
    from scripts.fdt.model import DecisionTransformer, fdt_loss, fdt_loss_loop

    if paper:  # appendix Table 1's model
        net = DecisionTransformer(4, k, 2654, n_layer=6, n_head=8, n_embd=128, encoder="nature")
    else:
        net = DecisionTransformer(4, k, 1000, n_layer=2, n_head=4, n_embd=64, encoder="linear")
    g = torch.Generator().manual_seed(0)
    s = torch.randint(0, 255, (b, k, 4, 84, 84), dtype=torch.uint8, generator=g)
    a = torch.randint(0, 4, (b, k), generator=g)
    r = torch.randn(b, k, generator=g)
    ts = torch.zeros(b, dtype=torch.long)
    fb = torch.full((b, k), -1)
    fb[:, ::7] = 1
    best = torch.where(fb >= 0, torch.zeros_like(a), torch.full((b, k), -1))
    out = {}
    for name in ("vectorised", "loop"):
        t = time.perf_counter()
        for _ in range(reps):
            logits = net(s, a, r, ts)
            loss = (fdt_loss(logits, a, fb, best, 0.1)[0] if name == "vectorised"
                    else fdt_loss_loop(logits, a, fb, best, 0.1))
            net.zero_grad()
            loss.backward()
        out[name] = (time.perf_counter() - t) / reps
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--game", default="breakout")
    p.add_argument("--envs", type=int, default=8)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--skip-env", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    res = {"threads": args.threads, "envs": args.envs, "steps": args.steps}
    if not args.skip_env:
        res["native_steps_per_s"] = bench_native(args.game, args.envs, args.steps, args.threads)
        res["generation_steps_per_s_eps1"] = bench_generation(args.game, args.envs, args.steps,
                                                             args.threads, 1.0, False)
        res["generation_steps_per_s_eps0.1"] = bench_generation(args.game, args.envs, args.steps,
                                                               args.threads, 0.1, False)
        res["generation_steps_per_s_eps0.1_learning"] = bench_generation(
            args.game, args.envs, args.steps, args.threads, 0.1, True)
        res["native_steps_per_s_after"] = bench_native(args.game, args.envs, args.steps,
                                                       args.threads)
    res["loss_B128_K30_A4_s"] = bench_loss(128, 30, 4, 5)
    res["train_step_laptop_model_B64_K10_s"] = bench_train_step(5)
    res["train_step_paper_model_B128_K30_s"] = bench_train_step(2, 128, 30, paper=True)
    print(json.dumps(res, indent=2))
    with open(args.out, "w") as f:
        json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
