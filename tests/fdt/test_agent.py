"""The behaviour logger keeps each sub-environment's episodes contiguous."""
import numpy as np

from scripts.fdt.agent import EpisodeLogger, linear_epsilon


def test_logger_writes_whole_episodes_in_layout():
    out = []
    lg = EpisodeLogger(2, 3, lambda k, b: out.append((k, b)))
    f = np.zeros((2, 84, 84), np.uint8)
    # env 0: an episode of 2 steps; env 1: an episode of 3 steps, interleaved
    lg.add(f + 1, np.array([0, 1]), np.array([0.0, 5.0]), np.array([False, False]),
           np.array([False, False]), np.array([3, 3]))
    lg.add(f + 2, np.array([2, 3]), np.array([-2.0, 0.0]), np.array([True, False]),
           np.array([False, False]), np.array([2, 3]))
    lg.add(f + 3, np.array([0, 1]), np.array([0.0, 1.0]), np.array([False, True]),
           np.array([False, False]), np.array([5, 1]))
    lg.flush()
    assert [k for k, _ in out] == [0]
    b = out[0][1]
    assert b["action"].tolist() == [0, 2, 1, 3, 1]
    assert b["terminal"].tolist() == [0, 1, 0, 0, 1]
    assert b["raw_reward"].tolist() == [0, -2, 5, 0, 1]
    assert b["reward"].tolist() == [0, -1, 1, 0, 1]
    assert b["lives"].tolist() == [3, 2, 3, 3, 1]
    assert lg.episode_returns == [-2.0, 6.0]
    # env 0's unfinished episode (1 step) is not written
    assert len(lg.open[0]["action"]) == 1


def test_linear_epsilon():
    assert linear_epsilon(0, 1.0, 0.1, 100) == 1.0
    assert abs(linear_epsilon(50, 1.0, 0.1, 100) - 0.55) < 1e-12
    assert abs(linear_epsilon(500, 1.0, 0.1, 100) - 0.1) < 1e-12
