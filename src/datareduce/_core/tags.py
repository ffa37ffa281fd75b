"""The reducer's public facts (:class:`ReducerTags`), its imbalanced-learn sampler tags, and
its refusal of scikit-learn's and imbalanced-learn's own ``Pipeline``."""

from __future__ import annotations

import sys
from dataclasses import dataclass

__all__ = ["ENSEMBLE_HINT", "PIPELINE_HINT", "NoSamplingType", "NoTransform", "NotASampler",
           "ReducerTags", "foreign_pipeline_caller", "reducer_tags",
           "sampler_tags"]

_PIPELINE_MODULES = ("sklearn.pipeline", "imblearn.pipeline")
PIPELINE_HINT = (
    "reducers select rows while fitting and have no transform: put them in "
    "datareduce.make_pipeline(...) (an imbalanced-learn pipeline that routes them through "
    "fit_resample and passes their sample weights to the final estimator), not in "
    "scikit-learn's or imbalanced-learn's Pipeline."
)


@dataclass(frozen=True)
class ReducerTags:
    """Public facts about a reducer class that other modules may rely on.

    Attributes
    ----------
    requires_y : bool
        The method cannot run without labels.
    requires_classes : bool
        The labels must be classes (a continuous target is refused).
    selection : {"pool", "score", "global"}
        The template: per-pool selection, score-then-top-k, or a definition spanning
        classes.
    pool_wise : bool
        The selection of one class depends on that class's rows only, so the data can be
        split into per-class pools (e.g. by the dask path). False for DES, NRMD (the
        label-augmented score), FES (one model on all rows) and a conditional flow.
    synthetic_output : bool
        The method can emit synthetic rows (``synthetic_``) instead of real ones.
    accepts_sparse : bool
        ``X`` may be a scipy.sparse matrix.
    """

    requires_y: bool
    requires_classes: bool
    selection: str
    pool_wise: bool
    synthetic_output: bool
    accepts_sparse: bool


def reducer_tags(reducer) -> ReducerTags:
    """The :class:`ReducerTags` of a reducer (instance or class).

    Examples
    --------
    >>> from datareduce import get_reducer
    >>> reducer_tags(get_reducer("des")).selection
    'global'
    """
    cls = reducer if isinstance(reducer, type) else type(reducer)
    per_pool = reducer._score_per_pool  # an instance may decide (flow's conditional)
    if isinstance(per_pool, property):
        per_pool = True
    return ReducerTags(
        requires_y=bool(cls._requires_y),
        requires_classes=bool(cls._requires_classes),
        selection=cls._selection,
        pool_wise=cls._selection == "pool" or (cls._selection == "score" and bool(per_pool)),
        synthetic_output=bool(cls._synthetic_output),
        accepts_sparse=bool(cls._accepts_sparse),
    )


def foreign_pipeline_caller(max_depth: int = 12, start: int = 2) -> bool:
    """True when called (a few frames up) by scikit-learn's or imbalanced-learn's Pipeline,
    not by :class:`datareduce.Pipeline` (which inherits imbalanced-learn's methods).

    Neither pipeline consults tags: they test ``hasattr(step, "transform")`` and call
    ``fit_transform`` (docs/design-notes.md, "Pipelines"), so the attribute lookup itself is
    the only place a reducer can refuse them with a pointer; the frames between the
    pipeline's method and the lookup (joblib's cache wrapper, helpers) are a few, hence the
    bounded walk."""
    frame = sys._getframe(start)
    for _ in range(max_depth):
        if frame is None:
            return False
        if frame.f_globals.get("__name__") in _PIPELINE_MODULES:
            owner = type(frame.f_locals.get("self"))
            # datareduce.Pipeline or a user's subclass of it (by its classes, not its module)
            return not any(c.__module__ == "datareduce.pipeline" and c.__name__ == "Pipeline"
                           for c in owner.__mro__)
        frame = frame.f_back
    return False

ENSEMBLE_HINT = (
    "a reducer cannot be the sampler of imbalanced-learn's BalancedBaggingClassifier: the "
    "ensemble gives its sampler a balancing sampling_strategy (reducers take keep) and runs it "
    "inside imbalanced-learn's own Pipeline, where a reducer cannot run. To bag models trained "
    "on reduced sets, bag datareduce.make_pipeline(reducer, model), e.g. "
    "sklearn.ensemble.BaggingClassifier(datareduce.make_pipeline(get_reducer('srs', "
    "keep=0.5), LogisticRegression())); to balance the classes, pass an imbalanced-learn "
    "sampler (e.g. RandomUnderSampler) as sampler=."
)


class NotASampler(TypeError, AttributeError):
    """A reducer asked for an imbalanced-learn sampler's ``_sampling_type``: a ``TypeError``
    for the reader, and an ``AttributeError`` too, so that ``hasattr`` (``dir()``, tab
    completion, scikit-learn's HTML display in notebooks) says "no such attribute" instead
    of failing."""


class NoSamplingType:
    """``reducer._sampling_type``, which imbalanced-learn's samplers have and its
    ``BalancedBaggingClassifier(sampler=...)`` reads first: a :class:`NotASampler` error
    saying that a reducer cannot serve there and what to do instead (before: a bare
    ``AttributeError`` naming the private attribute). Read on the class, it does not
    exist."""

    def __get__(self, obj, owner=None):
        if obj is not None:
            raise NotASampler(f"{owner.__name__}: {ENSEMBLE_HINT}")
        raise AttributeError(f"{owner.__name__} has no _sampling_type: {ENSEMBLE_HINT}")


class NoTransform:
    """``reducer.transform`` does not exist (``hasattr`` is False, so scikit-learn's checks
    do not take a reducer for a transformer), except while scikit-learn's or
    imbalanced-learn's ``Pipeline`` validates its steps: there the reducer raises a
    ``TypeError`` that points to :func:`datareduce.make_pipeline` instead of the pipeline's
    generic "should be transformers" error."""

    def __get__(self, obj, owner=None):
        if obj is not None and foreign_pipeline_caller(start=2):
            raise TypeError(f"{owner.__name__}: {PIPELINE_HINT}")
        raise AttributeError(f"{owner.__name__} has no transform: {PIPELINE_HINT}")


def sampler_tags(reducer, base):
    """imbalanced-learn's sampler tags of a reducer (its own ``Tags`` classes, as its
    ``BaseSampler`` builds them), derived from :class:`ReducerTags`: one source of facts.
    ``base`` is scikit-learn's ``BaseEstimator.__sklearn_tags__`` of the reducer."""
    from imblearn.utils._tags import InputTags, SamplerTags, Tags

    facts = reducer_tags(reducer)
    synthetic = reducer._emits_synthetic()  # this configuration, not only the class
    tags = Tags(estimator_type="sampler", target_tags=base.target_tags,
                transformer_tags=None, regressor_tags=None, classifier_tags=None,
                sampler_tags=SamplerTags(sample_indices=True))
    tags.input_tags = InputTags(dataframe=True, two_d_array=True, categorical=True,
                                sparse=facts.accepts_sparse,
                                # synthetic centroids live in X's own columns, so they
                                # need numeric complete X
                                allow_nan=not synthetic, string=not synthetic)
    tags.requires_fit = True
    tags.target_tags.required = facts.requires_y
    tags.non_deterministic = False
    return tags
