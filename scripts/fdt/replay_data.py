"""Paper scale: fetch DQN Replay files (and the authors' feedback labels) by the checksummed
registry, and convert a run's checkpoints into our buffer layout.

    python -m scripts.fdt.replay_data fetch --name NAME --url URL --sha256 HEX --out PATH
    python -m scripts.fdt.replay_data convert --game G --src DIR --capacity C --out-dir DIR

Registry names are ``fdt_replay_{Game}_{run}_{array}_{ckpt}`` and
``fdt_labels_{Game}_{ckpt}``; their url and sha256 come from ``data_sources`` in
config/fdt_sources.yaml (written by ``python -m scripts.fdt.pin_sources``, which checks each
file against the MD5 the bucket publishes before recording its SHA-256).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scripts.fdt.replay import read_dqn_replay_checkpoint

REPLAY_ARRAYS = ("observation", "action", "reward", "terminal", "add_count", "invalid_range")
BUCKET = "https://storage.googleapis.com/atari-replay-datasets/dqn"


def replay_source_name(game_dir: str, run: int, array: str, ckpt: int) -> str:
    return f"fdt_replay_{game_dir}_{run}_{array}_{ckpt}"


def replay_url(game_dir: str, run: int, filename: str) -> str:
    from urllib.parse import quote

    return f"{BUCKET}/{game_dir}/{run}/replay_logs/{quote(filename)}"


def main(argv=None) -> int:
    from scripts.common.download import DownloadError, download
    from scripts.common.io import save_npz, write_json
    from scripts.common.progress import get_logger

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch")
    f.add_argument("--name", required=True)
    f.add_argument("--url", required=True)
    f.add_argument("--sha256", required=True)
    f.add_argument("--out", required=True)
    c = sub.add_parser("convert")
    c.add_argument("--game", required=True)
    c.add_argument("--src", required=True)
    c.add_argument("--checkpoints", type=int, required=True)
    c.add_argument("--capacity", type=int, required=True)
    c.add_argument("--out-dir", required=True)
    args = p.parse_args(argv)
    log = get_logger("fdt.replay_data")
    if args.cmd == "fetch":
        if not args.sha256:
            log.error("data source '%s' has no pinned sha256 in data_sources; run "
                      "`python -m scripts.fdt.pin_sources` on a machine with network", args.name)
            return 1
        try:
            download(args.url, args.out, args.sha256, name=args.name)
        except DownloadError as exc:
            log.error("%s", exc)
            return 1
        return 0
    out = Path(args.out_dir)
    sizes = []
    for k in range(args.checkpoints):
        buf = read_dqn_replay_checkpoint(args.src, k, capacity=args.capacity,
                                         store_prefix=False)
        save_npz(out / f"buffer_{k}.npz", **buf)
        sizes.append(len(buf["action"]))
        log.info("checkpoint %d: %d indices", k, sizes[-1])
    write_json(out / "manifest.json", {"source": "dqn_replay", "game": args.game,
                                       "buffers": len(sizes), "sizes": sizes,
                                       "transitions": int(np.sum(sizes)),
                                       "capacity": args.capacity})
    return 0


if __name__ == "__main__":
    sys.exit(main())
