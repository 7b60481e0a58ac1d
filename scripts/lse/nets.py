"""Population-batched MLPs: P independent networks of one architecture in one tensor program.

Each layer holds a weight of shape (P, in, out) and a bias (P, 1, out); inputs are (P, N, in).
Because Adam is element-wise and the members' losses are summed, one optimizer over the
stacked tensors trains P independent networks exactly as P separate optimizers would.

The paper's MLP (its ``build_nn_from_config``): Linear -> act -> [Linear -> (LayerNorm or
Identity) -> act] x (L-1) -> Linear, with ONE activation object shared by all layers (a PReLU
has one slope). NES perturbs only the weights and biases of the Linear layers
(``get_flat``/``set_flat``); PReLU slopes and LayerNorm parameters keep their initial values.

Valid on Python 3.8 and torch 1.7 (the paper's pin).
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = ("tanh", "relu", "leakyrelu", "prelu")


class BatchedLinear(nn.Module):
    def __init__(self, pop: int, n_in: int, n_out: int, bias: bool = True,
                 seeds: Optional[Sequence[int]] = None,
                 shapes: Optional[Sequence[Tuple[int, int]]] = None):
        super().__init__()
        self.pop, self.n_in, self.n_out, self.has_bias = pop, n_in, n_out, bias
        self.weight = nn.Parameter(torch.zeros(pop, n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(pop, 1, n_out)) if bias else None
        self.reset_parameters(seeds, shapes)

    def reset_parameters(self, seeds: Optional[Sequence[int]] = None,
                         shapes: Optional[Sequence[Tuple[int, int]]] = None) -> None:
        """torch's nn.Linear default: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias, per member.

        With ``shapes`` (a member's own (in, out), at most the layer's), a member's weights fill
        the top-left block with its own fan-in's bound, drawn as a layer of that shape would
        draw them, and the padding stays zero (see BatchedMLP's ``member_hidden``)."""
        with torch.no_grad():
            for m in range(self.pop):
                n_in, n_out = (self.n_in, self.n_out) if shapes is None else shapes[m]
                bound = 1.0 / math.sqrt(n_in)
                gen = torch.Generator()
                gen.manual_seed(int(seeds[m]) if seeds is not None else int(torch.randint(0, 2**31 - 1, (1,))))
                w = torch.rand(n_in, n_out, generator=gen) * 2 * bound - bound
                self.weight[m, :n_in, :n_out].copy_(w)
                if self.bias is not None:
                    self.bias[m, :, :n_out].copy_(torch.rand(1, n_out, generator=gen) * 2 * bound - bound)

    def forward(self, x: torch.Tensor, members: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x (P, N, in); with ``members`` (k indices) x is (k, N, in), those members only."""
        w = self.weight if members is None else self.weight.index_select(0, members)
        if self.bias is None:
            return torch.bmm(x, w)
        b = self.bias if members is None else self.bias.index_select(0, members)
        return torch.baddbmm(b, x, w)

    def numel_member(self) -> int:
        return self.n_in * self.n_out + (self.n_out if self.bias is not None else 0)


class BatchedLayerNorm(nn.Module):
    def __init__(self, pop: int, dim: int):
        super().__init__()
        self.dim = dim
        self.weight = nn.Parameter(torch.ones(pop, 1, dim))
        self.bias = nn.Parameter(torch.zeros(pop, 1, dim))

    def forward(self, x: torch.Tensor, members: Optional[torch.Tensor] = None) -> torch.Tensor:
        if members is None:
            return F.layer_norm(x, (self.dim,)) * self.weight + self.bias
        return (F.layer_norm(x, (self.dim,)) * self.weight.index_select(0, members)
                + self.bias.index_select(0, members))


class BatchedAct(nn.Module):
    """One activation shared by all layers of a member (one PReLU slope per member)."""

    def __init__(self, pop: int, name: str):
        super().__init__()
        if name not in ACTIVATIONS:
            raise ValueError(f"activation '{name}' unknown; allowed: {', '.join(ACTIVATIONS)}")
        self.name = name
        self.slope = nn.Parameter(torch.full((pop, 1, 1), 0.25)) if name == "prelu" else None

    def forward(self, x: torch.Tensor, members: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.name == "tanh":
            return torch.tanh(x)
        if self.name == "relu":
            return F.relu(x)
        if self.name == "leakyrelu":
            return F.leaky_relu(x, 0.01)
        slope = self.slope if members is None else self.slope.index_select(0, members)
        return torch.where(x >= 0, x, x * slope)


class BatchedMLP(nn.Module):
    """P MLPs. ``layers`` hidden layers of ``hidden`` units; layers=0 is a single Linear.

    ``member_hidden`` (one width per member, at most ``hidden``) makes members of different
    widths: member m's hidden units beyond its width have zero incoming weights and bias and
    zero outgoing weights. Every activation here maps 0 to 0, so those units output 0, their
    weights get exactly zero gradient, and Adam (zero moments) and soft updates keep them zero:
    the member computes and learns what a network of its own width would, up to float rounding
    (tests/lse/test_envs.py). This batches the varied-HP population (scripts.lse.agents)."""

    def __init__(self, pop: int, n_in: int, n_out: int, hidden: int = 64, layers: int = 1,
                 activation: str = "relu", layer_norm: bool = False, bias: bool = True,
                 seeds: Optional[Sequence[int]] = None, member_hidden: Optional[Sequence[int]] = None):
        super().__init__()
        self.pop, self.n_in, self.n_out = pop, n_in, n_out
        self.act = BatchedAct(pop, activation)
        if member_hidden is not None:
            member_hidden = [int(h) for h in member_hidden]
            if len(member_hidden) != pop or max(member_hidden) > hidden or min(member_hidden) < 1:
                raise ValueError(f"member_hidden {member_hidden}: one width in [1, {hidden}] per member ({pop})")
            if layer_norm and layers > 1:
                raise ValueError("member_hidden (zero-padded widths) cannot combine with layer_norm: "
                                 "a LayerNorm over the padded units would change every member's output")
        sizes = [n_in] + [hidden] * layers + [n_out]
        lin: List[BatchedLinear] = []
        for k in range(len(sizes) - 1):
            s = None if seeds is None else [int(x) * 7919 + k for x in seeds]
            shapes = None
            if member_hidden is not None:
                own = [[n_in] + [h] * layers + [n_out] for h in member_hidden]
                shapes = [(o[k], o[k + 1]) for o in own]
            lin.append(BatchedLinear(pop, sizes[k], sizes[k + 1], bias=bias, seeds=s, shapes=shapes))
        self.linears = nn.ModuleList(lin)
        norms = [BatchedLayerNorm(pop, hidden) if layer_norm else nn.Identity()
                 for _ in range(max(0, layers - 1))]
        self.norms = nn.ModuleList(norms)

    def forward(self, x: torch.Tensor, members: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x (P, N, in) -> (P, N, out); with ``members`` (a long tensor of k member indices), x
        is (k, N, in) and only those members' networks run (the others get no gradient)."""
        if len(self.linears) == 1:
            return self.linears[0](x, members)
        h = self.act(self.linears[0](x, members), members)
        for k in range(1, len(self.linears) - 1):
            norm = self.norms[k - 1]
            z = self.linears[k](h, members)
            z = z if isinstance(norm, nn.Identity) else norm(z, members)
            h = self.act(z, members)
        return self.linears[-1](h, members)

    # -- NES view: weights and biases of the Linear layers only -----------------------------
    def numel_member(self) -> int:
        return sum(l.numel_member() for l in self.linears)

    def get_flat(self) -> np.ndarray:
        """(P, D) array of every member's Linear weights and biases."""
        parts = []
        with torch.no_grad():
            for l in self.linears:
                parts.append(l.weight.reshape(self.pop, -1))
                if l.bias is not None:
                    parts.append(l.bias.reshape(self.pop, -1))
        return torch.cat(parts, dim=1).detach().double().numpy()

    def set_flat(self, flat: np.ndarray) -> None:
        flat_t = torch.as_tensor(np.asarray(flat, dtype=np.float32))
        if flat_t.dim() == 1:
            flat_t = flat_t.unsqueeze(0).expand(self.pop, -1)
        if flat_t.shape != (self.pop, self.numel_member()):
            raise ValueError(f"flat parameters of shape {tuple(flat_t.shape)}, expected "
                             f"({self.pop}, {self.numel_member()})")
        pos = 0
        with torch.no_grad():
            for l in self.linears:
                n = l.n_in * l.n_out
                l.weight.copy_(flat_t[:, pos:pos + n].reshape(self.pop, l.n_in, l.n_out))
                pos += n
                if l.bias is not None:
                    l.bias.copy_(flat_t[:, pos:pos + l.n_out].reshape(self.pop, 1, l.n_out))
                    pos += l.n_out


def soft_update(target: nn.Module, source: nn.Module, tau: float,
                mask: Optional[np.ndarray] = None) -> None:
    """target <- (1 - tau) target + tau source, only for the members in ``mask`` (all if None)."""
    with torch.no_grad():
        for t, s in zip(target.parameters(), source.parameters()):
            if mask is None or bool(np.all(mask)):
                t.mul_(1.0 - tau).add_(s, alpha=tau)
            else:
                w = torch.as_tensor(np.asarray(mask, np.float32) * tau).reshape((-1,) + (1,) * (t.dim() - 1))
                t.mul_(1.0 - w).add_(s * w)


def masked_step(opt: torch.optim.Optimizer, mask: np.ndarray) -> None:
    """opt.step() that leaves members outside ``mask`` untouched (parameters and Adam moments):
    with summed per-member losses their gradients are zero, but Adam's momentum would still
    move them (e.g. while a member runs its test episode)."""
    if bool(np.all(mask)):
        opt.step()
        return
    keep = torch.as_tensor(~np.asarray(mask, bool))
    saved = []
    for group in opt.param_groups:
        for p in group["params"]:
            if p.dim() == 0 or p.shape[0] != keep.shape[0]:
                continue
            state = opt.state.get(p, {})
            moments = {k: v[keep].clone() for k, v in state.items()
                       if torch.is_tensor(v) and v.dim() > 0 and v.shape[0] == keep.shape[0]}
            saved.append((p, p.detach()[keep].clone(), moments))
    opt.step()
    with torch.no_grad():
        for p, data, moments in saved:
            p[keep] = data
            for k, v in moments.items():
                opt.state[p][k][keep] = v


class MemberAdam:
    """Adam over population-stacked parameters with one learning rate per member and per-member
    step counts: ``step(mask)`` moves only the members in ``mask``, each exactly as torch's Adam
    (default betas and eps, no weight decay) would move that member's network alone, its bias
    correction counting only its own steps, as the original's worker (one agent, one Adam) does.
    Every DDQN population's optimizer (a varied-HP member also draws its own lr); TD3 keeps
    torch's Adam with ``masked_step`` (one step count per tensor: docs/fidelity/lse.md)."""

    def __init__(self, params, lrs: Sequence[float], betas=(0.9, 0.999), eps: float = 1e-8):
        self.params = [p for p in params]
        self.lrs = torch.as_tensor(np.asarray(lrs, np.float64))
        self.beta1, self.beta2, self.eps = float(betas[0]), float(betas[1]), float(eps)
        self.t = np.zeros(len(self.lrs), np.int64)
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self, mask: np.ndarray) -> None:
        idx = np.nonzero(np.asarray(mask, bool))[0]
        if idx.size == 0:
            return
        self.t[idx] += 1
        t = self.t[idx].astype(np.float64)
        step = self.lrs[idx] / torch.as_tensor(1.0 - self.beta1 ** t)  # lr / bias correction 1
        bc2 = torch.as_tensor(np.sqrt(1.0 - self.beta2 ** t))
        if idx.size == len(self.t):
            self._step_all(step, bc2)
            return
        sel = torch.as_tensor(idx, dtype=torch.long)
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                if p.grad is None:
                    continue
                shape = (-1,) + (1,) * (p.dim() - 1)
                m_k, v_k = m.index_select(0, sel), v.index_select(0, sel)
                denom = self._moments(m_k, v_k, p.grad.index_select(0, sel), bc2.to(p.dtype).reshape(shape))
                m.index_copy_(0, sel, m_k)
                v.index_copy_(0, sel, v_k)
                upd = m_k / denom * step.to(p.dtype).reshape(shape)
                p.index_copy_(0, sel, p.index_select(0, sel) - upd)

    def _moments(self, m: torch.Tensor, v: torch.Tensor, g: torch.Tensor, bc2: torch.Tensor) -> torch.Tensor:
        """Update the moments ``m``, ``v`` in place with gradient ``g``; Adam's denominator."""
        m.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
        v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
        return v.sqrt().div_(bc2).add_(self.eps)

    def _step_all(self, step: torch.Tensor, bc2: torch.Tensor) -> None:
        """``step`` with every member in the mask: the same arithmetic, in place."""
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                if p.grad is None:
                    continue
                shape = (-1,) + (1,) * (p.dim() - 1)
                denom = self._moments(m, v, p.grad, bc2.to(p.dtype).reshape(shape))
                p.addcdiv_(m * step.to(p.dtype).reshape(shape), denom, value=-1.0)
