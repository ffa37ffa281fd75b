"""Compare reducers on your data with the protocol of the reference paper.

:func:`compare` answers "on my data, which method at which size keeps the score, and how
much time does it save?". It follows the protocol of Perera-Lago et al. (2024):

1. ``repeats`` random stratified train/test splits, **the same splits for every method**;
2. the scaler (min-max by default) is fitted on the training split only and applied to both;
3. each reducer reduces the (scaled) training split only, at each kept fraction;
4. a fresh clone of the estimator is trained on the reduced training split and scored on
   the untouched test split;
5. the estimator trained on the whole training split is the baseline row
   (``method="full"``, ``keep=1.0``) of every repeat.

The result is a tidy :class:`pandas.DataFrame`, one row per (method, keep, repeat);
:func:`medians` turns it into the paper's tables (medians over repeats, kept fraction x
method), :func:`epsilon_correlation` gives the Spearman correlation between epsilon and a
score per kept fraction, and :func:`plot_scores`, :func:`plot_time`, :func:`plot_epsilon`
and :func:`plot_comparison` draw it (matplotlib is imported only when plotting).

Energy and emissions (``energy=True``) are measured with codecarbon's offline tracker (the
``carbon`` extra). Without codecarbon the energy columns are absent, never zero.
"""

from __future__ import annotations

import logging
import numbers
import time
import warnings
from collections.abc import Mapping

import numpy as np

from ._registry import available_reducers, reducer_class
from ._validation import check_random_generator, check_X, check_y

__all__ = [
    "compare",
    "epsilon_correlation",
    "medians",
    "paper_mlp",
    "plot_comparison",
    "plot_epsilon",
    "plot_scores",
    "plot_time",
    "to_markdown",
]

logger = logging.getLogger(__name__)

#: Hidden layer sizes of the multilayer perceptron used by the reference paper.
PAPER_HIDDEN_LAYERS = (50, 45, 40, 35, 30, 25, 20, 15, 10)

FULL = "full"
_ID_COLUMNS = ("method", "keep", "repeat")
_ENERGY_COLUMNS = ("energy_kwh", "emissions_kg")


def paper_mlp(random_state=None, max_iter: int = 200, **params):
    """The reference paper's classifier: an MLP with hidden layers 50-45-40-35-30-25-20-15-10.

    Parameters
    ----------
    random_state : int or None
        Seed of the weight initialisation and of the mini-batch order.
    max_iter : int, default=200
        Maximum number of epochs (scikit-learn's default).
    **params
        Any other :class:`sklearn.neural_network.MLPClassifier` parameter.

    Returns
    -------
    sklearn.neural_network.MLPClassifier

    Examples
    --------
    >>> paper_mlp(random_state=0).hidden_layer_sizes
    (50, 45, 40, 35, 30, 25, 20, 15, 10)
    """
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=PAPER_HIDDEN_LAYERS, random_state=random_state,
                         max_iter=max_iter, **params)


# --------------------------------------------------------------------------- compare
def compare(X, y, methods="all", keeps=(0.1, 0.3, 0.5), estimator=None, *, repeats: int = 5,
            test_size=0.25, scoring=("accuracy", "f1_macro"), scaler="minmax",
            method_params=None, topology: bool = False, energy: bool = False,
            metric: str = "chebyshev", on_error: str = "raise", random_state=None,
            progress: bool = False):
    """Reduce, train and score every (method, kept fraction, repeat): the paper's protocol.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features (array or DataFrame).
    y : array-like of shape (n_samples,)
        Class labels.
    methods : "all", str, list of str, or dict of {label: reducer}, default="all"
        Registered method names (see :func:`datareduce.available_reducers`); ``"all"`` runs
        every registered method. Methods whose optional extra is not installed are skipped
        with a warning. A dict maps row labels to unfitted reducer instances (cloned; their
        ``keep`` and ``random_state`` are set per run).
    keeps : sequence of float in (0, 1) or int >= 1, default=(0.1, 0.3, 0.5)
        Kept fractions (or numbers of rows) of the training split.
    estimator : scikit-learn classifier, optional
        Trained on each reduced training split (cloned every run). Default: the paper's MLP
        (:func:`paper_mlp`). When it has a ``random_state`` parameter left at None, it is set
        to the repeat's seed, so within a repeat every method trains from the same
        initialisation.
    repeats : int, default=5
        Number of random train/test splits (the paper used 10).
    test_size : float or int, default=0.25
        Size of the test split (the paper used 0.25), stratified by class.
    scoring : str or sequence of str, default=("accuracy", "f1_macro")
        scikit-learn scorer names; each becomes a column.
    scaler : "minmax", "standard", None or a transformer, default="minmax"
        Fitted on the training split only, applied to both splits; reduction, training and
        epsilon all happen in the scaled space (the paper used min-max scaling).
    method_params : dict of {method: dict}, optional
        Extra parameters per method name, e.g. ``{"fes": {"epochs": 5}}``.
    topology : bool or dict, default=False
        Also compute the distances between the persistence diagrams of the full and the
        reduced training split (``datareduce.metrics.topological_distance``, without
        labels, Euclidean Rips filtrations, inputs above ``max_points=500`` rows subsampled
        by a greedy permutation); one column per homology dimension (``bottleneck_h0``,
        ``bottleneck_h1``). A dict overrides those parameters, e.g.
        ``{"distance": "wasserstein", "max_points": 1000}``.
    energy : bool, default=False
        Measure energy (kWh) and emissions (kg CO2-eq) of each reduction + training with
        codecarbon's offline tracker (one tracker task per run; codecarbon's power models,
        or RAPL counters when readable; the USA grid's carbon intensity). Without codecarbon
        installed a warning is issued and the columns are absent.
    metric : str, default="chebyshev"
        Norm of epsilon (the paper: L-infinity on min-max scaled data).
    on_error : {"raise", "warn"}, default="raise"
        What to do when a run fails: raise, or warn and leave that run out of the table.
    random_state : int, Generator or None
        Seed of the splits (and, through them, of every reducer and estimator).
    progress : bool, default=False
        Show a progress bar over the runs.

    Returns
    -------
    pandas.DataFrame
        One row per run with columns ``method``, ``keep``, ``repeat``, ``n_train``,
        ``n_kept``, ``reduction_seconds``, ``training_seconds``, ``total_seconds``,
        ``time_ratio`` (total seconds over the full-data training seconds of the same
        repeat), one column per scorer, ``epsilon``, and optionally the topological and
        energy columns. The full-data baseline has ``method="full"`` and ``keep=1.0``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> res = compare(X, y, methods=["srs"], keeps=[0.2], repeats=2,
    ...               estimator=LogisticRegression(max_iter=300), random_state=0)
    >>> print(res[["method", "keep", "repeat", "n_kept"]].to_string(index=False))
    method  keep  repeat  n_kept
      full   1.0       0     112
       srs   0.2       0      22
      full   1.0       1     112
       srs   0.2       1      22
    >>> bool((res.loc[res.method == "full", "epsilon"] == 0).all())
    True
    """
    import pandas as pd
    from sklearn.base import clone
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import train_test_split

    Xa = check_X(X)
    ya = check_y(y, Xa.shape[0])
    repeats = _check_int(repeats, "repeats", 1)
    keeps = _check_keeps(keeps)
    if isinstance(scoring, str):
        scoring = (scoring,)
    scoring = tuple(scoring)
    if not scoring:
        raise ValueError("scoring must name at least one scorer, e.g. scoring=('accuracy',).")
    scorers = {}
    for name in scoring:
        try:
            scorers[name] = get_scorer(name)
        except ValueError as exc:
            raise ValueError(f"scoring: unknown scorer {name!r} ({exc})") from None
    if on_error not in ("raise", "warn"):
        raise ValueError(f"on_error must be 'raise' or 'warn', got {on_error!r}.")
    if estimator is None:
        estimator = paper_mlp()
    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must be a scikit-learn estimator, got {type(estimator)}.")
    reducers = _resolve_methods(methods, method_params or {})
    tracker = _start_tracker() if energy else None
    topo = _topology_function(topology) if topology else None

    from .metrics import epsilon_representativeness

    rng = check_random_generator(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=repeats)
    n_runs = repeats * (1 + len(reducers) * len(keeps))
    bar = _progress(n_runs, progress)
    rows = []
    try:
        for r, seed in enumerate(seeds.tolist()):
            idx_train, idx_test = train_test_split(
                np.arange(Xa.shape[0]), test_size=test_size, random_state=seed, stratify=ya)
            sc = _make_scaler(scaler)
            if sc is None:
                X_train, X_test = Xa[idx_train], Xa[idx_test]
            else:
                X_train = sc.fit_transform(Xa[idx_train])
                X_test = sc.transform(Xa[idx_test])
            y_train, y_test = ya[idx_train], ya[idx_test]
            est = _seeded(estimator, seed, clone)

            # full-data baseline
            _task_start(tracker)
            t0 = time.perf_counter()
            model = clone(est).fit(X_train, y_train)
            full_train_s = time.perf_counter() - t0
            row = _row(FULL, 1.0, r, len(y_train), len(y_train), 0.0, full_train_s,
                       full_train_s, scorers, model, X_test, y_test)
            row["epsilon"] = 0.0
            if topo is not None:
                row.update(topo.zero())
            row.update(_task_stop(tracker))
            rows.append(row)
            bar.update(1)

            for label, base in reducers.items():
                for keep in keeps:
                    bar.set_description(f"{label} keep={keep}", refresh=False)
                    try:
                        row = _one_run(label, base, keep, r, seed, est, X_train, y_train,
                                       X_test, y_test, scorers, full_train_s, metric,
                                       topo, tracker, clone, epsilon_representativeness)
                    except Exception as exc:
                        _task_stop(tracker)
                        if on_error == "raise":
                            raise
                        warnings.warn(f"compare: {label} at keep={keep}, repeat {r} failed "
                                      f"and is left out: {type(exc).__name__}: {exc}",
                                      RuntimeWarning, stacklevel=2)
                    else:
                        rows.append(row)
                    bar.update(1)
    finally:
        bar.close()
        if tracker is not None:
            _stop_tracker(tracker)

    df = pd.DataFrame(rows)
    full_seconds = df.loc[df["method"] == FULL].set_index("repeat")["training_seconds"]
    df["time_ratio"] = df["total_seconds"] / df["repeat"].map(full_seconds)
    cols = ["method", "keep", "repeat", "n_train", "n_kept", "reduction_seconds",
            "training_seconds", "total_seconds", "time_ratio", *scoring, "epsilon"]
    cols += [c for c in df.columns if c not in cols]
    return df[cols]


def _one_run(label, base, keep, r, seed, est, X_train, y_train, X_test, y_test, scorers,
             full_train_s, metric, topo, tracker, clone, epsilon_fn):
    reducer = clone(base)
    params = reducer.get_params(deep=False)
    new = {"keep": keep}
    if "random_state" in params and params["random_state"] is None:
        new["random_state"] = seed
    reducer.set_params(**new)

    _task_start(tracker)
    t0 = time.perf_counter()
    X_red, y_red = reducer.fit_resample(X_train, y_train)
    red_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = clone(est).fit(X_red, y_red)
    train_s = time.perf_counter() - t0
    energy = _task_stop(tracker)

    X_red = np.asarray(X_red, dtype=np.float64)
    y_red = np.asarray(y_red)
    row = _row(label, keep, r, len(y_train), len(y_red), red_s, train_s, red_s + train_s,
               scorers, model, X_test, y_test)
    row["epsilon"] = float(epsilon_fn(X_train, X_red, y_train, y_red, metric=metric).value)
    if topo is not None:
        row.update(topo(X_train, X_red))
    row.update(energy)
    return row


def _row(method, keep, r, n_train, n_kept, red_s, train_s, total_s, scorers, model, X_test,
         y_test):
    row = {"method": method, "keep": float(keep) if isinstance(keep, float) else keep,
           "repeat": r, "n_train": int(n_train), "n_kept": int(n_kept),
           "reduction_seconds": red_s, "training_seconds": train_s, "total_seconds": total_s}
    for name, scorer in scorers.items():
        row[name] = float(scorer(model, X_test, y_test))
    return row


def _check_int(value, name, low):
    if not isinstance(value, (numbers.Integral, np.integer)) or isinstance(value, bool) \
            or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def _check_keeps(keeps):
    if isinstance(keeps, (numbers.Real, np.number)):
        keeps = [keeps]
    out = []
    for k in keeps:
        if isinstance(k, bool) or not isinstance(k, (numbers.Real, np.number)):
            raise ValueError(f"keeps: {k!r} is not a number; give fractions in (0, 1) "
                             "or row counts >= 1.")
        if isinstance(k, (numbers.Integral, np.integer)):
            if k < 1:
                raise ValueError(f"keeps: a row count must be >= 1, got {k}.")
            out.append(int(k))
        else:
            if not 0.0 < float(k) < 1.0:
                raise ValueError(f"keeps: fractions must be in (0, 1), got {k} (keep=1.0 is the "
                                 "full-data baseline, always included).")
            out.append(float(k))
    if not out:
        raise ValueError("keeps must contain at least one kept fraction, e.g. keeps=(0.1, 0.3).")
    return out


def _resolve_methods(methods, method_params):
    """{label: unfitted reducer} for the methods whose dependencies are installed."""
    from .base import BaseReducer

    if isinstance(methods, Mapping):
        if method_params:
            raise ValueError("method_params only applies to method names; set the parameters "
                             "on the reducer instances given in methods.")
        out = {}
        for label, red in methods.items():
            if not isinstance(red, BaseReducer):
                raise TypeError(f"methods[{label!r}] must be a datareduce reducer, got "
                                f"{type(red).__name__}.")
            out[str(label)] = red
        return out
    if isinstance(methods, str):
        names = available_reducers() if methods == "all" else [methods]
    else:
        names = list(methods)
    if not names:
        raise ValueError("methods is empty: name at least one method, or 'all'.")
    unknown = sorted(set(method_params) - set(names))
    if unknown:
        raise ValueError(f"method_params names methods that are not compared: {unknown}.")
    out = {}
    for name in names:
        name = str(name).lower()
        if name == FULL:
            raise ValueError("'full' is the name of the baseline row; it is always included.")
        try:
            cls = reducer_class(name)
        except ImportError as exc:
            warnings.warn(f"compare: skipping method {name!r}: {exc}", UserWarning, stacklevel=3)
            continue
        out[name] = cls(**{"keep": 0.5, **method_params.get(name, {})})
    if not out:
        raise ValueError("none of the requested methods can run here (missing extras).")
    return out


def _seeded(estimator, seed, clone):
    est = clone(estimator)
    params = est.get_params(deep=False)
    if "random_state" in params and params["random_state"] is None:
        est.set_params(random_state=seed)
    return est


def _make_scaler(scaler):
    if scaler is None:
        return None
    if isinstance(scaler, str):
        from sklearn.preprocessing import MinMaxScaler, StandardScaler

        options = {"minmax": MinMaxScaler, "standard": StandardScaler}
        if scaler not in options:
            raise ValueError(f"scaler must be 'minmax', 'standard', None or a transformer, "
                             f"got {scaler!r}.")
        return options[scaler]()
    if not hasattr(scaler, "fit_transform"):
        raise TypeError(f"scaler must be a transformer with fit_transform, got {type(scaler)}.")
    from sklearn.base import clone

    return clone(scaler)


class _NoBar:
    def update(self, n=1):
        pass

    def set_description(self, *args, **kwargs):
        pass

    def close(self):
        pass


def _progress(total, enabled):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="compare", unit="run")


# ----------------------------------------------------------------- topology / energy
class _Topology:
    """Bottleneck distance per homology dimension between full and reduced training data."""

    def __init__(self, fn, params):
        self.fn = fn
        self.params = {"distance": "bottleneck", "per_class": False, "max_points": 500,
                       **params}
        self.columns = None

    def __call__(self, X, X_red):
        res = self.fn(X, X_red, **self.params)
        values = _distances_by_dim(res)
        if self.columns is None:
            self.columns = [f"{self.params['distance']}_h{d}" for d in values]
        return {f"{self.params['distance']}_h{d}": float(v) for d, v in values.items()}

    def zero(self):
        dims = self.params.get("homology_dimensions", (0, 1))
        return {f"{self.params['distance']}_h{d}": 0.0 for d in dims}


def _distances_by_dim(res):
    """{dimension: distance} from what topological_distance returns."""
    for attr in ("value", "by_dimension", "distances", "per_dimension"):
        val = getattr(res, attr, None)
        if isinstance(val, Mapping):
            res = val
            break
    if hasattr(res, "to_dict") and not isinstance(res, Mapping):
        res = res.to_dict()
    if isinstance(res, Mapping):
        out = {}
        for k, v in res.items():
            key = str(k).lower().lstrip("h")
            if key.isdigit() and isinstance(v, (numbers.Real, np.number)):
                out[int(key)] = float(v)
        if out:
            return dict(sorted(out.items()))
    raise TypeError(f"cannot read distances per homology dimension from {type(res).__name__}")


def _topology_function(topology):
    try:
        from .metrics.topology import topological_distance
    except ImportError as exc:  # pragma: no cover - depends on the metrics module
        raise ImportError(f"topology=True needs datareduce.metrics.topological_distance "
                          f"({exc}).") from exc
    if topology is True:
        params = {}
    elif isinstance(topology, Mapping):
        params = dict(topology)
    else:
        raise TypeError(f"topology must be a bool or a dict of topological_distance "
                        f"parameters, got {topology!r}.")
    return _Topology(topological_distance, params)


def _start_tracker():
    try:
        from codecarbon import OfflineEmissionsTracker
    except ImportError:
        warnings.warn("energy=True needs codecarbon (pip install 'datareduce[carbon]'); the "
                      "energy columns are left out.", UserWarning, stacklevel=3)
        return None
    # codecarbon logs every measurement at INFO: keep it quiet until the tracker stops
    cc_logger = logging.getLogger("codecarbon")
    old_level = cc_logger.level
    cc_logger.setLevel(logging.ERROR)
    try:
        tracker = OfflineEmissionsTracker(country_iso_code="USA", save_to_file=False,
                                          log_level="error", measure_power_secs=1)
        tracker.start()
    except Exception:
        cc_logger.setLevel(old_level)
        raise
    tracker._datareduce_log_level = old_level
    cc_logger.setLevel(logging.ERROR)  # codecarbon may have reset it while starting
    return tracker


def _stop_tracker(tracker):
    cc_logger = logging.getLogger("codecarbon")
    try:
        tracker.stop()
    finally:
        cc_logger.setLevel(getattr(tracker, "_datareduce_log_level", logging.NOTSET))


def _task_start(tracker):
    if tracker is not None:
        tracker.start_task("run")


def _task_stop(tracker):
    if tracker is None:
        return {}
    try:
        data = tracker.stop_task()
    except Exception:  # no task running (a run failed before it started one)
        return {}
    return {"energy_kwh": float(data.energy_consumed), "emissions_kg": float(data.emissions)}


# ------------------------------------------------------------------- summaries
def _check_results(results):
    missing = [c for c in _ID_COLUMNS if c not in getattr(results, "columns", ())]
    if missing:
        raise ValueError(f"results must be the DataFrame returned by compare (missing columns "
                         f"{missing}).")


def _method_order(results):
    return [m for m in dict.fromkeys(results["method"]) if m != FULL]


def medians(results, value=None):
    """Medians over repeats: per (method, keep), or the paper's keep x method table.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    value : str, optional
        A column (e.g. ``"accuracy"``, ``"epsilon"``, ``"total_seconds"``). With it, the
        result is a table with one row per kept fraction and one column per method, the
        full-data median as the last row (``keep=1.0``) in every column, as in the paper.

    Returns
    -------
    pandas.DataFrame
        Without ``value``: one row per (method, keep) with the median of every numeric
        column. With ``value``: the keep x method table.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs", "srs", "full", "srs", "srs"],
    ...                     "keep": [1.0, 0.1, 0.5] * 2, "repeat": [0, 0, 0, 1, 1, 1],
    ...                     "accuracy": [0.9, 0.6, 0.8, 0.8, 0.7, 0.9]})
    >>> table = medians(res, "accuracy")
    >>> table.index.tolist(), table["srs"].round(3).tolist()
    ([0.1, 0.5, 1.0], [0.65, 0.85, 0.85])
    """
    _check_results(results)
    if value is None:
        numeric = [c for c in results.columns
                   if c not in _ID_COLUMNS and results[c].dtype.kind in "biuf"]
        out = results.groupby(["method", "keep"], sort=False)[numeric].median().reset_index()
        order = {m: i for i, m in enumerate([*_method_order(results), FULL])}
        return out.sort_values(["method", "keep"], key=lambda s: s.map(order)
                               if s.name == "method" else s).reset_index(drop=True)
    if value not in results.columns:
        raise ValueError(f"value={value!r} is not a column of results "
                         f"(columns: {list(results.columns)}).")
    runs = results[results["method"] != FULL]
    table = runs.pivot_table(index="keep", columns="method", values=value, aggfunc="median",
                             sort=True)
    table = table[[m for m in _method_order(results) if m in table.columns]]
    full = results.loc[results["method"] == FULL, value]
    if len(full):
        table.loc[1.0] = float(full.median())
    table.columns.name = "method"
    return table


def epsilon_correlation(results, score="accuracy"):
    """Spearman correlation between epsilon and a score, per kept fraction.

    As in the paper, runs are pooled over methods and repeats at each kept fraction (the
    full-data baseline is left out). A negative rho means that better-covered reduced sets
    (smaller epsilon) tend to score higher.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, default="accuracy"
        The score column.

    Returns
    -------
    pandas.DataFrame
        Rows ``rho`` and ``p-value``, one column per kept fraction (NaN where fewer than
        three runs or a constant column make the correlation undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["a", "b", "c", "d"], "keep": [0.1] * 4,
    ...                     "repeat": 0, "epsilon": [0.1, 0.2, 0.3, 0.4],
    ...                     "accuracy": [0.9, 0.8, 0.7, 0.6]})
    >>> float(epsilon_correlation(res).loc["rho", 0.1])
    -1.0
    """
    import pandas as pd
    from scipy.stats import spearmanr

    _check_results(results)
    for col in ("epsilon", score):
        if col not in results.columns:
            raise ValueError(f"results has no column {col!r}.")
    runs = results[results["method"] != FULL]
    out = {}
    for keep, grp in runs.groupby("keep", sort=True):
        e, s = grp["epsilon"].to_numpy(float), grp[score].to_numpy(float)
        ok = np.isfinite(e) & np.isfinite(s)
        e, s = e[ok], s[ok]
        if len(e) < 3 or np.ptp(e) == 0 or np.ptp(s) == 0:
            out[keep] = (np.nan, np.nan)
        else:
            res = spearmanr(e, s)
            out[keep] = (float(res.statistic), float(res.pvalue))
    return pd.DataFrame(out, index=["rho", "p-value"])


# ------------------------------------------------------------------------ plots
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h")


def _styles(methods):
    """A distinct (colour, marker) per method, the same in every plot."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if len(methods) <= 10 else "tab20"]
    n = cmap.N
    return {m: {"color": cmap(i % n), "marker": _MARKERS[i % len(_MARKERS)]}
            for i, m in enumerate(methods)}


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(5.5, 4))
    return ax


def plot_scores(results, score="accuracy", ax=None):
    """Median score vs. kept fraction per method, with the full-data median as a line.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, default="accuracy"
        The score column.
    ax : matplotlib Axes, optional
        Where to draw (a new figure otherwise).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs", "srs"], "keep": [1.0, 0.1, 0.5],
    ...                     "repeat": 0, "accuracy": [0.9, 0.7, 0.8]})
    >>> ax = plot_scores(res)
    >>> ax.get_ylabel()
    'accuracy (median)'
    """
    ax = _axes(ax)
    table = medians(results, score)
    full = table.loc[1.0].iloc[0] if 1.0 in table.index else None
    parts = table.drop(index=1.0, errors="ignore")
    styles = _styles(_method_order(results))
    for method in parts.columns:
        ax.plot(parts.index, parts[method], label=method, **styles[method])
    if full is not None and np.isfinite(full):
        ax.axhline(full, color="black", linestyle="--", linewidth=1, label="full data")
    ax.set_xlabel("kept fraction")
    ax.set_ylabel(f"{score} (median)")
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_time(results, ax=None, relative: bool = True):
    """Median time (reduction + training) vs. kept fraction per method.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    ax : matplotlib Axes, optional
        Where to draw.
    relative : bool, default=True
        Plot ``time_ratio`` (1.0 = training on the full split, log scale) instead of
        seconds.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs"], "keep": [1.0, 0.5], "repeat": 0,
    ...                     "total_seconds": [2.0, 1.0], "time_ratio": [1.0, 0.5]})
    >>> plot_time(res).get_ylabel()
    'time / full-data training time (median)'
    """
    ax = _axes(ax)
    col = "time_ratio" if relative else "total_seconds"
    table = medians(results, col)
    full = table.loc[1.0].iloc[0] if 1.0 in table.index else None
    parts = table.drop(index=1.0, errors="ignore")
    styles = _styles(_method_order(results))
    for method in parts.columns:
        ax.plot(parts.index, parts[method], label=method, **styles[method])
    if full is not None and np.isfinite(full):
        ax.axhline(full, color="black", linestyle="--", linewidth=1, label="full data")
    if relative:
        ax.set_yscale("log")
    ax.set_xlabel("kept fraction")
    ax.set_ylabel("time / full-data training time (median)" if relative
                  else "reduction + training seconds (median)")
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_epsilon(results, score="accuracy", ax=None):
    """Epsilon vs. score, one point per run, coloured by method (marker size by keep).

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, default="accuracy"
        The score column.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs", "mms"], "keep": [1.0, 0.1, 0.1],
    ...                     "repeat": 0, "epsilon": [0.0, 0.5, 0.2],
    ...                     "accuracy": [0.9, 0.7, 0.8]})
    >>> plot_epsilon(res).get_xlabel()
    'epsilon'
    """
    ax = _axes(ax)
    _check_results(results)
    runs = results[results["method"] != FULL]
    keeps = runs["keep"].astype(float)
    kmax = float(keeps.max()) if len(keeps) else 1.0
    styles = _styles(_method_order(results))
    for method in _method_order(results):
        grp = runs[runs["method"] == method]
        size = 15 + 60 * grp["keep"].astype(float) / (kmax or 1.0)
        ax.scatter(grp["epsilon"], grp[score], s=size, alpha=0.7, label=method,
                   **styles[method])
    full = results.loc[results["method"] == FULL, score]
    if len(full):
        ax.axhline(float(full.median()), color="black", linestyle="--", linewidth=1,
                   label="full data")
    ax.set_xlabel("epsilon")
    ax.set_ylabel(score)
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_comparison(results, score="accuracy"):
    """The three plots side by side: score, time and epsilon vs. score.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`compare`.
    score : str, default="accuracy"
        The score column.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"method": ["full", "srs"], "keep": [1.0, 0.5], "repeat": 0,
    ...                     "accuracy": [0.9, 0.8], "epsilon": [0.0, 0.3],
    ...                     "total_seconds": [2.0, 1.0], "time_ratio": [1.0, 0.5]})
    >>> len(plot_comparison(res).axes)
    3
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    plot_scores(results, score, ax=axes[0])
    plot_time(results, ax=axes[1])
    plot_epsilon(results, score, ax=axes[2])
    fig.tight_layout()
    return fig


def to_markdown(table, floatfmt: str = ".3f") -> str:
    """A DataFrame as a GitHub-flavoured Markdown table (no extra dependency).

    Parameters
    ----------
    table : pandas.DataFrame
        The table; its index becomes the first column.
    floatfmt : str, default=".3f"
        Format of floating-point cells.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> print(to_markdown(pd.DataFrame({"srs": [0.91234]}, index=pd.Index([0.1], name="keep"))))
    | keep | srs |
    |---|---|
    | 0.1 | 0.912 |
    """
    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return str(float(v)) if not np.isfinite(v) else format(float(v), floatfmt)
        return str(v)

    index_name = table.index.name if table.index.name is not None else ""
    header = [str(index_name), *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in table.iterrows():
        cells = [str(idx), *(fmt(v) for v in row.tolist())]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
