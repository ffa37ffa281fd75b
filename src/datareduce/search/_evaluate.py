"""The search's per-fit state: shared splits, cached evaluations, timings and predictions.

One :class:`Evaluator` is made by :meth:`BaseReductionSearch.fit` for each call and handed
to the strategy's ``_run_search``; it is never stored on the estimator. Every (method,
kept fraction, split) is evaluated at most once and cached, so a strategy may ask again
for free. The splits (and their training / validation rows) are computed once and shared
by every method; the selection ``space`` is given to each reducer, whose base resolves it
on the training fold (the search never transforms X itself).
"""

from __future__ import annotations

import logging
import math
import time
import warnings

import numpy as np

from .._core.output import reduced_data
from .._core.validation import seeded_clone
from ._budget import Clock, TimeModel, reduction_cost
from ._stats import fit_learning_curve, paired_interval, t_interval

logger = logging.getLogger("datareduce.search")
FULL = "full"


def take(data, idx):
    return data.iloc[idx] if hasattr(data, "iloc") else np.asarray(data)[idx]


class Evaluator:
    """Cross-validated evaluations of (method, keep) on shared splits, with their costs."""

    def __init__(self, search, X, y, splits, candidates, scorer, seed, reference, keeps,
                 clock: Clock):
        self.search = search
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
        self.stage = {}  # (label, keep) -> "curve" | "race" | "baseline"
        self.times = TimeModel()
        self.score_seconds = []
        self.probes = {}  # label -> (seconds, rows, keep)
        self.skipped, self.eliminated = {}, {}
        # what the strategy decides (read by the base after _run_search)
        self.baseline_score = None
        self.baseline_kind = None  # "measured" | "measured on i of k splits" | "extrapolated"
        self.baseline_interval = (np.nan, np.nan)
        self.threshold = None
        self.curve = None
        self.predicted_keep = (np.nan, np.nan, np.nan)
        self.choice = None  # (label, keep) or None: no reduction
        self.exhausted = False
        self.needed_seconds = None

    # --------------------------------------------------------------- evaluations
    def seeded(self, label, keep):
        return seeded_clone(self.candidates[label], self.seed, keep=keep)

    def run(self, label, keep, splits=None, stage="race"):
        """Scores of ``label`` at ``keep`` on every split (NaN where not run); runs the
        requested ``splits`` (default all) that are not cached yet."""
        cell = self.cells.setdefault((label, keep), {})
        self.stage.setdefault((label, keep), stage)
        for s in range(self.n_splits) if splits is None else splits:
            if s in cell:
                continue
            tr, te = self.splits[s]
            Xtr, ytr = take(self.X, tr), take(self.y, tr)
            if label == FULL:
                t0 = time.perf_counter()
                Xr, yr, w = Xtr, ytr, None
            else:
                red = self.seeded(label, keep)
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    Xr, yr, w = reduced_data(red.fit(Xtr, ytr), Xtr, ytr)
            red_t = time.perf_counter() - t0
            t0 = time.perf_counter()
            model = self.search._fit_estimator(Xr, yr, w)
            fit_t = time.perf_counter() - t0
            self.times.add(len(yr), fit_t)
            t0 = time.perf_counter()
            score = float(self.scorer(model, take(self.X, te), take(self.y, te)))
            self.score_seconds.append(time.perf_counter() - t0)
            cell[s] = (score, red_t, fit_t, len(yr))
        return self.scores(label, keep)

    def scores(self, label, keep):
        cell = self.cells.get((label, keep), {})
        return np.array([cell[s][0] if s in cell else np.nan for s in range(self.n_splits)])

    def complete(self, label, keep):
        return len(self.cells.get((label, keep), {})) == self.n_splits

    def mean(self, label, keep):
        return float(np.nanmean(self.scores(label, keep))) if self.cells.get((label, keep)) \
            else np.nan

    def within(self, label, keep):
        """Measured on every split, and the mean CV score minus one standard error is within
        the tolerance: the standard error of the paired differences to the full training
        when it was measured on every split, of the scores otherwise. One subset is drawn
        at the end; a fraction whose splits scatter around the threshold is not safe."""
        if self.threshold is None or not self.complete(label, keep):
            return False
        scores = self.scores(label, keep)
        d = scores - self.scores(FULL, 1.0) if self.complete(FULL, 1.0) else scores
        se = d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else 0.0
        return self.mean(label, keep) - se >= self.threshold

    def failed(self, label, keep):
        return self.threshold is not None and self.complete(label, keep) and \
            self.mean(label, keep) < self.threshold

    def credible(self, label, keep):
        """``label`` may be chosen over the reference at ``keep``: it is the reference, the
        reference was not run there, or it beats it by more than one standard error of
        their paired split differences."""
        ref = self.reference
        if label == ref or not self.complete(ref, keep):
            return True
        d = self.scores(label, keep) - self.scores(ref, keep)
        se = d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else np.inf
        return bool(d.mean() > se)

    # ------------------------------------------------------------------ costs
    def score_cost(self):
        return float(np.median(self.score_seconds)) if self.score_seconds else 0.0

    def training_cost(self, rows):
        t = self.times.predict(rows)
        return 0.0 if math.isnan(t) else t

    def reduction_seconds(self, label, keep):
        """Predicted reduction seconds on one training fold (measured, probed or unknown)."""
        same = [c[1] for (lb, _), cell in self.cells.items() if lb == label
                for c in cell.values()]
        if label == self.reference and same:
            return float(np.median(same))
        if label not in self.probes:
            return math.nan
        return reduction_cost(label, self.probes[label], self.n_train, keep)

    def unit_cost(self, label, keep):
        """Predicted seconds of one split of ``label`` at ``keep``."""
        cell = self.cells.get((label, keep))
        if label == FULL and cell:  # measured
            return float(np.median([c[2] for c in cell.values()])) + self.score_cost()
        red = 0.0 if label == FULL else self.reduction_seconds(label, keep)
        rows = self.n_train if label == FULL else keep * self.n_train
        return (0.0 if math.isnan(red) else red) + self.training_cost(rows) + self.score_cost()

    def probe(self, label, keep, n_probe):
        """Time the reducer on random subsamples of ``n_probe / 2`` and ``n_probe`` rows."""
        if label in self.probes:
            return
        tr = self.splits[0][0]
        rng = np.random.default_rng(self.seed)
        sub = rng.permutation(tr)[:min(n_probe, len(tr))]
        n2 = len(sub)
        n1 = max(2, n2 // 2)
        n_strata = len(np.unique(np.asarray(take(self.y, sub)).astype(str)))
        k = max(keep, min(0.5, 2 * n_strata / n1))
        times = []
        for m in (n1, n2):
            idx = np.sort(sub[:m])
            red = self.seeded(label, k)
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                red.fit(take(self.X, idx), take(self.y, idx))
            times.append(time.perf_counter() - t0)
        self.probes[label] = (times[0], times[1], n1, n2, k)

    # --------------------------------------------------------------- baseline
    def measure_baseline(self):
        scores = self.run(FULL, 1.0, stage="baseline")
        self.baseline_score = float(np.mean(scores))
        _, _, lo, hi = t_interval(scores)
        self.baseline_interval = (lo, hi)
        self.baseline_kind = "measured"
        self.threshold = self.baseline_score - float(self.search.tolerance)

    def curve_points(self, label):
        keeps = sorted(k for (lb, k) in self.cells if lb == label and self.complete(lb, k))
        return keeps, np.array([self.scores(label, k) for k in keeps])

    def fit_curve(self, label):
        """Fit the learning curve of ``label``; when the baseline was not measured, it is
        extrapolated from the curve at the training folds' size."""
        keeps, scores = self.curve_points(label)
        if self.baseline_kind != "measured" and keeps and self.cells.get((FULL, 1.0)):
            # some splits measured on all rows: the reference's largest fraction on every
            # split, plus the paired gap to the full training on the measured splits
            ref, full = self.scores(label, keeps[-1]), self.scores(FULL, 1.0)
            both = np.isfinite(full)
            self.baseline_score = float(np.mean(ref) + np.mean(full[both] - ref[both]))
            self.baseline_kind = f"measured on {int(both.sum())} of {self.n_splits} splits"
            self.threshold = self.baseline_score - float(self.search.tolerance)
        if len(keeps) < 3:
            return None
        rows = np.array([k * self.n_train for k in keeps])
        curve = fit_learning_curve(rows, scores, random_state=self.seed)
        if curve is None:
            return None
        self.curve = curve
        if self.baseline_kind is None or self.baseline_kind == "extrapolated":
            point, lo, hi = curve.predict(self.n_train)
            self.baseline_score = float(point)
            self.baseline_interval = (lo, hi)
            self.baseline_kind = "extrapolated"
            self.threshold = self.baseline_score - float(self.search.tolerance)
        m, lo, hi = curve.rows_for(self.threshold)
        self.predicted_keep = tuple(float(v) / self.n_train for v in (m, lo, hi))
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
