"""Pong for DSI: baby-a3c preprocessing and policy, rallies, and the action-perturbation attack.

Preprocessing (baby-a3c's): crop rows 35-195, average RGB, ``scipy.misc.imresize`` to 80x80
(which min-max byte-scales each frame to 0-255 before a PIL bilinear resize), /255 for the
network. ``imresize`` left SciPy in 1.3; ``byte_resize`` reimplements it.

Policy: baby-a3c's actor-critic: 4 convs (3x3, stride 2, padding 1, ELU; 32 channels, 64 for the
cross-architecture variant), GRUCell(800 or 1600 -> 256), critic and actor heads. Greedy actions
when attacked, as the original ``attack_test.py``.

A rally: reset(seed), play until the first point or ``max_steps`` steps; outcome +1 (agent
scored), -1 (opponent scored), 0 (timeout); class = outcome + 1.

Attack (EDGE protocol): replay the same seed and at the top-k steps take a uniformly random
*different* action. Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from scripts.common.io import torch_load

N_ACTIONS = 6


def make_pong(env_id: str = "Pong-v4") -> gym.Env:
    """Pong-v4: frameskip uniform in {2, 3, 4}, no sticky actions (not ALE/*-v5)."""
    import ale_py

    if hasattr(gym, "register_envs"):
        gym.register_envs(ale_py)
    return gym.make(env_id)


def bytescale(img: np.ndarray) -> np.ndarray:
    """scipy.misc.bytescale with its defaults: min-max to 0..255, rounded, uint8."""
    data = np.asarray(img, dtype=np.float64)
    cmin, cmax = data.min(), data.max()
    cscale = cmax - cmin
    if cscale == 0:
        cscale = 1
    scale = 255.0 / cscale
    out = (data - cmin) * scale
    return (out.clip(0, 255) + 0.5).astype(np.uint8)


def byte_resize(img: np.ndarray, size: int = 80) -> np.ndarray:
    """scipy.misc.imresize(img, (size, size)) for a 2-D float image: bytescale, PIL bilinear."""
    pil = Image.fromarray(bytescale(img), mode="L")
    return np.asarray(pil.resize((size, size), resample=Image.BILINEAR), dtype=np.uint8)


def preprocess(frame: np.ndarray) -> np.ndarray:
    """RGB (210, 160, 3) -> (1, 80, 80) uint8, the stored form; the network sees it / 255."""
    return byte_resize(frame[35:195].mean(2), 80)[None]


def downsample(frames: np.ndarray, resolution: int) -> np.ndarray:
    """(T, 1, 80, 80) uint8 -> (T, 1, r, r) by block averaging (detector input at 40x40)."""
    if resolution == frames.shape[-1]:
        return frames
    f = frames.shape[-1] // resolution
    t, c = frames.shape[:2]
    x = frames.reshape(t, c, resolution, f, resolution, f).astype(np.float32).mean((3, 5))
    return (x + 0.5).astype(np.uint8)


class A3CPolicy(nn.Module):
    """baby-a3c's NNPolicy."""

    def __init__(self, channels: int = 32, memsize: int = 256, n_actions: int = N_ACTIONS):
        super().__init__()
        self.channels = channels
        self.conv1 = nn.Conv2d(1, channels, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.conv4 = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.gru = nn.GRUCell(channels * 5 * 5, memsize)
        self.critic_linear = nn.Linear(memsize, 1)
        self.actor_linear = nn.Linear(memsize, n_actions)
        self.memsize = memsize

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The conv stack's flattened output for frames (N, 1, 80, 80): the GRU's input."""
        x = F.elu(self.conv1(x))
        x = F.elu(self.conv2(x))
        x = F.elu(self.conv3(x))
        x = F.elu(self.conv4(x))
        return x.reshape(x.shape[0], -1)

    def forward(self, x: torch.Tensor, hx: torch.Tensor):
        hx = self.gru(self.features(x), hx)
        return self.critic_linear(hx), self.actor_linear(hx), hx

    def initial_state(self) -> torch.Tensor:
        return torch.zeros(1, self.memsize)


def load_policy(path: str) -> A3CPolicy:
    ck = torch_load(path, map_location="cpu", keys=["channels", "model"])
    net = A3CPolicy(channels=int(ck["channels"]))
    net.load_state_dict(ck["model"])
    net.eval()
    return net


def perturb_action(action: int, rng: np.random.Generator, n_actions: int = N_ACTIONS) -> int:
    """A uniformly random action different from ``action``."""
    other = int(rng.integers(n_actions - 1))
    return other if other < action else other + 1


def top_k_steps(scores: Sequence[float], k: int) -> np.ndarray:
    """Indices of the k highest scores (stable: earlier steps first on ties)."""
    scores = np.asarray(scores, dtype=float)
    k = min(int(k), len(scores))
    return np.sort(np.argsort(-scores, kind="mergesort")[:k])


def rally_step(env: gym.Env, action: int) -> Tuple[np.ndarray, Optional[int]]:
    """One env step of a rally: the next observation and, if the rally ended, its outcome
    (the sign of the first point; 0 when the episode ends without one), else None."""
    obs, reward, terminated, truncated, _ = env.step(action)
    if reward != 0:
        return obs, int(np.sign(reward))
    return obs, (0 if terminated or truncated else None)


@torch.no_grad()
def play_rally(env: gym.Env, policy: A3CPolicy, seed: int, max_steps: int,
               perturb_at: Optional[Sequence[int]] = None,
               rng: Optional[np.random.Generator] = None, epsilon: float = 0.0
               ) -> Dict[str, object]:
    """One rally from reset(seed). Greedy actions (epsilon-greedy if epsilon > 0); at the steps
    in ``perturb_at`` a random different action. Returns frames (T, 1, 80, 80) uint8, the
    actions taken, the critic's values and the outcome in {-1, 0, +1}."""
    obs, _ = env.reset(seed=int(seed))
    hx = policy.initial_state()
    perturb = set(int(i) for i in (perturb_at if perturb_at is not None else []))
    rng = rng if rng is not None else np.random.default_rng(seed)
    frames: List[np.ndarray] = []
    actions: List[int] = []
    values: List[float] = []
    outcome = 0
    for t in range(max_steps):
        state = preprocess(obs)
        frames.append(state)
        x = torch.from_numpy(state[None].astype(np.float32) / 255.0)
        value, logit, hx = policy(x, hx)
        action = int(logit.argmax(-1)[0])
        if epsilon and rng.random() < epsilon:
            action = int(rng.integers(N_ACTIONS))
        if t in perturb:
            action = perturb_action(action, rng)
        actions.append(action)
        values.append(float(value[0, 0]))
        obs, ended = rally_step(env, action)
        if ended is not None:
            outcome = ended
            break
    return {"frames": np.stack(frames).astype(np.uint8), "actions": np.array(actions),
            "values": np.array(values, dtype=np.float32), "outcome": outcome}


def attack_once(env: gym.Env, policy: A3CPolicy, seed: int, max_steps: int,
                score_fn: Callable[[np.ndarray, np.ndarray], np.ndarray], ks: Sequence[int],
                methods: Sequence[str]) -> List[Dict[str, object]]:
    """Play the clean rally, then one replay per (method, k) with the top-k steps perturbed.
    ``score_fn(frames, values)`` gives the DSI scores; 'value' ranks steps by the attacked agent's
    critic; 'random' draws k steps uniformly (seeded by the rally seed)."""
    clean = play_rally(env, policy, seed, max_steps)
    T = len(clean["actions"])
    rows = []
    for method in methods:
        if method == "dsi":
            scores = np.asarray(score_fn(clean["frames"], clean["values"]))[:T]
        elif method == "value":
            scores = clean["values"]
        elif method == "random":
            scores = np.random.default_rng(seed + 7919).random(T)
        else:
            raise ValueError(f"unknown attack method {method!r}")
        for k in ks:
            steps = top_k_steps(scores, k)
            attacked = play_rally(env, policy, seed, max_steps, perturb_at=steps,
                                  rng=np.random.default_rng(seed * 31 + int(k)))
            rows.append({"seed": seed, "method": method, "k": int(k), "length": T,
                         "e0": clean["outcome"], "e1": attacked["outcome"]})
    return rows
