"""Saved Seaquest DQN policies with seeded random weights, for tests of the steps that load them."""
from __future__ import annotations

from pathlib import Path

import torch


def random_dqn_policies(folder: Path, n: int = 2) -> list:
    """Write ``n`` tianshou Atari DQN state dicts (seeds 0..n-1) to ``folder``; their paths."""
    from tianshou.env.atari.atari_network import DQNet, ScaledObsInputActionReprNet
    paths = []
    for k in range(n):
        torch.manual_seed(k)
        net = ScaledObsInputActionReprNet(DQNet(4, 84, 84, 18))
        paths.append(str(folder / f"dqn{k}.pt"))
        torch.save(net.state_dict(), paths[-1])
    return paths
