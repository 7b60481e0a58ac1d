"""The feedback oracle trained here: a tianshou C51 agent (51 atoms, v in [-10, 10], n-step 1
as dopamine's C51) on ale-py's native vector env with DQN Replay's preprocessing. The paper
used dopamine's C51 checkpoint at 200M frames (greedy, epsilon 0).

CLI: ``python -m scripts.fdt.oracle --params JSON --seed S --game G --out PT`` writes PT
(the policy's state_dict), PT with .json (metadata) and curve.csv beside it. Checkpoints
every ``checkpoint_every`` agent steps and resumes from them. Needs torch 2.x.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from scripts.common.io import torch_load
from scripts.fdt.params import OnlineAgentParams


@dataclass(frozen=True)
class Params(OnlineAgentParams):
    """Settings of rule fdt_oracle: config/fdt.yaml's `oracle` block (dopamine's C51 settings).
    scripts.fdt.agent reads them from the same dict; fdt.feedback's --oracle-params are these
    too (it rebuilds the network from lr, gamma and target_update)."""

    steps: int  # agent steps in all (4 frames each)
    checkpoint_every: int  # agent steps between checkpoints
    # ale-py vector envs the envs run as (speed only); None: 2 when the job has >= 2 threads,
    # else 1 (scripts.fdt.agent.default_env_groups)
    env_groups: Optional[int] = None
    # not read by this step; passed with its config block (whether the rules train an oracle)
    train: Optional[bool] = None


def load_oracle(path: str, game: str, prm: Params):
    """The trained oracle's tianshou policy (C51), in eval mode; ``prm``: the settings it was
    trained with."""

    from scripts.fdt.agent import build_algorithm

    algo = build_algorithm("c51", game, lr=prm.lr, gamma=prm.gamma,
                           target_update=prm.target_update)
    algo.policy.load_state_dict(torch_load(path, map_location="cpu"))
    algo.policy.eval()
    return algo.policy


def main(argv=None) -> int:
    import pandas as pd

    from scripts.common import cli
    from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                           save_checkpoint)
    from scripts.common.io import torch_save, write_csv, write_json
    from scripts.common.progress import get_logger, progress
    from scripts.fdt.agent import online_kwargs, run_online, setup_online

    ap = cli.parser(__doc__.splitlines()[0], required=["--game", "--out"])
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=Path(args.out).parent)
    log = get_logger("fdt.oracle")
    prm = args.params
    p = cli.step_params(Params, prm)
    out = Path(args.out)
    ckpt = out.parent / "checkpoint.pt"
    env, algo = setup_online("c51", args.game, prm, threads=args.threads)
    log.info("C51 network on %s", next(algo.parameters()).device)
    start, curve = 0, {"step": [], "return": [], "wall_s": []}
    fp = args_fingerprint(args)
    ck = load_checkpoint(ckpt, restore_rng=False, fingerprint=fp, log=log.info)
    if ck is not None:
        algo.load_state_dict(ck["algo"])
        start, curve = ck["step"], ck["curve"]
        log.info("resumed at agent step %d (the replay memory restarts empty)", start)
    total = p.steps
    bar = progress(total=total, desc="oracle", unit="step")
    bar.update(start)
    t0 = time.time()

    def save(step, curve_now):
        save_checkpoint(ckpt, {"algo": algo.state_dict(), "step": step, "curve": curve_now},
                        fingerprint=fp)

    # a resumed run continues the learner and the curve; its replay memory restarts empty
    kw = online_kwargs(prm)
    kw["learning_starts"] += start
    curve = run_online(algo, env, total_steps=total, start_step=start, curve=curve,
                       seed=args.seed + start, on_progress=bar.update, checkpoint=save,
                       checkpoint_every=p.checkpoint_every, **kw)
    bar.close()
    frame = pd.DataFrame(curve)
    frame["game"] = args.game
    write_csv(out.parent / "curve.csv", frame)
    rets = frame["return"].to_numpy()
    tail = rets[-max(1, len(rets) // 10):] if len(rets) else np.array([np.nan])
    write_json(str(out)[: -len(".pt")] + ".json", {
        "game": args.game, "seed": args.seed, "agent_steps": total, "frames": 4 * total,
        "episodes": int(len(rets)), "final_return_mean": float(np.mean(tail)),
        "wall_s": round(time.time() - t0, 1), "params": prm})
    torch_save(out, algo.policy.state_dict())
    remove_checkpoint(ckpt)   # finished: a rerun trains again
    log.info("oracle trained: %d episodes, last-10%% mean return %.2f", len(rets),
             float(np.mean(tail)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
