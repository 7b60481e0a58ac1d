"""Paper scale: fetch DQN Replay files (and the authors' feedback labels) by the checksummed
registry, and convert a run's checkpoints into our buffer layout.

    python -m scripts.fdt.replay_data fetch --name NAME --url URL --sha256 HEX --out PATH
    python -m scripts.fdt.replay_data fetch --name NAME --replay GAME RUN ARRAY CKPT --out PATH
    python -m scripts.fdt.replay_data convert --game G --src DIR --capacity C --out-dir DIR

Registry names are ``fdt_replay_{Game}_{run}_{array}_{ckpt}`` and
``fdt_labels_{Game}_{ckpt}``; their url and sha256 come from ``data_sources`` in
config/fdt_sources.yaml (written by ``python -m scripts.fdt.pin_sources``, which checks each
file against the MD5 the bucket publishes before recording its SHA-256). A DQN Replay file
with no pinned SHA-256 yet (``--replay`` names it) is fetched from the bucket and checked
against that published MD5 at download time; its SHA-256 is logged for pinning.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPLAY_ARRAYS = ("observation", "action", "reward", "terminal", "add_count", "invalid_range")
BUCKET = "https://storage.googleapis.com/atari-replay-datasets/dqn"
METADATA_API = "https://storage.googleapis.com/storage/v1/b/atari-replay-datasets/o/"


def replay_source_name(game_dir: str, run: int, array: str, ckpt: int) -> str:
    return f"fdt_replay_{game_dir}_{run}_{array}_{ckpt}"


def replay_url(game_dir: str, run: int, filename: str, bucket: str = BUCKET) -> str:
    from urllib.parse import quote

    return f"{bucket}/{game_dir}/{run}/replay_logs/{quote(filename)}"


def metadata_url(game_dir: str, run: int, filename: str, api: str = METADATA_API) -> str:
    """The GCS JSON API URL of a DQN Replay object's metadata (it holds the object's MD5)."""
    from urllib.parse import quote

    return api + quote(f"dqn/{game_dir}/{run}/replay_logs/{filename}", safe="")


def published_md5(url: str, timeout: float = 60.0) -> str:
    """The MD5 (hex) a GCS object's metadata states (``md5Hash``, base64 in the JSON)."""
    import base64
    import json
    import urllib.request

    with urllib.request.urlopen(url, timeout=timeout) as r:
        return base64.b64decode(json.load(r)["md5Hash"]).hex()


def main(argv=None) -> int:
    from scripts.common.download import DownloadError, download
    from scripts.common.io import save_npz, write_json, write_resolved_config
    from scripts.common.progress import get_logger

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch")
    f.add_argument("--name", required=True)
    f.add_argument("--url", default="", help="pinned URL (config/fdt_sources.yaml)")
    f.add_argument("--sha256", default="", help="pinned SHA-256 (config/fdt_sources.yaml)")
    f.add_argument("--replay", nargs=4, metavar=("GAME", "RUN", "ARRAY", "CKPT"),
                   help="the DQN Replay file, for the bucket's URL and published MD5 where no "
                        "url or sha256 is pinned")
    f.add_argument("--bucket", default=BUCKET, help=argparse.SUPPRESS)  # tests: a loopback server
    f.add_argument("--metadata-api", default=METADATA_API, help=argparse.SUPPRESS)
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
        url, meta = args.url, ""
        if args.replay:
            from scripts.fdt.replay import replay_filename

            game, run, array, ckpt = args.replay
            filename = replay_filename(array, int(ckpt))
            url = url or replay_url(game, int(run), filename, args.bucket)
            meta = metadata_url(game, int(run), filename, args.metadata_api)
        if not url or not (args.sha256 or meta):
            log.error("data source '%s' has no pinned url and sha256 in data_sources, and no "
                      "--replay to take the publisher's URL and MD5 from", args.name)
            return 1
        try:
            md5 = None if args.sha256 else published_md5(meta)
            digests = download(url, args.out, args.sha256 or None, md5=md5, name=args.name)
        except (DownloadError, OSError, KeyError, ValueError) as exc:
            log.error("data source '%s': %s", args.name, exc)
            return 1
        if not args.sha256:
            log.warning("data source '%s': verified against the published MD5 %s only; its "
                        "sha256 is %s (pin it with `python -m scripts.fdt.pin_sources`)",
                        args.name, md5, digests["sha256"])
        write_resolved_config(args.out, vars(args))
        return 0
    import numpy as np

    from scripts.fdt.replay import read_dqn_replay_checkpoint

    out = Path(args.out_dir)
    write_resolved_config(out, vars(args))
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
