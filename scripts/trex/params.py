"""Typed settings blocks that several T-REX steps share (each step's ``Params`` nests them).

The values come from config/trex.yaml through scripts/trex/plan.py (ALE and MuJoCo envs) and
scripts/trex/plan_minatar.py (the MinAtar stand-in), which pass each step only the keys it reads;
``scripts.common.cli.step_params`` refuses a missing or unknown key, naming it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional


@dataclass(frozen=True)
class Demonstrator:
    """The demonstrator's PPO run (config/trex.yaml ``envs.<env>.demonstrator``)."""

    updates: int  # PPO updates of the run (a multiple of ckpt_every)
    ckpt_every: int  # updates between checkpoints; checkpoint 0 is the random initial policy
    schedule_updates: Optional[int] = None  # updates the learning rate decays over (None: updates)


@dataclass(frozen=True)
class Demos:
    """How much each demo checkpoint is rolled out (``envs.<env>.demos``): one of the two."""

    episodes: Optional[int] = None  # episodes per checkpoint (Atari, MinAtar)
    min_steps: Optional[int] = None  # whole episodes until at least this many steps (MuJoCo)


@dataclass(frozen=True)
class RunEnv:
    """How a step makes its env: the episode cap and, for a MinAtar game, its settings."""

    max_episode_steps: Optional[int]  # cap on an episode's agent steps (None: the env's own)
    minatar: Optional[Dict[str, Any]] = None  # MinAtar game settings (sticky_action_prob,
    # difficulty_ramping, minimal_actions) passed to scripts.common.envs.make_minatar; MinAtar only


@dataclass(frozen=True)
class DemonstratorEnv:
    """The env block of the demonstrator's run."""

    demonstrator: Demonstrator  # the run's length, checkpoints and learning-rate schedule
    max_episode_steps: Optional[int]  # cap on an episode's agent steps (None: the env's own)
    minatar: Optional[Dict[str, Any]] = None  # MinAtar game settings; MinAtar only


@dataclass(frozen=True)
class EnvSettings:
    """An env's whole block (``envs.<env>``, or the MinAtar game's): checkpoints and rollouts."""

    demonstrator: Demonstrator  # the demonstrator's run (its ckpt_every spaces the ranges below)
    stages: Dict[str, Dict[str, int]]  # stage -> checkpoint range {first, last, step?} of its demos
    heldout: Dict[str, int]  # held-out checkpoint range {first, last, step?, episodes}
    demos: Demos  # rollouts per demo checkpoint
    max_episode_steps: Optional[int]  # cap on an episode's agent steps (None: the env's own)
    minatar: Optional[Dict[str, Any]] = None  # MinAtar game settings; MinAtar only


@dataclass(frozen=True)
class Eval:
    """Evaluation on the true reward (``eval_<kind>``, MinAtar ``eval``)."""

    episodes: int  # episodes per policy
    deterministic: bool  # the policy's mode (True) or a sample (False, the authors' evaluation)

