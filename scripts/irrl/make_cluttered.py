"""Build the Cluttered MNIST dataset (docs/fidelity/irrl.md C1) from raw digits.

Output npz: X_train (n_train, W*W) float32, y_train (n_train, 1) int32, X_test, y_test (the
paper's file layout) and ``preview`` (the 400 samples of the 20 x 20 preview grid).
"""
from __future__ import annotations

from typing import Optional, Sequence

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import load_npz, save_npz
from scripts.common.progress import get_logger
from scripts.irrl.cluttered import generate
from scripts.irrl.params import DataParams as Params  # the whole `data` block; reads all but digits_*


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], seed=False, required=["--digits", "--out"])
    args = p.parse_args(argv)
    setup(args, config_beside=args.out)
    prm = step_params(Params, args.params)
    log = get_logger("irrl.cluttered")
    d = load_npz(args.digits, keys=["x_train", "y_train", "x_test", "y_test"])
    data = generate(d["x_train"], d["y_train"], d["x_test"], d["y_test"], canvas=prm.canvas,
                    frag=prm.fragment, n_clutter=prm.n_clutter,
                    n_fragments_db=prm.n_fragments_db, n_train=prm.n_train,
                    n_test=prm.n_test, preview_pool=prm.preview_pool, seed=prm.seed)
    for k, v in data.items():
        log.info("%s %s %s", k, v.shape, v.dtype)
    save_npz(args.out, **data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
