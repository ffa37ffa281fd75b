"""The evaluation harness: datareduce.evaluation.compare, its summaries, plots and CLI."""

import importlib.util
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from datareduce import StratifiedRandomReducer
from datareduce import evaluation as ev
from datareduce._registry import _REGISTRY, _Entry
from datareduce.base import BaseReducer, Selection, quantile_strata
from datareduce.metrics import epsilon_representativeness

# ------------------------------------------------------------------ helpers
SEEN = []  # (label, X seen by the reducer, y seen, kept positions)


class SpyReducer(BaseReducer):
    """Keeps the first rows of each pool and records what it was given."""

    def __init__(self, keep=0.5, stratify=True, random_state=None, label="spy"):
        self.keep = keep
        self.stratify = stratify
        self.random_state = random_state
        self.label = label

    def _select(self, X, n_select, rng):
        return Selection(indices=np.arange(n_select))

    def fit(self, X, y=None, **params):
        super().fit(X, y, **params)
        SEEN.append((self.label, np.array(X, copy=True), np.array(y, copy=True),
                     self.sample_indices_.copy()))
        return self


class FailingReducer(SpyReducer):
    def _select(self, X, n_select, rng):
        raise RuntimeError("boom")


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    centers = np.array([[0, 0, 0], [4, 4, 0], [0, 4, 4]], dtype=float)
    X = np.vstack([rng.normal(c, 1.0, size=(40, 3)) for c in centers]) * [1.0, 10.0, 0.1] + 5
    y = np.repeat(["a", "b", "c"], 40)
    return X, y


def small(**kw):
    params = dict(keeps=(0.2, 0.5), estimator=KNeighborsClassifier(3), repeats=2,
                  random_state=0)
    params.update(kw)
    return params


# ------------------------------------------------------------------ compare
def test_table_shape_columns_and_baseline(data):
    X, y = data
    res = ev.compare(X, y, methods=["srs", "random"], **small())
    assert len(res) == 2 * (1 + 2 * 2)
    assert list(res.columns[:11]) == [
        "method", "keep", "repeat", "n_train", "n_kept", "reduction_seconds",
        "training_seconds", "total_seconds", "time_ratio", "accuracy", "f1_macro"]
    assert list(res.columns[11:]) == ["mmd", "energy", "coverage"]  # the audit's defaults
    assert not any(c in res.columns for c in ("energy_kwh", "emissions_kg"))
    full = res[res.method == "full"]
    assert full.keep.tolist() == [1.0, 1.0]
    assert (full[["mmd", "energy", "coverage"]] == 0).all().all()
    assert (full.n_kept == 90).all() and (res.n_train == 90).all()  # 120 rows, 25% test
    assert np.allclose(full.time_ratio, 1.0)
    runs = res[res.method != "full"]
    assert sorted(set(runs.n_kept)) == [18, 45]
    assert (runs[["mmd", "energy", "coverage"]] > 0).all().all()
    assert ((res[["accuracy", "f1_macro"]] >= 0) & (res[["accuracy", "f1_macro"]] <= 1)).all().all()
    # time ratio is total time over the same repeat's full training time
    for _, grp in res.groupby("repeat"):
        full_t = grp.loc[grp.method == "full", "training_seconds"].iloc[0]
        assert np.allclose(grp.time_ratio, grp.total_seconds / full_t)
        assert np.allclose(grp.total_seconds, grp.reduction_seconds + grp.training_seconds)


def test_same_seed_same_table(data):
    X, y = data
    cols = ["method", "keep", "n_kept", "accuracy", "f1_macro", "mmd", "coverage"]
    a = ev.compare(X, y, methods=["srs"], **small())[cols]
    b = ev.compare(X, y, methods=["srs"], **small())[cols]
    pd.testing.assert_frame_equal(a, b)
    c = ev.compare(X, y, methods=["srs"], **small(random_state=5))[cols]
    assert not a.equals(c)


def test_protocol_same_splits_scaling_on_training_split_and_epsilon(data):
    X, y = data
    SEEN.clear()
    methods = {"one": SpyReducer(label="one"), "two": SpyReducer(label="two")}
    res = ev.compare(X, y, methods=methods, keeps=[0.2], estimator=KNeighborsClassifier(3),
                     repeats=3, random_state=0, metrics=("mmd", "epsilon"))
    assert [s[0] for s in SEEN] == ["one", "two"] * 3
    for r in range(3):
        (_, X1, y1, _), (_, X2, y2, _) = SEEN[2 * r], SEEN[2 * r + 1]
        # the same training split for every method within a repeat
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
        # min-max scaling fitted on the training split only: exactly [0, 1] on it
        np.testing.assert_allclose(X1.min(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(X1.max(axis=0), 1.0, atol=1e-12)
        assert len(X1) == 90  # the test rows never reach the reducer
    # different repeats use different splits
    assert not np.array_equal(SEEN[0][1], SEEN[2][1])
    # epsilon is computed between the scaled training split and the kept rows
    runs = res[res.method == "one"].reset_index(drop=True)
    for r in range(3):
        _, Xs, ys, idx = SEEN[2 * r]
        expected = epsilon_representativeness(Xs, Xs[idx], ys, ys[idx]).value
        assert runs.loc[r, "epsilon"] == pytest.approx(expected)


def test_default_metrics_are_the_audits_and_not_constant_on_one_hot_columns():
    """compare's default epsilon (L-infinity) was 1.0 for every method on a table with one-hot
    columns; the defaults are now the audit's (DEFAULT_METRICS), which tell runs apart."""
    from datareduce.metrics.calibration import DEFAULT_METRICS

    assert ev.COMPARE_METRICS == DEFAULT_METRICS
    rng = np.random.default_rng(0)
    n = 600
    num = rng.normal(size=(n, 3))
    cat = rng.integers(0, 6, size=(n, 2))
    X = np.hstack([num, np.eye(6)[cat[:, 0]], np.eye(6)[cat[:, 1]]])
    y = (num[:, 0] + cat[:, 0] / 3 + rng.normal(size=n) > 1).astype(int)
    res = ev.compare(X, y, methods=["srs", "mms"], keeps=(0.1, 0.3),
                     estimator=LogisticRegression(max_iter=500), repeats=2, random_state=0)
    assert res.attrs["metrics"] == ["mmd", "energy", "coverage"]
    runs = res[res.method != "full"]
    for name in res.attrs["metrics"]:
        assert runs[name].round(9).nunique() == len(runs), name  # 8 runs, 8 values
    # the paper's epsilon, asked for by name: the constant the defaults avoid
    eps = ev.compare(X, y, methods=["srs", "mms"], keeps=(0.1, 0.3),
                     estimator=LogisticRegression(max_iter=500), repeats=2, random_state=0,
                     metrics=("epsilon",))
    assert eps.loc[eps.method != "full", "epsilon"].round(9).nunique() <= 2


def test_duplicate_rows_warn_once_per_compare(data):
    """Every reducer fit warned about duplicate rows: methods x keeps x repeats warnings
    (24 per table in the tester's run); compare now warns once, naming the count in X."""
    X, y = data
    X = np.vstack([X, X[:5]])  # 5 duplicate rows
    y = np.concatenate([y, y[:5]])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ev.compare(X, y, methods=["srs", "mms"], **small())  # MMS fits warned (4 times)
    dup = [w for w in rec if "duplicate row" in str(w.message)]
    assert len(dup) == 1, [str(w.message) for w in dup]
    assert "X has 5 duplicate row(s)" in str(dup[0].message)
    assert dup[0].filename == __file__  # points at the compare call
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ev.compare(*data, methods=["mms"], **small())
    assert not [w for w in rec if "duplicate row" in str(w.message)]


def test_compare_takes_any_registered_metric(data):
    from datareduce.metrics import get_metric

    X, y = data
    SEEN.clear()
    res = ev.compare(X, y, methods={"one": SpyReducer(label="one")}, keeps=[0.2],
                     estimator=KNeighborsClassifier(3), repeats=2, random_state=0,
                     metrics=["coverage", "mmd"])
    assert res.attrs["metrics"] == ["coverage", "mmd"] and "epsilon" not in res.columns
    assert ev.headline_metric(res) == "coverage"
    assert (res.loc[res.method == "full", ["coverage", "mmd"]] == 0).all().all()
    runs = res[res.method == "one"].reset_index(drop=True)
    for r in range(2):
        _, Xs, ys, idx = SEEN[r]
        for name in ("coverage", "mmd"):
            expected = get_metric(name)(Xs, Xs[idx], ys, ys[idx]).value
            assert runs.loc[r, name] == pytest.approx(expected)
    # the default: the audit's metrics, its headline (mmd) first
    assert ev.compare(X, y, methods={"one": SpyReducer()}, keeps=[0.2], repeats=1,
                      estimator=KNeighborsClassifier(3)).attrs["metrics"] == [
        "mmd", "energy", "coverage"]
    with pytest.raises(ValueError, match="not registered"):
        ev.compare(X, y, methods={"one": SpyReducer()}, keeps=[0.2], metrics=["nope"])
    with pytest.raises(ValueError, match="non-empty"):
        ev.compare(X, y, methods={"one": SpyReducer()}, keeps=[0.2], metrics="mmd")


def test_scores_match_a_manual_fit(data):
    X, y = data
    SEEN.clear()
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    res = ev.compare(X, y, methods={"spy": SpyReducer()}, keeps=[0.5],
                     estimator=KNeighborsClassifier(1), repeats=1, random_state=3,
                     scoring="accuracy")
    seed = int(np.random.default_rng(3).integers(0, 2**31 - 1, size=1)[0])
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    sc = MinMaxScaler().fit(Xtr)
    np.testing.assert_allclose(SEEN[0][1], sc.transform(Xtr))
    full = KNeighborsClassifier(1).fit(sc.transform(Xtr), ytr).score(sc.transform(Xte), yte)
    idx = SEEN[0][3]
    red = KNeighborsClassifier(1).fit(sc.transform(Xtr)[idx], ytr[idx]).score(
        sc.transform(Xte), yte)
    assert res.loc[res.method == "full", "accuracy"].item() == pytest.approx(full)
    assert res.loc[res.method == "spy", "accuracy"].item() == pytest.approx(red)


def test_estimator_random_state_set_per_repeat(data):
    X, y = data
    # with random_state=None the estimator is seeded per repeat, so runs are reproducible
    est = LogisticRegression(max_iter=200)
    a = ev.compare(X, y, methods=["srs"], **small(estimator=est))
    b = ev.compare(X, y, methods=["srs"], **small(estimator=est))
    np.testing.assert_array_equal(a.accuracy, b.accuracy)


def test_all_methods_and_missing_extras_are_skipped(data, monkeypatch):
    X, y = data
    registry = {k: _REGISTRY[k] for k in ("random", "srs")}
    registry["ghost"] = _Entry("ghost", "datareduce_no_such_module:Ghost", "needs an extra",
                               "flow")
    monkeypatch.setattr("datareduce._registry._REGISTRY", registry)
    with pytest.warns(UserWarning, match="skipping method 'ghost'"):
        res = ev.compare(X, y, methods="all", **small(keeps=[0.3], repeats=1))
    assert list(dict.fromkeys(res.method)) == ["full", "random", "srs"]


def test_method_params_reach_the_reducer(data):
    X, y = data
    res = ev.compare(X, y, methods=["random"], method_params={"random": {"stratify": False}},
                     **small(keeps=[3], repeats=1))
    assert res.loc[res.method == "random", "n_kept"].item() == 3
    with pytest.raises(ValueError, match="method_params"):
        ev.compare(X, y, methods=["srs"], method_params={"mms": {}}, **small())
    with pytest.raises(ValueError, match="method_params"):
        ev.compare(X, y, methods={"spy": SpyReducer()}, method_params={"spy": {}}, **small())


def test_on_error(data):
    X, y = data
    methods = {"ok": SpyReducer(), "bad": FailingReducer()}
    with pytest.raises(RuntimeError, match="boom"):
        ev.compare(X, y, methods=methods, **small())
    with pytest.warns(RuntimeWarning, match=r"bad at keep=0\.\d, repeat \d failed") as rec:
        res = ev.compare(X, y, methods=methods, on_error="warn", **small())
    assert len(rec) == 4  # 2 keeps x 2 repeats
    assert set(res.method) == {"full", "ok"}


@pytest.mark.parametrize("kwargs, match", [
    ({"keeps": [1.0]}, "keeps"),
    ({"keeps": [0]}, "keeps"),
    ({"keeps": ["a"]}, "keeps"),
    ({"keeps": []}, "keeps"),
    ({"repeats": 0}, "repeats"),
    ({"scoring": "no_such_score"}, "scoring"),
    ({"scoring": ()}, "scoring"),
    ({"methods": ["no_such_method"]}, "Unknown method"),
    ({"methods": []}, "methods"),
    ({"methods": ["full"]}, "baseline"),
    ({"scaler": "robust"}, "scaler"),
    ({"on_error": "ignore"}, "on_error"),
])
def test_bad_arguments(data, kwargs, match):
    X, y = data
    params = {"methods": ["srs"], **small(), **kwargs}
    with pytest.raises(ValueError, match=match):
        ev.compare(X, y, **params)


def test_bad_input_data(data):
    X, y = data
    with pytest.raises(ValueError):
        ev.compare(X, y[:-1], methods=["srs"], **small())
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError):
        ev.compare(Xn, y, methods=["srs"], **small())


def test_energy_columns_absent_without_codecarbon(data, monkeypatch):
    X, y = data
    monkeypatch.setitem(sys.modules, "codecarbon", None)  # import fails
    with pytest.warns(UserWarning, match="codecarbon"):
        res = ev.compare(X, y, methods=["srs"], energy=True, **small(keeps=[0.5], repeats=1))
    assert "energy_kwh" not in res.columns and "emissions_kg" not in res.columns


@pytest.mark.skipif(importlib.util.find_spec("codecarbon") is None, reason="needs codecarbon")
def test_energy_columns_with_codecarbon(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ev.compare(X, y, methods=["srs"], energy=True, **small(keeps=[0.5], repeats=1))
    assert (res.energy_kwh > 0).all() and (res.emissions_kg > 0).all()
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_topology_columns(data):
    from datareduce.metrics import topology
    X, y = data
    SEEN.clear()
    res = ev.compare(X, y, methods={"spy": SpyReducer()}, topology=True,
                     **small(keeps=[0.5], repeats=1))
    cols = [c for c in res.columns if c.startswith("bottleneck_h")]
    assert cols == ["bottleneck_h0", "bottleneck_h1"]
    assert (res.loc[res.method == "full", cols] == 0).all().all()
    _, Xs, _, idx = SEEN[0]
    expected = topology.topological_distance(Xs, Xs[idx], per_class=False).value
    got = res.loc[res.method == "spy", cols].iloc[0].tolist()
    np.testing.assert_allclose(got, [expected[0], expected[1]])
    assert got[0] > 0
    with pytest.raises(TypeError, match="topology"):
        ev.compare(X, y, methods=["srs"], topology="yes", **small())


# ---------------------------------------------------------------- summaries
def _fake_results():
    rows = []
    for r in range(3):
        rows.append(("full", 1.0, r, 0.9 + 0.01 * r, 0.0))
        for m, base in (("srs", 0.7), ("mms", 0.6)):
            for k in (0.1, 0.5):
                rows.append((m, k, r, base + k / 10 + 0.01 * r, 1 - k - (0.1 if m == "mms" else 0)))
    return pd.DataFrame(rows, columns=["method", "keep", "repeat", "accuracy", "epsilon"])


def test_medians_table_by_hand():
    res = _fake_results()
    table = ev.medians(res, "accuracy")
    assert list(table.columns) == ["srs", "mms"]  # order of first appearance
    assert table.index.tolist() == [0.1, 0.5, 1.0]
    assert table.loc[0.1, "srs"] == pytest.approx(0.71 + 0.01)  # median of 0.71, .72, .73
    assert table.loc[0.5, "mms"] == pytest.approx(0.65 + 0.01)
    np.testing.assert_allclose(table.loc[1.0], 0.91)
    long = ev.medians(res)
    assert len(long) == 5 and set(long.columns) == {"method", "keep", "accuracy", "epsilon"}
    assert long.method.tolist() == ["srs", "srs", "mms", "mms", "full"]
    with pytest.raises(ValueError, match="not a column"):
        ev.medians(res, "f1")
    with pytest.raises(ValueError, match="compare"):
        ev.medians(pd.DataFrame({"x": [1]}))


def test_epsilon_correlation_matches_scipy():
    res = _fake_results()
    rng = np.random.default_rng(0)
    res["accuracy"] = rng.random(len(res))
    corr = ev.epsilon_correlation(res)
    assert list(corr.columns) == [0.1, 0.5] and list(corr.index) == ["rho", "p-value"]
    runs = res[(res.method != "full") & (res.keep == 0.5)]
    expected = spearmanr(runs.epsilon, runs.accuracy)
    assert corr.loc["rho", 0.5] == pytest.approx(expected.statistic)
    assert corr.loc["p-value", 0.5] == pytest.approx(expected.pvalue)


def test_to_markdown():
    table = ev.medians(_fake_results(), "epsilon")
    md = ev.to_markdown(table).splitlines()
    assert md[0] == "| keep | srs | mms |"
    assert md[2] == "| 0.1 | 0.900 | 0.800 |"
    assert md[-1] == "| 1.0 | 0.000 | 0.000 |"
    table.iloc[0, 0], table.iloc[0, 1] = np.inf, np.nan  # a class without kept rows: inf
    assert ev.to_markdown(table).splitlines()[2] == "| 0.1 | inf | nan |"


def test_plots():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = _fake_results()
    res["time_ratio"] = np.where(res.method == "full", 1.0, res.keep)
    res["total_seconds"] = res.time_ratio * 2
    ax = ev.plot_scores(res)
    assert len(ax.lines) == 3  # two methods and the full-data line
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.72, 0.76])
    assert ax.lines[2].get_ydata()[0] == pytest.approx(0.91)
    fig = ev.plot_comparison(res)
    assert len(fig.axes) == 3
    assert len(fig.axes[2].collections) == 2  # one scatter per method
    plt.close("all")


def test_plots_default_to_the_first_score_on_regression(reg_data, tmp_path):
    """plot_comparison(results) of a regression compare (scores r2, mae) used to fail on
    the missing 'accuracy' column: the plots now default to the results' first score."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.linear_model import Ridge

    X, y = reg_data
    res = ev.compare(X, y, methods=["srs"], keeps=(0.2,), estimator=Ridge(), repeats=2,
                     random_state=0)
    assert res.attrs["scoring"] == ["r2", "mae"]
    fig = ev.plot_comparison(res)
    assert fig.axes[0].get_ylabel() == "r2 (median)" and fig.axes[2].get_ylabel() == "r2"
    assert ev.plot_scores(res).get_ylabel() == "r2 (median)"
    assert ev.plot_epsilon(res).get_ylabel() == "r2"
    # a table read back from CSV has no attrs: compare's column layout decides
    path = tmp_path / "res.csv"
    res.to_csv(path, index=False)
    back = pd.read_csv(path)
    assert ev.plot_comparison(back).axes[0].get_ylabel() == "r2 (median)"
    assert ev.plot_comparison(res, score="mae").axes[0].get_ylabel() == "mae (median)"
    plt.close("all")


# ----------------------------------------------------------------------- CLI
def test_cli_compare(data, tmp_path, capsys):
    from datareduce.cli import main

    X, y = data
    df = pd.DataFrame(X, columns=["f1", "f2", "f3"]).assign(label=y)
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "out"
    args = ["compare", str(path), "--target", "label", "--methods", "srs", "random",
            "--keep", "0.2", "0.1", "--repeats", "2", "--estimator", "knn", "--output", str(out),
            "--quiet"]
    if importlib.util.find_spec("matplotlib") is None:
        args.append("--no-plots")
    assert main(args) == 0
    res = pd.read_csv(out / "results.csv")
    assert len(res) == 2 * (1 + 2 * 2)
    assert set(res.loc[res.method != "full", "n_kept"]) == {18, 9}
    md = (out / "results.md").read_text()
    assert "## accuracy" in md and "| keep | srs | random |" in md
    assert "## mmd" in md and "## energy" in md and "## coverage" in md
    assert "## epsilon" not in md
    if importlib.util.find_spec("matplotlib") is not None:
        for name in ("scores", "time", "mmd", "energy", "coverage"):
            assert (out / f"{name}.png").stat().st_size > 1000
    assert "| keep |" in capsys.readouterr().out

    out2 = tmp_path / "out2"
    assert main(["compare", str(path), "--target", "nope", "--output", str(out2)]) == 2
    assert "--target 'nope'" in capsys.readouterr().err
    assert main(["compare", str(path), "--target", "label", "--keep", "1.5",
                 "--output", str(out2), "--quiet"]) == 2
    assert "--keep=1.5" in capsys.readouterr().err
    assert main(["compare", str(path), "--target", "label", "--metric", "mmdd",
                 "--output", str(out2), "--quiet"]) == 2
    assert "--metric 'mmdd' is not a metric" in capsys.readouterr().err
    out3 = tmp_path / "out3"
    assert main([*args[:args.index("--output")], "--metric", "coverage", "--no-plots", "--output", str(out3),
                 "--quiet"]) == 0
    assert "coverage" in pd.read_csv(out3 / "results.csv").columns
    assert "mmd" not in pd.read_csv(out3 / "results.csv").columns


# ---------------------------------------------------------------- regression
@pytest.fixture
def reg_data():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(160, 3))
    y = X @ [2.0, -1.0, 0.5] + rng.normal(scale=0.3, size=160)
    return X, y


def test_task_and_strata():
    assert ev.infer_task(np.array([0.5, 1.5, 2.25])) == "regression"
    assert ev.infer_task(np.array([0.0, 1.0, 1.0])) == "classification"
    assert ev.infer_task(np.arange(200) * 1000) == "regression"  # integer prices
    assert ev.infer_task(np.arange(200) % 10) == "classification"  # 10 integer classes
    assert ev.infer_task(np.array([0.5, 1.5]), "classification") == "classification"
    with pytest.raises(ValueError, match="task"):
        ev.infer_task([1.0], "ranking")
    y = np.random.default_rng(0).normal(size=1000)
    s, edges = quantile_strata(y, 4)
    assert np.bincount(s).tolist() == [250, 250, 250, 250] and len(edges) == 5
    # bins follow the order of the values
    assert all(y[s == b].max() <= y[s == b + 1].min() for b in range(3))
    # many ties merge bins instead of splitting equal values
    tied = np.repeat([1.0, 2.0, 3.0], [50, 30, 20])
    codes, _ = quantile_strata(tied, 5)
    assert all(len(set(codes[tied == v])) == 1 for v in (1.0, 2.0, 3.0))
    assert len(set(codes)) >= 2
    with pytest.raises(ValueError, match="n_bins"):
        quantile_strata(y, 0)
    # the evaluation's twin is a deprecated alias returning the codes only
    with pytest.warns(FutureWarning, match="datareduce.base.quantile_strata"):
        np.testing.assert_array_equal(ev.quantile_strata(y, 4), s)


def test_compare_regression(reg_data):
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    X, y = reg_data
    SEEN.clear()
    with pytest.warns(UserWarning, match="skipping method 'des': it needs class labels"):
        res = ev.compare(X, y, methods={"spy": SpyReducer(), "des": _des()}, keeps=[0.25],
                         estimator=Ridge(), repeats=1, random_state=4, n_bins=5,
                         pass_sample_weight=False)
    assert list(res.columns[9:11]) == ["r2", "mae"]
    assert list(res.method) == ["full", "spy"]
    # the split was stratified by 5 quantile bins
    seed = int(np.random.default_rng(4).integers(0, 2**31 - 1, size=1)[0])
    strata, _ = quantile_strata(y, 5)
    itr, ite = train_test_split(np.arange(160), test_size=0.25, random_state=seed,
                                stratify=strata)
    # the reducer saw the target itself and binned it (5 bins): a quota per bin
    _, Xs, ys, idx = SEEN[0]
    np.testing.assert_array_equal(ys, y[itr])
    assert len(idx) == 30  # 25% of the 120 training rows
    assert np.bincount(quantile_strata(ys, 5)[0][idx]).tolist() == [6] * 5
    np.testing.assert_array_equal(np.bincount(strata[ite]), [8] * 5)
    sc = MinMaxScaler().fit(X[itr])
    np.testing.assert_allclose(Xs, sc.transform(X[itr]))
    # scores: a model trained on the kept rows with their continuous targets
    model = Ridge().fit(sc.transform(X[itr])[idx], y[itr][idx])
    pred = model.predict(sc.transform(X[ite]))
    row = res[res.method == "spy"].iloc[0]
    assert row.r2 == pytest.approx(r2_score(y[ite], pred))
    assert row.mae == pytest.approx(mean_absolute_error(y[ite], pred))
    assert row.mmd > 0 and row.coverage > 0


def _des():
    from datareduce import DistanceEntropyReducer

    return DistanceEntropyReducer()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_compare_regression_medoids_and_default_estimator(reg_data):
    X, y = reg_data
    res = ev.compare(X, y, methods=["clc", "srs"], keeps=[0.2], repeats=1,
                     scoring=["r2", "neg_mean_absolute_error"], random_state=0)
    assert set(res.method) == {"full", "clc", "srs"}
    assert np.isfinite(res.r2).all() and (res.neg_mean_absolute_error < 0).all()
    with pytest.raises(ValueError, match="need class labels"), pytest.warns(UserWarning):
        ev.compare(X, y, methods=["des"], keeps=[0.2], repeats=1)


WEIGHTS_SEEN = []


class WeightRecorder(LogisticRegression):
    """Records the sample_weight each fit receives."""

    def fit(self, X, y, sample_weight=None):
        WEIGHTS_SEEN.append(None if sample_weight is None else np.asarray(sample_weight))
        return super().fit(X, y, sample_weight=sample_weight)


def test_compare_follows_the_one_weight_policy(data):
    X, y = data
    WEIGHTS_SEEN.clear()
    reducer = StratifiedRandomReducer(keep=0.5, reweight="mmd")
    ev.compare(X, y, methods={"srs": reducer}, keeps=[0.25], estimator=WeightRecorder(),
               repeats=1, random_state=0)
    full, reduced = WEIGHTS_SEEN
    assert full is None  # the full-data baseline has no reducer weights
    assert reduced is not None and reduced.sum() == pytest.approx(90)  # rows they stand for
    assert not np.allclose(reduced, reduced[0])  # the reducer's fitted weights, as they are
    WEIGHTS_SEEN.clear()
    ev.compare(X, y, methods={"srs": reducer}, keeps=[0.25], estimator=WeightRecorder(),
               repeats=1, random_state=0, pass_sample_weight=False)
    assert WEIGHTS_SEEN == [None, None]
    # an estimator whose fit takes no sample_weight is fitted unweighted, without error
    res = ev.compare(X, y, methods=["srs"], keeps=[0.25], estimator=KNeighborsClassifier(),
                     repeats=1, random_state=0)
    assert len(res) == 2


def test_a_one_row_keep_is_not_the_full_baseline():
    """keeps=[1, 20]: the one-row runs' keep (1, 1.0 in the float column) collided with the
    baseline's 1.0, and medians(results, value) overwrote them with the baseline's median
    (srs at keep 1 showed 112 rows and MMD 0)."""
    from sklearn.datasets import load_iris
    from sklearn.dummy import DummyClassifier

    X, y = load_iris(return_X_y=True)
    res = ev.compare(X, y, methods=["srs"], keeps=[1, 20], repeats=2,
                     estimator=DummyClassifier(), random_state=0)
    one = res[(res["method"] == "srs") & (res["keep"] == 1)]
    assert len(one) == 2 and (one["n_kept"] == 1).all()
    n_kept = ev.medians(res, "n_kept")
    assert n_kept.index.tolist() == [1, 20, "full"]
    assert n_kept["srs"].tolist() == [1.0, 20.0, 112.0]
    assert ev.medians(res, "mmd").loc[1, "srs"] == pytest.approx(one["mmd"].median())
    # without a one-row keep the baseline row keeps its documented label, 1.0
    rest = res.drop(one.index)
    assert ev.medians(rest, "n_kept").index.tolist() == [20, 1.0]
