"""Cluttered MNIST generator (paper section 2.1), pure and deterministic.

The paper's generator (S. K. Sonderby's recipe, as used by the IRRL code) draws
from one legacy ``np.random.RandomState(1234)`` in this order:

1. a fragment DB: for each of ``n_fragments_db`` entries a pool digit index, then
   x, then y of an ``frag x frag`` cut (``randint(digit - frag)``);
2. a preview grid of 400 samples drawn from the first ``preview_pool`` digits of the
   pool (the pkl's 50,000 train digits) -- this consumes draws before the datasets;
3. the train set, then the test set; per sample: digit index (with replacement),
   x offset, y offset, an unused "angle" draw, then per clutter fragment: DB index,
   x, y.

The digit's x offset is ``c + U{-c..c-1}`` with ``c = (W - d) // 2``; y is
``U{0..W-1}`` pushed up so that the digit fits (every y >= W - d becomes W - d:
about 47 % of digits sit at the bottom on the paper's 60x60 canvas). Clutter is
assigned on a second zero canvas (later fragments overwrite earlier ones), added to
the digit canvas and clipped to [0, 1]. Test clutter comes from the train DB.
Reproduced as in the paper's code (docs/fidelity/irrl.md C1).
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np


def make_fragment_db(rng: np.random.RandomState, pool: np.ndarray, n_db: int,
                     frag: int) -> np.ndarray:
    """``n_db`` random ``frag x frag`` cuts of random pool digits (draw order: idx, x, y)."""
    n, d = pool.shape[0], pool.shape[1]
    db = np.empty((n_db, frag, frag), dtype=pool.dtype)
    for i in range(n_db):
        k = rng.randint(n)
        x = rng.randint(d - frag)
        y = rng.randint(d - frag)
        db[i] = pool[k, y:y + frag, x:x + frag]
    return db


def place_digit(rng: np.random.RandomState, digit: np.ndarray, canvas: int) -> Tuple[np.ndarray, int, int]:
    """One digit on a zero canvas; returns (canvas, x0, y0). Draws: x, y, unused angle."""
    d = digit.shape[0]
    half = (canvas - d) // 2
    x0 = half + int(rng.choice(range(-half, half)))
    y0 = int(rng.choice(range(canvas)))
    rng.choice(range(int(-d * 0.5), int(d * 0.5)))  # the original's unused "angle" draw
    if y0 + d > canvas - 1:  # the original pushes the digit up when y_end > W - 1
        y0 = canvas - d
    out = np.zeros((canvas, canvas), dtype=np.float64)
    out[y0:y0 + d, x0:x0 + d] = digit
    return out, x0, y0


def add_clutter(rng: np.random.RandomState, image: np.ndarray, db: np.ndarray,
                n_clutter: int) -> np.ndarray:
    """Add ``n_clutter`` fragments at uniform positions (draws per fragment: DB index, x, y)."""
    canvas = image.shape[0]
    frag = db.shape[1]
    layer = np.zeros_like(image)
    for _ in range(n_clutter):
        piece = db[rng.randint(db.shape[0])]
        x = rng.randint(canvas - frag)
        y = rng.randint(canvas - frag)
        layer[y:y + frag, x:x + frag] = piece
    return np.clip(layer + image, 0.0, 1.0)


def make_sample(rng: np.random.RandomState, digits: np.ndarray, labels: np.ndarray,
                db: np.ndarray, canvas: int, n_clutter: int) -> Tuple[np.ndarray, int]:
    k = int(rng.choice(range(digits.shape[0]), replace=True, size=1)[0])
    image, _, _ = place_digit(rng, digits[k], canvas)
    if n_clutter > 0:
        image = add_clutter(rng, image, db, n_clutter)
    return image, int(labels[k])


def make_set(rng: np.random.RandomState, digits: np.ndarray, labels: np.ndarray,
             db: np.ndarray, n: int, canvas: int, n_clutter: int) -> Tuple[np.ndarray, np.ndarray]:
    x = np.zeros((n, canvas * canvas), dtype=np.float64)
    y = np.zeros((n, 1), dtype=np.int32)
    for i in range(n):
        image, label = make_sample(rng, digits, labels, db, canvas, n_clutter)
        x[i] = image.reshape(-1)
        y[i, 0] = label
    return x.astype(np.float32), y


def generate(train_digits: np.ndarray, train_labels: np.ndarray, test_digits: np.ndarray,
             test_labels: np.ndarray, *, canvas: int = 60, frag: int = 8, n_clutter: int = 4,
             n_fragments_db: int = 100_000, n_train: int = 60_000, n_test: int = 10_000,
             n_preview: int = 400, preview_pool: int = 50_000, seed: int = 1234) -> Dict[str, np.ndarray]:
    """The whole dataset: X_train (n_train, W*W) float32, y_train (n_train, 1) int32, X_test,
    y_test, and the preview grid's samples (n_preview, W, W)."""
    if train_digits.ndim != 3 or train_digits.shape[1] != train_digits.shape[2]:
        raise ValueError(f"digits must be (N, d, d), got {train_digits.shape}")
    d = train_digits.shape[1]
    if not (frag < d < canvas):
        raise ValueError(f"need frag < digit < canvas, got {frag}, {d}, {canvas}")
    rng = np.random.RandomState(seed)
    pool = train_digits.astype(np.float64)
    db = make_fragment_db(rng, pool, n_fragments_db, frag)
    preview_n = min(preview_pool, pool.shape[0])
    preview = np.stack([make_sample(rng, pool[:preview_n], train_labels[:preview_n], db, canvas,
                                    n_clutter)[0] for _ in range(n_preview)]).astype(np.float32)
    x_train, y_train = make_set(rng, pool, train_labels, db, n_train, canvas, n_clutter)
    x_test, y_test = make_set(rng, test_digits.astype(np.float64), test_labels, db, n_test,
                              canvas, n_clutter)
    return {"X_train": x_train, "y_train": y_train, "X_test": x_test, "y_test": y_test,
            "preview": preview}


def train_valid_split(n: int, valid_fraction: float, seed: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """The loader's split: indices shuffled with the legacy global seed 1, the first
    floor(valid_fraction * n) are validation, the rest train."""
    idx = list(range(n))
    split = int(np.floor(valid_fraction * n))
    np.random.RandomState(seed).shuffle(idx)
    idx = np.asarray(idx)
    return idx[split:], idx[:split]


MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def normalise(x: np.ndarray) -> np.ndarray:
    """The loader's Normalize((0.1307,), (0.3081,)) on the float image (no rescaling)."""
    return ((x - MNIST_MEAN) / MNIST_STD).astype(np.float32)
