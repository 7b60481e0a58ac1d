"""scripts.lse.plan: run lists, stage parameters and targets of LSE at each scale, from the real
config (config/lse.yaml), checked against counts and runs worked out by hand from that file."""
from __future__ import annotations

import copy
import json

import pytest

from scripts.common.config import resolve_paper
from scripts.lse.plan import make_plan


def plan_at(config, scale, mutate=None):
    cfg = resolve_paper(config, "lse", scale)
    if mutate is not None:
        cfg = copy.deepcopy(cfg)
        mutate(cfg)
    return make_plan(cfg, scale, [0, 1, 2], paper=resolve_paper(config, "lse", "paper"))


def left_out(plan):
    return {t.path.split("/", 2)[2]: t.left_out for t in plan.targets if not t.built}


# paper: RN protocols cliff 3, cartpole 3, cmc 3, halfcheetah 1; modes 4, 4, 4, 10; baselines 2 each
# smoke: cliff 3 protocols x (mode 6 + 2 baselines), cartpole default x (1 + 2), cmc transfer x (6, 0),
#        halfcheetah default x (4, -1); stepsize 1 transform x 1 step size x 2 mirrored
# laptop: cliff, 3 protocols x (4 modes + 2 baselines); stepsize 8 x 3 x mirrored only; CartPole's
#         fixhp SEs: Fig. 2 (2), Fig. 3 (3), Fig. 4 (5), MBRL (3)
@pytest.mark.parametrize("scale, protocols, rn_runs, stepsize, built", [
    ("smoke", 6, 3 * 3 + 3 + 2 + 2, 2, 36),
    ("laptop", 3, 3 * 6, 24, 18 + 13),
    ("paper", 10, 3 * 6 * 3 + 12, 96, 49),
])
def test_run_counts_per_scale(config, scale, protocols, rn_runs, stepsize, built):
    plan = plan_at(config, scale)
    assert len(plan.rn_protocols) == protocols
    assert len(plan.rn_runs) == rn_runs
    assert len(plan.stepsize_configs) == stepsize
    # every scale declares the same 49 targets (2 Fig. 2, 8 + 10 Fig. 3/4 and 7/8, 3 MBRL,
    # 10 Fig. 5/9, 1 table, 12 Fig. 10, 2 Fig. 11, summary); the scale builds some
    assert len(plan.targets) == 49
    assert len(plan.targets.built()) == built
    assert len(plan.targets.records()) - built == len(left_out(plan))
    assert all(reason for reason in left_out(plan).values())


def test_smoke_runs_by_hand(config):
    plan = plan_at(config, "smoke")
    assert plan.se_evaluated
    assert plan.rn_protocols == [("cliff", "default"), ("cliff", "varyhp"), ("cliff", "transfer"),
                                 ("cartpole", "default"), ("cmc", "transfer"), ("halfcheetah", "default")]
    assert [k for k in plan.rn_runs if k[0] != "cliff"] == [
        ("cartpole", "default", 1), ("cartpole", "default", 0), ("cartpole", "default", -1),
        ("cmc", "transfer", 6), ("cmc", "transfer", 0), ("halfcheetah", "default", 4), ("halfcheetah", "default", -1)]
    assert plan.rn_runs[("cmc", "transfer", 6)] == "results/smoke/lse/eval_rn/cmc/transfer/mode6.npz"
    assert plan.fig10_modes == [6]
    assert plan.stepsize_mirrored == [True, False]
    assert plan.stepsize_configs == [{"transform": 3, "step_size": 0.5, "mirrored": True},
                                     {"transform": 3, "step_size": 0.5, "mirrored": False}]
    # every SE run (one per env and variant) feeds Fig. 2
    assert plan.fig2_logs == [(e, v, f"results/smoke/lse/train_se/{e}/{v}/seed0/log.csv")
                              for e in ("cartpole", "acrobot") for v in ("opt", "fixhp", "varyhp")]
    assert plan.fig2_logs_arg().startswith("cartpole/opt=results/smoke/lse/train_se/cartpole/opt/seed0/log.csv ")
    # the claims: Cliff default/varyhp at mode 6 and the baseline 0 (mode 2 is not trained here)
    assert list(plan.claim_rn) == [("cliff", "default", 6), ("cliff", "default", 0),
                                   ("cliff", "varyhp", 6), ("cliff", "varyhp", 0)]
    assert plan.claim_se == [f"results/smoke/lse/eval_se/cartpole/ddqn/{m}.csv" for m in ("real", "se_fixhp", "se_varyhp")]
    assert plan.summary_tables == [
        "figures/lse/table_rn_steps_to_threshold.csv", "figures/lse/table_fig2_se_training.csv",
        "figures/lse/table_fig3_cartpole.csv", "figures/lse/table_fig7_acrobot.csv"]
    # smoke leaves out the Cliff modes it does not train, and the RN protocols it does not run
    out = left_out(plan)
    assert out["fig10_cliff_mode1.pdf"] == "Cliff mode 1 is not trained at smoke scale (modes here: 6)"
    assert "fig10_cliff_mode6.pdf" not in out
    assert out["fig5_9_cmc_default.pdf"] == (
        "cmc RNs (default) need cluster CPU-hours; smoke scale runs cliff (default, varyhp, transfer),"
        " cartpole (default), cmc (transfer), halfcheetah (default)")
    assert sorted(k for k in out if k.startswith("fig5_9")) == [
        "fig5_9_cartpole_transfer.pdf", "fig5_9_cartpole_varyhp.pdf", "fig5_9_cmc_default.pdf",
        "fig5_9_cmc_varyhp.pdf"]


def test_laptop_builds_cliff_and_the_cartpole_ses(config):
    plan = plan_at(config, "laptop")
    # issue 20: Fig. 3's fixed-HP SEs on CartPole, 3 NES runs; no opt or varyhp SE, no Acrobot
    assert plan.se_evaluated and plan.baseline_variant == "fixhp"
    assert plan.fig2_logs == [("cartpole", "fixhp", f"results/laptop/lse/train_se/cartpole/fixhp/seed{s}/log.csv")
                              for s in range(3)]
    assert plan.se_models("cartpole", "se_fixhp")[-1] == "results/laptop/lse/train_se/cartpole/fixhp/seed2/model.pt"
    assert plan.claim_se == ["results/laptop/lse/eval_se/cartpole/ddqn/real.csv",
                             "results/laptop/lse/eval_se/cartpole/ddqn/se_fixhp.csv"]
    assert plan.fig3_inputs("cartpole") == [f"results/laptop/lse/eval_se/cartpole/ddqn/{m}.csv"
                                            for m in ("real", "se_fixhp")]
    # Fig. 4 and the MBRL baseline use the fixhp SEs (the paper: varyhp)
    assert plan.fig_mbrl_inputs() == [f"results/laptop/lse/eval_se/cartpole/ddqn/{m}.csv"
                                      for m in ("real", "se_fixhp", "mbrl")]
    assert plan.mbrl_transitions("cartpole", 2) == "results/laptop/lse/train_se/cartpole/fixhp/seed2/real_transitions.npz"
    assert plan.mbrl_models("cartpole")[-1] == "results/laptop/lse/mbrl_fit/cartpole/model_seed2.pt"
    # the laptop's NES: the published fixhp NES, 16 unperturbed evaluations, the 57x1 optimised agent
    se = plan.train_se_params("cartpole", "fixhp")
    assert se["vary_hp"] is False and se["solved"] == 195.0
    assert se["nes"] == {"population": 16, "sigma": 0.05, "step_size": 1.0, "transform": 7, "mirrored": True,
                         "iterations": 20, "quit_when_solved": True, "orig_evals": 16, "nes_step_size": False}
    assert (se["agent"]["hidden_size"], se["agent"]["activation"], se["agent"]["init_episodes"]) == (57, "tanh", 1)
    assert se["inner"]["train_episodes"] == 20 and se["record_agents"] == 3
    ev = plan.eval_se_params("cartpole", "ddqn")
    assert (ev["n_models"], ev["agents_per_model"], ev["inner"]["train_episodes"]) == (3, 5, 100)
    # evaluation agents vary their HPs around the agent the SEs were trained with, as in the paper
    assert ev["agent"] == se["agent"] and ev["solved"] == 195.0
    assert plan.rn_protocols == [("cliff", "default"), ("cliff", "varyhp"), ("cliff", "transfer")]
    assert plan.fig10_modes == [1, 2, 5, 6]
    assert list(plan.claim_rn) == [("cliff", p, m) for p in ("default", "varyhp") for m in (2, 6, 0)]
    assert plan.summary_tables == ["figures/lse/table_rn_steps_to_threshold.csv",
                                   "figures/lse/table_fig2_se_training.csv",
                                   "figures/lse/table_fig3_cartpole.csv"]
    assert plan.stepsize_mirrored == [True]
    assert plan.stepsize_configs[:2] == [{"transform": 0, "step_size": 0.1, "mirrored": True},
                                         {"transform": 0, "step_size": 0.5, "mirrored": True}]
    assert plan.stepsize_configs[-1] == {"transform": 7, "step_size": 2.0, "mirrored": True}
    built = {p.split("/", 2)[2] for p in plan.targets.built()}
    assert built == ({"table_rn_steps_to_threshold.md", "fig2_se_training.pdf", "table_fig2_se_training.md",
                      "fig3_cartpole_kde.pdf", "fig3_cartpole_bars.pdf", "table_fig3_cartpole.md",
                      "fig_mbrl_baseline_kde.pdf", "fig_mbrl_baseline_bars.pdf", "table_mbrl_baseline.md",
                      "fig11_stepsize_mirrored.pdf", "summary.md"}
                     | {f"fig4_cartpole_hist_{d}.pdf" for d in ("x", "x_dot", "theta", "theta_dot", "reward")}
                     | {f"fig5_9_cliff_{p}.pdf" for p in ("default", "varyhp", "transfer")}
                     | {f"fig10_cliff_mode{m}{v}.pdf" for m in (1, 2, 5, 6) for v in ("", "_simplified")}
                     | {f"table_fig10_cliff_rewards_mode{m}.csv" for m in (1, 2, 5, 6)})
    out = left_out(plan)
    # Acrobot's SE targets (Fig. 7/8) give the laptop's measured reason (config/lse.yaml: laptop.se.left_out)
    se_reason = plan.se["left_out"]
    assert "one member at a time" in se_reason and "docs/fidelity/lse.md" in se_reason
    assert out["fig7_acrobot_kde.pdf"] == out["fig8_acrobot_hist_dtheta2.pdf"] == se_reason
    # the varied-HP SE claims read Fig. 3's table, built here: they are left out by claim id
    assert plan.claims_left_out == {"lse_cartpole_se_fewer_steps": se_reason, "lse_cartpole_se_solves": se_reason}
    assert plan_at(config, "smoke").claims_left_out == {}
    assert out["fig11_stepsize_plain.pdf"] == "laptop scale runs the mirrored panel only (a small Fig 11)"
    assert out["fig5_9_halfcheetah_default.pdf"] == (
        "halfcheetah RNs (default) need cluster CPU-hours; laptop scale runs cliff (default, varyhp, transfer)")
    # the seeds column: NES runs and agents, from the laptop settings
    rec = {r["path"]: r for r in plan.targets.records()}
    assert rec["figures/lse/fig2_se_training.pdf"]["seeds"] == "NES runs per env: 3 fixhp; 3 SEs x 5 agents"
    assert rec["figures/lse/fig5_9_cliff_default.pdf"]["seeds"] == "4 NES runs per mode; 10 RNs x 10 agents"
    assert rec["figures/lse/fig5_9_cmc_default.pdf"]["seeds"] == "–"
    assert rec["figures/lse/fig11_stepsize_mirrored.pdf"]["seeds"] == "24 NES runs (transform x step size)"
    assert rec["figures/lse/table_rn_steps_to_threshold.md"]["seeds"] == (
        "cliff: 4 NES runs per mode; 10 RNs x 10 agents")
    assert rec["figures/lse/summary.md"]["seeds"] == "see each claim"


def test_targets_in_manifest_order_at_paper_scale(config):
    plan = plan_at(config, "paper")
    keys = plan.targets.keys()
    assert keys[:5] == ["fig2_se_training.pdf", "table_fig2_se_training.md", "fig3_cartpole_kde.pdf",
                        "fig3_cartpole_bars.pdf", "table_fig3_cartpole.md"]
    assert keys[5:10] == [f"fig4_cartpole_hist_{d}.pdf" for d in ("x", "x_dot", "theta", "theta_dot", "reward")]
    assert keys[-3:] == ["fig11_stepsize_mirrored.pdf", "fig11_stepsize_plain.pdf", "summary.md"]
    assert keys.index("fig5_9_halfcheetah_default.pdf") + 1 == keys.index("table_rn_steps_to_threshold.md")
    rec = plan.targets.target("fig7_acrobot_kde.pdf")
    assert (rec.reproduces, rec.runs) == ("Fig. 7", "NES runs per env: 40 opt, 40 fixhp, 40 varyhp; 40 SEs x 10 agents")
    assert plan.targets.target("fig8_acrobot_hist_reward.pdf").reproduces == "Fig. 8"
    assert plan.targets.target("table_fig10_cliff_rewards_mode5.csv").reproduces == "Fig. 10"
    assert plan.fig11_outs_arg() == ("--mirrored-out figures/lse/fig11_stepsize_mirrored.pdf"
                                     " --plain-out figures/lse/fig11_stepsize_plain.pdf")
    assert plan.fig5_9_figs_arg().split()[0] == "cliff/default=figures/lse/fig5_9_cliff_default.pdf"


def test_emptied_env_lists_move_targets_to_left_out(config):
    # no SE envs at paper scale: Fig. 2/3/4/7/8 and the MBRL baseline are left out, with the scale's reason
    plan = plan_at(config, "paper", lambda c: c["se"].update(envs=[]))
    out = left_out(plan)
    assert len(out) == 2 + 18 + 3
    assert set(out.values()) == {"SE training and its 4000-agent evaluations need cluster CPU-hours;"
                                 " not run at paper scale (config/lse.yaml)"}
    assert plan.fig2_logs == [] and plan.claim_se == []
    assert plan.targets.target("fig2_se_training.pdf").runs == "–"
    # no Cliff RNs: its Fig. 5/9 panels and all of Fig. 10 are left out, the rest still built
    plan = plan_at(config, "paper", lambda c: c["rn"].update(envs=["cartpole", "cmc"]))
    out = left_out(plan)
    assert sorted(out) == sorted(
        [f"fig5_9_cliff_{p}.pdf" for p in ("default", "varyhp", "transfer")] + ["fig5_9_halfcheetah_default.pdf"]
        + [f"fig10_cliff_mode{m}{v}.pdf" for m in (1, 2, 5, 6) for v in ("", "_simplified")]
        + [f"table_fig10_cliff_rewards_mode{m}.csv" for m in (1, 2, 5, 6)])
    assert out["fig10_cliff_mode2.pdf"] == "Cliff mode 2 is not trained at paper scale (modes here: none)"
    assert out["fig5_9_cliff_varyhp.pdf"] == (
        "cliff RNs (varyhp) need cluster CPU-hours; paper scale runs cartpole (default, varyhp, transfer),"
        " cmc (default, varyhp, transfer)")
    assert plan.fig10_modes == [] and plan.claim_rn == {}
    # a smoke scale without the fixhp SEs evaluates none: Fig. 3/4/7/8 and MBRL left out, Fig. 2 built
    plan = plan_at(config, "smoke", lambda c: c["se"].update(variants=["opt", "varyhp"]))
    assert not plan.se_evaluated
    assert plan.targets.target("fig2_se_training.pdf").built
    assert not plan.targets.target("fig4_cartpole_hist_x.pdf").built
    assert plan.summary_tables == ["figures/lse/table_rn_steps_to_threshold.csv",
                                   "figures/lse/table_fig2_se_training.csv"]


def test_stage_parameters(config):
    plan = plan_at(config, "smoke")
    se = plan.train_se_params("acrobot", "varyhp")
    assert se["vary_hp"] is True and se["env"] == "acrobot" and se["solved"] == -100.0
    assert se["nes"]["population"] == 2 and se["record_agents"] == 1 and se["inner"]["episode_cap"] == 40
    ev = plan.eval_rn_params("cliff")
    assert (ev["env"], ev["solved"], ev["n_models"], ev["episodes"], ev["info_keys"]) == ("cliff", -20.0, 1, 30, [])
    # n_models is capped by the RNs select_rn keeps
    assert plan_at(config, "laptop").eval_rn_params("cliff")["n_models"] == 4
    assert plan_at(config, "paper").eval_rn_params("halfcheetah")["info_keys"][0] == "x_position"
    rn = plan.train_rn_params("cmc")
    assert "eval" not in rn and "modes" not in rn
    assert (rn["env"], rn["nes"]["iterations"], rn["unsolved_weight"]) == ("cmc", 2, 100.0)
    assert rn["inner"]["episode_cap"] == 40
    assert plan.mbrl_fit_params("cartpole") == {"net": {"activation": "leakyrelu", "hidden_size": 128,
                                                        "hidden_layer": 1},
                                                "lr": 1.0e-4, "batch_size": 1024, "epochs": 1, "env": "cartpole"}
    assert plan.mbrl_eval_params("cartpole", "ddqn")["n_models"] == 1
    assert plan.eval_se_params("cartpole", "td3discrete")["agent"]["layer_norm"] is True
    assert plan.se_transitions_params("acrobot", "ddqn")["n_agents"] == 1
    assert json.loads(json.dumps(plan.stepsize_params()))["configs"] == plan.stepsize_configs
    assert plan.fig10_gamma() == 0.8


def test_inputs(config):
    plan = plan_at(config, "paper")
    assert plan.se_models("cartpole", "real") == []
    fixhp = plan.se_models("acrobot", "se_fixhp")
    assert len(fixhp) == 40 and fixhp[39] == "results/paper/lse/train_se/acrobot/fixhp/seed39/model.pt"
    assert plan.rn_selected("cliff", "-1") == [] and plan.rn_selected("cliff", "0") == []
    assert plan.rn_selected("cliff", "5") == ["results/paper/lse/select_rn/cliff/mode5/best.json"]
    assert len(plan.rn_models("cmc", "6")) == 20
    assert plan.rn_models("cmc", "6")[0] == "results/paper/lse/train_rn/cmc/mode6/seed0/model.pt"
    assert plan.mbrl_models("cartpole")[-1] == "results/paper/lse/mbrl_fit/cartpole/model_seed4.pt"
    # 3 agent kinds x (real, se_fixhp, se_varyhp)
    assert len(plan.fig3_inputs("acrobot")) == 9
    assert plan.fig_mbrl_inputs()[:3] == [f"results/paper/lse/eval_se/cartpole/ddqn/{m}.csv"
                                          for m in ("real", "se_varyhp", "mbrl")]
    assert plan.transitions_input("cartpole") == "results/paper/lse/se_transitions/cartpole/ddqn.npz"
    assert plan_at(config, "smoke").fig3_inputs("acrobot") == [
        f"results/smoke/lse/eval_se/acrobot/ddqn/{m}.csv" for m in ("real", "se_fixhp", "se_varyhp")]


def test_wildcards_keep_mbrl_apart_from_eval_se(config):
    import re
    wc = plan_at(config, "smoke").wildcards()
    assert re.fullmatch(wc["semode"], "se_varyhp") and not re.fullmatch(wc["semode"], "mbrl")
    assert re.fullmatch(wc["rnmode"], "-1") and not re.fullmatch(wc["env"], "cart_pole")
    wc["env"] = "x"  # a copy: the rules' constraints stay
    assert plan_at(config, "smoke").wildcards()["env"] == "[a-z]+"
