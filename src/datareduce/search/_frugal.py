"""The frugal search: SRS climbs its learning curve first, other methods race below it.

:class:`ReductionSearchCV` answers "what is the smallest kept fraction whose cross-validated
score stays within the tolerance of the full training set's?" at the cost of a few
trainings. A kept fraction ``keep`` always means ``check_keep(keep, n)`` rows of the whole
training set (``keep * n`` rounded, half up: what the final reduction keeps), also on a
cross-validation fold.

1. **learning curve**: the reference method (SRS) at the two smallest kept fractions, on
   every split. The budget's unit, one full training, is predicted from the fastest of
   these trainings growing as the square root of the rows (a low estimate); the budget is
   re-resolved before every later step, from a measured full training once there is one;
2. **baseline**: the estimator on the full training folds when the table has fewer than
   50,000 rows or when that is cheap (half of the budget left); otherwise extrapolated
   from the learning curve to all rows (large tables never train on all rows during the
   search). On a large table whose first full training fold shows the others do not fit,
   that split anchors the baseline (SRS's largest fraction plus its paired gap there);
3. **SRS climbs**: the inverse power law ``score(m) = a - b m^-c`` fitted to the curve
   predicts where it crosses ``baseline - tolerance`` (``predicted_keep_``); SRS jumps to
   the first grid fraction at or above it, climbs while it is not within tolerance and
   steps down while it is, until its smallest fraction within tolerance is bracketed;
4. **racing below**: the other methods race at that fraction and below it (they can only
   make the answer smaller), split by split, the clearly worse dropped (``eliminated_``).
   A method replaces SRS only where it is within tolerance and the one-sided lower
   confidence bound of its paired split differences to SRS is above zero, at 90 % for
   the raced methods together (Bonferroni);
5. **checked answer**: the answer's subset is drawn ``n_draws`` times (each its own seed)
   on every split (``check_scores_``); if a draw's mean falls below the threshold, the
   next larger answer is tried (SRS at its fraction, then larger fractions); if nothing
   passes, or the budget runs out first, the answer is "no reduction" (keep=1.0), with
   the budget that would have answered the question.
"""

from __future__ import annotations

import logging
import math
import numbers

import numpy as np

from .._core.strata import N_BINS
from ._base import BaseReductionSearch
from ._budget import LARGE_ROWS
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
    scoring : str or callable, optional
        One scikit-learn scorer name (higher is better; ``"mae"`` is accepted as
        ``"neg_mean_absolute_error"``), or one callable ``scorer(estimator, X, y)`` such as
        ``make_scorer(fbeta_score, beta=2)`` (higher is better; ``tolerance`` in its
        units). Default ``"f1_macro"`` or ``"r2"``.
    tolerance : float, default=0.01
        How far below the full training set's mean CV score a fraction may score, in the
        scorer's units (0.01 = one point of macro-F1).
    budget : float, str or None, default="3x"
        Time for the search: seconds, a multiple of one full training (``"3x"``, predicted
        from the first points of the learning curve, measured once the baseline is; never
        under ``min_budget`` when one training takes less than a second), or None.
        The final training on the chosen rows (the refit) is not part of it.
    cv : int or cross-validation splitter, default=3
        Splits (stratified by class or by quantile bin of a regression target), shared by
        every method and the baseline. A group splitter (``GroupKFold``) gets the groups
        given to ``fit(X, y, groups=...)``; with an int and groups, ``StratifiedGroupKFold``.
        Other fit parameters (``sample_weight``) are refused (not routed).
    reference : str or None, default="srs"
        The method whose learning curve is fitted, kept in every race, and replaced only by
        a method whose one-sided lower confidence bound of their paired split differences is
        above zero, at ``racing_level`` for all the methods together (Bonferroni: each of
        ``m`` methods at ``1 - (1 - racing_level) / m``). When it is not among the methods, SRS is added
        for the curve (with a warning for another method's name); a name that is neither a
        method nor a label of ``methods`` is refused.
    method_params : dict of {method: dict}, optional
    space : transformer, optional
        The selection space, given to each reducer as its ``space`` (its base fits it on the
        training fold only); the estimator trains on the original rows.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"``: a regressor's target is a regression target and a classifier's are
        classes (``is_regressor`` / ``is_classifier``, through pipelines); for other
        estimators, the package's rule for the target type (``target_kind``).
    n_bins : int, default=10
        Quantile bins of a regression target: the splits, and the reducers that stratify
        with their default bins.
    use_weights : "auto" or bool, default="auto"
        Train with the reducer's ``sample_weight_`` (rows each kept row stands for) under
        the package's one weight policy (``datareduce._core.output.passes_weights``):
        ``"auto"`` passes them when the model takes ``sample_weight`` and is not a tree
        model, as the pipeline does; ``True`` / ``False`` decide.
    baseline : {"auto", "measure", "extrapolate"}, default="auto"
        How the full training set's score is known: ``"auto"`` measures it below 50,000
        rows or when cheap, and extrapolates it from the learning curve otherwise.
    racing_level : float, default=0.9
        Confidence of the paired intervals that drop a method during a race, of the
        one-sided lower bound a method needs above zero to replace the reference (for all
        the raced methods together), and of
        the one-sided lower bound of a fraction's CV score that must clear the threshold
        (within tolerance).
    n_draws : int, default=3
        Draws of the answer's subset checked on every split before it is recommended.
    n_probe : int, default=300
        Rows of the one timed probe of each method other than the reference. The probes
        are part of the budget: once it is spent, the methods not probed yet are skipped.
    min_budget : float, default=8.0
        Seconds: floor of a budget given as a multiple, for cheap models only (one full
        training under a second); slower models get exactly the multiple.
    min_rows : int, default=20
        Fractions keeping fewer rows of a training fold than ``max(min_rows, 2 * strata)``
        are left out (when every fraction does, the largest is still tried, with a log
        line).
    max_val_rows : int, default=20000
        Validation rows per split (larger folds are sampled; large tables score faster).
    share_preprocessing : bool, default=True
        When ``estimator`` is a pipeline whose leading steps are transformers, fit them once
        per training fold (and once on all rows at the refit) and train only the last step
        on the kept rows: every candidate of a fold shares one preprocessing (the selection
        ``space`` too is fitted once per fold). ``False``: the whole pipeline is trained on
        the kept rows, as ``best_pipeline_`` does.
    random_state : int or None
        Seeds the splits, the reducers and every ``random_state`` of ``estimator`` left at
        None (its own and its steps'), so that one seed gives one answer; values set on the
        estimator are kept.
    verbose : bool, default=False
        Kept for compatibility; progress goes to the ``datareduce.search`` logger.

    Attributes
    ----------
    best_method_, best_keep_ : str, float
        The choice; ``"full", 1.0`` when no reduction was found within tolerance.
    best_score_ : float
        Its mean CV score. ``baseline_score_`` is the full training set's (measured or
        extrapolated: ``baseline_kind_``; ``baseline_interval_``). A measured baseline is
        trained on the folds' rows (``cv - 1`` of ``cv`` parts); ``baseline_gain_`` is the
        learning curve's gain from there to all rows (>= 0), and ``threshold_ =
        baseline_score_ + baseline_gain_ - tolerance``.
    within_tolerance_ : bool
        False when the answer is "no reduction"; ``no_reduction_reason()`` says why (the one
        reason of the summary, the warning and the plot).
    check_scores_ : ndarray of shape (n_draws, n_splits) or None
        The answer's check (None for "no reduction"); ``checks_``: every check run, as
        ``{(method, keep): (scores, passed)}``; ``check_bounds_``: for each, the one-sided
        ``racing_level`` prediction bound of one (draw, split) difference to the full
        training (NaN when the full training was not measured on every split): a check
        passes only when it is at least ``-tolerance``.
    all_rows_gain_ : (float, float, float)
        The answer's CV score minus the full training set's, with a 95 % interval (paired
        over splits when the baseline was measured; 0 for "no reduction").
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
        ``mean_fit_time``, ``n_kept`` (rows per split: ``keep`` of the whole training
        set), ``within_tolerance``, ``check_mean`` (mean over the check's draws, NaN where
        not checked), and ``params`` (``{"method", "keep"}`` per row, as scikit-learn's;
        ``best_params_`` is the answer's). Unlike scikit-learn's searches, the answer is
        the smallest fraction shown within tolerance, not the best mean score, so there is
        no ``rank_test_score``; ``std_test_score`` is the sample standard deviation
        (ddof=1, as the intervals use it), scikit-learn's is ddof=0.
    skipped_, eliminated_ : dict of {method: reason}
    budget_exhausted_ : bool; ``budget_needed_seconds_``: what would have been needed.
        ``budget_floor_applied_``: the ``min_budget`` floor raised a multiple.
    budget_cut_ : str or None
        Why the budget stopped a later step (the answer is safe, maybe not the smallest).
    full_fit_seconds_, search_seconds_, cost_ratio_, budget_seconds_ : float
        ``full_fit_measured_`` (bool): whether one full training was measured (on a
        training fold) or only predicted from smaller trainings.
    training_time_saving_, total_time_saving_ : float
        Measured at the refit; 0 for "no reduction" (every row is kept).
    reference_ : str
        The method whose learning curve was fitted (the ``reference``, or SRS).

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
                 n_draws=3, n_probe=300, min_budget=8.0, min_rows=20, max_val_rows=20_000,
                 share_preprocessing=True, random_state=None, verbose=False):
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
        self.n_draws = n_draws
        self.n_probe = n_probe
        self.min_budget = min_budget
        self.min_rows = min_rows
        self.max_val_rows = max_val_rows
        self.share_preprocessing = share_preprocessing
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------- strategy
    def _run_search(self, ev):
        if self.baseline not in ("auto", "measure", "extrapolate"):
            raise ValueError(f"baseline={self.baseline!r}: choose 'auto', 'measure' or "
                             "'extrapolate'.")
        if not 0 < self.racing_level < 1:
            raise ValueError(f"racing_level={self.racing_level!r} must be in (0, 1).")
        n_draws = self.n_draws
        if isinstance(n_draws, (bool, np.bool_)) or not isinstance(n_draws, numbers.Integral) \
                or n_draws < 1:
            raise ValueError(f"n_draws={n_draws!r} must be an integer >= 1 (draws of the "
                             "answer's subset checked before it is recommended).")
        ref, keeps = ev.reference, ev.keeps
        # 0. a budget in multiples of one training, and a baseline that will be measured:
        #    one full training fold first, so that the unit (and whether the min_budget floor
        #    applies) is measured, not predicted from tiny trainings dominated by overheads
        from ._base import BASELINE_MAX_ROWS

        measured = self.baseline == "measure" or (self.baseline == "auto"
                                                  and ev.n < BASELINE_MAX_ROWS)
        if ev.budget[1] is not None and ev.budget[1] >= 1 and measured:
            ev.run(FULL, 1.0, [0], stage="baseline")
        # 1. the first points of the learning curve (the cheapest trainings)
        for i, k in enumerate(keeps[:2]):
            if ev.cells and not self._fits(ev, ev.n_splits * ev.unit_cost(ref, k)):
                break
            ev.run(ref, k, stage="curve")
            if i == 0 and ev.budget[0] is not None and measured:
                # a budget in seconds: the full training fold right after the first curve
                # point, whatever is left (the answer needs it below 50,000 rows), so that
                # the unit and the budget advice are measured: a training of a few dozen
                # rows scaled up was 50-100x the truth for a model with fixed costs per fit
                # (a budget smaller than these trainings is overrun by them)
                ev.run(FULL, 1.0, [0], stage="baseline")
        # 2. the baseline
        if not self._baseline(ev):
            return
        # 3. SRS climbs to its smallest fraction within tolerance
        k_srs = self._climb(ev)
        if ev.exhausted:
            return
        # 4. the other methods race at that fraction and below (from the largest fraction
        #    when no SRS fraction is within tolerance)
        answers = self._race_down(ev, max(keeps) if k_srs is None else k_srs, k_srs)
        # 5. the answer's check; the next larger answer when it fails
        ev.choice = self._checked(ev, answers, k_srs)

    def _fits(self, ev, seconds):
        """Re-resolve the budget, then: do ``seconds`` fit in what is left?"""
        self.resolve_budget(ev)
        return ev.clock.fits(seconds)

    def _out_of_budget(self, ev, seconds, what):
        ev.exhausted = True
        ev.needed_seconds = ev.clock.spent() + seconds + ev.clock.reserve
        logger.warning("ReductionSearchCV: budget exhausted before %s.", what)

    def _baseline(self, ev):
        """Measure or extrapolate the full training set's score; False when out of budget."""
        from ._base import BASELINE_MAX_ROWS

        base_cost = ev.n_splits * ev.unit_cost(FULL, 1.0)
        self.resolve_budget(ev)
        measure = self.baseline == "measure" or (
            self.baseline == "auto" and (ev.n < BASELINE_MAX_ROWS
                                         or base_cost <= 0.5 * ev.clock.left()))
        if measure:  # one split first: its time tells what the others cost
            what = "the full training set's score could be measured"
            auto = self.baseline == "auto"
            if auto and not self._fits(ev, ev.unit_cost(FULL, 1.0)):
                self._out_of_budget(ev, base_cost, what)
                return False
            ev.run(FULL, 1.0, [0], stage="baseline")
            rest = (ev.n_splits - 1) * ev.unit_cost(FULL, 1.0)
            if auto and not self._fits(ev, rest):
                if ev.n < BASELINE_MAX_ROWS:
                    self._out_of_budget(ev, rest, what)
                    return False
                # a large table, where measuring looked cheap and was not: the measured split
                # anchors the baseline (the curve's largest fraction plus its paired gap to
                # the full training there) instead of ending the search
                logger.info("ReductionSearchCV: the full training set's score is measured on "
                            "one split only (the others, %.2g s, do not fit the budget).",
                            rest)
                ev.fit_curve(ev.reference)
                return True
            ev.measure_baseline()
        ev.fit_curve(ev.reference)
        return True

    def _climb(self, ev):
        """SRS's smallest grid fraction within tolerance (None: none, or out of budget)."""
        ref, keeps = ev.reference, ev.keeps
        while True:
            ev.fit_curve(ref)
            if ev.threshold is None:  # too few points for a curve, no measured baseline
                k = next((k for k in keeps if not ev.complete(ref, k)), None)
                if k is None:
                    self._out_of_budget(ev, 0.0, "the baseline could be extrapolated")
                    return None
            else:
                ok = [k for k in keeps if ev.within(ref, k)]
                if ok:  # step down until the fraction below is measured and not within
                    below = [k for k in keeps if k < min(ok) and not ev.complete(ref, k)
                             and not any(ev.complete(ref, b) for b in keeps if k < b < min(ok))]
                    # an extrapolated baseline needs a measured point above the answer: a
                    # curve that ends at the answer flattens too early (too low a baseline)
                    above = [] if ev.baseline_kind != "extrapolated" or any(
                        ev.measured(ref, k) for k in keeps if k > min(ok)) else \
                        [k for k in keeps if k > min(ok)][:1]
                    if not below and not above:
                        return min(ok)
                    k = max(below) if below else above[0]
                    ev.clock.reserve = ev.check_cost(ref, min(ok), self.n_draws)
                    if not below and ev.n >= LARGE_ROWS:  # the anchor: one split
                        cost = ev.unit_cost(ref, k)
                        if not self._fits(ev, cost):
                            ev.cut_short = (f"the curve's anchor, {ref} at keep={k} (predicted "
                                            f"{cost:.2g} s), did not fit")
                            return min(ok)
                        ev.run(ref, k, [0], stage="curve")
                        continue
                else:  # climb: jump to the predicted fraction when it is above the next one
                    bad = [k for k in keeps if ev.complete(ref, k)]
                    above = [k for k in keeps if k > max(bad, default=0.0)]
                    if not above:
                        logger.info("ReductionSearchCV: no kept fraction of %s is within "
                                    "tolerance.", ref)
                        return None
                    pred = ev.predicted_keep[0] if ev.curve is not None else math.nan
                    jump = [k for k in above if math.isfinite(pred) and k >= pred]
                    k = jump[0] if jump else above[0]
            cost = ev.n_splits * ev.unit_cost(ref, k)
            if not self._fits(ev, cost):
                ok = [k2 for k2 in keeps if ev.within(ref, k2)]
                if ok:
                    ev.cut_short = (f"{ref} at keep={k} (predicted {cost:.2g} s) did not fit; "
                                    f"the smallest fraction shown within tolerance is kept")
                    return min(ok)
                self._out_of_budget(ev, cost + ev.check_cost(ref, k, self.n_draws),
                                    f"{ref} at keep={k}")
                return None
            ev.run(ref, k, stage="curve")

    def _race_down(self, ev, top, k_srs):
        """Other methods at ``top`` and below: ``[(method, keep)]`` that may replace SRS,
        smallest fraction first."""
        ref = ev.reference
        others = [m for m in ev.candidates if m != ref]
        if not others:
            return []
        ev.clock.reserve = 0.0 if k_srs is None else ev.check_cost(ref, k_srs, self.n_draws)
        alive = self._ordered(ev, others)
        # each of the methods is compared with the reference: their family-wise chance of a
        # false replacement is held at 1 - racing_level (Bonferroni)
        level = 1.0 - (1.0 - self.racing_level) / max(len(alive), 1)
        found = []
        for k in [top] + [k for k in ev.keeps if k < top][::-1]:
            if not ev.complete(ref, k):
                cost = ev.n_splits * ev.unit_cost(ref, k)
                if not self._fits(ev, cost):
                    ev.cut_short = f"the race at keep={k} did not fit"
                    break
                ev.run(ref, k, stage="race")
            alive = [m for m in self._race(ev, k, [ref] + alive) if m != ref]
            better = [m for m in alive if ev.within(m, k)
                      and ev.beats_reference(m, k, level)]
            if better:
                best = max(better, key=lambda m: ev.mean(m, k))
                found.insert(0, (best, k))
                ev.clock.reserve = ev.check_cost(best, k, self.n_draws)
            alive = [m for m in alive if ev.within(m, k)]
            if not alive:
                break
        return found

    def _ordered(self, ev, others):
        """Methods other than the reference, cheapest reducer probe first. The probes are
        part of the budget: once it is spent (beyond the reserve for the answer's check),
        the methods not probed yet are skipped."""
        others = list(others)
        for m in list(others):
            if m not in ev.probes and not self._fits(ev, 0.0):
                ev.skipped[m] = (f"not probed: the budget ({ev.clock.limit:.2g} s) was spent "
                                 f"before its probe ({ev.clock.spent():.2g} s spent, "
                                 f"{ev.clock.reserve:.2g} s held for the answer's check)")
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, ev.skipped[m])
                others.remove(m)
                continue
            try:
                stopped = ev.probe(m, min(ev.keeps), self.n_probe,
                                   fits=lambda s: self._fits(ev, s))
            except Exception as exc:  # noqa: BLE001 - a method that cannot run is skipped
                ev.skipped[m] = f"failed on a probe: {type(exc).__name__}: {str(exc).rstrip('.')}"
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, ev.skipped[m])
                others.remove(m)
                continue
            if stopped is not None:
                ev.skipped[m] = (f"probe stopped: one fit on {stopped[1]} rows "
                                 f"took {stopped[0]:.2g} s, and the budget ({ev.clock.limit:.2g} s, "
                                 f"{ev.clock.spent():.2g} s spent) had no room for the second")
                logger.warning("ReductionSearchCV: skipping %r: %s.", m, ev.skipped[m])
                others.remove(m)
        others.sort(key=lambda m: ev.probes[m][1])
        return others

    def _race(self, ev, keep, methods):
        """Evaluate ``methods`` at ``keep`` split by split, dropping the clearly worse; a
        method whose predicted cost does not fit the budget is skipped."""
        alive = []
        for m in methods:
            left = ev.n_splits - len(ev.cells.get((m, keep), {}))
            cost = left * ev.unit_cost(m, keep)
            if not left or self._fits(ev, cost):
                alive.append(m)
                continue
            reason = (f"predicted {cost:.2g} s at keep={keep} does not fit the "
                      f"{max(ev.clock.left() - ev.clock.reserve, 0):.2g} s left in the "
                      "budget")
            ev.skipped.setdefault(m, reason)
            logger.warning("ReductionSearchCV: skipping %r: %s.", m, reason)
        for s in range(ev.n_splits):
            for m in list(alive):
                done = len(ev.cells.get((m, keep), {}))
                if m != ev.reference and s not in ev.cells.get((m, keep), {}) and done:
                    # measured on a split: re-check what the splits left cost
                    cost = (ev.n_splits - done) * ev.unit_cost(m, keep)
                    if not self._fits(ev, cost):
                        ev.skipped[m] = (f"measured {ev.unit_cost(m, keep):.2g} s per split at "
                                         f"keep={keep}; the {ev.n_splits - done} splits left "
                                         "do not fit the budget")
                        logger.warning("ReductionSearchCV: dropping %r: %s.", m, ev.skipped[m])
                        alive.remove(m)
                        continue
                try:
                    ev.run(m, keep, [s], stage="race")
                except Exception as exc:  # noqa: BLE001 - a failing method leaves the race
                    if m == ev.reference:
                        raise
                    ev.skipped[m] = f"failed at keep={keep}: {type(exc).__name__}: {str(exc).rstrip('.')}"
                    logger.warning("ReductionSearchCV: dropping %r: %s.", m, ev.skipped[m])
                    alive.remove(m)
            if s >= 1 and len(alive) > 1:
                alive = ev.race_elimination(alive, keep, self.racing_level)
        return alive

    def _checked(self, ev, answers, k_srs):
        """The first of ``answers`` (then SRS at ``k_srs`` and larger fractions) whose
        check passes."""
        ref = ev.reference
        tried = set()
        queue = list(answers) + ([] if k_srs is None else
                                 [(ref, k) for k in ev.keeps if k >= k_srs])
        ev.clock.reserve = 0.0
        short = None  # (seconds, what) of the first answer the budget could not check
        for label, keep in queue:
            if (label, keep) in tried:
                continue
            tried.add((label, keep))
            cost = 0.0 if ev.complete(label, keep) else ev.n_splits * ev.unit_cost(label, keep)
            cost += ev.check_cost(label, keep, self.n_draws)
            if not self._fits(ev, cost):
                short = short or (cost, f"{label} at keep={keep} could be checked")
                continue
            if not ev.complete(label, keep):
                ev.run(label, keep, stage="check")
            if not ev.within(label, keep):
                continue
            if ev.check(label, keep, self.n_draws):
                return label, keep
            logger.info("ReductionSearchCV: %s at keep=%s failed its check over %d draws; "
                        "trying the next larger answer.", label, keep, self.n_draws)
        if short is not None:
            self._out_of_budget(ev, *short)
        return None
