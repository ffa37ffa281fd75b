"""One scorer rule for ``compare`` (Python and CLI) and the search: a scorer of the other
task, or of labels the target does not have, is refused before any training by
``evaluation.tasks.check_scoring_for_task``. ``compare`` used to score ``r2`` on class
labels silently and to fail inside scikit-learn after training on ``accuracy`` of a
regression target; the CLI's own list let ``neg_mean_squared_error`` through on classes."""

import numpy as np
import pytest

from datareduce import evaluation as ev
from test_cli_compare_regression import regression_table
from test_cli_errors import cli


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X[:, 0] + rng.normal(size=n), (X[:, 0] > 0).astype(int)


class _NoFit:
    """An estimator that fails the test if anything trains it."""

    def fit(self, X, y, **kw):  # pragma: no cover - reached only on the bug
        raise AssertionError("trained before the scorer was checked")


@pytest.mark.parametrize("task, scoring, words", [
    ("regression", "accuracy", "scoring='accuracy' is a classification scorer and y is a "
                               "regression target"),
    ("classification", "r2", "scoring='r2' is a regression scorer and y is a classification "
                             "target"),
    ("classification", "neg_mean_squared_error", "is a regression scorer"),
])
def test_python_compare_refuses_a_scorer_of_the_other_task_before_training(task, scoring,
                                                                           words):
    X, y_reg, y_cls = _data()
    y = y_reg if task == "regression" else y_cls
    with pytest.raises(ValueError, match=words):
        ev.compare(X, y, methods=["srs"], keeps=[0.5], repeats=1, task=task,
                   scoring=[scoring], estimator=_NoFit(), metrics=())


def test_python_compare_refuses_f1_on_text_labels_naming_the_fix():
    X, _, y_cls = _data()
    y = np.where(y_cls == 1, "yes", "no")
    with pytest.raises(ValueError, match=r"scoring='f1' needs two classes labelled 0/1.*"
                                         r"f1_macro"):
        ev.compare(X, y, methods=["srs"], keeps=[0.5], repeats=1, scoring=["f1"],
                   estimator=_NoFit(), metrics=())


def test_the_rule_keeps_its_old_import_place():
    from datareduce.evaluation.tasks import check_scoring_for_task
    from datareduce.search._base import check_scoring_for_task as old

    assert old is check_scoring_for_task


def test_cli_compare_refuses_a_regression_scorer_on_classes(tmp_path):
    path = tmp_path / "t.csv"
    regression_table().to_csv(path, index=False)
    out = tmp_path / "out"
    res = cli("compare", path, "--target", "color", "--scoring", "neg_mean_squared_error",
              "--keep", "0.3", "--repeats", "1", "--output", out)
    assert res.returncode == 2, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert "--scoring neg_mean_squared_error is a regression scorer" in last, last
    assert "--task regression" in last and not out.exists()


def test_cli_compare_with_pos_label_passes_the_rule_on_recoded_labels(tmp_path):
    df = regression_table()
    df["big"] = np.where(df["price"] > df["price"].median(), "yes", "no")
    path = tmp_path / "t.csv"
    df.drop(columns="price").to_csv(path, index=False)
    res = cli("compare", path, "--target", "big", "--scoring", "f1", "--pos-label", "yes",
              "--methods", "srs", "--keep", "0.5", "--repeats", "1", "--no-plots",
              "--output", tmp_path / "out")
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("scoring", ["rand_score", "mutual_info_score", "v_measure_score"])
def test_a_clustering_scorer_is_refused_for_a_regression_target(scoring):
    """review5/r1 02: only classification names were refused on a regression target, so
    clustering scorers passed and scored nonsense (rand_score 1.0 for any regressor with
    distinct predictions); the CLI had refused them before 22004a9."""
    X, y_reg, _ = _data()
    with pytest.raises(ValueError, match=f"scoring='{scoring}' is not a regression scorer"):
        ev.compare(X, y_reg, methods=["srs"], keeps=[0.5], repeats=1, task="regression",
                   scoring=[scoring], estimator=_NoFit(), metrics=())


def test_cli_messages_name_the_target_column(tmp_path):
    """review5/r1 04: the CLI's refusals name the --target column again."""
    path = tmp_path / "t.csv"
    regression_table().to_csv(path, index=False)
    res = cli("compare", path, "--target", "price", "--scoring", "accuracy", "--keep", "0.3",
              "--repeats", "1", "--output", tmp_path / "out")
    assert res.returncode == 2 and "--target 'price' is a regression target" in res.stderr


def test_f1_on_labels_1_2_says_which_class_would_be_positive():
    """review5/r1 05: labels 1/2 are refused with the reason (scikit-learn would take 1 as
    the positive class), not with a claim that scikit-learn needs 0/1."""
    from datareduce.evaluation.tasks import check_scoring_for_task

    with pytest.raises(ValueError, match=r"scores class 1 as the positive one .*pos_label=1"
                                         r".* has 1, 2: recode y to 0/1"):
        check_scoring_for_task("f1", "classification", np.array([1, 2, 1, 2]))
