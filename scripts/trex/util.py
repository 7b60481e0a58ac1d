"""Small shared helpers of the T-REX steps: which checkpoints form a stage, the held-out set."""
from __future__ import annotations

import re
import warnings

warnings.filterwarnings("ignore", message="action_scaling and action_bound_method")

SET_RE = re.compile(r"^(?P<stage>stage\d+)(-swap(?P<swaps>\d+)-trial(?P<trial>\d+))?$|^control$")


def ckpt_range(spec: dict, every: int) -> list[int]:
    """Checkpoints ``first, first + step, .. <= last`` of a range ``{first, last, step?}``
    (``step`` defaults to ``every``, the demonstrator's ckpt_every)."""
    step = int(spec.get("step", every))
    first, last = int(spec["first"]), int(spec["last"])
    if first % every or step % every:
        raise ValueError(f"checkpoints {spec} are not multiples of ckpt_every={every}")
    return list(range(first, last + 1, step))


def stage_ckpts(stages: dict, every: int, stage: str) -> list[int]:
    """The demo checkpoints of ``stage`` (``stages``: stage -> range; ``every``: ckpt_every)."""
    if stage not in stages:
        raise KeyError(f"stage '{stage}' is not configured; known: {', '.join(stages)}")
    return ckpt_range(stages[stage], every)


def demo_ckpts(stages: dict, every: int) -> list[int]:
    """Every stage's demo checkpoints, sorted, each once."""
    return sorted({c for s in stages for c in stage_ckpts(stages, every, s)})


def parse_set(name: str) -> dict:
    m = SET_RE.match(name)
    if not m:
        raise ValueError(f"set '{name}' is not stage<k>, stage<k>-swap<n>-trial<t> or control")
    if name == "control":
        return {"stage": None, "swaps": 0, "trial": 0, "control": True}
    return {"stage": m.group("stage"), "swaps": int(m.group("swaps") or 0),
            "trial": int(m.group("trial") or 0), "control": False}
