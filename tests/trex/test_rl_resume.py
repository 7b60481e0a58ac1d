"""The learned-reward wrapper, PPO reward substitution, and exact resumption of interrupted
training runs (PPO in tianshou, and reward learning)."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

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
    return {"reward": {"members": 2, "hidden": 8, "pairs_per_member": 80, "window": 10,
                       "iterations": 40, "batch": 8, "lr": 1e-3, "l2": 0.01, "center": True,
                       "ckpt_every": 10}}


def _reward_main(tmp_path, out, params):
    from scripts.trex import train_reward
    return train_reward.main(["--params", json.dumps(params), "--env", "halfcheetah",
                              "--demos", str(tmp_path / "demos.npz"), "--pairs", str(tmp_path / "pairs.npz"),
                              "--out-model", str(out / "reward.pt"), "--out-log", str(out / "log.csv"),
                              "--out-acc", str(out / "acc.json")])


def test_reward_training_resumes_exactly(tmp_path, monkeypatch):
    from scripts.trex import nets, train_reward
    params = _reward_fixture(tmp_path)
    assert _reward_main(tmp_path, tmp_path / "full", params) == 0
    saves = []
    real = train_reward.torch_save

    def killing_save(path, obj):
        real(path, obj)
        saves.append(path)
        if len(saves) == 6:        # mid-way through member 1
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(train_reward, "torch_save", killing_save)
    with pytest.raises(KeyboardInterrupt):
        _reward_main(tmp_path, tmp_path / "cut", params)
    monkeypatch.setattr(train_reward, "torch_save", real)
    state = nets.load_torch(tmp_path / "cut" / "checkpoint.pt")
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
