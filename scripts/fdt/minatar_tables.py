"""MinAtar stand-in tables: the behaviour log's return distribution and the oracle's return
against random play and against the log's best episodes, per game (the analogue of the paper's
description of DQN Replay and of its C51 oracle, Fig. A1), with the logging speed against
MinAtar's raw stepping.

CLI: ``python -m scripts.fdt.minatar_tables log --manifests M.json ... --scale S --csv C --md M``
"""
from __future__ import annotations

import argparse
import sys
from typing import List

import pandas as pd

from scripts.common.io import read_json
from scripts.common.tables import write_table


def log_table(manifests: List[dict]) -> pd.DataFrame:
    """One row per game from ``scripts.fdt.minatar_log`` manifests."""
    rows = []
    for m in manifests:
        lg, orc, rnd = m["log"], m["oracle"], m["random"]
        rows.append({
            "game": m["game"], "env": "MinAtar stand-in", "agent_steps": m["agent_steps"],
            "log_episodes": lg["episodes"], "log_mean": round(lg["mean"], 2),
            "log_first_tenth": round(lg["first_tenth_mean"], 2),
            "log_last_tenth": round(lg["last_tenth_mean"], 2),
            "log_median": lg["median"], "log_p90": lg["p90"], "log_max": lg["max"],
            "log_best10_mean": round(lg["best10_mean"], 2),
            "oracle_mean": round(orc["mean"], 2), "oracle_std": round(orc["std"], 2),
            "random_mean": round(rnd["mean"], 2),
            "oracle_minus_random": round(orc["mean"] - rnd["mean"], 2),
            "oracle_minus_log_best10": round(orc["mean"] - lg["best10_mean"], 2),
            "agent_steps_per_s": m["agent_steps_per_s"],
            "agent_steps_per_cpu_s": m.get("agent_steps_per_cpu_s", float("nan")),
            "raw_minatar_steps_per_s": m["raw_minatar_steps_per_s"],
        })
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["log"])
    p.add_argument("--manifests", nargs="+", required=True)
    p.add_argument("--scale", required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--md", required=True)
    args = p.parse_args(argv)
    frame = log_table([read_json(path, keys=["log", "oracle", "random"]) for path in args.manifests])
    write_table(frame, args.csv, args.md,
                title="MinAtar stand-in: behaviour log and oracle returns",
                scale=args.scale, seeds=1,
                notes=["One DQN run per game (seed 0): its whole training experience is the "
                       "behaviour log, its final greedy network the oracle (docs/fidelity/fdt.md).",
                       "log_*: raw returns of the logged episodes (first/last tenth in "
                       "chronological order); oracle/random: one episode per env, "
                       "mean (std) over the manifest's eval_episodes.",
                       "Speeds: wall-clock agent steps per second while logging (training "
                       "included) and per CPU second; raw: MinAtar stepping alone with random "
                       "actions, same number of envs, same machine and load.",
                       "The paper's behaviour data is DQN Replay on the ALE (not comparable in "
                       "scale); no paper values."])
    return 0


if __name__ == "__main__":
    sys.exit(main())
