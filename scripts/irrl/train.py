"""Train RAM or DT-RAM with REINFORCE on Cluttered MNIST (optionally with reward hacking).

Writes, in the run directory: metrics.csv (per epoch: train/validation loss, accuracy,
mean reward, mean q(y|tau), gradient norm, seconds; row 0 = before training), ckpt_e{E}.pt
(state after E epochs, E in ``save_epochs``), model.pt (final), config.json, and, while it
runs, a resumable checkpoint.pt (model, optimiser, RNG states, metrics so far, and a
fingerprint of the settings and input files: a checkpoint of other settings is discarded),
removed once the outputs are written.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import time
from typing import Any, Dict, Optional, Sequence

import pandas as pd
import torch

from scripts.common.checkpoint import (fingerprint, load_checkpoint, remove_checkpoint,
                                       save_checkpoint)
from scripts.common.cli import parser, setup, step_params
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.irrl.data import build_model, load_cluttered, load_model
from scripts.irrl.model import RAM, initial_location, losses, run_dtram, run_ram
from scripts.irrl.params import RamParams as Params  # the whole `ram` block; reads all but n_cases

EVAL_SEED_OFFSET = 7919


def episode(model: RAM, x, prm, sample: bool, generator=None, oracle=None):
    l0 = initial_location(x.shape[0], x.device, generator)
    fn = run_dtram if model.dynamic else run_ram
    return fn(model, x, prm["glimpses"], sample, l0, oracle=oracle)


def evaluate(model: RAM, x, y, prm, seed: int, reward: str, oracle: Optional[RAM] = None) -> Dict[str, float]:
    """Deterministic locations (mu); l_0 from a generator seeded the same at every call."""
    model.eval()
    gen = torch.Generator().manual_seed(seed + EVAL_SEED_OFFSET)
    tot = {"loss": 0.0, "acc": 0.0, "reward": 0.0, "q": 0.0}
    n = 0
    with torch.no_grad():
        for i in range(0, len(x), prm["eval_batch"]):
            xb, yb = x[i:i + prm["eval_batch"]], y[i:i + prm["eval_batch"]]
            out = episode(model, xb, prm, False, gen, oracle)
            _, st = losses(out, yb, reward, 10, True, prm["reinforce_weight"],
                           prm["discount"] if model.dynamic else 1.0, oracle is not None)
            for k in tot:
                tot[k] += float(st[k]) * len(xb)
            n += len(xb)
    model.train()
    return {k: v / n for k, v in tot.items()}


def grad_norm(model: torch.nn.Module) -> float:
    sq = [p.grad.detach().pow(2).sum() for p in model.parameters() if p.grad is not None]
    return float(torch.stack(sq).sum().sqrt()) if sq else 0.0


def save_state(path: str, model: RAM, prm: Dict[str, Any], epoch: int, extra: Optional[dict] = None) -> None:
    blob = {"model": model.state_dict(), "params": prm, "dynamic": model.dynamic, "epoch": epoch}
    blob.update(extra or {})
    torch_save(path, blob)


def train(prm: Dict[str, Any], data_path: str, outdir: str, *, model_kind: str, reward: str,
          detach: bool, seed: int, oracle_path: Optional[str] = None) -> pd.DataFrame:
    log = get_logger("irrl.train")
    dev = pick_device()
    data = load_cluttered(data_path, prm["valid_fraction"], prm["split_seed"])
    x_tr, y_tr = data["x_train"].to(dev), data["y_train"].to(dev)
    x_va, y_va = data["x_valid"].to(dev), data["y_valid"].to(dev)
    torch.manual_seed(seed)
    model = build_model(prm, dynamic=(model_kind == "dtram")).to(dev)
    oracle = None
    if oracle_path:
        oracle, _ = load_model(oracle_path, dev)
        oracle.eval()
        for p in oracle.parameters():  # frozen, outside the optimiser (docs/fidelity/irrl.md H2)
            p.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=prm["lr"])
    perm_gen = torch.Generator().manual_seed(seed)
    discount = prm["discount"] if model.dynamic else 1.0
    ckpt_path = os.path.join(outdir, "checkpoint.pt")
    rows, start = [], 0
    snapshots: Dict[int, Any] = {}  # epoch -> state dict of the ckpt_eE files written so far
    fp = fingerprint({"params": prm, "model": model_kind, "reward": reward, "detach": detach,
                      "seed": seed}, inputs=[data_path, oracle_path])
    blob = load_checkpoint(ckpt_path, map_location=dev, fingerprint=fp, log=log.info)
    if blob is not None:   # RNG states (python, numpy, torch) restored by load_checkpoint
        model.load_state_dict(blob["model"])
        opt.load_state_dict(blob["optim"])
        perm_gen.set_state(blob["perm_rng"])
        rows, start = blob["rows"], blob["epoch"]
        snapshots = blob.get("snapshots", {})
        # a restarted workflow may have removed the earlier ckpt_eE outputs: write them again
        for e, state in snapshots.items():
            path = os.path.join(outdir, f"ckpt_e{e}.pt")
            if not os.path.exists(path):
                torch_save(path, {"model": state, "params": prm, "dynamic": model.dynamic, "epoch": e})
        log.info("resumed from %s at epoch %d", ckpt_path, start)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("%s reward=%s detach=%s seed=%d params=%d train=%d valid=%d device=%s%s", model_kind,
             reward, detach, seed, n_params, len(x_tr), len(x_va), dev,
             " (reward hacking)" if oracle is not None else "")
    save_epochs = set(prm["save_epochs"])
    if start == 0:
        va = evaluate(model, x_va, y_va, prm, seed, reward, oracle)
        rows.append({"epoch": 0, "val_loss": va["loss"], "val_acc": va["acc"],
                     "val_reward": va["reward"], "val_q": va["q"], "seconds": 0.0})
        if 0 in save_epochs:
            save_state(os.path.join(outdir, "ckpt_e0.pt"), model, prm, 0)
            snapshots[0] = copy.deepcopy(model.state_dict())
    bs = prm["batch_size"]
    for epoch in range(start + 1, prm["epochs"] + 1):
        t0 = time.time()
        perm = torch.randperm(len(x_tr), generator=perm_gen).to(dev)
        agg = {"loss": 0.0, "acc": 0.0, "reward": 0.0, "q": 0.0, "grad_norm": 0.0}
        nb = 0
        for i in range(0, len(perm), bs):
            idx = perm[i:i + bs]
            out = episode(model, x_tr[idx], prm, True, None, oracle)
            loss, st = losses(out, y_tr[idx], reward, 10, detach, prm["reinforce_weight"],
                              discount, oracle is not None)
            opt.zero_grad()
            loss.backward()
            gn = grad_norm(model)
            opt.step()
            for k in ("loss", "acc", "reward", "q"):
                agg[k] += float(st[k])
            agg["grad_norm"] += gn
            nb += 1
        train_s = time.time() - t0
        va = evaluate(model, x_va, y_va, prm, seed, reward, oracle)
        row = {"epoch": epoch, **{f"train_{k}": v / nb for k, v in agg.items()},
               "val_loss": va["loss"], "val_acc": va["acc"], "val_reward": va["reward"],
               "val_q": va["q"], "train_seconds": train_s, "seconds": time.time() - t0}
        rows.append(row)
        log.info("epoch %d/%d train acc %.3f val acc %.3f reward %.3f (%.1fs train, %.1fs total)",
                 epoch, prm["epochs"], row["train_acc"], va["acc"], row["train_reward"], train_s,
                 row["seconds"])
        if epoch in save_epochs or epoch == prm["epochs"]:
            save_state(os.path.join(outdir, f"ckpt_e{epoch}.pt"), model, prm, epoch)
            snapshots[epoch] = copy.deepcopy(model.state_dict())
        if epoch % prm["checkpoint_every"] == 0 or epoch == prm["epochs"]:
            save_checkpoint(ckpt_path, {"model": model.state_dict(), "optim": opt.state_dict(),
                                        "perm_rng": perm_gen.get_state(), "rows": rows,
                                        "epoch": epoch, "snapshots": snapshots}, fingerprint=fp)
    frame = pd.DataFrame(rows)
    save_state(os.path.join(outdir, "model.pt"), model, prm, prm["epochs"])
    write_csv(os.path.join(outdir, "metrics.csv"), frame)
    remove_checkpoint(ckpt_path)   # finished: a rerun trains again
    return frame


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], required=["--data", "--outdir", "--reward"])
    p.add_argument("--model", choices=["ram", "dtram"], required=True)
    p.add_argument("--detach", choices=["official", "detached"], required=True)
    p.add_argument("--oracle", default=None, help="reward-hacking oracle (model.pt of a run)")
    args = p.parse_args(argv)
    setup(args, config_beside=args.outdir)
    # train() and the model files keep the settings as a dict (irrl.test and irrl.noise rebuild
    # the model from a file's "params")
    prm = dataclasses.asdict(step_params(Params, args.params))
    train(prm, args.data, args.outdir, model_kind=args.model, reward=args.reward,
          detach=(args.detach == "detached"), seed=args.seed, oracle_path=args.oracle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
