"""MinAtar behaviour log and oracle (laptop scale's stand-in for DQN Replay and the C51 oracle):
one tianshou DQN trained online on a MinAtar game, its whole training experience logged
chronologically in our buffer layout (as DQN Replay logged dopamine's DQN, so the log spans
random to decent play), and its final greedy network kept as the feedback oracle.

The buffers hold the DQN Replay reader's arrays (``scripts.fdt.replay.LAYOUT_KEYS``), with
MinAtar frames ``observation`` uint8 [n, C, 10, 10] in place of 84x84 grey frames; ``reward``
is clipped to [-1, 1] (MinAtar rewards are 0/1, so clipped = raw), ``lives`` is -1 (MinAtar has
no lives). After training, the oracle (greedy, no exploration) and a uniform random policy play
``eval_episodes`` episodes each; the manifest reports them with the log's return distribution,
and the raw speed of MinAtar's stepping alone (random actions, same envs) against the agent's
steps per second while logging.

CLI: ``python -m scripts.fdt.minatar_log --params JSON --seed S --game G --out-dir DIR``
writes DIR/buffer_{k}.npz, DIR/oracle.pt, DIR/returns.csv and DIR/manifest.json (last).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scripts.fdt.params import OnlineAgentParams


@dataclass(frozen=True)
class Params(OnlineAgentParams):
    """Settings of rule fdt_minatar_log: config/fdt.yaml's `minatar.log` block."""

    transitions: int  # agent steps of DQN training, all logged
    buffer_size: int  # transitions per logged buffer file (a DQN Replay checkpoint's role)
    eval_episodes: int  # episodes the oracle and the random policy each play after training
    max_steps: int  # cap on an episode's agent steps (logging and evaluation)
    raw_steps: int  # random-action steps timed for MinAtar's raw stepping speed


def log_summary(returns: np.ndarray) -> dict:
    """The return distribution of the logged episodes: count, mean, quantiles, best, and the
    mean of the first and last tenth (chronological: poor to decent play)."""
    r = np.asarray(returns, dtype=np.float64)
    if len(r) == 0:
        return {"episodes": 0}
    tenth = max(1, len(r) // 10)
    q = np.quantile(r, [0.1, 0.5, 0.9, 0.99])
    return {"episodes": int(len(r)), "mean": float(r.mean()), "p10": float(q[0]),
            "median": float(q[1]), "p90": float(q[2]), "p99": float(q[3]), "max": float(r.max()),
            "first_tenth_mean": float(r[:tenth].mean()), "last_tenth_mean": float(r[-tenth:].mean()),
            "best10_mean": float(np.sort(r)[-10:].mean())}


def raw_steps_per_s(game: str, num_envs: int, steps: int, sticky: float, seed: int) -> float:
    """Agent steps per second of MinAtar alone (uniform random actions, ``num_envs`` envs)."""
    from scripts.common.envs import MinAtarVectorEnv

    vec = MinAtarVectorEnv(game, num_envs, seed=seed, sticky_action_prob=sticky)
    vec.reset()
    rng = np.random.default_rng(seed)
    n = max(1, steps // num_envs)
    t0 = time.perf_counter()
    for _ in range(n):
        vec.step(rng.integers(0, vec.single_action_space.n, size=num_envs))
    return n * num_envs / (time.perf_counter() - t0)


def main(argv=None) -> int:
    import pandas as pd

    from scripts.common import cli
    from scripts.common.io import save_npz, torch_save, write_csv, write_json
    from scripts.common.progress import get_logger, progress
    from scripts.fdt.agent import EnvGroups, EpisodeLogger, online_kwargs, run_online
    from scripts.fdt.minatar_agent import (MinAtarGroup, build_dqn, frame_shape, greedy_actions,
                                           play)

    ap = cli.parser(__doc__.splitlines()[0], required=["--game", "--out-dir"])
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out_dir)
    log = get_logger("fdt.minatar_log")
    prm = args.params
    p = cli.step_params(Params, prm)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = []

    def flush(k, buf):
        save_npz(out / f"buffer_{k}.npz", **buf)
        sizes.append(len(buf["action"]))

    logger = EpisodeLogger(p.num_envs, p.buffer_size, flush, frame_shape=frame_shape(args.game))
    env = EnvGroups([MinAtarGroup(args.game, p.num_envs, sticky=p.sticky, max_steps=p.max_steps)])
    algo = build_dqn(args.game, lr=p.lr, gamma=p.gamma, target_update=p.target_update)
    bar = progress(total=p.transitions, desc="minatar log", unit="step")
    t0 = time.time()
    cpu0 = time.process_time()
    curve = run_online(algo, env, total_steps=p.transitions, seed=args.seed, logger=logger,
                       on_progress=bar.update, pipeline=False, **online_kwargs(prm))
    bar.close()
    logger.flush()
    wall, cpu = time.time() - t0, time.process_time() - cpu0
    net = algo.policy.model
    net.eval()
    oracle = play(args.game, lambda f: greedy_actions(net, f), episodes=p.eval_episodes,
                  seed=args.seed + 1000, sticky=p.sticky, max_steps=p.max_steps)
    rng = np.random.default_rng(args.seed)
    rand = play(args.game, lambda f: rng.integers(0, 6, size=len(f)), episodes=p.eval_episodes,
                seed=args.seed + 2000, sticky=p.sticky, max_steps=p.max_steps)
    raw = raw_steps_per_s(args.game, p.num_envs, p.raw_steps, p.sticky, args.seed)
    rets = np.asarray(logger.episode_returns)
    write_csv(out / "returns.csv", pd.DataFrame(
        {"source": ["log"] * len(rets) + ["oracle"] * len(oracle) + ["random"] * len(rand),
         "episode": list(range(len(rets))) + list(range(len(oracle))) + list(range(len(rand))),
         "return": list(rets) + list(oracle) + list(rand)}))
    write_csv(out / "behaviour_curve.csv", pd.DataFrame(curve))
    torch_save(out / "oracle.pt", net.state_dict())
    summary = {
        "source": "generated", "env": "minatar", "game": args.game, "seed": args.seed,
        "buffers": len(sizes), "sizes": sizes, "transitions": int(sum(sizes)),
        "frame_shape": list(frame_shape(args.game)),
        "log": log_summary(rets),
        "oracle": {"mean": float(oracle.mean()), "std": float(oracle.std()), "episodes": len(oracle)},
        "random": {"mean": float(rand.mean()), "std": float(rand.std()), "episodes": len(rand)},
        "agent_steps": p.transitions, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
        "agent_steps_per_s": round(p.transitions / wall, 1),
        "agent_steps_per_cpu_s": round(p.transitions / max(cpu, 1e-9), 1),
        "raw_minatar_steps_per_s": round(raw, 1), "params": prm}
    write_json(out / "manifest.json", summary)
    log.info("%s: %d episodes logged (mean %.2f, max %.0f), oracle %.2f, random %.2f, "
             "%.0f agent steps/s (MinAtar alone %.0f/s)", args.game, len(rets),
             summary["log"].get("mean", float("nan")), summary["log"].get("max", float("nan")),
             oracle.mean(), rand.mean(), p.transitions / wall, raw)
    return 0 if sizes else 1


if __name__ == "__main__":
    sys.exit(main())
