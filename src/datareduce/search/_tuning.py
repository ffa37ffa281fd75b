"""Reduce once, train many: hyperparameter search on the reduced rows, one refit on all rows.

:func:`tune_on_subset` reduces the training set once (a named method at a kept fraction, a
reducer, or the answer of a fitted :class:`ReductionSearchCV`), runs scikit-learn's
:class:`~sklearn.model_selection.RandomizedSearchCV` on the kept rows only, and trains the
best configuration once on all rows. The search's many trainings then cost a fraction
``keep`` each; only the last one sees every row.

:func:`tune_halving` is successive halving with a reducer's kept rows as the resource:
scikit-learn's :class:`~sklearn.model_selection.HalvingRandomSearchCV` over a
:class:`datareduce.Pipeline` (reducer, estimator) whose resource is the reducer's ``keep``
(a row count per training fold). Each rung trains the surviving candidates on the reducer's
rows of every training fold and scores them on the whole validation fold; the best
configuration is then trained once on all rows, without the reducer.
"""

from __future__ import annotations

import math
import numbers
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils.validation import _num_samples, check_consistent_length

__all__ = ["SubsetTuning", "tune_halving", "tune_on_subset"]


@dataclass
class SubsetTuning:
    """What :func:`tune_on_subset` returns.

    Attributes
    ----------
    best_estimator : estimator
        The best configuration trained on all rows (or on the kept rows, ``refit="subset"``).
    best_params : dict
    search : RandomizedSearchCV or HalvingRandomSearchCV
        Fitted on the kept rows (``cv_results_`` etc.), with ``refit=False``.
    reducer : reducer
        :func:`tune_on_subset`: fitted on all rows; ``reducer.sample_indices_`` are the rows
        tuned on. :func:`tune_halving`: the unfitted reducer (it is fitted on every training
        fold at every rung).
    n_rows, n_tuned : int
        Rows of X; rows the search trained on (:func:`tune_halving`: per training fold at
        the last rung).
    reduce_seconds, tune_seconds, refit_seconds : float
        (:func:`tune_halving` reduces inside the search: ``reduce_seconds`` is 0.)
    rungs : list of (n_candidates, n_kept) or None
        :func:`tune_halving`: the candidates trained at each rung and the rows kept of each
        training fold there.
    shortlist : list of (params, holdout_score) or None
        :func:`tune_on_subset` with ``shortlist > 1`` or ``untuned=True``: the subset's best
        configurations, in their order there, with their score on the held-out part of all
        rows (``shortlist_seconds``: the time of those trainings, part of
        ``total_seconds``); with ``untuned=True`` the last entry is the estimator as given
        (its own values of the searched parameters).
    untuned_chosen : bool
        ``untuned=True`` and the estimator as given scored best on the holdout: its own
        parameters were refit (the subset's ranking did not carry to all rows).
    """

    best_estimator: object
    best_params: dict
    search: object
    reducer: object
    n_rows: int
    n_tuned: int
    reduce_seconds: float
    tune_seconds: float
    refit_seconds: float
    rungs: list | None = None
    shortlist: list | None = None
    shortlist_seconds: float = 0.0
    untuned_chosen: bool = False

    @property
    def total_seconds(self) -> float:
        return (self.reduce_seconds + self.tune_seconds + self.shortlist_seconds
                + self.refit_seconds)

    def predict(self, X):
        return self.best_estimator.predict(X)


def _check_labels(y, estimator, who) -> None:
    """The search's label check (missing, NaN or infinite labels refused by row, one class
    for a classifier, before any training), shared with :class:`ReductionSearchCV`;
    tune_halving crashed in scikit-learn's sorting on text labels with a missing one."""
    from ._base import check_target, check_two_classes

    arr = check_target(y, _num_samples(y))
    if is_classifier(estimator):
        check_two_classes(arr, who)


def _check_distributions(param_distributions, func) -> list:
    """``param_distributions`` as a list of dicts, refused by name before any training when
    it is not a dict (or a list of dicts) of lists or distributions: ``tune_halving`` failed
    with "'NoneType' object has no attribute 'values'", and named a value as its pipeline's
    parameter (``model__solver``), not the one given."""
    from collections.abc import Iterable, Mapping

    dists = param_distributions if isinstance(param_distributions, list) \
        else [param_distributions]
    for d in dists:
        if not isinstance(d, Mapping):
            raise ValueError(f"{func}: param_distributions={param_distributions!r}: give a dict "
                             "of {parameter: list of values or scipy.stats distribution}, or "
                             "a list of such dicts, e.g. {'C': [0.1, 1, 10]}.")
        for name, values in d.items():
            if isinstance(values, str) or not (isinstance(values, Iterable)
                                               or hasattr(values, "rvs")):
                raise ValueError(f"{func}: param_distributions[{name!r}]={values!r} is not a "
                                 "list of values or a distribution: give a list, e.g. "
                                 f"{{{name!r}: [{values!r}]}}.")
    return dists


def _check_reducer_task(reducer, estimator, given) -> None:
    """Refuse, before any training, a reducer that needs class labels before a regressor
    (its target is a regression target): tune_halving's every fit failed, buried in
    scikit-learn's "All the N fits failed", and the reducer's own refusal advised a
    ``task=`` that the tuning functions do not take."""
    from sklearn.base import is_regressor

    from ..evaluation.tasks import needs_classes

    if is_regressor(estimator) and needs_classes(reducer):
        name = repr(given) if isinstance(given, str) else type(reducer).__name__
        raise ValueError(f"reducer={name} needs class labels, and the estimator "
                         f"{type(estimator).__name__} is a regressor (y is a regression "
                         "target): use a method without classes, e.g. reducer='srs', 'mms' "
                         "or 'clc'.")


def tune_on_subset(estimator, param_distributions, X, y, *, reducer="srs", keep=0.1,
                   n_iter=10, cv=3, scoring=None, refit="all", shortlist=1, untuned=False,
                   holdout=0.2, random_state=None, n_jobs=None, groups=None) -> SubsetTuning:
    """Tune ``estimator`` on a reduced training set, then refit the best on all rows.

    Parameters
    ----------
    estimator : scikit-learn estimator
    param_distributions : dict or list of dicts
        As in :class:`~sklearn.model_selection.RandomizedSearchCV`.
    X, y : the training data.
    reducer : str, reducer or fitted ReductionSearchCV, default="srs"
        A method name (with ``keep`` and ``random_state``), an unfitted reducer (its own
        ``keep``), or a fitted search whose ``best_reducer_`` rows are used (then ``keep``
        is ignored; a search that answered "no reduction" tunes on every row; X must be
        the table the search was fitted on, of its ``n_samples_in_`` rows).
        The kept rows' ``sample_weight_`` reach the estimator during the search under the
        package's one weight policy (``datareduce._core.output.passes_weights``: not to
        tree models unless a reducer fitted its weights on request; a fitted
        ``ReductionSearchCV`` given as ``reducer`` applies its own ``use_weights``), as in
        :func:`tune_halving` and :class:`ReductionSearchCV`.
    keep : float or int, default=0.1
    n_iter, cv, scoring, random_state, n_jobs
        Passed to RandomizedSearchCV. An int ``random_state`` also seeds a named reducer
        and every ``random_state`` of ``estimator`` left at None (its steps' too), so that
        one seed gives one answer; values set on the estimator are kept.
    refit : {"all", "subset"}, default="all"
        Train the best configuration on all rows (one training) or keep the one trained
        on the kept rows (no full training at all).
    shortlist : int, default=1
        Configurations of the subset's search re-ranked on all rows before the refit: the
        ``shortlist`` best by their mean CV score on the kept rows are each trained on all
        rows but a held-out ``holdout`` part (stratified by class for a classifier whose
        classes all have two rows) and scored there; the best of them is refit
        (configurations whose fits failed on the subset are not shortlisted; one that
        fails on all rows warns and is not chosen). It costs ``shortlist * (1 - holdout)``
        trainings on all rows and catches a ranking that changes with the number of rows
        (a configuration that regularizes for a few thousand rows is not the best for a
        hundred thousand). ``1``: the subset's best is refit, no re-ranking (unless
        ``untuned=True``). Needs ``refit="all"``.
    untuned : bool, default=False
        Also re-rank the estimator as given (its own values of the searched parameters:
        what training without any tuning would use) with the shortlist, after the subset's
        configurations (which win ties). The answer is then never worse on the holdout than
        not tuning at all (unless the estimator as given fails there); when it wins, the
        estimator as given is refit and a ``UserWarning`` says that the subset's ranking did
        not carry to all rows. One more training on all rows but the holdout (none when a
        shortlisted configuration equals it; with ``shortlist=1``: two, the subset's best is
        scored too). Needs ``refit="all"``.
    holdout : float in (0, 1), default=0.2
        The held-out part of all rows that scores the shortlist (one split: on a small
        table its noise can exceed the differences it ranks).
    groups : array-like of shape (n_samples,), optional
        Group labels of X's rows (patients, sessions, sites): the kept rows' groups go to
        the splitter, so no group is on both sides of a fold (with ``cv`` a number of folds:
        ``StratifiedGroupKFold`` for a classifier, ``GroupKFold`` otherwise, as
        :class:`ReductionSearchCV` splits), and the shortlist's holdout is a set of whole
        groups. Not with a reducer that makes synthetic rows (they belong to no group).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(2000, 6, random_state=0)
    >>> res = tune_on_subset(DecisionTreeClassifier(random_state=0),
    ...                      {"max_depth": [2, 4, 8]}, X, y, keep=0.2, n_iter=3,
    ...                      random_state=0)
    >>> res.n_tuned, res.best_params["max_depth"] in (2, 4, 8)
    (400, True)
    """
    from sklearn.model_selection import RandomizedSearchCV

    from .. import get_reducer
    from .._core.output import (
        _routes_sample_weight,
        _routing_on,
        reduced_set,
        sample_weight_params,
    )
    from ._base import check_groups

    if refit not in ("all", "subset"):
        raise ValueError(f"refit={refit!r}: choose 'all' (one training on every row) or "
                         "'subset'.")
    if isinstance(shortlist, bool) or not isinstance(shortlist, numbers.Integral) \
            or shortlist < 1:
        raise ValueError(f"shortlist={shortlist!r} must be an integer >= 1 (configurations "
                         "re-ranked on all rows; 1 for none).")
    if (shortlist > 1 or untuned) and refit != "all":
        what = f"shortlist={shortlist}" if shortlist > 1 else "untuned=True"
        raise ValueError(f"{what} re-ranks on all rows, which refit='subset' avoids: use "
                         "refit='all', or shortlist=1 and untuned=False.")
    if isinstance(scoring, (list, tuple, set, dict)):
        raise ValueError(f"scoring={scoring!r}: tune_on_subset picks one best configuration; "
                         "give one scorer (a name or a callable).")
    if not (isinstance(holdout, numbers.Real) and 0 < holdout < 1):
        raise ValueError(f"holdout={holdout!r} must be a fraction in (0, 1) (the part of "
                         "all rows that scores the shortlist).")
    _check_distributions(param_distributions, "tune_on_subset")
    estimator = _seeded(estimator, random_state)
    t0 = time.perf_counter()
    check_consistent_length(X, y)
    _check_labels(y, estimator, "tune_on_subset")
    groups = check_groups(groups, _num_samples(y))
    cv = _group_cv(cv, estimator, groups, random_state)
    use_weights = "auto"  # the package's weight policy, or the search's own choice
    if hasattr(reducer, "best_reducer_"):  # a fitted ReductionSearchCV
        red = reducer.best_reducer_
        use_weights = getattr(reducer, "use_weights", "auto")
        # its rows are positions in the table it was fitted on: X must be that table
        fitted = getattr(reducer, "n_samples_in_", getattr(red, "n_samples_in_", None))
        if fitted is not None and _num_samples(X) != fitted:
            raise ValueError(f"reducer is a ReductionSearchCV fitted on {fitted} rows, but X "
                             f"has {_num_samples(X)}: its best_reducer_'s rows are positions "
                             "in the table it was fitted on. Pass that table, or a method "
                             "name with keep=search.best_keep_ to reduce this one.")
        Xr, yr = reduced_set(red, X, y)
        _keep_not_used(keep, getattr(reducer, "best_keep_", None),
                       "a fitted ReductionSearchCV, whose answer")
    else:
        if isinstance(reducer, str):
            red = get_reducer(reducer, keep=keep, random_state=random_state)
        elif hasattr(reducer, "fit_resample"):
            red = clone(reducer)
            _keep_not_used(keep, red.get_params().get("keep"), type(red).__name__ + ", which")
        else:
            raise TypeError(f"reducer={reducer!r}: give a method name, a reducer, or a fitted "
                            "ReductionSearchCV.")
        _check_reducer_task(red, estimator, reducer)
        Xr, yr = red.fit_resample(X, y, **_task_param(red, estimator))
    w = getattr(red, "sample_weight_", None)  # (a sampler of another package has none)
    w = None if w is None or len(w) != _num_samples(Xr) else np.asarray(w, dtype=float)
    Xr, yr, w, kept = _in_row_order(red, Xr, yr, w, random_state)
    group_params = {}
    if groups is not None:
        if kept is None:
            raise ValueError(f"groups= needs the kept rows of X, but {type(red).__name__} "
                             "made synthetic rows, which belong to no group: choose a "
                             "reducer that keeps rows (e.g. 'srs'), or leave groups out.")
        group_params = {"groups": groups[kept]}
    reduce_s = time.perf_counter() - t0
    short = _class_short_of_folds(estimator, Xr, yr, cv)
    if short is not None and short[3]:  # no stratified split at all (scikit-learn refuses)
        raise ValueError(_short_of_folds_line(short, reducer, keep, len(yr), y,
                                              "no stratified split of them is possible"))
    t0 = time.perf_counter()
    search = RandomizedSearchCV(estimator, param_distributions, n_iter=n_iter, cv=cv,
                                scoring=scoring, refit=refit == "subset",
                                random_state=random_state, n_jobs=n_jobs)
    # the kept rows' weights under the package's one policy, as tune_halving's pipeline
    # and ReductionSearchCV train (sliced per fold by the search)
    fit_params = sample_weight_params(estimator, w, pass_sample_weight=use_weights,
                                      reducer=red)
    if fit_params and _routing_on() and not _routes_sample_weight(search):
        # with scikit-learn's metadata routing on, the search routes them: only to an
        # estimator that requested them (set_fit_request), as the package's pipeline
        # offers them; an unset request raised UnsetMetadataPassedError
        fit_params = {}
    search.fit(Xr, yr, **fit_params, **group_params)
    tune_s = time.perf_counter() - t0
    if not np.isfinite(np.asarray(search.cv_results_["mean_test_score"], float)).any():
        # scikit-learn ranks NaN last and still names a "best": the first configuration
        what = (f"every configuration's CV score on the {len(yr)} kept rows is NaN (a fold's "
                "fit failed or its score is undefined): no best configuration can be chosen")
        if short is None:
            raise ValueError(f"tune_on_subset: {what}; see scikit-learn's warnings above, "
                             "or pass a larger keep.")
        raise ValueError(_short_of_folds_line(short, reducer, keep, len(yr), y, what))
    params, ranked, short_s, chose_untuned = dict(search.best_params_), None, 0.0, False
    if shortlist > 1 or untuned:
        t0 = time.perf_counter()
        given = _given_params(estimator, search.cv_results_) if untuned else None
        ranked = _rerank(estimator, search.cv_results_, shortlist, X, y, holdout=holdout,
                         scoring=scoring, random_state=random_state, given=given,
                         groups=groups)
        scored = [i for i, ps in enumerate(ranked) if math.isfinite(ps[1])]
        if scored:  # ties: the subset's order, the untuned estimator last
            pick = max(scored, key=lambda i: ranked[i][1])
            params = dict(ranked[pick][0])
            chose_untuned = untuned and pick == len(ranked) - 1
        if chose_untuned:
            tuned = [ranked[i][1] for i in scored if i < len(ranked) - 1]
            why = (f"above the subset's best configurations "
                   f"({', '.join(f'{v:.4g}' for v in tuned)}): the ranking on {len(yr)} rows "
                   f"did not carry to {len(y)}" if tuned else
                   "where every shortlisted configuration failed")
            warnings.warn(
                f"tune_on_subset: the estimator as given scored {ranked[-1][1]:.4g} on the "
                f"holdout of all rows, {why}; the estimator as given is refit. Tune on more "
                "rows (a larger keep) or on all rows.", UserWarning, stacklevel=2)
        short_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if refit == "all":
        best = (clone(estimator) if chose_untuned else _configured(estimator, params)).fit(X, y)
    else:
        best = search.best_estimator_
    refit_s = time.perf_counter() - t0
    return SubsetTuning(best, params, search, red, len(y), len(yr), reduce_s, tune_s,
                        refit_s, shortlist=ranked, shortlist_seconds=short_s,
                        untuned_chosen=chose_untuned)


def _keep_not_used(keep, own, what) -> None:
    """Warn when ``keep`` was given (not the default 0.1) with a reducer object or a fitted
    search, which keep their own: ``keep=0.3`` with ``reducer=get_reducer("mms")`` tuned on
    its default 10 %, silently."""
    if keep != 0.1 and keep != own:
        if own is None:  # a sampler of another package: no keep of its own
            warnings.warn(f"tune_on_subset: keep={keep!r} is not used: reducer is {what} "
                          "sets its own size (it has no keep). Give a method's name with keep "
                          "to keep that fraction.", UserWarning, stacklevel=3)
            return
        warnings.warn(f"tune_on_subset: keep={keep!r} is not used: reducer is {what} keeps "
                      f"{own!r}. Set keep on the reducer (get_reducer(name, keep=...)), or "
                      "give the method's name with keep.", UserWarning, stacklevel=3)


def _class_short_of_folds(estimator, Xr, yr, cv):
    """``(class, kept rows, n_splits, no stratified split)`` when a classifier's kept rows
    hold a class with fewer rows than the folds of ``cv`` (its smallest), else None; the
    last is True when every class is that short and the splitter stratifies by class
    (scikit-learn refuses: "n_splits=3 cannot be greater than the number of members in
    each class")."""
    if not is_classifier(estimator):
        return None
    try:
        splitter = check_cv(cv, yr, classifier=True)
        n_splits = int(splitter.get_n_splits(Xr, yr))
    except Exception:  # noqa: BLE001 - a splitter that needs groups: scikit-learn says so
        return None
    labels, counts = np.unique(np.asarray(yr), return_counts=True)
    i = int(np.argmin(counts))
    if counts[i] >= n_splits:
        return None
    stratified = "Stratified" in type(splitter).__name__
    return labels[i], int(counts[i]), n_splits, bool(counts.max() < n_splits and stratified)


def _short_of_folds_line(short, reducer, keep, n_kept, y, what):
    """The refusal of kept rows whose smallest class has fewer rows than the folds, naming
    the reduction (``keep``), the class, its rows kept and in ``y``, and the fix."""
    label, rows, n_splits, _ = short
    label = label.item() if isinstance(label, np.generic) else label  # 1, not np.int64(1)
    given = (f"reducer={reducer!r} at keep={keep!r}" if isinstance(reducer, str) else
             f"reducer={type(reducer).__name__}")
    total = int(np.sum(np.asarray(y) == label))
    return (f"tune_on_subset: {given} keeps {n_kept} of {_num_samples(y)} rows, {rows} of "
            f"class {label!r} ({total} in y), fewer than the {n_splits} folds of the search "
            f"on them: {what}. Pass a larger keep (or a reducer keeping more rows of that "
            "class), or fewer folds (cv).")


def _task_param(reducer, estimator):
    """``{"task": ...}`` for a datareduce reducer before a regressor or a classifier (the
    estimator decides what y is, as in ReductionSearchCV): its target rule then does not
    warn with advice (``fit(X, y, task=...)``) that ``tune_on_subset`` does not take; ``{}``
    otherwise (an estimator of neither type, a sampler without ``task``)."""
    import inspect

    from sklearn.base import is_regressor

    task = ("regression" if is_regressor(estimator) else
            "classification" if is_classifier(estimator) else None)
    try:
        takes = "task" in inspect.signature(reducer.fit).parameters
    except (AttributeError, TypeError, ValueError):
        takes = False
    return {"task": task} if task is not None and takes else {}


def _first_rung(estimator, dists, X, y, cv, n_candidates, factor, low, top, n_fold,
                min_keep, max_keep):
    """The first rung's rows of each training fold (``low``: "exhaust" or a count), raised
    to scikit-learn's floor for ``HalvingRandomSearchCV(min_resources="exhaust" or
    "smallest")`` with ``resource="n_samples"``: ``2 * n_splits`` samples, times the
    classes for a classifier; of each training fold (the resource here) its training part,
    ``2 * (n_splits - 1)`` rows per class (12 with 3 classes and ``cv=3``). scikit-learn
    applies no floor to another resource (``reduce__keep``), so that "exhaust" started at
    ``max_keep // factor ** (rungs - 1)`` rows: 2 rows for 3 classes on a 178-row table.

    ``"exhaust"`` below the floor runs fewer rungs, the last still at ``max_keep`` and the
    first at the floor or above (scikit-learn's ``exhaust`` past its floor); a ``max_keep``
    or ``min_keep`` below it warns once, naming them."""
    from sklearn.model_selection import ParameterGrid

    n_splits = cv.get_n_splits(X, y)
    n_classes = len(np.unique(np.asarray(y))) if is_classifier(estimator) else 1
    floor = 2 * max(n_splits - 1, 1) * n_classes
    per = f"{n_classes} classes" if is_classifier(estimator) else "a regression target"
    why = (f"fewer than {floor}, two rows per class and training split ({per}, cv with "
           f"{n_splits} splits: scikit-learn's floor for successive halving)")
    if floor > top:
        warnings.warn(f"tune_halving: max_keep={max_keep!r} keeps {top} rows of each "
                      f"training fold ({n_fold} rows), {why}: every rung ranks the candidates "
                      f"on too few rows. Pass max_keep={floor} or more (rows), or fewer "
                      "folds.", UserWarning, stacklevel=3)
        return low
    if low != "exhaust":
        if low < floor:
            warnings.warn(f"tune_halving: min_keep={min_keep!r} keeps {low} rows of each "
                          f"training fold at the first rung, {why}. Pass min_keep={floor} or "
                          "more, or min_keep='exhaust'.", UserWarning, stacklevel=3)
        return low
    if not (isinstance(factor, numbers.Real) and factor > 1 and isinstance(
            n_candidates, numbers.Integral) and n_candidates >= 1):
        return low  # scikit-learn refuses them by name
    if all(isinstance(v, (list, tuple, np.ndarray)) for d in dists for v in d.values()):
        n_cand = min(int(n_candidates), len(ParameterGrid(dists)))  # a grid: no repeats
    else:
        n_cand = int(n_candidates)
    rungs = 1 + math.floor(math.log(max(n_cand, 1), factor))
    if not float(factor).is_integer():
        # scikit-learn counts the rungs that fit as 1 + floor(log(max // first, factor)),
        # an integer division: its "exhaust" with factor=2.5 (first 160 // 2.5 = 64 rows,
        # 160 // 64 = 2 < 2.5) ran one rung of every candidate on 64 rows, never at
        # max_keep. The first rung that runs the rungs asked for: max_keep // ceil(factor **
        # (rungs - 1)) rows (53: rungs of 53 and 132), or fewer rungs above the floor
        for r in range(rungs, 0, -1):
            low = top // math.ceil(factor ** (r - 1))
            if low >= floor:
                return int(low)
    if top // factor ** (rungs - 1) >= floor:
        return "exhaust"
    # fewer rungs, the last still at max_keep (what "exhaust" is for), the first >= floor
    rungs = min(rungs, 1 + math.floor(math.log(top // floor, factor)))
    return int(max(floor, top // factor ** (rungs - 1)))


def _group_cv(cv, estimator, groups, random_state):
    """With ``groups``, a number of folds becomes a group splitter (``StratifiedGroupKFold``
    for a classifier, ``GroupKFold`` otherwise: scikit-learn's default ``cv=3`` ignores
    groups); a splitter given stays as given."""
    if groups is None or not isinstance(cv, numbers.Integral) or isinstance(cv, bool):
        return cv
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

    if is_classifier(estimator):
        return StratifiedGroupKFold(int(cv), shuffle=True, random_state=random_state)
    return GroupKFold(int(cv))


def _seeded(estimator, random_state):
    """``estimator`` with its unset seeds set to an int ``random_state`` (the search's
    :func:`~datareduce._core.validation.seeded_estimator`): an unseeded forest tuned with
    ``random_state=0`` gave other best parameters from run to run. Otherwise as given."""
    from .._core.validation import seeded_estimator

    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return seeded_estimator(estimator, int(random_state))
    return estimator


def _in_row_order(reducer, Xr, yr, w, random_state):
    """The kept rows (and their weights ``w``, or None) in their order in ``X``, and their
    positions in ``X`` (None for synthetic rows).

    Reducers return their rows grouped by class or target bin (as imbalanced-learn's
    samplers do); a splitter that does not shuffle (``cv=3`` is ``KFold`` for a regressor)
    would then validate each fold on target values the others never saw (R^2 of -5 on a
    5 % SRS subset of a 100,000-row table, against 0.1 in row order). Synthetic rows have
    no place in ``X``: they are shuffled (seeded) instead.
    """
    from sklearn.utils import _safe_indexing, check_random_state

    n = _num_samples(Xr)
    idx = getattr(reducer, "sample_indices_", None)
    kept = None  # the rows' positions in X, in the order returned
    if getattr(reducer, "synthetic_", None) is None and idx is not None and len(idx) == n:
        order = np.argsort(idx, kind="stable")
        kept = np.asarray(idx)[order]
    else:  # synthetic rows, or a sampler that does not say which rows it kept
        order = check_random_state(random_state).permutation(n)
    return (_safe_indexing(Xr, order), None if yr is None else _safe_indexing(yr, order),
            None if w is None else w[order], kept)


def _given_params(estimator, cv_results):
    """The estimator's own values of the parameters the search sampled (those it has: a
    nested parameter of a step the search swaps in is not among them). For the record and
    for spotting a configuration equal to the estimator as given; the estimator itself is
    what is trained."""
    names = dict.fromkeys(name for p in cv_results["params"] for name in p)
    own = estimator.get_params()
    return {name: own[name] for name in names if name in own}


def _configured(estimator, params):
    """A clone of ``estimator`` with ``params``, themselves cloned (estimator-valued
    parameters are not fitted in place), as scikit-learn's searches set them."""
    return clone(estimator).set_params(**clone(params, safe=False))


def _rerank(estimator, cv_results, k, X, y, *, holdout, scoring, random_state, given=None,
            groups=None):
    """The ``k`` best configurations of ``cv_results`` (their rank there; configurations
    whose fits failed on the subset are left out), then ``given`` (the estimator's own
    parameters) when it is not None, each trained on all rows but a held-out part and
    scored on it: ``[(params, score)]``, NaN where a training fails there."""
    from joblib import hash as value_hash
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedShuffleSplit
    from sklearn.utils import _safe_indexing

    finite = np.flatnonzero(np.isfinite(np.asarray(cv_results["mean_test_score"], float)))
    order = finite[np.argsort(np.asarray(cv_results["rank_test_score"])[finite],
                              kind="stable")][:k]
    splitter = ShuffleSplit
    if is_classifier(estimator):
        counts = np.unique(np.asarray(y), return_counts=True)[1]
        if counts.min() >= 2 and math.floor(holdout * len(y)) >= len(counts):
            splitter = StratifiedShuffleSplit  # else a class too rare to stratify
    if groups is not None:  # whole groups held out (about holdout of the rows)
        splitter = GroupShuffleSplit
    split = splitter(n_splits=1, test_size=holdout, random_state=random_state)
    train, val = next(split.split(X, y, groups))
    Xt, yt = _safe_indexing(X, train), _safe_indexing(y, train)
    Xv, yv = _safe_indexing(X, val), _safe_indexing(y, val)
    scorer = check_scoring(estimator, scoring=scoring)
    configs = [dict(cv_results["params"][i]) for i in order]
    # the estimator as given equals a configuration that sets every searched parameter it
    # has to its own value (compared by value and type: 1 is not 1.0, arrays compare whole)
    same = None if given is None else next(
        (j for j, p in enumerate(configs) if value_hash(p) == value_hash(given)), None)
    out = []
    for j, p in enumerate(configs + ([] if given is None else [dict(given)])):
        untuned = j == len(configs)
        if untuned and same is not None:  # trained already
            out.append((p, out[same][1]))
            continue
        try:
            est = (clone(estimator) if untuned else _configured(estimator, p)).fit(Xt, yt)
            score = float(scorer(est, Xv, yv))
        except Exception as exc:  # noqa: BLE001 - a configuration that fails on all rows
            what = "the estimator as given" if untuned else f"the shortlisted configuration {p}"
            warnings.warn(f"tune_on_subset: {what} failed on all rows "
                          f"({type(exc).__name__}: {exc}); it is not chosen.",
                          UserWarning, stacklevel=3)
            score = math.nan
        out.append((p, score))
    return out


def tune_halving(estimator, param_distributions, X, y, *, reducer="srs", n_candidates=10,
                 factor=3, max_keep=0.2, min_keep="exhaust", cv=3, scoring=None,
                 cache_reducer="auto", random_state=None, n_jobs=None,
                 groups=None) -> SubsetTuning:
    """Successive halving with a reducer's kept rows as the resource, then one refit on all.

    scikit-learn's :class:`~sklearn.model_selection.HalvingRandomSearchCV` runs on the
    pipeline ``Pipeline([("reduce", reducer), ("model", estimator)])`` with
    ``resource="reduce__keep"``: at each rung the surviving candidates are trained on the
    reducer's rows of each training fold (``keep`` grows by ``factor`` from rung to rung up
    to ``max_keep``) and scored on the whole validation fold (scikit-learn's own resource,
    ``n_samples``, subsamples the validation folds too). The best configuration of the last
    rung is then trained once on all rows, without the reducer.

    Parameters
    ----------
    estimator : scikit-learn estimator
    param_distributions : dict or list of dicts
        The estimator's parameters, as in
        :class:`~sklearn.model_selection.RandomizedSearchCV` (no ``model__`` prefix).
    X, y : the training data.
    reducer : str or reducer, default="srs"
        A method name (created with ``random_state``) or an unfitted reducer; its ``keep``
        is set by the search.
    n_candidates : int, default=10
        Candidates sampled for the first rung; ``ceil(n / factor)`` of a rung's ``n`` go on
        to the next.
    factor : int or float, default=3
    max_keep : float or int, default=0.2
        Rows kept of each training fold at the last rung: a fraction of the smallest training
        fold or a count. ``1.0`` ends on every row of each fold, as scikit-learn's default
        does: then about as good as the search on all rows and barely cheaper (measured in
        ``docs/search.md``).
    min_keep : "exhaust", float or int, default="exhaust"
        Rows kept at the first rung. ``"exhaust"`` starts as high as the number of rungs
        allows (``max_keep // factor ** (rungs - 1)``), scikit-learn's rule, and never
        below its floor, ``2 * (n_splits - 1)`` rows per class of each training fold
        (fewer rungs then); a ``min_keep`` or ``max_keep`` below the floor warns once. With
        a factor that is not a whole number, ``max_keep // ceil(factor ** (rungs - 1))``:
        scikit-learn's own rule then ran fewer rungs, ending below ``max_keep``.
    cv, scoring, random_state, n_jobs
        Passed to HalvingRandomSearchCV (``random_state`` also to a named reducer; an int
        also seeds every ``random_state`` of ``estimator`` left at None, as in
        :func:`tune_on_subset`).
    cache_reducer : "auto" or bool, default="auto"
        Fit the reducer once per training fold and rung (the pipeline's joblib ``memory`` in
        a temporary directory, removed afterwards) instead of once per candidate there too.
        ``"auto"`` caches every reducer but the random ones, whose fits cost less than the
        cache's hashing of the fold (measured in ``docs/search.md``).
    groups : array-like of shape (n_samples,), optional
        Group labels of X's rows, given to the splitter (no group on both sides of a fold;
        with ``cv`` a number of folds: ``StratifiedGroupKFold`` for a classifier,
        ``GroupKFold`` otherwise). The reducer still selects rows within each training
        fold.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(3000, 6, random_state=0)
    >>> res = tune_halving(DecisionTreeClassifier(random_state=0),
    ...                    {"max_depth": [2, 4, 8, 16]}, X, y, n_candidates=4, factor=2,
    ...                    max_keep=0.5, random_state=0)
    >>> res.rungs  # (candidates, rows kept of each 2,000-row training fold)
    [(4, 250), (2, 500), (1, 1000)]
    >>> sorted(res.best_params), res.best_estimator.get_depth() <= 16
    (['max_depth'], True)
    """
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    from .. import get_reducer
    from .._core.validation import check_keep
    from ..pipeline import Pipeline
    from ..reducers.random import RandomReducer
    from ._base import check_groups

    # scikit-learn takes any factor > 0 and fails far inside (factor=1: ZeroDivisionError,
    # 0.5: IndexError); "false" from a config file would have cached
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not factor > 1:
        raise ValueError(f"factor={factor!r} must be a number > 1 (the kept rows grow by it "
                         "from rung to rung, and 1 / factor of the candidates go on), e.g. "
                         "factor=3.")
    if not (isinstance(cache_reducer, (bool, np.bool_)) or (
            isinstance(cache_reducer, str) and cache_reducer == "auto")):
        raise ValueError(f"cache_reducer={cache_reducer!r} must be 'auto', True or False.")
    check_consistent_length(X, y)
    _check_labels(y, estimator, "tune_halving")
    if isinstance(reducer, str):
        red = get_reducer(reducer, random_state=random_state)
    elif hasattr(reducer, "fit_resample") and "keep" in reducer.get_params():
        red = clone(reducer)
    elif hasattr(reducer, "best_reducer_"):  # a fitted ReductionSearchCV
        raise TypeError("reducer is a fitted ReductionSearchCV, whose answer is one kept "
                        "fraction; tune_halving grows the kept rows itself: pass its method, "
                        "reducer=search.best_method_ (or clone(search.best_reducer_)), or "
                        "tune on its rows with tune_on_subset(..., reducer=search).")
    else:
        raise TypeError(f"reducer={reducer!r}: give a method name or an unfitted reducer "
                        "with a keep parameter.")
    _check_reducer_task(red, estimator, reducer)
    groups = check_groups(groups, _num_samples(y))
    cv = check_cv(_group_cv(cv, estimator, groups, random_state), y,
                  classifier=is_classifier(estimator))
    n_fold = min(len(train) for train, _ in cv.split(X, y, groups))
    top = check_keep(max_keep, n_fold, name="max_keep")  # a count of rows
    if isinstance(min_keep, str) and min_keep == "exhaust":
        low = "exhaust"
    else:
        low = check_keep(min_keep, n_fold, name="min_keep")
        if low > top:
            raise ValueError(f"min_keep={min_keep!r} keeps {low} rows of each training fold, "
                             f"more than max_keep={max_keep!r} ({top} rows).")
    dists = _check_distributions(param_distributions, "tune_halving")
    estimator = _seeded(estimator, random_state)
    low = _first_rung(estimator, dists, X, y, cv, n_candidates, factor, low, top, n_fold,
                      min_keep, max_keep)
    dists = [{f"model__{k}": v for k, v in d.items()} for d in dists]
    if cache_reducer == "auto":
        cache_reducer = not isinstance(red, RandomReducer)
    cache = tempfile.mkdtemp(prefix="datareduce-halving-") if cache_reducer else None
    try:
        pipe = Pipeline([("reduce", red), ("model", estimator)], memory=cache)
        search = HalvingRandomSearchCV(pipe, dists, n_candidates=n_candidates, factor=factor,
                                       resource="reduce__keep", min_resources=low,
                                       max_resources=top, cv=cv, scoring=scoring,
                                       refit=False, return_train_score=False,
                                       random_state=random_state, n_jobs=n_jobs)
        t0 = time.perf_counter()
        search.fit(X, y, **({} if groups is None else {"groups": groups}))
        tune_s = time.perf_counter() - t0
    finally:
        if cache is not None:
            shutil.rmtree(cache, ignore_errors=True)
    best = {k.removeprefix("model__"): v for k, v in search.best_params_.items()
            if k != "reduce__keep"}
    t0 = time.perf_counter()
    best_estimator = _configured(estimator, best).fit(X, y)
    refit_s = time.perf_counter() - t0
    rungs = [(int(c), int(r))
             for c, r in zip(search.n_candidates_, search.n_resources_, strict=True)]
    return SubsetTuning(best_estimator, best, search, red, len(y), rungs[-1][1], 0.0, tune_s,
                        refit_s, rungs)
