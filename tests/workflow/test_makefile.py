"""The README's two commands: `make all` must run the rules with the venv's Python."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["all", "test"])
def test_venv_bin_comes_first_on_path(target):
    # Rules run `python -m scripts...`: without the venv first on PATH they would pick up a
    # system Python that lacks the workflow's packages.
    out = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if ("snakemake" in l and "figures/all" in l) or "pytest" in l)
    assert line.startswith(f'PATH="{REPO / ".venv" / "bin"}:'), line
