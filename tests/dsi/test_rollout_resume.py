"""Seaquest rollouts (rule dsi_rollout_seaquest), the real step: SIGKILL after its first
checkpoint, rerun, and both episode files equal an uninterrupted run's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.dsi.policies import random_dqn_policies

REPO = Path(__file__).resolve().parents[2]


def _cmd(policies, out: Path):
    params = {"game": "seaquest", "data": {"train_episodes": 5, "test_episodes": 2, "redraw_every": 2,
                                           "eps_greedy": 0.005, "p_greedy": 0.7,
                                           "max_episode_steps": 40, "checkpoint_every": 1}}
    return [sys.executable, "-m", "scripts.dsi.rollout_seaquest", "--params", json.dumps(params),
            "--seed", "3", "--policies", *policies, "--train", str(out / "train.npz"),
            "--test", str(out / "test.npz")]


def test_rollout_seaquest_kill9_resume_equals_uninterrupted(tmp_path, kill9):
    pols = random_dqn_policies(tmp_path)
    subprocess.run(_cmd(pols, tmp_path / "full"), cwd=REPO, check=True, capture_output=True)
    ckpt = tmp_path / "cut" / ".train.npz.checkpoint.pt"
    rerun = kill9(_cmd(pols, tmp_path / "cut"), ckpt, cwd=REPO)
    assert "resuming from" in rerun.stdout
    for name in ("train.npz", "test.npz"):
        with np.load(tmp_path / "full" / name) as a, np.load(tmp_path / "cut" / name) as b:
            assert sorted(a.files) == sorted(b.files)
            for k in a.files:
                np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name}:{k}")
    assert not ckpt.exists()
