"""Each DSI loss term on a tiny batch, against hand-computed values."""
import math

import pytest
import torch

from scripts.dsi import losses as L


def test_compactness_matrix_vs_elementwise():
    m = torch.tensor([[0.1, 0.5, 0.0], [0.3, 0.2, 0.0]])
    valid = torch.tensor([[1, 1, 0], [1, 1, 0]])
    # matrix 1-norm: max over columns of the column sums = max(0.4, 0.7, 0) = 0.7
    assert float(L.compactness_loss(m, valid, "matrix")) == pytest.approx(0.7)
    assert float(L.compactness_loss(m, valid, "matrix")) == pytest.approx(
        float(torch.linalg.norm(m, ord=1)))
    assert float(L.compactness_loss(m, valid, "elementwise_mean")) == pytest.approx(1.1 / 4)
    assert float(L.compactness_loss(m, valid, "elementwise_sum")) == pytest.approx(1.1)


def test_importance_ce_and_smoothl1():
    logits = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    y = torch.tensor([0, 1])
    expected = (-math.log(math.exp(2) / (math.exp(2) + 1)) + math.log(2)) / 2
    assert float(L.task_loss(logits, y, "ce")) == pytest.approx(expected, rel=1e-6)
    pred = torch.tensor([[0.5], [3.0]])
    tgt = torch.tensor([0.0, 1.0])
    # SmoothL1: 0.5 * 0.5^2 = 0.125 ; |2| - 0.5 = 1.5 -> mean 0.8125
    assert float(L.task_loss(pred, tgt, "smoothl1")) == pytest.approx(0.8125)


def test_reverse_terms():
    logits = torch.tensor([[2.0, 0.0]])
    p = math.exp(2) / (math.exp(2) + 1)
    expected = -0.5 * (math.log(p) + math.log(1 - p))
    assert float(L.reverse_loss(logits, "ce_uniform")) == pytest.approx(expected, rel=1e-6)
    three = torch.tensor([[0.0, 0.0, 0.0]])
    assert float(L.reverse_loss(three, "mse_uniform")) == pytest.approx(0.0, abs=1e-12)
    logits3 = torch.tensor([[math.log(2.0), 0.0, 0.0]])  # softmax (1/2, 1/4, 1/4)
    expected3 = ((0.5 - 1 / 3) ** 2 + 2 * (0.25 - 1 / 3) ** 2) / 3
    assert float(L.reverse_loss(logits3, "mse_uniform")) == pytest.approx(expected3)
    assert float(L.reverse_loss(torch.tensor([[0.5]]), "smoothl1_zero")) == pytest.approx(0.125)


def test_orthogonality_matches_original():
    """Expected values: the original Seaquest expression (Policy_Improvement/train.py at 6afb4a7,
    run on CPU) on the same masks; docs/fidelity/dsi.md."""
    m = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # upper off-diagonal of M M^T: (0,1)=0, (0,2)=1, (1,2)=1; sum 2 over B^2 = 9 entries
    assert float(L.orthogonality_loss(m)) == pytest.approx(0.2222222238779068, rel=1e-6)
    m = torch.tensor([[0.5, 0.2, 0.1, 0.0], [0.3, 0.9, 0.4, 0.2], [0.7, 0.1, 0.6, 0.8]])
    assert float(L.orthogonality_loss(m)) == pytest.approx(0.1666666716337204, rel=1e-6)
    assert float(L.orthogonality_loss(torch.tensor([[0.25, 0.75, 1.0]]))) == 0.0


def test_detector_loss_weights_and_mask():
    x = torch.ones(1, 2, 1, 2, 2)
    m = torch.tensor([[0.25, 1.0]])
    out = L.apply_mask(x, m)
    assert torch.allclose(out[0, 0], torch.full((1, 2, 2), 0.25))
    logits = torch.tensor([[0.0, 0.0]])
    terms = L.detector_loss(logits, logits, torch.tensor([0]), m, torch.ones(1, 2),
                            task="ce", reverse="ce_uniform", compact_mode="matrix",
                            lam_imp=1.0, lam_rev=2.0, lam_com=0.5)
    assert float(terms["imp"]) == pytest.approx(math.log(2))
    assert float(terms["rev"]) == pytest.approx(2 * math.log(2))
    assert float(terms["com"]) == pytest.approx(0.5 * 1.0)
    assert float(terms["total"]) == pytest.approx(3 * math.log(2) + 0.5)


def test_pong_reverse_matches_original():
    """Expected value: the original Pong reverse term (Attack/train.py at 6afb4a7,
    F.mse_loss(softmax(out_r), softmax(ones))) per unit weight on the same logits."""
    logits = torch.tensor([[math.log(2.0), 0.0, 0.0], [2.0, -1.0, 0.5]])
    assert float(L.reverse_loss(logits, "mse_uniform")) == pytest.approx(0.059625428169965744,
                                                                          rel=1e-6)
