"""The cross experiment (DSI's detector as FDT's feedback selector, on MinAtar) as plain data:
games, seeds, files, stage parameters and targets (rules/cross.smk builds its rules from
:class:`CrossPlan`; tested in tests/cross/test_plan.py).

It reuses FDT's MinAtar stand-in (scripts/fdt/plan_minatar.py) for each of its games: the
behaviour log and oracle, each seed's training set and critical states, and the DT and FDT
(criterion) runs are FDT's own files, requested from FDT's rules even where FDT's own
``minatar.games`` does not list the game. The detector's recipe is DSI's MinAtar one
(config/dsi.yaml ``minatar.detector`` and ``upsample``) with config/cross.yaml's
``detector`` entries over it. Files live under ``results/<scale>/cross/...``.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping

from scripts.common.envs import MINATAR_GAMES
from scripts.common.plan import Layout, Targets, claims_of_games_left_out
from scripts.fdt.plan_minatar import MinAtarPlan

# the arms trained here (criterion and DT are FDT's own runs)
NEW_SELECTORS = ("dsi", "random", "oracle", "first")


def _dump(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)


class CrossPlan:
    """Runs, stage parameters and targets of the cross experiment at one scale.

    ``cross``: the resolved cross block; ``fdt``: the resolved FDT block (its ``minatar``
    settings); ``dsi_minatar``: the resolved DSI ``minatar`` block (the detector recipe)."""

    def __init__(self, cross: Mapping[str, Any], fdt: Mapping[str, Any],
                 dsi_minatar: Mapping[str, Any], scale: str):
        self.c = cross
        self.scale = scale
        self.layout = Layout("cross", scale)
        self.games: List[str] = list(cross["games"])
        self.seeds: List[int] = list(cross["seeds"])
        self.selectors: List[str] = list(cross["selectors"])
        bad = sorted(set(self.selectors) - set(NEW_SELECTORS))
        if bad:
            raise ValueError(f"cross.{scale}.selectors: unknown {bad} (of {', '.join(NEW_SELECTORS)})")
        if "dsi" not in self.selectors:
            raise ValueError(f"cross.{scale}.selectors must include dsi (the experiment's question)")
        stray = sorted(set(self.games) - set(MINATAR_GAMES))
        if stray:
            raise ValueError(f"cross.{scale}.games: not MinAtar games {stray}")
        self.fdt = MinAtarPlan(fdt, scale, self.seeds)
        self.dsi = dsi_minatar
        self.targets = self._targets()

    def claims_left_out(self) -> Dict[str, str]:
        """The per-game claims (DSI's states vs FDT's criterion) of the MinAtar games this scale
        leaves out, with ``games_left_out`` (why), where the scale runs some other game."""
        return claims_of_games_left_out(self.c.get("games_left_out"), self.games, MINATAR_GAMES,
                                        ["cross_dsi_vs_criterion_{game}"])

    @staticmethod
    def wildcards() -> Dict[str, str]:
        return {"cgame": "|".join(sorted(MINATAR_GAMES)), "csel": "|".join(NEW_SELECTORS),
                "seed": r"\d+"}

    # ---- files
    def detector_dir(self, game: str) -> str:
        return self.layout.res("detector", game)

    def detector_data(self, game: str, split: str) -> str:
        return self.layout.res("detector", game, f"{split}.npz")

    def detector(self, game: str, name: str = "detector.pt") -> str:
        return self.layout.res("detector", game, name)

    def select_dir(self, game: str, seed: Any) -> str:
        return self.layout.res("select", game, f"seed{seed}")

    def selection(self, game: str, selector: str, seed: Any) -> str:
        return f"{self.select_dir(game, seed)}/{selector}.npz"

    def select_stats(self, game: str, seed: Any) -> str:
        return f"{self.select_dir(game, seed)}/stats.json"

    def eval_file(self, game: str, selector: str, seed: Any) -> str:
        return self.layout.res("eval", game, selector, f"seed{seed}.csv")

    def claims_csv(self) -> str:
        return self.layout.res("claims.csv")

    # ---- what the tables read
    def arm_evals(self) -> List[str]:
        """``arm=csv`` for every arm, game and seed: FDT's own DT and FDT (criterion) runs,
        then the selectors trained here."""
        out = []
        for g in self.games:
            for s in self.seeds:
                out.append(f"dt={self.fdt.eval_file(g, 'dt', s)}")
                out.append(f"criterion={self.fdt.eval_file(g, 'fdt', s)}")
                out += [f"{sel}={self.eval_file(g, sel, s)}" for sel in self.selectors]
        return out

    def eval_inputs(self) -> List[str]:
        return [pair.split("=", 1)[1] for pair in self.arm_evals()]

    def all_stats(self) -> List[str]:
        return [self.select_stats(g, s) for g in self.games for s in self.seeds]

    def common(self) -> str:
        return _dump({"games": self.games, "seeds": self.seeds, "scale": self.scale,
                      "setups": self.fdt.m["eval"]["setups"], "selectors": self.selectors,
                      "budget": self.fdt.m["main"]["budget"]})

    # ---- stage parameters
    def data_params(self) -> str:
        return _dump(dict(self.c["detector_data"]))

    def detector_params(self) -> str:
        """DSI's MinAtar detector recipe with cross's overrides; sequences of ``window`` steps."""
        return _dump({**self.dsi["detector"], **(self.c.get("detector") or {}),
                      "max_length": self.c["detector_data"]["window"],
                      "upsample": self.dsi["upsample"]})

    def select_params(self, game: str) -> str:
        ts = self.fdt.setting(game, "trainset")
        return _dump({"transitions": ts["transitions"], "episodes_per_visit": ts["episodes_per_visit"],
                      "min_len": self.fdt.m["model"]["context"],
                      "gamma": self.fdt.m["main"]["gamma"], "budget": self.fdt.m["main"]["budget"],
                      "window": self.c["detector_data"]["window"], "upsample": self.dsi["upsample"]})

    def train_params(self, game: str) -> str:
        """FDT's MinAtar model and evaluation at the training set's best return only."""
        p = json.loads(self.fdt.train_params(game))
        p["rtg_fractions"] = [1.0]
        return _dump(p)

    def lam(self) -> float:
        return self.fdt.lam("fdt")

    # ---- targets
    def _targets(self) -> Targets:
        t = Targets(self.layout, len(self.seeds))
        built = bool(self.games)
        why = self.c.get("left_out") or "no MinAtar game configured at this scale (cross.<scale>.games)"
        for ext in ("csv", "md"):
            t.add(f"table_feedback_selectors.{ext}", "Beyond the papers: FDT trained on DSI-selected "
                  "vs its own critical states vs random vs oracle feedback (MinAtar)",
                  built=built, left_out=why)
        for ext in ("csv", "md"):
            t.add(f"table_selector_positions.{ext}", "Beyond the papers: where each feedback "
                  "selector's positions lie (overlap, position in the episode)",
                  built=built, left_out=why)
        t.add("fig_feedback_selectors.pdf", "Beyond the papers: FDT return by feedback selector "
              "(MinAtar)", built=built, left_out=why)
        return t
