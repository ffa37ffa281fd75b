"""Every metric next to what random subsets of the same size give.

A raw number (an MMD of 0.0075, a coverage distance of 0.8) cannot be judged alone.
:func:`calibrate` scores the subset and ``n_draws`` seeded random subsets of the same size
with the same prepared metrics (:mod:`datareduce.metrics.interface`: the full-set terms are
computed once and reused for every draw), and reports where the subset falls among them:

- ``"srs"`` draws: stratified random subsets with the subset's number of rows of each
  class, weighted as the subset is (:func:`draw_subsets`; the same draws as
  :func:`datareduce.metrics.mmd_test`): unweighted for an unweighted subset; with
  ``weights``, each class's drawn rows share that class's weight in the subset equally
  (so a reducer's per-class ``sample_weight_``, the rows each kept row stands for, is
  reproduced exactly);
- ``"random"`` draws: uniform random subsets of the same size, classes ignored.

The *percentile* of the subset is the share of draws that are further from the full data
than the subset (ties count one half): 94 means "closer to the full data than 94% of
random subsets of this size". The Monte Carlo p-value of the hypothesis "the subset is a
random subset of its size" against "it is further from the full data" is
``(1 + #{draws at least as far}) / (1 + n_draws)``, :func:`datareduce.metrics.mmd_test`'s
p-value for the MMD with stratified draws.

Cost. Metrics that average over the full data (coverage, MMD, energy) are evaluated on a
fixed, seeded, stratified sample of at most ``max_rows`` rows of the full data, the same
sample for the subset and for every draw, so the comparison is like for like and the cost
per draw does not grow with the full data; ``max_rows=None`` uses every row. Metrics that
are a maximum over rows (epsilon) always use every row.
"""

from __future__ import annotations

import numbers
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._core.strata import allocate_quotas
from ._text import names_text
from .interface import get_metric

__all__ = ["CalibratedMetric", "Calibration", "calibrate", "DEFAULT_METRICS"]

#: metrics calibrated by default; the first is the headline: its percentile predicted the
#: downstream score difference to SRS best (benchmarks/bench_calibration.py, docs/audit.md)
DEFAULT_METRICS = ("mmd", "energy", "coverage")
DRAW_KINDS = ("srs", "random")
#: samples of a subset above max_subset_rows scored by MMD and energy; its percentiles are
#: the mean of theirs and their spread is reported ("sampled: ±N")
SUBSET_SAMPLES = 5
#: each class keeps at least min(its kept rows, this) rows in such a sample
CLASS_FLOOR = 200
#: the audit's own random stream, mixed with the caller's seed (:func:`audit_rng`): the
#: ASCII of "audit"
AUDIT_STREAM = 0x6175646974


def audit_rng(random_state) -> np.random.Generator:
    """The generator of every random choice an audit makes (evaluation rows, random
    subsets, samples of a large subset, the map's rows), reproducible from
    ``random_state`` but never the caller's own stream.

    A reducer seeded with the same number draws its rows from ``default_rng(seed)``; numpy's
    ``choice`` without replacement then gave the audit the same first rows, so a random
    subset of a table above 10,000 rows was scored on its own kept rows and read "closer
    than 100% of random subsets". Here the seed is the entropy of a ``SeedSequence`` whose
    spawn key is :data:`AUDIT_STREAM`, a stream no plain ``default_rng(seed)`` yields. A
    Generator passed in gives a child: a seed drawn from it (advancing it) goes through
    the same ``SeedSequence``; a legacy RandomState likewise; a SeedSequence gets the
    audit's key appended to its spawn key. None: fresh entropy.
    """
    from .._core.validation import check_random_generator

    if isinstance(random_state, np.random.SeedSequence):
        seq = np.random.SeedSequence(random_state.entropy,
                                     spawn_key=(*random_state.spawn_key, AUDIT_STREAM))
        return np.random.default_rng(seq)
    if isinstance(random_state, np.random.Generator):
        entropy = int(random_state.integers(0, 2**63))
    elif isinstance(random_state, np.random.RandomState):
        entropy = int(random_state.randint(0, 2**31 - 1))
    else:
        check_random_generator(random_state)  # its checks: a bool, a negative int, a type
        entropy = None if random_state is None else int(random_state)
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(AUDIT_STREAM,)))


@dataclass(frozen=True)
class CalibratedMetric:
    """One metric for the subset, with its reference distribution over random subsets.

    Attributes
    ----------
    name, description : str
    value : float
        The subset's value (lower is closer).
    per_class : dict
        class label -> the subset's value within the class.
    reference : dict
        draw kind (``"srs"``, ``"random"``) -> array of the draws' values.
    per_class_reference : dict
        draw kind -> class label -> array (``"srs"`` only: a uniform draw's classes vary).
    percentile : dict
        draw kind -> share (in %) of draws further from the full data than the subset.
    per_class_percentile : dict
        class label -> percentile among the SRS draws' values of that class; NaN for a
        class whose value is not finite (no kept row: the draws, with the subset's class
        counts, miss it too).
    p_value : dict
        draw kind -> Monte Carlo p-value (small: further than random subsets are).
    kept_whole : tuple
        Classes the subset keeps whole (every row of the class, equal weights within it):
        every stratified draw keeps the same rows with the same weights, so the class's
        percentile is a tie by construction (50), not a ranking.
    sampled : int
        0 when the metric scored every kept row; else the number of samples of the subset
        it scored (above ``max_subset_rows``): ``value``, ``per_class`` and the
        percentiles are their means (each sample's percentile among the draws, each
        draw sampled the same way).
    spread, per_class_spread : dict
        With ``sampled``: draw kind -> and class label -> the standard deviation of the
        percentile over those samples, in percentile points: how far one sample's
        percentile moves with the sample alone (the page writes "sampled: ±N"; empty
        otherwise).
    """

    name: str
    description: str
    value: float
    per_class: dict
    reference: dict
    per_class_reference: dict
    percentile: dict
    per_class_percentile: dict
    p_value: dict
    kept_whole: tuple = ()
    sampled: int = 0
    spread: dict = field(default_factory=dict)
    per_class_spread: dict = field(default_factory=dict)

    def approx(self, kind="srs", c=None) -> str:
        """" (sampled: ±N)" after the percentile of draw ``kind`` (or of class ``c``) when
        the metric scored samples of the subset and their percentiles differ; ""
        otherwise."""
        sd = self.spread.get(kind) if c is None else self.per_class_spread.get(c)
        if not self.sampled or sd is None or not np.isfinite(sd) or sd == 0:
            return ""
        return f" (sampled: ±{max(1, round(sd))})"  # (never ±0 for a spread above 0)

    @property
    def ties(self) -> tuple:
        """``(draws equal to the subset's value, draws)`` among the draws of the verdict
        (SRS, else uniform). When most draws tie, the metric hardly varies on this data
        (e.g. a bottleneck distance set by one far point) and the percentile, made of
        half-ties, says nothing."""
        kind = "srs" if "srs" in self.reference else next(iter(self.reference))
        ref = np.asarray(self.reference[kind], dtype=np.float64)
        if not np.isfinite(self.value):
            return 0, ref.size
        same = np.isclose(ref, self.value, rtol=1e-9, atol=0.0) | (ref == self.value)
        return int(same.sum()), int(ref.size)

    @property
    def degenerate(self) -> bool:
        """Most draws (more than half) have the subset's value: no verdict either way."""
        k, n = self.ties
        return n > 0 and 2 * k > n

    @property
    def verdict(self) -> str:
        """The result in words, against the SRS draws (uniform draws without labels)."""
        return self.sentence()

    def sentence(self, *, subset="subset", full="full data", draws="random subsets",
                 group="class") -> str:
        """:attr:`verdict` in an audit's own words: what the ``subset`` is, the ``full``
        data it is compared with, the random ``draws`` and a ``group`` of rows (a split
        audit says "test split", "all rows", "random splits"; a binned regression target
        "target bin")."""
        kind = "srs" if "srs" in self.percentile else next(iter(self.percentile))
        p = self.percentile[kind]
        what = f"{'stratified' if kind == 'srs' else 'uniform'} {draws}"
        the_full = _the(full)
        if np.isfinite(self.value) and self.degenerate:
            k, n = self.ties
            return (f"{self.name}: equal to most {draws} (the value hardly varies "
                    f"here: {k} of {n} {what} have the same value)")
        if not np.isfinite(self.value):
            absent = [str(c) for c, v in self.per_class.items() if not np.isfinite(v)]
            if len(absent) > 1:  # the count and the plural (was "a class ... (1, 2)")
                return (f"{self.name}: {len(absent)} {_plural(group)} of {the_full} have no "
                        f"row in the {subset} ({names_text(absent)}): their rows are "
                        "unrepresented")
            return (f"{self.name}: a {group} of {the_full} has no row in the {subset}"
                    + (f" ({names_text(absent)})" if absent else ""))
        if p >= 50:
            return f"{self.name}: closer to {the_full} than {p:.0f}% of {what} of this size"
        return f"{self.name}: further from {the_full} than {100 - p:.0f}% of {what} of this size"

    @property
    def per_class_familywise(self) -> dict:
        """class label -> its percentile among the stratified draws' *worst* class: the
        share of draws whose furthest class (each class's value standardised by the
        other draws' mean and standard deviation of that class, the subset among them) is
        further than this class of the subset. Below 5, the class is further than the
        worst class of 95% of random subsets: a random subset gets a class there about
        2 times in ``n_draws + 1`` (at most one draw further; 30 draws: 6%), the rate of
        any verdict below 5, whatever the number of classes (the max-statistic
        correction of Westfall and Young). Each class's own percentile
        (:attr:`per_class_percentile`) is below 5 about 6% of the time under chance, so
        with 12 classes half of all random subsets had one. Classes with no kept row and
        classes kept whole are left out; empty with fewer than 3 draws or no classes."""
        ref = self.per_class_reference.get("srs") or {}
        classes = [c for c in self.per_class if c in ref and c not in self.kept_whole
                   and np.isfinite(self.per_class[c]) and np.all(np.isfinite(ref[c]))]
        sizes = {np.asarray(ref[c]).size for c in classes}
        if not classes or len(sizes) != 1 or sizes.pop() < 3:
            return {}
        V = np.array([np.r_[self.per_class[c], np.asarray(ref[c], dtype=np.float64)]
                      for c in classes])  # classes x (subset + draws)
        z = np.empty_like(V)
        for i in range(V.shape[1]):  # each one against all the others: exchangeable
            others = np.delete(V, i, axis=1)
            mu, sd = others.mean(axis=1), others.std(axis=1, ddof=1)
            diff = V[:, i] - mu
            scale = np.maximum(np.abs(mu), np.abs(V[:, i])) * 1e-9
            with np.errstate(divide="ignore", invalid="ignore"):
                zi = np.where(sd > scale, diff / np.where(sd > 0, sd, 1.0),
                              np.where(np.abs(diff) <= scale, 0.0, np.sign(diff) * np.inf))
            z[:, i] = zi
        worst = z[:, 1:].max(axis=0)  # each draw's furthest class
        return {c: _percentile(z[k, 0], worst) for k, c in enumerate(classes)}

    def to_dict(self, words=None) -> dict:
        """Plain-Python dictionary (labels as strings; draws as lists); ``words``: the
        audit's words for its verdict (:meth:`sentence`)."""
        return {
            "name": self.name, "description": self.description, "value": float(self.value),
            "per_class": {str(k): float(v) for k, v in self.per_class.items()},
            "percentile": {k: float(v) for k, v in self.percentile.items()},
            "per_class_percentile": {str(k): float(v)
                                     for k, v in self.per_class_percentile.items()},
            "p_value": {k: float(v) for k, v in self.p_value.items()},
            "kept_whole": [str(c) for c in self.kept_whole],
            "sampled": int(self.sampled),
            "spread": {k: float(v) for k, v in self.spread.items()},
            "per_class_spread": {str(k): float(v) for k, v in self.per_class_spread.items()},
            "per_class_familywise": {str(k): float(v)
                                     for k, v in self.per_class_familywise.items()},
            "reference": {k: [float(x) for x in v] for k, v in self.reference.items()},
            "verdict": self.sentence(**(words or {})),
        }


@dataclass
class Calibration:
    """Calibrated metrics of one subset (``metrics``: name -> :class:`CalibratedMetric`).

    Attributes
    ----------
    metrics : dict
    n_draws : int
    n_subset, n_samples : int
    eval_rows : int
        Rows of the full data the averaging metrics were evaluated on.
    seconds : float
    eval_indices : ndarray
        Those rows (positions in the full data).
    draws : dict
        draw kind -> list of ``(indices, weights)`` of the random subsets.
    """

    metrics: dict
    n_draws: int
    n_subset: int
    n_samples: int
    eval_rows: int
    seconds: float = 0.0
    eval_indices: np.ndarray = field(default=None, repr=False)
    draws: dict = field(default_factory=dict, repr=False)

    @property
    def headline(self) -> CalibratedMetric:
        """The first metric (the default list puts the best predictor first)."""
        return next(iter(self.metrics.values()))

    def verdicts(self) -> list:
        """One sentence per metric, headline first."""
        return [m.verdict for m in self.metrics.values()]

    def familywise(self, kind: str | None = None):
        """``(percentile, metric, n_metrics, kind)``: the subset's furthest metric (its lowest percentile)
        placed among the draws' furthest metrics, each draw's percentiles taken against
        the other draws and the subset (the max-statistic correction, as
        :attr:`CalibratedMetric.per_class_familywise` across classes). Below 5, the subset
        is further on some metric than 95% of random subsets are on their furthest one: a
        random subset gets there about 2 times in ``n_draws + 1``, however many metrics
        are shown, while each metric's own percentile is below 5 that often for each.
        ``kind``: the draws (default SRS, else uniform). None with fewer than two metrics
        of finite, non-degenerate values or fewer than 3 draws."""
        mets = [m for m in self.metrics.values()
                if np.isfinite(m.value) and not m.degenerate]
        if kind is None:
            kind = "srs" if all("srs" in m.reference for m in mets) else "random"
        mets = [m for m in mets if kind in m.reference and kind in m.percentile
                and np.all(np.isfinite(m.reference[kind]))]
        sizes = {np.asarray(m.reference[kind]).size for m in mets}
        if len(mets) < 2 or len(sizes) != 1 or sizes.pop() < 3:
            return None
        R = np.array([np.asarray(m.reference[kind], dtype=np.float64) for m in mets])
        own = np.array([m.percentile[kind] for m in mets])
        worst = np.empty(R.shape[1])
        for i in range(R.shape[1]):  # each draw against the other draws and the subset
            worst[i] = min(_percentile(R[j, i], np.r_[np.delete(R[j], i), m.value])
                           for j, m in enumerate(mets))
        s = float(own.min())
        further = np.sum(worst < s) + 0.5 * np.sum(worst == s)
        return (float(100.0 * further / worst.size), mets[int(own.argmin())].name, len(mets),
                kind)

    def to_dict(self, words=None) -> dict:
        fw = self.familywise()
        return {"n_draws": self.n_draws, "n_subset": self.n_subset,
                "n_samples": self.n_samples, "eval_rows": self.eval_rows,
                "seconds": float(self.seconds),
                "familywise": None if fw is None else {
                    "percentile": fw[0], "metric": fw[1], "n_metrics": fw[2]},
                "metrics": {k: v.to_dict(words) for k, v in self.metrics.items()}}


def _plural(name: str) -> str:
    """"classes", "target bins"."""
    return name + ("es" if name.endswith("s") else "s")


def _the(words: str) -> str:
    """``words`` with its article: "the full data", but "all rows" as it is."""
    return words if words.split(" ", 1)[0] in ("all", "every", "the") else f"the {words}"


def _percentile(value, draws, tie=False):
    draws = np.asarray(draws, dtype=np.float64)
    if draws.size == 0:
        return float("nan")
    if tie:
        return 50.0
    further = np.sum(draws > value) + 0.5 * np.sum(draws == value)
    return float(100.0 * further / draws.size)


def _as_the_full_data(value, draws) -> bool:
    """For a subset of every row, whose draws (of every kind) are the full data itself:
    their values are the metric's rounding (an MMD of ~1e-8 for an exact 0, weighted or
    not), so a value within twice that rounding ties with every draw (before: exact
    comparisons called a full-size subset "further than 55 %" of random subsets)."""
    noise = max((float(np.max(np.abs(d))) for d in draws if np.size(d)), default=0.0)
    return bool(np.isfinite(value) and abs(value) <= 2.0 * max(noise, 1e-8))


def _check_rows(value, name):
    """A number of rows >= 1 (an int, not a bool), or None (every row): 0 or -5 had
    evaluated the metrics on one row of each class, silently (review14/a 07)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise ValueError(f"{name}={value!r}: give a number of rows >= 1, or None for every "
                         "row.")
    return int(value)


def _check_metrics(metrics) -> tuple:
    """The metrics as a tuple (one name or Metric alone is one metric), at least one."""
    from .interface import Metric

    metrics = (metrics,) if isinstance(metrics, (str, Metric)) else tuple(metrics)
    if not metrics:
        raise ValueError("metrics=(): give at least one metric (available_metrics() lists "
                         "their names).")
    return metrics


def _stratified_sample(y, n, size, rng):
    """Sorted row indices: all rows when ``size`` is None or >= n; else a stratified sample
    of exactly ``size`` rows (the package's largest-remainder quotas, one row of every class
    at least: ``len(classes)`` rows when there are more classes than ``size``)."""
    if size is None or size >= n:
        return np.arange(n)
    if y is None:
        return np.sort(rng.choice(n, size=size, replace=False))
    classes, enc, counts = np.unique(y, return_inverse=True, return_counts=True)
    take = allocate_quotas(counts, max(int(size), len(classes)))
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(enc == c), size=take[c],
                                              replace=False) for c in range(len(classes))]))


def _check_indices(indices, n, name="indices"):
    """Row positions of X from ``indices``, checked as :func:`audit_subset` checks them: a
    boolean mask of n entries, or integer positions in [0, n) (no wrap-around, no floats).
    ``name``: the argument, in messages."""
    arr = np.asarray(indices)
    if arr.ndim == 1 and arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"a boolean mask must have one entry per row of X ({n}), got "
                             f"{arr.shape[0]}.")
        return np.flatnonzero(arr)
    if arr.ndim == 1 and (arr.dtype.kind in "iu" or arr.size == 0):
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            out = np.unique(arr[(arr < 0) | (arr >= n)])
            shown = ", ".join(map(str, out[:5])) + (", ..." if out.size > 5 else "")
            raise ValueError(f"{name}: {out.size} value(s) are not row positions in [0, {n}) "
                             f"(e.g. {shown}): pass row positions of X, or a boolean mask.")
        if n > 2 and arr.size == n and np.isin(arr, (0, 1)).all():
            # a "kept" column of 0/1 integers: taken as positions, every entry was row 0 or
            # row 1 and the audit read "kept 200 of 200 rows" (review14/a 08)
            raise ValueError(f"{name} holds only 0 and 1, one per row of X: a mask written as "
                             f"integers ({int(arr.sum())} ones)? Pass it as booleans "
                             "(mask.astype(bool)), or the kept row positions.")
        return arr.astype(np.intp)
    raise ValueError(f"indices: pass the kept row positions (integers in [0, {n})) or a "
                     f"boolean mask of {n} entries, got an array of dtype {arr.dtype} and "
                     f"shape {arr.shape}.")


def draw_subsets(n, size, y=None, y_subset=None, *, kind="srs", n_draws=50, random_state=0,
                 weights=None):
    """Seeded random subsets of ``size`` rows of ``range(n)``: ``(indices, weights)`` pairs.

    ``kind="srs"`` keeps the subset's class counts (``y_subset``) and weighs the draws as the
    subset is weighted (``weights``, the subset's row weights): None gives unweighted draws
    (weights None); otherwise each class's drawn rows share the subset's total weight of that
    class equally. A subset whose weights depend on the class only (e.g. the rows of its class
    each kept row stands for) is thus a draw of this null itself, and a p-value against the
    draws is uniform when it is a random subset. ``kind="random"`` draws uniformly, classes
    ignored, weights None.
    """
    from .._core.validation import check_random_generator

    rng = check_random_generator(random_state)
    out = []
    if kind == "random" or y is None:
        for _ in range(n_draws):  # without classes, equal weights are no weights
            out.append((np.sort(rng.choice(n, size=size, replace=False)), None))
        return out
    classes = np.unique(y)
    pools = [np.flatnonzero(y == c) for c in classes]
    wanted = [int(np.sum(y_subset == c)) for c in classes]
    counts = [min(k, p.size) for k, p in zip(wanted, pools, strict=True)]
    short = [(c, k, p.size) for c, k, p in zip(classes, wanted, pools, strict=True)
             if k > p.size]
    if short:  # synthetic rows of a class outnumbering its real rows (review14/a design 4)
        said = ", ".join(f"{c} ({k} in the subset, {m} in the data)" for c, k, m in short[:5])
        warnings.warn(f"the subset has more rows of {len(short)} class(es) than the full "
                      f"data has: {said}; the stratified draws keep at most every row of "
                      "such a class, so the subset is ranked among smaller draws (its "
                      "percentiles lean high). Compare with draws='random' too.",
                      UserWarning, stacklevel=3)
    w = None
    if weights is not None:
        q = np.asarray(weights, dtype=np.float64)
        mass = [float(q[y_subset == c].sum()) for c in classes]
        w = np.concatenate([np.full(k, mc / max(k, 1))
                            for k, mc in zip(counts, mass, strict=True)])
    for _ in range(n_draws):
        idx = np.concatenate([rng.choice(p, size=k, replace=False)
                              for p, k in zip(pools, counts, strict=True)])
        out.append((idx, w))
    return out


def _kept_whole(y, idx, weights) -> set:
    """Classes of which the subset (the rows ``idx`` of the full data) keeps every row once,
    with equal weights within the class (or none): every stratified draw keeps the same
    rows, weighted alike, so the class's value in a draw differs from the subset's only by
    the metric's rounding (or the sample of a large subset) and its percentile is a tie.
    With uneven weights the rows are the same but the subset's measure is not the draws';
    a row kept several times gives the class's count, not its rows."""
    classes, counts = np.unique(y, return_counts=True)
    y_subset = y[idx]
    sub = dict(zip(*np.unique(y_subset, return_counts=True), strict=True))
    once = dict(zip(*np.unique(y[np.unique(idx)], return_counts=True), strict=True))
    out = set()
    for c, k in zip(classes, counts, strict=True):
        if sub.get(c, 0) != k or once.get(c, 0) != k:
            continue
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)[y_subset == c]
            if np.ptp(w) > 1e-9 * np.max(np.abs(w)):
                continue
        out.add(c)
    return out


def _thinned(y_subset, weights, m, size, rng):
    """``(positions, weights)``: a seeded sample of about ``size`` of a subset's ``m``
    rows, stratified by class: each class gets min(its rows, :data:`CLASS_FLOOR`,
    size / classes) rows first (a rare class's value is not judged on a handful of rows),
    the rest of the sample in proportion to each class's rows left; the weights keep
    every class's mass: a sampled row stands for ``m_c / s_c`` rows of its class (times its
    own weight when the subset is weighted)."""
    w = np.ones(m) if weights is None else np.asarray(weights, dtype=np.float64)
    if y_subset is None:
        pos = np.sort(rng.choice(m, size=size, replace=False))
        return pos, w[pos] * (w.sum() / w[pos].sum())
    parts, scaled = [], []
    classes, counts = np.unique(y_subset, return_counts=True)
    # each class's floor first, the rest of the sample in proportion to the rows left
    base = np.minimum(counts, max(1, min(CLASS_FLOOR, size // classes.size)))
    left = counts - base
    extra = np.round(max(size - base.sum(), 0) * left / max(left.sum(), 1)).astype(int)
    for c, k in zip(classes, np.minimum(counts, base + extra), strict=True):
        rows = np.flatnonzero(y_subset == c)
        pick = np.sort(rng.choice(rows, size=k, replace=False))
        mass, got = w[rows].sum(), w[pick].sum()
        parts.append(pick)
        scaled.append(w[pick] * (mass / got if got > 0 else 0.0))
    return np.concatenate(parts), np.concatenate(scaled)


def calibrate(X, indices=None, y=None, *, X_subset=None, y_subset=None, weights=None,
              metrics=DEFAULT_METRICS, n_draws: int = 50, draws=DRAW_KINDS,
              max_rows: int | None = 2000, random_state=0, progress=None,
              max_subset_rows: int | None = 5000) -> Calibration:
    """Score a subset with each metric and place it among random subsets of its size.

    Parameters
    ----------
    X : array-like of shape (n, d)
        The full data, already in the space distances are measured in (see
        :func:`datareduce.metrics.audit_space`).
    indices : array-like of int or bool, optional
        The kept rows of X. Or pass ``X_subset`` (e.g. synthetic rows).
    y : array-like of shape (n,), optional
        Class labels: per-class values, and stratified ("srs") draws.
    X_subset, y_subset : array-like, optional
        The subset's rows and labels when they are not given by ``indices``.
    weights : array-like, optional
        Weights of the subset's rows (used by the weighted metrics: MMD, energy).
    metrics : sequence of str or Metric, default=("mmd", "energy", "coverage")
        Registered names (:func:`datareduce.metrics.available_metrics`) or metrics.
    n_draws : int, default=50
        Random subsets per draw kind.
    draws : sequence of {"srs", "random"}, default=("srs", "random")
    max_rows : int or None, default=2000
        Rows of the full data the averaging metrics are evaluated on (module docstring).
    random_state : int, Generator or None, default=0
        Seeds every random choice, through :func:`audit_rng` (the audit's own stream:
        reproducible, never the draws of a reducer given the same seed).
    progress : callable, optional
        Called as ``progress(seconds_per_draw, n_draws_left)`` after the first random
        subset is scored (the CLI prints an estimate from it).
    max_subset_rows : int or None, default=5000
        MMD and energy compare every pair of the subset's rows; above this many rows they
        score a seeded sample of them, stratified by class, each sampled row standing for
        the rows of its class it represents (its weight scaled to keep each class's mass),
        and every draw the same way, so the comparison stays like for like (a subset of
        20,000 of 200,000 rows took about 2.5 minutes with 30 draws of each kind). The
        percentile then judges the subset's distribution as seen through a sample of that
        size: an advantage over random subsets at a finer scale than the sample resolves
        shows less. The subset is scored on :data:`SUBSET_SAMPLES` such samples (each
        class gets at least min(its rows, :data:`CLASS_FLOOR`) rows): its value and
        percentiles are their means, ``sampled`` and ``spread`` say so. Coverage and
        epsilon use every row. None: every row.

    Returns
    -------
    Calibration

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> corner = np.argsort(X[:, 0])[:30]          # the 30 left-most rows
    >>> cal = calibrate(X, corner, n_draws=20, metrics=("coverage",))
    >>> cal.metrics["coverage"].percentile["random"]
    0.0
    """
    from .._core.validation import check_X

    t0 = time.perf_counter()
    Xa = np.ascontiguousarray(check_X(X), dtype=np.float64)
    n = Xa.shape[0]
    ya = None if y is None else np.asarray(y)
    if ya is not None and ya.shape != (n,):
        raise ValueError(f"y has shape {ya.shape} but X has {n} rows.")
    if isinstance(n_draws, (bool, np.bool_)) or not isinstance(n_draws, numbers.Integral) \
            or n_draws < 1:
        raise ValueError(f"n_draws={n_draws!r} must be a positive integer.")
    max_rows = _check_rows(max_rows, "max_rows")
    max_subset_rows = _check_rows(max_subset_rows, "max_subset_rows")
    metrics = _check_metrics(metrics)
    draws = (draws,) if isinstance(draws, str) else tuple(draws)
    bad = [d for d in draws if d not in DRAW_KINDS]
    if bad or not draws:
        raise ValueError(f"draws={draws!r}: use 'srs' and/or 'random'.")
    if indices is not None:
        if X_subset is not None:
            raise ValueError("pass either indices or X_subset, not both.")
        idx = own_idx = _check_indices(indices, n)
        Z = Xa[idx]
        yz = None if ya is None else ya[idx]
    elif X_subset is None:
        raise ValueError("pass the subset as indices (rows of X) or as X_subset.")
    else:
        from ._inputs import check_same_columns, frame_columns

        # two DataFrames are matched by name, as every other metric does (review10/a 02)
        check_same_columns(frame_columns(X), X_subset, name="X_subset")
        Z = np.asarray(check_X(X_subset, name="X_subset", allow_empty=True), dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != Xa.shape[1]:
            raise ValueError(f"X_subset has {Z.shape[1] if Z.ndim == 2 else Z.shape} columns "
                             f"but X has {Xa.shape[1]}: pass the subset in X's columns.")
        yz = None if y_subset is None else np.asarray(y_subset)
    if (ya is None) != (yz is None):
        raise ValueError("pass labels for both the full data and the subset (y and "
                         "y_subset), or for neither.")
    m = Z.shape[0]
    if m < 1 or m > n:
        raise ValueError(f"the subset has {m} rows: calibration needs 1 to {n} (the full "
                         "data's rows).")
    # never the caller's stream: a reducer with the same seed drew the same first rows
    rng = audit_rng(random_state)
    eval_rows = _stratified_sample(ya, n, max_rows, rng)
    built = [get_metric(mt) for mt in metrics]
    prepared = []
    for metric in built:
        rows = np.arange(n) if metric.uses_all_rows else eval_rows
        prepared.append(metric.prepare(Xa[rows], None if ya is None else ya[rows]))
    thin = None if max_subset_rows is None or m <= max_subset_rows else int(max_subset_rows)
    if thin is not None and not any(getattr(b, "pairwise_subset", False) for b in built):
        thin = None

    def scored(p, metric, Zx, yzx, w, sample):
        if sample is None or not getattr(metric, "pairwise_subset", False):
            return p.score(Zx, yzx, w)
        pos, ws = sample
        return p.score(Zx[pos], None if yzx is None else yzx[pos], ws)

    def sample_of(yzx, w):
        return None if thin is None else _thinned(yzx, w, m, thin, rng)

    # above max_subset_rows the subset is scored on several samples (each draw on one):
    # one sample's percentile moved by tens of points with the seed (docs/audit.md)
    own_samples = [sample_of(yz, weights) for _ in range(SUBSET_SAMPLES if thin else 1)]
    owns = [[scored(p, b, Z, yz, weights, smp) for p, b in zip(prepared, built, strict=True)]
            for smp in own_samples]
    own = owns[0]
    if "srs" in draws and ya is None:
        draws = tuple(d for d in draws if d != "srs") or ("random",)
    kinds = {kind: draw_subsets(n, m, ya, yz, kind=kind, n_draws=int(n_draws),
                                random_state=rng, weights=weights) for kind in draws}
    total = sum(len(v) for v in kinds.values())
    values = {kind: np.empty((len(built), len(sub))) for kind, sub in kinds.items()}
    per_class_vals = {kind: [{} for _ in built] for kind in kinds}
    for kind, subsets in kinds.items():
        for b, (idx, w) in enumerate(subsets):
            t = time.perf_counter()
            yd = None if ya is None else ya[idx]
            sample = sample_of(yd, w)
            for j, p in enumerate(prepared):
                res = scored(p, built[j], Xa[idx], yd, w, sample)
                values[kind][j, b] = res.value
                for c, v in res.per_class.items():
                    per_class_vals[kind][j].setdefault(c, []).append(v)
            if progress is not None and b == 0 and kind == draws[0]:
                # the first draw, timed after the subset itself warmed every code path up
                progress(time.perf_counter() - t, total - 1)
    # the rows of a class kept whole are every draw's rows of it (synthetic rows are not)
    whole = (_kept_whole(ya, own_idx, weights) if "srs" in kinds and indices is not None
             else set())
    out = {}
    for j, metric in enumerate(built):
        res = own[j]
        ref = {kind: values[kind][j] for kind in kinds}
        pc_ref = {kind: {c: np.asarray(v) for c, v in per_class_vals[kind][j].items()}
                  for kind in kinds if kind == "srs"}
        every = m == n  # every draw is the full data
        tie = every and _as_the_full_data(res.value, list(ref.values()))

        def class_pct(c, v, pc_ref=pc_ref, every=every):
            # no percentile for a class with no kept row: its ties with draws that miss it
            # too (they keep the subset's class counts) mean nothing
            if not np.isfinite(v):
                return float("nan")
            return _percentile(v, pc_ref["srs"][c], c in whole or (
                every and _as_the_full_data(v, [pc_ref["srs"][c]])))
        classes = [c for c in res.per_class if "srs" in pc_ref and c in pc_ref["srs"]]
        samples = [o[j] for o in owns] if getattr(metric, "pairwise_subset", False) else [res]
        pct_s = {k: [_percentile(o.value, r, tie) for o in samples] for k, r in ref.items()}
        pc_s = {c: [class_pct(c, o.per_class[c]) for o in samples] for c in classes}
        sampled = len(samples) if len(samples) > 1 else 0
        spread = {k: float(np.std(v)) for k, v in pct_s.items()} if sampled else {}
        pc_spread = ({c: float(np.std(v)) for c, v in pc_s.items() if np.all(np.isfinite(v))}
                     if sampled else {})
        value = float(np.mean([o.value for o in samples]))
        per_class = {c: float(np.mean([o.per_class[c] for o in samples]))
                     for c in res.per_class}
        out[metric.name] = CalibratedMetric(
            name=metric.name, description=metric.description, value=value,
            per_class=per_class, reference=ref, per_class_reference=pc_ref,
            percentile={k: float(np.mean(v)) for k, v in pct_s.items()},
            per_class_percentile={c: float(np.mean(v)) for c, v in pc_s.items()},
            kept_whole=tuple(c for c in res.per_class if c in whole and c in pc_s),
            # over several samples of the subset: twice the mean of their p-values, a
            # valid p-value (a mean alone can be half of one); one sample: its own
            p_value={k: 1.0 if tie else float(min(1.0, (2.0 if len(samples) > 1 else 1.0)
                                                  * np.mean([(1 + np.sum(r >= o.value))
                                                             / (1 + r.size)
                                                             for o in samples])))
                     for k, r in ref.items()},
            sampled=sampled, spread=spread, per_class_spread=pc_spread)
    return Calibration(out, int(n_draws), m, n, int(eval_rows.size),
                       time.perf_counter() - t0, eval_indices=eval_rows, draws=kinds)
