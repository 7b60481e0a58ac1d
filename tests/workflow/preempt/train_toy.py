"""A small checkpointing training step for the preemption tests (not part of any paper).

Fits a linear model by minibatch SGD with noisy targets, drawing from python, numpy (global
and a Generator) and torch random streams, so a resumed run matches an uninterrupted one only
if every RNG state was checkpointed. ``--sleep`` slows each update so that a test can stop the
job mid-way. Uses scripts.common.checkpoint exactly as a paper's training step does.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # repo root: `scripts` importable

import numpy as np  # noqa: E402
import torch  # noqa: E402

from scripts.common.checkpoint import Checkpointer  # noqa: E402
from scripts.common.io import write_json  # noqa: E402
from scripts.common.seeding import seed_everything, set_threads  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--every", type=int, default=5)
    p.add_argument("--sleep", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    set_threads(1)
    rng = seed_everything(args.seed)
    out = Path(args.out)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    true_w = torch.tensor([[1.0, -2.0, 0.5, 3.0]])
    ckpt = Checkpointer(out.parent / "checkpoint.pt", every=args.every, generators={"rng": rng})
    state = ckpt.load()
    start, starts = 0, []
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start, starts = state["step"], state["starts"]
    starts = starts + [start]
    print(f"starting at step {start}", file=sys.stderr, flush=True)
    with ckpt.preemptible():
        for step in range(start, args.steps):
            x = torch.randn(16, 4)
            noise = torch.from_numpy(rng.normal(0, 0.1, (16, 1)).astype(np.float32))
            scale = 1.0 + 0.01 * random.random() + 0.01 * float(np.random.rand())
            loss = ((model(x) - scale * x @ true_w.T - noise) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if args.sleep:
                time.sleep(args.sleep)
            ckpt.step(step + 1, lambda: {"step": step + 1, "model": model.state_dict(),
                                         "opt": opt.state_dict(), "starts": starts})
    write_json(out, {"weight": model.weight.detach().reshape(-1).tolist(),
                     "bias": float(model.bias.detach()[0]), "loss": float(loss.detach()),
                     "steps": args.steps, "starts": starts})


if __name__ == "__main__":
    main()
