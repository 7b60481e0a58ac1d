"""Rule lse_eval_rn (Fig 5/9 data): fresh agents trained with a selected reward network (or the
native reward, mode 0, or native + ICM / count-based bonus, mode -1), a real test episode after
every training episode, no early stop. Protocols: default agent, varied HPs, transfer to an
unseen agent (QL -> SARSA, DDQN -> Dueling DDQN, TD3 -> PPO).

Output npz: test_returns and lengths (runs x episodes), group (the RN model, or the agent
group of a baseline), steps_to_threshold (first episode whose last-k mean test return reaches
the solved reward; NaN if never)."""
from __future__ import annotations

import multiprocessing as mp
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from scripts.common.checkpoint import args_fingerprint, remove_checkpoint, resumable_map
from scripts.common.cli import parser, setup, step_params
from scripts.common.io import read_json, save_npz
from scripts.common.progress import get_logger
from scripts.lse import tabular
from scripts.lse.agents import ICM, PPO, vary_hps
from scripts.lse.inner import grid_spec, make_agent
from scripts.lse.models import MAX_STEPS, RealBatch, env_spaces, make_rn, tabular_reward_table
from scripts.lse.nes_job import load_model
from scripts.lse.runner import Runner


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_eval_rn: config/lse.yaml's `rn.<env>.eval` block, plus the env's
    solved reward, reward-network shape and info keys."""

    env: str  # the real environment (cliff, cartpole, cmc, halfcheetah)
    solved: float  # the test return the last early_out_num tests must reach on average
    net: Dict[str, Any]  # the reward network's shape (`rn.<env>.net`)
    info_keys: List[str]  # env info entries the reward network sees (HalfCheetah), else []
    episodes: int  # training episodes per run, a real test episode after each
    early_out_num: int  # tests averaged for the threshold (steps_to_threshold)
    n_models: int  # selected reward networks evaluated (baselines: groups of agents)
    agents_per_model: int  # fresh agents per reward network (or per baseline group)
    # the agent of each protocol: {agent_kind, agent (HPs), optional vary_hp (default false)}
    protocols: Dict[str, Dict[str, Any]]
    baselines: List[int]  # not read by this step; passed with its config block (the rule's modes 0, -1)
    run_protocols: List[str]  # not read by this step; passed with its config block (the rule's protocols)
    count_beta: float = 0.1  # count-based exploration bonus of the tabular mode -1 baseline (Cliff)
    # ICM of the mode -1 baseline on the other envs: beta, eta, feature_dim, hidden_size, lr
    icm: Dict[str, Any] = field(default_factory=dict)
    episode_cap: Optional[int] = None  # steps per episode at most (smoke scale), else the env's limit


def run_one(task: Dict) -> Dict:
    from scripts.common.seeding import set_threads
    import torch

    set_threads(1)
    env, mode, seed, hp = task["env"], task["mode"], task["seed"], dict(task["agent"])
    torch.manual_seed(seed)
    kind = task["agent_kind"]
    if task["vary"]:
        hp = vary_hps(hp, np.random.default_rng(seed), kind)
    k, solved = task["early_out_num"], task["solved"]
    if env == "cliff":
        tables, start, max_steps = grid_spec(env)
        R = tabular_reward_table(mode, np.asarray(task["psi"]) if task["psi"] is not None else None,
                                 task["net"], tables[0], tables[1], hp["gamma"]) \
            if mode not in (0, -1) else None
        res = tabular.run_tabular(tables, tables, start, max_steps, algo=kind, alpha=hp["alpha"],
                                  gamma=hp["gamma"], eps=hp["eps"], episodes=task["episodes"],
                                  protocol="curve", solved=solved, early_out_num=k,
                                  agent_reward=R, seed=seed,
                                  count_beta=task["count_beta"] if mode == -1 else 0.0)
    else:
        obs_dim, n_act, discrete, max_action = env_spaces(env)
        repeat = int(hp.get("action_repeat", 1))
        if kind == "ppo":
            agent = PPO(obs_dim, n_act, hp, seed, min(MAX_STEPS[env], task.get("episode_cap") or 10**9), max_action)
        else:
            agent = make_agent(kind, 1, obs_dim, n_act, hp, [seed], max_action)
        rn = None
        if mode not in (0, -1):
            rn = make_rn(mode, 1, obs_dim, len(task["info_keys"]), task["net"], [seed])
            rn.set_flat(np.asarray(task["psi"]))
        icm = ICM(obs_dim, n_act, discrete, task["icm"], seed) if mode == -1 else None
        cap = task.get("episode_cap")
        train_env = RealBatch(env, [seed], repeat, mode if mode != -1 else 0, rn, hp["gamma"],
                              task["info_keys"], max_steps=cap)
        res = Runner(agent, train_env, RealBatch(env, [seed + 17], repeat, max_steps=cap), protocol="curve",
                     episodes=task["episodes"], solved=solved, early_out_num=k, icm=icm).run()[0]
    return {"test_returns": res["test_returns"], "lengths": res["lengths"],
            "steps_to_threshold": res["steps_to_threshold"], "group": task["group"]}


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], seed=False, required=["--out"])
    ap.add_argument("--mode", type=int, required=True)
    ap.add_argument("--protocol", required=True, choices=["default", "varyhp", "transfer"])
    ap.add_argument("--selected", default=None)
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.eval_rn")
    p = step_params(Params, args.params)
    proto = p.protocols[args.protocol]
    models = [] if args.selected is None else [load_model(m["path"]) for m in read_json(args.selected)["models"]]
    groups = len(models) if models else p.n_models
    tasks = []
    for g in range(groups):
        for a in range(p.agents_per_model):
            m = models[g] if models else None
            tasks.append({"env": p.env, "mode": args.mode, "seed": 200_000 + 1000 * g + a,
                          "agent": proto["agent"], "agent_kind": proto["agent_kind"],
                          "vary": bool(proto.get("vary_hp", False)), "episodes": p.episodes,
                          "solved": p.solved, "early_out_num": p.early_out_num,
                          "psi": None if m is None else m["psi"].tolist(),
                          "net": p.net, "info_keys": p.info_keys,
                          "count_beta": p.count_beta, "icm": p.icm,
                          "group": g, "episode_cap": p.episode_cap})
    log.info("%s %s mode %d: %d runs on %d threads", p.env, args.protocol, args.mode, len(tasks),
             args.threads)
    # agents are independent and seeded each: a checkpoint of the finished ones beside the
    # output lets a preempted job resume (kept only under the same settings and models)
    ckpt = Path(args.out).parent / f".{Path(args.out).name}.checkpoint.pt"
    fp = args_fingerprint(args, inputs=[args.selected] + [m["path"] for m in (
        read_json(args.selected)["models"] if args.selected else [])])
    if args.threads > 1:
        with mp.get_context("spawn").Pool(args.threads) as pool:
            results = resumable_map(run_one, tasks, ckpt, fp, pool=pool, log=log.info)
    else:
        results = resumable_map(run_one, tasks, ckpt, fp, log=log.info)
    E = p.episodes

    def pad(x, fill):
        x = list(x)[:E]
        return x + [fill] * (E - len(x))

    save_npz(args.out, test_returns=np.asarray([pad(r["test_returns"], np.nan) for r in results]),
             lengths=np.asarray([pad(r["lengths"], 0) for r in results]),
             group=np.asarray([r["group"] for r in results]),
             steps_to_threshold=np.asarray([r["steps_to_threshold"] for r in results]),
             mode=np.asarray(args.mode), solved=np.asarray(p.solved))
    remove_checkpoint(ckpt)   # finished: a rerun evaluates again
    sts = np.asarray([r["steps_to_threshold"] for r in results])
    log.info("reached the threshold in %d of %d runs; median steps %.0f", np.isfinite(sts).sum(),
             len(sts), np.nanmedian(sts) if np.isfinite(sts).any() else float("nan"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
