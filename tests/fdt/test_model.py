"""The FDT loss on a tiny batch, the DT/BC forward pass and the schedule."""
import ast
import math
from pathlib import Path

import torch

from scripts.fdt.model import (DecisionTransformer, configure_optimizer, fdt_loss, fdt_loss_loop,
                               lr_at)


def _tiny():
    ln3 = math.log(3.0)
    logits = torch.tensor([[[0.0, 0.0], [ln3, 0.0], [0.0, ln3], [0.0, 0.0]]])
    actions = torch.tensor([[0, 1, 0, 1]])
    feedback = torch.tensor([[1, 0, -1, 0]])
    best = torch.tensor([[0, 0, -1, 1]])
    return logits, actions, feedback, best


def test_fdt_loss_known_value():
    logits, actions, feedback, best = _tiny()
    loss, info = fdt_loss(logits, actions, feedback, best, lam=0.5)
    # t0 positive: in CE (ln 2) and a term ln 2; t1 negative with best 0 != 1: leaves the CE,
    # term -ln 0.75; t2 no feedback: CE -ln 0.25; t3 negative but best == logged: ignored,
    # stays in the CE (ln 2), no term
    ce = (math.log(2) + math.log(4) + math.log(2)) / 3
    fb = (math.log(2) - math.log(0.75)) / 2
    assert abs(loss.item() - (ce + 0.5 * fb)) < 1e-6
    assert info["fb_used"] == 2 and info["fb_pos"] == 1 and info["fb_neg"] == 1


def test_fdt_loss_matches_the_per_position_loop_and_its_gradient():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, 4, generator=g, requires_grad=True)
    actions = torch.randint(0, 4, (3, 5), generator=g)
    feedback = torch.randint(-1, 2, (3, 5), generator=g)
    best = torch.where(feedback >= 0, torch.randint(0, 4, (3, 5), generator=g),
                       torch.full((3, 5), -1))
    vec, _ = fdt_loss(logits, actions, feedback, best, lam=0.1)
    (gv,) = torch.autograd.grad(vec, logits)
    loop = fdt_loss_loop(logits, actions, feedback, best, lam=0.1)
    (gl,) = torch.autograd.grad(loop, logits)
    assert torch.allclose(vec, loop, atol=1e-6)
    assert torch.allclose(gv, gl, atol=1e-6)


def test_no_feedback_reduces_to_cross_entropy():
    logits = torch.randn(2, 3, 4)
    actions = torch.randint(0, 4, (2, 3))
    none = torch.full((2, 3), -1)
    loss, _ = fdt_loss(logits, actions, none, none, lam=1.0)
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, 4), actions.reshape(-1))
    assert torch.allclose(loss, ce)


def test_dt_and_bc_forward_shapes_and_causality():
    for kind in ("dt", "bc"):
        net = DecisionTransformer(4, 3, 10, kind=kind, n_layer=1, n_head=2, n_embd=16,
                                  dropout=0.0, encoder="linear").eval()
        s = torch.randint(0, 255, (2, 3, 4, 84, 84), dtype=torch.uint8)
        a = torch.randint(0, 4, (2, 3))
        r = torch.randn(2, 3)
        t = torch.tensor([0, 5])
        out = net(s, a, r, t)
        assert out.shape == (2, 3, 4)
        # the action at the last step must not influence any prediction (causal mask)
        a2 = a.clone()
        a2[:, -1] = (a2[:, -1] + 1) % 4
        assert torch.allclose(out, net(s, a2, r, t))
    opt = configure_optimizer(net, 6e-4, 0.1, (0.9, 0.95))
    assert opt.param_groups[0]["weight_decay"] == 0.1


def test_nature_encoder_parameter_count():
    net = DecisionTransformer(4, 30, 2654, n_layer=6, n_head=8, n_embd=128)
    enc = sum(p.numel() for p in net.state_encoder.parameters())
    # 4->32 8x8, 32->64 4x4, 64->64 3x3 and Linear(3136, 128): 479,520 (the paper's encoder: ~0.48M)
    assert enc == 8224 + 32832 + 36928 + 401536


def test_lr_schedule():
    assert lr_at(0, 1.0, 100, 1000) == 0
    assert lr_at(50, 1.0, 100, 1000) == 0.5
    assert abs(lr_at(100, 1.0, 100, 1000) - 1.0) < 1e-9
    assert abs(lr_at(550, 1.0, 100, 1000) - 0.5) < 1e-9
    assert lr_at(5000, 1.0, 100, 1000) == 0.1


PINNED = ["model.py", "train.py", "evaluate.py", "trainset.py", "critical.py", "replay.py",
          "games.py"]


def test_pinned_env_code_parses_as_python38_and_avoids_newer_torch():
    root = Path(__file__).resolve().parents[2] / "scripts"
    files = [root / "fdt" / f for f in PINNED] + sorted((root / "common").glob("*.py"))
    for path in files:
        src = path.read_text()
        ast.parse(src, filename=str(path), feature_version=(3, 8))
        if path.parent.name == "fdt":  # scripts/common guards its version-dependent calls
            for api in ("inference_mode", "scaled_dot_product_attention", "torch.compile",
                        "weights_only"):
                assert api not in src, f"{path.name} uses {api}"
        if "from __future__ import annotations" not in src and path.name != "__init__.py":
            raise AssertionError(f"{path.name} lacks `from __future__ import annotations`")


def test_linear_encoder_accepts_prepooled_frames():

    net = DecisionTransformer(4, 3, 10, n_layer=1, n_head=2, n_embd=16, dropout=0.0,
                              encoder="linear").eval()
    s = torch.randint(0, 255, (2, 3, 4, 84, 84), dtype=torch.uint8)
    pooled = torch.from_numpy(s.numpy().reshape(2, 3, 4, 21, 4, 21, 4).max(axis=(4, 6)))
    a, r, t = torch.randint(0, 4, (2, 3)), torch.randn(2, 3), torch.tensor([0, 5])
    assert torch.allclose(net(s, a, r, t), net(pooled, a, r, t))
