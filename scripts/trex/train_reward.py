"""Reward learning with the Bradley-Terry loss on ranked pairs.

Atari: the authors' CNN (one net per game), Adam (lr 5e-5, no weight decay), batches of
``batch`` pairs (authors: 1), ``epochs`` shuffled passes over the pairs (authors: 5 x 6,000).
MuJoCo: an ensemble of MLPs, each member trained on its own pairs (80/20 train/valid),
Adam, ``iterations`` steps of ``batch`` pairs, L2 ``l2`` * sum of squared weights.
After training each MuJoCo member is normalised by the std of its reward over the stage's
demo states (and centred if ``center``), which the RL reward uses.

Plain PyTorch: runs on the reward stage's pinned env (see envs/trex-reward.yaml).
Checkpoints every ``ckpt_every`` steps to <out dir>/checkpoint.pt and resumes from it when its
fingerprint (settings, demos and pairs) matches; minibatches come from generators seeded by
(seed, member, step), so a resumed run is identical. The checkpoint is removed once the
outputs are written.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import torch

from scripts.common import cli
from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                       save_checkpoint)
from scripts.common.io import open_npz, torch_save, write_csv, write_json
from scripts.common.progress import get_logger
from scripts.trex import nets
from scripts.trex.data import Trajectories
from scripts.trex.masks import ATARI_GAMES, mask_rows
from scripts.trex.pairs import snippet_indices

log = get_logger("trex.reward")


@dataclass(frozen=True)
class Params:
    """Settings of rules trex_train_reward and trex_minatar_reward: the learner's part of the
    reward block (config/trex.yaml ``reward_<kind>``, or ``minatar.reward``; the pair sampler's
    keys go to scripts.trex.make_pairs). Atari and MinAtar train for ``epochs``, MuJoCo for
    ``iterations``."""

    lr: float  # Adam's learning rate
    batch: int  # pairs per gradient step
    ckpt_every: int  # gradient steps between resumable checkpoints
    epochs: Optional[int] = None  # shuffled passes over the pairs (Atari, MinAtar)
    iterations: Optional[int] = None  # gradient steps per member (MuJoCo)
    weight_decay: Optional[float] = None  # Adam's weight decay (Atari, MinAtar; None: 0)
    device: Optional[str] = None  # cpu, auto (a GPU where there is one) or a torch device (the CNN)
    channels: Optional[int] = None  # conv channels of the MinAtar reward CNN
    hidden: Optional[int] = None  # hidden width: MuJoCo MLP layers, MinAtar CNN's FC layer
    members: Optional[int] = None  # ensemble members (MuJoCo)
    l2: Optional[float] = None  # x sum of squared weights, biases excluded (MuJoCo; None: 0)
    init: Optional[str] = None  # MLP initialisation: torch or normal (authors'; MuJoCo)
    valid_fraction: Optional[float] = None  # share of a member's pairs held out (MuJoCo; None: 0.2)
    center: Optional[bool] = None  # also centre each member's reward on the demo states (MuJoCo)


def batch_returns(model, demos: Trajectories, rows: np.ndarray):
    """Summed predicted reward of snippets a and b of each pair row: (R_a, R_b)."""
    obs, seg = [], []
    for k, r in enumerate(rows):
        for s, (ep, st, ln, sd) in enumerate(((r["a_ep"], r["a_start"], r["a_len"], r["a_stride"]),
                                              (r["b_ep"], r["b_start"], r["b_len"], r["b_stride"]))):
            x = demos.states(int(ep), snippet_indices(int(st), int(ln), int(sd)))
            obs.append(x)
            seg.append(np.full(len(x), 2 * k + s))
    dev = next(model.parameters()).device
    x = torch.as_tensor(np.concatenate(obs)).to(dev)
    seg_t = torch.as_tensor(np.concatenate(seg)).long().to(dev)
    r = model(x)
    if r.dim() == 2:            # ensemble member stack is never passed here
        raise ValueError("pass a single member")
    returns = nets.snippet_returns(r, seg_t, 2 * len(rows))
    return returns[0::2], returns[1::2]


def run_member(model, demos, train, valid, cfg: Params, seed, member, ckpt, state, rows_log, l2, base,
               fp=None):
    """Train one net; checkpoints carry ``base`` (finished members, their accuracies)."""
    opt = torch.optim.Adam(model.parameters(), lr=float(cfg.lr),
                           weight_decay=float(cfg.weight_decay or 0.0))
    start = 0
    if state is not None and state.get("member") == member:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        start = int(state["step"])
        log.info("member %d: resumed at step %d", member, start)
    batch = int(cfg.batch)
    if cfg.epochs is not None:
        per_epoch = int(np.ceil(len(train) / batch))
        total = int(cfg.epochs) * per_epoch
    else:
        per_epoch, total = None, int(cfg.iterations)
    every = int(cfg.ckpt_every)
    t0, losses, accs = time.time(), [], []
    model.train()
    for step in range(start, total):
        if per_epoch is not None:   # shuffled passes over the pairs (authors' Atari loop)
            epoch, pos = divmod(step, per_epoch)
            perm = np.random.default_rng([seed, member, epoch]).permutation(len(train))
            idx = perm[pos * batch:(pos + 1) * batch]
        else:                       # random minibatches (authors' MuJoCo loop)
            idx = np.random.default_rng([seed, member, step]).integers(0, len(train), batch)
        rows = train[idx]
        ra, rb = batch_returns(model, demos, rows)
        label = torch.as_tensor(rows["label"].astype(np.int64)).to(ra.device)
        loss = nets.bt_loss(ra, rb, label)
        total_loss = loss + (l2 * model.l2() if l2 else 0.0)
        opt.zero_grad()
        total_loss.backward()
        opt.step()
        losses.append(float(loss))
        accs.append(nets.pair_accuracy(ra.detach(), rb.detach(), label))
        if (step + 1) % every == 0 or step + 1 == total:
            entry = {"member": member, "step": step + 1, "loss": float(np.mean(losses)),
                     "train_acc": float(np.mean(accs))}
            if len(valid):
                entry["valid_acc"] = evaluate(model, demos, valid)
                model.train()
            rows_log.append(entry)
            losses, accs = [], []
            save_checkpoint(ckpt, {**base, "member": member, "step": step + 1,
                                   "model": model.state_dict(), "optim": opt.state_dict(),
                                   "rows": rows_log}, fingerprint=fp)
            log.info("member %d step %d/%d loss %.4f train acc %.3f%s (%.1f steps/s)", member,
                     step + 1, total, entry["loss"], entry["train_acc"],
                     f" valid acc {entry['valid_acc']:.3f}" if "valid_acc" in entry else "",
                     (step + 1 - start) / max(time.time() - t0, 1e-9))
    model.eval()
    return model


def evaluate(model, demos, rows, chunk: int = 64) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(rows), chunk):
            part = rows[i:i + chunk]
            ra, rb = batch_returns(model, demos, part)
            label = torch.as_tensor(part["label"].astype(np.int64)).to(ra.device)
            correct += int(((rb > ra).long() == label).sum())
    return correct / max(len(rows), 1)


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0],
                   required=["--env", "--demos", "--pairs", "--out-model", "--out-log",
                             "--out-acc"])
    args = p.parse_args(argv)
    cli.setup(args, config_beside=Path(args.out_model).parent)
    cfg = cli.step_params(Params, args.params)
    env = args.env
    demos = Trajectories.load(args.demos)
    with open_npz(args.pairs, keys=["pairs"]) as z:
        pairs = z["pairs"]
    out_dir = Path(args.out_model).parent
    ckpt = out_dir / "checkpoint.pt"
    fp = args_fingerprint(args, inputs=[args.demos, args.pairs])
    state = load_checkpoint(ckpt, fingerprint=fp, log=log.info, restore_rng=False)
    if state is not None:
        log.info("resuming from %s (member %s)", ckpt, state.get("member"))
    rows_log = list(state["rows"]) if state else []
    atari = env in ATARI_GAMES or env.startswith("minatar-")   # MinAtar: the Atari protocol
    if atari:
        if env.startswith("minatar-"):   # no score on a MinAtar screen: nothing to mask
            spec = {"kind": "minatar", "in_channels": int(demos.obs.shape[1]), "game": env,
                    "channels": int(cfg.channels or 16), "hidden": int(cfg.hidden or 64)}
        else:
            top, bottom = mask_rows(env)
            spec = {"kind": "atari", "mask_top": top, "mask_bottom": bottom, "game": env}
        torch.manual_seed(args.seed)
        model = nets.build_reward_model(spec)
        if (cfg.device or "cpu") != "cpu":   # the CNN may train on a GPU; MuJoCo MLPs stay on CPU
            from scripts.common.seeding import device
            model = model.to(device() if cfg.device == "auto" else torch.device(cfg.device))
        log.info("Atari reward net: %d parameters, %d pairs, on %s", nets.count_params(model),
                 len(pairs), next(model.parameters()).device)
        model = run_member(model, demos, pairs, pairs[:0], cfg, args.seed, 0, ckpt, state,
                           rows_log, 0.0, {}, fp)
        accuracy = {"train_acc": evaluate(model, demos, pairs)}
        final = model.cpu()
    else:
        members = int(cfg.members)
        spec = {"kind": "mujoco", "obs_dim": int(demos.obs.shape[1]), "hidden": int(cfg.hidden),
                "members": members, "center": bool(cfg.center)}
        final = nets.build_reward_model(spec)
        base = {"done_members": [], "ensemble": final.state_dict(), "accuracy": {}}
        if state is not None:
            base = {k: state[k] for k in base}
            final.load_state_dict(base["ensemble"])
        for m in range(members):
            if m in base["done_members"]:
                continue
            mine = pairs[pairs["member"] == m]
            valid_fraction = 0.2 if cfg.valid_fraction is None else cfg.valid_fraction
            n_valid = int(round(float(valid_fraction) * len(mine)))
            perm = np.random.default_rng([args.seed, m, 999]).permutation(len(mine))
            valid, train = mine[perm[:n_valid]], mine[perm[n_valid:]]
            torch.manual_seed(args.seed * 1000 + m)
            member = nets.MLPReward(spec["obs_dim"], spec["hidden"], str(cfg.init or "torch"))
            member = run_member(member, demos, train, valid, cfg, args.seed, m, ckpt, state,
                                rows_log, float(cfg.l2 or 0.0), base, fp)
            final.members[m].load_state_dict(member.state_dict())
            acc = dict(base["accuracy"])
            acc[f"member{m}_train_acc"] = evaluate(member, demos, train)
            acc[f"member{m}_valid_acc"] = evaluate(member, demos, valid) if len(valid) else None
            base = {"done_members": list(base["done_members"]) + [m],
                    "ensemble": final.state_dict(), "accuracy": acc}
            save_checkpoint(ckpt, {**base, "member": -1, "rows": rows_log}, fingerprint=fp)
        accuracy = dict(base["accuracy"])
        # per-member normalisation over the stage's demo states
        used = np.unique(np.concatenate([pairs["a_ep"], pairs["b_ep"]]))
        states = np.concatenate([demos.states(int(e)) for e in used])
        with torch.no_grad():
            per = final(torch.as_tensor(states))
        final.scale.copy_(per.std(1).clamp_min(1e-6))
        if spec["center"]:
            final.shift.copy_(per.mean(1))
    torch_save(args.out_model, {"spec": spec, "state_dict": final.state_dict()})
    write_csv(args.out_log, pd.DataFrame(rows_log))
    write_json(args.out_acc, {"env": env, "n_pairs": int(len(pairs)), **accuracy})
    remove_checkpoint(ckpt)   # finished: a rerun trains again
    return 0


if __name__ == "__main__":
    sys.exit(main())
