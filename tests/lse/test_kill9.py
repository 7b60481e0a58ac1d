"""LSE synthetic-environment NES, the real lse.train_se step: SIGKILL right after its first
checkpoint, rerun, and the outputs equal an uninterrupted run's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[2]
PARAMS = {"vary_hp": False,
          "nes": {"population": 2, "sigma": 0.0114, "step_size": 0.727, "transform": 3,
                  "mirrored": True, "iterations": 5, "quit_when_solved": False, "orig_evals": 1,
                  "nes_step_size": False},
          "net": {"activation": "prelu", "hidden_size": 16, "hidden_layer": 1},
          "agent": {"init_episodes": 1, "batch_size": 16, "gamma": 0.991, "lr": 0.00222,
                    "tau": 0.0209, "eps_init": 0.904, "eps_min": 0.0471, "eps_decay": 0.899,
                    "activation": "leakyrelu", "hidden_size": 16, "hidden_layer": 1,
                    "rb_size": 1000},
          "env": "acrobot", "solved": -100.0,
          "inner": {"train_episodes": 2, "early_out_num": 2, "early_out_diff": 0.01,
                    "test_episodes": 1, "episode_cap": 40},
          "record_agents": 1}


def _cmd(out: Path):
    return [sys.executable, "-m", "scripts.lse.train_se", "--params", json.dumps(PARAMS),
            "--seed", "0", "--threads", "1", "--out-dir", str(out)]


def _log(path: Path):
    frame = pd.read_csv(path)
    return frame.drop(columns=[c for c in frame.columns if "sec" in c or "time" in c or "wall" in c])


def test_train_se_kill9_resume_equals_uninterrupted(tmp_path, kill9):
    subprocess.run(_cmd(tmp_path / "full"), cwd=REPO, check=True, capture_output=True)
    rerun = kill9(_cmd(tmp_path / "cut"), tmp_path / "cut" / "checkpoint.pkl", cwd=REPO)
    assert "resuming from" in rerun.stdout
    a = torch.load(tmp_path / "full" / "model.pt")
    b = torch.load(tmp_path / "cut" / "model.pt")
    assert all(torch.equal(v, b[k]) for k, v in a.items())
    pd.testing.assert_frame_equal(_log(tmp_path / "full" / "log.csv"), _log(tmp_path / "cut" / "log.csv"))
    assert not (tmp_path / "cut" / "checkpoint.pkl").exists()


def _eval_cmd(out: Path):
    params = {"env": "cartpole", "agent_kind": "ddqn",
              "agent": {"init_episodes": 1, "batch_size": 16, "gamma": 0.99, "lr": 0.001,
                        "tau": 0.01, "eps_init": 1.0, "eps_min": 0.01, "eps_decay": 0.9,
                        "activation": "relu", "hidden_size": 16, "hidden_layer": 1,
                        "rb_size": 1000},
              "inner": {"train_episodes": 3, "early_out_num": 2, "early_out_diff": 0.01,
                        "test_episodes": 1, "episode_cap": 40},
              "solved": 195.0, "n_models": 2, "agents_per_model": 3}
    return [sys.executable, "-m", "scripts.lse.eval_se", "--params", json.dumps(params),
            "--mode", "real", "--threads", "1", "--out", str(out / "real.csv")]


def test_eval_se_kill9_resume_equals_uninterrupted(tmp_path, kill9):
    """An evaluation of 6 seeded agents (rule lse_eval_se) resumes after the agents it had
    finished and writes the same table."""
    subprocess.run(_eval_cmd(tmp_path / "full"), cwd=REPO, check=True, capture_output=True)
    ckpt = tmp_path / "cut" / ".real.csv.checkpoint.pt"
    rerun = kill9(_eval_cmd(tmp_path / "cut"), ckpt, cwd=REPO)
    assert "tasks done" in rerun.stdout
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "full" / "real.csv"),
                                  pd.read_csv(tmp_path / "cut" / "real.csv"))
    assert not ckpt.exists()


def test_train_se_parameter_change_retrains(tmp_path, kill9):
    """A killed run's checkpoint is not resumed under another NES step size: the rerun equals
    a fresh run with the new value."""
    changed = json.loads(json.dumps(PARAMS))
    changed["nes"]["step_size"] = 0.5

    def cmd(out, params):
        c = _cmd(out)
        c[c.index("--params") + 1] = json.dumps(params)
        return c

    kill9.only(cmd(tmp_path / "run", PARAMS), tmp_path / "run" / "checkpoint.pkl", cwd=REPO)
    again = subprocess.run(cmd(tmp_path / "run", changed), cwd=REPO, check=True,
                           capture_output=True, text=True)
    assert "starting fresh" in again.stderr and "resuming from" not in again.stderr
    subprocess.run(cmd(tmp_path / "fresh", changed), cwd=REPO, check=True, capture_output=True)
    a = torch.load(tmp_path / "fresh" / "model.pt")
    b = torch.load(tmp_path / "run" / "model.pt")
    assert all(torch.equal(v, b[k]) for k, v in a.items())
    pd.testing.assert_frame_equal(_log(tmp_path / "fresh" / "log.csv"), _log(tmp_path / "run" / "log.csv"))


def _mbrl_cmd(data: Path, out: Path, **change):
    params = {"env": "cartpole", "net": {"activation": "leakyrelu", "hidden_size": 32, "hidden_layer": 1},
              "lr": 1e-3, "batch_size": 32, "epochs": 12, "checkpoint_every": 1, **change}
    return [sys.executable, "-m", "scripts.lse.mbrl_fit", "--params", json.dumps(params), "--seed", "0",
            "--threads", "1", "--data", str(data), "--out", str(out)]


def _mbrl_data(path: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    n = 6000
    s = rng.normal(size=(n, 4)).astype(np.float32)
    a = rng.integers(0, 2, n)
    np.savez(path, s=s, a=a, s2=(s + 0.1 * (a[:, None] - 0.5)).astype(np.float32),
             r=np.ones(n, np.float32), done=(rng.random(n) < 0.05).astype(np.float32))
    return path


def test_mbrl_fit_kill9_resume_equals_uninterrupted_and_other_settings_refit(tmp_path, kill9):
    """lse.mbrl_fit: killed after its first epoch's checkpoint and rerun, it ends with the same
    model and validation MSE as an uninterrupted fit; a checkpoint of other settings is not resumed."""
    data = _mbrl_data(tmp_path / "data.npz")
    full, resumed = tmp_path / "full" / "model_seed0.pt", tmp_path / "resumed" / "model_seed0.pt"
    subprocess.run(_mbrl_cmd(data, full), cwd=REPO, check=True, capture_output=True)
    ckpt = resumed.parent / ".model_seed0.pt.checkpoint.pt"
    rerun = kill9(_mbrl_cmd(data, resumed), ckpt, cwd=REPO)
    assert "resuming from checkpoint" in rerun.stdout
    assert torch.equal(torch.load(full)["psi"], torch.load(resumed)["psi"])
    metrics = [json.loads((p.parent / "metrics_seed0.json").read_text()) for p in (full, resumed)]
    assert metrics[0] == metrics[1]
    assert not ckpt.exists()  # removed once the outputs are written
    # a checkpoint made with another learning rate starts fresh, to the fresh result
    other = tmp_path / "other" / "model_seed0.pt"
    kill9.only(_mbrl_cmd(data, other, lr=3e-3), other.parent / ".model_seed0.pt.checkpoint.pt", cwd=REPO)
    again = subprocess.run(_mbrl_cmd(data, other), cwd=REPO, check=True, capture_output=True, text=True)
    assert "resuming" not in again.stdout + again.stderr
    assert torch.equal(torch.load(full)["psi"], torch.load(other)["psi"])
