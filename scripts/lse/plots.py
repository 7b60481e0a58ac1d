"""Shared helpers of the LSE figure and table steps (host stack: pandas, seaborn)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from scripts.common.stats import BOOTSTRAP_SEED, bootstrap_ci
from scripts.common.tables import fmt_ci, load_reported

MODE_LABEL = {-1: "native + bonus", 0: "native", 1: "excl. potential", 2: "add. potential",
              3: "excl. potential + info", 4: "add. potential + info", 5: "excl. non-potential",
              6: "add. non-potential", 7: "excl. non-potential + info",
              8: "add. non-potential + info", 101: "excl. linear info", 102: "add. linear info"}
SE_MODE_LABEL = {"real": "train: real", "se_fixhp": "train: synth., HPs: fixed",
                 "se_varyhp": "train: synth., HPs: varied", "mbrl": "supervised (corrected)"}


def density_by_group(ax, df: pd.DataFrame, metric: str, by: str) -> None:
    """One filled KDE of ``metric`` per ``by`` group; a vertical line where a group has no spread
    (a KDE of identical values is undefined)."""
    for i, (name, g) in enumerate(df.groupby(by)):
        vals, color = g[metric].to_numpy(float), f"C{i}"
        if len(vals) > 1 and np.std(vals) > 0:
            sns.kdeplot(x=vals, ax=ax, label=name, fill=True, alpha=0.25, cut=0, color=color)
        else:
            ax.axvline(vals.mean(), label=name, color=color)
    ax.legend(fontsize=7)


def ci_str(values, digits=1):
    est = bootstrap_ci(values)
    return fmt_ci(est.point, est.low, est.high, digits), est


def ratio_ci(num, den, n_resamples=10_000, seed=BOOTSTRAP_SEED):
    """mean(num) / mean(den) with a percentile-bootstrap CI (groups resampled independently)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    num, den = num[np.isfinite(num)], den[np.isfinite(den)]
    if num.size == 0 or den.size == 0 or num.mean() == 0:
        return float("nan"), float("nan"), float("nan")
    point = den.mean() / num.mean()  # speed-up: baseline steps / RN steps
    if num.size < 2 or den.size < 2:
        return point, float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    bn = rng.choice(num, (n_resamples, num.size)).mean(1)
    bd = rng.choice(den, (n_resamples, den.size)).mean(1)
    r = bd / np.maximum(bn, 1e-12)
    return point, float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5))


def reported(target, env=None):
    rep = load_reported("lse")
    rep = rep[rep["target"] == target]
    if env is not None:
        rep = rep[rep["env"] == env]
    return rep


def reported_value(rep: pd.DataFrame, **match):
    sel = rep
    for k, v in match.items():
        sel = sel[sel[k].astype(str) == str(v)]
    return float(sel["value"].iloc[0]) if len(sel) else float("nan")


def bars_with_runs(ax, w: pd.DataFrame, hue: str) -> None:
    """Bars of the real test return per agent and ``hue`` (95% CI) with each run, one model's
    agents averaged, drawn as a point when a bar has at most MAX_RUN_POINTS runs."""
    import seaborn as sns

    from scripts.common.plotting import MAX_RUN_POINTS

    order = list(dict.fromkeys(w[hue]))
    sns.barplot(data=w, x="agent", y="test_return", hue=hue, hue_order=order,
                errorbar=("ci", 95), ax=ax, seed=12345)
    runs = w.groupby(["agent", hue, "seed"], as_index=False)["test_return"].mean()
    if len(runs) and runs.groupby(["agent", hue]).size().max() <= MAX_RUN_POINTS:
        sns.stripplot(data=runs, x="agent", y="test_return", hue=hue, hue_order=order,
                      dodge=True, jitter=False, ax=ax, palette=["0.15"] * len(order), size=3.5,
                      legend=False)
