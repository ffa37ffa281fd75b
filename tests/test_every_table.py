"""Every registered reducer on every kind of table, and the coverage-centric default.

* every registered method runs through ``fit_resample`` on a mixed-type table, a
  categorical-only table, a table with missing values, an integer-coded table and a table of
  dates and durations (DataFrames and a numpy object array) and returns the original rows;
  no class with a quota is lost;
* dates and durations are seconds in the selection space (not categories);
* CLC returns real rows (medoids) with a warning when centroids cannot be written in X's
  columns;
* the coverage rule (:func:`datareduce.reducers._coverage.coverage_choose`) against its
  definition, on hand-checkable cases and as properties (hypothesis);
* each scoring method's ``selection="reference"`` mode gives the rows it gave before the
  coverage default existed (indices recorded from main at 2026-12-04, b9676ef);
* FES's default no longer trains a one-class model at a small kept fraction.
"""

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import datareduce
from datareduce._registry import _REGISTRY
from datareduce.reducers._coverage import coverage_choose, spread_over_strata

FAST = {"flow": {"max_epochs": 3}, "fes": {"epochs": 3}}
UNSTRATIFIED = {"random"}  # uniform sampling by definition: it may lose a class


def _available(name):
    extra = _REGISTRY[name].extra
    module = {"flow": "torch", "kt": "goodpoints"}.get(extra, extra)
    return extra is None or importlib.util.find_spec(module) is not None


METHODS = [pytest.param(m, marks=pytest.mark.skipif(not _available(m), reason="extra missing"))
           for m in datareduce.available_reducers()]


def _tables():
    rng = np.random.default_rng(0)
    n = 60
    y = np.repeat(["low", "mid", "high"], [30, 20, 10])
    shift = np.repeat([0.0, 2.0, 4.0], [30, 20, 10])
    num = rng.normal(size=n) + shift
    num_nan = num.copy()
    num_nan[[3, 17, 40]] = np.nan
    housing = np.where(rng.random(n) < 0.5 + 0.1 * shift, "rent", "own").astype(object)
    housing[[5, 33]] = None
    mixed = pd.DataFrame({
        "income": num_nan,
        "age": rng.integers(18, 80, n),
        "housing": housing,
        "member": rng.random(n) < 0.5,
        "region": pd.Categorical(rng.choice(["n", "s", "e", "w"], n)),
    })
    categorical = pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue"], n),
        "size": pd.Categorical(np.where(shift > 1, "L", rng.choice(["S", "M"], n))),
    })
    missing = pd.DataFrame({
        "a": num_nan,
        "b": rng.normal(size=n) * shift,
        "c": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 9, n)), dtype="Int64"),
    })
    missing.loc[7, "b"] = np.nan
    integer = pd.DataFrame({
        "code_a": rng.integers(0, 5, n) + (shift > 1),
        "code_b": rng.integers(0, 3, n),
        "count": rng.poisson(3 + shift),
    })
    obj = np.empty((n, 3), dtype=object)
    obj[:, 0], obj[:, 1], obj[:, 2] = num, housing, rng.integers(0, 4, n)
    when = pd.Series(pd.Timestamp("2024-01-01", tz="Europe/Paris")
                     + pd.to_timedelta(np.sort(rng.integers(0, 900, n)) + 100 * shift, unit="D"))
    when[[4, 44]] = pd.NaT
    dated = pd.DataFrame({
        "when": when,
        "stay": pd.to_timedelta(rng.integers(1, 48, n) * (1 + shift), unit="h"),
        "day": pd.Series(pd.date_range("2023-01-01", periods=n, freq="D")).astype(
            "datetime64[s]"),
        "weight": rng.normal(size=n) + shift,
    })
    return {"mixed": mixed, "categorical": categorical, "missing": missing,
            "integer": integer, "object-array": obj, "dated": dated}, y


TABLES, Y = _tables()


@pytest.mark.parametrize("kind", list(TABLES))
@pytest.mark.parametrize("method", METHODS)
def test_every_reducer_on_every_table(method, kind):
    X = TABLES[kind]
    r = datareduce.get_reducer(method, keep=0.25, random_state=0, **FAST.get(method, {}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicates, CLC's medoid fallback
        Xr, yr = r.fit_resample(X, Y)
    idx = r.sample_indices_
    assert len(idx) == 15 and len(np.unique(idx)) == 15
    assert getattr(r, "synthetic_", None) is None  # strings, NaN: only real rows come back
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(Xr, X.iloc[idx])
    else:
        assert Xr.shape == (15, 3)
        assert all(a is b or a == b for a, b in zip(Xr.ravel(), X[idx].ravel(), strict=True))
    np.testing.assert_array_equal(yr, Y[idx])
    if method not in UNSTRATIFIED:  # every class keeps a row (its quota is >= 1)
        assert set(yr) == {"low", "mid", "high"}
    assert r.sample_weight_.sum() == pytest.approx(60)


def test_clc_on_strings_returns_medoids_with_a_warning():
    X = TABLES["mixed"]
    r = datareduce.get_reducer("clc", keep=0.25, random_state=0)
    with pytest.warns(UserWarning, match="centroids cannot be written.*medoids"):
        Xr, _ = r.fit_resample(X, Y)
    assert r.output_ == "medoids" and r.synthetic_ is None
    assert "output: medoids" in r.space_ and "categorical" in r.space_
    pd.testing.assert_frame_equal(Xr, X.iloc[r.sample_indices_])
    # numeric complete data keeps the paper's centroids, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        num = np.random.default_rng(1).normal(size=(40, 3))
        r = datareduce.get_reducer("clc", keep=5, random_state=0).fit(num)
    assert r.output_ == "centroids" and r.synthetic_.shape == (5, 3)


def test_dates_and_durations_are_seconds_in_the_selection_space():
    """A date is a point in time, not a category: the default space takes dates (a time zone
    converted to UTC) and durations as seconds, imputes NaT with the median and flags it
    (before: one-hot categories, twenty of them at most, the rest pooled, so the space did not
    know which dates are near, and an audit of a date column compared tied subsets)."""
    from datareduce.preprocessing import describe_space, make_selection_space, resolve_space

    frame = pd.DataFrame({
        "paris": pd.to_datetime(["2020-01-01 01:00", None, "2020-01-03 01:00"]).tz_localize(
            "Europe/Paris"),
        "day": pd.to_datetime(["1970-01-02", "1970-01-03", "1970-01-01"]).astype(
            "datetime64[s]"),
        "stay": pd.to_timedelta(["1h", "30min", None]),
    })
    space = make_selection_space(frame, scale=None)
    Z = space.fit_transform(frame)
    t0 = 1577836800.0  # 2020-01-01 00:00 UTC, i.e. 01:00 in Paris
    expected = np.array([[t0, 86400, 3600, 0, 0],
                         [t0 + 86400, 2 * 86400, 1800, 1, 0],  # NaT: the median, flagged
                         [t0 + 2 * 86400, 0, 2700, 0, 1]], dtype=float)
    np.testing.assert_allclose(Z, expected)
    assert "dates and durations as seconds" in describe_space(space)
    assert resolve_space("auto", frame) is not None  # never "as given"
    days = np.array(["2020-01-01", "2020-06-01", "2021-01-01"], dtype="datetime64[D]")
    z = resolve_space("auto", days.reshape(-1, 1)).fit_transform(days.reshape(-1, 1)).ravel()
    np.testing.assert_allclose(z, (days.astype(float) - days.astype(float).mean())
                               / days.astype(float).std())


def test_a_split_audit_measures_date_drift_as_seconds():
    """Feature drift across a split compares dates and durations as numbers (KS on seconds,
    NaT left out as numeric NaN is), not as categories (total variation over distinct dates,
    where every date is its own category and any split looks alike)."""
    from scipy.stats import ks_2samp

    from datareduce.metrics.leakage import _feature_drift

    rng = np.random.default_rng(0)
    days = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(200), unit="D"))
    days[rng.choice(200, 20, replace=False)] = pd.NaT
    stay = pd.Series(pd.to_timedelta(np.arange(200), unit="h"))
    drift = _feature_drift(pd.DataFrame({"d": days, "s": stay}), 150, 30, rng)
    assert drift["kind"].tolist() == ["numeric (KS)"] * 2
    seconds = (days - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
    a, b = seconds[:150], seconds[150:]
    expected = ks_2samp(a[~np.isnan(a)], b[~np.isnan(b)]).statistic
    assert drift["statistic"].iloc[0] == pytest.approx(expected)
    assert drift["statistic"].tolist() == pytest.approx([expected, 1.0], abs=0.01)
    assert drift["percentile"].iloc[0] < 5  # a time-ordered split drifts in time


# ----------------------------------------------------------------- coverage rule
def test_coverage_drops_extremes_then_equal_quotas():
    h = np.r_[np.zeros(50), np.ones(40), np.full(10, 9.0)]  # 10 extreme rows
    pos = coverage_choose(h, 20, np.random.default_rng(0), drop_hardest=0.1, n_strata=2)
    assert len(np.unique(pos)) == 20
    assert np.bincount(h[pos].astype(int), minlength=10)[[0, 1, 9]].tolist() == [10, 10, 0]
    # a small stratum is kept whole; the larger one takes the rest
    h = np.r_[np.zeros(50), np.full(4, 5.0), np.full(1, 100.0)]
    pos = coverage_choose(h, 20, np.random.default_rng(0), drop_hardest=0.02, n_strata=2)
    assert (h[pos] == 5).sum() == 4 and (h[pos] == 0).sum() == 16 and (h[pos] == 100).sum() == 0


def test_coverage_keeps_pruned_rows_only_when_the_quota_needs_them():
    h = np.arange(10.0)
    pos = coverage_choose(h, 9, np.random.default_rng(0), drop_hardest=0.5, n_strata=3)
    assert sorted(pos.tolist()) == list(range(9))  # only the single hardest row is dropped
    assert sorted(coverage_choose(h, 10, np.random.default_rng(0)).tolist()) == list(range(10))


def test_infinite_scores_get_their_proportional_share_only():
    h = np.r_[np.zeros(20), np.full(5, np.inf)]  # e.g. PHL's super-outliers
    pos = coverage_choose(h, 6, np.random.default_rng(0), drop_hardest=0.1, n_strata=1)
    # 2 of 5 dropped; the 3 left are 3 of 23 rows: round(6 * 3 / 23) = 1 (not half of 6)
    assert np.isinf(h[pos]).sum() == 1 and (h[pos] == 0).sum() == 5
    pos = coverage_choose(h, 22, np.random.default_rng(0), drop_hardest=0.0, n_strata=1)
    assert np.isinf(h[pos]).sum() == 4 and (h[pos] == 0).sum() == 18  # round(22 * 5 / 25)


def test_extreme_finite_scores_do_not_set_the_strata_edges():
    """Issue 21: a handful of scores orders of magnitude above the rest used to stretch the
    equal-width strata (the whole bulk fell in the first one, sampled without any spread)
    and were kept whole as small strata. They now get their proportional share and the
    strata cover the bulk's range."""
    rng = np.random.default_rng(0)
    bulk = rng.uniform(0, 1, 995) ** 3  # skewed bulk: a uniform draw would favour low scores
    h = np.r_[bulk, np.full(5, 1e6)]
    pos = coverage_choose(h, 100, np.random.default_rng(1), drop_hardest=0.0, n_strata=5)
    assert (h[pos] > 1).sum() <= 1  # 5 of 1000 rows: a share of 0.5
    counts = np.histogram(h[pos], bins=5, range=(0, 1))[0]
    assert counts.min() >= 15  # about 20 per stratum of the bulk's range
    from datareduce.reducers._coverage import tail_mask

    assert tail_mask(h).sum() == 5
    assert not tail_mask(bulk).any()  # a skewed bulk alone has no extreme scores
    assert not tail_mask(np.r_[np.zeros(90), np.ones(10)]).any()  # a 10% cluster is not


def _strata_of(values, n_select, n_strata):
    """The definition: equal-width strata over the range of the scores that are not extreme
    (beyond 3 times the 5th-95th percentile range from those percentiles), at most n_select
    of them; the extreme scores are stratum -1."""
    q05, q95 = np.percentile(values, [5, 95])
    spread = q95 - q05
    tail = ((values < q05 - 3 * spread) | (values > q95 + 3 * spread)) if spread > 0 else (
        np.zeros(len(values), dtype=bool))
    m = max(1, min(n_strata, n_select))
    out = np.full(len(values), -1)
    bulk = values[~tail]
    lo, hi = bulk.min(), bulk.max()
    if not hi > lo or m == 1:
        out[~tail] = 0
        return out
    width = (hi - lo) / m
    out[~tail] = np.minimum(((bulk - lo) / width).astype(int), m - 1)
    return out


@settings(max_examples=60, deadline=None)
@example(values=[0.0, 1.0, 2.0, -5.0, -7.0, -8.0], frac=0.25, drop=0.5, n_strata=2, seed=0)
@given(values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=80, unique=True),
       frac=st.floats(0.0, 1.0), drop=st.floats(0.0, 0.9), n_strata=st.integers(1, 12),
       seed=st.integers(0, 2**16))
def test_coverage_properties(values, frac, drop, n_strata, seed):
    h = np.array(values)
    n = len(h)
    q = int(round(frac * n))
    pos = coverage_choose(h, q, np.random.default_rng(seed), drop_hardest=drop,
                          n_strata=n_strata)
    assert len(pos) == q and len(np.unique(pos)) == q  # exactly q distinct rows
    n_drop = min(int(np.floor(drop * n)), n - q)
    hardest = np.argsort(-h)[:n_drop]
    assert not np.isin(hardest, pos).any()  # the pruned extreme is excluded
    if q == 0 or q == n:
        return
    survivors = np.setdiff1d(np.arange(n), hardest)
    strata = _strata_of(h[survivors], q, n_strata)
    in_pos = np.isin(survivors, pos)
    n_tail = int((strata == -1).sum())
    if n_tail:  # the tail's proportional share (or what the bulk cannot hold)
        share = min(n_tail, max(int(np.floor(q * n_tail / len(survivors) + 0.5)),
                                q - (len(survivors) - n_tail)))
        assert in_pos[strata == -1].sum() == share
    keep_bulk = strata >= 0
    strata, in_pos = strata[keep_bulk], in_pos[keep_bulk]
    if not strata.size:
        return
    sizes = np.bincount(strata)
    kept = np.bincount(strata[in_pos], minlength=len(sizes))
    # water-filling: a stratum gets fewer rows than another (by more than one) only when
    # it is exhausted, i.e. every non-empty stratum gets its equal share or all its rows
    for a in np.flatnonzero(sizes):
        for b in np.flatnonzero(sizes):
            if kept[a] < kept[b] - 1:
                assert kept[a] == sizes[a]


def test_spread_over_strata_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        spread_over_strata(np.array([0.0, np.nan]), 1, 2, np.random.default_rng(0))


# ----------------------------------------------------- the reference modes unchanged
def _golden_data():
    rng = np.random.default_rng(7)
    centers = np.array([[0, 0, 0], [2.5, 0, 0], [0, 2.5, 1.0]])
    sizes = [40, 30, 20]
    X = np.vstack([rng.normal(c, 1.0, size=(s, 3)) for c, s in zip(centers, sizes, strict=True)])
    X = np.vstack([X, [[9.0, 9.0, 9.0], [-8.0, 7.0, 0.0]]])
    return X, np.r_[np.repeat([0, 1, 2], sizes), 0, 1]


# sample_indices_ of main (b9676ef), before selection= existed, keep=0.2, random_state=3
GOLDEN = {
    ("fes", True): [90, 34, 31, 16, 22, 29, 19, 2, 91, 41, 55, 44, 65, 58, 82, 83, 75, 89],
    ("fes", False): [91, 90, 34, 41, 82, 31, 16, 22, 29, 19, 55, 2, 14, 44, 65, 24, 8, 58],
    ("nrmd", True): [90, 32, 1, 21, 6, 26, 11, 28, 45, 54, 43, 40, 57, 61, 80, 85, 87, 72],
    ("nrmd", False): [90, 80, 45, 54, 43, 40, 57, 61, 53, 60, 85, 64, 41, 32, 51, 1, 21, 87],
    ("phl", True): [22, 34, 16, 5, 4, 38, 7, 13, 41, 46, 61, 51, 54, 44, 85, 84, 71, 73],
    ("phl", False): [6, 70, 48, 55, 63, 56, 24, 85, 3, 4, 7, 27, 28, 35, 38, 18, 26, 30],
    ("des", True): [3, 7, 9, 30, 41, 42, 56, 79, 81, 2, 19, 89, 78, 26, 11, 65, 67, 49],
    ("des", False): [3, 7, 9, 30, 41, 42, 56, 79, 81, 2, 19, 89, 78, 26, 11, 34, 12, 75],
    ("mms", True): [33, 90, 31, 34, 8, 14, 7, 16, 42, 91, 54, 52, 68, 65, 73, 78, 83, 84],
    ("mms", False): [74, 90, 91, 54, 6, 78, 22, 68, 14, 5, 87, 52, 70, 56, 8, 67, 11, 75],
}


@pytest.mark.parametrize("method, stratify", list(GOLDEN))
def test_reference_mode_gives_the_old_rows(method, stratify):
    X, y = _golden_data()
    params = {"epochs": 6} if method == "fes" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = datareduce.get_reducer(method, keep=0.2, random_state=3, stratify=stratify,
                                   selection="reference", **params).fit(X, y)
        default = datareduce.get_reducer(method, keep=0.2, random_state=3, stratify=stratify,
                                         **params).fit(X, y)
    assert r.sample_indices_.tolist() == GOLDEN[method, stratify]
    assert hasattr(r, "scores_")
    if method == "des":  # DES keeps the paper's rule by default (docs/quality-defaults.md)
        assert default.sample_indices_.tolist() == GOLDEN[method, stratify]
        return
    # the coverage default is another rule (and promises no ranking)
    assert default.sample_indices_.tolist() != GOLDEN[method, stratify]
    assert not hasattr(default, "scores_")


def test_des_coverage_mode_spreads_the_additions():
    X, y = _golden_data()
    r = datareduce.get_reducer("des", keep=0.2, random_state=3, selection="coverage").fit(X, y)
    added = np.setdiff1d(r.sample_indices_, r.base_indices_)
    ranked = np.argsort(-np.delete(r.entropy_, r.base_indices_))
    assert len(added) == 9 and not hasattr(r, "scores_")
    # the reference would add the 9 highest-entropy rows; the coverage rule does not
    top = np.delete(np.arange(len(y)), r.base_indices_)[ranked[:9]]
    assert set(added.tolist()) != set(top.tolist())


def test_fes_default_does_not_collapse_to_one_class():
    """Overlapping binary classes: the reference keeps never-learned rows (each class's rows
    in the other's region) and the model predicts one class; the default does not."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    n = 1200
    y = (rng.random(n) < 0.3).astype(int)
    X = rng.normal(size=(n, 5)) + 0.9 * y[:, None]
    Xt = rng.normal(size=(2000, 5))
    yt = (rng.random(2000) < 0.3).astype(int)
    Xt += 0.9 * yt[:, None]
    scores = {}
    for selection in ("reference", "coverage"):
        r = datareduce.get_reducer("fes", keep=0.1, random_state=0, selection=selection)
        Xr, yr = r.fit_resample(X, y)
        pred = LogisticRegression().fit(Xr, yr).predict(Xt)
        scores[selection] = f1_score(yt, pred, average="macro")
    assert scores["coverage"] > 0.6
    assert scores["coverage"] > scores["reference"] + 0.1


def test_search_no_longer_skips_clc_on_a_mixed_table():
    """issue 21: the search skipped CLC on mixed tables ('failed on a probe')."""
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from datareduce.search import ReductionSearchCV

    X = pd.concat([TABLES["mixed"]] * 4, ignore_index=True)
    y = np.tile(Y, 4)
    prep = make_column_transformer(
        (SimpleImputer(strategy="median"), ["income", "age"]),
        (make_pipeline(SimpleImputer(strategy="most_frequent"),
                       OneHotEncoder(handle_unknown="ignore")), ["housing", "region"]),
        ("passthrough", ["member"]))
    model = make_pipeline(prep, LogisticRegression(max_iter=500))
    search = ReductionSearchCV(model, methods=["srs", "clc"], keeps=(0.25,), tolerance=1.0,
                               budget=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    assert "clc" not in search.skipped_


def test_pyarrow_dates_and_durations_are_seconds_too():
    """pyarrow-backed columns (``read_parquet``, ``dtype_backend="pyarrow"``): nanosecond
    timestamps, zoned timestamps, date32 and durations (pyarrow's own seconds overflow at ns,
    and date32 has no time zone accessor)."""
    pa = pytest.importorskip("pyarrow")
    from datareduce.preprocessing import make_selection_space

    days = pd.Series(pd.date_range("2020-01-01", periods=3, freq="D"))
    frame = pd.DataFrame({
        "ns": days.astype("timestamp[ns][pyarrow]"),
        "utc": days.dt.tz_localize("UTC").astype(pd.ArrowDtype(pa.timestamp("us", tz="UTC"))),
        "date": days.astype(pd.ArrowDtype(pa.date32())),
        "span": pd.Series(pd.to_timedelta([1, 2, 3], unit="h")).astype(
            pd.ArrowDtype(pa.duration("ns"))),
    })
    Z = make_selection_space(frame, scale=None).fit_transform(frame)
    t0 = 1577836800.0
    np.testing.assert_allclose(Z, [[t0 + k * 86400] * 3 + [3600 * (k + 1)] for k in range(3)])
    r = datareduce.get_reducer("mms", keep=2, random_state=0).fit(frame)
    assert "dates and durations as seconds" in r.space_


def test_integer_column_names_out_of_order_select_the_right_columns():
    """ColumnTransformer reads integer labels as positions: the default space addresses
    columns by position (before: a table with columns 1, 0, 2 fed column 0's strings to the
    numeric imputer, or one-hot encoded the wrong column)."""
    from datareduce.preprocessing import make_selection_space

    frame = pd.DataFrame({1: pd.date_range("2020-01-01", periods=4, freq="D"),
                          0: ["a", "b", "a", "b"], 2: [10.0, 20.0, 30.0, 40.0]})
    Z = make_selection_space(frame, scale=None).fit_transform(frame)
    t0 = 1577836800.0
    np.testing.assert_allclose(Z, [[t0, 10, 1, 0], [t0 + 86400, 20, 0, 1],
                                   [t0 + 2 * 86400, 30, 1, 0], [t0 + 3 * 86400, 40, 0, 1]])


def test_describe_space_of_a_user_space_without_an_imputer():
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import StandardScaler

    from datareduce.preprocessing import describe_space

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "z": [0.0, 1.0, 0.0]})
    space = Pipeline([("columns", ColumnTransformer(
        [("numeric", make_pipeline(StandardScaler()), ["x", "z"])]))]).fit(frame)
    assert describe_space(space) == "2 numeric (standardised) -> 2 dimensions"


def test_a_split_audit_joins_dates_written_in_two_time_zones():
    """Train in Paris time, test in UTC: one date column of instants (before: pandas joined
    them as an object column, one-hot encoded, drift reported as total variation 1.0)."""
    from datareduce.metrics.leakage import audit_split

    rng = np.random.default_rng(0)
    when = pd.Series(pd.Timestamp("2024-01-01", tz="UTC")
                     + pd.to_timedelta(rng.integers(0, 500, 120), unit="D"))
    frame = pd.DataFrame({"x": rng.normal(size=120), "when": when})
    train, test = frame.iloc[:90].copy(), frame.iloc[90:].copy()
    train["when"] = train["when"].dt.tz_convert("Europe/Paris")
    audit = audit_split(train, test, n_draws=10, random_state=0)
    drift = audit.features.set_index("feature")
    assert drift.loc["when", "kind"] == "numeric (KS)"
    assert drift.loc["when", "statistic"] < 0.5


def test_iso_dates_written_as_text_are_seconds():
    """A CSV gives dates as text: ISO 8601 dates and times (offsets to UTC, naive as UTC) are
    seconds in the space like datetime columns; new rows with text that is no date become
    missing (imputed; flagged when the column had missing values at fit) instead of failing;
    a typo among hundreds of dates is one missing value, not a column of categories; text
    that only looks close (a month 13, a bare year, a category of dates) is no date."""
    import io

    from datareduce.preprocessing import _dates_in_text, make_selection_space

    csv = ("when,stamp,x,k\n2024-01-01,2024-01-01T00:00:00Z,1.0,a\n"
           "2024-01-02,2024-01-01T02:00:00+02:00,2.0,b\n,2024-01-03 10:00,3.0,a\n")
    t0 = 1704067200.0  # 2024-01-01 00:00 UTC
    for backend in ("numpy_nullable", "pyarrow"):
        if backend == "pyarrow":
            pytest.importorskip("pyarrow")
        frame = pd.read_csv(io.StringIO(csv), dtype_backend=backend)
        space = make_selection_space(frame, scale=None)
        Z = space.fit_transform(frame)
        np.testing.assert_allclose(Z[:, :3], [[t0, t0, 1], [t0 + 86400, t0, 2],
                                              [t0 + 43200, t0 + 2 * 86400 + 36000, 3]])
        assert Z[:, 3].tolist() == [0, 0, 1]  # the missing date, flagged
    new = frame.copy()
    new.loc[0, "when"] = "not known"
    assert space.transform(new)[0, 0] == pytest.approx(t0 + 43200)  # the median
    for values in (["2024-13-01"], ["2024", "2025"], pd.Categorical(["2024-01-01"]), [None]):
        assert _dates_in_text(pd.Series(values, dtype=None)) is None
    r = datareduce.get_reducer("mms", keep=2, random_state=0).fit(frame)
    assert "dates and durations as seconds" in r.space_
    days = pd.Series(pd.date_range("2020-01-01", periods=300, freq="D").strftime("%Y-%m-%d"))
    days[5] = "2021-02-30"  # one impossible date: before, the whole column was a category
    parsed = _dates_in_text(days)
    assert parsed is not None and parsed.isna().tolist() == [i == 5 for i in range(300)]
    assert _dates_in_text(days.where(np.arange(300) % 10 != 0, "n/a")) is None  # 10 % no date


def test_a_split_audit_finds_the_same_instant_written_with_other_offsets():
    """An exact duplicate across a split is the same instant, whatever offset the text gives
    it (before: only datetime columns were joined in UTC; text dates hashed as text)."""
    from datareduce.metrics.leakage import audit_split

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"when": [f"2024-01-{i + 1:02d}T00:00:00Z" for i in range(20)],
                          "x": rng.normal(size=20)})
    test = pd.DataFrame({"when": ["2024-01-01T01:00:00+01:00", "2024-01-02T00:00:00Z"],
                         "x": train.x[:2].to_numpy()})
    audit = audit_split(train, test, n_draws=3, random_state=0)
    assert audit.duplicates["exact"].tolist() == [True, True]
    assert audit.features.set_index("feature").loc["when", "kind"] == "numeric (KS)"
