"""Seaquest DQN with tianshou 2.x, and the DSI adaptive-horizon DQN
(docs/fidelity/dsi.md, H1-H5).

Plain DQN: tianshou's ``DQN`` (double DQN, MSE TD loss, target sync), Nature CNN on the DeepMind
preprocessed game (train envs: episodic life, clipped rewards; test: full game, raw rewards).

DSI-DQN: per update, (1) chain ``chain`` consecutive replay indices (random start, follow
``buffer.next``, jump to a new random index at an episode end); (2) score the chain's ``obs_next``
stacks once with the frozen detector (frames / 255, score rows zeroed as in D's training: a
documented fix); (3) draw ``batch_size`` distinct positions from [3, chain - 3); (4) give each
target its own horizon n_j = 1 + argmax(m_j, ..., m_{j+N-1}): the n_j-step double-DQN return with
tianshou's episode-end truncation, i.e. each target bootstraps at the highest-scored state within
the next N steps. Targets are computed per distinct n_j (vectorised).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from scripts.common.envs import make_atari
from scripts.common.io import torch_load


@dataclass(frozen=True)
class PolicySchedule:
    """config/dsi.yaml's seaquest `policies` block: the DQN policies of varied quality."""

    env_steps: int  # env steps each policy's DQN trains for
    checkpoints: List[int]  # env-step counts at which a policy is saved
    train_envs: int  # parallel training envs (overrides the dqn block's)
    test_episodes: int  # test episodes per epoch (overrides the dqn block's)
    # not read by the step; passed with its config block (the rule runs one job per seed)
    seeds: Optional[List[int]] = None


@dataclass(frozen=True)
class EpisodeData:
    """config/dsi.yaml's seaquest `data` block: the detector's episodes."""

    train_episodes: int  # episodes of the train split
    test_episodes: int  # episodes of the test split
    p_greedy: float  # probability an episode plays with epsilon = eps_greedy (else U(0, 1))
    eps_greedy: float  # the near-greedy episodes' epsilon
    redraw_every: int  # episodes between redraws of the policy file
    max_episode_steps: int  # an episode is cut after this many steps
    checkpoint_every: int = 20  # episodes between checkpoints of the rollout


def make_env(game: str, train: bool, max_episode_frames: int = 108_000):
    return make_atari(game, terminal_on_life_loss=train, clip_rewards=train,
                      max_episode_frames=max_episode_frames)


def adaptive_horizons(scores: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
    """n_j = 1 + argmax(scores[j : j + horizon]) for each position j (first max on ties); near
    the end of ``scores`` the window is cut short, as the original's slice
    (``Policy_Improvement/Atari/subgoal_dqn.py``, ``compute_subgoal_nstep_return``)."""
    scores = np.asarray(scores, dtype=float)
    padded = np.concatenate([scores, np.full(horizon, -np.inf)])
    pos = np.asarray(positions, dtype=np.int64)
    win = np.stack([padded[pos + i] for i in range(horizon)], axis=1)
    return 1 + np.argmax(win, axis=1)


def chain_indices(buffer, length: int, rng: np.random.Generator) -> np.ndarray:
    """``length`` consecutive replay indices; restart at a random index at an episode end."""
    valid = buffer.sample_indices(0)
    cur = int(rng.choice(valid))
    out = [cur]
    while len(out) < length:
        nxt = int(buffer.next(np.array([cur]))[0])
        cur = int(rng.choice(valid)) if nxt == cur else nxt
        out.append(cur)
    return np.array(out, dtype=np.int64)


def build_algorithm(cfg: Dict, env, method: str, detector=None, rng=None):
    from tianshou.algorithm import DQN
    from tianshou.algorithm.modelfree.dqn import DiscreteQLearningPolicy
    from tianshou.algorithm.optim import AdamOptimizerFactory
    from tianshou.env.atari.atari_network import DQNet, ScaledObsInputActionReprNet

    c, h, w = env.observation_space.shape
    net = ScaledObsInputActionReprNet(DQNet(c, h, w, env.action_space.n))
    policy = DiscreteQLearningPolicy(model=net, action_space=env.action_space,
                                     eps_training=cfg["eps_train"], eps_inference=cfg["eps_test"])
    n_step = int(method.split("-n")[1]) if method.startswith("baseline-n") else 1
    kwargs = dict(policy=policy, optim=AdamOptimizerFactory(lr=cfg["lr"]), gamma=cfg["gamma"],
                  n_step_return_horizon=n_step if method != "policy" else cfg["n_step"],
                  target_update_freq=cfg["target_update_freq"], is_double=True)
    if method == "dsi":
        return make_dsi_dqn(detector, int(cfg["horizon"]), int(cfg["chain"]),
                            rng or np.random.default_rng(0), **kwargs)
    return DQN(**kwargs)


def make_dsi_dqn(detector, horizon: int, chain: int, rng: np.random.Generator, **kwargs):
    from tianshou.algorithm import DQN
    from tianshou.algorithm.algorithm_base import TrainingStats
    from tianshou.utils.torch_utils import torch_train_mode

    class DSIDQN(DQN):
        """DQN whose targets bootstrap at the detector's highest-scored state ahead."""

        def _update(self, sample_size, buffer, update_with_batch_fn):
            if buffer is None or len(buffer) < chain:
                return TrainingStats()
            start = time.time()
            idx = chain_indices(buffer, chain, rng)
            obs = np.asarray(buffer[idx].obs_next)
            with torch.no_grad():
                x = torch.from_numpy(obs).float().div_(255.0)[None]
                x[..., :detector.zero_top_rows, :] = 0.0
                m = detector(x, torch.tensor([chain])).numpy()[0]
            n = min(int(sample_size), chain - 6)
            positions = np.sort(rng.choice(np.arange(3, chain - 3), size=n, replace=False))
            horizons = adaptive_horizons(m, positions, horizon)
            indices = idx[positions]
            batch = buffer[indices]
            returns = np.zeros(len(indices), dtype=np.float32)
            for h in np.unique(horizons):
                sel = np.nonzero(horizons == h)[0]
                sub = self.compute_nstep_return(batch=buffer[indices[sel]], buffer=buffer,
                                                indices=indices[sel], target_q_fn=self._target_q,
                                                gamma=self.gamma, n_step=int(h))
                returns[sel] = np.asarray(sub.returns).reshape(-1)
            batch.returns = returns
            with torch_train_mode(self):
                stat = update_with_batch_fn(batch)
            stat.train_time = time.time() - start
            self.horizon_log.append(float(np.mean(horizons)))
            return stat

    alg = DSIDQN(**kwargs)
    alg.horizon_log = []
    detector.eval()
    return alg


_ENV_SKIP = ("env", "ale", "_ezpickle_args", "_ezpickle_kwargs")  # links, and the emulator
_COLLECTOR_STATE = ("_pre_collect_obs_RO", "_pre_collect_info_R", "_pre_collect_hidden_state_RH",
                    "collect_step", "collect_episode")


def _layers(env) -> list:
    out = [env]
    while hasattr(out[-1], "env"):
        out.append(out[-1].env)
    return out


def env_state(env) -> bytes:
    """Everything that decides what a built Atari env does next: each wrapper's attributes (frame
    stack, lives, step counts, the env's and its action space's generators) and the emulator
    with its RNG. ``set_env_state`` on a freshly built env of the same kind continues exactly."""
    import pickle

    return pickle.dumps({"layers": [{k: v for k, v in vars(layer).items() if k not in _ENV_SKIP}
                                    for layer in _layers(env)],
                         "ale": env.unwrapped.ale.cloneState(include_rng=True)})


def set_env_state(env, blob: bytes) -> None:
    import pickle

    state = pickle.loads(blob)
    layers = _layers(env)
    if len(layers) != len(state["layers"]):
        raise ValueError("saved env state has another wrapper stack")
    for layer, saved in zip(layers, state["layers"]):
        vars(layer).update(saved)
    env.unwrapped.ale.restoreState(state["ale"])


def _venv_state(venv) -> list:
    return [{"env": env_state(w.env), "is_reset": w.is_reset, "result": getattr(w, "result", None)}
            for w in venv.workers]


def _set_venv_state(venv, states: list) -> None:
    for w, st in zip(venv.workers, states):
        set_env_state(w.env, st["env"])
        w.is_reset = st["is_reset"]
        if st["result"] is not None:
            w.result = st["result"]


def run_dqn(cfg: Dict, game: str, method: str, seed: int, total_steps: int,
            save_at: Sequence[int], save_fn, log, detector=None,
            max_episode_frames: int = 108_000, resume: Dict = None) -> List[Dict]:
    """Train for ``total_steps`` env steps; evaluate and call ``save_fn(step, algorithm, rows,
    state)`` at each step in ``save_at`` and every ``epoch_steps``; return progress rows (step,
    test return). ``state()`` is everything a resumed run needs to continue exactly as an
    uninterrupted one (weights and optimiser, replay buffer, the train and test envs mid-episode,
    the collector, counters, the detector's sampling generator; the global RNGs are added by
    ``scripts.common.checkpoint.save_checkpoint``). ``resume`` is such a state, loaded with
    ``restore_rng=False``: its RNG states are restored here, where they were saved."""
    from tianshou.data import Collector, VectorReplayBuffer
    from tianshou.env import DummyVectorEnv
    from tianshou.utils.torch_utils import policy_within_training_step, torch_train_mode

    from scripts.common.checkpoint import RNG_KEY, set_rng_state

    torch.manual_seed(seed)
    n_train = int(cfg["train_envs"])
    max_episode_frames = int(cfg.get("max_episode_frames", max_episode_frames))
    train_envs = DummyVectorEnv([lambda: make_env(game, True, max_episode_frames)
                                 for _ in range(n_train)])
    test_env = DummyVectorEnv([lambda: make_env(game, False, max_episode_frames)])
    train_envs.seed(seed)
    test_env.seed(seed + 10_000)
    probe = make_env(game, True)
    rng = np.random.default_rng(seed)
    alg = build_algorithm(cfg, probe, method, detector, rng)
    probe.close()
    buf = VectorReplayBuffer(int(cfg["buffer_size"]), buffer_num=n_train, ignore_obs_next=False)
    train_c = Collector(alg, train_envs, buf, exploration_noise=True)
    test_c = Collector(alg, test_env, exploration_noise=True)
    train_c.reset()
    test_c.reset()
    rows: List[Dict] = []
    steps, updates, t0 = 0, 0.0, time.time()
    if resume and "buffer" not in resume:
        raise ValueError("checkpoint without replay buffer (older code): cannot resume exactly")
    if resume:
        alg.load_state_dict(resume["algorithm"])
        alg._iter = int(resume["iter"])                  # target-network sync counter
        if hasattr(alg, "horizon_log"):
            alg.horizon_log = list(resume["horizon_log"])
        rows, steps, updates = list(resume["rows"]), int(resume["step"]), float(resume["updates"])
        buf = resume["buffer"]
        train_c.buffer = buf
        for key in _COLLECTOR_STATE:
            setattr(train_c, key, resume["collector"][key])
        _set_venv_state(train_envs, resume["train_envs"])
        _set_venv_state(test_env, resume["test_env"])
        rng.bit_generator.state = resume["detector_rng"]
        set_rng_state(resume[RNG_KEY])
        log(f"resumed at step {steps} (replay buffer of {len(buf)}, envs mid-episode)")
    else:
        with policy_within_training_step(alg.policy), torch_train_mode(alg.policy, False):
            train_c.collect(n_step=int(cfg["start_steps"]) or n_train, random=True)

    def state() -> Dict:
        return {"algorithm": alg.state_dict(), "iter": int(alg._iter),
                "horizon_log": list(getattr(alg, "horizon_log", [])), "rows": list(rows),
                "step": int(steps), "updates": float(updates), "buffer": buf,
                "collector": {k: getattr(train_c, k) for k in _COLLECTOR_STATE},
                "train_envs": _venv_state(train_envs), "test_env": _venv_state(test_env),
                "detector_rng": rng.bit_generator.state}

    marks = sorted(set(list(save_at) + list(range(int(cfg["epoch_steps"]), total_steps + 1,
                                                  int(cfg["epoch_steps"])))))
    for mark in marks:
        if mark <= steps:
            continue
        while steps < mark:
            frac = min(1.0, steps / float(cfg["eps_decay_steps"]))
            alg.policy.set_eps_training(cfg["eps_train"] + frac * (cfg["eps_train_final"]
                                                                   - cfg["eps_train"]))
            with policy_within_training_step(alg.policy):
                with torch_train_mode(alg.policy, False):
                    stats = train_c.collect(n_step=int(cfg["step_per_collect"]))
                steps += stats.n_collected_steps
                updates += stats.n_collected_steps * float(cfg["update_per_step"])
                while updates >= 1.0:
                    alg.update(buffer=buf, sample_size=int(cfg["batch_size"]))
                    updates -= 1.0
        with torch_train_mode(alg.policy, False):
            res = test_c.collect(n_episode=int(cfg["test_episodes"]), reset_before_collect=True)
        ret = float(np.mean(res.returns))
        row = {"step": int(steps), "test_return": ret, "test_return_std": float(np.std(res.returns)),
               "seconds": time.time() - t0}
        if hasattr(alg, "horizon_log") and alg.horizon_log:
            row["mean_horizon"] = float(np.mean(alg.horizon_log[-1000:]))
        rows.append(row)
        log(f"{method} seed {seed}: step {steps}, test return {ret:.1f}")
        save_fn(mark, alg, rows, state)
    train_envs.close()
    test_env.close()
    return rows


def greedy_action(net, obs: np.ndarray) -> int:
    with torch.no_grad():
        q = net(torch.from_numpy(np.asarray(obs)[None]))[0]
    return int(q.argmax(-1)[0])


def load_qnet(path: str, env):
    from tianshou.env.atari.atari_network import DQNet, ScaledObsInputActionReprNet

    c, h, w = env.observation_space.shape
    net = ScaledObsInputActionReprNet(DQNet(c, h, w, env.action_space.n))
    net.load_state_dict(torch_load(path, map_location="cpu"))
    net.eval()
    return net


def rollout_episode(env, net, rng: np.random.Generator, eps: float, seed: int,
                    max_steps: int) -> Dict[str, np.ndarray]:
    """One full-game episode with epsilon-greedy ``net``: single uint8 frames (T + 4, 84, 84)
    (stacks are rebuilt from them) and raw rewards with a leading 0 (T + 1,)."""
    obs, _ = env.reset(seed=int(seed))
    frames = [np.asarray(f) for f in np.asarray(obs)]
    rewards = [0.0]
    for _ in range(max_steps):
        a = int(rng.integers(env.action_space.n)) if rng.random() < eps else greedy_action(net, obs)
        obs, r, term, trunc, _ = env.step(a)
        frames.append(np.asarray(obs)[-1])
        rewards.append(float(r))
        if term or trunc:
            break
    return {"frames": np.stack(frames).astype(np.uint8), "rewards": np.array(rewards, np.float32)}
