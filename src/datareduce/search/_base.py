"""The search loop shared by strategies: checks, splits, candidates, choice, refit, report.

:class:`BaseReductionSearch` does everything but deciding which (method, kept fraction) to
evaluate next: that is the strategy's ``_run_search(evaluator)`` (the way scikit-learn's
``BaseSearchCV`` asks ``_run_search`` for candidates). The strategy records its decision on
the :class:`~datareduce.search._evaluate.Evaluator` (baseline, threshold, choice); the base
turns it into fitted attributes, refits the choice on all rows and writes the summary.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.utils.metaestimators import available_if

from .._core.output import accepts_sample_weight, reduced_data, sample_weight_params
from .._core.strata import classes_missing_from_splits, quantile_strata, stratify_params
from .._core.validation import (
    as_array,
    check_keep,
    check_keeps,
    draw_seed,
    seeded_estimator,
)
from ..evaluation.tasks import (  # noqa: F401  (the scorer rule is re-exported: its old home)
    BINARY_SCORERS,
    BRIER_SCORERS,
    CLASSIFICATION_SCORERS,
    LIKELIHOOD_RATIOS,
    REGRESSION_SCORERS,
    TASKS,
    check_scoring_for_task,
    estimator_task,
    get_scorers,
    needs_classes,
    real_rows_reducer,
    scorers_instead,
)
from ._budget import (
    CHEAP_SECONDS,
    LARGE_ROWS,
    Clock,
    full_training_seconds,
    parse_budget,
    time_saving,
)
from ._evaluate import FULL, Evaluator, fit_reducer
from ._stats import t_interval

__all__ = ["BASELINE_MAX_ROWS", "BaseReductionSearch", "FoldsTooSmall", "KeepsBeyondFold", "check_fractions",
           "check_scoring_for_task", "check_target", "scorers_instead", "search_task"]

#: Below this many rows ``baseline="auto"`` measures the full training set's score (small
#: tables are cheap to train, and an extrapolated baseline is the riskier estimate there).
BASELINE_MAX_ROWS = LARGE_ROWS

logger = logging.getLogger("datareduce.search")


def _one_line(value):
    """``repr`` on one line (a splitter's repr may break lines); ``cv`` given as (train,
    test) index arrays is named by their number, not printed (9,221 characters for 3
    splits of 600 rows in a warning)."""
    if isinstance(value, Iterable) and not isinstance(value, str) \
            and not hasattr(value, "split"):
        n = len(value) if hasattr(value, "__len__") else None
        return ("an iterable of (train, test) splits" if n is None else
                f"a list of {n} (train, test) split{'s' * (n != 1)}")
    return " ".join(repr(value).split())


def _largest_fraction(rows, n):
    """The largest fraction of ``n`` rows that keeps at most ``rows`` rows, floored to two
    decimals, or to two significant digits below 0.01 (0 when no row)."""
    if rows < 1:
        return 0.0
    if rows / n >= 0.01:
        return math.floor(100 * rows / n) / 100
    step = 10.0 ** (math.floor(math.log10(rows / n)) - 1)  # two significant digits
    return round(math.floor(rows / n / step) * step, 15)


class KeepsBeyondFold(ValueError):
    """Every kept fraction keeps at least the smallest training fold's rows (the refusal of
    ``_fractions_in_a_fold``), in the library's words (``str``) or the CLI's
    (``words(cli=True)``: ``--keeps``, ``--cv``)."""

    def __init__(self, keeps, cv, fold, n, more=None, groups=False):
        self.keeps, self.cv, self.fold, self.n = keeps, cv, fold, n
        self.more, self.groups = more, groups
        super().__init__(self.words())

    def words(self, cli=False):
        keeps = self.keeps if isinstance(self.keeps, Iterable) else (self.keeps,)
        if cli:
            said = (f"--keeps {' '.join(f'{k:g}' for k in keeps)} with "
                    f"--cv {_one_line(self.cv)}")
        else:
            said = f"keeps={self.keeps!r} with cv={_one_line(self.cv)}"
        fold, n = self.fold, self.n
        largest = _largest_fraction(fold - 1, n)
        by = "; the groups decide the folds' sizes" if self.groups else ""
        text = (f"{said}: every kept fraction keeps at least the smallest training fold's "
                f"rows ({fold} of {n}{by}), so it would be the full training fold, not a "
                "subset.")
        if largest <= 0:
            return text + " No kept fraction fits: give a cv with larger training folds."
        give = "--keeps" if cli else "keeps"
        if largest >= 0.01:
            text += f" The largest usable fraction is {largest:g}: give {give} of at most " \
                    f"{largest:g}"
        else:
            text += (f" The largest usable subset is {fold - 1} row{'s' * (fold > 2)} of "
                     f"{n}: give {give} of at most {largest:g}")
        if self.more is not None:
            c, k = self.more
            text += (f", or use more folds (--cv {c} holds --keeps {k:g})" if cli else
                     f", or use more folds (cv={c} holds keep={k:g})")
        return text + "."


class FoldsTooSmall(ValueError):
    """The smallest class (or quantile bin of a regression target) has fewer rows than
    ``cv`` folds (the refusal of ``_splits``), in the library's words (``str``) or the
    CLI's (``words(cli=True)``: ``--cv``, ``--bins``, ``--task``)."""

    def __init__(self, cv, smallest, n_strata, n_bins=None, classifier=False,
                 numbers_as_classes=False):
        self.cv, self.smallest, self.n_strata, self.n_bins = cv, smallest, n_strata, n_bins
        self.classifier, self.numbers_as_classes = classifier, numbers_as_classes
        super().__init__(self.words())

    def words(self, cli=False):
        cv = f"--cv {self.cv}" if cli else f"cv={self.cv}"
        if self.n_bins is not None:  # a regression target: its quantile bins
            bins = f"--bins {self.n_bins}" if cli else f"n_bins={self.n_bins}"
            fewer = "--bins" if cli else "n_bins"
            # the advice counts the bins formed: tied values merge quantile bins, and it is
            # their number (not the one asked for) that has to go down
            merged = (f"; tied values merged the {self.n_bins} bins asked for into "
                      f"{self.n_strata}" if self.n_strata < self.n_bins else "")
            if self.n_strata <= 1:  # one bin: only the folds or the data can change
                how = ""
            elif self.n_strata == 2:
                how = (f"fewer bins ({fewer} below 2: {'--bins 1' if cli else 'n_bins=1'}, "
                       "no strata), ")
            else:
                how = f"fewer bins ({fewer} below {self.n_strata}), "
            return (f"{cv}: the smallest of the target's {self.n_strata} quantile bins "
                    f"({bins}) has {self.smallest} rows, fewer than the folds{merged}; use "
                    f"{how}fewer folds or more data.")
        text = (f"{cv}: the smallest class has {self.smallest} rows, fewer than the folds; "
                "use fewer folds or more data.")
        task = "--task regression" if cli else "task='regression'"
        if self.classifier:
            # a classifier cannot take task='regression' (refused): the CLI's --model
            # gives a regressor for --task regression
            use = ("pass --task regression (--model then trains a regressor)" if cli else
                   "use a regressor (with task='regression')")
            text += (f" y holds {self.n_strata} distinct numbers, taken for classes (the "
                     "estimator is a classifier): if they are a numeric target (counts, "
                     f"amounts), {use}.")
        elif self.numbers_as_classes:
            text += (f" y holds {self.n_strata} distinct whole numbers, taken for classes: "
                     f"if they are a numeric target (counts, amounts), pass {task}.")
        return text


def check_fractions(keeps):
    """Sorted distinct kept fractions in (0, 1) (the package's ``check_keeps``, fractions
    only: the answer is a fraction of the table). Every refusal gives the same advice:
    fractions, not row counts (``check_keeps`` itself also takes counts)."""
    if isinstance(keeps, Iterator):  # (it was read empty: "keeps must contain at least one")
        raise ValueError("keeps is an iterator (a generator), which is read once: clone() and "
                         "a second fit need it again. Pass keeps=tuple(...).")
    items = keeps if isinstance(keeps, Iterable) and not isinstance(keeps, str) else [keeps]
    for k in items:
        number = isinstance(k, (numbers.Real, np.number)) and not isinstance(k, (bool, np.bool_))
        if number and not isinstance(k, numbers.Integral) and 0 < k < 1:
            continue
        why = ("a row count is not accepted: the answer is a fraction of the table"
               if number and isinstance(k, numbers.Integral) else
               "keeping every row is the baseline, always compared" if number and k == 1
               else "it is not in (0, 1)" if number else "it is not a number")
        raise ValueError(f"keeps={keeps!r}: {k!r} is not a kept fraction ({why}); give "
                         "fractions in (0, 1) such as keeps=(0.05, 0.1, 0.2).")
    return sorted({float(k) for k in check_keeps(keeps, distinct=False)})


def check_target(y, n):
    """``y`` as a 1-D array, checked as the reducers check it, before any training: the
    package's ``check_y`` (missing, NaN or infinite labels, named by row; text mixed with
    numbers) and the target rule's refusal of infinite numbers held as objects
    (``target_kind``, rows named the same way)."""
    from .._core.strata import target_kind
    from .._core.validation import check_y

    arr = check_y(y, n)
    if arr.dtype == object:
        target_kind(y if getattr(y, "ndim", 1) == 1 else arr, "auto")
    return arr


def check_groups(groups, n):
    """``groups`` as an array of one label per row of the ``n`` rows of y (or None), for the
    splitter: the search's and the tuning functions' one check."""
    if groups is None:
        return None
    groups = as_array(groups)
    if groups.ndim != 1 or len(groups) != n:
        raise ValueError(f"groups has shape {groups.shape} but y has {n} rows: one group "
                         "label per row.")
    return groups


def check_two_classes(y, who):
    """Refuse, before any training, a classification target of one class (the first
    training failed in the estimator's words: "This solver needs samples of at least 2
    classes", or scikit-learn's "All the 3 fits failed")."""
    classes = np.unique(y)
    if len(classes) < 2:
        only = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]
        raise ValueError(f"y holds one class ({only!r}) in all its {len(y)} rows: a "
                         f"classifier needs two or more, so {who} cannot train one. Pass rows "
                         "of every class.")


def _the_scorer(scoring, task):
    """``scorer(estimator, X, y)`` of one scorer name or callable (``get_scorers``'s only
    item: a callable is its own scorer)."""
    (scorer,) = get_scorers(scoring, task).values()
    return scorer


def check_scorer_response(scorer, scoring, estimator):
    """Refuse, before any training, a scorer that reads a response the estimator does not
    have (``neg_log_loss`` or ``roc_auc_ovr`` read ``predict_proba``: ``LinearSVC`` and
    ``RidgeClassifier`` have none), in the search's words rather than after the first
    training in scikit-learn's."""
    method = getattr(scorer, "_response_method", None)
    methods = (method,) if isinstance(method, str) else tuple(method or ())
    if not methods or any(hasattr(estimator, m) for m in methods) \
            or _decided_at_fit(estimator):
        return
    steps = getattr(estimator, "steps", None)
    final = steps[-1][1] if isinstance(steps, list) and steps else estimator
    name = type(final).__name__
    which = name if final is estimator else f"{type(estimator).__name__} (ending in {name})"
    said = " or ".join(methods)
    raise ValueError(f"scoring={scoring!r} reads the estimator's {said}, which {which} does "
                     "not have: use a scorer of predicted labels (scoring='f1_macro', "
                     "'balanced_accuracy') or of decision values ('roc_auc' on two classes), "
                     "or an estimator with predict_proba (e.g. "
                     f"CalibratedClassifierCV({name}())).")


def _decided_at_fit(estimator) -> bool:
    """Whether the estimator's responses are decided only at fit, so an unfitted
    ``hasattr`` cannot tell: a ``StackingClassifier`` whose ``final_estimator=None`` becomes
    a ``LogisticRegression`` at fit (with ``predict_proba``), also as the last step of a
    pipeline or inside a meta-estimator (``GridSearchCV(estimator=...)``)."""
    for _ in range(10):  # nested wrappers, a few levels at most
        steps = getattr(estimator, "steps", None)
        if isinstance(steps, list) and steps:
            estimator = steps[-1][1]
        elif "final_estimator" in getattr(estimator, "get_params", dict)(deep=False):
            return estimator.get_params(deep=False)["final_estimator"] is None
        elif hasattr(getattr(estimator, "estimator", None), "fit"):
            estimator = estimator.estimator
        else:
            return False
    return False


def search_task(y, task, estimator):
    """The search's task: :func:`datareduce.evaluation.tasks.estimator_task` (the package's
    one rule, and under ``task="auto"`` the estimator's own type first), shared with
    :func:`~datareduce.evaluation.compare`."""
    return estimator_task(y, task, estimator, stacklevel=3)


def _estimator_has(attr):
    """``available_if`` check, as scikit-learn's searches do: the fitted
    ``best_estimator_`` has ``attr``, or (not fitted yet) the estimator does."""

    def check(self):
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
            return True
        getattr(self.estimator, attr)
        return True

    return check


class BaseReductionSearch(BaseEstimator):
    """Shared machinery of the reduction searches (not used directly)."""

    def __sklearn_tags__(self):
        # the estimator's type (classifier, regressor), as scikit-learn's searches: a
        # scorer of probabilities (roc_auc) then asks the search for predict_proba
        from copy import deepcopy

        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        try:
            sub = get_tags(self.estimator)
        except Exception:  # noqa: BLE001 - not a scikit-learn estimator: refused at fit
            return tags
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = deepcopy(sub.classifier_tags)
        tags.regressor_tags = deepcopy(sub.regressor_tags)
        return tags

    def _run_search(self, evaluator):  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ setup
    def _check_params(self, y):
        if not hasattr(self.estimator, "fit"):
            raise TypeError(f"estimator must be a scikit-learn estimator, got "
                            f"{type(self.estimator).__name__}.")
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}.")
        task = search_task(y, self.task, self.estimator)  # the rule + the estimator's type
        check_scoring_for_task(self.scoring, task, y)  # a scorer of the other task: refused
        scoring = self.scoring
        if scoring is None:
            scoring = "f1_macro" if task == "classification" else "r2"
        if not isinstance(scoring, str) and not callable(scoring):
            what = (f"a {type(scoring).__name__} of scorers" if isinstance(
                scoring, (Iterable, Mapping)) else f"a {type(scoring).__name__}")
            raise ValueError(
                f"scoring={scoring!r} is {what}: give one scorer, a scikit-learn scorer name "
                "such as 'f1_macro', 'balanced_accuracy' or 'neg_log_loss' ('r2' or 'mae' for "
                "a regression target) or a callable scorer(estimator, X, y) such as "
                "make_scorer(fbeta_score, beta=2); the tolerance, the threshold, the summary "
                "and score() are in that scorer's units.")
        if scoring == "mae":
            scoring = "neg_mean_absolute_error"
        scorer = _the_scorer(scoring, task)
        check_scorer_response(scorer, scoring, self.estimator)
        tol = self.tolerance
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < np.inf:
            raise ValueError(f"tolerance={tol!r} must be a number >= 0 (in the scorer's units, "
                             "e.g. 0.01 for one point of macro-F1).")
        for name in ("min_rows", "max_val_rows", "n_probe"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{name}={v!r} must be an integer >= 1.")
        uw = self.use_weights
        if not (isinstance(uw, (bool, np.bool_)) or (isinstance(uw, str) and uw == "auto")):
            raise ValueError(f"use_weights={uw!r} must be 'auto', True or False (whether the "
                             "estimator trains with the reducer's sample_weight_).")
        if isinstance(uw, (bool, np.bool_)) and uw and not accepts_sample_weight(
                self.estimator):
            warnings.warn(f"use_weights=True has no effect: {type(self.estimator).__name__}"
                          ".fit takes no sample_weight, so the kept rows train unweighted.",
                          UserWarning, stacklevel=3)
        if not isinstance(getattr(self, "share_preprocessing", True), bool):
            raise ValueError(f"share_preprocessing={self.share_preprocessing!r} must be True "
                             "or False.")
        if isinstance(self.min_budget, bool) or not isinstance(self.min_budget, numbers.Real) \
                or not 0 <= self.min_budget < np.inf:  # (NaN: every budget ran out)
            raise ValueError(f"min_budget={self.min_budget!r} must be seconds >= 0.")
        level = self.racing_level
        if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
            raise ValueError(f"racing_level={level!r} must be a number in (0, 1), e.g. 0.9 "
                             "(the confidence of the racing and of the lower bounds).")
        return task, scoring, scorer, check_fractions(self.keeps), parse_budget(self.budget)

    def _splits(self, X, strata, seed, numbers_as_classes=False, groups=None,
                regression=False):
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, check_cv

        if isinstance(self.cv, (bool, np.bool_)):
            raise ValueError(f"cv={self.cv!r}: give a number of folds (an int >= 2) or a "
                             "cross-validation splitter.")
        if isinstance(self.cv, numbers.Integral):
            if self.cv < 2:
                raise ValueError(f"cv={self.cv} must be >= 2.")
            counts = np.unique(strata, return_counts=True)[1]
            if counts.min() < self.cv:
                raise FoldsTooSmall(self.cv, int(counts.min()), len(counts),
                                    self.n_bins if regression else None,
                                    numbers_as_classes and is_classifier(self.estimator),
                                    numbers_as_classes)
            # groups given with a number of folds: no group on both sides of a split
            splitter = (StratifiedKFold if groups is None else StratifiedGroupKFold)(
                self.cv, shuffle=True, random_state=seed)
        else:
            splitter = check_cv(self.cv)
        rng = np.random.default_rng(seed)
        out = []
        Z = np.zeros((len(strata), 1))
        pairs = splitter.split(Z, strata) if groups is None else \
            splitter.split(Z, strata, groups)
        try:
            pairs = list(pairs)
        except ValueError as exc:
            if groups is None and "groups" in str(exc):
                raise ValueError(f"cv={self.cv!r} splits by groups: pass them as "
                                 f"fit(X, y, groups=...) ({exc})") from None
            raise
        for tr, te in pairs:
            te = np.asarray(te)
            if len(te) > self.max_val_rows:  # large tables: score on a sample of the fold
                te = np.sort(rng.choice(te, self.max_val_rows, replace=False))
            out.append((np.asarray(tr), te))
        return out

    def _candidates(self, task):
        from .._registry import method_names, reducer_class

        params = dict(self.method_params or {})
        skipped = {}
        if isinstance(self.methods, Mapping):
            if params:
                raise ValueError("method_params applies to method names only; set the "
                                 "parameters on the reducers given in methods.")
            for k, v in self.methods.items():
                if isinstance(v, type) or not hasattr(v, "fit_resample"):
                    raise ValueError(
                        f"methods[{k!r}] is {v!r}: a dict of methods maps labels to "
                        "reducer objects (e.g. {'mms': get_reducer('mms', space='minmax')}); "
                        "give method names as a list (methods=['srs', 'mms']).")
            cands = {str(k): clone(v) for k, v in self.methods.items()}
        else:
            if not isinstance(self.methods, (str, Iterable)):
                raise ValueError(f"methods={self.methods!r}: give 'auto', a list of method "
                                 "names or a dict of {label: reducer}.")
            names = method_names(self.methods, params, all_word="auto", role="searched")
            cands = {}
            for name in names:
                try:
                    cls = reducer_class(name)
                except ImportError as exc:
                    skipped[name] = f"not installed ({exc})"
                    continue
                given = params.get(name, {})
                if not isinstance(given, Mapping):
                    raise ValueError(f"method_params[{name!r}]={given!r}: give a dict of the "
                                     "reducer's parameters, e.g. {'space': 'minmax'}.")
                known = cls._get_param_names()  # the class's own: no instance needed
                unknown = sorted(set(given) - set(known))
                if unknown:
                    raise ValueError(
                        f"method_params[{name!r}] names {unknown}, not parameters of "
                        f"{cls.__name__}: choose among {sorted(known)}.")
                cands[str(name).lower()] = cls(**given)
        out = {}
        for label, red in cands.items():
            if task == "regression" and needs_classes(red):
                skipped[label] = "needs class labels; the target is continuous (regression)"
                continue
            if task == "regression" or self.space is not None:
                red = real_rows_reducer(red)
            red.set_params(**stratify_params(red, task, self.n_bins))
            if self.space is not None and "space" in red.get_params(deep=False):
                red.set_params(space=self.space)  # the reducer's base resolves it per fold
            out[label] = red
        for label, why in skipped.items():
            logger.warning("ReductionSearchCV: skipping %r: %s.", label, why)
        if not out:
            raise ValueError(f"no method can run here: {skipped}.")
        return out, skipped

    def _fit_estimator(self, estimator, X, y, weights, reducer=None):
        """Train a clone of ``estimator`` (the evaluator's seeded model) on the kept rows;
        weights as the package's one policy gives them (``use_weights``: ``"auto"``, ``True``
        or ``False``, and ``reducer``'s ``reweight``; see ``passes_weights``)."""
        est = clone(estimator)
        return est.fit(X, y, **sample_weight_params(est, weights, reducer=reducer,
                                                     pass_sample_weight=self.use_weights))

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, groups=None, **fit_params):
        """Run the search on ``(X, y)`` (the training data only) and refit the choice.

        ``groups`` (one label per row) go to the splitter's ``split``, as in scikit-learn's
        searches: ``cv=GroupKFold(3)`` keeps each group on one side of every split; with
        ``cv`` a number of folds they give ``StratifiedGroupKFold``. Other fit parameters
        (``sample_weight``, ...) are refused: they are not routed to the reducers and the
        estimator (each candidate trains with its reducer's weights, ``use_weights``)."""
        clock = Clock()
        if fit_params:
            names = ", ".join(sorted(fit_params))
            raise TypeError(f"ReductionSearchCV.fit does not take {names}: fit parameters "
                            "are not routed to the reducers and the estimator (each "
                            "candidate trains with its reducer's sample_weight_, see "
                            "use_weights); only groups= is accepted (for a group splitter "
                            "as cv).")
        if y is None:
            raise ValueError("ReductionSearchCV needs y (the target of the estimator).")
        import scipy.sparse as sp

        from ._evaluate import _other_table

        if sp.issparse(X):  # rows are taken by position: CSR (a COO matrix has no rows)
            X = X.tocsr()
        elif not (hasattr(X, "iloc") or _other_table(X)):  # polars, pyarrow kept as given:
            X = np.asarray(X)  # their columns' names reach the estimator
        if len(X.shape) != 2:
            raise ValueError(f"X has shape {X.shape}: pass a 2-D table (rows x columns); "
                             "use X.reshape(-1, 1) for a single feature.")
        if 0 in X.shape:  # before the strata and the splits (numpy's errors otherwise)
            what = "0 rows" if X.shape[0] == 0 else "0 columns"
            raise ValueError(f"X has {what} (shape {tuple(X.shape)}): the search needs the "
                             "training table, at least one row per fold and one feature.")
        if X.shape[0] != len(y):
            raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)}: one target per row.")
        y_arr = check_target(y, X.shape[0])  # before any training, in the package's words
        groups = check_groups(groups, len(y_arr))
        task, scoring, scorer, keeps, (budget_s, budget_x) = self._check_params(y_arr)
        if task == "classification":
            check_two_classes(y_arr, "the search")
        seed = draw_seed(np.random.default_rng(self.random_state))
        strata = quantile_strata(y_arr, self.n_bins)[0] if task == "regression" else y_arr
        numbers_as_classes = (task == "classification" and self.task == "auto"
                              and y_arr.dtype.kind in "iuf")
        splits = self._splits(X, strata, seed, numbers_as_classes, groups,
                              regression=task == "regression")
        if task == "classification":
            missing = classes_missing_from_splits(y_arr, splits)
            if missing:
                warnings.warn(self._missing_classes_line(missing, groups is not None,
                                                         y_arr, splits),
                              UserWarning, stacklevel=2)
        cands, skipped = self._candidates(task)
        reference = self.reference
        if reference not in cands and str(reference).lower() in cands:
            reference = str(reference).lower()  # method names are searched in lower case
        reference = reference if reference in cands else None
        if reference is None:
            from .. import get_reducer
            from .._registry import _REGISTRY

            given = self.reference
            if given is not None and str(given).lower() not in _REGISTRY:
                raise ValueError(f"reference={given!r} is neither a method of the package nor "
                                 f"a label of methods ({', '.join(map(repr, cands))}): give "
                                 "one of those, or leave it at 'srs'.")
            if given is not None and str(given).lower() != "srs":
                # a method the user chose for the curve, not searched here: said, not logged
                why = skipped.get(given, "not among the methods")
                warnings.warn(f"reference={given!r} is not searched ({why}): the learning "
                              "curve uses srs; add it to methods to use it.", UserWarning,
                              stacklevel=2)
            reference = "srs"
            red = get_reducer("srs")
            cands = {reference: red, **cands} if reference not in cands else cands
            logger.info("ReductionSearchCV: the learning curve uses srs (reference %r is not "
                        "among the methods).", self.reference)
        fits = self._fractions_in_a_fold(keeps, len(y_arr), splits, groups)
        floor = max(int(self.min_rows), 2 * len(np.unique(strata)))
        usable = [k for k in fits if floor <= check_keep(k, len(y_arr))]
        if len(usable) < len(fits):
            logger.info("ReductionSearchCV: kept fractions %s keep fewer than %d rows; trying "
                        "%s.", sorted(set(fits) - set(usable)), floor, usable or [max(fits)])
        ev = Evaluator(self, X, y, splits, cands, scorer, seed, reference,
                       usable or [max(fits)], clock, task=task, scoring=scoring,
                       missing_classes=missing if task == "classification" else {},
                       budget=(budget_s, budget_x), skipped=skipped)
        clock.limit = budget_s
        self._run_search(ev)
        self._finish(ev, X, y, task, scoring, seed, clock)
        return self

    def _missing_classes_line(self, missing, groups, y=None, splits=()):
        """The warning for classes absent from a side of some splits (``missing``, from
        :func:`datareduce._core.strata.classes_missing_from_splits`), with the cause it has: groups, classes with
        fewer rows than the splits, validation folds sampled to ``max_val_rows`` (``y`` and
        ``splits``, the sampled ones), else the splitter."""
        from .._core.input import _few

        absent = sorted({c for cs in missing.values() for c in cs}, key=str)
        validation_only = all(side == "validation" for side, _ in missing)
        rows = {} if y is None else dict(zip(*np.unique(y, return_counts=True), strict=True))
        n_splits = len(splits)
        few = [c for c in absent if rows.get(c, n_splits) < n_splits]
        sampled = any(len(te) == self.max_val_rows for _, te in splits)

        parts = []
        for side, fold in (("training", "training fold"), ("validation", "validation fold")):
            classes = sorted({c for (sd, _), cs in missing.items() if sd == side for c in cs},
                             key=str)
            where = sorted({i for (sd, i) in missing if sd == side})
            if classes:
                parts.append(f"class(es) {_few(classes)} have no row in the {fold} of "
                             f"split(s) {_few(where)}")
        if groups:
            why = ("their rows are in too few groups for every split to hold them (no group "
                   "is split)")
            fix = "give such classes more groups, or leave them out"
        elif validation_only and few and len(few) == len(absent):
            why = (f"{'it has' if len(few) == 1 else 'they have'} fewer rows "
                   f"({_few([int(rows[c]) for c in few])}) than the {n_splits} splits, so "
                   "some validation folds hold none")
            fix = "use fewer splits, add rows of such classes, or leave them out"
        elif isinstance(self.cv, numbers.Integral) or (validation_only and sampled):
            # stratified folds (cv a number), or validation folds sampled: the sample
            why = (f"the validation folds are sampled to max_val_rows={self.max_val_rows} "
                   "rows, and these classes are too rare to be drawn in each")
            fix = "raise max_val_rows, or leave such classes out"
        else:
            why = f"cv={_one_line(self.cv)} does not put every class on both sides of each split"
            fix = ("use a splitter stratified by class (cv=3, StratifiedKFold), or leave such "
                   "classes out")
        return (f"ReductionSearchCV: {'; '.join(parts)}: {why}. In those splits every "
                "candidate and the full training learn without them or are not scored on "
                "them (a scorer of probabilities, such as roc_auc_ovr or neg_log_loss, "
                f"cannot score such a split): {fix}.")

    def _fractions_in_a_fold(self, keeps, n, splits, groups=None):
        """The kept fractions whose rows (``check_keep(keep, n)``, the reducers' count: half
        rounds up) fit in every training fold.

        A fraction that keeps a training fold's rows or more would be that whole fold on a
        split: the full training, not a subset, compared with itself. It is left out (a
        warning in the log) when smaller fractions remain; when none remains, the search is
        refused before any training (:class:`KeepsBeyondFold`), naming ``keeps`` and ``cv``,
        the smallest training fold and the largest usable fraction."""
        fold = min(len(tr) for tr, _ in splits)  # the smallest training fold
        fits = [k for k in keeps if check_keep(k, n) < fold]
        if fits and len(fits) < len(keeps):
            logger.warning("ReductionSearchCV: kept fractions %s keep at least a training "
                           "fold's rows (%d of %d with cv=%s): left out, they would be the "
                           "full training fold, not a subset.",
                           sorted(set(keeps) - set(fits)), fold, n, _one_line(self.cv))
        if fits:
            return fits
        more = None  # (folds, keep): StratifiedKFold's smallest training fold is n - ceil(n/c)
        if (groups is None and isinstance(self.cv, numbers.Integral)
                and not isinstance(self.cv, bool)):
            top = check_keep(max(keeps), n)
            c = next((c for c in range(int(self.cv) + 1, 21)
                      if n - math.ceil(n / c) > top), None)
            more = None if c is None else (c, max(keeps))
        raise KeepsBeyondFold(self.keeps, self.cv, fold, n, more, groups is not None)

    def resolve_budget(self, ev):
        """The budget in seconds from what is known now (called before every step): a
        multiple of one full training, measured or predicted (see ``_full_seconds``)."""
        budget_s, budget_x = ev.budget
        if budget_x is not None:
            full = self._full_seconds(ev)
            if np.isfinite(full):
                floor = float(self.min_budget) if full < CHEAP_SECONDS else 0.0
                ev.clock.limit = max(budget_x * full, floor)
                ev.floor_applied = budget_x * full < floor
        return ev.clock.limit

    def _full_seconds(self, ev):
        """One training on all rows: measured on the full training folds (grown to all rows
        at the rate measured between the two largest trainings, between square root and
        linear), else predicted from the trainings so far: the largest one scaled linearly
        (below 50,000 rows: grown at the rate measured between the two largest trainings,
        square root to linear), never below the fastest one grown as the square root of the
        rows, plus the shared preprocessing fitted on all rows. (Below 50,000 rows, with a
        budget, the baseline's first split is timed early: first with a multiple, after the
        first curve point with seconds.)"""
        cell = ev.cells.get((FULL, 1.0))
        if cell:  # the fold's training grown to all rows at the measured growth rate
            g = ev.times.growth()
            return float(np.median([c[2] for c in cell.values()])) * (ev.n / ev.n_train) ** g
        low = full_training_seconds(ev.times.rows, ev.times.seconds, ev.n)
        if not np.isfinite(low):
            return low
        high = ev.times.linear_from_largest(ev.n)
        if ev.n < LARGE_ROWS:
            # a training of a few dozen rows is mostly fixed costs: scaled linearly it can
            # predict 50-100x the truth; below LARGE_ROWS grow it at the rate measured
            # between the two largest trainings (square root to linear) instead
            high = min(high, ev.times.predict(ev.n))
        # the trainings timed are the last step with a shared preprocessing: one full
        # training also fits the preprocessing on all rows (Evaluator.refit_seconds)
        prep = getattr(ev, "prep_seconds", None)  # (a stand-in evaluator may have none)
        return max(low, high) + (prep(ev.n) if prep is not None else 0.0)

    def _finish(self, ev, X, y, task, scoring, seed, clock):
        self.task_, self.scoring_, self.seed_ = task, scoring, seed
        self.n_samples_in_ = ev.n
        self.full_fit_seconds_ = self._full_seconds(ev)
        # measured on a full training fold, or predicted from smaller trainings only
        self.full_fit_measured_ = bool(ev.cells.get((FULL, 1.0)))
        self.budget_seconds_ = clock.limit
        self.budget_floor_applied_ = bool(getattr(ev, "floor_applied", False))
        self.search_seconds_ = clock.spent()
        self.cost_ratio_ = self.search_seconds_ / self.full_fit_seconds_
        self.baseline_score_ = ev.baseline_score
        self.baseline_kind_ = ev.baseline_kind
        self.baseline_interval_ = ev.baseline_interval
        self.threshold_ = ev.threshold
        self.baseline_gain_ = ev.baseline_gain
        self.learning_curve_ = ev.curve
        self.predicted_keep_ = ev.predicted_keep
        self.reference_ = ev.reference
        self.skipped_, self.eliminated_ = dict(ev.skipped), dict(ev.eliminated)
        self.budget_exhausted_ = ev.exhausted
        self.budget_needed_seconds_ = ev.needed_seconds
        self.budget_cut_ = ev.cut_short
        self.checks_ = dict(ev.checks)
        self.check_bounds_ = dict(ev.check_bounds)
        self.cv_results_ = self._results_table(ev)
        self.within_tolerance_ = ev.choice is not None
        if ev.choice is None:
            label, keep = ev.reference, 1.0
            self.best_method_, self.best_keep_ = FULL, 1.0
            self.best_score_ = ev.baseline_score if ev.baseline_kind == "measured" else np.nan
            self.check_scores_ = None
            self.all_rows_gain_ = (0.0, 0.0, 0.0)
            warnings.warn(self._no_reduction_line(), UserWarning, stacklevel=3)
        else:
            label, keep = ev.choice
            self.best_method_, self.best_keep_ = label, keep
            self.best_score_ = ev.mean(label, keep)
            self.check_scores_ = ev.checks[(label, keep)][0]
            self.all_rows_gain_ = self._gain(ev, np.nanmean(self.check_scores_, axis=0))
        red = ev.seeded(label, keep)
        t0 = time.perf_counter()
        # the search's task, as on the folds: the target rule does not decide (and warn)
        # again with advice (fit(X, y, task=...)) that this fit does not take
        Xr, yr, w = reduced_data(fit_reducer(red, X, y, task), X, y)
        self.refit_reduction_seconds_ = time.perf_counter() - t0
        t0 = time.perf_counter()
        self.best_estimator_ = self._refit(ev.estimator, red, X, y, Xr, yr, w)
        self.refit_training_seconds_ = time.perf_counter() - t0
        self.best_reducer_ = red
        full = self.full_fit_seconds_  # measured when the baseline was
        if self.within_tolerance_:
            self.training_time_saving_ = time_saving(self.refit_training_seconds_, full)
            self.total_time_saving_ = time_saving(
                self.refit_training_seconds_ + self.refit_reduction_seconds_, full)
        else:  # every row is kept: nothing is saved (the ratio of two timings of one
            self.training_time_saving_ = self.total_time_saving_ = 0.0  # training is noise)
        k, lo, hi = ev.predicted_keep

        def saving(f):  # the refit's cost model at f * n kept rows, as measured above
            return np.nan if not np.isfinite(f) else time_saving(
                ev.refit_seconds(min(f, 1.0) * ev.n), full)

        self.predicted_saving_ = (saving(k), saving(hi), saving(lo))

    def _refit(self, estimator, red, X, y, Xr, yr, w):
        """``estimator`` on the kept rows, as the search evaluated it: with a shared
        preprocessing, the pipeline's leading steps fitted on all rows and its last step
        trained on the kept rows (a fitted pipeline of the same steps)."""
        from ._evaluate import shared_prefix, take

        parts = shared_prefix(estimator) if self.share_preprocessing else None
        if parts is None:
            return self._fit_estimator(estimator, Xr, yr, w, red)
        pre, _ = parts
        pre = clone(pre)
        Z = pre.fit_transform(X, y)
        if getattr(red, "synthetic_", None) is None and hasattr(red, "sample_indices_"):
            Zr = take(Z, np.asarray(red.sample_indices_))
        else:
            Zr = pre.transform(Xr)
        est = clone(estimator)
        name, last = est.steps[-1]
        last.fit(Zr, yr, **sample_weight_params(last, w, pass_sample_weight=self.use_weights,
                                                reducer=red))
        est.steps = [*pre.steps, (name, last)]
        return est

    @staticmethod
    def _gain(ev, scores):
        """``(gain, low, high)``: the answer's CV score minus the full training set's, with
        a 95 % interval (paired over splits when the baseline was measured on each)."""
        if ev.complete(FULL, 1.0):  # against all rows: the curve's gain from the folds' rows
            mean, _, lo, hi = t_interval(scores - ev.scores(FULL, 1.0) - ev.baseline_gain)
            return mean, lo, hi
        mean, _, lo, hi = t_interval(scores)
        b_lo, b_hi = ev.baseline_interval
        gain = mean - ev.baseline_score
        if not (np.isfinite(b_lo) and np.isfinite(lo)):
            return gain, np.nan, np.nan
        # both uncertainties, added in quadrature (half-widths)
        half = np.hypot((hi - lo) / 2, (b_hi - b_lo) / 2)
        return gain, gain - half, gain + half

    def no_reduction_reason(self) -> str | None:
        """Why the answer is "no reduction" (None when there is an answer): the one reason
        the summary, the warning, the plot and the CLI give.

        * the budget ran out before a kept fraction was shown to be within tolerance;
        * the check over several draws failed for every candidate answer (named), and the
          other fractions within tolerance, if any, were of methods that did not beat the
          reference by the racing margin (a method other than the reference must);
        * fractions were within tolerance, but only for methods that did not beat the
          reference (and the reference itself at none);
        * no kept fraction's lower bound cleared the threshold."""
        if self.within_tolerance_:
            return None
        if self.budget_exhausted_:
            return ("the budget ran out before any kept fraction was shown to be within "
                    "tolerance")
        failed = [(m, k) for (m, k), (_, passed) in self.checks_.items() if not passed]
        res = self.cv_results_
        within = [(m, float(k)) for m, k, w in zip(res["method"], res["keep"],
                                                   res["within_tolerance"], strict=True)
                  if w and m != "full"]
        ref = self.reference_
        # (the reference within tolerance is an answer unless its check failed)
        others = [mk for mk in within if mk not in failed and mk[0] != ref]
        not_beating = (f"{len(others)} other (method, fraction) pair(s) within tolerance "
                       f"did not beat {ref} at the racing level, which a method other than "
                       f"{ref} must")
        if failed:
            names = ", ".join(f"{m} at {k:g}" for m, k in failed)
            why = f"the check over several draws of the subset failed ({names})"
            return why + (f"; {not_beating}" if others else "")
        if others:
            return f"{ref} was within tolerance at no kept fraction tried, and {not_beating}"
        return "no kept fraction's lower bound cleared the threshold"

    def _no_reduction_line(self):
        return (f"ReductionSearchCV: no reduction found within tolerance={self.tolerance} "
                f"({self.no_reduction_reason()}): keep everything (keep=1.0).")

    def _results_table(self, ev):
        rows = []
        for (label, keep), cell in ev.cells.items():
            scores = ev.scores(label, keep)
            mean, sd, lo, hi = t_interval(scores)
            lower = np.nan  # the bound the choice is held to (Evaluator.within)
            if label != FULL and ev.complete(label, keep):
                lower = ev.lower_bound(scores)
            row = {"method": label, "keep": float(keep), "stage": ev.stage[(label, keep)],
                   "params": {"method": label, "keep": float(keep)},  # (scikit-learn's key)
                   "mean_test_score": mean, "std_test_score": sd, "ci_low": lo, "ci_high": hi,
                   "lower_bound": lower}
            for i, s in enumerate(scores):
                row[f"split{i}_test_score"] = float(s)
            vals = list(cell.values())
            row.update({"mean_reduction_time": float(np.mean([v[1] for v in vals])),
                        "mean_fit_time": float(np.mean([v[2] for v in vals])),
                        "n_kept": float(np.mean([v[3] for v in vals])),
                        "within_tolerance": bool(label == FULL or ev.within(label, keep)),
                        "check_mean": float(ev.checks[(label, keep)][0].mean())
                        if (label, keep) in ev.checks else np.nan})
            rows.append(row)
        def column(k):
            if k == "params":  # a list of dicts, as in scikit-learn's cv_results_
                return [row[k] for row in rows]
            return np.array([row[k] for row in rows])

        return {k: column(k) for k in rows[0]} if rows else {}

    # ----------------------------------------------------------------- results
    def _check_fitted(self):
        if not hasattr(self, "best_estimator_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This ReductionSearchCV is not fitted yet: call fit(X, y).")

    def predict(self, X):
        """Predict with the estimator trained on the kept rows."""
        self._check_fitted()
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the estimator trained on the kept rows."""
        self._check_fitted()
        return self.best_estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of the estimator trained on the kept rows."""
        self._check_fitted()
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the estimator trained on the kept rows."""
        self._check_fitted()
        return self.best_estimator_.decision_function(X)

    @property
    def classes_(self):
        """The classes of the estimator trained on the kept rows."""
        _estimator_has("classes_")(self)
        return self.best_estimator_.classes_

    def score(self, X, y):
        """The search's scorer on ``(X, y)`` with ``best_estimator_``."""
        self._check_fitted()
        return float(_the_scorer(self.scoring_, self.task_)(self.best_estimator_, X, y))

    @property
    def best_params_(self):
        """The answer as ``cv_results_["params"]`` holds it: ``{"method", "keep"}``
        (``{"method": "full", "keep": 1.0}`` for no reduction)."""
        self._check_fitted()
        return {"method": self.best_method_, "keep": float(self.best_keep_)}

    @property
    def best_pipeline_(self):
        """An unfitted pipeline: the chosen reducer (training only), then the estimator."""
        self._check_fitted()
        from ..pipeline import make_pipeline

        return make_pipeline(clone(self.best_reducer_),
                             seeded_estimator(self.estimator, self.seed_),
                             pass_sample_weight=self.use_weights)

    def results_frame(self):
        """``cv_results_`` as a :class:`pandas.DataFrame`."""
        import pandas as pd

        self._check_fitted()
        return pd.DataFrame(self.cv_results_)

    def summary(self) -> str:
        """The choice (or "no reduction"), the baseline, the prediction, the cost, the table."""
        from ._report import summary

        self._check_fitted()
        return summary(self)

    def learning_curves(self):
        """Long table for :func:`datareduce.evaluation.plot_curves`: method, x, y, low, high."""
        df = self.results_frame()
        runs = df[df["method"] != FULL]
        return runs.rename(columns={"keep": "x", "mean_test_score": "y", "ci_low": "low",
                                    "ci_high": "high"})[["method", "x", "y", "low", "high"]]

    def plot(self, ax=None):
        """Learning curve per method (mean CV score, 95 % interval clipped to the scorer's
        range), the full set's score, the tolerance band and the threshold the choice is
        held to, each point's one-sided lower bound (hollow markers: not within tolerance)
        and a star at the choice (at keep=1.0 for "no reduction"); the title says the
        answer, and when the budget ran out. Colours are fixed per method
        (:data:`datareduce.search._plot.METHOD_COLORS`)."""
        self._check_fitted()
        from ._plot import plot_search

        return plot_search(self, ax=ax)

    def _n_splits(self):
        return sum(1 for k in self.cv_results_ if k.startswith("split"))

    def __repr__(self, N_CHAR_MAX=300):
        if hasattr(self, "best_method_"):
            return (f"{type(self).__name__}(best_method_={self.best_method_!r}, "
                    f"best_keep_={self.best_keep_}, best_score_={self.best_score_}, "
                    f"baseline_score_={self.baseline_score_})")
        return super().__repr__(N_CHAR_MAX=N_CHAR_MAX)


