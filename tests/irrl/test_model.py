"""Glimpse sensor against hand-built images and the per-image reference, the fused episode
against the step-by-step autograd one, REINFORCE loss sign, reward-gradient paths,
DT-RAM stopping, and the paper's parameter count."""
import math

import pytest
import torch

from scripts.irrl.model import (RAM, extract_patches, foveate, losses, run_dtram, run_ram,
                                 run_ram_stepwise)

pytestmark = pytest.mark.old_torch  # plain torch: also runs under Debian's torch 1.13


def image8():
    return torch.arange(64, dtype=torch.float32).reshape(1, 1, 8, 8)


def test_glimpse_centre():
    # l = (0, 0): start = floor(0.5 * 1 * 8) = 4 in the 2-px padded image -> rows/cols 2..5
    patch = extract_patches(image8(), torch.tensor([[0.0, 0.0]]), 4)
    assert patch.shape == (1, 1, 4, 4)
    assert torch.equal(patch[0, 0], image8()[0, 0, 2:6, 2:6])


def test_glimpse_corner_zero_padding_and_axis_order():
    # l = (-1, -1): start 0 -> original rows/cols -2..1; the pad is 0 (not the background)
    patch = extract_patches(image8(), torch.tensor([[-1.0, -1.0]]), 4)[0, 0]
    expected = torch.zeros(4, 4)
    expected[2:, 2:] = torch.tensor([[0.0, 1.0], [8.0, 9.0]])
    assert torch.equal(patch, expected)
    # l = (x=-1, y=0.5): x is the column, y the row; y start floor(0.5*1.5*8)=6 -> rows 4..7
    patch = extract_patches(image8(), torch.tensor([[-1.0, 0.5]]), 4)[0, 0]
    assert torch.equal(patch[:, 2:], image8()[0, 0, 4:8, 0:2])
    assert torch.equal(patch[:, :2], torch.zeros(4, 2))


def test_glimpse_truncates_and_batches():
    # 0.5 * (0.2 + 1) * 8 = 4.8 -> 4 (truncation, like the original's .long())
    x = torch.cat([image8(), 100 + image8()])
    loc = torch.tensor([[0.2, 0.2], [0.0, 0.0]])
    patch = extract_patches(x, loc, 4)
    assert torch.equal(patch[0, 0], image8()[0, 0, 2:6, 2:6])
    assert torch.equal(patch[1, 0], 100 + image8()[0, 0, 2:6, 2:6])
    flat = foveate(x, loc, 4, 1, 1.0)
    assert flat.shape == (2, 16)


def test_parameter_count_paper_config():
    model = RAM(patch=4, hidden=256, glimpse_hidden=128, loc_hidden=128)
    assert sum(p.numel() for p in model.parameters()) == 236_173


def fake_out(batch=4, steps=3, correct=True):
    log_pi = torch.zeros(batch, steps, requires_grad=True)
    logits = torch.zeros(batch, 10)
    logits[:, 3] = 5.0 if correct else -5.0
    log_probs = torch.log_softmax(logits, 1).detach().requires_grad_(True)
    return {"log_probs": log_probs, "log_pi": log_pi, "baseline": torch.zeros(batch, steps)}, \
        torch.full((batch,), 3, dtype=torch.long)


def test_reinforce_sign_and_value():
    out, y = fake_out(batch=4, steps=3, correct=True)
    loss, _ = losses(out, y, "acc", 10, detach_reward=False, reinforce_weight=0.01)
    loss.backward()
    # R = 1, b = 0: d loss / d log_pi = -0.01 * (R - b) / B -> descent raises log pi
    assert torch.allclose(out["log_pi"].grad, torch.full((4, 3), -0.01 / 4))
    out, y = fake_out(correct=False)
    out["baseline"] = torch.full((4, 3), 0.5)
    loss, _ = losses(out, y, "acc", 10, detach_reward=False, reinforce_weight=0.01)
    loss.backward()
    # R = 0 < b = 0.5: the action is made less likely
    assert torch.allclose(out["log_pi"].grad, torch.full((4, 3), 0.5 * 0.01 / 4))


def test_reward_gradient_official_vs_detached():
    grads = {}
    for detach in (False, True):
        out, y = fake_out()
        out["log_pi"] = torch.full((4, 3), 3.0)
        loss, _ = losses(out, y, "lin_clip", 10, detach_reward=detach)
        loss.backward()
        grads[detach] = out["log_probs"].grad.clone()
    nll_only = grads[True]
    assert not torch.allclose(grads[False], nll_only)  # official: the reward sends gradient too
    # detached: only the NLL term, whose gradient on the true class is -1/B
    assert nll_only[0, 3].item() == pytest.approx(-0.25)


def test_ram_episode_shapes_and_log_pi():
    torch.manual_seed(0)
    model = RAM(patch=4, hidden=32, glimpse_hidden=16, loc_hidden=16)
    x = torch.randn(5, 1, 16, 16)
    out = run_ram(model, x, 6, True, torch.zeros(5, 2))
    assert out["log_pi"].shape == (5, 6) and out["locations"].shape == (5, 7, 2)
    assert out["locations"].abs().max() <= 1.0
    # sigma 0.05: log N(mu + eps; mu, 0.05) per dim is about log(1/(0.05 sqrt(2 pi))) = 2.07
    assert out["log_pi"].mean().item() == pytest.approx(2 * (-math.log(0.05) - 0.5 * math.log(2 * math.pi)) - 1.0, abs=0.5)
    ev = run_ram(model, x, 6, False, torch.zeros(5, 2))
    assert torch.equal(ev["log_pi"], torch.zeros(5, 6))


def test_dtram_stop_index_and_mask():
    torch.manual_seed(0)
    model = RAM(patch=4, hidden=32, glimpse_hidden=16, loc_hidden=16, dynamic=True)
    x = torch.randn(3, 1, 16, 16)
    with torch.no_grad():
        model.locator.fc_lt.weight.zero_()
        model.locator.fc_lt.bias.copy_(torch.tensor([0.0, 0.0, 10.0]))  # s_t ~ 1: stop at once
    out = run_dtram(model, x, 5, True, torch.zeros(3, 2))
    assert out["stop_idx"].tolist() == [0, 0, 0]
    assert out["mask"].shape == (3, 1)
    assert torch.allclose(out["log_pi"][:, 0], torch.log(torch.tensor(0.999)).expand(3))
    with torch.no_grad():
        model.locator.fc_lt.bias.copy_(torch.tensor([0.0, 0.0, -10.0]))  # never stops
    out = run_dtram(model, x, 5, True, torch.zeros(3, 2))
    assert out["stop_idx"].tolist() == [5, 5, 5]  # one extra glimpse after the last step
    assert out["mask"].sum().item() == 3 * 6
    assert out["act_mask"].sum().item() == 3 * 5
    # the forced extra glimpse only classifies: no stop log-prob (as the paper's code)
    assert torch.equal(out["log_pi"][:, 5], torch.zeros(3))
    assert (out["log_pi"][:, 4] > 0).all()  # a 2-D location log-density at sigma 0.05 (~3)


def reference_patch(x, loc, size):
    """The original's retina, one image at a time: pad by size//2 with zeros, slice from
    start = floor(0.5 (l + 1) H) (H for both axes)."""
    pad = size // 2
    b, _, h, _ = x.shape
    xp = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    out = []
    for i in range(b):
        cx, cy = (int(v) for v in (0.5 * ((loc[i] + 1.0) * h)).long())
        out.append(xp[i, :, cy:cy + size, cx:cx + size])
    return torch.stack(out)


@pytest.mark.parametrize("size,channels", [(4, 1), (8, 1), (6, 3), (5, 2)])
def test_batched_glimpse_equals_per_image_reference(size, channels):
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(6, channels, 20, 20, generator=gen)
    loc = torch.tensor([[-1.0, -1.0], [0.0, 0.0], [0.3, -0.7], [-0.999, 0.95], [0.5, 0.5],
                        [0.9, -0.2]])
    if size % 2 == 0:  # an odd size's window can pass the padded border at l -> 1
        loc[3] = torch.tensor([1.0, 1.0])
    got = extract_patches(x, loc, size)
    assert torch.equal(got, reference_patch(x, loc, size))
    # known values: the centre glimpse of image 1 is the image's rows/cols 10-p .. 10-p+size
    p = size // 2
    assert torch.equal(got[1], x[1, :, 10 - p:10 - p + size, 10 - p:10 - p + size])


def _grads(model):
    return [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in model.parameters()]


@pytest.mark.parametrize("num_patches,scale,channels", [(1, 1.0, 1), (2, 2.0, 1), (1, 1.0, 2)])
@pytest.mark.parametrize("reward", ["lin_clip", "acc"])
def test_fused_episode_equals_stepwise_autograd(num_patches, scale, channels, reward):
    """run_ram (one autograd node, hand-written BPTT) = run_ram_stepwise (model.step with
    autograd): same locations from the same random draws, same outputs, same gradients."""
    torch.manual_seed(0)
    model = RAM(patch=4, num_patches=num_patches, glimpse_scale=scale, channels=channels,
                hidden=32, glimpse_hidden=16, loc_hidden=24)
    x = torch.randn(7, channels, 20, 20)
    l0 = torch.rand(7, 2) * 2 - 1
    y = torch.randint(0, 10, (7,))
    oracle = RAM(patch=4, num_patches=num_patches, glimpse_scale=scale, channels=channels,
                 hidden=32, glimpse_hidden=16, loc_hidden=24)
    for p in oracle.parameters():
        p.requires_grad_(False)
    for sample in (True, False):
        res = []
        for fn in (run_ram, run_ram_stepwise):
            torch.manual_seed(1)
            out = fn(model, x, 5, sample, l0, oracle=oracle)
            loss, _ = losses(out, y, reward, 10, detach_reward=False)
            model.zero_grad()
            loss.backward()
            res.append((out, _grads(model)))
        (fused, g_fused), (ref, g_ref) = res
        assert set(fused) == set(ref)
        for k in ref:
            assert torch.allclose(fused[k], ref[k], atol=1e-5, rtol=1e-5), k
        for a, b in zip(g_fused, g_ref):
            assert torch.allclose(a, b, atol=1e-6, rtol=1e-4)
        assert any(float(a.abs().max()) > 0 for a in g_fused)


def test_fused_episode_no_grad_matches():
    torch.manual_seed(0)
    model = RAM(patch=4, hidden=32, glimpse_hidden=16, loc_hidden=16)
    x = torch.randn(4, 1, 16, 16)
    with torch.no_grad():
        a = run_ram(model, x, 6, False, torch.zeros(4, 2))
        b = run_ram_stepwise(model, x, 6, False, torch.zeros(4, 2))
    assert torch.allclose(a["log_probs"], b["log_probs"], atol=1e-6)
    assert torch.allclose(a["locations"], b["locations"], atol=1e-6)


def test_fused_episodes_in_flight_keep_their_buffers():
    """Buffers are reused between episodes (the model's ``BufferPool``): two episodes whose graphs are alive
    at once, and an evaluation in between, must not disturb each other's gradients."""
    torch.manual_seed(0)
    model = RAM(patch=4, hidden=32, glimpse_hidden=16, loc_hidden=16)
    x1, x2 = torch.randn(6, 1, 16, 16), torch.randn(6, 1, 16, 16)
    y = torch.randint(0, 10, (6,))
    l0 = torch.rand(6, 2) * 2 - 1
    res = []
    for fn in (run_ram, run_ram_stepwise):
        torch.manual_seed(1)
        o1 = fn(model, x1, 5, True, l0)
        o2 = fn(model, x2, 5, True, l0)
        with torch.no_grad():
            fn(model, x1 + 1.0, 5, False, l0)
        loss = losses(o1, y, "lin_clip", 10, False)[0] + losses(o2, y, "log_clip", 10, False)[0]
        model.zero_grad()
        loss.backward()
        res.append(_grads(model))
    for a, b in zip(*res):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-4)


def test_fused_episode_without_threshold_backward_out(monkeypatch):
    """torch 1.10 has no out= overload of threshold_backward: the copying fallback."""
    import scripts.irrl.model as model_module

    monkeypatch.setattr(model_module, "_THRESHOLD_BACKWARD_OUT", None)
    torch.manual_seed(0)
    model = RAM(patch=4, hidden=32, glimpse_hidden=16, loc_hidden=16)
    x, y, l0 = torch.randn(5, 1, 16, 16), torch.randint(0, 10, (5,)), torch.zeros(5, 2)
    res = []
    for fn in (run_ram, run_ram_stepwise):
        torch.manual_seed(1)
        loss = losses(fn(model, x, 4, True, l0), y, "lin_clip", 10, False)[0]
        model.zero_grad()
        loss.backward()
        res.append(_grads(model))
    for a, b in zip(*res):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-4)
