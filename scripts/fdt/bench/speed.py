"""Speed checks (not part of the workflow): behaviour-log generation against ale-py's native
vector env alone, and the vectorised FDT loss/training step against the per-position loop.

    python -m scripts.fdt.bench.speed --out results/bench_fdt.json [--steps 8000] [--repeats 3]
        [--reference] [--groups 1|2] [--skip-train] [--device cpu|cuda|auto]

Main figure (issue 5's goal, >= 80 %): ``generation.ratio_to_native`` = agent steps/s of the
generator (epsilon-greedy acting with the Q-network, behaviour log, replay insertion; the
laptop's 8 envs and 1 thread) over a bare ``AtariVectorEnv`` with the same envs and
``num_threads`` stepping random actions (the better of two measurements, before and after).
Secondary: ``generation_with_updates`` (plus the laptop's DQN updates). ``context`` gives the
generator's env layout alone and a bare env on all cores, and every row its process CPU time
per agent step: the generator's Q-network runs in the main thread beside ale-py's worker
threads, so on a machine with a spare core it overlaps the emulation.

``q_forward`` bounds what any pipeline can reach on a CPU: the acting forward pass per
observation (and its share of the core's measured fp32 GEMM peak), the bare env's CPU per step
on all cores, and ``ceiling_ratio_to_all_cores`` = env / (env + (1 - eps) * forward), the ratio
to the all-cores bare env if the pipeline itself cost nothing. ``--device cuda`` (or ``auto``,
the workflow's choice) moves the Q-network off the CPU, as the generate and oracle rules do on
a GPU node.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch


def _random_actions(rng, n_act, n):
    return rng.integers(0, n_act, n).astype(np.int64)


def bench_native(game, n_envs, steps, threads, warmup=50):
    """The bare vector env: one ``AtariVectorEnv`` of ``n_envs`` with ``threads`` worker
    threads (the generator's settings: DQN Replay preprocessing, sticky 0.25), random actions,
    synchronous ``step``. Returns (agent steps/s, process CPU seconds per agent step)."""
    from scripts.fdt.agent import make_vec_env

    env = make_vec_env(game, n_envs, sticky=0.25, threads=threads)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    n_act = int(env.single_action_space.n)
    for _ in range(warmup):
        env.step(_random_actions(rng, n_act, n_envs))
    iters = max(1, steps // n_envs)
    t, c = time.perf_counter(), time.process_time()
    for _ in range(iters):
        env.step(_random_actions(rng, n_act, n_envs))
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    env.close()
    return iters * n_envs / wall, cpu / (iters * n_envs)


def bench_native_groups(game, n_envs, steps, threads, groups, warmup=50):
    """The generator's env layout alone: ``groups`` vector envs over the ``n_envs``, each with
    ``threads`` worker threads, all sent random actions before any is received (so they run
    at the same time). Returns (agent steps/s, CPU seconds per agent step)."""
    from scripts.fdt.agent import make_env_groups

    envs = make_env_groups(game, n_envs, sticky=0.25, groups=groups, threads=threads)
    envs.reset(0)
    rng = np.random.default_rng(0)
    n_act = int(envs.single_action_space.n)

    def one():
        for e in envs.envs:
            e.send(_random_actions(rng, n_act, e.num_envs))
        for e in envs.envs:
            e.recv()

    for _ in range(warmup):
        one()
    iters = max(1, steps // n_envs)
    t, c = time.perf_counter(), time.process_time()
    for _ in range(iters):
        one()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    envs.close()
    return iters * n_envs / wall, cpu / (iters * n_envs)


def bench_q_forward(game, batch, device, reps=200):
    """The behaviour Q-network's acting forward pass (``greedy_q``: uint8 frames in, Q-values
    out, on ``device``) for ``batch`` observations. Returns (ms per observation, the fraction
    of a single core's measured fp32 GEMM peak it reaches on CPU; None on a GPU)."""
    from scripts.fdt.agent import build_algorithm, greedy_q

    policy = build_algorithm("dqn", game, lr=1e-4, gamma=0.99, target_update=2000).policy
    policy.to(device).eval()
    obs = np.random.default_rng(0).integers(0, 256, (batch, 4, 84, 84), dtype=np.uint8)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(20):
        greedy_q(policy, obs).argmax(-1).cpu()
    sync()
    t = time.perf_counter()
    for _ in range(reps):
        greedy_q(policy, obs).argmax(-1).cpu()
    sync()
    ms = 1e3 * (time.perf_counter() - t) / (reps * batch)
    if device.type != "cpu":
        return ms, None
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    a @ b
    t = time.perf_counter()
    for _ in range(20):
        a @ b
    gemm_flops = 20 * 2 * 1024 ** 3 / (time.perf_counter() - t)
    return ms, (NATURE_CNN_FLOPS / (ms * 1e-3)) / gemm_flops


# multiply-adds of the Nature CNN on a 4x84x84 stack, times 2: conv 8x8/4 -> 20x20x32,
# 4x4/2 -> 9x9x64, 3x3/1 -> 7x7x64, then 3136 -> 512 -> actions (4)
NATURE_CNN_FLOPS = 2 * (20 * 20 * 32 * 8 * 8 * 4 + 9 * 9 * 64 * 4 * 4 * 32 + 7 * 7 * 64 * 3 * 3 * 64
                        + 3136 * 512 + 512 * 4)


def bench_generation(game, n_envs, steps, threads, eps, learn, groups=2, pipeline=True,
                     reference=False, update_every=128, batch=32, device=None):
    """The behaviour-log generator (``run_online`` with the chunked logger): epsilon-greedy
    with the Q-network, logging, replay insertion, and with ``learn`` DQN updates of ``batch``
    every ``update_every`` agent steps (the laptop config). Timed from the end of the first
    step (after the reset) to the end. ``reference``: the pre-speed-up per-step loop of
    tests/fdt/reference_online.py on one vector env. Returns (steps/s, CPU s per step,
    share of iterations that looked ahead)."""
    from scripts.fdt.agent import (EpisodeLogger, build_algorithm, make_env_groups,
                                   make_vec_env, run_online)

    torch.manual_seed(0)
    algo = build_algorithm("dqn", game, lr=1e-4, gamma=0.99, target_update=2000)
    algo.to(device or torch.device("cpu"))
    kw = dict(total_steps=steps, num_envs=n_envs, seed=0, batch_size=batch,
              update_every=update_every, eps_start=eps, eps_end=eps, eps_decay=0,
              replay_size=steps + 1000, learning_starts=0 if learn else 10**12)
    t_first = {}

    def first(_n):
        if "t" not in t_first:
            t_first.update(t=time.perf_counter(), c=time.process_time())

    if reference:
        from tests.fdt.reference_online import RefEpisodeLogger, ref_run_online

        env = make_vec_env(game, n_envs, sticky=0.25, threads=threads)
        logger = RefEpisodeLogger(n_envs, 10**9, lambda k, b: None)
        ref_run_online(algo, env, logger=logger, on_progress=first, **kw)
        ahead = 0.0
    else:
        env = make_env_groups(game, n_envs, sticky=0.25, groups=groups, threads=threads)
        logger = EpisodeLogger(n_envs, 10**9, lambda k, b: None)
        stats = {}
        run_online(algo, env, logger=logger, on_progress=first, pipeline=pipeline,
                   stats=stats, **kw)
        ahead = stats["looked_ahead"] / stats["iterations"]
    wall, cpu = time.perf_counter() - t_first["t"], time.process_time() - t_first["c"]
    n = steps - n_envs  # the first step (reset, first forward passes) is not timed
    return n / wall, cpu / n, ahead


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
    p.add_argument("--envs", type=int, default=8, help="sub-environments (laptop config: 8)")
    p.add_argument("--steps", type=int, default=4000, help="agent steps per measurement")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads and ale-py worker threads per vector env (laptop: 1)")
    p.add_argument("--groups", type=int, default=2, help="vector envs the generator uses")
    p.add_argument("--eps", type=float, default=0.1,
                   help="exploration rate of the main figure (laptop: 1.0 -> 0.1)")
    p.add_argument("--reference", action="store_true",
                   help="also time the pre-speed-up per-step loop (tests/fdt/reference_online)")
    p.add_argument("--skip-env", action="store_true")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--repeats", type=int, default=1,
                   help="measure each figure this many times and keep the fastest")
    p.add_argument("--device", default="cpu",
                   help="where the Q-network acts and learns: cpu, cuda, or auto (the "
                        "workflow's choice: CUDA when present)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from scripts.common.seeding import device as default_device

    device = default_device() if args.device == "auto" else torch.device(args.device)

    def best(fn, *a, **kw):
        return max((fn(*a, **kw) for _ in range(max(1, args.repeats))), key=lambda r: r[0])

    g, n, st, th = args.game, args.envs, args.steps, args.threads
    res = {"game": g, "envs": n, "steps": st, "threads": th, "groups": args.groups,
           "eps": args.eps, "repeats": args.repeats, "cpus": os.cpu_count(),
           "device": str(device),
           "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]}
    if not args.skip_env:
        def row(rate_cpu):
            return {"steps_per_s": round(rate_cpu[0], 1),
                    "cpu_ms_per_step": round(1e3 * rate_cpu[1], 3)}

        native = row(best(bench_native, g, n, st, th))
        dev = dict(device=device)
        gen = best(bench_generation, g, n, st, th, args.eps, False, args.groups, **dev)
        gen_learn = best(bench_generation, g, n, st, th, args.eps, True, args.groups, **dev)
        gen_eps1 = best(bench_generation, g, n, st, th, 1.0, False, args.groups, **dev)
        layout = row(best(bench_native_groups, g, n, st, th, args.groups))
        all_cores = row(best(bench_native, g, n, st, os.cpu_count() or 1))
        native_after = row(best(bench_native, g, n, st, th))
        base = max(native["steps_per_s"], native_after["steps_per_s"])
        res["native_vector_env"] = {
            "what": f"one AtariVectorEnv, {n} envs, num_threads={th}, random actions",
            "before": native, "after": native_after, "baseline_steps_per_s": base}
        res["generation"] = {
            "what": (f"run_online: {n} envs in {args.groups} vector envs (num_threads={th} each),"
                     f" eps {args.eps} with the Q-network, behaviour log, replay insertion,"
                     " no updates"),
            **row(gen[:2]), "looked_ahead": round(gen[2], 3),
            "ratio_to_native": round(gen[0] / base, 3)}
        res["generation_with_updates"] = {
            "what": "as generation, plus a DQN update of batch 32 every 128 agent steps (laptop)",
            **row(gen_learn[:2]), "looked_ahead": round(gen_learn[2], 3),
            "ratio_to_native": round(gen_learn[0] / base, 3)}
        res["generation_eps1"] = {"what": "as generation, eps 1.0 (random policy, logging only)",
                                  **row(gen_eps1[:2]),
                                  "ratio_to_native": round(gen_eps1[0] / base, 3)}
        # the ceiling on a CPU: the forward pass shares the cores with the emulators, so at
        # best steps/s = cores / (env CPU per step + forward CPU per step), against the bare
        # env's cores / (env CPU per step) on all cores
        per_obs = n // args.groups
        fwd_ms, gemm_share = bench_q_forward(g, per_obs, device)
        env_ms = 1e3 * (os.cpu_count() or 1) / all_cores["steps_per_s"]
        greedy_ms = (1 - args.eps) * fwd_ms if device.type == "cpu" else 0.0
        res["q_forward"] = {
            "what": f"greedy_q on {device}, batch {per_obs} (one env group), ms per observation",
            "ms_per_obs": round(fwd_ms, 4),
            "share_of_cpu_gemm_peak": None if gemm_share is None else round(gemm_share, 3),
            "bare_env_cpu_ms_per_step": round(env_ms, 4),
            "ceiling_ratio_to_all_cores": round(env_ms / (env_ms + greedy_ms), 3)}
        res["context"] = {
            "native_generator_layout": {**layout, "what": (
                f"{args.groups} vector envs stepping random actions at the same time")},
            "native_all_cores": {**all_cores, "what": (
                f"one AtariVectorEnv, num_threads={os.cpu_count()}")},
            "generation_ratio_to_layout": round(gen[0] / layout["steps_per_s"], 3),
            "generation_ratio_to_all_cores": round(gen[0] / all_cores["steps_per_s"], 3)}
        if args.reference:
            ref = best(bench_generation, g, n, st, th, args.eps, False, reference=True)
            ref_learn = best(bench_generation, g, n, st, th, args.eps, True, reference=True)
            res["reference_per_step_loop"] = {
                "what": "the loop before the speed-up (one vector env, per-step objects)",
                "no_updates": {**row(ref[:2]), "ratio_to_native": round(ref[0] / base, 3)},
                "with_updates": {**row(ref_learn[:2]),
                                 "ratio_to_native": round(ref_learn[0] / base, 3)}}
    if not args.skip_train:
        res["loss_B128_K30_A4_s"] = bench_loss(128, 30, 4, 5)
        res["train_step_laptop_model_B64_K10_s"] = bench_train_step(5)
        res["train_step_paper_model_B128_K30_s"] = bench_train_step(2, 128, 30, paper=True)
    res["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(res, indent=2))
    with open(args.out, "w") as f:
        json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
