"""scripts.common.plan: the paths and target records every paper's plan is built from."""
from __future__ import annotations

import pytest

from scripts.common.plan import Layout, Targets


def test_layout_paths():
    lay = Layout("trex", "laptop")
    assert lay.res("demos", "hopper", "demos.npz") == "results/laptop/trex/demos/hopper/demos.npz"
    assert lay.log("train", "hopper") == "logs/laptop/trex/train/hopper.log"
    assert lay.bench("rl", "s0") == "benchmarks/laptop/trex/rl/s0.tsv"
    assert lay.fig("table1.md") == "figures/trex/table1.md"


def test_targets_records_in_order_with_reasons():
    t = Targets(Layout("lse", "smoke"), runs=3)
    a = t.add("fig3.pdf", "Fig. 3")
    b = t.add("table2.md", "Table 2", built=False, left_out="needs GPU hours", runs="1 run")
    assert (a, b) == ("figures/lse/fig3.pdf", "figures/lse/table2.md")
    assert t["table2.md"] == b and t.keys() == ["fig3.pdf", "table2.md"]
    assert t.built() == [a]
    assert t.records() == [
        {"path": a, "paper": "lse", "reproduces": "Fig. 3", "seeds": 3, "left_out": ""},
        {"path": b, "paper": "lse", "reproduces": "Table 2", "seeds": "1 run", "left_out": "needs GPU hours"},
    ]


def test_targets_refuse_duplicates_unknown_keys_and_silent_omissions():
    t = Targets(Layout("dsi", "paper"), runs=5)
    t.add("a.pdf", "A")
    with pytest.raises(ValueError, match="declared twice"):
        t.add("a.pdf", "A again")
    with pytest.raises(ValueError, match="give the reason"):
        t.add("b.pdf", "B", built=False)
    with pytest.raises(KeyError, match="no target 'c.pdf'.*declared: a.pdf"):
        t["c.pdf"]


def test_leave_out_all_keeps_own_reasons_and_needs_one():
    t = Targets(Layout("trex", "laptop"), runs=3)
    t.add("table1.csv", "Table 1")
    t.add("fig_hopper.pdf", "Fig. Hopper", built=False, left_out="needs MuJoCo hours")
    with pytest.raises(ValueError, match="give the reason"):
        t.leave_out_all("  ")
    assert t.built() == ["figures/trex/table1.csv"]  # a refused call changes nothing
    t.leave_out_all(" showed nothing at this size ")
    assert t.built() == []
    assert [r["left_out"] for r in t.records()] == ["showed nothing at this size", "needs MuJoCo hours"]
