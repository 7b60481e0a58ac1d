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
from pathlib import Path
from typing import Dict

import numpy as np

from scripts.common.checkpoint import args_fingerprint, remove_checkpoint, resumable_map
from scripts.common.cli import parser, setup
from scripts.common.io import read_json, save_npz
from scripts.common.progress import get_logger
from scripts.lse import tabular
from scripts.lse.agents import ICM, PPO, vary_hps
from scripts.lse.inner import grid_spec, make_agent
from scripts.lse.models import MAX_STEPS, RealBatch, env_spaces, make_rn, tabular_reward_table
from scripts.lse.nes_job import load_model
from scripts.lse.runner import Runner


def run_one(task: Dict) -> Dict:
    from scripts.common.seeding import set_threads
    import torch

    set_threads(1)
    env, mode, seed, hp = task["env"], task["mode"], task["seed"], dict(task["agent"])
    torch.manual_seed(seed)
    kind = task["agent_kind"]
    if task["vary"]:
        hp = vary_hps(hp, np.random.default_rng(seed), kind)
    k, solved = int(task["early_out_num"]), float(task["solved"])
    if env == "cliff":
        tables, start, max_steps = grid_spec(env)
        R = tabular_reward_table(mode, np.asarray(task["psi"]) if task["psi"] is not None else None,
                                 task["net"], tables[0], tables[1], hp["gamma"]) \
            if mode not in (0, -1) else None
        res = tabular.run_tabular(tables, tables, start, max_steps, algo=kind, alpha=hp["alpha"],
                                  gamma=hp["gamma"], eps=hp["eps"], episodes=task["episodes"],
                                  protocol="curve", solved=solved, early_out_num=k,
                                  agent_reward=R, seed=seed,
                                  count_beta=float(task["count_beta"]) if mode == -1 else 0.0)
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
    p = args.params
    proto = p["protocols"][args.protocol]
    models = [] if args.selected is None else [load_model(m["path"]) for m in read_json(args.selected)["models"]]
    groups = len(models) if models else int(p["n_models"])
    tasks = []
    for g in range(groups):
        for a in range(int(p["agents_per_model"])):
            m = models[g] if models else None
            tasks.append({"env": p["env"], "mode": args.mode, "seed": 200_000 + 1000 * g + a,
                          "agent": proto["agent"], "agent_kind": proto["agent_kind"],
                          "vary": bool(proto.get("vary_hp", False)), "episodes": int(p["episodes"]),
                          "solved": p["solved"], "early_out_num": p["early_out_num"],
                          "psi": None if m is None else m["psi"].tolist(),
                          "net": p["net"], "info_keys": p.get("info_keys", []),
                          "count_beta": p.get("count_beta", 0.1), "icm": p.get("icm", {}),
                          "group": g, "episode_cap": p.get("episode_cap")})
    log.info("%s %s mode %d: %d runs on %d threads", p["env"], args.protocol, args.mode, len(tasks),
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
    E = int(p["episodes"])

    def pad(x, fill):
        x = list(x)[:E]
        return x + [fill] * (E - len(x))

    save_npz(args.out, test_returns=np.asarray([pad(r["test_returns"], np.nan) for r in results]),
             lengths=np.asarray([pad(r["lengths"], 0) for r in results]),
             group=np.asarray([r["group"] for r in results]),
             steps_to_threshold=np.asarray([r["steps_to_threshold"] for r in results]),
             mode=np.asarray(args.mode), solved=np.asarray(float(p["solved"])))
    remove_checkpoint(ckpt)   # finished: a rerun evaluates again
    sts = np.asarray([r["steps_to_threshold"] for r in results])
    log.info("reached the threshold in %d of %d runs; median steps %.0f", np.isfinite(sts).sum(),
             len(sts), np.nanmedian(sts) if np.isfinite(sts).any() else float("nan"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
