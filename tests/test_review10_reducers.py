"""review10/b: reducers used as scikit-learn users would (repros in notes/review10/b)."""
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn

import datareduce


def _mixed(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"num": rng.normal(size=n), "s": rng.choice(["a", "b", "c"], n)})
    return X, rng.choice(["p", "q"], n)


@pytest.mark.parametrize("output", ["polars", "pandas"])
@pytest.mark.parametrize("name", ["mms", "clc", "prd"])
def test_selection_space_ignores_global_output_config(name, output):
    """01_polars_output_config: set_config(transform_output="polars") crashed every reducer
    on a table with a text column ('DataFrame' object has no attribute 'astype')."""
    if output == "polars":
        pytest.importorskip("polars")
    X, y = _mixed()
    with sklearn.config_context(transform_output=output), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = datareduce.get_reducer(name, keep=0.3, random_state=0)
        Xr, yr = r.fit_resample(X, y)
    ref = datareduce.get_reducer(name, keep=0.3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X, y)
    assert isinstance(Xr, pd.DataFrame) and len(Xr) == 12
    assert np.array_equal(r.sample_indices_, ref.sample_indices_)
