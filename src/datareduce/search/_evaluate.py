"""The search's per-fit state: shared splits, cached evaluations, timings and predictions.

One :class:`Evaluator` is made by :meth:`BaseReductionSearch.fit` for each call and handed
to the strategy's ``_run_search``; it is never stored on the estimator. Every (method,
kept fraction, split) is evaluated at most once and cached, so a strategy may ask again
for free. The splits (and their training / validation rows) are computed once and shared
by every method; the selection ``space`` is given to each reducer, whose base resolves it
on the training fold (the search never transforms X itself).
"""

from __future__ import annotations

import functools
import logging
import math
import time
import warnings

import numpy as np

from .._core.output import reduced_data
from .._core.validation import check_keep, seeded_clone, seeded_estimator
from ._budget import COST_MODELS, DEFAULT_COST, LARGE_ROWS, Clock, TimeModel, reduction_cost
from ._stats import fit_learning_curve, paired_interval, paired_lower_bound, t_interval

logger = logging.getLogger("datareduce.search")
FULL = "full"


def draw_seed_of(seed, draw):
    """The seed of another draw of a subset (draw 0 is the search's own seed)."""
    return int((int(seed) + 7919 * int(draw)) % (2 ** 32))


def table_fractions(rows, n):
    """Rows as fractions of the ``n`` rows of the table; beyond the table (a curve that
    reaches the threshold only with more rows than there are) is ``inf``: no kept fraction
    within the table, never a fraction above 1."""
    out = []
    for v in rows:
        f = float(v) / n
        out.append(math.inf if f > 1 else f)
    return tuple(out)


def take(data, idx):
    """Rows ``idx`` of a table (pandas, polars, pyarrow), an array or a CSR matrix (the
    search's X and y)."""
    if hasattr(data, "iloc"):
        return data.iloc[idx]
    if hasattr(data, "tocsr"):
        return data.tocsr()[idx]
    if _other_table(data):  # polars, pyarrow: scikit-learn's row indexing keeps the columns
        from sklearn.utils import _safe_indexing

        return _safe_indexing(data, np.asarray(idx))
    return np.asarray(data)[idx]


def _other_table(data) -> bool:
    """A polars or pyarrow table (2-D, not pandas), which the search keeps as it is: its
    columns' names reach the estimator (a ColumnTransformer selecting them by name)."""
    from .._core.output import _other_frame

    return _other_frame(data) and len(getattr(data, "shape", ())) == 2


def shared_prefix(estimator):
    """``(preprocessing, final step)`` of a scikit-learn pipeline whose leading steps are
    plain transformers (no resampler), else None: the preprocessing can then be fitted once
    per training fold and shared by every candidate trained on that fold."""
    from sklearn.pipeline import Pipeline

    if not isinstance(estimator, Pipeline) or len(estimator.steps) < 2:
        return None
    *head, (_, last) = estimator.steps
    if last is None or isinstance(last, str) or not hasattr(last, "fit"):
        return None
    for _, step in head:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if isinstance(step, str) or not hasattr(step, "transform") or \
                hasattr(step, "fit_resample"):
            return None
    return Pipeline(head), last


def fit_reducer(red, X, y, task):
    """``red.fit(X, y)`` with the search's task (``"classification"`` or
    ``"regression"``, decided once from the estimator and the target rule) when the reducer
    takes one: its target rule then neither decides again nor warns with advice (``fit(X, y,
    task=...)``) that the search's own ``fit`` does not take."""
    import inspect

    if task in ("classification", "regression"):
        try:
            takes = "task" in inspect.signature(red.fit).parameters
        except (TypeError, ValueError):  # pragma: no cover - no signature
            takes = False
        if takes:
            return red.fit(X, y, task=task)
    return red.fit(X, y)


class Fold:
    """One split's training and validation rows, computed once and shared by every
    candidate: with ``share_preprocessing`` and a pipeline estimator, its preprocessing
    (every step but the last) is fitted on the training fold once (``fit_transform``, as
    the pipeline would) and every candidate trains only the last step on its kept rows of
    the transformed fold; the selection ``space`` is fitted once per training fold and the
    reducers that read values select in it (the same transformer on the same rows: what
    each reducer's base would have computed)."""

    def __init__(self, ev, tr, te):
        from sklearn.base import clone

        self.ev = ev
        search = ev.search
        self.tr = tr
        # a copy of the training fold is kept below LARGE_ROWS rows; above, it is taken
        # again when needed (three copies of a large table would stay in memory)
        self._Xtr = take(ev.X, tr) if ev.n < LARGE_ROWS else None
        self.ytr, self.yte = take(ev.y, tr), take(ev.y, te)
        parts = shared_prefix(ev.estimator) if getattr(
            search, "share_preprocessing", True) else None
        self.prep_seconds = 0.0  # the preprocessing's part of one training on the fold
        self._Ztr = None
        if parts is None:
            self.pre, self.final = None, ev.estimator
            self.Zte = take(ev.X, te)
        else:
            pre, self.final = parts
            self.pre = clone(pre)
            t0 = time.perf_counter()
            self._Ztr = self.pre.fit_transform(self.Xtr, self.ytr)
            self.prep_seconds = time.perf_counter() - t0
            self.Zte = self.pre.transform(take(ev.X, te))
        self.S = None  # the training fold in the selection space (built on first use)

    @property
    def Xtr(self):
        return self._Xtr if self._Xtr is not None else take(self.ev.X, self.tr)

    @property
    def Ztr(self):
        """The training fold as the estimator's last step sees it."""
        return self.Xtr if self._Ztr is None else self._Ztr

    def fit(self, Z, y, w, reducer=None):
        """The estimator (its last step when the preprocessing is shared) on kept rows;
        ``reducer`` for the weight policy (weights fitted on request always pass)."""
        if self.pre is None:
            return self.ev.search._fit_estimator(self.ev.estimator, Z, y, w, reducer)
        from sklearn.base import clone

        from .._core.output import sample_weight_params

        est = clone(self.final)  # (a nested pipeline takes "<last>__sample_weight")
        return est.fit(Z, y, **sample_weight_params(
            est, w, pass_sample_weight=self.ev.search.use_weights, reducer=reducer))

    def _space_rows(self, red):
        """The training fold in the selection space, for a reducer that reads the values
        and would fit the space itself; None when the reducer must get the original rows."""
        space = getattr(red, "space", None)
        if not getattr(self.ev.search, "share_preprocessing", True) or space is None or \
                isinstance(space, str) or not getattr(red, "_reads_X", False):
            return None
        emits = getattr(red, "_emits_synthetic", None)
        if emits is None or emits():
            return None
        if self.S is None:
            import scipy.sparse as sp
            from sklearn.base import clone

            S = clone(space).fit_transform(self.Xtr)
            self.S = False if sp.issparse(S) else np.ascontiguousarray(S, dtype=np.float64)
        return None if self.S is False else self.S

    @staticmethod
    def _reads_values(red):
        """Whether the reducer reads X's values (random sampling reads its shape only, unless
        it reweights its rows by their values): a large fold is then not copied for it."""
        return getattr(red, "_reads_X", True) or getattr(red, "reweight", None) is not None

    def reduce(self, red):
        """``(Z kept, y kept, weights)`` of an unfitted reducer fitted on the training fold."""
        S = self._space_rows(red)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            task = self.ev.task
            if S is not None:
                red.set_params(space="passthrough")
                fit_reducer(red, S, self.ytr, task)
            elif not self._reads_values(red):  # random sampling: only the fold's shape
                d = self.ev.X.shape[1]
                fit_reducer(red, np.broadcast_to(np.zeros((1, d)), (len(self.tr), d)),
                            self.ytr, task)
            else:  # (a fresh copy on large tables, then freed)
                fit_reducer(red, self.Xtr, self.ytr, task)
        w = np.asarray(red.sample_weight_, dtype=np.float64)
        if getattr(red, "synthetic_", None) is None and hasattr(red, "sample_indices_"):
            idx = np.asarray(red.sample_indices_)
            if self._Ztr is None and self._Xtr is None:  # large: only the kept rows
                return take(self.ev.X, self.tr[idx]), take(self.ytr, idx), w
            return take(self.Ztr, idx), take(self.ytr, idx), w
        Xr, yr, w = reduced_data(red, self.Xtr, self.ytr)  # synthetic rows: original space
        return (Xr if self.pre is None else self.pre.transform(Xr)), yr, w


class Evaluator:
    """Cross-validated evaluations of (method, keep) on shared splits, with their costs."""

    def __init__(self, search, X, y, splits, candidates, scorer, seed, reference, keeps,
                 clock: Clock, task="auto", *, scoring=None, missing_classes=None,
                 budget=(None, None), skipped=None):
        self.search = search
        self.task = task  # the search's task, given to every reducer's fit (fit_reducer)
        self.scoring = scoring  # named when a split cannot be scored (_unscorable)
        # (side, split) -> the classes a side of that split lacks (classification only)
        self.missing_classes = missing_classes or {}
        self.budget = budget  # (seconds, multiple of one training)
        self.floor_applied = False  # the min_budget floor raised a multiple (resolve_budget)
        self.X, self.y = X, y
        self.splits = splits
        self.n_splits = len(splits)
        self.candidates = candidates
        self.scorer = scorer
        self.seed = seed
        self.reference = reference
        self.keeps = keeps
        self.clock = clock
        self.n = len(y)
        self.n_train = int(np.mean([len(tr) for tr, _ in splits]))
        self.cells = {}  # (label, keep) -> {split: (score, reduction s, fit s, n kept)}
        self.draws = {}  # (label, keep) -> {draw >= 1: {split: (...)}}: the answer's check
        self.checks = {}  # (label, keep) -> (scores (n_draws, n_splits), passed)
        self.check_bounds = {}  # (label, keep) -> prediction bound of one draw (or NaN)
        self.stage = {}  # (label, keep) -> "curve" | "race" | "baseline"
        self.times = TimeModel()
        self.score_seconds = []
        self.probes = {}  # label -> (seconds, rows, keep)
        self.skipped, self.eliminated = dict(skipped or {}), {}
        # what the strategy decides (read by the base after _run_search)
        self.baseline_score = None
        self.baseline_kind = None  # "measured" | "measured on i of k splits" | "extrapolated"
        self.baseline_interval = (np.nan, np.nan)
        self.threshold = None
        self.baseline_gain = 0.0  # the curve's gain from the folds' rows to all rows
        self.curve = None
        self.predicted_keep = (np.nan, np.nan, np.nan)
        self.choice = None  # (label, keep) or None: no reduction
        self.exhausted = False  # the budget ran out before any answer was shown safe
        self.cut_short = None  # why the budget stopped a later step (answer still safe)
        self.needed_seconds = None
        self._folds = {}  # split -> Fold: the rows and the preprocessing, computed once

    @functools.cached_property
    def estimator(self):
        """The model every training clones: the search's seed in each ``random_state`` left
        at None, so that a seeded search gives one answer (an unseeded forest gave three
        different answers in four runs of one seed) and the candidates train alike."""
        return seeded_estimator(self.search.estimator, self.seed)

    # --------------------------------------------------------------- evaluations
    def seeded(self, label, keep, draw=0):
        """The reducer of ``label`` at ``keep`` (a fraction, or rows on a training fold),
        seeded for draw ``draw`` (0: the search's seed; others overwrite it)."""
        if draw == 0:
            return seeded_clone(self.candidates[label], self.seed, keep=keep)
        return seeded_clone(self.candidates[label], draw_seed_of(self.seed, draw),
                            overwrite=True, keep=keep)

    def rows(self, keep):
        """Kept rows of a fraction: ``keep`` of the **whole** training set (what the final
        reduction on all rows keeps), not of a fold's share; counted by the reducers' own
        rule (:func:`~datareduce._core.validation.check_keep`: half rounds up)."""
        return check_keep(keep, self.n)

    def fold_keep(self, keep, fold_rows):
        """The ``keep`` a reducer gets on a training fold: the answer's row count, capped by
        the fold (an int keep is a number of rows)."""
        return int(min(self.rows(keep), fold_rows))

    def run(self, label, keep, splits=None, stage="race", draw=0):
        """Scores of ``label`` at ``keep`` on every split (NaN where not run); runs the
        requested ``splits`` (default all) that are not cached yet. ``draw > 0`` evaluates
        another draw of the subset (its own seed), stored apart (``draws``)."""
        if draw == 0:
            cell = self.cells.setdefault((label, keep), {})
            self.stage.setdefault((label, keep), stage)
        else:
            cell = self.draws.setdefault((label, keep), {}).setdefault(draw, {})
        for s in range(self.n_splits) if splits is None else splits:
            if s in cell:
                continue
            f = self.fold(s)
            if label == FULL:
                t0 = time.perf_counter()
                Zr, yr, w, red = f.Ztr, f.ytr, None, None
            else:
                red = self.seeded(label, self.fold_keep(keep, len(f.ytr)), draw)
                t0 = time.perf_counter()
                Zr, yr, w = f.reduce(red)
            red_t = time.perf_counter() - t0
            t0 = time.perf_counter()
            model = f.fit(Zr, yr, w, red)
            fit_t = time.perf_counter() - t0
            # the time model holds what a candidate's training costs on a fold (the last
            # step with a shared preprocessing); the preprocessing is modelled apart
            # (prep_seconds), as the refit pays it: on all rows
            self.times.add(len(yr), fit_t)
            if label == FULL:  # one full training includes its preprocessing
                fit_t += f.prep_seconds
            t0 = time.perf_counter()
            try:
                score = float(self.scorer(model, f.Zte, f.yte))
            except ValueError as exc:
                explained = self._unscorable(s, exc)
                if explained is exc:  # not a missing class: as it was (no self-cause loop)
                    raise
                raise explained from exc
            self.score_seconds.append(time.perf_counter() - t0)
            cell[s] = (score, red_t, fit_t, len(yr))
        if draw:
            return np.array([cell[s][0] if s in cell else np.nan
                             for s in range(self.n_splits)])
        return self.scores(label, keep)

    def _unscorable(self, s, exc):
        """The scorer's error on split ``s``, explained when a class is missing from a side
        of that split (``missing_classes``, set by the search's ``fit``), else as it was."""
        from .._core.input import _few

        missing = self.missing_classes
        sides = [f"its {side} fold has no row of class(es) {_few(missing[(side, s)])}"
                 for side in ("training", "validation") if (side, s) in missing]
        if not sides:
            return exc
        scoring = self.scoring
        return ValueError(
            f"scoring={scoring!r} cannot score split {s}: {' and '.join(sides)} (see the "
            f"warning before the search); the scorer said: {str(exc).rstrip('.')}. Give the "
            "classes rows on both sides of every split (more groups, a splitter stratified "
            "by class) or use a scorer of predicted labels such as scoring='f1_macro'.")

    def fold(self, s):
        """The cached :class:`Fold` of split ``s`` (built on first use)."""
        if s not in self._folds:
            self._folds[s] = Fold(self, *self.splits[s])
        return self._folds[s]

    def draw_scores(self, label, keep, n_draws):
        """``(n_draws, n_splits)`` scores: the search's draw and the others run so far."""
        out = [self.scores(label, keep)]
        extra = self.draws.get((label, keep), {})
        for d in range(1, n_draws):
            cell = extra.get(d, {})
            out.append([cell[s][0] if s in cell else np.nan for s in range(self.n_splits)])
        return np.array(out, dtype=float)

    def check_splits(self, draw):
        """Splits of an extra draw of the check: every split below ``LARGE_ROWS`` rows; on
        larger tables one split per draw (subsets of many rows vary little between draws,
        and each training is expensive)."""
        if self.n < LARGE_ROWS:
            return list(range(self.n_splits))
        return [(draw - 1) % self.n_splits]

    def check(self, label, keep, n_draws):
        """The answer's check: ``n_draws`` draws of the subset (each its own seed), on every
        split (one split each on large tables, :meth:`check_splits`).

        Each extra draw is compared with the search's draw on the same splits: draw ``d``'s
        estimated mean is ``mean_0 + mean_s(score_ds - score_0s)``. Passes when no draw's
        estimate is more than one tolerance below the threshold (one subset is drawn at the
        end: a draw that loses twice the tolerance is not a safe promise) and the one-sided
        lower confidence bound (``racing_level``) of the mean over draws is at least the
        threshold (its spread from all (draw, split) scores paired with the full training's
        split when measured on every split; on large tables, from the search's draw).

        When the full training was measured on every split, one more condition: the
        one-sided ``racing_level`` **prediction** bound of a single (draw, split) difference
        to the full training, ``mean(d) - t * sd(d) * sqrt(1 + 1/n)``, is at least
        ``-tolerance``. One subset is drawn at the end and scored on new data; each (draw,
        validation fold) pair is one such outcome on a set of a validation fold's size, so
        this asks that the answer be within tolerance in ``racing_level`` of them, not only
        on average (``check_bounds``)."""
        for d in range(1, n_draws):
            self.run(label, keep, splits=self.check_splits(d), draw=d)
        scores = self.draw_scores(label, keep, n_draws)
        base = scores[0]
        est = np.array([base.mean()] + [base.mean() + np.nanmean(row - base)
                                        for row in scores[1:]])
        tol = float(self.search.tolerance)
        if np.isfinite(scores).all():
            pooled = self._passes(scores)
        else:
            d = base - self.scores(FULL, 1.0) if self.complete(FULL, 1.0) else base
            pooled = float(est.mean()) - self._margin(d) >= self.threshold
        passed = bool(pooled and est.min() >= self.threshold - tol)
        bound = self.prediction_bound(scores, keep)
        self.check_bounds[(label, keep)] = bound
        if np.isfinite(bound):
            passed = passed and bound >= -tol
        self.checks[(label, keep)] = (scores, passed)
        return passed

    def prediction_bound(self, scores, keep=None):
        """One-sided ``racing_level`` prediction bound of one (draw, split) difference to the
        full training's score on that split, minus ``baseline_gain`` (NaN unless the full
        training was measured on every split and every (draw, split) was run).

        On a fold the kept rows are a larger share of the rows the full training sees
        (``m / n_train``) than at the refit (``m / n``), so the two models differ less there;
        the spread of the differences is scaled by ``sqrt((1 - m/n) / (1 - m/n_train))``, the
        ratio for estimators that behave like averages (the variance of a mean of ``m`` of
        ``N`` rows against the mean of all ``N`` is proportional to ``1/m - 1/N``): 1.07 at
        keep 0.2 with ``cv=3``, 1.41 at keep 0.5."""
        scores = np.atleast_2d(scores)
        if not (self.complete(FULL, 1.0) and np.isfinite(scores).all()):
            return np.nan
        d = (scores - self.scores(FULL, 1.0)).ravel() - self.baseline_gain
        if len(d) < 2:
            return np.nan
        scale = 1.0
        if keep is not None:
            m = float(min(self.rows(keep), self.n_train))
            scale = math.sqrt(max(1 - m / self.n, 0.0) / max(1 - m / self.n_train,
                                                              1.0 / self.n_train))
        # t * sd * sqrt(1 + 1/n): the mean's margin t * sd / sqrt(n) times sqrt(n + 1)
        return float(d.mean() - self._margin(d) * math.sqrt(len(d) + 1) * scale)

    def _margin(self, d):
        """One-sided Student-t half-width of the mean of ``d`` at the search's
        ``racing_level`` (90 %): what a score must clear above the threshold."""
        from scipy.stats import t

        d = np.asarray(d, dtype=float).ravel()
        if len(d) < 2:
            return 0.0
        level = float(getattr(self.search, "racing_level", 0.9))
        return float(t.ppf(level, len(d) - 1)) * float(d.std(ddof=1)) / math.sqrt(len(d))

    def lower_bound(self, scores) -> float:
        """The one-sided lower confidence bound (``racing_level``) of the mean of ``scores``
        (one row per draw, one column per split); paired with the full training's splits
        when measured on every split."""
        scores = np.atleast_2d(scores)
        d = scores - self.scores(FULL, 1.0) if self.complete(FULL, 1.0) else scores
        return float(np.mean(scores)) - self._margin(d)

    def _passes(self, scores):
        """:meth:`lower_bound` of ``scores`` is at least the threshold."""
        return self.lower_bound(scores) >= self.threshold

    def check_cost(self, label, keep, n_draws):
        """Predicted seconds of the draws :meth:`check` still has to run."""
        done = sum(len(c) for c in self.draws.get((label, keep), {}).values())
        todo = sum(len(self.check_splits(d)) for d in range(1, n_draws))
        return max(todo - done, 0) * self.unit_cost(label, keep)

    def scores(self, label, keep):
        cell = self.cells.get((label, keep), {})
        return np.array([cell[s][0] if s in cell else np.nan for s in range(self.n_splits)])

    def complete(self, label, keep):
        return len(self.cells.get((label, keep), {})) == self.n_splits

    def mean(self, label, keep):
        return float(np.nanmean(self.scores(label, keep))) if self.cells.get((label, keep)) \
            else np.nan

    def within(self, label, keep):
        """Measured on every split, and the one-sided lower confidence bound (at
        ``racing_level``, 90 %) of the mean CV score is within the tolerance: from the
        paired differences to the full training when it was measured on every split, from
        the scores otherwise. One subset is drawn at the end; a fraction whose splits
        scatter around the threshold is not safe."""
        if self.threshold is None or not self.complete(label, keep):
            return False
        return self._passes(self.scores(label, keep))

    def failed(self, label, keep):
        return self.threshold is not None and self.complete(label, keep) and \
            self.mean(label, keep) < self.threshold

    def beats_reference(self, label, keep, level=0.9):
        """``label`` may replace the reference at ``keep``: both measured on every split and
        the one-sided ``level`` lower confidence bound of their paired differences
        (``label - reference``) is above zero. Never true for the reference itself."""
        ref = self.reference
        if label == ref or not (self.complete(label, keep) and self.complete(ref, keep)):
            return False
        return paired_lower_bound(self.scores(label, keep), self.scores(ref, keep), level) > 0

    # ------------------------------------------------------------------ costs
    def score_cost(self):
        return float(np.median(self.score_seconds)) if self.score_seconds else 0.0

    def training_cost(self, rows):
        """Predicted seconds of one training of the estimator on ``rows`` rows of a fold (its
        last step only with a shared preprocessing, fitted once per fold)."""
        t = self.times.predict(rows)
        return 0.0 if math.isnan(t) else t

    def prep_seconds(self, rows):
        """Predicted seconds of the shared preprocessing fitted on ``rows`` rows (0 without
        one): the median of its measured ``fit_transform`` on the training folds built so
        far, grown to ``rows`` at the rate the trainings grow beyond the largest measured
        one (``TimeModel.growth``, square root to linear; much of a preprocessing's time is
        fixed). One full training is then grown as a whole at that rate
        (``_full_seconds``): the cost model of a training on all rows and of the refit
        agree at keep=1."""
        folds = [f for f in self._folds.values() if f.pre is not None and len(f.tr)]
        if not folds:
            return 0.0
        t = float(np.median([f.prep_seconds for f in folds]))
        m = float(np.median([len(f.tr) for f in folds]))
        return t * (float(rows) / m) ** self.times.growth()

    def refit_seconds(self, rows):
        """The one cost model of a training as the refit does it (``_refit``): the shared
        preprocessing fitted on **all** rows, then the estimator (its last step) on ``rows``
        kept rows. The predicted saving at a kept fraction is :func:`time_saving` of it, as
        the measured saving is of the refit's timing."""
        return self.prep_seconds(self.n) + self.training_cost(rows)

    def reduction_seconds(self, label, keep):
        """Predicted reduction seconds on one training fold: measured at this fraction,
        else (the reference) at any fraction, else from the probes, else unknown."""
        here = [c[1] for c in self.cells.get((label, keep), {}).values()]
        if here:  # measured at this fraction: a probe of a few hundred rows can be far off
            return float(np.median(here))
        same = [c[1] for (lb, _), cell in self.cells.items() if lb == label
                for c in cell.values()]
        if label == self.reference and same:
            return float(np.median(same))
        if label not in self.probes:
            return math.nan
        return reduction_cost(label, self.probes[label], self.n_train,
                              min(self.rows(keep) / self.n_train, 1.0))

    def unit_cost(self, label, keep):
        """Predicted seconds of one split of ``label`` at ``keep``."""
        cell = self.cells.get((label, keep))
        if label == FULL and cell:  # measured
            return float(np.median([c[2] for c in cell.values()])) + self.score_cost()
        red = 0.0 if label == FULL else self.reduction_seconds(label, keep)
        rows = self.n_train if label == FULL else min(self.rows(keep), self.n_train)
        return (0.0 if math.isnan(red) else red) + self.training_cost(rows) + self.score_cost()

    def probe(self, label, keep, n_probe, fits=None):
        """Time the reducer on random subsamples of ``n_probe / 2`` and ``n_probe`` rows.

        ``fits(seconds)`` (optional) says whether that many seconds are left in the budget:
        when the second fit, predicted from the first through the method's cost model, does
        not fit, the probe stops there and returns ``(seconds, rows)`` of the first fit (the
        method cannot race: a fold is larger than the probe). Returns None when done."""
        if label in self.probes:
            return None
        tr = self.splits[0][0]
        rng = np.random.default_rng(self.seed)
        sub = rng.permutation(tr)[:min(n_probe, len(tr))]
        n2 = len(sub)
        n1 = max(2, n2 // 2)
        n_strata = len(np.unique(np.asarray(take(self.y, sub)).astype(str)))
        k = max(keep, min(0.5, 2 * n_strata / n1))
        growth = COST_MODELS.get(label, DEFAULT_COST)[0]
        times = []
        for m in (n1, n2):
            idx = np.sort(sub[:m])
            red = self.seeded(label, k)
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit_reducer(red, take(self.X, idx), take(self.y, idx), self.task)
            times.append(time.perf_counter() - t0)
            if m == n1 and fits is not None and not fits(times[0] * (n2 / n1) ** growth):
                return times[0], n1
        self.probes[label] = (times[0], times[1], n1, n2, k)
        return None

    # --------------------------------------------------------------- baseline
    def measure_baseline(self):
        scores = self.run(FULL, 1.0, stage="baseline")
        self.baseline_score = float(np.mean(scores))
        _, _, lo, hi = t_interval(scores)
        self.baseline_interval = (lo, hi)
        self.baseline_kind = "measured"
        self.threshold = self.baseline_score - float(self.search.tolerance)

    def measured(self, label, keep):
        """Run on at least one split."""
        return bool(self.cells.get((label, keep)))

    def curve_points(self, label):
        """Kept fractions of ``label`` and their per-split scores, one row per fraction.

        A fraction run on some splits only (an anchor of the curve on a large table) has
        its missing splits filled from the largest complete fraction below it, shifted by
        their mean paired gap on the splits both ran (the split effect is assumed
        constant)."""
        keeps = sorted(k for (lb, k) in self.cells if lb == label and self.measured(lb, k))
        rows, out = [], []
        for k in keeps:
            sc = self.scores(label, k)
            if not np.isfinite(sc).all():
                below = [b for b in out if np.isfinite(b[1]).all()]
                if not below:
                    continue
                base = below[-1][1]
                gap = float(np.nanmean(sc - base))
                sc = np.where(np.isfinite(sc), sc, base + gap)
            rows.append(k)
            out.append((k, sc))
        return rows, np.array([sc for _, sc in out])

    def fit_curve(self, label):
        """Fit the learning curve of ``label``; when the baseline was not measured, it is
        extrapolated from the curve at the training folds' size."""
        keeps, scores = self.curve_points(label)
        if self.baseline_kind != "measured" and keeps and self.cells.get((FULL, 1.0)):
            # some splits measured on all rows: the reference's largest fraction on every
            # split, plus the paired gap to the full training on the measured splits
            ref, full = scores[-1], self.scores(FULL, 1.0)
            both = np.isfinite(full)
            self.baseline_score = float(np.mean(ref) + np.mean(full[both] - ref[both]))
            self.baseline_kind = f"measured on {int(both.sum())} of {self.n_splits} splits"
            self.threshold = self.baseline_score - float(self.search.tolerance)
        rows = np.array([min(self.rows(k), self.n_train) for k in keeps])
        if len(keeps) >= 2 and self.complete(FULL, 1.0):
            # the full training fold is the curve's largest measured point
            rows = np.append(rows, self.n_train)
            scores = np.vstack([scores, self.scores(FULL, 1.0)])
        if len(np.unique(rows)) < 3:
            return None
        curve = fit_learning_curve(rows, scores, random_state=self.seed)
        if curve is None:
            return None
        self.curve = curve
        if self.baseline_kind is not None and self.baseline_kind.startswith("measured"):
            # measured on training folds (n_train rows); the answer is trained on a fraction
            # of all n rows and promised against a training on all n: the curve's gain from
            # n_train to n rows raises the threshold (never lowers it)
            gain = float(curve.law.predict(self.n) - curve.law.predict(self.n_train))
            self.baseline_gain = max(gain, 0.0) if math.isfinite(gain) else 0.0
            self.threshold = self.baseline_score + self.baseline_gain \
                - float(self.search.tolerance)
        if self.baseline_kind is None or self.baseline_kind == "extrapolated":
            point, lo, hi = curve.predict(self.n)  # the full data: every training row
            self.baseline_score = float(point)
            self.baseline_interval = (lo, hi)
            self.baseline_kind = "extrapolated"
            self.threshold = self.baseline_score - float(self.search.tolerance)
        self.predicted_keep = table_fractions(curve.rows_for(self.threshold), self.n)
        return curve

    def race_elimination(self, alive, keep, level):
        """Drop from ``alive`` every method whose paired interval against the current best
        lies below zero (the reference is never dropped)."""
        means = {m: float(np.nanmean(self.scores(m, keep))) for m in alive}
        best = max(alive, key=lambda m: means[m])
        out = []
        for m in alive:
            if m in (best, self.reference):
                out.append(m)
                continue
            both = np.isfinite(self.scores(m, keep)) & np.isfinite(self.scores(best, keep))
            if both.sum() < 2:
                out.append(m)
                continue
            d, lo, hi = paired_interval(self.scores(m, keep)[both],
                                        self.scores(best, keep)[both], level)
            if hi < 0:
                self.eliminated[m] = (f"at keep={keep}: {d:+.4f} against {best} "
                                      f"({100 * level:.0f}% interval {lo:+.4f} to {hi:+.4f})")
                logger.info("ReductionSearchCV: racing drops %r %s.", m, self.eliminated[m])
            else:
                out.append(m)
        return out
