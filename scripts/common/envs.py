"""Environment factories shared by the papers.

Atari follows the DeepMind preprocessing the papers used (``<Game>NoFrameskip-v4``,
30 no-op starts, action repeat 4 with a max over the last two frames, fire on
reset, 84x84 grayscale with INTER_AREA, optional episodic life and reward
clipping, a 4-frame stack), built from gymnasium's wrappers; tianshou 2.0's own
Atari wrappers fail with current numpy.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

MUJOCO_IDS = {"halfcheetah": "HalfCheetah-v5", "hopper": "Hopper-v5", "ant": "Ant-v5"}


class FireResetEnv(gym.Wrapper):
    """Press FIRE (then action 2) after reset, for games that wait for it (DeepMind wrapper)."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        meanings = env.unwrapped.get_action_meanings()
        if len(meanings) < 3 or meanings[1] != "FIRE":
            raise ValueError("FireResetEnv needs a game whose action 1 is FIRE")

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        for action in (1, 2):
            obs, _, terminated, truncated, info = self.env.step(action)
            if terminated or truncated:
                obs, info = self.env.reset(**kwargs)
        return obs, info


class ClipRewardEnv(gym.RewardWrapper):
    """Reward sign in {-1, 0, 1}; the raw reward stays in ``info['raw_reward']``."""

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        info["raw_reward"] = reward
        return obs, float(np.sign(reward)), terminated, truncated, info


def atari_id(game: str) -> str:
    """'breakout' or 'Breakout' -> 'BreakoutNoFrameskip-v4' (v5 ids differ: sticky actions)."""
    name = "".join(part[:1].upper() + part[1:] for part in game.replace("-", "_").split("_"))
    return f"{name}NoFrameskip-v4"


def make_atari(game: str, *, terminal_on_life_loss: bool, clip_rewards: bool,
               frame_stack: int = 4, noop_max: int = 30, max_episode_frames: int = 108_000,
               fire_reset: bool = True, render_mode: str | None = None) -> gym.Env:
    """A DeepMind-preprocessed Atari env with observations (frame_stack, 84, 84) uint8."""
    import ale_py

    gym.register_envs(ale_py)
    env = gym.make(atari_id(game), max_episode_steps=max_episode_frames, render_mode=render_mode)
    env = gym.wrappers.AtariPreprocessing(env, noop_max=noop_max, frame_skip=4, screen_size=84,
                                          terminal_on_life_loss=terminal_on_life_loss,
                                          grayscale_obs=True, scale_obs=False)
    if fire_reset and "FIRE" in env.unwrapped.get_action_meanings()[1:2]:
        env = FireResetEnv(env)
    if clip_rewards:
        env = ClipRewardEnv(env)
    if frame_stack > 1:
        env = gym.wrappers.FrameStackObservation(env, frame_stack)
    return env


def make_mujoco(name: str, **kwargs: Any) -> gym.Env:
    """MuJoCo task by short name ('halfcheetah') or gymnasium id ('HalfCheetah-v5')."""
    env_id = MUJOCO_IDS.get(name.lower(), name)
    return gym.make(env_id, **kwargs)
