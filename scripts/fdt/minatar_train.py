"""MinAtar stand-in: train DT, FDT or BC on one seed's training set, then evaluate it on MinAtar.

Training is scripts.fdt.train's (windows of K steps inside an episode, AdamW, warm-up and
cosine decay, grad clip, FDT's feedback loss ``model.fdt_loss``) with the MinAtar frame encoder
(``model.make_encoder("minatar")``, one frame per step, no stack). Evaluation: for each target
return (``rtg_fractions`` of the training set's best episode return) and each setup, one
episode per test env (``episodes`` envs in parallel, MinAtar's sticky actions 0.1), the
returns-to-go decremented by the raw reward, actions sampled from the softmax ("sampling") or
argmax after up to ``noop_max`` no-op steps ("det_noop", the start randomised as the paper's
Det.+No-op setup); each episode capped at ``max_steps``.

CLI: ``python -m scripts.fdt.minatar_train --params JSON --seed S --game G --model dt|fdt|bc
--data NPZ --lam L --out CSV`` writes CSV (one row per episode) and model.json beside it.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

from scripts.fdt.model import DecisionTransformer, configure_optimizer, fdt_loss, lr_for_step
from scripts.fdt import train
from scripts.fdt.train import window_starts


@dataclass(frozen=True)
class Params:
    """Settings of rule fdt_minatar_train: config/fdt.yaml's `minatar.model` and `minatar.eval`
    blocks merged (model: appendix Table 1's DT at laptop size; eval: the paper's setups)."""

    context: int  # K, the steps per window
    batch: int  # windows per gradient step
    n_layer: int  # transformer blocks
    n_head: int  # attention heads
    n_embd: int  # embedding width
    dropout: float  # dropout probability
    lr: float  # AdamW peak learning rate
    weight_decay: float  # AdamW weight decay
    grad_clip: float  # gradient-norm clip
    warmup_tokens: float  # tokens of linear warm-up
    epochs: int  # passes over the training windows
    setups: List[str]  # evaluation setups: sampling, det, det_noop, sampling_noop
    episodes: int  # test episodes per (setup, target return)
    noop_max: int  # no-op steps at most before the model acts (*_noop setups)
    max_steps: int  # cap on an evaluation episode's agent steps
    rtg_fractions: List[float]  # target returns as fractions of the training set's best return
    sticky: float  # MinAtar's sticky-action probability at evaluation


def make_batch(ts: Dict[str, np.ndarray], starts: np.ndarray, context: int,
               fb: bool) -> Dict[str, torch.Tensor]:
    """fdt.train's batch of single MinAtar frames [B, K, C, 10, 10] (feedback stored in ``ts``)."""
    return train.make_batch(ts, starts, context, ts if fb else None, stack=False)


def train_step(net, opt, b: Dict[str, torch.Tensor], model: str, lam: float, grad_clip: float):
    """One gradient step of DT/BC (cross-entropy) or FDT (plus the feedback term)."""
    logits = net(b["states"], b["actions"], b["rtg"], b["timesteps"])
    if model == "fdt":
        loss, _ = fdt_loss(logits, b["actions"], b["feedback"], b["best"], lam)
    else:
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 b["actions"].reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
    opt.step()
    return float(loss.item())


def rollout(net: DecisionTransformer, game: str, *, mode: str, target: float, episodes: int,
            seed: int, noop_max: int, max_steps: int, sticky: float) -> np.ndarray:
    """Raw returns of ``episodes`` episodes (one per env) of the model conditioned on ``target``."""
    from scripts.common.envs import MinAtarVectorEnv

    rng = np.random.default_rng(seed)
    vec = MinAtarVectorEnv(game, episodes, seed=seed, max_episode_steps=max_steps,
                           sticky_action_prob=sticky)
    obs = vec.reset()
    live = np.ones(episodes, dtype=bool)
    ret = np.zeros(episodes)
    if mode.endswith("_noop") and noop_max > 0:  # U{0..noop_max} no-ops per env first
        obs = obs.copy()
        for i, count in enumerate(rng.integers(0, noop_max + 1, size=episodes)):
            for _ in range(int(count)):
                o, r, te, tr, _ = vec.envs[i].step(0)
                ret[i] += r
                obs[i] = o
                if te or tr:
                    live[i] = False
                    break
    k = net.context
    states: List[np.ndarray] = []
    acts: List[np.ndarray] = []
    rtgs: List[np.ndarray] = []
    rtg = np.full(episodes, float(target))
    t = 0
    greedy = mode.startswith("det")
    while live.any() and t < max_steps:
        states.append(obs)
        rtgs.append(rtg.copy())
        acts.append(np.zeros(episodes, dtype=np.int64))
        s = torch.from_numpy(np.stack(states[-k:], axis=1))
        a = torch.from_numpy(np.stack(acts[-k:], axis=1))
        r = torch.from_numpy(np.stack(rtgs[-k:], axis=1).astype(np.float32))
        ts = torch.full((episodes,), max(0, t - k + 1), dtype=torch.long)
        with torch.no_grad():
            logits = net(s, a, r, ts)[:, -1]
        if greedy:
            action = logits.argmax(-1).numpy()
        else:
            action = torch.multinomial(torch.softmax(logits, -1), 1).squeeze(-1).numpy()
        acts[-1] = action.astype(np.int64)
        obs, rew, term, trunc = vec.step(action)
        ret += rew * live
        rtg = rtg - rew
        live &= ~(term | trunc)
        t += 1
    vec.close()
    return ret


def main(argv=None) -> int:
    import pandas as pd

    from scripts.common import cli
    from scripts.common.io import open_npz, write_csv, write_json
    from scripts.common.progress import get_logger
    from scripts.fdt.minatar_agent import N_ACTIONS, frame_shape

    ap = cli.parser(__doc__.splitlines()[0], required=["--game", "--out"])
    ap.add_argument("--model", choices=["dt", "fdt", "bc"], required=True)
    ap.add_argument("--data", required=True, help="the seed's npz from fdt.minatar_critical")
    ap.add_argument("--lam", type=float, default=0.0)
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=Path(args.out).parent)
    log = get_logger("fdt.minatar_train")
    p = cli.step_params(Params, args.params)
    keys = ["observation", "action", "rtg", "timestep", "episode_start", "raw_reward"]
    if args.model == "fdt":
        keys += ["feedback", "best_action"]
    with open_npz(args.data) as z:
        ts = {k: z[k] for k in keys}
    max_t = int(ts["timestep"].max())
    net = DecisionTransformer(N_ACTIONS, p.context, max_t, kind="bc" if args.model == "bc" else "dt",
                              n_layer=p.n_layer, n_head=p.n_head, n_embd=p.n_embd,
                              dropout=p.dropout, encoder="minatar",
                              in_channels=frame_shape(args.game)[0])
    opt = configure_optimizer(net, p.lr, p.weight_decay, (0.9, 0.95))
    starts_all = window_starts(ts["episode_start"], p.context)
    steps = len(starts_all) // p.batch
    final_tokens = 2.0 * len(ts["action"]) * p.context
    tokens = 0.0
    t0, c0 = time.time(), time.process_time()
    net.train()
    losses = []
    for epoch in range(p.epochs):
        perm = np.random.RandomState(args.seed * 1000 + epoch).permutation(len(starts_all))
        for s in range(steps):
            b = make_batch(ts, starts_all[perm[s * p.batch:(s + 1) * p.batch]], p.context,
                           args.model == "fdt")
            lr = lr_for_step(tokens, p.lr, p.warmup_tokens, final_tokens)
            for g in opt.param_groups:
                g["lr"] = lr
            losses.append(train_step(net, opt, b, args.model, args.lam, p.grad_clip))
            tokens += float(b["actions"].numel())
    train_cpu = time.process_time() - c0
    net.eval()
    ep_start = ts["episode_start"]
    best = max(float(ts["raw_reward"][ep_start == s].sum()) for s in np.unique(ep_start))
    rows = []
    for frac in p.rtg_fractions:
        for setup in p.setups:
            target = frac * best
            rets = rollout(net, args.game, mode=setup, target=target, episodes=p.episodes,
                           seed=100 + args.seed, noop_max=p.noop_max,
                           max_steps=p.max_steps, sticky=p.sticky)
            for e, r in enumerate(rets):
                rows.append({"game": args.game, "model": args.model, "seed": args.seed,
                             "setup": setup, "rtg_fraction": frac, "rtg": target,
                             "episode": e, "return": float(r)})
    write_csv(args.out, pd.DataFrame(rows))
    write_json(str(args.out)[: -len(".csv")] + ".json", {
        "game": args.game, "model": args.model, "seed": args.seed, "lam": args.lam,
        "steps": steps * p.epochs, "dataset": int(len(ts["action"])), "best_return": best,
        "final_loss": float(np.mean(losses[-20:])) if losses else float("nan"),
        "train_cpu_s": round(train_cpu, 1), "wall_s": round(time.time() - t0, 1),
        "cpu_s": round(time.process_time() - c0, 1), "params": args.params})
    log.info("%s %s seed %d: %d steps, loss %.3f; eval mean %.2f", args.game, args.model,
             args.seed, steps * p.epochs, float(np.mean(losses[-20:])) if losses else float("nan"),
             float(np.mean([r["return"] for r in rows])) if rows else float("nan"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
