"""Every resolved config records the commit, package versions, device and env lane."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from scripts.common import io, provenance


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_marks_a_dirty_checkout(tmp_path):
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], check=True)
    (tmp_path / "a.txt").write_text("1")
    subprocess.run(git + ["add", "a.txt"], check=True)
    subprocess.run(git + ["commit", "-qm", "x"], check=True)
    assert re.fullmatch(r"[0-9a-f]{40}", provenance.git_commit(tmp_path))
    (tmp_path / "a.txt").write_text("2")
    assert provenance.git_commit(tmp_path).endswith("-dirty")
    assert provenance.git_commit(tmp_path / "no-such-dir") == ""


def test_resolved_config_carries_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("RL_ENV_LANE", "current")
    dest = io.write_resolved_config(tmp_path / "run", {"lr": 0.1})
    written = json.loads(dest.read_text())
    assert written["lr"] == 0.1
    prov = written["provenance"]
    assert prov["env_lane"] == "current"
    assert prov["packages"]["numpy"] == __import__("numpy").__version__
    assert prov["device"].startswith(("cpu", "cuda"))
