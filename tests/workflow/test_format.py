"""The house style is checked: snakefmt on the Snakefile and rules/, ruff (pyflakes-class errors)
on scripts/ and tests/; both read their settings from pyproject.toml."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("snakefmt") is None, reason="snakefmt not on PATH (requirements.txt)")
def test_snakefmt_leaves_the_workflow_unchanged():
    r = subprocess.run(["snakefmt", "--check", "Snakefile", "rules"], cwd=REPO, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not on PATH (requirements.txt)")
def test_ruff_finds_nothing():
    r = subprocess.run(["ruff", "check", "scripts", "tests"], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
