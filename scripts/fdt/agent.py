"""Online DQN / C51 agents with tianshou 2.x on ale-py's native vector environment.

Used by the offline scales' behaviour log (``generate_log``: a DQN whose own training
experience is logged chronologically, as DQN Replay logged dopamine's DQN) and by the
oracle (``oracle``: a C51 agent, as the paper's dopamine C51 oracle). tianshou's
Collector expects tianshou's own env wrappers, so the acting loop is ours: it steps
``ale_py.AtariVectorEnv`` (frame skip 4, max-pool of the last two frames, 84x84
grey, 4-stack, sticky actions 0.25 as dopamine) and evaluates the Q-network only for the
sub-environments that act greedily under epsilon-greedy exploration. Learning (targets,
n-step returns, target network, optimiser) is tianshou's ``DQN`` / ``C51``.
This stage needs torch 2.x (tianshou); see envs/fdt-agent.yaml.

Speed (what is generated does not change; tests/fdt/test_agent.py checks it bit for bit
against the plain synchronous loop): the sub-environments are split into groups, each its
own ``AtariVectorEnv``, stepped with ``send``/``recv`` so that one group's emulation runs in
ale-py's worker thread while the Q-network acts for the other group; the next step's actions
are chosen ahead only when no gradient update falls in between. The behaviour log and the
replay memory are written with whole-array copies instead of per-transition objects.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from scripts.fdt.games import N_ACTIONS, ROM


def make_vec_env(game: str, num_envs: int, *, sticky: float, noop_max: int = 0,
                 threads: int = 1, max_frames: int = 108_000):
    """DQN Replay's preprocessing on ale-py's vector env (same-step autoreset)."""
    from ale_py import AtariVectorEnv

    return AtariVectorEnv(ROM[game], num_envs=num_envs, num_threads=max(1, threads),
                          repeat_action_probability=sticky, noop_max=noop_max,
                          reward_clipping=False, use_fire_reset=False, episodic_life=False,
                          frameskip=4, maxpool=True, stack_num=4, img_height=84, img_width=84,
                          grayscale=True, autoreset_mode="SameStep",
                          max_num_frames_per_episode=max_frames)


def build_algorithm(kind: str, game: str, *, lr: float, gamma: float, target_update: int,
                    n_step: int = 1, num_atoms: int = 51, v_min: float = -10.0,
                    v_max: float = 10.0, adam_eps: float = 1.5e-4):
    """A tianshou DQN (Nature CNN) or C51 algorithm for ``game``'s minimal action set."""
    import gymnasium as gym
    from tianshou.algorithm import C51, DQN
    from tianshou.algorithm.modelfree.c51 import C51Policy
    from tianshou.algorithm.modelfree.dqn import DiscreteQLearningPolicy
    from tianshou.algorithm.optim import AdamOptimizerFactory
    from tianshou.env.atari.atari_network import C51Net, DQNet, ScaledObsInputActionReprNet

    n_act = N_ACTIONS[game]
    action_space = gym.spaces.Discrete(n_act)
    optim = AdamOptimizerFactory(lr=lr, eps=adam_eps)
    if kind == "dqn":
        net = ScaledObsInputActionReprNet(DQNet(c=4, h=84, w=84, action_shape=n_act))
        policy = DiscreteQLearningPolicy(model=net, action_space=action_space)
        algo = DQN(policy=policy, optim=optim, gamma=gamma, n_step_return_horizon=n_step,
                   target_update_freq=target_update, is_double=False, huber_loss_delta=1.0)
    elif kind == "c51":
        net = ScaledObsInputActionReprNet(C51Net(c=4, h=84, w=84, action_shape=[n_act],
                                                 num_atoms=num_atoms))
        policy = C51Policy(model=net, action_space=action_space, num_atoms=num_atoms,
                           v_min=v_min, v_max=v_max)
        algo = C51(policy=policy, optim=optim, gamma=gamma, n_step_return_horizon=n_step,
                   target_update_freq=target_update)
    else:
        raise ValueError(f"unknown agent kind {kind!r}; allowed: dqn, c51")
    return algo


class EnvGroups:
    """``num_envs`` sub-environments as ``groups`` ale-py vector envs over contiguous slices.

    Sub-environment ``i`` gets reset seed ``seed + i`` whatever the grouping, and each vector
    env steps its slice independently (``send``/``recv``), so the per-environment streams
    equal those of one ``AtariVectorEnv`` of ``num_envs`` given the same actions."""

    def __init__(self, envs: Sequence):
        self.envs = list(envs)
        sizes = [int(e.num_envs) for e in self.envs]
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        self.slices = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        self.num_envs = int(bounds[-1])
        self.single_action_space = self.envs[0].single_action_space

    def reset(self, seed: int) -> np.ndarray:
        # the vector envs reset in parallel threads (ale-py releases the GIL): a reset takes
        # about as long as a hundred steps
        obs = _in_threads([lambda e=e, s=s: e.reset(seed=int(seed) + s.start)[0]
                           for e, s in zip(self.envs, self.slices)])
        return np.concatenate(obs)

    def close(self) -> None:
        for e in self.envs:
            e.close()


def make_env_groups(game: str, num_envs: int, *, sticky: float, groups: int = 2,
                    threads: int = 1, noop_max: int = 0, max_frames: int = 108_000) -> EnvGroups:
    """``num_envs`` sub-environments in ``groups`` vector envs (as equal as possible) of
    ``threads`` worker threads each; ``groups`` is capped at ``num_envs``."""
    groups = max(1, min(int(groups), int(num_envs)))
    sizes = [num_envs // groups + (1 if g < num_envs % groups else 0) for g in range(groups)]
    return EnvGroups(_in_threads([
        lambda n=n: make_vec_env(game, n, sticky=sticky, noop_max=noop_max, threads=threads,
                                 max_frames=max_frames) for n in sizes]))


def _in_threads(fns: Sequence[Callable]) -> list:
    """The results of ``fns`` called in parallel threads (in order)."""
    if len(fns) == 1:
        return [fns[0]()]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(fns)) as ex:
        return [f.result() for f in [ex.submit(fn) for fn in fns]]


def greedy_q(policy, obs) -> torch.Tensor:
    """Q-values of a tianshou DQN/C51 policy for stacked uint8 observations [B, 4, 84, 84].

    uint8 arrays go to torch as they are and are scaled in float32: uint8 / 255 in float32
    equals numpy's float64 quotient cast to float32 for all 256 values (checked in the tests),
    without tianshou's float64 copy. The values are on the policy's device."""
    from tianshou.env.atari.atari_network import ScaledObsInputActionReprNet

    model = policy.model
    with torch.inference_mode():
        if (isinstance(obs, np.ndarray) and obs.dtype == np.uint8
                and isinstance(model, ScaledObsInputActionReprNet)):
            # the wrapper's obs / denom, done in place on one float32 copy; the frames travel
            # to the model's device as uint8 (a quarter of the float32 bytes)
            device = next(model.parameters()).device
            x = torch.from_numpy(np.ascontiguousarray(obs)).to(device).float().div_(model.denom)
            logits, _ = model.module(x)
        else:
            logits, _ = model(obs)
        return policy.compute_q_value(logits, None)


def linear_epsilon(step: int, start: float, end: float, decay_steps: int) -> float:
    if decay_steps <= 0:
        return end
    frac = min(1.0, step / decay_steps)
    return start + frac * (end - start)


_LOG_FIELDS = {"action": np.int32, "raw_reward": np.float32, "terminal": np.uint8,
               "lives": np.int32}


class EpisodeLogger:
    """Chronological behaviour log in our buffer layout, one complete episode at a time.

    Each sub-environment's stream is kept apart until its episode ends, so every episode
    is contiguous in the buffers (as in a single-actor dopamine log). Open episodes live in
    per-environment numpy arrays (capacity doubling); a finished episode is copied once into
    the current buffer's preallocated arrays, which are handed to ``flush`` when they hold
    ``buffer_size`` transitions or more (whole episodes only)."""

    def __init__(self, num_envs: int, buffer_size: int, flush: Callable[[int, Dict], None],
                 frame_shape: Tuple[int, int] = (84, 84), initial_capacity: int = 256):
        self.buffer_size = int(buffer_size)
        self.flush_fn = flush
        self.frame_shape = tuple(frame_shape)
        self.num_envs = num_envs
        self.cap0 = max(1, int(initial_capacity))
        self.open_frames = [np.empty((self.cap0,) + self.frame_shape, np.uint8)
                            for _ in range(num_envs)]
        self.open_fields = {k: np.zeros((num_envs, self.cap0), dt)
                            for k, dt in _LOG_FIELDS.items()}
        self.open_len = np.zeros(num_envs, dtype=np.int64)
        self.k = 0
        self.n_current = 0
        self._new_buffer(self._first_capacity())
        self.episode_returns: List[float] = []

    def _first_capacity(self) -> int:
        # a buffer usually ends a little past buffer_size (its last episode); large buffers
        # start smaller and double
        return min(self.buffer_size + 2048, 1 << 16)

    def _new_buffer(self, cap: int) -> None:
        cap = max(1, int(cap))
        self.cur_frames = np.empty((cap,) + self.frame_shape, np.uint8)
        self.cur = {k: np.empty(cap, dt) for k, dt in _LOG_FIELDS.items()}

    def open_length(self, i: int) -> int:
        """Transitions of sub-environment ``i``'s unfinished episode."""
        return int(self.open_len[i])

    def add(self, frames: np.ndarray, actions: np.ndarray, raw: np.ndarray, term: np.ndarray,
            trunc: np.ndarray, lives: np.ndarray, env_offset: int = 0) -> None:
        """One step of sub-environments ``env_offset .. env_offset + len(actions) - 1``."""
        k = len(actions)
        envs = np.arange(env_offset, env_offset + k)
        pos = self.open_len[envs]
        need = int(pos.max()) + 1
        if need > self.open_fields["action"].shape[1]:
            cap = self.open_fields["action"].shape[1]
            while cap < need:
                cap *= 2
            for key, arr in self.open_fields.items():
                grown = np.zeros((self.num_envs, cap), arr.dtype)
                grown[:, :arr.shape[1]] = arr
                self.open_fields[key] = grown
        f = self.open_fields
        f["action"][envs, pos] = actions
        f["raw_reward"][envs, pos] = raw
        f["terminal"][envs, pos] = term
        f["lives"][envs, pos] = lives
        for j in range(k):
            i, p = env_offset + j, int(pos[j])
            store = self.open_frames[i]
            if p >= len(store):
                grown = np.empty((2 * len(store),) + self.frame_shape, np.uint8)
                grown[:p] = store[:p]
                self.open_frames[i] = store = grown
            store[p] = frames[j]
        self.open_len[envs] += 1
        for j in np.flatnonzero(np.logical_or(term, trunc)):
            self._close(env_offset + int(j))

    def _close(self, i: int) -> None:
        n_ep = int(self.open_len[i])
        a, b = self.n_current, self.n_current + n_ep
        if b > len(self.cur_frames):  # the buffer's last episode runs past buffer_size
            cap = max(b, 2 * len(self.cur_frames))
            frames, cur = self.cur_frames, self.cur
            self._new_buffer(cap)
            self.cur_frames[:a] = frames[:a]
            for key in cur:
                self.cur[key][:a] = cur[key][:a]
        self.cur_frames[a:b] = self.open_frames[i][:n_ep]
        for key in _LOG_FIELDS:
            self.cur[key][a:b] = self.open_fields[key][i, :n_ep]
        self.episode_returns.append(float(np.sum(self.open_fields["raw_reward"][i, :n_ep])))
        self.n_current = b
        self.open_len[i] = 0
        if len(self.open_frames[i]) > 4 * self.cap0:  # give back memory of a long episode
            self.open_frames[i] = np.empty((self.cap0,) + self.frame_shape, np.uint8)
        if self.n_current >= self.buffer_size:
            self.flush()

    def flush(self) -> None:
        if self.n_current == 0:
            return
        n = self.n_current
        raw = self.cur["raw_reward"][:n]
        buf = {
            "observation": self.cur_frames[:n],
            "action": self.cur["action"][:n],
            "reward": np.sign(raw).astype(np.float32),
            "raw_reward": raw,
            "terminal": self.cur["terminal"][:n],
            "lives": self.cur["lives"][:n],
            "padding": np.zeros(n, dtype=bool),
            "valid": np.ones(n, dtype=bool),
        }
        self.flush_fn(self.k, buf)
        self.k += 1
        self.n_current = 0
        self._new_buffer(self._first_capacity())


def add_transitions(buffer, obs: np.ndarray, act: np.ndarray, rew: np.ndarray,
                    term: np.ndarray, trunc: np.ndarray, obs_next: np.ndarray) -> None:
    """Append transitions to a tianshou ``ReplayBuffer`` in order, as ``buffer.add`` one
    ``Batch`` at a time would (same storage, indices, sizes and episode bookkeeping; tested),
    but with one array copy per field. The first transition goes through ``buffer.add`` so
    that tianshou allocates the storage with its own dtypes."""
    from tianshou.data import Batch

    k = len(act)
    done = np.logical_or(term, trunc)
    first = 0
    if len(buffer._meta.get_keys()) == 0:
        buffer.add(Batch(obs=obs[0], act=act[0], rew=rew[0], terminated=term[0],
                         truncated=trunc[0], done=done[0], obs_next=obs_next[0], info={}))
        first = 1
    if first >= k:
        return
    idx = np.array([buffer._update_state_pre_add(rew[i], bool(done[i]))[0]
                    for i in range(first, k)])
    meta = buffer._meta
    meta.obs[idx] = obs[first:]
    meta.act[idx] = act[first:]
    meta.rew[idx] = rew[first:]
    meta.terminated[idx] = term[first:]
    meta.truncated[idx] = trunc[first:]
    meta.done[idx] = done[first:]
    meta.obs_next[idx] = obs_next[first:]


def run_online(algo, env, *, total_steps: int, num_envs: int, seed: int, batch_size: int,
               learning_starts: int, update_every: int, eps_start: float, eps_end: float,
               eps_decay: int, replay_size: int, logger: Optional[EpisodeLogger] = None,
               on_progress: Optional[Callable[[int], None]] = None,
               checkpoint: Optional[Callable[[int, Dict[str, list]], None]] = None,
               checkpoint_every: int = 0, start_step: int = 0,
               curve: Optional[Dict[str, list]] = None, pipeline: bool = True,
               stats: Optional[Dict[str, float]] = None) -> Dict[str, list]:
    """Train ``algo`` online for ``total_steps`` agent steps (summed over sub-environments).

    ``env``: an ``EnvGroups`` (or one ``AtariVectorEnv``). Each iteration draws the random
    actions and the greedy mask of all sub-environments, acts, steps every group, logs and
    stores the transitions in sub-environment order, then runs the updates that fell due.
    ``update_every``: agent steps per gradient update of ``batch_size`` transitions (dopamine
    DQN: 4). With ``pipeline`` and no update due, a group's next actions are chosen and sent
    as soon as its step returns, while the other groups still run (same actions as without).
    ``stats`` (optional) receives ``t_first`` (perf_counter when the first step returned,
    after the reset) and ``steps_first`` for timing steady-state speed, and the counts of
    ``iterations`` and of those that ``looked_ahead``.
    Returns the learning curve (agent step at each finished episode, its raw return).
    """
    from tianshou.data import ReplayBuffer
    from tianshou.utils.torch_utils import policy_within_training_step

    groups = env if isinstance(env, EnvGroups) else EnvGroups([env])
    if groups.num_envs != num_envs:
        raise ValueError(f"num_envs={num_envs} but the environment has {groups.num_envs}")
    slices = groups.slices
    rng = np.random.default_rng(seed)
    # one plain buffer with stacked obs and obs_next: tianshou's VectorReplayBuffer would keep
    # single frames, but JIT-compiles (numba) for ~15 s per process, more than a smoke run allows
    buffer = ReplayBuffer(replay_size)
    obs = groups.reset(seed)
    ep_ret = np.zeros(num_envs)
    if curve is None:
        curve = {"step": [], "return": [], "wall_s": []}
    n_act = int(groups.single_action_space.n)
    step = start_step
    t0 = time.time()
    next_update = step + update_every
    policy = algo.policy
    policy.eval()

    def draw(at_step):
        eps = linear_epsilon(at_step, eps_start, eps_end, eps_decay)
        a = rng.integers(0, n_act, size=num_envs)
        return a, rng.random(num_envs) >= eps

    def act_and_send(g, a, greedy):
        s = slices[g]
        gs = greedy[s]
        if gs.any():
            a[s][gs] = greedy_q(policy, obs[s][gs]).argmax(-1).cpu().numpy()
        groups.envs[g].send(a[s].astype(np.int64))

    def updates_due(at_step):
        """Whether the update loop after reaching ``at_step`` will run an update."""
        return (at_step >= next_update and at_step >= learning_starts
                and min(len(buffer) + num_envs, replay_size) >= batch_size)

    act, greedy = draw(step)
    for g in range(len(slices)):
        act_and_send(g, act, greedy)
    while step < total_steps:
        nxt = step + num_envs
        ahead = pipeline and nxt < total_steps and not updates_due(nxt)
        next_act = next_greedy = None
        for g, s in enumerate(slices):
            obs_next, rew, term, trunc, info = groups.envs[g].recv()
            ended = np.logical_or(term, trunc)
            obs_next_true = obs_next
            if "final_obs" in info and ended.any():
                obs_next_true = obs_next.copy()
                e = np.flatnonzero(ended)
                obs_next_true[e] = np.asarray(info["final_obs"])[e]
            if logger is not None:
                logger.add(obs[s][:, -1], act[s], rew, term, trunc, info["lives"],
                           env_offset=s.start)
            add_transitions(buffer, obs[s], act[s], np.sign(rew).astype(np.float32), term,
                            trunc, obs_next_true)
            obs[s] = obs_next
            ep_ret[s] += rew
            for i in s.start + np.flatnonzero(ended):
                curve["step"].append(nxt)
                curve["return"].append(float(ep_ret[i]))
                curve["wall_s"].append(time.time() - t0)
                ep_ret[i] = 0.0
            if ahead:
                if g == 0:
                    next_act, next_greedy = draw(nxt)
                act_and_send(g, next_act, next_greedy)
        if stats is not None:
            if "t_first" not in stats:
                stats["t_first"] = time.perf_counter()
                stats["steps_first"] = nxt
            stats["iterations"] = stats.get("iterations", 0) + 1
            stats["looked_ahead"] = stats.get("looked_ahead", 0) + int(ahead)
        step = nxt
        while step >= next_update:
            next_update += update_every
            if step >= learning_starts and len(buffer) >= batch_size:
                policy.train()
                with policy_within_training_step(policy):
                    algo.update(buffer, batch_size)
                policy.eval()
        if on_progress is not None:
            on_progress(num_envs)
        if checkpoint is not None and checkpoint_every and step % checkpoint_every < num_envs \
                and step < total_steps:
            checkpoint(step, curve)
        if step >= total_steps:
            break
        if ahead:
            act, greedy = next_act, next_greedy
        else:
            act, greedy = draw(step)
            for g in range(len(slices)):
                act_and_send(g, act, greedy)
    return curve


def default_env_groups(threads: int) -> int:
    """Two vector envs when the job has two or more threads (one group's emulation overlaps the
    other's Q-network, which keeps about two cores busy); one in a single-thread job, so that
    a job uses the cores it declared. The data are the same either way (tested)."""
    return 2 if threads >= 2 else 1


def setup_online(kind: str, game: str, prm: Dict, *, threads: int = 1, device=None):
    """The environments and the tianshou algorithm of one online run from its stage
    parameters (``num_envs``, ``sticky``, ``lr``, ``gamma``, ``target_update``, optional
    ``env_groups``): shared by the behaviour log (``kind="dqn"``) and the oracle
    (``kind="c51"``). The networks go to ``device`` (default: CUDA when present): on a GPU
    the Q-network's forward pass leaves the CPU to the emulators."""
    from scripts.common.seeding import device as default_device

    groups = int(prm.get("env_groups", default_env_groups(threads)))
    envs = make_env_groups(game, int(prm["num_envs"]), sticky=float(prm["sticky"]),
                           groups=groups, threads=max(1, threads // groups))
    algo = build_algorithm(kind, game, lr=float(prm["lr"]), gamma=float(prm["gamma"]),
                           target_update=int(prm["target_update"]))
    return envs, algo.to(device or default_device())


def online_kwargs(prm: Dict) -> Dict:
    """``run_online``'s schedule arguments from the stage parameters."""
    return dict(num_envs=int(prm["num_envs"]), batch_size=int(prm["batch"]),
                learning_starts=int(prm["learning_starts"]),
                update_every=int(prm["update_every"]), eps_start=float(prm["eps_start"]),
                eps_end=float(prm["eps_end"]), eps_decay=int(prm["eps_decay"]),
                replay_size=int(prm["replay_size"]))
