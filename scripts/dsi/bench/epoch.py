"""Speed of one DSI GridWorld training epoch: the original implementation vs ours (not a rule).

Issue 7 asks for a DSI training epoch against the original implementation on the same CPU and
the same data. A checkout of the original code is needed (none of its code is in this
repository; it is imported from the checkout at run time)::

    git clone https://github.com/AI-Initiative-KAUST/VideoRLCS /tmp/dsi-orig
    git -C /tmp/dsi-orig checkout 6afb4a7     # its newest commit (2023-08-19)
    python -m scripts.dsi.bench.epoch --original-dir /tmp/dsi-orig --out /tmp/dsi-bench.json

(a quick check: ``--positives 64 --negatives 64 --batches 2``). Only torch and numpy (its
model), matplotlib (its utils.py) and tqdm (its train.py) are needed from its requirements.

The data are real GridWorld-S episodes generated in-process by ``scripts.dsi.gen_gridworld``
(``generate_split``, official negatives as the paper recipe uses; default 300 positive + 300
negative = the laptop scale's training split, seed 0; a few seconds), or any ``train.npz``
written by the ``dsi_gen_gridworld`` rule via ``--data`` (e.g.
``results/paper/dsi/gridworld_data/S-official/train.npz`` for the full 2000-episode epoch).

Settings: the paper recipe (``dsi.paper.gridworld`` common + ``recipe.paper`` in
config/dsi.yaml: batch 64, InstanceNorm, flattened G over max_length 84, matrix-norm L1 5e-3,
reverse 2, Adam 1e-4 with weight decay 1e-4), one torch thread, CPU. Both implementations see the
same minibatches (one seeded permutation of the episodes, cut into batches of 64); they take
turns on every minibatch, the order alternating, so a change of the machine's load affects both
alike. One untimed warm-up minibatch each.

- original: its ``Models.model.Detector``/``Predictor`` and its ``train.train_epoch`` (called on
  a one-minibatch loader, its per-epoch print swallowed), with its ``main.py`` optimisers and
  ``nn.CrossEntropyLoss``; the minibatch is built by its ``Dataset.GridWorld`` dataset's
  ``__getitem__`` (HWC -> CHW, /256 in float64) and ``collate_fn`` (sort by length, pad). Its
  dataset module imports torchvision without using it: torchvision is not installed here, so an
  empty stand-in module is put in ``sys.modules`` (the only stub). Its DataLoader worker
  processes (``num_workers=4``) are not used: batches are built in the main process.
- ours: ``scripts.dsi.trainer.to_batch`` + ``batch_targets`` and ``train_step`` (model.py,
  losses.py), exactly as ``trainer.train`` drives them.

Reported (JSON on stdout and ``--out``): per implementation the median, minimum and sum over
the timed minibatches of process CPU seconds and wall seconds, for the training step alone and
for batch building + step ("with_batch"); the speed-ups (original / ours) as the ratio of the
medians, the median of the per-minibatch ratios, and the ratio of the epoch sums; and the load
average at start and end.

Fairness: both run on the same torch (2.x here; the original pinned 1.12.1) and thread count,
with the same architecture (parameter counts equal) and optimisers. Our gain comes from running
the CNN on valid frames only (the original runs it on every padded frame) and one batched G
forward for the masked and reversed inputs, so it grows with the padding in a minibatch: with the
official negatives (24 frames in 85 %) and positives up to ~60 frames it is large; on
equal-length episodes it would be smaller.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
import types
from typing import Dict, List

import numpy as np
import torch

from scripts.common.config import load_yaml
from scripts.common.seeding import set_threads
from scripts.dsi.trainer import EpisodeSet, batch_targets, build_nets, to_batch, train_step

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "..", "..", "config", "dsi.yaml")


def paper_recipe(config_path: str = CONFIG) -> Dict:
    gw = load_yaml(config_path)["dsi"]["paper"]["gridworld"]
    return {**gw["common"], **gw["recipe"]["paper"], "name": "paper"}


def load_original(original_dir: str):
    """The original's modules, imported from its checkout (torchvision stubbed, unused there)."""
    original_dir = os.path.abspath(original_dir)
    if not os.path.isfile(os.path.join(original_dir, "Models", "model.py")):
        raise SystemExit(f"{original_dir} is not a VideoRLCS checkout (no Models/model.py)")
    if "torchvision" not in sys.modules:
        try:
            import torchvision  # noqa: F401
        except ImportError:
            tv = types.ModuleType("torchvision")
            tv.transforms = types.ModuleType("torchvision.transforms")
            tv.utils = types.ModuleType("torchvision.utils")
            sys.modules.update({"torchvision": tv, "torchvision.transforms": tv.transforms,
                                "torchvision.utils": tv.utils})
    sys.path.insert(0, original_dir)
    import importlib
    mods = {name: importlib.import_module(name)
            for name in ("Models.model", "Dataset.GridWorld", "train", "utils")}
    for name, m in mods.items():
        if not os.path.abspath(m.__file__).startswith(original_dir):
            raise SystemExit(f"imported {name} from {m.__file__}, not from {original_dir}")
    return mods


def generate_episodes(n_pos: int, n_neg: int, seed: int) -> EpisodeSet:
    from scripts.dsi.gen_gridworld import TARGET, generate_split
    eps = generate_split({"positive": n_pos, "negative": n_neg}, "official", 0,
                         np.random.default_rng(seed))
    return EpisodeSet([np.ascontiguousarray(np.transpose(e["frames"], (0, 3, 1, 2)))
                       for e in eps], np.array([TARGET[e["kind"]] for e in eps], dtype=np.int64))


def minibatches(n: int, batch: int, seed: int, limit: int = 0) -> List[np.ndarray]:
    """One epoch's minibatches (a seeded permutation cut into ``batch``-sized pieces, the last
    one shorter), the first ``limit`` of them if ``limit`` > 0."""
    order = np.random.default_rng(seed).permutation(n)
    out = [order[i:i + batch] for i in range(0, n, batch)]
    return out[:limit] if limit > 0 else out


class Original:
    name = "original"

    def __init__(self, mods, data: EpisodeSet, cfg: Dict):
        mm, ds_mod, self.train = mods["Models.model"], mods["Dataset.GridWorld"], mods["train"]
        self.d, self.g = mm.Detector(), mm.Predictor()
        self.crit = torch.nn.CrossEntropyLoss()
        self.opt_d = torch.optim.Adam(self.d.parameters(), cfg["lr_d"],
                                      weight_decay=cfg["weight_decay"])
        self.opt_g = torch.optim.Adam(self.g.parameters(), cfg["lr_g"],
                                      weight_decay=cfg["weight_decay"])
        self.args = argparse.Namespace(l1_weight=cfg["loss_weights"]["com"],
                                       classify_weight=cfg["loss_weights"]["imp"],
                                       reverse_weight=cfg["loss_weights"]["rev"])
        # its dataset object holding our episodes in its file layout (T, H, W, C) uint8; the
        # file reading of its __init__ is a one-off and is skipped
        cls = ds_mod.gridworld_positive_negative
        self.ds = cls.__new__(cls)
        self.ds.item_list = [np.ascontiguousarray(np.transpose(e, (0, 2, 3, 1)))
                             for e in data.episodes]
        self.ds.label_list = [int(t) for t in data.targets]
        self.collate = ds_mod.collate_fn

    def batch(self, idx):
        return self.collate([self.ds[int(i)] for i in idx])

    def step(self, batch) -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            self.train.train_epoch(self.args, [batch], self.crit, self.opt_d, self.opt_g, 0,
                                   self.d, self.g)


class Ours:
    name = "ours"

    def __init__(self, data: EpisodeSet, cfg: Dict):
        self.data, self.cfg = data, cfg
        self.d, self.g = build_nets(cfg, 3)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=cfg["lr_d"],
                                      weight_decay=cfg["weight_decay"])
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=cfg["lr_g"],
                                      weight_decay=cfg["weight_decay"])
        self.dev = torch.device("cpu")

    def batch(self, idx):
        lens = [len(self.data.episodes[i]) for i in idx]
        x, lengths = to_batch([self.data.episodes[i] for i in idx], self.dev, lens, [0] * len(idx))
        return x, lengths, batch_targets(self.data, idx, [0] * len(idx), lens, self.cfg, self.dev)

    def step(self, batch) -> None:
        x, lengths, y = batch
        train_step(self.d, self.g, self.opt_d, self.opt_g, x, lengths, y, self.cfg, warmup=False)


def time_interleaved(impls, batches) -> Dict[str, Dict[str, List[float]]]:
    """Per implementation and minibatch: CPU and wall seconds of building the batch and of the
    step. The implementations take turns on every minibatch, the order alternating."""
    for impl in impls:  # warm-up, untimed
        impl.step(impl.batch(batches[0]))
    rec = {impl.name: {k: [] for k in ("batch_cpu", "batch_wall", "step_cpu", "step_wall")}
           for impl in impls}
    for i, idx in enumerate(batches):
        for impl in (impls if i % 2 == 0 else impls[::-1]):
            r = rec[impl.name]
            c0, w0 = time.process_time(), time.perf_counter()
            b = impl.batch(idx)
            c1, w1 = time.process_time(), time.perf_counter()
            impl.step(b)
            c2, w2 = time.process_time(), time.perf_counter()
            r["batch_cpu"].append(c1 - c0)
            r["batch_wall"].append(w1 - w0)
            r["step_cpu"].append(c2 - c1)
            r["step_wall"].append(w2 - w1)
    return rec


def summarise(rec: Dict[str, Dict[str, List[float]]], first: str = "original",
              second: str = "ours") -> Dict:
    """Medians, minima and sums of the step and batch+step times; speed-ups first / second."""
    out: Dict = {}
    for name, r in rec.items():
        s = {}
        for clock in ("cpu", "wall"):
            step = np.asarray(r[f"step_{clock}"])
            full = step + np.asarray(r[f"batch_{clock}"])
            for label, v in (("step", step), ("with_batch", full)):
                s[f"{label}_{clock}_s_median"] = float(np.median(v))
                s[f"{label}_{clock}_s_min"] = float(np.min(v))
                s[f"{label}_{clock}_s_epoch"] = float(np.sum(v))
        out[name] = s
    sp = {}
    for clock in ("cpu", "wall"):
        for label in ("step", "with_batch"):
            a, b = out[first], out[second]
            sp[f"{label}_{clock}_ratio_of_medians"] = (a[f"{label}_{clock}_s_median"]
                                                       / b[f"{label}_{clock}_s_median"])
            sp[f"{label}_{clock}_ratio_of_epochs"] = (a[f"{label}_{clock}_s_epoch"]
                                                      / b[f"{label}_{clock}_s_epoch"])

            def per(name):
                r = rec[name]
                v = np.asarray(r[f"step_{clock}"])
                return v + np.asarray(r[f"batch_{clock}"]) if label == "with_batch" else v
            pairs = per(first) / per(second)
            sp[f"{label}_{clock}_median_of_pair_ratios"] = float(np.median(pairs))
    out["speedup_original_over_ours"] = sp
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--original-dir", required=True, help="a VideoRLCS checkout (commit 6afb4a7)")
    p.add_argument("--data", default=None,
                   help="a train.npz from dsi_gen_gridworld (default: generate in-process)")
    p.add_argument("--positives", type=int, default=300, help="episodes generated (no --data)")
    p.add_argument("--negatives", type=int, default=300, help="episodes generated (no --data)")
    p.add_argument("--batch", type=int, default=0, help="minibatch size (0: the paper's, 64)")
    p.add_argument("--batches", type=int, default=0,
                   help="time only the first N minibatches of the epoch (0: the whole epoch)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=None, help="also write the JSON here")
    args = p.parse_args(argv)
    set_threads(args.threads)
    cfg = paper_recipe()
    if args.batch:
        cfg["batch_size"] = args.batch
    mods = load_original(args.original_dir)
    t0 = time.perf_counter()
    data = (EpisodeSet.load(args.data) if args.data
            else generate_episodes(args.positives, args.negatives, args.seed))
    gen_s = time.perf_counter() - t0
    lengths = np.array([len(e) for e in data.episodes])
    batches = minibatches(len(data), int(cfg["batch_size"]), args.seed, args.batches)
    load0 = os.getloadavg()
    torch.manual_seed(args.seed)
    orig = Original(mods, data, cfg)
    torch.manual_seed(args.seed)
    ours = Ours(data, cfg)
    rec = time_interleaved([orig, ours], batches)
    res = summarise(rec)
    res["setup"] = {
        "data": args.data or f"generated in-process: {args.positives} positive + {args.negatives}"
                             f" official negative GridWorld-S episodes, seed {args.seed}",
        "data_seconds": gen_s, "episodes": len(data), "frames_per_episode_mean":
        float(lengths.mean()), "frames_per_episode_max": int(lengths.max()),
        "batch_size": int(cfg["batch_size"]), "minibatches_timed": len(batches),
        "minibatches_per_epoch": -(-len(data) // int(cfg["batch_size"])),
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
        "recipe": {k: cfg[k] for k in ("compact_mode", "loss_weights", "instance_norm",
                                        "pooling", "max_length", "lr_d", "lr_g", "weight_decay")},
        "loadavg_start": load0, "loadavg_end": os.getloadavg(), "nice": os.nice(0),
        "original_dir": os.path.abspath(args.original_dir)}
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
