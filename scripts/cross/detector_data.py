"""The cross experiment's detector data (rule cross_detector_data): windows of the FDT MinAtar
behaviour log's complete episodes, labelled by their episode's return as DSI's MinAtar stage
labels its episodes (class 0: return above the sampled episodes' median, 1: at or below).

``episodes`` complete episodes are drawn uniformly without replacement from the whole log (the
DQN's run, from near-random play to its final policy, so the returns spread); from each, one
window of ``window`` steps at a uniform random start (the whole episode when shorter). DSI's
own MinAtar data keep each episode's first steps; a random window lets the detector see every
part of an episode, which it must score everywhere here. Frames are stored as DSI's rollouts
store them (uint8 (T, C, 10, 10) in {0, 255}; the detector step upsamples), with the same
train / test split by ``test_fraction``.

CLI: ``python -m scripts.cross.detector_data --params JSON --seed S --log DIR --train NPZ
--test NPZ --meta CSV``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np


@dataclass(frozen=True)
class Params:
    """Settings of rule cross_detector_data: config/cross.yaml's `detector_data` block."""

    episodes: int  # complete log episodes drawn (at most all of them)
    window: int  # steps per training sequence (the detector's max_length)
    test_fraction: float  # share of the sequences held out (the detector's test split)


def return_classes(returns: Sequence[float]) -> np.ndarray:
    """DSI's MinAtar labels: 0 where the return is above the median, 1 at or below."""
    r = np.asarray(returns, dtype=float)
    return np.where(r > np.median(r), 0, 1).astype(np.int64)


def draw_windows(lengths: Sequence[int], episodes: int, window: int,
                 rng: np.random.Generator) -> List[Tuple[int, int, int]]:
    """(episode index, start, stop) of ``episodes`` episodes drawn without replacement (in
    index order), each cut to one window of ``window`` steps at a uniform random start."""
    n = len(lengths)
    pick = np.sort(rng.choice(n, size=min(episodes, n), replace=False))
    out = []
    for i in pick:
        length = int(lengths[i])
        start = int(rng.integers(0, length - window + 1)) if length > window else 0
        out.append((int(i), start, start + min(window, length)))
    return out


def main() -> None:
    import pandas as pd

    from scripts.common import cli
    from scripts.common.io import read_json, save_npz, write_csv
    from scripts.common.progress import get_logger
    from scripts.dsi.trainer import pack_episodes
    from scripts.fdt.replay import episode_bounds, load_buffer

    ap = cli.parser(__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="the FDT MinAtar log folder")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--meta", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.meta)
    log = get_logger("cross.detector_data")
    p = cli.step_params(Params, args.params)
    folder = Path(args.log)
    manifest = read_json(folder / "manifest.json", keys=["buffers"])
    eps = []
    for k in range(int(manifest["buffers"])):
        b = load_buffer(folder / f"buffer_{k}.npz")
        for s, e, done in episode_bounds(b["terminal"], b["padding"]):
            if done:
                eps.append((b["observation"][s:e], float(np.sum(b["reward"][s:e]))))
    if not eps:
        raise SystemExit(f"no complete episode in {folder}")
    rng = np.random.default_rng(args.seed)
    cuts = draw_windows([len(f) for f, _ in eps], p.episodes, p.window, rng)
    frames = [np.asarray(eps[i][0][a:b], dtype=np.uint8) * np.uint8(255) for i, a, b in cuts]
    rets = np.array([eps[i][1] for i, _, _ in cuts])
    target = return_classes(rets)
    test = rng.random(len(rets)) < p.test_fraction
    if test.all() or not test.any():  # both splits need a sequence
        test[:] = False
        test[-1] = True
    for path, sel in ((args.train, ~test), (args.test, test)):
        idx = np.nonzero(sel)[0]
        packed, offsets = pack_episodes([frames[i] for i in idx])
        save_npz(path, frames=packed, offsets=offsets, target=target[idx], ret=rets[idx])
    write_csv(args.meta, pd.DataFrame({
        "log_episode": [i for i, _, _ in cuts], "start": [a for _, a, _ in cuts],
        "length": [b - a for _, a, b in cuts], "return": rets, "target": target,
        "split": np.where(test, "test", "train")}))
    log.info("%d of %d log episodes, median return %.1f, class 0 (above) %d, test %d",
             len(cuts), len(eps), float(np.median(rets)), int((target == 0).sum()), int(test.sum()))


if __name__ == "__main__":
    main()
