"""The MinAtar factory (scripts/common/envs.py): shapes and layouts, known start states,
determinism under a seed, sticky actions, the episode cap and the vectorised path."""
from __future__ import annotations

import numpy as np
import pytest

from scripts.common.envs import (MINATAR_CHANNELS, MINATAR_GAMES, MinAtarVectorEnv, make_minatar,
                                 minatar_game)


def run(env, actions, seed):
    obs, _ = env.reset(seed=seed)
    frames, rewards, dones = [obs], [], []
    for a in actions:
        obs, r, term, trunc, _ = env.step(a)
        frames.append(obs)
        rewards.append(r)
        dones.append(term or trunc)
        if term or trunc:
            break
    return np.stack(frames), np.array(rewards), dones


@pytest.mark.parametrize("game", sorted(MINATAR_GAMES))
def test_shapes_layouts_and_dtypes(game):
    c = MINATAR_CHANNELS[game]
    env = make_minatar(game)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (c, 10, 10) and obs.dtype == np.uint8 and env.observation_space.contains(obs)
    assert set(np.unique(obs)) <= {0, 1}
    assert env.action_space.n == 6
    hwc = make_minatar(game, layout="hwc", dtype=bool)
    o2, _ = hwc.reset(seed=0)
    assert o2.shape == (10, 10, c) and o2.dtype == np.bool_
    np.testing.assert_array_equal(np.transpose(o2, (2, 0, 1)).astype(np.uint8), obs)
    assert make_minatar(game, minimal_actions=True).action_space.n <= 6
    assert make_minatar("breakout", minimal_actions=True).action_space.n == 3   # no-op, left, right


def test_game_names():
    assert minatar_game("minatar-space_invaders") == "spaceinvaders"
    assert minatar_game("SpaceInvaders") == "spaceinvaders"
    with pytest.raises(KeyError):
        minatar_game("pong")


def test_breakout_start_state_is_known():
    obs, _ = make_minatar("breakout").reset(seed=3)
    paddle, ball, _, brick = obs
    assert paddle.sum() == 1 and paddle[9, 4] == 1
    assert brick.sum() == 30 and brick[1:4].all()
    assert ball.sum() == 1 and ball[3].sum() == 1 and (ball[3, 0] == 1 or ball[3, 9] == 1)


def test_same_seed_same_episode_different_seed_differs():
    actions = np.random.default_rng(0).integers(0, 6, 300)
    a = run(make_minatar("spaceinvaders"), actions, seed=11)
    b = run(make_minatar("spaceinvaders"), actions, seed=11)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    starts = {int(np.argmax(make_minatar("breakout").reset(seed=s)[0][1, 3])) for s in range(20)}
    assert starts == {0, 9}          # the ball starts on either side, by the seed


def test_sticky_actions():
    right = [3] * 6
    # probability 1: the first action (0, no-op) repeats forever, so 'right' never moves the paddle
    stuck = run(make_minatar("breakout", sticky_action_prob=1.0), right, seed=5)[0]
    noop = run(make_minatar("breakout", sticky_action_prob=0.0), [0] * 6, seed=5)[0]
    np.testing.assert_array_equal(stuck, noop)
    moved = run(make_minatar("breakout", sticky_action_prob=0.0), right, seed=5)[0]
    assert moved[1][0, 9, 5] == 1 and moved[5][0, 9, 9] == 1
    # MinAtar's default (0.1): one action in ten is replaced by the previous one, which differs
    # from the chosen one 5 times in 6 (uniform actions): a visible swap rate of about 0.083
    env = make_minatar("breakout")
    env.reset(seed=1)
    rng = np.random.default_rng(1)
    swapped = 0
    for _ in range(3000):
        a = int(rng.integers(0, 6))
        _, _, term, _, _ = env.step(a)
        swapped += int(env.game.last_action != a)
        if term:
            env.reset()
    assert 0.06 < swapped / 3000 < 0.11


def test_reset_clears_the_sticky_action_of_the_previous_episode():
    env = make_minatar("breakout", sticky_action_prob=1.0)
    env.reset(seed=5)
    env.game.last_action = 3            # as if the previous episode ended moving right
    after = run(env, [0] * 6, seed=5)[0]
    fresh = run(make_minatar("breakout", sticky_action_prob=1.0), [0] * 6, seed=5)[0]
    np.testing.assert_array_equal(after, fresh)    # the paddle stays: no 'right' carried over


def test_episode_cap_truncates():
    env = make_minatar("freeway", max_episode_steps=7)
    env.reset(seed=0)
    for k in range(7):
        _, _, term, trunc, _ = env.step(0)
    assert trunc and not term


def test_vector_env_batches_resets_and_is_deterministic():
    def collect():
        venv = MinAtarVectorEnv("breakout", 4, seed=2, max_episode_steps=50)
        obs = venv.reset()
        assert obs.shape == (4, 4, 10, 10) and obs.dtype == np.uint8
        rng = np.random.default_rng(0)
        out, done_count = [obs], 0
        for _ in range(120):
            obs, rew, term, trunc = venv.step(rng.integers(0, 6, 4))
            done_count += int((term | trunc).sum())
            for i in np.flatnonzero(term | trunc):
                assert venv.final_obs[i] is not None
            out.append(obs)
        return np.stack(out), done_count, venv.episodes_started

    a, done_a, started = collect()
    b, _, _ = collect()
    np.testing.assert_array_equal(a, b)
    assert done_a > 0 and started == 4 + done_a
