"""A tiny end-to-end training run, resumption, and config validation."""
import os

import numpy as np
import pandas as pd
import pytest
import torch

from scripts.common.config import ConfigError, load_config
from scripts.common.io import save_npz
from scripts.irrl.cluttered import generate
from scripts.irrl.data import load_model
from scripts.irrl.train import train

PRM = {"patch": 4, "num_patches": 1, "glimpse_scale": 1, "glimpse_hidden": 16, "loc_hidden": 16,
       "hidden": 32, "std": 0.05, "glimpses": 3, "lr": 1e-3, "batch_size": 50, "epochs": 2,
       "reinforce_weight": 0.01, "valid_fraction": 0.2, "split_seed": 1, "discount": 0.99,
       "save_epochs": [0, 1], "eval_batch": 100, "checkpoint_every": 1, "n_cases": 9}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    rng = np.random.RandomState(0)
    x = (rng.rand(40, 16, 16) > 0.6).astype(np.float32)
    d = generate(x, np.arange(40) % 10, x, np.arange(40) % 10, canvas=24, frag=4, n_clutter=2,
                 n_fragments_db=50, n_train=200, n_test=20, n_preview=1, preview_pool=40, seed=1)
    path = tmp_path_factory.mktemp("irrl") / "data.npz"
    save_npz(path, **d)
    return str(path)


@pytest.mark.parametrize("model", ["ram", "dtram"])
def test_train_writes_outputs(dataset, tmp_path, model):
    frame = train(PRM, dataset, str(tmp_path), model_kind=model, reward="lin_clip", detach=False, seed=1)
    assert list(frame["epoch"]) == [0, 1, 2]
    for name in ("metrics.csv", "model.pt", "ckpt_e0.pt", "ckpt_e1.pt", "ckpt_e2.pt"):
        assert (tmp_path / name).exists(), name


def _killed_after_first_checkpoint(monkeypatch, *args, **kw):
    """Run ``train`` and 'kill' it right after its first checkpoint save (epoch 1 of 2)."""
    import scripts.irrl.train as T
    real = T.save_checkpoint

    def killing_save(*a, **k):
        real(*a, **k)
        raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(T, "save_checkpoint", killing_save)
    with pytest.raises(KeyboardInterrupt):
        train(*args, **kw)
    monkeypatch.setattr(T, "save_checkpoint", real)


def test_resume_matches_uninterrupted(dataset, tmp_path, monkeypatch):
    full = train(PRM, dataset, str(tmp_path / "a"), model_kind="ram", reward="log_clip",
                 detach=False, seed=3)
    assert not (tmp_path / "a" / "checkpoint.pt").exists(), "a finished run keeps no checkpoint"
    _killed_after_first_checkpoint(monkeypatch, PRM, dataset, str(tmp_path / "b"), model_kind="ram",
                                   reward="log_clip", detach=False, seed=3)
    assert (tmp_path / "b" / "checkpoint.pt").exists()
    os.remove(tmp_path / "b" / "ckpt_e0.pt")  # a restarted workflow removes earlier outputs
    resumed = train(PRM, dataset, str(tmp_path / "b"), model_kind="ram", reward="log_clip",
                    detach=False, seed=3)
    pd.testing.assert_frame_equal(full.drop(columns=["seconds", "train_seconds"]),
                                  resumed.drop(columns=["seconds", "train_seconds"]))
    assert (tmp_path / "b" / "ckpt_e0.pt").exists()
    a, _ = load_model(str(tmp_path / "a" / "model.pt"))
    b, _ = load_model(str(tmp_path / "b" / "model.pt"))
    assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())


def test_parameter_change_retrains(dataset, tmp_path, monkeypatch):
    """A checkpoint of other settings (lr) is discarded: the output equals a fresh run's."""
    changed = dict(PRM, lr=3e-3)
    fresh = train(changed, dataset, str(tmp_path / "fresh"), model_kind="ram", reward="lin_clip",
                  detach=False, seed=2)
    _killed_after_first_checkpoint(monkeypatch, PRM, dataset, str(tmp_path / "old"), model_kind="ram",
                                   reward="lin_clip", detach=False, seed=2)
    again = train(changed, dataset, str(tmp_path / "old"), model_kind="ram", reward="lin_clip",
                  detach=False, seed=2)
    cols = ["epoch", "val_acc", "val_loss", "train_loss"]
    pd.testing.assert_frame_equal(fresh[cols], again[cols])
    a, _ = load_model(str(tmp_path / "fresh" / "model.pt"))
    b, _ = load_model(str(tmp_path / "old" / "model.pt"))
    assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    assert not (tmp_path / "old" / "checkpoint.pt").exists()


def test_config_rejects_bad_reward():
    with pytest.raises(ConfigError, match="irrl"):
        load_config(overrides={"papers": ["irrl"], "irrl": {"smoke": {"experiments": {
            "main_rewards": ["linear"]}}}})
