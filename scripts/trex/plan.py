"""What T-REX runs and builds at one scale: run lists, stage parameters and targets.

``make_plan(cfg, scale, seeds)`` turns the paper's resolved settings (config/trex.yaml at one
scale, ``scripts.common.config.resolve_paper``) into a :class:`PaperPlan`. rules/trex.smk builds
it once and holds rules only: their inputs, parameters and wildcard constraints come from here,
and every table or figure is named by its key in ``plan.targets``. Pure functions, no Snakemake,
unit-tested in tests/trex/test_plan.py.

Stage names: a MuJoCo task runs stages ``stage1..stage3`` (demos up to a later checkpoint each);
an Atari game runs ``stage1`` only; the ranking-noise sweep adds ``<stage>-swap<n>-trial<t>``
sets (n adjacent swaps of the ranking, trial t); ``control`` is PPO on a constant reward.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from scripts.common.plan import Layout, Targets

PAPER = "trex"

MUJOCO_TASKS = ("halfcheetah", "hopper", "ant")
"""The config's envs that are MuJoCo tasks; every other env is an Atari game."""

ATARI_SET = "stage1"
"""The one demo set of an Atari game."""

# why a target is left out at a scale (the manifest and the scorecard show these)
NO_ATARI = (
    "no Atari game at this scale: PPO on the learned reward (50M steps per game) runs ~56 agent"
    " steps/s with tianshou on 2 CPU cores (~10 days); see paper scale"
)
# the Atari extrapolation and attention figures need no RL on the learned reward, only the
# demonstrator's checkpoints (stage 1: up to 600-3,650 PPO updates of 8 x 128 steps) and a reward net
NO_ATARI_DEMOS = (
    "no Atari game at this scale: the ranked demos need the Atari demonstrator's PPO checkpoints "
    "(0.6M steps for Breakout, up to 3.7M for other games; ~3 h to a day per game at ~56 agent "
    "steps/s on 2 CPU cores) before any reward learning; see paper scale"
)
NO_MUJOCO = "no MuJoCo task configured at this scale"
NO_MTURK = (
    "the MTurk label CSVs index the authors' exact demos, which only their TF1 'atari25' checkpoints"
    " regenerate; no download rule for them is implemented"
)


def no_noise(scale: str) -> str:
    """Why the Hopper ranking-noise sweep is left out at ``scale``."""
    return (
        "Hopper ranking-noise sweep (6 levels x 9 trials of PPO) needs CPU hours; not run at"
        f" {scale} scale (built at smoke and paper scale)"
    )


# the tables compared with the paper's numbers (rules/trex.smk's trex_compare), in this order
COMPARED_TABLES = ("table_mujoco_performance.csv", "table_extrapolation_corr.csv", "table1_atari.csv",
                   "table_noise.csv")


# the reward block's keys that only the pair sampler (scripts.trex.make_pairs) reads; the
# reward learner (scripts.trex.train_reward) gets the rest; both read `members` (MuJoCo)
PAIR_KEYS = ("n_pairs", "min_len", "max_len", "stride", "whole_demo_games", "whole_demo_pairs",
             "pairs_per_member", "window")


def _dump(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)


def run_env(block: Dict[str, Any]) -> Dict[str, Any]:
    """How a step makes the env (scripts.trex.params.RunEnv): an env block's episode cap and,
    for a MinAtar game, its settings."""
    out = {"max_episode_steps": block.get("max_episode_steps")}
    if block.get("minatar") is not None:
        out["minatar"] = block["minatar"]
    return out


# --- each step's --params JSON from an env block (plan.envcfg[env], or the MinAtar game's) and
# the config's blocks of the env's kind; each fits its step's Params dataclass
# (tests/workflow/test_step_params.py checks every job's)

def demonstrator_params(block: Dict[str, Any], ppo: Dict[str, Any]) -> str:
    """scripts.trex.train_demonstrator: the demonstrator run, the env and PPO."""
    return _dump({"env": {"demonstrator": block["demonstrator"], **run_env(block)}, "ppo": ppo})


def rollout_params(block: Dict[str, Any]) -> str:
    """scripts.trex.generate_rollouts: the env's whole block."""
    return _dump({"env": block})


def pairs_params(block: Dict[str, Any], reward: Dict[str, Any]) -> str:
    """scripts.trex.make_pairs: the stages and the pair sampler's keys of the reward block."""
    return _dump({"stages": block["stages"], "ckpt_every": block["demonstrator"]["ckpt_every"],
                  "pairs": {k: v for k, v in reward.items() if k in PAIR_KEYS + ("members",)}})


def reward_params(reward: Dict[str, Any]) -> str:
    """scripts.trex.train_reward: the reward block without the pair sampler's keys."""
    return _dump({k: v for k, v in reward.items() if k not in PAIR_KEYS})


def predict_params(block: Dict[str, Any]) -> str:
    """scripts.trex.predict_returns: the stages."""
    return _dump({"stages": block["stages"], "ckpt_every": block["demonstrator"]["ckpt_every"]})


def policy_params(block: Dict[str, Any], ppo: Dict[str, Any], rl: Dict[str, Any]) -> str:
    """scripts.trex.train_policy: the env, PPO and the RL run."""
    return _dump({"env": run_env(block), "ppo": ppo, "rl": rl})


def eval_params(block: Dict[str, Any], ev: Dict[str, Any]) -> str:
    """scripts.trex.eval_policy: the env and the evaluation."""
    return _dump({"env": run_env(block), "eval": ev})


def env_kind(env: str) -> str:
    """``"mujoco"`` or ``"atari"``: which PPO, reward, RL and evaluation settings an env uses."""
    return "mujoco" if env in MUJOCO_TASKS else "atari"


@dataclass
class PaperPlan:
    """T-REX at one scale: what runs, with which settings, and which tables and figures it builds."""

    cfg: Dict[str, Any]
    """the paper's resolved settings at this scale (config/trex.yaml, scale block merged)"""
    scale: str
    """smoke, laptop or paper"""
    layout: Layout
    """where the paper's files go at this scale"""
    seeds: List[int]
    """RL seeds of every MuJoCo stage (the paper's seed list at this scale)"""
    atari_seeds: List[int]
    """RL seeds of every Atari game: the first ``atari_rl_seeds`` seeds"""
    control_seeds: List[int]
    """seeds of the constant-reward control: the first ``control_seeds`` seeds"""
    demonstrator_seed: int
    """seed of the demonstrator, its rollouts, the pairs and the reward net"""
    mujoco_envs: List[str]
    """MuJoCo tasks run at this scale"""
    atari_envs: List[str]
    """Atari games run at this scale"""
    kind: Dict[str, str]
    """every configured env -> ``"mujoco"`` or ``"atari"`` (resources ``by: kind`` use it too)"""
    envcfg: Dict[str, Dict[str, Any]]
    """every configured env -> its settings, its ``stages`` limited to the scale's
    ``mujoco_stages`` for a MuJoCo task (an Atari game keeps its one stage)"""
    mujoco_sets: List[Tuple[str, str]]
    """(task, stage) of every MuJoCo demo set run: one reward net and ``seeds`` policies each"""
    noise: Optional[Dict[str, Any]]
    """the ranking-noise sweep's settings, or None where it is disabled at this scale"""
    noise_env: str
    """the env of the ranking-noise sweep (hopper where the sweep is disabled)"""
    noise_sets: List[str]
    """demo sets of the ranking-noise sweep: ``<stage>-swap<n>-trial<t>``"""
    targets: Targets
    """every table and figure, built or left out with its reason, in manifest order"""

    # --- paths -------------------------------------------------------------------------------

    def res(self, *parts: str) -> str:
        return self.layout.res(*parts)

    @property
    def demonstrator_dir(self) -> str:
        """The demonstrator's run directory, with an ``{env}`` wildcard."""
        return self.res("demonstrator", "{env}", f"seed{self.demonstrator_seed}")

    def demos_meta(self, envs: List[str]) -> List[str]:
        return [self.res("demos", e, "demos_meta.csv") for e in envs]

    def mujoco_evals(self) -> List[str]:
        """Evaluations of every MuJoCo policy: sets x seeds."""
        return [self.res("eval", e, s, f"seed{k}.csv") for e, s in self.mujoco_sets for k in self.seeds]

    def control_evals(self) -> List[str]:
        """Evaluations of the constant-reward control policies."""
        return [self.res("eval", e, "control", f"seed{k}.csv") for e in self.cfg["control_envs"]
                for k in self.control_seeds]

    def atari_evals(self) -> List[str]:
        """Evaluations of every Atari policy: games x Atari seeds."""
        return [self.res("eval", g, ATARI_SET, f"seed{k}.csv") for g in self.atari_envs for k in self.atari_seeds]

    def mujoco_predictions(self) -> List[str]:
        """Predicted vs true returns of every MuJoCo demo set."""
        return [self.res("pred_vs_true", e, s, "pred_vs_true.csv") for e, s in self.mujoco_sets]

    def atari_predictions(self) -> List[str]:
        """Predicted vs true returns of every Atari game."""
        return [self.res("pred_vs_true", g, ATARI_SET, "pred_vs_true.csv") for g in self.atari_envs]

    def noise_evals(self) -> List[str]:
        """Evaluations of the ranking-noise sweep's policies (the first seed)."""
        return [self.res("eval", self.noise_env, s, f"seed{self.seeds[0]}.csv") for s in self.noise_sets]

    def noise_pairs(self) -> List[str]:
        """Pairs of the ranking-noise sweep (their measured order correctness is the x axis)."""
        return [self.res("pairs", self.noise_env, s, "pairs.npz") for s in self.noise_sets]

    def claims_demos(self) -> List[str]:
        """Demo metadata of every env a claim reads (best demo), sorted, each once."""
        envs = self.mujoco_envs + self.atari_envs + ([self.noise["env"]] if self.noise else [])
        return sorted(set(self.demos_meta(envs)))

    def attention_inputs(self) -> Dict[str, str]:
        """The attention figure's reward net, demos and held-out trajectories."""
        env = self.cfg["attention_env"]
        return {"reward": self.res("reward", env, ATARI_SET, "reward.pt"),
                "demos": self.res("demos", env, "demos.npz"),
                "heldout": self.res("heldout", env, "trajs.npz")}

    def compare_tables(self) -> List[str]:
        """The tables compared with the paper's numbers that are built at this scale."""
        return [self.targets[n] for n in COMPARED_TABLES if self.targets.target(n).built]

    def policy_reward(self, env: str, set_: str) -> Union[str, List[str]]:
        """The reward net a policy is trained on; none (``[]``) for the constant-reward control."""
        return [] if set_ == "control" else self.res("reward", env, set_, "reward.pt")

    # --- parameters --------------------------------------------------------------------------

    def block(self, section: str, env: str) -> Dict[str, Any]:
        """The config's ``<section>_<kind>`` block for ``env`` (ppo, reward, rl or eval)."""
        return self.cfg[f"{section}_{self.kind[env]}"]

    def params(self, step: str, env: str) -> str:
        """The ``--params`` JSON of ``env``'s job of ``step`` (demonstrator, rollouts, pairs,
        reward, predict, policy or eval): only the settings that step reads."""
        block = self.envcfg[env]
        if step == "demonstrator":
            return demonstrator_params(block, self.block("ppo", env))
        if step == "rollouts":
            return rollout_params(block)
        if step == "pairs":
            return pairs_params(block, self.block("reward", env))
        if step == "reward":
            return reward_params(self.block("reward", env))
        if step == "predict":
            return predict_params(block)
        if step == "policy":
            return policy_params(block, self.block("ppo", env), self.block("rl", env))
        if step == "eval":
            return eval_params(block, self.block("eval", env))
        raise ValueError(f"no T-REX step '{step}'")

    def experiment(self, env: str, set_: str) -> str:
        """The evaluation's experiment column: ``noise`` for the sweep, else the env's kind."""
        return "noise" if "swap" in set_ else self.kind[env]

    def mujoco_stages_params(self) -> str:
        """The MuJoCo figure's ``--params`` JSON: each task's stages."""
        return json.dumps({"stages": {e: self.envcfg[e]["stages"] for e in self.mujoco_envs}}, sort_keys=True)

    def claims_params(self) -> str:
        """The claims step's ``--params`` JSON: each task's stages and the noise sweep's set-up."""
        noise = None
        if self.noise:
            noise = {"env": self.noise["env"], "stage": self.noise["stage"],
                     "stages": self.envcfg[self.noise["env"]]["stages"]}
        return json.dumps({"stages": {e: self.envcfg[e]["stages"] for e in self.mujoco_envs}, "noise": noise},
                          sort_keys=True)

    def wildcards(self) -> Dict[str, str]:
        """Wildcard constraints of the T-REX rules: ``env`` (a configured env), ``set`` (a demo
        set or the control: what a policy is trained on) and ``tset`` (a demo set)."""
        return {
            "env": "|".join(self.cfg["envs"]),
            "set": r"stage\d+(-swap\d+-trial\d+)?|control",
            "tset": r"stage\d+(-swap\d+-trial\d+)?",
        }


def make_targets(layout: Layout, cfg: Dict[str, Any], seeds: List[int], atari_seeds: List[int],
                 noise: Optional[Dict[str, Any]]) -> Targets:
    """Every T-REX table and figure at ``layout.scale``, in manifest order, each built or left
    out with its reason."""
    t = Targets(layout, runs=len(seeds))
    mujoco, atari = bool(cfg["mujoco_envs"]), bool(cfg["atari_envs"])
    for name in ("table1_atari.csv", "table1_atari.md"):
        t.add(name, "Table 1 (Atari LfD performance)", built=atari, left_out=NO_ATARI, runs=len(atari_seeds))
    t.add("fig_extrapolation_atari.pdf", "Fig. extrapolation (Atari)", built=atari, left_out=NO_ATARI_DEMOS)
    t.add("fig_attention_breakout.pdf", "Fig. reward attention (Breakout)",
          built=cfg["attention_env"] in cfg["atari_envs"], left_out=NO_ATARI_DEMOS)
    for name, reproduces in [
        ("fig_mujoco_performance.pdf", "Fig. MuJoCo performance (bar chart)"),
        ("table_mujoco_performance.csv", "Fig. MuJoCo performance (numbers)"),
        ("table_mujoco_performance.md", "Fig. MuJoCo performance (numbers)"),
        ("fig_extrapolation.pdf", "Fig. extrapolation (MuJoCo)"),
        ("table_extrapolation_corr.csv", "Extrapolation correlations (not in the paper)"),
        ("table_extrapolation_corr.md", "Extrapolation correlations (not in the paper)"),
    ]:
        t.add(name, reproduces, built=mujoco, left_out=NO_MUJOCO)
    noise_runs = f"{noise['trials']} trials x {len(noise['swaps'])} noise levels" if noise else None
    for name, reproduces in [
        ("fig_noise_hopper.pdf", "Fig. ranking noise (Hopper)"),
        ("table_noise.csv", "Fig. ranking noise (numbers)"),
        ("table_noise.md", "Fig. ranking noise (numbers)"),
    ]:
        t.add(name, reproduces, built=noise is not None, left_out=no_noise(layout.scale), runs=noise_runs)
    t.add("table_mturk.csv", "Table MTurk (human rankings)", built=False, left_out=NO_MTURK)
    t.add("compare_to_paper.md", "Reproduced vs reported (all T-REX tables)")
    return t


def make_plan(cfg: Dict[str, Any], scale: str, seeds: List[int]) -> PaperPlan:
    """The T-REX plan at ``scale`` from its resolved settings and its seed list."""
    seeds = list(seeds)
    kind = {e: env_kind(e) for e in cfg["envs"]}
    envcfg = {
        e: {**c, "stages": {s: r for s, r in c["stages"].items()
                            if s in cfg["mujoco_stages"] or kind[e] == "atari"}}
        for e, c in cfg["envs"].items()
    }
    mujoco_envs, atari_envs = list(cfg["mujoco_envs"]), list(cfg["atari_envs"])
    noise = cfg["noise"] if cfg["noise"]["enabled"] else None
    noise_sets = ([f"{noise['stage']}-swap{n}-trial{t}" for n in noise["swaps"] for t in range(noise["trials"])]
                  if noise else [])
    atari_seeds = seeds[: cfg["atari_rl_seeds"]]
    layout = Layout(PAPER, scale)
    return PaperPlan(
        cfg=cfg,
        scale=scale,
        layout=layout,
        seeds=seeds,
        atari_seeds=atari_seeds,
        control_seeds=seeds[: cfg["control_seeds"]],
        demonstrator_seed=cfg["demonstrator_seed"],
        mujoco_envs=mujoco_envs,
        atari_envs=atari_envs,
        kind=kind,
        envcfg=envcfg,
        mujoco_sets=[(e, s) for e in mujoco_envs for s in envcfg[e]["stages"]],
        noise=noise,
        noise_env=noise["env"] if noise else "hopper",
        noise_sets=noise_sets,
        targets=make_targets(layout, cfg, seeds, atari_seeds, noise),
    )
