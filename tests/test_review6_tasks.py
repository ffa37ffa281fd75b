"""review6/r1 01, 02, 04, 07: the task/estimator rule, compare's split check and the
search's FoldsTooSmall advice.

* 01: a declared task that contradicts the estimator's type (``task="regression"`` with a
  classifier, ``task="classification"`` with a regressor) is refused by
  ``estimator_task`` before any training (compare and the search reached scikit-learn's
  errors inside training), and FoldsTooSmall no longer advises ``task='regression'`` as
  an alternative to a regressor.
* 02: a regressor given class labels is told to use a classifier (the advice was
  ``task='classification' or 'auto'``, which cannot work).
* 04: compare's split check is one helper for classes and bins (the classification path
  reached scikit-learn's "The test_size = 30 should be greater or equal ...").
* 07: FoldsTooSmall advises from the number of quantile bins formed (ties merge them), not
  from the n_bins asked for.
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from datareduce.evaluation import compare
from datareduce.evaluation.tasks import estimator_task
from datareduce.search import ReductionSearchCV
from datareduce.search._base import FoldsTooSmall

ROOT = Path(__file__).resolve().parents[1]
KW = dict(methods=["srs"], keeps=(0.5,), repeats=1, metrics=("mmd",))


class NoTrainClassifier(LogisticRegression):
    """A classifier whose training fails loudly: a refusal must come before it."""

    def fit(self, X, y, sample_weight=None):
        raise AssertionError("trained")


class NoTrainRegressor(Ridge):
    def fit(self, X, y, sample_weight=None):
        raise AssertionError("trained")


def _data(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y_num = np.round(X[:, 0] * 10 + rng.normal(size=n), 1)  # a continuous target
    y_cls = rng.integers(0, 3, n)
    return X, y_num, y_cls


# ---------------------------------------------------------------------------------- 01
def test_declared_task_against_the_estimator_type_is_refused_before_training():
    X, y_num, y_cls = _data()
    with pytest.raises(ValueError, match=r"task='regression' and the estimator "
                                         r"\(NoTrainClassifier\) is a classifier.*regressor"):
        compare(X, y_num, estimator=NoTrainClassifier(), task="regression", **KW)
    with pytest.raises(ValueError, match=r"task='classification' and the estimator "
                                         r"\(NoTrainRegressor\) is a regressor.*classifier"):
        compare(X, y_cls, estimator=NoTrainRegressor(), task="classification", **KW)
    with pytest.raises(ValueError, match=r"task='regression' and the estimator "
                                         r"\(NoTrainClassifier\) is a classifier"):
        ReductionSearchCV(NoTrainClassifier(), methods=["srs"], keeps=(0.3,), cv=3,
                          task="regression", budget=None, random_state=0).fit(X, y_num)
    with pytest.raises(ValueError, match=r"task='classification' and the estimator "
                                         r"\(NoTrainRegressor\) is a regressor"):
        ReductionSearchCV(NoTrainRegressor(), methods=["srs"], keeps=(0.3,), cv=3,
                          task="classification", budget=None, random_state=0).fit(X, y_cls)


def test_declared_task_refusal_in_cli_words_and_agreeing_tasks_pass():
    _, y_num, y_cls = _data()
    with pytest.raises(ValueError, match=r"^--task regression and the estimator "
                                         r"\(LogisticRegression\)") as exc:
        estimator_task(y_num, "regression", LogisticRegression(), cli=True)
    assert "task=" not in str(exc.value)
    with pytest.raises(ValueError, match=r"^--task classification and the estimator "
                                         r"\(Ridge\)"):
        estimator_task(y_cls, "classification", Ridge(), cli=True)
    # a declared task the estimator agrees with, or no estimator: as before
    assert estimator_task(y_num, "regression", Ridge()) == "regression"
    assert estimator_task(y_num, "classification", LogisticRegression()) == "classification"
    assert estimator_task(y_num, "regression", None) == "regression"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert estimator_task(y_num, "auto", LogisticRegression()) == "classification"
        assert estimator_task(y_cls, "auto", Ridge()) == "regression"


def test_folds_too_small_advises_a_regressor_not_task_regression_with_the_classifier():
    X, y_num, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FoldsTooSmall) as exc:
            ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.3,), cv=3,
                              budget=None, random_state=0).fit(X, y_num)
    text = str(exc.value)
    assert "use a regressor (with task='regression')" in text, text
    assert "or pass task='regression'" not in text
    cli = exc.value.words(cli=True)
    assert "--task regression" in cli and "task='regression'" not in cli


# ---------------------------------------------------------------------------------- 02
def test_a_regressor_given_class_labels_is_told_to_use_a_classifier():
    X, _, y_cls = _data(120)
    y_text = np.array(["a", "b", "c"])[y_cls]
    for task in ("auto", "regression"):
        with pytest.raises(ValueError) as exc:
            compare(X, y_text, estimator=NoTrainRegressor(), task=task, **KW)
        msg = str(exc.value)
        assert "holds class labels" in msg and "NoTrainRegressor" in msg, msg
        assert "pass a classifier (e.g. LogisticRegression)" in msg, msg
        assert "'auto'" not in msg and "task='classification'" not in msg, msg
    with pytest.raises(ValueError, match=r"y holds class labels.*pass a classifier"):
        ReductionSearchCV(NoTrainRegressor(), methods=["srs"], keeps=(0.3,), cv=3,
                          budget=None, random_state=0).fit(X, y_text)
    # a categorical of whole numbers: class labels, not "not numeric ... int64 values"
    cat = pd.Series(pd.Categorical(y_cls))
    with pytest.raises(ValueError) as exc:
        estimator_task(cat, "auto", Ridge())
    msg = str(exc.value)
    assert "not numeric" not in msg and "categorical" in msg and "classifier" in msg, msg
    with pytest.raises(ValueError, match=r"^--target holds class labels"):
        estimator_task(y_text, "auto", Ridge(), cli=True)


# ---------------------------------------------------------------------------------- 04
def test_compare_checks_the_class_split_as_it_checks_the_bins():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = np.repeat([f"c{i}" for i in range(40)], 3)  # 40 classes, a 30-row test split
    with pytest.raises(ValueError) as exc:
        compare(X, y, estimator=NoTrainClassifier(), **KW)
    msg = str(exc.value)
    assert not msg.startswith("The test_size"), msg  # scikit-learn's words
    assert "each class needs at least 2 rows" in msg and "test_size" in msg, msg
    assert "30 test and 90 training rows" in msg, msg
    # a class of one row is named, numbers as classes get the regression hint
    y1 = np.r_[np.repeat(np.arange(5), 20), [7]]
    with pytest.raises(ValueError, match=r"single row \(7\).*task='regression'"):
        compare(rng.normal(size=(101, 3)), y1, estimator=NoTrainClassifier(), **KW)


def test_the_split_check_is_one_helper_for_classes_bins_and_the_cli(tmp_path):
    from datareduce.evaluation.protocol import check_split_sizes
    from test_cli_errors import cli

    strata = np.repeat(np.arange(40), 3)
    with pytest.raises(ValueError, match=r"^--target 'k': each class .*--test-size"):
        check_split_sizes(strata, 0.25, cli=True, target_name="k")
    with pytest.raises(ValueError, match=r"^y: each quantile bin .*n_bins=40.*lower n_bins"):
        check_split_sizes(strata, 0.25, n_bins=40)
    check_split_sizes(np.repeat(np.arange(4), 10), 0.25)  # fits: no refusal
    # datareduce compare says the library's words in the options' names
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(120, 2)), columns=["a", "b"])
    df["k"] = np.repeat([f"c{i}" for i in range(40)], 3)
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    res = cli("compare", path, "--target", "k", "--methods", "srs", "--keep", "0.5",
              "--repeats", "1", "--output", tmp_path / "out")
    assert res.returncode == 2, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert "each class needs at least 2 rows" in last and "30 test and 90 training rows" \
        in last and "--test-size" in last, last


# ---------------------------------------------------------------------------------- 07
def test_folds_too_small_advises_from_the_bins_formed_when_ties_merge_them():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.r_[np.zeros(36), rng.normal(size=4)]  # 90 % ties: n_bins=5 forms 2 bins

    def refusal(n_bins):
        try:
            ReductionSearchCV(Ridge(), methods=["srs"], keeps=(0.3,), cv=5, n_bins=n_bins,
                              budget=None, random_state=0).fit(X, y)
        except FoldsTooSmall as exc:
            return exc
        return None

    exc = refusal(5)
    text = str(exc)
    assert "n_bins below 5" not in text, text
    assert "merged" in text and "n_bins=1" in text, text
    below = int(re.search(r"n_bins below (\d+)", text).group(1))
    assert all(refusal(nb) is None for nb in range(1, below)), text  # the advice works
    assert "--bins 1" in exc.words(cli=True)
    # three bins formed of five asked: below 3, not below 5
    words = FoldsTooSmall(5, 3, 3, n_bins=5).words()
    assert "n_bins below 3" in words and "merged" in words
    assert "--bins below 3" in FoldsTooSmall(5, 3, 3, n_bins=5).words(cli=True)
    # as many bins formed as asked: no word of merging
    assert "merged" not in FoldsTooSmall(5, 3, 5, n_bins=5).words()


# ------------------------------------------------------------------------------- docs
def test_search_docs_name_the_scorer_check_where_it_lives():
    import datareduce

    # the page next to the source imported (a checkout's docs/), else this checkout's
    docs = Path(datareduce.__file__).resolve().parents[2] / "docs" / "search.md"
    page = (docs if docs.exists() else ROOT / "docs" / "search.md").read_text()
    assert "datareduce.search._base.check_scoring_for_task`)" not in page
    assert "datareduce.evaluation.tasks.check_scoring_for_task" in page
    assert "rand_score" in page  # any non-regression scorer of a regression target
