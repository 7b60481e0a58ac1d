"""Laptop-scale stand-in for A3C training (``a3c.init: imitate``): a scripted Pong teacher, its
rallies, and behaviour cloning of a baby-a3c actor-critic on them.

A3C needs tens of millions of frames to win Pong rallies; a CPU-minute of it gives a policy
that never wins, so the attack's win-rate drop is undefined. The stand-in keeps the attacked
agent's form (baby-a3c convs + GRU, greedy actions, the same preprocessing) and trains it on a
teacher instead of rewards:

* teacher: reads the ball and its own paddle from the RGB frame, predicts where the ball meets
  the paddle column (with wall bounces), and aims the paddle ``offset`` pixels below that point,
  plus ``steer`` pixels in the direction of the ball's vertical motion (hitting the ball off the
  paddle's edge gives the steep return the built-in opponent misses). Pong's paddle has momentum
  and the frame skip is random, so while the ball approaches the teacher picks the action whose
  paddle position two steps ahead (this action, then NOOP; found by emulator look-ahead with the
  state and frame-skip generator restored) is nearest the aim; otherwise a damped rule.
* actor: cross-entropy to the teacher's action on the teacher's rallies (the taken action may be
  an epsilon-random one, for state coverage; the label is always the teacher's);
* critic: regression on the Monte-Carlo return of the rally, the discounted outcome
  ``gamma ** (T - 1 - t) * outcome`` (the only reward of a rally is its final point).

Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

import copy
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from scripts.dsi.pong import N_ACTIONS, A3CPolicy, preprocess, rally_step

TOP, BOTTOM = 34, 194          # play field rows of the 210x160 RGB frame (walls outside)
PADDLE_COLS = (140, 144)       # the agent's (right, green) paddle columns
PADDLE_RGB = (92, 186, 92)
BALL_RGB = (236, 236, 236)
NOOP, UP, DOWN = 0, 2, 3       # Pong's RIGHT moves the paddle up, LEFT down


def locate(frame: np.ndarray) -> Tuple[Optional[float], Optional[Tuple[float, float]]]:
    """(paddle centre row, (ball row, ball column)) in full-frame pixels; None where absent."""
    play = frame[TOP:BOTTOM]
    pm = (play[:, PADDLE_COLS[0]:PADDLE_COLS[1]] == np.array(PADDLE_RGB)).all(-1).any(1)
    rows = np.nonzero(pm)[0]
    paddle = None if len(rows) == 0 else TOP + (rows.min() + rows.max()) / 2.0
    by, bx = np.nonzero((play == np.array(BALL_RGB)).all(-1))
    ball = None if len(by) == 0 else (TOP + float(by.mean()), float(bx.mean()))
    return paddle, ball


def reflect(y: float, lo: float, hi: float) -> float:
    """Fold a straight-line position into [lo, hi] as a ball bouncing off both walls."""
    span = hi - lo
    y = (y - lo) % (2 * span)
    return lo + (y if y <= span else 2 * span - y)


def aim(ball: Optional[Tuple[float, float]], prev_ball: Optional[Tuple[float, float]],
        offset: float, steer: float) -> Tuple[float, bool]:
    """The teacher's paddle-centre target row and whether the ball approaches the agent.
    No ball: the field's centre. Approaching (moving right): the predicted crossing of the
    paddle column, bounces included; else the ball's row. Then + offset + steer * sign(vy)."""
    if ball is None:
        return (TOP + BOTTOM) / 2.0, False
    target, vy, approaching = ball[0], 0.0, False
    if prev_ball is not None:
        vy, vx = ball[0] - prev_ball[0], ball[1] - prev_ball[1]
        if vx > 0.5:
            approaching = True
            target = reflect(ball[0] + vy * (PADDLE_COLS[0] - ball[1]) / vx, TOP + 1, BOTTOM - 1)
    return target + offset + steer * float(np.sign(vy)), approaching


def damped_action(paddle: float, velocity: float, target: float, kv: float = 2.5,
                  dead: float = 3.0) -> int:
    """Move toward the target from the paddle's extrapolated position paddle + kv * velocity."""
    pred = paddle + kv * velocity
    if pred > target + dead:
        return UP
    if pred < target - dead:
        return DOWN
    return NOOP


def mc_returns(length: int, outcome: float, gamma: float) -> np.ndarray:
    """Discounted return of each step of a rally whose only reward, ``outcome``, comes with its
    last step: G_t = gamma ** (length - 1 - t) * outcome."""
    return (outcome * gamma ** np.arange(length - 1, -1, -1, dtype=np.float64)).astype(np.float32)


class Teacher:
    """The scripted player (module docstring). ``act(env, obs)`` may look ahead in ``env``
    (an ale_py AtariEnv behind gymnasium wrappers) and restores it exactly."""

    def __init__(self, offset: float = 0.0, steer: float = 8.0):
        self.offset, self.steer = float(offset), float(steer)
        self.prev_ball = None
        self.prev_paddle = None

    def _lookahead(self, env, target: float) -> int:
        u = env.unwrapped
        state = u.ale.cloneState()
        rng_state = copy.deepcopy(u.np_random.bit_generator.state)
        best, best_d = NOOP, None
        for a in (NOOP, UP, DOWN):
            u.ale.restoreState(state)
            u.np_random.bit_generator.state = copy.deepcopy(rng_state)
            u.step(a)
            obs, *_ = u.step(NOOP)
            p, _ = locate(obs)
            d = abs((p if p is not None else (TOP + BOTTOM) / 2.0) - target)
            if best_d is None or d < best_d - 0.5:
                best, best_d = a, d
        u.ale.restoreState(state)
        u.np_random.bit_generator.state = rng_state
        return best

    def act(self, env, obs: np.ndarray) -> int:
        paddle, ball = locate(obs)
        target, approaching = aim(ball, self.prev_ball, self.offset, self.steer)
        self.prev_ball = ball
        velocity = 0.0 if (paddle is None or self.prev_paddle is None) else paddle - self.prev_paddle
        self.prev_paddle = paddle
        if paddle is None:
            return NOOP
        if approaching:
            return self._lookahead(env, target)
        return damped_action(paddle, velocity, target)


def teacher_rally(env, seed: int, max_steps: int, teacher: Teacher, epsilon: float,
                  rng: np.random.Generator) -> Dict[str, object]:
    """One rally from reset(seed) by the teacher, epsilon-random executed actions; frames are
    the network's preprocessed uint8 (T, 1, 80, 80), labels the teacher's actions."""
    obs, _ = env.reset(seed=int(seed))
    frames: List[np.ndarray] = []
    labels: List[int] = []
    outcome = 0
    for _ in range(max_steps):
        frames.append(preprocess(obs))
        a = teacher.act(env, obs)
        labels.append(a)
        if epsilon and rng.random() < epsilon:
            a = int(rng.integers(N_ACTIONS))
        obs, ended = rally_step(env, a)
        if ended is not None:
            outcome = ended
            break
    return {"frames": np.stack(frames).astype(np.uint8), "labels": np.array(labels),
            "outcome": outcome}


def sequence_forward(net: A3CPolicy, frames: Sequence[torch.Tensor]
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run the actor-critic over a batch of rallies from zero GRU states. frames: list of
    (T_i, 1, 80, 80) float tensors. Returns values (N,), logits (N, A) over the concatenated
    valid steps and the (T_max, B) validity mask. Convs run on valid frames only."""
    lengths = [len(f) for f in frames]
    feats = net.features(torch.cat(list(frames)))
    t_max, b = max(lengths), len(lengths)
    padded = feats.new_zeros(t_max, b, feats.shape[1])
    mask = torch.zeros(t_max, b, dtype=torch.bool)
    start = 0
    for i, n in enumerate(lengths):
        padded[:n, i] = feats[start:start + n]
        mask[:n, i] = True
        start += n
    hx = feats.new_zeros(b, net.memsize)
    hs = []
    for t in range(t_max):
        hx = net.gru(padded[t], hx)
        hs.append(hx)
    h = torch.stack(hs)[mask]  # time-major valid steps
    return net.critic_linear(h).view(-1), net.actor_linear(h), mask


def time_major(per_rally: Sequence[np.ndarray], mask: torch.Tensor) -> torch.Tensor:
    """Concatenate per-rally step arrays in the time-major order of ``sequence_forward``."""
    t_max, b = mask.shape
    out = np.zeros((t_max, b) + np.asarray(per_rally[0]).shape[1:],
                   dtype=np.asarray(per_rally[0]).dtype)
    for i, arr in enumerate(per_rally):
        out[:len(arr), i] = arr
    return torch.from_numpy(out)[mask]


def bc_loss(net: A3CPolicy, rallies: Sequence[Dict[str, object]], gamma: float,
            value_coef: float) -> Tuple[torch.Tensor, float]:
    """Cross-entropy of the actor to the teacher's labels + value_coef * mean squared error of
    the critic to the Monte-Carlo returns; also the batch's label accuracy."""
    frames = [torch.from_numpy(r["frames"].astype(np.float32) / 255.0) for r in rallies]
    values, logits, mask = sequence_forward(net, frames)
    labels = time_major([np.asarray(r["labels"], dtype=np.int64) for r in rallies], mask)
    returns = time_major([r["returns"] if "returns" in r else
                          mc_returns(len(r["labels"]), r["outcome"], gamma) for r in rallies], mask)
    loss = F.cross_entropy(logits, labels) + value_coef * F.mse_loss(values, returns)
    acc = float((logits.argmax(-1) == labels).float().mean())
    return loss, acc


def collect(env, n: int, seed: int, max_steps: int, teacher_kw: Dict[str, float],
            epsilon: float, log=None) -> List[Dict[str, object]]:
    """``n`` teacher rallies from seeds seed * 100_000 + i (disjoint from the rollout and attack
    seeds for seed < 10), the first half greedy, the second epsilon-random for coverage."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(int(n)):
        eps = 0.0 if i < n // 2 else float(epsilon)
        out.append(teacher_rally(env, 2_000_000 + seed * 100_000 + i, max_steps,
                                 Teacher(**teacher_kw), eps, rng))
    if log is not None:
        o = np.array([r["outcome"] for r in out])
        log.info("teacher: %d rallies, wins/losses/timeouts %d/%d/%d, mean length %.1f", len(o),
                 (o == 1).sum(), (o == -1).sum(), (o == 0).sum(),
                 np.mean([len(r["labels"]) for r in out]))
    return out


def windows(rallies: Sequence[Dict[str, object]], window: int, gamma: float,
            rng: np.random.Generator, count: int) -> List[Dict[str, object]]:
    """``count`` random windows of ``window`` consecutive steps (whole rally if shorter), each
    with its slice of the rally's Monte-Carlo returns; the GRU starts each window from zeros."""
    out = []
    for i in rng.integers(0, len(rallies), count):
        r = rallies[int(i)]
        T = len(r["labels"])
        s = int(rng.integers(0, max(1, T - window + 1)))
        ret = mc_returns(T, r["outcome"], gamma)
        out.append({"frames": r["frames"][s:s + window], "labels": r["labels"][s:s + window],
                    "returns": ret[s:s + window], "outcome": r["outcome"]})
    return out


def behaviour_clone(net: A3CPolicy, rallies: Sequence[Dict[str, object]], updates: int,
                    batch_size: int, window: int, lr: float, gamma: float, value_coef: float,
                    seed: int, on_half=None, log=None, log_every: int = 50
                    ) -> List[Dict[str, float]]:
    """Adam on ``bc_loss`` over ``updates`` mini-batches of ``batch_size`` random windows of
    ``window`` steps; ``on_half(net)`` is called once after half the updates (the cross-step
    policy). Returns the loss/accuracy averaged over each ``log_every`` updates."""
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    history: List[Dict[str, float]] = []
    losses, accs = [], []
    net.train()
    for step in range(1, int(updates) + 1):
        batch = windows(rallies, int(window), gamma, rng, int(batch_size))
        loss, acc = bc_loss(net, batch, gamma, value_coef)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 40.0)
        opt.step()
        losses.append(float(loss.detach()))
        accs.append(acc)
        if on_half is not None and step == max(1, int(updates) // 2):
            on_half(net)
        if step % log_every == 0 or step == int(updates):
            history.append({"update": step, "loss": float(np.mean(losses)),
                            "accuracy": float(np.mean(accs))})
            losses, accs = [], []
            if log is not None:
                log.info("BC update %d: loss %.4f, label accuracy %.3f", step,
                         history[-1]["loss"], history[-1]["accuracy"])
    net.eval()
    return history


def he_init(net: A3CPolicy) -> A3CPolicy:
    """He-normal conv weights, zero conv biases. With PyTorch's default init the four ELU convs
    shrink the frame differences (a 1-pixel ball, a paddle) to near-constant features and behaviour
    cloning stays at chance for hundreds of updates; He init keeps their scale."""
    for m in (net.conv1, net.conv2, net.conv3, net.conv4):
        torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        torch.nn.init.zeros_(m.bias)
    return net
