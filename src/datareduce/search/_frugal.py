"""The frugal search: learn the reference's learning curve cheaply, then race near its answer.

:class:`ReductionSearchCV` answers "what is the smallest kept fraction whose cross-validated
score stays within the tolerance of the full training set's?" at the cost of a few
trainings:

1. **learning curve**: the reference method (SRS) at the smallest kept fractions, on every
   split; their fit times predict one full training, which sets a budget given as a
   multiple (``"3x"``, never under ``min_budget`` seconds);
2. **baseline**: the estimator on the full training folds when that fits in half of the
   budget left (``baseline="auto"``), otherwise extrapolated from the learning curve at
   the training folds' size (large tables never train on all rows during the search);
3. **prediction**: the inverse power law ``score(m) = a - b m^-c`` fitted to the curve, with
   a bootstrap over splits, gives the fraction where the curve crosses
   ``baseline - tolerance`` (``predicted_keep_``); the curve pass stops as soon as that
   fraction is at or below the next one it would measure;
4. **racing**: every candidate method at the first kept fraction at or above the
   prediction, split by split; a method whose paired interval against the current best
   lies below zero is dropped (``eliminated_``). If nothing is within tolerance the race
   moves one fraction up; once something is, the winners try one fraction down;
5. **safe answer**: only a fraction whose mean CV score is within tolerance is chosen; if
   the budget runs out first, or no fraction tried is within tolerance, the answer is
   "no reduction" (keep=1.0), with the budget that would have answered the question.
"""

from __future__ import annotations

import logging
import math

from .._core.strata import N_BINS
from ._base import BaseReductionSearch
from ._evaluate import FULL

__all__ = ["ReductionSearchCV"]

logger = logging.getLogger("datareduce.search")


class ReductionSearchCV(BaseReductionSearch):
    """Smallest kept fraction (and method) whose cross-validated score stays within tolerance.

    Parameters
    ----------
    estimator : scikit-learn estimator
        The model to train (cloned). A pipeline is fine (e.g. one-hot encoding + model).
    methods : "auto", list of str, or dict of {label: reducer}, default="auto"
        ``"auto"``: every registered method whose extra is installed (and, for a regression
        target, that does not need classes). A dict maps labels to unfitted reducers.
    keeps : sequence of float in (0, 1), default=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
        The grid of kept fractions (the answer is one of them, or 1.0 for no reduction).
    scoring : str, optional
        One scikit-learn scorer name (higher is better; ``"mae"`` is accepted as
        ``"neg_mean_absolute_error"``). Default ``"f1_macro"`` or ``"r2"``.
    tolerance : float, default=0.01
        How far below the full training set's mean CV score a fraction may score, in the
        scorer's units (0.01 = one point of macro-F1).
    budget : float, str or None, default="3x"
        Time for the search: seconds, a multiple of one full training (``"3x"``, predicted
        from the first points of the learning curve, never under ``min_budget``), or None.
        The final training on the chosen rows (the refit) is not part of it.
    cv : int or cross-validation splitter, default=3
        Splits (stratified by class or by quantile bin of a regression target), shared by
        every method and the baseline.
    reference : str or None, default="srs"
        The method whose learning curve is fitted, kept in every race, and preferred when
        another beats it by less than one standard error of their paired split
        differences. When it is not among the methods, SRS is added for the curve.
    method_params : dict of {method: dict}, optional
    space : transformer, optional
        The selection space, given to each reducer as its ``space`` (its base fits it on the
        training fold only); the estimator trains on the original rows.
    task : {"auto", "classification", "regression"}, default="auto"
    n_bins : int, default=10
        Quantile bins of a regression target: the splits, and the reducers that stratify
        with their default bins.
    use_weights : "auto" or bool, default="auto"
        Train with the reducer's ``sample_weight_`` (rows each kept row stands for) under
        the package's one weight policy (``datareduce._core.output.passes_weights``):
        ``"auto"`` passes them when the model takes ``sample_weight`` and is not a tree
        model, as the pipeline does; ``True`` / ``False`` decide.
    baseline : {"auto", "measure", "extrapolate"}, default="auto"
        How the full training set's score is known (see the module docs).
    racing_level : float, default=0.9
        Confidence of the paired intervals that drop a method during a race.
    n_probe : int, default=300
        Rows of the one timed probe of each method other than the reference.
    min_budget : float, default=8.0
        Seconds: floor of a budget given as a multiple.
    min_rows : int, default=20
        Fractions keeping fewer rows of a training fold than ``max(min_rows, 2 * strata)``
        are left out.
    max_val_rows : int, default=20000
        Validation rows per split (larger folds are sampled; large tables score faster).
    random_state : int or None
    verbose : bool, default=False
        Kept for compatibility; progress goes to the ``datareduce.search`` logger.

    Attributes
    ----------
    best_method_, best_keep_ : str, float
        The choice; ``"full", 1.0`` when no reduction was found within tolerance.
    best_score_ : float
        Its mean CV score. ``baseline_score_`` is the full training set's (measured or
        extrapolated: ``baseline_kind_``; ``baseline_interval_``).
    within_tolerance_ : bool
        False when the answer is "no reduction".
    predicted_keep_ : (float, float, float)
        The learning curve's fraction where it crosses ``threshold_``, with its bootstrap
        95 % interval. ``predicted_saving_``: the training-time saving there (and bounds).
    learning_curve_ : LearningCurve or None
    best_reducer_, best_estimator_ : the chosen reducer fitted on all rows, and the
        estimator trained on its rows.
    cv_results_ : dict of arrays
        One entry per (method, keep) evaluated: ``method``, ``keep``, ``stage`` (curve,
        baseline, race), ``mean_test_score``, ``std_test_score``, ``ci_low``, ``ci_high``,
        ``split<i>_test_score`` (NaN where a race stopped), ``mean_reduction_time``,
        ``mean_fit_time``, ``n_kept``, ``within_tolerance``.
    skipped_, eliminated_ : dict of {method: reason}
    budget_exhausted_ : bool; ``budget_needed_seconds_``: what would have been needed.
    full_fit_seconds_, search_seconds_, cost_ratio_, budget_seconds_ : float
    training_time_saving_, total_time_saving_ : float
        Measured at the refit.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(3000, 8, random_state=0)
    >>> search = ReductionSearchCV(LogisticRegression(), methods=["srs", "mms"],
    ...                            tolerance=0.02, budget=None, random_state=0).fit(X, y)
    >>> search.within_tolerance_, search.best_score_ >= search.baseline_score_ - 0.02
    (True, True)
    """

    def __init__(self, estimator, *, methods="auto",
                 keeps=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5), scoring=None, tolerance=0.01,
                 budget="3x", cv=3, reference="srs", method_params=None, space=None,
                 task="auto", n_bins=N_BINS, use_weights="auto", baseline="auto", racing_level=0.9,
                 n_probe=300, min_budget=8.0, min_rows=20, max_val_rows=20_000,
                 random_state=None, verbose=False):
        self.estimator = estimator
        self.methods = methods
        self.keeps = keeps
        self.scoring = scoring
        self.tolerance = tolerance
        self.budget = budget
        self.cv = cv
        self.reference = reference
        self.method_params = method_params
        self.space = space
        self.task = task
        self.n_bins = n_bins
        self.use_weights = use_weights
        self.baseline = baseline
        self.racing_level = racing_level
        self.n_probe = n_probe
        self.min_budget = min_budget
        self.min_rows = min_rows
        self.max_val_rows = max_val_rows
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------- strategy
    def _run_search(self, ev):
        if self.baseline not in ("auto", "measure", "extrapolate"):
            raise ValueError(f"baseline={self.baseline!r}: choose 'auto', 'measure' or "
                             "'extrapolate'.")
        if not 0 < self.racing_level < 1:
            raise ValueError(f"racing_level={self.racing_level!r} must be in (0, 1).")
        ref, keeps = ev.reference, ev.keeps
        # 1. the first points of the learning curve, then the budget in seconds
        for k in keeps[:2]:
            ev.run(ref, k, stage="curve")
        self.resolve_budget(ev)
        # 2. the baseline, when it fits in half of what is left: one split first (the
        #    prediction from tiny trainings is rough), the others if they still fit
        base_cost = ev.n_splits * ev.unit_cost(FULL, 1.0)
        if self.baseline == "measure" or (self.baseline == "auto"
                                          and base_cost <= 0.5 * ev.clock.left()):
            ev.run(FULL, 1.0, [0], stage="baseline")
            self.resolve_budget(ev)  # from the measured full training
            rest = (ev.n_splits - 1) * ev.unit_cost(FULL, 1.0)
            if self.baseline == "measure" or rest <= 0.5 * ev.clock.left():
                ev.measure_baseline()
            else:
                logger.info("ReductionSearchCV: the other %d full trainings do not fit; the "
                            "baseline is extrapolated.", ev.n_splits - 1)
        # 3. the curve, until its prediction is at or below the next fraction
        for k in keeps[2:]:
            if ev.within(ref, max(k2 for k2 in keeps if k2 < k)):
                break
            ev.fit_curve(ref)
            target = self._target(ev)
            if target is not None and target <= k:
                break
            if not ev.clock.fits(ev.n_splits * ev.unit_cost(ref, k)):
                break
            ev.run(ref, k, stage="curve")
        ev.fit_curve(ref)
        if ev.threshold is None:  # too few points for a curve, and no measured baseline
            ev.exhausted = True
            ev.needed_seconds = ev.clock.spent() + base_cost
            logger.warning("ReductionSearchCV: budget exhausted before the full training "
                           "set's score could be measured or extrapolated.")
            return
        # 4. races from the predicted fraction up, then one step down
        target = self._target(ev)
        failed = [k for k in keeps if ev.failed(ref, k)]
        order = [k for k in keeps if k > max(failed, default=0.0)
                 and (target is None or k >= target)] or keeps[-1:]
        alive, verified = self._ordered(ev, list(ev.candidates)), None
        for k in order:
            alive = self._race(ev, k, alive)
            if ev.exhausted or not alive:
                break
            if any(ev.within(m, k) for m in alive):
                verified = k
                break
        if verified is not None:
            winners = [m for m in alive if ev.within(m, verified)]
            for k in [k for k in keeps if k < verified][::-1]:
                cand = [m for m in winners if not ev.failed(m, k)]
                if not cand or ev.exhausted:
                    break
                cand = self._race(ev, k, cand)
                ok = [m for m in cand if ev.within(m, k)]
                if not ok:
                    break
                verified, winners = k, ok
        ev.choice = None if verified is None else (self._choose(ev, verified), verified)

    def _target(self, ev):
        """Smallest grid fraction measured within tolerance or predicted to be."""
        k_pred = ev.predicted_keep[0] if ev.curve is not None else math.nan
        for k in ev.keeps:
            if ev.within(ev.reference, k) or (not ev.failed(ev.reference, k)
                                             and math.isfinite(k_pred) and k >= k_pred):
                return k
        return None

    def _ordered(self, ev, methods):
        """The reference first, then the others (cheapest reducer probe first)."""
        others = [m for m in methods if m != ev.reference]
        for m in list(others):
            try:
                ev.probe(m, min(ev.keeps), self.n_probe)
            except Exception as exc:  # noqa: BLE001 - a method that cannot run is skipped
                ev.skipped[m] = f"failed on a probe: {type(exc).__name__}: {exc}"
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, ev.skipped[m])
                others.remove(m)
        others.sort(key=lambda m: ev.probes[m][1])
        return ([ev.reference] if ev.reference in methods else []) + others

    def _race(self, ev, keep, methods):
        """Evaluate ``methods`` at ``keep`` split by split, dropping the clearly worse."""
        alive = []
        for m in methods:
            left = ev.n_splits - len(ev.cells.get((m, keep), {}))
            cost = left * ev.unit_cost(m, keep)
            if ev.clock.fits(cost) or (not left):
                alive.append(m)
                continue
            reason = (f"predicted {cost:.2g} s at keep={keep} does not fit the "
                      f"{max(ev.clock.left(), 0):.2g} s left in the budget")
            if m == ev.reference or not alive and m == methods[-1]:
                ev.exhausted = True
                ev.needed_seconds = ev.clock.spent() + cost
                logger.warning("ReductionSearchCV: budget exhausted before keep=%s: %s.",
                               keep, reason)
                return [a for a in alive if ev.complete(a, keep)]
            ev.skipped.setdefault(m, reason)
            logger.warning("ReductionSearchCV: skipping %r: %s.", m, reason)
        for s in range(ev.n_splits):
            for m in list(alive):
                try:
                    ev.run(m, keep, [s], stage="race")
                except Exception as exc:  # noqa: BLE001 - a failing method leaves the race
                    ev.skipped[m] = f"failed at keep={keep}: {type(exc).__name__}: {exc}"
                    logger.warning("ReductionSearchCV: dropping %r: %s.", m, ev.skipped[m])
                    alive.remove(m)
            if s >= 1 and len(alive) > 1:
                alive = ev.race_elimination(alive, keep, self.racing_level)
        return alive

    def _choose(self, ev, keep):
        within = [m for m in ev.candidates if ev.within(m, keep)]
        ok = [m for m in within if ev.credible(m, keep)] or within
        best = max(ok, key=lambda m: ev.mean(m, keep))
        if not ev.credible(best, keep) and ev.within(ev.reference, keep):
            best = ev.reference
        return best
