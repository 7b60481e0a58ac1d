"""Each paper's claims step turns known per-run inputs into known claims.csv rows, and the
scorecard CLI writes the verdicts of those rows."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.common import scorecard as sc
from scripts.common.verdict import CONTRADICTED, HOLDS, NOT_RUN, NOT_SHOWN


def test_fdt_rows_are_paired_differences_per_seed():
    from scripts.fdt.claims import claim_rows

    rows = []
    for seed, (f, d, b) in enumerate([(10, 4, 1), (12, 5, 2), (9, 9, 3)]):
        for model, setting, v in (("fdt", "main", f), ("dt", "base", d), ("bc", "base", b)):
            rows.append({"game": "breakout", "model": model, "setting": setting, "seed": seed,
                         "setup": "sampling", "rtg_label": "90", "value": float(v)})
    common = {"games": ["breakout"], "main_rtg": {"breakout": 90}, "main": {"breakout": "main"},
              "seeds": [0, 1, 2]}
    out = pd.DataFrame(claim_rows(pd.DataFrame(rows), common))
    dt = out[out.claim == "fdt_beats_dt_breakout"].value.tolist()
    bc = out[out.claim == "fdt_beats_bc_breakout"].value.tolist()
    assert dt == [6.0, 7.0, 0.0] and bc == [9.0, 10.0, 6.0]


def test_lse_rn_rows_give_two_arms_of_group_steps():
    from scripts.lse.claims import rn_rows

    def run_set(steps_to_threshold, groups):
        n = len(groups)
        return {"lengths": np.full((n, 4), 25), "steps_to_threshold": np.asarray(steps_to_threshold, float),
                "group": np.asarray(groups), "test_returns": np.zeros((n, 4))}

    runs = {("cliff", "default", 0): run_set([400, 600, np.inf, 500], [0, 0, 1, 1]),
            ("cliff", "default", 6): run_set([100, 100, 50, 150], [0, 0, 1, 1])}
    out = pd.DataFrame(rn_rows(runs))
    out = out[out.claim == "lse_cliff_rn_add_nonpot_speedup"]
    # native: group 0 mean(400, 600) = 500; group 1 mean(censored 100 total, 500) = 300
    assert out[out.arm == "a"].value.tolist() == [500.0, 300.0]
    assert out[out.arm == "b"].value.tolist() == [100.0, 100.0]
    assert "lse_cliff_rn_add_pot_speedup" not in set(out.claim)


def test_lse_se_claims_read_the_modes_the_plan_leaves_out_by():
    from scripts.lse.claims import SE_CLAIMS, SOLVE_CLAIMS
    from scripts.lse.plan import SE_CLAIM_MODES

    modes = {c: v[3] for c, v in SE_CLAIMS.items()} | {c: v[2] for c, v in SOLVE_CLAIMS.items()}
    assert modes == SE_CLAIM_MODES


def test_lse_se_rows_steps_arms_and_solved_fraction_per_se():
    from scripts.lse.claims import se_rows

    def rows(method, seed, returns, steps):
        return ([{"agent": "ddqn", "env": "cartpole", "method": method, "seed": seed, "metric": "test_return",
                  "value": float(r)} for r in returns]
                + [{"agent": "ddqn", "env": "cartpole", "method": method, "seed": seed, "metric": "steps",
                    "value": float(s)} for s in steps])

    frame = pd.DataFrame(rows("real", 0, [200, 150], [10000, 20000]) + rows("se_varyhp", 0, [200, 195, 20, 9], [4000] * 4)
                         + rows("se_varyhp", 1, [194.9, 10], [2000, 6000]))
    out = pd.DataFrame(se_rows(frame))
    steps = out[out.claim == "lse_cartpole_se_fewer_steps"]
    assert steps[steps.arm == "a"].value.tolist() == [15000.0]
    assert steps[steps.arm == "b"].value.tolist() == [4000.0, 4000.0]
    # solved = mean real test return >= 195: SE 0 has 2 of 4 agents, SE 1 none (194.9 is short)
    solves = out[out.claim == "lse_cartpole_se_solves"]
    assert solves.value.tolist() == [0.5, 0.0] and set(solves.arm) == {""}
    assert solves.run.tolist() == ["se_varyhp-seed0", "se_varyhp-seed1"]
    # no agent trained on a fixed-HP SE: the fixed-HP claims get no row at all (not a lone arm)
    assert not {"lse_cartpole_se_fixhp_fewer_steps", "lse_cartpole_se_fixhp_solves"} & set(out.claim)
    # only fixed-HP SEs (the laptop): their claims, and none of the varied-HP ones
    fix = pd.DataFrame(se_rows(frame.replace({"method": {"se_varyhp": "se_fixhp"}})))
    assert set(fix.claim) == {"lse_cartpole_se_fixhp_fewer_steps", "lse_cartpole_se_fixhp_solves"}
    assert fix[fix.claim == "lse_cartpole_se_fixhp_solves"].value.tolist() == [0.5, 0.0]


def test_irrl_ram_rows_in_percentage_points():
    from scripts.irrl.claims import ram_rows

    summ = pd.DataFrame([{"kind": "train", "model": "ram", "detach": "official", "reward": r,
                          "seed": s, "final_val_acc": v, "auc_val_acc": v / 2}
                         for r, vals in (("lin_clip", [0.9, 0.8]), ("log_clip", [0.85, 0.8]),
                                         ("acc", [0.5, 0.6]))
                         for s, v in zip((1, 2), vals)])
    out = pd.DataFrame(ram_rows(summ))
    assert out[out.claim == "irrl_lin_beats_log"].value.tolist() == pytest.approx([5.0, 0.0])
    assert out[out.claim == "irrl_lin_beats_acc"].value.tolist() == pytest.approx([40.0, 20.0])
    assert out[out.claim == "irrl_lin_beats_log_auc"].value.tolist() == pytest.approx([2.5, 0.0])
    assert out[out.claim == "irrl_lin_beats_acc_auc"].value.tolist() == pytest.approx([20.0, 10.0])


def test_dsi_attack_rows_average_rallies_within_a_variant(tmp_path):
    from scripts.dsi.claims import attack_rows

    items = []
    for variant in ("inpolicy-S", "cross-step"):
        for k in (5, 20):
            for method, e1 in (("dsi", [-1, -1, 1, 0]), ("random", [1, 1, 1, 0])):
                path = tmp_path / f"{variant}_{k}_{method}.csv"
                pd.DataFrame({"e0": [1, 1, 1, 0], "e1": e1}).to_csv(path, index=False)
                items.append(f"{variant}:{k}:{method}:{path}")
    out = attack_rows(items)
    # at k = 20: dsi drops (2 + 2 + 0 + 0) / 4 = 1, random 0 -> one run per variant, value 1
    assert sorted(r["run"] for r in out) == ["cross-step", "inpolicy-S"]
    assert all(r["value"] == 1.0 for r in out)


def test_trex_mujoco_rows_subtract_the_stages_best_demo(tmp_path):
    from scripts.trex.claims import mujoco_rows

    meta = tmp_path / "demos" / "halfcheetah" / "demos_meta.csv"
    meta.parent.mkdir(parents=True)
    pd.DataFrame({"checkpoint": [0, 5, 10, 50], "distance": [1.0, 4.0, 9.0, 99.0],
                  "return": [0, 0, 0, 0]}).to_csv(meta, index=False)
    evals = pd.DataFrame({"env": "halfcheetah", "set": "stage1", "metric": "distance",
                          "seed": [0, 0, 1], "value": [10.0, 14.0, 5.0]})
    stages = {"halfcheetah": {"stage1": {"first": 0, "last": 10, "step": 5}}}
    out = mujoco_rows(evals, [str(meta)], stages)
    assert [(r["claim"], r["run"], r["value"]) for r in out] == [
        ("trex_halfcheetah1_beats_demo", "seed0", 3.0), ("trex_halfcheetah1_beats_demo", "seed1", -4.0)]


def test_scorecard_cli_writes_verdicts(tmp_path):
    claims = tmp_path / "claims.yaml"
    claims.write_text(
        "p:\n"
        "  - {id: up, claim: 'A > B', source: T1, target: figures/p/t.csv, statistic: A-B,"
        " kind: difference, null_value: 0, direction: greater, paper: 3}\n"
        "  - {id: down, claim: 'C > D', source: T1, target: figures/p/t.csv, statistic: C-D,"
        " kind: difference, null_value: 0, direction: greater, paper: 1}\n"
        "  - {id: few, claim: 'E > F', source: F2, target: figures/p/t.csv, statistic: E-F,"
        " kind: difference, null_value: 0, direction: greater, paper: 1}\n"
        "  - {id: gone, claim: 'G > H', source: F3, target: figures/p/f.pdf, statistic: G-H,"
        " kind: ratio, null_value: 1, direction: greater, paper: 2}\n")
    runs = tmp_path / "runs.csv"
    sc.write_runs(str(runs), [{"claim": "up", "run": f"s{i}", "value": v} for i, v in enumerate([5, 6, 7])]
                  + [{"claim": "down", "run": f"s{i}", "value": v} for i, v in enumerate([-5, -6, -7])]
                  + [{"claim": "few", "run": f"s{i}", "value": v} for i, v in enumerate([5, 6])])
    md, csv = tmp_path / "scorecard.md", tmp_path / "scorecard.csv"
    sc.main(["--scale", "smoke", "--claims", str(claims), "--runs", str(runs),
             "--left-out", '{"figures/p/f.pdf": "needs a GPU"}', "--out-md", str(md),
             "--out-csv", str(csv)])
    frame = pd.read_csv(csv)
    assert list(frame.verdict) == [HOLDS, CONTRADICTED, NOT_SHOWN, NOT_RUN]
    text = md.read_text()
    assert "6.00 [3.52, 8.48]" in text and "needs a GPU" in text and "5.50 (no CI)" in text
    assert "Scale: **smoke**" in text and "commit" in text


def test_readme_scorecard_embeds_a_laptop_scorecard_between_the_markers():
    from scripts.tools.readme_scorecard import BEGIN, END, embed

    readme = f"intro\n{BEGIN}\nold\n{END}\nrest\n"
    card = "# Scorecard\n\nScale: **laptop**; commit abc.\n\n## trex\n\n| a |\n"
    out = embed(readme, card, built="2026-12-06 22:34 UTC")
    assert out.startswith("intro\n") and out.endswith("rest\n") and "old" not in out
    assert "Scale: **laptop**; built 2026-12-06 22:34 UTC, commit abc." in out and "#### trex" in out
    with pytest.raises(ValueError, match="scale"):
        embed(readme, card.replace("laptop", "smoke"))


def test_manifest_combines_paper_manifests_and_the_scorecard_rows(tmp_path):
    from scripts.common.manifest import main as manifest

    (tmp_path / "card.md").write_text("x\n")
    part = tmp_path / "p.tsv"
    part.write_text("path\tpaper\treproduces\tscale\tseeds\tstatus\tsha256\tenv_lane\n"
                    "figures/p/t.csv\tp\tTable 1\tsmoke\t3\tbuilt\tabc\tpinned\n")
    extra = [{"path": str(tmp_path / "card.md"), "paper": "all", "reproduces": "Scorecard",
              "seeds": "", "left_out": ""}]
    import json

    out = tmp_path / "all"
    manifest(["--scale", "smoke", "--combine", str(part), "--extra-targets", json.dumps(extra),
              "--out", str(out)])
    frame = pd.read_csv(out, sep="\t", dtype=str, keep_default_na=False)
    assert list(frame.paper) == ["p", "all"] and frame.status.tolist() == ["built", "built"]
    assert frame.env_lane.tolist() == ["pinned", "pinned"]


def test_fdt_tables_print_the_verdict_not_a_sign_match():
    # the case: FDT 4.67 vs DT 2.33 over 3 seeds (delta +100%) is not a match
    from scripts.fdt.tables import _verdict_cols, direction_of, paired_diffs

    fdt = pd.Series([7.0, 0.0, 7.0], index=[0, 1, 2])
    dt = pd.Series([0.0, 7.0, 0.0], index=[0, 1, 2])
    cols = _verdict_cols(paired_diffs(fdt, dt), paper_delta=11.0)
    assert cols["verdict (paper's direction)"] == NOT_SHOWN
    assert cols["FDT − DT, paired [95% CI]"].startswith("2.33 [")
    assert direction_of(-16.0) == "less" and direction_of(float("nan")) == "greater"
    strong = _verdict_cols(np.array([5.0, 6.0, 7.0]), paper_delta=11.0)
    assert strong["verdict (paper's direction)"] == HOLDS
