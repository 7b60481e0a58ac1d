"""Known values from the authors' code (hiwonjoon/ICML2019-TREX at 44f92b6), one test per rule
of docs/fidelity/trex.md. The expected numbers were produced by running the authors' functions
on the same crafted inputs in a scratch directory (their samplers enumerated exactly over every
path of their numpy draws, their PyTorch nets on the venv's torch); none of their code is here.
"""
from __future__ import annotations

from collections import Counter
from fractions import Fraction as F

import numpy as np
import pytest
import torch

from scripts.trex import masks, nets, pairs as P
from scripts.trex.rl import AtariSigmoidReward, clip_range


# ----------------------------------------------------------------------------- helpers

class Reject(Exception):
    pass


class EnumRng:
    """A stand-in for ``numpy.random.Generator`` that walks every path of draws: ``run(fn)``
    returns the exact distribution of ``fn()``'s result (uniform draws, Fractions)."""

    def __init__(self, max_draws: int):
        self.max_draws = max_draws

    def _draw(self, n: int) -> int:
        if self.depth >= self.max_draws:
            raise Reject()
        v = self.prefix[self.depth] if self.depth < len(self.prefix) else 0
        self.path = self.path[:self.depth] + [v]
        self.sizes.append(n)
        self.depth += 1
        return v

    def integers(self, lo, hi=None):
        if hi is None:
            lo, hi = 0, lo
        return lo + self._draw(int(hi - lo))

    def choice(self, a, size=None, replace=True):
        n = a if isinstance(a, (int, np.integer)) else len(a)
        if size is None:
            k = self._draw(int(n))
            return k if isinstance(a, (int, np.integer)) else a[k]
        assert size == 2 and not replace
        k = self._draw(int(n * (n - 1)))
        i, j = divmod(k, n - 1)
        return np.array([i, j + (j >= i)])

    def run(self, fn):
        dist, prefix = {}, []
        while True:
            self.prefix, self.sizes, self.path, self.depth = prefix, [], [], 0
            try:
                out = fn(self)
                p = F(1)
                for n in self.sizes:
                    p /= n
                dist[out] = dist.get(out, 0) + p
            except Reject:
                pass
            path, sizes = list(self.path), list(self.sizes)
            while path and path[-1] + 1 >= sizes[-1]:
                path.pop()
                sizes.pop()
            if not path:
                break
            path[-1] += 1
            prefix = path
        total = sum(dist.values())
        return {k: v / total for k, v in dist.items()}


def frames(ep, start, length, stride, ids):
    return tuple(int(ids[ep] + t) for t in P.snippet_indices(int(start), int(length), int(stride)))


def row_frames(r, ids):
    return (frames(r["a_ep"], r["a_start"], r["a_len"], r["a_stride"], ids),
            frames(r["b_ep"], r["b_start"], r["b_len"], r["b_stride"], ids), int(r["label"]))


def fill(params, scale=0.05):
    """Deterministic weights (the same formula was applied to the authors' nets)."""
    for j, p in enumerate(params):
        v = scale * torch.sin(torch.arange(p.numel(), dtype=torch.float64) * 0.37 + j)
        with torch.no_grad():
            p.copy_(v.reshape(p.shape).float())


def crafted_stacks(n):
    a = np.arange(n * 4 * 84 * 84, dtype=np.int64).reshape(n, 4, 84, 84)
    return ((a * 7919 + (a // 97) * 31) % 256).astype(np.uint8)


# ----------------------------------------------------------------------------- Atari sampler

# LearnAtariReward.create_training_data(demos sorted worst..best, num_trajs=0, num_snippets=1,
# min_snippet_length=2, max_snippet_length=min(shortest demo, 4)), enumerated exactly; frame id
# = 1000 * demo + step; key = (worse snippet, better snippet).
SNIPPETS_7_5 = {
    ((0,), (1000,)): F(1, 32), ((0,), (1001,)): F(1, 32), ((0,), (1002,)): F(1, 32),
    ((0,), (1003,)): F(1, 32), ((0, 2), (1000, 1002)): F(1, 18),
    ((0, 2), (1001, 1003)): F(1, 18), ((0, 2), (1002, 1004)): F(1, 18),
    ((1,), (1001,)): F(1, 24), ((1,), (1002,)): F(1, 24), ((1,), (1003,)): F(1, 24),
    ((1, 3), (1001, 1003)): F(1, 12), ((1, 3), (1002, 1004)): F(1, 12),
    ((2,), (1002,)): F(1, 16), ((2,), (1003,)): F(1, 16), ((2, 4), (1002, 1004)): F(1, 6),
    ((3,), (1003,)): F(1, 8),
}
SNIPPETS_5_7 = {
    ((0,), (1000,)): F(1, 48), ((0,), (1001,)): F(1, 48), ((0,), (1002,)): F(1, 48),
    ((0,), (1003,)): F(1, 48), ((0,), (1004,)): F(1, 48), ((0,), (1005,)): F(1, 48),
    ((0, 2), (1000, 1002)): F(1, 30), ((0, 2), (1001, 1003)): F(1, 30),
    ((0, 2), (1002, 1004)): F(1, 30), ((0, 2), (1003, 1005)): F(1, 30),
    ((0, 2), (1004, 1006)): F(1, 30),
    ((1,), (1001,)): F(1, 40), ((1,), (1002,)): F(1, 40), ((1,), (1003,)): F(1, 40),
    ((1,), (1004,)): F(1, 40), ((1,), (1005,)): F(1, 40),
    ((1, 3), (1001, 1003)): F(1, 24), ((1, 3), (1002, 1004)): F(1, 24),
    ((1, 3), (1003, 1005)): F(1, 24), ((1, 3), (1004, 1006)): F(1, 24),
    ((2,), (1002,)): F(1, 32), ((2,), (1003,)): F(1, 32), ((2,), (1004,)): F(1, 32),
    ((2,), (1005,)): F(1, 32),
    ((2, 4), (1002, 1004)): F(1, 18), ((2, 4), (1003, 1005)): F(1, 18),
    ((2, 4), (1004, 1006)): F(1, 18),
    ((3,), (1003,)): F(1, 24), ((3,), (1004,)): F(1, 24), ((3,), (1005,)): F(1, 24),
}


@pytest.mark.parametrize("lengths,expected", [([7, 5], SNIPPETS_7_5), ([5, 7], SNIPPETS_5_7)])
def test_atari_snippet_sampler_matches_authors_distribution(lengths, expected):
    ids = [0, 1000]

    def one(rng):
        row = P.atari_snippet_pairs(lengths, [0.0, 1.0], 1, rng, min_len=2, max_len=4, stride=2)[0]
        return row_frames(row, ids)

    dist = EnumRng(5).run(one)
    assert sum(p for (_, _, lab), p in dist.items() if lab == 1) == F(1, 2)   # authors: 1/2
    folded = {}
    for (a, b, lab), p in dist.items():
        key = (a, b) if lab == 1 else (b, a)      # (worse, better)
        folded[key] = folded.get(key, 0) + p
    assert folded == expected


def test_enduro_whole_demo_pairs_match_authors_distribution():
    """create_training_data(num_trajs=1, num_snippets=0) on demos of 8 and 9 steps: 272
    distinct (a, b, label) outcomes, 260 of probability 1/288, 8 of 1/144, 4 of 1/96."""
    ids = [0, 1000]

    def one(rng):
        return row_frames(P.whole_demo_pairs([8, 9], [0.0, 1.0], 1, rng)[0], ids)

    dist = EnumRng(5).run(one)
    assert len(dist) == 272
    assert Counter(dist.values()) == {F(1, 288): 260, F(1, 144): 8, F(1, 96): 4}
    assert dist[((0, 3, 6), (1000, 1003, 1006), 1)] == F(1, 288)
    assert dist[((5,), (1000, 1006), 1)] == F(1, 288)
    assert dist[((1000, 1004, 1008), (0, 4), 0)] == F(1, 288)


# ----------------------------------------------------------------------------- MuJoCo pairs

def test_mujoco_window_pairs_distribution():
    """GTTrajLevelNoStepsDataset.sample with max_steps 3; demonstrator 0 (worse) has episodes of
    5 and 2 steps, demonstrator 1 one of 4. Authors' exact distribution:
    (0,1,2)|(1,2,3) vs (1000,1001,1002): 1/8 each per order, (100,101) vs (1000,1001,1002): 1/4
    per order; their randint(len - 3) never starts the window at the last position (len - 3).
    Ours draws every window start (documented deviation), so the 5-step episode has 3 starts and
    the 4-step one 2; whole-episode windows (len <= 3) and the pair/episode draws agree."""
    ids = {0: 0, 1: 100, 2: 1000}       # global episode -> the authors' frame-id base

    def one(rng):
        row = P.window_pairs([0, 0, 1], [5, 2, 4], {0: 10.0, 1: 20.0}, 1, rng, window=3)[0]
        return row_frames(row, ids)

    dist = EnumRng(6).run(one)
    worse5 = [(0, 1, 2), (1, 2, 3), (2, 3, 4)]
    better4 = [(1000, 1001, 1002), (1001, 1002, 1003)]
    expected = {}
    for w in worse5:
        for b in better4:
            expected[(w, b, 1)] = F(1, 24)
            expected[(b, w, 0)] = F(1, 24)
    for b in better4:
        expected[((100, 101), b, 1)] = F(1, 8)
        expected[(b, (100, 101), 0)] = F(1, 8)
    assert dist == expected
    # marginals shared with the authors: order 1/2 each, the 2-step episode (whole) 1/4 per order
    assert sum(p for k, p in dist.items() if k[2] == 1) == F(1, 2)
    assert sum(p for k, p in dist.items() if k[0] == (100, 101)) == F(1, 4)


class ScriptedRng:
    def __init__(self, values):
        self.values = iter(values)

    def integers(self, lo, hi=None):
        return next(self.values)


@pytest.mark.parametrize("positions,ranks,correctness", [
    ([0], [1, 0, 2, 3, 4], 0.9), ([1, 2], [0, 3, 1, 2, 4], 0.8), ([0, 0], [0, 1, 2, 3, 4], 1.0),
    ([3, 1, 2], [0, 3, 1, 4, 2], 0.7)])
def test_ranking_noise_matches_authors(positions, ranks, correctness):
    """GTTrajLevelNoSteps_Noise_Dataset.prebuilt with the swap positions given: resulting ranks
    and its printed 'Total Order Correctness' on 5 demonstrators."""
    noisy = P.adjacent_swaps(5, len(positions), ScriptedRng(positions))
    assert noisy.tolist() == ranks
    assert P.order_correctness(noisy) == pytest.approx(correctness)


def test_mujoco_l2_is_sum_of_squared_weights():
    """Model: l2_loss = l2_reg * sum over layers of reduce_sum(w ** 2), biases excluded (TF1,
    computed by hand from their graph: no factor 0.5)."""
    m = nets.MLPReward(2, hidden=2)
    with torch.no_grad():
        for layer in m.net:
            if isinstance(layer, torch.nn.Linear):
                layer.weight.fill_(0.5)
                layer.bias.fill_(1.0)
    # weights 2x2 + 2x2 + 1x2 = 10 entries of 0.25
    assert float(m.l2().detach()) == pytest.approx(2.5)
    assert float(0.01 * m.l2().detach()) == pytest.approx(0.025)


# ----------------------------------------------------------------------------- Atari net, loss

# LearnAtariReward.Net.cum_return per stack of crafted_stacks(3) after their preprocess
# (/255 and mask_score), weights from fill(); and custom_reward_wrapper.AtariNet (sigmoid)
ATARI_NET = {
    "breakout": ([-0.0321602039039135, -0.032064519822597504, -0.032262299209833145],
                 [0.49196064472198486, 0.4919845461845398, 0.491935133934021]),
    "seaquest": ([-0.030501753091812134, -0.03059929609298706, -0.030967116355895996],
                 [0.4923751950263977, 0.49235081672668457, 0.49225881695747375]),
    "enduro": ([-0.028770234435796738, -0.02808278612792492, -0.028984062373638153],
               [0.49280792474746704, 0.4929797649383545, 0.4927544891834259]),
}


@pytest.mark.parametrize("game", sorted(ATARI_NET))
def test_atari_reward_net_and_sigmoid_match_authors(game):
    per_frame, sigmoid = ATARI_NET[game]
    net = nets.AtariRewardNet(*masks.mask_rows(game))
    fill(list(net.parameters()))
    stacks = crafted_stacks(3)
    with torch.no_grad():
        out = net(torch.as_tensor(stacks)).tolist()
    assert out == pytest.approx(per_frame, rel=1e-5)
    reward = AtariSigmoidReward(net)
    assert [reward(s) for s in stacks] == pytest.approx(sigmoid, rel=1e-6)


def test_atari_loss_and_one_training_step_match_authors(tmp_path):
    """Pair a = stacks 0-1, b = stacks 2-4 of crafted_stacks(5) (Breakout mask), label 1 (b
    better). Authors: CrossEntropyLoss([R_a, R_b]) = 0.709426999092102 with label 1 and
    0.6771281957626343 with label 0; after one step of learn_reward (Adam lr 5e-5, one pair,
    num_iter 1) their net gives -0.029078198596835136 on crafted_stacks(1)."""
    from scripts.trex.train_reward import Params, batch_returns, run_member

    stacks = crafted_stacks(5)

    class Demos:
        def states(self, ep, idx):
            return stacks[[0, 1]][idx] if ep == 0 else stacks[[2, 3, 4]][idx]

    pair = np.zeros(1, dtype=P.PAIR_DTYPE)
    pair[0] = (0, 0, 2, 1, 1, 0, 3, 1, 1, 1, 0)
    net = nets.AtariRewardNet(*masks.mask_rows("breakout"))
    fill(list(net.parameters()))
    ra, rb = batch_returns(net, Demos(), pair)
    assert float(nets.bt_loss(ra, rb, torch.tensor([1]))) == pytest.approx(0.709426999092102, rel=1e-5)
    assert float(nets.bt_loss(ra, rb, torch.tensor([0]))) == pytest.approx(0.6771281957626343, rel=1e-5)
    cfg = Params(lr=5e-5, weight_decay=0.0, batch=1, epochs=1, ckpt_every=1000)
    run_member(net, Demos(), pair, pair[:0], cfg, 0, 0, tmp_path / "ckpt.pt", None, [], 0.0, {})
    with torch.no_grad():
        after = float(net(torch.as_tensor(crafted_stacks(1)))[0])
    assert after == pytest.approx(-0.029078198596835136, rel=1e-4)


# ----------------------------------------------------------------------------- PPO settings

def test_ppo_settings_are_ppo2_defaults():
    """ppo2/defaults.py of the authors' Baselines fork: mujoco() and atari()."""
    from scripts.common.config import load_config

    paper = load_config()["trex"]["paper"]
    mj, at = paper["ppo_mujoco"], paper["ppo_atari"]
    assert (mj["steps_per_env"] * mj["n_envs"], mj["minibatches"], mj["epochs"]) == (2048, 32, 10)
    assert (mj["lr"], mj["clip"], mj["ent_coef"], mj["gamma"], mj["gae_lambda"]) == (3e-4, 0.2, 0.0, 0.99, 0.95)
    assert mj["lr_decay"] and not mj.get("clip_decay", False)
    assert (at["steps_per_env"], at["minibatches"], at["epochs"]) == (128, 4, 4)
    assert (at["lr"], at["clip"], at["ent_coef"], at["gamma"], at["gae_lambda"]) == (2.5e-4, 0.1, 0.01, 0.99, 0.95)
    assert at["lr_decay"] and at["clip_decay"]
    for c in (mj, at):     # ppo2 Model: vf_coef 0.5, max_grad_norm 0.5, clipped value loss
        assert (c["vf_coef"], c["max_grad_norm"], c["value_clip"]) == (0.5, 0.5, True)


def test_clip_range_schedule():
    """ppo2: cliprange(f) = f * 0.1 on Atari with f = 1 - (update - 1) / nupdates (update from 1)."""
    atari = {"clip": 0.1, "clip_decay": True}
    assert clip_range(atari, 0, 100) == pytest.approx(0.1)
    assert clip_range(atari, 50, 100) == pytest.approx(0.05)
    assert clip_range(atari, 99, 100) == pytest.approx(0.001)
    assert clip_range({"clip": 0.2}, 99, 100) == 0.2         # MuJoCo: constant 0.2


def test_mlp_reward_init_normal_like_authors():
    """tf_commons.ops.Linear: w ~ N(0, 0.02^2) (random_normal_initializer), b = 0."""
    torch.manual_seed(0)
    m = nets.MLPReward(17, 256, init="normal")
    w = torch.cat([layer.weight.detach().reshape(-1) for layer in m.net
                   if isinstance(layer, torch.nn.Linear)])
    assert float(w.std()) == pytest.approx(0.02, rel=0.02)
    assert all(float(layer.bias.abs().sum()) == 0.0 for layer in m.net
               if isinstance(layer, torch.nn.Linear))
    with pytest.raises(ValueError):
        nets.MLPReward(3, 4, init="xavier")


def test_paper_settings_match_authors_scripts():
    """Settings of the authors' runs: LearnAtariReward.py __main__ (6000 snippets of 50-99 steps,
    stride 2, 5 passes, batch 1, Adam 5e-5, no weight decay; Enduro 2000 whole demos), their
    demo loop (1 episode per checkpoint, checkpoints 50..600 step 50; Enduro 3100..3650;
    Seaquest 10..65 step 5), evaluateLearnedPolicy.py (30 episodes) and the MuJoCo README command
    (5 models of 2 x 256, D 10000, max_steps 40, noise 0.0, 10000 iterations of batch 64, Adam
    1e-4, l2 0.01, 80/20 split, ctrl_coeff 0.1, rl_runs 5, 1e6 PPO steps, min_length 1000)."""
    from scripts.common.config import load_config
    from scripts.trex import util

    paper = load_config()["trex"]["paper"]
    ra = paper["reward_atari"]
    assert (ra["n_pairs"], ra["min_len"], ra["max_len"], ra["stride"]) == (6000, 50, 100, 2)
    assert (ra["epochs"], ra["batch"], ra["lr"], ra["weight_decay"]) == (5, 1, 5e-5, 0.0)
    assert ra["whole_demo_games"] == ["enduro"] and ra["whole_demo_pairs"] == 2000
    envs = paper["envs"]
    def stage1(game):
        return util.stage_ckpts(envs[game]["stages"], envs[game]["demonstrator"]["ckpt_every"], "stage1")

    assert stage1("breakout") == list(range(50, 601, 50))
    assert stage1("enduro") == list(range(3100, 3651, 50))
    assert stage1("seaquest") == list(range(10, 66, 5))
    assert all(envs[g]["demos"]["episodes"] == 1 for g in paper["atari_envs"])
    assert paper["eval_atari"] == {"episodes": 30, "deterministic": False}
    rm = paper["reward_mujoco"]
    assert (rm["members"], rm["hidden"], rm["pairs_per_member"], rm["window"]) == (5, 256, 10000, 40)
    assert (rm["iterations"], rm["batch"], rm["lr"], rm["l2"], rm["valid_fraction"]) == (10000, 64, 1e-4, 0.01, 0.2)
    assert rm["init"] == "normal" and not rm["center"]
    rl = paper["rl_mujoco"]
    assert (rl["total_steps"], rl["ctrl_coef"], rl["norm_obs"]) == (1_000_000, 0.1, True)
    assert len(paper["seeds"]) == 5 and paper["eval_mujoco"]["episodes"] == 5
    assert all(envs[e]["demos"]["min_steps"] == 1000 for e in paper["mujoco_envs"])


def test_train_ppo_anneals_the_clip_range(tmp_path):
    """train_ppo sets the clip range of each epoch from clip_range: after 2 epochs of 1 update
    on a 4-update schedule the last epoch ran with 0.1 * (1 - 1/4)."""
    from scripts.trex import rl

    ppo = dict(lr=3e-4, clip=0.1, clip_decay=True, vf_coef=0.5, ent_coef=0.0, max_grad_norm=0.5,
               gae_lambda=0.95, gamma=0.99, n_envs=1, steps_per_env=32, minibatches=1, epochs=1,
               epoch_updates=1, hidden=[8, 8])

    def make():
        return rl.RewardSubstitution(rl.make_env("halfcheetah", purpose="learned", max_episode_steps=16),
                                     rl.ConstantReward(1.0))

    torch.manual_seed(0)
    algo, _, rows, _ = rl.train_ppo(env="halfcheetah", make_train_env=make, ppo=ppo, seed=0,
                                    total_epochs=2, work_dir=tmp_path, norm_obs=False,
                                    schedule_updates=4)
    assert len(rows) == 2
    assert algo.eps_clip == pytest.approx(0.075)
