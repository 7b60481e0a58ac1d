"""Shared pytest settings: the repo root on sys.path (for `scripts`) and the markers."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "old_torch: plain-PyTorch/numpy tests that must also pass under an old PyTorch "
        "(scripts/tools/run_old_torch_tests.sh runs them with Debian's torch 1.13)")
    config.addinivalue_line(
        "markers", "slurm: needs root and a local SLURM cluster (tests/workflow/test_slurm.py)")
