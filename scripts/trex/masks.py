"""Per-game score masks (the authors' ``trex_utils.mask_score``; docs/fidelity/trex.md A7).

Rows of the 84x84 frame that are zeroed, in all stacked frames, before the
reward network sees an observation (at reward learning and at RL time).
msinto93's reimplementation zeroes the top 10 rows for every game; we follow the
authors' per-game table.
"""
from __future__ import annotations

import numpy as np

# game -> (rows zeroed at the top, rows zeroed at the bottom), of 84
SCORE_MASKS = {
    "breakout": (10, 0),
    "pong": (10, 0),
    "spaceinvaders": (10, 0),
    "beamrider": (16, 11),
    "enduro": (0, 14),
    "hero": (0, 30),
    "qbert": (12, 0),
    "seaquest": (12, 16),
    "mspacman": (0, 15),
    "videopinball": (15, 0),
    "montezumarevenge": (10, 0),
}

# short name used in file paths -> ALE game name (``<Name>NoFrameskip-v4``)
ATARI_GAMES = {
    "beamrider": "BeamRider",
    "breakout": "Breakout",
    "enduro": "Enduro",
    "hero": "Hero",
    "pong": "Pong",
    "qbert": "Qbert",
    "seaquest": "Seaquest",
    "spaceinvaders": "SpaceInvaders",
    "mspacman": "MsPacman",
    "videopinball": "VideoPinball",
    "montezumarevenge": "MontezumaRevenge",
}


def mask_rows(game: str) -> tuple[int, int]:
    try:
        return SCORE_MASKS[game]
    except KeyError:
        raise KeyError(f"no score mask for game '{game}'; known: {', '.join(sorted(SCORE_MASKS))}") from None


def apply_mask(obs: np.ndarray, game: str) -> np.ndarray:
    """Zero the score rows of ``obs`` (..., 84, 84): the height axis is the second to last,
    so every stacked frame (channels first, NCHW) is masked. Returns a copy."""
    top, bottom = mask_rows(game)
    out = np.array(obs, copy=True)
    height = out.shape[-2]
    if top:
        out[..., :top, :] = 0
    if bottom:
        out[..., height - bottom:, :] = 0
    return out
