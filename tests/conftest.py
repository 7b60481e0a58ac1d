"""Shared pytest settings: repository root on sys.path, one thread per test process."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


def kill9_at_checkpoint(cmd, checkpoint, *, cwd=None, env=None, timeout=900):
    """Start a step's command and SIGKILL it (no chance to save anything) as soon as its first
    checkpoint file exists; check that it was killed mid-run and left the checkpoint."""
    import signal
    import subprocess
    import time

    checkpoint = Path(checkpoint)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    t0 = time.monotonic()
    while not checkpoint.exists():
        if proc.poll() is not None:
            raise AssertionError(f"finished before its first checkpoint:\n{proc.stdout.read()}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            raise AssertionError("no checkpoint within the timeout")
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    first = proc.communicate(timeout=60)[0]
    assert proc.returncode == -signal.SIGKILL, f"not killed mid-run (rc {proc.returncode}):\n{first}"
    assert checkpoint.exists()


def kill9_and_rerun(cmd, checkpoint, *, cwd=None, env=None, timeout=900):
    """``kill9_at_checkpoint``, then the same command again to its end; returns the second
    run's CompletedProcess (stdout and stderr together, as text)."""
    import subprocess

    kill9_at_checkpoint(cmd, checkpoint, cwd=cwd, env=env, timeout=timeout)
    return subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=True)


@pytest.fixture
def kill9():
    """``kill9(cmd, checkpoint)``: see ``kill9_and_rerun``; ``kill9.only(cmd, checkpoint)``
    kills without rerunning."""
    kill9_and_rerun.only = kill9_at_checkpoint
    return kill9_and_rerun


@pytest.fixture(scope="module")
def config():
    """The repository's config as Snakemake loads it (validated), once per test module."""
    from scripts.common.config import load_config

    return load_config()
