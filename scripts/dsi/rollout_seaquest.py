"""Seaquest episodes of varied quality (rule dsi_rollout_seaquest), as the original
``trajectory_generator.py``: a policy file drawn at random and re-drawn every ``redraw_every``
episodes; with probability p_greedy epsilon = eps_greedy, else epsilon ~ U(0, 1); the test env
(full game, no episodic life, raw rewards). An explicit train / test split (different seeds)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from scripts.common import cli
from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                       save_checkpoint)
from scripts.common.io import save_npz
from scripts.common.progress import get_logger, progress
from scripts.dsi.seaquest import EpisodeData, load_qnet, make_env, rollout_episode


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_rollout_seaquest: config/dsi.yaml's `seaquest` block."""

    game: str  # the Atari game (seaquest)
    data: EpisodeData  # the episodes to roll out
    policies: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    dqn: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    detector: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block
    improve: Optional[Dict[str, Any]] = None  # not read by this step; passed with its config block


def main() -> None:
    ap = cli.parser(__doc__.splitlines()[0])
    ap.add_argument("--policies", nargs="+", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.train)
    log = get_logger("dsi.rollout_seaquest")
    p = cli.step_params(Params, args.params)
    data = p.data
    env = make_env(p.game, train=False)
    nets = [load_qnet(path, env) for path in args.policies]
    rng = np.random.default_rng(args.seed)
    # a checkpoint every ``checkpoint_every`` episodes (episodes so far, the generator, the
    # finished split), so a preempted run resumes exactly; removed once both files are written
    train_out = Path(args.train)
    ckpt = train_out.parent / f".{train_out.name}.checkpoint.pt"
    fp = args_fingerprint(args, inputs=list(args.policies))
    every = max(1, data.checkpoint_every)
    state = load_checkpoint(ckpt, restore_rng=False, fingerprint=fp, log=log.info)
    finished, partial = {}, None
    if state is not None:
        rng.bit_generator.state = state["rng"]
        finished, partial = state["finished"], state["partial"]
        log.info("resuming from %s (%s done; %s)", ckpt, sorted(finished) or "no split",
                 f"{partial['split']} at episode {partial['i']}" if partial else "")
    for split, out, n, base in (("train", args.train, data.train_episodes, 0),
                                ("test", args.test, data.test_episodes, 1_000_000)):
        if split in finished:   # (re)write it: a failed job's outputs may have been removed
            save_npz(out, **finished[split])
            continue
        frames, rewards, returns, pol = [], [], [], []
        j, start = 0, 0
        if partial is not None and partial["split"] == split:
            frames, rewards = list(partial["frames"]), list(partial["rewards"])
            returns, pol = list(partial["returns"]), list(partial["policy"])
            j, start = int(partial["j"]), int(partial["i"])
        for i in progress(range(start, n), desc=split, unit="episode"):
            if i % data.redraw_every == 0:
                j = int(rng.integers(len(nets)))
            eps = data.eps_greedy if rng.random() < data.p_greedy else float(rng.random())
            ep = rollout_episode(env, nets[j], rng, eps, base + i, data.max_episode_steps)
            frames.append(ep["frames"])
            rewards.append(ep["rewards"])
            returns.append(float(ep["rewards"].sum()))
            pol.append(j)
            if (i + 1) % every == 0 and i + 1 < n:
                save_checkpoint(ckpt, {"rng": rng.bit_generator.state, "finished": finished,
                                       "partial": {"split": split, "i": i + 1, "j": j,
                                                   "frames": frames, "rewards": rewards,
                                                   "returns": returns, "policy": pol}},
                                fingerprint=fp)
        off = np.concatenate([[0], np.cumsum([len(f) for f in frames])]).astype(np.int64)
        roff = np.concatenate([[0], np.cumsum([len(r) for r in rewards])]).astype(np.int64)
        arrays = dict(frames=np.concatenate(frames), offsets=off, rewards=np.concatenate(rewards),
                      reward_offsets=roff, returns=np.array(returns), policy=np.array(pol))
        save_npz(out, **arrays)
        finished[split] = arrays
        log.info("%s: %d episodes, return mean %.1f (min %.0f, max %.0f), length mean %.0f",
                 split, len(frames), np.mean(returns), np.min(returns), np.max(returns),
                 np.mean([len(r) - 1 for r in rewards]))
        if split == "train":
            save_checkpoint(ckpt, {"rng": rng.bit_generator.state, "finished": finished,
                                   "partial": None}, fingerprint=fp)
    remove_checkpoint(ckpt)   # finished: a rerun rolls out again

if __name__ == "__main__":
    main()
