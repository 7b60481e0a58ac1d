"""The slurm profile against a real single-node SLURM cluster on localhost.

`snakemake --profile slurm` (plus tests/workflow/slurm_overlay: squeue as status command,
short waits, no conda) runs in a temporary copy of the repository:

* a smoke-scale target (default `figures/trex/all`; SLURM_TEST_TARGET overrides, e.g.
  `figures/all`) completes, every job through sbatch (squeue lists it COMPLETED, its SLURM log
  exists, the job-completion log names it), with the account and partition taken from
  SLURM_ACCOUNT and SLURM_PARTITION;
* a training job that asks for a GPU (`gpu=1` -> `--gpus=1`, a fake GRES), listed as an
  old-CUDA rule so that SLURM_OLD_CUDA_CONSTRAINT steers it (`--constraint`, a node feature),
  is requeued with `scontrol requeue` while it trains, and resumes from its checkpoint to the
  same result as an uninterrupted run.

Needs root (daemons, mount namespace) and Debian's SLURM packages; installs them with apt when
they are missing (set SLURM_TEST_NO_INSTALL=1 to skip instead). The cluster: slurm_cluster.py.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.workflow import slurm_cluster
from tests.workflow.helpers import copy_repo

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parents[2]
TARGET = os.environ.get("SLURM_TEST_TARGET", "figures/trex/all")
ACCOUNT, PARTITION = "ci-account", slurm_cluster.PARTITION
SNAKEMAKE = next((str(p) for p in [Path(sys.executable).parent / "snakemake"] if p.exists()),
                 shutil.which("snakemake"))
SNAKEMAKE_TIMEOUT = int(os.environ.get("SLURM_TEST_TIMEOUT", "900"))


def _unavailable() -> str:
    """Why the cluster cannot run here ('' when it can); installs the packages if allowed."""
    if sys.platform != "linux":
        return "SLURM test needs Linux"
    if os.geteuid() != 0:
        return "SLURM test needs root (it starts munged/slurmctld/slurmd in a mount namespace)"
    if SNAKEMAKE is None:
        return "snakemake is not installed next to this Python nor on PATH"
    if slurm_cluster.missing_binaries():
        if os.environ.get("SLURM_TEST_NO_INSTALL") or shutil.which("apt-get") is None:
            return f"SLURM not installed (missing {', '.join(slurm_cluster.missing_binaries())})"
        r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends",
                            *slurm_cluster.PACKAGES], capture_output=True, text=True,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, timeout=600)
        if r.returncode != 0 or slurm_cluster.missing_binaries():
            return "SLURM packages not installable with apt: " + r.stderr.strip()[-300:]
    return ""


@pytest.fixture(scope="module")
def cluster():
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    scratch = Path(tempfile.mkdtemp(prefix="slurm-ci-"))
    try:
        c = slurm_cluster.Cluster(scratch)
    except RuntimeError as err:
        shutil.rmtree(scratch, ignore_errors=True)
        pytest.fail(str(err))
    print(f"\nSLURM test cluster up in {c.startup_s:.1f} s", file=sys.stderr)
    yield c
    c.stop()
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def repo_copy():
    tmp = Path(tempfile.mkdtemp(prefix="slurm-ci-repo-"))
    os.chmod(tmp, 0o755)
    yield copy_repo(tmp)
    shutil.rmtree(tmp, ignore_errors=True)


def _snakemake_cmd(*args: str) -> list[str]:
    # SIGINT stops a hung snakemake, SIGTERM may not (guide); the limit makes a hang a failure
    return ["timeout", "-s", "INT", "-k", "30", str(SNAKEMAKE_TIMEOUT), SNAKEMAKE,
            "--profile", "slurm", "--profile", "tests/workflow/slurm_overlay", *args]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(SLURM_ACCOUNT=ACCOUNT, SLURM_PARTITION=PARTITION, SNAKEMAKE_JOBS="4", **extra)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env


def _submitted(log: str) -> dict[str, str]:
    """SLURM job id -> rule, from the snakemake log ('... external jobid 'N'')."""
    jobs = {}
    for m in re.finditer(r"Job \d+ has been submitted with SLURM jobid (\d+) "
                         r"\(log: [^)]*?/rule_(\w+?)/", log):
        jobs[m.group(1)] = m.group(2)
    return jobs


def _check_through_sbatch(cluster, workdir: Path, log: str) -> dict[str, str]:
    jobs = _submitted(log)
    assert jobs, "no job was submitted with sbatch:\n" + log[-3000:]
    states = {j["id"]: j["state"] for j in cluster.squeue_all()}
    jobcomp = (cluster.scratch / "state/log/jobcomp.log").read_text()
    for job_id, rule in jobs.items():
        assert states.get(job_id) == "COMPLETED", (job_id, rule, states)
        assert list((workdir / ".snakemake/slurm_logs").glob(f"rule_{rule}/**/{job_id}.log"))
        assert f"JobId={job_id} " in jobcomp
        info = cluster.show_job(job_id)
        assert info["Account"] == ACCOUNT and info["Partition"] == PARTITION, info
    return jobs


def test_profile_runs_smoke_target_through_sbatch(cluster, repo_copy):
    t0 = time.monotonic()
    r = cluster.run(_snakemake_cmd(TARGET, "--config", "scale=smoke"), cwd=repo_copy,
                    env=_env())
    elapsed = time.monotonic() - t0
    log = r.stdout + r.stderr
    assert r.returncode == 0, log[-6000:] + "\n" + cluster.logs()
    assert (repo_copy / TARGET).exists()
    jobs = _check_through_sbatch(cluster, repo_copy, log)
    print(f"\n{TARGET} at smoke: {len(jobs)} SLURM jobs in {elapsed:.0f} s", file=sys.stderr)


def test_gpu_job_requeued_resumes_from_checkpoint(cluster, repo_copy):
    out = repo_copy / "results/preempt/model.json"
    ckpt = out.parent / "checkpoint.pt"
    # steer the toy as a GPU rule with an old CUDA build: the profile's OLD_CUDA_RULES list
    # (the only edit; it is meant to be edited) plus SLURM_OLD_CUDA_CONSTRAINT -> --constraint
    profile = repo_copy / "slurm/config.yaml"
    text = profile.read_text()
    assert text.count("OLD_CUDA_RULES = [") == 1
    profile.write_text(text.replace("OLD_CUDA_RULES = [", 'OLD_CUDA_RULES = ["train_toy", '))
    toy = [sys.executable, "tests/workflow/preempt/train_toy.py", "--steps", "40"]
    reference = subprocess.Popen(toy + ["--out", str(repo_copy / "reference/model.json")],
                                 cwd=repo_copy, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    proc = cluster.popen(_snakemake_cmd("--snakefile", "tests/workflow/preempt/Snakefile"),
                         cwd=repo_copy,
                         env=_env(SLURM_OLD_CUDA_CONSTRAINT=slurm_cluster.NODE_FEATURE), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    job_id = None
    while job_id is None:  # wait until the job trains and has saved a checkpoint
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() - t0 < 300, "no checkpoint within 300 s"
        if ckpt.exists():
            running = [j for j in cluster.squeue_all() if j["state"] == "RUNNING"]
            if running:
                job_id = running[0]["id"]
        time.sleep(0.2)
    r = cluster.run(["scontrol", "requeue", job_id])
    assert r.returncode == 0, r.stderr
    # SLURM holds a requeued job for 120 s (BeginTime); lift the hold so the test stays short
    while cluster.show_job(job_id).get("JobState") != "PENDING":
        assert time.monotonic() - t0 < 300, cluster.show_job(job_id)
        time.sleep(0.2)
    cluster.run(["scontrol", "update", f"JobId={job_id}", "StartTime=now"])
    log = proc.communicate(timeout=SNAKEMAKE_TIMEOUT + 60)[0]
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, log[-6000:] + "\n" + cluster.logs()
    reference.wait(timeout=120)

    info = cluster.show_job(job_id)
    assert int(info["Restarts"]) >= 1, info  # SLURM ran it again after the requeue
    # the GPU request reached SLURM and was scheduled on the (fake) GPU GRES
    assert "gpu:1" in info.get("TresPerJob", "") or "gres/gpu=1" in info.get("TRES", ""), info
    assert info.get("Features") == slurm_cluster.NODE_FEATURE, info  # steered by constraint
    jobs = _check_through_sbatch(cluster, repo_copy, log)
    assert list(jobs) == [job_id]
    result = json.loads(out.read_text())
    expected = json.loads((repo_copy / "reference/model.json").read_text())
    assert len(result["starts"]) == 2 and result["starts"][0] == 0, result
    assert 0 < result["starts"][1] < 40, result  # resumed mid-way, from the checkpoint
    assert result["weight"] == expected["weight"] and result["bias"] == expected["bias"]
    train_log = (repo_copy / "logs/preempt/train_toy.log").read_text()
    assert "resuming from checkpoint" in train_log
    print(f"\nrequeued GPU job {job_id} resumed at step {result['starts'][1]}; "
          f"{elapsed:.0f} s", file=sys.stderr)


def _trex_policy_cmd(out_dir: Path) -> list:
    """The preempt Snakefile's trex_policy command, run directly (the uninterrupted reference)."""
    text = (REPO / "tests/workflow/preempt/Snakefile").read_text()
    params = re.search(r"TREX_POLICY_PARAMS = \((.*?)\n\)", text, re.S).group(1)
    cfg = "".join(re.findall(r"'([^']*)'", params))
    return [sys.executable, "-m", "scripts.trex.train_policy", "--params", cfg, "--seed", "1",
            "--threads", "1", "--env", "halfcheetah", "--set", "control",
            "--out", str(out_dir / "final.pt"), "--out-log", str(out_dir / "train_log.csv")]


def test_paper_step_requeued_resumes_to_identical_outputs(cluster, repo_copy):
    """A real paper step (T-REX PPO, the trex_train_policy command) requeued by SLURM while it
    trains resumes from its checkpoint and ends with outputs identical to an uninterrupted run."""
    import pandas as pd
    import torch

    out = repo_copy / "results/preempt/trex_policy"
    ckpt = out / "checkpoint.pt"
    reference = subprocess.Popen(_trex_policy_cmd(repo_copy / "reference_trex"), cwd=repo_copy,
                                 stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    proc = cluster.popen(_snakemake_cmd("--snakefile", "tests/workflow/preempt/Snakefile",
                                        "results/preempt/trex_policy/final.pt"),
                         cwd=repo_copy, env=_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    job_id = None
    while job_id is None:  # wait until the job trains and has saved a checkpoint
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() - t0 < 300, "no checkpoint within 300 s"
        if ckpt.exists():
            running = [j for j in cluster.squeue_all() if j["state"] == "RUNNING"]
            if running:
                job_id = running[0]["id"]
        time.sleep(0.2)
    r = cluster.run(["scontrol", "requeue", job_id])
    assert r.returncode == 0, r.stderr
    while cluster.show_job(job_id).get("JobState") != "PENDING":
        assert time.monotonic() - t0 < 300, cluster.show_job(job_id)
        time.sleep(0.2)
    cluster.run(["scontrol", "update", f"JobId={job_id}", "StartTime=now"])
    log = proc.communicate(timeout=SNAKEMAKE_TIMEOUT + 60)[0]
    assert proc.returncode == 0, log[-6000:] + "\n" + cluster.logs()
    assert reference.wait(timeout=600) == 0
    assert int(cluster.show_job(job_id)["Restarts"]) >= 1
    train_log = (repo_copy / "logs/preempt/trex_policy.log").read_text()
    assert "resumed from" in train_log, train_log[-3000:]
    a = torch.load(repo_copy / "reference_trex/final.pt", weights_only=False)
    b = torch.load(out / "final.pt", weights_only=False)
    for k, v in a["policy"].items():
        assert torch.equal(v, b["policy"][k]), k
    pd.testing.assert_frame_equal(pd.read_csv(repo_copy / "reference_trex/train_log.csv"),
                                  pd.read_csv(out / "train_log.csv"))
    assert not ckpt.exists()
    print(f"\nrequeued T-REX policy job {job_id}: identical outputs after resume; "
          f"{time.monotonic() - t0:.0f} s", file=sys.stderr)
