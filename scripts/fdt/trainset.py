"""Training-set sampling: pick a buffer uniformly with RandomState(seed), continue it from
where it was left, read until 10 complete episodes of at least K steps are kept (shorter ones
are dropped and not counted), switch; stop at the transition budget. An episode whose
terminal index reaches the loader's capacity is dropped (docs/fidelity/fdt.md). Derived per
position: undiscounted returns-to-go of clipped rewards, timestep (0 at each episode's first
step: the original's DT timestep off-by-one is not reproduced), episode start.

CLI: ``python -m scripts.fdt.trainset --params JSON --seed S --replay DIR --out NPZ``
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from scripts.fdt.replay import episode_bounds, load_buffer
from scripts.common.io import open_npz, read_json


@dataclass(frozen=True)
class Params:
    """Settings of rule fdt_sample_trainset: config/fdt.yaml's `trainset` block, plus min_len."""

    transitions: int  # transition budget: sampling stops once it is reached
    capacity: int  # indices read per buffer (the original loader's replay_capacity)
    episodes_per_visit: int  # complete episodes kept per visit of a buffer
    min_len: int  # shortest episode kept (the model's context K; shorter ones are dropped)


def returns_to_go(rewards: np.ndarray, episode_start: np.ndarray) -> np.ndarray:
    """Undiscounted sum of rewards from t to the end of t's episode, r_t included."""
    rewards = np.asarray(rewards, dtype=np.float64)
    out = np.zeros(len(rewards), dtype=np.float64)
    run = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        run += rewards[t]
        out[t] = run
        if episode_start[t] == t:
            run = 0.0
    return out.astype(np.float32)


def sample_episodes(bounds: Sequence[List[Tuple[int, int, bool]]], *, seed: int,
                    transitions: int, capacity: int, episodes_per_visit: int, min_len: int
                    ) -> List[Tuple[int, int, int]]:
    """(buffer, start, end) of the sampled episodes, in sampling order.

    ``bounds[k]``: buffer k's episodes as (start, end, complete). As the original loader
    (create_dataset.py, DQNDatasetCreator.create_dataset): a visit keeps reading until
    ``episodes_per_visit`` episodes of at least ``min_len`` steps are kept (shorter episodes
    are dropped without counting), and a buffer is read only below ``capacity``: an episode
    whose last index reaches ``capacity - 1`` is dropped and ends the buffer."""
    rng = np.random.RandomState(seed)
    n_buf = len(bounds)
    cursor = [0] * n_buf  # index of the next unread episode per buffer
    usable = [[b for b in bk if b[2] and b[1] < capacity] for bk in bounds]
    out: List[Tuple[int, int, int]] = []
    total = 0
    while total < transitions:
        if all(cursor[k] >= len(usable[k]) for k in range(n_buf)):
            break  # every buffer read to its capacity (the original would loop forever)
        k = int(rng.choice(n_buf))
        kept = 0
        while kept < episodes_per_visit and cursor[k] < len(usable[k]):
            start, end, _ = usable[k][cursor[k]]
            cursor[k] += 1
            if end - start >= min_len:
                out.append((k, start, end))
                total += end - start
                kept += 1
    return out


KEYS = ("observation", "action", "reward", "raw_reward", "terminal", "lives", "valid")


def assemble(buffers, episodes: List[Tuple[int, int, int]]) -> Dict[str, np.ndarray]:
    """Concatenate the sampled episodes (in sampling order) into one flat training set.

    ``buffers``: a mapping or a function k -> buffer; each buffer is read once (DQN Replay
    checkpoints are ~7 GB each, so only one is held at a time)."""
    get = buffers if callable(buffers) else buffers.__getitem__
    pieces: Dict[int, Dict[str, np.ndarray]] = {}
    for k in sorted({e[0] for e in episodes}):
        buf = get(k)
        for e, (kb, s, t) in enumerate(episodes):
            if kb == k:
                pieces[e] = {key: np.asarray(buf[key][s:t]) for key in KEYS}
        del buf
    parts: Dict[str, list] = {k: [] for k in KEYS}
    src_buffer, src_index, ep_start, timestep, ep_id = [], [], [], [], []
    pos = 0
    for e, (k, s, t) in enumerate(episodes):
        for key in KEYS:
            parts[key].append(pieces[e][key])
        n = t - s
        src_buffer.append(np.full(n, k, dtype=np.int32))
        src_index.append(np.arange(s, t, dtype=np.int64))
        ep_start.append(np.full(n, pos, dtype=np.int64))
        timestep.append(np.arange(n, dtype=np.int64))
        ep_id.append(np.full(n, e, dtype=np.int64))
        pos += n
    out = {k: np.concatenate(v) for k, v in parts.items()}
    out.update(src_buffer=np.concatenate(src_buffer), src_index=np.concatenate(src_index),
               episode_start=np.concatenate(ep_start), timestep=np.concatenate(timestep),
               episode=np.concatenate(ep_id))
    out["rtg"] = returns_to_go(out["reward"], out["episode_start"])
    return out


def main(argv=None) -> int:
    from scripts.common import cli
    from scripts.common.io import save_npz, write_json
    from scripts.common.progress import get_logger

    ap = cli.parser(__doc__.splitlines()[0], required=["--out"])
    ap.add_argument("--replay", required=True, help="folder with buffer_{k}.npz and manifest.json")
    args = ap.parse_args(argv)
    cli.setup(args, config_beside=args.out)
    log = get_logger("fdt.trainset")
    prm = args.params
    p = cli.step_params(Params, prm)
    manifest = read_json(Path(args.replay) / "manifest.json", keys=["buffers"])
    n_buf = int(manifest["buffers"])
    bounds = []
    for k in range(n_buf):
        with open_npz(Path(args.replay) / f"buffer_{k}.npz") as z:  # lazy: no frames loaded
            bounds.append(episode_bounds(z["terminal"], z["padding"]))
    episodes = sample_episodes(bounds, seed=args.seed, transitions=p.transitions,
                               capacity=p.capacity,
                               episodes_per_visit=p.episodes_per_visit,
                               min_len=p.min_len)
    if not episodes:
        log.error("no episode of at least %d steps in %s", p.min_len, args.replay)
        return 1
    data = assemble(lambda k: load_buffer(Path(args.replay) / f"buffer_{k}.npz"), episodes)
    log.info("training set: %d transitions, %d episodes, max rtg %.1f, max timestep %d",
             len(data["action"]), len(episodes), float(data["rtg"].max()),
             int(data["timestep"].max()))
    save_npz(args.out, **data)
    write_json(str(args.out)[: -len(".npz")] + ".json",
               {**prm, "seed": args.seed, "transitions_kept": int(len(data["action"])),
                "episodes": len(episodes), "max_rtg": float(data["rtg"].max())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
