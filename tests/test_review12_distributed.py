"""Review 12 (helper b): the Dask path (stratified_sample, reduce_parquet, block reducers)."""

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")

from datareduce.distributed import _stratified as strat  # noqa: E402
from datareduce.distributed import stratified_sample  # noqa: E402


def test_categorical_classes_in_category_order_survive_a_second_pass(monkeypatch):
    # categories not in sorted order ('small' < 'medium' < 'large'): pd.factorize gives a
    # partition's classes in that order, and the second pass matched them with searchsorted
    # (IndexError, or limits written to another class)
    rng = np.random.default_rng(1)
    names = np.array(["small", "medium", "large"])
    y = names[np.sort(rng.choice(3, size=3000, p=[0.6, 0.3, 0.1]))]
    plain = pd.DataFrame({"x": np.arange(3000), "y": y})
    cat = plain.assign(y=pd.Categorical(y, categories=list(names), ordered=True))
    real = strat._threshold
    monkeypatch.setattr(strat, "_threshold",
                        lambda frac, expected, z=7.0: real(frac, expected, z) if z > 7 else 1e-4)
    ref = stratified_sample(dd.from_pandas(plain, npartitions=6, sort=False), "y", 0.05,
                            random_state=3, floor=0)
    got = stratified_sample(dd.from_pandas(cat, npartitions=6, sort=False), "y", 0.05,
                            random_state=3, floor=0)
    assert ref.attrs["passes"] >= 2 and got.attrs["passes"] == ref.attrs["passes"]
    assert got.index.equals(ref.index)
    assert got.attrs["class_counts"] == ref.attrs["class_counts"]
