"""Seeding and per-process thread settings."""
from __future__ import annotations

import os
import random

import numpy as np


def seed_everything(seed: int) -> np.random.Generator:
    """Seed python, numpy and torch (if installed); return a fresh numpy Generator."""
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def set_threads(threads: int) -> None:
    """Limit intra-op threads; on small nets one thread per process is often fastest."""
    threads = max(1, int(threads))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)


def device(prefer_gpu: bool = True) -> "torch.device":  # noqa: F821
    """CUDA when present (and wanted), else CPU: GPU steps run unchanged on CPU."""
    import torch

    return torch.device("cuda" if prefer_gpu and torch.cuda.is_available() else "cpu")
