"""The reducer contract: validation, strata, quotas, templates, weights and output containers.

A reduction method subclasses :class:`BaseReducer` and picks ONE of two templates:

pool-wise (``_selection = "pool"``)
    implement ``_select(X, n_select, rng) -> Selection``: choose ``n_select`` rows of one
    pool (one class when stratifying, else all rows). The base splits the pools, allocates
    the quotas, concatenates the results and computes the weights.
score-then-top-k (``_selection = "score"``)
    implement ``_score(X, y, rng) -> Selection`` (``scores`` set, higher kept first): score
    the rows, per pool (``_score_per_pool`` true) or over all rows with the label codes
    ``y``; the base keeps the top ``q`` rows of each pool. A method that chooses from its
    scores otherwise (e.g. spread over strata) overrides ``_choose`` and then sets no
    ``scores_``.

A method whose definition spans classes and is neither (DES) sets ``_selection = "global"``
and implements ``_reduce(X, y, n_keep, rng) -> Selection``; it is the documented exception.

Per-pool results travel back in ``Selection.info`` (a dict); the base hands every pool's
info to ``_store_info`` once at the end of ``fit``. Nothing is stored on ``self`` while
selecting.

Parameters are declared in ``_parameter_constraints`` and checked once by scikit-learn's
``_fit_context``; data-dependent checks go in ``_check_params(X, y)``.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._core.input import (
    _check_finite,
    _check_no_inf,
    _few,
    _one_hot_to_labels,
    _plain,
    _RowsOnly,
)
from ._core.output import reduced_set
from ._core.strata import (
    N_BINS,
    TASKS,
    allocate_quotas,
    lost_strata_text,
    quantile_strata,
    target_kind,
)
from ._core.tags import (
    PIPELINE_HINT,
    NoSamplingType,
    NoTransform,
    ReducerTags,
    foreign_pipeline_caller,
    reducer_tags,
    sampler_tags,
)
from ._core.validation import (
    as_array,
    check_keep,
    check_random_generator,
    is_dataframe,
    library_of,
    user_stacklevel,
    warn_if_duplicates,
)
from ._core.weights import normalised_weights, reweighted
from .preprocessing import SPACE_OPTIONS, check_unique_columns, describe_space, resolve_space

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - old scikit-learn (the giotto environment)
    def _validate_data(est, X, *, skip_check_array=False, **kwargs):
        # before 1.6 the method's flag was cast_to_ndarray (the opposite meaning)
        return est._validate_data(X, cast_to_ndarray=not skip_check_array, **kwargs)

__all__ = [
    "BaseReducer",
    "ReducerTags",
    "Selection",
    "allocate_quotas",
    "quantile_strata",
    "reduced_set",
    "reducer_tags",
]

@dataclass
class Selection:
    """What a method returns for one pool (pool-wise) or for the data (score, global).

    Attributes
    ----------
    indices : ndarray of int
        Positions into the pool of the kept rows, in selection order (no duplicates).
        Unused by the score template, whose base picks the rows.
    weights : ndarray of float, optional
        How many rows each kept row stands for (relative values are what matter: the base
        rescales them so that each class's weights sum to the class size).
    scores : ndarray of float, optional
        One score per row, higher is kept first.
    synthetic : ndarray, optional
        Synthetic rows (e.g. cluster centroids), one per kept index.
    info : dict
        Method-specific per-pool results, handed to ``_store_info`` at the end of ``fit``
        (the base adds ``"rows"``: the pool's positions in X).
    """

    indices: np.ndarray | None = None
    weights: np.ndarray | None = None
    scores: np.ndarray | None = None
    synthetic: np.ndarray | None = None
    info: dict = field(default_factory=dict)


class _Fraction(Interval):
    """scikit-learn's interval of non-integer reals, also satisfied by numpy's floating
    scalars (np.float32, np.float16, np.longdouble; RealNotInt registers only Python's float
    and its subclasses), as :func:`~datareduce._core.validation.check_keep` accepts them:
    ``fit`` converts the value once, there (explore3/tables 05)."""

    def is_satisfied_by(self, val):
        if isinstance(val, np.floating) and not isinstance(val, float):
            val = float(val)
        return super().is_satisfied_by(val)


def _keep_constraint():
    from sklearn.utils._param_validation import RealNotInt

    return [_Fraction(RealNotInt, 0, 1, closed="right"), Interval(numbers.Integral, 1, None,
                                                                   closed="left")]


class BaseReducer(BaseEstimator):
    """Base class of every reducer: a scikit-learn estimator that selects rows.

    Parameters common to reducers
    -----------------------------
    keep : float in (0, 1] or int >= 1
        Fraction of rows kept (``round(keep * n)``, at least one) or number of rows kept.
    stratify : bool or int >= 2
        With ``y`` given, run the method per stratum with quotas proportional to the
        stratum sizes (largest remainder, exact total, every stratum keeps a row when the
        total allows). Strata are the classes; for a regression target (the rule of
        :func:`datareduce._core.strata.target_kind`, or ``fit(..., task="regression")``)
        they are quantile bins, 10 of them for ``True`` or the given number.
    random_state : None, int, numpy Generator or RandomState
        Seed of every random choice; the same int gives the same selection.
    space : "auto", "standard", "minmax", "passthrough", None or a transformer
        The space the method measures rows in (see :mod:`datareduce.preprocessing`);
        the returned rows are always the original ones.
    reweight : None, "mmd" or callable
        Fit ``sample_weight_`` to the data after selecting: ``"mmd"`` gives, per class, the
        non-negative weights of the kept rows that minimise the MMD (Gaussian kernel,
        median-heuristic bandwidth) to all rows of the class
        (:func:`datareduce._weights.mmd_weights`); a callable ``f(X_pool, kept_positions)``
        returns its own. Weights still sum to each class's size. With synthetic output
        (CLC's ``output="centroids"``) ``"mmd"`` weighs the centroids themselves, starting
        from the cluster sizes (never further from the class than they are); a callable,
        which takes positions of rows of X, is refused there.
    """

    _parameter_constraints: dict = {
        "keep": _keep_constraint(),
        "stratify": ["boolean", Interval(numbers.Integral, 2, None, closed="left")],
        "random_state": [None, Interval(numbers.Integral, 0, None, closed="left"),
                         np.random.RandomState, np.random.Generator],
        "space": [StrOptions(set(SPACE_OPTIONS)), None, HasMethods(["fit_transform"])],
        "reweight": [None, StrOptions({"mmd"}), callable],
    }

    _selection = "pool"  # "pool" | "score" | "global"
    _requires_y = False
    _requires_classes = False
    _synthetic_output = False
    _accepts_sparse = False
    _score_per_pool = True  # score template: score each pool separately
    _reads_X = True  # False: the method never reads the values (random sampling)

    # ------------------------------------------------------------------ hooks
    def _check_params(self, X: np.ndarray, y) -> None:
        """Data-dependent parameter checks (after ``_parameter_constraints``)."""

    def _select(self, X: np.ndarray, n_select: int, rng: np.random.Generator) -> Selection:
        """Pool-wise template: choose ``n_select`` rows of one pool ``X``."""
        raise NotImplementedError

    def _score(self, X: np.ndarray, y, rng: np.random.Generator) -> Selection:
        """Score template: scores (higher kept first) of the rows of ``X``."""
        raise NotImplementedError

    def _choose(self, scores: np.ndarray, n_select: int, rng) -> np.ndarray:
        """Score template: the kept positions of one pool; the top ``n_select`` scores.

        Ties go to the lower position.
        """
        return np.argsort(-scores, kind="stable")[:n_select]

    def _reduce(self, X: np.ndarray, y, n_keep: int, rng) -> Selection:
        """Global template (documented exceptions only): select over all rows."""
        raise NotImplementedError

    def _store_info(self, infos: list[tuple[object, dict]]) -> None:
        """Set method attributes from the per-pool ``Selection.info`` (label, info) pairs."""

    def _emits_synthetic(self) -> bool:
        """Whether this configuration emits synthetic rows (e.g. ``output="centroids"``)."""
        return False

    def _resolve_for_target(self, y, task):
        """Settle parameters that depend on the target before X is validated (CLC's
        ``output="auto"``: centroids for classes, medoids for a regression target); sets
        fitted attributes only. Most methods have none."""

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, task="auto", **fit_params):
        """Select the rows to keep.

        Sets ``sample_indices_`` (positions into X of the kept rows), ``sample_weight_``
        (how many original rows each kept row stands for; sums to n, and to each class's
        size within the class), ``n_samples_in_``, ``n_features_in_``,
        ``feature_names_in_`` (DataFrames), ``space_`` (the selection space used),
        ``synthetic_`` (None unless synthetic rows were emitted), ``fit_time_`` and, for
        ranking methods, ``scores_`` (higher is kept first).

        Parameters
        ----------
        X : array-like, DataFrame or (for some methods) sparse matrix
        y : array-like of shape (n_samples,), optional
            Class labels or a regression target (stratified by quantile bins).
        task : {"auto", "classification", "regression"}, default="auto"
            What ``y`` is. ``"auto"`` applies the package's one rule
            (:func:`datareduce._core.strata.target_kind`): text, booleans and categoricals
            are classes, non-integer numbers are a regression target, and so are whole
            numbers with more than ``max(50, n_samples // 20)`` distinct values (prices,
            counts) unless their values repeat (at least 16 rows per value on average, at
            most 5 % of the values seen once). A decision close to the rule's boundary
            (2 % or more of 3-fold training splits would be decided otherwise) warns. Give
            the task to override it (e.g. many integer-coded classes, or inside a
            cross-validation). Fitted alone, a reducer cannot see the model trained after
            it: pass ``task="regression"`` for whole numbers the rule calls classes
            (ratings, mpg) that a regressor will learn; :func:`datareduce.make_pipeline`
            passes its final step's task to its reducers itself.

        **fit_params
            None: a reducer's only fit parameter is ``task``. Any other (``sample_weight``,
            ``groups``) is refused by name with the way to weight the model trained on the
            kept rows (Python's "unexpected keyword argument" named neither).

        Returns
        -------
        self
        """
        if fit_params:
            raise TypeError(_fit_params_message(type(self).__name__, fit_params))
        # imbalanced-learn's tags, imported by the validation below on the first fit of a
        # process (0.4-0.5 s), are not the reduction's time: imported before the clock
        import imblearn  # noqa: F401  (its package import is the cost; every version has it)

        start = time.perf_counter()
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("__")]:
            delattr(self, attr)
        self._resolve_for_target(y, task)
        Xs, transformer = self._validate_X(X)
        self._check_reweight_output()
        n = Xs.shape[0]
        n_keep = check_keep(self.keep, n)
        strata = self._validate_y(y, n, n_keep, task)
        rng = check_random_generator(getattr(self, "random_state", None))
        self._check_params(Xs, strata)
        if isinstance(Xs, np.ndarray):
            # duplicates of the selection space: rows that differ in X (rare categories
            # pooled, a text id) can coincide there, so X itself is not said to have them
            warn_if_duplicates(Xs, name="X" if transformer is None else
                               f"X in the selection space ({self.space_})")

        stratified = strata is not None and bool(self._stratify_value())
        if self._selection == "global":
            sel = self._reduce(Xs, strata, n_keep, rng)
            infos = [(None, sel.info)]
        else:
            if stratified:
                pools = [np.flatnonzero(strata == c) for c in range(len(self.strata_labels_))]
                labels = list(self.strata_labels_)
                quotas = self._stratum_quotas(pools, n_keep, categorical=_categorical(y))
            else:
                pools, labels, quotas = [np.arange(n)], [None], np.array([n_keep])
            run = self._run_pools if self._selection == "pool" else self._run_scores
            sel, infos = run(Xs, strata, pools, labels, quotas, rng)

        indices = np.asarray(sel.indices, dtype=np.intp)
        if len(np.unique(indices)) != len(indices) or len(indices) != n_keep:
            raise RuntimeError(f"{type(self).__name__} selected {len(indices)} rows "
                               f"({len(np.unique(indices))} distinct) instead of {n_keep}")
        self.sample_indices_ = indices
        if strata is not None and not stratified:
            lost = np.setdiff1d(np.arange(len(self.strata_labels_)), strata[indices])
            if len(lost):
                k = len(self.strata_labels_)
                # stratify=True keeps a row of every class only when keep allows one each
                edges = getattr(self, "strata_edges_", None)  # a regression target's bins
                advice = (short_keep_advice(n_keep, k) if n_keep < k else
                          STRATIFY_ADVICE if edges is None else STRATIFY_BIN_ADVICE)
                warnings.warn(lost_strata_text(type(self).__name__, lost, self.strata_labels_,
                                               edges) + f" {advice}", UserWarning,
                              stacklevel=user_stacklevel())
        weights = sel.weights
        reweight = getattr(self, "reweight", None)
        if reweight is not None:
            # synthetic rows (CLC's centroids) are weighed as points, from their own weights
            weights = reweighted(Xs, indices, strata, _weigher(reweight, rng),
                                 getattr(reweight, "__name__", reweight),
                                 points=sel.synthetic,
                                 initial=None if sel.synthetic is None else sel.weights)
        self.sample_weight_ = normalised_weights(indices, weights, strata, n)
        if sel.scores is not None:
            self.scores_ = np.asarray(sel.scores, dtype=np.float64)
        self.synthetic_ = sel.synthetic
        self.n_samples_in_ = n
        self._store_info(infos)
        self.fit_time_ = time.perf_counter() - start
        return self

    def _check_reweight_output(self):
        """A ``reweight`` function weighs kept rows of X (``f(X_pool, kept_positions)``),
        which synthetic rows are not: refused by name, instead of silently keeping the
        method's own weights while the weight policy treats them as fitted on request.
        ``"mmd"`` weighs synthetic rows as points (:func:`datareduce._weights.mmd_weights`)."""
        reweight = getattr(self, "reweight", None)
        if reweight is None or reweight == "mmd" or not self._emits_synthetic():
            return
        what = getattr(reweight, "__name__", repr(reweight))
        given = getattr(self, "output", "centroids")
        if given == "centroids":
            emits = "output='centroids' returns synthetic centroids"
        else:  # the parameter as the caller gave it, and what it resolved to (review6/r3 07)
            emits = (f"output={given!r} (the default) returns synthetic centroids for class "
                     "labels or no y (medoids only for a regression target)")
        raise ValueError(
            f"{type(self).__name__}: reweight={what} weighs kept rows of X by their "
            f"positions, and {emits}, which are not rows of X. Pass output='medoids' to "
            "reweight the real rows nearest the centroids, reweight='mmd' (which weighs the "
            "centroids themselves), or reweight=None to keep the cluster sizes.")

    def _stratify_value(self):
        return getattr(self, "stratify", False)

    def _validate_X(self, X):
        """X in the selection space, as a C-ordered float array; sets the input attributes."""
        import scipy.sparse as sp

        if X is None:
            raise TypeError("X is None: pass a 2-D array-like of shape (n_samples, "
                            "n_features).")
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) == 2 and shape[1] == 0:
            # scikit-learn's check of a DataFrame without columns said only "at least one
            # array or dtype is required"
            raise ValueError(
                f"Found array with 0 feature(s) (shape={tuple(shape)}) while a minimum of 1 is "
                "required: X has no columns (a column selection such as "
                "select_dtypes('number') may have left none); pass at least one feature "
                "column.")
        if sp.issparse(X) and not self._accepts_sparse:
            accepting = "random, srs"
            raise TypeError(
                f"X is a scipy.sparse matrix, which {type(self).__name__} does not accept "
                f"(sparse input is supported by: {accepting}). Convert it with X.toarray() "
                "if it fits in memory, or reduce it with a method that accepts it. In a "
                "pipeline after a one-hot encoding, ask for dense output "
                "(OneHotEncoder(sparse_output=False), ColumnTransformer(sparse_threshold=0)), "
                "or put the reducer first, datareduce.make_pipeline(reducer, preprocessing, "
                "model): it encodes a raw table itself for the selection (space='auto') and "
                "returns the rows unchanged.")
        if is_dataframe(X) or library_of(X) == "pyarrow":  # (scikit-learn's check said
            check_unique_columns(X)  # "Expected unique column names", in narwhals' words)
        if not (self._reads_X or getattr(self, "reweight", None) is not None):
            _validate_data(self, X, reset=True, skip_check_array=True)
            shape = getattr(X, "shape", None) or np.asarray(X, dtype=object).shape
            if len(shape) != 2:
                raise ValueError(f"Expected a 2-D X (rows x columns), got shape {tuple(shape)}"
                                 ". Use X.reshape(-1, 1) for a single feature.")
            if shape[0] == 0 or shape[1] == 0:
                what = "sample(s)" if shape[0] == 0 else "feature(s)"
                raise ValueError(f"Found array with 0 {what} (shape={tuple(shape)}) while a "
                                 "minimum of 1 is required: X is empty.")
            self.n_features_in_ = shape[1]
            self.space_ = "not used (the method does not read the values)"
            return _RowsOnly(shape), None
        if is_dataframe(X):
            X = _dense_columns(X)
        if sp.issparse(X) and getattr(self, "reweight", None) == "mmd":
            raise TypeError(
                "reweight='mmd' fits the weights with kernel distances between dense rows, "
                "and X is a scipy.sparse matrix: pass X.toarray() if it fits in memory, "
                "reweight=None, or a reweight function that accepts sparse rows.")
        space = getattr(self, "space", "auto")
        if self._emits_synthetic():
            space = "passthrough"  # synthetic rows live in X's own numeric columns
        transformer = None if sp.issparse(X) else resolve_space(space, X)
        if transformer is None:
            if not sp.issparse(X):
                _check_finite(X, synthetic=self._emits_synthetic())
            try:
                Xa = _validate_data(self, X, reset=True, accept_sparse="csr",
                                    dtype=[np.float64, np.float32], ensure_min_samples=1)
            except (TypeError, ValueError) as exc:
                columns = _non_numeric_columns(X)
                if not columns:
                    raise
                # numpy's "could not convert string to float: 'x'" named no column nor space=
                raise ValueError(
                    f"space={space!r} uses X's values as given, and column(s) "
                    f"{columns[:5]} hold text, categories or dates, not numbers: use "
                    "space='auto' (or 'standard') to encode them for the selection only (the "
                    "rows returned are unchanged), or encode them first.") from exc
            self.space_ = describe_space(None, Xa.shape[1])
            if sp.issparse(Xa):
                return Xa, None
            _check_magnitude(Xa, "X")
            return np.ascontiguousarray(Xa), None
        _validate_data(self, X, reset=True, skip_check_array=True)
        if not hasattr(X, "shape") or len(getattr(X, "shape", ())) != 2:
            X = np.asarray(X, dtype=object)
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D, got an array with {X.ndim} dimension(s).")
        if X.shape[0] == 0:
            raise ValueError("X is empty (0 rows): there is nothing to reduce.")
        self.n_features_in_ = X.shape[1]
        _check_no_inf(X)
        try:
            Z = transformer.fit_transform(X)
        except (TypeError, ValueError) as exc:
            columns = [] if space in SPACE_OPTIONS else _non_numeric_columns(X)
            if not columns:
                raise
            # a user transformer for numbers alone (StandardScaler) on a table with text:
            # its own "could not convert string to float: 'p'" named neither
            raise ValueError(
                f"space={type(space).__name__} failed on X ({exc}), whose column(s) "
                f"{columns[:5]} hold text, categories or dates, not numbers: put an encoder "
                "for them in the space (e.g. a ColumnTransformer with a OneHotEncoder), or "
                "use space='auto' (or 'standard') to encode them for the selection only (the "
                "rows returned are unchanged).") from exc
        # the reducers read dense rows: a space that outputs a sparse matrix (a one-hot
        # encoder's default) is made dense for the selection
        Z = _space_numbers(Z.toarray() if sp.issparse(Z) else Z, space, transformer)
        _check_space_output(Z, space, X.shape[0])
        _check_magnitude(Z, "X in the selection space")
        self.space_ = describe_space(transformer)
        return np.ascontiguousarray(Z), transformer

    def _validate_y(self, y, n, n_keep, task="auto"):
        """Stratum codes (or None); sets ``target_type_`` and ``classes_`` or
        ``strata_edges_``. The target type follows the one rule of ``target_kind``."""
        if task not in TASKS:
            raise ValueError(f"task={task!r}: give one of {', '.join(map(repr, TASKS))}.")
        if y is None:
            if self._requires_y:
                raise ValueError(f"{type(self).__name__} requires y to be passed, but the target "
                                 "y is None: call fit(X, y) with labels.")
            return None
        if _multi_output(y, n):
            return self._accept_multi_output(y, n)
        ya = _one_hot_to_labels(y, n)  # missing or infinite labels refused by row
        categorical = _categorical(y)
        kind = target_kind(y if categorical or np.ndim(y) == 1 else ya, task, warn=True,
                           override="fit(X, y, task='classification') (in a pipeline: "
                           "<step>__task='classification', or with metadata routing on: "
                           "<reducer>.set_fit_request(task=True), then "
                           "fit(X, y, task='classification'))", stacklevel=user_stacklevel())
        if kind == "regression":
            if self._requires_classes:
                raise ValueError(
                    f"{type(self).__name__} needs class labels, but y is a continuous "
                    f"(regression) target ({len(np.unique(ya))} distinct values): its "
                    "definition uses class prototypes or a classifier. Use a method without "
                    "classes (e.g. srs, mms, clc), pass task='classification' if the values "
                    "are classes, or bin y yourself (datareduce.base.quantile_strata).")
            strat = self._stratify_value()
            n_bins = N_BINS if isinstance(strat, (bool, np.bool_)) else int(strat)
            # never more bins than kept rows, so that every bin keeps a row
            codes, edges = quantile_strata(ya, max(1, min(n_bins, n_keep)))
            self.target_type_ = "continuous"
            self.strata_edges_ = edges
            self.strata_labels_ = np.arange(len(edges) - 1)
            return codes
        self.classes_, codes = np.unique(ya, return_inverse=True)
        self.target_type_ = "binary" if len(self.classes_) <= 2 else "multiclass"
        self.strata_labels_ = self.classes_
        return codes.astype(np.intp)

    def _reads_y(self) -> bool:
        """Whether this configuration reads y: it needs labels, stratifies, or its method
        uses y across the pools (DES, FES, NRMD's label-augmented score, a conditional
        flow)."""
        return bool(self._requires_y or self._requires_classes or self._selection == "global"
                    or (self._selection == "score" and not self._score_per_pool)
                    or self._stratify_value())

    def _accept_multi_output(self, y, n):
        """A multi-output y (several columns, not one-hot): its rows are carried along by
        a configuration that never reads y; refused, with the ways out, by one that does."""
        shape = tuple(np.shape(y))
        if self._reads_y():
            name = type(self).__name__
            one = ("fit(X, Y[:, j]) (or Y[column]) and take Y's rows with "
                   "get_support(indices=True)")
            if self._requires_y or self._requires_classes:
                how = f"{name} needs one class label per row: pass one column as y, {one}"
            elif self._stratify_value() and not (
                    self._selection == "global"
                    or (self._selection == "score" and not self._score_per_pool)):
                how = ("Pass stratify=False (the method then never reads y, and fit_resample "
                       f"returns Y's kept rows), or stratify on one column: {one}")
            else:
                how = (f"Pass one column as y, {one}; or fit(X) without y and take Y's rows "
                       "the same way")
            raise ValueError(
                f"y has shape {shape}: a multi-output target (one row of {shape[1]} values "
                f"per row of X), and {name} reads y (it stratifies by it, or its method "
                f"uses it), which takes one label per row. {how}.")
        if shape[0] != n:
            raise ValueError(f"y has {shape[0]} rows but X has {n} rows: pass one row of y "
                             "per row of X.")
        from sklearn.utils.multiclass import type_of_target

        try:
            self.target_type_ = type_of_target(y, input_name="y")
        except (TypeError, ValueError):
            self.target_type_ = "multioutput"
        return None  # the method never reads y: its rows follow sample_indices_

    def _stratum_quotas(self, pools, n_keep: int, categorical: bool = False) -> np.ndarray:
        """Each stratum's quota; warns naming the strata that keep no row. ``categorical``:
        y is a pandas categorical, classes by definition, so the numeric-target advice
        (``task='regression'``) is not given for its number-valued categories."""
        counts = np.array([len(p) for p in pools])
        quotas = allocate_quotas(counts, n_keep)
        labels = [_plain(v) for v in self.strata_labels_]
        if (quotas == 0).any():
            missing = [labels[i] for i in np.flatnonzero(quotas == 0)]
            what = "quantile bins" if getattr(self, "target_type_", "") == "continuous" \
                else "classes"
            advice = "Increase keep to keep every one."
            if what == "classes" and not categorical and len(pools) > 2 * n_keep \
                    and _numeric_labels(self.strata_labels_):
                # one class per distinct number: more likely a numeric target than classes
                advice = ("Increase keep to keep every one, or, if the labels are a numeric "
                          "target (prices, counts), pass fit(X, y, task='regression') to "
                          "stratify by quantile bins.")
            warnings.warn(
                f"keep allows {n_keep} rows for {len(pools)} {what}: {what} {_few(missing)} "
                f"keep no rows. {advice}", UserWarning, stacklevel=user_stacklevel())
        self.class_quotas_ = dict(zip(labels, quotas.tolist(), strict=True))
        return quotas

    def _run_pools(self, X, strata, pools, labels, quotas, rng):
        n = X.shape[0]
        indices, weights, synthetic, infos = [], [], [], []
        scores = None
        for pool, label, q in zip(pools, labels, quotas, strict=True):
            if q == 0:
                continue
            Xp = X[pool]
            sel = self._select(Xp, int(q), rng)
            idx = np.asarray(sel.indices, dtype=np.intp)
            if idx.shape != (q,):
                raise RuntimeError(f"{type(self).__name__} selected {idx.shape} rows of a "
                                   f"pool instead of {q}")
            indices.append(pool[idx])
            weights.append(np.full(q, len(pool) / q) if sel.weights is None
                           else np.asarray(sel.weights, dtype=np.float64))
            if sel.scores is not None:
                if scores is None:
                    scores = np.full(n, -np.inf)
                scores[pool] = sel.scores
            if sel.synthetic is not None:
                synthetic.append(sel.synthetic)
            infos.append((label, {**sel.info, "rows": pool}))
        return Selection(
            indices=np.concatenate(indices),
            weights=np.concatenate(weights),
            scores=scores,
            synthetic=np.concatenate(synthetic) if synthetic else None,
        ), infos

    def _run_scores(self, X, strata, pools, labels, quotas, rng):
        n = X.shape[0]
        scores = np.full(n, -np.inf)
        infos = []
        if self._score_per_pool:
            for pool, label, q in zip(pools, labels, quotas, strict=True):
                if q == 0:
                    continue
                res = self._score(X[pool], None, rng)
                scores[pool] = res.scores
                infos.append((label, {**res.info, "rows": pool}))
        else:
            res = self._score(X, strata, rng)
            scores[:] = res.scores
            infos.append((None, res.info))
        indices, weights = [], []
        for pool, q in zip(pools, quotas, strict=True):
            if q == 0:
                continue
            pos = np.asarray(self._choose(scores[pool], int(q), rng), dtype=np.intp)
            indices.append(pool[pos])
            weights.append(np.full(q, len(pool) / q))
        ranked = type(self)._choose is BaseReducer._choose
        return Selection(indices=np.concatenate(indices), weights=np.concatenate(weights),
                         scores=scores if ranked else None), infos

    # -------------------------------------------------------------- public API
    def fit_resample(self, X, y=None, **params):
        """Fit and return ``(X_reduced, y_reduced)``: imbalanced-learn's sampler protocol.

        ``y_reduced`` is None when ``y`` is None. Containers come back as they went in.
        ``params`` go to :meth:`fit` (``task``).
        """
        self.fit(X, y, **params)
        return reduced_set(self, X, y)

    def fit_transform(self, X, y=None, **params):
        """Fit and return ``X_reduced``, or ``(X_reduced, y_reduced)`` when ``y`` is given.

        apricot's convention for selection. In a pipeline use :func:`datareduce.make_pipeline`;
        called by scikit-learn's or imbalanced-learn's own ``Pipeline`` it raises a
        ``TypeError`` that says so, instead of silently turning X into a tuple.
        """
        if foreign_pipeline_caller():
            raise TypeError(f"{type(self).__name__}: {PIPELINE_HINT}")
        Xr, yr = self.fit_resample(X, y, **params)
        return Xr if y is None else (Xr, yr)

    transform = NoTransform()
    _sampling_type = NoSamplingType()  # imblearn's BalancedBagging: a clear TypeError

    def get_support(self, indices: bool = False):
        """Boolean mask over the input rows (or the kept positions with ``indices=True``)."""
        self._check_fitted()
        if indices:
            return self.sample_indices_.copy()
        mask = np.zeros(self.n_samples_in_, dtype=bool)
        mask[self.sample_indices_] = True
        return mask

    def get_feature_names_out(self, input_features=None):
        """Column names of the reduced X: the input's (rows are selected, not columns)."""
        from sklearn.utils.validation import _check_feature_names_in

        self._check_fitted()
        return _check_feature_names_in(self, input_features)

    def _check_fitted(self):
        if not hasattr(self, "sample_indices_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(X, y) first.")

    def __sklearn_tags__(self):
        """imbalanced-learn's sampler tags, derived from :class:`ReducerTags`
        (:func:`datareduce._core.tags.sampler_tags`)."""
        return sampler_tags(self, super().__sklearn_tags__())


#: ``bandwidth`` of the Gaussian-kernel reducers: ``"median"`` (median heuristic) or a width > 0
_BANDWIDTH_CONSTRAINT = [StrOptions({"median"}), Interval(numbers.Real, 0, None, closed="neither")]


def _base_constraints_without(*names):
    """:class:`BaseReducer`'s constraints without ``names`` (e.g. ``"reweight"`` for a reducer
    whose measure is uniform by construction, which leaves the parameter out)."""
    return {k: v for k, v in BaseReducer._parameter_constraints.items() if k not in names}

def _multi_output(y, n) -> bool:
    """Whether y has several columns that are not a one-hot (one-vs-all) coding of labels,
    which :func:`~datareduce._core.input._one_hot_to_labels` turns into labels."""
    shape = np.shape(y)
    if len(shape) != 2 or shape[1] < 2:
        return False
    arr = as_array(y)
    one_hot = (arr.shape[0] == n and np.isin(arr, (0, 1)).all()
               and (arr.sum(axis=1) == 1).all())
    return not one_hot


def _dense_columns(X):
    """X with its pandas sparse columns made dense for the selection (a shallow copy: X is
    not modified)."""
    import pandas as pd

    sparse = [i for i, dt in enumerate(X.dtypes) if isinstance(dt, pd.SparseDtype)]
    if sparse:  # e.g. pd.get_dummies(..., sparse=True) beside dense columns
        X = X.copy(deep=False)
        for i in sparse:
            X.isetitem(i, X.iloc[:, i].sparse.to_dense())
    return X


def _non_numeric_columns(X) -> list:
    """Names (DataFrames) or positions of the columns of a 2-D X that hold values other than
    numbers (text, categories, dates), for the message of a space that uses X as given: the
    default space's categorical columns and dates (:func:`preprocessing._column_roles`)."""
    import pandas as pd

    from .preprocessing import _as_frame, _column_roles

    try:
        # a polars or pyarrow table as pandas, so that its columns are named, not numbered
        frame = X if is_dataframe(X) else (
            _as_frame(X) if hasattr(X, "to_pandas") and hasattr(X, "schema")
            else pd.DataFrame(np.asarray(X, dtype=object)))
    except (TypeError, ValueError):
        return []
    if frame.ndim != 2:
        return []
    # by position: the roles read columns by name, which may repeat here
    _, categorical, dates = _column_roles(frame.set_axis(range(frame.shape[1]), axis=1))
    return [_plain(frame.columns[j]) for j in sorted({*categorical, *dates})]


def _space_numbers(Z, space, transformer) -> np.ndarray:
    """The selection space's output as a float array. Values that are not numbers (a
    ColumnTransformer's ``remainder="passthrough"`` of a text column) are refused naming the
    output columns, instead of numpy's "could not convert string to float: 'v'"."""
    try:
        return np.asarray(Z, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        import pandas as pd

        values = np.asarray(Z, dtype=object)
        if values.ndim != 2:
            raise
        names = list(Z.columns) if hasattr(Z, "columns") else None
        if names is None:
            try:
                names = list(transformer.get_feature_names_out())
            except Exception:  # noqa: BLE001 - a transformer that cannot name its output
                names = None
        if names is None or len(names) != values.shape[1]:
            names = list(range(values.shape[1]))
        bad = []
        for j in range(values.shape[1]):
            column = pd.Series(values[:, j])
            wrong = column.notna() & pd.to_numeric(column, errors="coerce").isna()
            if wrong.any():
                bad.append((_plain(names[j]), column[wrong].iloc[0]))
        if not bad:
            raise
        name = space if isinstance(space, str) else type(space).__name__
        raise ValueError(
            f"space={name} outputs values that are not numbers in {len(bad)} of its "
            f"{values.shape[1]} column(s) {[c for c, _ in bad[:5]]} (e.g. {bad[0][1]!r}); the "
            "methods measure rows in that space, so it must output numbers: encode those "
            "columns in it (e.g. a OneHotEncoder, or remainder='drop' in a ColumnTransformer) "
            "or use space='auto' (text encoded for the selection only). The rows returned are "
            "the original ones either way.") from exc


def _check_space_output(Z, space, n_rows):
    """The selection space's output, which the methods read as it is: one row per row of X
    and at least one column (a transformer that drops rows made fit(X) return the wrong
    rows, review10/b 13), and no missing or infinite value (a user transformer without an
    imputer, e.g. StandardScaler, passes NaN through; refused naming the rows, instead of a
    selection on NaN distances or a failure deep inside a method, review10/b 06)."""
    name = space if isinstance(space, str) else type(space).__name__
    if Z.ndim != 2 or Z.shape[0] != n_rows or Z.shape[1] == 0:
        raise ValueError(
            f"space={name} outputs an array of shape {Z.shape} for X's {n_rows} rows: the "
            f"selection space must give one row per row of X and at least one column, shape "
            f"({n_rows}, d). Use a transformer that keeps every row (impute rather than drop "
            "incomplete rows), or space='auto'.")
    if np.isfinite(Z).all():
        return
    for what, bad, fix in (
            ("missing values (NaN)", np.isnan(Z),
             "add an imputer to it (e.g. make_pipeline(SimpleImputer(), StandardScaler())) or "
             "use space='auto' or 'standard' (missing values imputed for the selection only)"),
            ("infinite values", np.isinf(Z),
             "make it return finite values (e.g. np.log1p instead of np.log)")):
        rows = np.flatnonzero(bad.any(axis=1))
        if len(rows):
            raise ValueError(
                f"space={name} outputs {what} in {len(rows)} row(s) (e.g. rows "
                f"{rows[:5].tolist()}) and {int(bad.any(axis=0).sum())} of its {Z.shape[1]} "
                f"column(s); the methods measure rows in that space: {fix}. The rows "
                "returned are the original ones either way.")


def _check_magnitude(Z, what):
    """Values so large that squared distances between rows overflow float64, or all so
    small that they underflow: refused by name, instead of an infinite or zero bandwidth or
    distance deep inside a method."""
    if Z.size == 0:
        return
    top = float(max(Z.max(), -Z.min()))  # max |value| without an n x d temporary
    if 0 < top < 1e-150:
        raise ValueError(
            f"{what} has no value larger than {top:.3g} in absolute value: squared distances "
            "between rows underflow float64. Rescale X (e.g. multiply it by a power of ten) "
            "first.")
    if top * math.sqrt(Z.shape[1]) > 1e150:
        col = int(np.argmax(np.abs(Z).max(axis=0)))
        raise ValueError(
            f"{what} has values as large as {top:.3g} (column {col}): squared distances "
            "between rows overflow float64. Rescale those columns (e.g. divide them by a "
            "power of ten) first.")


def _weigher(reweight, rng):
    """``reweight`` as a function of (pool rows, kept positions): ``"mmd"`` is the
    MMD-optimal weights (:func:`datareduce._weights.mmd_weights`)."""
    if reweight != "mmd":
        return reweight
    from ._weights import mmd_weights

    def weigh(X, pos, points=None, initial=None):
        return mmd_weights(X, pos, points=points, initial=initial, random_state=rng)

    return weigh


#: The lost-classes advice when keep allows a row of every class (datareduce reduce rewords
#: it with its options, cli/reduce.py ``_rewarn``)
STRATIFY_ADVICE = "Pass stratify=True to keep every class."
#: the same for a regression target's quantile bins
STRATIFY_BIN_ADVICE = "Pass stratify=True to keep every bin."


def short_keep_advice(n_keep: int, n_classes: int) -> str:
    """The lost-classes advice when ``n_keep`` rows cannot hold one row of each of the
    ``n_classes`` classes, where ``stratify=True`` alone cannot help (review6/r1 06)."""
    return (f"The {n_keep} kept rows cannot hold one row of each of the {n_classes} classes: "
            f"pass keep={n_classes} or more, with stratify=True.")


def _categorical(y) -> bool:
    """Whether y is a pandas categorical (classes by the target rule, whatever its values)."""
    return getattr(getattr(y, "dtype", None), "name", None) == "category"


def _numeric_labels(labels) -> bool:
    """Whether class labels are all numbers (numeric dtype, or objects that are numbers)."""
    from ._core.strata import _object_numbers

    arr = np.asarray(labels)
    if arr.dtype == object:
        arr = _object_numbers(arr)
    return arr.dtype.kind in "iuf"


def _fit_params_message(name: str, fit_params: dict) -> str:
    """Why a reducer's ``fit`` refuses ``fit_params`` and what to do instead."""
    given = ", ".join(sorted(fit_params))
    text = (f"{name}.fit() got {given}: a reducer's only fit parameter is task; it selects "
            "rows from X and y.")
    if "sample_weight" in fit_params:
        text += (" To weight the model trained on the kept rows, slice your weights through "
                 "the kept rows and multiply them with the reducer's weights: "
                 "w[reducer.sample_indices_] * reducer.sample_weight_ (datareduce."
                 "make_pipeline does this for <model step>__sample_weight=w).")
    return text
