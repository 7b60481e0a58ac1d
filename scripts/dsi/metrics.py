"""Critical-state metrics: F1@tolerance as the original ``test.py`` computes it, AP and AUROC.

F1@tol (docs/fidelity/dsi.md, E1): over every labelled index i of every episode, a score below
the threshold is a true negative (label 0) or a false negative (label 1), with no tolerance; a
score at or above it is a true positive if any label in [i - tol, i + tol] is 1, else a false
positive. The paper
reports the best F1 over the 11 thresholds 0, 0.1, ..., 1.0 on the test episodes; we also choose
the threshold on separate validation episodes and apply it to the test episodes.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np

THRESHOLDS = np.round(np.linspace(0.0, 1.0, 11), 1)


def confusion_at(scores: Sequence[np.ndarray], labels: Sequence[np.ndarray], threshold: float,
                 tol: int) -> Tuple[int, int, int, int]:
    """(TP, FP, TN, FN) summed over episodes; scores[e] covers at least len(labels[e]) steps."""
    tp = fp = tn = fn = 0
    for s, y in zip(scores, labels):
        y = np.asarray(y).astype(bool)
        n = len(y)
        s = np.asarray(s, dtype=float)[:n]
        if n == 0:
            continue
        # any positive label within [i - tol, i + tol]
        padded = np.concatenate([np.zeros(tol, bool), y, np.zeros(tol, bool)])
        near = np.zeros(n, bool)
        for k in range(2 * tol + 1):
            near |= padded[k:k + n]
        hit = s >= threshold
        tp += int(np.sum(hit & near))
        fp += int(np.sum(hit & ~near))
        tn += int(np.sum(~hit & ~y))
        fn += int(np.sum(~hit & y))
    return tp, fp, tn, fn


def f1_from_counts(tp: int, fp: int, fn: int) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def f1_at(scores, labels, threshold: float, tol: int) -> float:
    tp, fp, _, fn = confusion_at(scores, labels, threshold, tol)
    return f1_from_counts(tp, fp, fn)


def f1_curve(scores, labels, tol: int, thresholds: Sequence[float] = THRESHOLDS) -> np.ndarray:
    return np.array([f1_at(scores, labels, t, tol) for t in thresholds])


def best_f1(scores, labels, tol: int, thresholds: Sequence[float] = THRESHOLDS
            ) -> Tuple[float, float]:
    """The paper's number: best F1 over the thresholds (first best on ties) and that threshold."""
    curve = f1_curve(scores, labels, tol, thresholds)
    i = int(np.argmax(curve))
    return float(curve[i]), float(thresholds[i])


def validated_f1(val_scores, val_labels, test_scores, test_labels, tol: int,
                 thresholds: Sequence[float] = THRESHOLDS) -> Tuple[float, float]:
    """F1 on test at the threshold that is best on the validation episodes."""
    _, thr = best_f1(val_scores, val_labels, tol, thresholds)
    return f1_at(test_scores, test_labels, thr, tol), thr


def _flat(scores, labels) -> Tuple[np.ndarray, np.ndarray]:
    s = np.concatenate([np.asarray(a, float)[:len(b)] for a, b in zip(scores, labels)])
    y = np.concatenate([np.asarray(b).astype(int) for b in labels])
    return s, y


def average_precision(scores, labels) -> float:
    """AP over frames (step-wise precision-recall area, as scikit-learn's definition)."""
    s, y = _flat(scores, labels)
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    # group tied scores: precision/recall evaluated at distinct thresholds
    distinct = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y)[distinct]
    fps = (distinct + 1) - tps
    precision = tps / (tps + fps)
    recall = tps / y.sum()
    recall_prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - recall_prev) * precision))


def auroc(scores, labels) -> float:
    """Area under the ROC curve over frames (Mann-Whitney U with ties counted half)."""
    from scipy.stats import rankdata

    s, y = _flat(scores, labels)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def dilate(scores: Sequence[np.ndarray], tol: int) -> List[np.ndarray]:
    """Each frame's score replaced by the maximum within [i - tol, i + tol] of its episode.

    AP and AUROC of dilated scores against the exact labels ("AP/AUROC +-tol") credit a detector
    that marks a frame next to the labelled one, the tolerance F1@tol already grants to hits;
    uniform or constant scores stay at chance."""
    from scipy.ndimage import maximum_filter1d

    # mode="nearest" repeats the edge frame, so windows at the ends see only the episode
    return [maximum_filter1d(np.asarray(s, dtype=float), 2 * tol + 1, mode="nearest")
            for s in scores]


def evaluate(test_scores, test_labels, val_scores=None, val_labels=None,
             tols: Sequence[int] = (1, 2, 3)) -> Dict[str, float]:
    """All metrics of one scored set: best-of-11 F1 (paper), validated F1, AP, AUROC."""
    out: Dict[str, float] = {}
    for tol in tols:
        f1, thr = best_f1(test_scores, test_labels, tol)
        out[f"f1_best_tol{tol}"] = 100 * f1
        out[f"thr_best_tol{tol}"] = thr
        if val_scores is not None:
            f1v, thrv = validated_f1(val_scores, val_labels, test_scores, test_labels, tol)
            out[f"f1_val_tol{tol}"] = 100 * f1v
            out[f"thr_val_tol{tol}"] = thrv
    out["ap"] = average_precision(test_scores, test_labels)
    out["auroc"] = auroc(test_scores, test_labels)
    return out


def official_alignment(scores: np.ndarray, official_labels: np.ndarray) -> Tuple[np.ndarray,
                                                                                   np.ndarray]:
    """The original pairing: label i (of T - 2 per-move labels) against score i."""
    return np.asarray(scores)[:len(official_labels)], np.asarray(official_labels)


def random_scores(lengths: Sequence[int], rng: np.random.Generator) -> List[np.ndarray]:
    return [rng.random(n) for n in lengths]
