"""IRRL RAM training, the real irrl.train step: SIGKILL right after its first checkpoint,
rerun, and the outputs equal an uninterrupted run's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from scripts.common.io import save_npz
from scripts.irrl.cluttered import generate

REPO = Path(__file__).resolve().parents[2]
PRM = {"patch": 4, "num_patches": 1, "glimpse_scale": 1, "glimpse_hidden": 16, "loc_hidden": 16,
       "hidden": 32, "std": 0.05, "glimpses": 3, "lr": 1e-3, "batch_size": 50, "epochs": 6,
       "reinforce_weight": 0.01, "valid_fraction": 0.2, "split_seed": 1, "discount": 0.99,
       "save_epochs": [0, 3], "eval_batch": 100, "checkpoint_every": 1, "n_cases": 9}


def _cmd(data: Path, out: Path):
    return [sys.executable, "-m", "scripts.irrl.train", "--params", json.dumps(PRM),
            "--seed", "2", "--data", str(data), "--outdir", str(out), "--reward", "lin_clip",
            "--model", "ram", "--detach", "official"]


def test_irrl_train_kill9_resume_equals_uninterrupted(tmp_path, kill9):
    rng = np.random.RandomState(0)
    x = (rng.rand(40, 16, 16) > 0.6).astype(np.float32)
    d = generate(x, np.arange(40) % 10, x, np.arange(40) % 10, canvas=24, frag=4, n_clutter=2,
                 n_fragments_db=50, n_train=400, n_test=20, n_preview=1, preview_pool=40, seed=1)
    save_npz(tmp_path / "data.npz", **d)
    subprocess.run(_cmd(tmp_path / "data.npz", tmp_path / "full"), cwd=REPO, check=True,
                   capture_output=True)
    rerun = kill9(_cmd(tmp_path / "data.npz", tmp_path / "cut"), tmp_path / "cut" / "checkpoint.pt",
                  cwd=REPO)
    assert "resumed from" in rerun.stdout
    times = ["seconds", "train_seconds"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "full" / "metrics.csv").drop(columns=times),
                                  pd.read_csv(tmp_path / "cut" / "metrics.csv").drop(columns=times))
    for name in ("model.pt", "ckpt_e0.pt", "ckpt_e3.pt", "ckpt_e6.pt"):
        a = torch.load(tmp_path / "full" / name, weights_only=False)["model"]
        b = torch.load(tmp_path / "cut" / name, weights_only=False)["model"]
        assert all(torch.equal(v, b[k]) for k, v in a.items()), name
    assert not (tmp_path / "cut" / "checkpoint.pt").exists()
