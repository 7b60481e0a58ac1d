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
