"""The paper's Cliff Walking and the 2x2 EmptyRoom of Fig 11, as gymnasium envs and as tables.

Cliff (the paper's, not gymnasium's CliffWalking-v1): 4x12 grid, start bottom-left (3, 0), goal
bottom-right (3, 11), cliff cells (3, 1..10). Step reward -1; falling into the cliff gives -100
and ENDS the episode; reaching the goal gives 0 and ends it; 50-step limit (truncation).
Actions 0 right, 1 left, 2 down, 3 up; moves off the grid stay in place. Optimal return -12.

EmptyRoom22 (the original's envs/gridworld.py): 2x2 grid, start (0, 0), goal (1, 1), -0.01 per
step, +1 on reaching the goal (terminal), 10-step limit, actions as Cliff; optimal return 0.99
(two moves: -0.01 then +1), solved above 0.8.

Both are deterministic, so a state-only reward network is exact as a table over (s, a).
"""
from __future__ import annotations

from typing import Tuple

import gymnasium as gym
import numpy as np
from gymnasium import spaces

MOVES = {0: (0, 1), 1: (0, -1), 2: (1, 0), 3: (-1, 0)}  # right, left, down, up (row, col)


def grid_tables(rows: int, cols: int, start: Tuple[int, int], goal: Tuple[int, int],
                cliff=(), step_reward: float = -1.0, goal_reward: float = 0.0,
                cliff_reward: float = -100.0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """next_state[s, a], reward[s, a], terminal[s, a] of a deterministic grid."""
    n = rows * cols
    nxt = np.zeros((n, 4), dtype=np.int64)
    rew = np.zeros((n, 4), dtype=np.float64)
    term = np.zeros((n, 4), dtype=bool)
    cliff = set(cliff)
    for s in range(n):
        r, c = divmod(s, cols)
        for a, (dr, dc) in MOVES.items():
            r2 = min(max(r + dr, 0), rows - 1)
            c2 = min(max(c + dc, 0), cols - 1)
            nxt[s, a] = r2 * cols + c2
            if (r2, c2) in cliff:
                rew[s, a], term[s, a] = cliff_reward, True
            elif (r2, c2) == tuple(goal):
                rew[s, a], term[s, a] = goal_reward, True
            else:
                rew[s, a] = step_reward
    return nxt, rew, term


CLIFF_ROWS, CLIFF_COLS = 4, 12
CLIFF_START, CLIFF_GOAL = (3, 0), (3, 11)
CLIFF_CELLS = tuple((3, c) for c in range(1, 11))
CLIFF_MAX_STEPS, CLIFF_SOLVED, CLIFF_OPTIMUM = 50, -20.0, -12.0


def cliff_tables():
    return grid_tables(CLIFF_ROWS, CLIFF_COLS, CLIFF_START, CLIFF_GOAL, CLIFF_CELLS)


def room_tables():
    return grid_tables(2, 2, (0, 0), (1, 1), step_reward=-0.01, goal_reward=1.0)


class TabularGridEnv(gym.Env):
    """A deterministic grid from tables; observation = state index (Discrete)."""

    metadata = {"render_modes": []}

    def __init__(self, tables, start_state: int, max_steps: int):
        self.nxt, self.rew, self.term = tables
        self.n_states = self.nxt.shape[0]
        self.observation_space = spaces.Discrete(self.n_states)
        self.action_space = spaces.Discrete(4)
        self.start_state, self.max_steps = start_state, max_steps
        self.state, self.t = start_state, 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.state, self.t = self.start_state, 0
        return int(self.state), {}

    def step(self, action):
        a = int(action)
        s2 = int(self.nxt[self.state, a])
        reward = float(self.rew[self.state, a])
        terminated = bool(self.term[self.state, a])
        self.state, self.t = s2, self.t + 1
        truncated = (not terminated) and self.t >= self.max_steps
        return s2, reward, terminated, truncated, {}


class PaperCliffEnv(TabularGridEnv):
    def __init__(self):
        super().__init__(cliff_tables(), CLIFF_START[0] * CLIFF_COLS + CLIFF_START[1], CLIFF_MAX_STEPS)


class EmptyRoom22Env(TabularGridEnv):
    def __init__(self):
        super().__init__(room_tables(), 0, 10)


CLIFF_ID, ROOM_ID = "LSECliff-v0", "LSEEmptyRoom22-v0"


def register() -> None:
    """Register the paper's Cliff and EmptyRoom22 with gymnasium (idempotent)."""
    if CLIFF_ID not in gym.registry:
        gym.register(CLIFF_ID, entry_point="scripts.lse.gridworlds:PaperCliffEnv")
    if ROOM_ID not in gym.registry:
        gym.register(ROOM_ID, entry_point="scripts.lse.gridworlds:EmptyRoom22Env")


register()
