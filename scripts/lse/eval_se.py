"""Rules lse_eval_se and lse_mbrl_eval: fresh agents with varied HPs trained on SEs (or on the
real env, or on the supervised MBRL models), then tested on the real env (Fig 3/7, MBRL).

Per agent: the varied HPs, the mean of the real test returns, training steps (SE steps for
SE modes) and episodes, as tidy rows. Agents of a job are spread over a process pool.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from scripts.common.checkpoint import args_fingerprint, remove_checkpoint, resumable_map
from scripts.common.cli import parser, setup, step_params
from scripts.common.io import write_csv
from scripts.common.progress import get_logger
from scripts.common.stats import tidy_frame
from scripts.lse.agents import vary_hps
from scripts.lse.inner import make_agent
from scripts.lse.models import MAX_STEPS, RealBatch, SEBatch, SyntheticEnvNet, env_spaces
from scripts.lse.nes_job import load_model
from scripts.lse.runner import Runner, se_protocol


@dataclass(frozen=True)
class Params:
    """Settings of rules lse_eval_se and lse_mbrl_eval: the agent to evaluate (config/lse.yaml's
    `se.eval` block) and how many models and agents."""

    env: str  # the real environment (cartpole, acrobot)
    agent_kind: str  # the evaluated agent (ddqn, duelingddqn, td3discrete)
    agent: Dict[str, Any]  # its base HPs (`se.eval.agent_hp.<agent_kind>`), varied per agent
    inner: Dict[str, Any]  # the training budget and early-out rule (train_episodes, early_out_num, ...)
    solved: float  # the real env's solved reward: agents trained on the real env stop once their train returns reach it
    n_models: int  # models evaluated (solved ones first); without models, groups of real-env agents
    agents_per_model: int  # fresh agents trained per model


def eval_task(task: Dict) -> Dict:
    from scripts.common.seeding import set_threads
    import torch

    set_threads(1)
    env, seed = task["env"], task["seed"]
    torch.manual_seed(seed)
    obs_dim, n_act, _, _ = env_spaces(env)
    hp = vary_hps(task["base"], np.random.default_rng(seed), task["agent_kind"]) if task["vary"] \
        else dict(task["base"])
    agent = make_agent(task["agent_kind"], 1, obs_dim, n_act, hp, [seed])
    inner = task["inner"]
    cap = inner.get("episode_cap")
    if task["psi"] is None:
        train_env = RealBatch(env, [seed], max_steps=cap)
    else:
        se = SyntheticEnvNet(1, obs_dim, n_act, task["net"], [seed])
        se.set_flat(np.asarray(task["psi"]))
        train_env = SEBatch(se, env, [seed], MAX_STEPS[env], cap)
    # on the real env the 2020 agent code stops once the mean of the last early_out_num training
    # returns reaches the solved reward; on an SE (or a supervised model) at the plateau early-out
    res = Runner(agent, train_env, RealBatch(env, [seed + 17], max_steps=cap), **se_protocol(inner),
                 real_solved=task["solved_reward"] if task["psi"] is None else None).run()[0]
    return {"model": task["model"], "agent": task["agent_idx"], "seed": seed,
            "hp": json.dumps({k: hp[k] for k in ("lr", "batch_size", "hidden_size", "hidden_layer")}),
            "test_return": float(np.mean(res["test_returns"])), "steps": res["steps"],
            "episodes": res["episodes"], "model_solved": task["solved"]}


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--out"])
    ap.add_argument("--mode", required=True, choices=["real", "se_fixhp", "se_varyhp", "mbrl"])
    ap.add_argument("--models", nargs="*", default=[])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.eval_se")
    p = step_params(Params, args.params)
    env, kind = p.env, p.agent_kind
    models: List[Dict] = [load_model(m) for m in args.models]
    if models:
        # the paper evaluated the first saved (= solved) SEs; unsolved runs are used only when
        # too few solved, and flagged in every row (model_solved)
        order = sorted(range(len(models)), key=lambda i: (not models[i]["solved"], i))
        chosen = order[:p.n_models]
        log.info("%d of %d models solved; using %s", sum(m["solved"] for m in models), len(models), chosen)
    else:
        chosen = list(range(p.n_models))
    tasks = []
    for j in chosen:
        for k in range(p.agents_per_model):
            m = models[j] if models else None
            tasks.append({"env": env, "agent_kind": kind, "base": p.agent, "vary": True, "solved_reward": p.solved,
                          "inner": p.inner, "seed": 100_000 + j * 1000 + k, "model": j,
                          "agent_idx": k, "psi": None if m is None else m["psi"].tolist(),
                          "net": None if m is None else m["config"]["net"],
                          "solved": True if m is None else m["solved"]})
    log.info("%s %s %s: %d agents on %d threads", env, kind, args.mode, len(tasks), args.threads)
    # agents are independent and seeded each: a checkpoint of the finished ones beside the
    # output lets a preempted job resume (kept only under the same settings and models)
    ckpt = Path(args.out).parent / f".{Path(args.out).name}.checkpoint.pt"
    fp = args_fingerprint(args, inputs=list(args.models))
    if args.threads > 1:
        with mp.get_context("spawn").Pool(args.threads) as pool:
            results = resumable_map(eval_task, tasks, ckpt, fp, pool=pool, log=log.info)
    else:
        results = resumable_map(eval_task, tasks, ckpt, fp, log=log.info)
    rows = []
    for r in results:
        for metric in ("test_return", "steps", "episodes"):
            rows.append({"paper": "lse", "experiment": "eval_se", "method": args.mode, "env": env,
                         "seed": r["model"], "step": r["steps"], "metric": metric,
                         "value": r[metric], "agent": kind, "agent_idx": r["agent"],
                         "hp": r["hp"], "model_solved": r["model_solved"]})
    write_csv(args.out, tidy_frame(rows))
    remove_checkpoint(ckpt)   # finished: a rerun evaluates again
    return 0


if __name__ == "__main__":
    sys.exit(main())
