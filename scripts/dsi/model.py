"""The Deep State Identifier's networks: detector D and return predictor G
(docs/fidelity/dsi.md, L10).

Both share the design: a per-frame CNN (no padding) with global average pooling to 256 features,
then a one-layer bidirectional LSTM (256 -> 2 x 128) over the valid steps (packed sequences).
D maps each step to a mask value in (0, 1), zero at padded steps. G maps the sequence to return
logits (or a scalar): the paper's G flattens all ``max_length`` padded outputs ("flatten"); the
fixed recipe may use a masked mean over valid steps ("mean", length-invariant).

Plain PyTorch, valid on Python 3.8 and torch 1.7 (the Pong attack stage's env).
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


INITS = ("default", "kaiming")


def kaiming_init_(module: nn.Module) -> None:
    """He (fan-in, ReLU) normal init of every conv, zero biases.

    Without InstanceNorm the default init (kaiming-uniform with a = sqrt(5), a variance gain of
    1/3 per layer) shrinks the activations through the five convs: on GridWorld frames the pooled
    features vary ~100x less across frames than with InstanceNorm and the first layer's gradient
    is as small as Adam's L2 weight-decay term, so G and D barely learn (the fixed recipe's
    near-constant 0.49 masks). He init keeps the activation scale without a normalisation that
    would undo soft masks (docs/fidelity/dsi.md, P3)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class FrameEncoder(nn.Module):
    """conv 3x3/2 -> 32, conv 3x3/1 -> 64 [IN], conv 3x3/2 -> 128, conv 3x3/1 -> 128 [IN],
    conv 2x2/1 -> 256, global average pool. ``init``: "default" (PyTorch's, the paper's) or
    "kaiming" (He init of the convs, for the normalisation-free fixed recipe)."""

    def __init__(self, in_channels: int, norm_mid: bool, norm_last: bool,
                 init: str = "default"):
        super().__init__()
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        layers = [nn.Conv2d(in_channels, 32, 3, 2), nn.ReLU(),
                  nn.Conv2d(32, 64, 3, 1)]
        if norm_mid:
            layers.append(nn.InstanceNorm2d(64))
        layers += [nn.ReLU(), nn.Conv2d(64, 128, 3, 2), nn.ReLU(), nn.Conv2d(128, 128, 3, 1)]
        if norm_last:
            layers.append(nn.InstanceNorm2d(128))
        layers += [nn.ReLU(), nn.Conv2d(128, 256, 2, 1), nn.ReLU(),
                   nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        if init == "kaiming":
            kaiming_init_(self.net)
        # channels-last (NHWC) weights and inputs: the same function, ~10 % faster convolutions
        # on CPU (oneDNN) at GridWorld sizes; state dicts load into either layout
        self.net.to(memory_format=torch.channels_last)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.net(frames.contiguous(memory_format=torch.channels_last))


class SequenceTrunk(nn.Module):
    """Per-frame CNN on the valid frames only, then a packed bidirectional LSTM."""

    def __init__(self, in_channels: int, norm_mid: bool, norm_last: bool,
                 init: str = "default"):
        super().__init__()
        self.encoder = FrameEncoder(in_channels, norm_mid, norm_last, init)
        self.lstm = nn.LSTM(256, 128, num_layers=1, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor,
                total_length: Optional[int] = None) -> torch.Tensor:
        """x: (B, T, C, H, W) float; lengths: (B,) int64 -> (B, total_length or T, 256)."""
        B, T = x.shape[:2]
        valid = torch.arange(T, device=x.device)[None, :] < lengths.to(x.device)[:, None]
        feats = x.new_zeros(B, T, 256)
        feats[valid] = self.encoder(x[valid])  # the CNN sees valid frames only
        packed = pack_padded_sequence(feats, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=total_length or T)
        return out


class Detector(nn.Module):
    """D: per-step mask m_t = sigmoid(Linear(h_t)); returns logits and mask, zero at padding."""

    def __init__(self, in_channels: int, norm_mid: bool = True, norm_last: bool = True,
                 init: str = "default"):
        super().__init__()
        self.trunk = SequenceTrunk(in_channels, norm_mid, norm_last, init)
        self.head = nn.Linear(256, 1)

    def logits(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x, lengths)).squeeze(-1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        logit = self.logits(x, lengths)
        valid = torch.arange(x.shape[1], device=x.device)[None, :] < lengths.to(x.device)[:, None]
        return torch.sigmoid(logit) * valid.to(logit.dtype)


class Predictor(nn.Module):
    """G: return logits (``out_dim`` classes) or a scalar from the sequence.

    ``pooling='flatten'`` (paper): all ``max_length`` x 256 padded outputs into the head;
    ``pooling='mean'``: the mean over valid steps (length-invariant). ``hidden`` > 0 adds the
    Seaquest head's middle layer (Linear -> hidden -> Linear)."""

    def __init__(self, in_channels: int, out_dim: int, max_length: int, pooling: str = "flatten",
                 norm_mid: bool = True, norm_last: bool = True, hidden: int = 0,
                 init: str = "default"):
        super().__init__()
        if pooling not in ("flatten", "mean"):
            raise ValueError(f"pooling must be 'flatten' or 'mean', got {pooling!r}")
        self.pooling = pooling
        self.max_length = max_length
        self.trunk = SequenceTrunk(in_channels, norm_mid, norm_last, init)
        width = 256 * max_length if pooling == "flatten" else 256
        if hidden:
            self.head = nn.Sequential(nn.Linear(width, hidden), nn.Linear(hidden, out_dim))
        else:
            self.head = nn.Linear(width, out_dim)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.pooling == "flatten":
            if x.shape[1] > self.max_length:
                raise ValueError(f"sequence of {x.shape[1]} steps exceeds max_length "
                                 f"{self.max_length}")
            h = self.trunk(x, lengths, total_length=self.max_length)
            return self.head(h.reshape(h.shape[0], -1))
        h = self.trunk(x, lengths)
        valid = (torch.arange(h.shape[1], device=h.device)[None, :]
                 < lengths.to(h.device)[:, None]).to(h.dtype)
        pooled = (h * valid[..., None]).sum(1) / valid.sum(1, keepdim=True).clamp(min=1)
        return self.head(pooled)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
