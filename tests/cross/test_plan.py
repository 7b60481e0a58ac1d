"""scripts.cross.plan: the cross experiment's runs, parameters and targets per scale, from the
real config (counts by hand)."""
from __future__ import annotations

import copy
import json

import pytest

from scripts.common.config import resolve_paper
from scripts.cross.plan import CrossPlan


def _plan(config, scale, **changes):
    cfg = copy.deepcopy(resolve_paper(config, "cross", scale))
    cfg.update(changes)
    return CrossPlan(cfg, resolve_paper(config, "fdt", scale),
                     resolve_paper(config, "dsi", scale)["minatar"], scale)


def test_counts_per_scale(config):
    laptop = _plan(config, "laptop")
    assert laptop.games == ["breakout", "freeway"] and laptop.seeds == [0, 1, 2]
    # the `first` control left the laptop for the CPU budget (config/cross.yaml)
    assert laptop.selectors == ["dsi", "random", "oracle"]
    # per game and seed: dt, criterion (FDT's files) + 3 selectors -> 2 x 3 x 5 = 30 arm files
    evals = laptop.eval_inputs()
    assert len(evals) == 30 and len(set(evals)) == 30
    assert sum(p.startswith("results/laptop/fdt/") for p in evals) == 12   # reused, not retrained
    assert sum(p.startswith("results/laptop/cross/eval/") for p in evals) == 18
    assert len(laptop.all_stats()) == 6
    paper = _plan(config, "paper")
    # 2 games x 5 seeds x (2 + 4) = 60
    assert paper.games == ["breakout", "spaceinvaders"] and len(paper.eval_inputs()) == 60
    assert paper.selectors == ["dsi", "random", "oracle", "first"]
    smoke = _plan(config, "smoke")
    assert smoke.games == ["breakout"] and len(smoke.eval_inputs()) == 6


def test_reuses_fdt_files(config):
    laptop = _plan(config, "laptop")
    arms = laptop.arm_evals()
    assert "criterion=results/laptop/fdt/minatar/eval/breakout/fdt/seed0.csv" in arms
    assert "dt=results/laptop/fdt/minatar/eval/freeway/dt/seed2.csv" in arms
    assert "dsi=results/laptop/cross/eval/freeway/dsi/seed1.csv" in arms
    assert not any(a.startswith("first=") for a in arms)
    assert laptop.fdt.data_file("breakout", 0) == "results/laptop/fdt/minatar/critical/breakout/seed0_g0.9_n900.npz"
    # paper scale asks FDT's rules for games FDT's own minatar.games leaves empty
    paper = _plan(config, "paper")
    assert paper.fdt.games == [] and paper.fdt.log_manifest("spaceinvaders").startswith("results/paper/fdt/")


def test_stage_params(config):
    laptop = _plan(config, "laptop")
    sel = json.loads(laptop.select_params("freeway"))
    assert sel == {"transitions": 30000, "episodes_per_visit": 10, "min_len": 10, "gamma": 0.9,
                   "budget": 900, "window": 50, "upsample": 3}
    det = json.loads(laptop.detector_params())
    # DSI's MinAtar recipe (3 warm-up epochs of 6) with sequences of the window's length
    assert det["max_length"] == 50 and det["epochs"] == 6 and det["warmup_epochs"] == 3
    assert det["out_dim"] == 2 and det["upsample"] == 3
    train = json.loads(laptop.train_params("breakout"))
    assert train["rtg_fractions"] == [1.0] and train["setups"] == ["sampling", "det_noop"]
    assert json.loads(laptop.train_params("freeway"))["max_steps"] == 2600
    assert laptop.lam() == 0.1
    smoke = _plan(config, "smoke")
    assert json.loads(smoke.detector_params())["epochs"] == 2


def test_targets_and_reasons(config):
    laptop = _plan(config, "laptop")
    assert laptop.targets.keys() == ["table_feedback_selectors.csv", "table_feedback_selectors.md",
                                     "table_selector_positions.csv", "table_selector_positions.md",
                                     "fig_feedback_selectors.pdf"]
    assert len(laptop.targets.built()) == 5
    off = _plan(config, "laptop", games=[])
    assert off.targets.built() == [] and all("cross.<scale>.games" in t.left_out for t in off.targets)
    why = _plan(config, "laptop", games=[], left_out="measured: nothing to show")
    assert all(t.left_out == "measured: nothing to show" for t in why.targets)


def test_bad_settings(config):
    with pytest.raises(ValueError, match="unknown"):
        _plan(config, "laptop", selectors=["dsi", "best"])
    with pytest.raises(ValueError, match="must include dsi"):
        _plan(config, "laptop", selectors=["random"])
    with pytest.raises(ValueError, match="not MinAtar"):
        _plan(config, "laptop", games=["pong"])


def test_claims_of_games_left_out_carry_the_reason(config):
    laptop = _plan(config, "laptop")
    assert laptop.claims_left_out() == {
        f"cross_dsi_vs_criterion_{g}": laptop.c["games_left_out"] for g in ("asterix", "seaquest", "spaceinvaders")}
    assert "cross_dsi_vs_criterion_freeway" in _plan(config, "paper").claims_left_out()
    assert _plan(config, "laptop", games=[]).claims_left_out() == {}
