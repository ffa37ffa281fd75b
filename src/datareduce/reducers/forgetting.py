"""FES, forgetting events: keep the rows a model keeps forgetting.

Toneva et al. ("An empirical study of example forgetting during deep neural network
learning", ICLR 2019) count, for every training row, how often it goes from correctly to
wrongly classified while a model trains. Rows that are never forgotten are redundant and
can be dropped; rows that are forgotten often, or never learned at all, are kept.

Two layers:

* :class:`ForgettingTracker` only counts. Call ``record(correct_mask)`` after every epoch
  of any training loop (a PyTorch loop, a scikit-learn ``partial_fit`` loop, ...), then
  ``select(keep)``.
* :class:`ForgettingEventsReducer` is the reducer: it trains a scikit-learn classifier that
  has ``partial_fit`` for ``epochs`` passes over all rows, feeds a tracker, and chooses
  each class's rows from the forgetting scores: coverage-centric by default, the most
  forgotten first with ``selection="reference"``.
"""

from __future__ import annotations

import numbers
import time

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval

from .._core.validation import check_keep, check_random_generator, draw_seed
from ..base import BaseReducer, Selection, allocate_quotas
from ._coverage import COVERAGE_CONSTRAINTS, CoverageSelectionMixin

__all__ = ["ForgettingEventsReducer", "ForgettingTracker"]


class ForgettingTracker:
    """Count forgetting events from per-epoch correctness masks.

    A forgetting event of row ``i`` is an epoch ``t`` at which the row is classified wrongly
    while it was classified correctly at the previous recorded epoch ``t - 1``. A row that
    is never classified correctly in any recorded epoch is *never learned*; it ranks above
    every forgotten row.

    Parameters
    ----------
    n_samples : int, optional
        Number of rows. Taken from the first mask when omitted.

    Attributes
    ----------
    n_epochs_ : int
        Number of masks recorded.
    forgetting_counts_ : ndarray of int, shape (n_samples,)
        Correct -> wrong transitions per row.
    n_correct_ : ndarray of int, shape (n_samples,)
        Epochs in which each row was classified correctly.
    never_learned_ : ndarray of bool, shape (n_samples,)
        Rows never classified correctly.

    Examples
    --------
    >>> tracker = ForgettingTracker()
    >>> for mask in ([1, 1, 0, 0], [0, 1, 0, 1], [1, 1, 0, 0]):
    ...     _ = tracker.record(mask)
    >>> tracker.forgetting_counts_.tolist(), tracker.never_learned_.tolist()
    ([1, 0, 0, 1], [False, False, True, False])
    >>> tracker.scores().tolist()  # never learned: n_epochs, above any count
    [1.0, 0.0, 3.0, 1.0]
    >>> tracker.select(2, random_state=0).tolist()  # tie 0 / 3: row 3 was correct less often
    [2, 3]
    """

    def __init__(self, n_samples=None):
        self.n_samples = n_samples
        self.n_epochs_ = 0
        self._previous = None
        if n_samples is not None:
            self._allocate(int(n_samples))

    def _allocate(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"n_samples={n} must be at least 1.")
        self.forgetting_counts_ = np.zeros(n, dtype=np.int64)
        self.n_correct_ = np.zeros(n, dtype=np.int64)

    @property
    def never_learned_(self) -> np.ndarray:
        self._check_recorded()
        return self.n_correct_ == 0

    def _check_recorded(self) -> None:
        if self.n_epochs_ == 0:
            raise ValueError("No epoch recorded yet: call record(correct_mask) after each epoch.")

    def record(self, correct_mask) -> ForgettingTracker:
        """Record which rows were classified correctly at the end of one epoch.

        Parameters
        ----------
        correct_mask : array-like of bool, shape (n_samples,)
            True where the row is classified correctly (e.g. ``model.predict(X) == y``; a
            torch tensor works after ``.cpu().numpy()``).

        Returns
        -------
        self : ForgettingTracker
        """
        mask = np.asarray(correct_mask)
        if mask.ndim != 1:
            raise ValueError(
                f"correct_mask must be 1-D (one entry per row); got shape {mask.shape}."
            )
        if mask.dtype != bool:
            if not np.isin(mask, (0, 1)).all():
                raise ValueError("correct_mask must hold booleans (or 0/1): True = correct.")
            mask = mask.astype(bool)
        if not hasattr(self, "forgetting_counts_"):
            self._allocate(mask.shape[0])
        if mask.shape[0] != self.forgetting_counts_.shape[0]:
            raise ValueError(
                f"correct_mask has {mask.shape[0]} entries but the tracker follows "
                f"{self.forgetting_counts_.shape[0]} rows; pass one entry per row, in the "
                "same order every epoch."
            )
        if self._previous is not None:
            self.forgetting_counts_ += self._previous & ~mask
        self.n_correct_ += mask
        self._previous = mask.copy()
        self.n_epochs_ += 1
        return self

    def scores(self) -> np.ndarray:
        """Forgetting score per row: the count, or ``n_epochs_`` for never-learned rows.

        No row can be forgotten more than ``n_epochs_ // 2`` times, so never-learned rows
        rank above all others.

        Returns
        -------
        ndarray of float, shape (n_samples,)
        """
        self._check_recorded()
        s = self.forgetting_counts_.astype(np.float64)
        s[self.never_learned_] = float(self.n_epochs_)
        return s

    def ranking(self, random_state=None) -> np.ndarray:
        """Rows from most to least forgotten.

        Ties on the score are broken by fewer correct epochs first (harder rows), then at
        random with ``random_state``.

        Returns
        -------
        ndarray of int, shape (n_samples,)
        """
        rng = check_random_generator(random_state)
        s = self.scores()
        return np.lexsort((rng.random(s.shape[0]), self.n_correct_, -s))

    def select(self, keep, y=None, *, random_state=None) -> np.ndarray:
        """Positions of the most forgotten rows.

        Parameters
        ----------
        keep : float in (0, 1] or int >= 1
            Fraction or number of rows kept.
        y : array-like of shape (n_samples,), optional
            Class labels: quotas per class proportional to class sizes (largest remainder,
            exact total), and each class keeps its most forgotten rows.
        random_state : None, int or numpy Generator
            Seed of the tie-breaking.

        Returns
        -------
        ndarray of int
            Kept positions, most forgotten first (per class, classes in sorted order).
        """
        self._check_recorded()
        n = self.forgetting_counts_.shape[0]
        n_keep = check_keep(keep, n)
        rng = check_random_generator(random_state)
        order = self.ranking(rng)
        if y is None:
            return order[:n_keep]
        y = np.asarray(y)
        if y.shape != (n,):
            raise ValueError(f"y has shape {y.shape}; expected ({n},), one label per row.")
        _, y_enc = np.unique(y, return_inverse=True)
        quotas = allocate_quotas(np.bincount(y_enc), n_keep)
        ranked_labels = y_enc[order]
        return np.concatenate([order[ranked_labels == c][:q] for c, q in enumerate(quotas)])


class ForgettingEventsReducer(CoverageSelectionMixin, BaseReducer):
    """FES: choose rows by how often a classifier forgets them while it trains.

    The model is trained on all rows for ``epochs`` passes (one ``partial_fit`` call per
    epoch on the rows in a fresh random order, features standardised). After each epoch
    every row is predicted; a *forgetting event* is a correct -> wrong change between
    consecutive epochs. A row's score is its number of forgetting events, and rows that are
    never classified correctly get the score ``epochs``, above any possible count
    (at most ``epochs // 2``). The model is trained once on all rows, so the training cost
    is a full warm-up run; it is reported in ``train_time_``.

    Two rules choose the kept rows of each class from the scores:

    * ``selection="coverage"`` (default): coverage-centric selection (Zheng et al., ICLR
      2023, :func:`~datareduce.reducers._coverage.coverage_choose`): the ``drop_hardest``
      fraction of most forgotten rows (never-learned rows first) is dropped, then the quota
      is spread over ``n_strata`` equal-width strata of the forgetting score. At a small
      kept fraction the reference rule keeps mostly never-learned rows, which sit in the
      other class's region (label noise, overlap): a model trained on them learns an
      inverted or one-class boundary (docs/quality-defaults.md).
    * ``selection="reference"``: the paper's rule (Toneva et al.): each class keeps its
      highest-scoring rows (ties: fewer correct epochs first, then random).

    Parameters
    ----------
    keep : float in (0, 1] or int >= 1, default=0.1
        Fraction of rows kept, or number of rows kept.
    estimator : classifier with ``partial_fit``, optional
        Cloned before use. Default: ``SGDClassifier(loss="log_loss")``. When it has a
        ``random_state`` parameter left at None, it is seeded from ``random_state``.
    epochs : int >= 2, default=10
        Training epochs (forgetting needs at least two recorded epochs).
    standardize : bool, default=True
        Standardise features (mean 0, variance 1) before training.
    stratify : bool, default=True
        Quotas per class proportional to class sizes; each class chooses from its own rows.
        With False, the rows are chosen over all classes at once.
    selection : {"coverage", "reference"}, default="coverage"
        Coverage-centric choice, or the paper's "most forgotten first".
    drop_hardest : float in [0, 1), default=0.3
        ``selection="coverage"``: fraction of each pool's most forgotten rows dropped first
        (0.3 measured best of 0, 0.1, 0.3 and 0.5 at keep 0.05-0.25).
    n_strata : int >= 1, default=10
        ``selection="coverage"``: number of equal-width forgetting-score strata.
    random_state : None, int or numpy Generator, default=None
        Seed of the row order, the estimator and the tie-breaking.
    space : "auto", "standard", "minmax", "passthrough", None or transformer, default="auto"
        Selection space (:mod:`datareduce.preprocessing`).
    reweight : None, "mmd" or callable, default=None
        Fit ``sample_weight_`` after the selection, in place of the method's own
        (``"mmd"``: :func:`datareduce._weights.mmd_weights`; see
        :class:`~datareduce.base.BaseReducer` and docs/weighted.md).

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Kept positions.
    sample_weight_ : ndarray of shape (n_kept,)
        Class size / class quota for each kept row (sums to n).
    scores_ : ndarray of shape (n_samples,)
        ``selection="reference"`` only: keep priority (higher is kept first), the rank of
        each row in the forgetting order, ties broken as above.
    forgetting_scores_ : ndarray of shape (n_samples,)
        Forgetting counts (``epochs`` for never-learned rows).
    forgetting_counts_ : ndarray of int, shape (n_samples,)
        Raw correct -> wrong transitions.
    never_learned_ : ndarray of bool, shape (n_samples,)
        Rows never classified correctly.
    tracker_ : ForgettingTracker
        The tracker fed during training.
    estimator_ : classifier or None
        The trained model; None when ``y`` has a single class (nothing is trained: every
        row is always classified right).
    train_time_ : float
        Seconds spent training and predicting (part of ``fit_time_``).

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True)
    >>> fes = ForgettingEventsReducer(keep=0.2, epochs=5, random_state=0,
    ...                               selection="reference").fit(X, y)
    >>> len(fes.sample_indices_), np.bincount(y[fes.sample_indices_]).tolist()
    (36, [12, 14, 10])
    >>> bool(fes.forgetting_scores_[fes.sample_indices_].mean() >= fes.forgetting_scores_.mean())
    True
    """

    _requires_y = True
    _requires_classes = True
    _selection = "score"
    _score_per_pool = False  # one model trained on all rows
    _parameter_constraints = {
        **BaseReducer._parameter_constraints,
        "estimator": [None, HasMethods(["partial_fit"])],
        "epochs": [Interval(numbers.Integral, 2, None, closed="left")],
        "standardize": ["boolean"],
        **COVERAGE_CONSTRAINTS,
    }

    def __init__(self, keep=0.1, *, estimator=None, epochs=10, standardize=True,
                 stratify=True, selection="coverage", drop_hardest=0.3, n_strata=10,
                 random_state=None, space="auto", reweight=None):
        self.keep = keep
        self.estimator = estimator
        self.epochs = epochs
        self.standardize = standardize
        self.stratify = stratify
        self.selection = selection
        self.drop_hardest = drop_hardest
        self.n_strata = n_strata
        self.random_state = random_state
        self.space = space
        self.reweight = reweight

    def _check_params(self, X, y):
        est = self.estimator
        if est is None:
            return
        import inspect

        from sklearn.base import is_regressor

        try:
            params = inspect.signature(est.partial_fit).parameters
        except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
            params = {}
        takes_classes = "classes" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if is_regressor(est) or (params and not takes_classes):
            what = ("is a regressor" if is_regressor(est)
                    else "has a partial_fit without classes=")
            raise ValueError(
                f"estimator={type(est).__name__}() {what}: ForgettingEventsReducer counts "
                "how often a classifier's prediction of a row's class goes from right to "
                "wrong, and trains it with partial_fit(X, y, classes=...). Pass a classifier "
                "with partial_fit (the default SGDClassifier(loss='log_loss'), Perceptron, "
                "MLPClassifier, GaussianNB), or use a method without a classifier for a "
                "regression target (e.g. 'srs', 'clc', 'kt').")

    def _make_estimator(self, rng):
        from sklearn.base import clone

        if self.estimator is None:
            from sklearn.linear_model import SGDClassifier

            est = SGDClassifier(loss="log_loss")
        else:
            est = clone(self.estimator)
        params = est.get_params()
        if "random_state" in params and params["random_state"] is None:
            est.set_params(random_state=draw_seed(rng))
        return est

    def _score(self, X, y, rng):
        from sklearn.preprocessing import StandardScaler

        start = time.perf_counter()
        n_classes = int(y.max()) + 1
        Xs = StandardScaler().fit_transform(X) if self.standardize else X
        tracker = ForgettingTracker(X.shape[0])
        est = self._make_estimator(rng)
        n = X.shape[0]
        if n_classes == 1:
            # a single class is always predicted correctly: no forgetting, no training
            for _ in range(self.epochs):
                tracker.record(np.ones(n, dtype=bool))
            est = None
        else:
            for _ in range(self.epochs):
                perm = rng.permutation(n)
                try:
                    est.partial_fit(Xs[perm], y[perm], classes=np.arange(n_classes))
                except ValueError as exc:
                    explained = self._explain(exc, Xs)
                    if explained is exc:  # not ours to explain: as raised (no self-cause)
                        raise
                    raise explained from exc
                tracker.record(est.predict(Xs) == y)
        order = tracker.ranking(rng)  # most forgotten first, ties as documented
        priority = np.empty(n)
        priority[order] = np.arange(n, 0, -1, dtype=np.float64)
        scores = priority if self.selection == "reference" else tracker.scores()
        return Selection(scores=scores, info={
            "tracker": tracker, "estimator": est, "priority": priority,
            "train_time": time.perf_counter() - start})

    def _explain(self, exc, Xs):
        """The estimator's refusal of negative features, which FES's own preparation made
        (review10/b 11: MultinomialNB on counts said 'Negative values' of an X without any);
        other errors unchanged."""
        if "negative" not in str(exc).lower() or not (Xs < 0).any():
            return exc
        if not self.standardize:  # FES did not centre them: its space may have, or the data
            if self.space in ("passthrough", None):
                return exc
            return ValueError(
                f"{exc} The features the estimator saw are in ForgettingEventsReducer's "
                f"selection space (space={self.space!r}), which may standardise numeric "
                "columns; for an estimator that needs non-negative features pass "
                "space='minmax' (or 'passthrough' for features that are already "
                "non-negative).")
        return ValueError(
            f"{exc} The features the estimator saw were prepared by ForgettingEventsReducer: "
            "standardize=True (the default) centres them, and the default space standardises "
            "the numeric columns of a table with text or missing values. For an estimator "
            "that needs non-negative features (MultinomialNB, ComplementNB, CategoricalNB) "
            "pass standardize=False, and space='minmax' for such a table.")

    def _store_info(self, infos):
        (_, info), = infos
        tracker = info["tracker"]
        self.tracker_ = tracker
        self.estimator_ = info["estimator"]  # None: one class, nothing trained
        self.forgetting_counts_ = tracker.forgetting_counts_.copy()
        self.never_learned_ = tracker.never_learned_
        self.forgetting_scores_ = tracker.scores()
        self.train_time_ = info["train_time"]
        self._set_reference_scores(infos)
