"""Evaluate a trained DT/FDT/BC model in the paper's six setups.

Setups: {Sampling (softmax, T=1), Det. (argmax), Eps. (argmax, epsilon 0.001)} x {with up to
30 no-op starts, none}. ALE without sticky actions, frame skip 4, max of the last two frames,
84x84 grey, zero-padded 4-stack (ale-py's native vector env; one sub-environment per episode,
all episodes of a setup stepped together and the model run on them as one batch). FIRE after
reset and after every life loss; Pong: FIRE on the step after a point. The return-to-go
starts at the target and is decremented by the raw reward. Det. without no-ops is
deterministic: one episode per test seed (the paper's +-0.0).

CLI: ``python -m scripts.fdt.evaluate --params JSON --seed S --model-file PT --game G
--rtgs R1 R2 ... --out CSV``. Runs on Python 3.8+ / torch 1.10 with ale-py. Checkpoints
after every (setup, target) unit to a hidden file beside the output and resumes from it (when
its fingerprint, the settings and model file, matches); removed once the output is written.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from scripts.fdt.games import ROM
from scripts.common.io import torch_load

SETUPS = {"det": ("det", False), "det_noop": ("det", True), "sampling": ("sampling", False),
          "sampling_noop": ("sampling", True), "eps": ("eps", False), "eps_noop": ("eps", True)}
SETUP_LABEL = {"det": "Det.", "det_noop": "Det.+NoOp", "sampling": "Sampling",
               "sampling_noop": "Sampling+NoOp", "eps": "Eps.", "eps_noop": "Eps.+NoOp"}


@dataclass(frozen=True)
class Params:
    """Settings of rule fdt_evaluate: config/fdt.yaml's `eval` block, with test_seeds and
    max_steps resolved for the game (the target returns come as --rtgs)."""

    setups: List[str]  # which of the six setups to play (keys of SETUPS)
    episodes: int  # episodes per test seed (det, deterministic, plays one)
    test_seeds: List[int]  # the game's test seeds
    noop_max: int  # most no-op actions at the start of a +NoOp setup's episode
    max_steps: int  # the game's agent-step limit per episode
    # not read by this step, passed with its config block: the per-game test seeds and step
    # limits (the rule resolves test_seeds and max_steps from them), the target returns per game
    # (the rule passes them as --rtgs) and the tables' main target
    test_seeds_per_game: Optional[Dict[str, List[int]]] = None
    max_steps_per_game: Optional[Dict[str, int]] = None
    rtgs: Optional[Dict[str, List[Any]]] = None
    main_rtg: Optional[Dict[str, Any]] = None


def choose_actions(logits: torch.Tensor, mode: str, rng: np.random.Generator,
                   epsilon: float = 0.001) -> np.ndarray:
    """Action per row of ``logits`` [E, A] by the setup's rule."""
    if mode == "sampling":
        probs = torch.softmax(logits.double(), dim=-1).cpu().numpy()
        cum = probs.cumsum(axis=1)
        u = rng.random((len(probs), 1)) * cum[:, -1:]
        return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)
    act = logits.argmax(dim=-1).cpu().numpy()
    if mode == "eps":
        rand = rng.random(len(act)) < epsilon
        act[rand] = rng.integers(0, logits.shape[-1], size=int(rand.sum()))
    return act


def make_eval_env(game: str, num_envs: int, *, noop_max: int, max_steps: int):
    """Evaluation ALE: no sticky actions, FIRE on reset, optional no-op starts."""
    from ale_py import AtariVectorEnv

    return AtariVectorEnv(ROM[game], num_envs=num_envs, num_threads=1,
                          repeat_action_probability=0.0, noop_max=noop_max,
                          reward_clipping=False, use_fire_reset=True, episodic_life=False,
                          frameskip=4, maxpool=True, stack_num=4, img_height=84, img_width=84,
                          grayscale=True, autoreset_mode="SameStep",
                          max_num_frames_per_episode=4 * max_steps)


def rollout(net, game: str, env, *, mode: str, target: float, env_seeds: List[int],
            max_steps: int, rng: np.random.Generator, device) -> np.ndarray:
    """Raw episode returns of len(env_seeds) episodes played together on ``env`` (one
    sub-environment per episode)."""
    e = len(env_seeds)
    obs, info = env.reset(seed=np.asarray(env_seeds, dtype=np.int64))
    k = net.context
    max_t = net.global_pos_emb.shape[1] - 1
    states: List[np.ndarray] = [obs]
    actions: List[np.ndarray] = []
    rtgs: List[np.ndarray] = [np.full(e, float(target))]
    returns = np.zeros(e)
    active = np.ones(e, dtype=bool)
    lives = np.asarray(info["lives"]).copy()
    force_fire = np.zeros(e, dtype=bool)
    t = 0
    while active.any() and t < max_steps:
        first = t + 1 - len(states)  # timestep of the window's first step
        st = np.stack(states, axis=1)
        ac = np.stack(actions + [np.zeros(e, dtype=np.int64)], axis=1)
        rt = np.stack(rtgs, axis=1)
        ts = torch.full((e,), min(first, max_t), dtype=torch.long)
        with torch.no_grad():
            logits = net(torch.from_numpy(st).to(device), torch.from_numpy(ac).to(device),
                         torch.from_numpy(rt.astype(np.float32)).to(device), ts.to(device))
        act = choose_actions(logits[:, -1], mode, rng)
        act[force_fire] = 1
        obs, rew, term, trunc, info = env.step(act.astype(np.int64))
        returns[active] += rew[active]
        new_lives = np.asarray(info["lives"])
        force_fire = new_lives < lives
        if game == "pong":
            force_fire |= rew != 0
        lives = new_lives
        active &= ~(term | trunc)
        states.append(obs)
        actions.append(act.astype(np.int64))
        rtgs.append(rtgs[-1] - rew)
        if len(states) > k:  # keep the context window only
            states.pop(0)
            actions.pop(0)
            rtgs.pop(0)
        t += 1
    return returns


def main(argv=None) -> int:
    from scripts.common import cli
    from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                           save_checkpoint)
    from scripts.common.io import write_csv
    from scripts.common.progress import get_logger
    from scripts.common.seeding import device as default_device
    from scripts.common.stats import tidy_frame
    from scripts.fdt.train import build_model

    ap = cli.parser(__doc__.splitlines()[0],
                   required=["--model-file", "--game", "--model", "--setting", "--out"])
    ap.add_argument("--rtgs", nargs="+", required=True,
                   help="target returns; 'dataset_max' = the training set's largest return-to-go")
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("fdt.evaluate")
    p = cli.step_params(Params, args.params)
    ck = torch_load(args.model_file, map_location="cpu", keys=["meta", "model"])
    meta = ck["meta"]
    net = build_model(meta["params"], args.game, meta["model"], int(meta["max_timestep"]))
    device = default_device()
    net.load_state_dict(ck["model"])
    net.to(device).eval()
    # one checkpoint per (setup, target) unit: each unit is deterministic from its own seeds,
    # so a preempted evaluation resumes at the first unit it had not finished
    out = Path(args.out)
    ckpt = out.parent / f".{out.name}.checkpoint.pt"
    fp = args_fingerprint(args, inputs=[args.model_file])
    state = load_checkpoint(ckpt, restore_rng=False, fingerprint=fp, log=log.info)
    rows, done = ([], []) if state is None else (list(state["rows"]), list(state["done"]))
    if done:
        log.info("resuming from %s: %d (setup, target) units done", ckpt, len(done))
    t0 = time.time()
    envs = {}
    for setup in p.setups:
        mode, noop = SETUPS[setup]
        episodes = 1 if setup == "det" else p.episodes
        seeds = [int(ts) * 1000 + j for ts in p.test_seeds for j in range(episodes)]
        key = (noop, len(seeds))
        if key not in envs:
            envs[key] = make_eval_env(args.game, len(seeds), max_steps=p.max_steps,
                                      noop_max=p.noop_max if noop else 0)
        for label in args.rtgs:
            if [setup, label] in done:
                continue
            target = float(meta["max_rtg"]) if label == "dataset_max" else float(label)
            rng = np.random.default_rng([args.seed, int(abs(target)), len(setup)])
            ret = rollout(net, args.game, envs[key], mode=mode, target=target,
                          env_seeds=seeds, max_steps=p.max_steps, rng=rng,
                          device=device)
            for i, s in enumerate(seeds):
                rows.append({"paper": "fdt", "experiment": args.setting, "method": args.model,
                             "env": args.game, "seed": args.seed, "step": 0,
                             "metric": setup, "value": float(ret[i]), "rtg": target, "rtg_label": label,
                             "test_seed": s // 1000, "episode": s % 1000})
            log.info("%s rtg %s=%g: mean return %.2f over %d episodes", setup, label, target,
                     float(np.mean(ret)), len(ret))
            done.append([setup, label])
            save_checkpoint(ckpt, {"rows": rows, "done": done}, fingerprint=fp)
    write_csv(args.out, tidy_frame(rows))
    remove_checkpoint(ckpt)   # finished: a rerun evaluates again
    log.info("evaluated in %.0f s", time.time() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
