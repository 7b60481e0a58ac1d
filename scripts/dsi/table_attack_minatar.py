"""MinAtar attack table and drop-vs-k figure (rule dsi_minatar_table_attack).

Per attacked agent seed and (method, k): the mean return drop r0 - r1 over its episodes, and
the same relative to the clean mean return (%). The table gives the mean over agent seeds with
a 95% Student-t interval over those seeds (the verdict rule's interval), and the paired
differences DSI - random and DSI - value per seed, the two claims' statistics, and DSI - first
(the episode's first k steps: a position prior, our control, not the paper's)."""
from __future__ import annotations

from typing import List

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.io import read_csv_checked
from scripts.common.tables import fmt_ci, write_table
from scripts.common.verdict import t_interval


def per_seed(data: pd.DataFrame) -> pd.DataFrame:
    """One row per agent seed, method and k: clean and attacked mean return, drop, drop %."""
    g = data.groupby(["agent_seed", "method", "k"])
    out = g.agg(episodes=("r0", "size"), r0=("r0", "mean"), r1=("r1", "mean")).reset_index()
    out["drop"] = out.r0 - out.r1
    out["drop_pct"] = np.where(out.r0 > 0, 100.0 * out["drop"] / out.r0.where(out.r0 > 0, 1.0), np.nan)
    return out


def paired(seeds: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Per agent seed and k: drop of method a minus drop of method b."""
    w = seeds.pivot_table(index=["agent_seed", "k"], columns="method", values="drop").reset_index()
    if a not in w or b not in w:
        return pd.DataFrame(columns=["agent_seed", "k", "value"])
    return pd.DataFrame({"agent_seed": w.agent_seed, "k": w.k, "value": w[a] - w[b]})


def summarise(seeds: pd.DataFrame) -> pd.DataFrame:
    rows: List[dict] = []
    for (method, k), sub in seeds.groupby(["method", "k"], sort=True):
        d, pct = t_interval(sub["drop"]), t_interval(sub["drop_pct"])
        rows.append({"method": method, "k": int(k), "agent seeds": int(len(sub)),
                     "episodes per seed": int(sub.episodes.min()), "clean return": float(sub.r0.mean()),
                     "attacked return": float(sub.r1.mean()), "drop": d.point, "drop_low": d.low,
                     "drop_high": d.high, "drop_pct": pct.point, "drop_pct_low": pct.low,
                     "drop_pct_high": pct.high})
    for other in ("random", "value", "first"):
        diff = paired(seeds, "dsi", other)
        for k, sub in diff.groupby("k", sort=True):
            iv = t_interval(sub["value"])
            rows.append({"method": f"dsi - {other}", "k": int(k), "agent seeds": int(len(sub)),
                         "drop": iv.point, "drop_low": iv.low, "drop_high": iv.high})
    return pd.DataFrame(rows)


def main() -> None:
    p = cli.parser(__doc__.splitlines()[0], seed=False, required=["--scale", "--game", "--csv", "--md", "--fig"])
    p.add_argument("--runs", nargs="+", required=True, help="attack CSVs, one per agent seed")
    args = p.parse_args()
    cli.setup(args)
    data = pd.concat([read_csv_checked(f, columns=["agent_seed", "method", "k", "r0", "r1"], no_na=True)
                      for f in args.runs], ignore_index=True)
    seeds = per_seed(data)
    summ = summarise(seeds)
    n = int(data.agent_seed.nunique())
    table = summ[["method", "k", "agent seeds", "episodes per seed", "clean return", "attacked return"]].copy()
    table["return drop"] = [fmt_ci(a, b, c, 2) for a, b, c in zip(summ["drop"], summ.drop_low, summ.drop_high)]
    table["drop (%)"] = [fmt_ci(a, b, c) if np.isfinite(a) else "" for a, b, c in
                         zip(summ.drop_pct.astype(float), summ.drop_pct_low.astype(float),
                             summ.drop_pct_high.astype(float))]
    write_table(table, args.csv, args.md, title=f"DSI: attack on trained MinAtar {args.game} agents "
                "(MinAtar stand-in for the Pong attack)", scale=args.scale, seeds=n,
                interval="95% Student-t interval", notes=[
                    "MinAtar stand-in: DQN agents trained here on MinAtar "
                    f"{args.game} (one per agent seed); the detector is trained on episodes of "
                    "their checkpoints and the random policy, labelled by return (above / at or "
                    "below the median). The paper attacks A3C agents on the ALE's Pong.",
                    "Methods: the detector's top-k steps (dsi), k random steps (random), the "
                    "agent's top-k steps by max_a Q (value), the episode's first k steps (first: a "
                    "position prior, our control, not the paper's); at each a uniformly random "
                    "different action, replaying the clean episode's env seed.",
                    "Drop = clean minus attacked mean return per agent seed; interval over agent "
                    "seeds. Rows 'dsi - random' and 'dsi - value': paired per seed (the claims); "
                    "'dsi - first': the same, against the position prior.",
                    "The paper's attack numbers are not in the released material, so no paper column.",
                ])
    from scripts.common.plotting import ROLE_COLORS, apply_style, save_figure
    import matplotlib.pyplot as plt

    apply_style()
    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    colors = {"dsi": ROLE_COLORS["ours"], "random": ROLE_COLORS["random"], "value": ROLE_COLORS["baseline"],
              "first": ROLE_COLORS["control"]}
    for method in ("dsi", "random", "value", "first"):
        g = summ[summ.method == method].sort_values("k")
        if len(g):
            ax.plot(g.k, g["drop"], marker="o", color=colors[method], label=method)
            ax.fill_between(g.k, g.drop_low.astype(float), g.drop_high.astype(float),
                            color=colors[method], alpha=0.15, lw=0)
    ax.set_xlabel("perturbed steps k")
    ax.set_ylabel(f"return drop ({args.game})")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.legend(loc="upper left")
    save_figure(fig, args.fig, scale=args.scale, seeds=n,
                note="MinAtar stand-in; band: 95% t-interval over agent seeds")


if __name__ == "__main__":
    main()
