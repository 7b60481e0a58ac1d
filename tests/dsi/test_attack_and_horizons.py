"""The attack's action perturbation and step choice, the imresize emulation, and the DSI-DQN
adaptive horizons."""
import numpy as np
import pytest
import torch

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


class _FakePong:
    """A stand-in env: observation t has a bright bar at a row that encodes t; a point of
    sign ``point`` is scored at step ``point_at`` (none if None); ``done_at`` ends it."""

    def __init__(self, point_at=None, point=1, done_at=None):
        self.point_at, self.point, self.done_at = point_at, point, done_at
        self.actions = []

    def _obs(self):
        f = np.zeros((210, 160, 3), dtype=np.uint8)
        r = 40 + 4 * len(self.actions)
        f[r:r + 4, 20:40] = 200
        return f

    def reset(self, seed=None):
        self.actions = []
        return self._obs(), {}

    def step(self, action):
        self.actions.append(int(action))
        t = len(self.actions) - 1
        reward = self.point if t == self.point_at else 0
        return self._obs(), reward, t == self.done_at, False, {}


class _StubPolicy:
    """Greedy action 2 at every step; the critic's value at step t is values[t]."""

    def __init__(self, values):
        self.values = values

    def initial_state(self):
        return torch.zeros(1, 1)

    def __call__(self, x, hx):
        t = int(hx[0, 0])
        logit = torch.zeros(1, pong.N_ACTIONS)
        logit[0, 2] = 1.0
        return torch.tensor([[float(self.values[t])]]), logit, hx + 1


def test_rally_ends_at_first_point_done_or_max_steps():
    """Ledger A1: outcome = sign of the first point, 0 when the episode ends or at 199 steps."""
    pol = _StubPolicy(np.zeros(300))
    env = _FakePong(point_at=6, point=-1)
    r = pong.play_rally(env, pol, seed=0, max_steps=199)
    assert r["outcome"] == -1 and len(r["actions"]) == 7 and env.actions == [2] * 7
    env = _FakePong(point_at=3, point=+1)
    assert pong.play_rally(env, pol, seed=0, max_steps=199)["outcome"] == 1
    env = _FakePong(done_at=4)
    r = pong.play_rally(env, pol, seed=0, max_steps=199)
    assert r["outcome"] == 0 and len(r["actions"]) == 5
    env = _FakePong()  # no point: a timeout after max_steps (199 in config/dsi.yaml)
    r = pong.play_rally(env, pol, seed=0, max_steps=20)
    assert r["outcome"] == 0 and len(env.actions) == 20
    obs, ended = pong.rally_step(_FakePong(point_at=0, point=3), 0)
    assert ended == 1


def test_rally_frames_are_the_observations_acted_in():
    """Ledger A2 (deviation): frame t is the observation action t is taken in, so the reset
    frame is kept and the observation after the last action is dropped."""
    env = _FakePong(point_at=4)
    r = pong.play_rally(env, _StubPolicy(np.zeros(10)), seed=0, max_steps=199)
    assert r["frames"].shape == (5, 1, 80, 80) and len(r["actions"]) == 5
    probe = _FakePong()
    obs, _ = probe.reset()
    expected = [pong.preprocess(obs)]
    for _ in range(5):
        obs, *_ = probe.step(2)
        expected.append(pong.preprocess(obs))
    assert all(np.array_equal(r["frames"][t], expected[t]) for t in range(5))
    assert not any(np.array_equal(f, expected[5]) for f in r["frames"])


def _perturbed_steps(values, method, k, seed=5, score=None):
    env = _FakePong()
    pol = _StubPolicy(values)
    T = 12
    clean = pong.play_rally(env, pol, seed, T)
    assert len(clean["actions"]) == T
    steps = pong.top_k_steps({"value": clean["values"],
                              "random": np.random.default_rng(seed + 7919).random(T)}[method], k)
    rows = pong.attack_once(env, pol, seed, T, score_fn=None, ks=[k], methods=[method])
    # attack_once's last replay is the one left in the env: the perturbed steps are the
    # steps whose action differs from the greedy 2
    hit = [t for t, a in enumerate(env.actions) if a != 2]
    assert rows[0]["method"] == method and rows[0]["k"] == k and rows[0]["length"] == T
    return hit, steps.tolist()


def test_random_baseline_perturbs_seeded_uniform_top_k():
    """Ledger A5: method "random" ranks the steps by uniform random scores (seeded by the
    rally seed + 7919) and perturbs the top k: known steps for seed 5, T = 12, k = 4."""
    hit, steps = _perturbed_steps(np.zeros(20), "random", 4)
    assert hit == steps == [2, 6, 8, 9]


def test_value_baseline_perturbs_the_critics_top_k():
    """Ledger A7 (addition): method "value" perturbs the steps with the highest critic values."""
    values = np.array([0.1, 0.9, 0.2, 0.8, 0.3, 0.05, 0.7, 0.0, 0.6, 0.4, 0.1, 0.2, 0, 0])
    hit, steps = _perturbed_steps(values, "value", 3)
    assert hit == steps == [1, 3, 6]
