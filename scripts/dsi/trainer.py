"""Training the Deep State Identifier: D and G alternately (docs/fidelity/dsi.md,
L1-L12), with resumable checkpoints.

Every minibatch, iterative schedule (the paper's):
  1. an Adam step on D with L_imp(G(m x)) + L_rev(G((1 - m) x)) + L_com(m) [+ L_orth], G frozen;
  2. an Adam step on G with its supervised loss on the unmasked x.
The non-iterative ablation takes one step on the sum of both with both networks free.
``warmup_epochs`` trains G alone first (fixed recipe). ``mask_sampling='concrete'`` pushes
masks toward {0, 1} in D's step with relaxed-Bernoulli noise (a documented deviation).

Speed (vs the original): the CNN runs on valid frames only (not on padding), and the masked and
reversed inputs go through G in one batched forward.

Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from scripts.dsi.losses import apply_mask, detector_loss, task_loss
from scripts.dsi.model import Detector, Predictor
from scripts.common.io import open_npz, torch_load

# ------------------------------------------------------------------ episode storage (ragged)


@dataclass(frozen=True)
class TrainerSettings:
    """The detector-training settings every D/G step is passed (the base of those steps'
    ``Params``). ``train``, ``build_nets`` and ``evaluate_split`` read them from the step's
    ``--params`` dict, with the step's own keys beside them."""

    task: str  # G's supervised loss: ce (classes) or smoothl1 (scaled return)
    reverse: str  # L_rev's target: ce_uniform, mse_uniform or smoothl1_zero
    out_dim: int  # G's outputs (classes, or 1 for a return)
    max_length: int  # longest input sequence (frames)
    weight_decay: float  # Adam weight decay of D and G
    iterative: bool  # alternate D and G steps (false: the non-iterative ablation, one joint step)
    mask_sampling: str  # none, or concrete (relaxed-Bernoulli gates in D's step)
    concrete_temperature: float  # the relaxed Bernoulli's temperature
    hidden: int  # G's hidden layer before the output (0: none)
    compact_mode: str  # L_com's norm: matrix (the original's 1-norm) or elementwise_mean
    loss_weights: Dict[str, float]  # weights of imp, rev, com (and orth) in D's loss
    instance_norm: Dict[str, bool]  # InstanceNorm in the nets' mid and last blocks
    pooling: str  # G's temporal pooling (flatten)
    batch_size: int  # sequences per minibatch
    epochs: int  # passes over the training set
    lr_d: float  # D's Adam learning rate
    lr_g: float  # G's Adam learning rate
    warmup_epochs: int  # epochs of G alone before D trains


def pack_episodes(frames: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """Concatenate ragged (T, C, H, W) uint8 episodes; offsets (E + 1,)."""
    lengths = np.array([len(f) for f in frames], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return np.concatenate(list(frames)).astype(np.uint8), offsets


def unpack_episodes(frames: np.ndarray, offsets: np.ndarray) -> List[np.ndarray]:
    return [frames[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]


class EpisodeSet:
    """Episodes (list of (T, C, H, W) uint8) with one target each (class or scalar)."""

    def __init__(self, episodes: List[np.ndarray], targets: np.ndarray):
        if len(episodes) != len(targets):
            raise ValueError("one target per episode")
        self.episodes = episodes
        self.targets = np.asarray(targets)

    @classmethod
    def load(cls, path: str, target_key: str = "target") -> "EpisodeSet":
        with open_npz(path, keys=["frames", "offsets", target_key]) as z:
            eps = unpack_episodes(z["frames"], z["offsets"])
            return cls(eps, z[target_key])

    def __len__(self) -> int:
        return len(self.episodes)

    def fingerprint(self) -> str:
        """A short digest of the targets, episode lengths and each episode's first and last
        frames (cheap even for paper-size Pong data): a checkpoint written on other data is not
        resumed."""
        import hashlib

        h = hashlib.sha256(np.asarray([len(e) for e in self.episodes], np.int64).tobytes())
        h.update(np.ascontiguousarray(self.targets).tobytes())
        for e in self.episodes:
            h.update(np.ascontiguousarray(e[0]).tobytes())
            h.update(np.ascontiguousarray(e[-1]).tobytes())
        return h.hexdigest()[:16]


def to_batch(episodes: Sequence[np.ndarray], device: torch.device,
             lengths: Optional[Sequence[int]] = None, starts: Optional[Sequence[int]] = None,
             zero_top_rows: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pad episodes into (B, T, C, H, W) float in [0, 1] (frames / 255) and their lengths."""
    n = len(episodes)
    lens = [len(e) for e in episodes] if lengths is None else [int(v) for v in lengths]
    starts = [0] * n if starts is None else [int(s) for s in starts]
    T = max(lens)
    shape = episodes[0].shape[1:]
    out = np.zeros((n, T) + tuple(shape), dtype=np.uint8)
    for i, (e, s, ln) in enumerate(zip(episodes, starts, lens)):
        out[i, :ln] = e[s:s + ln]
    x = torch.from_numpy(out).to(device).float().div_(255.0)
    if zero_top_rows:
        x[..., :zero_top_rows, :] = 0.0
    return x, torch.tensor(lens, dtype=torch.int64)


# ------------------------------------------------------------------ building the nets


def build_nets(cfg: Dict, in_channels: int) -> Tuple[Detector, Predictor]:
    norm = cfg["instance_norm"]
    init = cfg.get("init", "default")
    d = Detector(in_channels, norm_mid=norm["mid"], norm_last=norm["last"], init=init)
    g = Predictor(in_channels, cfg["out_dim"], cfg["max_length"], pooling=cfg["pooling"],
                  norm_mid=norm["mid"], norm_last=norm["last"], hidden=cfg.get("hidden", 0),
                  init=init)
    return d, g


def jittered_length(length: int, u: float, random_length: int, upper: int) -> int:
    """Pong's length jitter (the original ``Attack/train.py``): ``length + int((u - 0.5) *
    random_length)`` with u ~ U[0, 1), the shift truncated toward zero (so -24..24 for 50, zero
    twice as likely), clamped to [1, upper]. The original clamped to [0, the batch's longest
    rally]: a length of 0 crashed ``pack_padded_sequence`` and a length past the rally's end fed
    zero padding frames as video; ``upper`` is the rally's own length here."""
    return int(np.clip(int(length) + int((float(u) - 0.5) * random_length), 1, int(upper)))


def window_start_high(T: int, window: int) -> int:
    """Exclusive upper bound of a Seaquest window's start (the original ``Policy_Improvement/
    dataset.py``: ``randint(0, T - 1 - window)`` over T stacks); episodes too short for that
    (the original crashed on them) start at 0."""
    return max(1, int(T) - 1 - int(window))


class BatchSampler:
    """Minibatches of one epoch, with the domain's length rule: whole episodes (GridWorld),
    lengths jittered by +-random_length/2 (Pong), or fixed windows (Seaquest)."""

    def __init__(self, data: EpisodeSet, cfg: Dict, rng: np.random.Generator):
        self.data = data
        self.cfg = cfg
        self.rng = rng

    def spans(self, idx: Sequence[int]) -> Tuple[List[int], List[int]]:
        cfg, rng = self.cfg, self.rng
        starts, lens = [], []
        for i in idx:
            T = len(self.data.episodes[i])
            if cfg.get("window"):
                w = min(int(cfg["window"]), T)
                s = int(rng.integers(0, window_start_high(T, w)))
                starts.append(s)
                lens.append(w)
                continue
            n = min(T, cfg["max_length"])
            jitter = int(cfg.get("random_length", 0))
            if jitter:
                n = jittered_length(n, rng.random(), jitter, min(T, cfg["max_length"]))
            starts.append(0)
            lens.append(n)
        return starts, lens

    def epoch(self) -> List[np.ndarray]:
        order = self.rng.permutation(len(self.data))
        bs = int(self.cfg["batch_size"])
        return [order[i:i + bs] for i in range(0, len(order), bs)]


def batch_targets(data: EpisodeSet, idx, starts, lens, cfg, device) -> torch.Tensor:
    if cfg.get("window"):  # Seaquest: the window's reward sum / return_scale
        rewards = data.rewards  # type: ignore[attr-defined]
        y = [float(rewards[i][s:s + n].sum()) / cfg["return_scale"]
             for i, s, n in zip(idx, starts, lens)]
        return torch.tensor(y, dtype=torch.float32, device=device)
    return torch.as_tensor(data.targets[idx], device=device)


def _concrete(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    u = torch.rand_like(logits).clamp_(1e-6, 1 - 1e-6)
    return torch.sigmoid((logits + torch.log(u) - torch.log1p(-u)) / temperature)


def detector_forward(d: Detector, x: torch.Tensor, lengths: torch.Tensor, cfg: Dict,
                     train: bool) -> Tuple[torch.Tensor, torch.Tensor]:
    """(mask used to gate the input, expected mask) of shape (B, T), zero at padding."""
    logits = d.logits(x, lengths)
    valid = (torch.arange(x.shape[1], device=x.device)[None, :]
             < lengths.to(x.device)[:, None]).to(logits.dtype)
    expected = torch.sigmoid(logits) * valid
    if train and cfg.get("mask_sampling", "none") == "concrete":
        return _concrete(logits, float(cfg["concrete_temperature"])) * valid, expected
    return expected, expected


def train_step(d, g, opt_d, opt_g, x, lengths, y, cfg, *, warmup: bool) -> Dict[str, float]:
    """One minibatch of the schedule; returns the logged numbers."""
    valid = (torch.arange(x.shape[1], device=x.device)[None, :]
             < lengths.to(x.device)[:, None])
    lam = cfg["loss_weights"]
    log: Dict[str, float] = {}
    if warmup:
        opt_g.zero_grad()
        loss_g = task_loss(g(x, lengths), y, cfg["task"])
        loss_g.backward()
        opt_g.step()
        log["loss_g"] = float(loss_g.detach())
        return log
    if cfg.get("iterative", True):
        for p in g.parameters():
            p.requires_grad_(False)
        opt_d.zero_grad()
        gate, mask = detector_forward(d, x, lengths, cfg, train=True)
        both = torch.cat([apply_mask(x, gate), apply_mask(x, 1.0 - gate)], 0)
        preds = g(both, torch.cat([lengths, lengths]))
        b = x.shape[0]
        terms = detector_loss(preds[:b], preds[b:], y, mask, valid, task=cfg["task"],
                              reverse=cfg["reverse"], compact_mode=cfg["compact_mode"],
                              lam_imp=lam["imp"], lam_rev=lam["rev"], lam_com=lam["com"],
                              lam_orth=lam.get("orth", 0.0))
        if terms["total"].requires_grad:
            terms["total"].backward()
            opt_d.step()
        for p in g.parameters():
            p.requires_grad_(True)
        opt_g.zero_grad()
        loss_g = task_loss(g(x, lengths), y, cfg["task"])
        loss_g.backward()
        opt_g.step()
    else:  # non-iterative ablation: one joint step on D and G
        opt_d.zero_grad()
        opt_g.zero_grad()
        gate, mask = detector_forward(d, x, lengths, cfg, train=True)
        b = x.shape[0]
        both = torch.cat([apply_mask(x, gate), apply_mask(x, 1.0 - gate), x], 0)
        preds = g(both, torch.cat([lengths, lengths, lengths]))
        terms = detector_loss(preds[:b], preds[b:2 * b], y, mask, valid, task=cfg["task"],
                              reverse=cfg["reverse"], compact_mode=cfg["compact_mode"],
                              lam_imp=lam["imp"], lam_rev=lam["rev"], lam_com=lam["com"],
                              lam_orth=lam.get("orth", 0.0))
        loss_g = task_loss(preds[2 * b:], y, cfg["task"])
        (terms["total"] + loss_g).backward()
        opt_d.step()
        opt_g.step()
    for k, v in terms.items():
        log[f"loss_{k}"] = float(v.detach())
    log["loss_g"] = float(loss_g.detach())
    log["mask_mean"] = float(mask.detach()[valid].mean())
    return log


@torch.no_grad()
def evaluate_split(d, g, data: EpisodeSet, cfg: Dict, device, rng) -> Dict[str, float]:
    """G's accuracy (or SmoothL1) on clean, masked and reversed inputs; mask mean and std."""
    d.eval()
    g.eval()
    sampler = BatchSampler(data, {**cfg, "random_length": 0}, rng)
    out: Dict[str, List[float]] = {"clean": [], "masked": [], "reversed": []}
    masks: List[torch.Tensor] = []
    for idx in sampler.epoch():
        starts, lens = sampler.spans(idx)
        x, lengths = to_batch([data.episodes[i] for i in idx], device, lens, starts,
                              cfg.get("zero_top_rows", 0))
        y = batch_targets(data, idx, starts, lens, cfg, device)
        _, m = detector_forward(d, x, lengths, cfg, train=False)
        valid = torch.arange(x.shape[1])[None, :] < lengths[:, None]
        masks.append(m[valid.to(m.device)])
        for name, inp in (("clean", x), ("masked", apply_mask(x, m)),
                          ("reversed", apply_mask(x, 1.0 - m))):
            pred = g(inp, lengths)
            if cfg["task"] == "ce":
                out[name] += (pred.argmax(-1) == y).float().tolist()
            else:
                out[name] += (pred.reshape(-1) - y).abs().tolist()
    d.train()
    g.train()
    allm = torch.cat(masks)
    metric = "acc" if cfg["task"] == "ce" else "mae"
    res = {f"test_{metric}_{k}": float(np.mean(v)) for k, v in out.items()}
    res["test_mask_mean"] = float(allm.mean())
    res["test_mask_std"] = float(allm.std()) if allm.numel() > 1 else 0.0
    return res


def train(train_set: EpisodeSet, test_set: Optional[EpisodeSet], cfg: Dict, in_channels: int,
          out_dir: str, seed: int, device: torch.device, log: Callable[[str], None] = print,
          max_steps: Optional[int] = None) -> Tuple[Detector, Predictor, List[Dict]]:
    """Train D and G for cfg['epochs'] epochs, checkpointing every epoch to out_dir (resumed
    only with the same settings and training data; ``discard_checkpoint`` once the outputs are
    saved)."""
    from scripts.common.checkpoint import (RNG_KEY, fingerprint, load_checkpoint, save_checkpoint,
                                           set_rng_state)

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    d, g = build_nets(cfg, in_channels)
    d.to(device)
    g.to(device)
    opt_d = torch.optim.Adam(d.parameters(), lr=cfg["lr_d"], weight_decay=cfg["weight_decay"])
    opt_g = torch.optim.Adam(g.parameters(), lr=cfg["lr_g"], weight_decay=cfg["weight_decay"])
    rows: List[Dict] = []
    start_epoch = 0
    ckpt_path = os.path.join(out_dir, "checkpoint.pt")
    fp = fingerprint({"cfg": cfg, "seed": seed, "in_channels": in_channels,
                      "max_steps": max_steps, "data": train_set.fingerprint(),
                      "test": test_set.fingerprint() if test_set is not None else None})
    ck = load_checkpoint(ckpt_path, map_location=device, restore_rng=False, fingerprint=fp, log=log)
    if ck is not None:
        d.load_state_dict(ck["detector"])
        g.load_state_dict(ck["predictor"])
        opt_d.load_state_dict(ck["opt_d"])
        opt_g.load_state_dict(ck["opt_g"])
        rows = ck["rows"]
        start_epoch = ck["epoch"] + 1
        set_rng_state(ck[RNG_KEY], {"sampler": rng})
        log(f"resumed from {ckpt_path} after epoch {ck['epoch']}")
    sampler = BatchSampler(train_set, cfg, rng)
    steps = 0
    for epoch in range(start_epoch, int(cfg["epochs"])):
        t0 = time.time()
        warmup = epoch < int(cfg.get("warmup_epochs", 0))
        acc: Dict[str, List[float]] = {}
        for idx in sampler.epoch():
            starts, lens = sampler.spans(idx)
            x, lengths = to_batch([train_set.episodes[i] for i in idx], device, lens, starts,
                                  cfg.get("zero_top_rows", 0))
            y = batch_targets(train_set, idx, starts, lens, cfg, device)
            for k, v in train_step(d, g, opt_d, opt_g, x, lengths, y, cfg, warmup=warmup).items():
                acc.setdefault(k, []).append(v)
            steps += 1
            if max_steps is not None and steps >= max_steps:
                break
        row = {"epoch": epoch, "warmup": int(warmup), "seconds": time.time() - t0}
        row.update({k: float(np.mean(v)) for k, v in acc.items()})
        if test_set is not None and len(test_set):
            row.update(evaluate_split(d, g, test_set, cfg, device, np.random.default_rng(seed)))
        rows.append(row)
        log(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in row.items()))
        save_checkpoint(ckpt_path, {"detector": d.state_dict(), "predictor": g.state_dict(),
                                    "opt_d": opt_d.state_dict(), "opt_g": opt_g.state_dict(),
                                    "rows": rows, "epoch": epoch}, {"sampler": rng}, fp)
        if max_steps is not None and steps >= max_steps:
            break
    return d, g, rows


def discard_checkpoint(out_dir: str) -> None:
    """Remove train()'s resume checkpoint after a finished run's outputs are written."""
    from scripts.common.checkpoint import remove_checkpoint

    remove_checkpoint(os.path.join(out_dir, "checkpoint.pt"))


@torch.no_grad()
def score_episodes(d: Detector, episodes: Sequence[np.ndarray], device, batch_size: int = 32,
                   zero_top_rows: int = 0) -> List[np.ndarray]:
    """D's per-frame mask values for each episode (frames / 255)."""
    d.eval()
    out: List[np.ndarray] = []
    for i in range(0, len(episodes), batch_size):
        chunk = list(episodes[i:i + batch_size])
        x, lengths = to_batch(chunk, device, zero_top_rows=zero_top_rows)
        m = d(x, lengths).cpu().numpy()
        out += [m[j, :lengths[j]].copy() for j in range(len(chunk))]
    return out


def nan_to_none(v: float):
    return None if (isinstance(v, float) and math.isnan(v)) else v


def load_detector(path: str, device=None) -> Tuple[Detector, Dict]:
    """A detector saved by train_detector (state dict plus its input settings)."""
    ck = torch_load(path, map_location=device or "cpu", keys=["instance_norm", "in_channels", "state_dict"])
    norm = ck["instance_norm"]
    d = Detector(int(ck["in_channels"]), norm_mid=norm["mid"], norm_last=norm["last"])
    d.load_state_dict(ck["state_dict"])
    d.eval()
    return d, ck
