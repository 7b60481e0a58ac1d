"""The paper's Cliff (falling ends the episode, 50-step limit), shaping, and the SE/RN nets."""
import gymnasium as gym
import numpy as np
import pytest
import torch

from scripts.lse import gridworlds, tabular
from scripts.lse.models import SyntheticEnvNet, shaped_table, tabular_reward_table, make_rn
from scripts.lse.nets import BatchedMLP


def test_cliff_registered_and_falling_ends_episode():
    env = gym.make("LSECliff-v0")
    s, _ = env.reset(seed=0)
    assert s == 36  # (row 3, col 0)
    s2, r, term, trunc, _ = env.step(0)  # right: into the cliff
    assert (r, term, trunc) == (-100.0, True, False)


def test_cliff_optimal_path_and_walls():
    env = gym.make("LSECliff-v0")
    env.reset(seed=0)
    s, r, *_ = env.step(1)  # left at the wall: stay, -1
    assert (s, r) == (36, -1.0)
    ret, n = 0.0, 0
    for a in [3] + [0] * 11 + [2]:
        s, r, term, trunc, _ = env.step(a)
        ret, n = ret + r, n + 1
    assert term and s == 47 and n == 13
    assert ret == -12.0  # the paper's optimum: 12 steps of -1, goal 0


def test_cliff_step_limit_is_truncation():
    env = gym.make("LSECliff-v0")
    env.reset(seed=0)
    for t in range(50):
        _, _, term, trunc, _ = env.step(3)  # bump into the top wall forever
        assert not term
    assert trunc


def optimal_q(R, nxt, term, gamma, iters=500):
    Q = np.zeros_like(R)
    for _ in range(iters):
        V = Q.max(1)
        Q = R + gamma * np.where(term, 0.0, V[nxt])
    return Q


def optimal_actions(Q):
    return np.isclose(Q, Q.max(1, keepdims=True), atol=1e-6)


@pytest.mark.parametrize("gamma", [0.8, 0.99])
def test_potential_shaping_keeps_the_optimal_policy(gamma):
    nxt, rew, term = gridworlds.cliff_tables()
    rng = np.random.default_rng(0)
    phi = rng.normal(0, 5, nxt.shape[0])
    terminal_cells = np.unique(nxt[term])
    phi[terminal_cells] = 0.0  # Ng et al.: Phi = 0 at absorbing states
    Q = optimal_q(rew, nxt, term, gamma)
    Qs = optimal_q(shaped_table(2, phi, nxt, rew, gamma), nxt, term, gamma)
    np.testing.assert_allclose(Qs, Q - phi[:, None], atol=1e-6)  # Q' = Q - Phi
    live = np.setdiff1d(np.arange(nxt.shape[0]), terminal_cells)
    assert (optimal_actions(Qs)[live] == optimal_actions(Q)[live]).all()
    # a non-potential additive reward of the same size can change the optimal policy
    Qn = optimal_q(shaped_table(6, phi * 10, nxt, rew, gamma), nxt, term, gamma)
    assert (optimal_actions(Qn)[live] != optimal_actions(Q)[live]).any()


def test_ql_learns_cliff_threshold_objective():
    tables = gridworlds.cliff_tables()
    res = tabular.run_tabular(tables, tables, 36, 50, alpha=1.0, gamma=0.8, eps=0.01, episodes=300,
                              protocol="threshold", solved=-20.0, early_out_num=10, seed=0)
    assert res["solved_episode"] is not None
    assert res["fitness"] == -sum(res["lengths"])  # solved: no penalty term


def test_threshold_fitness_penalises_unsolved():
    tables = gridworlds.cliff_tables()
    res = tabular.run_tabular(tables, tables, 36, 50, alpha=1.0, gamma=0.8, eps=0.01, episodes=10,
                              protocol="threshold", solved=-20.0, early_out_num=10, seed=0)
    final = res["final_test"]  # the one greedy test after training, as GTN_Worker.calc_score
    assert final == res["test_returns"][-1]  # deterministic grid, same greedy policy
    assert res["fitness"] == pytest.approx(-sum(res["lengths"]) - 100 * max(0, -20 - final))


def test_se_parameter_count_matches_paper():
    # CartPole SE opt: LeakyReLU 83x1 -> 917 + 665 + 665 = 2,247 parameters
    se = SyntheticEnvNet(1, 4, 2, {"activation": "leakyrelu", "hidden_size": 83, "hidden_layer": 1}, [0])
    assert [h.numel_member() for h in se.heads()] == [917, 665, 665]


def test_batched_mlp_equals_members_and_flat_roundtrip():
    net = BatchedMLP(3, 5, 2, 8, 2, "prelu", layer_norm=True, seeds=[1, 2, 3])
    x = torch.randn(3, 4, 5)
    out = net(x)
    for m in range(3):
        single = BatchedMLP(1, 5, 2, 8, 2, "prelu", layer_norm=True, seeds=[m + 1])
        torch.testing.assert_close(single(x[m:m + 1])[0], out[m])
    flat = net.get_flat()
    net2 = BatchedMLP(3, 5, 2, 8, 2, "prelu", layer_norm=True, seeds=[7, 8, 9])
    net2.set_flat(flat)
    torch.testing.assert_close(net2(x), out)


def test_rn_table_uses_the_network():
    nxt, rew, _ = gridworlds.cliff_tables()
    net = {"activation": "prelu", "hidden_size": 32, "hidden_layer": 1}
    psi = make_rn(1, 1, 48, 0, net, [0]).get_flat()[0]
    R1 = tabular_reward_table(1, psi, net, nxt, rew, 0.8)
    R2 = tabular_reward_table(2, psi, net, nxt, rew, 0.8)
    np.testing.assert_allclose(R2 - R1, rew, atol=1e-4)  # float32 reward arithmetic
    np.testing.assert_allclose(tabular_reward_table(0, None, net, nxt, rew, 0.8), rew)


def test_masked_adam_step_leaves_other_members_untouched():
    from scripts.lse.nets import masked_step

    net = BatchedMLP(2, 3, 1, 4, 1, "relu", seeds=[0, 1])
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    x = torch.randn(2, 5, 3)
    for _ in range(2):  # build momentum for both members
        opt.zero_grad()
        net(x).pow(2).sum().backward()
        opt.step()
    before = net.get_flat()
    opt.zero_grad()
    (net(x)[0].pow(2).sum()).backward()  # only member 0 has a loss
    masked_step(opt, np.array([True, False]))
    after = net.get_flat()
    np.testing.assert_array_equal(after[1], before[1])
    assert not np.allclose(after[0], before[0])


def test_batched_mlp_member_subset_equals_those_rows():
    net = BatchedMLP(4, 5, 2, 8, 2, "prelu", layer_norm=True, seeds=[1, 2, 3, 4])
    x = torch.randn(4, 6, 5)
    full = net(x)
    idx = torch.tensor([1, 3])
    torch.testing.assert_close(net(x[idx], idx), full[idx], rtol=0, atol=1e-6)


def test_ddqn_update_of_a_masked_population_matches_members_alone():
    """Members outside the mask neither draw a batch nor move: a member's run does not depend
    on which other members share its population (the batched inner loop's guarantee)."""
    from scripts.lse.agents import DDQN

    hp = {"init_episodes": 1, "batch_size": 8, "gamma": 0.99, "lr": 1e-3, "tau": 0.01,
          "eps_init": 1.0, "eps_min": 0.01, "eps_decay": 0.9, "activation": "tanh",
          "hidden_size": 16, "hidden_layer": 1, "rb_size": 100}
    seeds = [3, 4, 5]
    pop = DDQN(3, 4, 2, hp, seeds)
    alone = DDQN(1, 4, 2, hp, [3])
    rng = np.random.default_rng(0)
    for t in range(12):
        s, s2 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
        a, r = rng.integers(0, 2, 3), rng.standard_normal(3).astype(np.float32)
        d = np.zeros(3, np.float32)
        pop.store(np.ones(3, bool), s, a, r, s2, d)
        alone.store(np.ones(1, bool), s[:1], a[:1], r[:1], s2[:1], d[:1])
        if t >= 2:
            pop.update(np.array([True, False, t % 2 == 0]))
            alone.update(np.ones(1, bool))
    np.testing.assert_allclose(pop.net.get_flat()[0], alone.net.get_flat()[0], rtol=0, atol=1e-6)
    # member 1 never updated: initial weights, and its generator untouched
    np.testing.assert_array_equal(pop.net.get_flat()[1], DDQN(1, 4, 2, hp, [4]).net.get_flat()[0])
    assert pop.rngs[1].random() == np.random.default_rng(4).random()


def test_varied_se_scores_batched_equal_one_member_at_a_time():
    """The varied-HP NES fitness (members of their own HPs, batched by depth) is the one each
    member scores alone (tests/lse/test_population.py checks the agents' updates)."""
    from scripts.lse.inner import evaluate_chunk

    net = {"activation": "leakyrelu", "hidden_size": 16, "hidden_layer": 1}
    agent = {"init_episodes": 1, "batch_size": 32, "gamma": 0.99, "lr": 1e-3, "tau": 0.01, "eps_init": 1.0,
             "eps_min": 0.01, "eps_decay": 0.9, "activation": "tanh", "hidden_size": 16, "hidden_layer": 1,
             "rb_size": 1000}
    spec = {"kind": "se", "env": "cartpole", "net": net, "agent": agent, "agent_kind": "ddqn",
            "vary_hp": True, "inner": {"train_episodes": 3, "early_out_num": 10, "early_out_diff": 0.01,
                                       "test_episodes": 1, "episode_cap": 60}}
    seeds = [11, 12, 13, 14]
    thetas = SyntheticEnvNet(4, 4, 2, net, seeds).get_flat()
    batched = evaluate_chunk(spec, thetas, seeds)
    assert batched == evaluate_chunk(dict(spec, one_by_one=True), thetas, seeds)
