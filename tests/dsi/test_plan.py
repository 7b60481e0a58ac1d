"""scripts.dsi.plan from the real config at each scale: run lists, paths, targets and reasons.

The counts and identities below are read off config/dsi.yaml by hand: a change to the config's
run lists, or to how the plan expands them, is noticed here."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from scripts.common.config import load_config, paper_seeds, resolve_paper
from scripts.dsi.plan import ATTACKS, make_plan

RULES = Path(__file__).resolve().parents[2] / "rules" / "dsi.smk"
CONFIG = load_config()


def _cfg(scale):
    return resolve_paper(CONFIG, "dsi", scale)


def _seeds(scale):
    return paper_seeds(CONFIG, "dsi", scale)


def _plan(scale, cfg=None):
    return make_plan(cfg if cfg is not None else _cfg(scale), scale, _seeds(scale))


TABLES = ["table_gridworld_f1", "table_gridworld_diagnostics", "table_ablation", "table_pong_attack",
          "table_attack_minatar", "table_seaquest", "table_improve_minatar", "compare_to_paper"]
FIGURES = ["fig_gridworld_scores.pdf", "fig_gridworld_env.pdf", "fig_attack_vs_k.pdf",
           "fig_attack_minatar.pdf", "fig_pong_critical_frames.pdf", "fig_seaquest_dqn.pdf",
           "fig_improve_minatar.pdf"]
KEYS = [f"{t}.{ext}" for ext in ("csv", "md") for t in TABLES] + FIGURES
SEAQUEST_KEYS = {"table_seaquest.csv", "table_seaquest.md", "fig_seaquest_dqn.pdf"}
IMPROVE_KEYS = {"table_improve_minatar.csv", "table_improve_minatar.md", "fig_improve_minatar.pdf"}
ABLATION_KEYS = {"table_ablation.csv", "table_ablation.md"}
PONG_KEYS = {"table_pong_attack.csv", "table_pong_attack.md", "fig_attack_vs_k.pdf", "fig_pong_critical_frames.pdf"}
IMPROVE_KEYS = {"table_improve_minatar.csv", "table_improve_minatar.md", "fig_improve_minatar.pdf"}
MINATAR_KEYS = {"table_attack_minatar.csv", "table_attack_minatar.md", "fig_attack_minatar.pdf"} | IMPROVE_KEYS


@pytest.mark.parametrize("scale, n_seeds, gw, ablation, attack, sets, sq_files, dqn_evals", [
    ("smoke", 1, 2, 2, 5 * 1 * 3, ["M", "S"], 1 * 2, 2 * 1),
    # laptop: the fixed recipe only, on its 5 recipe_seeds (the paper recipe collapsed: left
    # out); no Seaquest, ablation [full]; the Pong attack left out (pong.left_out): no attack runs
    ("laptop", 3, 5, 3, 0, ["S"], 2 * 3, 3 * 3),
    ("paper", 3, 2 * 2 * 3, 5 * 3, 5 * 4 * 3, ["M", "S"], 2 * 3, 3 * 3),
])
def test_run_counts_per_scale(scale, n_seeds, gw, ablation, attack, sets, sq_files, dqn_evals):
    plan = _plan(scale)
    assert len(plan.seeds) == n_seeds
    assert len(plan.gw_runs) == gw and len(set(plan.gw_runs)) == gw
    assert len(plan.gw_ablation_runs) == ablation
    assert len(plan.attack_runs) == attack and len(set(plan.attack_runs)) == attack
    assert plan.pong_sets == sets
    assert len(plan.seaquest_policy_files()) == sq_files
    assert len(plan.dqn_evals()) == dqn_evals


def test_laptop_runs_by_hand():
    plan = _plan("laptop")
    assert plan.gw_recipe_seeds == {"fixed": [0, 1, 2, 3, 4]}
    assert plan.gw_runs == [("S", "fixed", "full", s) for s in range(5)]
    assert plan.gw_claim_runs == plan.gw_runs  # laptop has GridWorld-S only
    assert plan.gw_ablation_runs == [("S", "fixed", "full", s) for s in range(3)]
    assert plan.attack_runs == [] and not plan.pong_built
    r = "results/laptop/dsi/"
    assert plan.gw_data("S", "fixed", "train") == r + "gridworld_data/S-lenmatch/train.npz"
    assert plan.gw_data("S", "paper", "test") == r + "gridworld_data/S-official/test.npz"
    assert plan.gw_runs_arg(plan.gw_runs[:1]) == \
        "S:fixed:full:0:" + r + "scores/gridworld-S/fixed-full/seed0.diagnostics.json"
    # the score figure: each recipe's first seed (laptop: the fixed recipe only)
    assert plan.gw_figure_scores() == [r + "scores/gridworld-S/fixed-full/seed0.npz"]
    assert plan.gw_figure_scores_arg() == f"fixed:{r}scores/gridworld-S/fixed-full/seed0.npz"
    assert plan.rollout_policies("S") == [r + "pong_policies/a3c.pt"]
    assert plan.rollout_policies_arg("S") == "a3c=" + r + "pong_policies/a3c.pt"
    assert plan.attack_policy("cross-step") == r + "pong_policies/a3c_half.pt"
    assert plan.attack_detector("cross-step") == r + "detector/pong-S/seed0/detector.pt"
    assert plan.attack_outputs() == [r + f"attack/{{variant}}/k{k}/{m}.csv" for k in (5, 20)
                                     for m in ("dsi", "random", "value")]
    assert plan.attack_runs_arg([("cross-step", 20, "dsi")]) == "cross-step:20:dsi:" + r + "attack/cross-step/k20/dsi.csv"
    assert plan.pong_figure_test() == r + "pong_data/S/test.npz"


def test_minatar_runs_by_hand():
    plan = _plan("laptop")
    assert plan.minatar_built and plan.minatar["attack_game"] == "breakout"
    r = "results/laptop/dsi/minatar/breakout/"
    # 3 agent seeds x checkpoints 10k, 20k, 30k (the last is the attacked agent)
    assert plan.minatar_checkpoints() == [10000, 20000, 30000]
    assert plan.minatar_agent(2) == r + "n3/seed2/q_step30000.pt"
    assert len(plan.minatar_data_agents("breakout")) == 3 * 3
    assert plan.minatar_data_agents("breakout")[0] == r + "n3/seed0/q_step10000.pt"
    # laptop: the adaptive horizon is left out (it showed nothing); only the attack agents run
    assert not plan.minatar_improve_built and plan.minatar_improve_runs() == []
    assert "showed nothing" in plan.targets.target("fig_improve_minatar.pdf").left_out
    # with it: on Breakout, 4 methods x 3 seeds; the n3 runs are the attack agents (the same
    # files, trained once)
    cfg = copy.deepcopy(_cfg("laptop"))
    cfg["minatar"]["improve"]["left_out"] = ""
    with_improve = _plan("laptop", cfg)
    assert with_improve.minatar_improve_built and with_improve.minatar["improve"]["game"] == "breakout"
    runs = with_improve.minatar_improve_runs()
    assert runs == [r + f"{m}/seed{s}/progress.csv" for m in ("dsi", "n1", "n3", "n5") for s in range(3)]
    assert {p.replace("progress.csv", "q_step30000.pt") for p in runs} >= \
        {plan.minatar_agent(s) for s in range(3)}
    smoke = _plan("smoke")
    assert smoke.minatar_improve_runs() == [f"results/smoke/dsi/minatar/seaquest/{m}/seed0/progress.csv"
                                            for m in ("dsi", "n1", "n3", "n5")]
    assert plan.minatar_attacks() == [r + f"attack/seed{s}.csv" for s in range(3)]
    assert plan.minatar_dqn_outputs()[-1] == \
        "results/laptop/dsi/minatar/{mgame}/{mmethod}/seed{seed}/progress.csv"
    det = json.loads(plan.minatar_detector_params())
    assert (det["upsample"], det["pooling"], det["out_dim"]) == (3, "mean", 2)
    # 3 G warm-up epochs of 6: with 1, G was at chance when D started and the mask collapsed
    assert (det["warmup_epochs"], det["epochs"], det["loss_weights"]["com"]) == (3, 6, 1.0)
    assert sorted(json.loads(plan.minatar_params("game", "attack"))) == ["attack", "game", "upsample"]
    assert _plan("paper").minatar_attacks() == []


def test_gridworld_params_are_the_recipe_over_the_common_settings():
    plan = _plan("laptop")
    train = json.loads(plan.gw_train_params("fixed"))
    assert (train["name"], train["epochs"], train["batch_size"], train["lr_d"]) == ("fixed", 4, 16, 1e-3)
    assert train["task"] == "ce" and train["negatives"] == "lenmatch"  # common, then the recipe's
    score = json.loads(plan.gw_score_params("fixed"))
    assert score == {**train, "batch_size": 64}  # eval_batch_size
    data = json.loads(plan.gw_data_params())
    assert sorted(data) == ["data", "seed_base"] and data["seed_base"] == 0
    assert data["data"]["S"] == {"train": {"positive": 300, "negative": 300}, "test": {"positive": 50, "negative": 50}}
    assert json.loads(plan.gw_eval_params()) == {"seed_base": 0, "eval": {"val_episodes": 100, "test_episodes": 100}}


def test_paper_runs_by_hand():
    plan = _plan("paper")
    assert ("M", "fixed", "full", 2) in plan.gw_runs
    assert [run for run in plan.gw_claim_runs if run[0] != "S"] == []
    assert len(plan.gw_claim_runs) == 6
    assert {a for _, _, a, _ in plan.gw_ablation_runs} == {"full", "no_rev", "no_com", "no_imp", "noniter"}
    assert {r for _, r, _, _ in plan.gw_ablation_runs} == {"fixed"}
    r = "results/paper/dsi/"
    assert plan.attack_detector("inpolicy-M") == r + "detector/pong-M/seed0/detector.pt"
    assert plan.attack_policy("cross-arch") == r + "pong_policies/a3c_wide.pt"
    assert plan.rollout_policies("M") == [r + "pong_policies/a3c.pt", r + "pong_policies/a3c_half.pt"]
    assert plan.pong_figure_detector() == r + "detector/pong-M/seed0/detector.pt"  # sorted: M before S
    assert plan.seaquest_policy_outputs() == [r + f"seaquest_policies/dqn_seed{{seed}}_step{n}.pt"
                                              for n in (1000000, 5000000, 10000000)]
    assert plan.seaquest_policy_files()[-1] == r + "seaquest_policies/dqn_seed1_step10000000.pt"
    assert plan.dqn_detector("dsi") == r + "detector/seaquest/seed0/detector.pt"
    assert plan.dqn_detector("baseline-n3") == []
    assert plan.dqn_evals()[-1] == r + "eval/dqn/baseline-n3/seed2.csv"


@pytest.mark.parametrize("scale", ["smoke", "laptop", "paper"])
def test_targets_in_manifest_order_with_reasons(scale):
    plan = _plan(scale)
    assert plan.targets.keys() == KEYS
    records = plan.targets.records()
    assert [r["path"] for r in records] == [f"figures/dsi/{k}" for k in KEYS]
    assert {r["seeds"] for r in records} == {len(plan.seeds)}
    left_out = {k for k in KEYS if plan.targets.target(k).left_out}
    if scale == "laptop":
        assert left_out == SEAQUEST_KEYS | ABLATION_KEYS | PONG_KEYS | IMPROVE_KEYS
        assert plan.targets.target("fig_attack_vs_k.pdf").left_out.startswith("CPU time spent on the MinAtar attack")
        assert plan.targets.target("table_ablation.md").left_out == \
            "CPU time: the ablations need 5 trainings x seeds beyond the laptop budget"
        assert plan.targets.target("fig_seaquest_dqn.pdf").left_out == \
            "CPU time: DQN with DSI needs millions of env steps"
    elif scale == "paper":
        assert left_out == MINATAR_KEYS
        assert plan.targets.target("fig_attack_minatar.pdf").left_out == \
            "MinAtar stand-in: laptop and smoke scale only (paper scale runs the ALE)"
    else:
        assert left_out == set()
    assert plan.targets.built() == [f"figures/dsi/{k}" for k in KEYS if k not in left_out]
    assert plan.targets.target("table_pong_attack.csv").reproduces == "Pong attack table"


def test_ablations_left_out_when_the_config_lists_only_the_full_loss():
    cfg = copy.deepcopy(_cfg("smoke"))
    assert _plan("smoke", cfg).ablations_built
    cfg["gridworld"]["ablations"] = ["full"]
    plan = _plan("smoke", cfg)
    left_out = {k: plan.targets.target(k).left_out for k in KEYS if plan.targets.target(k).left_out}
    assert left_out == {k: "CPU time: the ablations need 5 trainings x seeds beyond the smoke budget"
                        for k in ABLATION_KEYS}


def test_recipe_seeds_change_only_their_recipe():
    cfg = copy.deepcopy(_cfg("paper"))
    cfg["gridworld"]["recipe_seeds"] = {"paper": [7]}
    plan = _plan("paper", cfg)
    assert plan.gw_recipe_seeds == {"paper": [7], "fixed": [0, 1, 2]}
    assert [s for v, r, _, s in plan.gw_runs if (v, r) == ("S", "paper")] == [7]
    assert len(plan.gw_runs) == 2 * (1 + 3)
    assert plan.gw_figure_scores()[0].endswith("gridworld-S/paper-full/seed7.npz")
    assert len(plan.gw_ablation_runs) == 5 * 3  # the ablations keep dsi.seeds


def test_wildcards_accept_every_run_and_keep_checkpoints_apart():
    plan = _plan("paper")
    wc = {name: re.compile(pattern) for name, pattern in plan.wildcards().items()}
    for v, r, a, _ in plan.gw_runs + plan.gw_ablation_runs:
        assert wc["gw"].fullmatch(v) and wc["recipe"].fullmatch(r) and wc["abl"].fullmatch(a)
    for recipe in plan.gridworld["recipe"].values():
        assert wc["neg"].fullmatch(recipe["negatives"])
    assert all(wc["variant"].fullmatch(v) for v in ATTACKS)
    assert all(wc["pd"].fullmatch(s) for s in plan.pong["data"]["sets"])
    assert all(wc["method"].fullmatch(m) for m in plan.seaquest["improve"]["methods"])
    assert all(wc["pol"].fullmatch(p) for p in plan.pong["a3c"]["policies"])
    # a3c_half.pt is the half-way output of a3c's training, never a policy of its own
    assert not wc["pol"].fullmatch("a3c_half")


def test_every_target_is_named_by_a_rule():
    text = RULES.read_text()
    named = re.findall(r'DSI_PLAN\.targets\["([^"]+)"\]', text)
    assert sorted(named) == sorted(KEYS)
