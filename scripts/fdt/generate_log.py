"""Behaviour log for the offline scales: the experience of a tianshou DQN trained online on
ale-py's native vector env, logged chronologically as DQN Replay logged dopamine's DQN
(sticky actions 0.25, frame skip 4, max-pooled 84x84 grey frames), in our buffer layout
(frames, actions, raw and clipped rewards, game-over terminals, lives).

CLI: ``python -m scripts.fdt.generate_log --params JSON --seed S --game G --out-dir DIR``
writes DIR/buffer_{k}.npz and DIR/manifest.json (last). Needs torch 2.x (envs/fdt-agent.yaml).
Not resumable: at the CPU scales it takes minutes; at paper scale DQN Replay is downloaded.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from scripts.fdt.params import OnlineAgentParams


@dataclass(frozen=True)
class Params(OnlineAgentParams):
    """Settings of rule fdt_generate_log: config/fdt.yaml's `generate` block (dopamine's Nature
    DQN settings for the behaviour agent). scripts.fdt.agent reads them from the same dict."""

    transitions: int  # agent steps logged in all
    buffer_size: int  # transitions per logged buffer file (a DQN Replay checkpoint's role)
    # ale-py vector envs the envs run as (speed only; the log is the same); None: 2 when the job
    # has >= 2 threads, else 1 (scripts.fdt.agent.default_env_groups)
    env_groups: Optional[int] = None


def main(argv=None) -> int:
    from scripts.common import cli
    from scripts.common.io import save_npz, write_csv, write_json
    from scripts.common.progress import get_logger, progress
    from scripts.fdt.agent import EpisodeLogger, online_kwargs, run_online, setup_online

    ap = cli.parser(__doc__.splitlines()[0], required=["--game", "--out-dir"])
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out_dir)
    log = get_logger("fdt.generate_log")
    prm = args.params
    p = cli.step_params(Params, prm)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_envs = p.num_envs
    sizes = []

    def flush(k, buf):
        save_npz(out / f"buffer_{k}.npz", **buf)
        sizes.append(len(buf["action"]))
        log.info("buffer %d: %d transitions", k, len(buf["action"]))

    logger = EpisodeLogger(n_envs, p.buffer_size, flush)
    env, algo = setup_online("dqn", args.game, prm, threads=args.threads)
    log.info("Q-network on %s", next(algo.parameters()).device)
    bar = progress(total=p.transitions, desc="generate", unit="step")
    t0 = time.time()
    curve = run_online(algo, env, total_steps=p.transitions, seed=args.seed,
                       logger=logger, on_progress=bar.update, **online_kwargs(prm))
    bar.close()
    logger.flush()
    wall = time.time() - t0
    import pandas as pd

    write_csv(out / "behaviour_curve.csv", pd.DataFrame(curve))
    rets = logger.episode_returns
    write_json(out / "manifest.json", {
        "source": "generated", "game": args.game, "seed": args.seed, "buffers": len(sizes),
        "sizes": sizes, "episodes": len(rets), "transitions": int(sum(sizes)),
        "mean_return": float(np.mean(rets)) if rets else float("nan"),
        "agent_steps": p.transitions, "wall_s": round(wall, 1),
        "agent_steps_per_s": round(p.transitions / wall, 1), "params": prm})
    log.info("%d buffers, %d episodes (mean raw return %.2f), %.0f agent steps/s", len(sizes),
             len(rets), float(np.mean(rets)) if rets else float("nan"),
             p.transitions / wall)
    return 0 if sizes else 1


if __name__ == "__main__":
    sys.exit(main())
