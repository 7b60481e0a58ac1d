"""Seaquest episodes of varied quality (rule dsi_rollout_seaquest), as the original
``trajectory_generator.py``: a policy file drawn at random and re-drawn every ``redraw_every``
episodes; with probability p_greedy epsilon = eps_greedy, else epsilon ~ U(0, 1); the test env
(full game, no episodic life, raw rewards). An explicit train / test split (different seeds)."""
from __future__ import annotations

import numpy as np

from scripts.common import cli
from scripts.common.io import save_npz
from scripts.common.progress import get_logger, progress
from scripts.dsi.seaquest import load_qnet, make_env, rollout_episode


def main() -> None:
    p = cli.parser(__doc__)
    p.add_argument("--policies", nargs="+", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    args = p.parse_args()
    cli.setup(args, config_beside=args.train)
    log = get_logger("dsi.rollout_seaquest")
    cfg = args.params
    data = cfg["data"]
    env = make_env(cfg["game"], train=False)
    nets = [load_qnet(path, env) for path in args.policies]
    rng = np.random.default_rng(args.seed)
    for split, out, n, base in (("train", args.train, data["train_episodes"], 0),
                                ("test", args.test, data["test_episodes"], 1_000_000)):
        frames, rewards, returns, pol = [], [], [], []
        j = 0
        for i in progress(range(int(n)), desc=split, unit="episode"):
            if i % int(data["redraw_every"]) == 0:
                j = int(rng.integers(len(nets)))
            eps = data["eps_greedy"] if rng.random() < data["p_greedy"] else float(rng.random())
            ep = rollout_episode(env, nets[j], rng, eps, base + i, int(data["max_episode_steps"]))
            frames.append(ep["frames"])
            rewards.append(ep["rewards"])
            returns.append(float(ep["rewards"].sum()))
            pol.append(j)
        off = np.concatenate([[0], np.cumsum([len(f) for f in frames])]).astype(np.int64)
        roff = np.concatenate([[0], np.cumsum([len(r) for r in rewards])]).astype(np.int64)
        save_npz(out, frames=np.concatenate(frames), offsets=off, rewards=np.concatenate(rewards),
                 reward_offsets=roff, returns=np.array(returns), policy=np.array(pol))
        log.info("%s: %d episodes, return mean %.1f (min %.0f, max %.0f), length mean %.0f",
                 split, len(frames), np.mean(returns), np.min(returns), np.max(returns),
                 np.mean([len(r) - 1 for r in rewards]))


if __name__ == "__main__":
    main()
