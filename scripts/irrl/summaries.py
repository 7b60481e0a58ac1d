"""Shared helpers of the IRRL tables and figures: run metrics, curve summaries, reported values."""
from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional

import numpy as np
import pandas as pd

from scripts.common.verdict import t_interval
from scripts.common.tables import fmt_ci, load_reported
from scripts.common.io import DamagedFileError, read_csv_checked, read_json
from scripts.irrl.rewards import PAPER_LABELS

RUN_RE = re.compile(r"(?P<kind>train|rh)/(?:(?P<model>ram|dtram)/)?(?P<reward>[a-z_]+)/"
                    r"(?:(?P<detach>official|detached)/)?seed(?P<seed>\d+)/metrics\.csv$")
COLORS = {"lin_clip": "#0072B2", "log_clip": "#009E73", "acc": "#D55E00", "log_noclip": "#CC79A7",
          "lin_noclip": "#56B4E9", "disdain": "#E69F00", "pm1": "#7F7F7F"}
ORDER = ["lin_clip", "log_clip", "acc", "lin_noclip", "log_noclip", "disdain"]


def label(reward: str) -> str:
    return PAPER_LABELS.get(reward, reward)


def read_metrics(path: str) -> pd.DataFrame:
    """One run's metrics.csv, checked: an ``epoch`` and a ``val_acc`` in every row, epochs 0..E in
    order, and E the run's ``epochs`` where its resolved config.json (beside it) says so."""
    df = read_csv_checked(path, columns=["epoch", "val_acc"], no_na=["epoch", "val_acc"])
    cfg_path = os.path.join(os.path.dirname(path), "config.json")
    planned = None
    if os.path.exists(cfg_path):
        params = read_json(cfg_path).get("params")
        if isinstance(params, dict) and isinstance(params.get("epochs"), int):
            planned = params["epochs"]
            if len(df) != planned + 1:
                raise DamagedFileError(path, f"has {len(df)} data rows, expected {planned + 1} "
                                             f"(epochs 0..{planned}, as {cfg_path} says)")
    if list(df["epoch"]) != list(range(len(df))):
        raise DamagedFileError(path, "epochs are not 0, 1, 2, ... in order")
    return df


def load_runs(paths: Iterable[str]) -> pd.DataFrame:
    """Concatenate metrics.csv files, tagged with kind/model/reward/detach/seed from the path."""
    frames = []
    for path in paths:
        m = RUN_RE.search(path.replace(os.sep, "/"))
        if not m:
            raise ValueError(f"not a run's metrics.csv: {path}")
        df = read_metrics(path)
        for key, value in m.groupdict().items():
            df[key] = value if value is not None else ("ram" if key == "model" else "official")
        df["seed"] = int(m.group("seed"))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def per_seed_summary(df: pd.DataFrame, thresholds=(0.5, 0.7, 0.8), last: int = 3) -> pd.DataFrame:
    """Per run: final validation accuracy (mean of the last ``last`` epochs), AUC (mean validation
    accuracy over epochs 1..N) and the first epoch reaching each threshold (NaN if never)."""
    rows = []
    keys = ["kind", "model", "reward", "detach", "seed"]
    for k, g in df.groupby(keys):
        g = g.sort_values("epoch")
        tr = g[g["epoch"] > 0]
        row = dict(zip(keys, k))
        row["final_val_acc"] = float(tr["val_acc"].tail(last).mean())
        row["auc_val_acc"] = float(tr["val_acc"].mean())
        row["epochs"] = int(tr["epoch"].max())
        for th in thresholds:
            hit = tr[tr["val_acc"] >= th]
            row[f"epochs_to_{int(th * 100)}"] = float(hit["epoch"].min()) if len(hit) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def ci_cell(values, scale: float = 100.0, digits: int = 1) -> str:
    """Mean over seeds with the 95% t-interval of the verdict rule (scripts/common/verdict.py):
    no interval from fewer than 3 seeds, and none that collapses at 3 to 5 seeds."""
    est = t_interval(np.asarray(values, dtype=float) * scale)
    if not np.isfinite(est.point):
        return "–"
    if not est.has_interval:
        return f"{est.point:.{digits}f} (n={est.n}, no CI)"
    return fmt_ci(est.point, est.low, est.high, digits)


def paired_diff(summary: pd.DataFrame, a: str, b: str, metric: str, **where) -> Dict[str, float]:
    """Mean over seeds of (a - b) for seeds present in both, with the 95% t-interval of the
    verdict rule (NaN bounds below 3 seeds)."""
    sel = summary
    for k, v in where.items():
        sel = sel[sel[k] == v]
    pa = sel[sel["reward"] == a].set_index("seed")[metric]
    pb = sel[sel["reward"] == b].set_index("seed")[metric]
    common = sorted(set(pa.index) & set(pb.index))
    d = (pa.loc[common] - pb.loc[common]).to_numpy(dtype=float)
    est = t_interval(d)
    return {"a": a, "b": b, "metric": metric, "n": est.n, "mean": est.point, "low": est.low,
            "high": est.high}


def reported(target: Optional[str] = None) -> pd.DataFrame:
    rep = load_reported("irrl")
    return rep if target is None else rep[rep["target"] == target]


def mean_band(df: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    g = df.groupby(x)[y]
    return pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=0).fillna(0.0), "n": g.size()}).reset_index()


def ordered(rewards: Iterable[str]) -> List[str]:
    rewards = list(dict.fromkeys(rewards))
    return sorted(rewards, key=lambda r: ORDER.index(r) if r in ORDER else len(ORDER))
