"""Known values from the authors' code (mengdi-li/internally-rewarded-rl at f630fdb), one test
per rule of docs/fidelity/irrl.md. The expected numbers come from running their model.py and
modules.py (plain PyTorch) and the loss lines of their trainer.py on the same crafted input,
weights and seed in a scratch directory; none of their code is here. Their random draws (l_t
~ Normal(mu, 0.05) by rsample) and ours consume torch's generator identically, so losses and
gradients agree to float32 rounding.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from scripts.irrl.model import RAM, losses, run_dtram, run_ram, run_ram_stepwise
from scripts.irrl.rewards import reward

B, T, H = 3, 4, 12
X = (torch.sin(torch.arange(B * H * H, dtype=torch.float64) * 0.71).reshape(B, 1, H, H) * 1.5).float()
Y = torch.tensor([3, 7, 1])
L0 = torch.tensor([[-0.5, 0.25], [0.9, -0.9], [0.0, 0.6]])
GRAD_KEYS = ("classifier.weight", "rnn.i2h.weight", "locator.fc_lt.weight", "baseliner.weight")


def params(m):
    """In the order of the authors' modules: sensor fc1-fc4, core i2h/h2h, locator fc/fc_lt,
    baseline, classifier."""
    s = m.sensor
    return [s.fc1.weight, s.fc1.bias, s.fc2.weight, s.fc2.bias, s.fc3.weight, s.fc3.bias,
            s.fc4.weight, s.fc4.bias, m.rnn.i2h.weight, m.rnn.i2h.bias, m.rnn.h2h.weight,
            m.rnn.h2h.bias, m.locator.fc.weight, m.locator.fc.bias, m.locator.fc_lt.weight,
            m.locator.fc_lt.bias, m.baseliner.weight, m.baseliner.bias,
            m.classifier.weight, m.classifier.bias]


def fill(ps, fn=torch.sin, rate=0.37):
    for j, p in enumerate(ps):
        v = 0.3 * fn(torch.arange(p.numel(), dtype=torch.float64) * rate + j)
        with torch.no_grad():
            p.copy_(v.reshape(p.shape).float())


def small_ram(dynamic=False):
    """Authors' RecurrentAttention(g=4, k=1, s=1, c=1, h_g=8, h_l=8, std=0.05, hidden=16,
    10 classes); their locator's hidden layer is hidden // 2 = 8."""
    m = RAM(patch=4, num_patches=1, glimpse_scale=1.0, channels=1, glimpse_hidden=8,
            loc_hidden=8, hidden=16, num_classes=10, std=0.05, dynamic=dynamic)
    fill(params(m))
    m.train()
    return m


def abs_grads(m):
    named = dict(m.named_parameters())
    return [float(named[k].grad.abs().sum()) for k in GRAD_KEYS]


# trainer.py, fixed exploration time (RAM), 4 glimpses: loss = NLL + MSE(b, R) + 0.01 *
# mean_b sum_t -log pi_t (R - b_t.detach()); then sum |grad| of classifier, core i2h, locator
# output layer and baseline weights after loss.backward()
FIXED = {
    "acc": (6.130800724029541, (20.272361755371094, 31.318429946899414, 4.311331748962402, 35.053794860839844)),
    "pm1": (5.704036712646484, (20.272361755371094, 31.318429946899414, 5.574322700500488, 27.01700210571289)),
    "log_noclip": (7.9188103675842285, (52.90027618408203, 105.60086822509766, 4.390782833099365, 39.124122619628906)),
    "log_clip": (7.638547897338867, (44.44013977050781, 37.9034423828125, 3.266423225402832, 43.77708435058594)),
    "lin_noclip": (6.293124198913574, (11.801684379577637, 31.295799255371094, 4.134372711181641, 36.53770446777344)),
    "lin_clip": (6.335814476013184, (11.9204740524292, 31.84259796142578, 4.100765228271484, 36.73944854736328)),
}


@pytest.mark.parametrize("episode", [run_ram, run_ram_stepwise])
@pytest.mark.parametrize("kind", sorted(FIXED))
def test_ram_reinforce_loss_and_gradients_match_authors(kind, episode):
    m = small_ram()
    torch.manual_seed(0)
    out = episode(m, X, T, True, L0)
    loss, _ = losses(out, Y, kind, 10, detach_reward=False)
    loss.backward()
    want_loss, want_grads = FIXED[kind]
    assert float(loss.detach()) == pytest.approx(want_loss, rel=1e-5)
    assert abs_grads(m) == pytest.approx(want_grads, rel=1e-5)
    # sum over the batch of the 4 steps' location log-probs (before clamping): 38.3529...
    assert float(out["log_pi"].sum()) == pytest.approx(38.352901458740234, rel=1e-6)


# trainer.py, dynamic exploration time (DT-RAM, implicit latency penalty, discount 0.99), clipped
# linear reward, 4 glimpses; the stop unit's bias set to b: stop steps per image, loss, |grad| sums
DYNAMIC = {
    -1.0: ([3, 1, 0], 3.603726387023926, (7.84406042098999, 16.422861099243164, 0.32477787137031555, 14.62327766418457)),
    -2.0: ([3, 4, 0], 4.149941444396973, (14.287850379943848, 42.647037506103516, 1.2889575958251953, 15.569796562194824)),
    -3.0: ([3, 4, 3], 5.985197067260742, (13.450267791748047, 42.766822814941406, 4.1338090896606445, 33.867122650146484)),
    -4.0: ([4, 4, 3], 5.874393939971924, (14.797511100769043, 48.09192657470703, 4.122171878814697, 31.396699905395508)),
}


@pytest.mark.parametrize("stop_bias", sorted(DYNAMIC))
def test_dtram_stop_rule_loss_and_gradients_match_authors(stop_bias):
    m = small_ram(dynamic=True)
    with torch.no_grad():
        m.locator.fc_lt.bias[2] = stop_bias
    torch.manual_seed(0)
    out = run_dtram(m, X, T, True, L0)
    loss, _ = losses(out, Y, "lin_clip", 10, detach_reward=False, discount=0.99)
    loss.backward()
    stops, want_loss, want_grads = DYNAMIC[stop_bias]
    assert out["stop_idx"].tolist() == stops      # 4 = never stopped: one extra glimpse
    assert float(loss.detach()) == pytest.approx(want_loss, rel=1e-5)
    assert abs_grads(m) == pytest.approx(want_grads, rel=1e-5)


# trainer.py with reward_hacking (RecurrentAttention_OracleClassifier): the reward comes from the
# oracle's classifier on its own glimpse net and core over the online policy's locations. Loss
# value, the rewards, and the online parameters' gradients agree; the authors' oracle classifier
# also receives gradient (|grad| 3.546 for log_noclip, 0.251 for lin_clip) where ours is frozen.
RH = {
    "acc": (6.130800724029541, [0.0, 0.0, 0.0], (20.272361755371094, 31.318429946899414, 4.311331748962402, 35.053794860839844)),
    "log_noclip": (6.024454116821289, [-0.21043835580348969, -0.18848328292369843, 0.005407231394201517], (20.272361755371094, 31.318429946899414, 4.369563102722168, 34.33290100097656)),
    "lin_clip": (6.131192207336426, [0.0, 0.0, 0.0005421936511993408], (20.272361755371094, 31.318429946899414, 4.310853481292725, 35.05738830566406)),
}


@pytest.mark.parametrize("kind", sorted(RH))
def test_reward_hacking_oracle_reward_matches_authors(kind):
    m = small_ram()
    oracle = small_ram()
    ops = params(oracle)
    fill(ops[:12] + ops[18:20], fn=torch.cos, rate=0.53)   # oracle glimpse net, core, classifier
    for p in oracle.parameters():
        p.requires_grad_(False)
    torch.manual_seed(0)
    out = run_ram(m, X, T, True, L0, oracle=oracle)
    loss, st = losses(out, Y, kind, 10, detach_reward=False, reward_from_oracle=True)
    loss.backward()
    want_loss, want_r, want_grads = RH[kind]
    assert float(loss.detach()) == pytest.approx(want_loss, rel=1e-5)
    assert float(st["reward"]) == pytest.approx(float(np.mean(want_r)), rel=1e-5, abs=1e-7)
    assert abs_grads(m) == pytest.approx(want_grads, rel=1e-5)


# trainer.py's reward expressions on q(y|tau) = 0.05, 0.1 (argmax elsewhere), 0.5, 1.0 with
# p(y) = 0.1 (float32 tensors)
REWARDS = {
    "acc": [1.0, 0.0, 1.0, 1.0],
    "pm1": [1.0, -1.0, 1.0, 1.0],
    "log_noclip": [-0.6931472420692444, -5.960464477539063e-08, 1.6094379425048828, 2.3025851249694824],
    "log_clip": [0.0, 0.0, 1.6094379425048828, 2.3025851249694824],
    "lin_noclip": [-0.05000000447034836, -7.450580596923828e-09, 0.4000000059604645, 0.8999999761581421],
    "lin_clip": [0.0, 0.0, 0.4000000059604645, 0.8999999761581421],
}


@pytest.mark.parametrize("kind", sorted(REWARDS))
def test_reward_formulas_match_authors(kind):
    log_q = torch.tensor([math.log(0.05), math.log(0.1), math.log(0.5), 0.0])
    correct = torch.tensor([1.0, 0.0, 1.0, 1.0])
    got = reward(kind, log_q, correct, 0.1).tolist()
    assert got == pytest.approx(REWARDS[kind], abs=2e-7)


def test_log_reward_guard_on_underflow():
    """Deviation: the authors take log(exp(log q)); a q that underflows in float32 gives
    -inf there (the clipped log reward clamps it to 0, the unclipped one is -inf and its
    gradient NaN). Ours subtracts log p(y) from the log-softmax itself: finite."""
    log_q = torch.tensor([-200.0])
    assert torch.exp(log_q).item() == 0.0                      # their q: underflow
    assert float(reward("log_noclip", log_q, torch.zeros(1), 0.1)) == pytest.approx(-200 + math.log(10))
    assert float(reward("log_clip", log_q, torch.zeros(1), 0.1)) == 0.0


def test_cluttered_generator_bit_exact_with_authors():
    """data/create_mnist_sequence.py with its constants cut down (fragment DB 20, 4 train and
    3 test images; 60x60 canvas, 4 fragments of 8x8, seed 1234, 400 preview samples from the
    pkl's train digits) on crafted digits: pkl train = 3, valid = 2, test = 2 images of
    RandomState(7).rand(., 784) float32. Their arrays equal ours bit for bit; pinned here by
    per-image sums, labels and first non-zero pixel."""
    from scripts.irrl.cluttered import generate

    r = np.random.RandomState(7)
    x_tr, x_va, x_te = (r.rand(n, 784).astype("float32") for n in (3, 2, 2))
    out = generate(np.concatenate([x_tr, x_va]).reshape(-1, 28, 28), np.arange(5),
                   x_te.reshape(-1, 28, 28), np.array([5, 6]), n_fragments_db=20, n_train=4,
                   n_test=3, n_preview=400, preview_pool=3)
    assert out["X_train"].dtype == np.float32 and out["y_train"].dtype == np.int32
    assert out["X_train"].sum(1).tolist() == pytest.approx(
        [497.0410461425781, 492.90325927734375, 518.0064697265625, 492.8001708984375], rel=1e-6)
    assert out["X_test"].sum(1).tolist() == pytest.approx(
        [515.1154174804688, 517.58984375, 509.2416687011719], rel=1e-6)
    assert out["y_train"].ravel().tolist() == [2, 2, 4, 1]
    assert out["y_test"].ravel().tolist() == [5, 5, 6]
    assert [int(np.flatnonzero(x)[0]) for x in out["X_train"]] == [192, 202, 1923, 161]
    assert [int(np.flatnonzero(x)[0]) for x in out["X_test"]] == [517, 350, 191]


# ----------------------------------------------------------------------------- skill discovery
# skill-discovery/code/disdain.py is JAX/Haiku/rlax (not installed here): the values below are
# computed by hand from its ``loss`` (rewards, DISDAIN bonus, effective skills) and from rlax's
# ``lambda_returns`` recursion inside its ``sarsa_lambda`` with SGD on sum_t TD^2 (batch mean).

def test_skill_rewards_bonus_and_effective_skills_by_hand():
    """4 skills, ensemble of 2 at the final state: member logits [0,0,0,0] and [ln 3,0,0,0]
    -> mean probability [3/8, 5/24, 5/24, 5/24]. disdain.loss: log reward = logmeanexp + log K,
    linear = meanexp - 1/K, accuracy = argmax of the mean, bonus = H[mean] - mean H[members],
    effective skills = 2 ** (mean log reward / log 2)."""
    from scripts.irrl.skills import SkillConfig, SkillLearner

    lr = SkillLearner(SkillConfig(env="small", n_skills=4, goal_duration=2, ensemble=2), 0)
    lr.disc[:, 3, :] = [[0.0, 0.0, 0.0, 0.0], [math.log(3.0), 0.0, 0.0, 0.0]]
    rw = lr.rewards(np.array([3, 3]), np.array([0, 1]))
    assert rw["log_noclip"].tolist() == pytest.approx([0.4054651081081644, -0.1823215567939546])
    assert rw["log_clip"].tolist() == pytest.approx([0.4054651081081644, 0.0])
    assert rw["lin_noclip"].tolist() == pytest.approx([0.125, -1 / 24])
    assert rw["lin_clip"].tolist() == pytest.approx([0.125, 0.0])
    assert rw["acc"].tolist() == [1.0, 0.0]
    assert rw["bonus"].tolist() == pytest.approx([0.03382207556860517] * 2)
    assert math.exp(rw["log_noclip"].mean()) == pytest.approx(1.118033988749895)


def test_skill_q_update_by_hand():
    """Two transitions, reward 0.8 on the last (discount 0 there), gamma 0.9, lambda 0.5, SGD lr
    0.5, batch 1. rlax: G_1 = 0.8, G_0 = 0.9 (0.5 v_0 + 0.5 G_1) with v_0 = Q(s_1, argmax) = 0.6
    -> 0.63; TD = (0.33, 0.2), loss 0.1489; Q(s_0, a_0) 0.3 -> 0.63, Q(s_1, a_1) 0.6 -> 0.8."""
    from scripts.irrl.skills import SkillConfig, SkillLearner

    cfg = SkillConfig(env="small", n_skills=2, goal_duration=2, batch_size=1, lr=0.5, gamma=0.9,
                      lam=0.5, epsilon=0.0)
    lr = SkillLearner(cfg, 0)
    q = lr.q_skill
    q[1, 0, 4] = 0.3
    q[1, 1, :] = [0.1, 0.2, 0.6, 0.0, 0.0]
    q[1, 2, :] = [0.9, 0.0, 0.0, 0.0, 0.0]
    states = np.array([[0], [1], [2]])
    actions = np.array([[4], [2]])
    bootstrap = np.array([[2], [0]])
    loss = lr._q_update(q, np.array([1]), states, actions, np.array([0.8]), bootstrap)
    assert loss == pytest.approx(0.1489)
    assert q[1, 0, 4] == pytest.approx(0.63)
    assert q[1, 1, 2] == pytest.approx(0.8)


def test_paper_settings_match_authors_scripts():
    """config.py defaults and scripts/training/*.sh (batch 256, 4x4 patch, 18 glimpses, 1500
    epochs, init_lr 3e-4, std 0.05, hidden 256, loc/glimpse hidden 128, valid_size 0.1,
    random_seed 1, latency discount 0.99; trainer.py's REINFORCE weight 0.01) and the skill
    scripts (large four-rooms, 128 codes, goal duration 20, 40M iterations, SGD 0.004, 16 per
    device x 2 devices, gamma 0.99, lambda 0.7, epsilon 0.001, bonus weight 20, ensemble 2)."""
    from scripts.common.config import load_config

    paper = load_config()["irrl"]["paper"]
    ram = paper["ram"]
    assert (ram["batch_size"], ram["patch"], ram["num_patches"], ram["glimpses"]) == (256, 4, 1, 18)
    assert (ram["epochs"], ram["lr"], ram["std"], ram["hidden"]) == (1500, 3e-4, 0.05, 256)
    assert (ram["loc_hidden"], ram["glimpse_hidden"], ram["valid_fraction"]) == (128, 128, 0.1)
    assert (ram["split_seed"], ram["discount"], ram["reinforce_weight"]) == (1, 0.99, 0.01)
    sk = paper["skills"]
    large = sk["env_settings"]["large"]
    assert (large["n_skills"], large["goal_duration"], large["iterations"]) == (128, 20, 40_000_000)
    assert (sk["lr"], sk["batch_size"], sk["gamma"], sk["lambda"], sk["epsilon"]) == (0.004, 32, 0.99, 0.7, 0.001)
    assert (sk["disdain_bonus_weight"], sk["disdain_ensemble"]) == (20, 2)
