"""The MinAtar stand-in for T-REX's Atari protocol, as plain data: which games run, the runs of
each stage, the parameters each step gets, and the tables and figures (rules/trex_minatar.smk
builds its rules from :class:`MinAtarPlan`).

Everything comes from the resolved T-REX settings at one scale (config/trex.yaml's ``minatar``
block, merged over the paper block): pure functions, tested in tests/trex/test_plan_minatar.py.
Files live under ``results/<scale>/trex/minatar/<stage>/<game>/...`` and the scripts see each
game as the env ``minatar-<game>`` (scripts/trex/rl.py's third env kind).

MinAtar is the laptop stand-in for the ALE (DESIGN: tables label it "MinAtar stand-in" beside
the paper's ALE numbers). It is left out at paper scale, which runs the ALE games themselves.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Sequence

from scripts.common.plan import Layout, Targets
from scripts.trex import plan as trex_plan

STAND_IN = "MinAtar stand-in"
TRAINED_SETS = ("stage1",)        # the 12 ranked demos (the Atari protocol has one stage)
SETS = TRAINED_SETS + ("control",)
PAPER_SCALE_LEFT_OUT = ("MinAtar is the CPU stand-in for the ALE; paper scale runs the ALE games "
                        "themselves (table1_atari, fig_extrapolation_atari, fig_attention_breakout)")
NO_GAMES = "no MinAtar game configured at this scale (trex.<scale>.minatar.games)"


def env_name(game: str) -> str:
    """The env id the T-REX scripts take for a MinAtar game."""
    return f"minatar-{game}"


def game_env(m: Mapping[str, Any]) -> Dict[str, Any]:
    """A game's env block as the T-REX scripts read it (``envs.<env>`` of the Atari path):
    demonstrator, stages, held-out checkpoints, demos, episode cap and the MinAtar settings."""
    return {"demonstrator": dict(m["demonstrator"]), "stages": {k: dict(v) for k, v in m["stages"].items()},
            "heldout": dict(m["heldout"]), "demos": dict(m["demos"]),
            "max_episode_steps": m.get("max_episode_steps"), "minatar": dict(m["game"])}


def _dump(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)


class MinAtarPlan:
    """Run lists, stage parameters and targets of the MinAtar stand-in at one scale.

    ``trex``: the resolved T-REX block; ``seeds``: T-REX's seeds at this scale (the first
    ``rl_seeds`` train T-REX policies, the first ``control_seeds`` the constant-reward control).
    """

    def __init__(self, trex: Mapping[str, Any], scale: str, seeds: Sequence[int]):
        self.m = trex["minatar"]
        self.scale = scale
        self.layout = Layout("trex", scale)
        self.games: List[str] = list(self.m["games"])
        seeds = list(seeds)
        if int(self.m["rl_seeds"]) > len(seeds) or int(self.m["control_seeds"]) > len(seeds):
            raise ValueError(f"trex.{scale}.minatar: rl_seeds/control_seeds exceed the {len(seeds)} seeds")
        self.rl_seeds = seeds[: int(self.m["rl_seeds"])]
        self.control_seeds = seeds[: int(self.m["control_seeds"])]
        self.demonstrator_seed = int(trex["demonstrator_seed"])
        self.attention_game = self.m["attention_game"]
        self.targets = self._targets()

    # ------------------------------------------------------------------ paths
    def res(self, *parts: str) -> str:
        return self.layout.res("minatar", *parts)

    def log(self, *parts: str) -> str:
        return self.layout.log("minatar", *parts)

    def bench(self, *parts: str) -> str:
        return self.layout.bench("minatar", *parts)

    def demonstrator_dir(self, game: str = "{mgame}") -> str:
        return self.res("demonstrator", game, f"seed{self.demonstrator_seed}")

    def demos_meta(self, game: str) -> str:
        return self.res("demos", game, "demos_meta.csv")

    def eval_csv(self, game: str, set_: str, seed: int) -> str:
        return self.res("eval", game, set_, f"seed{seed}.csv")

    def random_csv(self, game: str) -> str:
        return self.res("eval", game, "random.csv")

    def pred_vs_true(self, game: str) -> str:
        return self.res("pred_vs_true", game, "stage1", "pred_vs_true.csv")

    def claims_csv(self) -> str:
        """Per-run values of the MinAtar claims (config/claims.yaml's ``runs`` of those claims)."""
        return self.layout.res("claims_minatar.csv")

    # ------------------------------------------------------------------ run lists
    def runs(self) -> List[tuple]:
        """(game, set, seed) of every PPO run on a learned or constant reward."""
        return ([(g, s, k) for g in self.games for s in TRAINED_SETS for k in self.rl_seeds]
                + [(g, "control", k) for g in self.games for k in self.control_seeds])

    def trex_evals(self) -> List[str]:
        return [self.eval_csv(g, s, k) for g in self.games for s in TRAINED_SETS for k in self.rl_seeds]

    def control_evals(self) -> List[str]:
        return [self.eval_csv(g, "control", k) for g in self.games for k in self.control_seeds]

    def random_evals(self) -> List[str]:
        return [self.random_csv(g) for g in self.games]

    def all_demos_meta(self) -> List[str]:
        return [self.demos_meta(g) for g in self.games]

    def all_pred_vs_true(self) -> List[str]:
        return [self.pred_vs_true(g) for g in self.games]

    # ------------------------------------------------------------------ stage parameters (JSON)
    def env_block(self) -> Dict[str, Any]:
        return game_env(self.m)

    # each step's --params, built as for an ALE game (scripts/trex/plan.py's builders)
    def demonstrator_params(self) -> str:
        return trex_plan.demonstrator_params(self.env_block(), dict(self.m["ppo"]))

    def rollout_params(self) -> str:
        return trex_plan.rollout_params(self.env_block())

    def pairs_params(self) -> str:
        return trex_plan.pairs_params(self.env_block(), dict(self.m["reward"]))

    def reward_params(self) -> str:
        return trex_plan.reward_params(dict(self.m["reward"]))

    def predict_params(self) -> str:
        return trex_plan.predict_params(self.env_block())

    def policy_params(self) -> str:
        return trex_plan.policy_params(self.env_block(), dict(self.m["ppo"]), dict(self.m["rl"]))

    def eval_params(self) -> str:
        return trex_plan.eval_params(self.env_block(), dict(self.m["eval"]))

    def random_params(self) -> str:
        """scripts.trex.eval_random: the env and the number of episodes."""
        return _dump({"env": trex_plan.run_env(self.env_block()), "episodes": self.m["eval"]["episodes"]})

    # ------------------------------------------------------------------ targets
    def _targets(self) -> Targets:
        t = Targets(self.layout, runs=len(self.rl_seeds))
        reason = self.m.get("left_out") or (PAPER_SCALE_LEFT_OUT if self.scale == "paper" else NO_GAMES)
        built = bool(self.games)
        for name in ("table1_minatar.csv", "table1_minatar.md"):
            t.add(name, f"Table 1 (Atari LfD performance), {STAND_IN}", built=built, left_out=reason)
        t.add("fig_extrapolation_minatar.pdf", f"Fig. extrapolation (Atari), {STAND_IN}", built=built,
              left_out=reason, runs=1)
        attention = built and self.attention_game in self.games
        t.add(f"fig_attention_minatar_{self.attention_game}.pdf",
              f"Fig. reward attention (Breakout), {STAND_IN}", built=attention, runs=1,
              left_out=reason if not built else f"attention game '{self.attention_game}' is not among "
                                                f"this scale's MinAtar games")
        return t

    def table(self, ext: str) -> str:
        return self.targets[f"table1_minatar.{ext}"]

    def fig_extrapolation(self) -> str:
        return self.targets["fig_extrapolation_minatar.pdf"]

    def fig_attention(self) -> str:
        return self.targets[f"fig_attention_minatar_{self.attention_game}.pdf"]

    def compare_tables(self) -> List[str]:
        """The MinAtar table on T-REX's reproduced-vs-reported page (rules/trex.smk's trex_compare),
        when it is built at this scale."""
        return [self.table("csv")] if self.targets.target("table1_minatar.csv").built else []

    def compare_claims(self) -> List[str]:
        """The runs file of the MinAtar claims, for the same page, when the table is built."""
        return [self.claims_csv()] if self.compare_tables() else []

    def built(self) -> bool:
        return bool(self.targets.built())
