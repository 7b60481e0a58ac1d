"""Rule lse_mbrl_data: the MBRL baseline's dataset from one varied-HP SE run: the real-env test
transitions (s, a, s', r, done) of agents trained on that SE."""
from __future__ import annotations

import sys


from scripts.common.cli import parser, setup
from scripts.common.io import load_npz, save_npz
from scripts.common.progress import get_logger


def main(argv=None) -> int:
    ap = parser(__doc__.splitlines()[0], required=["--transitions", "--out"])
    args = ap.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("lse.mbrl_data")
    data = load_npz(args.transitions)
    need = ("s", "a", "s2", "r", "done")
    if any(k not in data for k in need):
        raise ValueError(f"{args.transitions}: needs arrays {need}, has {sorted(data)}")
    n = len(data["r"])
    if n == 0:
        raise ValueError(f"{args.transitions}: no transitions")
    log.info("%d transitions, %d terminal", n, int(data["done"].sum()))
    save_npz(args.out, **{k: data[k] for k in need})
    return 0


if __name__ == "__main__":
    sys.exit(main())
