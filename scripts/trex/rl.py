"""tianshou 2.0 PPO for T-REX: builders, the learned-reward wrapper, rollouts, and a
training loop that checkpoints and resumes.

Resumption: training runs in epochs of ``epoch_updates`` PPO updates. At the start of
every epoch the training envs are reseeded (seed derived from run seed and epoch) and
reset, and at its end a checkpoint (algorithm incl. optimiser, LR schedule, observation
statistics, RNG states, counters, log rows) is written atomically. A run restarted from
a checkpoint therefore ends with the same outputs as an uninterrupted run. The cost is
that unfinished episodes are cut at epoch boundaries (like a time-limit truncation;
GAE bootstraps from the value of the last state).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from scripts.common.checkpoint import load_checkpoint, save_checkpoint
from scripts.common.envs import make_atari, make_minatar, make_mujoco
from scripts.common.progress import get_logger
from scripts.trex.masks import ATARI_GAMES
from scripts.trex.nets import load_torch

log = get_logger("trex.rl")
CHECKPOINT = "checkpoint.pt"   # in work_dir


def env_kind(env: str) -> str:
    """'atari' (ALE game), 'minatar' (``minatar-<game>``, the laptop stand-in) or 'mujoco'."""
    if env.startswith("minatar-"):
        return "minatar"
    return "atari" if env in ATARI_GAMES else "mujoco"


def make_env(env: str, *, purpose: str, max_episode_steps: int | None = None,
             minatar: dict | None = None) -> gym.Env:
    """``purpose``: 'demonstrator' (Atari: life loss ends episodes, rewards clipped),
    'learned' (Atari: life loss ends episodes; the reward is replaced), 'rollout' (demos,
    held-out trajectories, evaluation: full games, unclipped true reward). MinAtar has no
    lives and small integer rewards, so every purpose gets the same game (``minatar``: its
    sticky-action, ramping and action-set settings; MinAtar's defaults where absent)."""
    if env_kind(env) == "minatar":
        return make_minatar(env, max_episode_steps=max_episode_steps, layout="chw", dtype=np.uint8,
                            **(minatar or {}))
    if env_kind(env) == "atari":
        kwargs = {}
        if max_episode_steps:
            kwargs["max_episode_frames"] = 4 * max_episode_steps
        return make_atari(ATARI_GAMES[env], terminal_on_life_loss=purpose != "rollout",
                          clip_rewards=purpose == "demonstrator", **kwargs)
    kwargs = {"max_episode_steps": max_episode_steps} if max_episode_steps else {}
    return make_mujoco(env, **kwargs)


# --------------------------------------------------------------------------- rewards

class NumpyEnsembleReward:
    """Per-step normalised ensemble reward of one raw MuJoCo observation, in numpy (a torch
    call per env step costs more than the MLP itself)."""

    def __init__(self, state_dict: dict, members: int, last_member_only: bool = False):
        self.layers = []
        for m in range(members):
            layer = []
            for idx in (0, 2, 4):
                w = state_dict[f"members.{m}.net.{idx}.weight"].cpu().numpy().astype(np.float64)
                b = state_dict[f"members.{m}.net.{idx}.bias"].cpu().numpy().astype(np.float64)
                layer.append((w, b))
            self.layers.append(layer)
        self.shift = state_dict["shift"].cpu().numpy().astype(np.float64)
        self.scale = state_dict["scale"].cpu().numpy().astype(np.float64)
        self.last_member_only = last_member_only

    def member_rewards(self, obs: np.ndarray) -> np.ndarray:
        x0 = np.asarray(obs, dtype=np.float64)
        out = []
        for layer in self.layers:
            x = x0
            for k, (w, b) in enumerate(layer):
                x = x @ w.T + b
                if k < 2:
                    x = np.maximum(x, 0.0)
            out.append(x[..., 0])
        return (np.stack(out, 0) - self.shift.reshape(-1, *([1] * (np.ndim(obs) - 1)))) \
            / self.scale.reshape(-1, *([1] * (np.ndim(obs) - 1)))

    def __call__(self, obs: np.ndarray) -> float:
        per = self.member_rewards(obs)
        if self.last_member_only:
            return float(per[-1] / per.shape[0])
        return float(per.mean(0))


class AtariSigmoidReward:
    """sigmoid(r_hat(s)) of one (4, 84, 84) uint8 stack (the net masks and scales itself), or of
    one (C, 10, 10) MinAtar frame."""

    def __init__(self, model: nn.Module):
        torch.set_num_threads(1)      # one per env process; the learner owns the rest
        self.model = model.cpu().eval()

    def __call__(self, obs: np.ndarray) -> float:
        with torch.no_grad():
            x = torch.as_tensor(np.asarray(obs)[None])
            return float(torch.sigmoid(self.model(x))[0])


class ConstantReward:
    def __init__(self, value: float = 1.0):
        self.value = float(value)

    def __call__(self, obs: np.ndarray) -> float:
        return self.value


class RewardSubstitution(gym.Wrapper):
    """Replaces the env's reward by ``reward_fn(obs returned by step) - ctrl_coef * |a|^2``
    (as both original codes score the observation returned by ``step``), keeping the true
    reward in ``info['true_reward']``. With ``reward_fn=None`` the true reward is kept.
    Completed episodes' (true return, used return, length) accumulate in the list
    ``completed_episodes`` of the *unwrapped* env, where tianshou's ``get_env_attr`` and
    ``set_env_attr`` look (for dummy and subprocess vector envs alike)."""

    def __init__(self, env: gym.Env, reward_fn: Callable[[np.ndarray], float] | None = None,
                 ctrl_coef: float = 0.0):
        super().__init__(env)
        self.reward_fn = reward_fn
        self.ctrl_coef = float(ctrl_coef)
        self.env.unwrapped.completed_episodes = []
        self._true = 0.0
        self._used = 0.0
        self._len = 0

    @property
    def completed_episodes(self) -> list:
        """The unwrapped env's list (tianshou's subprocess workers read attributes of the
        outer env, dummy workers of the unwrapped one; both reach the same list)."""
        return self.env.unwrapped.completed_episodes

    def reset(self, **kwargs: Any):
        self._true, self._used, self._len = 0.0, 0.0, 0
        return self.env.reset(**kwargs)

    def step(self, action):
        obs, true_reward, terminated, truncated, info = self.env.step(action)
        if self.reward_fn is None:
            reward = float(true_reward)
        else:
            reward = self.reward_fn(obs)
            if self.ctrl_coef:
                reward -= self.ctrl_coef * float(np.sum(np.square(action)))
        info["true_reward"] = float(true_reward)
        self._true += float(true_reward)
        self._used += reward
        self._len += 1
        if terminated or truncated:
            self.env.unwrapped.completed_episodes.append((self._true, self._used, self._len))
        return obs, reward, terminated, truncated, info


# --------------------------------------------------------------------------- PPO

def _linear_decay_factory():
    from tianshou.algorithm.optim import LRSchedulerFactory

    class _LinearDecay(LRSchedulerFactory):
        """lr * (1 - update / total_updates), one scheduler step per PPO update (ppo2's
        annealing). tianshou's LRSchedulerFactoryLinear returns numpy floats, which then sit
        in the optimiser state and break torch.load(weights_only=True) on resume."""

        def __init__(self, total_updates: int):
            self.total_updates = max(1, int(total_updates))

        def create_scheduler(self, optim):
            total = self.total_updates
            return torch.optim.lr_scheduler.LambdaLR(optim, lambda u: max(0.0, 1.0 - float(u) / total))

    return _LinearDecay


def LinearDecay(total_updates: int):  # noqa: N802 (a factory of a tianshou class)
    return _linear_decay_factory()(total_updates)


def clip_range(ppo: dict, updates_done: int, horizon: int) -> float:
    """PPO clip range before update ``updates_done`` (0-based) of a ``horizon``-update schedule:
    constant, or with ``clip_decay`` ppo2's Atari ``cliprange = f * clip`` where
    f = 1 - updates_done / horizon is the remaining fraction (the learning rate's schedule)."""
    clip = float(ppo["clip"])
    if not ppo.get("clip_decay", False):
        return clip
    return clip * max(0.0, 1.0 - float(updates_done) / max(1, int(horizon)))


def ppo2_init(actor: nn.Module, critic: nn.Module) -> None:
    """Baselines ppo2's MLP initialisation: orthogonal weights with gain sqrt(2) in the hidden
    layers, 0.01 on the action-mean output, 1 on the value output, zero biases; log-std 0."""
    for module in (actor, critic):
        for m in module.modules():
            if isinstance(m, nn.Linear):
                nn.init.orthogonal_(m.weight, gain=float(np.sqrt(2.0)))
                nn.init.zeros_(m.bias)
    for layer, gain in ((actor.mu, 0.01), (critic.last, 1.0)):
        for m in layer.modules():
            if isinstance(m, nn.Linear):
                nn.init.orthogonal_(m.weight, gain=gain)
    nn.init.zeros_(actor.sigma_param)


def minatar_net(c: int, h: int, w: int, channels: int = 16, hidden: int = 128):
    """MinAtar's own network (Young and Tian's DQN baseline): conv ``channels`` 3x3 stride 1,
    ReLU, FC ``hidden``, ReLU; shared by the actor and critic heads as the Nature CNN is on
    Atari. Input (N, C, 10, 10) with 0/1 values."""
    from tianshou.utils.net.common import ActionReprNetWithVectorOutput

    class MinAtarNet(ActionReprNetWithVectorOutput):
        def __init__(self):
            super().__init__(hidden)
            self.net = nn.Sequential(nn.Conv2d(c, channels, 3, stride=1), nn.ReLU(), nn.Flatten(),
                                     nn.Linear(channels * (h - 2) * (w - 2), hidden), nn.ReLU())

        def forward(self, obs, state=None, info=None):
            x = torch.as_tensor(obs, device=next(self.parameters()).device, dtype=torch.float32)
            return self.net(x), state

    return MinAtarNet()


def build_ppo(kind: str, obs_space: gym.Space, act_space: gym.Space, cfg: dict,
              total_updates: int):
    """tianshou PPO with the Baselines ppo2 defaults of the paper's domain (docs/fidelity/trex.md)."""
    from tianshou.algorithm import PPO
    from tianshou.algorithm.modelfree.reinforce import DiscreteActorPolicy, ProbabilisticActorPolicy
    from tianshou.algorithm.optim import AdamOptimizerFactory
    from tianshou.utils.net.common import Net
    from tianshou.utils.net.continuous import ContinuousActorProbabilistic, ContinuousCritic
    from tianshou.utils.net.discrete import DiscreteActor, DiscreteCritic

    optim = AdamOptimizerFactory(lr=cfg["lr"], eps=1e-5)
    if cfg.get("lr_decay", True):
        # one scheduler step per update: LambdaLR(1 - update / total_updates)
        optim = optim.with_lr_scheduler_factory(LinearDecay(total_updates))
    if kind in ("atari", "minatar"):
        from tianshou.env.atari.atari_network import DQNet, ScaledObsInputActionReprNet

        c, h, w = obs_space.shape
        if kind == "minatar":
            feat = minatar_net(c, h, w, int(cfg.get("conv_channels", 16)), int(cfg.get("fc_hidden", 128)))
        else:
            feat = ScaledObsInputActionReprNet(
                DQNet(c, h, w, action_shape=0, features_only=True, output_dim_added_layer=512), 255.0)
        actor = DiscreteActor(preprocess_net=feat, action_shape=act_space.n, softmax_output=False)
        critic = DiscreteCritic(preprocess_net=feat)
        policy = DiscreteActorPolicy(actor=actor, action_space=act_space,
                                     observation_space=obs_space,
                                     deterministic_eval=cfg.get("deterministic_eval", False))
    else:
        obs_dim = int(np.prod(obs_space.shape))
        hidden = tuple(cfg.get("hidden", [64, 64]))
        net_a = Net(state_shape=obs_dim, hidden_sizes=hidden, activation=nn.Tanh)
        actor = ContinuousActorProbabilistic(preprocess_net=net_a, action_shape=act_space.shape,
                                             unbounded=True)
        critic = ContinuousCritic(preprocess_net=Net(state_shape=obs_dim, hidden_sizes=hidden,
                                                     activation=nn.Tanh))
        if cfg.get("init", "torch") == "ppo2":
            ppo2_init(actor, critic)

        def dist_fn(loc_scale):
            loc, scale = loc_scale
            return torch.distributions.Independent(torch.distributions.Normal(loc, scale), 1)

        policy = ProbabilisticActorPolicy(actor=actor, dist_fn=dist_fn, action_space=act_space,
                                          observation_space=obs_space, action_scaling=True,
                                          action_bound_method="clip",
                                          deterministic_eval=cfg.get("deterministic_eval", False))
    return PPO(policy=policy, critic=critic, optim=optim, eps_clip=cfg["clip"],
               vf_coef=cfg["vf_coef"], ent_coef=cfg["ent_coef"],
               max_grad_norm=cfg["max_grad_norm"], gae_lambda=cfg["gae_lambda"],
               gamma=cfg["gamma"], value_clip=cfg.get("value_clip", True),
               return_scaling=cfg.get("return_scaling", False), advantage_normalization=True)


def _rms_to_tensors(rms) -> dict:
    if rms is None:
        return {}
    return {"mean": torch.as_tensor(np.asarray(rms.mean, dtype=np.float64)),
            "var": torch.as_tensor(np.asarray(rms.var, dtype=np.float64)),
            "count": torch.tensor(float(rms.count))}


def _rms_from_tensors(d: dict):
    from tianshou.utils import RunningMeanStd

    if not d:
        return None
    rms = RunningMeanStd()
    rms.mean = d["mean"].numpy()
    rms.var = d["var"].numpy()
    rms.count = float(d["count"])
    return rms


def normalise_obs(obs: np.ndarray, rms: dict | None) -> np.ndarray:
    """Observation as the policy saw it in training (VectorEnvNormObs: clip 10)."""
    if not rms:
        return obs
    eps = np.finfo(np.float32).eps.item()
    out = (obs - rms["mean"].numpy()) / np.sqrt(rms["var"].numpy() + eps)
    return np.clip(out, -10.0, 10.0)


def policy_blob(algo, obs_rms, spec: dict) -> dict:
    return {"policy": algo.policy.state_dict(), "obs_rms": _rms_to_tensors(obs_rms), "spec": spec}


def load_policy(path) -> tuple:
    """Rebuild the policy saved by ``policy_blob``: (policy, obs_rms dict, spec)."""
    blob = load_torch(path)
    spec = blob["spec"]
    env = make_env(spec["env"], purpose="rollout", minatar=spec.get("minatar"))
    algo = build_ppo(spec["kind"], env.observation_space, env.action_space, spec["ppo"], 1)
    env.close()
    algo.policy.load_state_dict(blob["policy"])
    algo.policy.eval()
    return algo.policy, blob["obs_rms"], spec


def act(policy, obs: np.ndarray, obs_rms: dict | None) -> np.ndarray:
    from tianshou.data import Batch

    x = normalise_obs(np.asarray(obs, dtype=np.float32 if obs_rms else None), obs_rms)
    with torch.no_grad():
        out = policy(Batch(obs=np.asarray(x)[None], info={}))
    return policy.map_action(out.act)[0]


def rollout(policy, obs_rms, env: gym.Env, *, seed: int, n_episodes: int | None = None,
            min_steps: int | None = None, record: bool = True, max_steps: int | None = None,
            newest_frame: bool | None = None) -> list[dict]:
    """Episodes of a (stochastic unless configured) policy: observations (Atari: the newest
    frame of each stack; ``newest_frame=False`` keeps whole observations, as MinAtar's
    (C, 10, 10) frames; default: newest frame of any 3-d observation), true return, length
    and, on MuJoCo, the final x-position."""
    episodes = []
    steps = 0
    k = 0
    while True:
        if n_episodes is not None and k >= n_episodes:
            break
        if min_steps is not None and steps >= min_steps:
            break
        obs, info = env.reset(seed=seed + k)
        frames, total, length, x_pos = [], 0.0, 0, float("nan")
        while True:
            if record:
                newest = np.asarray(obs).ndim == 3 if newest_frame is None else newest_frame
                frames.append(np.asarray(obs)[-1] if newest else np.asarray(obs))
            a = act(policy, obs, obs_rms)
            obs, r, terminated, truncated, info = env.step(a)
            total += float(r)
            length += 1
            if "x_position" in info:
                x_pos = float(info["x_position"])
            if terminated or truncated or (max_steps and length >= max_steps):
                break
        episodes.append({"obs": np.stack(frames) if record else None, "return": total,
                         "length": length, "distance": x_pos})
        steps += length
        k += 1
    return episodes


def train_ppo(*, env: str, make_train_env: Callable[[], gym.Env], ppo: dict, seed: int,
              total_epochs: int, work_dir: Path, norm_obs: bool,
              on_epoch_end: Callable[[int, int, Any, Any], None] | None = None,
              extra_spec: dict | None = None, schedule_updates: int | None = None,
              fingerprint: str | None = None) -> tuple:
    """Run PPO for ``total_epochs`` epochs of ``ppo['epoch_updates']`` updates of
    ``ppo['n_envs'] * ppo['steps_per_env']`` steps, resuming from ``work_dir/checkpoint.pt``.
    ``on_epoch_end(epoch, env_step, algo, obs_rms)`` runs after every epoch (and for epoch 0
    before training). The learning rate decays linearly to 0 over ``schedule_updates``
    updates (default: the updates of this run); a longer horizon runs the first part of a
    longer run's schedule (a laptop-scale demonstrator stopped early, as the paper's
    stage-1 demonstrators are early checkpoints of a 1M-step run). Returns (algo, obs_rms,
    log_rows, spec). ``fingerprint`` (of the calling step's settings and inputs) is stored
    with the checkpoint; a checkpoint of another fingerprint is discarded (fresh start). The
    caller removes ``work_dir/CHECKPOINT`` once its outputs are written."""
    from tianshou.data import Collector, VectorReplayBuffer
    from tianshou.env import DummyVectorEnv, SubprocVectorEnv, VectorEnvNormObs
    from tianshou.trainer import OnPolicyTrainerParams

    n_envs, per_env = int(ppo["n_envs"]), int(ppo["steps_per_env"])
    collect = n_envs * per_env
    epoch_updates = int(ppo["epoch_updates"])
    total_updates = total_epochs * epoch_updates
    venv_cls = SubprocVectorEnv if ppo.get("subproc", False) else DummyVectorEnv
    venv = venv_cls([make_train_env for _ in range(n_envs)])
    if norm_obs:
        venv = VectorEnvNormObs(venv)
    probe = make_train_env()
    kind = env_kind(env)
    horizon = total_updates if schedule_updates is None else int(schedule_updates)
    if horizon < total_updates:
        raise ValueError(f"schedule_updates={horizon} is shorter than the run ({total_updates} updates)")
    algo = build_ppo(kind, probe.observation_space, probe.action_space, ppo, horizon)
    probe.close()
    if ppo.get("device", "cpu") != "cpu":
        from scripts.common.seeding import device
        algo = algo.to(device(prefer_gpu=True) if ppo["device"] == "auto" else torch.device(ppo["device"]))
        log.info("learner on %s", next(algo.parameters()).device)
    spec = {"env": env, "kind": kind, "ppo": ppo, **(extra_spec or {})}
    buffer = VectorReplayBuffer(collect, n_envs)
    collector = Collector(algo, venv, buffer)
    batch = max(1, collect // int(ppo["minibatches"]))
    params = OnPolicyTrainerParams(training_collector=collector, max_epochs=total_epochs,
                                   epoch_num_steps=epoch_updates * collect,
                                   collection_step_num_env_steps=collect, batch_size=batch,
                                   update_step_num_repetitions=int(ppo["epochs"]),
                                   show_progress=False, verbose=False)
    trainer = algo.create_trainer(params)
    ckpt_path = Path(work_dir) / CHECKPOINT
    rows: list[dict] = []
    start_epoch, env_step, update_step = 0, 0, 0
    state = load_checkpoint(ckpt_path, fingerprint=fingerprint, log=log.info)  # restores RNGs
    if state is not None:
        algo.load_state_dict(state["algo"])
        for sched, sd in zip(algo.lr_schedulers, state["schedulers"]):
            sched.last_epoch = sd
        if norm_obs:
            venv.set_obs_rms(_rms_from_tensors(state["obs_rms"]))
        if hasattr(algo, "ret_rms") and state.get("ret_rms"):
            algo.ret_rms = _rms_from_tensors(state["ret_rms"])   # return scaling (not in state_dict)
        start_epoch, env_step, update_step = int(state["epoch"]), int(state["env_step"]), int(state["update_step"])
        rows = list(state["rows"])
        log.info("resumed from %s at epoch %d (%d env steps)", ckpt_path, start_epoch, env_step)
    elif on_epoch_end is not None:
        on_epoch_end(0, 0, algo, venv.get_obs_rms() if norm_obs else None)
    trainer.reset(reset_collectors=False)
    trainer._epoch, trainer._env_step, trainer._current_update_step = start_epoch, env_step, update_step
    t0 = time.time()
    while trainer._epoch < total_epochs:
        epoch = trainer._epoch
        # ppo2 anneals the Atari clip range with the learning rate; here once per epoch of
        # ``epoch_updates`` updates (at its first update's value)
        algo.eps_clip = clip_range(ppo, epoch * epoch_updates, horizon)
        venv.seed([int(seed) * 1_000_003 + epoch * n_envs + i for i in range(n_envs)])
        collector.reset(reset_buffer=True)
        for i in range(n_envs):   # a fresh list per env (one shared list would double-count)
            venv.set_env_attr("completed_episodes", [], id=i)
        trainer.execute_epoch()
        done = [ep for lst in venv.get_env_attr("completed_episodes") for ep in lst]
        row = {"epoch": int(trainer._epoch), "env_step": int(trainer._env_step),
               "episodes": int(len(done)),
               "true_return": float(np.mean([d[0] for d in done])) if done else float("nan"),
               "train_return": float(np.mean([d[1] for d in done])) if done else float("nan"),
               "episode_length": float(np.mean([d[2] for d in done])) if done else float("nan")}
        rows.append(row)
        obs_rms = venv.get_obs_rms() if norm_obs else None
        if on_epoch_end is not None:
            on_epoch_end(trainer._epoch, trainer._env_step, algo, obs_rms)
        save_checkpoint(ckpt_path, {
            "algo": algo.state_dict(),
            "schedulers": [int(s.last_epoch) for s in algo.lr_schedulers],
            "obs_rms": _rms_to_tensors(obs_rms),
            "ret_rms": _rms_to_tensors(getattr(algo, "ret_rms", None)),
            "epoch": int(trainer._epoch), "env_step": int(trainer._env_step),
            "update_step": int(trainer._current_update_step), "rows": rows},
            fingerprint=fingerprint)
        rate = (trainer._env_step - env_step) / max(time.time() - t0, 1e-9)
        log.info("epoch %d/%d  env steps %d  true return %.1f  train return %.2f  (%.0f steps/s)",
                 trainer._epoch, total_epochs, trainer._env_step, row["true_return"],
                 row["train_return"], rate)
    venv.close()
    return algo, (venv.get_obs_rms() if norm_obs else None), rows, spec
