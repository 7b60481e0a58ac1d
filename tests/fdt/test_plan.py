"""scripts.fdt.plan: FDT's runs, stage parameters and targets at each scale, from the real config
(config/fdt.yaml) and from crafted changes of it."""
from __future__ import annotations

import copy
import json
import re

import pytest

from scripts.common.config import resolve_paper
from scripts.fdt.plan import ALL_GAMES, crit_parse, make_plan, wildcards


def _plan(config, scale, **changes):
    cfg = copy.deepcopy(resolve_paper(config, "fdt", scale))
    cfg.update(changes)
    return make_plan(cfg, scale, cfg["seeds"], sources=config["data_sources"])


@pytest.fixture(scope="module")
def plans(config):
    # the laptop's ALE settings as they stand (the laptop plan leaves them out: ale_left_out)
    return {scale: _plan(config, scale, **({"ale_left_out": ""} if scale == "laptop" else {}))
            for scale in ("smoke", "laptop", "paper")}


def test_laptop_leaves_the_ale_run_out(config):
    laptop = _plan(config, "laptop")
    reason = resolve_paper(config, "fdt", "laptop")["ale_left_out"]
    assert "MinAtar" in reason
    assert laptop.games == [] and laptop.all_evals() == [] and laptop.main_evals() == []
    assert laptop.critical_stats() == [] and laptop.sweep_tables() == []
    assert laptop.targets.built() == [] and len(laptop.targets) == 33
    left = _left_out(laptop)
    assert left["table_a5_fdt_dt_bc.csv"] == reason and left["table_a6_breakout.md"] == reason
    # targets left out for their own reason keep it
    assert left["table_a7_qbert.csv"].startswith("qbert is not among")
    assert left["fig_main_architecture.pdf"] == "a diagram, not a computed result"


# ---- runs -----------------------------------------------------------------------------------

def test_run_counts_per_scale(plans):
    smoke, laptop, paper = plans["smoke"], plans["laptop"], plans["paper"]
    assert (smoke.games, smoke.seeds) == (["breakout"], [0])
    # DT, BC, FDT main, two ablations, one lambda
    assert len(smoke.runs_unique("breakout")) == 6 and len(smoke.all_evals()) == 6
    assert (laptop.games, laptop.seeds) == (["breakout"], [0, 1, 2])
    assert laptop.runs("breakout") == laptop.main_runs("breakout") and len(laptop.all_evals()) == 9
    assert paper.games == ALL_GAMES and len(paper.seeds) == 10
    for game in ALL_GAMES:
        # 3 + 8 ablations + 7 lambdas; the grid's 0.01 is the main run, counted once
        assert len(paper.runs(game)) == 18 and len(paper.runs_unique(game)) == 17
        assert len(paper.crit_settings(game)) == 9
    assert len(paper.all_evals()) == 4 * 17 * 10
    assert len(paper.main_evals()) == 4 * 3 * 10
    assert len(paper.main_evals(paper.table4_seeds)) == 4 * 3 * 3
    assert len(paper.critical_stats()) == 4 * 9 * 10


def test_run_identities_by_hand(plans):
    paper, smoke = plans["paper"], plans["smoke"]
    assert paper.main_runs("breakout") == [("dt", "base"), ("bc", "base"), ("fdt", "g0.9_ll0_hl_n5000_lam0.01")]
    runs = paper.runs("qbert")
    # first ablation: life loss on (Qbert's penalty -500), highest-lowest; second: all-cell-pairs
    assert runs[3:5] == [("fdt", "g0.9_ll-500_hl_n5000_lam0.01"), ("fdt", "g0.9_ll-500_ap_n5000_lam0.01")]
    assert runs[-1] == ("fdt", "g0.9_ll0_hl_n5000_lam0.0001")
    assert paper.crit_settings("pong")[:3] == ["g0.9_ll0_hl_n5000", "g0.9_ll-5_hl_n5000", "g0.9_ll-5_ap_n5000"]
    assert smoke.runs_unique("breakout")[3:] == [("fdt", "g0.9_ll-14_ap_n100_lam0.1"),
                                                 ("fdt", "g0.95_ll0_hl_n200_lam0.1"),
                                                 ("fdt", "g0.9_ll0_hl_n100_lam0.01")]
    assert paper.eval_file("seaquest", "bc", "base", 42) == "results/paper/fdt/eval/seaquest/bc/base/seed42.csv"
    assert smoke.evals("breakout")[0] == "results/smoke/fdt/eval/breakout/dt/base/seed0.csv"
    assert plans["laptop"].main_evals(games=["breakout"], seeds=[2])[-1] == \
        "results/laptop/fdt/eval/breakout/fdt/g0.9_ll0_hl_n600_lam0.1/seed2.csv"


def test_training_inputs_and_lambda_from_the_setting_name(plans):
    paper = plans["paper"]
    assert paper.train_critical("pong", "fdt", "g0.95_ll-5_hl_n2500_lam0.0005", 7) == \
        ["results/paper/fdt/critical/pong/seed7_g0.95_ll-5_hl_n2500.npz"]
    assert paper.train_critical("pong", "dt", "base", 7) == []
    assert paper.train_lam("fdt", "g0.95_ll-5_hl_n2500_lam0.0005") == "0.0005"
    assert paper.train_lam("bc", "base") == 0


def test_names_parse_back_and_match_the_wildcard_constraints(plans):
    w = wildcards()
    for plan in plans.values():
        for game in plan.games:
            for crit in plan.crit_settings(game):
                assert re.fullmatch(w["crit"], crit)
                assert "g{gamma}_ll{ll}_{sampling}_n{budget}".format(**crit_parse(crit)) == crit
            for model, setting in plan.runs(game):
                assert re.fullmatch(w["model"], model) and re.fullmatch(w["setting"], setting)
    assert crit_parse("g0.99_ll-200_ap_n10000") == {"gamma": "0.99", "ll": "-200", "sampling": "ap",
                                                     "budget": "10000"}
    with pytest.raises(ValueError, match="not a critical-state setting"):
        crit_parse("g0.9_ll0_xx_n5")
    assert not re.fullmatch(w["crit"], "base") and not re.fullmatch(w["game"], "tetris")
    assert re.fullmatch(w["table"], "a9") and not re.fullmatch(w["table"], "a10")
    assert re.fullmatch(w["abl"], "ablation_gamma") and re.fullmatch(w["abl"], "lambda_grid")


# ---- stage parameters -----------------------------------------------------------------------

def test_stage_parameters(plans):
    paper, laptop = plans["paper"], plans["laptop"]
    assert json.loads(paper.model_params("pong"))["context"] == 50
    assert json.loads(paper.model_params("pong"))["batch"] == 256
    assert json.loads(paper.model_params("breakout"))["context"] == 30
    assert json.loads(paper.trainset_params("pong"))["min_len"] == 50
    crit = json.loads(paper.critical_params("qbert"))
    assert (crit["candidate_limit"], crit["min_len"], crit["ll_reward"]["qbert"]) == (500000, 30, -500)
    assert json.loads(laptop.critical_params("breakout"))["candidate_limit"] == 20000
    sea, brk = json.loads(paper.eval_params("seaquest")), json.loads(paper.eval_params("breakout"))
    assert 1024 in sea["test_seeds"] and 0 not in sea["test_seeds"] and sea["max_steps"] == 5000
    assert 0 in brk["test_seeds"] and brk["max_steps"] == 27000
    assert paper.eval_rtgs("pong") == "15 16 17 18 19 20 21 23 24"
    assert laptop.eval_rtgs("breakout") == "dataset_max"
    common = json.loads(laptop.table_common)
    assert common["scale"] == "laptop" and common["seeds"] == [0, 1, 2]
    assert common["main"] == {"breakout": "g0.9_ll0_hl_n600_lam0.1"}
    assert common["main_crit"] == {"breakout": "g0.9_ll0_hl_n600"}


def test_data_sources_per_scale(plans):
    paper, smoke = plans["paper"], plans["smoke"]
    assert (paper.downloads, paper.shipped_labels) == (True, True)
    assert (smoke.downloads, smoke.shipped_labels) == (False, False)
    assert paper.checkpoints == list(range(51))
    files = paper.replay_files("qbert")
    assert len(files) == 6 * 51 and files[0] == "results/paper/fdt/download/qbert/replay_logs/observation_ckpt.0.gz"
    assert paper.label_files("pong")[-1] == "results/paper/fdt/download/pong/labels/feedback_ckpt.50.gz"
    assert paper.replay_name("seaquest", "reward", 3) == "fdt_replay_Seaquest_1_reward_3"
    assert paper.replay_spec("seaquest", "reward", 3) == "Seaquest 1 reward 3"
    labels = paper.source(paper.labels_name("breakout", 7))  # pinned in config/fdt_sources.yaml
    assert paper.labels_name("breakout", 7) == "fdt_labels_Breakout_7"
    assert re.fullmatch(r"[0-9a-f]{64}", labels["sha256"]) and labels["url"].startswith("http")
    assert paper.source("fdt_replay_Nope_1_reward_0") == {"url": "", "sha256": ""}


# ---- targets --------------------------------------------------------------------------------

def _left_out(plan):
    return {t.path.split("/", 2)[2]: t.left_out for t in plan.targets if not t.built}


def test_targets_in_manifest_order_with_reasons(plans):
    for scale, plan in plans.items():
        keys = plan.targets.keys()
        assert len(keys) == 33
        assert keys[:5] == ["table_a4_dt_protocol.csv", "table_a4_dt_protocol.md", "table_a5_fdt_dt_bc.csv",
                            "table_a5_fdt_dt_bc.md", "table_a6_breakout.csv"]
        assert keys[-3:] == ["compare_to_paper.csv", "compare_to_paper.md", "fig_main_architecture.pdf"]
        assert plan.targets["table_a8_pong.md"] == "figures/fdt/table_a8_pong.md"
        for record in plan.targets.records():
            assert record["seeds"] == len(plan.seeds) and record["paper"] == "fdt"
    assert plans["paper"].targets.target("fig_delta_vs_rtg_qbert.pdf").reproduces == \
        "FDT vs DT over target returns (Tables 7)"
    assert _left_out(plans["paper"]) == {"fig_main_architecture.pdf": "a diagram, not a computed result"}
    smoke = _left_out(plans["smoke"])
    assert len(smoke) == 10 and len(plans["smoke"].targets.built()) == 23
    assert smoke["table_a9_seaquest.csv"] == "seaquest is not among this scale's games (breakout)"
    assert smoke["fig_delta_vs_rtg_pong.pdf"] == "pong is not among this scale's games (breakout)"
    laptop = _left_out(plans["laptop"])
    assert len(laptop) == 20 and len(plans["laptop"].targets.built()) == 13
    assert laptop["table_ablation_gamma.md"] == "no ablation settings at this scale (time budget)"
    assert laptop["table_lambda_grid.csv"] == "no lambda grid at this scale (time budget)"
    assert "fig_a1_oracle_curves.pdf" not in laptop and "table_a6_breakout.csv" not in laptop


def test_sweep_tables_follow_the_games(plans, config):
    assert plans["paper"].sweep_tables() == [f"figures/fdt/table_a{i}_{g}.csv" for i, g in
                                             zip(range(6, 10), ALL_GAMES)]
    plan = _plan(config, "paper", games=["pong", "breakout"])
    assert plan.sweep_tables() == ["figures/fdt/table_a8_pong.csv", "figures/fdt/table_a6_breakout.csv"]
    left = _left_out(plan)
    assert left["table_a7_qbert.md"] == "qbert is not among this scale's games (pong, breakout)"
    assert "table_a8_pong.csv" not in left and len(left) == 1 + 2 * 3
    assert len(plan.main_evals()) == 2 * 3 * 10


def test_crafted_config_moves_targets_to_left_out(config):
    plan = _plan(config, "paper", ablations=[], lambda_grid=[])
    left = _left_out(plan)
    assert {k for k, v in left.items() if v == "no ablation settings at this scale (time budget)"} == {
        f"table_ablation_{a}.{e}" for a in ("budget", "gamma", "lifeloss", "sampling") for e in ("csv", "md")}
    assert left["table_lambda_grid.md"] == "no lambda grid at this scale (time budget)"
    assert len(plan.runs("breakout")) == 3 and len(plan.all_evals()) == 4 * 3 * 10
    cfg = copy.deepcopy(resolve_paper(config, "fdt", "paper"))
    cfg["oracle"]["train"] = False
    no_oracle = make_plan(cfg, "paper", cfg["seeds"])
    assert _left_out(no_oracle)["fig_a1_oracle_curves.pdf"] == "oracle not trained at this scale"
    # and the other way: a laptop config that lists ablations builds their tables
    laptop = _plan(config, "laptop", ale_left_out="",
                   ablations=[{"gamma": 0.99, "ll": True, "sampling": "hl", "budget": 50}])
    assert "table_ablation_budget.csv" not in _left_out(laptop)
    assert laptop.runs("breakout")[-1] == ("fdt", "g0.99_ll-14_hl_n50_lam0.1")


def test_seed_count_is_the_manifest_column(config):
    cfg = resolve_paper(config, "fdt", "smoke")
    plan = make_plan(cfg, "smoke", [0, 1, 2, 3])
    assert {r["seeds"] for r in plan.targets.records()} == {4}
    assert len(plan.all_evals()) == 6 * 4
