"""Behaviour data: the DQN Replay format (reader) and our chronological buffer layout.

DQN Replay (Agarwal et al. 2020) stores one dopamine replay checkpoint per
iteration as gzipped ``np.save`` files in ``replay_logs/``::

    $store$_observation_ckpt.N.gz   uint8 [capacity, 84, 84]   single frames
    $store$_action_ckpt.N.gz        int32 [capacity]           minimal-set index
    $store$_reward_ckpt.N.gz        float32 [capacity]         clipped to [-1, 1]
    $store$_terminal_ckpt.N.gz      uint8 [capacity]           game over
    add_count_ckpt.N.gz             int64 scalar
    invalid_range_ckpt.N.gz         int64 [stack_size]

Dopamine inserts ``stack_size - 1`` all-zero padding transitions before every
episode start. Our buffers (``buffer_{k}.npz``, both for converted DQN Replay
checkpoints and for the logs generated here) keep one row per stored index:

    observation uint8 [n, 84, 84]; action int32; reward float32 (clipped);
    raw_reward float32 (NaN where unknown: DQN Replay stores clipped rewards only);
    terminal uint8 (game over); lives int32 (-1 where unknown); padding bool;
    valid bool (outside dopamine's invalid range).

Frames are stacked on the fly (4 frames, zero-filled before the episode start),
which equals dopamine's [0, 0, 0, f] stacks at an episode's first step.
"""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import Dict, List

import numpy as np
from scripts.common.io import load_npz

STORE_KEYS = ("observation", "action", "reward", "terminal")
LAYOUT_KEYS = ("observation", "action", "reward", "raw_reward", "terminal", "lives", "padding",
               "valid")
STACK = 4


def replay_filename(key: str, ckpt: int, store_prefix: bool = True) -> str:
    """File name of one array of one dopamine checkpoint (``store_prefix=False``: the name our
    download rule gives it, without the shell-unfriendly ``$store$_``)."""
    if key in STORE_KEYS or key == "feedback":
        return f"$store$_{key}_ckpt.{ckpt}.gz" if store_prefix else f"{key}_ckpt.{ckpt}.gz"
    if key in ("add_count", "invalid_range"):
        return f"{key}_ckpt.{ckpt}.gz"
    raise ValueError(f"unknown DQN Replay array {key!r}")


def load_gz_array(path: str | Path) -> np.ndarray:
    """One gzipped ``np.save`` file, as dopamine writes them."""
    with gzip.open(path, "rb") as f:
        return np.load(f, allow_pickle=False)


def write_gz_array(path: str | Path, array: np.ndarray) -> None:
    """Write like dopamine (used for test fixtures and for the feedback label files)."""
    with gzip.open(path, "wb") as f:
        np.save(f, array, allow_pickle=False)


def padding_mask(observation: np.ndarray, terminal: np.ndarray, stack: int = STACK) -> np.ndarray:
    """Dopamine's zero padding: the (up to) ``stack-1`` all-zero frames after each terminal and
    at the very start of a buffer."""
    n = len(terminal)
    zero = ~observation.reshape(n, -1).any(axis=1)
    pad = np.zeros(n, dtype=bool)
    starts = [0] + [int(t) + 1 for t in np.flatnonzero(terminal)]
    for s in starts:
        for j in range(s, min(s + stack - 1, n)):
            if not zero[j]:
                break
            pad[j] = True
    return pad


def read_dqn_replay_checkpoint(folder: str | Path, ckpt: int, capacity: int | None = None,
                               store_prefix: bool = True) -> Dict[str, np.ndarray]:
    """Read one DQN Replay checkpoint into our layout (indices 0..min(capacity, add_count)-1)."""
    folder = Path(folder)
    name = lambda k: folder / replay_filename(k, ckpt, store_prefix)  # noqa: E731
    arrays = {k: load_gz_array(name(k)) for k in STORE_KEYS}
    add_count = int(load_gz_array(name("add_count")))
    invalid = np.asarray(load_gz_array(name("invalid_range"))).ravel()
    n = min(len(arrays["action"]), add_count)
    if capacity is not None:
        n = min(n, int(capacity))
    obs = np.asarray(arrays["observation"][:n], dtype=np.uint8)
    if obs.shape[1:] != (84, 84):
        raise ValueError(f"checkpoint {ckpt}: observation shape {obs.shape} is not [n, 84, 84]")
    terminal = np.asarray(arrays["terminal"][:n], dtype=np.uint8)
    valid = np.ones(n, dtype=bool)
    invalid = invalid[(invalid >= 0) & (invalid < n)]
    valid[invalid] = False
    return {
        "observation": obs,
        "action": np.asarray(arrays["action"][:n], dtype=np.int32),
        "reward": np.clip(np.asarray(arrays["reward"][:n], dtype=np.float32), -1, 1),
        "raw_reward": np.full(n, np.nan, dtype=np.float32),
        "terminal": terminal,
        "lives": np.full(n, -1, dtype=np.int32),
        "padding": padding_mask(obs, terminal),
        "valid": valid,
    }


def check_layout(buf: Dict[str, np.ndarray]) -> None:
    missing = [k for k in LAYOUT_KEYS if k not in buf]
    if missing:
        raise ValueError(f"buffer lacks array(s): {', '.join(missing)}")
    n = len(buf["action"])
    for k in LAYOUT_KEYS:
        if len(buf[k]) != n:
            raise ValueError(f"buffer array {k} has length {len(buf[k])}, expected {n}")


def load_buffer(path: str | Path) -> Dict[str, np.ndarray]:
    buf = load_npz(path)
    check_layout(buf)
    return buf


def episode_bounds(terminal: np.ndarray, padding: np.ndarray) -> List[tuple]:
    """(start, end) index pairs, end exclusive, of the episodes in one buffer in stored order;
    padding rows are excluded; the last pair may be an unfinished episode (flag in the tuple)."""
    bounds = []
    n = len(terminal)
    start = None
    for i in range(n):
        if padding[i]:
            continue
        if start is None:
            start = i
        if terminal[i]:
            bounds.append((start, i + 1, True))
            start = None
    if start is not None:
        bounds.append((start, n, False))
    return bounds


def stack_frames(frames: np.ndarray, episode_start: np.ndarray, idx: np.ndarray,
                 stack: int = STACK) -> np.ndarray:
    """Stacks [f_{t-3}, ..., f_t] for positions ``idx`` of a flat frame array; frames before an
    episode's start (``episode_start[t]`` = index of the first frame of t's episode) are zero."""
    idx = np.asarray(idx)
    out = np.zeros((len(idx), stack) + frames.shape[1:], dtype=frames.dtype)
    for j in range(stack):
        src = idx - (stack - 1 - j)
        ok = src >= episode_start[idx]
        out[ok, j] = frames[src[ok]]
    return out
