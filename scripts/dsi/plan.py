"""What DSI builds at one scale: run lists, stage settings and targets (rules/dsi.smk's plan).

``make_plan(cfg, scale, seeds)`` turns DSI's resolved settings (config/dsi.yaml at one scale,
``scripts.common.config.resolve_paper``) into a :class:`DsiPlan`: which GridWorld trainings,
Pong attacks and Seaquest runs the tables need, the paths and command-line arguments the rules
pass on, and every table and figure, built or left out with the reason. Pure functions, no
Snakemake: tests/dsi/test_plan.py checks them at every scale. rules/dsi.smk builds the plan once
(``DSI_PLAN``) and holds rules only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple, Union

from scripts.common.plan import Layout, Targets

PAPER = "dsi"

# Pong attack variants: variant -> (data set the detector is trained on, attacked policy). The
# in-policy variants attack the policy that made the detector's data; the cross variants attack
# another (a3c's half-way checkpoint, another seed, a wider net) with the Pong-S detector
ATTACKS: Dict[str, Tuple[str, str]] = {
    "inpolicy-S": ("S", "a3c"),
    "inpolicy-M": ("M", "a3c"),
    "cross-step": ("S", "a3c_half"),
    "cross-seed": ("S", "a3c_seed"),
    "cross-arch": ("S", "a3c_wide"),
}

# the scales that run the Seaquest study (policies, detector, DQN + DSI): DQN needs millions of
# environment steps, beyond a laptop's CPU budget
SEAQUEST_SCALES = ("smoke", "paper")
SEAQUEST_LEFT_OUT = "CPU time: DQN with DSI needs millions of env steps"
MINATAR_LEFT_OUT = "MinAtar stand-in: laptop and smoke scale only (paper scale runs the ALE)"

# the values each wildcard of rules/dsi.smk takes (every rule that has one states them)
WILDCARDS: Dict[str, str] = {
    "gw": "S|M",  # GridWorld variant
    "neg": "official|lenmatch",  # GridWorld negatives: the original's, or length-matched
    "recipe": "paper|fixed",  # GridWorld training recipe
    "abl": "full|no_rev|no_com|no_imp|noniter",  # loss ablation
    "pd": "S|M",  # Pong data set
    "pol": "a3c|a3c_seed|a3c_wide",  # Pong policy trained from scratch (a3c_half: a3c's checkpoint)
    "variant": "inpolicy-S|inpolicy-M|cross-step|cross-seed|cross-arch",  # Pong attack variant
    "method": r"dsi|random|value|baseline-n\d+",  # Seaquest DQN: with DSI, or plain n-step
    "mgame": "asterix|breakout|freeway|seaquest|spaceinvaders",  # MinAtar game
    "mmethod": r"dsi|n\d+",  # MinAtar DQN: DSI's adaptive horizon or fixed n-step targets
}

GridRun = Tuple[str, str, str, int]  # (GridWorld variant, recipe, ablation, training seed)
AttackRun = Tuple[str, int, str]  # (attack variant, k perturbed steps, method choosing them)


@dataclass
class DsiPlan:
    """DSI at one scale. Paths are those of rules/common.smk's ``res`` (``layout.res``)."""

    scale: str
    """the scale: smoke, laptop or paper"""
    seeds: List[int]
    """the paper's seeds at this scale (detector trainings, DQN runs)"""
    layout: Layout
    """where DSI's files go at this scale"""
    gridworld: Dict[str, Any]
    """the resolved ``gridworld`` settings"""
    pong: Dict[str, Any]
    """the resolved ``pong`` settings"""
    seaquest: Dict[str, Any]
    """the resolved ``seaquest`` settings"""
    gw_recipe_seeds: Dict[str, List[int]]
    """training seeds of each GridWorld recipe: ``gridworld.recipe_seeds``, else ``seeds``"""
    gw_figure_variant: str
    """the GridWorld variant of the score figure (the first listed)"""
    gw_runs: List[GridRun]
    """every GridWorld variant x recipe x recipe seed, full loss: the F1 and diagnostics tables"""
    gw_ablation_runs: List[GridRun]
    """the first variant, ``ablation_recipe``, every ablation x seed: the ablation table"""
    gw_claim_runs: List[GridRun]
    """the GridWorld-S runs of ``gw_runs``: the per-seed values of the GridWorld claims"""
    ablations_built: bool
    """whether the ablation table is built: ``gridworld.ablations`` lists more than ``full``"""
    pong_sets: List[str]
    """Pong data sets a detector is trained on: ``pong.detector.sets`` and the attacks' sets"""
    attack_runs: List[AttackRun]
    """every attack variant x k x method: the attack table and the attack claims"""
    seaquest_built: bool
    """whether the Seaquest study runs at this scale (``SEAQUEST_SCALES``)"""
    pong_built: bool
    """whether the Pong attack runs at this scale (no ``pong.left_out``)"""
    minatar: Dict[str, Any]
    """the resolved ``minatar`` settings"""
    minatar_built: bool
    """whether the MinAtar attack runs at this scale (``minatar.enabled``)"""
    minatar_improve_built: bool
    """whether the MinAtar adaptive-horizon DQN runs (enabled, no ``improve.left_out``)"""
    targets: Targets
    """every table and figure, in manifest order, built or left out with the reason"""

    def wildcards(self) -> Dict[str, str]:
        """The constraint of each wildcard of rules/dsi.smk (``wildcard_constraints:`` of its rules)."""
        return dict(WILDCARDS)

    # ---------------------------------------------------------------- GridWorld

    def gw_data_params(self) -> str:
        """``--params`` of the GridWorld data generator."""
        return json.dumps({k: self.gridworld[k] for k in ("seed_base", "data")}, sort_keys=True)

    def gw_eval_params(self) -> str:
        """``--params`` of the held-out GridWorld episodes."""
        return json.dumps({k: self.gridworld[k] for k in ("seed_base", "eval")}, sort_keys=True)

    def gw_train_params(self, recipe: str) -> str:
        """``--params`` of a GridWorld training: the common settings under the recipe's."""
        return json.dumps({**self.gridworld["common"], **self.gridworld["recipe"][recipe], "name": recipe},
                          sort_keys=True)

    def gw_score_params(self, recipe: str) -> str:
        """``--params`` of a GridWorld scoring: the training's, at the evaluation batch size."""
        common = self.gridworld["common"]
        return json.dumps({**common, **self.gridworld["recipe"][recipe], "name": recipe,
                           "batch_size": common["eval_batch_size"]}, sort_keys=True)

    def gw_data(self, variant: str, recipe: str, split: str) -> str:
        """A GridWorld data split (``train`` or ``test``) with the recipe's negatives."""
        negatives = self.gridworld["recipe"][recipe]["negatives"]
        return self.layout.res("gridworld_data", f"{variant}-{negatives}", f"{split}.npz")

    def gw_scores(self, run: GridRun, suffix: str = ".diagnostics.json") -> str:
        """A GridWorld run's scores (``.npz``) or diagnostics (``.diagnostics.json``)."""
        variant, recipe, ablation, seed = run
        return self.layout.res("scores", f"gridworld-{variant}", f"{recipe}-{ablation}", f"seed{seed}{suffix}")

    def gw_inputs(self, runs: Sequence[GridRun]) -> List[str]:
        """The diagnostics files of GridWorld runs."""
        return [self.gw_scores(run) for run in runs]

    def gw_runs_arg(self, runs: Sequence[GridRun]) -> str:
        """``--runs`` / ``--gridworld`` of the tables and claims: variant:recipe:ablation:seed:path."""
        return " ".join(f"{v}:{r}:{a}:{s}:{self.gw_scores((v, r, a, s))}" for v, r, a, s in runs)

    def gw_figure_eval(self) -> str:
        """The held-out episodes the score figure shows."""
        return self.layout.res("gridworld_eval", self.gw_figure_variant, "episodes.npz")

    def gw_figure_scores(self) -> List[str]:
        """Scores the figure shows: each recipe's first seed on the figure's variant."""
        return [self.gw_scores((self.gw_figure_variant, r, "full", self.gw_recipe_seeds[r][0]), ".npz")
                for r in self.gridworld["recipes"]]

    def gw_figure_scores_arg(self) -> str:
        """``--scores`` of the figure: recipe:path, the fixed recipe first."""
        recipes = sorted(self.gridworld["recipes"], key=lambda r: r != "fixed")
        return " ".join(
            f"{r}:{self.gw_scores((self.gw_figure_variant, r, 'full', self.gw_recipe_seeds[r][0]), '.npz')}"
            for r in recipes)

    # ---------------------------------------------------------------- Pong

    def pong_policy(self, name: str) -> str:
        """A Pong policy file (``a3c_half``: a3c's half-way checkpoint)."""
        return self.layout.res("pong_policies", f"{name}.pt")

    def rollout_policies(self, data_set: str) -> List[str]:
        """The policy files whose rallies make a Pong data set."""
        return [self.pong_policy(p) for p in self.pong["data"]["sets"][data_set]["policies"]]

    def rollout_policies_arg(self, data_set: str) -> str:
        """``--policies`` of the Pong rollouts: name=path."""
        return " ".join(f"{p}={self.pong_policy(p)}" for p in self.pong["data"]["sets"][data_set]["policies"])

    def pong_detector(self, data_set: str) -> str:
        """The detector of a Pong data set that the attacks and the figure use (first seed)."""
        return self.layout.res("detector", f"pong-{data_set}", f"seed{self.seeds[0]}", "detector.pt")

    def pong_figure_test(self) -> str:
        """The held-out rallies of the critical-frame figure (the first detector set)."""
        return self.layout.res("pong_data", self.pong_sets[0], "test.npz")

    def pong_figure_detector(self) -> str:
        return self.pong_detector(self.pong_sets[0])

    def attack_policy(self, variant: str) -> str:
        """The policy an attack variant perturbs."""
        return self.pong_policy(ATTACKS[variant][1])

    def attack_detector(self, variant: str) -> str:
        """The detector that picks an attack variant's steps."""
        return self.pong_detector(ATTACKS[variant][0])

    def attack_dir(self, variant: str) -> str:
        return self.layout.res("attack", variant)

    def attack_csv(self, run: AttackRun) -> str:
        variant, k, method = run
        return self.layout.res("attack", variant, f"k{k}", f"{method}.csv")

    def attack_outputs(self) -> List[str]:
        """One attack job's outputs, as patterns of ``{variant}``: every k x method."""
        return [self.attack_csv(("{variant}", k, m)) for k in self.pong["attack"]["ks"]
                for m in self.pong["attack"]["methods"]]

    def attack_inputs(self, runs: Sequence[AttackRun]) -> List[str]:
        return [self.attack_csv(run) for run in runs]

    def attack_runs_arg(self, runs: Sequence[AttackRun]) -> str:
        """``--runs`` / ``--attack`` of the attack table and claims: variant:k:method:path."""
        return " ".join(f"{v}:{k}:{m}:{self.attack_csv((v, k, m))}" for v, k, m in runs)

    # ---------------------------------------------------------------- Seaquest

    def seaquest_policy_outputs(self) -> List[str]:
        """One policy training's checkpoints, as patterns of ``{seed}``."""
        return [self.layout.res("seaquest_policies", f"dqn_seed{{seed}}_step{n}.pt")
                for n in self.seaquest["policies"]["checkpoints"]]

    def seaquest_policy_files(self) -> List[str]:
        """Every checkpoint of every policy seed: the policies of the Seaquest episodes."""
        return [self.layout.res("seaquest_policies", f"dqn_seed{s}_step{n}.pt")
                for s in self.seaquest["policies"]["seeds"] for n in self.seaquest["policies"]["checkpoints"]]

    def dqn_detector(self, method: str) -> Union[str, List[str]]:
        """The detector a DQN run needs: the Seaquest one (first seed) for DSI, none (``[]``) for
        n-step DQN."""
        if method != "dsi":
            return []
        return self.layout.res("detector", "seaquest", f"seed{self.seeds[0]}", "detector.pt")

    # ---------------------------------------------------------------- MinAtar

    def minatar_dir(self, game: str, method: str, seed) -> str:
        """A MinAtar DQN run's folder (Q-net checkpoints, progress.csv)."""
        return self.layout.res("minatar", game, method, f"seed{seed}")

    def minatar_dqn_outputs(self) -> List[str]:
        """One MinAtar DQN run's outputs, as patterns of ``{mgame}``, ``{mmethod}``, ``{seed}``."""
        d = self.minatar_dir("{mgame}", "{mmethod}", "{seed}")
        return [f"{d}/q_step{n}.pt" for n in self.minatar_checkpoints()] + [f"{d}/progress.csv"]

    def minatar_checkpoints(self) -> List[int]:
        """Saved steps: the configured checkpoints and the last step (the attacked agent)."""
        dqn = self.minatar["dqn"]
        return sorted(set(int(n) for n in dqn["checkpoints"]) | {int(dqn["env_steps"])})

    def minatar_agent(self, seed) -> str:
        """The attacked agent of a seed: the attack game's agent-method run, last step."""
        m = self.minatar
        return (f"{self.minatar_dir(m['attack_game'], m['agent_method'], seed)}"
                f"/q_step{int(m['dqn']['env_steps'])}.pt")

    def minatar_data_agents(self, game: str) -> List[str]:
        """A game's detector-data agents: every checkpoint of every agent seed."""
        m = self.minatar
        return [f"{self.minatar_dir(game, m['agent_method'], s)}/q_step{int(n)}.pt"
                for s in self.seeds for n in m["dqn"]["checkpoints"]]

    def minatar_data(self, game: str, split: str) -> str:
        return self.layout.res("minatar", game, "data", f"{split}.npz")

    def minatar_detector(self, game: str, name: str = "detector.pt") -> str:
        return self.layout.res("minatar", game, "detector", name)

    def minatar_attack_csv(self, seed) -> str:
        return self.layout.res("minatar", self.minatar["attack_game"], "attack", f"seed{seed}.csv")

    def minatar_improve_runs(self) -> List[str]:
        """Every policy-improvement DQN run's progress.csv (method x seed), none if not built."""
        if not self.minatar_improve_built:
            return []
        g = self.minatar["improve"]["game"]
        return [f"{self.minatar_dir(g, m, s)}/progress.csv" for m in self.minatar["improve"]["methods"]
                for s in self.seeds]

    def minatar_attacks(self) -> List[str]:
        """Every agent seed's attack CSV (the table and the claims), none if not built."""
        return [self.minatar_attack_csv(s) for s in self.seeds] if self.minatar_built else []

    def minatar_params(self, *blocks: str) -> str:
        """``--params`` of a MinAtar step: the named blocks and the detector's upsampling."""
        return json.dumps({**{b: self.minatar[b] for b in blocks}, "upsample": self.minatar["upsample"]},
                          sort_keys=True)

    def minatar_rollout_params(self) -> str:
        return json.dumps({b: self.minatar[b] for b in ("game", "data")}, sort_keys=True)

    def minatar_detector_params(self) -> str:
        return json.dumps({**self.minatar["detector"], "upsample": self.minatar["upsample"]}, sort_keys=True)

    def dqn_evals(self) -> List[str]:
        """Every DQN method x seed's evaluation: the Seaquest figure and table."""
        return [self.layout.res("eval", "dqn", m, f"seed{s}.csv")
                for m in self.seaquest["improve"]["methods"] for s in self.seeds]


def make_targets(layout: Layout, runs: int, *, ablations_built: bool, seaquest_built: bool,
                 pong_left_out: str = "", minatar_built: bool = False,
                 improve_left_out: str = MINATAR_LEFT_OUT) -> Targets:
    """DSI's tables and figures in manifest order; the ablations, Pong's, Seaquest's and
    MinAtar's may be left out."""
    pong_built = not pong_left_out
    t = Targets(layout, runs=runs)
    ablations_left_out = f"CPU time: the ablations need 5 trainings x seeds beyond the {layout.scale} budget"
    for ext in ("csv", "md"):
        t.add(f"table_gridworld_f1.{ext}", "GridWorld F1 table (README)")
        t.add(f"table_gridworld_diagnostics.{ext}", "degenerate-mask diagnostics (docs/fidelity/dsi.md, P1-P3)")
        t.add(f"table_ablation.{ext}", "loss ablations", built=ablations_built, left_out=ablations_left_out)
        t.add(f"table_pong_attack.{ext}", "Pong attack table", built=pong_built, left_out=pong_left_out)
        t.add(f"table_attack_minatar.{ext}", "attack table (MinAtar stand-in for Pong)",
              built=minatar_built, left_out=MINATAR_LEFT_OUT)
        t.add(f"table_seaquest.{ext}", "Seaquest final returns", built=seaquest_built, left_out=SEAQUEST_LEFT_OUT)
        t.add(f"table_improve_minatar.{ext}", "adaptive-horizon DQN final returns (MinAtar stand-in for Seaquest)",
              built=not improve_left_out, left_out=improve_left_out)
        t.add(f"compare_to_paper.{ext}", "reproduced vs reported")
    t.add("fig_gridworld_scores.pdf", "score-over-time visualisations (GridWorld)")
    t.add("fig_gridworld_env.pdf", "GridWorld example figure")
    t.add("fig_attack_vs_k.pdf", "attack vs k (extension)", built=pong_built, left_out=pong_left_out)
    t.add("fig_attack_minatar.pdf", "attack vs k (MinAtar stand-in)", built=minatar_built,
          left_out=MINATAR_LEFT_OUT)
    t.add("fig_pong_critical_frames.pdf", "Pong critical-frame visualisation", built=pong_built,
          left_out=pong_left_out)
    t.add("fig_seaquest_dqn.pdf", "Seaquest DQN figure", built=seaquest_built, left_out=SEAQUEST_LEFT_OUT)
    t.add("fig_improve_minatar.pdf", "adaptive-horizon DQN figure (MinAtar stand-in for Seaquest)",
          built=not improve_left_out,
          left_out=improve_left_out)
    return t


def make_plan(cfg: Dict[str, Any], scale: str, seeds: Sequence[int]) -> DsiPlan:
    """DSI's plan from its resolved settings at ``scale`` and its seeds there."""
    seeds = list(seeds)
    gw, pong, sq = cfg["gridworld"], cfg["pong"], cfg["seaquest"]
    layout = Layout(PAPER, scale)
    recipe_seeds = {r: list(gw.get("recipe_seeds", {}).get(r, seeds)) for r in gw["recipes"]}
    gw_runs = [(v, r, "full", s) for v in gw["variants"] for r in gw["recipes"] for s in recipe_seeds[r]]
    ablation_runs = [(gw["variants"][0], gw["ablation_recipe"], a, s) for a in gw["ablations"] for s in seeds]
    attack = pong["attack"]
    ablations_built = any(a != "full" for a in gw["ablations"])
    seaquest_built = scale in SEAQUEST_SCALES
    pong_left_out = str(pong.get("left_out", "")).strip()
    pong_built = not pong_left_out
    minatar = cfg["minatar"]
    minatar_built = bool(minatar["enabled"])
    improve_left_out = (str(minatar["improve"].get("left_out", "")).strip() or "") if minatar_built \
        else MINATAR_LEFT_OUT
    minatar_improve_built = not improve_left_out
    return DsiPlan(
        scale=scale,
        seeds=seeds,
        layout=layout,
        gridworld=gw,
        pong=pong,
        seaquest=sq,
        gw_recipe_seeds=recipe_seeds,
        gw_figure_variant=gw["variants"][0],
        gw_runs=gw_runs,
        gw_ablation_runs=ablation_runs,
        gw_claim_runs=[run for run in gw_runs if run[0] == "S"],
        ablations_built=ablations_built,
        pong_sets=sorted(set(pong["detector"]["sets"]) | {ATTACKS[v][0] for v in attack["variants"]}),
        attack_runs=([(v, k, m) for v in attack["variants"] for k in attack["ks"] for m in attack["methods"]]
                     if pong_built else []),
        seaquest_built=seaquest_built,
        pong_built=pong_built,
        minatar=minatar,
        minatar_built=minatar_built,
        minatar_improve_built=minatar_improve_built,
        targets=make_targets(layout, len(seeds), ablations_built=ablations_built, seaquest_built=seaquest_built,
                             pong_left_out=pong_left_out, minatar_built=minatar_built,
                             improve_left_out=improve_left_out),
    )
