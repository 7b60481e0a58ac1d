"""Train a baby-a3c Pong policy here (rule dsi_train_a3c).

A3C as baby-a3c: ``workers`` Hogwild processes share the model and an Adam whose moments live in
shared memory; each rolls out ``rnn_steps`` steps, computes GAE(gamma, tau) policy loss, half
squared value error and an entropy bonus, clips the gradient norm and steps the shared Adam.
Rewards are clipped to [-1, 1] for learning. Saves the half-way checkpoint (cross-step
variant) and the final policy; checkpoints after every twentieth of the frames and resumes.

With ``init: imitate`` (laptop scale only, a documented deviation) the policy is instead
behaviour-cloned from a scripted teacher (scripts/dsi/imitate.py) and the half-way policy is the
one after half the cloning updates; ``frames`` of A3C then follow from that start (0: none).

Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F

from scripts.common import cli
from scripts.common.checkpoint import (args_fingerprint, load_checkpoint, remove_checkpoint,
                                       save_checkpoint)
from scripts.common.io import torch_save, write_json
from scripts.common.progress import get_logger
from scripts.dsi.pong import A3CPolicy, make_pong, preprocess


@dataclass(frozen=True)
class Imitate:
    """The behaviour cloning that replaces A3C with ``init: imitate`` (pong.a3c.imitate)."""

    rallies: int  # teacher rallies to clone (half greedy, half with epsilon-random actions)
    max_steps: int  # a rally ends at the first point or after this many steps
    epsilon: float  # probability of a random executed action (labels stay the teacher's)
    offset: float  # the teacher's aim: pixels below the predicted intercept
    steer: float  # the teacher's aim: pixels along the ball's vertical motion (edge hit)
    updates: int  # gradient updates of the cloning
    batch_size: int  # windows per update
    window: int  # steps per window (the GRU starts from zeros at each)
    lr: float  # Adam learning rate
    gamma: float  # critic target: gamma ** (T - 1 - t) * outcome
    value_coef: float  # weight of the critic's regression loss
    env: str = "Pong-v4"  # the game the teacher plays


@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_train_a3c: config/dsi.yaml's pong `a3c` block. The A3C workers read
    env, rnn_steps, gamma, tau, entropy, value_coef and grad_clip from the same dict."""

    env: str  # gymnasium id of the game (Pong-v4)
    workers: int  # Hogwild worker processes
    lr: float  # the shared Adam's learning rate
    gamma: float  # discount
    tau: float  # GAE lambda
    rnn_steps: int  # steps per rollout before an update
    entropy: float  # entropy bonus weight
    value_coef: float  # value loss weight
    grad_clip: float  # gradient-norm clip
    init: str  # scratch (A3C from a random init) or imitate (behaviour cloning first)
    policies: Dict[str, Dict[str, int]]  # per policy name: seed, channels, frames (A3C frames)
    imitate: Optional[Imitate] = None  # the cloning's settings (needed with init: imitate)


class SharedAdam(torch.optim.Optimizer):
    """Adam with moments in shared memory, written out explicitly (same update on every torch)."""

    def __init__(self, params, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                st["step_t"] = torch.zeros(1).share_memory_()
                st["exp_avg"] = torch.zeros_like(p.data).share_memory_()
                st["exp_avg_sq"] = torch.zeros_like(p.data).share_memory_()

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                st["step_t"] += 1
                n = float(st["step_t"][0])
                st["exp_avg"].mul_(b1).add_(p.grad, alpha=1 - b1)
                st["exp_avg_sq"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                denom = (st["exp_avg_sq"] / (1 - b2 ** n)).sqrt_().add_(group["eps"])
                p.addcdiv_(st["exp_avg"], denom, value=-group["lr"] / (1 - b1 ** n))


def discount(x: np.ndarray, gamma: float) -> np.ndarray:
    """Discounted cumulative sums from the end: y_t = x_t + gamma * y_{t+1}."""
    out = np.zeros(len(x), dtype=np.float64)
    acc = 0.0
    for t in range(len(x) - 1, -1, -1):
        acc = x[t] + gamma * acc
        out[t] = acc
    return out


def a3c_loss(values: torch.Tensor, logps: torch.Tensor, actions: torch.Tensor,
             rewards: np.ndarray, next_value: float, gamma: float, tau: float, entropy: float,
             value_coef: float) -> torch.Tensor:
    """baby-a3c's cost: GAE policy loss + value_coef * 0.5 * squared error - entropy bonus.
    values: (T,), logps: (T, A), actions: (T,), rewards: (T,)."""
    v = torch.cat([values.detach(), torch.tensor([next_value], dtype=values.dtype)]).numpy()
    delta = rewards + gamma * v[1:] - v[:-1]
    gae = torch.tensor(discount(delta, gamma * tau).copy(), dtype=values.dtype)
    logpy = logps.gather(1, actions.view(-1, 1)).view(-1)
    policy_loss = -(logpy * gae).sum()
    r = np.array(rewards, dtype=np.float64)
    r[-1] += gamma * next_value
    returns = torch.tensor(discount(r, gamma).copy(), dtype=values.dtype)
    value_loss = 0.5 * (returns - values).pow(2).sum()
    ent = (-logps * logps.exp()).sum()
    return policy_loss + value_coef * value_loss - entropy * ent


def worker(rank: int, shared: A3CPolicy, opt: SharedAdam, counter, cfg: dict, seed: int,
           stop_at: int) -> None:
    torch.manual_seed(seed + rank)
    torch.set_num_threads(1)
    env = make_pong(cfg["env"])
    obs, _ = env.reset(seed=seed * 1000 + rank)
    model = A3CPolicy(channels=shared.channels)
    state = torch.from_numpy(preprocess(obs)[None].astype(np.float32) / 255.0)
    hx = model.initial_state()
    ep_len = 0
    while counter.value < stop_at:
        model.load_state_dict(shared.state_dict())
        hx = hx.detach()
        values, logps, actions, rewards = [], [], [], []
        done = False
        for _ in range(int(cfg["rnn_steps"])):
            value, logit, hx = model(state, hx)
            logp = F.log_softmax(logit, dim=-1)
            action = torch.exp(logp).multinomial(num_samples=1).detach()[0, 0]
            obs, reward, terminated, truncated, _ = env.step(int(action))
            ep_len += 1
            done = terminated or truncated or ep_len >= 10000
            state = torch.from_numpy(preprocess(obs)[None].astype(np.float32) / 255.0)
            values.append(value.view(1))
            logps.append(logp)
            actions.append(action.view(1))
            rewards.append(float(np.clip(reward, -1, 1)))
            with counter.get_lock():
                counter.value += 1
            if done:
                obs, _ = env.reset()
                state = torch.from_numpy(preprocess(obs)[None].astype(np.float32) / 255.0)
                hx = model.initial_state()
                ep_len = 0
                break
        next_value = 0.0
        if not done:
            with torch.no_grad():
                next_value = float(model(state, hx.detach())[0])
        loss = a3c_loss(torch.cat(values), torch.cat(logps), torch.cat(actions),
                        np.array(rewards), next_value, cfg["gamma"], cfg["tau"], cfg["entropy"],
                        cfg["value_coef"])
        model.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        for p, sp in zip(model.parameters(), shared.parameters()):
            sp.grad = p.grad.clone()
        opt.step()


def imitate_init(net: A3CPolicy, icfg: Imitate, spec: dict, name: str, out_half, log) -> list:
    """Behaviour cloning of ``net`` on the scripted teacher's rallies (laptop stand-in for A3C);
    saves the policy after half the updates to ``out_half`` (the cross-step agent)."""
    from scripts.dsi import imitate

    imitate.he_init(net)
    env = make_pong(icfg.env)
    rallies = imitate.collect(env, icfg.rallies, int(spec["seed"]), icfg.max_steps,
                              {"offset": icfg.offset, "steer": icfg.steer}, icfg.epsilon, log)

    def on_half(model):
        if out_half:
            torch_save(out_half, {"model": model.state_dict(), "channels": int(spec["channels"]),
                                  "frames": 0, "seed": int(spec["seed"]), "policy": name,
                                  "init": "imitate", "updates": icfg.updates // 2})

    return imitate.behaviour_clone(net, rallies, icfg.updates, icfg.batch_size, icfg.window,
                                   icfg.lr, icfg.gamma, icfg.value_coef, int(spec["seed"]),
                                   on_half, log)


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--policy", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--out-half", default=None)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.out)
    log = get_logger("dsi.train_a3c")
    cfg = args.params   # the A3C workers read their settings from this dict
    p = cli.step_params(Params, cfg)
    spec = p.policies[args.policy]
    total = int(spec["frames"])
    out_dir = os.path.dirname(args.out)
    ckpt = os.path.join(out_dir, f".{args.policy}.checkpoint.pt")
    torch.manual_seed(spec["seed"])
    shared = A3CPolicy(channels=int(spec["channels"]))
    imitated = p.init == "imitate"
    # a checkpoint of other settings is deleted here (fresh start, imitation included)
    ck = load_checkpoint(ckpt, restore_rng=False, fingerprint=args_fingerprint(args),
                         log=log.info)
    if imitated and ck is None:
        t_bc = time.time()
        history = imitate_init(shared, p.imitate, spec, args.policy, args.out_half, log)
        write_json(os.path.join(out_dir, f"{args.policy}_imitate.json"),
                   {"seconds": time.time() - t_bc, "history": history, "spec": spec,
                    "imitate": cfg["imitate"]})
    shared.share_memory()
    opt = SharedAdam(shared.parameters(), lr=p.lr)
    done_frames = 0
    half_saved = imitated  # the imitation's half-way policy is the cross-step agent
    if ck is not None:   # worker seeds follow the frame count: no global RNG state to restore
        shared.load_state_dict(ck["model"])
        for (pa, st) in zip(shared.parameters(), ck["opt"]):
            for key in ("step_t", "exp_avg", "exp_avg_sq"):
                opt.state[pa][key].copy_(st[key])
        done_frames, half_saved = int(ck["frames"]), bool(ck["half_saved"])
        log.info("resumed at %d frames", done_frames)
    counter = mp.Value("l", done_frames)

    def save(path: str, frames: int) -> None:
        torch_save(path, {"model": shared.state_dict(), "channels": int(spec["channels"]),
                          "frames": frames, "seed": int(spec["seed"]), "policy": args.policy})

    def checkpoint() -> None:
        save_checkpoint(ckpt, {"model": shared.state_dict(), "frames": counter.value,
                               "half_saved": half_saved,
                               "opt": [{k: opt.state[pa][k].clone() for k in
                                        ("step_t", "exp_avg", "exp_avg_sq")}
                                       for pa in shared.parameters()]},
                        fingerprint=args_fingerprint(args))

    t0 = time.time()
    # train in chunks (a checkpoint after each), saving the half-way (cross-step) policy
    chunk = max(1, total // 20)
    stops = sorted(set([total // 2, total] + list(range(chunk, total, chunk))))
    for stop_at in stops:
        if counter.value >= stop_at:
            continue
        if p.workers == 1:
            worker(0, shared, opt, counter, cfg, int(spec["seed"]) + counter.value, stop_at)
        else:
            procs = [mp.Process(target=worker, args=(r, shared, opt, counter, cfg,
                                                     int(spec["seed"]) + counter.value, stop_at))
                     for r in range(p.workers)]
            for pr in procs:
                pr.start()
            for pr in procs:
                pr.join()
        if stop_at >= total // 2 and args.out_half and not half_saved:
            save(args.out_half, counter.value)
            half_saved = True
        checkpoint()
        log.info("%d frames in %.0f s", counter.value, time.time() - t0)
    if args.out_half and not os.path.exists(args.out_half):
        save(args.out_half, counter.value)
    save(args.out, counter.value)
    write_json(os.path.join(out_dir, f"{args.policy}.json"),
               {"frames": counter.value, "seconds": time.time() - t0, "spec": spec,
                "params": {k: v for k, v in cfg.items() if k != "policies"}})
    remove_checkpoint(ckpt)   # finished: a rerun trains again


if __name__ == "__main__":
    main()
