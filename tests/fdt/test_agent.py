"""The behaviour logger keeps each sub-environment's episodes contiguous."""
import numpy as np

from scripts.fdt.agent import EpisodeLogger, linear_epsilon


def test_logger_writes_whole_episodes_in_layout():
    out = []
    lg = EpisodeLogger(2, 3, lambda k, b: out.append((k, b)))
    f = np.zeros((2, 84, 84), np.uint8)
    # env 0: an episode of 2 steps; env 1: an episode of 3 steps, interleaved
    lg.add(f + 1, np.array([0, 1]), np.array([0.0, 5.0]), np.array([False, False]),
           np.array([False, False]), np.array([3, 3]))
    lg.add(f + 2, np.array([2, 3]), np.array([-2.0, 0.0]), np.array([True, False]),
           np.array([False, False]), np.array([2, 3]))
    lg.add(f + 3, np.array([0, 1]), np.array([0.0, 1.0]), np.array([False, True]),
           np.array([False, False]), np.array([5, 1]))
    lg.flush()
    assert [k for k, _ in out] == [0]
    b = out[0][1]
    assert b["action"].tolist() == [0, 2, 1, 3, 1]
    assert b["terminal"].tolist() == [0, 1, 0, 0, 1]
    assert b["raw_reward"].tolist() == [0, -2, 5, 0, 1]
    assert b["reward"].tolist() == [0, -1, 1, 0, 1]
    assert b["lives"].tolist() == [3, 2, 3, 3, 1]
    assert lg.episode_returns == [-2.0, 6.0]
    # env 0's unfinished episode (1 step) is not written
    assert lg.open_length(0) == 1


def test_linear_epsilon():
    assert linear_epsilon(0, 1.0, 0.1, 100) == 1.0
    assert abs(linear_epsilon(50, 1.0, 0.1, 100) - 0.55) < 1e-12
    assert abs(linear_epsilon(500, 1.0, 0.1, 100) - 0.1) < 1e-12


# ---------------------------------------------------------------- the fast path equals the reference
import pytest  # noqa: E402
import torch  # noqa: E402

from scripts.fdt.agent import (  # noqa: E402
    add_transitions, build_algorithm, greedy_q, make_env_groups, make_vec_env, run_online)
from tests.fdt.reference_online import RefEpisodeLogger, ref_run_online  # noqa: E402


def _assert_logs_equal(got, ref):
    assert [k for k, _ in got] == [k for k, _ in ref]
    for (_, a), (_, b) in zip(got, ref):
        assert sorted(a) == sorted(b)
        for key in b:
            assert a[key].dtype == b[key].dtype, key
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_chunked_logger_equals_per_step_logger():
    rng = np.random.default_rng(3)
    n, steps = 5, 400
    got, ref = [], []
    fast = EpisodeLogger(n, 37, lambda k, b: got.append((k, {x: v.copy() for x, v in b.items()})),
                         initial_capacity=2)
    slow = RefEpisodeLogger(n, 37, lambda k, b: ref.append((k, b)))
    for _ in range(steps):
        frames = rng.integers(0, 256, (n, 84, 84), dtype=np.uint8)
        act = rng.integers(0, 6, n)
        raw = rng.choice(np.array([0, 0, 0, 1, 4, -1], dtype=np.int32), n)
        term = rng.random(n) < 0.03
        trunc = rng.random(n) < 0.01
        lives = rng.integers(0, 5, n).astype(np.int32)
        slow.add(frames, act, raw, term, trunc, lives)
        # the fast logger is fed in two groups, as run_online does
        fast.add(frames[:2], act[:2], raw[:2], term[:2], trunc[:2], lives[:2], env_offset=0)
        fast.add(frames[2:], act[2:], raw[2:], term[2:], trunc[2:], lives[2:], env_offset=2)
    fast.flush()
    slow.flush()
    assert len(ref) >= 5
    _assert_logs_equal(got, ref)
    assert fast.episode_returns == slow.episode_returns
    assert [fast.open_length(i) for i in range(n)] == [len(slow.open[i]["action"]) for i in range(n)]


def test_add_transitions_equals_per_transition_add():
    from tianshou.data import Batch, ReplayBuffer

    rng = np.random.default_rng(0)
    fast, slow = ReplayBuffer(23), ReplayBuffer(23)
    for _ in range(9):  # 9 x 4 transitions: wraps around the 23 slots
        obs = rng.integers(0, 256, (4, 4, 84, 84), dtype=np.uint8)
        nxt = rng.integers(0, 256, (4, 4, 84, 84), dtype=np.uint8)
        act = rng.integers(0, 4, 4)
        rew = np.sign(rng.integers(-2, 3, 4)).astype(np.float32)
        term, trunc = rng.random(4) < 0.2, rng.random(4) < 0.1
        add_transitions(fast, obs, act, rew, term, trunc, nxt)
        for i in range(4):
            slow.add(Batch(obs=obs[i], act=act[i], rew=rew[i], terminated=term[i],
                           truncated=trunc[i], done=term[i] | trunc[i], obs_next=nxt[i], info={}))
    for key in ("obs", "act", "rew", "terminated", "truncated", "done", "obs_next"):
        a, b = fast._meta[key], slow._meta[key]
        assert a.dtype == b.dtype, key
        np.testing.assert_array_equal(a, b, err_msg=key)
    assert (len(fast), fast._insertion_idx, fast.last_index[0], fast._ep_len,
            fast._ep_start_idx) == (len(slow), slow._insertion_idx, slow.last_index[0],
                                    slow._ep_len, slow._ep_start_idx)
    assert fast._ep_return == pytest.approx(slow._ep_return)
    fb, fi = fast.sample(16)
    sb, si = slow.sample(16)
    np.testing.assert_array_equal(fi, si)
    np.testing.assert_array_equal(fb.obs_next, sb.obs_next)


def test_uint8_scaling_in_torch_equals_numpy_float64():
    x = np.arange(256, dtype=np.uint8)
    assert torch.equal(torch.as_tensor(x / 255.0, dtype=torch.float32),
                       torch.from_numpy(x) / 255.0)


def test_pipelined_generation_equals_per_step_reference():
    """Two env groups with look-ahead, chunked logging and bulk replay writes give the same
    log, learning curve and network as the plain per-step loop (4 envs, short truncated
    episodes, updates every 4 iterations from step 48 so that most iterations look ahead,
    replay memory wrapping around, several buffers)."""
    torch.set_num_threads(1)
    kw = dict(total_steps=320, num_envs=4, seed=7, batch_size=8, learning_starts=48,
              update_every=16, eps_start=1.0, eps_end=0.2, eps_decay=200, replay_size=90)
    out = {}
    for name in ("ref", "fast"):
        torch.manual_seed(0)
        algo = build_algorithm("dqn", "breakout", lr=1e-3, gamma=0.99, target_update=40)
        logs = []
        if name == "ref":
            env = make_vec_env("breakout", 4, sticky=0.25, max_frames=240)
            lg = RefEpisodeLogger(4, 50, lambda k, b: logs.append((k, b)))
            curve = ref_run_online(algo, env, logger=lg, **kw)
        else:
            env = make_env_groups("breakout", 4, sticky=0.25, groups=2, max_frames=240)
            lg = EpisodeLogger(4, 50, lambda k, b: logs.append((k, b)))
            curve = run_online(algo, env, logger=lg, **kw)
        lg.flush()
        out[name] = (logs, curve, algo.policy.state_dict())
    (lf, cf, wf), (lr, cr, wr) = out["fast"], out["ref"]
    assert len(lr) >= 3
    _assert_logs_equal(lf, lr)
    assert cf["step"] == cr["step"] and cf["return"] == cr["return"]
    for key in wr:
        assert torch.equal(wf[key], wr[key]), key
    # the network did learn, so the comparison covers the updates
    torch.manual_seed(0)
    init = build_algorithm("dqn", "breakout", lr=1e-3, gamma=0.99,
                           target_update=40).policy.state_dict()
    assert any(not torch.equal(init[k], wf[k]) for k in init)


@pytest.mark.parametrize("kind", ["dqn", "c51"])
def test_greedy_q_equals_tianshou_path(kind):
    torch.manual_seed(0)
    policy = build_algorithm(kind, "breakout", lr=1e-4, gamma=0.99, target_update=10).policy
    obs = np.random.default_rng(1).integers(0, 256, (6, 4, 84, 84), dtype=np.uint8)
    q = greedy_q(policy, obs)
    assert q.shape == (6, 4)
    with torch.no_grad():  # tianshou's own path (numpy float64 scaling)
        assert torch.equal(q, policy.compute_q_value(policy.model(obs)[0], None))


def test_setup_online_places_networks_on_the_device():
    """The generate and oracle rules ask for a GPU at paper scale: the algorithm (online and
    target networks) goes to the requested device, by default the workflow's choice."""
    from scripts.common.seeding import device as default_device
    from scripts.fdt.agent import setup_online

    prm = dict(num_envs=2, sticky=0.25, lr=1e-4, gamma=0.99, target_update=10, env_groups=1)
    envs, algo = setup_online("dqn", "breakout", prm)
    envs.close()
    assert {p.device for p in algo.parameters()} == {default_device()}
    assert {p.device for p in algo.model_old.parameters()} == {default_device()}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_generation_runs_on_cuda():
    """On a GPU the acting forward pass and the updates run there: Q-values match the CPU's
    up to float rounding, and an online run with updates logs every step and trains the
    network in place on the device (episodes truncated at 60 agent steps, 80 per env)."""
    torch.manual_seed(0)
    algo = build_algorithm("dqn", "breakout", lr=1e-3, gamma=0.99, target_update=40)
    obs = np.random.default_rng(1).integers(0, 256, (6, 4, 84, 84), dtype=np.uint8)
    q_cpu = greedy_q(algo.policy, obs)
    algo.to(torch.device("cuda"))
    q_gpu = greedy_q(algo.policy, obs)
    assert q_gpu.device.type == "cuda"
    torch.testing.assert_close(q_gpu.cpu(), q_cpu, rtol=1e-2, atol=1e-3)
    before = {k: v.clone() for k, v in algo.policy.state_dict().items()}
    logs = []
    lg = EpisodeLogger(4, 1000, lambda k, b: logs.append(b))
    env = make_env_groups("breakout", 4, sticky=0.25, groups=2, max_frames=240)
    run_online(algo, env, logger=lg, total_steps=320, num_envs=4, seed=3, batch_size=8,
               learning_starts=48, update_every=16, eps_start=0.5, eps_end=0.5, eps_decay=0,
               replay_size=200)
    lg.flush()
    after = algo.policy.state_dict()
    assert all(v.device.type == "cuda" for v in after.values())
    assert any(not torch.equal(before[k], after[k]) for k in after)
    assert sum(len(b["action"]) for b in logs) > 0


def test_bench_q_forward_reports_a_gemm_share_on_cpu():
    from scripts.fdt.bench.speed import NATURE_CNN_FLOPS, bench_q_forward

    assert NATURE_CNN_FLOPS == 18_690_048  # 9.35 M multiply-adds per observation
    ms, share = bench_q_forward("breakout", 2, torch.device("cpu"), reps=3)
    assert ms > 0 and 0 < share < 5
