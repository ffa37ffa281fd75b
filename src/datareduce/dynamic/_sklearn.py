"""Dynamic pruning for scikit-learn estimators that learn incrementally (``partial_fit``)."""

from __future__ import annotations

import warnings

import numpy as np

from .._core.output import accepts_sample_weight
from .._core.strata import N_BINS, quantile_strata, target_kind
from .._core.validation import check_X, check_y, is_dataframe
from ._checks import check_int, seed_entropy
from ._pruner import POLICIES, DynamicPruner

__all__ = ["fit_dynamic"]

# spawn-key tag of fit_dynamic's per-epoch shuffles (the pruner's draws use the key (epoch,))
_SHUFFLE_TAG = 0x534846


def _log_loss_per_sample(estimator, X, y):
    proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    classes = np.asarray(estimator.classes_)
    col = np.searchsorted(classes, y)
    col = np.clip(col, 0, classes.size - 1)
    if not np.array_equal(classes[col], y):
        raise ValueError(
            "y has labels the estimator does not know: pass every label in classes=..."
        )
    p = proba[np.arange(y.shape[0]), col]
    return -np.log(np.clip(p, 1e-15, 1.0))


def _check_sparse_X(X):
    """A scipy.sparse ``X`` as a CSR matrix (row slices for ``partial_fit``), checked."""
    X = X.tocsr()
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got a sparse matrix of shape {X.shape}.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X has shape {X.shape}: pass at least one row and one feature.")
    if X.dtype.kind not in "biuf":
        raise TypeError(
            f"X is a sparse matrix of dtype {X.dtype}: pass real-valued features."
        )
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    if not np.isfinite(X.data).all():
        raise ValueError(
            "X (a sparse matrix) contains NaN or infinite values: impute or drop them first."
        )
    return X


def _strata(estimator, y):
    """Groups of ``stratify=True``: the classes, or a regression target's quantile bins."""
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(estimator):
        return y
    if is_regressor(estimator) or target_kind(y) == "regression":
        return quantile_strata(y, N_BINS)[0]
    return y


def fit_dynamic(
    estimator,
    X,
    y,
    *,
    epochs=10,
    pruner=None,
    keep=0.5,
    stratify=False,
    classes=None,
    batch_size=None,
    loss=None,
    random_state=None,
    initial_epoch=0,
):
    """Train ``estimator`` with ``partial_fit`` for ``epochs`` epochs on dynamically pruned rows.

    Each epoch: ask ``pruner`` for the rows, shuffle them, call ``partial_fit`` on them (in
    mini-batches of ``batch_size``, passing the pruner's weights as ``sample_weight`` when
    ``partial_fit`` accepts it), then compute the per-sample losses of those rows with the
    updated model and report them with ``pruner.update``. The default loss is the log loss
    from ``predict_proba`` for classifiers and the squared error from ``predict`` for
    regressors.

    Parameters
    ----------
    estimator : scikit-learn estimator with ``partial_fit``
        Trained in place (e.g. ``SGDClassifier(loss="log_loss")``, ``MLPClassifier``,
        ``Perceptron`` with a custom ``loss``).
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        Training rows. A sparse matrix is passed to ``partial_fit`` in row slices of its
        CSR form (e.g. TF-IDF features for ``SGDClassifier``); a DataFrame in row slices of
        a DataFrame with its column names (so the estimator gets ``feature_names_in_``).
    y : array-like of shape (n_samples,)
        Targets.
    epochs : int >= 1, default=10
        Number of epochs of the whole run: epochs ``initial_epoch .. epochs - 1`` (counted
        from 0) are trained.
    pruner : DynamicPruner, str or None, default=None
        Selection policy, created for ``len(X)`` rows. A policy name (``"uniform"``,
        ``"rs2"``, ``"epsilon_greedy"``, ``"ucb"``, ``"infobatch"``) builds
        ``DynamicPruner(len(X), keep=keep, policy=pruner, n_epochs=epochs)`` with its
        defaults; None means ``"uniform"``.
    keep : float in (0, 1] or int >= 1, default=0.5
        Rows per pruned epoch of a pruner built here (ignored for a DynamicPruner).
    stratify : bool, default=False
        Class-aware budgets: a pruner built here gets ``groups=y``, so every class keeps its
        share of each epoch. A regression target (a regressor's ``y``, or numbers that
        ``datareduce.base.target_kind`` calls a regression target) is stratified by its
        ``N_BINS = 10`` quantile bins instead (``datareduce.base.quantile_strata``, as the
        reducers' ``stratify=True``), not by each distinct value. With a DynamicPruner, pass
        ``groups=`` when creating it (``stratify=True`` then checks that it has groups).
    classes : array-like or None, default=None
        All class labels for classifiers (``partial_fit``'s ``classes``); None uses the
        labels of ``y``.
    batch_size : int >= 1 or None, default=None
        Rows per ``partial_fit`` call; None passes the whole epoch's subset at once.
    loss : callable or None, default=None
        ``loss(estimator, X_rows, y_rows) -> ndarray`` of per-sample losses (``X_rows`` as
        passed to ``partial_fit``); None uses the default described above.
    random_state : None or int, default=None
        Seed of the shuffling (epoch ``e``'s shuffle depends only on the seed and ``e``) and
        of the default pruner.
    initial_epoch : int >= 0, default=0
        First epoch to train, to resume a run (as ``PrunedSampler.set_epoch`` on the torch
        side): e.g. ``epochs=10, initial_epoch=5`` after a first call with ``epochs=5``
        and the pruner (or its ``state_dict``, restored with ``load_state_dict``) of that
        call. With the same ``random_state`` the two calls train as one call with
        ``epochs=10``: InfoBatch's annealing and RS2's rounds continue instead of starting
        over.

    Returns
    -------
    estimator
        The trained estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import SGDClassifier
    >>> from datareduce.dynamic import DynamicPruner, fit_dynamic
    >>> X, y = load_iris(return_X_y=True)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> pruner = DynamicPruner(len(X), keep=0.5, policy="infobatch", n_epochs=20, random_state=0)
    >>> clf = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), X, y,
    ...                   epochs=20, pruner=pruner, random_state=0)
    >>> clf.score(X, y) > 0.8
    True
    >>> sum(pruner.epoch_sizes_.values()) < 20 * len(X)
    True
    >>> clf = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), X, y, epochs=12,
    ...                   pruner="rs2", keep=0.25, stratify=True, random_state=0)
    >>> clf.score(X, y) > 0.7
    True
    """
    from sklearn.base import is_classifier, is_regressor

    if not hasattr(estimator, "partial_fit"):
        raise TypeError(
            f"{type(estimator).__name__} has no partial_fit: fit_dynamic trains incrementally; "
            "use e.g. SGDClassifier, SGDRegressor or MLPClassifier."
        )
    import scipy.sparse as sp

    columns = X.columns if is_dataframe(X) else None
    X = _check_sparse_X(X) if sp.issparse(X) else check_X(X)
    y = check_y(y, X.shape[0])
    if columns is not None:
        # keep the column names: partial_fit sets feature_names_in_ as on the DataFrame
        import pandas as pd

        X = pd.DataFrame(X, columns=columns, copy=False)
    n = X.shape[0]
    if isinstance(epochs, (bool, np.bool_)) or not isinstance(epochs, (int, np.integer)):
        raise TypeError(f"epochs must be an int >= 1, got {epochs!r}.")
    if epochs < 1:
        raise ValueError(f"epochs={epochs} must be >= 1.")
    initial_epoch = check_int(initial_epoch, "initial_epoch", minimum=0)
    if initial_epoch >= epochs:
        raise ValueError(
            f"initial_epoch={initial_epoch} must be less than epochs={epochs}: epochs counts "
            f"the whole run, so resuming after epoch {initial_epoch - 1} with 5 more epochs is "
            f"epochs={initial_epoch + 5}, initial_epoch={initial_epoch}."
        )
    if batch_size is not None and (
        isinstance(batch_size, (bool, np.bool_))
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size={batch_size!r} must be an int >= 1 or None.")
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"stratify must be True or False, got {stratify!r}.")
    if isinstance(pruner, str) and pruner not in POLICIES:
        raise ValueError(f"pruner={pruner!r} is unknown: pass a DynamicPruner, None, or a "
                         f"policy name, one of {', '.join(POLICIES)}.")
    if initial_epoch and isinstance(pruner, str) and pruner in ("epsilon_greedy", "ucb",
                                                                 "infobatch"):
        # a new pruner has no losses: the run would resume with fresh scores, silently
        raise ValueError(
            f"initial_epoch={initial_epoch} with pruner={pruner!r}: the {pruner!r} policy plans "
            "from the losses of the epochs before, and a pruner made from a policy name is "
            "built inside each call and not kept, so its losses are lost (a first call made "
            f"with pruner={pruner!r} cannot be resumed; train again from initial_epoch=0). "
            "To resume, pass the DynamicPruner of the first call: build it yourself for the "
            "whole run, e.g. "
            f"pruner = DynamicPruner(len(X), keep={keep!r}, policy={pruner!r}, "
            f"n_epochs={int(epochs)}, random_state=...) (with groups=... for stratify=True), "
            "and pass the same object as pruner=pruner to both calls (the first with "
            f"epochs={initial_epoch}, this one with epochs={int(epochs)}, "
            f"initial_epoch={initial_epoch}), or save pruner.state_dict() after the first call and restore it with "
            "load_state_dict into a pruner made with the same arguments."
        )
    if pruner is None or isinstance(pruner, str):
        pruner = DynamicPruner(n, keep=keep, policy="uniform" if pruner is None else pruner,
                               groups=_strata(estimator, y) if stratify else None,
                               n_epochs=int(epochs), random_state=random_state)
    if not isinstance(pruner, DynamicPruner):
        raise TypeError(
            f"pruner must be a DynamicPruner, a policy name or None, got {type(pruner).__name__}."
        )
    if stratify and pruner.groups is None:
        raise ValueError(
            "stratify=True but the pruner has no groups: create it with "
            "DynamicPruner(len(X), ..., groups=y), or pass the policy name as pruner=..."
        )
    if pruner.n_samples != n:
        raise ValueError(
            f"pruner was made for {pruner.n_samples} rows but X has {n}: create it with "
            f"DynamicPruner({n}, ...)."
        )
    if pruner.n_epochs is not None and pruner.n_epochs < epochs:
        raise ValueError(
            f"epochs={epochs} is more than the pruner's n_epochs={pruner.n_epochs}: create the "
            "pruner with n_epochs=epochs."
        )
    if loss is not None and not callable(loss):
        raise TypeError("loss must be a callable loss(estimator, X, y) -> per-sample losses.")

    classifier = is_classifier(estimator)
    fit_kwargs = {}
    if classifier:
        fit_kwargs["classes"] = np.unique(y) if classes is None else np.asarray(classes)
    if loss is None:
        if classifier and hasattr(estimator, "predict_proba"):
            loss = _log_loss_per_sample
        elif is_regressor(estimator):
            def loss(est, Xb, yb):
                return (np.asarray(est.predict(Xb), dtype=np.float64) - yb) ** 2
        elif pruner.policy not in ("uniform", "rs2"):
            raise ValueError(
                f"{type(estimator).__name__} has no predict_proba for the default log loss: "
                "pass loss=callable(estimator, X, y) returning per-sample losses (or use "
                "SGDClassifier(loss='log_loss'))."
            )
    weighted = accepts_sample_weight(estimator, "partial_fit")
    warned = False
    def take(rows):
        return X.iloc[rows] if columns is not None else X[rows]

    entropy = seed_entropy(random_state)
    for epoch in range(initial_epoch, int(epochs)):
        rows = pruner.indices(epoch)
        rng = np.random.default_rng(np.random.SeedSequence(entropy,
                                                           spawn_key=(_SHUFFLE_TAG, epoch)))
        rows = rows[rng.permutation(rows.size)]
        w = pruner.weights(rows)
        if not weighted and not warned and not np.allclose(w, 1.0):
            warnings.warn(
                f"{type(estimator).__name__}.partial_fit takes no sample_weight: the pruner's "
                "loss weights are ignored, so InfoBatch's rescaling is lost.",
                UserWarning,
                stacklevel=2,
            )
            warned = True
        step = rows.size if batch_size is None else int(batch_size)
        for start in range(0, rows.size, step):
            b = rows[start : start + step]
            kwargs = dict(fit_kwargs)
            if weighted:
                kwargs["sample_weight"] = w[start : start + step]
            estimator.partial_fit(take(b), y[b], **kwargs)
        if loss is not None:
            pruner.update(rows, loss(estimator, take(rows), y[rows]))
    return estimator
