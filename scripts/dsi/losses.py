"""DSI loss terms (docs/fidelity/dsi.md, L1-L6), as pure functions of tensors.

- importance preservation: G must still predict the return from m * x;
- reverse: G must not predict it from (1 - m) * x (target: uniform classes, or zero return);
- compactness: the mask is small. The original codes ||m||_1 as ``torch.linalg.norm(mask, ord=1)``
  on the (B, T) mask, which is the *matrix* 1-norm max_t sum_b |m_bt| ("matrix", the paper recipe);
  the fixed recipe uses the element-wise mean over valid steps ("elementwise_mean");
- orthogonality (Seaquest): the original's mean of triu(|M M^T| * (1 - I), 1) over all B^2
  entries of the matrix (the zeroed diagonal and lower triangle included).

Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F


def task_loss(pred: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    """L_G: cross-entropy on class targets ("ce") or SmoothL1 on scalar returns ("smoothl1")."""
    if kind == "ce":
        return F.cross_entropy(pred, target.long())
    if kind == "smoothl1":
        return F.smooth_l1_loss(pred.reshape(-1), target.reshape(-1).to(pred.dtype))
    raise ValueError(f"unknown task loss {kind!r}")


def soft_cross_entropy(logits: torch.Tensor, target_probs: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against soft targets, averaged over the batch."""
    return -(target_probs * F.log_softmax(logits, dim=-1)).sum(-1).mean()


def reverse_loss(pred: torch.Tensor, kind: str) -> torch.Tensor:
    """L_rev on G((1 - m) * x): "ce_uniform" (GridWorld: CE to [0.5, 0.5]), "mse_uniform" (Pong:
    MSE between softmax and 1/K), "smoothl1_zero" (Seaquest: SmoothL1 toward a zero return)."""
    if kind == "ce_uniform":
        k = pred.shape[-1]
        return soft_cross_entropy(pred, torch.full_like(pred, 1.0 / k))
    if kind == "mse_uniform":
        k = pred.shape[-1]
        return F.mse_loss(F.softmax(pred, dim=-1), torch.full_like(pred, 1.0 / k))
    if kind == "smoothl1_zero":
        return F.smooth_l1_loss(pred.reshape(-1), torch.zeros_like(pred.reshape(-1)))
    raise ValueError(f"unknown reverse loss {kind!r}")


def compactness_loss(mask: torch.Tensor, valid: Optional[torch.Tensor], mode: str) -> torch.Tensor:
    """mask: (B, T), zero at padding. "matrix": max over t of sum over b (the original's
    ``torch.linalg.norm(mask, ord=1)``); "elementwise_mean": mean of |m| over valid steps;
    "elementwise_sum": sum of |m|."""
    if mode == "matrix":
        return mask.abs().sum(0).max()
    if mode == "elementwise_sum":
        return mask.abs().sum()
    if mode == "elementwise_mean":
        if valid is None:
            return mask.abs().mean()
        valid = valid.to(mask.dtype)
        return (mask.abs() * valid).sum() / valid.sum().clamp(min=1)
    raise ValueError(f"unknown compactness mode {mode!r}")


def orthogonality_loss(mask: torch.Tensor) -> torch.Tensor:
    """The original Seaquest term (``Policy_Improvement/train.py``): the off-diagonal upper
    triangle of |M M^T| (M: (B, T)) summed and divided by B^2, i.e. the mean over the whole
    B x B matrix with the diagonal and lower triangle zeroed (not over the B(B-1)/2 upper
    entries). Zero for B < 2."""
    b = mask.shape[0]
    gram = (mask @ mask.t()).abs()
    return torch.triu(gram, diagonal=1).sum() / float(b * b)


def apply_mask(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """m * x with m (B, T) broadcast over the frame dimensions of x (B, T, ...)."""
    return x * mask.reshape(mask.shape + (1,) * (x.dim() - 2))


def detector_loss(pred_masked: torch.Tensor, pred_reversed: torch.Tensor, target: torch.Tensor,
                  mask: torch.Tensor, valid: torch.Tensor, *, task: str, reverse: str,
                  compact_mode: str, lam_imp: float, lam_rev: float, lam_com: float,
                  lam_orth: float = 0.0) -> dict:
    """All detector terms (weighted) and their sum under key "total"."""
    terms = {
        "imp": lam_imp * task_loss(pred_masked, target, task),
        "rev": lam_rev * reverse_loss(pred_reversed, reverse),
        "com": lam_com * compactness_loss(mask, valid, compact_mode),
    }
    if lam_orth:
        terms["orth"] = lam_orth * orthogonality_loss(mask)
    total = terms["imp"] + terms["rev"] + terms["com"]
    if "orth" in terms:
        total = total + terms["orth"]
    terms["total"] = total
    return terms
