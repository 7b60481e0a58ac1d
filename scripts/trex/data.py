"""Storage of demonstrations and held-out trajectories.

One npz per collection: ``obs`` holds every step's observation concatenated over
episodes (MuJoCo: float32 raw observations; Atari: only the newest 84x84 uint8
frame of each 4-stack, rebuilt into stacks on demand, so memory is a quarter of
the stacks and 1/32 of the authors' float64 stacks), with ``ep_start`` and
``ep_len`` per episode. Per-episode metadata (checkpoint, return, length, final
x-position) is a CSV beside it. Stacks are rebuilt as gymnasium's
``FrameStackObservation(padding_type='reset')`` builds them: the first frame of
an episode repeated before it.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np
from scripts.common.io import open_npz


class Trajectories:
    """Episodes stored as concatenated steps; ``kind`` 'atari' (frames) or 'mujoco'."""

    def __init__(self, obs: np.ndarray, ep_start: np.ndarray, ep_len: np.ndarray, kind: str,
                 stack: int = 4):
        self.obs = obs
        self.ep_start = np.asarray(ep_start, dtype=np.int64)
        self.ep_len = np.asarray(ep_len, dtype=np.int64)
        self.kind = kind
        self.stack = stack

    @classmethod
    def load(cls, path) -> "Trajectories":
        with open_npz(path, keys=["obs", "ep_start", "ep_len", "kind", "stack"]) as z:
            return cls(z["obs"], z["ep_start"], z["ep_len"], str(z["kind"]), int(z["stack"]))

    def arrays(self) -> Dict[str, np.ndarray]:
        return {"obs": self.obs, "ep_start": self.ep_start, "ep_len": self.ep_len,
                "kind": np.array(self.kind), "stack": np.array(self.stack)}

    def __len__(self) -> int:
        return len(self.ep_len)

    def states(self, episode: int, idx: Optional[np.ndarray] = None) -> np.ndarray:
        """Observations of ``episode`` at step indices ``idx`` (all steps if None): MuJoCo
        vectors, Atari (n, 4, 84, 84) uint8 stacks."""
        start, length = int(self.ep_start[episode]), int(self.ep_len[episode])
        idx = np.arange(length) if idx is None else np.asarray(idx, dtype=np.int64)
        if np.any(idx < 0) or np.any(idx >= length):
            raise IndexError(f"step index out of range for episode {episode} of length {length}")
        if self.kind != "atari":
            return self.obs[start + idx]
        offsets = np.arange(-(self.stack - 1), 1)
        frame_idx = np.clip(idx[:, None] + offsets[None, :], 0, None)
        return self.obs[start + frame_idx]


def split_frames(stacks: np.ndarray) -> np.ndarray:
    """Newest frame of each stack (T, 4, 84, 84) -> (T, 84, 84)."""
    return np.ascontiguousarray(stacks[:, -1])


def concat_episodes(episodes: List[np.ndarray], kind: str, stack: int = 4) -> Trajectories:
    lengths = np.array([len(e) for e in episodes], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    obs = np.concatenate(episodes, 0) if episodes else np.zeros((0,))
    return Trajectories(obs, starts, lengths, kind, stack)
