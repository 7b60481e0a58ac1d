"""Recurrent attention model (RAM) and DT-RAM as used by IRRL (brief sections 3.2-3.5).

Parts: a retina (glimpse sensor) vectorised over the batch, a glimpse network, a plain
ReLU RNN core, a Gaussian location policy (sample detached, log-prob taken before clamping),
a per-step baseline on the detached hidden state, and a classifier on the last hidden state
that is the discriminator q_phi(y|tau). Pure PyTorch valid on torch 1.10 / Python 3.8.
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


def extract_patches(x: torch.Tensor, loc: torch.Tensor, size: int,
                    padded: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Batched glimpse: for each image a ``size x size`` patch whose top-left corner in the
    image zero-padded by size//2 per side is the start pixel of ``loc`` (so the patch is
    centred on it). x: (B, C, H, W); loc: (B, 2) as (x=column, y=row) in [-1, 1].
    Returns (B, C, size, size). One gather replaces the original's per-image Python loop;
    ``padded`` (``pad_for(x, size)``) lets an episode pad once instead of at every glimpse."""
    b, c, h, w = x.shape
    pad = size // 2
    xp = pad_for(x, size) if padded is None else padded
    start = denormalise(h, loc)  # the original uses H for both axes
    # keep every index inside the padded image (only matters for odd sizes at l = 1)
    start = torch.min(start.clamp(min=0), torch.tensor([w + 2 * pad - size, h + 2 * pad - size],
                                                       device=x.device))
    ar = torch.arange(size, device=x.device)
    rows = start[:, 1:2] + ar  # (B, size)
    cols = start[:, 0:1] + ar
    bidx = torch.arange(b, device=x.device)[:, None, None]
    out = [xp[bidx, ch, rows[:, :, None], cols[:, None, :]] for ch in range(c)]
    return torch.stack(out, dim=1)


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


def run_ram(model: RAM, x: torch.Tensor, steps: int, sample: bool, l0: torch.Tensor,
            oracle: Optional[RAM] = None) -> Dict[str, torch.Tensor]:
    """Fixed-time episode: ``steps`` glimpses, ``steps`` sampled locations (the last unused but
    kept in the policy gradient), classification after the last glimpse. With an oracle
    (reward hacking), the oracle's glimpse net + core follow the same locations from its own
    h_0 = 0 and its classifier gives q_oracle."""
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
    """Dynamic-time episode (brief 3.4): classifier at every step, deterministic stop at the
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
