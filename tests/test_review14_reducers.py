"""Review 14, reviewer b: the reducers the earlier rounds covered least, and their shared
pieces (weights, the selection space, the base). Each test failed before its fix."""

from __future__ import annotations

import tracemalloc

import numpy as np


def test_mmd_weights_block_coordinate_memory_is_bounded_by_working_memory():
    # kept sets above max_block: the kernel between all kept rows and one group was one
    # m x max_block array (1.2 GiB at 40,000 kept rows with the defaults)
    from datareduce._weights import mmd_weights

    rng = np.random.default_rng(0)
    m, max_block = 3000, 200
    X = rng.normal(size=(m, 2))
    tracemalloc.start()
    try:
        w = mmd_weights(
            X, np.arange(m), bandwidth=1.0, max_block=max_block, max_iter=2, working_memory=0.5
        )
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert np.isclose(w.sum(), m)
    assert peak < 0.6 * m * max_block * 8 / 2**20, peak  # the whole block: 4.6 MiB


def test_unique_nearest_rows_resolves_many_centres_at_one_point_in_few_rounds(monkeypatch):
    # k-means on a table with few distinct rows puts many centres on each of them: the
    # rows were handed out n_candidates at a time per point, one distance pass per round
    # (20,000 rows of three binary columns at keep 0.1: 118 s)
    import datareduce.reducers.clustering as clustering

    calls = []
    inner = clustering.pairwise_block

    def counting(*args, **kwargs):
        calls.append(1)
        return inner(*args, **kwargs)

    monkeypatch.setattr(clustering, "pairwise_block", counting)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 2))[rng.integers(0, 4, 1200)]
    centres = X[:400] + rng.normal(scale=1e-6, size=(400, 2))
    rows = clustering.unique_nearest_rows(centres, X)
    assert len(np.unique(rows)) == 400
    assert len(calls) <= 12, len(calls)
    # the nearest centre of each point still gets a row at distance ~0
    D = np.sqrt(((centres - X[rows]) ** 2).sum(axis=1))
    assert (D < 1e-5).all()


def test_fes_refuses_a_regressor_estimator_by_name():
    # SGDRegressor passed HasMethods(['partial_fit']) and failed inside fit with Python's
    # "unexpected keyword argument 'classes'"
    import pytest
    from sklearn.linear_model import SGDRegressor

    from datareduce.reducers.forgetting import ForgettingEventsReducer

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, 60)
    with pytest.raises(ValueError, match=r"estimator=SGDRegressor\(\) is a regressor.*classifier"):
        ForgettingEventsReducer(keep=0.2, estimator=SGDRegressor(), epochs=2).fit(X, y)


def test_numbers_held_as_objects_with_pandas_na_are_imputed():
    # df.astype(object) of a nullable Int64 column holds pd.NA, which numpy cannot convert:
    # "float() argument must be a string or a real number, not 'NAType'"
    import pandas as pd

    from datareduce import get_reducer
    from datareduce.preprocessing import make_selection_space

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"count": pd.array([3, None, 5, 7] * 10, dtype="Int64")}).astype(object)
    X["x"] = rng.normal(size=40)
    Z = make_selection_space(X).fit_transform(X)
    assert Z.shape == (40, 3) and np.isfinite(Z).all()  # count, its indicator, x
    r = get_reducer("herding", keep=0.25, random_state=0)
    Xr, _ = r.fit_resample(X, np.arange(40) % 2)
    assert len(Xr) == 10 and Xr.dtypes.tolist() == X.dtypes.tolist()
    assert "missing-indicator" in r.space_


def test_mmd_weights_refuses_missing_values_naming_the_rows():
    # NaN kernel values reached the simplex projection: "IndexError: index -1 is out of
    # bounds for axis 0 with size 0"
    import pytest

    from datareduce._weights import mmd_weights

    X = np.random.default_rng(0).normal(size=(20, 2))
    X[3, 0] = np.nan
    X[7, 1] = np.inf
    with pytest.raises(
        ValueError, match=r"X_pool has missing or infinite values in 2 row.*\[3, 7\]"
    ):
        mmd_weights(X, [0, 1, 2])


def test_public_pool_functions_refuse_a_missing_value_by_row():
    # one NaN made every median-shifted row NaN: herding and ProtoDash returned the first
    # positions, silently
    import pytest

    from datareduce.reducers.entropy import distance_entropy
    from datareduce.reducers.herding import kernel_herding
    from datareduce.reducers.kt import kernel_thinning
    from datareduce.reducers.protodash import protodash

    X = np.random.default_rng(0).normal(size=(40, 2))
    X[3, 0] = np.nan
    for call in (
        lambda: kernel_herding(X, 5, bandwidth=1.0),
        lambda: kernel_thinning(X, 5, bandwidth=1.0),
        lambda: protodash(X, 5),
        lambda: distance_entropy(X, np.zeros((2, 2))),
    ):
        with pytest.raises(ValueError, match=r"X has missing or infinite values .*rows \[3\]"):
            call()


def test_des_with_one_class_draws_its_additions_at_random():
    # every entropy is 0 with one prototype: "highest entropy first, ties to the lower
    # position" kept the table's first rows beyond the random base
    import pytest

    from datareduce.reducers.entropy import DistanceEntropyReducer

    X = np.random.default_rng(0).normal(size=(100, 2))
    y = np.zeros(100, dtype=int)
    with pytest.warns(UserWarning, match="only one class has a prototype"):
        r = DistanceEntropyReducer(keep=0.2, random_state=0).fit(X, y)
    base = np.sort(r.base_indices_)
    added = np.sort(r.sample_indices_[len(base) :])
    assert len(added) == 10
    assert not np.array_equal(added, np.setdiff1d(np.arange(100), base)[:10])
    # two classes: the additions are still the highest-entropy rows, without a warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r2 = DistanceEntropyReducer(keep=0.2, random_state=0).fit(X, np.arange(100) % 2)
    added2 = r2.sample_indices_[len(r2.base_indices_) :]
    rest = np.setdiff1d(np.arange(100), r2.sample_indices_)
    assert r2.entropy_[added2].min() >= r2.entropy_[rest].max()


def test_passthrough_space_names_the_text_columns():
    # numpy's "could not convert string to float: 'x'" named neither the column nor space=
    import pandas as pd
    import pytest

    from datareduce import get_reducer

    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "town": ["x", "y", "x", "y"]})
    for space in ("passthrough", None):
        with pytest.raises(ValueError, match=r"space=.* column\(s\) \['town'\] hold text.*'auto'"):
            get_reducer("vq", keep=2, space=space).fit(X)
    with pytest.raises(ValueError, match=r"column\(s\) \[1\] hold text"):
        get_reducer("herding", keep=2, space="passthrough").fit(X.to_numpy())


def test_cluster_centres_are_documented_in_the_space_they_live_in():
    # documented as (n_kept, n_features) "centroids": on a table with text they are in the
    # selection space (4 standardised / one-hot columns for X's 2)
    import warnings

    import pandas as pd

    from datareduce.reducers import ClusterCentroidsReducer, VectorQuantizationReducer

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40) * 100 + 1000, "t": rng.choice(list("xyz"), 40)})
    for cls in (ClusterCentroidsReducer, VectorQuantizationReducer):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = cls(keep=4, random_state=0).fit(X)
        assert r.cluster_centers_.shape == (4, 4)
        doc = cls.__doc__.split("cluster_centers_ :")[1].split("code_labels_")[0]
        assert "n_space_features)" in doc and "selection space" in doc
