"""F1@tolerance (the original test.py's counting), AP and AUROC on hand-built predictions."""
import numpy as np
import pytest

from scripts.dsi import metrics as M


def test_confusion_tolerance_counts():
    labels = [np.array([0, 0, 1, 0, 0, 0])]
    scores = [np.array([0.9, 0.0, 0.0, 0.9, 0.0, 0.9])]
    # thr 0.5: hits at 0, 3, 5. tol 1: 3 is within 1 of the label at 2 -> TP; 0 and 5 FP.
    # misses: 1, 2, 4 -> label at 2 is FN; 1 and 4 TN.
    assert M.confusion_at(scores, labels, 0.5, tol=1) == (1, 2, 2, 1)
    # tol 2: index 0 is within 2 of index 2 -> TP too
    assert M.confusion_at(scores, labels, 0.5, tol=2) == (2, 1, 2, 1)
    # tol 0: no hit on a label
    assert M.confusion_at(scores, labels, 0.5, tol=0) == (0, 3, 2, 1)


def test_f1_values_and_best_threshold():
    labels = [np.array([0, 1, 0, 0]), np.array([1, 0, 0, 0])]
    scores = [np.array([0.2, 0.8, 0.1, 0.6]), np.array([0.55, 0.0, 0.3, 0.0])]
    # thr 0.5, tol 0: hits (0,1) TP, (0,3) FP, (1,0) TP -> P = 2/3, R = 1 -> F1 = 0.8
    assert M.f1_at(scores, labels, 0.5, tol=0) == pytest.approx(0.8)
    # thr 0.7: only (0,1) -> P 1, R 1/2 -> 2/3
    assert M.f1_at(scores, labels, 0.7, tol=0) == pytest.approx(2 / 3)
    best, thr = M.best_f1(scores, labels, tol=0)
    # thr 0.3 also counts (1, 2) as a hit (0.3 >= 0.3): P = 1/2; 0.4 and 0.5 give 0.8
    assert best == pytest.approx(0.8) and thr == 0.4  # the first best of the 11 thresholds


def test_all_ones_is_the_trivial_baseline():
    labels = [np.array([0, 0, 0, 1, 0, 0, 0, 0])]
    ones = [np.ones(8)]
    # tol 1: indices 2, 3, 4 count as TP, 5 others FP; recall 1 -> F1 = 2*(3/8)/(1+3/8)
    p = 3 / 8
    assert M.f1_at(ones, labels, 0.0, tol=1) == pytest.approx(2 * p / (1 + p))


def test_validated_threshold_applies_val_choice():
    val_l = [np.array([0, 1, 0, 0])]
    val_s = [np.array([0.1, 0.95, 0.1, 0.1])]
    test_l = [np.array([1, 0, 0, 0])]
    test_s = [np.array([0.85, 0.1, 0.1, 0.1])]
    f1, thr = M.validated_f1(val_s, val_l, test_s, test_l, tol=0)
    # on validation, thresholds 0.2 ... 0.9 all isolate the label: the first best is 0.2
    assert thr == pytest.approx(0.2)
    assert f1 == pytest.approx(1.0)
    assert f1 == pytest.approx(M.f1_at(test_s, test_l, thr, tol=0))


def test_ap_and_auroc_known_values():
    labels = [np.array([1, 0, 1, 0])]
    scores = [np.array([0.9, 0.8, 0.7, 0.1])]
    # ranking: 1, 0, 1, 0 -> precision at hits 1 and 2/3 -> AP = (1 + 2/3) / 2
    assert M.average_precision(scores, labels) == pytest.approx((1 + 2 / 3) / 2)
    # pairs (pos, neg): (0.9 > 0.8), (0.9 > 0.1), (0.7 < 0.8), (0.7 > 0.1) -> 3/4
    assert M.auroc(scores, labels) == pytest.approx(0.75)
    assert M.auroc([np.array([0.5, 0.5])], [np.array([1, 0])]) == pytest.approx(0.5)


def test_dilate_known_values_and_offset_credit():
    s = [np.array([0.1, 0.9, 0.2, 0.3]), np.array([0.5])]
    d = M.dilate(s, 1)
    assert np.allclose(d[0], [0.9, 0.9, 0.9, 0.3]) and np.allclose(d[1], [0.5])
    assert np.allclose(M.dilate(s, 0)[0], s[0])
    # a detector that marks the frame after each labelled one: exact AUROC low, +-1 AUROC high
    labels = [np.array([0, 0, 1, 0, 0, 0, 1, 0, 0])]
    late = [np.array([0.1, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.9, 0.1])]
    assert M.auroc(late, labels) == pytest.approx(2.5 / 7)  # each label ties 5 of 7, loses 2
    # dilated: [.1 .1 .9 .9 .9 .1 .9 .9 .9]; each label beats 3 negatives and ties 4 -> 5/7
    assert M.auroc(M.dilate(late, 1), labels) == pytest.approx(5 / 7)


def test_best_f1_matches_original_test_py():
    """Expected values: the original's ``evaluate`` and threshold loop (test.py at 6afb4a7) on the
    same scores and labels; scores are two frames longer than the labels, as the original pairs
    T scores with T - 2 per-move labels. The original starts its counts at 1e-8, hence rel=1e-6
    (docs/fidelity/dsi.md)."""
    labels = [np.array([0, 0, 1, 0, 0, 0, 0, 1, 0, 0]), np.array([1, 0, 0, 0, 0, 0, 1]),
              np.array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])]
    scores = [np.array([0.05, 0.35, 0.62, 0.91, 0.12, 0.48, 0.27, 0.55, 0.83, 0.08, 0.99, 0.99]),
              np.array([0.72, 0.44, 0.15, 0.66, 0.31, 0.05, 0.58, 0.77, 0.01]),
              np.array([0.22, 0.18, 0.93, 0.41, 0.36, 0.64, 0.52, 0.09, 0.26, 0.71, 0.13, 0.47,
                        0.88, 0.5])]
    expected = {0: (0.6249999996875001, 0.5), 1: (0.842105262437673, 0.5),
                2: (0.8749999995312499, 0.3), 3: (0.9523809515192743, 0.5)}
    for tol, (f1, thr) in expected.items():
        ours, ours_thr = M.best_f1(scores, labels, tol)
        assert ours == pytest.approx(f1, rel=1e-6) and ours_thr == thr
    # precision and recall at threshold 0.5, tolerance 1: (0.7272727268595041, 0.99999999875)
    tp, fp, _, fn = M.confusion_at(scores, labels, 0.5, tol=1)
    assert tp / (tp + fp) == pytest.approx(0.7272727268595041, rel=1e-6)
    assert tp / (tp + fn) == pytest.approx(1.0, rel=1e-6)
    # the all-ones detector (the README's Random row): best at threshold 0
    ones = [np.ones(len(y) + 2) for y in labels]
    for tol, f1 in ((1, 0.6190476189342403), (2, 0.839999999728), (3, 0.9056603770523318)):
        assert M.best_f1(ones, labels, tol) == (pytest.approx(f1, rel=1e-6), 0.0)
