"""Evaluate a trained Seaquest DQN on the true game (rule dsi_eval_dqn): full game, no episodic
life, unclipped reward, epsilon = eps_test. Tidy rows, plus the training curve's test returns."""
from __future__ import annotations

import numpy as np

from scripts.common import cli
from scripts.common.io import read_csv_checked, write_csv
from scripts.common.stats import tidy_frame
from scripts.dsi.seaquest import load_qnet, make_env, rollout_episode


def main() -> None:
    p = cli.parser(__doc__)
    p.add_argument("--method", required=True)
    p.add_argument("--policy", required=True)
    p.add_argument("--progress", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    cli.setup(args, config_beside=args.out)
    cfg = args.params
    imp = cfg["improve"]
    env = make_env(cfg["game"], train=False)
    net = load_qnet(args.policy, env)
    rng = np.random.default_rng(args.seed)
    prog = read_csv_checked(args.progress, columns=["step", "test_return"], no_na=True)
    final_step = int(prog.step.max())
    rows = []
    for e in range(int(imp["test_episodes"])):
        ep = rollout_episode(env, net, rng, float(imp["eps_test"]), 2_000_000 + e,
                             int(cfg["data"]["max_episode_steps"]))
        rows.append({"paper": "dsi", "experiment": "seaquest_dqn", "method": args.method,
                     "env": "SeaquestNoFrameskip-v4", "seed": args.seed, "step": final_step,
                     "metric": "final_return", "value": float(ep["rewards"].sum()),
                     "episode": e})
    for r in prog.itertuples():
        rows.append({"paper": "dsi", "experiment": "seaquest_dqn", "method": args.method,
                     "env": "SeaquestNoFrameskip-v4", "seed": args.seed, "step": int(r.step),
                     "metric": "test_return", "value": float(r.test_return), "episode": -1})
    write_csv(args.out, tidy_frame(rows))


if __name__ == "__main__":
    main()
