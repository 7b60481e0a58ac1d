"""Known-value tests of the T-REX cores: loss, samplers, masks, noise, networks, ensemble."""
import math

import numpy as np
import pytest
import torch

from scripts.trex import masks, nets, pairs as P
from scripts.trex.data import concat_episodes, split_frames


def test_bt_loss_known_values():
    z = torch.zeros(1)
    assert nets.bt_loss(z, z, torch.tensor([1])).item() == pytest.approx(math.log(2))
    # R_a = 1, R_b = 0, b preferred: -log(e^0 / (e^1 + e^0)) = log(1 + e)
    loss = nets.bt_loss(torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([1]))
    assert loss.item() == pytest.approx(math.log(1 + math.e), rel=1e-6)
    # a preferred: -log(e / (e + 1)) = log(1 + e^-1)
    loss = nets.bt_loss(torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([0]))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1)), rel=1e-6)
    # mean over pairs
    loss = nets.bt_loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0]), torch.tensor([1, 1]))
    assert loss.item() == pytest.approx((math.log(1 + math.e) + math.log(2)) / 2, rel=1e-6)


def test_snippet_returns_sum_segments():
    r = torch.tensor([1.0, 2.0, 3.0, 4.0])
    seg = torch.tensor([0, 0, 1, 1])
    assert nets.snippet_returns(r, seg, 2).tolist() == [3.0, 7.0]


def test_atari_reward_net_param_count_and_shape():
    net = nets.AtariRewardNet(10, 0)
    assert nets.count_params(net) == nets.ATARI_REWARD_PARAMS == 64_513
    out = net(torch.zeros(3, 4, 84, 84, dtype=torch.uint8))
    assert out.shape == (3,)


def test_atari_reward_net_masks_score_rows():
    top, bottom = masks.mask_rows("seaquest")
    net = nets.AtariRewardNet(top, bottom)
    x = torch.zeros(1, 4, 84, 84)
    y = x.clone()
    y[..., :top, :] = 255          # change only masked rows: the reward must not move
    y[..., 84 - bottom:, :] = 255
    assert net(x).item() == pytest.approx(net(y).item())
    y[..., 40, 40] = 255
    assert net(x).item() != pytest.approx(net(y).item())


@pytest.mark.parametrize("game,top,bottom", [("breakout", 10, 0), ("pong", 10, 0), ("beamrider", 16, 11),
                                              ("enduro", 0, 14), ("hero", 0, 30), ("qbert", 12, 0),
                                              ("seaquest", 12, 16), ("spaceinvaders", 10, 0)])
def test_score_masks_per_game(game, top, bottom):
    obs = np.full((4, 84, 84), 7, dtype=np.uint8)
    out = masks.apply_mask(obs, game)
    assert (out[:, :top] == 0).all()
    assert (out[:, 84 - bottom:] == 0).all() if bottom else True
    assert (out[:, top:84 - bottom] == 7).all()
    assert out.sum() == 7 * 4 * 84 * (84 - top - bottom)


def test_atari_snippet_sampler_constraints():
    rng = np.random.default_rng(0)
    lengths = np.array([300, 400, 500, 350, 800])
    rank = np.array([1.0, 5.0, 2.0, 2.0, 9.0])          # episodes 2 and 3 tie
    out = P.atari_snippet_pairs(lengths, rank, 2000, rng)
    assert len(out) == 2000
    assert (out["a_len"] >= 50).all() and (out["a_len"] < 100).all()
    assert (out["a_len"] == out["b_len"]).all()
    assert (out["a_stride"] == 2).all()
    assert (out["a_ep"] != out["b_ep"]).all()
    for r in out:
        assert rank[r["a_ep"]] != rank[r["b_ep"]], "ties must be dropped"
        assert r["label"] == int(rank[r["b_ep"]] > rank[r["a_ep"]])
        worse_start, better_start = ((r["a_start"], r["b_start"]) if r["label"] == 1
                                     else (r["b_start"], r["a_start"]))
        assert better_start >= worse_start, "progress prior"
        for ep, st in ((r["a_ep"], r["a_start"]), (r["b_ep"], r["b_start"])):
            assert 0 <= st and st + r["a_len"] <= lengths[ep]
        shortest = min(lengths[r["a_ep"]], lengths[r["b_ep"]])
        assert worse_start + r["a_len"] <= shortest
    # labels balanced-ish and every length in range drawn
    assert 0.3 < out["label"].mean() < 0.7
    assert set(np.unique(out["a_len"])) == set(range(50, 100))
    assert (out["correct"] == 1).all()
    # every other stack: 25..50 network inputs
    n_inputs = [len(P.snippet_indices(s, ln, 2)) for s, ln in zip(out["a_start"], out["a_len"])]
    assert min(n_inputs) == 25 and max(n_inputs) == 50


def test_atari_snippet_sampler_short_demo_guard():
    rng = np.random.default_rng(1)
    out = P.atari_snippet_pairs(np.array([30, 40, 200]), np.array([0.0, 1.0, 2.0]), 300, rng)
    assert (out["a_len"] <= 30).all() and (out["a_len"] >= 1).all()
    lengths = np.array([30, 40, 200])
    for r in out:
        assert r["a_start"] + r["a_len"] <= lengths[r["a_ep"]]
        assert r["b_start"] + r["b_len"] <= lengths[r["b_ep"]]


def test_whole_demo_pairs_enduro():
    rng = np.random.default_rng(2)
    lengths = np.array([1000, 1200, 900])
    out = P.whole_demo_pairs(lengths, np.array([1.0, 3.0, 2.0]), 500, rng)
    assert (out["a_start"] <= 5).all() and (out["b_start"] <= 5).all()
    assert (out["a_stride"] >= 3).all() and (out["a_stride"] <= 6).all()
    assert (out["a_stride"] == out["b_stride"]).all()
    assert (out["a_start"] + out["a_len"] == lengths[out["a_ep"]]).all()


def test_window_pairs():
    rng = np.random.default_rng(3)
    ep_dem = np.array([0, 0, 5, 10, 10])
    lengths = np.array([1000, 30, 1000, 1000, 1000])
    out = P.window_pairs(ep_dem, lengths, {0: -100.0, 5: 50.0, 10: 300.0}, 1000, rng, window=50)
    dem = ep_dem
    rankv = {0: -100.0, 5: 50.0, 10: 300.0}
    assert (dem[out["a_ep"]] != dem[out["b_ep"]]).all()
    for r in out:
        assert r["label"] == int(rankv[dem[r["b_ep"]]] > rankv[dem[r["a_ep"]]])
        for ep, st, ln in ((r["a_ep"], r["a_start"], r["a_len"]), (r["b_ep"], r["b_start"], r["b_len"])):
            assert ln == min(50, lengths[ep]) and st + ln <= lengths[ep]


def test_ranking_noise_order_correctness():
    rng = np.random.default_rng(4)
    assert (P.adjacent_swaps(6, 0, rng) == np.arange(6)).all()
    assert P.order_correctness(np.arange(9)) == 1.0
    assert P.order_correctness(np.arange(9)[::-1]) == 0.0
    one = P.adjacent_swaps(9, 1, rng)
    assert P.order_correctness(one) == pytest.approx(1 - 1 / 36)
    assert sorted(one) == list(range(9))
    # noisy labels: agreement with the truth is recorded per pair
    lengths = np.full(9, 200)
    true = np.arange(9, dtype=float)
    noisy = np.array([1, 0, 2, 3, 4, 5, 6, 7, 8], dtype=float)   # swap of the two worst
    out = P.atari_snippet_pairs(lengths, noisy, 3000, rng, true_rank=true)
    flipped = ((out["a_ep"] <= 1) & (out["b_ep"] <= 1))
    assert (out["correct"][flipped] == 0).all() and (out["correct"][~flipped] == 1).all()


def test_ensemble_mean_and_last_member():
    per = torch.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    assert nets.combine_members(per).tolist() == [3.0, 6.0]
    assert nets.combine_members(per, last_member_only=True).tolist() == pytest.approx([5 / 3, 10 / 3])
    torch.manual_seed(0)
    ens = nets.RewardEnsemble([nets.MLPReward(4, 8) for _ in range(3)])
    ens.scale.copy_(torch.tensor([2.0, 4.0, 0.5]))
    ens.shift.copy_(torch.tensor([1.0, 0.0, -1.0]))
    x = torch.randn(5, 4)
    torch.set_grad_enabled(False)
    members = torch.stack([m(x) for m in ens.members])
    expect = ((members - ens.shift[:, None]) / ens.scale[:, None]).mean(0)
    assert torch.allclose(ens.normalised(x), expect)
    from scripts.trex.rl import NumpyEnsembleReward
    fast = NumpyEnsembleReward(ens.state_dict(), 3)
    assert fast(x[0].numpy()) == pytest.approx(float(expect[0]), rel=1e-5)
    last = NumpyEnsembleReward(ens.state_dict(), 3, last_member_only=True)
    assert last(x[0].numpy()) == pytest.approx(float(((members[2, 0] + 1) / 0.5) / 3), rel=1e-5)
    torch.set_grad_enabled(True)


def test_trajectories_rebuild_frame_stacks():
    import gymnasium as gym

    from scripts.common.envs import make_atari
    env = make_atari("Breakout", terminal_on_life_loss=False, clip_rewards=False)
    obs, _ = env.reset(seed=0)
    stacks = [np.asarray(obs)]
    for _ in range(12):
        obs, *_ = env.step(env.action_space.sample())
        stacks.append(np.asarray(obs))
    env.close()
    stacks = np.stack(stacks)
    traj = concat_episodes([split_frames(stacks), split_frames(stacks[:5])], "atari")
    assert (traj.states(0) == stacks).all()
    assert (traj.states(1, np.array([0, 4])) == stacks[[0, 4]]).all()
    assert isinstance(gym.__version__, str)
