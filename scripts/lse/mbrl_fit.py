"""Rule lse_mbrl_fit: the supervised MBRL baseline, done correctly.

The SE architecture fitted by MSE on [one-hot a, s] (action FIRST, the order the SE is queried
with) -> s', r and the done flag (all three heads; the original fitted [s, a] and never trained
the done head, whose random outputs > 0.5 ended episodes). Adam, shuffled mini-batches; a 20%
hold-out gives the validation MSE used to pick the "best" models.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

import numpy as np
import torch

from scripts.common.checkpoint import Checkpointer, args_fingerprint, remove_checkpoint
from scripts.common.cli import parser, setup, step_params
from scripts.common.io import load_npz, torch_save, write_json, write_text
from scripts.common.progress import get_logger
from scripts.lse.models import SyntheticEnvNet, env_spaces


@dataclass(frozen=True)
class Params:
    """Settings of rule lse_mbrl_fit: config/lse.yaml's `mbrl` block, plus the env."""

    env: str  # which environment's transitions these are (cartpole)
    net: Dict[str, Any]  # the SE network's shape: activation, hidden_size, hidden_layer
    lr: float  # Adam's learning rate
    batch_size: int  # transitions per minibatch
    epochs: int  # passes over the 80% training split
    checkpoint_every: int = 10  # epochs between resumable checkpoints (not in config: seconds apart)


def fit(data, env, net, lr, batch, epochs, seed, log=None, checkpointer=None):
    """Fit the model; with a ``checkpointer`` (scripts.common.checkpoint.Checkpointer), save the
    model, optimiser and shuffling RNG every ``checkpointer.every`` epochs and resume from the
    last save, so a resumed fit ends with the same model as an uninterrupted one."""
    obs_dim, n_act, _, _ = env_spaces(env)
    se = SyntheticEnvNet(1, obs_dim, n_act, net, [seed])
    rng = np.random.default_rng(seed)
    n = len(data["r"])
    perm = rng.permutation(n)
    n_val = max(1, n // 5) if n > 1 else 0
    val, tr = perm[:n_val], perm[n_val:] if n > 1 else perm
    t = {k: torch.as_tensor(np.asarray(v)) for k, v in data.items()}
    opt = torch.optim.Adam(se.parameters(), lr=lr)
    start = 0
    if checkpointer is not None:
        checkpointer.generators = {"shuffle": rng}
        state = checkpointer.load()
        if state is not None:
            se.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            start = int(state["step"])

    def loss_of(idx):
        s, a = t["s"][idx].float().unsqueeze(0), t["a"][idx].long().unsqueeze(0)
        s2, r, d = se(s, a)
        x = torch.cat([torch.nn.functional.one_hot(a, n_act).float(), s], 2)
        done_out = se.done_net(x)[..., 0]
        return (((s2 - t["s2"][idx].float().unsqueeze(0)) ** 2).mean()
                + ((r - t["r"][idx].float().unsqueeze(0)) ** 2).mean()
                + ((done_out - t["done"][idx].float().unsqueeze(0)) ** 2).mean())

    for ep in range(start, epochs):
        order = rng.permutation(tr)
        for i in range(0, len(order), batch):
            idx = torch.as_tensor(order[i:i + batch])
            loss = loss_of(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if log is not None and (ep + 1) % max(1, epochs // 5) == 0:
            log.info("epoch %d: train loss %.3g", ep + 1, float(loss))
        if checkpointer is not None and (ep + 1) % checkpointer.every == 0 and ep + 1 < epochs:
            checkpointer.save({"step": ep + 1, "model": se.state_dict(), "optimizer": opt.state_dict()})
    with torch.no_grad():
        val_mse = float(loss_of(torch.as_tensor(val))) if n_val else float("nan")
    return se, val_mse


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--data", "--out"])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.mbrl_fit")
    p = step_params(Params, args.params)
    data = load_npz(args.data)
    # several seeds share the output folder: a hidden checkpoint per output
    ckpt = Path(args.out).parent / f".{Path(args.out).name}.checkpoint.pt"
    checkpointer = Checkpointer(ckpt, every=p.checkpoint_every, log=log.info,
                                fingerprint=args_fingerprint(args, [args.data]))
    se, val_mse = fit(data, p.env, p.net, p.lr, p.batch_size, p.epochs, args.seed, log, checkpointer)
    log.info("validation MSE (next state + reward + done) %.4g on %d transitions", val_mse, len(data["r"]))
    import yaml

    out_dir = Path(args.out).parent
    write_text(out_dir / "config.yaml", yaml.safe_dump({"net": p.net, "env": p.env, "seed": args.seed}))
    write_json(out_dir / f"metrics_seed{args.seed}.json", {"val_mse": val_mse, "n": int(len(data["r"]))})
    torch_save(args.out, {"psi": torch.as_tensor(se.get_flat()[0].astype(np.float32)),
                          "solved": torch.tensor(True), "solved_iteration": torch.tensor(-1),
                          "best_score": torch.tensor(-val_mse)})
    remove_checkpoint(ckpt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
