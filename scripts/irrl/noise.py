"""Discriminator noise delta~ = q_phi(y|tau) - q_phi~(y|tau) on the whole test set.

tau comes from the analysed checkpoint's policy (deterministic locations, seeded l_0); phi is
that checkpoint's discriminator, phi~ the converged oracle's (the clipped-linear run), which
follows the same locations from its own h_0 = 0. The paper's README says
"1000 randomly selected cases"; its code uses the whole test set, as here.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from scripts.common.cli import parser, setup
from scripts.common.io import atomic_path
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.irrl.data import load_cluttered, load_model
from scripts.irrl.model import initial_location, run_ram


def noise(model, oracle, x, y, steps: int, seed: int, batch: int) -> np.ndarray:
    gen = torch.Generator().manual_seed(seed)
    out = []
    model.eval()
    oracle.eval()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb, yb = x[i:i + batch], y[i:i + batch]
            res = run_ram(model, xb, steps, False, initial_location(len(xb), xb.device, gen),
                          oracle=oracle)
            q = res["log_probs"].gather(1, yb[:, None]).squeeze(1).exp()
            qo = res["oracle_log_probs"].gather(1, yb[:, None]).squeeze(1).exp()
            out.append((q - qo).cpu().numpy())
    return np.concatenate(out).astype(np.float32)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0],
               required=["--data", "--oracle"],
               required_many=["--ckpts", "--outs"])
    args = p.parse_args(argv)
    setup(args, config_beside=args.outs)
    log = get_logger("irrl.noise")
    dev = pick_device()
    if len(args.ckpts) != len(args.outs):
        raise SystemExit("--ckpts and --outs must align")
    oracle, _ = load_model(args.oracle, dev)
    data = None
    for ckpt, out in zip(args.ckpts, args.outs):
        model, blob = load_model(ckpt, dev)
        prm = blob["params"]
        if data is None:
            data = load_cluttered(args.data, prm["valid_fraction"], prm["split_seed"])
        delta = noise(model, oracle, data["x_test"].to(dev), data["y_test"].to(dev),
                      prm["glimpses"], args.seed, prm["eval_batch"])
        with atomic_path(out) as tmp, open(tmp, "wb") as f:
            np.save(f, delta)
        q = np.percentile(delta, [25, 50, 75])
        log.info("epoch %d: mean %.4f, median %.4f, IQR [%.3f, %.3f], n=%d", blob["epoch"],
                 delta.mean(), q[1], q[0], q[2], len(delta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
