"""Speed checks reported for the LSE issue (not a workflow rule):

1. one NES iteration on the Cliff RN (population 16, mirrored, 16 unperturbed evaluations =
   48 QL inner runs), with 1 and 2 worker processes;
2. the parallel population against members evaluated one by one on the CartPole SE: the same
   33 candidates (population 16 mirrored + 1 unperturbed) scored one by one in one process,
   batched in one process, and batched over a pool of 2 processes;
3. (``--nes-iteration``) one whole NES iteration of the CartPole SE at the paper's optimised
   settings (population 16 mirrored + 1 unperturbed evaluation = 33 inner runs), members one at a
   time against the batched population, in the same process on one thread: wall and CPU seconds.

4. (``--nes-iteration --settings P --checkpoint C [--batched-only]``) the same on the settings of a
   train_se run (``P``: its --params JSON file, or the config.json it wrote beside its outputs;
   its ``vary_hp`` holds: a varied-HP population is batched by depth, scripts.lse.agents.varied_ddqn)
   and the psi of its checkpoint ``C`` (a checkpoint.pkl of scripts.lse.train_se, or the model.pt
   of a finished run), e.g. an SE after some NES iterations, whose members' episodes no longer
   run in lockstep. ``--vary-hp`` overrides the settings' vary_hp (a fixhp run's SE scored with
   varied-HP agents).

Usage: python -m scripts.lse.bench.speed [--iterations N] [--cartpole-episodes E]
       python -m scripts.lse.bench.speed --nes-iteration [--cartpole-episodes E] [--test-episodes T]
       python -m scripts.lse.bench.speed --nes-iteration --settings P --checkpoint C [--batched-only] [--vary-hp]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from scripts.common.seeding import set_threads
from scripts.lse import nes
from scripts.lse.inner import PopulationEvaluator, evaluate_chunk
from scripts.lse.models import SyntheticEnvNet, make_rn


def cliff(iterations: int, workers: int):
    net = {"hidden_size": 32, "hidden_layer": 1, "activation": "prelu"}
    spec = {"kind": "rn_tabular", "env": "cliff", "mode": 6, "net": net,
            "agent": {"alpha": 1.0, "gamma": 0.8, "eps": 0.01},
            "inner": {"train_episodes": 100, "early_out_num": 10}, "solved": -20.0,
            "unsolved_weight": 100.0}
    psi = make_rn(6, 1, 48, 0, net, [0]).get_flat()[0]
    cfg = {"population": 16, "sigma": 0.1, "step_size": 0.5, "transform": 3, "mirrored": True,
           "iterations": iterations, "orig_evals": 16}
    ev = PopulationEvaluator(spec, workers)
    ev(np.tile(psi, (workers, 1)), list(range(workers)))  # warm the pool
    w0, c0 = time.perf_counter(), time.process_time()
    state = nes.run_nes(psi, cfg, 0, ev)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    ev.close()
    return {"workers": workers, "wall_per_iteration_s": wall / iterations,
            "main_cpu_per_iteration_s": cpu / iterations,
            "final_score_orig": state["rows"][-1]["score_orig_mean"]}


def cartpole(episodes: int):
    net = {"activation": "leakyrelu", "hidden_size": 83, "hidden_layer": 1}
    agent = {"init_episodes": 1, "batch_size": 199, "gamma": 0.988, "lr": 3.04e-4, "tau": 0.00848,
             "eps_init": 0.809, "eps_min": 0.0371, "eps_decay": 0.961, "activation": "tanh",
             "hidden_size": 57, "hidden_layer": 1, "rb_size": 100000}
    inner = {"train_episodes": episodes, "early_out_num": 10, "early_out_diff": 0.01, "test_episodes": 3}
    spec = {"kind": "se", "env": "cartpole", "net": net, "agent": agent, "agent_kind": "ddqn",
            "inner": inner}
    n = 33
    thetas = SyntheticEnvNet(n, 4, 2, net, list(range(n))).get_flat()
    seeds = list(range(n))
    out = {}
    t = time.perf_counter()
    one = evaluate_chunk(dict(spec, one_by_one=True), thetas, seeds)
    out["one_by_one_s"] = time.perf_counter() - t
    t = time.perf_counter()
    batched = evaluate_chunk(spec, thetas, seeds)
    out["batched_1proc_s"] = time.perf_counter() - t
    ev = PopulationEvaluator(spec, 2)
    ev(thetas[:2], seeds[:2])
    t = time.perf_counter()
    pooled = ev(thetas, seeds)
    out["batched_2proc_s"] = time.perf_counter() - t
    ev.close()
    out["same_scores_batched_vs_one_by_one"] = bool(np.allclose(one, batched))
    out["same_scores_pool_vs_one_by_one"] = bool(np.allclose(one, pooled))
    out["speedup_batched_1proc"] = out["one_by_one_s"] / out["batched_1proc_s"]
    out["speedup_batched_2proc"] = out["one_by_one_s"] / out["batched_2proc_s"]
    return out


OPT_NET = {"activation": "leakyrelu", "hidden_size": 83, "hidden_layer": 1}
OPT_AGENT = {"init_episodes": 1, "batch_size": 199, "gamma": 0.988, "lr": 3.04e-4, "tau": 0.00848,
             "eps_init": 0.809, "eps_min": 0.0371, "eps_decay": 0.961, "activation": "tanh",
             "hidden_size": 57, "hidden_layer": 1, "rb_size": 100000}
OPT_NES = {"population": 16, "sigma": 0.0124, "step_size": 0.148, "transform": 3, "mirrored": True,
           "iterations": 1, "orig_evals": 1}


def nes_iteration(episodes: int, tests: int, settings=None, checkpoint=None, batched_only=False,
                  vary_hp=None):
    """One NES iteration (CartPole SE; the optimised settings, or a train_se run's ``settings``
    and the psi of its ``checkpoint``) scored batched, then one by one."""
    if settings is None:
        inner = {"train_episodes": episodes, "early_out_num": 10, "early_out_diff": 0.01,
                 "test_episodes": tests}
        net, agent, cfg = OPT_NET, OPT_AGENT, OPT_NES
    else:
        settings = settings.get("params", settings)  # a run's config.json holds them under "params"
        inner, net, agent = settings["inner"], settings["net"], settings["agent"]
        cfg = dict(settings["nes"], iterations=1)
    spec = {"kind": "se", "env": "cartpole", "net": net, "agent": agent,
            "agent_kind": "ddqn", "inner": inner,
            "vary_hp": bool((settings or {}).get("vary_hp", False) if vary_hp is None else vary_hp)}
    if checkpoint is not None:
        from pathlib import Path

        from scripts.lse.nes_job import load_checkpoint, load_model

        psi = (load_model(checkpoint) if checkpoint.endswith(".pt") else load_checkpoint(Path(checkpoint)))["psi"]
    else:
        psi = SyntheticEnvNet(1, 4, 2, net, [0]).get_flat()[0]
    out = {"inner_runs": 2 * cfg["population"] + cfg["orig_evals"], "inner": inner,
           "vary_hp": spec["vary_hp"]}
    modes = [("batched", spec)] + ([] if batched_only else [("one_by_one", dict(spec, one_by_one=True))])
    for name, sp in modes:
        w, c = time.perf_counter(), time.process_time()
        r = nes.nes_iteration(psi, 0, cfg, 0, lambda th, sd, sp=sp: evaluate_chunk(sp, th, sd))
        out[name] = {"wall_s": time.perf_counter() - w, "cpu_s": time.process_time() - c,
                     "score_orig": [float(x) for x in r["score_orig"]],
                     "scores": [float(x) for x in r["scores"]]}
    if batched_only:
        return out
    out["same_scores"] = out["batched"]["scores"] == out["one_by_one"]["scores"]
    out["speedup_cpu"] = out["one_by_one"]["cpu_s"] / out["batched"]["cpu_s"]
    out["speedup_wall"] = out["one_by_one"]["wall_s"] / out["batched"]["wall_s"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--cartpole-episodes", type=int, default=5)
    ap.add_argument("--skip-cartpole", action="store_true")
    ap.add_argument("--nes-iteration", action="store_true",
                    help="only the CartPole NES iteration, batched vs one member at a time")
    ap.add_argument("--test-episodes", type=int, default=3)
    ap.add_argument("--settings", help="a train_se --params JSON file (with --nes-iteration)")
    ap.add_argument("--checkpoint", help="a train_se checkpoint.pkl whose psi is scored")
    ap.add_argument("--batched-only", action="store_true")
    ap.add_argument("--vary-hp", action="store_true", default=None,
                    help="score with varied-HP agents whatever the settings say")
    args = ap.parse_args()
    set_threads(1)
    if args.nes_iteration:
        settings = None
        if args.settings:
            with open(args.settings) as f:
                settings = json.load(f)
        print(json.dumps(nes_iteration(args.cartpole_episodes, args.test_episodes, settings,
                                       args.checkpoint, args.batched_only, args.vary_hp), indent=1))
        return
    res = {"cliff_1": cliff(args.iterations, 1), "cliff_2": cliff(args.iterations, 2)}
    print(json.dumps(res, indent=1), flush=True)
    if not args.skip_cartpole:
        res["cartpole"] = cartpole(args.cartpole_episodes)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
