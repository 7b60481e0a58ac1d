"""T-REX PPO on the learned (here: control) reward, the real train_policy step: SIGKILL right
after its first checkpoint, rerun, and the outputs equal an uninterrupted run's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[2]
PPO = dict(lr=3e-4, clip=0.2, vf_coef=0.5, ent_coef=0.0, max_grad_norm=0.5, gae_lambda=0.95,
           gamma=0.99, n_envs=2, steps_per_env=64, minibatches=2, epochs=1, epoch_updates=1,
           hidden=[16, 16], return_scaling=True)


def _cmd(out: Path):
    params = {"env": {"max_episode_steps": 32}, "ppo": PPO,
              "rl": {"total_steps": 128 * 8, "ctrl_coef": 0.1, "control_reward": 1.0}}
    return [sys.executable, "-m", "scripts.trex.train_policy", "--params", json.dumps(params),
            "--seed", "4", "--env", "halfcheetah", "--set", "control",
            "--out", str(out / "final.pt"), "--out-log", str(out / "log.csv")]


def test_train_policy_kill9_resume_equals_uninterrupted(tmp_path, kill9):
    subprocess.run(_cmd(tmp_path / "full"), cwd=REPO, check=True, capture_output=True)
    rerun = kill9(_cmd(tmp_path / "cut"), tmp_path / "cut" / "checkpoint.pt", cwd=REPO)
    assert "resumed from" in rerun.stdout
    a = torch.load(tmp_path / "full" / "final.pt", weights_only=False)
    b = torch.load(tmp_path / "cut" / "final.pt", weights_only=False)
    for k, v in a["policy"].items():
        assert torch.equal(v, b["policy"][k]), k
    for k in ("mean", "var"):
        assert torch.equal(torch.as_tensor(a["obs_rms"][k]), torch.as_tensor(b["obs_rms"][k]))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "full" / "log.csv"),
                                  pd.read_csv(tmp_path / "cut" / "log.csv"))
    assert not (tmp_path / "cut" / "checkpoint.pt").exists()
