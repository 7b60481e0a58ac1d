"""What the LSE part of the workflow builds at one scale: run lists, stage parameters and targets.

Pure functions of the paper's resolved settings (``resolve_paper(config, "lse", scale)``), so they
are tested without Snakemake (tests/lse/test_plan.py). rules/lse.smk builds the plan once::

    LSE_PLAN = make_plan(P("lse"), SCALE, seeds("lse"), paper=resolve_paper(config, "lse", "paper"))

and its rules read their inputs, parameters and targets from it.

Which targets are built at a scale follows from the settings, never from the scale's name:

- Fig. 2 (SE training curves): built where the scale trains SEs (``se.envs`` not empty).
- Fig. 3/4 and 7/8, the MBRL baseline and the SE claims: built where the scale also trains the SE
  variant of every SE mode its evaluations list (``se.eval.modes``: ``se_fixhp`` needs ``fixhp``).
  The laptop scale trains CartPole's fixhp SEs only (``se.left_out`` gives the measured reason for
  the rest); Fig. 4 and the MBRL baseline use the varied-HP SEs where trained, else the fixed-HP.
- Fig. 5/9: one figure per (env, protocol) of the paper scale, built where the scale runs it.
- Fig. 10: one per Cliff mode of the paper scale, built where the scale trains that mode.
- Fig. 11: the mirrored and the plain panel, each built where ``stepsize.mirrored`` lists it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple

from scripts.common.plan import Layout, Targets

# every env of the paper: the env_info rule records their specs and library versions
ENV_INFO_ENVS = ["cliff", "cartpole", "acrobot", "cmc", "halfcheetah"]

# SE envs -> (the figure of agents trained on SEs, the figure of SE vs real transitions)
SE_FIGS = {"cartpole": ("fig3", "fig4"), "acrobot": ("fig7", "fig8")}

# the dimensions of an SE's transitions that Fig. 4/8 histogram: next state, then reward
SE_DIMS = {
    "cartpole": ["x", "x_dot", "theta", "theta_dot", "reward"],
    "acrobot": ["cos1", "sin1", "cos2", "sin2", "dtheta1", "dtheta2", "reward"],
}

# the RN runs the claims read (config/claims.yaml): Cliff, these protocols, these modes
CLAIM_RN_PROTOCOLS = ("default", "varyhp")
CLAIM_RN_MODES = (0, 2, 6)

# regular expressions of the wildcards of the LSE rules (each rule states them itself)
WILDCARDS = {
    "env": "[a-z]+",
    "variant": "opt|fixhp|varyhp",
    "agent": "ddqn|duelingddqn|td3discrete",
    "semode": "real|se_fixhp|se_varyhp",
    "protocol": "default|varyhp|transfer",
    "rnmode": r"-?\d+",
    "i": r"\d+",
}

# the SE claims (config/claims.yaml, scripts/lse/claims.py) -> the evaluation mode they read
SE_CLAIM_MODES = {"lse_cartpole_se_fewer_steps": "se_varyhp", "lse_cartpole_se_solves": "se_varyhp",
                  "lse_cartpole_se_fixhp_fewer_steps": "se_fixhp", "lse_cartpole_se_fixhp_solves": "se_fixhp"}

NO_RUNS = "–"  # the manifest's seeds column of a target whose runs this scale does not make


def _union(first: Sequence[Any], second: Sequence[Any]) -> List[Any]:
    """``first`` then the items of ``second`` it lacks, in order."""
    return list(first) + [x for x in second if x not in first]


@dataclass
class PaperPlan:
    """The LSE plan at one scale (see :func:`make_plan`)."""

    # the module's constants, for rules/lse.smk (whose names share one namespace with every paper's)
    ENV_INFO_ENVS: ClassVar[List[str]] = ENV_INFO_ENVS
    SE_FIGS: ClassVar[Dict[str, Tuple[str, str]]] = SE_FIGS
    SE_DIMS: ClassVar[Dict[str, List[str]]] = SE_DIMS

    scale: str
    """the scale it was made for: smoke, laptop or paper"""
    layout: Layout
    """where the paper's files go at this scale"""
    se: Dict[str, Any]
    """the resolved ``se`` block: synthetic environments (training, evaluation, transitions)"""
    rn: Dict[str, Any]
    """the resolved ``rn`` block: reward networks"""
    mbrl: Dict[str, Any]
    """the resolved ``mbrl`` block: the supervised-model baseline"""
    stepsize: Dict[str, Any]
    """the resolved ``stepsize`` block: Fig. 11's grid"""
    stepsize_configs: List[Dict[str, Any]]
    """Fig. 11's NES runs, one per (mirrored, transform, step size); run i is ``cfg{i}``"""
    stepsize_mirrored: List[bool]
    """Fig. 11's panels at this scale, mirrored first"""
    se_evaluated: bool
    """whether the scale evaluates SEs (Fig. 3/4/7/8, MBRL baseline): it trains the SE variants
    that those agents train on"""
    fig2_logs: List[Tuple[str, str, str]]
    """Fig. 2's inputs: (env, variant, training log) of every SE run trained at this scale (the
    paper's Fig. 2 is the ``opt`` variant; the laptop trains the Fig. 3 variants only)"""
    rn_protocols: List[Tuple[str, str]]
    """(env, protocol) of every Fig. 5/9 panel run at this scale"""
    rn_runs: Dict[Tuple[str, str, int], str]
    """(env, protocol, mode) -> eval_rn result of every RN evaluation (modes, then baselines)"""
    fig10_modes: List[int]
    """the Cliff RN modes whose learned rewards Fig. 10 shows"""
    summary_tables: List[str]
    """the tables summary.md reads, where built at this scale"""
    claim_rn: Dict[Tuple[str, str, int], str]
    """the RN runs of the LSE claims: Cliff, default and varyhp protocols, modes 0, 2 and 6"""
    claims_left_out: Dict[str, str]
    """claim id -> why this scale runs none of it, for the SE claims of a variant it does not evaluate
    while it builds their target (Fig. 3)"""
    claim_se: List[str]
    """the SE runs of the LSE claims: CartPole DDQN on the real env and on each SE variant evaluated"""
    targets: Targets = field(repr=False)
    """every table and figure of the paper, built or left out at this scale (manifest order)"""

    @staticmethod
    def wildcards() -> Dict[str, str]:
        """The wildcard constraints of the LSE rules: each states them (``wildcard_constraints:
        **LSE_PLAN.wildcards()``), so no other paper's constraint of the same name applies."""
        return dict(WILDCARDS)

    # --------------------------------------------------------------------- run lists (inputs)
    def se_models(self, env: str, semode: str) -> List[str]:
        """The trained SEs an evaluation mode trains agents on: none for ``real``, else every run
        of the variant (``se_fixhp`` -> fixhp)."""
        if semode == "real":
            return []
        variant = semode[3:]
        return [self.layout.res("train_se", env, variant, f"seed{s}", "model.pt")
                for s in range(self.se["runs"][variant])]

    def mbrl_models(self, env: str) -> List[str]:
        """The supervised models of the MBRL baseline, one per dataset."""
        return [self.layout.res("mbrl_fit", env, f"model_seed{s}.pt") for s in range(self.mbrl["datasets"])]

    def mbrl_metrics(self, env: str) -> List[str]:
        return [self.layout.res("mbrl_fit", env, f"metrics_seed{s}.json") for s in range(self.mbrl["datasets"])]

    def rn_models(self, env: str, rnmode: str) -> List[str]:
        """Every NES run of an (env, RN mode), from which select_rn picks the best."""
        return [self.layout.res("train_rn", env, f"mode{rnmode}", f"seed{s}", "model.pt")
                for s in range(self.rn["runs"])]

    def rn_selected(self, env: str, rnmode: str) -> List[str]:
        """The selected RNs an eval_rn run needs: none for the baselines (0: real reward, -1: ICM)."""
        if int(rnmode) in (0, -1):
            return []
        return [self.layout.res("select_rn", env, f"mode{rnmode}", "best.json")]

    def fig3_inputs(self, env: str) -> List[str]:
        """Fig. 3/7's evaluations: every agent kind of the env, every mode."""
        return [self.layout.res("eval_se", env, a, f"{m}.csv")
                for a in self.se["eval"]["agents"].get(env, []) for m in self.se["eval"]["modes"]]

    @property
    def baseline_variant(self) -> str:
        """The SE variant that Fig. 4/8's transitions and the MBRL baseline's data come from: the
        paper's varyhp where this scale trains it, else fixhp (the laptop)."""
        return "varyhp" if "varyhp" in self.se["variants"] else "fixhp"

    def mbrl_transitions(self, env: str, seed: int) -> str:
        """The real-env test transitions of SE run ``seed`` that MBRL dataset ``seed`` is made of."""
        return self.layout.res("train_se", env, self.baseline_variant, f"seed{seed}", "real_transitions.npz")

    def fig_mbrl_inputs(self) -> List[str]:
        """The MBRL figure's evaluations: CartPole agents on the real env, on the SEs of
        ``baseline_variant`` and on the supervised models."""
        return [self.layout.res("eval_se", "cartpole", a, f"{m}.csv")
                for a in self.se["eval"]["agents"]["cartpole"]
                for m in ("real", f"se_{self.baseline_variant}", "mbrl")]

    def transitions_input(self, env: str) -> str:
        return self.layout.res("se_transitions", env, f"{self.se['transitions']['agent_kind']}.npz")

    def fig10_inputs(self) -> List[str]:
        return [self.layout.res("select_rn", "cliff", f"mode{m}", "best.json") for m in self.fig10_modes]

    def stepsize_runs(self) -> List[str]:
        return [self.layout.res("stepsize", f"cfg{i}.json") for i in range(len(self.stepsize_configs))]

    # --------------------------------------------------------------------- stage parameters
    def train_se_params(self, env: str, variant: str) -> Dict[str, Any]:
        return dict(self.se[env][variant], env=env, solved=self.se[env]["solved"], inner=self.se["inner"],
                    record_agents=self.se["record_agents"])

    def eval_se_params(self, env: str, agent: str) -> Dict[str, Any]:
        ev = self.se["eval"]
        return {"env": env, "agent_kind": agent, "agent": ev["agent_hp"][agent], "inner": ev["inner"],
                "solved": self.se[env]["solved"], "n_models": ev["n_models"],
                "agents_per_model": ev["agents_per_model"]}

    def se_transitions_params(self, env: str, agent: str) -> Dict[str, Any]:
        ev = self.se["eval"]
        return {"env": env, "agent_kind": agent, "agent": ev["agent_hp"][agent], "inner": ev["inner"],
                "n_agents": self.se["transitions"]["n_agents"]}

    def mbrl_fit_params(self, env: str) -> Dict[str, Any]:
        return {**{k: self.mbrl[k] for k in ("net", "lr", "batch_size", "epochs")}, "env": env}

    def mbrl_eval_params(self, env: str, agent: str) -> Dict[str, Any]:
        ev = self.se["eval"]
        return {"env": env, "agent_kind": agent, "agent": ev["agent_hp"][agent], "inner": ev["inner"],
                "solved": self.se[env]["solved"], "n_models": self.mbrl["datasets"],
                "agents_per_model": self.mbrl["agents_per_model"]}

    def train_rn_params(self, env: str) -> Dict[str, Any]:
        own = {k: v for k, v in self.rn[env].items() if k not in ("eval", "modes")}
        return {**own, "env": env, "nes": self.rn["nes"], "unsolved_weight": self.rn["unsolved_weight"]}

    def select_rn_params(self) -> Dict[str, Any]:
        return {"n_best": self.rn["n_best"]}

    def eval_rn_params(self, env: str) -> Dict[str, Any]:
        rn = self.rn[env]
        return dict(rn["eval"], env=env, solved=rn["solved"], net=rn["net"], info_keys=rn.get("info_keys", []),
                    n_models=min(rn["eval"]["n_models"], self.rn["n_best"]))

    def stepsize_params(self) -> Dict[str, Any]:
        return dict(self.stepsize, configs=self.stepsize_configs)

    # --------------------------------------------------------------------- figure arguments
    def fig2_logs_arg(self) -> str:
        """``ENV/VARIANT=log.csv ...`` for scripts.lse.fig2."""
        return " ".join(f"{env}/{variant}={path}" for env, variant, path in self.fig2_logs)

    def fig5_9_runs_arg(self) -> str:
        """``ENV/PROTOCOL/MODE=result.npz ...`` for scripts.lse.fig5_9."""
        return " ".join(f"{e}/{p}/{m}={path}" for (e, p, m), path in self.rn_runs.items())

    def fig5_9_figs(self) -> List[str]:
        return [self.targets[f"fig5_9_{e}_{p}.pdf"] for e, p in self.rn_protocols]

    def fig5_9_figs_arg(self) -> str:
        return " ".join(f"{e}/{p}={path}" for (e, p), path in zip(self.rn_protocols, self.fig5_9_figs()))

    def fig10_figs(self) -> List[str]:
        return [self.targets[f"fig10_cliff_mode{m}{v}.pdf"] for m in self.fig10_modes for v in ("", "_simplified")]

    def fig10_tables(self) -> List[str]:
        return [self.targets[f"table_fig10_cliff_rewards_mode{m}.csv"] for m in self.fig10_modes]

    def fig10_selected_arg(self) -> str:
        return " ".join(f"{m}={path}" for m, path in zip(self.fig10_modes, self.fig10_inputs()))

    def fig10_gamma(self) -> float:
        """The discount of the Cliff agents, with which Fig. 10 shows the learned rewards."""
        return self.rn["cliff"]["eval"]["protocols"]["default"]["agent"]["gamma"]

    def fig11_figs(self) -> List[str]:
        return [self.targets[_fig11_name(m)] for m in self.stepsize_mirrored]

    def fig11_outs_arg(self) -> str:
        return " ".join(f"--{_panel(m)}-out {self.targets[_fig11_name(m)]}" for m in self.stepsize_mirrored)

    def claim_rn_arg(self) -> str:
        return " ".join(f"{e}/{p}/{m}={path}" for (e, p, m), path in self.claim_rn.items())


def _panel(mirrored: bool) -> str:
    return "mirrored" if mirrored else "plain"


def _fig11_name(mirrored: bool) -> str:
    return f"fig11_stepsize_{_panel(mirrored)}.pdf"


def stepsize_configs(stepsize: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Fig. 11's grid, mirrored outermost, then transform, then step size."""
    return [{"transform": t, "step_size": a, "mirrored": m}
            for m in stepsize["mirrored"] for t in stepsize["transforms"] for a in stepsize["step_sizes"]]


def evaluates_se(se: Dict[str, Any]) -> bool:
    """Whether SEs are evaluated (Fig. 3/4/7/8, MBRL): the evaluations list an SE mode and the scale
    trains the variant of each SE mode they list."""
    se_modes = [m for m in se["eval"]["modes"] if m != "real"]
    return bool(se["envs"]) and bool(se_modes) and all(m[len("se_"):] in se["variants"] for m in se_modes)


def make_plan(cfg: Dict[str, Any], scale: str, seeds: Sequence[int],
              paper: Optional[Dict[str, Any]] = None) -> PaperPlan:
    """The LSE plan from its resolved settings at ``scale`` (``cfg``) and seed list.

    ``paper``: the resolved settings at paper scale (default: ``cfg``). Fig. 5/9 and Fig. 10 have
    one target per (env, protocol) and per Cliff mode of the paper; a smaller scale lists those it
    does not run as left out, so every scale's manifest names the same targets.
    """
    paper = cfg if paper is None else paper
    layout = Layout("lse", scale)
    se, rn, mbrl, ss = cfg["se"], cfg["rn"], cfg["mbrl"], cfg["stepsize"]
    ss_configs = stepsize_configs(ss)
    se_evaluated = evaluates_se(se)

    rn_protocols = [(e, p) for e in rn["envs"] for p in rn[e]["eval"]["run_protocols"]]
    rn_runs = {
        (e, p, m): layout.res("eval_rn", e, p, f"mode{m}.npz")
        for e, p in rn_protocols
        for m in rn[e]["modes"] + rn[e]["eval"]["baselines"]
    }
    fig10_modes = list(rn["cliff"]["modes"]) if "cliff" in rn["envs"] else []
    claim_se_here = se_evaluated and "cartpole" in se["envs"] and "ddqn" in se["eval"]["agents"].get("cartpole", [])

    targets = _targets(cfg, scale, seeds, paper, layout, se_evaluated, ss_configs)
    summary_tables = (
        ([layout.fig("table_rn_steps_to_threshold.csv")] if rn_protocols else [])
        + ([layout.fig("table_fig2_se_training.csv")] if se["envs"] else [])
        + ([layout.fig(f"table_{SE_FIGS[e][0]}_{e}.csv") for e in se["envs"]] if se_evaluated else [])
    )
    return PaperPlan(
        scale=scale,
        layout=layout,
        se=se,
        rn=rn,
        mbrl=mbrl,
        stepsize=ss,
        stepsize_configs=ss_configs,
        stepsize_mirrored=sorted(set(ss["mirrored"]), reverse=True),
        se_evaluated=se_evaluated,
        fig2_logs=[(e, v, layout.res("train_se", e, v, f"seed{s}", "log.csv"))
                   for e in se["envs"] for v in se["variants"] for s in range(se["runs"][v])],
        rn_protocols=rn_protocols,
        rn_runs=rn_runs,
        fig10_modes=fig10_modes,
        summary_tables=summary_tables,
        claim_rn={k: v for k, v in rn_runs.items()
                  if k[0] == "cliff" and k[1] in CLAIM_RN_PROTOCOLS and k[2] in CLAIM_RN_MODES},
        claim_se=([layout.res("eval_se", "cartpole", "ddqn", f"{m}.csv") for m in se["eval"]["modes"]]
                  if claim_se_here else []),
        claims_left_out=({c: se.get("left_out") or f"{scale} scale trains no {m[len('se_'):]} SE"
                          for c, m in SE_CLAIM_MODES.items() if m not in se["eval"]["modes"]}
                         if claim_se_here else {}),
        targets=targets,
    )


def _targets(cfg: Dict[str, Any], scale: str, seeds: Sequence[int], paper: Dict[str, Any], layout: Layout,
             se_evaluated: bool, ss_configs: List[Dict[str, Any]]) -> Targets:
    """Every table and figure of the paper, in manifest order, built or left out (with why)."""
    se, rn, ss = cfg["se"], cfg["rn"], cfg["stepsize"]
    t = Targets(layout, runs=len(seeds))

    # the manifest's seeds column: LSE's runs are NES runs, RN models and agents, not config seeds
    # a scale that leaves the SEs out may say why in ``se.left_out`` (e.g. the laptop's measured cost)
    se_reason = se.get("left_out") or (
        f"SE training and its 4000-agent evaluations need cluster CPU-hours; not run at {scale} scale"
        " (config/lse.yaml)")
    nes_runs = ", ".join(f"{se['runs'][v]} {v}" for v in se["variants"])
    se_runs = (f"NES runs per env: {nes_runs}; {se['eval']['n_models']} SEs x "
               f"{se['eval']['agents_per_model']} agents" if se["envs"] else NO_RUNS)

    def rn_runs(env: str) -> str:
        if env not in rn["envs"]:
            return NO_RUNS
        ev = rn[env]["eval"]
        return f"{rn['runs']} NES runs per mode; {ev['n_models']} RNs x {ev['agents_per_model']} agents"

    # Fig. 2: SE training
    for name, what in (("fig2_se_training.pdf", "Fig. 2"), ("table_fig2_se_training.md", "Fig. 2 (table)")):
        t.add(name, what, built=bool(se["envs"]), left_out=se_reason, runs=se_runs)

    # Fig. 3/7 (agents trained on SEs) and 4/8 (SE vs real transitions)
    for env, (f3, f4) in SE_FIGS.items():
        here = se_evaluated and env in se["envs"]
        for name in (f"{f3}_{env}_kde.pdf", f"{f3}_{env}_bars.pdf", f"table_{f3}_{env}.md"):
            t.add(name, f"Fig. {f3[3:]}", built=here, left_out=se_reason, runs=se_runs)
        for dim in SE_DIMS[env]:
            t.add(f"{f4}_{env}_hist_{dim}.pdf", f"Fig. {f4[3:]}", built=here, left_out=se_reason, runs=se_runs)

    # the supervised (MBRL) baseline, on CartPole
    mbrl_here = se_evaluated and "cartpole" in se["envs"]
    for name in ("fig_mbrl_baseline_kde.pdf", "fig_mbrl_baseline_bars.pdf", "table_mbrl_baseline.md"):
        t.add(name, "MBRL baseline (README)", built=mbrl_here, left_out=se_reason, runs=se_runs)

    # Fig. 5/9: one figure per (env, protocol) of the paper
    rn_here = ", ".join(f"{e} ({', '.join(rn[e]['eval']['run_protocols'])})" for e in rn["envs"]) or "none"
    for env in _union(paper["rn"]["envs"], rn["envs"]):
        in_paper = paper["rn"].get(env, rn[env])["eval"]["run_protocols"]
        for protocol in _union(in_paper, rn[env]["eval"]["run_protocols"]):
            t.add(f"fig5_9_{env}_{protocol}.pdf", "Fig. 5/9",
                  built=env in rn["envs"] and protocol in rn[env]["eval"]["run_protocols"],
                  left_out=f"{env} RNs ({protocol}) need cluster CPU-hours; {scale} scale runs {rn_here}",
                  runs=rn_runs(env))
    t.add("table_rn_steps_to_threshold.md", "Fig. 5/9 (steps to threshold)",
          runs="; ".join(f"{e}: {rn_runs(e)}" for e in rn["envs"]))

    # Fig. 10: the learned Cliff rewards, one set per mode of the paper
    cliff_here = "cliff" in rn["envs"]
    modes_here = ", ".join(map(str, rn["cliff"]["modes"])) if cliff_here else "none"
    for mode in _union(paper["rn"]["cliff"]["modes"], rn["cliff"]["modes"]):
        for name in (f"fig10_cliff_mode{mode}.pdf", f"fig10_cliff_mode{mode}_simplified.pdf",
                     f"table_fig10_cliff_rewards_mode{mode}.csv"):
            t.add(name, "Fig. 10", built=cliff_here and mode in rn["cliff"]["modes"],
                  left_out=f"Cliff mode {mode} is not trained at {scale} scale (modes here: {modes_here})",
                  runs=rn_runs("cliff"))

    # Fig. 11: iterations to solve per score transform and step size, mirrored and plain
    for mirrored in (True, False):
        t.add(_fig11_name(mirrored), "Fig. 11", built=mirrored in ss["mirrored"],
              left_out=f"{scale} scale runs the {_panel(True in ss['mirrored'])} panel only (a small Fig 11)",
              runs=f"{len(ss_configs)} NES runs (transform x step size)")

    t.add("summary.md", "claims (abstract, Fig. 2/3/5)", runs="see each claim")
    return t
