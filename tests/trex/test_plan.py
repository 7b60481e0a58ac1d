"""scripts.trex.plan: run lists, stage parameters and targets at each scale, from the real config
(config/trex.yaml) and from crafted changes to it."""
from __future__ import annotations

import copy
import json
import re

import pytest

from scripts.common.config import paper_seeds, resolve_paper
from scripts.trex.plan import NO_ATARI, NO_ATARI_DEMOS, NO_MUJOCO, NO_MTURK, env_kind, make_plan

# every table and figure, in manifest order
KEYS = [
    "table1_atari.csv", "table1_atari.md", "fig_extrapolation_atari.pdf", "fig_attention_breakout.pdf",
    "fig_mujoco_performance.pdf", "table_mujoco_performance.csv", "table_mujoco_performance.md",
    "fig_extrapolation.pdf", "table_extrapolation_corr.csv", "table_extrapolation_corr.md",
    "fig_noise_hopper.pdf", "table_noise.csv", "table_noise.md", "table_mturk.csv", "compare_to_paper.md",
]
ATARI_KEYS, NOISE_KEYS = KEYS[:4], KEYS[10:13]
MUJOCO_KEYS = KEYS[4:10]


def settings(config, scale):
    cfg = resolve_paper(config, "trex", scale)
    return cfg, paper_seeds(config, "trex", scale)


def plan_at(config, scale, **changes):
    cfg, seeds = settings(config, scale)
    cfg = copy.deepcopy(cfg)
    cfg.update(changes)
    return make_plan(cfg, scale, seeds)


def left_out(plan):
    return {t.path.rsplit("/", 1)[1]: t.left_out for t in plan.targets if not t.built}


def test_smoke_plan(config):
    p = plan_at(config, "smoke")
    assert p.seeds == [0] and p.atari_seeds == [0] and p.control_seeds == [0]
    assert p.mujoco_sets == [("halfcheetah", "stage1")]
    assert p.atari_envs == ["breakout"]
    assert p.noise_sets == ["stage1-swap0-trial0", "stage1-swap1-trial0"]
    assert p.mujoco_evals() == ["results/smoke/trex/eval/halfcheetah/stage1/seed0.csv"]
    assert p.atari_evals() == ["results/smoke/trex/eval/breakout/stage1/seed0.csv"]
    assert p.noise_evals() == [f"results/smoke/trex/eval/hopper/stage1-swap{n}-trial0/seed0.csv" for n in (0, 1)]
    assert p.noise_pairs()[1] == "results/smoke/trex/pairs/hopper/stage1-swap1-trial0/pairs.npz"
    # the claims read the best demo of every env they use, each once and sorted
    assert p.claims_demos() == [f"results/smoke/trex/demos/{e}/demos_meta.csv"
                                for e in ("breakout", "halfcheetah", "hopper")]
    assert p.envcfg["halfcheetah"]["stages"] == {"stage1": {"first": 0, "last": 2}}
    assert p.envcfg["halfcheetah"]["max_episode_steps"] == 100
    # everything is built at smoke but the MTurk table
    assert p.targets.keys() == KEYS
    assert left_out(p) == {"table_mturk.csv": NO_MTURK}
    assert p.targets.target("fig_noise_hopper.pdf").runs == "1 trials x 2 noise levels"
    assert p.targets.target("table1_atari.csv").runs == 1


def test_laptop_plan(config):
    p = plan_at(config, "laptop")
    assert p.seeds == [0, 1, 2] and p.control_seeds == [0]
    assert p.mujoco_sets == [("halfcheetah", "stage1")] and p.atari_envs == [] and p.noise is None
    assert p.noise_sets == [] and p.noise_evals() == [] and p.atari_evals() == []
    assert p.mujoco_evals() == [f"results/laptop/trex/eval/halfcheetah/stage1/seed{k}.csv" for k in (0, 1, 2)]
    assert p.control_evals() == ["results/laptop/trex/eval/halfcheetah/control/seed0.csv"]
    # the laptop's own demonstrator stages replace the paper's
    assert p.envcfg["halfcheetah"]["stages"] == {"stage1": {"first": 0, "last": 25}}
    assert p.targets.built() == [f"figures/trex/{k}" for k in MUJOCO_KEYS + ["compare_to_paper.md"]]
    reasons = left_out(p)
    assert {k: reasons[k] for k in ATARI_KEYS} == {
        "table1_atari.csv": NO_ATARI, "table1_atari.md": NO_ATARI,
        "fig_extrapolation_atari.pdf": NO_ATARI_DEMOS, "fig_attention_breakout.pdf": NO_ATARI_DEMOS}
    for key in NOISE_KEYS:  # the reason names the scale it is left out at
        assert "not run at laptop scale" in reasons[key]
        assert p.targets.target(key).runs == 3  # no sweep: the seed count
    assert p.compare_tables() == ["figures/trex/table_mujoco_performance.csv",
                                  "figures/trex/table_extrapolation_corr.csv"]


def test_paper_plan(config):
    p = plan_at(config, "paper")
    assert p.seeds == [0, 1, 2, 3, 4] and p.atari_seeds == [0, 1, 2] and p.control_seeds == [0, 1, 2]
    # halfcheetah and hopper run stages 1-3, ant defines only two
    assert p.mujoco_sets == [(e, f"stage{i}") for e in ("halfcheetah", "hopper") for i in (1, 2, 3)] + [
        ("ant", "stage1"), ("ant", "stage2")]
    assert len(p.mujoco_evals()) == 8 * 5
    assert len(p.atari_evals()) == 8 * 3
    assert len(p.control_evals()) == 3 * 3
    assert len(p.noise_sets) == 6 * 9 and p.noise_sets[-1] == "stage1-swap10-trial8"
    assert p.atari_predictions()[2] == "results/paper/trex/pred_vs_true/enduro/stage1/pred_vs_true.csv"
    assert p.envcfg["enduro"]["stages"] == {"stage1": {"first": 3100, "last": 3650, "step": 50}}
    assert p.demonstrator_dir == "results/paper/trex/demonstrator/{env}/seed0"
    assert left_out(p) == {"table_mturk.csv": NO_MTURK}
    assert p.targets.target("table_noise.md").runs == "9 trials x 6 noise levels"
    assert p.targets.target("table1_atari.md").runs == 3
    assert p.targets.target("fig_mujoco_performance.pdf").runs == 5
    assert p.compare_tables() == [f"figures/trex/{k}" for k in (
        "table_mujoco_performance.csv", "table_extrapolation_corr.csv", "table1_atari.csv", "table_noise.csv")]
    assert p.attention_inputs() == {"reward": "results/paper/trex/reward/breakout/stage1/reward.pt",
                                    "demos": "results/paper/trex/demos/breakout/demos.npz",
                                    "heldout": "results/paper/trex/heldout/breakout/trajs.npz"}


def test_records_match_the_manifest_rows(config):
    rec = plan_at(config, "laptop").targets.records()
    assert rec[0] == {"path": "figures/trex/table1_atari.csv", "paper": "trex",
                      "reproduces": "Table 1 (Atari LfD performance)", "seeds": 3, "left_out": NO_ATARI}
    assert rec[-1] == {"path": "figures/trex/compare_to_paper.md", "paper": "trex",
                       "reproduces": "Reproduced vs reported (all T-REX tables)", "seeds": 3, "left_out": ""}


def test_mujoco_stages_limit_tasks_not_games(config):
    p = plan_at(config, "paper", mujoco_stages=["stage1"])
    assert p.mujoco_sets == [("halfcheetah", "stage1"), ("hopper", "stage1"), ("ant", "stage1")]
    assert list(p.envcfg["ant"]["stages"]) == ["stage1"]
    assert p.envcfg["breakout"]["stages"] == {"stage1": {"first": 50, "last": 600, "step": 50}}


def test_emptied_env_lists_move_targets_to_left_out(config):
    p = plan_at(config, "paper", atari_envs=[])
    assert left_out(p) == {**{k: NO_ATARI for k in ATARI_KEYS[:2]}, **{k: NO_ATARI_DEMOS for k in ATARI_KEYS[2:]},
                           "table_mturk.csv": NO_MTURK}
    assert "figures/trex/table1_atari.csv" not in p.compare_tables()
    assert p.atari_evals() == [] and p.atari_predictions() == []

    p = plan_at(config, "paper", mujoco_envs=[])
    assert left_out(p) == {**{k: NO_MUJOCO for k in MUJOCO_KEYS}, "table_mturk.csv": NO_MTURK}
    assert p.mujoco_sets == [] and p.compare_tables() == ["figures/trex/table1_atari.csv",
                                                          "figures/trex/table_noise.csv"]

    # the attention figure needs its game among the scale's games
    p = plan_at(config, "paper", atari_envs=["pong"])
    assert left_out(p) == {"fig_attention_breakout.pdf": NO_ATARI_DEMOS, "table_mturk.csv": NO_MTURK}


def test_disabled_noise_is_left_out_naming_the_scale(config):
    cfg, seeds = settings(config, "smoke")
    cfg = copy.deepcopy(cfg)
    cfg["noise"]["enabled"] = False
    p = make_plan(cfg, "smoke", seeds)
    assert p.noise is None and p.noise_sets == [] and p.noise_pairs() == []
    reasons = left_out(p)
    assert sorted(reasons) == sorted(NOISE_KEYS + ["table_mturk.csv"])
    assert all("not run at smoke scale" in reasons[k] for k in NOISE_KEYS)
    assert json.loads(p.claims_params())["noise"] is None
    assert p.claims_demos() == [f"results/smoke/trex/demos/{e}/demos_meta.csv" for e in ("breakout", "halfcheetah")]


def test_stage_parameters_follow_the_env_kind(config):
    p = plan_at(config, "smoke")
    cfg = p.cfg
    assert (env_kind("hopper"), env_kind("pong")) == ("mujoco", "atari")
    assert p.kind["halfcheetah"] == "mujoco" and p.kind["breakout"] == "atari"
    # each step gets only what it reads
    assert json.loads(p.params("policy", "halfcheetah")) == {
        "env": {"max_episode_steps": 100}, "ppo": cfg["ppo_mujoco"], "rl": cfg["rl_mujoco"]}
    assert json.loads(p.params("eval", "breakout")) == {"env": {"max_episode_steps": 150},
                                                        "eval": cfg["eval_atari"]}
    assert json.loads(p.params("demonstrator", "breakout")) == {
        "env": {"demonstrator": {"updates": 6, "ckpt_every": 2}, "max_episode_steps": 150},
        "ppo": cfg["ppo_atari"]}
    assert json.loads(p.params("rollouts", "halfcheetah")) == {"env": p.envcfg["halfcheetah"]}
    assert json.loads(p.params("predict", "breakout")) == {
        "stages": {"stage1": {"first": 0, "last": 4, "step": 2}}, "ckpt_every": 2}
    # the reward block is split: the pair sampler's keys (and MuJoCo's members) go to the pairs
    pairs = json.loads(p.params("pairs", "breakout"))
    assert pairs["ckpt_every"] == 2 and pairs["pairs"] == {
        "n_pairs": 40, "min_len": 10, "max_len": 20, "stride": 2, "whole_demo_games": ["enduro"],
        "whole_demo_pairs": 2000}
    assert json.loads(p.params("reward", "breakout")) == {
        "epochs": 1, "batch": 2, "lr": 5e-5, "weight_decay": 0.0, "ckpt_every": 10, "device": "cpu"}
    assert json.loads(p.params("pairs", "halfcheetah"))["pairs"] == {
        "members": 2, "pairs_per_member": 100, "window": 20}
    assert sorted(json.loads(p.params("reward", "halfcheetah"))) == [
        "batch", "center", "ckpt_every", "hidden", "init", "iterations", "l2", "lr", "members",
        "valid_fraction"]
    with pytest.raises(ValueError, match="no T-REX step 'ppo'"):
        p.params("ppo", "breakout")
    assert p.experiment("hopper", "stage1-swap1-trial0") == "noise"
    assert p.experiment("hopper", "stage1") == "mujoco" and p.experiment("breakout", "stage1") == "atari"
    assert p.policy_reward("halfcheetah", "control") == []
    assert p.policy_reward("halfcheetah", "stage1") == "results/smoke/trex/reward/halfcheetah/stage1/reward.pt"
    assert json.loads(p.claims_params()) == {
        "stages": {"halfcheetah": {"stage1": {"first": 0, "last": 2}}},
        "noise": {"env": "hopper", "stage": "stage1", "stages": {"stage1": {"first": 0, "last": 4}}}}
    assert json.loads(p.mujoco_stages_params()) == {"stages": {"halfcheetah": {"stage1": {"first": 0, "last": 2}}}}


def test_wildcard_constraints(config):
    w = plan_at(config, "laptop").wildcards()
    assert set(w) == {"env", "set", "tset"}
    full = {name: re.compile(f"(?:{rx})$") for name, rx in w.items()}
    assert full["env"].match("breakout") and full["env"].match("ant") and not full["env"].match("small")
    assert full["set"].match("control") and full["set"].match("stage1-swap10-trial8")
    assert not full["tset"].match("control") and full["tset"].match("stage3")
    assert not full["set"].match("stage1-swap2")
