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


# --------------------------------------------------------------------------- MinAtar
#
# MinAtar (Young and Tian, 2019; the ``minatar`` package, GPL-3.0, installed from PyPI and never
# vendored): five 10x10 games with one binary channel per object type. The factory below is the
# one every paper uses (T-REX now; FDT and DSI next) so that frames, seeding and sticky actions
# agree across them.
#
# Frames: ``layout='chw'`` gives (C, 10, 10), the PyTorch layout the networks take; ``'hwc'``
# gives (10, 10, C), MinAtar's own. ``dtype`` uint8 holds 0/1 (what the networks and npz
# storage use); ``bool`` is MinAtar's own. C per game: MINATAR_CHANNELS. There is no score on
# screen, so the T-REX score masks have no MinAtar counterpart.
#
# Defaults are MinAtar's: sticky actions with probability 0.1 (the previous action repeats),
# difficulty ramping on, all 6 actions (``minimal_actions=True`` keeps each game's own set).
# ``reset(seed=s)`` reseeds the game's single RandomState (it drives both the sticky actions
# and the game), so an episode is a deterministic function of the seed and the actions; a reset
# without a seed continues the same stream.

MINATAR_GAMES = {"asterix": "asterix", "breakout": "breakout", "freeway": "freeway",
                 "seaquest": "seaquest", "spaceinvaders": "space_invaders"}
MINATAR_CHANNELS = {"asterix": 4, "breakout": 4, "freeway": 7, "seaquest": 10, "spaceinvaders": 6}
MINATAR_DEFAULTS = {"sticky_action_prob": 0.1, "difficulty_ramping": True, "minimal_actions": False}


def minatar_game(name: str) -> str:
    """'breakout', 'space_invaders', 'SpaceInvaders' or 'minatar-breakout' -> our short name."""
    key = name.lower().replace("minatar-", "").replace("minatar/", "").replace("_", "").replace("-", "")
    if key not in MINATAR_GAMES:
        raise KeyError(f"unknown MinAtar game '{name}'; known: {', '.join(MINATAR_GAMES)}")
    return key


class MinAtarEnv(gym.Env):
    """One MinAtar game as a gymnasium env: observations (C,10,10) or (10,10,C), 0/1 values."""

    metadata = {"render_modes": ["array"]}

    def __init__(self, game: str, *, sticky_action_prob: float = 0.1, difficulty_ramping: bool = True,
                 minimal_actions: bool = False, layout: str = "chw", dtype: Any = np.uint8):
        from minatar import Environment

        if layout not in ("chw", "hwc"):
            raise ValueError(f"layout must be 'chw' or 'hwc', not {layout!r}")
        self.game_name = minatar_game(game)
        self.game = Environment(MINATAR_GAMES[self.game_name], sticky_action_prob=float(sticky_action_prob),
                                difficulty_ramping=bool(difficulty_ramping))
        self.layout = layout
        self.dtype = np.dtype(dtype)
        self.action_set = (list(self.game.minimal_action_set()) if minimal_actions
                           else list(range(self.game.num_actions())))
        h, w, c = self.game.state_shape()
        shape = (c, h, w) if layout == "chw" else (h, w, c)
        self.action_space = gym.spaces.Discrete(len(self.action_set))
        self.observation_space = gym.spaces.Box(0, 1, shape=shape, dtype=self.dtype)

    def _obs(self) -> np.ndarray:
        state = self.game.state()
        if self.layout == "chw":
            state = np.transpose(state, (2, 0, 1))
        return np.ascontiguousarray(state, dtype=self.dtype)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self.game.seed(int(seed))
        # MinAtar's Environment keeps its sticky ``last_action`` across resets, so an episode's
        # first step could repeat the previous episode's last action: start each episode as a
        # fresh Environment does (no-op), so that it depends on its seed and actions alone
        self.game.last_action = 0
        self.game.reset()
        return self._obs(), {}

    def step(self, action):
        reward, terminal = self.game.act(self.action_set[int(action)])
        return self._obs(), float(reward), bool(terminal), False, {}

    def render(self):
        return self.game.state()


def make_minatar(game: str, *, max_episode_steps: int | None = None, **kwargs: Any) -> gym.Env:
    """A MinAtar game (see MinAtarEnv for ``kwargs``), capped at ``max_episode_steps`` agent
    steps where given (MinAtar itself caps only Freeway, at 2,500 frames)."""
    env = MinAtarEnv(game, **kwargs)
    if max_episode_steps:
        env = gym.wrappers.TimeLimit(env, max_episode_steps=int(max_episode_steps))
    return env


class MinAtarVectorEnv:
    """``n`` copies of a MinAtar game stepped in lock step, for data generation: batched
    observations (n, *obs_shape), rewards, terminated and truncated flags. A finished env is
    reset at once (seeded ``seed + n * episode_count`` style by ``episode_seed``), its last
    observation kept in ``final_obs``; so one ``step`` always returns the next observation to
    act on. No subprocesses: MinAtar steps in microseconds, and the policy's batched forward
    pass is what costs."""

    def __init__(self, game: str, n: int, *, seed: int = 0, max_episode_steps: int | None = None,
                 **kwargs: Any):
        self.n = int(n)
        self.envs = [make_minatar(game, max_episode_steps=max_episode_steps, **kwargs) for _ in range(self.n)]
        self.single_observation_space = self.envs[0].observation_space
        self.single_action_space = self.envs[0].action_space
        self.seed = int(seed)
        self.episodes_started = 0
        self.final_obs: list = [None] * self.n

    def episode_seed(self, k: int) -> int:
        """Seed of the k-th episode started (k = 0, 1, ...): deterministic in the order started."""
        return self.seed * 1_000_003 + k

    def _reset_one(self, i: int) -> np.ndarray:
        obs, _ = self.envs[i].reset(seed=self.episode_seed(self.episodes_started))
        self.episodes_started += 1
        return obs

    def reset(self) -> np.ndarray:
        self.episodes_started = 0
        return np.stack([self._reset_one(i) for i in range(self.n)])

    def step(self, actions) -> tuple:
        obs, rew = [], np.zeros(self.n, dtype=np.float32)
        term, trunc = np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=bool)
        self.final_obs = [None] * self.n
        for i, (env, a) in enumerate(zip(self.envs, actions)):
            o, r, te, tr, _ = env.step(int(a))
            rew[i], term[i], trunc[i] = r, te, tr
            if te or tr:
                self.final_obs[i] = o
                o = self._reset_one(i)
            obs.append(o)
        return np.stack(obs), rew, term, trunc

    def close(self) -> None:
        for env in self.envs:
            env.close()
