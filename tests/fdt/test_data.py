"""Returns-to-go, training-set sampling, feedback labelling and the DQN Replay reader."""
import numpy as np
import pytest

from scripts.fdt import feedback as FB
from scripts.fdt import replay as R
from scripts.fdt import trainset as TS


def test_returns_to_go_of_clipped_rewards():
    raw = np.array([0.0, 4.0, 0.0, -7.0, 1.0, 10.0])
    clipped = np.sign(raw)
    start = np.array([0, 0, 0, 0, 4, 4])
    rtg = TS.returns_to_go(clipped, start)
    # episode 1: 1 + 0 - 1 = 0 from t=0, r_t included; episode 2: 1 + 1
    np.testing.assert_allclose(rtg, [0, 0, -1, -1, 2, 1])


def test_sampler_visits_buffers_in_order_drops_short_episodes_and_respects_capacity():
    b0 = [(0, 5, True), (5, 7, True), (7, 20, True), (20, 22, False)]
    b1 = [(0, 10, True), (10, 30, True)]
    eps = TS.sample_episodes([b0, b1], seed=0, transitions=1000, capacity=25,
                             episodes_per_visit=10, min_len=4)
    assert sorted(eps) == [(0, 0, 5), (0, 7, 20), (1, 0, 10)]
    rng = np.random.RandomState(0)
    first = int(rng.choice(2))
    assert eps[0][0] == first
    # the budget stops reading once reached (counted in kept transitions)
    eps = TS.sample_episodes([b0, b1], seed=0, transitions=3, capacity=25,
                             episodes_per_visit=1, min_len=4)
    assert len(eps) == 1


def test_assemble_builds_timesteps_and_episode_starts():
    buf = {"observation": np.arange(6 * 84 * 84, dtype=np.uint8).reshape(6, 84, 84),
           "action": np.arange(6, dtype=np.int32), "reward": np.array([0, 1, 0, 1, 1, 0.0]),
           "raw_reward": np.zeros(6), "terminal": np.array([0, 0, 1, 0, 0, 1]),
           "lives": np.zeros(6), "valid": np.ones(6, bool)}
    d = TS.assemble({0: buf}, [(0, 3, 6), (0, 0, 3)])
    assert d["timestep"].tolist() == [0, 1, 2, 0, 1, 2]
    assert d["episode_start"].tolist() == [0, 0, 0, 3, 3, 3]
    assert d["src_index"].tolist() == [3, 4, 5, 0, 1, 2]
    np.testing.assert_allclose(d["rtg"], [2, 1, 0, 1, 1, 0])


def test_feedback_labels_agreement():
    lab = FB.label_feedback(np.array([0, 1, 2, 3]), np.array([0, 2, 2, 3]),
                            np.array([True, True, True, False]))
    assert lab.tolist() == [1, 0, 1, 0] and lab.dtype == np.int64


def test_stack_frames_zero_before_episode_start():
    frames = np.arange(1, 6, dtype=np.uint8)[:, None, None] * np.ones((5, 84, 84), np.uint8)
    start = np.array([0, 0, 0, 3, 3])
    st = R.stack_frames(frames, start, np.array([2, 4]))
    assert st[:, :, 0, 0].tolist() == [[0, 1, 2, 3], [0, 0, 4, 5]]


def _write_fixture(folder, ckpt=0):
    n = 12
    obs = np.full((n, 84, 84), 7, np.uint8)
    terminal = np.zeros(n, np.uint8)
    terminal[4] = 1
    obs[0:3] = 0  # dopamine's padding at the buffer start
    obs[5:8] = 0  # and after the terminal
    action = np.arange(n, dtype=np.int32) % 4
    reward = np.array([0, 0, 0, 0, 1, 0, 0, 0, -1, 0, 1, 0], np.float32)
    arrays = {"observation": obs, "action": action, "reward": reward, "terminal": terminal}
    for k, v in arrays.items():
        R.write_gz_array(folder / R.replay_filename(k, ckpt), v)
    R.write_gz_array(folder / R.replay_filename("add_count", ckpt), np.array(11))
    R.write_gz_array(folder / R.replay_filename("invalid_range", ckpt), np.array([9, 10]))
    return arrays


def test_dqn_replay_reader_on_fixture(tmp_path):
    arrays = _write_fixture(tmp_path)
    assert (tmp_path / "$store$_observation_ckpt.0.gz").exists()
    buf = R.read_dqn_replay_checkpoint(tmp_path, 0)
    R.check_layout(buf)
    assert len(buf["action"]) == 11  # add_count < stored size
    assert buf["padding"].tolist() == [True] * 3 + [False, False] + [True] * 3 + [False] * 3
    assert buf["valid"].tolist() == [True] * 9 + [False, False]
    np.testing.assert_array_equal(buf["action"], arrays["action"][:11])
    assert np.isnan(buf["raw_reward"]).all() and (buf["lives"] == -1).all()
    bounds = R.episode_bounds(buf["terminal"], buf["padding"])
    assert bounds == [(3, 5, True), (8, 11, False)]
    assert FB.episode_start_index(buf["terminal"], buf["padding"])[9] == 8
    capped = R.read_dqn_replay_checkpoint(tmp_path, 0, capacity=6)
    assert len(capped["action"]) == 6


def test_reader_rejects_unknown_array():
    with pytest.raises(ValueError):
        R.replay_filename("next_action", 0)
