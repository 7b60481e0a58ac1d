"""Pin the SHA-256 of DQN Replay files (run 1 of each game) into config/fdt_sources.yaml.

The bucket publishes an MD5 per object (GCS JSON API, ``md5Hash``); each file is downloaded
once, checked against that MD5, and its SHA-256 recorded as a ``data_sources`` entry
``fdt_replay_{Game}_{run}_{array}_{ckpt}`` for the checksummed download rule. Needs network;
not part of the workflow (run it once, commit the file).

    python -m scripts.fdt.pin_sources --games Breakout Pong Qbert Seaquest --run 1
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.request
from pathlib import Path

import yaml

from scripts.fdt.replay import replay_filename
from scripts.fdt.replay_data import (REPLAY_ARRAYS, metadata_url, published_md5,
                                     replay_source_name, replay_url)

SOURCES = Path(__file__).resolve().parents[2] / "config" / "fdt_sources.yaml"


def hash_url(url: str):
    md5, sha = hashlib.md5(), hashlib.sha256()
    with urllib.request.urlopen(url, timeout=600) as r:
        while True:
            block = r.read(1 << 22)
            if not block:
                break
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--games", nargs="+", default=["Breakout", "Qbert", "Pong", "Seaquest"])
    p.add_argument("--run", type=int, default=1)
    p.add_argument("--checkpoints", type=int, default=51)
    args = p.parse_args(argv)
    text = SOURCES.read_text()
    doc = yaml.safe_load(text) or {}
    sources = doc.setdefault("data_sources", {})
    for game in args.games:
        for k in range(args.checkpoints):
            for array in REPLAY_ARRAYS:
                name = replay_source_name(game, args.run, array, k)
                if name in sources:
                    continue
                fname = replay_filename(array, k)
                url = replay_url(game, args.run, fname)
                md5, sha = hash_url(url)
                expected = published_md5(metadata_url(game, args.run, fname))
                if md5 != expected:
                    print(f"{name}: MD5 {md5} differs from the published {expected}", file=sys.stderr)
                    return 1
                sources[name] = {"url": url, "sha256": sha,
                                 "filename": replay_filename(array, k, store_prefix=False)}
                header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
                SOURCES.write_text(header + yaml.safe_dump(doc, sort_keys=False, width=200))
                print(f"pinned {name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
