"""Per-game facts used by several stages (the paper's appendix and the original code;
docs/fidelity/fdt.md)."""
from __future__ import annotations

# ale-py ROM ids, minimal action set sizes (index 1 = FIRE in all four)
ROM = {"breakout": "breakout", "qbert": "qbert", "pong": "pong", "seaquest": "seaquest"}
N_ACTIONS = {"breakout": 4, "qbert": 6, "pong": 6, "seaquest": 18}
# DQN Replay directory names
REPLAY_NAME = {"breakout": "Breakout", "qbert": "Qbert", "pong": "Pong", "seaquest": "Seaquest"}
DISPLAY = REPLAY_NAME
# appendix Table 2: life-loss windows W and offsets o
LL_WINDOW = {"breakout": 10, "pong": 12, "qbert": 20, "seaquest": 15}
LL_OFFSET = {"breakout": 0, "pong": 6, "qbert": 0, "seaquest": 9}
# appendix Table 1 / DT paper: the single evaluation target return per game
DT_TARGET = {"breakout": 90, "qbert": 14000, "pong": 20, "seaquest": 1150}


def check_game(game: str) -> str:
    if game not in ROM:
        raise ValueError(f"unknown game {game!r}; allowed: {', '.join(sorted(ROM))}")
    return game
