"""Evaluate a trained Seaquest DQN on the true game (rule dsi_eval_dqn): full game, no episodic
life, unclipped reward, epsilon = eps_test. Tidy rows, plus the training curve's test returns."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

import numpy as np

from scripts.common import cli
from scripts.common.io import read_csv_checked, write_csv
from scripts.common.stats import tidy_frame
from scripts.dsi.seaquest import EpisodeData, load_qnet, make_env, rollout_episode


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_eval_dqn: config/dsi.yaml's `seaquest` block."""

    game: str  # the Atari game (seaquest)
    improve: Dict[str, Any]  # the trained DQN's settings: test_episodes and eps_test are read
    data: EpisodeData  # the episodes' settings: max_episode_steps is read
    policies: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    dqn: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    detector: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--method", required=True)
    ap.add_argument("--policy", required=True)
    ap.add_argument("--progress", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.out)
    p = cli.step_params(Params, args.params)
    imp = p.improve
    env = make_env(p.game, train=False)
    net = load_qnet(args.policy, env)
    rng = np.random.default_rng(args.seed)
    prog = read_csv_checked(args.progress, columns=["step", "test_return"], no_na=True)
    final_step = int(prog.step.max())
    rows = []
    for e in range(int(imp["test_episodes"])):
        ep = rollout_episode(env, net, rng, float(imp["eps_test"]), 2_000_000 + e,
                             p.data.max_episode_steps)
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
