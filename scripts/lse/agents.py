"""The paper's agents, batched over a population of P independent members (P = 1 for one agent).

DDQN (and Dueling DDQN), TD3 (continuous, and discrete with a Gumbel-softmax actor), PPO (P = 1)
and ICM, with the original's quirks kept (docs/fidelity/lse.md): soft target
update every step, double-DQN target with (1 - done) where a time-limit truncation on the real
env also counts as done (not on an SE: the runner decides), epsilon decayed per episode, one
update per step once learning starts (the runner gates it by ``init_episodes``); TD3 random
actions during ``init_episodes`` and exploration noise also at test time; the Dueling advantage
mean taken over the batch (and actions); PPO with normalised Monte-Carlo returns, no GAE.

Every member has its own replay buffer and numpy RNG (exploration, sampling), and its own
initial weights, so results do not depend on how members are grouped into batches.
Valid on Python 3.8 and torch 1.7 (the paper's pin): own small agents instead of tianshou,
whose agents lack these quirks and cannot batch a population (see envs/README.md).
"""
from __future__ import annotations

import copy
import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from scripts.lse.nets import BatchedMLP, MemberAdam, masked_step, soft_update


class Replay:
    """Per-member ring buffers: arrays (P, capacity, ...)."""

    def __init__(self, pop: int, capacity: int, obs_dim: int, act_dim: int):
        self.pop, self.cap = pop, int(capacity)
        self.s = np.zeros((pop, self.cap, obs_dim), np.float32)
        self.a = np.zeros((pop, self.cap, act_dim), np.float32)
        self.r = np.zeros((pop, self.cap), np.float32)
        self.s2 = np.zeros((pop, self.cap, obs_dim), np.float32)
        self.d = np.zeros((pop, self.cap), np.float32)
        self.ptr = np.zeros(pop, np.int64)
        self.size = np.zeros(pop, np.int64)

    def add(self, mask, s, a, r, s2, d) -> None:
        idx = np.nonzero(mask)[0]
        if idx.size == 0:
            return
        p = self.ptr[idx]
        self.s[idx, p] = s[idx]
        self.a[idx, p] = np.asarray(a, np.float32).reshape(self.pop, -1)[idx]
        self.r[idx, p] = r[idx]
        self.s2[idx, p] = s2[idx]
        self.d[idx, p] = d[idx]
        self.ptr[idx] = (p + 1) % self.cap
        self.size[idx] = np.minimum(self.size[idx] + 1, self.cap)

    def sample(self, rngs, batch, members=None):
        """A batch per member, (P, batch, ...); with ``members`` (indices) only for those,
        (k, batch, ...), and only their generators are drawn from. ``batch`` may give one size
        per sampled member: member j draws its own ``batch[j]`` indices, as it would alone, and
        its rows beyond them repeat row 0 (the caller weighs them out)."""
        rows_1d = np.arange(self.pop) if members is None else np.asarray(members, np.int64)
        sizes = np.broadcast_to(np.asarray(batch, np.int64), rows_1d.shape)
        idx = np.zeros((rows_1d.size, int(sizes.max()) if sizes.size else 0), np.int64)
        for j, m in enumerate(rows_1d):
            if self.size[m] > 0:
                idx[j, :sizes[j]] = rngs[m].integers(0, self.size[m], int(sizes[j]))
        rows = rows_1d[:, None]
        t = lambda x: torch.as_tensor(x[rows, idx])  # noqa: E731
        return t(self.s), t(self.a), t(self.r), t(self.s2), t(self.d)


def member_seeds(seeds: Sequence[int]) -> List[int]:
    return [int(s) for s in seeds]


class Agent:
    """Common interface used by scripts.lse.runner."""

    discrete = True
    init_episodes = 0

    def act(self, obs: np.ndarray, explore: np.ndarray, episodes: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def store(self, mask, s, a, r, s2, d) -> None:
        pass

    def update(self, mask: np.ndarray) -> None:
        pass

    def end_episode(self, member: int) -> None:
        pass


# the HPs that members of one varied-HP DDQN population may differ in (the rest are shared)
MEMBER_HPS = ("lr", "batch_size", "hidden_size")


class DDQN(Agent):
    """P DDQN members sharing ``hp``; or, given ``member_hps`` (one HP dict per member, differing
    only in MEMBER_HPS), members of their own lr, batch size and width: zero-padded networks
    (BatchedMLP's ``member_hidden``), per-member learning rates (MemberAdam) and batches."""

    def __init__(self, pop: int, obs_dim: int, n_actions: int, hp: Dict, seeds: Sequence[int],
                 dueling: bool = False, member_hps: Optional[Sequence[Dict]] = None):
        self.pop, self.n_actions, self.hp = pop, n_actions, hp
        self.rngs = [np.random.default_rng(s) for s in seeds]
        self.gamma, self.tau, self.batch = float(hp["gamma"]), float(hp["tau"]), int(hp["batch_size"])
        self.eps = np.full(pop, float(hp["eps_init"]))
        self.init_episodes = int(hp["init_episodes"])
        self.batches = None
        sd = [s + 1 for s in seeds]
        if member_hps is not None:
            _check_member_hps(hp, member_hps, pop, dueling)
            widths = [int(h["hidden_size"]) for h in member_hps]
            self.batches = np.array([int(h["batch_size"]) for h in member_hps], np.int64)
            self.net = BatchedMLP(pop, obs_dim, n_actions, max(widths), hp["hidden_layer"],
                                  hp["activation"], seeds=sd, member_hidden=widths)
        elif dueling:
            self.net = DuelingNet(pop, obs_dim, n_actions, hp, sd)
        else:
            self.net = BatchedMLP(pop, obs_dim, n_actions, hp["hidden_size"], hp["hidden_layer"],
                                  hp["activation"], seeds=sd)
        self.target = copy.deepcopy(self.net)
        # one lr and one Adam step count per member (the original's worker counts its own steps)
        lrs = [float(h["lr"]) for h in member_hps] if member_hps is not None else [float(hp["lr"])] * pop
        self.opt = MemberAdam(self.net.parameters(), lrs)
        self.replay = Replay(pop, hp.get("rb_size", 100000), obs_dim, 1)

    def q(self, obs: np.ndarray) -> torch.Tensor:
        with torch.no_grad():
            return self.net(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(1))[:, 0]

    def act(self, obs, explore, episodes):
        greedy = self.q(obs).argmax(dim=1).numpy()
        a = greedy.copy()
        for m in np.nonzero(explore)[0]:
            if self.rngs[m].random() < self.eps[m]:
                a[m] = self.rngs[m].integers(self.n_actions)
        return a

    def store(self, mask, s, a, r, s2, d):
        self.replay.add(mask, s, a, r, s2, d)

    def update(self, mask):
        """One update of the members in ``mask``. Only they draw a batch and run the networks
        (the others' losses would be masked to zero anyway): each member's result is the same
        as if it ran alone, and a population whose members finish at different times (early
        out, test episodes) stops paying for the finished ones."""
        mask = np.asarray(mask, bool)
        if not mask.any():
            return
        active = np.nonzero(mask)[0]
        members = None if active.size == self.pop else torch.as_tensor(active, dtype=torch.long)
        batch = self.batch if self.batches is None else self.batches[active]
        s, a, r, s2, d = self.replay.sample(self.rngs, batch, None if members is None else active)
        with torch.no_grad():
            a2 = self.net(s2, members).argmax(dim=2, keepdim=True)
            q2 = self.target(s2, members).gather(2, a2).squeeze(2)
            y = r + self.gamma * (1.0 - d) * q2
        q = self.net(s, members).gather(2, a.long()).squeeze(2)
        if self.batches is None:
            loss = ((q - y) ** 2).mean(dim=1).sum()
        else:  # each member's mean over its own batch; padded rows weigh 0
            b = torch.as_tensor(batch)
            w = (torch.arange(q.shape[1])[None, :] < b[:, None]).to(q.dtype) / b[:, None].to(q.dtype)
            loss = (((q - y) ** 2) * w).sum()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step(mask)
        soft_update(self.target, self.net, self.tau, mask)

    def end_episode(self, member):
        self.eps[member] = max(float(self.hp["eps_min"]), self.eps[member] * float(self.hp["eps_decay"]))


def _check_member_hps(hp: Dict, member_hps: Sequence[Dict], pop: int, dueling: bool) -> None:
    if dueling:
        raise ValueError("member_hps: the varied-HP population is plain DDQN (no dueling heads)")
    if len(member_hps) != pop:
        raise ValueError(f"member_hps: {len(member_hps)} HP dicts for a population of {pop}")
    for k, h in enumerate(member_hps):
        diff = sorted(key for key in set(h) | set(hp) if key not in MEMBER_HPS and h.get(key) != hp.get(key))
        if diff:
            raise ValueError(f"member_hps[{k}] differs from the shared HPs in {diff}; members may "
                             f"differ only in {', '.join(MEMBER_HPS)} (group them by the rest)")


class MemberGroups(Agent):
    """One population made of sub-populations (``groups``: (member indices, agent) pairs), e.g.
    varied-HP members grouped by depth: each call is split by member and handed to its group."""

    def __init__(self, pop: int, groups):
        self.pop, self.groups = pop, [(np.asarray(idx, np.int64), ag) for idx, ag in groups]
        self.where = {}
        for idx, ag in self.groups:
            for j, m in enumerate(idx):
                self.where[int(m)] = (ag, j)
        if sorted(self.where) != list(range(pop)):
            raise ValueError(f"groups must cover members 0..{pop - 1} once each")
        inits = {ag.init_episodes for _, ag in self.groups}
        if len(inits) != 1:
            raise ValueError(f"groups disagree on init_episodes: {sorted(inits)}")
        self.init_episodes = inits.pop()

    def act(self, obs, explore, episodes):
        out = np.zeros(self.pop, np.int64)
        for idx, ag in self.groups:
            out[idx] = ag.act(obs[idx], explore[idx], episodes[idx])
        return out

    def store(self, mask, s, a, r, s2, d):
        a = np.asarray(a)
        for idx, ag in self.groups:
            ag.store(mask[idx], s[idx], a[idx], r[idx], s2[idx], d[idx])

    def update(self, mask):
        mask = np.asarray(mask, bool)
        for idx, ag in self.groups:
            ag.update(mask[idx])

    def end_episode(self, member):
        ag, j = self.where[int(member)]
        ag.end_episode(j)


# The cost of one DDQN update of a bucket of n members padded to batch B and width H at depth
# L, in ms: FIXED (per call, any size) + n B H PER_UNIT + (L - 1) n B H^2 PER_MAC; measured with
# torch 2.13 on one CPU thread (docs/fidelity/lse.md, "Varied-HP population"). It only decides
# how members are bucketed, never what they compute.
UPDATE_COST_MS = {"fixed": {1: 0.75, 2: 1.2}, "per_unit": 17.6e-6, "per_mac": 0.4e-6}


def _update_cost(hps: Sequence[Dict]) -> float:
    depth = int(hps[0]["hidden_layer"])
    n, B, H = len(hps), max(int(h["batch_size"]) for h in hps), max(int(h["hidden_size"]) for h in hps)
    c = UPDATE_COST_MS
    return c["fixed"].get(depth, c["fixed"][2] * depth / 2) + n * B * H * (c["per_unit"] + (depth - 1) * H * c["per_mac"])


def bucket_members(hps: Sequence[Dict]) -> List[List[int]]:
    """Members of one depth split into buckets that are each padded to their largest batch and
    width: sorted by their own update cost, cut where ``_update_cost`` summed over buckets is
    least (a padded bucket pays for its largest member n times; one bucket per member pays the
    per-call cost n times)."""
    order = sorted(range(len(hps)), key=lambda m: _update_cost([hps[m]]))
    n = len(order)
    best, cut = [0.0] + [math.inf] * n, [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(j):
            c = best[i] + _update_cost([hps[m] for m in order[i:j]])
            if c < best[j]:
                best[j], cut[j] = c, i
    buckets, j = [], n
    while j > 0:
        buckets.append(sorted(order[cut[j]:j]))
        j = cut[j]
    return sorted(buckets)


def varied_ddqn(obs_dim: int, n_actions: int, hps: Sequence[Dict], seeds: Sequence[int]) -> Agent:
    """A population of DDQN members of their own (varied) HPs: padded DDQNs, one per bucket of
    members of one depth (``hidden_layer``; ``bucket_members``); member m behaves as
    ``DDQN(1, ..., hps[m], [seeds[m]])`` alone would, up to float rounding (tests/lse/test_population.py)."""
    groups = []
    for depth in sorted({int(h["hidden_layer"]) for h in hps}):
        same = [m for m, h in enumerate(hps) if int(h["hidden_layer"]) == depth]
        for bucket in bucket_members([hps[m] for m in same]):
            idx = [same[k] for k in bucket]
            sub = [hps[m] for m in idx]
            groups.append((idx, DDQN(len(idx), obs_dim, n_actions, sub[0], [seeds[m] for m in idx], member_hps=sub)))
    if len(groups) == 1:
        return groups[0][1]
    return MemberGroups(len(hps), groups)


class DuelingNet(torch.nn.Module):
    """Feature MLP, then one-hidden-layer value and advantage heads; the advantage mean is taken
    over the batch and actions (the original's quirk)."""

    def __init__(self, pop, obs_dim, n_actions, hp, seeds):
        super().__init__()
        fdim = int(hp.get("feature_dim", 128))
        self.feature = BatchedMLP(pop, obs_dim, fdim, hp["hidden_size"], max(hp["hidden_layer"] - 1, 0),
                                  hp["activation"], seeds=seeds)
        self.value = BatchedMLP(pop, fdim, 1, hp["hidden_size"], 1, hp["activation"], seeds=[s + 11 for s in seeds])
        self.adv = BatchedMLP(pop, fdim, n_actions, hp["hidden_size"], 1, hp["activation"],
                              seeds=[s + 13 for s in seeds])
        self.act_fn = self.feature.act

    def forward(self, x, members=None):
        f = self.act_fn(self.feature(x, members), members)
        adv = self.adv(f, members)
        return self.value(f, members) + adv - adv.mean(dim=(1, 2), keepdim=True)


class TD3(Agent):
    """TD3 for continuous actions, or discrete actions with a Gumbel-softmax actor."""

    def __init__(self, pop: int, obs_dim: int, act_dim: int, hp: Dict, seeds: Sequence[int],
                 discrete: bool = False, max_action: float = 1.0):
        self.pop, self.act_dim, self.hp, self.discrete = pop, act_dim, hp, discrete
        self.rngs = [np.random.default_rng(s) for s in seeds]
        self.gamma, self.tau, self.batch = float(hp["gamma"]), float(hp["tau"]), int(hp["batch_size"])
        self.init_episodes = int(hp["init_episodes"])
        self.max_action = float(max_action)
        ln = bool(hp.get("layer_norm", False))
        h, l, a = hp["hidden_size"], hp["hidden_layer"], hp["activation"]
        self.actor = BatchedMLP(pop, obs_dim, act_dim, h, l, a, ln, seeds=[s + 1 for s in seeds])
        self.q1 = BatchedMLP(pop, obs_dim + act_dim, 1, h, l, a, ln, seeds=[s + 2 for s in seeds])
        self.q2 = BatchedMLP(pop, obs_dim + act_dim, 1, h, l, a, ln, seeds=[s + 3 for s in seeds])
        self.actor_t, self.q1_t, self.q2_t = (copy.deepcopy(n) for n in (self.actor, self.q1, self.q2))
        lr = float(hp["lr"])
        self.opt_a = torch.optim.Adam(self.actor.parameters(), lr=lr)
        self.opt_c = torch.optim.Adam(list(self.q1.parameters()) + list(self.q2.parameters()), lr=lr)
        self.replay = Replay(pop, hp.get("rb_size", 100000), obs_dim, act_dim)
        self.updates = 0
        self.temp0 = float(hp.get("gumbel_softmax_temp", 1.0))

    def temperature(self) -> float:
        frac = min(1.0, self.updates / float(self.hp.get("gumbel_softmax_anneal_updates", 2000)))
        return self.temp0 + frac * (self.temp0 / 20.0 - self.temp0)

    def _pi(self, net, s: torch.Tensor) -> torch.Tensor:
        out = net(s)
        if self.discrete:
            return F.gumbel_softmax(out, tau=self.temperature(), hard=False, dim=-1)
        return torch.tanh(out) * self.max_action

    def act(self, obs, explore, episodes):
        with torch.no_grad():
            out = self.actor(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(1))[:, 0]
        if self.discrete:
            logits = out.numpy()
            a = logits.argmax(axis=1)
            for m in np.nonzero(explore)[0]:
                if episodes[m] < self.init_episodes:
                    a[m] = self.rngs[m].integers(self.act_dim)
                else:
                    g = -np.log(-np.log(self.rngs[m].uniform(1e-10, 1.0, self.act_dim)))
                    a[m] = int(np.argmax(logits[m] + g))
            return a
        a = torch.tanh(out).numpy() * self.max_action
        std = float(self.hp["action_std"]) * self.max_action
        for m in range(self.pop):  # exploration noise also at test time (the original's quirk)
            if explore[m] and episodes[m] < self.init_episodes:
                a[m] = self.rngs[m].uniform(-self.max_action, self.max_action, self.act_dim)
            else:
                a[m] = a[m] + self.rngs[m].normal(0.0, std, self.act_dim)
        return np.clip(a, -self.max_action, self.max_action)

    def _onehot(self, a: torch.Tensor) -> torch.Tensor:
        return F.one_hot(a[..., 0].long(), self.act_dim).float() if self.discrete else a

    def store(self, mask, s, a, r, s2, d):
        self.replay.add(mask, s, a, r, s2, d)

    def update(self, mask):
        if not mask.any():
            return
        s, a, r, s2, d = self.replay.sample(self.rngs, self.batch)
        a = self._onehot(a)
        m = torch.as_tensor(mask, dtype=torch.float32)[:, None]
        with torch.no_grad():
            if self.discrete:
                a2 = self._pi(self.actor_t, s2)
            else:
                noise = (torch.randn_like(a) * float(self.hp["policy_std"]) * self.max_action).clamp(
                    -float(self.hp["policy_std_clip"]) * self.max_action,
                    float(self.hp["policy_std_clip"]) * self.max_action)
                a2 = (torch.tanh(self.actor_t(s2)) * self.max_action + noise).clamp(
                    -self.max_action, self.max_action)
            x2 = torch.cat([s2, a2], dim=2)
            q_t = torch.min(self.q1_t(x2), self.q2_t(x2)).squeeze(2)
            y = r + self.gamma * (1.0 - d) * q_t
        x = torch.cat([s, a], dim=2)
        loss_c = ((((self.q1(x).squeeze(2) - y) ** 2) + ((self.q2(x).squeeze(2) - y) ** 2)) * m).mean(1).sum()
        self.opt_c.zero_grad()
        loss_c.backward()
        masked_step(self.opt_c, mask)
        self.updates += 1
        if self.updates % int(self.hp.get("policy_delay", 2)) == 0:
            loss_a = -(self.q1(torch.cat([s, self._pi(self.actor, s)], dim=2)).squeeze(2) * m).mean(1).sum()
            self.opt_a.zero_grad()
            loss_a.backward()
            masked_step(self.opt_a, mask)
            for t, n in ((self.actor_t, self.actor), (self.q1_t, self.q1), (self.q2_t, self.q2)):
                soft_update(t, n, self.tau, mask)


class PPO(Agent):
    """PPO for continuous actions (P = 1): tanh-mean Gaussian with a learned std initialised at
    action_std, normalised Monte-Carlo returns (no GAE), clip 0.2; update every
    update_episodes x max_steps steps for ppo_epochs epochs."""

    discrete = False

    def __init__(self, obs_dim: int, act_dim: int, hp: Dict, seed: int, max_steps: int,
                 max_action: float = 1.0):
        self.pop, self.hp, self.max_action = 1, hp, float(max_action)
        self.rngs = [np.random.default_rng(seed)]
        torch.manual_seed(seed)
        h, l, a = hp["hidden_size"], hp["hidden_layer"], hp["activation"]
        self.actor = BatchedMLP(1, obs_dim, act_dim, h, l, a, seeds=[seed + 1])
        self.critic = BatchedMLP(1, obs_dim, 1, h, l, a, seeds=[seed + 2])
        self.log_std = torch.nn.Parameter(torch.full((act_dim,), math.log(float(hp["action_std"]))))
        params = list(self.actor.parameters()) + list(self.critic.parameters()) + [self.log_std]
        self.opt = torch.optim.Adam(params, lr=float(hp["lr"]))
        self.every = int(hp["update_episodes"]) * int(max_steps)
        self.buf: Dict[str, list] = {"s": [], "a": [], "logp": [], "r": [], "d": []}
        self._last_logp = None

    def _dist(self, s: torch.Tensor):
        mean = torch.tanh(self.actor(s)) * self.max_action
        return torch.distributions.Normal(mean, self.log_std.exp())

    def act(self, obs, explore, episodes):
        with torch.no_grad():
            dist = self._dist(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(1))
            a = dist.sample()
            self._last_logp = dist.log_prob(a).sum(-1)[:, 0].numpy()
        return np.clip(a[:, 0].numpy(), -self.max_action, self.max_action) if explore[0] else \
            np.clip(a[:, 0].numpy(), -self.max_action, self.max_action)

    def store(self, mask, s, a, r, s2, d):
        if not mask[0]:
            return
        self.buf["s"].append(s[0].copy())
        self.buf["a"].append(np.asarray(a[0], np.float32).copy())
        self.buf["logp"].append(float(self._last_logp[0]))
        self.buf["r"].append(float(r[0]))
        self.buf["d"].append(float(d[0]))

    def update(self, mask):
        if len(self.buf["r"]) < self.every or not self.buf["d"][-1]:
            return
        rets, g = [], 0.0
        for r, d in zip(reversed(self.buf["r"]), reversed(self.buf["d"])):
            g = r + (0.0 if d else float(self.hp["gamma"]) * g)
            rets.insert(0, g)
        R = torch.as_tensor(rets, dtype=torch.float32)
        R = (R - R.mean()) / (R.std() + 1e-5)
        s = torch.as_tensor(np.asarray(self.buf["s"]), dtype=torch.float32).unsqueeze(0)
        a = torch.as_tensor(np.asarray(self.buf["a"]), dtype=torch.float32).unsqueeze(0)
        old = torch.as_tensor(self.buf["logp"], dtype=torch.float32)
        for _ in range(int(self.hp["ppo_epochs"])):
            dist = self._dist(s)
            logp = dist.log_prob(a).sum(-1)[0]
            v = self.critic(s)[0, :, 0]
            adv = R - v.detach()
            ratio = torch.exp(logp - old)
            clip = float(self.hp.get("ppo_eps_clip", 0.2))
            loss = (-torch.min(ratio * adv, ratio.clamp(1 - clip, 1 + clip) * adv).mean()
                    + float(self.hp["vf_coef"]) * F.mse_loss(v, R)
                    - float(self.hp["ent_coef"]) * dist.entropy().sum(-1).mean())
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        self.buf = {k: [] for k in self.buf}


class ICM:
    """Intrinsic curiosity (P = 1): reward eta x forward-model loss in feature space; the
    training loss weighs inverse (1 - beta) against forward (beta); trained online on each new
    transition."""

    def __init__(self, obs_dim: int, act_dim: int, discrete: bool, hp: Dict, seed: int):
        self.discrete, self.act_dim, self.hp = discrete, act_dim, hp
        f, h = int(hp.get("feature_dim", 32)), int(hp.get("hidden_size", 128))
        self.enc = BatchedMLP(1, obs_dim, f, h, 1, "relu", seeds=[seed + 21])
        self.fwd = BatchedMLP(1, f + act_dim, f, h, 1, "relu", seeds=[seed + 22])
        self.inv = BatchedMLP(1, 2 * f, act_dim, h, 1, "relu", seeds=[seed + 23])
        params = list(self.enc.parameters()) + list(self.fwd.parameters()) + list(self.inv.parameters())
        self.opt = torch.optim.Adam(params, lr=float(hp["lr"]))

    def __call__(self, s: np.ndarray, a: np.ndarray, s2: np.ndarray) -> np.ndarray:
        st = torch.as_tensor(s, dtype=torch.float32).reshape(1, 1, -1)
        s2t = torch.as_tensor(s2, dtype=torch.float32).reshape(1, 1, -1)
        if self.discrete:
            at = F.one_hot(torch.as_tensor(np.asarray(a).reshape(1, 1)).long(), self.act_dim).float()
        else:
            at = torch.as_tensor(a, dtype=torch.float32).reshape(1, 1, -1)
        f, f2 = self.enc(st), self.enc(s2t)
        fwd_loss = 0.5 * ((self.fwd(torch.cat([f, at], 2)) - f2.detach()) ** 2).sum()
        pred_a = self.inv(torch.cat([f, f2], 2))
        if self.discrete:
            inv_loss = F.cross_entropy(pred_a[0], at[0].argmax(-1))
        else:
            inv_loss = F.mse_loss(pred_a, at)
        beta = float(self.hp["beta"])
        loss = (1 - beta) * inv_loss + beta * fwd_loss
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return np.array([float(self.hp["eta"]) * float(fwd_loss.detach())], np.float32)


def vary_hps(base: Dict, rng: np.random.Generator, kind: str) -> Dict:
    """The paper's vary-HP draw: lr log-uniform in [lr/3, 3 lr], batch and hidden log-int in
    [x/3, 3x], layers in {L-1, L, L+1} (at least 1); QL/SARSA: alpha, gamma ~ U[0.1, 1]."""
    hp = dict(base)
    if kind in ("ql", "sarsa"):
        hp["alpha"] = float(rng.uniform(0.1, 1.0))
        hp["gamma"] = float(rng.uniform(0.1, 1.0))
        return hp

    def logu(x):
        return float(math.exp(rng.uniform(math.log(x / 3.0), math.log(x * 3.0))))

    hp["lr"] = logu(float(base["lr"]))
    hp["batch_size"] = max(1, int(round(logu(float(base["batch_size"])))))
    hp["hidden_size"] = max(1, int(round(logu(float(base["hidden_size"])))))
    L = int(base["hidden_layer"])
    hp["hidden_layer"] = int(max(1, rng.integers(L - 1, L + 2)))
    return hp
