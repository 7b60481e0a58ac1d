"""scripts.fdt.plan_minatar: the MinAtar stand-in's runs, parameters and targets per scale, from
the real config (counts by hand)."""
from __future__ import annotations

import copy
import json

import pytest

from scripts.common.config import resolve_paper
from scripts.fdt.plan_minatar import MinAtarPlan


def _plan(config, scale, **changes):
    cfg = copy.deepcopy(resolve_paper(config, "fdt", scale))
    cfg["minatar"].update(changes)
    return MinAtarPlan(cfg, scale, cfg["seeds"])


def test_counts_per_scale(config):
    laptop = _plan(config, "laptop")
    # 2 games x 3 seeds critical-state sets, x 3 models trained and evaluated
    assert laptop.games == ["breakout", "freeway"] and laptop.seeds == [0, 1, 2]
    assert len(laptop.manifests()) == 2 and len(laptop.all_stats()) == 6
    assert len(laptop.all_evals()) == 18 and len(set(laptop.all_evals())) == 18
    # the slower learner gets a 300k-step DQN log, Breakout keeps 100k
    steps = {g: json.loads(laptop.log_params(g))["transitions"] for g in laptop.games}
    assert steps == {"breakout": 100000, "freeway": 300000}
    one = _plan(config, "laptop", games=["breakout"], per_game={})
    assert len(one.all_stats()) == 3 and len(set(one.all_evals())) == 9
    smoke = _plan(config, "smoke")
    assert smoke.games == ["breakout"] and len(smoke.all_evals()) == 3
    paper = _plan(config, "paper")
    assert paper.games == [] and paper.all_evals() == []


def test_targets_built_only_with_games(config):
    laptop, paper = _plan(config, "laptop"), _plan(config, "paper")
    names = ["table_minatar_log.csv", "table_minatar_log.md", "table_a5_minatar.csv",
             "table_a5_minatar.md", "table_a10_minatar.csv", "table_a10_minatar.md",
             "fig_delta_vs_rtg_minatar.pdf"]
    assert laptop.targets.keys() == names
    assert len(laptop.targets.built()) == 7 and paper.targets.built() == []
    assert all("ALE" in t.left_out for t in paper.targets)
    assert laptop.targets["table_a5_minatar.csv"] == "figures/fdt/table_a5_minatar.csv"


def test_stage_params(config):
    laptop = _plan(config, "laptop")
    crit = json.loads(laptop.critical_params("breakout"))
    assert crit == {"transitions": 30000, "episodes_per_visit": 10, "min_len": 10}
    sweep = json.loads(laptop.train_params("breakout"))
    other = json.loads(_plan(config, "laptop", games=["breakout", "seaquest"], per_game={})
                       .train_params("seaquest"))
    # only the sweep game is evaluated at several target returns; 1.0 (the main one) among them
    assert 1.0 in sweep["rtg_fractions"] and len(sweep["rtg_fractions"]) == 4
    assert other["rtg_fractions"] == [1.0] and "sweep_fractions" not in other
    assert other["sticky"] == 0.1
    assert laptop.lam("fdt") == 0.1 and laptop.lam("dt") == 0.0
    assert laptop.crit_name() == "g0.9_n900"


def test_sweep_game_must_be_a_game(config):
    with pytest.raises(ValueError, match="sweep_game"):
        _plan(config, "laptop", games=["breakout", "seaquest"], per_game={}, sweep_game="freeway")


def test_wildcards_match_the_plan_files(config):
    """Every file the laptop plan names matches the rules' wildcard constraints, and a game
    the factory does not know is rejected by them."""
    import re

    plan = _plan(config, "laptop", games=["breakout", "asterix", "seaquest"], per_game={})
    wc = MinAtarPlan.wildcards()
    assert re.fullmatch(wc["mgame"], "breakout") and not re.fullmatch(wc["mgame"], "pong")
    assert re.fullmatch(wc["model"], "fdt") and not re.fullmatch(wc["model"], "cql")
    assert all(re.fullmatch(wc["mgame"], g) for g in plan.games)


def test_per_game_settings(config):
    """A game's ``per_game`` entries replace only those keys of its log, trainset and eval
    blocks; the other games keep the scale's blocks."""
    plan = _plan(config, "laptop", games=["breakout", "freeway"], per_game={
        "freeway": {"log": {"transitions": 300000, "eps_decay": 100000, "max_steps": 2600},
                    "trainset": {"transitions": 40000}, "eval": {"max_steps": 2500}}})
    base, fw = json.loads(plan.log_params("breakout")), json.loads(plan.log_params("freeway"))
    assert base["transitions"] == 100000 and base["eps_decay"] == 50000
    assert fw["transitions"] == 300000 and fw["eps_decay"] == 100000
    changed = ("transitions", "eps_decay", "max_steps")
    assert {k: v for k, v in fw.items() if k not in changed} == \
        {k: v for k, v in base.items() if k not in changed}
    assert json.loads(plan.critical_params("freeway"))["transitions"] == 40000
    assert json.loads(plan.critical_params("breakout"))["transitions"] == 30000
    assert json.loads(plan.train_params("freeway"))["max_steps"] == 2500
    assert json.loads(plan.train_params("breakout"))["max_steps"] == 2000
    with pytest.raises(ValueError, match="per_game"):
        _plan(config, "laptop", per_game={"asterix": {"log": {"transitions": 1}}})


def test_per_game_schema(config):
    """The schema takes a game's log/trainset/eval entries and rejects an unknown game or key."""
    from scripts.common.config import SCHEMA_DIR, ConfigError, load_schema, validate

    schema = load_schema(SCHEMA_DIR / "fdt.schema.yaml")

    def check(per_game):
        cfg = copy.deepcopy(resolve_paper(config, "fdt", "laptop"))
        cfg["minatar"]["per_game"] = per_game
        validate(cfg, schema, where="fdt.laptop")

    check({"freeway": {"log": {"transitions": 300000}, "eval": {"max_steps": 2500}}})
    for bad in ({"pong": {"log": {"transitions": 1}}}, {"freeway": {"model": {}}},
                {"freeway": {"log": {"transitions": 0}}}):
        with pytest.raises(ConfigError, match="per_game"):
            check(bad)


def test_freeway_must_reach_its_timer(config):
    """Freeway ends only at its 2500-step timer: a lower episode cap would leave the log with no
    complete episode (the critical-state stage then fails), so the plan refuses it."""
    with pytest.raises(ValueError, match="freeway"):
        _plan(config, "laptop", per_game={"freeway": {"log": {"max_steps": 2000}}})
    assert json.loads(_plan(config, "laptop").log_params("freeway"))["max_steps"] == 2600


def test_claims_of_games_left_out_carry_the_reason(config):
    laptop = _plan(config, "laptop")
    reason = laptop.m["games_left_out"]
    out = laptop.claims_left_out()
    assert out["fdt_minatar_beats_dt_spaceinvaders"] == out["fdt_minatar_beats_bc_spaceinvaders"] == reason
    assert "Space Invaders" in reason
    assert not any(k.endswith(("_breakout", "_freeway")) for k in out)  # the games it runs
    # paper scale runs no MinAtar game: its tables are left out, the claims read their reason
    assert _plan(config, "paper", games_left_out="x").claims_left_out() == {}
    assert _plan(config, "smoke").claims_left_out() == {}  # no reason given
