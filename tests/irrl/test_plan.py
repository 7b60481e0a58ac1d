"""IRRL's plan (scripts/irrl/plan.py) at each scale, from the real config/irrl.yaml: the runs,
the files each stage reads, and the targets built or left out with their reasons."""
from __future__ import annotations

import copy

import pytest

from scripts.common.config import SCHEMA_DIR, load_schema, resolve_paper
from scripts.irrl.plan import (DTRAM_LEFT_OUT, MNIST_FILES, OBJECT_COUNTING_LEFT_OUT, REWARDS, SKILL_ENVS,
                               SKILL_REWARDS, Run, make_plan)


def plan_at(config, scale, edit=None):
    cfg = resolve_paper(config, "irrl", scale)
    if edit is not None:
        cfg = copy.deepcopy(cfg)
        edit(cfg)
    return make_plan(cfg, scale, cfg["seeds"])


@pytest.fixture(scope="module")
def plans(config):
    return {scale: plan_at(config, scale) for scale in ("smoke", "laptop", "paper")}


def test_runs_per_scale(plans):
    # paper: 3 main rewards x 3 seeds, 2 unclipped x 3, the detached half of the ablation
    # (2 rewards x 3 seeds; its official half are main runs), DT-RAM 3 x 3
    counts = {s: (len(p.runs), sum(r.model == "dtram" for r in p.runs), sum(r.detach == "detached" for r in p.runs))
              for s, p in plans.items()}
    assert counts == {"smoke": (6, 1, 1), "laptop": (15, 0, 2), "paper": (30, 9, 6)}
    for p in plans.values():
        assert p.runs == sorted(set(p.runs))  # each run once, in a fixed order


def test_run_identities_from_config(plans):
    smoke = plans["smoke"].runs
    assert smoke == [Run("dtram", "lin_clip", "official", 1), Run("ram", "acc", "official", 1),
                     Run("ram", "lin_clip", "detached", 1), Run("ram", "lin_clip", "official", 1),
                     Run("ram", "log_clip", "official", 1), Run("ram", "log_noclip", "official", 1)]
    laptop = plans["laptop"]
    # the ablation runs on seed 2 at laptop scale: its official runs are main runs, trained once
    assert [r for r in laptop.runs if r.detach == "detached"] == [Run("ram", "lin_clip", "detached", 2),
                                                                 Run("ram", "log_clip", "detached", 2)]
    assert laptop.detach_runs == [Run("ram", "log_clip", "official", 2), Run("ram", "log_clip", "detached", 2),
                                  Run("ram", "lin_clip", "official", 2), Run("ram", "lin_clip", "detached", 2)]
    assert set(laptop.detach_runs) <= set(laptop.runs)
    assert Run("ram", "log_noclip", "official", 1) in laptop.runs
    assert Run("ram", "log_noclip", "official", 2) not in laptop.runs  # unclipped: seed 1 only
    assert Run("ram", "acc", "official", 4) in laptop.runs


def test_paths_of_runs(plans):
    p = plans["paper"]
    run = Run("ram", "log_clip", "detached", 3)
    assert run.subdir == "ram/log_clip/detached/seed3"
    assert p.train_file(run, "metrics.csv") == "results/paper/irrl/train/ram/log_clip/detached/seed3/metrics.csv"
    assert p.dataset == "results/paper/irrl/cluttered/dataset.npz"
    assert p.oracle == "results/paper/irrl/train/ram/lin_clip/official/seed1/ckpt_e1400.pt"
    assert p.mnist_downloads == [f"results/paper/irrl/data/mnist/{n}.gz" for n in MNIST_FILES]
    assert plans["laptop"].mnist_downloads == [] and plans["smoke"].mnist_downloads == []
    # main metrics: every official run (RAM and DT-RAM), none of the detached ones
    assert len(p.main_metrics) == 24 and not any("/detached/" in m for m in p.main_metrics)
    assert p.rh_metrics == [f"results/paper/irrl/rh/{r}/seed1/metrics.csv" for r in ("acc", "log_noclip", "lin_clip")]
    assert p.rh_base_metrics == [f"results/paper/irrl/train/ram/{r}/official/seed{s}/metrics.csv"
                                 for r in ("acc", "lin_clip", "log_noclip") for s in (1, 2, 3)]
    assert p.noise_checkpoints == [f"results/paper/irrl/train/ram/log_clip/official/seed1/ckpt_e{e}.pt"
                                   for e in (0, 100, 400, 1200)]
    assert p.noise_outputs[-1] == "results/paper/irrl/noise/log_clip_seed1_e1200.npy"
    assert set(p.noise_checkpoints) <= {p.train_file(p.noise_run, f"ckpt_e{e}.pt") for e in p.checkpoint_epochs}


def test_checkpoint_epochs(plans):
    # save_epochs beyond `epochs` are dropped, `epochs` itself is always saved
    assert plans["smoke"].checkpoint_epochs == [0, 1, 2]
    assert plans["laptop"].checkpoint_epochs == [0, 4, 10, 20, 40, 50]
    assert plans["paper"].checkpoint_epochs == [0, 100, 200, 400, 600, 1200, 1400, 1500]
    for p in plans.values():  # the oracle and noise checkpoints are among those saved
        assert p.oracle_epoch in p.checkpoint_epochs and set(p.noise_epochs) <= set(p.checkpoint_epochs)


def test_tests_per_model(plans):
    assert {s: {m: len(r) for m, r in p.tests.items()} for s, p in plans.items()} == {
        "smoke": {"ram": 3, "dtram": 1}, "laptop": {"ram": 12}, "paper": {"ram": 9, "dtram": 9}}
    smoke = plans["smoke"]
    assert smoke.test_inputs("dtram") == ["results/smoke/irrl/train/dtram/lin_clip/official/seed1/model.pt"]
    assert smoke.test_outputs("dtram", "cases.npz") == ["results/smoke/irrl/test/dtram/lin_clip/official/seed1/cases.npz"]
    assert smoke.test_rewards("ram") == "acc log_clip lin_clip" and smoke.test_seeds("ram") == "1 1 1"
    assert plans["laptop"].test_seeds("ram") == "1 2 3 4 " * 2 + "1 2 3 4"
    assert smoke.test_jsons()[-1] == "results/smoke/irrl/test/dtram/lin_clip/official/seed1/test.json"
    assert len(plans["paper"].test_jsons()) == 18


def test_skill_runs_and_params(plans):
    laptop = plans["laptop"]
    assert len(laptop.skill_stats) == 1 * 4 * 2 and len(plans["paper"].skill_stats) == 1 * 6 * 3
    assert laptop.skill_stats[0] == "results/laptop/irrl/skills/small/acc/seed1/stats.csv"
    params = laptop.skill_params("small", "log_clip")
    assert (params["env"], params["snapshot_iters"], params["iterations"], params["n_skills"]) == (
        "small", [5000, 30000], 30000, 24)
    assert plans["paper"].skill_params("large", "log_clip")["snapshot_iters"] == [100000, 5000000]
    assert laptop.occupancy_snapshots("small", "disdain") == [
        f"results/laptop/irrl/skills/small/disdain/seed1/snap_{i}.npz" for i in (0, 5000, 30000)]
    # the patterns the rules write, with their wildcards
    assert laptop.occupancy_stats() == "results/laptop/irrl/skills/{env}/{sreward}/seed1/stats.csv"
    assert laptop.case_source() == "results/laptop/irrl/test/ram/{reward}/official/seed1/cases.npz"
    assert laptop.case_figures()[8] == "figures/irrl/cases/{reward}/case_8.png"
    assert laptop.curves_figure() == "figures/irrl/fig_{model}_curves.pdf"


def test_targets_per_scale(plans, config):
    counts = {s: (len(p.targets), len(p.targets.built())) for s, p in plans.items()}
    # paper: 12 digit-task tables/figures, 3 x 9 glimpse cases, 1 + 6 skills figures, 2 skills tables,
    # the summary and the robotic object counting (never built)
    # laptop: IRRL is off the laptop plan (its left_out), every target listed with a reason
    assert counts == {"smoke": (28, 27), "laptop": (48, 0), "paper": (50, 49)}
    for p in plans.values():
        for t in p.targets:
            assert t.built == (t.left_out == "")
        assert p.targets.keys()[:3] == ["cluttered_examples.png", "fig_ram_curves.pdf", "fig_dtram_curves.pdf"]
        assert p.targets.keys()[-2:] == ["summary.md", "fig_object_counting.pdf"]
        assert p.targets.target("fig_object_counting.pdf").left_out == OBJECT_COUNTING_LEFT_OUT
    laptop = plans["laptop"]
    why = " ".join(config["irrl"]["laptop"]["left_out"].split())
    assert why.startswith("at laptop size") and "not shown" in why
    # a target left out for its own reason keeps it; every other one gives the scale's reason
    assert {t.path: t.left_out for t in laptop.targets if t.left_out != why} == {
        "figures/irrl/fig_dtram_curves.pdf": DTRAM_LEFT_OUT,
        "figures/irrl/fig_object_counting.pdf": OBJECT_COUNTING_LEFT_OUT}
    assert plans["paper"].targets.target("fig_dtram_curves.pdf").built
    records = laptop.targets.records()
    assert records[0] == {"path": "figures/irrl/cluttered_examples.png", "paper": "irrl",
                          "reproduces": "Cluttered MNIST samples (generator preview)", "seeds": 4, "left_out": why}
    assert {r["seeds"] for r in plans["paper"].targets.records()} == {3}
    assert laptop.targets["cases/log_clip/case_8.png"] == "figures/irrl/cases/log_clip/case_8.png"
    assert laptop.targets.target("fig_state_occupancy_small_disdain.pdf").reproduces == \
        "Fig. state occupancy (small, disdain)"
    assert laptop.skills_figures() == ["figures/irrl/fig_skills_learned_small.pdf"]
    assert "fig_skills_learned_large.pdf" not in laptop.targets.keys()


def test_dtram_left_out_when_its_rewards_are_emptied(config):
    def no_dtram(cfg):
        cfg["experiments"]["dtram_rewards"] = []

    smoke = plan_at(config, "smoke", no_dtram)
    assert "dtram" not in smoke.tests and not any(r.model == "dtram" for r in smoke.runs)
    assert smoke.test_jsons() == smoke.test_outputs("ram", "test.json")
    target = smoke.targets.target("fig_dtram_curves.pdf")
    assert not target.built and target.left_out == DTRAM_LEFT_OUT
    assert len(smoke.targets.built()) == 26  # one fewer than the unchanged smoke plan


def test_skill_envs_change_the_skill_targets(config):
    def both_envs(cfg):
        cfg["skills"]["envs"] = ["small", "large"]

    smoke = plan_at(config, "smoke", both_envs)
    assert smoke.skills_figures() == ["figures/irrl/fig_skills_learned_small.pdf",
                                      "figures/irrl/fig_skills_learned_large.pdf"]
    assert len(smoke.skill_stats) == 2 * 2 * 1
    assert len(smoke.targets.built()) == 27 + 3  # the large env's curves and its two occupancy figures


def test_wildcard_values_match_the_schema():
    schema = load_schema(SCHEMA_DIR / "irrl.schema.yaml")
    assert list(REWARDS) == schema["$defs"]["reward"]["enum"]
    assert list(SKILL_REWARDS) == schema["$defs"]["sreward"]["enum"]
    assert list(SKILL_ENVS) == schema["properties"]["skills"]["properties"]["envs"]["items"]["enum"]


def test_wildcards_are_anchored_alternatives(plans):
    import re

    wc = plans["paper"].wildcards()
    assert set(wc) == {"model", "detach", "reward", "sreward", "env", "mnist"}
    assert re.fullmatch(wc["reward"], "log_noclip") and not re.fullmatch(wc["reward"], "disdain")
    assert re.fullmatch(wc["sreward"], "disdain") and not re.fullmatch(wc["model"], "dt")
