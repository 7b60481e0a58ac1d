"""Seaquest DQN (rule dsi_train_dqn): killed with SIGKILL mid-training and rerun, the real step
ends with the same progress table and policy as an uninterrupted run (replay buffer, envs
mid-episode, RNGs and counters are in the checkpoint); a parameter change retrains."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[2]
IMPROVE = {"batch_size": 32, "buffer_size": 2000, "chain": 20, "env_steps": 200, "epoch_steps": 100,
           "eps_decay_steps": 200, "eps_test": 0.005, "eps_train": 1.0, "eps_train_final": 0.05,
           "gamma": 0.99, "horizon": 5, "lr": 1e-4, "max_episode_frames": 600, "n_step": 3,
           "start_steps": 50, "step_per_collect": 10, "target_update_freq": 20,
           "test_episodes": 1, "train_envs": 1, "update_per_step": 0.1}


def _cmd(out: Path, **change):
    params = {"game": "seaquest", "improve": dict(IMPROVE, **change)}
    return [sys.executable, "-m", "scripts.dsi.train_dqn", "--params", json.dumps(params),
            "--method", "baseline-n5", "--progress", str(out / "progress.csv"),
            "--policy", str(out / "policy.pt"), "--seed", "0"]


def _outputs(out: Path):
    frame = pd.read_csv(out / "progress.csv").drop(columns=["seconds"])
    return frame, torch.load(out / "policy.pt", map_location="cpu")


def _same(a: Path, b: Path) -> bool:
    (fa, pa), (fb, pb) = _outputs(a), _outputs(b)
    return fa.equals(fb) and all(torch.equal(v, pb[k]) for k, v in pa.items())


def test_dqn_kill9_resume_equals_uninterrupted_and_parameter_change_retrains(tmp_path, kill9):
    subprocess.run(_cmd(tmp_path / "full"), cwd=REPO, check=True, capture_output=True)
    assert not (tmp_path / "full" / "checkpoint.pt").exists()
    rerun = kill9(_cmd(tmp_path / "cut"), tmp_path / "cut" / "checkpoint.pt", cwd=REPO)
    assert "resumed at step" in rerun.stdout
    assert _same(tmp_path / "full", tmp_path / "cut")
    assert not (tmp_path / "cut" / "checkpoint.pt").exists()
    # another learning rate over a killed run's checkpoint: trains afresh
    kill9.only(_cmd(tmp_path / "cut"), tmp_path / "cut" / "checkpoint.pt", cwd=REPO)
    changed = subprocess.run(_cmd(tmp_path / "cut", lr=1e-3), cwd=REPO, check=True,
                             capture_output=True, text=True)
    assert "starting fresh" in changed.stderr and "resumed at step" not in changed.stderr
    subprocess.run(_cmd(tmp_path / "fresh", lr=1e-3), cwd=REPO, check=True, capture_output=True)
    assert _same(tmp_path / "fresh", tmp_path / "cut")
    assert not _same(tmp_path / "full", tmp_path / "cut")
