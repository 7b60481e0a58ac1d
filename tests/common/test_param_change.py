"""A parameter change after a finished run retrains, for every resumable step that no other
test covers this way (issue 14).

Each case runs the real step (its ``main``, in this process, on a tiny config) three times:

1. ``fresh``: with the new setting s2 in a clean folder (a finished run keeps no checkpoint);
2. ``old``: with the first setting s1, its checkpoint kept at the end as older code left it
   (``remove_checkpoint`` disabled), so the folder holds run A's outputs and a checkpoint that
   a fingerprint-blind step would resume (and republish A's outputs, or mix A with s2);
3. ``old`` again with s2: its outputs must equal the fresh run's, differ from run A's, and the
   stale checkpoint must be gone.

The steps covered elsewhere the same way: trex train_policy, train_demonstrator, train_reward
(tests/trex/test_rl_resume.py), irrl train_skills (tests/irrl/test_skills.py), fdt critical
(tests/fdt/test_critical_resume.py), fdt train (tests/fdt/test_kill9.py), lse mbrl_fit
(tests/lse/test_kill9.py, a killed run of other settings) and dsi train_dqn
(tests/dsi/test_dqn_resume.py).
"""
from __future__ import annotations

import copy
import importlib
import inspect
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from scripts.common import checkpoint as ck
from scripts.common.io import save_npz
from tests.dsi.policies import random_dqn_policies

TIMING = ("sec", "wall", "time")   # columns and keys that hold run times, not results


# ---------------------------------------------------------------- running and comparing

def _run(module: str, argv: list, monkeypatch) -> None:
    mod = importlib.import_module(module)
    if inspect.signature(mod.main).parameters:
        rc = mod.main(argv)
    else:   # the step parses sys.argv
        with monkeypatch.context() as m:
            m.setattr(sys, "argv", [module] + argv)
            rc = mod.main()
    assert rc in (None, 0)


def _keep_checkpoints(monkeypatch, module: str) -> None:
    """Run A as older code did: its checkpoint stays after the outputs are written."""
    monkeypatch.setattr(ck, "remove_checkpoint", lambda path: None)
    mod = importlib.import_module(module)
    if hasattr(mod, "remove_checkpoint"):
        monkeypatch.setattr(mod, "remove_checkpoint", lambda path: None)


def _timeless(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if any(t in c for t in TIMING)])


def _read(path: Path):
    """A file's content in a comparable form (run times left out)."""
    if path.suffix == ".csv":
        return _timeless(pd.read_csv(path))
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    if path.suffix in (".pt", ".pkl"):
        return torch.load(path, map_location="cpu", weights_only=False)
    if path.suffix == ".json":
        obj = json.loads(path.read_text())
        return {k: v for k, v in obj.items() if not any(t in k for t in TIMING)}
    return path.read_bytes()


def _equal(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        return isinstance(b, pd.DataFrame) and a.equals(b)
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, np.asarray(b), equal_nan=a.dtype.kind == "f")
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(_equal(v, b[k]) for k, v in a.items()))
    if isinstance(a, (list, tuple)):
        return (isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_equal(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def _outputs(folder: Path, names) -> dict:
    return {n: _read(folder / n) for n in names}


# ---------------------------------------------------------------- the steps

class Case:
    """One step: ``prepare(tmp)`` makes its inputs and returns a context, ``argv(ctx, out,
    value)`` its command line with the changed setting at ``value``, ``outputs`` the files it
    writes under ``out`` and ``checkpoint`` its checkpoint's path there."""

    def __init__(self, module, argv, outputs, checkpoint, s1, s2, prepare=None):
        self.module, self.argv, self.outputs, self.checkpoint = module, argv, outputs, checkpoint
        self.s1, self.s2 = s1, s2
        self.prepare = prepare or (lambda tmp: None)


def _with(params: dict, path: str, value) -> str:
    """``params`` as JSON with the dotted ``path`` set to ``value``."""
    out = copy.deepcopy(params)
    node = out
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return json.dumps(out)


# dsi.rollout_seaquest: episodes of Seaquest from saved DQN policies


ROLLOUT = {"game": "seaquest", "data": {"train_episodes": 3, "test_episodes": 1, "redraw_every": 2,
                                        "eps_greedy": 0.005, "p_greedy": 0.7,
                                        "max_episode_steps": 20, "checkpoint_every": 1}}
ROLLOUT_CASE = Case(
    "scripts.dsi.rollout_seaquest",
    lambda pols, out, v: ["--params", _with(ROLLOUT, "data.max_episode_steps", v), "--seed", "3",
                          "--policies", *pols, "--train", str(out / "train.npz"),
                          "--test", str(out / "test.npz")],
    ["train.npz", "test.npz"], lambda out: out / ".train.npz.checkpoint.pt", 20, 12,
    prepare=random_dqn_policies)

# dsi.train_seaquest_policies: tianshou DQN on Seaquest, policies saved at step counts
SQ_POLICIES = {
    "game": "seaquest",
    "policies": {"seeds": [0], "env_steps": 40, "checkpoints": [20, 40], "train_envs": 1,
                 "test_episodes": 1},
    "dqn": {"batch_size": 8, "buffer_size": 100, "epoch_steps": 20, "eps_decay_steps": 40,
            "eps_test": 0.005, "eps_train": 1.0, "eps_train_final": 0.05, "gamma": 0.99,
            "lr": 1e-4, "max_episode_frames": 60, "n_step": 3, "start_steps": 10,
            "step_per_collect": 10, "target_update_freq": 20, "test_episodes": 1,
            "train_envs": 1, "update_per_step": 0.5}}
SQ_POLICIES_CASE = Case(
    "scripts.dsi.train_seaquest_policies",
    lambda ctx, out, v: ["--params", _with(SQ_POLICIES, "dqn.lr", v), "--seed", "0",
                         "--out-dir", str(out)],
    ["progress_seed0.csv", "dqn_seed0_step20.pt", "dqn_seed0_step40.pt"],
    lambda out: out / ".seed0.checkpoint.pt", 1e-4, 1e-2)

# dsi.train_a3c: A3C on Pong (one worker, from scratch)
A3C = {"entropy": 0.01, "env": "Pong-v4", "gamma": 0.99, "grad_clip": 40.0, "init": "scratch",
       "lr": 1e-4, "rnn_steps": 10, "tau": 1.0, "value_coef": 0.5, "workers": 1,
       "policies": {"a3c": {"channels": 8, "frames": 40, "seed": 0}}}
A3C_CASE = Case(
    "scripts.dsi.train_a3c",
    lambda ctx, out, v: ["--params", _with(A3C, "lr", v), "--policy", "a3c",
                         "--out", str(out / "a3c.pt"), "--out-half", str(out / "a3c_half.pt")],
    ["a3c.pt", "a3c_half.pt"], lambda out: out / ".a3c.checkpoint.pt", 1e-4, 1e-2)


# dsi.train_gridworld and dsi.train_detector: the detector and return predictor (trainer.train)
def _episode_sets(tmp: Path, shape=(3, 28, 28), n=6) -> dict:
    from scripts.dsi.trainer import pack_episodes
    rng = np.random.default_rng(0)
    paths = {}
    for name in ("train", "test"):
        eps = [rng.integers(0, 255, (int(rng.integers(3, 9)),) + shape).astype(np.uint8)
               for _ in range(n)]
        frames, offsets = pack_episodes(eps)
        paths[name] = str(tmp / f"{name}.npz")
        save_npz(paths[name], frames=frames, offsets=offsets, target=np.arange(n) % 2)
    return paths


DETECTOR = {"task": "ce", "reverse": "ce_uniform", "compact_mode": "elementwise_mean",
            "loss_weights": {"imp": 1.0, "rev": 2.0, "com": 0.5},
            "instance_norm": {"mid": False, "last": False}, "pooling": "flatten",
            "max_length": 12, "out_dim": 2, "batch_size": 4, "epochs": 2, "lr_d": 1e-3,
            "lr_g": 1e-3, "weight_decay": 1e-4, "warmup_epochs": 1, "iterative": True,
            "mask_sampling": "none", "concrete_temperature": 0.5, "hidden": 0}


def _detector_argv(data, out, extra):
    return ["--train", data["train"], "--test", data["test"], "--seed", "0",
            "--detector", str(out / "detector.pt"), "--predictor", str(out / "predictor.pt"),
            "--log-csv", str(out / "train_log.csv")] + extra


GRIDWORLD = dict(DETECTOR, init="default", name="fixed")
GRIDWORLD_CASE = Case(
    "scripts.dsi.train_gridworld",
    lambda data, out, v: _detector_argv(data, out, ["--params", _with(GRIDWORLD, "lr_d", v)]),
    ["detector.pt", "predictor.pt", "train_log.csv"], lambda out: out / "checkpoint.pt",
    1e-3, 1e-2, prepare=_episode_sets)
PONG_DETECTOR = dict(DETECTOR, resolution=40, out_dim=3, task="ce", random_length=0,
                     max_train_steps=0)
PONG_DETECTOR_CASE = Case(
    "scripts.dsi.train_detector",
    lambda data, out, v: _detector_argv(data, out, ["--domain", "pong", "--params",
                                                    _with(PONG_DETECTOR, "lr_d", v)]),
    ["detector.pt", "predictor.pt", "train_log.csv"], lambda out: out / "checkpoint.pt",
    1e-3, 1e-2, prepare=lambda tmp: _episode_sets(tmp, shape=(1, 80, 80)))

# lse.train_se and lse.train_rn: NES runs (nes_job)
TRAIN_SE = {"vary_hp": False,
            "nes": {"population": 2, "sigma": 0.0114, "step_size": 0.727, "transform": 3,
                    "mirrored": True, "iterations": 2, "quit_when_solved": False,
                    "orig_evals": 1, "nes_step_size": False},
            "net": {"activation": "prelu", "hidden_size": 8, "hidden_layer": 1},
            "agent": {"init_episodes": 1, "batch_size": 8, "gamma": 0.991, "lr": 0.00222,
                      "tau": 0.0209, "eps_init": 0.904, "eps_min": 0.0471, "eps_decay": 0.899,
                      "activation": "leakyrelu", "hidden_size": 8, "hidden_layer": 1,
                      "rb_size": 500},
            "env": "cartpole", "solved": 195.0,
            "inner": {"train_episodes": 2, "early_out_num": 2, "early_out_diff": 0.01,
                      "test_episodes": 1, "episode_cap": 20},
            "record_agents": 1}
TRAIN_SE_CASE = Case(
    "scripts.lse.train_se",
    lambda ctx, out, v: ["--params", _with(TRAIN_SE, "nes.sigma", v), "--seed", "0",
                         "--out-dir", str(out)],
    ["model.pt", "log.csv"], lambda out: out / "checkpoint.pkl", 0.0114, 0.05)
TRAIN_RN = {"agent": {"algo": "ql", "alpha": 1.0, "eps": 0.01, "gamma": 0.8},
            "agent_kind": "ql", "env": "cliff",
            "inner": {"early_out_num": 10, "train_episodes": 20},
            "nes": {"iterations": 2, "mirrored": True, "nes_step_size": False, "orig_evals": 1,
                    "population": 2, "quit_when_solved": False, "sigma": 0.1,
                    "step_size": 0.5, "transform": 3},
            "net": {"activation": "prelu", "hidden_layer": 1, "hidden_size": 8},
            "solved": -20.0, "unsolved_weight": 100.0}
TRAIN_RN_CASE = Case(
    "scripts.lse.train_rn",
    lambda ctx, out, v: ["--params", _with(TRAIN_RN, "nes.step_size", v), "--seed", "0",
                         "--mode", "6", "--out-dir", str(out)],
    ["model.pt", "log.csv"], lambda out: out / "checkpoint.pkl", 0.5, 0.1)

# lse.eval_se and lse.eval_rn: seeded agents on the real environment (resumable_map)
EVAL_SE = {"env": "cartpole", "agent_kind": "ddqn",
           "agent": {"init_episodes": 1, "batch_size": 16, "gamma": 0.99, "lr": 0.001,
                     "tau": 0.01, "eps_init": 1.0, "eps_min": 0.01, "eps_decay": 0.9,
                     "activation": "relu", "hidden_size": 16, "hidden_layer": 1,
                     "rb_size": 1000},
           "inner": {"train_episodes": 3, "early_out_num": 2, "early_out_diff": 0.01,
                     "test_episodes": 1, "episode_cap": 40},
           "solved": 195.0, "n_models": 1, "agents_per_model": 2}
EVAL_SE_CASE = Case(
    "scripts.lse.eval_se",
    lambda ctx, out, v: ["--params", _with(EVAL_SE, "agent.lr", v), "--mode", "real",
                         "--out", str(out / "real.csv")],
    ["real.csv"], lambda out: out / ".real.csv.checkpoint.pt", 0.001, 0.05)
EVAL_RN = {"agents_per_model": 2, "baselines": [0], "count_beta": 0.1, "early_out_num": 10,
           "env": "cliff", "episodes": 10, "info_keys": [], "n_models": 1,
           "net": {"activation": "prelu", "hidden_layer": 1, "hidden_size": 8},
           "protocols": {"default": {"agent": {"alpha": 1.0, "eps": 0.1, "gamma": 0.8},
                                     "agent_kind": "ql"}},
           "run_protocols": ["default"], "solved": -20.0}
EVAL_RN_CASE = Case(
    "scripts.lse.eval_rn",
    lambda ctx, out, v: ["--params", _with(EVAL_RN, "protocols.default.agent.eps", v),
                         "--mode", "0", "--protocol", "default", "--out", str(out / "mode0.npz")],
    ["mode0.npz"], lambda out: out / ".mode0.npz.checkpoint.pt", 0.1, 0.5)

# fdt.oracle: the online C51 oracle
ORACLE = {"batch": 8, "checkpoint_every": 32, "eps_decay": 64, "eps_end": 0.01, "eps_start": 1.0,
          "gamma": 0.99, "learning_starts": 16, "lr": 2.5e-4, "num_envs": 2, "replay_size": 128,
          "steps": 64, "sticky": 0.25, "target_update": 16, "train": True, "update_every": 8}
ORACLE_CASE = Case(
    "scripts.fdt.oracle",
    lambda ctx, out, v: ["--params", _with(ORACLE, "lr", v), "--seed", "1", "--game", "breakout",
                         "--out", str(out / "oracle.pt")],
    ["oracle.pt", "oracle.json", "curve.csv"], lambda out: out / "checkpoint.pt", 2.5e-4, 1e-2)


# fdt.evaluate: a Decision Transformer (one epoch of fdt.train on random frames) on the game
FDT_TRAIN = {"batch": 16, "betas": [0.9, 0.95], "checkpoint_every": 5, "context": 5,
             "dropout": 0.1, "encoder": "linear", "epochs": 1, "final_tokens_factor": 1,
             "grad_clip": 1.0, "log_every": 5, "lr": 0.0006, "max_steps": 0, "n_embd": 32,
             "n_head": 2, "n_layer": 1, "warmup_tokens": 1024, "weight_decay": 0.1}


def _fdt_model(tmp: Path) -> str:
    rng = np.random.default_rng(0)
    lengths = [60, 40]
    n = sum(lengths)
    starts = np.cumsum([0] + lengths[:-1])
    reward = (rng.random(n) < 0.1).astype(np.float32)
    rtg = np.concatenate([np.cumsum(reward[s:s + k][::-1])[::-1] for s, k in zip(starts, lengths)])
    save_npz(tmp / "trainset.npz", observation=rng.integers(0, 255, (n, 84, 84), dtype=np.uint8),
             action=rng.integers(0, 4, n).astype(np.int64), rtg=rtg.astype(np.float32),
             timestep=np.concatenate([np.arange(k) for k in lengths]).astype(np.int64),
             episode_start=np.concatenate([np.full(k, s) for s, k in zip(starts, lengths)])
             .astype(np.int64))
    importlib.import_module("scripts.fdt.train").main(
        ["--params", json.dumps(FDT_TRAIN), "--seed", "0", "--model", "dt", "--game", "breakout",
         "--trainset", str(tmp / "trainset.npz"), "--out", str(tmp / "model")])
    return str(tmp / "model" / "model.pt")


FDT_EVAL = {"episodes": 1, "max_steps": 20, "noop_max": 30, "setups": ["det", "sampling"],
            "test_seeds": [0, 1]}
FDT_EVAL_CASE = Case(
    "scripts.fdt.evaluate",
    lambda model, out, v: ["--params", _with(FDT_EVAL, "episodes", v), "--seed", "0",
                           "--model-file", model, "--game", "breakout", "--model", "dt",
                           "--setting", "base", "--rtgs", "dataset_max", "5",
                           "--out", str(out / "eval.csv")],
    ["eval.csv"], lambda out: out / ".eval.csv.checkpoint.pt", 2, 1, prepare=_fdt_model)


# irrl.train: the recurrent attention model on a tiny cluttered set
def _cluttered(tmp: Path) -> str:
    from scripts.irrl.cluttered import generate
    rng = np.random.RandomState(0)
    x = (rng.rand(40, 16, 16) > 0.6).astype(np.float32)
    d = generate(x, np.arange(40) % 10, x, np.arange(40) % 10, canvas=24, frag=4, n_clutter=2,
                 n_fragments_db=50, n_train=200, n_test=20, n_preview=1, preview_pool=40, seed=1)
    save_npz(tmp / "data.npz", **d)
    return str(tmp / "data.npz")


IRRL = {"patch": 4, "num_patches": 1, "glimpse_scale": 1, "glimpse_hidden": 16, "loc_hidden": 16,
        "hidden": 32, "std": 0.05, "glimpses": 3, "lr": 1e-3, "batch_size": 50, "epochs": 2,
        "reinforce_weight": 0.01, "valid_fraction": 0.2, "split_seed": 1, "discount": 0.99,
        "save_epochs": [0, 1], "eval_batch": 100, "checkpoint_every": 1, "n_cases": 9}
IRRL_CASE = Case(
    "scripts.irrl.train",
    lambda data, out, v: ["--params", _with(IRRL, "lr", v), "--seed", "2", "--data", data,
                          "--outdir", str(out), "--reward", "lin_clip", "--model", "ram",
                          "--detach", "official"],
    ["model.pt", "metrics.csv", "ckpt_e0.pt", "ckpt_e1.pt"], lambda out: out / "checkpoint.pt",
    1e-3, 3e-3, prepare=_cluttered)

CASES = {
    "dsi.rollout_seaquest": ROLLOUT_CASE,
    "dsi.train_seaquest_policies": SQ_POLICIES_CASE,
    "dsi.train_a3c": A3C_CASE,
    "dsi.train_gridworld": GRIDWORLD_CASE,
    "dsi.train_detector": PONG_DETECTOR_CASE,
    "lse.train_se": TRAIN_SE_CASE,
    "lse.train_rn": TRAIN_RN_CASE,
    "lse.eval_se": EVAL_SE_CASE,
    "lse.eval_rn": EVAL_RN_CASE,
    "fdt.oracle": ORACLE_CASE,
    "fdt.evaluate": FDT_EVAL_CASE,
    "irrl.train": IRRL_CASE,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parameter_change_after_finished_run_retrains(name, tmp_path, monkeypatch):
    case = CASES[name]
    ctx = case.prepare(tmp_path)
    fresh, old = tmp_path / "fresh", tmp_path / "old"
    _run(case.module, case.argv(ctx, fresh, case.s2), monkeypatch)
    assert not case.checkpoint(fresh).exists(), "a finished run keeps no checkpoint"
    with monkeypatch.context() as m:
        _keep_checkpoints(m, case.module)
        _run(case.module, case.argv(ctx, old, case.s1), monkeypatch)
    assert case.checkpoint(old).exists(), "run A should have left its checkpoint"
    run_a = _outputs(old, case.outputs)
    want = _outputs(fresh, case.outputs)
    assert not _equal(run_a, want), "the changed parameter does not change the outputs"
    _run(case.module, case.argv(ctx, old, case.s2), monkeypatch)
    assert not case.checkpoint(old).exists()
    got = _outputs(old, case.outputs)
    assert _equal(got, want), "the rerun with s2 is not a fresh run with s2"
    assert not _equal(got, run_a), "the rerun republished run A's outputs"
