"""Write a manifest: one row per table or figure with its provenance and checksum.

``figures/<id>/all`` lists one paper's targets; ``figures/all`` concatenates
those. Targets left out at a scale are listed with the reason, never faked.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from scripts.common.io import atomic_path, read_csv_checked, sha256_of

COLUMNS = ["path", "paper", "reproduces", "scale", "seeds", "status", "sha256", "env_lane"]


def paper_manifest(targets: list[dict], scale: str, env_lane: str = "pinned") -> pd.DataFrame:
    """Rows for one paper. ``targets``: dicts with path, paper, reproduces, seeds, left_out;
    ``env_lane``: the conda env lane the run used (pinned or current)."""
    rows = []
    for t in targets:
        left_out = t.get("left_out")
        if left_out:
            status, digest = f"left out: {left_out}", ""
        else:
            path = Path(t["path"])
            if not path.exists():
                raise FileNotFoundError(f"manifest: target {path} was not built")
            status, digest = "built", sha256_of(path)
        rows.append({"path": t["path"], "paper": t["paper"], "reproduces": t["reproduces"],
                     "scale": scale, "seeds": t["seeds"], "status": status, "sha256": digest,
                     "env_lane": env_lane})
    return pd.DataFrame(rows, columns=COLUMNS)


def write_tsv(frame: pd.DataFrame, out: str) -> None:
    with atomic_path(out) as tmp:
        frame.to_csv(tmp, sep="\t", index=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", required=True)
    p.add_argument("--env-lane", default="pinned", help="the conda env lane of the run")
    p.add_argument("--targets", type=json.loads,
                   help="one paper's targets, as a JSON list (written by rules/common.smk)")
    p.add_argument("--combine", nargs="*", default=[], help="per-paper manifests to concatenate")
    p.add_argument("--extra-targets", type=json.loads,
                   help="targets of no paper (the scorecard), as a JSON list, after the papers'")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    parts = [read_csv_checked(m, columns=COLUMNS, min_rows=0, sep="\t", dtype=str,
                              keep_default_na=False) for m in args.combine]
    for targets in (args.targets, args.extra_targets):
        if targets:
            parts.append(paper_manifest(targets, args.scale, args.env_lane).astype(str))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    write_tsv(frame, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
