"""A pipeline in which reducers shrink the training data and are skipped at predict time.

Why this exists
---------------
imbalanced-learn's :class:`imblearn.pipeline.Pipeline` applies samplers (``fit_resample``)
only while fitting, which is what a reducer needs. But it sends any step that has
``transform`` or ``fit_transform`` through ``fit_transform`` before it looks for
``fit_resample``. Reducers offer ``fit_transform`` (apricot's convention, returning
``(X_reduced, y_reduced)`` when ``y`` is given), so in imbalanced-learn's own pipeline a reducer
would silently turn X into a tuple. To prevent that, reducers also define a ``transform``
that raises, which makes imbalanced-learn's pipeline refuse them with a ``TypeError``.

:class:`Pipeline` here is imbalanced-learn's pipeline with one change: while validating and
fitting, every reducer step is presented to it as a resample-only step, so it is routed
through ``fit_resample``; the fitted reducer is put back afterwards, so ``named_steps``,
``get_params`` / ``set_params`` (``GridSearchCV`` over ``reducer__keep``) and ``clone`` see
the reducer itself. At predict / score time the reducer is skipped, as every sampler is.
"""

from __future__ import annotations

from imblearn.pipeline import Pipeline as _ImbPipeline
from sklearn.base import BaseEstimator
from sklearn.pipeline import _name_estimators

from .base import BaseReducer

__all__ = ["Pipeline", "make_pipeline"]


class _ResampleOnly(BaseEstimator):
    """Present a reducer to imbalanced-learn as a pure sampler (fit_resample only)."""

    def __init__(self, reducer):
        self.reducer = reducer

    def fit(self, X, y=None, **params):
        self.reducer.fit(X, y)
        return self

    def fit_resample(self, X, y=None, **params):
        return self.reducer.fit_resample(X, y)


def _wrap(steps):
    return [
        (name, _ResampleOnly(est) if isinstance(est, BaseReducer) else est) for name, est in steps
    ]


def _unwrap(steps):
    return [
        (name, est.reducer if isinstance(est, _ResampleOnly) else est) for name, est in steps
    ]


class Pipeline(_ImbPipeline):
    """imbalanced-learn's ``Pipeline`` that routes datareduce reducers through ``fit_resample``.

    Reducers reduce the training data during ``fit`` only; ``predict``, ``score`` and
    ``transform`` pass the data through them untouched. See the module docstring for why
    the plain imbalanced-learn pipeline cannot be used.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datareduce import Pipeline, RandomReducer
    >>> X, y = load_iris(return_X_y=True)
    >>> pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)),
    ...                  ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    >>> pipe.named_steps["reduce"].sample_indices_.shape
    (75,)
    >>> pipe.predict(X).shape  # predict sees all rows
    (150,)
    """

    def _validate_steps(self):
        steps = self.steps
        self.steps = _wrap(steps)
        try:
            return super()._validate_steps()
        finally:
            self.steps = steps

    def _fit(self, *args, **kwargs):
        original = list(self.steps)
        self.steps = _wrap(original)
        try:
            return super()._fit(*args, **kwargs)
        finally:
            self.steps = _unwrap(self.steps)


def make_pipeline(*steps, memory=None, verbose=False):
    """Build a :class:`Pipeline` from estimators, naming steps after their classes.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from datareduce import make_pipeline, get_reducer
    >>> pipe = make_pipeline(StandardScaler(), get_reducer("srs", keep=0.2),
    ...                      KNeighborsClassifier())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'stratifiedrandomreducer', 'kneighborsclassifier']
    """
    return Pipeline(_name_estimators(steps), memory=memory, verbose=verbose)
