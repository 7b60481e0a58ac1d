"""The attack's action perturbation and step choice, the imresize emulation, and the DSI-DQN
adaptive horizons."""
import numpy as np
import pytest

from scripts.dsi import pong
from scripts.dsi.seaquest import adaptive_horizons


def test_perturb_action_is_uniform_over_other_actions():
    rng = np.random.default_rng(0)
    for a in range(6):
        draws = [pong.perturb_action(a, rng) for _ in range(3000)]
        assert a not in draws
        counts = np.bincount(draws, minlength=6)
        assert counts[a] == 0
        others = np.delete(counts, a)
        assert others.min() > 500 and others.max() < 700  # ~600 each


def test_perturb_action_mapping():
    class Fixed:
        def __init__(self, v):
            self.v = v

        def integers(self, n):
            return self.v

    # draws 0..4 over the 5 other actions of action 2 -> 0, 1, 3, 4, 5
    assert [pong.perturb_action(2, Fixed(v)) for v in range(5)] == [0, 1, 3, 4, 5]


def test_top_k_steps():
    scores = [0.1, 0.9, 0.3, 0.9, 0.5]
    assert pong.top_k_steps(scores, 2).tolist() == [1, 3]
    assert pong.top_k_steps(scores, 3).tolist() == [1, 3, 4]
    assert pong.top_k_steps(scores, 10).tolist() == [0, 1, 2, 3, 4]


def test_bytescale_minmax():
    img = np.array([[10.0, 20.0], [30.0, 40.0]])
    assert pong.bytescale(img).tolist() == [[0, 85], [170, 255]]
    assert pong.bytescale(np.full((2, 2), 7.0)).tolist() == [[0, 0], [0, 0]]
    frame = np.zeros((210, 160, 3), dtype=np.uint8)
    frame[100:110, 50:60] = 200
    out = pong.preprocess(frame)
    assert out.shape == (1, 80, 80) and out.dtype == np.uint8 and out.max() == 255


def test_adaptive_horizons():
    m = np.array([0.0, 0.1, 0.9, 0.2, 0.3, 0.8, 0.1, 0.0, 0.95])
    # j=0: window m[0:5] = (0, .1, .9, .2, .3) -> argmax 2 -> n = 3
    # j=3: (.2, .3, .8, .1, 0) -> 3 ; j=4: (.3, .8, .1, 0, .95) -> argmax 4 -> 5
    assert adaptive_horizons(m, np.array([0, 3, 4]), 5).tolist() == [3, 3, 5]
    assert adaptive_horizons(m, np.array([1]), 1).tolist() == [1]


def test_adaptive_horizons_match_original_slice():
    """Expected values: the original's two lines (subgoal_dqn.py at 6afb4a7,
    compute_subgoal_nstep_return) on the same scores and positions, windows near the end of the
    chain cut short (docs/fidelity/dsi.md)."""
    m = np.array([0.0, 0.1, 0.9, 0.2, 0.3, 0.8, 0.1, 0.0, 0.95, 0.4, 0.7, 0.2])
    pos = np.array([0, 3, 4, 7, 8, 9, 10, 11])
    assert adaptive_horizons(m, pos, 5).tolist() == [3, 3, 5, 2, 1, 2, 1, 1]
    assert adaptive_horizons(m, np.array([1, 11]), 1).tolist() == [1, 1]
    # ties: the first maximum
    assert adaptive_horizons(np.array([0.5, 0.5, 0.5, 0.2]), np.array([0, 1, 3]),
                             3).tolist() == [1, 1, 1]


@pytest.mark.parametrize("resolution", [40, 80])
def test_downsample_shape(resolution):
    x = np.random.default_rng(0).integers(0, 255, (3, 1, 80, 80)).astype(np.uint8)
    assert pong.downsample(x, resolution).shape == (3, 1, resolution, resolution)
