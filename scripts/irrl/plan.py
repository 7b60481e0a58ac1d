"""What the IRRL workflow builds at one scale: runs, derived settings, paths and targets.

``make_plan(cfg, scale, seeds)`` turns IRRL's resolved settings (config/irrl.yaml at one scale,
``scripts.common.config.resolve_paper``) into an :class:`IrrlPlan`: every training run of RAM and
DT-RAM, the runs each later stage reads (tests, reward hacking, noise, the reward-gradient
ablation, skill discovery), and every table and figure with what it reproduces, or why it is
left out at this scale. rules/irrl.smk builds the plan once and holds rules only; this module is
plain Python (no Snakemake), tested in tests/irrl/test_plan.py.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, NamedTuple

from scripts.common.plan import Layout, Targets

PAPER = "irrl"

# the values each wildcard of rules/irrl.smk may take (the same enums as config/schema/irrl.schema.yaml)
MODELS = ("ram", "dtram")
DETACH_MODES = ("official", "detached")  # official keeps the information reward's gradient (the IRRL code)
REWARDS = ("acc", "log_clip", "log_noclip", "lin_clip", "lin_noclip")
SKILL_REWARDS = REWARDS + ("disdain",)
SKILL_ENVS = ("small", "large")
MNIST_FILES = ("mnist_train_images", "mnist_train_labels", "mnist_test_images", "mnist_test_labels")

# a run's directory under results/<scale>/irrl/<stage>/: the rules' output patterns as written,
# and a run's own directory once formatted with its values
RUN_DIR = os.path.join("{model}", "{reward}", "{detach}", "seed{seed}")  # train/, test/
RH_DIR = os.path.join("{reward}", "seed{seed}")  # rh/
SKILL_DIR = os.path.join("{env}", "{sreward}", "seed{seed}")  # skills/

DTRAM_LEFT_OUT = (
    "DT-RAM is not run at this scale (config/irrl.yaml experiments.dtram_rewards is empty:"
    " it stayed at chance at the laptop budget, so its minutes go to the RAM seeds)"
)
OBJECT_COUNTING_LEFT_OUT = "not reproducible: the paper's robotic object-counting code and setup are not released"


class Run(NamedTuple):
    """One training run of rule irrl_train; runs sort as (model, reward, detach, seed)."""

    model: str  # "ram" or "dtram"
    reward: str  # the reward of the policy (scripts/irrl/rewards.py)
    detach: str  # "official" (the IRRL code) or "detached" (the reward-gradient ablation)
    seed: int

    @property
    def subdir(self) -> str:
        """The run's directory under train/ and test/: <model>/<reward>/<detach>/seed<seed>."""
        return RUN_DIR.format(model=self.model, reward=self.reward, detach=self.detach, seed=self.seed)


# names of the figures that vary with a model, reward or env: each is declared as a target under
# its name, and rules with wildcards write the same name as a pattern ("{model}")
def curves_name(model: str) -> str:
    return f"fig_{model}_curves.pdf"


def case_names(reward: str, n_cases: int) -> List[str]:
    return [f"cases/{reward}/case_{i}.png" for i in range(n_cases)]


def skills_name(env: str) -> str:
    return f"fig_skills_learned_{env}.pdf"


def occupancy_name(env: str, sreward: str) -> str:
    return f"fig_state_occupancy_{env}_{sreward}.pdf"


@dataclass
class IrrlPlan:
    """What rules/irrl.smk builds at one scale (made by :func:`make_plan`): the runs as data,
    their files as properties and methods, so each path is written in one place."""

    layout: Layout
    """where IRRL's files go at this scale"""
    seeds: List[int]
    """seeds of the main RAM runs (config `seeds`); the first one's runs draw the glimpse cases"""
    digits_from_mnist: bool
    """whether the digits come from the downloaded MNIST IDX files (`data.digits_source:
    mnist_idx`, paper scale) rather than a registry package's bundled digits"""
    checkpoint_epochs: List[int]
    """epochs E whose state irrl_train saves as ckpt_eE.pt: `ram.save_epochs` up to `ram.epochs`,
    and `ram.epochs` itself"""
    runs: List[Run]
    """every training run of this scale, sorted, each once: the main rewards on the main seeds,
    the unclipped rewards, both detach modes of the ablation's rewards, and DT-RAM"""
    tests: Dict[str, List[Run]]
    """model -> the runs its test rule (irrl_test_<model>) evaluates, for each model run at this
    scale: RAM's main rewards x main seeds, DT-RAM's rewards x its seeds"""
    oracle_run: Run
    """the run whose converged discriminator reward hacking and the noise analysis compare with"""
    oracle_epoch: int
    """the epoch of that run's checkpoint used as the oracle"""
    rh_rewards: List[str]
    """rewards of the reward-hacking runs (a policy rewarded by the frozen oracle)"""
    rh_seeds: List[int]
    """seeds of the reward-hacking runs"""
    detach_rewards: List[str]
    """rewards of the reward-gradient ablation (official vs detached)"""
    detach_seeds: List[int]
    """seeds of the reward-gradient ablation"""
    noise_run: Run
    """the run whose checkpoints the discriminator-noise analysis reads"""
    noise_epochs: List[int]
    """the epochs the noise analysis looks at"""
    n_cases: int
    """glimpse cases drawn per case reward"""
    case_rewards: List[str]
    """rewards whose glimpse cases are drawn"""
    skill_envs: List[str]
    """four-rooms sizes of skill discovery ("small", "large")"""
    skill_rewards: List[str]
    """reward variants of skill discovery"""
    skill_seeds: List[int]
    """seeds of skill discovery; the first one's runs draw the occupancy figures"""
    skill_env_settings: Dict[str, Dict[str, Any]]
    """env -> its settings (skills, horizon, iterations, occupancy panels per reward)"""
    targets: Targets
    """every table and figure, in manifest order, built or left out with the reason"""

    def wildcards(self) -> Dict[str, str]:
        """The wildcard constraints of IRRL's rules (each rule states them; none are global)."""
        return {
            "model": "|".join(MODELS),
            "detach": "|".join(DETACH_MODES),
            "reward": "|".join(REWARDS),
            "sreward": "|".join(SKILL_REWARDS),
            "env": "|".join(SKILL_ENVS),
            "mnist": "|".join(MNIST_FILES),
        }

    # --- data
    def mnist_file(self, name: str = "{mnist}") -> str:
        """A downloaded MNIST IDX file (the pattern by default)."""
        return self.layout.res("data", "mnist", f"{name}.gz")

    @property
    def mnist_downloads(self) -> List[str]:
        """The MNIST IDX files irrl_get_digits reads: all four, or none when the digits come
        from a registry package."""
        return [self.mnist_file(name) for name in MNIST_FILES] if self.digits_from_mnist else []

    @property
    def dataset(self) -> str:
        """The Cluttered MNIST dataset every RAM / DT-RAM stage reads."""
        return self.layout.res("cluttered", "dataset.npz")

    # --- training runs and their tests
    def train_file(self, run: Run, name: str) -> str:
        """A file of a training run: results/<scale>/irrl/train/<run>/<name>."""
        return self.layout.res("train", run.subdir, name)

    @property
    def main_metrics(self) -> List[str]:
        """metrics.csv of every run with the official reward gradient, in run order."""
        return [self.train_file(run, "metrics.csv") for run in self.runs if run.detach == "official"]

    def test_file(self, run: Run, name: str) -> str:
        """A file of a run's test: results/<scale>/irrl/test/<run>/<name>."""
        return self.layout.res("test", run.subdir, name)

    def test_inputs(self, model: str) -> List[str]:
        """The trained models that irrl_test_<model> evaluates."""
        return [self.train_file(run, "model.pt") for run in self.tests[model]]

    def test_outputs(self, model: str, name: str) -> List[str]:
        """What irrl_test_<model> writes per run: "test.json" or "cases.npz"."""
        return [self.test_file(run, name) for run in self.tests[model]]

    def test_jsons(self) -> List[str]:
        """test.json of every tested run, model by model."""
        return [path for model in self.tests for path in self.test_outputs(model, "test.json")]

    def test_rewards(self, model: str) -> str:
        """irrl_test_<model>'s --rewards: each run's reward, in run order."""
        return " ".join(run.reward for run in self.tests[model])

    def test_seeds(self, model: str) -> str:
        """irrl_test_<model>'s --seeds: each run's seed, in run order."""
        return " ".join(str(run.seed) for run in self.tests[model])

    def curves_figure(self, model: str = "{model}") -> str:
        """The accuracy curves of one model (the pattern by default)."""
        return self.layout.fig(curves_name(model))

    def case_source(self, reward: str = "{reward}") -> str:
        """The glimpse cases of a reward's main RAM run on the first seed (the pattern by default)."""
        return self.test_file(Run("ram", reward, "official", self.seeds[0]), "cases.npz")

    def case_figures(self, reward: str = "{reward}") -> List[str]:
        """The glimpse-case images of one reward (the pattern by default)."""
        return [self.layout.fig(name) for name in case_names(reward, self.n_cases)]

    # --- reward hacking, the reward-gradient ablation, discriminator noise
    @property
    def oracle(self) -> str:
        """The oracle checkpoint (the converged discriminator)."""
        return self.train_file(self.oracle_run, f"ckpt_e{self.oracle_epoch}.pt")

    @property
    def rh_metrics(self) -> List[str]:
        """metrics.csv of every reward-hacking run (rh_rewards x rh_seeds)."""
        return [self.layout.res("rh", RH_DIR.format(reward=r, seed=s), "metrics.csv")
                for r in self.rh_rewards for s in self.rh_seeds]

    @property
    def rh_base_metrics(self) -> List[str]:
        """metrics.csv of the ordinary RAM runs of the reward-hacking rewards, to compare with."""
        return [self.train_file(run, "metrics.csv") for run in self.runs
                if run.model == "ram" and run.detach == "official" and run.reward in self.rh_rewards]

    @property
    def detach_runs(self) -> List[Run]:
        """The ablation's runs: reward, then detach mode, then seed."""
        return [Run("ram", r, d, s) for r in self.detach_rewards for d in DETACH_MODES for s in self.detach_seeds]

    @property
    def detach_metrics(self) -> List[str]:
        """metrics.csv of the ablation's runs."""
        return [self.train_file(run, "metrics.csv") for run in self.detach_runs]

    @property
    def noise_checkpoints(self) -> List[str]:
        """The noise run's checkpoints at the analysed epochs."""
        return [self.train_file(self.noise_run, f"ckpt_e{e}.pt") for e in self.noise_epochs]

    @property
    def noise_outputs(self) -> List[str]:
        """The discriminator noise at each analysed epoch (.npy)."""
        run = self.noise_run
        return [self.layout.res("noise", f"{run.reward}_seed{run.seed}_e{e}.npy") for e in self.noise_epochs]

    # --- skill discovery
    @property
    def skill_stats(self) -> List[str]:
        """stats.csv of every skill-discovery run (env x reward x seed)."""
        return [self.layout.res("skills", SKILL_DIR.format(env=env, sreward=sr, seed=s), "stats.csv")
                for env in self.skill_envs for sr in self.skill_rewards for s in self.skill_seeds]

    def skill_params(self, env: str, sreward: str) -> Dict[str, Any]:
        """What one skill-discovery run adds to the `skills` settings: its env's settings, the
        env's name, and the iterations at which it snapshots the occupancy (its reward's panels)."""
        settings = self.skill_env_settings[env]
        return {**settings, "env": env, "snapshot_iters": settings["panels"][sreward]}

    def skills_figures(self) -> List[str]:
        """The skills-learned curves, one per env."""
        return [self.targets[skills_name(env)] for env in self.skill_envs]

    def occupancy_figure(self, env: str = "{env}", sreward: str = "{sreward}") -> str:
        """The state-occupancy figure of one env and reward (the pattern by default)."""
        return self.layout.fig(occupancy_name(env, sreward))

    def occupancy_stats(self, env: str = "{env}", sreward: str = "{sreward}") -> str:
        """stats.csv of the first seed's run (the job that also writes its snapshots)."""
        run_dir = SKILL_DIR.format(env=env, sreward=sreward, seed=self.skill_seeds[0])
        return self.layout.res("skills", run_dir, "stats.csv")

    def occupancy_snapshots(self, env: str, sreward: str) -> List[str]:
        """The snapshots the occupancy figure shows: at initialization and at its reward's panels."""
        run_dir = os.path.dirname(self.occupancy_stats(env, sreward))
        return [os.path.join(run_dir, f"snap_{i}.npz") for i in [0] + self.skill_env_settings[env]["panels"][sreward]]


def checkpoint_epochs(ram: Dict[str, Any]) -> List[int]:
    """Epochs whose state a training run saves: `save_epochs` up to `epochs`, and `epochs`."""
    return sorted({e for e in ram["save_epochs"] if e <= ram["epochs"]} | {ram["epochs"]})


def training_runs(ex: Dict[str, Any], seeds: List[int]) -> List[Run]:
    """Every training run of a scale, each once, sorted (a run two experiments share is trained once)."""
    runs = {Run("ram", r, "official", s) for r in ex["main_rewards"] for s in seeds}
    runs |= {Run("ram", r, "official", s) for r in ex["unclipped_rewards"] for s in ex["unclipped_seeds"]}
    runs |= {Run("ram", r, d, s) for r in ex["detach_rewards"] for d in DETACH_MODES for s in ex["detach_seeds"]}
    runs |= {Run("dtram", r, "official", s) for r in ex["dtram_rewards"] for s in ex["dtram_seeds"]}
    return sorted(runs)


def targets_of(layout: Layout, runs: int, dtram: bool, case_rewards: List[str], n_cases: int,
               skill_envs: List[str], skill_rewards: List[str]) -> Targets:
    """IRRL's tables and figures in manifest order; DT-RAM's curves are left out when DT-RAM is
    not run (``dtram`` false), the robotic object counting always."""
    targets = Targets(layout, runs=runs)
    targets.add("cluttered_examples.png", "Cluttered MNIST samples (generator preview)")
    targets.add(curves_name("ram"), "Fig. RAM on Cluttered MNIST")
    targets.add(curves_name("dtram"), "Fig. DT-RAM on Cluttered MNIST", built=dtram, left_out=DTRAM_LEFT_OUT)
    for ext in ("csv", "md"):
        targets.add(f"table_digit_accuracy.{ext}", "RAM/DT-RAM accuracy (from the figures)")
    for name in ("table_detach_ablation.csv", "table_detach_ablation.md", "fig_detach_ablation.pdf"):
        targets.add(name, "Reward-gradient ablation (not in the paper)")
    targets.add("fig_reward_hacking.pdf", "Fig. reward hacking (poster)")
    targets.add("fig_noise_violin.pdf", "Fig. discriminator noise (poster)")
    for ext in ("csv", "md"):
        targets.add(f"table_noise_stats.{ext}", "Discriminator noise statistics")
    for reward in case_rewards:
        for name in case_names(reward, n_cases):
            targets.add(name, f"Glimpse cases ({reward})")
    for env in skill_envs:
        targets.add(skills_name(env), f"Fig. skill discovery ({env} four rooms)")
        for sreward in skill_rewards:
            targets.add(occupancy_name(env, sreward), f"Fig. state occupancy ({env}, {sreward})")
    for ext in ("csv", "md"):
        targets.add(f"table_skills.{ext}", "Skill discovery plateaus")
    targets.add("summary.md", "Claims 1-4 of the paper")
    targets.add("fig_object_counting.pdf", "Fig. robotic object counting", built=False,
                left_out=OBJECT_COUNTING_LEFT_OUT)
    return targets


def make_plan(cfg: Dict[str, Any], scale: str, seeds: List[int]) -> IrrlPlan:
    """IRRL's plan at ``scale`` from its resolved settings ``cfg`` and its main ``seeds``."""
    layout = Layout(PAPER, scale)
    ex, sk, ram = cfg["experiments"], cfg["skills"], cfg["ram"]
    seeds = list(seeds)
    tests = {
        "ram": [Run("ram", r, "official", s) for r in ex["main_rewards"] for s in seeds],
        "dtram": [Run("dtram", r, "official", s) for r in ex["dtram_rewards"] for s in ex["dtram_seeds"]],
    }
    tests = {model: tested for model, tested in tests.items() if tested}
    targets = targets_of(layout, len(seeds), "dtram" in tests, ex["case_rewards"], ram["n_cases"],
                         sk["envs"], sk["srewards"])
    if cfg.get("left_out"):
        targets.leave_out_all(cfg["left_out"])
    return IrrlPlan(
        layout=layout,
        seeds=seeds,
        digits_from_mnist=cfg["data"]["digits_source"] == "mnist_idx",
        checkpoint_epochs=checkpoint_epochs(ram),
        runs=training_runs(ex, seeds),
        tests=tests,
        oracle_run=Run("ram", ex["oracle_reward"], "official", ex["oracle_seed"]),
        oracle_epoch=ex["oracle_epoch"],
        rh_rewards=list(ex["rh_rewards"]),
        rh_seeds=list(ex["rh_seeds"]),
        detach_rewards=list(ex["detach_rewards"]),
        detach_seeds=list(ex["detach_seeds"]),
        noise_run=Run("ram", ex["noise_reward"], "official", ex["noise_seed"]),
        noise_epochs=list(ex["noise_epochs"]),
        n_cases=ram["n_cases"],
        case_rewards=list(ex["case_rewards"]),
        skill_envs=list(sk["envs"]),
        skill_rewards=list(sk["srewards"]),
        skill_seeds=list(sk["seeds"]),
        skill_env_settings=sk["env_settings"],
        targets=targets,
    )
