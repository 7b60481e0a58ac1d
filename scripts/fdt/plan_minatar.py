"""The MinAtar stand-in for FDT's ALE pipeline, as plain data: games, seeds, stage parameters
and targets (rules/fdt_minatar.smk builds its rules from :class:`MinAtarPlan`).

Everything comes from the resolved FDT settings at one scale (config/fdt.yaml's ``minatar``
block merged over the paper block); tested in tests/fdt/test_plan_minatar.py. Files live under
``results/<scale>/fdt/minatar/...``. MinAtar is the laptop stand-in for the ALE (tables label
it "MinAtar stand-in" beside the paper's ALE numbers); it is left out at paper scale, which runs
DQN Replay and the ALE.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Sequence

from scripts.common.envs import MINATAR_GAMES
from scripts.common.plan import Layout, Targets, claims_of_games_left_out

STAND_IN = "MinAtar stand-in"
MODELS = ("dt", "fdt", "bc")
# games whose episodes end only at a timer (MinAtar freeway.py: time_limit 2500)
GAME_TIMERS = {"freeway": 2500}
PAPER_SCALE_LEFT_OUT = ("MinAtar is the CPU stand-in for the ALE; paper scale runs DQN Replay "
                        "and the ALE games themselves")


def _dump(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)


class MinAtarPlan:
    """Runs, stage parameters and targets of FDT's MinAtar stand-in at one scale.

    ``fdt``: the resolved FDT block; ``seeds``: FDT's seeds at this scale (each is a training
    set, critical-state and model seed, as the paper's)."""

    def __init__(self, fdt: Mapping[str, Any], scale: str, seeds: Sequence[int]):
        self.m = fdt["minatar"]
        self.scale = scale
        self.layout = Layout("fdt", scale)
        self.games: List[str] = list(self.m["games"])
        self.seeds: List[int] = list(seeds)
        self.sweep_game: str = self.m.get("sweep_game") or (self.games[0] if self.games else "")
        if self.games and self.sweep_game not in self.games:
            raise ValueError(f"fdt.{scale}.minatar.sweep_game {self.sweep_game!r} is not among its games")
        for game, end in GAME_TIMERS.items():
            if game in self.games and self.setting(game, "log")["max_steps"] <= end:
                raise ValueError(f"fdt.{scale}.minatar: {game}'s episodes end only at its "
                                 f"{end}-step timer, so log.max_steps (per_game.{game}) must "
                                 "exceed it; a truncated episode is never complete in the log")
        stray = sorted(set(self.m.get("per_game") or {}) - set(self.games))
        if stray:
            raise ValueError(f"fdt.{scale}.minatar.per_game names games it does not run: {stray}")
        self.targets = self._targets()

    @staticmethod
    def wildcards() -> Dict[str, str]:
        """The constraints of the MinAtar rules' wildcards (``wildcard_constraints: **...``)."""
        return {"mgame": "|".join(sorted(MINATAR_GAMES)), "model": "|".join(MODELS), "seed": r"\d+"}

    # ---- names and files
    def crit_name(self) -> str:
        """The main critical-state setting: ``g{gamma}_n{budget}`` (highest-lowest, no life loss)."""
        return f"g{self.m['main']['gamma']}_n{self.m['main']['budget']}"

    def log_dir(self, game: str) -> str:
        return self.layout.res("minatar", "log", game)

    def log_manifest(self, game: str) -> str:
        return self.layout.res("minatar", "log", game, "manifest.json")

    def data_file(self, game: str, seed: Any) -> str:
        return self.layout.res("minatar", "critical", game, f"seed{seed}_{self.crit_name()}.npz")

    def stats_file(self, game: str, seed: Any) -> str:
        return self.layout.res("minatar", "critical", game, f"seed{seed}_{self.crit_name()}.json")

    def eval_file(self, game: str, model: str, seed: Any) -> str:
        return self.layout.res("minatar", "eval", game, model, f"seed{seed}.csv")

    def manifests(self) -> List[str]:
        return [self.log_manifest(g) for g in self.games]

    def all_stats(self) -> List[str]:
        return [self.stats_file(g, s) for g in self.games for s in self.seeds]

    def all_evals(self) -> List[str]:
        return [self.eval_file(g, m, s) for g in self.games for m in MODELS for s in self.seeds]

    def claims_csv(self) -> str:
        return self.layout.res("claims_minatar.csv")

    # ---- per-game settings
    def setting(self, game: str, block: str) -> Dict[str, Any]:
        """Block ``log``, ``trainset`` or ``eval`` for one game: the scale's block with the
        game's entries of ``per_game.<game>.<block>`` over it (e.g. a longer DQN log)."""
        over = (self.m.get("per_game") or {}).get(game, {}).get(block, {})
        return {**self.m[block], **over}

    # ---- stage parameters (JSON for --params)
    def log_params(self, game: str) -> str:
        return _dump(self.setting(game, "log"))

    def critical_params(self, game: str) -> str:
        return _dump({**self.setting(game, "trainset"), "min_len": self.m["model"]["context"]})

    def train_params(self, game: str) -> str:
        ev = self.setting(game, "eval")
        sweep = ev.pop("sweep_fractions")
        fractions = sorted(set(sweep) | {1.0}) if game == self.sweep_game else [1.0]
        return _dump({**self.m["model"], **ev, "rtg_fractions": fractions,
                      "sticky": self.setting(game, "log")["sticky"]})

    def lam(self, model: str) -> float:
        return float(self.m["main"]["lam"]) if model == "fdt" else 0.0

    def common(self) -> str:
        """What the tables and claims read (``--common``)."""
        return _dump({"games": self.games, "seeds": self.seeds, "scale": self.scale,
                      "setups": self.m["eval"]["setups"], "sweep_game": self.sweep_game,
                      "main": dict(self.m["main"])})

    def claims_left_out(self) -> Dict[str, str]:
        """The per-game claims (FDT > DT, FDT > BC) of the MinAtar games this scale leaves out,
        with ``minatar.games_left_out`` (why), where the scale runs some other game (where it
        runs none, the tables are left out and the claims read their reason)."""
        return claims_of_games_left_out(self.m.get("games_left_out"), self.games, MINATAR_GAMES,
                                        [f"fdt_minatar_beats_{m}_{{game}}" for m in ("dt", "bc")])

    # ---- targets
    def _targets(self) -> Targets:
        t = Targets(self.layout, len(self.seeds))
        built = bool(self.games)
        why = self.m.get("left_out") or (PAPER_SCALE_LEFT_OUT if self.scale == "paper" else
                                         "no MinAtar game configured at this scale (fdt.<scale>.minatar.games)")

        def table(stem: str, reproduces: str, runs: Any = None) -> None:
            for ext in ("csv", "md"):
                t.add(f"{stem}.{ext}", reproduces, built=built, left_out=why, runs=runs)

        table("table_minatar_log", f"Behaviour log and oracle returns ({STAND_IN}; DQN Replay "
              "and the C51 oracle, Fig. A1)", runs="1 DQN run per game")
        table("table_a5_minatar", f"Appendix Tables 4-5 ({STAND_IN}: FDT vs DT vs BC)")
        table("table_a10_minatar", f"Appendix Table 10 ({STAND_IN}: feedback statistics)")
        t.add("fig_delta_vs_rtg_minatar.pdf", f"FDT vs DT over target returns (Tables 6-9, "
              f"{STAND_IN})", built=built, left_out=why)
        return t
