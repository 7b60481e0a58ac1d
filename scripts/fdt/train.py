"""Train DT, FDT or BC on a sampled training set (appendix Table 1).

Windows of K steps inside one episode (the original's min(idx, done_idx - K)), shuffled per
epoch with drop_last; AdamW, warm-up then cosine decay over 2 * |dataset| * K tokens (Table 1);
grad-norm clip 1.0. FDT adds the feedback loss (``model.fdt_loss``) on the critical states'
positions. Checkpoints (atomic) every ``checkpoint_every`` steps and resumes from them.

CLI: ``python -m scripts.fdt.train --params JSON --seed S --model dt|fdt|bc --trainset NPZ
[--critical NPZ] --out DIR``. Runs on Python 3.8 / torch 1.10 (envs/fdt-dt.yaml).
"""
from __future__ import annotations

import csv
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

from scripts.common.seeding import device as default_device
from scripts.common.io import open_npz
from scripts.fdt.games import N_ACTIONS
from scripts.fdt.model import (DecisionTransformer, configure_optimizer, fdt_loss,
                               lr_for_step)
from scripts.fdt.replay import stack_frames


@dataclass(frozen=True)
class Params:
    """Settings of rule fdt_train: config/fdt.yaml's `model` block with the game's `per_game`
    entries over it (appendix Table 1). model.pt keeps them as given (``meta["params"]``), from
    which fdt.evaluate rebuilds the network (``build_model``)."""

    encoder: str  # state encoder: nature (the DT's Atari CNN) or linear (4x4-pooled frames)
    context: int  # K, the steps per window
    batch: int  # windows per gradient step
    n_layer: int  # transformer blocks
    n_head: int  # attention heads
    n_embd: int  # embedding width
    dropout: float  # dropout probability
    lr: float  # AdamW peak learning rate
    betas: List[float]  # AdamW betas (two numbers)
    weight_decay: float  # AdamW weight decay (on the decayed parameter group)
    grad_clip: float  # gradient-norm clip
    warmup_tokens: float  # tokens of linear learning-rate warm-up
    final_tokens_factor: float  # cosine decay ends at 2 * |dataset| * K * this many tokens
    epochs: int  # passes over the training set's windows
    max_steps: int  # gradient steps per epoch at most (0: full epochs)
    log_every: int  # gradient steps between rows of log.csv
    checkpoint_every: int  # gradient steps between checkpoints (0: none)


def window_starts(episode_start: np.ndarray, context: int) -> np.ndarray:
    """Window start per dataset index i < n - K: min(i, end_of_episode(i) - K)."""
    n = len(episode_start)
    starts = np.flatnonzero(episode_start == np.arange(n))
    ends = np.append(starts[1:], n)
    ep = np.searchsorted(starts, np.arange(n), side="right") - 1
    end = ends[ep]
    idx = np.arange(max(0, n - context))
    return np.minimum(idx, end[idx] - context)


def make_batch(ts: Dict[str, np.ndarray], starts: np.ndarray, context: int,
               fb: Dict[str, np.ndarray] = None, stack: bool = True) -> Dict[str, torch.Tensor]:
    """States, actions, returns-to-go, first timestep (and FDT's feedback and best actions from
    ``fb``) of the windows starting at ``starts``. ``stack``: each state is the ALE's stack of
    the last frames; without it, one stored observation per step (MinAtar)."""
    pos = starts[:, None] + np.arange(context)[None, :]
    if stack:
        st = stack_frames(ts["observation"], ts["episode_start"], pos.ravel())
        st = st.reshape((len(starts), context) + st.shape[1:])
    else:
        st = ts["observation"][pos]
    b = {"states": torch.from_numpy(st),
         "actions": torch.from_numpy(ts["action"][pos].astype(np.int64)),
         "rtg": torch.from_numpy(ts["rtg"][pos].astype(np.float32)),
         "timesteps": torch.from_numpy(ts["timestep"][starts].astype(np.int64))}
    if fb is not None:
        b["feedback"] = torch.from_numpy(fb["feedback"][pos].astype(np.int64))
        b["best"] = torch.from_numpy(fb["best_action"][pos].astype(np.int64))
    return b


def build_model(prm: dict, game: str, model: str, max_timestep: int) -> DecisionTransformer:
    return DecisionTransformer(N_ACTIONS[game], int(prm["context"]), max_timestep,
                               kind="bc" if model == "bc" else "dt",
                               n_layer=int(prm["n_layer"]), n_head=int(prm["n_head"]),
                               n_embd=int(prm["n_embd"]), dropout=float(prm["dropout"]),
                               encoder=prm["encoder"])


def main(argv=None) -> int:
    from scripts.common import cli
    from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                           save_checkpoint)
    from scripts.common.io import torch_save, write_json
    from scripts.common.progress import get_logger, progress

    ap = cli.parser(__doc__.splitlines()[0], required=["--game", "--trainset"])
    ap.add_argument("--model", choices=["dt", "fdt", "bc"], required=True)
    ap.add_argument("--critical", default="")
    ap.add_argument("--lam", type=float, default=0.0)
    ap.add_argument("--out", required=True, help="output folder (model.pt, log.csv)")
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("fdt.train")
    prm = args.params
    p = cli.step_params(Params, prm)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open_npz(args.trainset) as z:
        ts = {k: z[k] for k in ("observation", "action", "rtg", "timestep", "episode_start")}
    fb = None
    if args.model == "fdt":
        if not args.critical:
            raise SystemExit("--critical is required for FDT")
        with open_npz(args.critical) as z:
            fb = {k: z[k] for k in ("feedback", "best_action")}
    context = p.context
    batch = p.batch
    if p.encoder == "linear":  # pool 4x4 once for the whole dataset (see model.encode)
        n = len(ts["observation"])
        ts["observation"] = ts["observation"].reshape(n, 21, 4, 21, 4).max(axis=(2, 4))
    max_t = int(ts["timestep"].max())
    device = default_device()
    net = build_model(prm, args.game, args.model, max_t).to(device)
    opt = configure_optimizer(net, p.lr, p.weight_decay, (float(p.betas[0]), float(p.betas[1])))
    starts_all = window_starts(ts["episode_start"], context)
    steps_per_epoch = len(starts_all) // batch
    if p.max_steps > 0:
        steps_per_epoch = min(steps_per_epoch, p.max_steps)
    epochs = p.epochs
    final_tokens = 2.0 * len(ts["action"]) * context * p.final_tokens_factor
    warmup = p.warmup_tokens
    ckpt_path = out / "checkpoint.pt"
    state = {"epoch": 0, "step_in_epoch": 0, "tokens": 0.0, "rows": []}
    fp = args_fingerprint(args, inputs=[args.trainset, args.critical])
    ck = load_checkpoint(ckpt_path, map_location=device, fingerprint=fp, log=log.info)
    if ck is not None:   # RNG states restored by load_checkpoint
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log.info("resumed at epoch %d step %d", state["epoch"], state["step_in_epoch"])
    lam = float(args.lam)
    every = p.checkpoint_every
    t0 = time.time()
    total = epochs * steps_per_epoch
    bar = progress(total=total, desc=f"train {args.model}", unit="step")
    bar.update(state["epoch"] * steps_per_epoch + state["step_in_epoch"])
    net.train()
    while state["epoch"] < epochs:
        perm = np.random.RandomState(args.seed * 1000 + state["epoch"]).permutation(len(starts_all))
        while state["step_in_epoch"] < steps_per_epoch:
            s = state["step_in_epoch"]
            starts = starts_all[perm[s * batch:(s + 1) * batch]]
            b = make_batch(ts, starts, context, fb)
            logits = net(b["states"].to(device), b["actions"].to(device), b["rtg"].to(device),
                         b["timesteps"].to(device))
            if fb is not None:
                loss, info = fdt_loss(logits, b["actions"].to(device), b["feedback"].to(device),
                                      b["best"].to(device), lam)
            else:
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                         b["actions"].reshape(-1).to(device))
                info = {"ce": loss.item(), "fb": 0.0, "fb_used": 0, "fb_pos": 0, "fb_neg": 0}
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), p.grad_clip)
            lr = lr_for_step(state["tokens"], p.lr, warmup, final_tokens)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.step()
            state["tokens"] += float(b["actions"].numel())
            state["step_in_epoch"] += 1
            gstep = state["epoch"] * steps_per_epoch + state["step_in_epoch"]
            if gstep % p.log_every == 0 or gstep == total:
                state["rows"].append({"step": gstep, "epoch": state["epoch"],
                                      "loss": loss.item(), "lr": lr,
                                      "wall_s": round(time.time() - t0, 2), **info})
            bar.update(1)
            if every and gstep % every == 0 and gstep < total:
                save_checkpoint(ckpt_path, {"model": net.state_dict(), "opt": opt.state_dict(),
                                            "state": state}, fingerprint=fp)
        state["epoch"] += 1
        state["step_in_epoch"] = 0
    bar.close()
    rows = state["rows"]
    tmp = out / ".log.csv.tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["step"])
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, out / "log.csv")
    meta = {"model": args.model, "game": args.game, "seed": args.seed, "lam": lam,
            "max_timestep": max_t, "steps": total, "dataset": len(ts["action"]),
            "max_rtg": float(ts["rtg"].max()), "params": prm,
            "n_parameters": int(sum(p.numel() for p in net.parameters())),
            "train_s": round(time.time() - t0, 1)}
    write_json(out / "model.json", meta)
    torch_save(out / "model.pt", {"model": net.state_dict(), "meta": meta})
    remove_checkpoint(ckpt_path)   # finished: a rerun trains again
    log.info("trained %s: %d steps in %.0f s", args.model, total, time.time() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
