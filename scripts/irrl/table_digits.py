"""Digit-recognition table: final validation accuracy, test accuracy, AUC and epochs to 50/70/80 %
per model and reward (95% t-interval over seeds), beside the paper's final value."""
from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from scripts.common.cli import parser, setup
from scripts.common.io import read_json, write_csv
from scripts.common.stats import bootstrap_ci, tidy_frame
from scripts.common.tables import write_table
from scripts.irrl.summaries import ci_cell, label, load_runs, ordered, per_seed_summary, reported

TEST_RE = re.compile(r"test/(?P<model>ram|dtram)/(?P<reward>[a-z_]+)/(?P<detach>official|detached)/"
                     r"seed(?P<seed>\d+)/test\.json$")


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--csv", "--md", "--tidy", "--scale"],
               required_many=["--metrics", "--tests"])
    args = p.parse_args(argv)
    setup(args, config_beside=args.tidy)
    runs = load_runs(args.metrics)
    runs = runs[runs["detach"] == "official"]
    summ = per_seed_summary(runs)
    tests = []
    for path in args.tests:
        m = TEST_RE.search(path.replace("\\", "/"))
        tests.append({**m.groupdict(), "seed": int(m.group("seed")),
                      "test_acc": read_json(path, keys=["test_acc"])["test_acc"]})
    summ = summ.merge(pd.DataFrame(tests), on=["model", "reward", "detach", "seed"], how="left")
    rep = reported()
    rows = []
    tidy = []
    for model in ["ram", "dtram"]:
        for reward in ordered(summ[summ["model"] == model]["reward"].unique()):
            g = summ[(summ["model"] == model) & (summ["reward"] == reward)]
            pv = rep[(rep["target"] == f"fig_{model}_curves") & (rep["method"] == reward)]
            paper_final = float(pv.sort_values("x")["value"].iloc[-1]) if len(pv) else np.nan
            ours_final = bootstrap_ci(100 * g["final_val_acc"].to_numpy()).point
            row = {"model": model.upper().replace("DTRAM", "DT-RAM"), "reward": label(reward),
                   "seeds": len(g), "epochs": int(g["epochs"].max()),
                   "final val acc % (ours)": ci_cell(g["final_val_acc"]),
                   "test acc % (ours)": ci_cell(g["test_acc"].dropna()),
                   "AUC val acc % (ours)": ci_cell(g["auc_val_acc"])}
            for th in (50, 70, 80):
                vals = g[f"epochs_to_{th}"]
                row[f"epochs to {th}% (ours)"] = (ci_cell(vals, scale=1.0, digits=0)
                                                  if vals.notna().all() else
                                                  f"{int(vals.notna().sum())}/{len(vals)} reached")
            row["final val acc % (paper, ~ep. 1490)"] = paper_final
            row["delta (ours - paper)"] = (ours_final - paper_final if args.scale == "paper"
                                           else np.nan)
            rows.append(row)
            for _, r in g.iterrows():
                for metric in ("final_val_acc", "auc_val_acc", "test_acc"):
                    tidy.append({"paper": "irrl", "experiment": "digits", "method": reward,
                                 "env": model, "seed": r["seed"], "step": r["epochs"],
                                 "metric": metric, "value": r[metric]})
    table = pd.DataFrame(rows)
    notes = ["final = mean validation accuracy of the last 3 epochs; AUC = mean validation "
             "accuracy over all epochs; test accuracy with deterministic locations (l_0 random, "
             "seeded).",
             "The paper's values are read off its validation curves (no numeric table exists), "
             "approximate to about 1 point."]
    if args.scale != "paper":
        notes.append(f"At {args.scale} scale the data, the model and the training are reduced "
                     "for a CPU (see config/irrl.yaml), with far fewer epochs, so ours and the "
                     "paper's are not comparable and no delta is given.")
    write_table(table, args.csv, args.md, title="IRRL: digit recognition on Cluttered MNIST",
                scale=args.scale, interval="95% t-interval (none from fewer than 3 seeds)", seeds=int(summ["seed"].nunique()), notes=notes)
    write_csv(args.tidy, tidy_frame(tidy))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
