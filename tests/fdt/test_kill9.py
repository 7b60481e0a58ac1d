"""FDT Decision-Transformer training, the real fdt.train step: SIGKILL right after its first
checkpoint, rerun, and the outputs equal an uninterrupted run's; other settings retrain."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from scripts.common.io import save_npz

REPO = Path(__file__).resolve().parents[2]
PRM = {"batch": 16, "betas": [0.9, 0.95], "checkpoint_every": 5, "context": 5, "dropout": 0.1,
       "encoder": "linear", "epochs": 3, "final_tokens_factor": 1, "grad_clip": 1.0,
       "log_every": 5, "lr": 0.0006, "max_steps": 0, "n_embd": 32, "n_head": 2, "n_layer": 1,
       "warmup_tokens": 1024, "weight_decay": 0.1}


def _trainset(path: Path) -> None:
    rng = np.random.default_rng(0)
    lengths = [90, 110, 100, 100]
    n = sum(lengths)
    start = np.concatenate([np.full(k, s) for k, s in zip(lengths, np.cumsum([0] + lengths[:-1]))])
    reward = (rng.random(n) < 0.1).astype(np.float32)
    rtg = np.zeros(n, np.float32)
    for s, k in zip(np.cumsum([0] + lengths[:-1]), lengths):
        rtg[s:s + k] = np.cumsum(reward[s:s + k][::-1])[::-1]
    save_npz(path, observation=rng.integers(0, 255, (n, 84, 84), dtype=np.uint8),
             action=rng.integers(0, 4, n).astype(np.int64), rtg=rtg,
             timestep=np.concatenate([np.arange(k) for k in lengths]).astype(np.int64),
             episode_start=start.astype(np.int64))


def _cmd(data: Path, out: Path, **change):
    return [sys.executable, "-m", "scripts.fdt.train", "--params", json.dumps(dict(PRM, **change)),
            "--seed", "0", "--model", "dt", "--game", "breakout", "--trainset", str(data),
            "--out", str(out)]


def _outputs(out: Path):
    log = pd.read_csv(out / "log.csv").drop(columns=["wall_s"])
    model = torch.load(out / "model.pt", weights_only=False)["model"]
    return log, model


def _same(a: Path, b: Path) -> bool:
    (la, ma), (lb, mb) = _outputs(a), _outputs(b)
    return la.equals(lb) and all(torch.equal(v, mb[k]) for k, v in ma.items())


def test_fdt_train_kill9_resume_equals_uninterrupted_and_other_settings_retrain(tmp_path, kill9):
    data = tmp_path / "trainset.npz"
    _trainset(data)
    subprocess.run(_cmd(data, tmp_path / "full"), cwd=REPO, check=True, capture_output=True)
    rerun = kill9(_cmd(data, tmp_path / "cut"), tmp_path / "cut" / "checkpoint.pt", cwd=REPO)
    assert "resumed at epoch" in rerun.stdout
    assert _same(tmp_path / "full", tmp_path / "cut")
    assert not (tmp_path / "cut" / "checkpoint.pt").exists()
    kill9.only(_cmd(data, tmp_path / "cut"), tmp_path / "cut" / "checkpoint.pt", cwd=REPO)
    changed = subprocess.run(_cmd(data, tmp_path / "cut", lr=0.001), cwd=REPO, check=True,
                             capture_output=True, text=True)
    assert "starting fresh" in changed.stderr and "resumed" not in changed.stderr
    subprocess.run(_cmd(data, tmp_path / "fresh", lr=0.001), cwd=REPO, check=True, capture_output=True)
    assert _same(tmp_path / "fresh", tmp_path / "cut")


def test_fdt_evaluate_kill9_resume_equals_uninterrupted(tmp_path, kill9):
    """The evaluation (rule fdt_evaluate) resumes after its finished (setup, target) units and
    writes the same table as an uninterrupted run."""
    data = tmp_path / "trainset.npz"
    _trainset(data)
    subprocess.run(_cmd(data, tmp_path / "model", epochs=1), cwd=REPO, check=True,
                   capture_output=True)
    params = {"episodes": 1, "max_steps": 60, "noop_max": 30,
              "setups": ["det", "det_noop", "sampling", "eps"], "test_seeds": [0, 1]}

    def cmd(out):
        return [sys.executable, "-m", "scripts.fdt.evaluate", "--params", json.dumps(params),
                "--seed", "0", "--model-file", str(tmp_path / "model" / "model.pt"),
                "--game", "breakout", "--model", "dt", "--setting", "base",
                "--rtgs", "dataset_max", "5", "--out", str(out / "eval.csv")]

    subprocess.run(cmd(tmp_path / "full"), cwd=REPO, check=True, capture_output=True)
    ckpt = tmp_path / "cut" / ".eval.csv.checkpoint.pt"
    rerun = kill9(cmd(tmp_path / "cut"), ckpt, cwd=REPO)
    assert "units done" in rerun.stdout
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "full" / "eval.csv"),
                                  pd.read_csv(tmp_path / "cut" / "eval.csv"))
    assert not ckpt.exists()
