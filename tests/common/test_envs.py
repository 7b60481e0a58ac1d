"""Environment factories: DeepMind Atari preprocessing and MuJoCo names."""
from __future__ import annotations

import numpy as np
import pytest

from scripts.common.envs import atari_id, make_atari, make_mujoco


def test_atari_ids_use_noframeskip_v4():
    assert atari_id("breakout") == "BreakoutNoFrameskip-v4"
    assert atari_id("space_invaders") == "SpaceInvadersNoFrameskip-v4"
    assert atari_id("BeamRider") == "BeamRiderNoFrameskip-v4"


def test_atari_preprocessing_shapes_and_clipping():
    env = make_atari("breakout", terminal_on_life_loss=False, clip_rewards=True)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    seen = set()
    for _ in range(300):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        seen.add(reward)
        if terminated or truncated:
            break
    assert seen <= {-1.0, 0.0, 1.0}
    env.close()


def test_atari_without_fire_action_has_no_fire_reset():
    env = make_atari("pong", terminal_on_life_loss=False, clip_rewards=False, frame_stack=1)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (84, 84)
    env.close()


@pytest.mark.parametrize("name,obs_dim", [("halfcheetah", 17), ("hopper", 11)])
def test_mujoco_short_names(name, obs_dim):
    env = make_mujoco(name)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (obs_dim,)
    env.close()
