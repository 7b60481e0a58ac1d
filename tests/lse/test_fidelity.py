"""Known values from the original code (automl/learning_environments), pinned rule by rule.

Every expected number below came from running the authors' own function on the same crafted
input in a scratch copy of their repository (their code is not part of this repository):
base_agent.env_solved and GTN_Worker.calc_score at commit c49f4e5 (2021-02-10, the threshold
objective of the published reward-network runs), base_agent.env_solved at 719da85 (2020-12-04,
the SE semantics of the published SEs), GTN_Master.score_transform at c49f4e5. The ledger
docs/fidelity/lse.md maps each rule to its test here.
"""
from __future__ import annotations

import numpy as np
import pytest

from scripts.lse import gridworlds, tabular
from scripts.lse.early_out import rn_fitness, se_early_out, threshold_reached, window_mean
from scripts.lse.models import make_rn, tabular_reward_table
from scripts.lse.nes import score_transform

CLIFF_NET = {"activation": "prelu", "hidden_size": 32, "hidden_layer": 1}


def _first_stop(values, rule):
    for ep in range(len(values)):
        if rule(values[:ep + 1], ep):
            return ep + 1
    return None


# --------------------------------------------------------------------------- threshold rule
# (name, k, init_episodes, solved, test returns, episodes until the original stops)
THRESHOLD_CASES = [
    ("cliff_fast", 10, 0, -20.0, [-50.0, -13.0, -13.0, -12.0, -12.0] + [-12.0] * 20, 5),
    ("first_ok", 10, 0, -20.0, [-12.0] * 20, 1),
    ("first_ok_init3", 10, 3, -20.0, [-12.0] * 20, 4),
    ("late", 10, 0, -20.0, [-100.0, -50.0, -50.0, -13.0, -50.0] + [-12.0] * 30, 12),
    ("td3_k5", 5, 0, 90.0, [-10.0, 95.0, 95.0, 95.0, 95.0, 95.0, 95.0, 95.0], 6),
    ("never", 10, 0, -20.0, [-50.0] * 30, None),
    ("exact", 10, 0, -20.0, [-30.0, -10.0, -50.0], 2),
]


@pytest.mark.parametrize("name,k,init,solved,tests,expected", THRESHOLD_CASES,
                         ids=[c[0] for c in THRESHOLD_CASES])
def test_threshold_rule_matches_original_env_solved(name, k, init, solved, tests, expected):
    # base_agent.train: from episode init_episodes on, stop once the mean of the last <= k
    # test returns (however many exist) reaches the solved reward
    got = _first_stop(tests, lambda tr, ep: ep >= init and threshold_reached(tr, k, solved))
    assert got == expected


# --------------------------------------------------------------------------- SE early-out
def _se_cases():
    return [
        ("const", 10, 0.01, 0, [-5.0] * 40, 12),
        ("const_init3", 10, 0.01, 3, [-5.0] * 40, 15),
        ("ramp", 10, 0.01, 0, [float(-50 + i) for i in range(60)], None),
        ("ramp_then_flat", 10, 0.01, 0, [float(-30 + i) for i in range(20)] + [-10.0] * 40, 39),
        ("k5_diff2pct", 5, 0.02, 1, [-10.0, -20.0, -9.0, -11.0, -10.0, -10.5, -10.0, -9.8, -10.1,
                                     -10.0, -10.0, -10.05, -10.0, -9.99, -10.0], 12),
        ("zeros", 10, 0.01, 0, [0.0] * 30, 12),
        ("noisy", 10, 0.01, 0, [float(((i * 37) % 11) - 20) for i in range(80)], 16),
    ]


@pytest.mark.parametrize("name,k,diff,init,returns,expected", _se_cases(), ids=[c[0] for c in _se_cases()])
def test_se_early_out_matches_original_2020_env_solved(name, k, diff, init, returns, expected):
    got = _first_stop(returns, lambda tr, ep: se_early_out(tr, ep, init, k, diff))
    assert got == expected


def test_window_mean_uses_as_many_values_as_exist():
    assert window_mean([1.0, 2.0, 3.0], 10) == 2.0
    assert window_mean([1.0, 2.0, 3.0, 4.0], 2) == 3.5
    assert window_mean([1.0, 2.0, 3.0, 4.0], 2, skip=2) == 1.5
    assert window_mean([1.0, 2.0, 3.0], 2, skip=2) == 1.0  # the <= k before the last k
    assert window_mean([], 10) == 0.0


def test_tabular_se_protocol_stops_after_12_episodes_at_the_earliest():
    # a synthetic env whose episodes all return the same: the 2020 rule stops after
    # init_episodes + k + 2 episodes (12 with init 0, k 10; 15 with init 3)
    nxt, rew, term = gridworlds.room_tables()
    loop = (np.zeros_like(nxt), np.full(rew.shape, -0.01), np.zeros_like(term))
    for init, expected in ((0, 12), (3, 15)):
        res = tabular.run_tabular(loop, (nxt, rew, term), 0, 10, alpha=1.0, gamma=0.9, eps=0.0,
                                  episodes=100, protocol="se", early_out_num=10,
                                  early_out_diff=0.01, test_episodes=1, init_episodes=init)
        assert len(res["lengths"]) == expected


def test_se_protocol_learns_only_after_init_episodes():
    # 2020 code: learn when episode > init_episodes; with eps 0 and no learning the greedy agent
    # repeats the same first action, so its Q table stays all zero through episode init
    nxt, rew, term = gridworlds.room_tables()
    res = tabular.run_tabular((nxt, rew, term), (nxt, rew, term), 0, 10, eps=0.0, episodes=1,
                              protocol="se", init_episodes=0, test_episodes=1)
    assert np.all(np.asarray(res["Q"]) == 0.0)
    res = tabular.run_tabular((nxt, rew, term), (nxt, rew, term), 0, 10, eps=0.0, episodes=1,
                              protocol="threshold", init_episodes=0)
    assert np.any(np.asarray(res["Q"]) != 0.0)  # RN code: learns from episode init_episodes on


# --------------------------------------------------------------------------- RN fitness
def test_rn_fitness_formula():
    assert rn_fitness([20, 15, 13, 12, 12], -12.0, -20.0, 100.0) == -72.0
    assert rn_fitness([50] * 3, -50.0, -20.0, 100.0) == -150.0 - 3000.0


def _guide_flat(k: float, bonus: float) -> np.ndarray:
    """A Cliff RN whose output is v(s): hidden unit 0 copies a non-negative one-hot weight."""
    v = np.zeros(48)
    for s in range(48):
        r, c = divmod(s, 12)
        if r < 3:
            v[s] = k * (c + 1) + (bonus if r == 2 else 0.0)
    v[47] = k * 14 + bonus
    w1 = np.zeros((48, 32))
    w1[:, 0] = v
    w2 = np.zeros((32, 1))
    w2[0, 0] = 1.0
    return np.concatenate([w1.ravel(), np.zeros(32), w2.ravel(), np.zeros(1)])


# (RN, mode, fitness, episodes, sum of training lengths, final test) of the original's
# GTN_Worker.calc_score with QL alpha 1, gamma 0.8, eps 0, 100 episodes, k 10, solved -20,
# unsolved_weight 100 on its Cliff with the same RN weights
CLIFF_CASES = [
    ("native", 0, -1487.0, 65, 1487, -12.0),
    ("init_seed0", 1, -8123.0, 100, 123, -100.0),
    ("init_seed1", 5, -8125.0, 100, 125, -100.0),
    ("init_seed1", 6, -1301.0, 47, 1301, -12.0),
    ("init_seed2", 6, -1351.0, 51, 1351, -12.0),
    ("guide_1_0", 2, -1161.0, 52, 1161, -12.0),
    ("guide_2_5", 2, -989.0, 47, 989, -12.0),
    ("guide_1_3", 6, -7951.0, 100, 4951, -50.0),
]


def _flat(rn: str, mode: int):
    if rn == "native":
        return None
    if rn.startswith("init_seed"):
        return make_rn(mode, 1, 48, 0, CLIFF_NET, seeds=[int(rn[-1])]).get_flat()[0]
    k, b = rn.split("_")[1:]
    return _guide_flat(float(k), float(b))


@pytest.mark.parametrize("rn,mode,fitness,episodes,steps,final", CLIFF_CASES,
                         ids=[f"{c[0]}_mode{c[1]}" for c in CLIFF_CASES])
def test_cliff_ql_threshold_fitness_matches_original(rn, mode, fitness, episodes, steps, final):
    tables = gridworlds.cliff_tables()
    R = tabular_reward_table(mode, _flat(rn, mode), CLIFF_NET, tables[0], tables[1], 0.8)
    res = tabular.run_tabular(tables, tables, 36, 50, alpha=1.0, gamma=0.8, eps=0.0, episodes=100,
                              protocol="threshold", solved=-20.0, early_out_num=10,
                              agent_reward=R, unsolved_weight=100.0)
    assert (len(res["lengths"]), sum(res["lengths"]), res["final_test"]) == (episodes, steps, final)
    assert res["fitness"] == fitness


# --------------------------------------------------------------------------- score transforms
# GTN_Master.score_transform on crafted scores (member order) and mean unperturbed score
TRANSFORM_CASES = {
    "distinct": ([3.0, -1.0, 7.5, 0.0, 2.0, 7.0, -4.0, 1.0], 1.5, {
        0: [0.608695652120983, 0.260869565194707, 0.9999999999130434, 0.347826086926276,
            0.521739130389414, 0.956521739047259, 0.0, 0.43478260865784496],
        1: [0.7142857142857143, 0.14285714285714285, 1.0, 0.2857142857142857,
            0.5714285714285714, 0.8571428571428571, 0.0, 0.42857142857142855],
        2: [0.08599458178018542, -0.33899373548474304, 1.0, -0.33899373548474304,
            -0.1533464265608089, 0.42332678671959545, -0.33899373548474304, -0.33899373548474304],
        3: [0.31739380551401464, 0.0, 1.0, 0.0, 0.13864688385321386, 0.5693234419266069, 0.0, 0.0],
        4: [0, 0, 1, 0, 0, 0, 0, 0],
        5: [0, 0, 1, 0, 0, 0, 0, 0],
        6: [0.25, 0.0, 1.0, 0.0, 0.08333333333333333, 0.9166666666666666, 0.0, 0.0],
        7: [0.1111111111111111, 0.0, 0.4444444444444444, 0.0, 0.037037037037037035,
            0.4074074074074074, 0.0, 0.0]}),
    "ties": ([-8100.0, -1301.0, -8100.0, -1453.0, -1301.0, -8100.0, -990.0, -8100.0], -1450.0, {
        0: [0.0, 0.956258790435871, 0.0, 0.9348804500701919, 0.956258790435871, 0.0,
            0.9999999999998593, 0.0],
        3: [0.0, 0.5693234419266069, 0.0, 0.13864688385321386, 0.31739380551401464, 0.0, 1.0, 0.0],
        6: [0.0, 0.3239130434782609, 0.0, 0.0, 0.3239130434782609, 0.0, 1.0, 0.0],
        7: [0.0, 0.19656992084432717, 0.0, 0.0, 0.19656992084432717, 0.0, 0.6068601583113457, 0.0]}),
    "orig_margin": ([1.0, 1.0000005, 0.5, 2.0], 1.0, {
        3: [0.0, 0.36907024642854264, 0.0, 1.0],
        5: [0, 0, 0, 1],
        6: [0.0, 0.0, 0.0, 1.0],  # 1.0000005 is not above 1.0 + 1e-6
        7: [0.0, 0.0, 0.0, 1.0]}),
    "none_above": ([1.0, 0.5, 0.2, 0.9], 3.0, {
        1: [1.0, 0.3333333333333333, 0.0, 0.6666666666666666],
        2: [1.0, -0.520375066863737, -0.520375066863737, 0.04075013372747434],
        5: [0, 0, 0, 0], 6: [0, 0, 0, 0], 7: [0, 0, 0, 0]}),
}


@pytest.mark.parametrize("case", sorted(TRANSFORM_CASES))
def test_score_transforms_match_original(case):
    scores, orig, expected = TRANSFORM_CASES[case]
    for t, want in expected.items():
        np.testing.assert_allclose(score_transform(scores, t, orig), want, atol=1e-8,
                                   err_msg=f"transform {t}")


def test_rank_linear_ties_in_ascending_member_order():
    # numpy 1.18 (the paper's) sorts <= 16 elements by insertion sort, a stable order: among
    # tied scores the earlier member gets the lower rank-linear weight
    np.testing.assert_allclose(score_transform([5.0, 5.0, 1.0], 1), [0.5, 1.0, 0.0])


# --------------------------------------------------------------------------- batched runner
class _ScriptedEnv:
    """A one-member env batch whose episode i lasts lengths[i] steps and returns returns[i]
    (spread evenly over the steps); episodes end by termination, or by truncation if trunc."""

    def __init__(self, lengths, returns, trunc=False, truncation_is_terminal=True):
        self.lengths, self.returns, self.trunc = list(lengths), list(returns), trunc
        self.truncation_is_terminal = truncation_is_terminal
        self.ep, self.t, self.pop = -1, 0, 1

    def reset(self, m):
        self.ep, self.t = self.ep + 1, 0
        return np.zeros(1, np.float32)

    def step(self, obs, actions, mask):
        i = min(self.ep, len(self.lengths) - 1)
        self.t += 1
        r = np.array([self.returns[i] / self.lengths[i]], np.float32)
        end = self.t >= self.lengths[i]
        term = np.array([end and not self.trunc])
        trunc = np.array([end and self.trunc])
        return np.zeros((1, 1), np.float32), r, r, term, trunc


class _CountingAgent:
    pop = 1

    def __init__(self, init_episodes):
        self.init_episodes, self.updates, self.dones = init_episodes, [], []

    def act(self, obs, explore, episodes):
        return np.zeros(1, np.int64)

    def store(self, mask, s, a, r, s2, d):
        self.dones.append(float(d[0]))

    def update(self, mask):
        self.updates.append(bool(mask[0]))

    def end_episode(self, member):
        pass


def test_runner_threshold_stops_on_the_partial_window_and_tests_once_more():
    from scripts.lse.runner import Runner

    tests = [-50.0, -13.0, -13.0, -12.0, -12.0] + [-12.0] * 20 + [-11.0]
    train = _ScriptedEnv([20, 15, 13, 12, 12] + [12] * 21, [-1.0] * 26)
    # the test env: one episode after each training episode, then the final test (-11 marks it)
    test = _ScriptedEnv([1] * 26, tests[:5] + [-11.0] + [-12.0] * 20)
    res = Runner(_CountingAgent(0), train, test, protocol="threshold", episodes=100,
                 solved=-20.0, early_out_num=10).run()[0]
    assert res["episodes"] == 5 and res["test_returns"] == tests[:5]  # the original stops after 5
    assert res["final_test"] == -11.0
    assert res["fitness"] == rn_fitness([20, 15, 13, 12, 12], -11.0, -20.0, 100.0) == -72.0


def test_runner_se_early_out_learning_start_and_truncation():
    from scripts.lse.runner import Runner

    agent = _CountingAgent(0)
    train = _ScriptedEnv([3] * 40, [-5.0] * 40, trunc=True, truncation_is_terminal=False)
    test = _ScriptedEnv([1] * 10, [7.0] * 10)
    res = Runner(agent, train, test, protocol="se", episodes=100, early_out_num=10,
                 early_out_diff=0.01, test_episodes=2).run()[0]
    assert res["episodes"] == 12 and res["fitness"] == 7.0
    assert agent.updates[:3] == [False] * 3 and all(agent.updates[3:])  # learns after episode 0
    assert max(agent.dones) == 0.0  # an SE's step cap is no terminal
    agent = _CountingAgent(0)
    Runner(agent, _ScriptedEnv([3] * 5, [-5.0] * 5, trunc=True), _ScriptedEnv([1] * 9, [7.0] * 9),
           protocol="threshold", episodes=2, solved=100.0).run()
    assert all(agent.updates) and agent.dones == [0.0, 0.0, 1.0] * 2  # real env: cap is terminal


# --------------------------------------------------------------------------- our rules (ledger)
# Rules the ledger records as deviations, or as "same" without a number from the original run:
# these tests pin OUR behaviour on crafted inputs, so that a change is noticed.
@pytest.mark.parametrize("returns, init, episodes", [
    # episodes trained before the stop, from the 2020 code's BaseAgent.env_solved (719da85, real-env
    # branch) and its AverageMeter, run on these returns in a scratch directory (docs/fidelity/lse.md)
    ([500.0] * 30, 0, 2), ([500.0] * 30, 10, 12), ([200.0 * 1.05 ** i for i in range(30)], 0, 2),
    ([100.0] * 5 + [300.0] * 25, 0, 10), ([9.4] * 40, 10, 40), ([194.0] * 30, 0, 30),
])
def test_se_protocol_on_the_real_env_stops_at_the_solved_training_return(returns, init, episodes):
    # the 2020 agent code trained on the REAL env stops once the mean of the last <= k training
    # returns reaches solved (after episode index > init); a plateau below it never stops
    from scripts.lse.early_out import real_env_solved
    from scripts.lse.runner import Runner

    train = _ScriptedEnv([5] * len(returns), returns)  # a real env: the cap is terminal
    test = _ScriptedEnv([1] * 3, [4.0] * 3)
    res = Runner(_CountingAgent(init), train, test, protocol="se", episodes=len(returns), early_out_num=10,
                 early_out_diff=0.01, test_episodes=1, real_solved=195.0).run()[0]
    assert res["episodes"] == episodes
    stops = [e + 1 for e in range(len(returns)) if real_env_solved(returns[:e + 1], e, init, 10, 195.0)]
    assert (stops[0] if stops else len(returns)) == episodes


def test_se_protocol_without_real_solved_keeps_the_se_rule_and_refuses_it_on_an_se():
    from scripts.lse.runner import Runner

    def run(returns, **kw):
        train = _ScriptedEnv([5] * len(returns), returns, **kw)
        return Runner(_CountingAgent(0), train, _ScriptedEnv([1] * 3, [4.0] * 3), protocol="se",
                      episodes=len(returns), early_out_num=10, early_out_diff=0.01, test_episodes=1)

    assert run([500.0] * 30).run()[0]["episodes"] == 12  # the SE plateau rule: not 2
    with pytest.raises(ValueError, match="SE"):
        Runner(_CountingAgent(0), _ScriptedEnv([5], [1.0], truncation_is_terminal=False), _ScriptedEnv([1], [1.0]),
               protocol="se", episodes=1, real_solved=195.0)


def test_runner_budgets_are_episodes_and_total_steps_not_wall_clock():
    # the original's time_is_up (wall-clock budget, remaining rewards padded with the worst
    # value) is replaced by an episode budget and an optional budget of training steps
    from scripts.lse.runner import Runner

    ramp = [float(-100 + 7 * i) for i in range(40)]  # never stable: no early-out
    res = Runner(_CountingAgent(0), _ScriptedEnv([4] * 40, ramp), _ScriptedEnv([1] * 5, [2.0] * 5),
                 protocol="se", episodes=40, test_episodes=2, max_total_steps=30).run()[0]
    assert res["lengths"] == [4] * 8 and res["fitness"] == 2.0  # stops at 32 >= 30 steps
    res = Runner(_CountingAgent(0), _ScriptedEnv([4] * 40, ramp), _ScriptedEnv([1] * 40, [-50.0] * 40),
                 protocol="threshold", episodes=7, solved=-20.0).run()[0]
    assert res["episodes"] == 7 and res["steps"] == 28  # no padding of the missing episodes
    assert res["fitness"] == -28.0 - 100.0 * 30.0


def test_curve_protocol_runs_every_episode_and_keeps_the_threshold_step():
    # RN evaluation (Fig 5/9): no early stop, a real test after each training episode; the
    # steps-to-threshold column uses the threshold rule, so on the native Cliff it equals the
    # original's threshold stop (65 episodes, 1487 steps: CLIFF_CASES "native")
    tables = gridworlds.cliff_tables()
    res = tabular.run_tabular(tables, tables, 36, 50, alpha=1.0, gamma=0.8, eps=0.0, episodes=100,
                              protocol="curve", solved=-20.0, early_out_num=10)
    assert len(res["lengths"]) == 100 and len(res["test_returns"]) == 100
    assert res["solved_episode"] == 64 and res["steps_to_threshold"] == 1487.0
    from scripts.lse.runner import Runner

    tests = [-50.0, -30.0, -12.0, -12.0, -12.0, -12.0]
    res = Runner(_CountingAgent(0), _ScriptedEnv([9, 7, 5, 5, 5, 5], [-1.0] * 6),
                 _ScriptedEnv([1] * 6, tests), protocol="curve", episodes=6, solved=-20.0,
                 early_out_num=2).run()[0]
    assert res["test_returns"] == tests and res["episodes"] == 6
    assert res["solved_episode"] == 3 and res["steps_to_threshold"] == 26.0  # mean(-12, -12)
    assert res["final_test"] == -12.0  # no extra test run: the last curve test stands in


def _linear_reference(flat: np.ndarray, n: int, hidden: int) -> np.ndarray:
    """The RN of one member as the original evaluates it: nn.Linear on one one-hot vector."""
    import torch

    w1 = flat[:n * hidden].reshape(n, hidden)
    b1 = flat[n * hidden:n * hidden + hidden]
    w2 = flat[n * hidden + hidden:n * hidden + 2 * hidden].reshape(hidden, 1)
    b2 = flat[-1:]
    l1, l2, act = torch.nn.Linear(n, hidden), torch.nn.Linear(hidden, 1), torch.nn.PReLU()
    with torch.no_grad():
        l1.weight.copy_(torch.as_tensor(w1.T.copy(), dtype=torch.float32))
        l1.bias.copy_(torch.as_tensor(b1, dtype=torch.float32))
        l2.weight.copy_(torch.as_tensor(w2.T.copy(), dtype=torch.float32))
        l2.bias.copy_(torch.as_tensor(b2, dtype=torch.float32))
        return np.array([float(l2(act(l1(torch.eye(n)[s])))[0]) for s in range(n)], np.float32)


def test_batched_rn_forward_matches_nn_linear_up_to_the_last_bit():
    # our RN evaluates all one-hot states in one bmm; the original ran nn.Linear on one vector.
    # The sums may round differently in the last bit (random dense weights), never more; a
    # guide RN (one non-zero hidden path) is exact
    import torch

    for rn, mode in (("init_seed0", 1), ("init_seed1", 6), ("guide_2_5", 2)):
        flat = np.asarray(_flat(rn, mode), np.float32)
        net = make_rn(mode, 1, 48, 0, CLIFF_NET, seeds=[0])
        net.set_flat(flat)
        with torch.no_grad():
            ours = net(torch.eye(48).unsqueeze(0))[0, :, 0].numpy()
        ref = _linear_reference(flat, 48, 32)
        ulp = np.spacing(np.abs(ref).astype(np.float32))
        assert np.all(np.abs(ours - ref) <= 2 * ulp), rn
        if rn.startswith("guide"):
            np.testing.assert_array_equal(ours, ref)


def test_info_modes_use_the_same_info_for_s_and_s2():
    # modes 3/4/7/8 feed [state, info] with the SAME step's info for s and s'; 101/102 are
    # w . info without bias. RN(x) = relu(sum x) (one hidden unit, weights 1) by hand
    from scripts.lse.models import rn_reward

    net = {"activation": "relu", "hidden_size": 1, "hidden_layer": 1}
    s, s2 = np.array([[1.0, 2.0]], np.float32), np.array([[3.0, 4.0]], np.float32)
    info, r = np.array([[5.0]], np.float32), np.array([-1.0], np.float32)
    expected = {3: 0.5 * 12.0 - 8.0, 4: -1.0 + 0.5 * 12.0 - 8.0, 7: 12.0, 8: 11.0,
                1: 0.5 * 7.0 - 3.0, 5: 7.0}
    for mode, want in expected.items():
        rn = make_rn(mode, 1, 2, 1, net, seeds=[0])
        n_in = 3 if mode in (3, 4, 7, 8) else 2
        rn.set_flat(np.array([1.0] * n_in + [0.0, 1.0, 0.0], np.float32))
        got = rn_reward(mode, rn, s, s2, r, info, 0.5)
        np.testing.assert_array_equal(got, np.array([want], np.float32), err_msg=f"mode {mode}")
    for mode, want in ((101, 10.0), (102, 9.0)):
        rn = make_rn(mode, 1, 2, 1, net, seeds=[0])
        rn.set_flat(np.array([2.0], np.float32))
        np.testing.assert_array_equal(rn_reward(mode, rn, s, s2, r, info, 0.5), [want])


def test_empty_room22_matches_the_original_gridworld():
    # envs/gridworld.py EmptyRoom22: 2x2, start (0, 0), goal (1, 1), step -0.01, goal +1,
    # 10 steps, solved_reward 0.8 (Fig 11's config)
    import gymnasium as gym
    import yaml

    nxt, rew, term = gridworlds.room_tables()
    assert nxt.tolist() == [[1, 0, 2, 0], [1, 0, 3, 1], [3, 2, 2, 0], [3, 2, 3, 1]]
    assert rew.tolist() == [[-0.01, -0.01, -0.01, -0.01], [-0.01, -0.01, 1.0, -0.01],
                            [1.0, -0.01, -0.01, -0.01], [1.0, -0.01, 1.0, -0.01]]
    assert term.tolist() == [[False] * 4, [False, False, True, False],
                             [True, False, False, False], [True, False, True, False]]
    env = gym.make("LSEEmptyRoom22-v0")
    env.reset(seed=0)
    for t in range(10):
        _, r, te, tr, _ = env.step(1)  # left at the wall
        assert r == -0.01 and not te and tr == (t == 9)
    import os

    cfg = os.path.join(os.path.dirname(__file__), "..", "..", "config", "lse.yaml")
    with open(cfg) as f:
        assert yaml.safe_load(f)["lse"]["paper"]["stepsize"]["solved"] == 0.8
    optimum = -0.01 + 1.0  # right, then down
    assert optimum > 0.8
