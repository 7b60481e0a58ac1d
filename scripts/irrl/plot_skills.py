"""Skills learned (effective skills) vs iteration per reward and environment, and the table of
plateaus and iterations to the skills threshold, beside the paper's values."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import read_csv_checked, write_csv
from scripts.common.plotting import apply_style, plt, run_lines, save_figure
from scripts.common.stats import tidy_frame
from scripts.common.tables import write_table
from scripts.irrl.params import SkillsParams as Params
from scripts.irrl.summaries import COLORS, ci_cell, label, mean_band, ordered, reported


def summarise(g: pd.DataFrame, threshold: float) -> dict:
    g = g.sort_values("iteration")
    tail = g[g["iteration"] >= 0.9 * g["iteration"].max()]
    hit = g[g["effective_skills"] >= threshold]
    return {"plateau": float(tail["effective_skills"].mean()),
            "to_threshold": float(hit["iteration"].min()) if len(hit) else np.nan}


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False,
               required=["--csv", "--md", "--tidy", "--scale"],
               required_many=["--stats", "--envs", "--figs"])
    args = p.parse_args(argv)
    setup(args, config_beside=args.tidy)
    prm = step_params(Params, args.params)
    frames = []
    for path in args.stats:
        env = path.replace("\\", "/").split("/skills/")[1].split("/")[0]
        frames.append(read_csv_checked(path, columns=["sreward", "seed", "iteration", "effective_skills"],
                                       no_na=True).assign(env=env))
    df = pd.concat(frames, ignore_index=True)
    rep = reported("table_skills")
    rows, tidy = [], []
    apply_style()
    for env, out in zip(args.envs, args.figs):
        es = prm.env_settings[env]
        sub = df[df["env"] == env]
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for sr in ordered(sub["sreward"].unique()):
            g = sub[sub["sreward"] == sr]
            band = mean_band(g, "iteration", "effective_skills")
            c = COLORS.get(sr)
            ax.plot(band["iteration"], band["mean"], color=c, label=f"{label(sr)} (n={band['n'].max()})")
            ax.fill_between(band["iteration"], band["mean"] - band["std"], band["mean"] + band["std"],
                            color=c, alpha=0.2, lw=0)
            run_lines(ax, g, "iteration", "effective_skills", c)
            per_seed = [summarise(gs, es["skills_threshold"]) for _, gs in g.groupby("seed")]
            plats = [s["plateau"] for s in per_seed]
            its = [s["to_threshold"] for s in per_seed]
            pv = rep[(rep["setting"] == env) & (rep["method"] == sr)]
            pp = pv[pv["metric"] == "plateau_skills"]["value"]
            pj = pv[pv["metric"] == "jump_iteration"]["value"]
            rows.append({"env": env, "reward": label(sr), "skills (K)": es["n_skills"],
                         "seeds": len(per_seed), "iterations": int(g["iteration"].max()),
                         "plateau skills (ours)": ci_cell(plats, scale=1.0),
                         f"iterations to {es['skills_threshold']:g} skills (ours)":
                             (ci_cell(its, scale=1.0, digits=0) if np.isfinite(its).all()
                              else f"{int(np.isfinite(its).sum())}/{len(its)} reached"),
                         "plateau skills (paper)": float(pp.iloc[0]) if len(pp) else np.nan,
                         "jump iteration (paper)": float(pj.iloc[0]) if len(pj) else np.nan})
            for seed, gs in g.groupby("seed"):
                s = summarise(gs, es["skills_threshold"])
                tidy.append({"paper": "irrl", "experiment": "skills", "method": sr, "env": env,
                             "seed": seed, "step": int(gs["iteration"].max()),
                             "metric": "plateau_skills", "value": s["plateau"]})
        ax.axhline(es["n_skills"], ls=":", color="0.5")
        ax.set(xlabel="Iteration", ylabel="Skills learned", ylim=(0, es["n_skills"] * 1.05),
               title=f"Skill discovery, {env} four rooms ({es['n_skills']} skills)")
        ax.legend(loc="lower right", fontsize=8)
        fig.subplots_adjust(bottom=0.2)  # room for the scale/seeds footer
        save_figure(fig, out, scale=args.scale, seeds=int(sub["seed"].nunique()),
                    note="mean ± std over seeds")
    write_table(pd.DataFrame(rows), args.csv, args.md, title="IRRL: unsupervised skill discovery",
                scale=args.scale, interval="95% t-interval (none from fewer than 3 seeds)", seeds=int(df["seed"].nunique()),
                notes=["skills learned = exp(mean[log q(z|s_T) + log K]) on stratified evaluation "
                       "rollouts; plateau = mean over the last 10% of iterations.",
                       "The paper's values are for the large four rooms (128 skills, 40M "
                       "iterations), read off its figure."])
    write_csv(args.tidy, tidy_frame(tidy))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
