"""datareduce's pipeline: reducers applied when fitting only; imblearn's own pipeline refuses."""

import numpy as np
import pytest
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from datareduce import Pipeline, RandomReducer, get_reducer, make_pipeline


@pytest.fixture
def iris():
    return load_iris(return_X_y=True)


def test_reducer_applied_only_when_fitting(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), RandomReducer(keep=0.2, random_state=0),
                         KNeighborsClassifier(1))
    pipe.fit(X, y)
    assert pipe[-1].n_samples_fit_ == 30  # the model saw the reduced set
    assert pipe.predict(X).shape == (150,)  # prediction is not reduced
    assert isinstance(pipe.named_steps["randomreducer"], RandomReducer)
    assert pipe.named_steps["randomreducer"].sample_indices_.shape == (30,)
    # 1-NN on its own training rows is exact: the kept rows are predicted perfectly
    kept = pipe.named_steps["randomreducer"].sample_indices_
    assert (pipe.predict(X[kept]) == y[kept]).all()


def test_gridsearch_over_keep(iris):
    X, y = iris
    pipe = make_pipeline(get_reducer("srs", random_state=0), LogisticRegression(max_iter=500))
    grid = GridSearchCV(pipe, {"stratifiedrandomreducer__keep": [3, 0.5, 1.0]}, cv=3)
    grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[0] < scores[2]  # 3 rows (one per class) is worse than all rows
    assert grid.best_estimator_.named_steps["stratifiedrandomreducer"].keep in (0.5, 1.0)


def test_cross_val_score_and_clone(iris):
    X, y = iris
    pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)),
                     ("model", LogisticRegression(max_iter=500))])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    c = clone(pipe)
    assert c.get_params()["reduce__keep"] == 0.5
    assert "sample_indices_" not in vars(c.named_steps["reduce"])


def test_imblearn_pipeline_refuses_with_clear_error(iris):
    X, y = iris
    pipe = ImbPipeline([("reduce", RandomReducer(keep=0.5)), ("model", LogisticRegression())])
    with pytest.raises(TypeError, match="datareduce.make_pipeline"):
        pipe.fit(X, y)


def test_reducer_as_last_step_resamples(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), RandomReducer(keep=0.1, stratify=True,
                                                         random_state=0))
    Xr, yr = pipe.fit_resample(X, y)
    assert Xr.shape == (15, 4) and np.bincount(yr).tolist() == [5, 5, 5]
