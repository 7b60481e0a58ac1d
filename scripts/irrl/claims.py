"""Per-run values of IRRL's claims (config/claims.yaml): results/<scale>/irrl/claims.csv.

- RAM rewards: per seed, final validation accuracy (mean of the last epochs) and its AUC (mean
  over all epochs; both from scripts.irrl.summaries.per_seed_summary), in percentage points, of
  clipped linear minus that of the other reward, RAM with the official reward gradient, paired
  by seed.
- Skill discovery: per (environment, seed), plateau skills of clipped linear minus clipped log,
  paired by seed (a run = seed x environment when several four-rooms sizes are run).
"""
from __future__ import annotations

import sys

import pandas as pd

from scripts.common import cli
from scripts.common.cli import parser
from scripts.common.scorecard import write_runs
from scripts.irrl.summaries import load_runs, per_seed_summary

# claim -> (reward a, reward b, metric of per_seed_summary)
RAM_CLAIMS = {"irrl_lin_beats_log": ("lin_clip", "log_clip", "final_val_acc"),
              "irrl_lin_beats_acc": ("lin_clip", "acc", "final_val_acc"),
              "irrl_lin_beats_log_auc": ("lin_clip", "log_clip", "auc_val_acc"),
              "irrl_lin_beats_acc_auc": ("lin_clip", "acc", "auc_val_acc")}
SKILL_CLAIMS = {"irrl_skills_lin_beats_log": ("lin_clip", "log_clip")}


def ram_rows(summary: pd.DataFrame) -> list:
    sel = summary[(summary["kind"] == "train") & (summary["model"] == "ram")
                  & (summary["detach"] == "official")]
    rows = []
    for claim, (a, b, metric) in RAM_CLAIMS.items():
        pa = sel[sel["reward"] == a].set_index("seed")[metric]
        pb = sel[sel["reward"] == b].set_index("seed")[metric]
        for seed in sorted(set(pa.index) & set(pb.index)):
            rows.append({"claim": claim, "run": f"seed{seed}", "arm": "",
                         "value": 100.0 * float(pa[seed] - pb[seed])})
    return rows


def skill_rows(tidy: pd.DataFrame) -> list:
    tidy = tidy[tidy["metric"] == "plateau_skills"]
    rows = []
    for claim, (a, b) in SKILL_CLAIMS.items():
        for env, g in tidy.groupby("env"):
            pa = g[g["method"] == a].set_index("seed")["value"]
            pb = g[g["method"] == b].set_index("seed")["value"]
            for seed in sorted(set(pa.index) & set(pb.index)):
                rows.append({"claim": claim, "run": f"{env}-seed{seed}", "arm": "",
                             "value": float(pa[seed] - pb[seed])})
    return rows


def main(argv=None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False, required=["--out"])
    p.add_argument("--metrics", nargs="*", default=[], help="the runs' metrics.csv files")
    p.add_argument("--skills-tidy", default="", help="tidy plateau skills (irrl_plot_skills)")
    args = p.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    rows = ram_rows(per_seed_summary(load_runs(args.metrics))) if args.metrics else []
    if args.skills_tidy:
        rows += skill_rows(pd.read_csv(args.skills_tidy))
    write_runs(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
