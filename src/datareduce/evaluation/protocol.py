"""The paper's protocol: :func:`compare` reduces, trains and scores every (method, keep, repeat)."""

from __future__ import annotations

import logging
import numbers
import time
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import clone
from tqdm.auto import tqdm

from .._core.output import sample_weight_params
from .._core.strata import N_BINS, stratify_params
from .._core.strata import quantile_strata as _quantile_strata
from .._core.validation import (
    as_array,
    check_keeps,
    check_random_generator,
    check_X,
    check_y,
    seeded_clone,
    seeded_estimator,
    warn_if_duplicates,
)
from .._registry import method_names, reducer_class
from ._topology import topology_function
from .energy import start_tracker, stop_tracker, task_start, task_stop
from .summaries import (
    _RUN_COLUMNS,
    COMPARE_METRICS,
    FULL,
    LOWER_ATTR,
    METRICS_ATTR,
    SCORING_ATTR,
)
from .tasks import (
    check_scoring_for_task,
    estimator_task,
    get_scorers,
    needs_classes,
    real_rows_reducer,
    reduce_rows,
    scorer_items,
)

__all__ = ["COMPARE_METRICS", "compare", "paper_mlp"]


logger = logging.getLogger(__name__)

#: Hidden layer sizes of the multilayer perceptron used by the reference paper.
PAPER_HIDDEN_LAYERS = (50, 45, 40, 35, 30, 25, 20, 15, 10)


def paper_mlp(random_state=None, max_iter: int = 200, *, regression: bool = False, **params):
    """The reference paper's classifier: an MLP with hidden layers 50-45-40-35-30-25-20-15-10.

    Parameters
    ----------
    random_state : int or None
        Seed of the weight initialisation and of the mini-batch order.
    max_iter : int, default=200
        Maximum number of epochs (scikit-learn's default).
    regression : bool, default=False
        The same network as a :class:`sklearn.neural_network.MLPRegressor` (for a
        continuous target; not in the paper).
    **params
        Any other :class:`sklearn.neural_network.MLPClassifier` parameter.

    Returns
    -------
    sklearn.neural_network.MLPClassifier or MLPRegressor

    Examples
    --------
    >>> paper_mlp(random_state=0).hidden_layer_sizes
    (50, 45, 40, 35, 30, 25, 20, 15, 10)
    """
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPRegressor if regression else MLPClassifier
    return cls(hidden_layer_sizes=PAPER_HIDDEN_LAYERS, random_state=random_state,
                         max_iter=max_iter, **params)


# --------------------------------------------------------------------------- compare
def compare(X, y, methods="all", keeps=(0.1, 0.3, 0.5), estimator=None, *, repeats: int = 5,
            test_size=0.25, scoring=None, scaler="minmax",
            method_params=None, topology: bool = False, energy: bool = False,
            metrics=COMPARE_METRICS, metric: str = "chebyshev", on_error: str = "raise", task: str = "auto",
            n_bins: int = N_BINS, pass_sample_weight="auto", random_state=None,
            progress: bool = False, groups=None):
    """Reduce, train and score every (method, kept fraction, repeat): the paper's protocol.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features (array or DataFrame), or a DataFrame with text, categorical, date or
        missing values, which each split encodes with the package's preparation
        (:func:`datareduce.preprocessing.make_selection_space` without scaling: median
        imputation with a missing-indicator column, one-hot categories up to 20 columns),
        fitted on the training split only, before ``scaler``; the estimator, the reducers
        and the metrics then see the encoded columns.
    y : array-like of shape (n_samples,)
        Class labels, or a continuous target (regression, see ``task``).
    methods : "all", str, list of str, or dict of {label: reducer}, default="all"
        Registered method names (see :func:`datareduce.available_reducers`); ``"all"`` runs
        every registered method. Methods whose optional extra is not installed are skipped
        with a warning, and so are methods that need classes (DES, FES) on a regression
        target. A dict maps row labels to unfitted reducer instances (cloned; their
        ``keep`` is set per run, and their ``random_state`` to the repeat's seed when it is
        None: a seed of your own is kept in every repeat).
    keeps : sequence of float in (0, 1) or int >= 1, default=(0.1, 0.3, 0.5)
        Kept fractions (or numbers of rows) of the training split.
    estimator : scikit-learn classifier or regressor, optional
        Trained on each reduced training split (cloned every run). Default: the paper's MLP
        (:func:`paper_mlp`, its regressor twin for a continuous target). Every
        ``random_state`` left at None, its own and those of a pipeline's steps or nested
        estimators, is set to the repeat's seed, so within a repeat every method trains from
        the same initialisation.
    repeats : int, default=5
        Number of random train/test splits (the paper used 10).
    test_size : float or int, default=0.25
        Size of the test split (the paper used 0.25), stratified by class (by quantile bin
        of a continuous target); a split that cannot hold a row of every class (bin) on
        both sides is refused before any training (``protocol.check_split_sizes``).
    scoring : str, callable, sequence or dict, optional
        scikit-learn scorer names, plus ``"mae"`` (mean absolute error, lower is better), or
        callables ``scorer(estimator, X, y)`` such as ``make_scorer(fbeta_score, beta=2)``
        (the column is the function's name, ``fbeta_score``), or a dict ``{column: name or
        callable}``, as scikit-learn's ``cross_validate`` takes them; each becomes a column.
        Default: ``("accuracy", "f1_macro")`` for classification, ``("r2", "mae")`` for
        regression. Names of the other task are refused; a callable is used as given.
    scaler : "minmax", "standard", None or a transformer, default="minmax"
        Fitted on the training split only, applied to both splits; reduction, training and
        the metrics all happen in the scaled space (the paper used min-max scaling).
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
    metrics : sequence of str or Metric, default=("mmd", "energy", "coverage")
        Representativeness metrics of the kept rows against the scaled training split, one
        column each (named after the metric): any registered name
        (:func:`datareduce.metrics.available_metrics`) or a
        :class:`~datareduce.metrics.Metric`. Each is prepared once per split
        (:meth:`~datareduce.metrics.Metric.prepare`) and scores every reduced set of that
        split, with the reducer's weights and, for classification, per class. The default
        is the audit's (:data:`COMPARE_METRICS`): MMD first (its distance to random subsets
        predicted the downstream difference best, see the audit's documentation), then the
        energy distance and coverage (the mean distance from a row to its nearest kept
        row). The paper's epsilon, ``"epsilon"``, is left out by default: in L-infinity it
        is 1.0 for nearly every subset of a table with one-hot columns.
    metric : str, default="chebyshev"
        Norm of the ``"epsilon"`` metric when ``metrics`` names it (the paper: L-infinity on
        min-max scaled data; the registry's ``"epsilon"`` is Euclidean,
        ``metric="euclidean"`` gives it).
    on_error : {"raise", "warn"}, default="raise"
        What to do when a run fails: raise, or warn and leave that run out of the table.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` applies the package's one rule (non-integer numbers, or whole numbers with
        many distinct values, are a regression target:
        :func:`~datareduce.evaluation.tasks.infer_task`), after the estimator's own type as
        in the search (a regressor's target is a regression target, a classifier's are
        classes: :func:`~datareduce.evaluation.tasks.estimator_task`, which warns when it
        overrides the rule); a declared task the estimator's type contradicts, and class
        labels given to a regressor, are refused before any training. The task is decided
        once on the whole ``y`` and given to every reducer. For regression, splits and stratifying
        reducers are stratified by quantile bins of the target (the reducers bin it
        themselves; the kept rows keep their targets), reducers that emit centroids are
        asked for medoids (real rows with a target), and the metrics are computed without
        labels.
    n_bins : int, default=10
        Number of quantile bins of a regression target (the package's one default).
    pass_sample_weight : "auto" or bool, default="auto"
        Fit the estimator with the reducer's ``sample_weight_`` under the package's one
        weight policy (:func:`datareduce._core.output.passes_weights`, as in
        :func:`datareduce.make_pipeline`): ``"auto"`` passes them when the estimator's
        ``fit`` takes ``sample_weight`` and it is not a tree model (or the reducer fitted
        them with ``reweight=``); ``True`` / ``False`` decide.
    random_state : int, Generator or None
        Seed of the splits (and, through them, of every reducer and estimator).
    progress : bool, default=False
        Show a progress bar over the runs.
    groups : array-like of shape (n_samples,), optional
        A group label per row (a customer, a patient, a video): no group has rows on both
        sides of a split. The test split is then one of ``round(1 / test_size)`` folds of
        scikit-learn's ``StratifiedGroupKFold`` (shuffled with the repeat's seed,
        stratified by class or quantile bin as far as the groups allow), so its size is
        close to ``test_size``, not exact. The reducers select rows, not groups.

    Returns
    -------
    pandas.DataFrame
        One row per run with columns ``method``, ``keep``, ``repeat``, ``n_train``,
        ``n_kept``, ``reduction_seconds``, ``training_seconds``, ``total_seconds``,
        ``time_ratio`` (total seconds over the full-data training seconds of the same
        repeat), one column per scorer, one per metric (0 for the baseline), and optionally
        the topological and energy columns. The full-data baseline has ``method="full"``
        and ``keep=1.0``. ``attrs["metrics"]`` lists the metric columns, headline first,
        ``attrs["scoring"]`` the score columns (the plots' default score is the first).

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
    >>> res.attrs["metrics"]
    ['mmd', 'energy', 'coverage']
    >>> bool((res.loc[res.method == "full", "mmd"] == 0).all())
    True
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split

    space = _table_space(X)  # a table of text, categories or missing values: encoded per split
    Xa = check_X(X) if space is None else X
    ya = check_y(y, Xa.shape[0])
    # the search's rule: the estimator's type (regressor, classifier) first, then y's
    task = estimator_task(ya, task, estimator, stacklevel=2)
    if task == "classification":  # the split's check, as for a regression target's bins
        check_split_sizes(ya, test_size, numeric_labels=np.asarray(ya).dtype.kind in "iuf")
    repeats = _check_int(repeats, "repeats", 1)
    keeps = check_keeps(keeps)
    if groups is None:
        check_counts_fit(keeps, Xa.shape[0], test_size)
    items = scorer_items(scoring, task)  # resolved once: a one-pass iterable too
    scorers = get_scorers(dict(items), task)
    for _, spec in items:
        # a scorer (name) of the other task, or of labels y does not have: refused
        check_scoring_for_task(spec, task, ya)
    scoring = tuple(scorers)
    if on_error not in ("raise", "warn"):
        raise ValueError(f"on_error must be 'raise' or 'warn', got {on_error!r}.")
    if estimator is None:
        estimator = paper_mlp(regression=task == "regression")
    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must be a scikit-learn estimator, got {type(estimator)}.")
    reducers = _resolve_methods(methods, method_params or {})
    metric_objs = _resolve_metrics(metrics, metric)
    taken = [c for c in scoring if c in (*_RUN_COLUMNS, *(m.name for m in metric_objs))]
    if taken:
        raise ValueError(f"scoring: the score column {taken[0]!r} is one of compare's own "
                         f"columns: name it otherwise with a dict, e.g. scoring="
                         f"{{'{taken[0]}_score': ...}}.")
    strata = ya
    if task == "regression":
        strata = _quantile_strata(ya, _check_int(n_bins, "n_bins", 1))[0]
        check_split_sizes(strata, test_size, n_bins=n_bins)
        reducers = _regression_reducers(reducers)
    _import_outside_timers(reducers)
    tracker = start_tracker() if energy else None
    topo = topology_function(topology) if topology else None

    if groups is not None:
        groups = _check_groups(groups, Xa.shape[0], test_size)
    rng = check_random_generator(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=repeats)
    group_splits = None
    if groups is not None:  # the splits' sizes vary with the groups: known before training
        group_splits = [_group_split(strata, groups, test_size, s) for s in seeds.tolist()]
        check_counts_fit(keeps, Xa.shape[0], test_size, group_splits)
        if task != "regression":
            _warn_classes_on_one_side(strata, group_splits)
    n_runs = repeats * (1 + len(reducers) * len(keeps))
    bar = tqdm(total=n_runs, desc="compare", unit="run", disable=not progress)
    rows = []
    # duplicate rows: one warning per call (every reducer fit warned: methods x keeps x
    # repeats times), on the table as given
    warn_if_duplicates(Xa)
    with warnings.catch_warnings():
        # (the reducers say "X in the selection space (...) has N" of an encoded space)
        warnings.filterwarnings("ignore", message=r"X( in the selection space \(.*\))? has \d+ "
                                "duplicate row", category=UserWarning)
        try:
            for r, seed in enumerate(seeds.tolist()):
                if groups is None:
                    idx_train, idx_test = train_test_split(
                        np.arange(Xa.shape[0]), test_size=test_size, random_state=seed,
                        stratify=strata)
                else:
                    idx_train, idx_test = group_splits[r]
                sc = _make_scaler(scaler)
                if space is not None:  # encoding fitted on the training split, then scaled
                    from sklearn.pipeline import make_pipeline

                    sc = make_pipeline(clone(space), "passthrough" if sc is None else sc)
                if sc is None:
                    X_train, X_test = Xa[idx_train], Xa[idx_test]
                else:
                    X_train = sc.fit_transform(_take(Xa, idx_train))
                    X_test = sc.transform(_take(Xa, idx_test))
                y_train, y_test = ya[idx_train], ya[idx_test]
                est = seeded_estimator(estimator, seed)
                labels = None if task == "regression" else y_train
                prepared = {m.name: m.prepare(X_train, labels) for m in metric_objs}

                # full-data baseline
                task_start(tracker)
                t0 = time.perf_counter()
                model = clone(est).fit(X_train, y_train)
                full_train_s = time.perf_counter() - t0
                # training only, as each run's (scoring the test split is not counted)
                full_energy = task_stop(tracker)
                row = _row(FULL, 1.0, r, len(y_train), len(y_train), 0.0, full_train_s,
                           full_train_s, scorers, model, X_test, y_test)
                row.update(dict.fromkeys(prepared, 0.0))
                if topo is not None:
                    row.update(topo.zero())
                row.update(full_energy)
                rows.append(row)
                bar.update(1)

                for label, base in reducers.items():
                    for keep in keeps:
                        bar.set_description(f"{label} keep={keep}", refresh=False)
                        try:
                            reducer = seeded_clone(base, seed, keep=keep,
                                                   **stratify_params(base, task, n_bins))
                            row = _one_run(label, reducer, keep, r, est, (X_train, y_train),
                                           (X_test, y_test), scorers, prepared, topo, tracker,
                                           task, pass_sample_weight)
                        except Exception as exc:
                            task_stop(tracker)
                            if on_error == "raise":
                                # the estimator's or reducer's own message names no run
                                _add_note(exc, f"compare: the run of {label!r} at keep={keep}, "
                                               f"repeat {r} failed; on_error='warn' leaves "
                                               "failing runs out of the table.")
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
                stop_tracker(tracker)

    df = pd.DataFrame(rows)
    full_seconds = df.loc[df["method"] == FULL].set_index("repeat")["training_seconds"]
    df["time_ratio"] = df["total_seconds"] / df["repeat"].map(full_seconds)
    cols = ["method", "keep", "repeat", "n_train", "n_kept", "reduction_seconds",
            "training_seconds", "total_seconds", "time_ratio", *scoring, *prepared]
    cols += [c for c in df.columns if c not in cols]
    out = df[cols]
    out.attrs[METRICS_ATTR] = [m.name for m in metric_objs]
    out.attrs[SCORING_ATTR] = list(scoring)
    out.attrs[LOWER_ATTR] = [c for c, spec in items if spec == "mae"]
    return out


def _add_note(exc, note):
    """``exc.add_note(note)``; Python 3.10 has no ``add_note`` (3.11+): there the note goes
    to ``__notes__`` as 3.11 keeps it (the CLI prints it), and the error itself is raised
    as it was, never an AttributeError about the note (review11/a 08)."""
    try:
        exc.add_note(note)
    except AttributeError:
        try:
            exc.__notes__ = [*getattr(exc, "__notes__", ()), note]
        except Exception:  # noqa: BLE001 - an exception that takes no attribute: no note
            pass


def _import_outside_timers(reducers):
    """Pay the one-time imports of a reducer's fit before any timer starts: scikit-learn's
    tags of a reducer import imbalanced-learn (0.3-0.7 s), which the first run's
    ``reduction_seconds`` paid, so the first method listed (SRS, usually) showed hundreds
    of times its reduction time and a time_ratio of about 5 in repeat 0."""
    from sklearn.utils import get_tags

    for reducer in reducers.values():
        try:
            get_tags(reducer)
        except Exception:  # noqa: BLE001 - the fit reports it, in its run
            pass


def _one_run(label, reducer, keep, r, est, train, test, scorers, prepared, topo, tracker, task,
             pass_sample_weight):
    (X_train, y_train), (X_test, y_test) = train, test
    task_start(tracker)
    t0 = time.perf_counter()
    X_red, y_red, weights = reduce_rows(reducer, X_train, y_train, task=task)
    red_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = clone(est).fit(X_red, y_red, **sample_weight_params(
        est, weights, pass_sample_weight=pass_sample_weight, reducer=reducer))
    train_s = time.perf_counter() - t0
    energy = task_stop(tracker)

    X_red = np.asarray(X_red, dtype=np.float64)
    y_red = np.asarray(y_red)
    row = _row(label, keep, r, len(y_train), len(y_red), red_s, train_s, red_s + train_s,
               scorers, model, X_test, y_test)
    y_lab = None if task == "regression" else y_red  # no classes: over all rows
    for name, pm in prepared.items():
        row[name] = float(pm.score(X_red, y_lab, weights).value)
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


def _table_space(X):
    """The package's preparation of a DataFrame with text, categorical, date or missing
    values (:func:`datareduce.preprocessing.make_selection_space` without scaling: median
    imputation with missing indicators, one-hot categories), unfitted, or None for a numeric
    and complete X (checked by ``check_X`` as before). compare fits it on each training
    split and applies the scaler after it (``datareduce compare`` passes a CSV's table
    here)."""
    from .._core.validation import is_dataframe
    from ..preprocessing import make_selection_space, resolve_space

    if not is_dataframe(X) or 0 in X.shape or resolve_space("auto", X) is None:
        return None
    return make_selection_space(X, scale=None)


def _take(X, idx):
    """Rows ``idx`` of an array or a DataFrame (by position)."""
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _group_folds(n, test_size):
    """The number of group folds whose one fold is the test split: ``round(1 / test_size)``
    (``round(n / test_size)`` for a number of rows), at least 2."""
    frac = test_size / n if isinstance(test_size, numbers.Integral) else test_size
    return max(2, int(round(1 / frac)))


def _check_groups(groups, n, test_size):
    """``groups`` as an array of one label per row, checked: no missing label, enough
    groups for the folds."""
    import pandas as pd

    arr = as_array(groups)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"groups has shape {arr.shape} but X has {n} rows: give one group "
                         "label per row.")
    missing = pd.isna(arr)
    if missing.any():
        shown = ", ".join(map(str, np.flatnonzero(missing)[:10].tolist()))
        raise ValueError(f"groups is missing for {int(missing.sum())} row(s) (positions "
                         f"{shown}{', ...' if missing.sum() > 10 else ''}): give every row a "
                         "group, or leave groups out.")
    k = _group_folds(n, test_size)
    n_groups = len(pd.unique(arr))
    if n_groups < k:
        raise ValueError(f"groups has {n_groups} group(s) and test_size={test_size!r} needs "
                         f"{k} (the test split is one of {k} group folds): give more groups "
                         "or a larger test_size.")
    return arr


def _group_split(strata, groups, test_size, seed):
    """Training and test positions with no group on both sides: the first fold of
    scikit-learn's ``StratifiedGroupKFold`` (:func:`_group_folds` folds, shuffled with the
    repeat's seed), stratified by class or quantile bin as far as the groups allow."""
    from sklearn.model_selection import StratifiedGroupKFold

    k = _group_folds(len(groups), test_size)
    with warnings.catch_warnings():  # "the least populated class has only ... members"
        warnings.filterwarnings("ignore", message=".*least populated class",
                                category=UserWarning)
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        return next(splitter.split(np.zeros((len(groups), 1)), strata, groups))


def _warn_classes_on_one_side(labels, splits):
    """With groups, a class whose rows live in few groups can fall wholly on one side of a
    split (the group folds stratify only as far as the groups allow): one warning naming
    the classes and repeats, since every method of such a repeat trains without the class,
    or is never scored on it (review11/a)."""
    from .._core.input import _few
    from .._core.strata import classes_missing_from_splits

    found = {"training": {}, "test": {}}
    for (side, r), absent in classes_missing_from_splits(labels, splits,
                                                         ("training", "test")).items():
        for c in absent:
            found[side].setdefault(c, []).append(r)
    parts = [f"{_few(list(found[side]))} have no row in the {side} split of repeat(s) "
             f"{_few(sorted({r for rs in found[side].values() for r in rs}))}"
             for side in ("training", "test") if found[side]]
    if parts:
        warnings.warn(
            "groups: class(es) " + "; ".join(parts) + ": their rows are in too few groups "
            "for every split to hold them (no group is split), so in those repeats every "
            "method trains without them or is not scored on them. Give such classes more "
            "groups, or leave them out.", UserWarning, stacklevel=3)


def training_rows(n, test_size):
    """The rows of the training split that ``test_size`` leaves of ``n`` (the test split
    rounded up, as scikit-learn's ``train_test_split``), or None when scikit-learn would
    refuse ``test_size`` (it names it then).

    Examples
    --------
    >>> training_rows(1797, 0.25), training_rows(100, 30), training_rows(10, 1.5)
    (1347, 70, None)
    """
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, numbers.Real):
        return None
    n_test = (int(test_size) if isinstance(test_size, numbers.Integral)
              else int(np.ceil(test_size * n)))
    return n - n_test if 0 < n - n_test < n else None


def check_counts_fit(keeps, n, test_size, splits=None):
    """Refuse, before any training, a row count in ``keeps`` above the training split: the
    one check of :func:`compare` and ``datareduce compare`` (which words it in its options,
    :func:`datareduce.cli.compare._option_words`). Each reducer refused it inside the loop,
    after the baseline and the runs before it, as "larger than the data (225 rows)" when 300
    rows were given.

    Without ``splits`` the training split has ``n`` minus the test split's rows
    (``test_size``, as scikit-learn rounds it); with groups the group folds' sizes vary and
    ``splits`` (the ``(train, test)`` positions of every repeat) give the smallest one
    (review11/a 03).
    """
    if splits is not None:
        sizes = [len(train) for train, _ in splits]
        n_train = min(sizes)
        where = (f"the training split of repeat {sizes.index(n_train)} ({n_train} of the {n} "
                 "rows: with groups, the test split is a group fold of about test_size)")
    else:
        n_train = training_rows(n, test_size)
        if n_train is None:
            return  # scikit-learn's splitter refuses test_size by name
        where = f"the training split ({n_train} of the {n} rows with test_size={test_size!r})"
    big = [k for k in keeps if isinstance(k, (numbers.Integral, np.integer)) and k > n_train]
    if big:
        raise ValueError(f"keeps: {big[0]} rows is more than {where}: pass at most "
                         f"{n_train}, or a fraction such as 0.1.")


def _check_int(value, name, low):
    if not isinstance(value, (numbers.Integral, np.integer)) or isinstance(value, bool) \
            or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def check_split_sizes(strata, test_size, *, n_bins=None, numeric_labels=False, cli=False,
                      target_name=None):
    """Refuse, before any training, a table whose stratified train/test split cannot be
    drawn: every class (quantile bin of a regression target, ``n_bins`` given) needs 2
    rows, and each split a row of every class (bin). The one check of
    :func:`compare` and ``datareduce compare`` for both tasks (``cli=True``: ``--target``,
    ``--test-size``, ``--bins``, ``--task``); scikit-learn's splitter message names
    neither the target nor a fix.

    Parameters
    ----------
    strata : array-like of shape (n_samples,)
        The class labels, or the quantile-bin codes of a regression target.
    test_size : float or int
        The test split (a fraction, or a number of rows); a value scikit-learn refuses is
        left to its own message.
    n_bins : int or None, default=None
        The quantile bins asked for (a regression target); None for classes.
    numeric_labels : bool, default=False
        The classes are numbers: advise the regression task too.
    cli : bool, default=False
        Name the options in the CLI's words.
    target_name : str or None, default=None
        The target column, named with ``cli=True``.
    """
    n = len(strata)
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, numbers.Real):
        return  # scikit-learn's splitter refuses it by name
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 0 < n_test < n:
            return
    else:
        if not 0 < test_size < 1:
            return
        n_test = int(np.ceil(test_size * n))
    labels, counts = np.unique(strata, return_counts=True)
    n_train, k = n - n_test, len(counts)
    if counts.min() >= 2 and n_test >= k and n_train >= k:
        return
    target = ("y" if not cli else "--target" if target_name is None
              else f"--target {target_name!r}")
    ts_name = "--test-size" if cli else "test_size"
    ts = f"--test-size {test_size:g}" if cli else f"test_size={test_size!r}"
    one, many = ("quantile bin", "bins") if n_bins is not None else ("class", "classes")
    of_bins = "" if n_bins is None else (f" of --bins {n_bins}" if cli else f" of n_bins={n_bins}")
    text = (f"{target}: each {one} needs at least 2 rows and both splits a row of each {one} "
            f"({n} rows, {k} {many}{of_bins}, smallest {one} {counts.min()}; {ts}: "
            f"{n_test} test and {n_train} training rows)")
    if n_bins is not None:
        fewer = "--bins" if cli else "n_bins"
        text += f"; lower {fewer}, change {ts_name} or the data."
    else:
        fixes = []
        single = labels[counts < 2]
        if len(single):
            shown = ", ".join(repr(c) for c in single[:10].tolist())
            more = f", ... (+{len(single) - 10} more)" if len(single) > 10 else ""
            fixes.append(f"{len(single)} class(es) of a single row ({shown}{more}): drop "
                         "their rows or merge them into others")
        if n_test < k or n_train < k:
            side = "test" if n_test < k else "training"
            fixes.append(f"change {ts_name} (the {side} split has fewer "
                         f"rows than the {k} classes)")
        text += "; " + "; ".join(fixes)
        if numeric_labels:
            text += (", or pass --task regression if the values are a numeric target "
                     "(counts, amounts)" if cli else
                     ", or pass task='regression' (with a regressor) if the values are a "
                     "numeric target (counts, amounts)")
        text += "."
    raise ValueError(text)


def _resolve_metrics(metrics, norm):
    """The metric objects of ``metrics`` (``"epsilon"`` with the norm ``norm``)."""
    from ..metrics.interface import Metric, available_metrics, get_metric

    if isinstance(metrics, str) or not len(metrics):
        raise ValueError(f"metrics={metrics!r}: give a non-empty list of metric names, e.g. "
                         f"{list(COMPARE_METRICS)}.")
    known = available_metrics()
    for m in metrics:
        # checked here: the registry's message says metric=, compare's epsilon norm
        if not isinstance(m, Metric) and m not in known:
            raise ValueError(f"metrics: {m!r} is not registered (metrics={tuple(metrics)!r}); "
                             f"available: {', '.join(known)}.")
    out = [get_metric(m, distance=norm) if m == "epsilon" else get_metric(m)
           for m in metrics]
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise ValueError(f"metrics names a metric twice: {names}.")
    return out


def _resolve_methods(methods, method_params):
    """{label: unfitted reducer} for the methods whose dependencies are installed."""
    from ..base import BaseReducer

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
    names = method_names(methods, method_params, all_word="all", role="compared")
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


def _regression_reducers(reducers):
    """Leave out the methods that need classes; ask the others for real rows."""
    out = {}
    for label, red in reducers.items():
        if needs_classes(red):
            warnings.warn(f"compare: skipping method {label!r}: it needs class labels and the "
                          "target is continuous (regression).", UserWarning, stacklevel=3)
            continue
        out[label] = real_rows_reducer(red)
    if not out:
        raise ValueError("none of the requested methods can run on a regression target "
                         "(they all need class labels).")
    return out


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
    return clone(scaler)


