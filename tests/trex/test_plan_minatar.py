"""The MinAtar stand-in's plan (scripts/trex/plan_minatar.py) from the resolved config at each scale."""
from __future__ import annotations

import json

import pytest

from scripts.common.config import load_config, paper_seeds, resolve_paper
from scripts.trex import util
from scripts.trex.plan_minatar import NO_GAMES, PAPER_SCALE_LEFT_OUT, MinAtarPlan


def plan(scale, games=None):
    cfg = load_config()
    trex = resolve_paper(cfg, "trex", scale)
    if games is not None:
        trex["minatar"]["games"] = games
    return MinAtarPlan(trex, scale, paper_seeds(cfg, "trex", scale))


def test_laptop_runs_three_games_three_seeds_and_a_control():
    p = plan("laptop")
    assert p.games == ["breakout", "spaceinvaders", "asterix"]
    assert p.rl_seeds == [0, 1, 2] and p.control_seeds == [0]
    # 3 games x (3 T-REX seeds + 1 control) PPO runs, each evaluated, and one random policy each
    assert len(p.runs()) == 3 * 3 + 3 == 12
    assert len(p.trex_evals()) == 9 and len(p.control_evals()) == 3 and len(p.random_evals()) == 3
    assert all(t.left_out == "" for t in p.targets)
    assert p.targets.built() == ["figures/trex/table1_minatar.csv", "figures/trex/table1_minatar.md",
                                 "figures/trex/fig_extrapolation_minatar.pdf",
                                 "figures/trex/fig_attention_minatar_breakout.pdf"]
    assert p.eval_csv("breakout", "stage1", 2) == "results/laptop/trex/minatar/eval/breakout/stage1/seed2.csv"
    assert p.claims_csv() == "results/laptop/trex/claims_minatar.csv"
    # the table and its claims join T-REX's reproduced-vs-reported page
    assert p.compare_tables() == ["figures/trex/table1_minatar.csv"]
    assert p.compare_claims() == ["results/laptop/trex/claims_minatar.csv"]


def test_laptop_demos_are_12_early_checkpoints_and_heldout_lies_beyond():
    env = json.loads(plan("laptop").rollout_params())["env"]
    every = env["demonstrator"]["ckpt_every"]
    demos, held = util.demo_ckpts(env["stages"], every), util.ckpt_range(env["heldout"], every)
    assert demos == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22] and every == 2
    assert held == [40, 50, 60, 70, 80, 90, 100]
    assert min(held) > max(demos) and max(held) == env["demonstrator"]["updates"]
    assert env["minatar"] == {"sticky_action_prob": 0.1, "difficulty_ramping": True, "minimal_actions": False}


def test_stage_parameters_carry_the_minatar_blocks():
    p = plan("laptop")
    ppo = json.loads(p.policy_params())
    assert ppo["ppo"]["conv_channels"] == 16 and ppo["rl"]["control_reward"] == 1.0
    assert json.loads(p.pairs_params())["pairs"] == {"n_pairs": 2000, "min_len": 10, "max_len": 50, "stride": 1}
    assert json.loads(p.reward_params()) == {"epochs": 3, "batch": 1, "lr": 5e-5, "weight_decay": 0.0,
                                             "ckpt_every": 1000, "device": "cpu", "channels": 16, "hidden": 64}
    # 10 evaluation episodes per policy at laptop scale; the paper's 30
    assert json.loads(p.eval_params())["eval"]["episodes"] == 10
    assert json.loads(p.random_params()) == {"env": ppo["env"], "episodes": 10}
    assert ppo["env"] == {"max_episode_steps": 3000, "minatar": {
        "sticky_action_prob": 0.1, "difficulty_ramping": True, "minimal_actions": False}}
    assert json.loads(p.predict_params()) == {"stages": {"stage1": {"first": 0, "last": 22, "step": 2}},
                                              "ckpt_every": 2}


def test_smoke_is_tiny_and_paper_leaves_every_target_out_with_a_reason():
    s = plan("smoke")
    assert s.games == ["breakout"] and len(s.runs()) == 2
    paper = plan("paper")
    assert paper.games == [] and paper.runs() == [] and not paper.targets.built()
    assert {t.left_out for t in paper.targets} == {PAPER_SCALE_LEFT_OUT}


def test_no_games_outside_paper_scale_says_so():
    cfg = load_config()
    trex = resolve_paper(cfg, "trex", "smoke")
    trex["minatar"]["games"] = []  # no reason of its own in the config: the generic one
    p = MinAtarPlan(trex, "smoke", [0, 1, 2])
    assert {t.left_out for t in p.targets} == {NO_GAMES}


def test_too_many_seeds_is_refused():
    cfg = load_config()
    trex = resolve_paper(cfg, "trex", "smoke")
    trex["minatar"]["rl_seeds"] = 3
    with pytest.raises(ValueError, match="rl_seeds"):
        MinAtarPlan(trex, "smoke", [0])
