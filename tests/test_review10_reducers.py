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


@pytest.mark.parametrize("kind", ["none", "pd.NA", "nan", "inf"])
@pytest.mark.parametrize("name", ["srs", "mms", "des"])
def test_missing_labels_are_refused_by_row(name, kind):
    """02_missing_label_rows: the refusal of missing labels named no row."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"])
    if kind == "none":
        y = pd.Series(rng.choice(["u", "v"], 50), dtype=object)
        y[[7, 37]] = None
    elif kind == "pd.NA":
        y = pd.Series(pd.array(rng.integers(0, 2, 50), dtype="Int64"))
        y[[7, 37]] = pd.NA
    else:
        y = rng.integers(0, 2, 50).astype(float)
        y[[7, 37]] = np.nan if kind == "nan" else np.inf
    with pytest.raises(ValueError, match=r"2 of 50 labels, at rows 7, 37") as info:
        datareduce.get_reducer(name, keep=0.2, random_state=0).fit(X, y)
    assert "drop or fill" in str(info.value)


def test_space_description_stays_short_on_wide_text_tables():
    """03_space_description_length: space_ listed every categorical column (13,175
    characters for 300 text columns)."""
    from datareduce.preprocessing import describe_space, make_selection_space

    rng = np.random.default_rng(0)
    X = pd.DataFrame({f"c{i}": rng.choice(list("abcdefghij"), 60) for i in range(300)})
    t = make_selection_space(X).fit(X)
    text = describe_space(t)
    assert len(text) < 600
    assert text.startswith("300 categorical one-hot (c0: 10 columns; c1: 10 columns")
    assert "+295 more columns" in text and text.endswith(" dimensions")
    small = X.iloc[:, :3]
    assert "(c0: 10 columns; c1: 10 columns; c2: 10 columns)" in describe_space(
        make_selection_space(small).fit(small))


def test_sparse_refusal_names_the_pipeline_fixes():
    """04_sparse_after_encoder: a reducer after a sparse one-hot ColumnTransformer was told
    to call X.toarray(), which a pipeline user cannot do."""
    import scipy.sparse as sp

    X = sp.random(30, 8, density=0.2, format="csr", random_state=0)
    with pytest.raises(TypeError, match="random, srs") as info:
        datareduce.get_reducer("mms", keep=0.3).fit(X)
    msg = str(info.value)
    assert "X.toarray()" in msg
    assert "sparse_output=False" in msg and "sparse_threshold=0" in msg
    assert "datareduce.make_pipeline(reducer, preprocessing, model)" in msg


@pytest.mark.parametrize("name", ["des", "prd", "herding", "kt", "mms", "nrmd"])
def test_space_output_with_nan_is_refused_by_row(name):
    """06_space_output_nan: a user space= whose output keeps NaN (StandardScaler passes it
    through) selected silently on NaN distances (DES, PRD, herding, KT) or failed deep
    inside (KMeans, NearestNeighbors, 'SVD did not converge')."""
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    X[[4, 9], 1] = np.nan
    y = rng.choice(["a", "b"], 30)
    with pytest.raises(ValueError, match=r"space=StandardScaler.*2 row\(s\).*\[4, 9\]"
                       ) as info:
        datareduce.get_reducer(name, keep=0.3, random_state=0, space=StandardScaler()).fit(X, y)
    assert "SimpleImputer" in str(info.value)
    Xp = np.abs(rng.normal(size=(30, 2)))
    Xp[7, 0] = 0.0
    log = FunctionTransformer(np.log)
    with pytest.raises(ValueError, match=r"infinite values in 1 row\(s\).*\[7\]"), \
            np.errstate(divide="ignore"):
        datareduce.get_reducer(name, keep=0.3, random_state=0, space=log).fit(Xp, y)


def test_clc_fallback_names_what_the_columns_hold():
    """07_clc_fallback_reason: a column of floats held as objects was said to hold
    integers or booleans."""
    from datareduce.reducers.clustering import centroid_obstacle

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": pd.Series(rng.normal(size=5), dtype=object),
                      "i": np.arange(5), "b": np.arange(5) > 2, "f": rng.normal(size=5)})
    reason = centroid_obstacle(X)
    assert "'a'" in reason and "'i'" in reason and "'b'" in reason and "'f'" not in reason
    assert "integers" in reason and "booleans" in reason and "objects" in reason
    assert centroid_obstacle(X[["i"]]) == ("column(s) ['i'] hold integers, not floats (a mean "
                                           "is not one)")


def test_phl_neighbourhood_distances_stay_bounded_on_wide_tables():
    """08_phl_wide_memory: one neighbourhood's (pairs x features) difference array was
    unbounded, and so were the candidates' exact distances (386 MiB peak for a 15 MiB X of
    10,000 columns; here 327 MiB for 11 MiB); the same scores with any bound."""
    import tracemalloc

    from datareduce.reducers import _phl_scoring

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 12000))
    y = rng.integers(0, 2, 120)
    tracemalloc.start()
    r = datareduce.get_reducer("phl", keep=0.2, random_state=0).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * X.nbytes
    # the same scores whatever the bound on the temporaries (one pair per step)
    old = _phl_scoring._STACK_VALUES
    try:
        _phl_scoring._STACK_VALUES = 1  # one pair per block
        r1 = datareduce.get_reducer("phl", keep=0.2, random_state=0).fit(X, y)
    finally:
        _phl_scoring._STACK_VALUES = old
    assert np.array_equal(r.outlier_scores_, r1.outlier_scores_)
    assert np.array_equal(r.sample_indices_, r1.sample_indices_)


def test_nrmd_scores_documents_only_its_own_parameters():
    """10_nrmd_scores_docstring: nrmd_scores documented the reducer's space and per_class."""
    import inspect
    import re

    from datareduce.reducers.nrmd import nrmd_scores

    doc = inspect.getdoc(nrmd_scores)
    section = doc.split("Parameters\n----------\n", 1)[1].split("\n\nReturns", 1)[0]
    documented = re.findall(r"^(\w+) :", section, flags=re.M)
    assert documented == list(inspect.signature(nrmd_scores).parameters)


def test_fes_names_standardize_when_the_estimator_needs_nonnegative_features():
    """11_fes_nonnegative_estimator: MultinomialNB on counts failed with 'Negative values'
    although X had none (FES standardises first)."""
    from sklearn.naive_bayes import MultinomialNB

    rng = np.random.default_rng(0)
    X = rng.poisson(2.0, size=(60, 4)).astype(float)
    y = rng.choice(["a", "b"], 60)
    with pytest.raises(ValueError, match=r"Negative values.*standardize=False") as info:
        datareduce.get_reducer("fes", keep=0.2, random_state=0,
                               estimator=MultinomialNB()).fit(X, y)
    assert "space='minmax'" in str(info.value)
    r = datareduce.get_reducer("fes", keep=0.2, random_state=0, estimator=MultinomialNB(),
                               standardize=False).fit(X, y)
    assert len(r.sample_indices_) == 12


@pytest.mark.parametrize("keep", [10, 0.1])
def test_des_base_fraction_refusal_gives_the_largest_allowed_value(keep):
    """12_des_base_fraction_hint: with keep=10 (rows) the hint was 'base_fraction <= keep'."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 2)), rng.integers(0, 2, 100)
    with pytest.raises(ValueError, match=r"base_fraction <= 0\.1 \(10 of the 100 rows"):
        datareduce.get_reducer("des", keep=keep, base_fraction=0.5).fit(X, y)


@pytest.mark.parametrize("with_y", [False, True])
@pytest.mark.parametrize("how", ["drops rows", "1-D", "no column"])
def test_space_output_shape_is_checked(how, with_y):
    """13_space_output_shape: a space that drops rows made fit(X) return the wrong rows
    silently (and blamed y with labels); a 1-D or empty output raised IndexError."""
    from sklearn.preprocessing import FunctionTransformer

    func = {"drops rows": lambda Z: Z[:-3], "1-D": lambda Z: Z.ravel(),
            "no column": lambda Z: Z[:, :0]}[how]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), rng.choice(["a", "b"], 30)
    with pytest.raises(ValueError, match=r"space=FunctionTransformer outputs .*shape"):
        datareduce.get_reducer("mms", keep=0.3, random_state=0,
                               space=FunctionTransformer(func)).fit(X, y if with_y else None)


def test_mms_covering_radius_keys_are_plain_labels():
    """15_covering_radius_keys: keys shown as np.str_('a') / np.int64(0) in a notebook."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    for y in (rng.choice(["a", "b"], 40), rng.integers(0, 2, 40)):
        r = datareduce.get_reducer("mms", keep=0.3, random_state=0).fit(X, y)
        assert list(r.covering_radius_) == list(r.class_quotas_)
        assert not any(isinstance(k, np.generic) for k in r.covering_radius_)
        assert repr(list(r.covering_radius_)) in ("['a', 'b']", "[0, 1]")


def test_nrmd_rank_deficiency_warns_once_at_the_callers_line():
    """16_nrmd_rank_warnings: one warning per decomposition (3 for two classes), attributed
    to nrmd.py, naming no pool."""
    from datareduce.reducers.nrmd import nrmd_scores

    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(40, 1)), np.ones((40, 2))]
    y = rng.choice(["a", "b"], 40)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        datareduce.get_reducer("nrmd", keep=0.3, random_state=0).fit(X, y)
    msgs = [w for w in caught if "singular" in str(w.message)]
    assert len(msgs) == 1 and msgs[0].filename == __file__
    text = str(msgs[0].message)
    assert "class 'a'" in text and "class 'b'" in text and "labels appended" in text
    with warnings.catch_warnings(record=True) as caught:  # the function itself still warns
        warnings.simplefilter("always")
        nrmd_scores(X)
    assert len(caught) == 1 and caught[0].filename == __file__


@pytest.mark.parametrize("name, alias, value", [("des", "stratified_additions", True),
                                                ("nrmd", "per_class", True),
                                                ("prd", "sigma", 1.0),
                                                ("vq", "kmeans_engine", "sklearn")])
def test_deprecated_alias_warnings_point_at_the_caller(name, alias, value):
    """17_deprecation_warning_location: DES's alias warned a second time from
    scikit-learn's base.py; PRD's sigma and VQ's kmeans_engine only from base.py."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), np.array(["a", "b"] * 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        datareduce.get_reducer(name, keep=0.3, random_state=0, **{alias: value}).fit(X, y)
    where = {w.filename for w in caught if issubclass(w.category, FutureWarning)}
    assert where == {__file__}
