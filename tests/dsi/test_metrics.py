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
