"""Threads and resources by rule name (scripts/common/resources.py), and the shipped tables."""
from __future__ import annotations

from scripts.common.config import ROOT, load_config, resolve_paper
from scripts.common.resources import DEFAULTS, problems, resolve, rule_names, selector, varying

TABLE = {
    "default": {"runtime": 30, "mem_mb": 4000},
    "x_train": {"threads": 4, "by": "env", "cliff": {"runtime": 15, "threads": 1}},
    "x_fig": {"mem_mb": 16000},
}


def test_default_then_rule_then_variant():
    assert resolve(TABLE, "x_plot") == {"runtime": 30, "mem_mb": 4000, "gpu": 0, "threads": 1}
    assert resolve(TABLE, "x_fig")["mem_mb"] == 16000
    assert resolve(TABLE, "x_train", "hopper") == {"runtime": 30, "mem_mb": 4000, "gpu": 0, "threads": 4}
    assert resolve(TABLE, "x_train", "cliff") == {"runtime": 15, "mem_mb": 4000, "gpu": 0, "threads": 1}
    assert resolve({}, "anything") == DEFAULTS
    assert selector(TABLE, "x_train") == "env" and selector(TABLE, "x_fig") is None
    assert varying(TABLE, "x_train") == ["runtime", "threads"] and varying(TABLE, "x_fig") == []


def test_problems_name_unknown_rules_and_variants_without_by():
    assert problems(TABLE, ["x_train", "x_fig"]) == []
    assert problems(TABLE, ["x_train"]) == [("x_fig", "not a rule of this paper's rule file (rules are keyed by name)")]
    assert problems({"x_fig": {"atari": {"gpu": 1}}}, ["x_fig"])[0][0] == "x_fig.atari"


def test_rule_names_reads_named_rules_only(tmp_path):
    f = tmp_path / "r.smk"
    f.write_text('rule a_b:\n    shell: "x"\n\nif X:\n\n    rule c:\n        shell: "y"\n\nrule:\n    name:\n        f"d_{x}"\n')
    assert rule_names(f) == ["a_b", "c"]


def test_a_scale_table_replaces_the_paper_tables():
    # laptop T-REX lists three rules: the paper block's Atari entries are not inherited
    cfg = load_config()
    laptop = resolve_paper(cfg, "trex", "laptop")["resources"]
    assert set(laptop) == set(cfg["trex"]["laptop"]["resources"])
    assert resolve(laptop, "trex_train_policy") == {"runtime": 20, "mem_mb": 2000, "gpu": 0, "threads": 1}
    paper = resolve_paper(cfg, "trex", "paper")["resources"]
    assert resolve(paper, "trex_train_policy", "atari") == {"runtime": 2880, "mem_mb": 16000, "gpu": 1, "threads": 8}


def test_no_table_restates_its_default():
    cfg = load_config()
    for paper in cfg["papers"]:
        for scale in ("smoke", "laptop", "paper"):
            table = resolve_paper(cfg, paper, scale).get("resources") or {}
            base = resolve(table, "")
            for name, entry in table.items():
                if name == "default":
                    assert all(DEFAULTS[k] != v for k, v in entry.items()), (paper, scale, name)
                    continue
                flat = {k: v for k, v in entry.items() if k in DEFAULTS}
                assert all(base[k] != v for k, v in flat.items()), (paper, scale, name, flat)
    assert set(rule_names(ROOT / "Snakefile")) >= {"scorecard", "manifest_all", "manifest_paper"}
