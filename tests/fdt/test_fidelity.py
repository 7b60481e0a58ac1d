"""Known values from the original code (liadgiladi/feedback-decision-transformer, commit
383ea74): each expected value below is the output of the authors' function run on the same
crafted input (calc_important_states and ImportantStatesCreator._create_reward_to_go in
generate_important_states.py, DQNDatasetCreator.create_dataset in create_dataset.py,
DecisionTransformerGPT.training_step in model.py). Only the numbers are kept here; the
ledger docs/fidelity/fdt.md says which rule each test pins."""
import numpy as np
import pytest
import torch

from scripts.fdt import critical as C
from scripts.fdt.games import LL_OFFSET, LL_WINDOW
from scripts.fdt.model import fdt_loss
from scripts.fdt.trainset import sample_episodes

E, N = True, False
# (cell, logged action, return, eligible); episodes end at 8 and 18
STATS = [("A", 0, 1.0, E), ("A", 1, 5.0, N), ("A", 1, 2.0, E), ("A", 1, 9.0, N), ("A", 0, 9.0, N),
         ("B", 2, 8.0, N), ("B", 2, 3.5, E), ("B", 3, 0.5, E),
         ("A", 1, 4.0, N), ("A", 0, 3.0, E), ("B", 3, 6.0, N), ("E", 4, 1.5, E), ("E", 2, 5.0, N),
         ("E", 0, 0.0, E), ("T", 3, 2.0, E), ("T", 1, 2.0, E), ("T", 2, 1.0, E), ("T", 0, 1.0, E)]
AP = [("P", 0, 1.0, E), ("P", 2, 0.5, E), ("P", 1, 0.0, E), ("P", 2, 0.5, E), ("P", 0, 1.0, E),
      ("Q", 3, 0.0, E), ("Q", 1, 2.0, N), ("Q", 3, 0.0, E), ("Q", 0, -1.0, N), ("Q", 3, 0.0, E)]


def _select(rows, done, sampling, pairs, limit=500000):
    """Our pipeline on one crafted data stream: statistics per episode, candidates at eligible
    positions <= limit, ranking, selection."""
    keys = [r[0].encode() for r in rows]
    a = np.array([r[1] for r in rows])
    g = np.array([r[2] for r in rows])
    e = np.array([r[3] for r in rows])
    stats, occ, start = C.CellStats(), {}, 0
    for end in done:
        stats.add_episode(keys[start:end], a[start:end], g[start:end], e[start:end],
                          np.arange(start, end) <= limit)
        start = end
    for i, k in enumerate(keys):
        if e[i] and i <= limit:
            occ.setdefault(k, []).append(i)
    return [(p, f"{b}_{w}", gap) for p, b, w, gap in
            C.select_positions(stats.ranking(), occ, a, sampling, pairs)]


@pytest.mark.parametrize("rows,done,sampling,pairs,expected", [
    # non-eligible steps: A's action 1 (first seen at a non-eligible step) collects every
    # non-eligible visit and does not block the eligible first visit at 2: Q(A,1) = 5 > Q(A,0)
    # = 2; B's action 3 was first seen at an eligible step, so the non-eligible visit at 10
    # adds nothing. E: best action 2 never logged at an eligible step -> only the worst's
    # position 13 (no per-action fallback). T: ties go to the first-inserted action (3, 2).
    # A and B tie at gap 3: creation order.
    (STATS, [8, 18], "hl", 0,
     [(13, "2_0", 5.0), (2, "1_0", 3.0), (0, "1_0", 3.0), (6, "2_3", 3.0), (7, "2_3", 3.0),
      (14, "3_2", 1.0), (16, "3_2", 1.0)]),
    # all-cell-pairs, n = 1: n + 1 occurrences not picked yet, per cell
    (STATS, [8, 18], "ap", 1,
     [(13, "2_0", 5.0), (11, "2_0", 5.0), (2, "1_0", 3.0), (0, "1_0", 3.0), (9, "1_0", 3.0),
      (6, "2_3", 3.0), (7, "2_3", 3.0), (14, "3_2", 1.0), (16, "3_2", 1.0), (15, "3_2", 1.0),
      (17, "3_2", 1.0)]),
    # Q: neither the best (1) nor the worst (0) action occurs -> first occurrence 5, then 2 more
    (AP, [10], "ap", 1,
     [(5, "1_0", 3.0), (7, "1_0", 3.0), (9, "1_0", 3.0), (0, "0_1", 1.0), (2, "0_1", 1.0),
      (1, "0_1", 1.0), (3, "0_1", 1.0)]),
    (AP, [10], "ap", 2,
     [(5, "1_0", 3.0), (7, "1_0", 3.0), (9, "1_0", 3.0), (0, "0_1", 1.0), (2, "0_1", 1.0),
      (1, "0_1", 1.0), (3, "0_1", 1.0), (4, "0_1", 1.0)]),
])
def test_statistics_and_selection_match_original(rows, done, sampling, pairs, expected):
    got = _select(rows, done, sampling, pairs)
    assert [(p, bw) for p, bw, _ in got] == [(p, bw) for p, bw, _ in expected]
    np.testing.assert_allclose([x[2] for x in got], [x[2] for x in expected])


def test_candidate_cells_only_up_to_index_500000_as_original():
    # 500,000 non-eligible filler steps, then X (index 500,000: still a candidate), Y (500,001:
    # never a cell), X again with another action (adds a return, but is no candidate position)
    rows = ([("F", 0, 0.0, N)] * 500000
            + [("X", 0, 1.0, E), ("Y", 0, 1.0, E), ("X", 1, 0.0, E), ("Y", 1, 5.0, E),
               ("X", 1, 0.0, E)])
    assert _select(rows, [500005], "hl", 0) == [(500000, "0_1", 1.0)]


def test_penalised_returns_match_original():
    rewards = np.random.RandomState(0).choice([0, 0, 0, 1], 40).astype(float)
    flags = np.zeros(40, bool)
    flags[[7, 19, 25, 39]] = True
    expected = {
        "breakout": [-0.994169, -0.549077, -1.165641, -0.739601, -0.266223, -0.851359, -1.50151,
                     -2.2239, 1.973444, 2.192716, -3.67476, -3.527511, -3.363901, -3.182112,
                     -4.091236, -3.990262, -3.878069, -3.75341, -3.6149, -3.461, -3.29, -3.1,
                     -4.0, -5.0, -5.0, -5.0, 1.558148, 1.731276, 1.92364, 2.137378, -2.625136,
                     -2.361262, -2.068069, -2.85341, -2.6149, -3.461, -3.29, -3.1, -4.0, -5.0],
        "pong": [-0.994169, -0.549077, 3.834359, 4.260399, 4.733777, 4.148641, 3.49849, 2.7761,
                 -3.026556, -2.807284, -3.67476, -3.527511, -3.363901, -3.182112, -4.091236,
                 -3.990262, -3.878069, -3.75341, -3.6149, -3.461, -3.29, -3.1, -4.0, -5.0, -5.0,
                 -5.0, 1.558148, 1.731276, -3.07636, -2.862622, -2.625136, -2.361262, -2.068069,
                 -2.85341, -2.6149, -3.461, -3.29, -3.1, -4.0, -5.0],
        "seaquest": [4.005831, 4.450923, 3.834359, 4.260399, 4.733777, -0.851359, -1.50151,
                     -2.2239, -3.026556, -2.807284, -3.67476, -3.527511, -3.363901, -3.182112,
                     -4.091236, -3.990262, -3.878069, -3.75341, -3.6149, -3.461, -3.29, -3.1,
                     -4.0, -5.0, -5.0, -5.0, -3.441852, -3.268724, -3.07636, -2.862622,
                     -2.625136, -2.361262, -2.068069, -2.85341, -2.6149, -3.461, -3.29, -3.1,
                     -4.0, -5.0],
    }
    for game, exp in expected.items():
        got = np.concatenate([
            C.penalised_returns(rewards[s:e], flags[s:e], 0.9, -5.0, LL_WINDOW[game],
                                LL_OFFSET[game]) for s, e in ((0, 26), (26, 40))])
        np.testing.assert_allclose(got, exp, atol=2e-6, err_msg=game)


def _crafted_buffers():
    rng = np.random.RandomState(3)
    lens = [[int(x) for x in rng.randint(1, 8, size=rng.randint(1, 9))] for _ in range(50)]
    lens[4] = [2]
    bounds = []
    for ls in lens:
        b, pos = [], 0
        for n in ls:
            b.append((pos, pos + n, True))
            pos += n
        b.append((pos, 100000, True))  # the rest: one episode whose terminal is index 99,999
        bounds.append(b)
    return bounds


@pytest.mark.parametrize("seed,transitions,per_visit,k,expected", [
    (7, 120, 2, 3,
     [(47, 0, 6), (47, 6, 11), (25, 2, 8), (3, 0, 4), (3, 4, 7), (19, 0, 3), (19, 3, 7),
      (23, 0, 4), (39, 0, 5), (39, 7, 10), (28, 2, 7), (14, 0, 5), (14, 5, 11), (8, 0, 3),
      (8, 3, 9), (46, 0, 5), (42, 1, 6), (42, 6, 13), (26, 0, 6), (8, 10, 17), (38, 0, 5),
      (38, 5, 9), (48, 0, 6), (48, 8, 13), (7, 0, 3), (7, 3, 8)]),
    (123, 150, 3, 4,
     [(45, 0, 5), (45, 5, 9), (45, 9, 16), (2, 0, 6), (28, 2, 7), (34, 0, 7), (34, 9, 16),
      (34, 16, 21), (38, 0, 5), (38, 5, 9), (38, 9, 14), (17, 3, 7), (17, 7, 12), (17, 12, 17),
      (19, 3, 7), (42, 1, 6), (42, 6, 13), (22, 0, 5), (33, 3, 8), (33, 16, 20), (32, 5, 9),
      (49, 0, 6), (47, 0, 6), (47, 6, 11), (47, 11, 18), (9, 0, 6), (46, 0, 5), (25, 2, 8),
      (14, 0, 5), (14, 5, 11)]),
])
def test_training_set_sampler_matches_original(seed, transitions, per_visit, k, expected):
    # short episodes are dropped without counting toward the visit's quota; the episode
    # ending at index 99,999 reaches the loader's capacity of 100,000 and is dropped
    got = sample_episodes(_crafted_buffers(), seed=seed, transitions=transitions,
                          capacity=100000, episodes_per_visit=per_visit, min_len=k)
    assert got == expected


@pytest.mark.parametrize("feedback,best,lam,expected", [
    ([[-1, 1, 0, 0, -1], [0, -1, 1, -1, 0]], [[-1, 1, 3, 0, -1], [2, -1, 0, -1, 1]], 0.1,
     2.2178001403808594),
    ([[-1] * 5, [-1] * 5], [[-1] * 5, [-1] * 5], 0.1, 2.099092483520508),
    # negatives whose logged action is the best action: back in the CE, no feedback term
    ([[-1, -1, 0, -1, -1], [0, -1, -1, -1, -1]], [[-1, -1, 2, -1, -1], [2, -1, -1, -1, -1]],
     0.5, 2.099092483520508),
    ([[0, -1, -1, -1, 0], [-1] * 5], [[3, -1, -1, -1, 2], [-1] * 5], 1.0, 3.2707901000976562),
])
def test_fdt_loss_matches_original(feedback, best, lam, expected):
    actions = torch.tensor([[0, 1, 2, 3, 1], [2, 2, 0, 1, 3]])
    logits = torch.sin(torch.arange(40, dtype=torch.float32) * 0.7).reshape(2, 5, 4) * 2
    loss, _ = fdt_loss(logits, actions, torch.tensor(feedback), torch.tensor(best), lam)
    assert float(loss) == pytest.approx(expected, abs=1e-6)


def test_phase_b_resumes_after_the_training_set():
    src_buffer = np.array([2, 2, 0, 0, 0])
    src_index = np.array([10, 11, 3, 4, 5])
    assert C.phase_b_starts(src_buffer, src_index, 4) == [6, 0, 12, 0]


@pytest.mark.parametrize("game,expected", [
    ("breakout", ["2cadd3df66a6b9f1", "a59fe2831df06196", "33ac7d87f852503c", "bf7ce68aa12fd06b",
                  "686e4c54da3e4e6e", "4d5e6ce56c9999ca", "66fd4bc4c9494585", "2cadd3df66a6b9f1"]),
    ("qbert", ["2cadd3df66a6b9f1", "a59fe2831df06196", "33ac7d87f852503c", "bf7ce68aa12fd06b",
               "686e4c54da3e4e6e", "4d5e6ce56c9999ca", "66fd4bc4c9494585", "2cadd3df66a6b9f1"]),
    ("pong", ["8e01c16c4deb5148", "543f54b28a9375c4", "b0c80e3c686063fa", "6303b3db35794525",
              "81ed71f86599bcd0", "6ad4a060d65eacfd", "8e01c16c4deb5148", "8e01c16c4deb5148"]),
    # Seaquest's row 20 is binarised at grey 100 to 172: 60 and 99 vanish, 100-200 are one value
    ("seaquest", ["9dad70625e98431b", "3af470c8a2e85596", "3af470c8a2e85596", "9dad70625e98431b",
                  "9dad70625e98431b", "3af470c8a2e85596", "fe368c0d7f49c517", "9dad70625e98431b"]),
])
def test_cell_hash_equals_original_digest(game, expected):
    # stacks [0, 0, 0, f] of frames that are zero but one pixel: grey 60/150/200 at row 20,
    # a zero frame, 99/100 at row 20, 60 at row 22, 60 at row 19 (column 30)
    keys = []
    for v, row in [(60, 20), (150, 20), (200, 20), (0, 20), (99, 20), (100, 20), (60, 22),
                   (60, 19)]:
        f = np.zeros((84, 84), np.uint8)
        f[row, 30] = v
        keys.append(f)
    z = np.zeros((84, 84), np.uint8)
    frames = np.array([x for k in keys for x in (z, z, z, k)])
    digests = C.cell_keys(frames, np.zeros(len(frames), int), game)
    assert [digests[i].hex()[:16] for i in range(3, 32, 4)] == expected


def test_lr_per_step_matches_original_callback():
    """The rate each optimizer step uses under the original's LearningRateDecayCallback
    (lr 6e-4, warm-up 10,240 tokens, final 80,000 tokens, 640 tokens per step): the first step
    at the base rate, then the schedule one batch behind."""
    from scripts.fdt.model import lr_for_step
    expected = [0.0006, 0.000225, 0.00045, 0.0005995017150848749, 0.000592060502435162,
                0.0005759068558729307, 0.0005515226535602272, 0.0005196352987213406,
                0.00048119602053434325, 0.00043735149808818007]
    got = [lr_for_step(640.0 * s, 6e-4, 10240, 80000) for s in range(0, 60, 6)]
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    # warm-up 1,000, final 3,000, 40 tokens per step, up to the end of the cosine (step 75)
    expected = [0.0006, 0.00011999999999999999, 0.00023999999999999998, 0.00035999999999999997,
                0.00047999999999999996, 0.0006, 0.0005853169548885461, 0.0005427050983124842,
                0.0004763355756877419, 0.0003927050983124842, 0.0003, 0.0002072949016875158,
                0.00012366442431225807, 5.9999999999999995e-05, 5.9999999999999995e-05,
                5.9999999999999995e-05]
    got = [lr_for_step(40.0 * s, 6e-4, 1000, 3000) for s in range(0, 76, 5)]
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    # past final_tokens the original's cosine rises again (step 89: 1.0877e-4); ours stays at
    # 0.1 * lr (deviation, docs/fidelity/fdt.md)
    assert lr_for_step(40.0 * 89, 6e-4, 1000, 3000) == pytest.approx(6e-5)


def test_training_windows_match_original_dataset():
    """StateActionReturnDataset.__getitem__ on episodes ending at 7, 12, 20, 26, K = 3: the
    window of index i starts at min(i, end of i's episode - K). The original has
    len(data) - 3K items (DT's token count used as a step count); ours len(data) - K
    (deviation, docs/fidelity/fdt.md)."""
    from scripts.fdt.train import window_starts
    expected = [0, 1, 2, 3, 4, 4, 4, 7, 8, 9, 9, 9, 12, 13, 14, 15, 16]
    episode_start = np.repeat([0, 7, 12, 20], [7, 5, 8, 6])
    got = window_starts(episode_start, 3)
    assert got[:17].tolist() == expected
    assert got[17:].tolist() == [17, 17, 17, 20, 21, 22]
