"""An audit a person can read: is this subset representative of the full data?

:func:`audit_subset` takes what a reducer takes (a DataFrame with strings and missing
values, or an array) and a subset (a reducer, fitted or not, the kept row positions, or the
kept rows), puts every row in the selection space (:mod:`datareduce.preprocessing`: scaled
numerics, one-hot categoricals, missing values imputed with an indicator), and reports each
calibrated metric (:func:`datareduce.metrics.calibrate`) with its percentile among random
subsets of the same size and a verdict in words. The result prints as text, renders as
HTML in notebooks, and writes a self-contained page (``to_html(path)``) with a 2-D map of
kept and dropped rows, coverage curves against the band of random subsets, per-class
percentiles, the reference distributions and, with ``topology=True``, persistence
diagrams side by side.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._core.strata import N_BINS
from .._core.validation import library_of
from ._html import PageMixin, cell_text, pct_text
from ._text import names_text
from .calibration import (
    DEFAULT_METRICS,
    _check_indices,
    _check_metrics,
    _check_rows,
    _percentile,
    _plural,
    _the,
    audit_rng,
    calibrate,
)

__all__ = ["SubsetAudit", "audit_space", "audit_subset"]

#: rows drawn on the 2-D map at most (all kept rows up to this many, then dropped rows)
MAP_ROWS = 3000
#: random subsets drawn in the coverage band
BAND_DRAWS = 30
#: classes per metric in the per-class chart and table when there are more than
#: :data:`CHART_ALL` (the lowest percentiles; every class stays in the JSON), then a line
#: "n more classes, all at P or above"
CHART_CLASSES = 10
#: up to this many classes (or target bins: 10 by default) every one is shown
CHART_ALL = 12
#: classes named in the class-shares verdict at most (the furthest off first)
MIX_NAMED = 3
#: the page's words for the subset's parts (SubsetAudit.roles overrides them)
ROLES = {"kept": "kept", "dropped": "dropped", "subset": "subset", "draws": "random subsets",
         "full": "full data"}


def audit_space(X, *, space="standard", fit_on=None):
    """Rows of X in the selection space: ``(matrix, fitted transformer or None, text)``.

    Parameters
    ----------
    X : DataFrame or array-like
    space : "standard", "minmax", "auto", "passthrough" or a transformer, default="standard"
        As a reducer's ``space`` (:func:`datareduce.preprocessing.resolve_space`), except
        that the default always scales: a metric on unscaled columns measures their units.
    fit_on : DataFrame or array-like, optional
        Fit the transformer on this table (e.g. the training split) and apply it to X.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"mass": [3.0, None, 5.0], "island": ["a", "b", None]})
    >>> A, _, text = audit_space(df)
    >>> A.shape
    (3, 5)
    """
    from .._core.validation import check_X
    from ..preprocessing import describe_space, resolve_space

    ref = X if fit_on is None else fit_on
    transformer = resolve_space(space, ref)
    if transformer is None:
        A = np.asarray(check_X(X), dtype=np.float64)
        return np.ascontiguousarray(A), None, describe_space(None, A.shape[1])
    transformer.fit(ref)
    A = np.asarray(transformer.transform(X), dtype=np.float64)
    return np.ascontiguousarray(A), transformer, describe_space(transformer)


def _quantile_bins(y, n_bins):
    """``(names, codes, edges)``: a regression target's quantile bins
    (:func:`datareduce._core.strata.quantile_strata`), each named by its range
    ("[949, 1500]")."""
    from .._core.strata import quantile_strata

    codes, edges = quantile_strata(y, n_bins)
    names = np.array([f"[{_edge(edges[i])}, {_edge(edges[i + 1])}]"
                      for i in range(len(edges) - 1)])
    return names, codes, edges


def audit_labels(y, n, *, task: str = "auto", n_bins: int = N_BINS, name: str = "y"):
    """Labels for per-class results: classes as they are; a regression target in
    ``n_bins`` quantile bins (labelled by their ranges). ``task`` is ``"auto"`` (the
    package's one rule, :func:`datareduce._core.strata.target_kind`), ``"classification"``
    or ``"regression"``. Missing labels are refused naming their rows, as a reducer's
    ``fit`` refuses them (``name``: what the message calls y). Returns ``(labels, task)``."""
    n_bins = _check_bins(n_bins)
    if y is None:
        return None, None
    from .._core.strata import target_kind
    from .._core.validation import check_y

    # the reducers' check (its length check too): missing labels were a class "None" or
    # "nan" of their own, or scikit-learn's "Input y contains NaN." (review14/a 01)
    check_y(y, n, name=name)
    kind = target_kind(y, task)  # on y as given: a pandas categorical is classes
    y = np.asarray(y)
    # the package's one rule: prices and counts (many whole numbers) are binned too
    if kind == "regression":
        names, codes, _ = _quantile_bins(y, n_bins)
        return names[codes], "regression"
    if y.dtype.kind == "O":
        y = y.astype(str)
    return y, "classification"


def _check_bins(n_bins) -> int:
    """``n_bins`` as an int >= 1 (the quantile bins of a regression target)."""
    if isinstance(n_bins, (bool, np.bool_)) or not isinstance(n_bins, (int, np.integer)) \
            or n_bins < 1:
        raise ValueError(f"n_bins={n_bins!r}: give an integer >= 1 (quantile bins of a "
                         "regression target).")
    return int(n_bins)


def _edge(v) -> str:
    """A bin edge with three significant digits, without an exponent between 1e-4 and 1e6
    (prices 949 to 1500 read "[949, 1500]", not "[949, 1.5e+03]")."""
    v = float(v)
    if v == 0 or 1e-4 <= abs(v) < 1e6:
        return np.format_float_positional(v, precision=3, unique=False, fractional=False,
                                          trim="-")
    return f"{v:.3g}"


def _same_rows(a, b) -> bool:
    """Whether two frames of the same shape hold the same values (missing equal missing)."""
    import pandas as pd

    for c in range(a.shape[1]):
        u, v = a.iloc[:, c].to_numpy(dtype=object), b.iloc[:, c].to_numpy(dtype=object)
        # missing where missing, and the others compared without it: u == v on a nullable
        # column's pd.NA is NA, whose truth raised "boolean value of NA is ambiguous"
        missing = pd.isna(u)
        if not np.array_equal(missing, pd.isna(v)):
            return False
        if not np.all(u[~missing] == v[~missing]):
            return False
    return True


def _registry_name(reducer):
    """The short name a reducer class is registered under ("mms" for MaxMinReducer), or
    None for a class of its own."""
    from .._registry import _REGISTRY

    target = f"{type(reducer).__module__}:{type(reducer).__name__}"
    return next((e.name for e in _REGISTRY.values() if e.target == target), None)


def _resolve_subset(X, subset, n):
    """``(indices, None)`` for kept rows of X, ``(None, rows)`` for other rows."""
    from .._core.validation import is_dataframe

    if is_dataframe(subset) and is_dataframe(X):
        missing = [c for c in X.columns if c not in subset.columns]
        if missing:
            raise ValueError(f"the subset lacks columns of X: {missing[:5]}: pass rows of X "
                             "(X.loc[...] or X.iloc[...]), rows with X's columns, or positions.")
        if not X.index.is_unique:
            raise ValueError("X's index repeats labels, so rows given as a DataFrame cannot be "
                             "matched to X's rows: pass their positions (integers or a boolean "
                             "mask), or X.reset_index(drop=True) and its rows.")
        pos = X.index.get_indexer(subset.index)
        if (pos >= 0).all() and _same_rows(X.iloc[pos], subset[X.columns]):
            return pos, None
        # rows with X's columns that are not X's rows at their labels (e.g. synthetic rows
        # with a fresh index): their values are the subset, never X's rows at those labels
        return None, subset[X.columns]
    arr = np.asarray(subset)
    if arr.ndim == 1 and (arr.dtype == bool or arr.dtype.kind in "iu"):
        # calibrate's own check of positions and masks
        return _check_indices(arr, n, name="subset"), None
    if arr.ndim == 2:
        width = np.shape(X)[1] if np.ndim(X) == 2 else None
        if width is not None and arr.shape[1] != width:
            # (pandas' "Length mismatch: Expected axis has 2 elements" from the space before)
            raise ValueError(f"subset: rows with {arr.shape[1]} columns but X has {width}: "
                             "pass rows with X's columns (in X's order), the kept row "
                             "positions, or a boolean mask.")
        return None, subset
    raise ValueError("subset: pass a reducer, the kept row positions (integers or a boolean "
                     "mask), or the kept rows (2-D, the same columns as X).")


@dataclass
class SubsetAudit(PageMixin):
    """How representative a subset is, with every number next to random subsets.

    Attributes
    ----------
    method : str or None
        The reducer's class name, when a reducer was audited.
    n_samples, n_kept, n_dimensions : int
        Rows of the full data, rows of the subset, dimensions of the selection space.
    space : str
        The selection space, in words.
    calibration : Calibration
        Each metric with its reference distribution, percentiles and verdict.
    coverage : dict
        ``radii`` and the covered fractions: ``curve`` (the subset), ``lo`` / ``mid`` /
        ``hi`` (5%, 50%, 95% over random subsets).
    projection : dict
        ``P`` (2-D coordinates), ``kept`` (bool), ``labels``, ``name`` ("PCA" or "UMAP").
    diagrams : dict or None
        homology dimension -> (full diagram, subset diagram), with ``topology=True``.
    timings : dict
        Seconds per stage and ``"total"``.
    task : str or None
        "classification", "regression" (per quantile bin of y) or None.
    weighted : bool
        Whether the subset's metrics used weights (a reducer's ``sample_weight_`` or
        ``weights=``); the same rows audited with and without weights can differ.
    method_name : str or None
        The name the reducer is registered under (``"mms"``), when it is; the page's title
        and the printed audit use it, else the class name.
    class_rows : dict or None
        With labels: class (or target bin) -> ``(rows of the full data, rows of the
        subset)``.
    class_mix : dict or None
        With labels: how far the subset's class shares (by weight when weighted) are from
        the full data's: ``distance`` (total variation distance, half the sum of the
        absolute share differences), ``chi2`` (Pearson's statistic of the shares at the
        subset's size, m x sum (q - p)^2 / p, the one ranked), ``percentile`` (share of the
        uniform random subsets of the same size further off; below 5 the verdicts say so
        in a red line), ``reference`` (the draws' chi-square) and ``shares`` (class ->
        ``(full, subset)``).
    """

    method: str | None
    n_samples: int
    n_kept: int
    n_dimensions: int
    space: str
    calibration: object
    coverage: dict
    projection: dict = field(repr=False)
    diagrams: dict | None = field(default=None, repr=False)
    timings: dict = field(default_factory=dict)
    task: str | None = None
    roles: dict = field(default_factory=lambda: {"kept": "kept", "dropped": "dropped"},
                        repr=False)
    weighted: bool = False
    method_name: str | None = None
    class_rows: dict | None = None
    class_mix: dict | None = None
    _page_title = "datareduce subset audit"

    @property
    def _method_label(self) -> str | None:
        """"mms", or the class name of a reducer that is not registered."""
        return self.method_name or self.method

    # ----------------------------------------------------------------- numbers
    def verdicts(self) -> list:
        """``(sentence, percentile)`` pairs, the headline metric first, then the class
        shares, classes with no kept row and weak classes.
        A metric whose value is not finite (a class with no kept row) has percentile NaN:
        a failure, whatever its ties with the draws give; one that most draws tie has None
        (neutral: the metric hardly varies here). When the class shares differ from the
        full data's beyond 95% of uniform random subsets (:attr:`class_mix`), a metric's
        verdict is never green, whatever ``draws`` the audit was given: it takes the worse
        of its stratified and uniform percentiles, and one at 50 or above is neutral (None,
        "but its class shares differ"). The stratified draws copy the subset's class
        counts, so they cannot see the shares; a metric's distance mixes them with
        everything else."""
        words = self._words()
        group = self._group_name()
        groups = _plural(group)
        mix = self._mix_line()
        out = []
        for m in self.calibration.metrics.values():
            text = m.sentence(**words)
            if not np.isfinite(m.value):
                out.append((text, float("nan")))
                continue
            if m.degenerate:
                out.append((text, None))
                continue
            p = m.percentile.get("srs", m.percentile.get("random"))
            u = m.percentile.get("random")
            if mix:  # whatever draws were asked: never green next to the red shares line
                if u is not None and u < min(p, 50):
                    text += (f", but further than {100 - u:.0f}% of uniform "
                             f"{self._role('draws')} (its {group} shares differ)")
                    p = u
                elif p >= 50:  # no worse percentile to say how far: not green
                    text += f" (but its {group} shares differ)"
                    p = None
            out.append((text, p))
        if mix:
            out.append(mix)
        head = self.calibration.headline
        absent = [c for c, (_, k) in (self.class_rows or {}).items() if k == 0]
        # named once: a metric with no finite value (coverage) names them in its verdict
        if absent and all(np.isfinite(m.value) for m in self.calibration.metrics.values()):
            one = len(absent) == 1
            out.append((f"{len(absent)} {group if one else groups} of {_the(self._role('full'))} "
                        f"{'has' if one else 'have'} no {self._role('kept')} row "
                        f"({names_text(absent)}): {'its' if one else 'their'} rows "
                        "are unrepresented", float("nan")))
        # corrected for the number of classes: against each random subset's worst class
        # (each class's own percentile is below 5 in about 6% of random subsets)
        fam = head.per_class_familywise
        weak = [c for c in head.per_class_percentile if fam.get(c, 100.0) < 5]
        if weak:
            full = self._role("full")
            theirs = ("their full-data rows" if full == "full data" else
                      f"all their {full[4:]}" if full.startswith("all ") else
                      f"their rows in {_the(full)}")
            out.append((f"{head.name}: {groups} further from {theirs} than the furthest "
                        f"{group} of 95% of stratified {self._role('draws')}: "
                        f"{names_text(weak)}", 0.0))
        fw = self.calibration.familywise()
        if fw is not None:  # each line above is a test of its own: one of them together
            p, name, k, kind = fw
            draws = f"{'stratified' if kind == 'srs' else 'uniform'} {self._role('draws')}"
            if p < 50:
                text = (f"the {k} metrics together: the {self._role('subset')}'s furthest "
                        f"({name}) is further than the furthest metric of {100 - p:.0f}% of "
                        f"{draws} (corrected for showing {k} metrics)")
            else:
                text = (f"the {k} metrics together: the {self._role('subset')}'s furthest "
                        f"({name}) is closer than the furthest metric of {p:.0f}% of {draws}")
            if mix and p >= 50:  # never green next to the red shares line
                text += f" (but its {group} shares differ)"
                p = None
            out.append((text, p))
        return out

    def _mix_line(self):
        """The red verdict on the class shares, or None when they are as random subsets of
        this size give (or there are no labels)."""
        mix = self.class_mix
        if not mix or not np.isfinite(mix["percentile"]) or mix["percentile"] >= 5:
            return None
        group, subset = self._group_name(), self._role("subset")
        full = self._role("full")
        shares = mix["shares"]
        off = sorted(shares, key=lambda c: -abs(shares[c][1] - shares[c][0]))
        named = ", ".join(f"{c} {_share(shares[c][1])} ({full} {_share(shares[c][0])})"
                          for c in off[:MIX_NAMED])
        more = f", {len(off) - MIX_NAMED} more" if len(off) > MIX_NAMED else ""
        weighted = " (by weight)" if self.weighted else ""
        return (f"{group} shares{weighted} of the {subset} differ from those of {_the(full)}: "
                f"{named}{more}; further off than {100 - mix['percentile']:.0f}% of uniform "
                f"{self._role('draws')} of this size", float(mix["percentile"]))

    def _words(self) -> dict:
        """The audit's words for the metrics' verdicts (:meth:`CalibratedMetric.sentence`)."""
        return {"subset": self._role("subset"), "full": self._role("full"),
                "draws": self._role("draws"), "group": self._group_name()}

    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of the numbers (no figures)."""
        return {
            "method": self.method, "n_samples": int(self.n_samples),
            "n_kept": int(self.n_kept), "n_dimensions": int(self.n_dimensions),
            "space": self.space, "task": self.task, "weighted": bool(self.weighted),
            "verdicts": [v for v, _ in self.verdicts()],
            "calibration": self.calibration.to_dict(self._words()),
            "class_rows": None if self.class_rows is None else {
                str(c): {"full": int(a), "kept": int(k)} for c, (a, k) in
                self.class_rows.items()},
            "class_mix": None if self.class_mix is None else {
                "distance": float(self.class_mix["distance"]),
                "chi2": float(self.class_mix["chi2"]),
                "percentile": float(self.class_mix["percentile"]),
                "reference": [float(x) for x in self.class_mix["reference"]],
                "shares": {str(c): {"full": float(a), "subset": float(b)}
                           for c, (a, b) in self.class_mix["shares"].items()}},
            "coverage": {k: [float(x) for x in v] for k, v in self.coverage.items()},
            "timings": {k: float(v) for k, v in self.timings.items()},
        }


    def _rows(self):
        """Table rows; an infinite value (a class or target bin with no row on one side)
        says why."""
        def value(v, why):
            return f"∞ ({why})" if np.isinf(v) else v

        kept, group = self._role("kept"), self._group_name()
        nan = float("nan")
        for m in self.calibration.metrics.values():
            med = {k: float(np.median(v)) for k, v in m.reference.items()}
            # no percentile for an infinite value: its ties with infinite draws mean nothing
            pct = m.percentile if np.isfinite(m.value) else {}

            def percent(kind, m=m, pct=pct):
                ref = m.reference.get(kind)
                if ref is not None and kind in pct:
                    same = int(np.sum(np.isclose(ref, m.value, rtol=1e-9, atol=0.0)))
                    if 2 * same > len(ref):  # a percentile of half-ties says nothing
                        return f"{same} of {len(ref)} draws equal"
                return pct_text(pct.get(kind, nan)) + (m.approx(kind) if kind in pct else "")
            yield [m.name, value(float(m.value), f"a {group} has no {kept} row"),
                   value(med.get("srs", nan), f"a {group} has no row in most draws"),
                   percent("srs"),
                   value(med.get("random", nan), f"a {group} has no row in most draws"),
                   percent("random")]

    _HEADER = ("metric", "subset", "SRS median", "SRS percentile", "uniform median",
               "uniform percentile")

    def __str__(self) -> str:
        head = (f"Subset audit{f' ({self._method_label})' if self.method else ''}: kept "
                f"{self.n_kept} of {self.n_samples} rows ({self.n_kept / self.n_samples:.1%}); "
                f"{self.calibration.n_draws} random subsets of each kind")
        lines = [head] + [f"  * {v}" for v, _ in self.verdicts()]
        lines.append("  " + " | ".join(self._HEADER))
        lines += ["  " + " | ".join(cell_text(v) for v in row) for row in self._rows()]
        worst = self._worst_classes()
        if worst:
            lines.append("  " + worst)
        lines.append(f"  space: {self.space}")
        lines.append("  time: " + ", ".join(f"{k} {v:.2g}s" for k, v in self.timings.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _worst_classes(self, k: int = 3) -> str:
        """One line for the printed audit: the headline metric's ``k`` lowest per-class
        percentiles ("" without labels), a class with no kept row first."""
        m = self.calibration.headline
        total = len(m.per_class_percentile)
        pct = {c: p for c, p in m.per_class_percentile.items() if c not in m.kept_whole}
        if not pct or total < 2:  # (one class: the overall percentile says it)
            return ""
        order = sorted(pct, key=lambda c: -1.0 if np.isnan(pct[c]) else pct[c])
        groups = "target bins" if self.task == "regression" else "classes"
        kept = self._role("kept")
        shown = [f"{c} n/a (no {kept} row)" if np.isnan(pct[c]) else
                 f"{c} {pct_text(pct[c])}{m.approx(c=c)}" for c in order[:k]]
        whole = total - len(order)
        ties = f" ({whole} {self._whole()}, a tie)" if whole else ""
        more = f"; {len(order) - k} more on the page" if len(order) > k else ""
        return (f"per {self._group_name()}, {m.name} SRS percentile, lowest "
                f"{min(k, len(order))} of {total} {groups}{ties}: {', '.join(shown)}{more}")

    # ----------------------------------------------------------------- figures
    def _role(self, key) -> str:
        """What the page calls the subset's parts: ``kept`` / ``dropped`` rows, the
        ``subset`` itself, the random ``draws`` it is compared with and the ``full`` data
        (a split audit says "test", "train", "test split", "random splits", "all rows")."""
        return {**ROLES, **self.roles}[key]

    def _group_name(self) -> str:
        """"class", or "target bin" for the quantile bins of a regression target."""
        return "target bin" if self.task == "regression" else "class"

    def _whole(self) -> str:
        """"kept whole" (a split audit: "all in the test split")."""
        kept = self._role("kept")
        return "kept whole" if kept == "kept" else f"all in the {self._role('subset')}"

    def _capped_classes(self, m):
        """``(classes, note)``: every class of metric ``m`` in reading order, or above
        :data:`CHART_ALL` classes the lowest :data:`CHART_CLASSES` percentiles (no
        kept row first) and a note on the others ("52 more classes, all at 23 or above");
        the chart and the table show those (every class stays in the JSON)."""
        order = self._label_order(m.per_class_percentile)
        if len(order) <= CHART_ALL:
            return order, ""

        def key(c):
            v = m.per_class[c]
            p = m.per_class_percentile[c]
            return -1.0 if not np.isfinite(v) or np.isnan(p) else p
        low = sorted(order, key=key)  # stable: reading order among equals
        shown, rest = low[:CHART_CLASSES], low[CHART_CLASSES:]
        absent = sum(key(c) < 0 for c in rest)
        floor = min(key(c) for c in rest)
        groups = _plural(self._group_name())
        if absent:
            return shown, (f"{len(rest)} more {groups}, {absent} with no "
                           f"{self._role('kept')} row")
        return shown, f"{len(rest)} more {groups}, all at {np.floor(floor):.0f} or above"

    def _label_order(self, labels) -> list:
        """Labels in reading order: target bins by their lower edge (not as strings,
        which put "[-0.5, ...]" before "[-1.2, ...]"), classes as given."""
        labels = list(labels)
        if self.task != "regression":
            return labels

        def lower(name):
            try:
                return float(str(name)[1:].split(",")[0])
            except ValueError:
                return float("inf")
        return sorted(labels, key=lower)

    def figures(self):
        """``(caption, alt text, matplotlib Figure)`` for each figure of the page."""
        from . import _plots

        kept, dropped, subset, draws, full = (self._role(k) for k in
                                              ("kept", "dropped", "subset", "draws", "full"))
        out = []
        group = self._group_name()
        pr = self.projection
        fig, (ax,) = _plots.new_axes(1, width=5.6, height=4.4)
        order = None if pr["labels"] is None else self._label_order(np.unique(pr["labels"]))
        _plots.plot_map(ax, pr["P"], pr["kept"], pr["labels"],
                        title=f"{pr['name']} map of the selection space",
                        kept_name=kept, dropped_name=dropped, order=order,
                        sequential=self.task == "regression", group_name=group)
        out.append((f"{kept.capitalize()} rows (coloured, by {group}) and {dropped} rows "
                    f"(grey), {pr['name']} of the selection space.",
                    f"map of {kept} and {dropped} rows", fig))
        cov = self.coverage
        if cov:
            fig, (ax,) = _plots.new_axes(1, width=5.6, height=4.0)
            _plots.plot_band(ax, cov["radii"], cov["curve"], cov["lo"], cov["mid"], cov["hi"],
                             title=f"coverage: rows within r of a {kept} row of their {group}",
                             xlabel="radius r (Euclidean, selection space)",
                             ylabel="fraction of rows", label=subset,
                             band_label=f"{draws} (5-95%)", mid_label=f"{draws}, median")
            out.append((f"Coverage curve of the {subset} against the band of {draws} of the "
                        "same size (stratified when there are classes).",
                        "coverage curves", fig))
        mets = list(self.calibration.metrics.values())
        fig, axes = _plots.new_axes(len(mets), width=3.6, height=3.0)
        for ax, m in zip(axes, mets, strict=True):
            kind = "srs" if "srs" in m.reference else "random"
            _plots.plot_reference(ax, m.reference[kind], m.value, title=m.name,
                                  xlabel=f"{m.name} ({'stratified' if kind == 'srs' else 'uniform'}"
                                         " draws)", label=subset, ylabel=draws, kept=kept)
        out.append((f"Each metric over {draws} of the same size (histogram) and the "
                    f"{subset}'s value (line); lower is closer.", "reference distributions",
                    fig))
        names, values, ties, notes = [], [], [], []
        for m in mets:
            shown, more = self._capped_classes(m)
            for c in shown:
                names.append(f"{m.name} · {c}")
                values.append(m.per_class_percentile[c] if np.isfinite(m.per_class[c])
                              else float("nan"))
                ties.append(c in m.kept_whole)
            if more:
                notes.append(f"{m.name}: {more}")
        if names:
            fig, (ax,) = _plots.new_axes(
                1, width=5.6, height=_plots.percentiles_height(names, notes))
            _plots.plot_percentiles(ax, names, values,
                                    title=f"per {group}: {subset}'s percentile\n(higher is "
                                          "closer)", xlabel=f"percentile among {draws}",
                                    na_text=f"n/a: no {kept} row", ties=ties,
                                    tie_text=f"tie: {group} {self._whole()}", notes=notes)
            whole = (f"; a {group} {self._whole()} is every draw's rows too: a tie"
                     if any(ties) else "")
            n_groups = max(len(m.per_class_percentile) for m in mets)
            chance = (f" With {n_groups} {_plural(group)}, about "
                      f"{max(1, round(0.06 * n_groups))} read below 5 by chance alone; the "
                      f"verdicts compare each {group} with the furthest {group} of each "
                      f"random subset instead." if n_groups >= 5 else "")
            capped = (f" The lowest {CHART_CLASSES} {_plural(group)} of each metric are "
                      "drawn; every one is in the JSON." if notes else "")
            out.append((f"Per {group}: the share of stratified {draws} further from that "
                        f"{group}'s rows than the {subset} (red below 5, amber 5-10, grey "
                        f"10-50, green from 50{whole}).{chance}{capped}",
                        f"per-{group} percentiles", fig))
        if self.diagrams:
            fig, axes = _plots.new_axes(len(self.diagrams), width=4.0, height=3.6)
            for ax, (k, (f_dgm, r_dgm)) in zip(axes, self.diagrams.items(), strict=True):
                _plots.plot_diagram(ax, f_dgm, r_dgm, title=f"H{k} persistence diagrams",
                                    full_label=full, label=subset)
            out.append((f"Persistence diagrams of the {full} and the {subset} (landmarks).",
                        "persistence diagrams", fig))
        return out

    def _inner_html(self) -> str:
        from . import _html

        blocks = _html.figure_blocks(self)
        group = self._group_name()
        subset = self._role("subset")

        def pct(m, c):
            if not np.isfinite(m.per_class[c]):
                return f"n/a (no {self._role('kept')} row of this {group})"
            if c in m.kept_whole:
                return (f"{pct_text(m.per_class_percentile[c])} (tie: every row of this "
                        f"{group} is in the {subset}, as in all stratified "
                        f"{self._role('draws')})")
            return pct_text(m.per_class_percentile[c]) + m.approx(c=c)
        per_class = []
        for m in self.calibration.metrics.values():
            shown, more = self._capped_classes(m)
            per_class += [[f"{m.name} · {c}", float(m.per_class[c]), pct(m, c)]
                          for c in shown]
            if more:
                per_class.append([f"{m.name} · {more}", "", "every row: to_json / to_dict"])
        header = ("metric", subset) + self._HEADER[2:]
        sections = [(f"Metrics against {self._role('draws')}", _html.table(header, self._rows()))]
        if per_class:
            sections.append((f"Per {group}", _html.table((f"metric · {group}", subset,
                                                        "SRS percentile"), per_class)))
        sections.append(("Figures", blocks))
        title = f"Subset audit{f': {self._method_label}' if self.method else ''}"
        meta = (f"kept {self.n_kept} of {self.n_samples} rows, "
                + ("weighted by what each stands for" if self.weighted else "unweighted")
                + f"; space: {self.space}; "
                f"{self.calibration.n_draws} random subsets of each kind; averaging metrics "
                f"on {self.calibration.eval_rows} rows of the full data; "
                + ", ".join(f"{k} {v:.2g} s" for k, v in self.timings.items()))
        return _html.body(title, self.verdicts(), sections, meta)




def _share(q) -> str:
    """A class share in per cent: whole numbers, two significant digits below 10%
    ("0.42%", never "0%" for a class that has rows)."""
    v = 100.0 * float(q)
    if v == 0 or v >= 10:
        return f"{v:.0f}%"
    return f"{float(f'{v:.2g}'):g}%"


def _class_mix(labels, yz, weights, cal, rng):
    """How far the subset's class shares are from the full data's (``class_mix`` of
    :class:`SubsetAudit`): Pearson's chi-square of the shares (weighted as the subset is)
    placed among the calibration's uniform random subsets (their class counts; without
    uniform draws, class counts drawn as a uniform random subset's are, hypergeometric).
    When the subset's weights vary, each random subset's rows get the subset's weights in a
    random order (weights unrelated to the class, the null), so its shares are as noisy as
    weighted shares are: ranked against unweighted counts, a uniform subset with weights
    unrelated to the class was flagged in 26-74 % of cases (review5/r4 01)."""
    if labels is None or yz is None or len(yz) == 0:
        return None
    names, enc, full = np.unique(labels, return_inverse=True, return_counts=True)
    p_full = full / full.sum()
    code = {c: i for i, c in enumerate(names.tolist())}
    at = np.array([code[c] for c in np.asarray(yz).tolist()], dtype=np.intp)
    w = np.ones(at.size) if weights is None else np.asarray(weights, dtype=np.float64)
    mass = np.bincount(at, weights=w, minlength=names.size)
    if mass.sum() <= 0:
        return None
    q = mass / mass.sum()
    m = at.size
    if "random" in cal.draws:
        codes = [enc[i] for i, _ in cal.draws["random"]]
    else:
        codes = [np.repeat(np.arange(names.size), c)
                 for c in rng.multivariate_hypergeometric(full, m, size=cal.n_draws)]
    varies = weights is not None and np.ptp(w) > 0
    shares = []
    for c in codes:
        cw = None
        if varies:  # the subset's weights, in a random order over the draw's rows
            cw = rng.permutation(w) if c.size == m else rng.choice(w, c.size)
        mass_c = np.bincount(c, weights=cw, minlength=names.size)
        shares.append(mass_c / mass_c.sum())
    # ranked by Pearson's chi-square (m x sum (q - p)^2 / p): the total variation distance
    # alone missed one class 6 times its share among 60 classes' sampling noise
    ref = m * ((np.array(shares) - p_full) ** 2 / p_full).sum(axis=1)
    chi2 = m * float(((q - p_full) ** 2 / p_full).sum())
    # the same shares computed another way (by weight) tie: rounded alike
    pct = _percentile(round(chi2, 9), np.round(ref, 9))
    return {"distance": 0.5 * float(np.abs(q - p_full).sum()), "chi2": chi2,
            "percentile": pct, "reference": ref,
            "shares": {c.item() if hasattr(c, "item") else c: (float(a), float(b))
                       for c, a, b in zip(names, p_full, q, strict=True)}}


def _coverage_band(A, y, cal, idx, Z, yz):
    """Coverage curve of the subset and the 5/50/95% band of random subsets."""
    from .interface import get_metric

    rows = cal.eval_indices
    prepared = get_metric("coverage").prepare(A[rows], None if y is None else y[rows])
    own = prepared.nearest_distances(Z, yz)
    kind = "srs" if "srs" in cal.draws else "random"
    draws = [prepared.nearest_distances(A[i], None if y is None else y[i])
             for i, _ in cal.draws[kind][:BAND_DRAWS]]
    finite = np.concatenate([d[np.isfinite(d)] for d in [own, *draws]])
    top = float(np.quantile(finite, 0.995)) if finite.size else 1.0
    radii = np.linspace(0.0, max(top, 1e-12), 60)

    def frac(d):
        return np.searchsorted(np.sort(d), radii, side="right") / max(d.size, 1)

    band = np.array([frac(d) for d in draws])
    lo, mid, hi = np.quantile(band, [0.05, 0.5, 0.95], axis=0)
    return {"radii": radii, "curve": frac(own), "lo": lo, "mid": mid, "hi": hi}


def _projection(A, kept_idx, Z_synth, labels, yz, method, rng):
    n = A.shape[0]
    kept = np.zeros(n, bool)
    if kept_idx is not None:
        kept[kept_idx] = True
    shown_kept = np.flatnonzero(kept)
    if shown_kept.size > MAP_ROWS // 2:
        # one kept row of every class first (the legend names the classes drawn), then
        # the rest uniformly
        first = np.array([], dtype=np.intp)
        if labels is not None:  # a random kept row of each class, at most MAP_ROWS // 2
            shuffled = rng.permutation(shown_kept)
            _, at = np.unique(labels[shuffled], return_index=True)
            first = shuffled[at]
            if first.size > MAP_ROWS // 2:  # (thousands of classes: the legend cannot
                first = rng.choice(first, MAP_ROWS // 2, replace=False)  # name them all)
        rest = np.setdiff1d(shown_kept, first)
        more = rng.choice(rest, max(MAP_ROWS // 2 - first.size, 0), replace=False)
        shown_kept = np.sort(np.concatenate([first, more]))
    dropped = np.flatnonzero(~kept)
    budget = max(MAP_ROWS - shown_kept.size, 0)
    if dropped.size > budget:
        dropped = np.sort(rng.choice(dropped, budget, replace=False))
    rows = np.concatenate([dropped, shown_kept])
    pts = A[rows]
    mask = np.r_[np.zeros(dropped.size, bool), np.ones(shown_kept.size, bool)]
    lab = None if labels is None else labels[rows]
    if Z_synth is not None:
        pts = np.vstack([pts, Z_synth])
        mask = np.r_[mask, np.ones(len(Z_synth), bool)]
        lab = None if labels is None else np.r_[lab, yz]
    from ._plots import project_2d

    P, name = project_2d(pts, method=method)
    return {"P": P, "kept": mask, "labels": lab, "name": name}


def audit_subset(X, subset, y=None, *, space="standard", metrics=DEFAULT_METRICS,
                 n_draws: int = 30, draws=("srs", "random"), max_rows: int | None = 1500,
                 topology: bool = False, max_points: int = 300, projection: str = "pca",
                 random_state=0, progress=None, weights=None,
                 max_subset_rows: int | None = 5000, task: str = "auto",
                 n_bins: int = N_BINS) -> SubsetAudit:
    """Audit a subset of a table against random subsets of the same size.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        The full data; strings, categories and missing values are fine.
    subset : reducer, array of int or bool, or rows
        A reducer (fitted on ``(X, y)``, or unfitted: then it is fitted here, in place,
        with ``task`` and, for a reducer that stratifies a regression target, ``n_bins``
        quantile bins; its parameters are restored afterwards, so ``get_params`` and
        ``clone`` still give the caller's values), the kept row positions, a boolean
        mask, the kept rows of a DataFrame (matched by index), or rows with X's columns
        (synthetic rows).
    y : array-like of shape (n_samples,), optional
        Labels (per-class results, stratified random subsets); a regression target is
        binned in ``n_bins`` quantile bins.
    space : str or transformer, default="standard"
        Selection space (:func:`audit_space`).
    metrics : sequence of str or Metric, default=("mmd", "energy", "coverage")
        Calibrated metrics, headline first (:func:`datareduce.metrics.available_metrics`).
    n_draws : int, default=30
        Random subsets of each kind.
    draws : sequence of {"srs", "random"}
    max_rows : int or None, default=1500
        Rows of the full data the averaging metrics are evaluated on (the same for the
        subset and the draws; :func:`~datareduce.metrics.calibrate`).
    topology : bool, default=False
        Also calibrate the bottleneck distance of the persistence diagrams (H0, H1) on at
        most ``max_points`` landmarks, and draw the diagrams. Costly: off by default.
    max_points : int, default=300
    projection : {"pca", "umap", "auto"}, default="pca"
        The 2-D map ("auto": UMAP when installed).
    random_state : int, Generator or None, default=0
        Seeds every random choice of the audit through the audit's own stream
        (:func:`~datareduce.metrics.calibration.audit_rng`): reproducible, and never the
        rows a reducer given the same seed draws.
    progress : callable, optional
        Passed to :func:`~datareduce.metrics.calibrate` (time estimates).
    weights : array-like of shape (n_kept,), optional
        What each kept row stands for, in the subset's order. Default: a reducer's
        ``sample_weight_`` (what a model trained through the package's weight policy
        sees); other subsets are unweighted. ``SubsetAudit.weighted`` says which.
    max_subset_rows : int or None, default=5000
        Above this many kept rows MMD and energy score a stratified sample of them, and
        of every draw (:func:`~datareduce.metrics.calibrate`): their cost grows with the
        square of the subset's rows.
    task : {"auto", "classification", "regression"}, default="auto"
        What y is: ``"auto"`` applies the package's one rule
        (:func:`datareduce._core.strata.target_kind`, as a reducer's ``fit``);
        ``"classification"`` takes numbers as classes; ``"regression"`` bins them. Pass the
        task the reduction was fitted with, so that the random subsets are stratified as
        the reduction was.
    n_bins : int, default=10
        Quantile bins of a regression target (the per-bin results and the strata of the
        stratified random subsets); pass the reduction's number of bins.

    Returns
    -------
    SubsetAudit

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from datareduce import RandomReducer
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    >>> audit = audit_subset(df, RandomReducer(keep=0.2, random_state=0), n_draws=10)
    >>> audit.n_kept, sorted(audit.calibration.metrics)
    (60, ['coverage', 'energy', 'mmd'])
    """
    from .._core.strata import TASKS

    if task not in TASKS:
        raise ValueError(f"task={task!r}: give one of {', '.join(map(repr, TASKS))}.")
    n_bins = _check_bins(n_bins)
    # checked before any work (a reducer's fit): projection="tsne" drew a PCA map, and
    # max_rows=0 evaluated the metrics on one row per class, silently (review14/a 07)
    if projection not in ("pca", "umap", "auto"):
        raise ValueError(f"projection={projection!r}: give 'pca', 'umap' or 'auto'.")
    metrics = _check_metrics(metrics)
    _check_rows(max_rows, "max_rows")
    _check_rows(max_subset_rows, "max_subset_rows")
    t0 = time.perf_counter()
    timings = {}
    method, method_name, synthetic = None, None, None
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    if hasattr(subset, "fit") and hasattr(subset, "get_params"):
        method = type(subset).__name__
        method_name = _registry_name(subset)
        if not hasattr(subset, "sample_indices_"):
            # fitted as the audit is told: its task, and its bins the way the package
            # stratifies (stratify_params), so the random subsets are stratified alike;
            # the caller's parameters are restored after the fit (a later fit of the same
            # object, its get_params and clone, see what the caller set)
            changed = {}
            if y is not None:
                from .._core.strata import stratify_params, target_kind

                changed = stratify_params(subset, target_kind(y, task), n_bins)
            old = {k: v for k, v in subset.get_params(deep=False).items() if k in changed}
            subset.set_params(**changed)
            try:
                subset.fit(X, y, task=task)
            finally:
                subset.set_params(**old)
            timings["reduction"] = subset.fit_time_
        if getattr(subset, "n_samples_in_", n) != n:
            raise ValueError(f"the reducer was fitted on {subset.n_samples_in_} rows but X has "
                             f"{n}: pass the data it was fitted on.")
        idx = np.asarray(subset.sample_indices_)
        if weights is None:
            weights = getattr(subset, "sample_weight_", None)
        syn = getattr(subset, "synthetic_", None)
        if syn is not None:
            from .._core.output import _synthetic_like

            synthetic, idx = _synthetic_like(X, syn), None
    else:
        idx, synthetic = _resolve_subset(X, subset, n)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        m = len(idx) if idx is not None else len(synthetic)
        if weights.shape != (m,) or not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError(f"weights has shape {weights.shape}: pass one finite weight >= 0 "
                             f"per kept row ({m}), in the subset's order.")
    t = time.perf_counter()
    A, transformer, described = audit_space(X, space=space)
    labels, task = audit_labels(y, A.shape[0], task=task, n_bins=n_bins)
    Zs = yz = None
    if synthetic is not None:
        Zs = (np.asarray(transformer.transform(synthetic), dtype=np.float64)
              if transformer is not None else np.asarray(synthetic, dtype=np.float64))
        if labels is not None:
            if method is None:
                lib = library_of(subset)
                why = ("" if lib in ("numpy", "pandas") else
                       f" (a {lib} table's rows are read as new rows: it has no index to "
                       "match them to X's rows by)")
                raise ValueError(f"labels of synthetic rows are unknown{why}: pass a "
                                 "reducer, or rows of X (positions, a boolean mask or "
                                 "X.iloc[...]).")
            yz = audit_labels(np.asarray(y)[subset.sample_indices_], len(Zs),
                              task=task)[0] \
                if task == "classification" else labels[subset.sample_indices_]
    else:
        yz = None if labels is None else labels[idx]
    timings["space"] = time.perf_counter() - t
    mets = tuple(metrics) + (("bottleneck",) if topology and "bottleneck" not in metrics else ())
    bottleneck = None
    if topology:
        from .interface import get_metric

        bottleneck = get_metric("bottleneck", max_points=max_points)
        mets = tuple(bottleneck if m == "bottleneck" else m for m in mets)
    rng = audit_rng(random_state)  # never the caller's (a reducer's) stream
    t = time.perf_counter()
    cal = calibrate(A, idx, labels, X_subset=Zs, y_subset=yz if Zs is not None else None,
                    weights=weights, metrics=mets, n_draws=n_draws, draws=draws,
                    max_rows=max_rows, random_state=rng, progress=progress,
                    max_subset_rows=max_subset_rows)
    timings["calibration"] = time.perf_counter() - t
    Z = Zs if Zs is not None else A[idx]
    t = time.perf_counter()
    coverage = _coverage_band(A, labels, cal, idx, Z, yz)
    proj = _projection(A, idx, Zs, labels, yz, projection, rng)
    diagrams = None
    if topology:
        # the diagrams the calibrated bottleneck distance compares (the same landmarks, H0
        # from them): an exact H0 of every row took about 2 minutes on 200,000 rows
        full, red = bottleneck.diagrams(A), bottleneck.diagrams(Z)
        diagrams = {k: (full.diagrams[k], red.diagrams[k]) for k in full.diagrams}
    timings["figures data"] = time.perf_counter() - t
    class_rows = None
    if labels is not None:
        names, full = np.unique(labels, return_counts=True)
        kept_rows = dict(zip(*np.unique(yz, return_counts=True), strict=True))
        class_rows = {c.item() if hasattr(c, "item") else c: (int(f), int(kept_rows.get(c, 0)))
                      for c, f in zip(names, full, strict=True)}
    mix = _class_mix(labels, yz, weights, cal, rng)
    timings["total"] = time.perf_counter() - t0
    return SubsetAudit(method=method, method_name=method_name, n_samples=A.shape[0], n_kept=Z.shape[0],
                       n_dimensions=A.shape[1], space=described, calibration=cal,
                       coverage=coverage, projection=proj, diagrams=diagrams,
                       timings=timings, task=task, weighted=weights is not None,
                       class_rows=class_rows, class_mix=mix)
