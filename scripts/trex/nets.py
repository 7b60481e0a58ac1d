"""Reward networks and the Bradley-Terry (T-REX) loss.

Plain PyTorch, valid on the reward stage's pinned env (Python 3.8, torch 1.7.1):
no PEP 604 unions outside annotations, no torch API newer than 1.7.

- ``AtariRewardNet``: the authors' CNN (84x84x4 -> 16 ch 7x7/3, 5x5/2, 3x3/1, 3x3/1
  -> FC 64 -> FC 1), leaky-ReLU after every layer but the last, 64,513 parameters.
  Input: uint8-valued stacks (N, 4, 84, 84); it scales by 1/255 and applies the game's
  score mask itself, so every caller sees the same preprocessing.
- ``MLPReward``: obs -> hidden -> hidden -> 1, ReLU (state only).
- ``RewardEnsemble``: members trained on their own pairs; ``forward`` returns the
  per-member rewards, ``normalised`` the per-member reward divided by its scale and
  combined as the true ensemble mean (default) or, with ``last_member_only``, as the
  authors' ``VecTFPreferenceRewardNormalized`` behaves (only the last member's value
  divided by the member count; docs/fidelity/trex.md).
- ``bt_loss``: softmax cross-entropy over the two snippets' summed rewards.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from scripts.common.checkpoint import torch_load

ATARI_REWARD_PARAMS = 64_513


class AtariRewardNet(nn.Module):
    def __init__(self, mask_top: int = 0, mask_bottom: int = 0, negative_slope: float = 0.01):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 16, 7, stride=3)
        self.conv2 = nn.Conv2d(16, 16, 5, stride=2)
        self.conv3 = nn.Conv2d(16, 16, 3, stride=1)
        self.conv4 = nn.Conv2d(16, 16, 3, stride=1)
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 1)
        self.slope = negative_slope
        mask = torch.ones(1, 1, 84, 84)
        if mask_top:
            mask[..., :mask_top, :] = 0
        if mask_bottom:
            mask[..., 84 - mask_bottom:, :] = 0
        self.register_buffer("mask", mask)

    def preprocess(self, obs: torch.Tensor) -> torch.Tensor:
        return obs.float() / 255.0 * self.mask

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Per-frame reward (N,) of stacks (N, 4, 84, 84) with values in [0, 255]."""
        x = self.preprocess(obs)
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            x = F.leaky_relu(conv(x), self.slope)
        x = F.leaky_relu(self.fc1(x.reshape(x.shape[0], -1)), self.slope)
        return self.fc2(x).squeeze(-1)


class MinAtarRewardNet(nn.Module):
    """The authors' Atari reward CNN resized for MinAtar's (C, 10, 10) frames: conv C->16 3x3
    stride 1 (10 -> 8), conv 16->16 3x3 stride 1 (8 -> 6), flatten 576 -> FC 64 -> FC 1,
    leaky-ReLU after every layer but the last (the Atari net's 7x7/3 and 5x5/2 kernels would
    leave nothing of a 10x10 frame). Input 0/1 frames (N, C, 10, 10), any numeric dtype; no
    score mask (MinAtar shows no score). 39,905 parameters for C = 4."""

    def __init__(self, in_channels: int, channels: int = 16, hidden: int = 64,
                 negative_slope: float = 0.01):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1)
        self.fc1 = nn.Linear(channels * 6 * 6, hidden)
        self.fc2 = nn.Linear(hidden, 1)
        self.slope = negative_slope

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Per-frame reward (N,) of frames (N, C, 10, 10)."""
        x = obs.float()
        for conv in (self.conv1, self.conv2):
            x = F.leaky_relu(conv(x), self.slope)
        x = F.leaky_relu(self.fc1(x.reshape(x.shape[0], -1)), self.slope)
        return self.fc2(x).squeeze(-1)


class MLPReward(nn.Module):
    """``init='normal'``: the authors' ``tf_commons.ops.Linear`` initialisation (weights
    N(0, 0.02^2), biases 0); ``'torch'``: PyTorch's default."""

    def __init__(self, obs_dim: int, hidden: int = 256, init: str = "torch"):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, 1))
        if init == "normal":
            for m in self.net:
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0.0, 0.02)
                    nn.init.zeros_(m.bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r}; allowed: torch, normal")

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs.float()).squeeze(-1)

    def l2(self) -> torch.Tensor:
        """Sum of squared weights of every layer, biases excluded: the authors' MuJoCo
        ``Model`` adds ``l2_reg * sum(reduce_sum(w ** 2))`` (no factor 0.5, unlike TF's
        ``l2_loss``; docs/fidelity/trex.md)."""
        return sum((m.weight ** 2).sum() for m in self.net if isinstance(m, nn.Linear))


class RewardEnsemble(nn.Module):
    """Members' rewards; ``scale``/``shift`` (per member) normalise each member's output."""

    def __init__(self, members: Sequence[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)
        n = len(members)
        self.register_buffer("shift", torch.zeros(n))
        self.register_buffer("scale", torch.ones(n))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(M, N): every member's per-state reward."""
        return torch.stack([m(obs) for m in self.members], 0)

    def normalised(self, obs: torch.Tensor, last_member_only: bool = False) -> torch.Tensor:
        per_member = (self.forward(obs) - self.shift[:, None]) / self.scale[:, None]
        return combine_members(per_member, last_member_only)


def combine_members(per_member: torch.Tensor, last_member_only: bool = False) -> torch.Tensor:
    """Ensemble reward from (M, N) per-member rewards: the mean over members (paper), or the
    authors' code's behaviour: only the last member's value, divided by the member count."""
    if last_member_only:
        return per_member[-1] / per_member.shape[0]
    return per_member.mean(0)


def count_params(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def snippet_returns(rewards: torch.Tensor, segment: torch.Tensor, n_segments: int) -> torch.Tensor:
    """Sum per-frame rewards (F,) into their snippets: segment (F,) holds each frame's snippet id."""
    out = torch.zeros(n_segments, dtype=rewards.dtype, device=rewards.device)
    return out.index_add(0, segment, rewards)


def bt_loss(return_a: torch.Tensor, return_b: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """Bradley-Terry loss, mean over pairs: -log P(preferred), with
    P(b > a) = exp(R_b) / (exp(R_a) + exp(R_b)); ``label`` = 1 where b is the better snippet."""
    logits = torch.stack([return_a, return_b], -1)
    return F.cross_entropy(logits, label.long())


def pair_accuracy(return_a: torch.Tensor, return_b: torch.Tensor, label: torch.Tensor) -> float:
    pred = (return_b > return_a).long()
    return float((pred == label.long()).float().mean().item())


def load_torch(path, map_location="cpu"):
    """torch.load with weights_only=True where the installed torch has it (>= 1.13; the default
    from 2.6); older pinned torch versions have no such argument."""
    return torch_load(path, map_location=map_location, weights_only=True)  # errors name the file


def build_reward_model(spec: Dict) -> nn.Module:
    """Rebuild a reward model from the ``spec`` saved beside its weights."""
    if spec["kind"] == "atari":
        return AtariRewardNet(spec["mask_top"], spec["mask_bottom"])
    if spec["kind"] == "minatar":
        return MinAtarRewardNet(spec["in_channels"], spec.get("channels", 16), spec.get("hidden", 64))
    members = [MLPReward(spec["obs_dim"], spec["hidden"]) for _ in range(spec["members"])]
    return RewardEnsemble(members)


def load_reward_model(path) -> Tuple[nn.Module, Dict]:
    blob = load_torch(path)
    spec = blob["spec"]
    model = build_reward_model(spec)
    model.load_state_dict(blob["state_dict"])
    model.eval()
    return model, spec


def per_state_reward(model: nn.Module, spec: Dict, obs: np.ndarray, *, batch: int = 1024,
                     squash: Optional[str] = None, last_member_only: bool = False,
                     normalise: bool = True) -> np.ndarray:
    """Reward of each state in ``obs`` as used downstream: Atari raw output (or sigmoid with
    ``squash='sigmoid'``); MuJoCo the (normalised) ensemble reward."""
    outs: List[np.ndarray] = []
    with torch.no_grad():
        for i in range(0, len(obs), batch):
            x = torch.as_tensor(np.asarray(obs[i:i + batch]))
            if spec["kind"] in ("atari", "minatar"):
                r = model(x)
                if squash == "sigmoid":
                    r = torch.sigmoid(r)
            elif normalise:
                r = model.normalised(x, last_member_only)
            else:
                r = combine_members(model(x), last_member_only)
            outs.append(r.cpu().numpy())
    return np.concatenate(outs) if outs else np.zeros(0, dtype=np.float32)
