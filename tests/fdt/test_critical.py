"""Critical-state criterion on hand-built data (docs/fidelity/fdt.md)."""
import hashlib

import numpy as np
import pytest

from scripts.fdt import critical as C


def test_penalised_returns_discount_and_life_loss():
    r = np.array([0.0, 1.0, 0.0, 1.0])
    g = C.penalised_returns(r, np.zeros(4, bool), 0.5, 0.0, 2, 0)
    np.testing.assert_allclose(g, [0.625, 1.25, 0.5, 1.0])
    flags = np.array([False, True, False, False])
    g = C.penalised_returns(r, flags, 0.5, -10.0, 2, 0)
    # j=0,1: flag at 1 lies in [j, j+2); j=2: no flag in [2,4), 2 steps remain (not < 2);
    # j=3: fewer than W=2 steps remain
    np.testing.assert_allclose(g, [-9.375, -8.75, 0.5, -9.0])
    # offset: window [j+1, j+2) for j=0 holds the flag at 1, for j=1 it does not
    g = C.penalised_returns(r, flags, 0.5, -10.0, 2, 1)
    np.testing.assert_allclose(g[:2], [-9.375, 1.25])


def test_life_loss_flags_from_lives_and_terminal():
    flags = C.life_loss_flags(np.array([0, 0, 0, 1]), np.array([3, 3, 2, 2]))
    assert flags.tolist() == [False, True, False, True]
    flags = C.life_loss_flags(np.array([0, 0, 1]), np.array([-1, -1, -1]))
    assert flags.tolist() == [False, False, True]


def test_pool_and_masks():
    f = np.arange(14 * 14, dtype=np.float32).reshape(1, 14, 14)
    p = C.pool_frames(f, 7)
    assert p.shape == (1, 2, 2)
    assert p[0, 0, 0] == 6 * 14 + 6 and p[0, 1, 1] == 13 * 14 + 13
    frame = np.full((84, 84), 50, np.uint8)
    m = C.mask_frames(frame, "breakout")
    assert m[0:6, 0:48].max() == 0 and m[6, 0] == 50 and m[0, 48] == 50
    assert C.mask_frames(frame, "pong").shape == (73, 84)
    assert C.pool_frames(C.mask_frames(np.zeros((2, 84, 84)), "pong")).shape == (2, 10, 12)
    with pytest.raises(ValueError):
        C.mask_frames(frame, "tetris")


def test_cell_keys_ignore_masked_score_and_use_the_stack():
    a = np.zeros((3, 84, 84), np.uint8)
    a[:, 40, 40] = 100
    b = a.copy()
    b[:, 2, 5] = 200  # inside Breakout's score mask
    start = np.zeros(3, int)
    ka, kb = C.cell_keys(a, start, "breakout"), C.cell_keys(b, start, "breakout")
    assert ka == kb
    # position 0 stacks [0, 0, 0, f0], position 1 [0, 0, f0, f1]: different cells
    assert ka[0] != ka[1]
    pooled = C.pool_frames(C.mask_frames(a, "breakout")).astype(np.float32)
    manual = np.stack([np.zeros_like(pooled[0])] * 3 + [pooled[0]])
    assert ka[0] == hashlib.sha512(manual.tobytes()).digest()


def test_importance_ranking_first_visit_and_selection():
    s = C.CellStats()
    A, B, X = b"A", b"B", b"X"
    # episode 1: cell A with action 0 (return 1) twice (first visit only), action 1 (return 0)
    s.add_episode([A, A, A, B, B], np.array([0, 0, 1, 2, 3]),
                  np.array([1.0, 5.0, 0.0, 2.0, 2.0]), np.ones(5, bool))
    # episode 2: A action 0 again (return 3); X non-eligible -> not a candidate cell;
    # B action 1 non-eligible adds to the existing cell B
    s.add_episode([A, X, B], np.array([0, 0, 1]), np.array([3.0, 9.0, -4.0]),
                  np.array([True, False, False]))
    rank = s.ranking()
    # A: Q(0) = (1+3)/2 = 2, Q(1) = 0 -> gap 2; B: Q(2)=Q(3)=2, Q(1)=-4 -> gap 6
    assert [(k, g, b, w) for k, g, b, w in rank] == [(B, 6.0, 2, 1), (A, 2.0, 0, 1)]
    assert X not in s.sums
    # minimum sample count: only A's action 0 has 2 samples -> A drops out, so does B
    assert s.ranking(min_samples=2) == []
    occ = {B: [3, 4], A: [0, 1, 2]}
    actions = np.array([0, 0, 1, 2, 3])
    chosen = C.select_positions(rank, occ, actions, "hl")
    # B: best action 2 first at 3, worst action 1 never logged -> first occurrence 3 (dup)
    # A: best 0 at 0, worst 1 at 2
    assert [c[0] for c in chosen] == [3, 0, 2]
    ap = C.select_positions(rank, occ, actions, "ap", pairs=1)
    assert [c[0] for c in ap] == [3, 4, 0, 2, 1]


def test_feedback_budget_and_table10_stats():
    chosen = [(3, 2, 1, 6.0), (0, 0, 1, 2.0), (2, 0, 1, 2.0)]
    labels = np.array([1, 0, 0, 1, 0])
    arr = C.feedback_arrays(5, chosen, budget=2, labels=labels)
    assert arr["feedback"].tolist() == [1, -1, -1, 1, -1]
    assert arr["best_action"].tolist() == [0, -1, -1, 2, -1]
    arr = C.feedback_arrays(5, chosen, budget=10, labels=labels)
    st = C.feedback_stats(np.array([0, 0, 1, 2, 3]), arr["feedback"], arr["best_action"])
    # positives at 0 (logged 0 = best 0) and 3 (logged 2 = best 2): aligned 1.0;
    # negative at 2 (logged 1, best 0): not ignored
    assert st == {"pos": 2, "aligned": 1.0, "neg": 1, "ignored": 0.0}


def test_eligibility():
    e = C.eligible_steps(np.array([0, 0, 1, 0]), np.array([0, 0, 0, 1]), np.ones(4, bool),
                         np.arange(4))
    assert e.tolist() == [False, True, False, False]
