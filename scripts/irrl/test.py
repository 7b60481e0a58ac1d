"""Test a trained RAM / DT-RAM on the test set and dump the glimpse paths of 9 test cases.

Deterministic locations (mu); l_0 random from a seeded generator, as the paper's test (only
l_0 random). Writes test.json (accuracy, mean q, n) and cases.npz (images in [0, 1],
locations (9, steps + 1, 2) in [-1, 1] with l_0 first, labels, predictions, stop index).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import save_npz, write_json
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.irrl.data import load_cluttered, load_model
# the whole `ram` block; reads the data split and n_cases (the model's settings come from its file)
from scripts.irrl.params import RamParams as Params
from scripts.irrl.train import evaluate, episode


def test_run(model_file: str, data, reward: str, seed: int, n_cases: int, json_out: str,
             cases_out: str, dev) -> float:
    model, blob = load_model(model_file, dev)
    x, y = data["x_test"].to(dev), data["y_test"].to(dev)
    res = evaluate(model, x, y, blob["params"], seed, reward)
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        out = episode(model, x[:n_cases], blob["params"], False, gen)
    stop = out["stop_idx"].cpu().numpy() if "stop_idx" in out else \
        np.full(n_cases, blob["params"]["glimpses"] - 1)
    save_npz(cases_out, images=data["raw_test"][:n_cases].astype(np.float32),
             locations=out["locations"].cpu().numpy(), labels=y[:n_cases].cpu().numpy(),
             predictions=out["log_probs"].argmax(1).cpu().numpy(), stop_idx=stop,
             patch=np.array(blob["params"]["patch"]), dynamic=np.array(int(model.dynamic)))
    write_json(json_out, {"test_acc": res["acc"], "test_q": res["q"], "test_loss": res["loss"],
                          "n_test": int(len(x)), "epoch": int(blob["epoch"]), "seed": seed,
                          "reward": reward, "model_file": model_file})
    return res["acc"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0],
               required=["--data"],
               required_many=["--model-files", "--rewards", "--jsons", "--cases"])
    p.add_argument("--seeds", nargs="+", type=int, required=True)
    args = p.parse_args(argv)
    setup(args, config_beside=args.jsons)
    n = len(args.model_files)
    if not (len(args.rewards) == len(args.seeds) == len(args.jsons) == len(args.cases) == n):
        raise SystemExit("--model-files, --rewards, --seeds, --jsons and --cases must align")
    log = get_logger("irrl.test")
    dev = pick_device()
    prm = step_params(Params, args.params)
    data = load_cluttered(args.data, prm.valid_fraction, prm.split_seed)
    for mf, reward, seed, js, cs in zip(args.model_files, args.rewards, args.seeds, args.jsons,
                                        args.cases):
        acc = test_run(mf, data, reward, seed, prm.n_cases, js, cs, dev)
        log.info("%s: test accuracy %.4f on %d images", mf, acc, len(data["y_test"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
