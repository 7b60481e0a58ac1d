"""Loading the cluttered dataset as normalised tensors, and model construction from params."""
from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np
import torch

from scripts.common.checkpoint import torch_load
from scripts.irrl.cluttered import normalise, train_valid_split
from scripts.irrl.model import RAM
from scripts.common.io import open_npz


def load_cluttered(path: str, valid_fraction: float, split_seed: int) -> Dict[str, Any]:
    """Train / validation / test tensors (N, 1, W, W), normalised as the paper's loader."""
    with open_npz(path, keys=["X_train", "y_train", "X_test", "y_test"]) as z:
        x_all, y_all = z["X_train"], z["y_train"][:, 0].astype(np.int64)
        x_test, y_test = z["X_test"], z["y_test"][:, 0].astype(np.int64)
    w = int(round(np.sqrt(x_all.shape[1])))
    tr, va = train_valid_split(len(x_all), valid_fraction, split_seed)

    def t(x):
        return torch.from_numpy(normalise(x).reshape(-1, 1, w, w))

    return {"x_train": t(x_all[tr]), "y_train": torch.from_numpy(y_all[tr]),
            "x_valid": t(x_all[va]), "y_valid": torch.from_numpy(y_all[va]),
            "x_test": t(x_test), "y_test": torch.from_numpy(y_test),
            "raw_test": x_test.reshape(-1, w, w), "canvas": w}


def build_model(prm: Dict[str, Any], dynamic: bool) -> RAM:
    return RAM(patch=prm["patch"], num_patches=prm["num_patches"],
               glimpse_scale=prm["glimpse_scale"], glimpse_hidden=prm["glimpse_hidden"],
               loc_hidden=prm["loc_hidden"], hidden=prm["hidden"], num_classes=10,
               std=prm["std"], dynamic=dynamic)


def load_model(path: str, device="cpu") -> Tuple[RAM, Dict[str, Any]]:
    blob = torch_load(path, map_location=device)
    model = build_model(blob["params"], blob["dynamic"])
    model.load_state_dict(blob["model"])
    return model.to(device), blob
