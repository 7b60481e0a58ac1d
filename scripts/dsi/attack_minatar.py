"""The attack on a trained MinAtar agent (rule dsi_minatar_attack), EDGE's protocol as the Pong
attack: for each env seed, play the agent's clean greedy episode, score its frames with the
detector, then replay the same seed with a uniformly random different action at the k steps each
method picks (dsi: the detector's top-k; random: k random steps; value: the agent's top-k by
max_a Q). Writes one CSV: seed, method, k, length, r0 (clean return), r1 (attacked return)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np
import pandas as pd
import torch

from scripts.common import cli
from scripts.common.io import torch_load, write_csv
from scripts.common.progress import get_logger, progress
from scripts.dsi.minatar import GameSettings, QNet, attack_episode, make_game, to_detector_frames
from scripts.dsi.trainer import load_detector, score_episodes


@dataclass(frozen=True)
class AttackSettings:
    """config/dsi.yaml's minatar `attack` block."""

    ks: List[int]  # perturbed steps per episode
    methods: List[str]  # dsi, random, value
    n_episodes: int  # attacked episodes (env seeds seed_start, seed_start + 1, ...)
    seed_start: int  # first episode's env seed
    max_steps: int  # an episode is cut after this many steps


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_minatar_attack: config/dsi.yaml's minatar `game` and `attack`."""

    game: GameSettings
    attack: AttackSettings
    upsample: int  # detector input: each MinAtar cell repeated upsample x upsample times


def main() -> None:
    ap = cli.parser(__doc__.splitlines()[0])
    ap.add_argument("--game", required=True)
    ap.add_argument("--agent", required=True, help="the attacked agent's Q-net")
    ap.add_argument("--detector", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.out)
    log = get_logger("dsi.attack_minatar")
    p = cli.step_params(Params, args.params)
    a = p.attack
    env = make_game(args.game, p.game)
    q = QNet(env.observation_space.shape[0], env.action_space.n)
    q.load_state_dict(torch_load(args.agent))
    q.eval()
    d, _ = load_detector(args.detector)

    def score_fn(frames: np.ndarray) -> np.ndarray:
        return score_episodes(d, [to_detector_frames(frames, p.upsample)], torch.device("cpu"))[0]

    rows = []
    for s in progress(range(a.seed_start, a.seed_start + a.n_episodes), desc="attack", unit="episode"):
        rows += attack_episode(env, q, s, a.max_steps, score_fn, a.ks, a.methods)
    frame = pd.DataFrame(rows)
    frame.insert(0, "agent_seed", args.seed)
    write_csv(args.out, frame)
    for (k, method), sub in frame.groupby(["k", "method"]):
        log.info("k=%d %s: return %.2f -> %.2f over %d episodes", k, method, sub.r0.mean(), sub.r1.mean(), len(sub))


if __name__ == "__main__":
    main()
