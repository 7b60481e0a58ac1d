"""Decision Transformer (appendix Table 1), behaviour cloning and the FDT feedback loss.

Plain PyTorch, valid on Python 3.8 and torch 1.10 (the paper's pin): explicit causal
attention (no fused SDPA kernel of torch 2), no torch API newer than 1.10.

DT tokens per step: (return-to-go, state, action); BC: (state, action). Logits are read at
the state tokens. Embeddings: learned position embedding over the window's tokens plus a
learned global timestep embedding of the window's first step (the original's intent, DT
issues #51/#64). Encoder "nature" = the paper's conv stack on 4x84x84; "linear" = a cheaper
one for the CPU scales (4x4 max-pool to 4x21x21, then Linear), documented in the config.
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int, block: int, dropout: float):
        super().__init__()
        assert n_embd % n_head == 0
        self.key = nn.Linear(n_embd, n_embd)
        self.query = nn.Linear(n_embd, n_embd)
        self.value = nn.Linear(n_embd, n_embd)
        self.proj = nn.Linear(n_embd, n_embd)
        self.attn_drop = nn.Dropout(dropout)
        self.resid_drop = nn.Dropout(dropout)
        self.n_head = n_head
        self.register_buffer("mask", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.size()
        h = self.n_head
        k = self.key(x).view(b, t, h, c // h).transpose(1, 2)
        q = self.query(x).view(b, t, h, c // h).transpose(1, 2)
        v = self.value(x).view(b, t, h, c // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
        att = self.attn_drop(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_drop(self.proj(y))


class Block(nn.Module):
    def __init__(self, n_embd: int, n_head: int, block: int, dropout: float):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block, dropout)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                 nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


def make_encoder(kind: str, n_embd: int, in_channels: int = 4) -> nn.Module:
    if kind == "nature":
        return nn.Sequential(nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
                             nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
                             nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
                             nn.Flatten(), nn.Linear(3136, n_embd), nn.Tanh())
    if kind == "linear":  # input: 4x4 max-pooled frames (see DecisionTransformer.encode)
        return nn.Sequential(nn.Flatten(), nn.Linear(4 * 21 * 21, n_embd), nn.Tanh())
    if kind == "minatar":  # one C x 10 x 10 MinAtar frame (0/1): the MinAtar DQN's conv layer
        return nn.Sequential(nn.Conv2d(in_channels, 16, 3), nn.ReLU(), nn.Flatten(),
                             nn.Linear(16 * 8 * 8, n_embd), nn.Tanh())
    raise ValueError(f"unknown encoder {kind!r}; allowed: nature, linear, minatar")


class DecisionTransformer(nn.Module):
    """GPT over (R, s, a) tokens ("dt") or (s, a) tokens ("bc", the original's "naive")."""

    def __init__(self, n_actions: int, context: int, max_timestep: int, *, kind: str = "dt",
                 n_layer: int = 6, n_head: int = 8, n_embd: int = 128, dropout: float = 0.1,
                 encoder: str = "nature", in_channels: int = 4):
        super().__init__()
        if kind not in ("dt", "bc"):
            raise ValueError(f"unknown model kind {kind!r}; allowed: dt, bc")
        self.kind = kind
        self.per_step = 3 if kind == "dt" else 2
        self.context = context
        self.n_actions = n_actions
        block = self.per_step * context
        self.pos_emb = nn.Parameter(torch.zeros(1, block, n_embd))
        self.global_pos_emb = nn.Parameter(torch.zeros(1, max_timestep + 1, n_embd))
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head, block, dropout)
                                      for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, n_actions, bias=False)
        self.encoder_kind = encoder
        self.in_channels = in_channels
        self.state_encoder = make_encoder(encoder, n_embd, in_channels)
        self.ret_emb = nn.Sequential(nn.Linear(1, n_embd), nn.Tanh())
        self.action_emb = nn.Sequential(nn.Embedding(n_actions, n_embd), nn.Tanh())
        self.apply(self._init_weights)
        nn.init.normal_(self.action_emb[0].weight, mean=0.0, std=0.02)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def encode(self, states: torch.Tensor) -> torch.Tensor:
        """[N, 4, 84, 84] uint8 -> [N, d]. The linear encoder max-pools 4x4 on the raw uint8
        frames first (same values as MaxPool2d(4) on floats, ~16x less float work)."""
        if self.encoder_kind == "minatar":  # [N, 1, C, 10, 10] or [N, C, 10, 10], 0/1
            return self.state_encoder(states.reshape(-1, self.in_channels, 10, 10).float())
        if self.encoder_kind == "linear":
            n = states.shape[0]
            if states.shape[-1] != 21:  # training passes frames pooled once per dataset
                states = states.reshape(n, 4, 21, 4, 21, 4).amax(dim=5).amax(dim=3)
            return self.state_encoder(states.float() / 255.0)
        return self.state_encoder(states.float() / 255.0)

    def forward(self, states: torch.Tensor, actions: torch.Tensor, rtg: torch.Tensor,
                timesteps: torch.Tensor) -> torch.Tensor:
        """states [B,T,4,84,84] uint8 (linear encoder: also [B,T,4,21,21] pre-pooled), actions [B,T] long, rtg [B,T] float,
        timesteps [B] long (first step of each window). Returns logits [B,T,A]."""
        b, t = actions.shape
        s_emb = self.encode(states.reshape((b * t,) + tuple(states.shape[2:]))).reshape(b, t, -1)
        a_emb = self.action_emb(actions.clamp(min=0))
        d = s_emb.shape[-1]
        tok = torch.zeros(b, t * self.per_step, d, dtype=s_emb.dtype, device=s_emb.device)
        if self.kind == "dt":
            r_emb = self.ret_emb(rtg.unsqueeze(-1).float())
            tok[:, 0::3] = r_emb
            tok[:, 1::3] = s_emb
            tok[:, 2::3] = a_emb
        else:
            tok[:, 0::2] = s_emb
            tok[:, 1::2] = a_emb
        glob = self.global_pos_emb[0, timesteps.clamp(max=self.global_pos_emb.shape[1] - 1)]
        x = self.drop(tok + glob.unsqueeze(1) + self.pos_emb[:, : tok.shape[1]])
        x = self.ln_f(self.blocks(x))
        logits = self.head(x)
        return logits[:, 1::3] if self.kind == "dt" else logits[:, 0::2]


# ----------------------------------------------------------------------------- losses
def fdt_loss(logits: torch.Tensor, actions: torch.Tensor, feedback: torch.Tensor,
             best: torch.Tensor, lam: float, valid: Optional[torch.Tensor] = None
             ) -> Tuple[torch.Tensor, Dict[str, float]]:
    """DT cross-entropy plus the FDT feedback term, vectorised over all B*T positions.

    feedback [B,T]: -1 none, 1 positive, 0 negative; best [B,T]: the cell's best-return action.
    f=1: -log pi(a_t), position stays in the CE. f=0 and best != a_t: position leaves the
    CE, term -log pi(best). f=0 and best == a_t: ignored (stays in the CE, no term).
    L = CE(kept) + lam * sum(terms) / (number of feedback positions used)."""
    logp = F.log_softmax(logits, dim=-1)
    if valid is None:
        valid = torch.ones_like(actions, dtype=torch.bool)
    a = actions.clamp(min=0)
    nll_a = -logp.gather(-1, a.unsqueeze(-1)).squeeze(-1)
    pos = (feedback == 1) & valid
    neg = (feedback == 0) & (best >= 0) & (best != actions) & valid
    kept = valid & ~neg
    ce = (nll_a * kept).sum() / kept.sum().clamp(min=1)
    nll_best = -logp.gather(-1, best.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    terms = (nll_a * pos).sum() + (nll_best * neg).sum()
    used = pos.sum() + neg.sum()
    fb = terms / used.clamp(min=1)
    loss = ce + lam * fb
    return loss, {"ce": ce.item(), "fb": fb.item(), "fb_used": int(used),
                  "fb_pos": int(pos.sum()), "fb_neg": int(neg.sum())}


def fdt_loss_loop(logits: torch.Tensor, actions: torch.Tensor, feedback: torch.Tensor,
                  best: torch.Tensor, lam: float) -> torch.Tensor:
    """Reference: the original's per-position Python loop (for tests and the speed check)."""
    b, t, _ = logits.shape
    logp = F.log_softmax(logits, dim=-1)
    ce_terms, fb_terms = [], []
    for i in range(b):
        for j in range(t):
            a = int(actions[i, j].item())
            f = int(feedback[i, j].item())
            bst = int(best[i, j].item())
            if f == 0 and bst >= 0 and bst != a:
                fb_terms.append(-logp[i, j, bst])
                continue
            ce_terms.append(-logp[i, j, a])
            if f == 1:
                fb_terms.append(-logp[i, j, a])
    ce = torch.stack(ce_terms).mean()
    fb = torch.stack(fb_terms).mean() if fb_terms else logits.sum() * 0.0
    return ce + lam * fb


def configure_optimizer(model: nn.Module, lr: float, weight_decay: float,
                        betas: Tuple[float, float]) -> torch.optim.Optimizer:
    """AdamW with weight decay on Linear/Conv weights only (minGPT)."""
    decay, no_decay = set(), set()
    for mn, m in model.named_modules():
        for pn, _ in m.named_parameters(recurse=False):
            fpn = "%s.%s" % (mn, pn) if mn else pn
            if pn.endswith("weight") and isinstance(m, (nn.Linear, nn.Conv2d)):
                decay.add(fpn)
            else:
                no_decay.add(fpn)
    params = dict(model.named_parameters())
    groups = [{"params": [params[n] for n in sorted(decay)], "weight_decay": weight_decay},
              {"params": [params[n] for n in sorted(no_decay)], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas)


def lr_at(tokens: float, lr: float, warmup_tokens: float, final_tokens: float) -> float:
    """Linear warm-up, then cosine decay to 0.1 * lr (minGPT's schedule)."""
    if tokens < warmup_tokens:
        return lr * tokens / max(1.0, warmup_tokens)
    progress = (tokens - warmup_tokens) / max(1.0, final_tokens - warmup_tokens)
    return lr * max(0.1, 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


def lr_for_step(tokens_before: float, lr: float, warmup_tokens: float,
                final_tokens: float) -> float:
    """The learning rate of an optimizer step, given the tokens of all earlier steps: the
    original sets the rate after each batch (a Lightning callback), so the first step runs at
    the base rate and step s at the schedule's value for the tokens of steps 0..s-1."""
    if tokens_before <= 0:
        return lr
    return lr_at(tokens_before, lr, warmup_tokens, final_tokens)
