"""Workflow-level checks that need no job to run: lint, dry runs, config errors."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from tests.workflow.helpers import ROOT, copy_repo, snakemake

SCALES = ["smoke", "laptop", "paper"]


def test_lint_is_clean(tmp_path):
    # in an empty working directory, as every plan here: the checkout's own outputs (another
    # scale's figures/, cached results) must not change what is checked
    proc = snakemake("--lint", "-d", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert "Lints for" not in proc.stdout, proc.stdout


def registered_targets(dry_run_output: str) -> dict[str, list[dict]]:
    """The per-paper target lists, read from the manifest jobs' shell commands."""
    found = {}
    for line in dry_run_output.splitlines():
        if "scripts.common.manifest" not in line or "--targets" not in line:
            continue
        words = shlex.split(line[: line.rindex(" > ")])  # drop the log redirection
        targets = json.loads(words[words.index("--targets") + 1])
        if targets:
            found[targets[0]["paper"]] = targets
    return found


@pytest.fixture(scope="module", params=SCALES)
def plan(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"plan_{request.param}")
    proc = snakemake("-n", "-p", "figures/all", "--config", f"scale={request.param}",
                     "-d", str(workdir))
    assert proc.returncode == 0, proc.stdout[-5000:]
    return request.param, proc.stdout


def test_dry_run_builds_every_registered_target(plan):
    scale, out = plan
    papers = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["papers"]
    targets = registered_targets(out)
    assert sorted(targets) == sorted(papers)
    outputs = set(re.findall(r"^\s+output: (.+)$", out, flags=re.M))
    planned = {p.strip() for line in outputs for p in line.split(",")}
    for paper, rows in targets.items():
        for row in rows:
            if row["left_out"]:
                assert row["path"] not in planned, f"{row['path']} is left out at {scale} but planned"
            else:
                assert row["path"] in planned, f"{row['path']} missing from the {scale} plan"


# what the issues ask each paper's paper-scale plan to contain
PAPER_SCALE_TARGETS = {
    "trex": ["table1_atari.csv", "table1_atari.md", "fig_mujoco_performance.pdf",
             "table_mujoco_performance.csv", "fig_extrapolation.pdf", "table_extrapolation_corr.csv",
             "fig_extrapolation_atari.pdf", "fig_attention_breakout.pdf", "fig_noise_hopper.pdf",
             "table_noise.csv", "compare_to_paper.md"],
    "irrl": ["fig_ram_curves.pdf", "fig_dtram_curves.pdf", "table_digit_accuracy.csv",
             "fig_reward_hacking.pdf", "fig_noise_violin.pdf", "table_noise_stats.csv",
             "case_0.png", "table_skills.csv", "summary.md"],
    "fdt": [f"table_a{i}_{name}.csv" for i, name in [(4, "dt_protocol"), (5, "fdt_dt_bc"),
                                                     (6, "breakout"), (7, "qbert"), (8, "pong"),
                                                     (9, "seaquest"), (10, "feedback_stats")]]
           + ["fig_delta_vs_rtg_breakout.pdf", "fig_a1_oracle_curves.pdf", "compare_to_paper.md"],
    "dsi": [f"{name}.{ext}" for name in ("table_gridworld_f1", "table_ablation", "table_pong_attack",
                                         "table_seaquest", "compare_to_paper")
            for ext in ("csv", "md")] + ["fig_gridworld_scores.pdf", "fig_seaquest_dqn.pdf"],
    # not a paper: the cross experiment (issue 22) is a target at laptop and paper scale
    "cross": ["table_feedback_selectors.csv", "table_feedback_selectors.md",
              "fig_feedback_selectors.pdf"],
}


def test_paper_scale_plan_has_the_papers_tables_and_figures(tmp_path):
    proc = snakemake("-n", "-p", "figures/all", "--config", "scale=paper", "-d", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-5000:]
    targets = registered_targets(proc.stdout)
    for paper, names in PAPER_SCALE_TARGETS.items():
        if paper not in targets:
            continue
        built = {Path(t["path"]).name for t in targets[paper] if not t["left_out"]}
        assert set(names) <= built, f"{paper}: missing {sorted(set(names) - built)}"


@pytest.mark.parametrize("override,key", [
    ("scale=huge", "scale"),
    ("seeds={smoke: [0], laptop: [0, -3], paper: [0]}", r"seeds.laptop\[1\]"),
    ("papers=[trex, nonsense]", r"papers\[1\]"),
])
def test_invalid_config_fails_before_any_job_naming_the_key(override, key):
    proc = snakemake("-n", "figures/all", "--config", override)
    assert proc.returncode != 0
    assert re.search(rf"config key '{key}'", proc.stdout), proc.stdout[-3000:]
    assert "Job stats" not in proc.stdout


def _edited_copy(tmp_path: Path, path: str, edit) -> Path:
    repo = copy_repo(tmp_path / "repo")
    cfg_path = repo / path
    cfg = yaml.safe_load(cfg_path.read_text())
    edit(cfg)
    cfg_path.write_text(yaml.safe_dump(cfg))
    return repo


def test_missing_key_fails_naming_it(tmp_path):
    repo = _edited_copy(tmp_path, "config/config.yaml", lambda c: c.pop("seeds"))
    proc = snakemake("-n", "figures/all", cwd=repo)
    assert proc.returncode != 0
    assert "config key 'seeds' is missing" in proc.stdout


def test_unknown_environment_fails_naming_the_key(tmp_path):
    def edit(cfg):
        cfg["trex"]["smoke"]["mujoco_envs"] = ["pacman"]

    repo = _edited_copy(tmp_path, "config/trex.yaml", edit)
    proc = snakemake("-n", "figures/all", "--config", "scale=smoke", cwd=repo)
    assert proc.returncode != 0
    assert re.search(r"config key 'trex\.smoke\.mujoco_envs\[0\]': 'pacman' is not allowed", proc.stdout), \
        proc.stdout[-3000:]


def test_dsi_laptop_trains_the_fixed_recipe_on_its_own_seeds(plan):
    """gridworld.recipe_seeds gives the fixed recipe 5 training seeds at laptop scale; the paper
    recipe is not trained there (it collapsed on each laptop seed; config/dsi.yaml says why)."""
    scale, out = plan
    if scale != "laptop":
        pytest.skip("laptop plan only")
    trained = set(re.findall(r"detector/gridworld-S/(paper|fixed)-full/seed(\d+)/detector\.pt", out))
    assert {s for r, s in trained if r == "fixed"} == {"0", "1", "2", "3", "4"}
    assert {s for r, s in trained if r == "paper"} == set()


def test_workflow_runs_from_another_working_directory(tmp_path):
    """`snakemake -s <repo>/Snakefile` from elsewhere reads the repository's config and writes
    outputs under the working directory; its jobs import `scripts` from the repository."""
    env = ["-s", str(ROOT / "Snakefile"), "--config", "scale=smoke"]
    proc = snakemake("-n", "figures/all", *env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    proc = snakemake("--cores", "1", "figures/dsi/fig_gridworld_env.pdf", *env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "figures" / "dsi" / "fig_gridworld_env.pdf").stat().st_size > 1000


def test_cross_reuses_fdts_runs_and_trains_only_its_selectors(plan):
    """The cross experiment asks FDT's rules for its games' logs, training sets and DT / FDT
    runs, and trains FDT only on its own selectors (issue 22)."""
    scale, out = plan
    planned = set(re.findall(r"results/\w+/cross/eval/(\w+)/(\w+)/seed(\d+)\.csv", out))
    if scale == "laptop":
        assert {g for g, _, _ in planned} == {"breakout", "freeway"}
        assert {m for _, m, _ in planned} == {"dsi", "random", "oracle"}   # `first`: budget
        assert len(planned) == 18
    if scale == "paper":  # FDT's own MinAtar games are [] there; cross still gets its inputs
        assert {g for g, _, _ in planned} == {"breakout", "spaceinvaders"}
        assert "results/paper/fdt/minatar/log/spaceinvaders/manifest.json" in out
