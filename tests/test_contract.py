"""The reducer contract of DESIGN.md, checked for every registered reducer.

A method registered in ``datareduce._registry`` gets these tests for free. Per-method
parameters that keep the tests fast live in ``FAST_PARAMS``.
"""

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import datareduce
from datareduce._registry import _REGISTRY
from datareduce.base import reducer_tags

# parameters that make a method quick on 60 rows (e.g. fewer epochs)
FAST_PARAMS = {
    "flow": {"max_epochs": 3},
    "fes": {"epochs": 3},
}


def _available(name):
    extra = _REGISTRY[name].extra
    if extra is None:
        return True
    module = {"flow": "torch", "detection": "ultralytics", "dask": "dask", "kt": "goodpoints"}.get(extra, extra)
    return importlib.util.find_spec(module) is not None


METHODS = [pytest.param(m, marks=pytest.mark.skipif(not _available(m), reason="extra missing"))
           for m in datareduce.available_reducers()]


def make(name, **params):
    p = {"random_state": 0, **FAST_PARAMS.get(name, {}), **params}
    return datareduce.get_reducer(name, **p)


def fit_quiet(reducer, X, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reducer.fit(X, y)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("keep, expected", [(0.25, 15), (0.5, 30), (7, 7), (60, 60)])
def test_exact_kept_counts(method, keep, expected, blobs):
    X, y = blobs
    r = fit_quiet(make(method, keep=keep), X, y)
    assert r.sample_indices_.shape == (expected,)
    assert len(np.unique(r.sample_indices_)) == expected
    assert r.sample_indices_.min() >= 0 and r.sample_indices_.max() < len(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = make(method, keep=keep).fit_resample(X, y)
    assert len(Xr) == expected and len(yr) == expected


@pytest.mark.parametrize("method", METHODS)
def test_per_class_quotas(method, blobs):
    X, y = blobs
    r = make(method, keep=0.5, stratify=True)
    fit_quiet(r, X, y)
    counts = np.bincount(y[r.sample_indices_], minlength=3)
    assert counts.tolist() == [15, 10, 5]


@pytest.mark.parametrize("method", METHODS)
def test_deterministic_under_seed(method, blobs):
    X, y = blobs
    a = fit_quiet(make(method, keep=0.3, random_state=42), X, y)
    b = fit_quiet(make(method, keep=0.3, random_state=42), X, y)
    np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
    np.testing.assert_allclose(a.sample_weight_, b.sample_weight_)


@pytest.mark.parametrize("method", METHODS)
def test_X_not_modified(method, blobs):
    X, y = blobs
    X_copy, y_copy = X.copy(), y.copy()
    X.setflags(write=False)  # any in-place write raises
    fit_quiet(make(method, keep=0.3), X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


@pytest.mark.parametrize("method", METHODS)
def test_dataframe_round_trip(method, blobs):
    X, y = blobs
    index = pd.Index(np.arange(len(X)) * 10 + 7, name="row")
    df = pd.DataFrame(X, columns=list("abcd"), index=index)
    s = pd.Series(y, index=index, name="label")
    r = make(method, keep=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = r.fit_resample(df, s)
    assert isinstance(Xr, pd.DataFrame) and isinstance(yr, pd.Series)
    assert list(Xr.columns) == list("abcd")
    assert list(r.feature_names_in_) == list("abcd")
    assert yr.name == "label"
    if getattr(r, "output_", "medoids") != "centroids":
        assert Xr.index.equals(index[r.sample_indices_])
        assert yr.index.equals(Xr.index)
        np.testing.assert_array_equal(Xr.to_numpy(), X[r.sample_indices_])


@pytest.mark.parametrize("method", METHODS)
def test_numpy_lists_and_float32(method, blobs):
    X, y = blobs
    X32 = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = make(method, keep=0.3).fit_resample(X32, y)
        assert isinstance(Xr, np.ndarray) and Xr.dtype == np.float32
        Xl, yl = make(method, keep=0.3).fit_resample(X.tolist(), y.tolist())
    assert isinstance(Xl, list) and np.shape(Xl) == (18, 4) and len(yl) == 18  # lists in, lists out


@pytest.mark.parametrize("method", METHODS)
def test_clone_and_params(method):
    r = make(method, keep=0.2)
    params = r.get_params()
    assert params["keep"] == 0.2
    c = clone(r)
    assert c.get_params() == params
    c.set_params(keep=5)
    assert c.keep == 5 and r.keep == 0.2
    assert "sample_indices_" not in vars(c)


@pytest.mark.parametrize("method", METHODS)
def test_sample_weight_and_support(method, blobs):
    X, y = blobs
    r = fit_quiet(make(method, keep=0.3), X, y)
    assert r.sample_weight_.shape == r.sample_indices_.shape
    assert np.all(r.sample_weight_ > 0)
    assert r.sample_weight_.sum() == pytest.approx(len(X))
    mask = r.get_support()
    assert mask.dtype == bool and mask.sum() == len(r.sample_indices_)
    np.testing.assert_array_equal(np.flatnonzero(mask), np.sort(r.sample_indices_))
    np.testing.assert_array_equal(r.get_support(indices=True), r.sample_indices_)
    assert r.n_samples_in_ == 60 and r.n_features_in_ == 4
    if hasattr(r, "scores_"):
        assert r.scores_.shape == (60,)


@pytest.mark.parametrize("method", METHODS)
def test_without_y(method, blobs):
    X, _ = blobs
    r = make(method, keep=0.25)
    if reducer_tags(r).requires_y:
        with pytest.raises(ValueError, match="requires y"):
            r.fit(X)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr = r.fit_transform(X)
    assert Xr.shape == (15, 4)
    Xr2, yr2 = make(method, keep=0.25).fit_resample(X)
    assert yr2 is None and Xr2.shape == (15, 4)


@pytest.mark.parametrize("method", METHODS)
def test_fit_transform_with_y_returns_pair(method, blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = make(method, keep=0.25).fit_transform(X, y)
    assert isinstance(out, tuple) and out[0].shape == (15, 4) and out[1].shape == (15,)


def _with_nan(X, y):
    X = X.copy()
    X[5, 1] = np.nan
    X[17, 0] = np.nan
    return X, y


BAD_INPUTS = [
    ("y-length", lambda X, y: (X, y[:-1]), ValueError, "labels but X has"),
    ("empty", lambda X, y: (X[:0], y[:0]), ValueError, "0 sample|empty"),
    ("1d", lambda X, y: (X[:, 0], y), ValueError, "1D|1-D|2-D"),
    ("multilabel", lambda X, y: (X, np.c_[y, y]), ValueError, "1-D|one label"),
    # an object column from a messy source: was a bare TypeError from sorting the labels
    ("mixed-labels", lambda X, y: (X, np.array(["a" if v == 0 else int(v) for v in y],
                                               dtype=object)),
     ValueError, r"mixes text and numbers as labels \(e.g. 'a' and 1"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case, mutate, exc, match", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_errors(method, case, mutate, exc, match, blobs):
    X, y = mutate(*blobs)
    if case == "multilabel" and not make(method, keep=0.3)._reads_y():
        # a reducer that never reads y carries a multi-output y's rows along (explore5)
        Xr, yr = make(method, keep=0.3).fit_resample(X, y)
        assert yr.shape == (Xr.shape[0], 2)
        return
    with pytest.raises(exc, match=match):
        make(method, keep=0.3).fit(X, y)


@pytest.mark.parametrize("method", METHODS)
def test_nan_passthrough_error_counts_rows(method, blobs):
    X, y = _with_nan(*blobs)
    r = make(method, keep=0.3, space="passthrough")
    if not r._reads_X:
        pytest.skip("random sampling never reads the values")
    with pytest.raises(ValueError, match=r"missing values \(NaN\) in 2 row\(s\)"):
        r.fit(X, y)


@pytest.mark.parametrize("method", METHODS)
def test_infinite_values_refused(method, blobs):
    X, y = blobs
    X = X.copy()
    X[3, 2] = np.inf
    r = make(method, keep=0.3)
    if not r._reads_X:
        pytest.skip("random sampling never reads the values")
    with pytest.raises(ValueError, match=r"infinite values in 1 row\(s\) \(e.g. rows \[3\]\)"
                       ) as err:
        r.fit(X, y)
    # under the default space='auto' the advice is not "use space='auto'" (no space imputes
    # an infinite value)
    assert "use space='auto'" not in str(err.value)


@pytest.mark.parametrize("method", METHODS)
def test_missing_and_categorical_rows_come_back_unchanged(method, blobs):
    """space='auto': NaN imputed and strings one-hot encoded for selection only."""
    X, y = _with_nan(*blobs)
    df = pd.DataFrame(X, columns=list("abcd"), index=np.arange(60) + 100)
    df["colour"] = np.where(np.arange(60) % 3 == 0, "red", "blue")
    df.loc[104, "colour"] = None
    r = make(method, keep=0.5)
    if r._emits_synthetic():
        r.set_params(output="medoids")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, yr = r.fit_resample(df, y)
    pd.testing.assert_frame_equal(Xr, df.iloc[r.sample_indices_])
    assert r.n_features_in_ == 5 and list(r.feature_names_in_) == list(df.columns)
    if r._reads_X:
        assert "categorical" in r.space_ and "missing-indicator" in r.space_


@pytest.mark.parametrize("method", METHODS)
def test_categorical_only_table(method):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.choice(list("xyz"), 60), "b": rng.choice(["u", "v"], 60)})
    y = np.repeat([0, 1, 2], 20)
    r = make(method, keep=0.25)
    if r._emits_synthetic():  # centroids cannot be strings: medoids, with a warning
        with pytest.warns(UserWarning, match="medoids"):
            r.fit(df, y)
        assert r.output_ == "medoids" and r.synthetic_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, _ = r.fit_resample(df, y)
    assert len(Xr) == 15 and list(Xr.columns) == ["a", "b"]


@pytest.mark.parametrize("method", METHODS)
def test_same_selection_for_every_container(method, blobs):
    """C-ordered, Fortran-ordered, list and DataFrame input of the same numbers."""
    X, y = blobs
    variants = [X, np.asfortranarray(X), X.tolist(), pd.DataFrame(X, columns=list("abcd"))]
    picks = [fit_quiet(make(method, keep=0.3), V, y).sample_indices_ for V in variants]
    for p in picks[1:]:
        np.testing.assert_array_equal(p, picks[0])


@pytest.mark.parametrize("method", METHODS)
def test_scores_rank_kept_rows_first(method, blobs):
    """scores_ (when set): within each pool, every kept row scores >= every dropped row."""
    X, y = blobs
    for stratify in (True, False):
        r = fit_quiet(make(method, keep=0.3, stratify=stratify), X, y)
        if not hasattr(r, "scores_"):
            continue
        kept = r.get_support()
        pools = [y == c for c in range(3)] if stratify else [np.ones(60, bool)]
        for pool in pools:
            if (kept & pool).any() and (~kept & pool).any():
                assert r.scores_[kept & pool].min() >= r.scores_[~kept & pool].max()


@pytest.mark.parametrize("method", METHODS)
def test_weights_sum_to_each_class_size(method, blobs):
    X, y = blobs
    for stratify in (True, False):
        r = fit_quiet(make(method, keep=0.3, stratify=stratify), X, y)
        kept_y = y[r.sample_indices_]
        assert r.sample_weight_.sum() == pytest.approx(60)
        assert np.all(r.sample_weight_ > 0)
        if len(np.unique(kept_y)) == 3:  # a lost class's mass cannot be represented
            for c in range(3):
                assert r.sample_weight_[kept_y == c].sum() == pytest.approx((y == c).sum())


@pytest.mark.parametrize("method", METHODS)
def test_continuous_target_stratified_by_quantile_bins(method, blobs):
    X, _ = blobs
    target = X[:, 0] * 3.0 + np.linspace(0, 1, 60)  # continuous, all distinct
    r = make(method, keep=0.5, stratify=5)
    if reducer_tags(r).requires_classes:
        with pytest.raises(ValueError, match="continuous"):
            r.fit(X, target)
        return
    fit_quiet(r, X, target)
    assert r.target_type_ == "continuous" and len(r.strata_edges_) == 6
    codes = np.searchsorted(r.strata_edges_[1:-1], target, side="right")
    assert np.bincount(codes[r.sample_indices_], minlength=5).tolist() == [6] * 5


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("keep, exc", [(0.0, ValueError), (1.5, ValueError), (-3, ValueError),
                                       (61, ValueError), (True, TypeError), ("half", TypeError)])
def test_bad_keep(method, keep, exc, blobs):
    X, y = blobs
    with pytest.raises(exc, match="keep"):
        make(method, keep=keep).fit(X, y)


@pytest.mark.parametrize("method", METHODS)
def test_foreign_pipelines_refuse_with_a_pointer(method, blobs):
    from imblearn.pipeline import Pipeline as ImbPipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline as SkPipeline

    X, y = blobs
    r = make(method, keep=0.3)
    assert not hasattr(r, "transform")  # not a transformer for scikit-learn's checks
    for P in (SkPipeline, ImbPipeline):
        with pytest.raises(TypeError, match="datareduce.make_pipeline"):
            P([("r", clone(r)), ("m", LogisticRegression())]).fit(X, y)


@pytest.mark.parametrize("method", METHODS)
def test_in_datareduce_pipeline(method, blobs):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = blobs
    pipe = datareduce.make_pipeline(make(method, keep=0.5), KNeighborsClassifier(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    assert pipe.predict(X).shape == (60,)
    assert pipe[-1].n_samples_fit_ == 30


@pytest.mark.parametrize("method", METHODS)
def test_reweight_mmd_never_worse_than_class_uniform_weights(method, blobs):
    """reweight='mmd' keeps the rows and fits their weights: MMD not above the same rows
    with class-proportional uniform weights, and the class masses stay exact."""
    from datareduce.metrics import mmd

    X, y = blobs
    r = make(method, keep=0.3)
    if r._emits_synthetic():
        r.set_params(output="medoids")
    if "reweight" not in r.get_params():
        pytest.skip("the method fits its own weights")
    base = fit_quiet(clone(r), X, y)
    rw = fit_quiet(clone(r).set_params(reweight="mmd"), X, y)
    np.testing.assert_array_equal(base.sample_indices_, rw.sample_indices_)
    idx, ky = rw.sample_indices_, y[rw.sample_indices_]
    uniform = np.array([(y == c).sum() / (ky == c).sum() for c in ky])
    for c in np.unique(ky):
        assert rw.sample_weight_[ky == c].sum() == pytest.approx((y == c).sum())
    bw = 2.0
    fitted = mmd(X, X[idx], rw.sample_weight_, bandwidth=bw).value
    flat = mmd(X, X[idx], uniform, bandwidth=bw).value
    assert fitted <= flat + 1e-9
    if method in ("random", "srs"):  # the weights were really fitted
        assert fitted < 0.9 * flat


def test_space_description_counts_output_columns():
    from datareduce.preprocessing import describe_space, make_selection_space

    df = pd.DataFrame({"c": [f"v{i % 50}" for i in range(200)], "x": np.arange(200.0)})
    t = make_selection_space(df, max_onehot=10)
    Z = t.fit_transform(df)
    assert Z.shape == (200, 11)  # x + 9 frequent categories + 1 pooled column
    assert "c: 10 columns, 41 rare categories pooled" in describe_space(t)
    assert describe_space(t).endswith("-> 11 dimensions")


# the methods whose selection is defined by distances between rows (or an RBF kernel of
# them): moving every row by the same offset cannot change it
TRANSLATION_INVARIANT = ["herding", "kt", "prd", "mms", "clc", "vq", "phl", "des"]


@pytest.mark.parametrize("method", [m for m in METHODS if m.values[0] in TRANSLATION_INVARIANT])
@pytest.mark.parametrize("offset", [1e3, 1e6])
def test_same_rows_when_the_table_sits_far_from_the_origin(method, offset, blobs):
    """A year column or map coordinates put every row far from the origin; the expansion
    |x|^2 - 2 x.t + |t|^2 then rounds at the scale of |x|^2 (kernel herding's float32 tiles
    kept 7 of the same 60 rows at an offset of 1,000 before the rows were centred)."""
    X, y = blobs
    X = np.vstack([X, X + 0.37, X - 0.21])  # 180 rows: enough for the kernels' ranks
    y = np.concatenate([y, y, y])
    ref = fit_quiet(make(method, keep=0.2), X, y).sample_indices_
    moved = fit_quiet(make(method, keep=0.2), X + offset, y).sample_indices_
    np.testing.assert_array_equal(np.sort(moved), np.sort(ref))


@pytest.mark.parametrize("method", ["clc", "vq"])
@pytest.mark.parametrize("scale", [2.0 ** -20, 2.0 ** 70])
def test_kmeans_methods_do_not_depend_on_the_units(method, scale, blobs):
    """k-means partitions do not change when every value is multiplied by the same number
    (powers of two: exactly representable). Before: an absolute tolerance switched the
    refinement off at 1e-6, and float32 Lloyd overflowed above ~1e19."""
    X, y = blobs
    ref = fit_quiet(make(method, keep=0.3), X, y).sample_indices_
    scaled = fit_quiet(make(method, keep=0.3), X * scale, y).sample_indices_
    np.testing.assert_array_equal(np.sort(scaled), np.sort(ref))


@pytest.mark.parametrize("method", METHODS)
def test_pandas_sparse_columns_beside_dense_ones(method, blobs):
    """pd.get_dummies(..., sparse=True) beside numeric columns: the frame is reduced and its
    kept rows come back unchanged (before: the .sparse accessor, which needs every column
    sparse, failed for every method that reads values)."""
    X, y = blobs
    df = pd.DataFrame(X, columns=list("abcd"))
    df["city"] = np.array(["x", "y", "z"])[np.arange(len(df)) % 3]
    df = pd.get_dummies(df, columns=["city"], sparse=True, dtype=float)
    r = fit_quiet(make(method, keep=0.3, **({"output": "medoids"} if method == "clc" else {})),
                  df, y)
    kept = df.iloc[r.sample_indices_]
    assert isinstance(kept["city_x"].dtype, pd.SparseDtype)  # the user's frame untouched
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xr, _ = make(method, keep=0.3, **({"output": "medoids"} if method == "clc" else {})
                     ).fit_resample(df, y)
    pd.testing.assert_frame_equal(Xr, kept)


@pytest.mark.parametrize("method", METHODS)
def test_duplicate_column_names_refused_by_name(method, blobs):
    X, y = blobs
    df = pd.DataFrame(X, columns=["a", "a", "b", "c"])
    r = make(method, keep=0.3)
    if not r._reads_X:
        pytest.skip("random sampling never reads the values (scikit-learn checks the names)")
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\].*rename them"):
        r.fit(df, y)


@pytest.mark.parametrize("method", ["random", "srs"])
def test_reweight_mmd_refuses_a_sparse_matrix_by_name(method, blobs):
    import scipy.sparse as sp

    X, y = blobs
    with pytest.raises(TypeError, match=r"reweight='mmd'.*X.toarray\(\)"):
        make(method, keep=0.3, reweight="mmd").fit(sp.csr_matrix(X), y)


@pytest.mark.parametrize("method", ["herding", "mms", "clc", "prd"])
def test_a_space_with_sparse_output_selects_as_its_dense_twin(method):
    """space=OneHotEncoder() (sparse output by default) selects the rows its dense twin
    selects (before: 'setting an array element with a sequence')."""
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"c": rng.choice(list("pqrst"), 90), "d": rng.choice(list("uv"), 90)})
    y = np.arange(90) % 2
    sparse = fit_quiet(make(method, keep=0.2, space=OneHotEncoder()), df, y)
    dense = fit_quiet(make(method, keep=0.2, space=OneHotEncoder(sparse_output=False)), df, y)
    np.testing.assert_array_equal(sparse.sample_indices_, dense.sample_indices_)


@pytest.mark.parametrize("method", ["herding", "mms", "clc", "prd", "kt"])
def test_values_whose_squares_overflow_are_refused_by_name(method, blobs):
    X, y = blobs
    X = X.copy()
    X[:, 2] *= 1e154
    with pytest.raises(ValueError, match=r"values as large as .* \(column 2\).*Rescale"):
        make(method, keep=0.3).fit(X, y)
