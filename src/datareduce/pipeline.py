"""A pipeline in which reducers shrink the training data and are skipped at predict time.

Why this exists
---------------
imbalanced-learn's :class:`imblearn.pipeline.Pipeline` applies samplers (``fit_resample``)
only while fitting, which is what a reducer needs. But it sends any step that has
``transform`` or ``fit_transform`` through ``fit_transform`` before it looks for
``fit_resample``. Reducers offer ``fit_transform`` (apricot's convention, returning
``(X_reduced, y_reduced)`` when ``y`` is given), so in imbalanced-learn's own pipeline a reducer
would silently turn X into a tuple. To prevent that, a reducer's ``fit_transform`` and its
``transform`` lookup raise a ``TypeError`` pointing here when imbalanced-learn's or
scikit-learn's own ``Pipeline`` calls them (``hasattr(reducer, "transform")`` is False
everywhere else, including this pipeline).

:class:`Pipeline` here is imbalanced-learn's pipeline with overrides of its private
methods, because its public API cannot express them (docs/design-notes.md, "Pipelines"):
``_fit`` presents every reducer step as a resample-only step while fitting, so it is routed
through ``fit_resample`` (imbalanced-learn prefers ``fit_transform`` when a step has one); the
fitted reducer is put back afterwards, so ``named_steps``, ``get_params`` / ``set_params``
(``GridSearchCV`` over ``reducer__keep``) and ``clone`` see the reducer itself.
``_check_method_params`` returns a real dict of routed parameters, into which ``_fit`` puts
the reducers' weights for the final estimator, and hands a reducer's ``task`` to its
``fit_resample`` (``<step>__task=`` without metadata routing; with routing on,
``reducer.set_fit_request(task=True)`` and ``pipe.fit(X, y, task=...)``). A third,
``_get_metadata_for_step``, slices a middle step's per-row ``sample_weight`` through the rows
it sees and hands ``transform_input`` metadata (``X_val``) the steps before with the
resampling ones passed over, as at predict time. At predict / score time the reducer is
skipped, as every sampler is; ``get_feature_names_out`` of steps that only resample names
the columns they were fitted on.

Weights reach the model
-----------------------
A reducer's ``sample_weight_`` says how many training rows each kept row stands for. After
the steps are fitted, the pipeline passes these weights to the final estimator's ``fit``
(and ``fit_transform`` / ``fit_predict``) when its ``fit`` takes ``sample_weight`` and the
package's one weight policy says so (:func:`datareduce._core.output.passes_weights`:
``pass_sample_weight="auto"``, the default, passes them except to tree models unless a reducer
fitted them with ``reweight=``; ``True`` / ``False`` decide), also followed by
:func:`datareduce.evaluation.compare` and the CLI). Several reducers in a row compose: the rows map through each
``sample_indices_`` and the weights multiply. A ``sample_weight`` the user passes for the final
estimator (``pipe.fit(X, y, model__sample_weight=w)``, or ``sample_weight=w`` with scikit-learn's
metadata routing enabled and the estimator's ``set_fit_request(sample_weight=True)``) has one
entry per row of X: it is sliced through the reducers' ``sample_indices_`` (so it lines up with
the kept rows) and multiplied with the reducers' weights. Weights never reach ``predict`` /
``score``: only the fit calls change. For reducers that emit synthetic rows (cluster
centroids) the user's weights are taken at the real row each centroid stands on
(``sample_indices_``).

imbalanced-learn samplers beside reducers are followed too: an under-sampler's (or
``RandomOverSampler``'s) ``sample_indices_`` compose with the reducers', so weights stay
aligned wherever the sampler stands. A sampler that synthesizes rows (SMOTE) has none: a
reducer after it weights the new table, but a user's per-row weights and a reducer's weights
from before it cannot follow its rows, and the pipeline says so by step name (an error; a
warning, fitting unweighted, when ``pass_sample_weight="auto"`` would have passed a reducer's
weights). Final estimators that forward their fit parameters to a model
(``TransformedTargetRegressor``, ``GridSearchCV``) get the weights for that model.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

try:  # imbalanced-learn >= 0.13: scikit-learn's routed methods and fit_resample
    from imblearn.base import METHODS
except ImportError:  # pragma: no cover - imbalanced-learn 0.12 (the giotto environment)
    from sklearn.utils._metadata_requests import METHODS as _SKLEARN_METHODS

    METHODS = [*_SKLEARN_METHODS, "fit_transform", "fit_predict", "fit_resample"]
from imblearn.pipeline import Pipeline as _ImbPipeline
from sklearn.base import BaseEstimator
from sklearn.pipeline import _name_estimators
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _num_samples

from ._core.output import _routing_on, accepts_sample_weight, passes_weights, weight_key
from .base import BaseReducer

__all__ = ["Pipeline", "make_pipeline"]


class _ResampleOnly(BaseEstimator):
    """Present a reducer to imbalanced-learn as a pure sampler (fit_resample only)."""

    def __init__(self, reducer):
        self.reducer = reducer

    def fit(self, X, y=None, **params):
        self.reducer.fit(X, y, **params)
        return self

    def fit_resample(self, X, y=None, **params):
        return self.reducer.fit_resample(X, y, **params)


def _resamples(est) -> bool:
    """Whether a step resamples while fitting (a reducer, in ``_fit`` its resample-only
    wrapper, an imbalanced-learn sampler) and so passes the data on at predict time."""
    return not isinstance(est, str) and est is not None and hasattr(est, "fit_resample")


def _wrap(steps):
    return [
        (name, _ResampleOnly(est) if isinstance(est, BaseReducer) else est) for name, est in steps
    ]


def _unwrap(steps):
    return [
        (name, est.reducer if isinstance(est, _ResampleOnly) else est) for name, est in steps
    ]


# the fit-like methods of the final estimator that the parent class calls after ``_fit``
_FIT_METHODS = ("fit", "fit_transform", "fit_predict")


class Pipeline(_ImbPipeline):
    """imbalanced-learn's ``Pipeline`` that routes datareduce reducers through ``fit_resample``.

    Reducers reduce the training data during ``fit`` only; ``predict``, ``score`` and
    ``transform`` pass the data through them untouched. See the module docstring for why
    the plain imbalanced-learn pipeline cannot be used.

    As in imbalanced-learn's pipeline (whose docs warn of it for every sampler),
    ``fit_transform`` and ``fit_predict`` return the final step's output for the rows it was
    fitted on, the kept rows only, in the reducers' order (for one reducer, the rows
    ``X[reducer.sample_indices_]``), so they are not ``fit(X, y).transform(X)`` /
    ``.predict(X)``, which give one row per row of X.

    Parameters
    ----------
    steps : list of (name, estimator) tuples
        As in scikit-learn; reducers may appear anywhere before the final estimator.
    pass_sample_weight : "auto" or bool, default="auto"
        Fit the final estimator with the reducers' ``sample_weight_`` (rows each kept row
        stands for) when its ``fit`` accepts ``sample_weight``, multiplied with any
        ``sample_weight`` given for it (which is sliced through the kept rows). ``"auto"``
        does so except for tree models (trees, forests, gradient boosting), where the quality
        benchmark found the weights neutral to harmful, unless a reducer fitted its weights
        on request (``reweight=``). ``False`` fits it unweighted; a user ``sample_weight`` is
        then still sliced.
    transform_input, memory, verbose
        As in imbalanced-learn's ``Pipeline``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from datareduce import Pipeline, RandomReducer
    >>> X, y = load_iris(return_X_y=True)
    >>> pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)),
    ...                  ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    >>> pipe.named_steps["reduce"].sample_indices_.shape
    (75,)
    >>> pipe.predict(X).shape  # predict sees all rows
    (150,)
    >>> float(pipe.named_steps["reduce"].sample_weight_.sum())  # the model was fitted with these
    150.0
    """

    _parameter_constraints: dict = {
        **_ImbPipeline._parameter_constraints,
        "pass_sample_weight": ["boolean", StrOptions({"auto"})],
    }

    def __init__(self, steps, *, pass_sample_weight="auto", transform_input=None, memory=None,
                 verbose=False):
        super().__init__(steps, transform_input=transform_input, memory=memory,
                         verbose=verbose)
        self.pass_sample_weight = pass_sample_weight

    def __getitem__(self, ind):
        """A step (by position or name), or for a slice a :class:`Pipeline` of those steps
        with this pipeline's own parameters (``pass_sample_weight``, ``transform_input``,
        ``memory``, ``verbose``); the steps are shared, as in scikit-learn."""
        if not isinstance(ind, slice):
            return super().__getitem__(ind)
        if ind.step not in (1, None):
            raise ValueError("Pipeline slicing only supports a step of 1")
        own = {k: v for k, v in self.get_params(deep=False).items() if k != "steps"}
        return self.__class__(self.steps[ind], **own)

    def get_feature_names_out(self, input_features=None):
        """Column names of the output of the pipeline's transformers, as in scikit-learn.

        Reducers and samplers only select rows, so a pipeline (or a slice such as
        ``pipe[:-1]``) made of them alone gives the names of the columns its first step was
        fitted on (a DataFrame's, else ``x0, x1, ...``), as the reducer itself does, where
        imbalanced-learn's pipeline returned None (``input_features`` as given)."""
        if any(True for _ in self._iter()):
            return super().get_feature_names_out(input_features)
        first = next((est for _, _, est in self._iter(filter_resample=False)), None)
        if first is not None and hasattr(first, "get_feature_names_out"):
            return first.get_feature_names_out(input_features)
        from sklearn.utils.validation import _check_feature_names_in

        return _check_feature_names_in(self, input_features)

    def _fit(self, X, y=None, routed_params=None, raw_params=None):
        if routed_params is not None:
            self._refuse_reducer_params(routed_params)
            self._task_from_final(routed_params, y)
        original = list(self.steps)
        self.steps = _wrap(original)
        n = self._rows_in = _num_samples(X)  # for the steps' weights (_get_metadata_for_step)
        try:
            Xt, yt = super()._fit(X, y, routed_params, raw_params)
        finally:
            self.steps = _unwrap(self.steps)
            del self._rows_in
        if routed_params is not None:
            self._route_weights(routed_params, n)
        return Xt, yt

    def _task_from_final(self, routed_params, y) -> None:
        """A reducer given no ``task`` follows the final estimator's type, as ``compare``
        and the search do (:func:`~datareduce.evaluation.tasks.estimator_task`): before a
        regressor, whole numbers that repeat (ratings, mpg) are a regression target
        (quantile bins; CLC's medoids, not centroids), before a classifier they are
        classes. The pipeline decides silently, on every fit (a cross-validation's too).
        A ``task`` the user passes (``<step>__task=``, or routed) wins; a final step of
        neither type (or ``"passthrough"``), no ``y``, a 2-D ``y``, a ``y`` the estimator
        refuses (booleans before a regressor) and, before a regressor, a reducer that needs
        class labels (DES, forgetting events) leave the target rule alone (review6/r3 01,
        review7 a 01-04)."""
        final = self._final_estimator
        if y is None or final is None or final == "passthrough" or np.ndim(y) != 1:
            return
        names = [name for name, est in self.steps[:-1] if isinstance(est, BaseReducer)
                 and name in routed_params
                 and "task" not in routed_params[name].get("fit_resample", {})]
        if not names:
            return
        from ._core.validation import user_stacklevel
        from .evaluation.tasks import estimator_task

        try:
            task = estimator_task(y, "auto", final, warn=False, stacklevel=user_stacklevel())
        except ValueError:  # y the estimator cannot train on: the reducers' rule, the
            return          # estimator's own error
        for name in names:
            if task == "regression" and self.named_steps[name]._requires_classes:
                continue  # a class-based method keeps the rule (and its own refusal)
            routed_params[name]["fit_resample"] = {
                **routed_params[name].get("fit_resample", {}), "task": task}

    def _check_method_params(self, method, props, **kwargs):
        if _routing_on():
            self._refuse_step_prefixed_params(props)
        routed = super()._check_method_params(method, props, **kwargs)
        if not isinstance(routed, dict):
            # scikit-learn's stand-in for "no metadata" (routing on, nothing passed) builds a
            # fresh dict on every lookup; use a real one so the reducers' weights can be added
            routed = Bunch(**{name: Bunch(**{m: {} for m in METHODS}) for name, _ in self.steps})
            return routed
        # A reducer is called through fit_resample, whose parameters are its fit's (task).
        # Without routing, imbalanced-learn files ``<step>__task`` under fit, fit_transform
        # and fit_predict, never fit_resample. With routing, a task the reducer requested
        # (``set_fit_request(task=True)``) is routed to its fit_transform (imbalanced-learn
        # maps a step that has one so; scikit-learn's fit_transform request is fit's plus
        # transform's, and a reducer has no transform), again not to fit_resample. The final
        # step too: ``pipe.fit_resample`` calls a final reducer's fit_resample with them.
        for name, est in self.steps:
            if isinstance(est, BaseReducer) and name in routed:
                step = routed[name]
                for source in ("fit_transform", "fit"):
                    if step.get(source):
                        step["fit_resample"] = {**step.get("fit_resample", {}),
                                                **step[source]}
        return routed

    def _refuse_step_prefixed_params(self, props) -> None:
        """With metadata routing on, scikit-learn refuses ``<step>__task`` as a parameter
        routed to no object; say how a reducer requests it instead."""
        for name, est in self.steps[:-1]:
            given = sorted(p for p in props if p.startswith(f"{name}__"))
            if isinstance(est, BaseReducer) and given:
                raise TypeError(
                    f"{type(self).__name__} got {given}: with scikit-learn's metadata routing "
                    f"enabled, a step's parameters are not passed as <step>__<param>. Request "
                    f"the reducer's task and pass it by name: "
                    f"pipe.named_steps[{name!r}].set_fit_request(task=True), then "
                    "pipe.fit(X, y, task='classification').")

    def _refuse_reducer_params(self, routed_params) -> None:
        """A reducer's only fit parameter is ``task`` (``<step>__task="classification"``);
        say so for any other instead of silently dropping it."""
        for name, est in self.steps[:-1]:
            step_params = routed_params.get(name) if isinstance(est, BaseReducer) else None
            if not step_params:
                continue
            given = sorted({p for params in step_params.values() for p in params} - {"task"})
            if given:
                raise ValueError(
                    f"Step {name!r} is a reducer, whose only fit parameter is task (e.g. "
                    f"{name}__task='classification'); got {given}. "
                    "Pass sample_weight to the final estimator instead "
                    f"(e.g. {self.steps[-1][0]}__sample_weight=w, one weight per row of X): "
                    "the pipeline slices it through the reducer's kept rows and multiplies it "
                    "with the reducer's sample_weight_."
                )

    def _reduced_rows(self, n: int, upto: int | None = None) -> _Rows:
        """Which rows of X the final estimator (or step ``upto``) sees and the reducers'
        composed weights.

        Every resampling step counts: a reducer, and any imbalanced-learn sampler (its
        ``sample_indices_`` give the rows it kept or repeated; a sampler that synthesizes rows,
        such as SMOTE, has none, so from it on the rows no longer trace back to X and the
        weights of the reducers before it cannot follow them)."""
        rows, weights = np.arange(n), np.ones(n)
        resampled, untraceable, lost, pending = False, None, [], []
        for name, est in self.steps[:-1 if upto is None else upto]:
            est = est.reducer if isinstance(est, _ResampleOnly) else est  # (during _fit)
            if est is None or est == "passthrough" or not hasattr(est, "fit_resample"):
                continue
            resampled = True
            idx = getattr(est, "sample_indices_", None)
            if idx is None:  # synthetic rows: new rows, each standing for itself
                rows, weights, untraceable = None, None, name
                lost, pending = lost + pending, []
                continue
            idx = np.asarray(idx)
            rows = None if rows is None else rows[idx]
            # after rows were synthesized, this step's output starts afresh at weight 1
            weights = np.ones(len(idx)) if weights is None else weights[idx]
            if isinstance(est, BaseReducer):
                weights = weights * est.sample_weight_
                pending.append(name)
        return _Rows(rows, weights, resampled, untraceable, lost)

    def _get_metadata_for_step(self, *, step_idx, step_params, all_params):
        """A step after a resampling step gets a per-row ``sample_weight`` for the rows it
        sees (one per row of X as given, sliced like the final estimator's), not for X.

        ``transform_input`` metadata (a validation set ``X_val``) goes through the steps
        before this one as at predict time, where resampling steps pass the data on:
        imbalanced-learn transforms it with the slice ``pipe[:step]``, which has no
        ``transform`` when a reducer or sampler ends it (AttributeError)."""
        steps = self.steps
        if self.transform_input is not None and 0 < step_idx:
            self.steps = [(n, "passthrough" if _resamples(e) else e) for n, e in steps[:step_idx]
                          ] + list(steps[step_idx:])
        try:
            params = super()._get_metadata_for_step(step_idx=step_idx, step_params=step_params,
                                                    all_params=all_params)
        finally:
            self.steps = steps
        if not params or step_idx == 0 or step_idx == len(self.steps) - 1:
            return params  # (the final step's weights: _route_weights)
        # copies: the methods' dicts may be one object, and each must be sliced once
        params = Bunch(**{m: dict(v) if hasattr(v, "items") else v for m, v in params.items()})
        name, out = self.steps[step_idx][0], None
        for values in params.values():
            user = values.get("sample_weight") if isinstance(values, dict) else None
            if user is None or np.ndim(user) != 1:
                continue
            n = getattr(self, "_rows_in", len(user))
            out = out or self._reduced_rows(n, upto=step_idx)
            if not out.resampled:
                return params
            values["sample_weight"] = _per_row(user, n, out, f"sample_weight for {name!r}", name)
        return params

    def _route_weights(self, routed_params, n: int) -> None:
        """Put the final estimator's sample_weight (sliced user weights x reducer weights)
        into the routed fit parameters, which the parent class passes on after ``_fit``."""
        final_name, final = self.steps[-1]
        if final is None or final == "passthrough" or isinstance(final, BaseReducer):
            return
        step_params = routed_params.get(final_name)
        if step_params is None:
            return
        out = self._reduced_rows(n)
        if not out.resampled:
            return
        reducers = [e for _, e in self.steps[:-1] if isinstance(e, BaseReducer)]
        give = bool(reducers) and passes_weights(final, self.pass_sample_weight, reducers)
        if reducers and isinstance(self.pass_sample_weight, (bool, np.bool_)) and \
                self.pass_sample_weight and not accepts_sample_weight(final):
            warnings.warn(f"pass_sample_weight=True has no effect: step {final_name!r} "
                          f"({type(final).__name__}) takes no sample_weight in fit, so it "
                          "trains on the kept rows unweighted.", UserWarning, stacklevel=5)
        if give and out.lost:
            message = (
                f"The weights of reducer step(s) {out.lost} cannot reach {final_name!r}: step "
                f"{out.untraceable!r} after them {_UNTRACEABLE}, so the kept rows' weights do "
                "not follow. Put the reducer after "
                f"{out.untraceable!r}, or pass pass_sample_weight=False to fit unweighted."
            )
            if self.pass_sample_weight is True:
                raise ValueError(message)
            warnings.warn(message + " Fitting without the reducers' weights.", UserWarning,
                          stacklevel=5)  # _fit, fit, fit_context, caller
            give = False
        if give:
            _check_routable(final_name, final)
        key = weight_key(final)  # "sample_weight", or "<last>__sample_weight" for a pipeline
        for method in _FIT_METHODS:
            params = step_params.get(method)
            if params is None:
                continue
            user = params.get(key)
            if user is not None:
                user = _per_row(np.asarray(user, dtype=np.float64), n, out,
                                f"sample_weight for {final_name!r}", final_name)
            if give:
                params[key] = out.weights if user is None else out.weights * user
            elif user is not None:
                params[key] = user
            # per-row weights for the other steps of a nested pipeline ("inner__t__sample_
            # weight") follow the same rows
            for other in [p for p in params if p != key and p.endswith("sample_weight")]:
                if np.shape(params[other]) == (n,):
                    params[other] = _per_row(params[other], n, out,
                                             f"{other} for {final_name!r}", final_name)


#: A step without ``sample_indices_``, in the messages that name it.
_UNTRACEABLE = ("does not tell which rows it returns (no sample_indices_: it synthesizes rows, "
                "like SMOTE, or does not record them)")


def _per_row(values, n: int, out: _Rows, what: str, step: str) -> np.ndarray:
    """``values``, one per row of X, for the rows ``step`` sees (``out``, from
    :meth:`Pipeline._reduced_rows`); a ValueError naming ``what`` when they are not one per
    row of X or when those rows do not trace back to X."""
    if np.shape(values) != (n,):
        raise ValueError(
            f"{what} has shape {np.shape(values)} but X has {n} rows: pass one weight per row "
            "of X (the pipeline keeps the entries of the rows its reducers and samplers keep).")
    if out.rows is None:
        raise ValueError(
            f"{what} has one entry per row of X, but step {out.untraceable!r} {_UNTRACEABLE}, "
            f"so the rows step {step!r} sees do not trace back to X (step {out.untraceable!r} "
            "before it changed them). Weight those rows another way, or use a sampler that "
            "keeps real rows.")
    return np.asarray(values)[out.rows]


def _check_routable(name, final) -> None:
    """With metadata routing on, a final step that routes ``sample_weight`` (a pipeline, a
    search) gets the reducers' weights because a model in it requested them; a step beside
    it whose request is unset would make scikit-learn refuse them, as if the user had passed
    them: say where they come from and the two ways out."""
    if not _routing_on():
        return
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.utils.metadata_routing import MetadataRouter, get_routing_for_object

    routing = get_routing_for_object(final)
    if not isinstance(routing, MetadataRouter):
        return
    try:
        routing.route_params(caller="fit", params={"sample_weight": np.ones(1)})
    except UnsetMetadataPassedError as exc:
        raise ValueError(
            f"The reducers' weights go to step {name!r} as sample_weight, since a model in it "
            f"requested sample_weight (metadata routing is on), but scikit-learn would refuse "
            f"them: {exc} Or pass pass_sample_weight=False to train without the reducers' "
            "weights."
        ) from exc


class _Rows(NamedTuple):
    """The rows of X the final estimator sees (``None``: untraceable past a sampler that
    synthesizes rows), the reducers' composed weights for them, whether any step resampled,
    the step that broke the tracing, and the reducers whose weights it lost."""

    rows: np.ndarray | None
    weights: np.ndarray | None
    resampled: bool
    untraceable: str | None
    lost: list


def make_pipeline(*steps, pass_sample_weight="auto", memory=None, transform_input=None,
                  verbose=False):
    """Build a :class:`Pipeline` from estimators, naming steps after their classes.

    With ``pass_sample_weight="auto"`` (default) the final estimator is fitted with the
    reducers' ``sample_weight_`` when its ``fit`` accepts ``sample_weight`` and it is not a
    tree model (see :class:`Pipeline` and the one weight policy,
    :func:`datareduce._core.output.passes_weights`). ``memory``, ``transform_input`` and
    ``verbose`` are passed on, as by scikit-learn's and imbalanced-learn's
    ``make_pipeline``.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from datareduce import make_pipeline, get_reducer
    >>> pipe = make_pipeline(StandardScaler(), get_reducer("srs", keep=0.2),
    ...                      KNeighborsClassifier())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'stratifiedrandomreducer', 'kneighborsclassifier']
    """
    return Pipeline(_name_estimators(steps), pass_sample_weight=pass_sample_weight,
                    memory=memory, transform_input=transform_input, verbose=verbose)
