"""The paper's reward functions r = g(q(y|tau)) - g(p(y)) (docs/fidelity/irrl.md R1-R7).

``q`` is the discriminator's probability of the true label after the episode, ``log_q``
its log (taken from the log-softmax, so no log(0)), ``correct`` whether argmax q equals
the label, ``prior`` p(y) (1/10 for digits, 1/K for K skills). Works on torch tensors and
on numpy arrays alike (only elementwise arithmetic and clamping).
"""
from __future__ import annotations

import math

# config name -> the official code's name, for the record
OFFICIAL_NAMES = {"acc": "zero_and_one", "pm1": "minus_one_and_one",
                  "log_noclip": "log_noclipping", "log_clip": "log_clipping",
                  "lin_noclip": "linear_noclipping", "lin_clip": "linear_clipping"}
REWARDS = tuple(OFFICIAL_NAMES)
# rewards that carry the discriminator's gradient unless detached (accuracy has none)
INFORMATION_REWARDS = ("log_noclip", "log_clip", "lin_noclip", "lin_clip")
PAPER_LABELS = {"acc": "Accuracy-based", "pm1": "+1/-1", "log_noclip": "Logarithmic",
                "log_clip": "Clipped logarithmic", "lin_noclip": "Linear",
                "lin_clip": "Clipped linear", "disdain": "Clipped log + DISDAIN"}


def _clip0(x):
    if hasattr(x, "clamp"):
        return x.clamp(min=0.0)
    import numpy as np

    return np.maximum(x, 0.0)


def _exp(x):
    if hasattr(x, "exp"):
        return x.exp()
    import numpy as np

    return np.exp(x)


def reward(kind: str, log_q, correct, prior: float):
    """Reward per episode. ``log_q``: log q(y|tau); ``correct``: 1/0 (or bool) argmax hit."""
    if kind == "acc":
        return correct * 1.0
    if kind == "pm1":
        return correct * 2.0 - 1.0
    if kind == "log_noclip":
        return log_q - math.log(prior)
    if kind == "log_clip":
        return _clip0(log_q - math.log(prior))
    if kind == "lin_noclip":
        return _exp(log_q) - prior
    if kind == "lin_clip":
        return _clip0(_exp(log_q) - prior)
    raise ValueError(f"unknown reward {kind!r}; allowed: {', '.join(REWARDS)}")
