"""The representativeness report: epsilon, topological distances and the stability check.

:func:`representativeness_report` gathers, for a full data set and a reduced one (or a
reducer), the sizes, the kept fraction, epsilon (global and per class), the distances
between the persistence diagrams of both sets, the stability check, the subsampling radii
when diagrams were subsampled, and timings. The report prints as a table, renders as HTML
in notebooks, converts to a dict / DataFrame / JSON file, and draws itself with matplotlib.

Stability check. Diagrams are Vietoris-Rips diagrams in which an edge enters at its length
(ripser's convention). For two point clouds of the same metric space,
``d_B <= 2 * d_H`` (Hausdorff distance, same metric as the diagrams). For a reduced set
that is a subset of the data, ``d_H`` is epsilon computed *with the diagram metric*
(not necessarily the metric of the reported epsilon, which defaults to the paper's
L-infinity); for synthetic rows the reverse direction is included. When a diagram was
computed on a subsample of cover radius ``r``, the bound grows by ``2 r`` per side.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._core.strata import N_BINS
from .._core.validation import check_X, check_y
from .._geometry.neighbors import check_metric
from ._html import strict_json
from ._inputs import check_reduced_labels, check_same_columns, frame_columns
from ._text import SHOWN_CLASSES, per_class_text
from .distances import _describe, _topological_distances
from .distribution import energy_distance, mmd
from .epsilon import EpsilonResult, directed_hausdorff, epsilon_representativeness

__all__ = ["RepresentativenessReport", "representativeness_report"]

# ripser filters in single precision: allow this relative slack in the stability check
_RTOL = 1e-5


@dataclass
class RepresentativenessReport:
    """How representative a reduced data set is of the full one.

    Attributes
    ----------
    n_samples, n_kept, n_features : int
    kept_fraction : float
    epsilon : EpsilonResult
        Epsilon with the requested metric (default L-infinity, as in the reference).
    topology : dict
        distance name (``"bottleneck"``, ``"wasserstein"``) -> :class:`TopologicalDistance`.
    stability : dict
        The check ``bottleneck <= bound`` per homology dimension, with ``"metric"`` (of the
        diagrams and of the Hausdorff distance), ``"hausdorff"``, ``"is_subset"``,
        ``"bottleneck"``, ``"bound"``, ``"holds"``, ``"convention"``, and per class
        ``"per_class"`` (label -> dimension -> dict).
    subsampling : dict
        ``{"full": r, "reduced": r}`` cover radii of the greedy-permutation subsamples
        (0.0 when a diagram is exact) and ``"max_points"``.
    timings : dict
        Seconds: ``"reduction"`` (when known), ``"epsilon"``, ``"topology"``, ``"total"``.
    method : str or None
        The reducer's class name when a reducer was given.
    distribution : dict
        ``"mmd"`` and ``"energy"`` -> :class:`~datareduce.metrics.DistributionDistance`
        (overall and per class; weighted by the reducer's ``sample_weight_`` when a reducer
        was given). Empty when ``distribution=False``.
    """

    n_samples: int
    n_kept: int
    n_features: int
    kept_fraction: float
    epsilon: EpsilonResult
    topology: dict
    stability: dict
    subsampling: dict
    timings: dict
    method: str | None = None
    distribution: dict = field(default_factory=dict)
    _X: np.ndarray | None = field(default=None, repr=False)
    _X_reduced: np.ndarray | None = field(default=None, repr=False)
    _kept: np.ndarray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict:
        """JSON-serialisable dictionary of every number in the report."""
        stab = dict(self.stability)
        stab["bottleneck"] = _keys_str(stab["bottleneck"])
        stab["bound"] = _keys_str(stab["bound"])
        stab["holds"] = {str(k): bool(v) for k, v in stab["holds"].items()}
        stab["per_class"] = {str(c): {str(k): {a: (bool(b) if a == "holds" else float(b))
                                               for a, b in d.items()}
                                      for k, d in dims.items()}
                             for c, dims in stab.get("per_class", {}).items()}
        return {
            "method": self.method,
            "n_samples": int(self.n_samples),
            "n_kept": int(self.n_kept),
            "n_features": int(self.n_features),
            "kept_fraction": float(self.kept_fraction),
            "epsilon": self.epsilon.to_dict(),
            "topology": {name: res.to_dict() for name, res in self.topology.items()},
            "stability": stab,
            "subsampling": {k: (float(v) if v is not None else None)
                            for k, v in self.subsampling.items()},
            "timings": {k: float(v) for k, v in self.timings.items()},
            "distribution": {k: v.to_dict() for k, v in self.distribution.items()},
        }

    def to_json(self, path=None, *, indent: int = 2) -> str:
        """The report as strict JSON text (NaN as null, an infinite value as the string
        "Infinity"); also written to ``path`` when given (parents created).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(40, 2))
        >>> text = representativeness_report(X, X[:10], homology_dimensions=(0,)).to_json()
        >>> import json; json.loads(text)["n_kept"]
        10
        """
        text = strict_json(self.to_dict(), indent=indent)
        if path is not None:  # the audits' one writer: renamed into place, never through a link
            from ._html import write

            write(path, text + "\n")
        return text

    def to_frame(self):
        """One row per (scope, quantity, homology dimension) as a pandas DataFrame.

        Columns: ``scope`` ("all" or the class label), ``quantity`` ("epsilon",
        "bottleneck", "wasserstein", "stability bound"), ``dimension`` (None for epsilon)
        and ``value``.
        """
        import pandas as pd

        rows = [("all", "epsilon", None, self.epsilon.value)]
        if self.epsilon.per_class and None not in self.epsilon.per_class:
            rows += [(str(c), "epsilon", None, v) for c, v in self.epsilon.per_class.items()]
        for name, res in self.topology.items():
            rows += [("all", name, k, v) for k, v in res.value.items()]
            for c, dims in res.per_class.items():
                rows += [(str(c), name, k, v) for k, v in dims.items()]
        rows += [("all", "stability bound", k, v) for k, v in self.stability["bound"].items()]
        for name, res in self.distribution.items():
            rows += [("all", name, None, res.value)]
            rows += [(str(c), name, None, v) for c, v in res.per_class.items()]
        df = pd.DataFrame(rows, columns=["scope", "quantity", "dimension", "value"])
        df["dimension"] = df["dimension"].astype("Int64")
        return df

    # ----------------------------------------------------------------- display
    def _lines(self):
        stab = self.stability
        yield f"Representativeness report{f' ({self.method})' if self.method else ''}"
        yield (f"  kept {self.n_kept} of {self.n_samples} rows ({self.kept_fraction:.1%}), "
               f"{self.n_features} features")
        yield f"  epsilon ({self.epsilon.metric}): {self.epsilon.value:.6g}"
        if None not in self.epsilon.per_class:
            yield f"    per class: {per_class_text(self.epsilon.per_class)}"
        for name, res in self.topology.items():
            vals = "; ".join(f"H{k} {_describe(v, res.error_bound.get(k, 0.0))}"
                             for k, v in res.value.items())
            extra = f" (order {res.order:g}, L-inf ground metric)" if name == "wasserstein" else ""
            yield f"  {name} ({res.metric} Rips){extra}: {vals}"
        checks = ", ".join(
            f"H{k} {stab['bottleneck'][k]:.4g} <= {stab['bound'][k]:.4g} "
            f"{'ok' if stab['holds'][k] else 'VIOLATED'}" for k in stab["bound"])
        yield f"  stability (d_B <= 2 d_H, {stab['metric']}): {checks}"
        for name, res in self.distribution.items():
            label = f"MMD (Gaussian, bandwidth {res.bandwidth:.4g})" if name == "mmd" \
                else "energy distance"
            yield f"  {label}: {res.value:.6g}{'' if res.exact else ' (estimated)'}"
        sub = self.subsampling
        if sub["full"] or sub["reduced"]:
            yield (f"  diagrams subsampled to {sub['max_points']} points by greedy permutation: "
                   f"cover radius full {sub['full']:.4g}, reduced {sub['reduced']:.4g} "
                   "(each adds 2r to the bound)")
        yield "  time: " + ", ".join(f"{k} {v:.3g}s" for k, v in self.timings.items())

    def __str__(self) -> str:
        return "\n".join(self._lines())

    def __repr__(self) -> str:  # the summary, not every array (they stay attributes)
        return str(self)

    def _repr_html_(self) -> str:
        from html import escape

        frame = self.to_frame()
        head = "".join(f"<p>{escape(line.strip())}</p>" for line in list(self._lines())[:4])
        scopes = list(dict.fromkeys(frame["scope"]))
        note = ""
        if len(scopes) > 1 + SHOWN_CLASSES:  # every row of hundreds of classes: a long page
            shown = set(scopes[:1 + SHOWN_CLASSES])
            note = (f"<p>{len(scopes) - len(shown)} more classes: "
                    "<code>report.to_frame()</code> has every row.</p>")
            frame = frame[frame["scope"].isin(shown)]
        return (f"<div><h4>datareduce representativeness</h4>{head}"
                f"{frame.to_html(index=False)}{note}</div>")

    # ------------------------------------------------------------------- plots
    def plot(self, *, dimensions=None, axes=None):
        """Persistence diagrams of both sets overlaid (one panel per dimension) and a PCA
        projection of kept vs. dropped rows.

        Parameters
        ----------
        dimensions : sequence of int, optional
            Homology dimensions to draw (default: all computed).
        axes : sequence of matplotlib Axes, optional
            ``len(dimensions) + 1`` axes to draw into; a new figure otherwise.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        topo = self.topology.get("bottleneck") or next(iter(self.topology.values()))
        dims = list(dimensions) if dimensions is not None else list(topo.value)
        if axes is None:
            fig, axes = plt.subplots(1, len(dims) + 1, figsize=(4.2 * (len(dims) + 1), 4))
        axes = np.atleast_1d(axes)
        if len(axes) < len(dims) + 1:
            raise ValueError(f"axes: need {len(dims) + 1} axes, got {len(axes)}.")
        fig = axes[0].figure
        for ax, k in zip(axes, dims, strict=False):
            full, red = topo.full[k], topo.reduced[k]
            hi = max([1e-12] + [float(d[:, 1].max()) for d in (full, red) if len(d)])
            ax.plot([0, hi * 1.05], [0, hi * 1.05], color="0.6", lw=1)
            ax.scatter(full[:, 0], full[:, 1], s=12, alpha=0.6, label=f"full ({len(full)})")
            ax.scatter(red[:, 0], red[:, 1], s=18, marker="x", label=f"reduced ({len(red)})")
            ax.set(title=f"H{k}  d_B = {topo.value[k]:.3g}", xlabel="birth", ylabel="death")
            ax.legend(loc="lower right", fontsize=8)
        self._plot_projection(axes[len(dims)])
        fig.tight_layout()
        return fig

    def _plot_projection(self, ax):
        X, Xr = self._X, self._X_reduced
        if X is None:
            ax.set_axis_off()
            return
        import warnings

        from sklearn.decomposition import PCA

        k = min(2, X.shape[1], X.shape[0])  # one row has one component
        with warnings.catch_warnings():  # one row: its explained variance is 0 / 0
            warnings.simplefilter("ignore", RuntimeWarning)
            pca = PCA(n_components=k).fit(X)
        P = pca.transform(X)
        Pr = pca.transform(Xr) if len(Xr) else np.empty((0, k))
        if k == 1:
            P, Pr = np.c_[P, np.zeros(len(P))], np.c_[Pr, np.zeros(len(Pr))]
        # rows of X not known to be kept (synthetic reduced rows: every row of X)
        dropped = np.ones(len(X), bool) if self._kept is None else ~self._kept
        ax.scatter(P[dropped, 0], P[dropped, 1], s=6, color="0.7",
                   label="full data" if self._kept is None else "dropped")
        ax.scatter(Pr[:, 0], Pr[:, 1], s=10, color="C3",
                   label="reduced" if self._kept is None else "kept")
        ax.set(title="PCA projection", xlabel="PC1", ylabel="PC2" if k == 2 else "")
        ax.legend(loc="best", fontsize=8)


def _target_bins(ya, yr, n_bins):
    """A regression target's quantile bins, named by their ranges ("[949, 1500]", as the
    audit names them), for the full rows and the reduced rows (by the full rows' edges)."""
    from .._core.strata import bin_codes
    from .audit import _quantile_bins

    names, codes, edges = _quantile_bins(ya, n_bins)
    return names[codes], names[bin_codes(yr, edges)]


def _keys_str(d):
    return {str(k): float(v) for k, v in d.items()}


def _as_float(X):
    return np.ascontiguousarray(X, dtype=np.float64)


def _subset_of(Xr, X) -> bool:
    """True when every row of Xr equals some row of X (exact, by hashing row bytes)."""
    if len(Xr) == 0:
        return True
    rows = {r.tobytes() for r in _as_float(X) + 0.0}  # + 0.0 maps -0.0 to 0.0
    return all(r.tobytes() in rows for r in _as_float(Xr) + 0.0)


def _kept_rows(X, Xr) -> np.ndarray:
    """Rows of X equal to a row of Xr (reduced rows given as values, a subset of X): the
    kept rows of the projection, which drew every row of X as "dropped"."""
    rows = {r.tobytes() for r in _as_float(Xr) + 0.0}
    return np.fromiter((r.tobytes() in rows for r in _as_float(X) + 0.0), dtype=bool,
                       count=len(X))


def _hausdorff(A, B, metric, subset):
    forward = directed_hausdorff(A, B, metric=metric)[0]
    back = 0.0 if subset or len(B) == 0 else directed_hausdorff(B, A, metric=metric)[0]
    return max(forward, back)


def representativeness_report(X, reduced, y=None, y_reduced=None, *, metric: str = "chebyshev",
                              diagram_metric: str = "euclidean", homology_dimensions=(0, 1),
                              distances=("bottleneck", "wasserstein"), order: float = 1.0,
                              per_class: bool = True, max_points: int | None = None,
                              backend: str = "ripser",
                              reduction_time: float | None = None,
                              distribution: bool = True,
                              space="auto", task: str = "auto",
                              n_bins: int = N_BINS) -> RepresentativenessReport:
    """Measure how representative a reduced data set is.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The full data.
    reduced : array-like, or a reducer
        The reduced rows ``X_reduced``; or a reducer fitted on ``(X, y)``; or an unfitted
        reducer, which is then fitted here (and its time recorded).
    y, y_reduced : array-like, optional
        Labels. With a reducer, ``y_reduced`` is taken from it.
    metric : {"chebyshev", "euclidean", "manhattan"}, default="chebyshev"
        Metric of the reported epsilon (the reference's L-infinity by default).
    diagram_metric : str, default="euclidean"
        Metric of the Rips filtrations, and of the Hausdorff distance in the stability check.
    homology_dimensions : tuple of int, default=(0, 1)
    distances : tuple of {"bottleneck", "wasserstein"}
        Distances between diagrams to compute (bottleneck is always computed: the stability
        check needs it).
    order : float, default=1
        Wasserstein order (ground metric L-infinity; see :func:`diagram_distance`).
    per_class : bool, default=True
        Also compare each class's diagrams.
    max_points : int or None
        Greedy-permutation subsampling threshold of the diagrams (None: 2000).
    backend : {"ripser", "giotto"}
    reduction_time : float, optional
        Seconds the reduction took (read from a fitted reducer's ``fit_time_`` otherwise).
    distribution : bool, default=True
        Also compute the MMD and the energy distance (:mod:`datareduce.metrics.distribution`;
        a reducer's ``sample_weight_`` weights its rows).
    space : "auto", "standard", "minmax", "passthrough" or a transformer, default="auto"
        The space every distance is measured in (:func:`datareduce.metrics.audit_space`):
        with "auto", a numeric and complete X is used as given and a DataFrame with
        strings or missing values is put in the default selection space (imputed,
        standardised, one-hot), so the report accepts what a reducer accepts. Reduced
        rows given as a table are transformed the same way. For the calibrated,
        readable report see :func:`datareduce.metrics.audit_subset`.
    task : {"auto", "classification", "regression"}, default="auto"
        What y is (the package's rule, :func:`datareduce._core.strata.target_kind`, with
        "auto"). A regression target's per-class results are per quantile bin of y
        (``n_bins`` bins of the full data's values; the reduced rows' values are put in
        the same bins), as the audit and ``datareduce score`` give them: every distinct
        value was a class of its own, so epsilon was infinite for any subset.
    n_bins : int, default=10
        Quantile bins of a regression target.

    Returns
    -------
    RepresentativenessReport

    Examples
    --------
    >>> import numpy as np
    >>> from datareduce import RandomReducer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> rep = representativeness_report(X, RandomReducer(keep=0.25, random_state=0))
    >>> rep.n_kept, all(rep.stability["holds"].values())
    (50, True)
    """
    t0 = time.perf_counter()
    metric = check_metric(metric)
    diagram_metric = check_metric(diagram_metric, name="diagram_metric")
    distances = (distances,) if isinstance(distances, str) else tuple(distances)
    names = ("bottleneck",) + tuple(d for d in distances if d != "bottleneck")
    from .audit import audit_space

    X_in = X
    Xa, transformer, _ = audit_space(X, space=space)
    Xa = _as_float(Xa)
    ya = None if y is None else check_y(y, Xa.shape[0])
    kind = None
    if ya is not None:  # checked before any work, as the audit checks them
        from .._core.strata import TASKS, target_kind
        from .audit import _check_bins

        if task not in TASKS:
            raise ValueError(f"task={task!r}: give one of {', '.join(map(repr, TASKS))}.")
        n_bins = _check_bins(n_bins)
        # (warns when whole numbers are taken for a regression target, naming task=)
        kind = target_kind(y, task, warn=True, stacklevel=3)
    method, kept, synthetic, weights = None, None, False, None
    if hasattr(reduced, "fit") and hasattr(reduced, "get_params"):
        method = type(reduced).__name__
        if not hasattr(reduced, "sample_indices_"):
            from .scorer import _takes_task

            if kind is not None and _takes_task(reduced):
                reduced.fit(X_in, y, task=kind)
            else:
                reduced.fit(X_in, y)
        if getattr(reduced, "n_samples_in_", Xa.shape[0]) != Xa.shape[0]:
            raise ValueError(
                f"reduced was fitted on {reduced.n_samples_in_} rows but X has {Xa.shape[0]}: "
                "pass the data the reducer was fitted on."
            )
        if reduction_time is None:
            reduction_time = getattr(reduced, "fit_time_", None)
        idx = np.asarray(reduced.sample_indices_)
        weights = getattr(reduced, "sample_weight_", None)
        kept = np.zeros(Xa.shape[0], dtype=bool)
        kept[idx] = True
        syn = getattr(reduced, "synthetic_", None)
        synthetic = syn is not None
        if synthetic and transformer is not None:
            from .._core.output import _synthetic_like

            syn = transformer.transform(_synthetic_like(X_in, syn))
        Xr = _as_float(syn) if synthetic else Xa[idx]
        yr = None if ya is None else ya[idx]
    else:
        if transformer is None:  # a fitted space selects the columns by name
            check_same_columns(frame_columns(X_in), reduced)
        else:
            reduced = transformer.transform(reduced)
        Xr = _as_float(check_X(reduced, name="X_reduced", allow_empty=True))
        if ya is not None:
            if y_reduced is None:
                raise ValueError("y is given but y_reduced is not: pass the labels of the "
                                 "reduced rows (or pass a fitted reducer).")
            yr = check_reduced_labels(y_reduced, Xr.shape[0])
        elif y_reduced is not None:  # per-class results were asked for
            raise ValueError("y_reduced is given but y is not: pass the labels of X too.")
        else:
            yr = None
    if Xr.shape[1] != Xa.shape[1]:
        raise ValueError(f"the reduced data has {Xr.shape[1]} features but X has "
                         f"{Xa.shape[1]}: they must describe the same columns.")
    if kind == "regression":  # per quantile bin, not per distinct value (review14/a 06)
        ya, yr = _target_bins(ya, yr, n_bins)

    t = time.perf_counter()
    eps = epsilon_representativeness(Xa, Xr, ya, yr, metric=metric)
    t_eps = time.perf_counter() - t

    t = time.perf_counter()
    topo = _topological_distances(  # each diagram computed once for all distances
        Xa, Xr, ya, yr, distances=names, homology_dimensions=homology_dimensions,
        metric=diagram_metric, per_class=per_class, max_points=max_points,
        backend=backend, order=order)
    t_topo = time.perf_counter() - t

    # ------------------------------------------------ stability check, diagram metric
    subset = (not synthetic) and _subset_of(Xr, Xa)
    if kept is None and subset:
        kept = _kept_rows(Xa, Xr)
    bn = topo["bottleneck"]
    dH = _hausdorff(Xa, Xr, diagram_metric, subset) if len(Xr) else np.inf

    def check(values, err, hausdorff):
        out = {}
        for k, v in values.items():
            bound = 2.0 * hausdorff + err.get(k, 0.0)
            out[k] = {"bottleneck": v, "bound": bound,
                      "holds": bool(v <= bound * (1 + _RTOL) + 1e-9)}
        return out

    glob = check(bn.value, bn.error_bound, dH)
    per = {}
    if ya is not None and per_class:
        for c, vals in bn.per_class.items():
            A, B = Xa[ya == c], Xr[yr == c]
            h = _hausdorff(A, B, diagram_metric, subset) if len(B) else np.inf
            per[c] = check(vals, bn.per_class_error_bound[c], h)
    stability = {
        "metric": diagram_metric,
        "convention": "Vietoris-Rips, edges enter at their length (ripser); "
                      "d_B <= 2 d_H + 2 r_full + 2 r_reduced",
        "is_subset": bool(subset),
        "hausdorff": float(dH),
        "bottleneck": {k: d["bottleneck"] for k, d in glob.items()},
        "bound": {k: d["bound"] for k, d in glob.items()},
        "holds": {k: d["holds"] for k, d in glob.items()},
        "per_class": per,
    }
    from .topology import DEFAULT_MAX_POINTS

    subsampling = {"full": bn.full.cover_radius, "reduced": bn.reduced.cover_radius,
                   "max_points": max_points or DEFAULT_MAX_POINTS}
    dist = {}
    if distribution and len(Xr):
        t = time.perf_counter()
        dist = {"mmd": mmd(Xa, Xr, weights, ya, yr),
                "energy": energy_distance(Xa, Xr, weights, ya, yr)}
        t_dist = time.perf_counter() - t
    timings = {"epsilon": t_eps, "topology": t_topo}
    if dist:
        timings["distribution"] = t_dist
    if reduction_time is not None:
        timings = {"reduction": float(reduction_time), **timings}
    timings["total"] = time.perf_counter() - t0
    return RepresentativenessReport(
        n_samples=Xa.shape[0], n_kept=Xr.shape[0], n_features=Xa.shape[1],
        kept_fraction=Xr.shape[0] / Xa.shape[0], epsilon=eps, topology=topo,
        stability=stability, subsampling=subsampling, timings=timings, method=method,
        distribution=dist, _X=Xa, _X_reduced=Xr, _kept=kept,
    )
