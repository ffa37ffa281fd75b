"""What the protocol and the search share: the task, regression strata, scorers, reduced rows.

* :func:`infer_task` tells classification from regression: the package's one rule,
  :func:`datareduce._core.strata.target_kind`.
* :func:`estimator_task` is that rule with the estimator's own type first (a regressor's
  target is a regression target, a classifier's are classes): the one task of
  :func:`compare` and the search.
* :func:`quantile_strata` is a deprecated alias of :func:`datareduce.base.quantile_strata`
  (the one binning of a regression target).
* :func:`check_scoring_for_task` refuses a scorer that does not fit the task or the labels
  before any training: the one rule of :func:`compare`, the search and the CLI.
* :func:`get_scorers` resolves scorer names; ``"mae"`` is the mean absolute error itself
  (lower is better), next to scikit-learn's ``"neg_mean_absolute_error"``.
* :func:`reduce_rows` reduces a training set for training: it tells the reducer the task
  (the reducer bins a regression target itself and resolves its selection space) and returns
  the reduced set and its weights. Reducers that emit synthetic rows (``output="centroids"``)
  are switched to real rows (``output="medoids"``) for a regression target, where a
  synthetic row has no target.
"""

from __future__ import annotations

import numpy as np

from .._core.strata import TASKS, target_kind
from .._core.strata import quantile_strata as _quantile_strata
from .._core.validation import as_array

__all__ = ["TASKS", "check_scoring_for_task", "estimator_task", "get_scorers", "infer_task", "needs_classes", "quantile_strata", "reduce_rows", "scorer_items"]


#: Scorers of one positive class, scikit-learn's default ``pos_label=1``: of two classes they
#: need the labels 0/1 (or -1/1). ``average_precision`` also averages over more classes;
#: the others then need their ``_macro`` (``_weighted``) form. (``roc_auc`` takes any two
#: labels, ``classes_[1]`` positive; more classes need ``roc_auc_ovr``.) The one list of
#: the library and the CLI (``datareduce compare`` recodes ``--pos-label`` by it).
BINARY_SCORERS = ("f1", "precision", "recall", "jaccard", "average_precision")
#: Scorer names (prefixes) of one task: a scorer of the other task is refused before any
#: work. ``d2_log_loss_score`` and ``d2_brier_score`` are classification scorers, the
#: regression ``d2_`` scorer is ``d2_absolute_error_score``.
CLASSIFICATION_SCORERS = ("accuracy", "balanced_accuracy", "top_k_accuracy", "f1", "precision",
                          "recall", "jaccard", "roc_auc", "average_precision", "neg_log_loss",
                          "neg_brier_score", "matthews_corrcoef", "d2_log_loss_score",
                          "d2_brier_score", "positive_likelihood_ratio",
                          "neg_negative_likelihood_ratio")
#: Two-class scorers of any two labels, and those that need numeric labels when there are two
LIKELIHOOD_RATIOS = ("positive_likelihood_ratio", "neg_negative_likelihood_ratio")
BRIER_SCORERS = ("neg_brier_score", "d2_brier_score")
REGRESSION_SCORERS = ("r2", "explained_variance", "max_error", "neg_mean_", "neg_median_",
                      "neg_root_mean_", "neg_max_error", "d2_absolute_error_score", "mae")


def scorers_instead(scoring):
    """The scorers (scikit-learn names) advised instead of the binary scorer ``scoring``
    on labels it cannot score: ``roc_auc`` of more than two classes, ``average_precision``
    of two classes that are not 0/1, the others of classes other than 0/1."""
    if scoring == "roc_auc":
        return ("roc_auc_ovr", "roc_auc_ovr_weighted")
    if scoring == "average_precision":  # (no _macro form; roc_auc ranks any two labels)
        return ("roc_auc", "f1_macro")
    return (f"{scoring}_macro", f"{scoring}_weighted")


def check_scoring_for_task(scoring, task, y, *, cli=False, target_name=None):
    """Refuse a scorer that does not fit the task before any training: a regression scorer
    for classes, any scorer but a regression one for a regression target (classification
    and clustering scorers compute numbers there, meaningless ones), a scorer of a positive
    class (``f1``, ``average_precision`` ...) on labels other than 0/1, ``roc_auc`` on more
    than two classes. Every scorer it advises is a scikit-learn scorer. The one check of
    :func:`~datareduce.evaluation.compare`, the search and the CLI (``cli=True``: the
    options' names, ``--scoring``, ``--target`` with ``target_name``, ``--task``)."""
    if not isinstance(scoring, str):
        return

    def name(s):
        return f"--scoring {s}" if cli else f"scoring={s!r}"

    def task_option(t):
        return f"--task {t}" if cli else f"task={t!r}"

    said = name(scoring)
    target = ("y" if not cli else "--target" if target_name is None
              else f"--target {target_name!r}")
    if task == "classification" and scoring.startswith(REGRESSION_SCORERS):
        raise ValueError(f"{said} is a regression scorer and {target} is a classification "
                         f"target: use e.g. {name('f1_macro')}, or "
                         f"{task_option('regression')}.")
    if task == "regression" and not scoring.startswith(REGRESSION_SCORERS):
        kind = ("a classification scorer" if scoring.startswith(CLASSIFICATION_SCORERS)
                else "not a regression scorer")  # clustering scorers: rand_score ...
        raise ValueError(f"{said} is {kind} and {target} is a regression "
                         f"target: use {name('r2')} or {name('neg_mean_absolute_error')}, "
                         f"or {task_option('classification')}.")
    if task != "classification":
        return
    classes = np.unique(np.asarray(y))
    if scoring.endswith("_samples"):  # f1_samples ...: one 0/1 column per label
        base = scoring.removesuffix("_samples")
        raise ValueError(f"{said} scores a multilabel target (one 0/1 column per label) and "
                         f"{target} has one label per row: use {name(base + '_macro')} or "
                         f"{name(base + '_weighted')}.")
    if scoring in LIKELIHOOD_RATIOS and len(classes) > 2:
        raise ValueError(f"{said} needs two classes and {target} has {len(classes)}: use "
                         f"{name('balanced_accuracy')} or {name('f1_macro')}.")
    if scoring in BRIER_SCORERS and len(classes) == 2 and classes.dtype.kind not in "biuf":
        raise ValueError(f"{said} needs two classes labelled by numbers (the larger one "
                         f"positive) and {target} has {classes[0]!s}, {classes[1]!s}: use "
                         f"{name('neg_log_loss')} or {name('d2_log_loss_score')}.")
    if scoring not in (*BINARY_SCORERS, "roc_auc"):
        return
    labels01 = len(classes) == 2 and set(classes.tolist()) in ({0, 1}, {-1, 1})
    if scoring == "roc_auc" and len(classes) <= 2 or labels01:
        return
    if scoring == "average_precision" and len(classes) > 2:
        return  # averaged over the classes (scikit-learn's multiclass average_precision)
    names = [str(c) for c in classes.tolist()]
    if any(isinstance(c, str) and _reads_as_number(c) for c in classes.tolist()):
        names = [repr(c) for c in classes.tolist()]  # text "0"/"1" is not the numbers 0/1
    shown = ", ".join(names[:8]) + (f", ... (+{len(names) - 8} more)" if len(names) > 8 else "")
    if names[0].startswith("'"):
        shown += " (text)"
    a, b = scorers_instead(scoring)
    if scoring != "roc_auc" and len(classes) == 2 and 1 in classes.tolist():
        # scikit-learn would score it with 1 positive (pos_label=1), which labels such as
        # 1/2 may not mean: the labels are to say which class is positive
        raise ValueError(f"{said} scores class 1 as the positive one (scikit-learn's "
                         f"pos_label=1) and {target} has {shown}: recode {target} to 0/1 "
                         f"with 1 the positive class, or use {name(a)} or {name(b)}.")
    need = ("two classes" if scoring == "roc_auc"
            else "two classes labelled 0/1 (or -1/1)")
    raise ValueError(f"{said} needs {need} and {target} has {shown}: use {name(a)} or "
                     f"{name(b)}.")


def infer_task(y, task: str = "auto") -> str:
    """``"classification"`` or ``"regression"`` for the target ``y``.

    The package's one rule for the target type,
    :func:`datareduce._core.strata.target_kind` (the reducers and the CLI use it too).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"``: regression when scikit-learn's ``type_of_target`` says "continuous"
        (floats that are not all integers), or for whole numbers with more than
        ``max(50, n_samples // 20)`` distinct values (integer prices, counts) unless they
        repeat as classes do (at least 16 rows per value on average, at most 5 % of the
        values seen once); classification otherwise (text, booleans, categoricals, few or
        repeated whole numbers).

    Examples
    --------
    >>> infer_task([0.5, 1.25, 3.0]), infer_task(["a", "b"]), infer_task([1.0, 2.0, 1.0])
    ('regression', 'classification', 'classification')
    >>> infer_task(list(range(1000, 1100)))   # 100 distinct integers
    'regression'

    """
    return target_kind(y, task)


def estimator_task(y, task, estimator, *, cli=False, warn=True, stacklevel=2):
    """The task of ``y`` for ``estimator``: the package's one rule for the target type
    (:func:`~datareduce._core.strata.target_kind`) checked against the estimator's own type
    (scikit-learn's ``is_regressor`` / ``is_classifier``, which see through pipelines).
    Under ``task="auto"`` the estimator's type comes first: a regressor's target is a
    regression target (whole-number counts too), a classifier's are classes (floats too).
    An estimator of neither type (or None) gets the rule alone. When the estimator
    overrides the rule, a ``UserWarning`` says which won and how to override it
    (``task=...``; ``cli=True``: ``--task ...``). A declared task that contradicts the
    estimator's type (``task="regression"`` with a classifier, ``task="classification"``
    with a regressor), and class labels (text, a categorical) given to a regressor, are
    refused before any training (``task="regression"`` with a classifier only on numbers that
    are not whole: ordinal labels scored as numbers are whole). The one rule of :func:`~datareduce.evaluation.compare`,
    the search and the CLI.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target.
    task : {"auto", "classification", "regression"}
        A declared task is returned as given when the estimator's type agrees (a
        ``ValueError`` otherwise); ``"auto"`` applies the estimator, then the rule.
    estimator : scikit-learn estimator or None
        The model trained on the reduced sets.
    cli : bool, default=False
        Name the options in the CLI's words (``--task ...``, ``--target``).
    warn : bool, default=True
        Warn when the estimator's type overrides the rule (``False``: decide silently, as
        :class:`datareduce.Pipeline` does for its reducer steps on every fit).
    stacklevel : int, default=2
        The warning's ``stacklevel``, counted from the caller of this function.

    Returns
    -------
    str
        ``"classification"`` or ``"regression"``.

    Raises
    ------
    ValueError
        A declared task the estimator's type contradicts, or a regressor given class
        labels.
    """
    from sklearn.base import is_classifier, is_regressor

    if task not in TASKS:
        target_kind(y, task)  # the rule's own refusal of an unknown task
    if estimator is None:
        return target_kind(y, task)

    def option(t):
        return f"--task {t}" if cli else f"task={t!r}"

    name = type(estimator).__name__
    target = "--target" if cli else "y"
    try:
        regressor, classifier = is_regressor(estimator), is_classifier(estimator)
    except (AttributeError, TypeError):  # not a scikit-learn estimator: the rule alone
        return target_kind(y, task)
    if regressor == classifier:  # neither type (or both): the rule alone
        return target_kind(y, task)
    if task == "regression" and classifier and _has_fractions(y):
        raise ValueError(f"{option('regression')} and the estimator ({name}) is a "
                         f"classifier, which cannot train on a numeric target: pass a "
                         f"regressor (e.g. Ridge) with {option('regression')}, or "
                         f"{option('classification')} (or {option('auto')}) if {target}'s "
                         "values are classes.")
    if task == "classification" and regressor:
        raise ValueError(f"{option('classification')} and the estimator ({name}) is a "
                         f"regressor, which cannot train on class labels: pass a classifier "
                         f"(e.g. LogisticRegression) with {option('classification')}, or "
                         f"{option('regression')} (or {option('auto')}) if {target} is a "
                         "numeric target.")
    if regressor:
        _check_numeric_for_regressor(y, name, cli)
    kind = target_kind(y, task)
    if task != "auto":
        return kind
    if kind == "classification" and regressor:
        import warnings

        if warn:
            warnings.warn(f"y's values would be taken for classes by the target rule, but the "
                          f"estimator ({name}) is a regressor: y is treated as a regression "
                          f"target (the estimator's type wins); pass {option('classification')} "
                          "with a classifier if the values are classes.", UserWarning,
                          stacklevel=stacklevel + 1)
        return "regression"
    if kind == "regression" and classifier:
        import warnings

        if warn:
            warnings.warn(f"y would be a regression target by the target rule, but the "
                          f"estimator ({name}) is a classifier: y's values are treated as classes "
                          f"(the estimator's type wins); pass {option('regression')} with a "
                          "regressor if they are a numeric target.", UserWarning,
                          stacklevel=stacklevel + 1)
        return "classification"
    return kind


def _has_fractions(y) -> bool:
    """Whether ``y`` holds numbers that are not whole (a numeric target no classifier can
    train on); whole numbers (ratings, ordinal labels) and non-numbers are not."""
    arr = as_array(y).ravel()
    if arr.dtype.kind != "f":
        return False
    finite = arr[np.isfinite(arr)]
    return bool(np.any(finite != np.round(finite)))


def _check_numeric_for_regressor(y, name, cli):
    """Refuse class labels (text, booleans, a categorical) given to the regressor ``name``,
    advising a classifier: the target rule's own refusal (``task='regression' needs a
    numeric y``) names a task, and no task makes a regressor train on labels."""
    try:
        target_kind(y, "regression")
        return
    except ValueError:
        dtype = getattr(y, "dtype", None)
        arr = as_array(y).ravel()
        if arr.dtype.kind == "c":  # complex numbers: the rule's own refusal
            raise
    example = arr[0] if arr.size else None
    if isinstance(example, np.generic):
        example = example.item()
    if getattr(dtype, "name", None) == "category":
        what = f"a categorical of {arr.dtype} values, e.g. {example!r}"
        numbers = "numbers (not a categorical)"
    else:
        what = f"{arr.dtype} values, e.g. {example!r}"
        numbers = "numbers"
    target, column = ("--target", "a --target column") if cli else ("y", "a y")
    raise ValueError(f"{target} holds class labels ({what}) and the estimator ({name}) is a "
                     f"regressor: pass a classifier (e.g. LogisticRegression) for class "
                     f"labels, or {column} of {numbers} for a numeric target.")


def quantile_strata(y, n_bins: int = 5) -> np.ndarray:
    """Deprecated: use :func:`datareduce.base.quantile_strata` (codes and edges).

    Returns the codes of ``datareduce.base.quantile_strata(y, n_bins)[0]``; removed in 0.3.
    """
    import warnings

    warnings.warn("datareduce.evaluation.quantile_strata is deprecated and will be removed in "
                  "0.3: use datareduce.base.quantile_strata(y, n_bins), which returns the codes "
                  "and the bin edges (codes, edges = ...).", FutureWarning, stacklevel=2)
    return _quantile_strata(y, n_bins)[0]


def needs_classes(reducer) -> bool:
    """Whether the reducer's definition needs class labels (it cannot run on a continuous y)."""
    from ..base import reducer_tags

    return bool(reducer_tags(reducer).requires_classes)


def _mae(estimator, X, y):
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(y, estimator.predict(X)))


def scorer_items(scoring, task: str) -> list:
    """``[(column, spec)]`` of ``scoring``: each spec a scorer name or a callable
    ``scorer(estimator, X, y)``, each column a distinct name.

    ``scoring`` is what scikit-learn's ``cross_validate`` takes: None (the task's default,
    ``accuracy, f1_macro`` or ``r2, mae``), a name, a callable (``make_scorer(...)`` or a
    function; its column is the function's name, e.g. ``fbeta_score``), a list of names and
    callables, or a dict ``{column: name or callable}``.

    Parameters
    ----------
    scoring : None, str, callable, sequence or dict
        The scorers, as above.
    task : {"classification", "regression"}
        The task whose default scorers None gives.

    Returns
    -------
    list of (str, str or callable)

    Examples
    --------
    >>> from sklearn.metrics import fbeta_score, make_scorer
    >>> [c for c, _ in scorer_items(["accuracy", make_scorer(fbeta_score, beta=2)],
    ...                             "classification")]
    ['accuracy', 'fbeta_score']
    """
    from collections.abc import Mapping

    if scoring is None:
        scoring = ("accuracy", "f1_macro") if task == "classification" else ("r2", "mae")
    if isinstance(scoring, str) or callable(scoring):
        scoring = (scoring,)
    if isinstance(scoring, Mapping):
        items = []
        for key, spec in scoring.items():
            if not isinstance(key, str):
                raise ValueError(f"scoring: the dict's keys are the score columns and must be "
                                 f"text, got {key!r}.")
            items.append((key, spec))
    else:
        try:
            items = [(_scorer_column(spec), spec) for spec in scoring]
        except TypeError:
            raise TypeError(f"scoring must be a scorer name, a callable scorer(estimator, X, "
                            f"y), a list of them or a dict {{column: scorer}}, got "
                            f"{type(scoring).__name__}.") from None
    if not items:
        raise ValueError("scoring must name at least one scorer, e.g. scoring=('accuracy',).")
    for column, spec in items:
        if not isinstance(spec, str) and not callable(spec):
            raise TypeError(f"scoring[{column!r}] must be a scorer name or a callable "
                            f"scorer(estimator, X, y), got {type(spec).__name__}.")
    columns = [c for c, _ in items]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise ValueError(f"scoring gives two scores the column name {twice[0]!r}: pass a dict "
                         f"{{column: scorer}} to name them, e.g. scoring={{'{twice[0]}_a': "
                         f"..., '{twice[0]}_b': ...}}.")
    return items


def _scorer_column(spec) -> str:
    """The column of one scorer of a list: its name, or a callable's function name
    (``make_scorer(fbeta_score, ...)``: ``fbeta_score``)."""
    if isinstance(spec, str):
        return spec
    if not callable(spec):
        raise TypeError(type(spec).__name__)
    func = getattr(spec, "_score_func", spec)  # scikit-learn's make_scorer object
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) and name != "<lambda>" else type(spec).__name__


def get_scorers(scoring, task: str) -> dict:
    """``{column: scorer(estimator, X, y)}`` of :func:`scorer_items`; default ``accuracy,
    f1_macro`` or ``r2, mae``; ``"mae"`` is the mean absolute error itself."""
    from sklearn.metrics import get_scorer

    out = {}
    for column, spec in scorer_items(scoring, task):
        if not isinstance(spec, str):
            out[column] = spec
        elif spec == "mae":
            out[column] = _mae
        else:
            try:
                out[column] = get_scorer(spec)
            except ValueError as exc:
                raise ValueError(f"scoring: unknown scorer {spec!r} ({exc})") from None
    return out


def real_rows_reducer(reducer):
    """A clone asking for real rows when the reducer can emit synthetic ones (CLC's
    ``output="centroids"``, and ``"auto"``, which gives centroids for class labels)."""
    from sklearn.base import clone

    red = clone(reducer)
    if red.get_params(deep=False).get("output") in ("centroids", "auto"):
        red.set_params(output="medoids")
    return red


def reduce_rows(reducer, X, y, *, task: str = "auto"):
    """Fit ``reducer`` (in place) on a training set; return ``(X_kept, y_kept, sample_weight)``.

    The reducer decides the selection space (its ``space``) and bins a regression target
    (its ``stratify``: ``True`` for the default number of bins, an int for that many); this
    function only tells it the ``task`` and takes the reduced set through the package's one
    path (:func:`datareduce._core.output.reduced_data`).

    Parameters
    ----------
    reducer : datareduce reducer, unfitted
        Fitted here. For regression, pass it through :func:`real_rows_reducer` first if it
        may emit synthetic rows.
    X, y : training rows and targets.
    task : {"auto", "classification", "regression"}, default="auto"
        Passed to the reducer's ``fit``; a regression target keeps its values on the kept
        rows.

    Returns
    -------
    ReducedSet
        ``(X, y, sample_weight)``: rows of ``X`` and ``y`` (same containers), or the
        reducer's synthetic rows when it emits them (classification only), and the weights.
    """
    from .._core.output import reduced_data

    reducer.fit(X, y, task=task)
    if task == "regression" and reducer.synthetic_ is not None:
        raise ValueError(f"{type(reducer).__name__} emitted synthetic rows, which have no "
                         "continuous target: ask it for real rows (e.g. output='medoids').")
    return reduced_data(reducer, X, y)


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
