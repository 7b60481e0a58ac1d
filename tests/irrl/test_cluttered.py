"""Cluttered MNIST generator: determinism, placement rules, clutter, loader split."""
import numpy as np
import pytest

from scripts.irrl.cluttered import (MNIST_MEAN, MNIST_STD, generate, normalise, place_digit,
                                    train_valid_split)


def digits(n=30, d=28, seed=0):
    rng = np.random.RandomState(seed)
    x = (rng.rand(n, d, d) > 0.7).astype(np.float32)
    return x, np.arange(n) % 10


def small(seed=1234, **kw):
    x, y = digits()
    args = dict(canvas=60, frag=8, n_clutter=4, n_fragments_db=200, n_train=40, n_test=10,
                n_preview=4, preview_pool=20, seed=seed)
    args.update(kw)
    return generate(x, y, x[:10], y[:10], **args)


def test_deterministic_and_seed_dependent():
    a, b, c = small(), small(), small(seed=1)
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert not np.array_equal(a["X_train"], c["X_train"])


def test_layout_and_dtypes():
    d = small()
    assert d["X_train"].shape == (40, 3600) and d["X_train"].dtype == np.float32
    assert d["y_train"].shape == (40, 1) and d["y_train"].dtype == np.int32
    assert d["X_test"].shape == (10, 3600) and d["preview"].shape == (4, 60, 60)
    assert d["X_train"].min() >= 0.0 and d["X_train"].max() <= 1.0


def test_place_digit_known_draws():
    # the draws are x = 16 + U{-16..15}, y = U{0..59} pushed up to 32, then an unused angle draw
    rng = np.random.RandomState(5)
    ref = np.random.RandomState(5)
    x_off = 16 + (ref.randint(0, 32) - 16)
    y_off = ref.randint(0, 60)
    ref.randint(0, 28)
    canvas, x0, y0 = place_digit(rng, np.ones((28, 28)), 60)
    assert (x0, y0) == (x_off, min(y_off, 32))
    assert rng.randint(1 << 30) == ref.randint(1 << 30)  # same number of draws consumed
    assert canvas.sum() == 28 * 28 and canvas[y0:y0 + 28, x0:x0 + 28].min() == 1


def test_vertical_bias_about_47_percent():
    rng = np.random.RandomState(0)
    ys = [place_digit(rng, np.ones((28, 28)), 60)[2] for _ in range(4000)]
    assert max(ys) == 32 and min(ys) == 0
    assert np.mean(np.array(ys) == 32) == pytest.approx(28 / 60, abs=0.03)


def test_no_clutter_keeps_the_digit_only():
    x, y = digits()
    d = generate(x, y, x, y, canvas=40, frag=8, n_clutter=0, n_fragments_db=10, n_train=5,
                 n_test=2, n_preview=1, preview_pool=30, seed=3)
    sums = d["X_train"].reshape(5, -1).sum(1)
    assert set(np.round(sums, 3)) <= set(np.round(x.reshape(30, -1).sum(1), 3))


def test_split_and_normalise():
    tr, va = train_valid_split(100, 0.1, 1)
    assert len(va) == 10 and len(tr) == 90 and len(set(tr) | set(va)) == 100
    ref = list(range(100))
    np.random.seed(1)
    np.random.shuffle(ref)  # the paper's loader: global seed 1, then shuffle
    assert list(va) == ref[:10]
    assert normalise(np.zeros(1))[0] == pytest.approx(-MNIST_MEAN / MNIST_STD)
