"""The slurm profile without a cluster: what it sets, that profiles/default (applied with it,
and winning on shared keys) does not override it, and the per-job resources it yields."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from snakemake.profiles import ProfileConfigFileParser

REPO = Path(__file__).resolve().parents[2]


def _parse(path: Path, **env: str) -> dict:
    old = dict(os.environ)
    os.environ.update(env)
    try:
        with open(path) as stream:
            return dict(ProfileConfigFileParser().parse(stream))
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_profile_settings():
    prof = _parse(REPO / "slurm/config.yaml", SLURM_ACCOUNT="acc", SLURM_PARTITION="gpu")
    assert prof["executor"] == "slurm"
    assert prof["software-deployment-method"] == "conda"
    assert "slurm_account='acc'" in prof["default-resources"]
    assert "slurm_partition='gpu'" in prof["default-resources"]
    assert int(prof["jobs"]) >= 1 and int(prof["latency-wait"]) >= 30
    assert "set-resources" not in prof  # nothing to steer without SLURM_OLD_CUDA_CONSTRAINT


def test_unset_variables_leave_the_choice_to_the_plugin():
    env = {k: v for k, v in os.environ.items()}
    for var in ("SLURM_ACCOUNT", "SLURM_PARTITION"):
        os.environ.pop(var, None)
    try:
        prof = _parse(REPO / "slurm/config.yaml")
    finally:
        os.environ.update(env)
    assert "slurm_account=''" in prof["default-resources"]  # empty: the plugin guesses


def test_old_cuda_constraint_reaches_listed_rules(tmp_path):
    text = (REPO / "slurm/config.yaml").read_text()
    assert text.count("OLD_CUDA_RULES = [") == 1
    (tmp_path / "config.yaml").write_text(
        text.replace("OLD_CUDA_RULES = [", 'OLD_CUDA_RULES = ["dsi_train", '))
    prof = _parse(tmp_path / "config.yaml", SLURM_OLD_CUDA_CONSTRAINT="a100|v100")
    assert "dsi_train:constraint='a100|v100'" in prof["set-resources"]
    assert all(entry.endswith(":constraint='a100|v100'") for entry in prof["set-resources"])


def test_default_profile_does_not_override_the_slurm_profile():
    slurm = _parse(REPO / "slurm/config.yaml", SLURM_ACCOUNT="acc")
    default = _parse(REPO / "profiles/default/config.yaml")
    clashes = {k: (default[k], slurm[k]) for k in set(slurm) & set(default)
               if str(default[k]).lower() != str(slurm[k]).lower()}
    assert not clashes, f"profiles/default overrides the slurm profile on {clashes}"


@pytest.mark.skipif(shutil.which("snakemake") is None, reason="snakemake not on PATH")
def test_dry_run_jobs_carry_account_and_partition(tmp_path):
    env = {**os.environ, "SLURM_ACCOUNT": "acc", "SLURM_PARTITION": "gpu"}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    r = subprocess.run(["snakemake", "--profile", "slurm", "--profile",
                        "tests/workflow/slurm_overlay", "-n", "figures/all", "--config",
                        "scale=smoke", "-d", str(tmp_path)], cwd=REPO, env=env, capture_output=True, text=True,
                       timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    jobs = [line for line in out.splitlines() if line.strip().startswith("resources:")]
    assert jobs and all("slurm_account=acc" in j and "slurm_partition=gpu" in j for j in jobs)
