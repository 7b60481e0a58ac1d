"""The MinAtar stand-in end to end at smoke scale, through Snakemake in a temporary copy of the
repository: demonstrator -> demos and held-out -> pairs -> reward -> PPO (T-REX and control) ->
evaluation and random policy -> table, extrapolation and attention figures, claims."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.workflow.helpers import copy_repo, snakemake

TARGETS = ["figures/trex/table1_minatar.md", "figures/trex/fig_extrapolation_minatar.pdf",
           "figures/trex/fig_attention_minatar_breakout.pdf", "results/smoke/trex/claims_minatar.csv"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("minatar") / "repo")
    proc = snakemake("--cores", "2", *TARGETS, "--config", "scale=smoke", cwd=repo, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-6000:]
    return repo


@pytest.mark.slow
def test_minatar_smoke_chain_builds_every_target(repo):
    for target in TARGETS + ["figures/trex/table1_minatar.csv"]:
        assert (repo / target).stat().st_size > 0, target
    table = pd.read_csv(repo / "figures/trex/table1_minatar.csv")
    assert list(table.game) == ["breakout (MinAtar stand-in)"]
    row = table.iloc[0]
    assert row.demos == 3 and row.best_demo >= row.avg_demo and row.rl_seeds == 1
    assert row.paper_ale_best_demo == 32 and row.scale == "smoke"
    assert "MinAtar stand-in" in (repo / "figures/trex/table1_minatar.md").read_text()
    claims = pd.read_csv(repo / "results/smoke/trex/claims_minatar.csv")
    assert list(claims.claim) == ["trex_minatar_breakout_beats_demo"] and list(claims.run) == ["seed0"]
    assert claims.value.iloc[0] == pytest.approx(
        _mean_return(repo / "results/smoke/trex/minatar/eval/breakout/stage1/seed0.csv") - row.best_demo)


@pytest.mark.slow
def test_minatar_smoke_chain_intermediates(repo):
    res = repo / "results/smoke/trex/minatar"
    pvt = pd.read_csv(res / "pred_vs_true/breakout/stage1/pred_vs_true.csv")
    assert set(pvt.source) == {"demo", "heldout"} and pvt.pred_sigmoid.notna().all()
    assert sorted(pvt[pvt.source == "heldout"].checkpoint.unique()) == [3, 4]
    spec = json.loads((res / "demonstrator/breakout/seed0/checkpoints.json").read_text())
    assert [c["update"] for c in spec] == [0, 1, 2, 3, 4]
    acc = json.loads((res / "reward/breakout/stage1/pair_accuracy.json").read_text())
    assert acc["env"] == "minatar-breakout" and acc["n_pairs"] == 20
    control = pd.read_csv(res / "eval/breakout/control/seed0.csv")
    assert set(control.method) == {"control"}
    rand = pd.read_csv(res / "eval/breakout/random.csv")
    assert set(rand.method) == {"random"} and (rand.metric == "return").sum() == 2
    # every training stage leaves its wall time for the budget tables
    bench = repo / "benchmarks/smoke/trex/minatar"
    for part in ("demonstrator/breakout", "reward/breakout", "policy/breakout/stage1/seed0"):
        assert (bench / f"{part}.tsv").exists(), part


def _mean_return(path):
    frame = pd.read_csv(path)
    return float(frame[frame.metric == "return"].value.mean())
