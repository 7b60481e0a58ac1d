"""Recurrent attention model (RAM) and DT-RAM as used by IRRL (docs/fidelity/irrl.md).

Parts: a retina (glimpse sensor) vectorised over the batch, a glimpse network, a plain
ReLU RNN core, a Gaussian location policy (sample detached, log-prob taken before clamping),
a per-step baseline on the detached hidden state, and a classifier on the last hidden state
that is the discriminator q_phi(y|tau). The fixed-time episode runs as one autograd node with
a hand-written BPTT (``_FixedTimeEpisode``, tested against ``run_ram_stepwise``, the plain
step-by-step autograd form); DT-RAM runs step by step. Pure PyTorch valid on torch 1.10 /
Python 3.8. The data and l_0 get no gradient (none is used: the locations are detached).
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from scripts.irrl.rewards import reward as reward_fn


def denormalise(size: int, coords: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> pixel index floor(0.5 (l + 1) size) (truncating, as the original's .long())."""
    return (0.5 * ((coords + 1.0) * size)).long()


def pad_for(x: torch.Tensor, size: int) -> torch.Tensor:
    """Zero padding of size//2 per side (in normalised space, so 0 is not the background)."""
    pad = size // 2
    return F.pad(x, (pad, pad, pad, pad))


def patch_starts(h: int, w: int, loc: torch.Tensor, size: int) -> torch.Tensor:
    """Top-left corner (x=column, y=row) of the ``size x size`` patch around ``loc`` in the
    image zero-padded by size//2 per side: floor(0.5 (l + 1) H) for both axes (the original
    uses H for both), kept inside the padded image (only matters for odd sizes at l = 1)."""
    pad = size // 2
    start = denormalise(h, loc)
    hi = torch.tensor([w + 2 * pad - size, h + 2 * pad - size], device=loc.device)
    return torch.min(start.clamp(min=0), hi)


def patch_offsets(c: int, hp: int, wp: int, size: int, device=None) -> torch.Tensor:
    """Flat offsets, in (channel, row, column) order, of a ``size x size`` window in a
    (C, hp, wp) image relative to the window's top-left pixel."""
    ar = torch.arange(size, device=device)
    win = (ar[:, None] * wp + ar[None, :]).reshape(-1)
    return (torch.arange(c, device=device)[:, None] * (hp * wp) + win[None, :]).reshape(-1)


def extract_patches(x: torch.Tensor, loc: torch.Tensor, size: int,
                    padded: Optional[torch.Tensor] = None,
                    offsets: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Batched glimpse: for each image a ``size x size`` patch whose top-left corner in the
    image zero-padded by size//2 per side is the start pixel of ``loc`` (so the patch is
    centred on it). x: (B, C, H, W); loc: (B, 2) as (x=column, y=row) in [-1, 1].
    Returns (B, C, size, size). One ``gather`` of precomputed flat indices replaces the
    original's per-image Python loop; ``padded`` (``pad_for(x, size)``) and ``offsets``
    (``patch_offsets``) let an episode compute them once instead of at every glimpse."""
    b, c, h, w = x.shape
    xp = pad_for(x, size) if padded is None else padded
    hp, wp = xp.shape[2], xp.shape[3]
    if offsets is None:
        offsets = patch_offsets(c, hp, wp, size, x.device)
    start = patch_starts(h, w, loc, size)
    base = start[:, 1] * wp + start[:, 0]  # (B,) flat index of the top-left pixel
    out = torch.gather(xp.reshape(b, -1), 1, base[:, None] + offsets[None, :])
    return out.reshape(b, c, size, size)


def patch_sizes(g: int, k: int, s: float):
    sizes, size = [], g
    for _ in range(k):
        sizes.append(size)
        size = int(s * size)
    return sizes


def foveate(x: torch.Tensor, loc: torch.Tensor, g: int, k: int, s: float,
            padded: Optional[Dict[int, torch.Tensor]] = None) -> torch.Tensor:
    """k patches of sizes g, g*s, g*s^2, ... around loc, average-pooled to g x g, flattened."""
    phi = []
    for i, size in enumerate(patch_sizes(g, k, s)):
        patch = extract_patches(x, loc, size, None if padded is None else padded.get(size))
        if i > 0:
            patch = F.avg_pool2d(patch, size // g)
        phi.append(patch)
    return torch.cat(phi, 1).reshape(x.shape[0], -1)


class GlimpseNet(nn.Module):
    def __init__(self, g: int, k: int, s: float, c: int, h_g: int, h_l: int, hidden: int):
        super().__init__()
        self.g, self.k, self.s = g, k, s
        self.fc1 = nn.Linear(k * g * g * c, h_g)
        self.fc2 = nn.Linear(2, h_l)
        self.fc3 = nn.Linear(h_g, hidden)
        self.fc4 = nn.Linear(h_l, hidden)

    def pad(self, x: torch.Tensor) -> Dict[int, torch.Tensor]:
        """The padded images for every patch size, computed once per episode."""
        return {size: pad_for(x, size) for size in patch_sizes(self.g, self.k, self.s)}

    def forward(self, x: torch.Tensor, loc: torch.Tensor,
                padded: Optional[Dict[int, torch.Tensor]] = None) -> torch.Tensor:
        phi = foveate(x, loc, self.g, self.k, self.s, padded)
        what = self.fc3(F.relu(self.fc1(phi)))
        where = self.fc4(F.relu(self.fc2(loc)))
        return F.relu(what + where)


class Core(nn.Module):
    """h_t = ReLU(W_i g_t + b_i + W_h h_{t-1} + b_h)."""

    def __init__(self, hidden: int):
        super().__init__()
        self.i2h = nn.Linear(hidden, hidden)
        self.h2h = nn.Linear(hidden, hidden)

    def forward(self, g: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return F.relu(self.i2h(g) + self.h2h(h))


class Locator(nn.Module):
    """Gaussian location policy on h.detach(); DT-RAM adds a stop probability."""

    def __init__(self, hidden: int, loc_hidden: int, std: float, stop: bool = False):
        super().__init__()
        self.std = std
        self.stop = stop
        self.fc = nn.Linear(hidden, loc_hidden)
        self.fc_lt = nn.Linear(loc_hidden, 3 if stop else 2)

    def forward(self, h: torch.Tensor, sample: bool):
        out = self.fc_lt(F.relu(self.fc(h.detach())))
        mu = torch.tanh(out[:, :2])
        if sample:
            l_t = (mu + self.std * torch.randn_like(mu)).detach()
            log_pi = gaussian_log_prob(l_t, mu, self.std).sum(dim=1)
        else:
            l_t = mu.detach()
            log_pi = torch.zeros(mu.shape[0], device=mu.device)
        l_t = torch.clamp(l_t, -1.0, 1.0)
        s_t = torch.sigmoid(out[:, 2]).clamp(0.001, 0.999) if self.stop else None
        return mu, l_t, log_pi, s_t


def gaussian_log_prob(value: torch.Tensor, mu: torch.Tensor, std: float) -> torch.Tensor:
    return -((value - mu) ** 2) / (2 * std ** 2) - math.log(std) - 0.5 * math.log(2 * math.pi)


class RAM(nn.Module):
    """Glimpse net + core + classifier form the discriminator; locator and baseline the policy."""

    def __init__(self, patch: int = 4, num_patches: int = 1, glimpse_scale: float = 1.0,
                 channels: int = 1, glimpse_hidden: int = 128, loc_hidden: int = 128,
                 hidden: int = 256, num_classes: int = 10, std: float = 0.05, dynamic: bool = False):
        super().__init__()
        self.hidden = hidden
        self.dynamic = dynamic
        self.sensor = GlimpseNet(patch, num_patches, glimpse_scale, channels, glimpse_hidden,
                                 loc_hidden, hidden)
        self.rnn = Core(hidden)
        self.locator = Locator(hidden, loc_hidden, std, stop=dynamic)
        self.baseliner = nn.Linear(hidden, 1)
        self.classifier = nn.Linear(hidden, num_classes)
        self.episode_buffers = BufferPool()  # scratch space of the fused episode (run_ram)

    def discriminator_step(self, x, loc, h, padded=None):
        return self.rnn(self.sensor(x, loc, padded), h)

    def step(self, x: torch.Tensor, loc: torch.Tensor, h: torch.Tensor, sample: bool,
             padded: Optional[Dict[int, torch.Tensor]] = None):
        h = self.discriminator_step(x, loc, h, padded)
        mu, l_next, log_pi, s_t = self.locator(h, sample)
        b = self.baseliner(h.detach()).squeeze(1)
        return h, mu, l_next, log_pi, b, s_t

    def classify(self, h: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(self.classifier(h), dim=1)


def initial_location(batch: int, device, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """l_0 ~ U[-1, 1]^2, in training and evaluation alike (as the paper's code)."""
    u = torch.rand(batch, 2, generator=generator) if generator is not None else torch.rand(batch, 2)
    return (2.0 * u - 1.0).to(device)


_THRESHOLD_BACKWARD_OUT = getattr(torch.ops.aten.threshold_backward, "grad_input", None)


def _relu_grad(grad: torch.Tensor, act: torch.Tensor,
               out: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Gradient through act = relu(z): grad where act > 0, else 0 (autograd's own ReLU rule,
    one fused kernel), optionally written into ``out``."""
    if out is None:
        return torch.ops.aten.threshold_backward(grad, act, 0)
    if _THRESHOLD_BACKWARD_OUT is not None:
        return _THRESHOLD_BACKWARD_OUT(grad, act, 0, grad_input=out)
    return out.copy_(torch.ops.aten.threshold_backward(grad, act, 0))


class BufferPool:
    """Scratch buffers of the fused episode, kept from one episode to the next: a fresh
    allocation of many MB per minibatch costs page faults (about a tenth of a CPU training
    step). Each RAM owns one (no module-level state). key -> free buffer sets; a forward set
    comes back when its autograd node is freed (``_Lease``; it holds internals only, no output
    is a view of it), a backward set at the end of the backward pass."""

    def __init__(self, keep: int = 2):
        self.keep = keep
        self.free: Dict[tuple, list] = {}

    def take(self, key, shapes, like: torch.Tensor):
        free = self.free.get(key)
        if free:
            return free.pop()
        return tuple(torch.empty(shape, device=like.device, dtype=like.dtype) for shape in shapes)

    def give(self, key, bufs) -> None:
        free = self.free.setdefault(key, [])
        if len(free) < self.keep:
            free.append(bufs)


class _Lease:
    """Gives a buffer set back to its pool when the object holding it (the node) is freed."""

    def __init__(self, pool: BufferPool, key, bufs):
        self.pool, self.key, self.bufs = pool, key, bufs

    def __del__(self):
        self.pool.give(self.key, self.bufs)


class _FixedTimeEpisode(torch.autograd.Function):
    """A whole fixed-time RAM episode as one autograd node (forward and hand-written BPTT).

    It computes what ``steps`` calls of ``RAM.step`` compute (the same layers, the same random
    draws in the same order; ``run_ram_stepwise`` is that reference), with less work per step:
    every layer writes into a buffer allocated once (the model's ``BufferPool``), the glimpse is one gather of
    fixed indices, h2h is skipped on h_0 = 0 (it is its bias), and the baseline (on h
    detached) is one product over all steps. The backward pass (BPTT by hand) keeps only
    dL/dh_{t-1} = dz_t W_h step by step; everything else (the gradients into g_t, the "what"
    and "where" layers, and every weight gradient) is one product over all steps. Gradients
    reach the glimpse network and core only through h_T (the locator and baseline see h
    detached, the locations are detached), the locator only through its means, the baseline
    only through its outputs.

    Inputs: x (B, C, H, W), l_0 (B, 2), the options, the model's BufferPool, then the 18 parameters of
    ``_episode_params``. Outputs: h_T (B, hidden); MU (T, B, 2) the locator means; BASE (T, B)
    the baselines b_1..b_T; and, without gradient, L (T + 1, B, 2) the clamped locations
    l_0..l_T and LRAW (T, B, 2) the samples before clamping (what the log-probabilities are
    taken of).
    """

    @staticmethod
    def forward(ctx, x, l0, steps, sample, std, g, k, s, pool, *params):
        (w1, b1, w2, b2, w3, b3, w4, b4, wi, bi, wh, bh, wfc, bfc, wlt, blt, wb, bb) = params
        bsz, c, h_img, w_img = x.shape
        hid, hg, hl, lh = wi.shape[0], w1.shape[0], w2.shape[0], wfc.shape[0]
        dev, dt = x.device, x.dtype
        b34, bc = b3 + b4, bi + bh
        shapes = [(steps, bsz, n) for n in (w1.shape[1], hg, hl, hid, hid, lh)]
        key = ("fwd", str(dev), dt) + tuple(shapes)
        bufs = pool.take(key, shapes, x)
        ctx.lease = _Lease(pool, key, bufs)
        phis, acts_a, acts_w, gs, hs, feat = bufs
        mus = torch.empty(steps, bsz, 2, device=dev, dtype=dt)
        raws = torch.empty(steps, bsz, 2, device=dev, dtype=dt)
        locs = torch.empty(steps + 1, bsz, 2, device=dev, dtype=dt)
        locs[0] = l0
        w1t, w2t, w3t, w4t, wit, wht = w1.t(), w2.t(), w3.t(), w4.t(), wi.t(), wh.t()
        wfct, wltt = wfc.t(), wlt.t()
        if k == 1:  # one patch: pad once, fixed gather offsets, indices from the location
            xp = pad_for(x, g).reshape(bsz, -1)
            wp = w_img + 2 * (g // 2)
            offsets = patch_offsets(c, h_img + 2 * (g // 2), wp, g, dev)[None, :]
            hi = torch.tensor([wp - g, h_img + 2 * (g // 2) - g], device=dev)
        else:
            padded = {size: pad_for(x, size) for size in patch_sizes(g, k, s)}
        for t in range(steps):
            loc = locs[t]
            if k == 1:
                start = torch.min(denormalise(h_img, loc).clamp_(min=0), hi)
                base = start[:, 1:2] * wp + start[:, 0:1]
                torch.gather(xp, 1, base + offsets, out=phis[t])
            else:
                phis[t] = foveate(x, loc, g, k, s, padded)
            torch.addmm(b1, phis[t], w1t, out=acts_a[t]).relu_()
            torch.addmm(b2, loc, w2t, out=acts_w[t]).relu_()
            torch.addmm(b34, acts_a[t], w3t, out=gs[t]).addmm_(acts_w[t], w4t).relu_()
            h = torch.addmm(bc, gs[t], wit, out=hs[t])
            if t > 0:  # h2h(h_0 = 0) is its bias alone, already in bc
                h.addmm_(hs[t - 1], wht)
            h.relu_()
            torch.addmm(bfc, h, wfct, out=feat[t]).relu_()
            mu = torch.tanh(torch.addmm(blt, feat[t], wltt), out=mus[t])
            if sample:
                torch.add(mu, torch.randn_like(mu), alpha=std, out=raws[t])
            else:
                raws[t] = mu
            torch.clamp(raws[t], -1.0, 1.0, out=locs[t + 1])
        baseline = torch.addmm(bb, hs.reshape(steps * bsz, hid), wb.t()).reshape(steps, bsz)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(mus, *params)
        ctx.locs_in = locs[:-1]
        ctx.mark_non_differentiable(locs, raws)
        return hs[-1].clone(), mus, baseline, locs, raws

    @staticmethod
    def backward(ctx, d_ht, d_mus, d_base, _d_locs, _d_raws):
        mus = ctx.saved_tensors[0]
        (w1, b1, w2, b2, w3, b3, w4, b4, wi, bi, wh, bh, wfc, bfc, wlt, blt, wb, bb) = \
            ctx.saved_tensors[1:]
        phis, acts_a, acts_w, gs, hs, feat = ctx.lease.bufs
        steps, bsz, hid = hs.shape
        hg, hl, lh = w1.shape[0], w2.shape[0], wfc.shape[0]
        n = steps * bsz
        shapes = [(steps, bsz, hid), (n, hid), (n, hid), (n, hg + hl), (n, hg), (n, hl), (n, lh),
                  (n, lh)]
        key = ("bwd", str(hs.device), hs.dtype) + tuple(shapes)
        tmp = ctx.lease.pool.take(key, shapes, hs)
        dz, dg, dgz, daw, da, dw, dfeat, dpre = tmp
        grads = [None] * 18
        if d_ht is not None:
            # only dL/dh_{t-1} = dz_t W_h is sequential; dL/dg_t = dz_t W_i and what follows
            # from it feed weight gradients only, so they are products over all steps at once
            dh = d_ht
            for t in range(steps - 1, -1, -1):
                _relu_grad(dh, hs[t], out=dz[t])
                if t > 0:
                    dh = torch.mm(dz[t], wh)
            dz2 = dz.reshape(n, hid)
            _relu_grad(torch.mm(dz2, wi, out=dg), gs.reshape(n, hid), out=dgz)
            torch.mm(dgz, torch.cat([w3, w4], 1), out=daw)  # [dL/da, dL/dw] before the ReLUs
            _relu_grad(daw[:, :hg], acts_a.reshape(n, -1), out=da)
            _relu_grad(daw[:, hg:], acts_w.reshape(n, -1), out=dw)
            d_bc, d_b34 = dz2.sum(0), dgz.sum(0)
            grads[:12] = [
                torch.mm(da.t(), phis.reshape(n, -1)), da.sum(0),
                torch.mm(dw.t(), ctx.locs_in.reshape(n, 2)), dw.sum(0),
                torch.mm(dgz.t(), acts_a.reshape(n, -1)), d_b34,
                torch.mm(dgz.t(), acts_w.reshape(n, -1)), d_b34.clone(),
                torch.mm(dz2.t(), gs.reshape(n, hid)), d_bc,
                torch.mm(dz[1:].reshape(n - bsz, hid).t(), hs[:-1].reshape(n - bsz, hid)),
                d_bc.clone()]
        if d_mus is not None:  # locator: mu = tanh(fc_lt(relu(fc(h.detach()))))
            dout = (d_mus * (1.0 - mus * mus)).reshape(n, 2)
            feat2 = feat.reshape(n, lh)
            _relu_grad(torch.mm(dout, wlt, out=dfeat), feat2, out=dpre)
            grads[12:16] = [torch.mm(dpre.t(), hs.reshape(n, hid)), dpre.sum(0),
                            torch.mm(dout.t(), feat2), dout.sum(0)]
        if d_base is not None:  # baseline: b = fc(h.detach())
            db = d_base.reshape(1, n)
            grads[16:] = [torch.mm(db, hs.reshape(n, hid)), db.sum(1)]
        ctx.lease.pool.give(key, tmp)
        return (None,) * 9 + tuple(grads)


def _episode_params(model: RAM):
    sn, rnn, loc, base = model.sensor, model.rnn, model.locator, model.baseliner
    return (sn.fc1.weight, sn.fc1.bias, sn.fc2.weight, sn.fc2.bias, sn.fc3.weight, sn.fc3.bias,
            sn.fc4.weight, sn.fc4.bias, rnn.i2h.weight, rnn.i2h.bias, rnn.h2h.weight,
            rnn.h2h.bias, loc.fc.weight, loc.fc.bias, loc.fc_lt.weight, loc.fc_lt.bias,
            base.weight, base.bias)


def run_ram(model: RAM, x: torch.Tensor, steps: int, sample: bool, l0: torch.Tensor,
            oracle: Optional[RAM] = None) -> Dict[str, torch.Tensor]:
    """Fixed-time episode: ``steps`` glimpses, ``steps`` sampled locations (the last unused but
    kept in the policy gradient), classification after the last glimpse. With an oracle
    (reward hacking), the oracle's glimpse net + core follow the same locations from its own
    h_0 = 0 and its classifier gives q_oracle.

    The same computation as ``steps`` calls of ``model.step`` (``run_ram_stepwise``), run by
    ``_FixedTimeEpisode``."""
    if model.dynamic:
        raise ValueError("run_ram is the fixed-time episode; DT-RAM uses run_dtram")
    sn = model.sensor
    h_t, mus, base, locs, raws = _FixedTimeEpisode.apply(
        x, l0, steps, sample, model.locator.std, sn.g, sn.k, sn.s, model.episode_buffers,
        *_episode_params(model))
    if sample:
        log_pi = gaussian_log_prob(raws, mus, model.locator.std).sum(2).t()
    else:
        log_pi = torch.zeros(x.shape[0], steps, device=x.device)
    out = {"log_probs": model.classify(h_t), "log_pi": log_pi, "baseline": base.t(),
           "locations": locs.transpose(0, 1)}
    if oracle is not None:
        with torch.no_grad():
            ho = torch.zeros(x.shape[0], oracle.hidden, device=x.device)
            padded_o = oracle.sensor.pad(x)
            for t in range(steps):
                ho = oracle.discriminator_step(x, locs[t], ho, padded_o)
            out["oracle_log_probs"] = oracle.classify(ho)
    return out


def run_ram_stepwise(model: RAM, x: torch.Tensor, steps: int, sample: bool, l0: torch.Tensor,
                     oracle: Optional[RAM] = None) -> Dict[str, torch.Tensor]:
    """``run_ram`` one ``model.step`` at a time with autograd (the reference it is tested
    against, and the plain form of the algorithm)."""
    b = x.shape[0]
    h = torch.zeros(b, model.hidden, device=x.device)
    ho = torch.zeros(b, oracle.hidden, device=x.device) if oracle is not None else None
    loc = l0
    padded = model.sensor.pad(x)
    padded_o = oracle.sensor.pad(x) if oracle is not None else None
    locs, log_pis, baselines = [loc], [], []
    for _ in range(steps):
        if oracle is not None:
            ho = oracle.discriminator_step(x, loc, ho, padded_o)
        h, _, loc, log_pi, base, _ = model.step(x, loc, h, sample, padded)
        locs.append(loc)
        log_pis.append(log_pi)
        baselines.append(base)
    out = {"log_probs": model.classify(h), "log_pi": torch.stack(log_pis, 1),
           "baseline": torch.stack(baselines, 1), "locations": torch.stack(locs, 1)}
    if oracle is not None:
        out["oracle_log_probs"] = oracle.classify(ho)
    return out


def run_dtram(model: RAM, x: torch.Tensor, steps: int, sample: bool, l0: torch.Tensor,
              oracle: Optional[RAM] = None) -> Dict[str, torch.Tensor]:
    """Dynamic-time episode (docs/fidelity/irrl.md D1-D4): classifier at every step, deterministic stop at the
    first s_t > 0.5 among steps 0..steps-1, else one extra glimpse (stop index = steps).
    Per-step log-prob: location before the stop step, log s_t at the stop step, 0 after."""
    b = x.shape[0]
    dev = x.device
    h = torch.zeros(b, model.hidden, device=dev)
    loc = l0
    stop_idx = torch.full((b,), steps, dtype=torch.long, device=dev)
    stopped = torch.zeros(b, dtype=torch.bool, device=dev)
    locs, log_pis, baselines, log_probs = [loc], [], [], []
    padded = model.sensor.pad(x)
    for t in range(steps + 1):
        h, _, loc, log_pi_loc, base, s_t = model.step(x, loc, h, sample, padded)
        lp = model.classify(h)
        now = (~stopped) & ((s_t > 0.5) | (t == steps))
        stop_idx = torch.where(now, torch.full_like(stop_idx, t), stop_idx)
        log_s = torch.log(s_t) if sample else torch.zeros_like(s_t)
        log_pi = torch.where(now, log_s, torch.where(stopped, torch.zeros_like(log_s), log_pi_loc))
        if t == steps:  # the forced extra glimpse only classifies: no action, no baseline
            log_pi = torch.zeros_like(log_pi)
        stopped = stopped | now
        locs.append(loc)
        log_pis.append(log_pi)
        baselines.append(base)
        log_probs.append(lp)
        if bool(stopped.all()):
            break
    n = len(log_pis)
    lp_all = torch.stack(log_probs, 1)  # (B, n, C)
    final = lp_all[torch.arange(b, device=dev), stop_idx]
    mask = (torch.arange(n, device=dev)[None, :] < (stop_idx[:, None] + 1)).float()
    # steps that took an action (location or stop); the forced extra step at index ``steps``
    # counts in the baseline's normaliser only, as in the paper's code
    act_mask = mask.clone()
    if n == steps + 1:
        act_mask[:, steps] = 0.0
    return {"log_probs": final, "log_pi": torch.stack(log_pis, 1) * act_mask,
            "baseline": torch.stack(baselines, 1), "mask": mask, "act_mask": act_mask,
            "stop_idx": stop_idx, "locations": torch.stack(locs, 1)}


def losses(out: Dict[str, torch.Tensor], y: torch.Tensor, reward_kind: str, num_classes: int,
           detach_reward: bool, reinforce_weight: float = 0.01, discount: float = 1.0,
           reward_from_oracle: bool = False) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """Loss = NLL + MSE(b_t, R) + w * mean_batch sum_t[-log pi_t (R - b_t.detach())].

    R is one scalar per episode (times discount^t_stop for DT-RAM), broadcast to every valid
    step. With ``detach_reward`` False (the official code) an information reward keeps its
    gradient into the discriminator through the MSE and REINFORCE terms."""
    log_probs = out["log_probs"]
    src = out["oracle_log_probs"] if reward_from_oracle else log_probs
    log_q = src.gather(1, y[:, None]).squeeze(1)
    correct = (src.argmax(1) == y).float()
    r = reward_fn(reward_kind, log_q, correct, 1.0 / num_classes)
    if detach_reward or reward_from_oracle:
        r = r.detach()
    if "stop_idx" in out and discount != 1.0:
        r = r * discount ** out["stop_idx"].float()
    log_pi, base = out["log_pi"], out["baseline"]
    mask = out.get("mask")
    rb = r[:, None].expand_as(base)
    if mask is None:
        loss_baseline = F.mse_loss(base, rb)
    else:
        act = out["act_mask"]
        loss_baseline = (((base - rb) ** 2) * act).sum() / mask.sum()
    adjusted = rb - base.detach()
    if mask is not None:
        adjusted = adjusted * out["act_mask"]
    loss_reinforce = (-log_pi * adjusted).sum(dim=1).mean()
    loss_action = F.nll_loss(log_probs, y)
    loss = loss_action + loss_baseline + reinforce_weight * loss_reinforce
    q_own = log_probs.gather(1, y[:, None]).squeeze(1).exp()
    stats = {"loss": loss.detach(), "acc": (log_probs.argmax(1) == y).float().mean(),
             "reward": r.detach().mean(), "q": q_own.detach().mean(),
             "nll": loss_action.detach()}
    return loss, stats
