"""The selection space (``--space``) and the target's task (``--task``, ``--bins``) of a
table, for the commands."""

from __future__ import annotations

from .._core.strata import N_BINS
from . import CLIError, at_least
from ._columns import add_drop_missing_target
from ._text import compact_list

SPACES = ("minmax", "standard", "auto", "none")
TASKS = ("auto", "classification", "regression")


def add_space_option(p, default: str = "minmax"):
    p.add_argument("--space", "--scale", dest="space", default=default, choices=SPACES,
                   metavar="SPACE",
                   help="the space rows are compared in (datareduce.preprocessing): numeric "
                        "columns median-imputed (with missing indicators) and min-max "
                        "(default, as the paper) or standard scaled, categorical columns "
                        "one-hot encoded; 'auto' is the Python default (features as given "
                        "when numeric and complete); 'none' uses the numbers as given. "
                        "--scale is an old name of this option.")

def make_space(name: str, F):
    """The library's unfitted selection-space transformer for ``--space NAME`` (None: the
    features as given)."""
    from ..preprocessing import make_selection_space, resolve_space

    if name == "none":
        return None
    if name == "auto":
        return resolve_space("auto", F)
    return make_selection_space(F, scale=name)

def space_matrix(space, F, *, fit_on=None, label: str = "the input"):
    """F in the space (fitted on ``fit_on``, default F) as a float array, and its one-line
    description; infinite values are a one-line error counting rows and naming columns."""
    import numpy as np

    from ..preprocessing import describe_space

    _check_no_inf(F, label)
    if space is None:
        if fit_on is not None and fit_on is not F:
            _check_no_inf(fit_on, "FULL")
        missing = F.isna()
        if missing.to_numpy().any():
            named = ", ".join(f"{c} ({int(k)})" for c, k in missing.sum().items() if k)
            raise CLIError(f"{int(missing.any(axis=1).sum())} row(s) of {label} have missing "
                           f"values, in {named}, and --space none uses the values as given: "
                           "use --space minmax (imputes them) or drop those rows.")
        try:
            Z = F.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            bad = [c for c in F.columns if F[c].dtype.kind not in "biuf"]
            raise CLIError(f"--space none needs numeric features; {compact_list(bad)} are "
                           "not: use --space minmax (encodes them) or --exclude them.") from None
        return Z, describe_space(None, F.shape[1])
    if fit_on is None or fit_on is F:
        Z = space.fit_transform(F)
    else:
        _check_no_inf(fit_on, "FULL")
        space.fit(fit_on)
        Z = space.transform(F)
    return np.ascontiguousarray(Z, dtype=np.float64), describe_space(space)

def _check_no_inf(F, label):
    import numpy as np

    from .._core.validation import number_columns

    num = number_columns(F)
    if num.shape[1] == 0:
        return
    bad = np.isinf(num.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        named = ", ".join(str(c) for c, k in zip(num.columns, bad.sum(axis=0), strict=True)
                          if k)
        raise CLIError(f"{int(bad.any(axis=1).sum())} row(s) of {label} have infinite values, "
                       f"in {named}: drop them or leave the columns out with --exclude.")

def add_task_options(p, *, bins: bool = True):
    p.add_argument("--task", choices=TASKS, default="auto",
                   help="what the target is: classes (stratified per class), a continuous "
                        "value (regression: stratified by quantile bins), or auto (default: "
                        "text and few whole numbers are classes; other numbers, including "
                        "whole numbers with more than max(50, rows/20) distinct values "
                        "that do not repeat as classes do (16 rows per value, at most 5%% "
                        "seen once), are a regression target; the rule of the Python API)")
    add_drop_missing_target(p)
    if bins:
        p.add_argument("--bins", type=int, action=at_least(1), default=N_BINS,
                       help="quantile bins of a regression target (default 10; never more "
                            "than the kept rows)")

def target_task(series, task: str = "auto", *, method: str | None = None) -> str:
    """``"classification"`` or ``"regression"`` for ``--target`` (``--task auto`` applies the
    package's one rule, :func:`datareduce._core.strata.target_kind`, the rule of the Python
    API: whole numbers with many distinct values, such as prices, are a regression target,
    with a line saying so). One-line errors for missing values, a non-numeric regression
    target, and a ``--method`` that needs classes on a regression target."""
    from .._core.strata import target_kind

    name = series.name
    if series.isna().any():
        raise CLIError(f"--target {name!r} is missing in {int(series.isna().sum())} row(s): "
                       "pass --drop-missing-target to leave those rows out, or choose another "
                       "target.")
    try:
        task = target_kind(series, task, name=f"--target {name!r}", warn=True,
                           override="--task classification")
    except ValueError:
        raise CLIError(f"--task regression needs a numeric --target; {name!r} has "
                       f"{series.dtype} values (e.g. {series.iloc[0]!r}).") from None
    if task == "regression" and method is not None:
        from .._registry import reducer_class
        from ..base import reducer_tags

        if reducer_tags(reducer_class(method)).requires_classes:
            raise CLIError(f"--method {method} needs class labels and --target {name!r} is a "
                           "regression target: use a method without classes (e.g. srs, mms, "
                           "clc), or --task classification if the values are classes.")
    return task

def target_strata(series, task: str, *, n_bins: int = N_BINS, n_keep: int | None = None,
                  method: str | None = None):
    """The labels that stratify splits and per-class results, and the task: the classes as
    they are (numbers asked to be classes become text), or the quantile-bin codes of a
    regression target (the package's one binning). Reducers are given the target itself
    and the task (:func:`target_task`) and bin it themselves."""
    import numpy as np

    task = target_task(series, task, method=method)
    if task == "classification":
        y = series.to_numpy()
        if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
            y = series.astype(str).to_numpy()  # classes, as asked
        return y, task
    from .._core.strata import quantile_strata

    bins = n_bins if n_keep is None else max(1, min(n_bins, n_keep))
    codes, _ = quantile_strata(series.to_numpy(dtype=np.float64), bins)
    return codes, task
