"""The population-batched networks and agents (scripts.lse.nets, scripts.lse.agents): members of
their own widths, learning rates and batch sizes (the varied-HP NES population) learn as each
would alone. Plain torch + numpy: also runs under Debian's torch 1.13 (the LSE env pins 1.7)."""
import numpy as np
import pytest
import torch

from scripts.lse.nets import BatchedMLP

pytestmark = pytest.mark.old_torch

VARY_BASE = {"init_episodes": 1, "batch_size": 8, "gamma": 0.99, "lr": 1e-3, "tau": 0.01,
             "eps_init": 1.0, "eps_min": 0.01, "eps_decay": 0.9, "activation": "tanh",
             "hidden_size": 16, "hidden_layer": 2, "rb_size": 100}


def test_padded_member_widths_equal_nets_of_their_own_width():
    x = torch.randn(3, 6, 5)
    net = BatchedMLP(3, 5, 2, 12, 2, "prelu", seeds=[1, 2, 3], member_hidden=[4, 12, 7])
    out = net(x)
    for m, h in enumerate([4, 12, 7]):
        alone = BatchedMLP(1, 5, 2, h, 2, "prelu", seeds=[m + 1])
        torch.testing.assert_close(net(x[m:m + 1], torch.tensor([m]))[0], alone(x[m:m + 1])[0], rtol=0, atol=1e-6)
        torch.testing.assert_close(out[m], alone(x[m:m + 1])[0], rtol=0, atol=1e-6)
        # the same initial weights a net of its own width draws, zero beyond it
        w = net.linears[1].weight[m].detach()
        torch.testing.assert_close(w[:h, :h], alone.linears[1].weight[0])
        assert float(w[h:].abs().sum() + w[:, h:].abs().sum()) == 0.0
    with pytest.raises(ValueError, match="one width in"):
        BatchedMLP(2, 5, 2, 12, 1, "relu", member_hidden=[4, 13])
    with pytest.raises(ValueError, match="layer_norm"):
        BatchedMLP(2, 5, 2, 12, 2, "relu", layer_norm=True, member_hidden=[4, 12])


def test_varied_ddqn_population_learns_as_its_members_alone():
    """Members of their own lr, batch size, width and depth, updated under a changing mask, end
    where each member's own DDQN (torch's Adam) ends; padded weights stay exactly zero."""
    from scripts.lse.agents import DDQN, MemberGroups, vary_hps, varied_ddqn

    seeds = [3, 4, 5, 6, 7]
    hps = [vary_hps(VARY_BASE, np.random.default_rng(s), "ddqn") for s in seeds]
    assert len({(h["lr"], h["batch_size"], h["hidden_size"]) for h in hps}) == 5
    assert len({h["hidden_layer"] for h in hps}) == 2  # two depth groups
    pop = varied_ddqn(4, 2, hps, seeds)
    assert isinstance(pop, MemberGroups) and pop.pop == 5
    alone = [DDQN(1, 4, 2, h, [s]) for h, s in zip(hps, seeds)]
    rng = np.random.default_rng(0)
    for t in range(30):
        s, s2 = rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
        a, r, d = rng.integers(0, 2, 5), rng.standard_normal(5).astype(np.float32), np.zeros(5, np.float32)
        pop.store(np.ones(5, bool), s, a, r, s2, d)
        for m in range(5):
            alone[m].store(np.ones(1, bool), s[m:m + 1], a[m:m + 1], r[m:m + 1], s2[m:m + 1], d[m:m + 1])
        if t >= 2:
            mask = np.array([True, t % 2 == 0, True, t % 3 == 0, True])
            pop.update(mask)
            for m in np.nonzero(mask)[0]:
                alone[m].update(np.ones(1, bool))
    obs = rng.standard_normal((1, 4)).astype(np.float32)
    moved = 0.0
    for m in range(5):
        group, j = pop.where[m]
        q = group.q(np.repeat(obs, group.pop, 0))[j]
        torch.testing.assert_close(q, alone[m].q(obs)[0], rtol=0, atol=1e-5)
        moved += float((q - DDQN(1, 4, 2, hps[m], [seeds[m]]).q(obs)[0]).abs().sum())
        width = hps[m]["hidden_size"]
        for lin in group.net.linears[1:]:
            assert float(lin.weight[j, width:].detach().abs().sum()) == 0.0
        assert pop.act(np.repeat(obs, 5, 0), np.zeros(5, bool), np.zeros(5))[m] == int(alone[m].q(obs)[0].argmax())
    assert moved > 1e-3  # the updates did change the networks


def test_member_hps_may_differ_only_in_lr_batch_and_width():
    from scripts.lse.agents import DDQN

    other = dict(VARY_BASE, gamma=0.9)
    with pytest.raises(ValueError, match=r"member_hps\[1\] differs .*'gamma'"):
        DDQN(2, 4, 2, VARY_BASE, [0, 1], member_hps=[VARY_BASE, other])


def test_a_member_that_starts_learning_late_gets_its_own_bias_correction():
    """The original's worker runs one agent with its own Adam: a member that starts updating after
    its batch-mates (longer episodes before init_episodes) takes the steps it would take alone.
    With one step count per stacked tensor (torch's Adam over the population) it would not."""
    from scripts.lse.agents import DDQN

    hp = dict(VARY_BASE, hidden_layer=1)
    pop, late = DDQN(2, 4, 2, hp, [3, 4]), DDQN(1, 4, 2, hp, [4])
    rng = np.random.default_rng(1)
    for t in range(40):
        s, s2 = rng.standard_normal((2, 4)).astype(np.float32), rng.standard_normal((2, 4)).astype(np.float32)
        a, r, d = rng.integers(0, 2, 2), rng.standard_normal(2).astype(np.float32), np.zeros(2, np.float32)
        pop.store(np.ones(2, bool), s, a, r, s2, d)
        late.store(np.ones(1, bool), s[1:], a[1:], r[1:], s2[1:], d[1:])
        if t >= 2:
            pop.update(np.array([True, t >= 25]))  # member 1 learns from t = 25 on
            if t >= 25:
                late.update(np.ones(1, bool))
    np.testing.assert_allclose(pop.net.get_flat()[1], late.net.get_flat()[0], rtol=0, atol=1e-6)
