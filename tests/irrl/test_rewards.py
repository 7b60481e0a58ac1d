"""Each reward function against hand-computed values (torch and numpy alike)."""
import math

import numpy as np
import pytest
import torch

from scripts.irrl.rewards import reward


@pytest.mark.parametrize("q,correct,expected", [
    # q = 0.5, p = 0.1
    (0.5, 1.0, {"acc": 1.0, "pm1": 1.0, "log_noclip": math.log(5.0), "log_clip": math.log(5.0),
                "lin_noclip": 0.4, "lin_clip": 0.4}),
    # q = 0.05 < p: the clipped rewards are 0, the unclipped negative
    (0.05, 0.0, {"acc": 0.0, "pm1": -1.0, "log_noclip": math.log(0.5), "log_clip": 0.0,
                 "lin_noclip": -0.05, "lin_clip": 0.0}),
    # q = p exactly: every information reward is 0
    (0.1, 0.0, {"acc": 0.0, "pm1": -1.0, "log_noclip": 0.0, "log_clip": 0.0,
                "lin_noclip": 0.0, "lin_clip": 0.0}),
])
def test_reward_values(q, correct, expected):
    for kind, value in expected.items():
        t = reward(kind, torch.tensor([math.log(q)]), torch.tensor([correct]), 0.1)
        n = reward(kind, np.array([math.log(q)]), np.array([correct]), 0.1)
        assert float(t[0]) == pytest.approx(value, abs=1e-6), kind
        assert float(n[0]) == pytest.approx(value, abs=1e-9), kind


def test_skill_prior():
    # 128 skills, q = 1: log reward = log 128, linear = 1 - 1/128
    assert float(reward("log_clip", np.array([0.0]), np.array([1.0]), 1 / 128)[0]) == pytest.approx(math.log(128))
    assert float(reward("lin_clip", np.array([0.0]), np.array([1.0]), 1 / 128)[0]) == pytest.approx(127 / 128)


def test_unknown_reward():
    with pytest.raises(ValueError, match="unknown reward"):
        reward("linear", np.zeros(1), np.zeros(1), 0.1)
