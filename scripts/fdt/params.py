"""Typed settings shared by the steps that train an online agent (scripts.fdt.agent): the
behaviour DQN (fdt.generate_log) and the C51 oracle (fdt.oracle) take the same agent keys from
their config blocks; each step's ``Params`` adds its own (scripts.common.cli.step_params)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OnlineAgentParams:
    """The online agent's settings (dopamine's DQN / C51 values in config/fdt.yaml)."""

    num_envs: int  # parallel environments the agent acts in
    sticky: float  # probability of repeating the previous action (sticky actions)
    lr: float  # the network's Adam learning rate
    gamma: float  # discount
    target_update: int  # agent steps between target-network updates
    batch: int  # transitions per gradient step
    learning_starts: int  # agent steps before the first update
    update_every: int  # agent steps between updates
    eps_start: float  # epsilon-greedy: initial epsilon
    eps_end: float  # epsilon-greedy: final epsilon
    eps_decay: int  # agent steps over which epsilon decays linearly
    replay_size: int  # the agent's own replay memory (transitions)
