"""Generate GridWorld-S/-M training data (rule dsi_gen_gridworld).

Episodes come from the BFS expert (positive, class 0), the detour expert (``policy_new``,
GridWorld-M, class 0: the original loader skipped the folder; we feed it as successes) and the
original's random failures (negative, class 1). ``negatives: lenmatch`` sizes each negative to the
length of a random positive of the same split, removing the length shortcut
(docs/fidelity/dsi.md, P2).
Environment seeds: train from ``seed_base``, test from ``seed_base + 1_000_000``: disjoint.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, List

import numpy as np
import pandas as pd

from scripts.common import cli
from scripts.common.io import save_npz, write_csv, write_json
from scripts.common.progress import get_logger
from scripts.dsi import gridworld as gw
from scripts.dsi.trainer import pack_episodes

@dataclass(frozen=True)
class Params:
    """Settings of rule dsi_gen_gridworld: config/dsi.yaml's gridworld seed_base and data."""

    seed_base: int  # first environment seed of the train split (test: + 1_000_000)
    # episodes per variant (S, M), split (train, test) and kind (positive, policy_new, negative)
    data: Dict[str, Dict[str, Dict[str, int]]]


KIND_CODE = {"positive": 0, "negative": 1, "policy_new": 2}
TARGET = {"positive": 0, "policy_new": 0, "negative": 1}


def generate_split(counts: Dict[str, int], negatives: str, seed_base: int,
                   rng: np.random.Generator) -> List[Dict[str, object]]:
    env = gw.make_env()
    episodes: List[Dict[str, object]] = []
    seed = seed_base
    for kind in ("positive", "policy_new"):
        for _ in range(int(counts.get(kind, 0))):
            episodes.append(gw.positive_episode(env, seed, detour=(kind == "policy_new"), rng=rng))
            seed += 1
    pos_lengths = [e["length"] for e in episodes if e["kind"] == "positive"] or [30]
    for _ in range(int(counts.get("negative", 0))):
        target = int(rng.choice(pos_lengths)) if negatives == "lenmatch" else None
        episodes.append(gw.negative_episode(env, seed, rng, target_length=target))
        seed += 1
    return episodes


def save_split(path: str, episodes: List[Dict[str, object]]) -> None:
    frames, offsets = pack_episodes([np.transpose(e["frames"], (0, 3, 1, 2)) for e in episodes])
    save_npz(path, frames=frames, offsets=offsets,
             target=np.array([TARGET[e["kind"]] for e in episodes], dtype=np.int64),
             kind=np.array([KIND_CODE[e["kind"]] for e in episodes], dtype=np.int64),
             env_seed=np.array([e["seed"] for e in episodes], dtype=np.int64))


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--variant", required=True, choices=["S", "M"])
    ap.add_argument("--negatives", required=True, choices=["official", "lenmatch"])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--manifest", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.train)
    log = get_logger("dsi.gen_gridworld")
    p = cli.step_params(Params, args.params)
    spec = p.data[args.variant]
    rng = np.random.default_rng(args.seed)
    rows = []
    t0 = time.time()
    n_total = 0
    for split, out, base in (("train", args.train, 0), ("test", args.test, 1_000_000)):
        eps = generate_split(spec[split], args.negatives, p.seed_base + base, rng)
        save_split(out, eps)
        n_total += len(eps)
        for e in eps:
            rows.append({"split": split, "kind": e["kind"], "env_seed": e["seed"],
                         "length": e["length"], "n_critical": int(np.sum(e["labels"]))})
        log.info("%s: %d episodes", split, len(eps))
    elapsed = time.time() - t0
    frame = pd.DataFrame(rows)
    write_csv(args.manifest, frame)
    summary = frame.groupby(["split", "kind"])["length"].describe().reset_index()
    log.info("lengths:\n%s", summary.to_string())
    write_json(args.manifest.replace(".csv", ".json"),
               {"episodes": n_total, "seconds": elapsed, "episodes_per_second": n_total / elapsed,
                "variant": args.variant, "negatives": args.negatives, "params": args.params})
    log.info("%d episodes in %.1f s (%.1f episodes/s)", n_total, elapsed, n_total / elapsed)


if __name__ == "__main__":
    main()
