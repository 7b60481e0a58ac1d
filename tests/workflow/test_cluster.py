"""The cluster command runs the paper study; scales never overwrite each other's figures;
tables, figures, downloads and manifests stay on the submitting node; the current-GPU lane."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from scripts.common import scale_guard
from scripts.common.cluster import local_rules
from scripts.tools import envcheck
from scripts.tools.workflow_rules import load_rules
from tests.workflow.helpers import ROOT, snakemake

NOT_SUBMITTED = re.compile(r"download|_table|_fig|_plot|_compare|manifest|_report|scorecard")


def job_counts(dry_run: str) -> Counter:
    """Jobs per rule, from the first 'Job stats' table of a dry run."""
    lines = dry_run.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats:")) + 3
    counts = Counter()
    for line in lines[start:]:
        words = line.split()
        if len(words) != 2 or words[0] == "total":
            break
        counts[words[0]] = int(words[1])
    return counts


@pytest.fixture(scope="module")
def slurm_plan(tmp_path_factory):
    """`snakemake --profile slurm figures/all`, as the README runs it (no --config), dry, in an
    empty working directory. The test overlay only swaps conda (absent here) for the host stack."""
    workdir = tmp_path_factory.mktemp("slurm_plan")
    proc = snakemake("--profile", "slurm", "--profile", "tests/workflow/slurm_overlay", "-n",
                     "figures/all", "-d", str(workdir), timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


def test_slurm_profile_plans_the_paper_scale(slurm_plan):
    outputs = re.findall(r"^\s+output: (.+)$", slurm_plan, flags=re.M)
    paths = [p.strip() for line in outputs for p in line.split(",")]
    scales = {p.split("/")[1] for p in paths if p.startswith("results/")}
    assert scales == {"paper"}, scales
    assert any(p.startswith("figures/") for p in paths)
    logs = set(re.findall(r"^\s+log: logs/(\w+)/", slurm_plan, flags=re.M))
    assert logs == {"paper"}, logs


def test_no_download_table_or_figure_job_is_submitted(slurm_plan):
    counts = job_counts(slurm_plan)
    local = set(local_rules(counts))
    # the workflow itself declares these local, not only the helper that lists them
    declared = {r.name for r in load_rules("paper") if r.local}
    assert local <= declared, sorted(local - declared)
    submitted = {rule: n for rule, n in counts.items() if rule not in declared}
    wrong = sorted(rule for rule in submitted if NOT_SUBMITTED.search(rule))
    assert not wrong, f"submitted as SLURM jobs: {wrong}"
    # no submitted job writes a table or figure
    blocks = re.findall(r"^rule (\w+):\n(?:\s+\w+:.*\n)*?\s+output: (.+)$", slurm_plan, flags=re.M)
    into_figures = sorted({rule for rule, out in blocks
                           if rule not in declared and "figures/" in out})
    assert not into_figures, into_figures
    downloads = sum(n for rule, n in counts.items() if "download" in rule)
    assert downloads >= 1224 + 204  # the DQN Replay files and labels: all local
    n_submitted = sum(submitted.values())
    n_local = sum(n for rule, n in counts.items() if rule in declared)
    print(f"paper scale: {n_submitted} sbatch jobs, {n_local} local jobs")
    assert 0 < n_submitted < sum(counts.values()) - downloads


# --- scales never overwrite each other's figures -----------------------------------------------

def _with_laptop_figures(workdir):
    (workdir / "figures" / "trex").mkdir(parents=True)
    (workdir / "figures" / "trex" / "fig_extrapolation.pdf").write_bytes(b"%PDF laptop")
    scale_guard.mark(workdir / "figures", "laptop")


def test_naming_a_figure_at_another_scale_is_refused(tmp_path):
    _with_laptop_figures(tmp_path)
    proc = snakemake("-s", str(ROOT / "Snakefile"), "-n", "figures/trex/fig_extrapolation.pdf",
                     "--config", "scale=smoke", cwd=tmp_path)
    assert proc.returncode != 0
    assert "holds the tables and figures of scale 'laptop'" in proc.stdout, proc.stdout[-2000:]
    assert "Job stats" not in proc.stdout  # nothing planned
    assert (tmp_path / "figures" / "trex" / "fig_extrapolation.pdf").read_bytes() == b"%PDF laptop"


def test_the_slurm_profile_is_refused_on_laptop_figures(tmp_path):
    _with_laptop_figures(tmp_path)
    proc = snakemake("--profile", str(ROOT / "slurm"), "--profile",
                     str(ROOT / "tests/workflow/slurm_overlay"), "-s", str(ROOT / "Snakefile"),
                     "-n", "figures/trex/fig_extrapolation.pdf", cwd=tmp_path)
    assert proc.returncode != 0
    assert "configured for scale 'paper'" in proc.stdout, proc.stdout[-2000:]


def test_the_same_scale_plans_as_usual(tmp_path):
    _with_laptop_figures(tmp_path)
    proc = snakemake("-s", str(ROOT / "Snakefile"), "-n", "figures/trex/fig_extrapolation.pdf",
                     "--config", "scale=laptop", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_guard_rules(tmp_path):
    figs = tmp_path / "figures"
    scale_guard.check(figs, "smoke")  # nothing there
    scale_guard.mark(figs, "laptop")
    scale_guard.check(figs, "smoke")  # only the marker: nothing to overwrite
    (figs / "README.md").write_text("x")
    scale_guard.check(figs, "smoke")
    (figs / "dsi").mkdir()
    (figs / "dsi" / "t.md").write_text("x")
    scale_guard.check(figs, "laptop")
    with pytest.raises(scale_guard.ScaleClash, match="mv .*figures-laptop"):
        scale_guard.check(figs, "paper")
    assert scale_guard.figures_scale(figs) == "laptop"


# --- the current-GPU lane ----------------------------------------------------------------------

def test_current_lane_gives_every_gpu_rule_sm90_kernels():
    rules = load_rules("paper", config={"env_lane": "current"})
    gpu_rules = [r for r in rules if r.gpu]
    assert len(gpu_rules) >= 12
    for rule in rules:
        if rule.shell is None:
            continue
        assert rule.env == "envs/current.yaml", (rule.name, rule.env)
    rep = envcheck.check_env(ROOT / "envs/current.yaml")
    assert rep.problems == []
    assert rep.torch is not None and int(rep.torch.split(".")[0]) >= 2
    assert rep.cuda is not None and tuple(rep.cuda) >= (11, 8)
    assert rep.runs_on_hopper and "sm_90" in rep.archs


def test_pinned_lane_is_the_default_and_unchanged():
    default = {r.name: r.env for r in load_rules("paper")}
    pinned = {r.name: r.env for r in load_rules("paper", config={"env_lane": "pinned"})}
    assert default == pinned
    assert "envs/current.yaml" not in default.values()
    # the papers' pins stay where they were, old CUDA builds included
    assert default["dsi_train_gridworld"] == "envs/dsi-torch.yaml"
    assert default["irrl_train"] == "envs/irrl-torch.yaml"
    assert not envcheck.check_env(ROOT / default["irrl_train"]).runs_on_hopper


def test_paper_resources_follow_the_environment(slurm_plan):
    """LSE's Cliff reward-network jobs (minutes of tabular Q-learning) ask for what they need,
    not the 16 threads and 96 hours of the paper's deep-RL environments."""
    sizes = {}
    for block in re.split(r"^\[", slurm_plan, flags=re.M):  # a job's block starts with [date]
        if "rule lse_train_rn:" not in block:
            continue
        env = re.search(r"wildcards: env=(\w+)", block).group(1)
        runtime = int(re.search(r"runtime=(\d+)", block).group(1))
        mem = int(re.search(r"mem_mb=(\d+)", block).group(1))
        sizes.setdefault(env, set()).add((runtime, mem))
    assert sizes["cliff"] == {(30, 1000)}
    assert all(runtime >= 1440 for env, s in sizes.items() if env != "cliff" for runtime, _ in s)
