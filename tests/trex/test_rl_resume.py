"""The learned-reward wrapper, PPO reward substitution, and exact resumption of interrupted
training runs (PPO in tianshou, and reward learning)."""
import json
import logging

import numpy as np
import pandas as pd
import pytest
import torch

from scripts.common.checkpoint import load_checkpoint
from scripts.trex import rl

PPO = dict(lr=3e-4, clip=0.2, vf_coef=0.5, ent_coef=0.0, max_grad_norm=0.5, gae_lambda=0.95,
           gamma=0.99, n_envs=2, steps_per_env=64, minibatches=2, epochs=1, epoch_updates=1,
           hidden=[16, 16], return_scaling=True)


def test_reward_substitution_wrapper():
    env = rl.RewardSubstitution(rl.make_env("halfcheetah", purpose="learned", max_episode_steps=5),
                                reward_fn=lambda obs: float(np.sum(obs)), ctrl_coef=0.1)
    env.reset(seed=0)
    for t in range(5):
        a = np.full(6, 0.5, dtype=np.float32)
        obs, r, term, trunc, info = env.step(a)
        assert r == pytest.approx(float(np.sum(obs)) - 0.1 * 6 * 0.25)
        assert "true_reward" in info and info["true_reward"] != pytest.approx(r)
    assert trunc and len(env.unwrapped.completed_episodes) == 1
    true_ret, used_ret, length = env.unwrapped.completed_episodes[0]
    assert length == 5


def _run(tmp, epochs, interrupt_at=None, reward=None):
    calls = []

    def hook(epoch, step, algo, rms):
        calls.append(epoch)
        if interrupt_at is not None and epoch == interrupt_at:
            raise KeyboardInterrupt("simulated kill")

    def make():
        return rl.RewardSubstitution(rl.make_env("halfcheetah", purpose="learned", max_episode_steps=32),
                                     reward, ctrl_coef=0.0)

    torch.manual_seed(0)
    np.random.seed(0)
    return rl.train_ppo(env="halfcheetah", make_train_env=make, ppo=PPO, seed=3, total_epochs=epochs,
                        work_dir=tmp, norm_obs=True, on_epoch_end=hook), calls


def test_ppo_learned_reward_substitution(tmp_path):
    (algo, rms, rows, spec), _ = _run(tmp_path, 1, reward=rl.ConstantReward(1.0))
    # the learner only saw the constant reward: every episode's training return = its length
    # 2 envs x 64 steps of 32-step episodes: exactly 4 episodes end in the epoch
    assert rows[0]["episodes"] == 4
    assert rows[0]["train_return"] == pytest.approx(rows[0]["episode_length"])
    assert rows[0]["true_return"] != pytest.approx(rows[0]["train_return"])


def test_ppo_resumes_exactly(tmp_path):
    (a_full, rms_full, rows_full, _), _ = _run(tmp_path / "full", 3)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "cut", 3, interrupt_at=2)
    assert (tmp_path / "cut" / "checkpoint.pt").exists()
    (a_res, rms_res, rows_res, _), calls = _run(tmp_path / "cut", 3)
    assert calls == [2, 3], "the restarted run must continue after the saved epoch 1"
    pd.testing.assert_frame_equal(pd.DataFrame(rows_full), pd.DataFrame(rows_res))
    full, res = a_full.state_dict(), a_res.state_dict()
    for key, value in full.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, res[key]), key
    assert np.array_equal(rms_full.mean, rms_res.mean)


def _reward_fixture(tmp_path):
    from scripts.common.io import save_npz
    from scripts.trex import pairs as P
    from scripts.trex.data import concat_episodes
    rng = np.random.default_rng(0)
    eps = [rng.normal(k, 1.0, size=(60, 5)).astype(np.float32) for k in range(4)]
    traj = concat_episodes(eps, "mujoco")
    save_npz(tmp_path / "demos.npz", **traj.arrays())
    parts = [P.window_pairs(np.arange(4), np.full(4, 60), {k: float(k) for k in range(4)}, 80,
                            rng, window=10, member=m) for m in range(2)]
    save_npz(tmp_path / "pairs.npz", pairs=np.concatenate(parts))
    return {"members": 2, "hidden": 8, "iterations": 40, "batch": 8, "lr": 1e-3, "l2": 0.01,
            "center": True, "ckpt_every": 10}


def _reward_main(tmp_path, out, params):
    from scripts.trex import train_reward
    return train_reward.main(["--params", json.dumps(params), "--env", "halfcheetah",
                              "--demos", str(tmp_path / "demos.npz"), "--pairs", str(tmp_path / "pairs.npz"),
                              "--out-model", str(out / "reward.pt"), "--out-log", str(out / "log.csv"),
                              "--out-acc", str(out / "acc.json")])


def _kill_reward_at_save(tmp_path, out, params, monkeypatch, n):
    """Run reward learning and 'kill' it right after its n-th checkpoint save."""
    from scripts.trex import train_reward
    saves = []
    real = train_reward.save_checkpoint

    def killing_save(path, obj, *a, **k):
        real(path, obj, *a, **k)
        saves.append(path)
        if len(saves) == n:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(train_reward, "save_checkpoint", killing_save)
    with pytest.raises(KeyboardInterrupt):
        _reward_main(tmp_path, out, params)
    monkeypatch.setattr(train_reward, "save_checkpoint", real)


def _same_reward_outputs(a_dir, b_dir):
    from scripts.trex import nets
    a, _ = nets.load_reward_model(a_dir / "reward.pt")
    b, _ = nets.load_reward_model(b_dir / "reward.pt")
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        if not torch.equal(va, vb):
            return False
    return (pd.read_csv(a_dir / "log.csv").equals(pd.read_csv(b_dir / "log.csv"))
            and json.loads((a_dir / "acc.json").read_text()) == json.loads((b_dir / "acc.json").read_text()))


class _Said(logging.Handler):
    """Collect what a (non-propagating) step logger says."""
    def __init__(self, name):
        super().__init__()
        self.lines, self.logger = [], logging.getLogger(name)

    def emit(self, record):
        self.lines.append(record.getMessage())

    def __enter__(self):
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)

    @property
    def text(self):
        return "\n".join(self.lines)


def test_reward_parameter_change_retrains(tmp_path, monkeypatch):
    """A checkpoint of other settings (here lr) is never resumed: the run equals a fresh one."""
    params = _reward_fixture(tmp_path)
    changed = json.loads(json.dumps(params))
    changed["lr"] = 3e-3
    assert _reward_main(tmp_path, tmp_path / "fresh", changed) == 0
    assert _reward_main(tmp_path, tmp_path / "old", params) == 0
    _kill_reward_at_save(tmp_path, tmp_path / "old", params, monkeypatch, 7)  # leaves a checkpoint
    assert (tmp_path / "old" / "checkpoint.pt").exists()
    with _Said("trex.reward") as said:
        assert _reward_main(tmp_path, tmp_path / "old", changed) == 0
    assert "starting fresh" in said.text
    assert _same_reward_outputs(tmp_path / "fresh", tmp_path / "old")
    assert not (tmp_path / "old" / "checkpoint.pt").exists()


def test_reward_training_resumes_exactly(tmp_path, monkeypatch):
    from scripts.trex import nets
    params = _reward_fixture(tmp_path)
    assert _reward_main(tmp_path, tmp_path / "full", params) == 0
    assert not (tmp_path / "full" / "checkpoint.pt").exists(), "a finished run keeps no checkpoint"
    _kill_reward_at_save(tmp_path, tmp_path / "cut", params, monkeypatch, 6)  # mid member 1
    state = load_checkpoint(tmp_path / "cut" / "checkpoint.pt", restore_rng=False)
    assert state["member"] == 1 and 0 < state["step"] < 40
    assert _reward_main(tmp_path, tmp_path / "cut", params) == 0
    a, _ = nets.load_reward_model(tmp_path / "full" / "reward.pt")
    b, _ = nets.load_reward_model(tmp_path / "cut" / "reward.pt")
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "full" / "log.csv"),
                                  pd.read_csv(tmp_path / "cut" / "log.csv"))
    assert json.loads((tmp_path / "full" / "acc.json").read_text()) == \
        json.loads((tmp_path / "cut" / "acc.json").read_text())


def test_lr_schedule_horizon(tmp_path):
    """A run stopped early on a longer schedule: lr = lr0 * (1 - updates / horizon)."""
    def make():
        return rl.RewardSubstitution(rl.make_env("halfcheetah", purpose="learned", max_episode_steps=32))

    algo, _, _, _ = rl.train_ppo(env="halfcheetah", make_train_env=make, ppo=PPO, seed=0,
                                 total_epochs=2, work_dir=tmp_path / "h", norm_obs=False,
                                 schedule_updates=10)
    assert algo.lr_schedulers[0].get_last_lr()[0] == pytest.approx(3e-4 * (1 - 2 / 10))
    algo, _, _, _ = rl.train_ppo(env="halfcheetah", make_train_env=make, ppo=PPO, seed=0,
                                 total_epochs=2, work_dir=tmp_path / "d", norm_obs=False)
    assert algo.lr_schedulers[0].get_last_lr()[0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="schedule_updates"):
        rl.train_ppo(env="halfcheetah", make_train_env=make, ppo=PPO, seed=0, total_epochs=2,
                     work_dir=tmp_path / "e", norm_obs=False, schedule_updates=1)


def test_ppo2_init_orthogonal_gains():
    """ppo2's MLP init: hidden layers orthogonal with gain sqrt(2), action mean 0.01, value 1."""
    env = rl.make_env("halfcheetah", purpose="learned")
    algo = rl.build_ppo("mujoco", env.observation_space, env.action_space, dict(PPO, init="ppo2"), 1)
    env.close()
    actor, critic = algo.policy.actor, algo.critic
    first = [m for m in actor.preprocess.modules() if isinstance(m, torch.nn.Linear)][0].weight.detach()
    assert first.shape == (16, 17)
    # more inputs than outputs: orthonormal rows, scaled by the gain
    np.testing.assert_allclose((first @ first.T).numpy(), 2.0 * np.eye(16), atol=1e-5)
    mu = [m for m in actor.mu.modules() if isinstance(m, torch.nn.Linear)][0].weight.detach()
    np.testing.assert_allclose((mu @ mu.T).numpy(), 1e-4 * np.eye(6), atol=1e-9)
    v = [m for m in critic.last.modules() if isinstance(m, torch.nn.Linear)][0].weight.detach()
    assert float((v ** 2).sum()) == pytest.approx(1.0, abs=1e-5)
    assert float(actor.sigma_param.detach().abs().sum()) == 0.0
    assert all(float(m.bias.abs().sum()) == 0.0 for m in actor.modules() if isinstance(m, torch.nn.Linear))


def _policy_main(tmp_path, out, ctrl_coef, seed=1):
    """The real train_policy CLI: the control set (constant reward) with a control cost."""
    from scripts.trex import train_policy
    params = {"env": {"max_episode_steps": 32}, "ppo": PPO,
              "rl": {"total_steps": 384, "ctrl_coef": ctrl_coef, "control_reward": 1.0}}
    return train_policy.main(["--params", json.dumps(params), "--seed", str(seed),
                              "--env", "halfcheetah", "--set", "control",
                              "--out", str(out / "final.pt"), "--out-log", str(out / "log.csv")])


def _same_policy(a_dir, b_dir):
    a, b = rl.load_torch(a_dir / "final.pt"), rl.load_torch(b_dir / "final.pt")
    same = all(torch.equal(v, b["policy"][k]) for k, v in a["policy"].items())
    return same and pd.read_csv(a_dir / "log.csv").equals(pd.read_csv(b_dir / "log.csv"))


def test_policy_parameter_change_retrains(tmp_path, monkeypatch):
    """The issue's case: ctrl_coef 0.1 -> 0.5 after a finished run must retrain, even when the
    old run's final checkpoint were still there (as older code left it)."""
    from scripts.trex import train_policy
    assert _policy_main(tmp_path, tmp_path / "fresh", 0.5) == 0
    assert not (tmp_path / "fresh" / rl.CHECKPOINT).exists(), "a finished run keeps no checkpoint"
    monkeypatch.setattr(train_policy, "remove_checkpoint", lambda path: None)  # keep it
    assert _policy_main(tmp_path, tmp_path / "old", 0.1) == 0
    monkeypatch.undo()
    assert (tmp_path / "old" / rl.CHECKPOINT).exists()
    assert not _same_policy(tmp_path / "fresh", tmp_path / "old")
    with _Said("trex.rl") as said:
        assert _policy_main(tmp_path, tmp_path / "old", 0.5) == 0
    assert "starting fresh" in said.text and "resumed" not in said.text
    assert _same_policy(tmp_path / "fresh", tmp_path / "old")
    assert not (tmp_path / "old" / rl.CHECKPOINT).exists()


def _demonstrator_main(out, lr):
    from scripts.trex import train_demonstrator
    params = {"env": {"max_episode_steps": 32, "demonstrator": {"ckpt_every": 1, "updates": 2}},
              "ppo": dict(PPO, lr=lr)}
    return train_demonstrator.main(["--params", json.dumps(params), "--seed", "2",
                                    "--env", "halfcheetah", "--out-dir", str(out)])


def test_demonstrator_parameter_change_retrains(tmp_path, monkeypatch):
    from scripts.trex import train_demonstrator
    assert _demonstrator_main(tmp_path / "fresh", 1e-3) == 0
    assert not (tmp_path / "fresh" / rl.CHECKPOINT).exists()
    monkeypatch.setattr(train_demonstrator, "remove_checkpoint", lambda path: None)
    assert _demonstrator_main(tmp_path / "old", 3e-4) == 0
    monkeypatch.undo()
    assert _demonstrator_main(tmp_path / "old", 1e-3) == 0
    for name in ("ckpt_1.pt", "ckpt_2.pt"):
        a, b = rl.load_torch(tmp_path / "fresh" / name), rl.load_torch(tmp_path / "old" / name)
        assert all(torch.equal(v, b["policy"][k]) for k, v in a["policy"].items()), name
    assert pd.read_csv(tmp_path / "fresh" / "train_log.csv").equals(
        pd.read_csv(tmp_path / "old" / "train_log.csv"))
    assert not (tmp_path / "old" / rl.CHECKPOINT).exists()
