"""examples/train_default.py's cross-validation: --val-fold splits and --pool's photo-weighted rule."""
import json
import os

import numpy as np
import pytest

from colorize.errors import ColorizeError


@pytest.fixture
def td(example):
    return example("train_default")


def test_folds_partition_the_non_test_photos_and_keep_the_test_part(td):
    photos = list(range(107))
    _, _, test = td.split_three(photos, 0.2, 16, seed=0)
    vals = []
    for i in range(1, 5):
        train, val, test_i = td.split_three(photos, 0.2, 16, seed=0, fold=(i, 4))
        np.testing.assert_array_equal(test_i, test)
        assert not set(train) & set(val) and not (set(train) | set(val)) & set(test)
        assert len(train) + len(val) == 107 - len(test) and len(val) in (21, 22)
        vals.append(set(val))
    assert set().union(*vals) == set(range(107)) - set(test) and sum(map(len, vals)) == 107 - len(test)
    with pytest.raises(ColorizeError, match="val-fold"):
        td.split_three(photos, 0.2, 16, seed=0, fold=(5, 4))


def _run(path, n, rows):
    os.makedirs(path)
    sweep = [dict(method=m, T=T, model={"psnr": p, "colourfulness": c}, gray={"psnr": 20.0, "colourfulness": 0.0})
             for m, T, p, c in rows]
    with open(os.path.join(path, "heldout_metrics.json"), "w") as f:
        json.dump({"validation": {"per_image": {f"p{i}": {} for i in range(n)}, "sweep": sweep}}, f)
    return str(path)


def test_pool_weights_folds_by_photos_and_applies_the_rule(td, tmp_path):
    a = _run(tmp_path / "a", 30, [("annealed", 0.5, 21.0, 40.0), ("mrf", 0.6, 22.5, 30.0)])
    b = _run(tmp_path / "b", 10, [("annealed", 0.5, 23.0, 20.0), ("mrf", 0.6, 20.0, 38.0)])
    results, n, choice = td.pool_folds([a, b], 33.0)
    assert n == 40
    assert results[("annealed", 0.5)][1]["model"]["psnr"] == pytest.approx((30 * 21 + 10 * 23) / 40)
    assert results[("mrf", 0.6)][1]["model"]["colourfulness"] == pytest.approx((30 * 30 + 10 * 38) / 40)
    assert choice == ("annealed", 0.5)             # mrf pools to 32.0 colourfulness, under 33
    assert td.pool_folds([a, b], 30.0)[2] == ("mrf", 0.6)     # pooled PSNR 21.875 against 21.5
    with pytest.raises(ColorizeError, match="colourfulness"):
        td.pool_folds([a, b], 50.0)
    with pytest.raises(ColorizeError, match="heldout_metrics"):
        td.pool_folds([str(tmp_path / "missing")], 30.0)
    with pytest.raises(ColorizeError, match="same run twice"):
        td.pool_folds([a, a], 30.0)
    c = _run(tmp_path / "c", 10, [("annealed", 0.5, 23.0, 20.0)])          # a decoding short: no silent average
    with pytest.raises(ColorizeError, match="same --sweep"):
        td.pool_folds([a, c], 30.0)


def test_val_fold_is_parsed_by_argparse(td):
    import argparse
    assert td.fold_arg("2/4") == (2, 4)
    for bad in ("1-4", "1/4/2", "a/4", "/4"):
        with pytest.raises(argparse.ArgumentTypeError, match="1/4"):
            td.fold_arg(bad)
