"""What FDT builds at one scale: runs, stage parameters and targets, from the resolved config.

rules/fdt.smk builds one :class:`FdtPlan` with :func:`make_plan` and holds rules only; this
module has no Snakemake import, so tests/fdt/test_plan.py checks it directly.

Names of the settings (wildcards of the rules):

- a critical-state setting is ``g{gamma}_ll{LL}_{hl|ap}_n{budget}``: the discount, the
  life-loss penalty (the game's ``critical.ll_reward``, or 0 without it), the sampling
  (highest-lowest or all-cell-pairs) and the feedback budget;
- a training setting is ``base`` (DT and BC) or ``{critical setting}_lam{lambda_F}`` (FDT).

A run is a (model, setting) pair of one game; each is trained and evaluated once per seed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from scripts.common.plan import Layout, Targets

PAPER = "fdt"

# the paper's four games, and their DQN Replay directory names
ALL_GAMES = ["breakout", "qbert", "pong", "seaquest"]
REPLAY_DIR = {"breakout": "Breakout", "qbert": "Qbert", "pong": "Pong", "seaquest": "Seaquest"}
# the arrays of one DQN Replay checkpoint (files {array}_ckpt.{N}.gz)
REPLAY_ARRAYS = ["observation", "action", "reward", "terminal", "add_count", "invalid_range"]
MODELS = ["dt", "fdt", "bc"]
# the appendix table of each game's sweep over target returns (Tables 6-9)
SWEEP_TABLES = {"breakout": "a6", "qbert": "a7", "pong": "a8", "seaquest": "a9"}
# the ablation tables over Table 10's settings, one per varied quantity
ABLATIONS = ["budget", "gamma", "lifeloss", "sampling"]
# names of the targets that one rule makes for several wildcard values (.csv and .md for tables)
SWEEP_TABLE = "table_{table}_{game}"  # Appendix Tables 6-9 (table: SWEEP_TABLES[game])
SWEEP_FIGURE = "fig_delta_vs_rtg_{game}.pdf"
ABLATION_TABLE = "table_{abl}"  # abl: ablation_<one of ABLATIONS>, or lambda_grid

CRIT_PATTERN = r"g[0-9.]+_ll-?[0-9]+_(hl|ap)_n[0-9]+"
SETTING_PATTERN = r"base|" + CRIT_PATTERN + r"_lam[0-9.e-]+"

Run = Tuple[str, str]  # (model, setting)


def crit_parse(name: str) -> Dict[str, str]:
    """The parts of a critical-state setting name: gamma, ll, sampling, budget (as strings)."""
    match = re.match(r"g(?P<gamma>[0-9.]+)_ll(?P<ll>-?[0-9]+)_(?P<sampling>hl|ap)_n(?P<budget>[0-9]+)$", name)
    if match is None:
        raise ValueError(f"fdt: '{name}' is not a critical-state setting (g<gamma>_ll<LL>_<hl|ap>_n<budget>)")
    return match.groupdict()


def wildcards() -> Dict[str, str]:
    """The constraints of FDT's rule wildcards (each rule: ``wildcard_constraints: **...``)."""
    return {
        "game": "|".join(ALL_GAMES),
        "model": "|".join(MODELS),
        "crit": CRIT_PATTERN,
        "setting": SETTING_PATTERN,
        "ckpt": r"\d+",
        "array": "|".join(REPLAY_ARRAYS),
        "table": "|".join(SWEEP_TABLES.values()),
        "abl": "|".join([f"ablation_{a}" for a in ABLATIONS] + ["lambda_grid"]),
    }


@dataclass
class FdtPlan:
    """FDT at one scale. Built by :func:`make_plan`; the methods give what the rules need per game."""

    cfg: Dict[str, Any]
    """the paper's resolved settings at this scale (``resolve_paper(config, "fdt", scale)``)"""
    scale: str
    """smoke, laptop or paper"""
    seeds: List[int]
    """training seeds (= dataset and model seeds); every run is trained once per seed"""
    layout: Layout
    """where FDT's files go at this scale"""
    sources: Dict[str, Any]
    """the download registry (config ``data_sources``): name -> {url, sha256}"""
    games: List[str]
    """the games run at this scale (a subset of ALL_GAMES, in config order)"""
    table4_seeds: List[int]
    """the seeds of Appendix Table 4 (the DT paper's protocol: the first three)"""
    downloads: bool
    """behaviour data is DQN Replay, downloaded and converted (else a generated DQN log)"""
    shipped_labels: bool
    """feedback labels are the authors' released files (else our oracle labels the buffers)"""
    replay_run: int
    """the DQN Replay run read (1: "only the first DQN agent")"""
    checkpoints: List[int]
    """the DQN Replay checkpoints read: 0 .. data.checkpoints - 1"""
    main_lam: float
    """lambda_F of the main FDT setting (Tables 4-9)"""
    has_ablations: bool
    """Table 10's settings are trained at this scale (the ablation tables are built)"""
    has_lambda_grid: bool
    """the lambda_F grid is trained at this scale (its table is built)"""
    oracle_curves: bool
    """our oracle is trained at this scale (Fig. A1 is built)"""
    table_common: str
    """JSON of the settings every table, figure and the claims read (``--common``)"""
    targets: Targets
    """every table and figure of the paper, in manifest order; left-out ones say why"""

    # ---- names
    def crit_name(self, game: str, setting: Mapping[str, Any]) -> str:
        """The critical-state setting name of a config setting (main or an ablation) for a game."""
        ll = int(self.cfg["critical"]["ll_reward"][game]) if setting["ll"] else 0
        return f"g{setting['gamma']}_ll{ll}_{setting['sampling']}_n{setting['budget']}"

    def main_setting(self, game: str) -> str:
        """The training setting of FDT's main runs (Tables 4-9)."""
        return f"{self.crit_name(game, self.cfg['main'])}_lam{self.main_lam}"

    # ---- runs
    def runs(self, game: str) -> List[Run]:
        """(model, setting) pairs of a game, in order: DT, BC, FDT main, Table-10 ablations (FDT
        at main lambda), the lambda grid (FDT at the main critical setting); may repeat a run."""
        main_crit = self.crit_name(game, self.cfg["main"])
        return (
            [("dt", "base"), ("bc", "base"), ("fdt", self.main_setting(game))]
            + [("fdt", f"{self.crit_name(game, s)}_lam{self.main_lam}") for s in self.cfg["ablations"]]
            + [("fdt", f"{main_crit}_lam{lam}") for lam in self.cfg["lambda_grid"]]
        )

    def runs_unique(self, game: str) -> List[Run]:
        """:meth:`runs` without repeats, first occurrence kept (the first three: DT, BC, FDT main)."""
        return list(dict.fromkeys(self.runs(game)))

    def main_runs(self, game: str) -> List[Run]:
        """DT, BC and FDT's main setting: the runs of Tables 4-9 and the claims."""
        return self.runs_unique(game)[:3]

    def crit_settings(self, game: str) -> List[str]:
        """Critical-state settings of a game: the main one, then the ablations', without repeats."""
        names = [self.crit_name(game, self.cfg["main"])] + [self.crit_name(game, s) for s in self.cfg["ablations"]]
        return list(dict.fromkeys(names))

    # ---- result files
    def eval_file(self, game: str, model: str, setting: str, seed: int) -> str:
        return self.layout.res("eval", game, model, setting, f"seed{seed}.csv")

    def evals(self, game: str, seeds: Optional[List[int]] = None) -> List[str]:
        """Evaluation files of every run of a game (default: every seed)."""
        seeds = self.seeds if seeds is None else seeds
        return [self.eval_file(game, m, s, seed) for m, s in self.runs_unique(game) for seed in seeds]

    def all_evals(self) -> List[str]:
        """Evaluation files of every run of every game (the ablation tables)."""
        return [f for g in self.games for f in self.evals(g)]

    def main_evals(self, seeds: Optional[List[int]] = None, games: Optional[List[str]] = None) -> List[str]:
        """Evaluation files of DT, BC and FDT main (default: every game and seed)."""
        return [
            self.eval_file(g, m, s, seed)
            for g in (self.games if games is None else games)
            for m, s in self.main_runs(g)
            for seed in (self.seeds if seeds is None else seeds)
        ]

    def critical_stats(self) -> List[str]:
        """Statistics files of every critical-state setting, game and seed (Table 10)."""
        return [
            self.layout.res("critical", g, f"seed{seed}_{c}.json")
            for g in self.games
            for c in self.crit_settings(g)
            for seed in self.seeds
        ]

    def train_critical(self, game: str, model: str, setting: str, seed: Any) -> List[str]:
        """The critical-state file a training run reads: FDT's setting's, none for DT and BC."""
        if model != "fdt":
            return []
        return [self.layout.res("critical", game, f"seed{seed}_{setting.rsplit('_lam', 1)[0]}.npz")]

    @staticmethod
    def train_lam(model: str, setting: str) -> Any:
        """lambda_F of a training run, as its setting name spells it (0 for DT and BC)."""
        return setting.rsplit("_lam", 1)[1] if model == "fdt" else 0

    def sweep_table(self, game: str) -> str:
        """A game's target-return sweep table (CSV; Appendix Tables 6-9)."""
        return self.targets[SWEEP_TABLE.format(table=SWEEP_TABLES[game], game=game) + ".csv"]

    def sweep_tables(self) -> List[str]:
        return [self.sweep_table(g) for g in self.games]

    # ---- stage parameters (JSON strings for --params)
    def model_settings(self, game: str) -> Dict[str, Any]:
        """The model and training settings of a game (per_game entries over ``model``)."""
        return {**self.cfg["model"], **self.cfg["per_game"].get(game, {})}

    def model_params(self, game: str) -> str:
        return json.dumps(self.model_settings(game), sort_keys=True)

    def trainset_params(self, game: str) -> str:
        """The training-set sampler's settings; episodes shorter than the context K are dropped."""
        return json.dumps({**self.cfg["trainset"], "min_len": self.model_settings(game)["context"]}, sort_keys=True)

    def critical_params(self, game: str) -> str:
        """Critical-state settings plus candidate_limit (only training-set positions up to the
        training-set size become cells) and min_len = K (phase B drops shorter episodes)."""
        extra = {"candidate_limit": self.cfg["trainset"]["transitions"],
                 "min_len": self.model_settings(game)["context"]}
        return json.dumps({**self.cfg["critical"], **extra}, sort_keys=True)

    def eval_params(self, game: str) -> str:
        """Evaluation settings with the game's test seeds and step limit."""
        ev = self.cfg["eval"]
        return json.dumps(
            {
                **ev,
                "test_seeds": ev["test_seeds_per_game"].get(game, ev["test_seeds"]),
                "max_steps": ev["max_steps_per_game"].get(game, ev["max_steps"]),
            },
            sort_keys=True,
        )

    def eval_rtgs(self, game: str) -> str:
        """The target returns a game's models are evaluated at (``--rtgs``)."""
        return " ".join(str(r) for r in self.cfg["eval"]["rtgs"][game])

    # ---- downloads (paper scale)
    def source(self, name: str) -> Dict[str, str]:
        """A registry entry; empty url and sha256 where the registry has none."""
        return self.sources.get(name, {"url": "", "sha256": ""})

    def replay_name(self, game: str, array: str, ckpt: Any) -> str:
        """Registry name of one array of one DQN Replay checkpoint."""
        return f"fdt_replay_{REPLAY_DIR[game]}_{self.replay_run}_{array}_{ckpt}"

    def replay_spec(self, game: str, array: str, ckpt: Any) -> str:
        """The bucket's coordinates of a file (``--replay``: checked against its MD5 where the
        registry has no entry)."""
        return f"{REPLAY_DIR[game]} {self.replay_run} {array} {ckpt}"

    def labels_name(self, game: str, ckpt: Any) -> str:
        """Registry name of the released oracle labels of one checkpoint."""
        return f"fdt_labels_{REPLAY_DIR[game]}_{ckpt}"

    def replay_files(self, game: str) -> List[str]:
        """Every downloaded array of every checkpoint of a game."""
        return [
            self.layout.res("download", game, "replay_logs", f"{array}_ckpt.{ckpt}.gz")
            for array in REPLAY_ARRAYS
            for ckpt in self.checkpoints
        ]

    def label_files(self, game: str) -> List[str]:
        """Every downloaded label file of a game."""
        return [self.layout.res("download", game, "labels", f"feedback_ckpt.{ckpt}.gz") for ckpt in self.checkpoints]


def _table_common(cfg: Mapping[str, Any], scale: str, seeds: List[int], main: Dict[str, str],
                  main_crit: Dict[str, str]) -> str:
    games = cfg["games"]
    return json.dumps(
        {
            "games": games,
            "main": main,
            "main_crit": main_crit,
            "main_rtg": {g: cfg["eval"]["main_rtg"][g] for g in games},
            "table4_seeds": cfg["table4_seeds"],
            "seeds": seeds,
            "setups": cfg["eval"]["setups"],
            "scale": scale,
            "main_lam": cfg["main"]["lam"],
            "main_setting": cfg["main"],
            "ll_reward": cfg["critical"]["ll_reward"],
        },
        sort_keys=True,
    )


def _targets(layout: Layout, runs: int, games: List[str], has_ablations: bool, has_lambda_grid: bool,
             oracle_curves: bool, ale_left_out: str = "") -> Targets:
    """Every table and figure, in manifest order; with ``ale_left_out`` (the scale runs no ALE
    game) every one is left out, for that reason where it would be built otherwise."""
    if ale_left_out:
        full = _targets(layout, runs, games, has_ablations, has_lambda_grid, oracle_curves)
        out = Targets(layout, runs)
        for key in full.keys():
            tg = full.target(key)
            out.add(key, tg.reproduces, built=False, left_out=tg.left_out or ale_left_out, runs=tg.runs)
        return out
    t = Targets(layout, runs)

    def table(stem: str, reproduces: str, **kw: Any) -> None:
        for ext in ("csv", "md"):
            t.add(f"{stem}.{ext}", reproduces, **kw)

    table("table_a4_dt_protocol", "Appendix Table 4")
    table("table_a5_fdt_dt_bc", "Appendix Table 5")
    for game, name in SWEEP_TABLES.items():
        why = f"{game} is not among this scale's games ({', '.join(games)})"
        kw = dict(built=game in games, left_out=why)
        table(SWEEP_TABLE.format(table=name, game=game), f"Appendix Table {name[1]}", **kw)
        t.add(SWEEP_FIGURE.format(game=game), f"FDT vs DT over target returns (Tables {name[1]})", **kw)
    table("table_a10_feedback_stats", "Appendix Table 10")
    for kind in ABLATIONS:
        table(ABLATION_TABLE.format(abl=f"ablation_{kind}"), f"Ablation over {kind} (Table 10 settings; no paper scores)",
              built=has_ablations, left_out="no ablation settings at this scale (time budget)")
    table(ABLATION_TABLE.format(abl="lambda_grid"), "lambda_F grid (Table 1 search; no paper scores)",
          built=has_lambda_grid, left_out="no lambda grid at this scale (time budget)")
    t.add("fig_a1_oracle_curves.pdf", "Fig. A1 (oracle learning curves)",
          built=oracle_curves, left_out="oracle not trained at this scale")
    t.add("fig_feedback_agreement.pdf", "Feedback statistics (oracle agreement per buffer)")
    table("compare_to_paper", "Reproduced vs reported (Tables 4-10)")
    t.add("fig_main_architecture.pdf", "Main Fig. 1 (architecture diagram)",
          built=False, left_out="a diagram, not a computed result")
    return t


def make_plan(cfg: Mapping[str, Any], scale: str, seeds: List[int],
              sources: Optional[Mapping[str, Any]] = None) -> FdtPlan:
    """FDT's plan from its resolved config at ``scale``, its seed list and the download registry."""
    cfg = dict(cfg)
    seeds = list(seeds)
    layout = Layout(PAPER, scale)
    # ``ale_left_out``: this scale runs no ALE game (the laptop's MinAtar stand-in replaces it);
    # the config's games stay for reference, the plan runs none
    ale_left_out = str(cfg.get("ale_left_out") or "")
    games = [] if ale_left_out else list(cfg["games"])
    plan = FdtPlan(
        cfg=cfg,
        scale=scale,
        seeds=seeds,
        layout=layout,
        sources=dict(sources or {}),
        games=games,
        table4_seeds=list(cfg["table4_seeds"]),
        downloads=cfg["data"]["source"] == "download",
        shipped_labels=cfg["feedback"]["source"] == "shipped",
        replay_run=cfg["data"]["run"],
        checkpoints=list(range(cfg["data"]["checkpoints"])),
        main_lam=cfg["main"]["lam"],
        has_ablations=bool(cfg["ablations"]),
        has_lambda_grid=bool(cfg["lambda_grid"]),
        oracle_curves=bool(cfg["oracle"]["train"]),
        table_common="",
        targets=Targets(layout, len(seeds)),
    )
    plan.table_common = _table_common(
        cfg, scale, seeds,
        main={g: plan.main_setting(g) for g in games},
        main_crit={g: plan.crit_name(g, cfg["main"]) for g in games},
    )
    plan.targets = _targets(layout, len(seeds), list(cfg["games"]), plan.has_ablations, plan.has_lambda_grid,
                            plan.oracle_curves, ale_left_out)
    return plan
