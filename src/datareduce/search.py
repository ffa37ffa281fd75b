"""Find the smallest training set that keeps the score: :class:`ReductionSearchCV`.

Given an estimator, a scorer, a tolerance and a time budget, the search finds the smallest
kept fraction, and the method, whose **cross-validated** score on the training data stays
within the tolerance of the full training set's cross-validated score. It never sees any
other data: everything happens inside ``fit(X, y)``, and within each cross-validation split
the reducer (and the selection ``space``) is fitted on the training fold only; the
validation fold is used only to score.

The schedule is successive halving over methods along the kept fractions (smallest first):

1. **baseline**: the estimator trained on each training fold (all rows), scored on its
   validation fold; its fit times give the cost of one full training
   (``full_fit_seconds_``, the fold time scaled linearly to all rows);
2. **cost estimate**: each method is timed once on a small subsample (``n_probe`` rows)
   and extrapolated to a training fold with the method's cost model
   (time ~ ``n ** a * keep ** b``, see ``COST_MODELS``); methods whose predicted cost for
   the first rung does not fit in half of the remaining budget are skipped, with a
   logged line saying why;
3. **rungs**: at each kept fraction, every surviving method is cross-validated (the same
   folds for every method). If some method's mean score is at least the baseline's mean
   minus ``tolerance``, the search stops at that fraction. Otherwise the best
   ``1/factor`` of the methods (by mean score; the ``reference`` method always) go on to
   the next fraction. Before each rung the predicted cost (re-calibrated from the last
   rung's measured times) is checked against the budget left;
4. **choice**: at the fraction where the search stopped, the best method within tolerance;
   the ``reference`` (SRS by default) is preferred when the best method beats it by less
   than one standard error of their paired fold differences (a guard against picking a
   method for fold noise);
5. **refit**: the chosen reducer on all of ``X`` (``best_reducer_``), then the estimator on
   the kept rows (``best_estimator_``).

The cost of the search is ``search_seconds_`` and ``cost_ratio_`` (the search's time over
one full training). Learning curves with confidence bands: :meth:`ReductionSearchCV.plot`.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, clone

from ._core.validation import draw_seed
from .evaluation.tasks import (
    TASKS,
    get_scorers,
    infer_task,
    needs_classes,
    quantile_strata,
    real_rows_reducer,
)

__all__ = ["COST_MODELS", "ReductionSearchCV", "RowReducer", "make_model", "search_table"]

logger = logging.getLogger(__name__)

#: Cost model per method: reduction time ~ ``n ** a * keep ** b`` for ``n`` rows kept at
#: fraction ``keep`` (``a``: exponent in the number of rows at a fixed fraction; ``b``: in
#: the fraction). Methods not listed get the conservative ``(2, 1)`` (every row compared
#: with every kept row).
COST_MODELS = {
    "random": (1.0, 0.0), "srs": (1.0, 0.0), "nrmd": (1.0, 0.0), "flow": (1.0, 0.0),
    "fes": (1.0, 0.0), "phl": (1.5, 0.0), "clc": (2.0, 1.0), "mms": (2.0, 1.0),
    "des": (2.0, 1.0), "prd": (2.0, 1.0), "vq": (2.0, 1.0),
}
_DEFAULT_COST = (2.0, 1.0)
# probe order: methods that are usually cheap first, so that a tight budget keeps them
_PROBE_ORDER = {m: i for i, m in enumerate(
    ("srs", "random", "nrmd", "mms", "clc", "vq", "des", "phl", "prd", "fes", "flow"))}
FULL = "full"


# ----------------------------------------------------------------------- helpers
def _take(data, idx):
    return data.iloc[idx] if hasattr(data, "iloc") else np.asarray(data)[idx]


def _synthetic(reducer):
    return reducer.synthetic_


class RowReducer(BaseEstimator):
    """A reducer that selects in a transformed space and returns the original rows.

    ``fit_resample(X, y)`` fits ``space`` on ``X`` (when given), fits ``reducer`` on the
    transformed rows (with quantile strata of ``y`` as labels for a regression target) and
    returns the kept rows of ``X`` and ``y`` unchanged. It has no ``transform``, so
    imbalanced-learn's and datareduce's pipelines use it as a sampler (training only).
    It is what :attr:`ReductionSearchCV.best_pipeline_` puts before the estimator.

    Parameters
    ----------
    reducer : datareduce reducer
    space : transformer, optional
        The selection space (e.g. scaling and one-hot encoding of a mixed-type table).
    task : {"classification", "regression"}, default="classification"
    n_bins : int, default=5
        Quantile strata of a regression target.

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import get_reducer
    >>> X = np.arange(40.0).reshape(20, 2); y = np.arange(20) * 0.5
    >>> Xr, yr = RowReducer(get_reducer("srs", keep=0.5, random_state=0),
    ...                     task="regression", n_bins=2).fit_resample(X, y)
    >>> Xr.shape, int((yr < 5).sum())   # half of each quantile bin
    ((10, 2), 5)
    """

    def __init__(self, reducer, space=None, task="classification", n_bins=5):
        self.reducer = reducer
        self.space = space
        self.task = task
        self.n_bins = n_bins

    def fit_resample(self, X, y):
        space = None if self.space is None else clone(self.space).fit(X, y)
        Xs = X if space is None else space.transform(X)
        self.reducer_ = clone(self.reducer)
        out = _reduce(self.reducer_, X, y, Xs, self.task, self.n_bins,
                      real_rows=space is not None)
        self.sample_indices_ = getattr(self.reducer_, "sample_indices_", None)
        self.sample_weight_ = getattr(self.reducer_, "sample_weight_", None)
        self.space_ = space
        return out

    def fit(self, X, y):
        self.fit_resample(X, y)
        return self


def _reduce(reducer, X, y, Xs, task, n_bins, real_rows):
    """Fit ``reducer`` on ``Xs`` and return ``(X_kept, y_kept)`` from ``X`` and ``y``."""
    if task != "regression" and not real_rows:
        return reducer.fit_resample(X, y)
    labels = quantile_strata(y, n_bins) if task == "regression" else y
    reducer.fit(Xs, labels)
    if _synthetic(reducer) is not None:
        raise ValueError(f"{type(reducer).__name__} emitted synthetic rows, which have no "
                         "original values / continuous target here: ask it for real rows "
                         "(e.g. output='medoids').")
    idx = reducer.sample_indices_
    return _take(X, idx), _take(y, idx)


def _parse_budget(budget):
    """(seconds, None) or (None, multiple of one full training)."""
    if budget is None:
        return None, None
    if isinstance(budget, str):
        text = budget.strip().lower()
        if text.endswith("x"):
            try:
                value = float(text[:-1])
            except ValueError:
                value = -1.0
            if value > 0:
                return None, value
        raise ValueError(f"budget={budget!r}: give seconds (a positive number), a multiple "
                         "of one full training such as '5x', or None.")
    if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or budget <= 0:
        raise ValueError(f"budget={budget!r}: give seconds (a positive number), a multiple of "
                         "one full training such as '5x', or None.")
    return float(budget), None


def _check_keeps(keeps):
    if isinstance(keeps, numbers.Real):
        keeps = [keeps]
    out = []
    for k in keeps:
        if isinstance(k, bool) or not isinstance(k, numbers.Real) or not 0 < float(k) < 1:
            raise ValueError(f"keeps: {k!r} is not a fraction in (0, 1); give kept fractions "
                             "such as keeps=(0.05, 0.1, 0.2).")
        out.append(float(k))
    if not out:
        raise ValueError("keeps must contain at least one kept fraction.")
    return sorted(set(out))


def _interval(scores):
    """Mean and 95 % t-interval over folds."""
    from scipy.stats import t

    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    if len(s) == 0:
        return np.nan, np.nan, np.nan, np.nan
    mean = float(s.mean())
    if len(s) < 2:
        return mean, np.nan, np.nan, np.nan
    sd = float(s.std(ddof=1))
    half = float(t.ppf(0.975, len(s) - 1)) * sd / math.sqrt(len(s))
    return mean, sd, mean - half, mean + half


# ------------------------------------------------------------------------ search
class ReductionSearchCV(BaseEstimator):
    """Smallest kept fraction and method whose cross-validated score stays within tolerance.

    Parameters
    ----------
    estimator : scikit-learn estimator
        The model to train (cloned). A pipeline is fine (e.g. one-hot encoding + model).
    methods : "auto", list of str, or dict of {label: reducer}, default="auto"
        ``"auto"``: every registered method (:func:`datareduce.available_reducers`) whose
        extra is installed (and, for a regression target, that does not need classes). A
        dict maps labels to unfitted reducers.
    keeps : sequence of float in (0, 1), default=(0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
        Kept fractions tried, smallest first.
    scoring : str, optional
        One scikit-learn scorer name (higher is better; ``"mae"`` is accepted as
        ``"neg_mean_absolute_error"``). Default: ``"f1_macro"`` (classification) or
        ``"r2"`` (regression).
    tolerance : float, default=0.01
        How far below the full training set's mean CV score a kept fraction may score, in
        the scorer's units (0.01 = one point of macro-F1).
    budget : float, str or None, default="5x"
        Time allowed for the whole search: seconds, or a multiple of one full training
        (``"5x"``), or None for no limit. Methods predicted not to fit are skipped with a
        logged line; see ``skipped_``.
    cv : int or cross-validation splitter, default=3
        Folds (stratified by class, or by quantile bin of a regression target, shuffled
        with ``random_state``).
    factor : int, default=2
        Successive halving: ``1/factor`` of the methods go on to the next kept fraction.
    reference : str or None, default="srs"
        A method kept in every rung and preferred when it is within one standard error of
        the best (see the module docs). None: always the best mean.
    method_params : dict of {method: dict}, optional
        Extra parameters per method name.
    space : transformer, optional
        Selection space: reducers select in ``space.fit_transform(X_train_fold)`` (fitted
        on the training fold only) while the estimator trains on the original rows. Needed
        for tables with non-numeric columns (e.g. a ColumnTransformer). Reducers that emit
        centroids are asked for medoids when a space is used or the target is continuous.
    task : {"auto", "classification", "regression"}, default="auto"
    n_bins : int, default=5
        Quantile strata of a regression target (folds and reducers).
    use_weights : bool, default=False
        Train the estimator with the reducer's ``sample_weight_`` (scaled to mean 1) as
        ``sample_weight`` (for weighted reducers).
    n_repeats : int, default=2
        Samples drawn per fold for each (method, kept fraction), with different seeds; a
        fold's score is their mean. Small kept sets are noisy and cheap to train on, so
        repeating them is what makes the comparison between methods reliable.
    n_probe : int, default=300
        Rows of the timed probe runs of each method (two runs: half, then all of them).
    min_budget : float, default=2.0
        Seconds: a budget given as a multiple never goes below this (on small data one
        training takes milliseconds and every method's fixed overhead would exceed it).
    min_rows : int, default=20
        Kept fractions that keep fewer rows of a training fold than
        ``max(min_rows, 2 * number of classes)`` are left out (with a log line).
    random_state : int or None
        Seed of the folds and of every reducer.
    verbose : bool, default=False
        Progress bar over the rungs and INFO log lines.

    Attributes
    ----------
    best_method_, best_keep_ : str, float
        The choice.
    best_score_ : float
        Its mean CV score. ``baseline_score_`` is the full training set's.
    within_tolerance_ : bool
        False when no tried fraction stayed within the tolerance (the choice is then the
        best method at the largest fraction tried).
    best_reducer_ : reducer
        The chosen reducer fitted on all of ``X`` (a :class:`RowReducer` when a space or a
        regression target is used).
    best_estimator_ : estimator
        The estimator trained on the kept rows (``predict`` / ``score`` delegate to it).
    cv_results_ : dict of arrays
        One entry per (method, keep) tried plus the ``"full"`` baseline: ``method``,
        ``keep``, ``rung``, ``mean_test_score``, ``std_test_score``, ``ci_low``, ``ci_high``
        (95 % t-interval over folds), ``split<i>_test_score``, ``mean_reduction_time``,
        ``mean_fit_time``, ``n_kept``, ``within_tolerance``. ``pandas.DataFrame(cv_results_)``
        is the table.
    skipped_ : dict of {method: reason}
    full_fit_seconds_ : float
        One training on all of ``X`` (estimated from the fold fits, linear in rows).
    search_seconds_, cost_ratio_ : float
        Wall time of ``fit`` and its ratio to ``full_fit_seconds_``.
    training_time_saving_ : float
        ``1 - (best training time) / full_fit_seconds_``; ``total_time_saving_`` also
        counts the reduction.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(600, 8, random_state=0)
    >>> search = ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"],
    ...                            keeps=(0.05, 0.2), tolerance=0.05, budget=None,
    ...                            random_state=0).fit(X, y)
    >>> search.best_method_ in ("srs", "mms"), search.best_keep_ in (0.05, 0.2)
    (True, True)
    >>> len(search.best_reducer_.sample_indices_) == round(search.best_keep_ * 600)
    True
    """

    def __init__(self, estimator, *, methods="auto", keeps=(0.02, 0.05, 0.1, 0.2, 0.3, 0.5),
                 scoring=None, tolerance=0.01, budget="5x", cv=3, factor=2, reference="srs",
                 method_params=None, space=None, task="auto", n_bins=5, use_weights=False,
                 n_repeats=2, n_probe=300, min_budget=2.0, min_rows=20, random_state=None,
                 verbose=False):
        self.estimator = estimator
        self.methods = methods
        self.keeps = keeps
        self.scoring = scoring
        self.tolerance = tolerance
        self.budget = budget
        self.cv = cv
        self.factor = factor
        self.reference = reference
        self.method_params = method_params
        self.space = space
        self.task = task
        self.n_bins = n_bins
        self.use_weights = use_weights
        self.n_repeats = n_repeats
        self.n_probe = n_probe
        self.min_budget = min_budget
        self.min_rows = min_rows
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ setup
    def _check_params(self, y):
        if not hasattr(self.estimator, "fit"):
            raise TypeError(f"estimator must be a scikit-learn estimator, got "
                            f"{type(self.estimator).__name__}.")
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}.")
        task = infer_task(y, self.task)
        scoring = self.scoring
        if scoring is None:
            scoring = "f1_macro" if task == "classification" else "r2"
        if not isinstance(scoring, str):
            raise ValueError(f"scoring must be one scorer name, got {scoring!r}.")
        if scoring == "mae":
            scoring = "neg_mean_absolute_error"
        scorer = get_scorers(scoring, task)[scoring]
        tol = self.tolerance
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or tol < 0:
            raise ValueError(f"tolerance={tol!r} must be a number >= 0 (in the scorer's units, "
                             "e.g. 0.01 for one point of macro-F1).")
        if isinstance(self.factor, bool) or not isinstance(self.factor, numbers.Integral) \
                or self.factor < 2:
            raise ValueError(f"factor={self.factor!r} must be an integer >= 2.")
        for name in ("n_repeats", "n_probe", "min_rows"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{name}={v!r} must be an integer >= 1.")
        return task, scoring, scorer, _check_keeps(self.keeps), _parse_budget(self.budget)

    def _folds(self, X, strata, seed):
        from sklearn.model_selection import StratifiedKFold, check_cv

        if isinstance(self.cv, numbers.Integral) and not isinstance(self.cv, bool):
            if self.cv < 2:
                raise ValueError(f"cv={self.cv} must be >= 2.")
            counts = np.unique(strata, return_counts=True)[1]
            if counts.min() < self.cv:
                raise ValueError(f"cv={self.cv}: the smallest class (or target bin) has "
                                 f"{counts.min()} rows; use fewer folds or more data.")
            splitter = StratifiedKFold(self.cv, shuffle=True, random_state=seed)
        else:
            splitter = check_cv(self.cv)
        return [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, strata)]

    def _candidates(self, task):
        from ._registry import available_reducers, reducer_class

        params = dict(self.method_params or {})
        skipped = {}
        if isinstance(self.methods, Mapping):
            if params:
                raise ValueError("method_params applies to method names only; set the "
                                 "parameters on the reducers given in methods.")
            cands = {str(k): clone(v) for k, v in self.methods.items()}
        else:
            names = available_reducers() if self.methods == "auto" else (
                [self.methods] if isinstance(self.methods, str) else list(self.methods))
            if not names:
                raise ValueError("methods is empty: name at least one method, or 'auto'.")
            unknown = sorted(set(params) - set(names))
            if unknown:
                raise ValueError(f"method_params names methods not searched: {unknown}.")
            cands = {}
            for name in names:
                try:
                    cls = reducer_class(name)
                except ImportError as exc:
                    skipped[name] = f"not installed ({exc})"
                    continue
                cands[str(name).lower()] = cls(**params.get(name, {}))
        out = {}
        for label, red in cands.items():
            if task == "regression" and needs_classes(red):
                skipped[label] = "needs class labels; the target is continuous (regression)"
                continue
            if task == "regression" or self.space is not None:
                red = real_rows_reducer(red)
            out[label] = red
        for label, why in skipped.items():
            logger.warning("ReductionSearchCV: skipping %r: %s.", label, why)
        if not out:
            raise ValueError(f"no method can run here: {skipped}.")
        return out, skipped

    # ---------------------------------------------------------------- running
    def _seeded(self, reducer, keep, seed):
        red = clone(reducer)
        params = red.get_params(deep=False)
        new = {"keep": keep}
        if "random_state" in params and params["random_state"] is None:
            new["random_state"] = seed
        red.set_params(**new)
        return red

    def _fit_estimator(self, X, y, weights):
        est = clone(self.estimator)
        if self.use_weights and weights is not None:
            w = np.asarray(weights, float)
            w = w / w.mean()
            if hasattr(est, "steps"):
                est.fit(X, y, **{f"{est.steps[-1][0]}__sample_weight": w})
            else:
                est.fit(X, y, sample_weight=w)
        else:
            est.fit(X, y)
        return est

    def _run(self, reducer, keep, seed, X, y, Xs_folds, folds, scorer, task):
        """CV one (method, keep): per-fold scores (mean over the reducer's repeats), mean
        reduction and fit seconds per fold, kept counts."""
        scores, red_t, fit_t, kept = [], [], [], []
        for (tr, te), Xs in zip(folds, Xs_folds, strict=True):
            Xtr, ytr = _take(X, tr), _take(y, tr)
            Xte, yte = _take(X, te), _take(y, te)
            fold = []
            for rep in range(int(self.n_repeats)):
                red = self._seeded(reducer, keep, seed + rep)
                t0 = time.perf_counter()
                Xr, yr = _reduce(red, Xtr, ytr, Xtr if Xs is None else Xs, task, self.n_bins,
                                 real_rows=self.space is not None)
                red_t.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                model = self._fit_estimator(Xr, yr, getattr(red, "sample_weight_", None))
                fit_t.append(time.perf_counter() - t0)
                fold.append(float(scorer(model, Xte, yte)))
                kept.append(len(yr))
            scores.append(float(np.mean(fold)))
        n = int(self.n_repeats)
        return np.array(scores), n * float(np.mean(red_t)), n * float(np.mean(fit_t)), \
            float(np.mean(kept))

    def _probe(self, label, reducer, X, y, Xs_fold, tr, keep, seed, task, n_fold,
               room=None):
        """Predicted reduction seconds on one training fold at ``keep``.

        Two timed runs on random subsamples of ``n_probe / 2`` and ``n_probe`` rows separate a
        fixed overhead ``c`` from the part that grows with the rows; with the method's cost
        model, ``t(n, keep) = c + v * (n / n_probe) ** a * (keep / k) ** b`` where ``v`` is
        the growing part at the probe (``k``: the probe's kept fraction).
        """
        n2 = int(min(self.n_probe, n_fold))
        n1 = max(2, n2 // 2)
        rng = np.random.default_rng(seed)
        sub = rng.permutation(n_fold)[:n2]
        labels = quantile_strata(_take(y, tr), self.n_bins) if task == "regression" \
            else np.asarray(_take(y, tr))
        Xf = Xs_fold if Xs_fold is not None else _take(X, tr)
        # a probe large enough that every class keeps a row
        k = max(keep, min(0.5, 2 * len(np.unique(labels[sub])) / n1))
        times = []
        a, b = COST_MODELS.get(label, _DEFAULT_COST)
        for m in (n1, n2):
            idx = np.sort(sub[:m])
            red = self._seeded(reducer, k, seed)
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                red.fit(_take(Xf, idx), labels[idx])
            times.append(time.perf_counter() - t0)
            if room is not None and times[0] > room:  # the small probe alone is too slow
                return np.inf, times[0]
        growth = (n2 / n1) ** a - 1
        v = max(times[1] - times[0], 0.0) / growth if growth > 0 else times[1]
        c = max(times[1] - v, 0.0)
        return c + v * (n_fold / n2) ** a * (keep / k) ** b, sum(times)

    def fit(self, X, y):
        """Run the search on ``(X, y)`` (the training data only) and refit the choice."""
        start = time.perf_counter()
        if y is None:
            raise ValueError("ReductionSearchCV needs y (the target of the estimator).")
        if hasattr(X, "shape") and len(X) != len(y):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}: one target per row.")
        if not hasattr(X, "iloc"):
            X = np.asarray(X)
        y_arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        task, scoring, scorer, keeps, (budget_s, budget_x) = self._check_params(y_arr)
        self.task_, self.scoring_ = task, scoring
        seed = draw_seed(np.random.default_rng(self.random_state))
        self.seed_ = seed  # the folds' and every reducer's random_state
        strata = quantile_strata(y_arr, self.n_bins) if task == "regression" else y_arr
        folds = self._folds(X, strata, seed)
        n = len(y_arr)
        cands, skipped = self._candidates(task)
        if self.reference is not None and self.reference not in cands:
            logger.info("ReductionSearchCV: reference %r is not among the methods.",
                        self.reference)
        rows = []

        # 1. baseline on every fold (all rows)
        base_scores, base_fit, base_score_t = [], [], []
        for tr, te in folds:
            t0 = time.perf_counter()
            model = clone(self.estimator).fit(_take(X, tr), _take(y, tr))
            base_fit.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            base_scores.append(float(scorer(model, _take(X, te), _take(y, te))))
            base_score_t.append(time.perf_counter() - t0)
        fold_score = float(np.mean(base_score_t))  # scoring a validation fold
        n_fold = int(np.mean([len(tr) for tr, _ in folds]))
        floor = max(int(self.min_rows), 2 * len(np.unique(strata)))
        small = [k for k in keeps if round(k * n_fold) < floor]
        if small:
            keeps = [k for k in keeps if k not in small] or [max(keeps)]
            logger.info("ReductionSearchCV: kept fractions %s keep fewer than %d rows of a "
                        "%d-row training fold; trying %s.", small, floor, n_fold, keeps)
        fold_fit = float(np.mean(base_fit))
        self.full_fit_seconds_ = fold_fit * n / n_fold
        base_scores = np.array(base_scores)
        self.baseline_score_ = float(base_scores.mean())
        rows.append(self._row(FULL, 1.0, -1, base_scores, 0.0, fold_fit, n_fold, True))
        threshold = self.baseline_score_ - float(self.tolerance)
        if budget_x is not None:
            budget_s = max(budget_x * self.full_fit_seconds_, float(self.min_budget))
        self.budget_seconds_ = budget_s

        def left():
            return np.inf if budget_s is None else budget_s - (time.perf_counter() - start)

        # selection space per fold (fitted on the training fold only)
        Xs_folds = [None] * len(folds)
        if self.space is not None:
            Xs_folds = [clone(self.space).fit(_take(X, tr), _take(y, tr))
                        .transform(_take(X, tr)) for tr, _ in folds]

        # 2. cost probes (cheapest-looking first) and admission, within half the budget left
        n_folds = len(folds)
        t_adm = time.perf_counter()
        allowance = left() / 2
        order = sorted(cands, key=lambda m: (m != self.reference, _PROBE_ORDER.get(m, 99)))
        alive, used, rung_cost = [], 0.0, {}
        for m in order:
            probing = time.perf_counter() - t_adm
            if probing + used >= allowance and alive:
                skipped[m] = (f"no budget left to time it ({probing:.2g} s of probes and "
                              f"{used:.2g} s of predicted first-rung runs already use the "
                              f"{allowance:.2g} s allowed)")
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, skipped[m])
                continue
            try:
                room = allowance - probing - used
                pred, _ = self._probe(m, cands[m], X, y, Xs_folds[0], folds[0][0], keeps[0],
                                      seed, task, n_fold, room=room if alive else None)
            except Exception as exc:  # noqa: BLE001 - a method that cannot run is skipped
                skipped[m] = f"failed on a probe: {type(exc).__name__}: {exc}"
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, skipped[m])
                continue
            rung_cost[m] = n_folds * int(self.n_repeats) * (pred + fold_fit * keeps[0]
                                                             + fold_score)
            if not np.isfinite(pred):
                skipped[m] = (f"its probe on {max(2, min(self.n_probe, n_fold) // 2)} rows alone "
                              f"took more than the {max(room, 0):.2g} s left in the budget")
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, skipped[m])
                continue
            room = allowance - (time.perf_counter() - t_adm) - used
            if rung_cost[m] <= room or (m == self.reference and not alive):
                alive.append(m)
                used += rung_cost[m]
            else:
                skipped[m] = (f"predicted {rung_cost[m]:.2g} s for the first rung ({n_folds} "
                              f"folds at keep={keeps[0]}), over the {max(room, 0):.2g} s "
                              "left for it in the budget")
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, skipped[m])
        if not alive:
            raise ValueError(f"no method fits in the budget: {skipped}.")
        self.predicted_seconds_ = rung_cost

        # 3. rungs
        from tqdm.auto import tqdm

        results = {}  # (method, keep) -> (scores, red_t, fit_t, kept)
        stop_keep = None
        bar = tqdm(total=len(keeps), desc="search", unit="keep", disable=not self.verbose)
        last_cost = {}
        for r, keep in enumerate(keeps):
            # budget check with re-calibrated predictions
            pred = {}
            for m in alive:
                a, b = COST_MODELS.get(m, _DEFAULT_COST)
                if m in last_cost:  # measured: reductions, trainings, scoring apart
                    prev_keep, _ = last_cost[m]
                    _, red_t, fit_t, _ = results[(m, prev_keep)]
                    ratio = keep / prev_keep
                    pred[m] = n_folds * (red_t * ratio ** b + fit_t * ratio
                                         + self.n_repeats * fold_score)
                else:
                    pred[m] = rung_cost[m] * (keep / keeps[0]) ** max(b, 1.0)
            if r > 0:
                # the refit: a reduction of all rows and a training at this fraction
                prev_red = [results[(m, keeps[r - 1])][1] / self.n_repeats for m in alive
                            if (m, keeps[r - 1]) in results]
                reserve = fold_fit * keep * n / n_fold + max(prev_red, default=0.0) * (
                    keep / keeps[r - 1]) * (n / n_fold) ** 2
                for m in sorted(alive, key=lambda m: -pred[m]):
                    if sum(pred[x] for x in alive) + reserve <= left():
                        break
                    if len(alive) == 1:
                        break
                    alive.remove(m)
                    skipped[m] = (f"predicted {pred[m]:.2g} s at keep={keep} does not fit the "
                                  f"{max(left(), 0):.2g} s left in the budget")
                    logger.warning("ReductionSearchCV: dropping %r: %s.", m, skipped[m])
                if sum(pred[x] for x in alive) + reserve > left():
                    logger.warning("ReductionSearchCV: budget exhausted before keep=%s; "
                                   "stopping at keep=%s.", keep, keeps[r - 1])
                    self.budget_exhausted_ = True
                    break
            for m in alive:
                t0 = time.perf_counter()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        res = self._run(cands[m], keep, seed, X, y, Xs_folds, folds,
                                        scorer, task)
                except Exception as exc:  # noqa: BLE001 - a failing method leaves the search
                    skipped[m] = f"failed at keep={keep}: {type(exc).__name__}: {exc}"
                    logger.warning("ReductionSearchCV: dropping %r: %s.", m, skipped[m])
                    continue
                last_cost[m] = (keep, time.perf_counter() - t0)
                results[(m, keep)] = res
                rows.append(self._row(m, keep, r, res[0], res[1], res[2], res[3],
                                      res[0].mean() >= threshold))
            alive = [m for m in alive if (m, keep) in results]
            bar.update(1)
            if not alive:
                break
            means = {m: results[(m, keep)][0].mean() for m in alive}
            if any(means[m] >= threshold and self._credible(results, m, keep) for m in alive):
                stop_keep = keep
                break
            n_next = max(1, math.ceil(len(alive) / self.factor))
            best = sorted(alive, key=lambda m: -means[m])[:n_next]
            if self.reference in alive and self.reference not in best:
                best.append(self.reference)
            for m in alive:
                if m not in best:
                    logger.info("ReductionSearchCV: %r stops at keep=%s (mean %.4f).",
                                m, keep, means[m])
            alive = best
        bar.close()
        if not results:
            raise ValueError(f"every method failed: {skipped}.")
        self.skipped_ = skipped

        # 4. choice
        self.within_tolerance_ = stop_keep is not None
        if stop_keep is None:
            stop_keep = max(k for _, k in results)
            warnings.warn(f"ReductionSearchCV: no kept fraction up to {stop_keep} scored "
                          f"within tolerance={self.tolerance} of the full training set "
                          f"({self.baseline_score_:.4f}); the choice is the best method at "
                          f"keep={stop_keep}.", UserWarning, stacklevel=2)
        at = {m: res for (m, k), res in results.items() if k == stop_keep}
        ok = [m for m in at if at[m][0].mean() >= threshold
              and self._credible(results, m, stop_keep)] or list(at)
        best = max(ok, key=lambda m: at[m][0].mean())
        if not self._credible(results, best, stop_keep):
            logger.info("ReductionSearchCV: %r does not beat %r by more than one standard "
                        "error: keeping %r.", best, self.reference, self.reference)
            best = self.reference
        self.best_method_, self.best_keep_ = best, stop_keep
        self.best_score_ = float(at[best][0].mean())

        # 5. refit on all rows
        red = self._seeded(cands[best], stop_keep, seed)
        if self.space is not None or task == "regression":
            red = RowReducer(red, self.space, task, self.n_bins)
        t0 = time.perf_counter()
        Xr, yr = red.fit_resample(X, y)
        self.refit_reduction_seconds_ = time.perf_counter() - t0
        t0 = time.perf_counter()
        self.best_estimator_ = self._fit_estimator(Xr, yr, getattr(red, "sample_weight_", None))
        self.refit_training_seconds_ = time.perf_counter() - t0
        self.best_reducer_ = red
        self.training_time_saving_ = 1 - self.refit_training_seconds_ / self.full_fit_seconds_
        self.total_time_saving_ = 1 - (self.refit_training_seconds_
                                       + self.refit_reduction_seconds_) / self.full_fit_seconds_
        self.cv_results_ = {k: np.array([row[k] for row in rows]) for k in rows[0]}
        self.n_samples_in_ = n
        self.search_seconds_ = time.perf_counter() - start
        self.cost_ratio_ = self.search_seconds_ / self.full_fit_seconds_
        return self

    def _credible(self, results, method, keep):
        """Whether ``method`` may be chosen over the reference at ``keep``: it is the
        reference, the reference was not run there, or it beats the reference by more than
        one standard error of their paired fold differences."""
        ref = self.reference
        if ref is None or method == ref or (ref, keep) not in results:
            return True
        d = results[(method, keep)][0] - results[(ref, keep)][0]
        se = d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else np.inf
        return bool(d.mean() > se)

    def _row(self, method, keep, rung, scores, red_t, fit_t, kept, within):
        mean, sd, lo, hi = _interval(scores)
        row = {"method": method, "keep": float(keep), "rung": int(rung),
               "mean_test_score": mean, "std_test_score": sd, "ci_low": lo, "ci_high": hi}
        for i, s in enumerate(scores):
            row[f"split{i}_test_score"] = float(s)
        row.update({"mean_reduction_time": float(red_t), "mean_fit_time": float(fit_t),
                    "n_kept": float(kept), "within_tolerance": bool(within)})
        return row

    # ----------------------------------------------------------------- results
    def _check_fitted(self):
        if not hasattr(self, "best_estimator_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This ReductionSearchCV is not fitted yet: call fit(X, y).")

    def predict(self, X):
        """Predict with the estimator trained on the kept rows."""
        self._check_fitted()
        return self.best_estimator_.predict(X)

    def score(self, X, y):
        """The search's scorer on ``(X, y)`` with ``best_estimator_``."""
        self._check_fitted()
        return float(get_scorers(self.scoring_, self.task_)[self.scoring_](
            self.best_estimator_, X, y))

    @property
    def best_pipeline_(self):
        """An unfitted pipeline: the chosen reducer (training only), then the estimator."""
        self._check_fitted()
        from .pipeline import make_pipeline

        return make_pipeline(clone(self.best_reducer_), clone(self.estimator))

    def results_frame(self):
        """``cv_results_`` as a :class:`pandas.DataFrame`."""
        import pandas as pd

        self._check_fitted()
        return pd.DataFrame(self.cv_results_)

    def summary(self) -> str:
        """A few lines: the choice, the baseline, the cost, the skipped methods, the table."""
        self._check_fitted()
        from .evaluation import to_markdown

        lines = [
            f"ReductionSearchCV ({self.task_}, scoring={self.scoring_}, "
            f"tolerance={self.tolerance}, {self.n_samples_in_} rows)",
            f"full training set: {self.baseline_score_:.4f} (mean CV score)",
            f"choice: {self.best_method_} at keep={self.best_keep_} -> "
            f"{self.best_score_:.4f} ({'within' if self.within_tolerance_ else 'NOT within'}"
            " tolerance)",
            f"training-time saving: {100 * self.training_time_saving_:.0f}% "
            f"({100 * self.total_time_saving_:.0f}% with the reduction)",
            f"search cost: {self.search_seconds_:.2f} s = {self.cost_ratio_:.1f}x one full "
            f"training ({self.full_fit_seconds_:.3g} s)",
        ]
        for m, why in self.skipped_.items():
            lines.append(f"skipped {m}: {why}")
        df = self.results_frame()
        table = df.set_index("method")[["keep", "mean_test_score", "ci_low", "ci_high",
                                        "n_kept"]]
        lines += ["", to_markdown(table, floatfmt=".3f")]
        return "\n".join(lines)

    def learning_curves(self):
        """Long table for :func:`datareduce.evaluation.plot_curves`: method, x, y, low, high."""
        df = self.results_frame()
        runs = df[df["method"] != FULL]
        return runs.rename(columns={"keep": "x", "mean_test_score": "y", "ci_low": "low",
                                    "ci_high": "high"})[["method", "x", "y", "low", "high"]]

    def plot(self, ax=None):
        """Learning curve per method (mean CV score, 95 % band), full data and tolerance."""
        self._check_fitted()
        from .evaluation import plot_curves

        base = self.baseline_score_
        ax = plot_curves(self.learning_curves(), ax=ax, reference=base,
                         reference_band=(base - float(self.tolerance), base),
                         reference_label="full training set", ylabel=f"{self.scoring_} (CV)",
                         logx=True)
        ax.set_title(f"choice: {self.best_method_} at keep={self.best_keep_}")
        return ax

    def __repr__(self, N_CHAR_MAX=300):
        if hasattr(self, "best_method_"):
            return (f"ReductionSearchCV(best_method_={self.best_method_!r}, "
                    f"best_keep_={self.best_keep_}, best_score_={self.best_score_:.4f}, "
                    f"baseline_score_={self.baseline_score_:.4f})")
        return super().__repr__(N_CHAR_MAX=N_CHAR_MAX)


# ------------------------------------------------------------- tables (the CLI's entry)
MODELS = ("logistic", "knn", "forest", "hgb", "mlp")


def make_model(name: str, task: str, X, random_state=None):
    """The estimator behind ``--model``: the default preparation + a model.

    The preparation is :func:`datareduce.preprocessing.make_selection_space` of ``X``
    (numeric columns imputed with missing indicators and scaled, the others one-hot
    encoded), fitted with the model on the training rows.

    ``name`` is one of ``logistic`` (logistic regression / ridge for regression), ``knn``,
    ``forest`` (random forest), ``hgb`` (histogram gradient boosting), ``mlp`` (the
    reference paper's network).
    """
    from sklearn import ensemble, linear_model, neighbors
    from sklearn.pipeline import make_pipeline as sk_pipeline

    from .evaluation import paper_mlp
    from .preprocessing import make_selection_space

    reg = task == "regression"
    if name == "logistic":
        model = linear_model.Ridge() if reg else linear_model.LogisticRegression(max_iter=1000)
    elif name == "knn":
        model = neighbors.KNeighborsRegressor() if reg else neighbors.KNeighborsClassifier()
    elif name == "forest":
        cls = ensemble.RandomForestRegressor if reg else ensemble.RandomForestClassifier
        model = cls(n_estimators=100, random_state=random_state)
    elif name == "hgb":
        cls = ensemble.HistGradientBoostingRegressor if reg \
            else ensemble.HistGradientBoostingClassifier
        model = cls(random_state=random_state)
    elif name == "mlp":
        model = paper_mlp(random_state=random_state, regression=reg)
    else:
        raise ValueError(f"model={name!r}: choose one of {', '.join(MODELS)}.")
    return sk_pipeline(make_selection_space(X), model)


def search_table(data, target: str, *, model="logistic", scoring=None, tolerance=0.01,
                 budget="5x", keeps=(0.02, 0.05, 0.1, 0.2, 0.3, 0.5), methods="auto", cv=3,
                 task="auto", n_bins=5, random_state=0, verbose=False):
    """Search a table (DataFrame or CSV path) for its smallest training set: the CLI's call.

    ``datareduce search DATA.csv --target COL --model logistic --scoring f1_macro
    --tolerance 0.01 --budget 5x`` is ``search_table("DATA.csv", "COL", model="logistic",
    scoring="f1_macro", tolerance=0.01, budget="5x")``. Non-numeric columns are one-hot
    encoded and missing values imputed
    (:func:`datareduce.preprocessing.make_selection_space`), both for the model and for the
    selection space; the kept rows are the table's own rows.

    Parameters
    ----------
    data : pandas.DataFrame or path
        The training table (keep your test rows out of it).
    target : str
        The target column. Rows with a missing target are an error.
    model : str or estimator, default="logistic"
        A name of :func:`make_model` or any scikit-learn estimator (then it gets the
        table's columns as they are).
    scoring, tolerance, budget, keeps, methods, cv, task, n_bins, random_state, verbose
        As in :class:`ReductionSearchCV`.

    Returns
    -------
    ReductionSearchCV
        Fitted; ``.summary()`` is the text to print, ``.best_reducer_.sample_indices_``
        the kept rows (positions in the table).
    """
    import pandas as pd

    from .preprocessing import make_selection_space

    df = data if isinstance(data, pd.DataFrame) else pd.read_csv(data)
    if target not in df.columns:
        raise ValueError(f"target={target!r} is not a column; columns: {list(df.columns)}.")
    missing = df[target].isna()
    if missing.any():
        rows = np.flatnonzero(missing.to_numpy())
        raise ValueError(f"target column {target!r} is missing in {len(rows)} row(s) (first: "
                         f"{rows[:5].tolist()}); drop those rows first.")
    X = df.drop(columns=[target])
    y = df[target]
    task = infer_task(y.to_numpy(), task)
    est = make_model(model, task, X, random_state) if isinstance(model, str) else model
    search = ReductionSearchCV(est, methods=methods, keeps=keeps, scoring=scoring,
                               tolerance=tolerance, budget=budget, cv=cv, task=task,
                               n_bins=n_bins, space=make_selection_space(X),
                               random_state=random_state, verbose=verbose)
    return search.fit(X, y)
