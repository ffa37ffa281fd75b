"""Argument helpers shared by subcommands: keeps, method parameters, seeds, columns."""

from __future__ import annotations

import difflib
import fnmatch
import sys
from dataclasses import dataclass, field

from .._core.strata import N_BINS
from . import CLIError


def say(args, text: str) -> None:
    """A progress or summary line on stderr (silenced by --quiet)."""
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr, flush=True)


def parse_keep(text: str):
    """'0.1' -> 0.1 (fraction), '100' -> 100 (rows); checked by the package's one ``keep``
    validator (:func:`datareduce._core.validation.check_keep`)."""
    from .._core.validation import check_keep

    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise CLIError(
                f"--keep {text!r}: pass a fraction in (0, 1] or a number of rows."
            ) from None
    try:
        return check_keep(value, name="--keep")
    except (TypeError, ValueError) as exc:
        raise CLIError(str(exc)) from None


def parse_params(items) -> dict:
    """['k=3', 'output=medoids'] -> {'k': 3, 'output': 'medoids'} (numbers, bools, None parsed)."""
    params = {}
    for item in items or ():
        if "=" not in item:
            raise CLIError(f"--param {item!r}: write NAME=VALUE.")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key:
            raise CLIError(f"--param {item!r}: the NAME before '=' is empty; write NAME=VALUE.")
        params[key] = _literal(raw.strip())
    return params


def _literal(raw: str):
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def did_you_mean(name, choices) -> str:
    """' (did you mean 'x'?)' for the closest of ``choices``, or ''."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    if not close:
        lowered = {str(c).lower(): str(c) for c in choices}
        if str(name).lower() in lowered:
            close = [lowered[str(name).lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def compact_list(names, limit: int = 60) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", ... (+{len(names) - limit} more)" if len(names) > limit else "")


def unknown_column(option: str, name, columns) -> str:
    columns = list(columns)
    return (f"{option} {name!r} is not a column of the input{did_you_mean(name, columns)}; "
            f"its {len(columns)} columns are: {compact_list(columns)}.")


# ------------------------------------------------------------------ method parameters
def method_parameters(method: str) -> dict:
    """The default parameters of a registered method (raises a one-line error if unknown)."""
    from .._registry import reducer_class

    try:
        cls = reducer_class(method)
    except ValueError:
        from .._registry import available_reducers

        raise CLIError(f"--method {method!r} is not a method"
                       f"{did_you_mean(method, available_reducers())}; available: "
                       f"{', '.join(available_reducers())}.") from None
    return cls().get_params(deep=False)


def check_method_params(method: str, params: dict, *, option: str = "--param") -> dict:
    """Refuse parameters the method does not have, and ``keep`` (it has its own option)."""
    valid = method_parameters(method)
    for own in ("keep", "space"):
        if own in params:
            raise CLIError(f"{option} {own}=...: use the --{own} option instead.")
    for key in params:
        if key not in valid:
            raise CLIError(f"{option} {key}=...: method {method!r} has no parameter {key!r}"
                           f"{did_you_mean(key, valid)}; its parameters are "
                           f"{compact_list(sorted(valid))}.")
    return valid


def resolve_seed(seed, params: dict, valid: dict, default: int = 0) -> dict:
    """``--seed`` and ``--param random_state=...`` name the same thing: giving both is an error.

    Returns the parameters with ``random_state`` set (when the method has one).
    """
    params = dict(params)
    if "random_state" in params:
        if seed is not None and params["random_state"] != seed:
            raise CLIError(f"--seed {seed} and --param random_state={params['random_state']} "
                           "disagree: give only one of them.")
        return params
    if "random_state" in valid:
        params["random_state"] = default if seed is None else seed
    return params


# ----------------------------------------------------------------------------- columns
_ID_NAMES = ("id", "rownames", "row_id", "rowid", "index", "unnamed: 0")


@dataclass
class Columns:
    """Which columns of a table are features, the target, the id, and which are left out."""

    features: list
    target: object = None
    id: object = None
    unused: dict = field(default_factory=dict)  # name -> reason

    def summary(self) -> str:
        parts = [f"{len(self.features)} feature column(s): {compact_list(self.features, 12)}"]
        if self.target is not None:
            parts.append(f"target: {self.target}")
        if self.id is not None:
            parts.append(f"id: {self.id} (carried through, not a feature)")
        if self.unused:
            by_reason = {}
            for name, reason in self.unused.items():
                by_reason.setdefault(reason, []).append(name)
            parts += [f"not used ({reason}): {compact_list(names, 12)}"
                      for reason, names in by_reason.items()]
        return "columns: " + "; ".join(parts)


def _match(option: str, patterns, columns) -> list:
    out = []
    for pat in patterns or ():
        pat = str(pat)
        if pat in columns:
            hits = [pat]
        else:
            hits = [c for c in columns if fnmatch.fnmatchcase(str(c), pat)]
        if not hits:
            raise CLIError(f"{option} {pat!r} matches no column{did_you_mean(pat, columns)}; "
                           f"the {len(columns)} columns are: {compact_list(columns)}.")
        out += [h for h in hits if h not in out]
    return out


def _distinct_text(series) -> bool:
    return series.dtype.kind == "O" and len(series) >= 20 and series.nunique() == len(series)


def _looks_like_id(name, series) -> bool:
    if str(name).strip().lower() in _ID_NAMES or str(name).lower().endswith("_id"):
        return True
    if series.dtype.kind not in "iu" or len(series) < 3:
        return False
    values = series.to_numpy()
    step = values[1:] - values[:-1]
    return bool((step == 1).all())


def resolve_columns(df, *, target=None, features=None, exclude=None, id=None,
                    numeric_only: bool = False) -> Columns:
    """Resolve ``--target``, ``--features``, ``--exclude`` and ``--id`` against a table.

    Names or shell-style globs (``'x_*'``). Features default to every column but the
    target, the id, the excluded ones and text columns with a different value on every row
    (an id or free text; named in the summary, usable through ``--features``). With
    ``numeric_only``, non-numeric columns are left out too (listing one in ``--features``
    is an error).
    """
    columns = list(df.columns)
    if target is not None and target not in columns:
        raise CLIError(unknown_column("--target", target, columns))
    if id is not None and id not in columns:
        raise CLIError(unknown_column("--id", id, columns))
    if id is not None and id == target:
        raise CLIError(f"--id {id!r} is also the --target: give different columns.")
    chosen = _match("--features", features, columns) if features else None
    dropped = _match("--exclude", exclude, columns) if exclude else []
    for special, option in ((target, "--target"), (id, "--id")):
        if special is not None and chosen is not None and special in chosen and \
                str(special) in map(str, features):
            raise CLIError(f"--features lists {special!r}, which is the {option} column: "
                           "leave it out of --features.")
    unused = {}
    base = chosen if chosen is not None else columns
    feats = []
    for c in base:
        if c in (target, id):
            continue
        if c in dropped:
            unused[c] = "--exclude"
            continue
        explicit = chosen is not None and c in map(str, features)
        if not explicit and _distinct_text(df[c]):
            unused[c] = "text with a different value on every row: an id or free text"
            continue
        if numeric_only and getattr(df[c].dtype, "kind", "O") not in "biuf":
            if chosen is not None and c in map(str, features):
                raise CLIError(f"--features {c!r} is not numeric (dtype {df[c].dtype}); this "
                               "command needs numeric features: leave it out.")
            unused[c] = "not numeric"
            continue
        feats.append(c)
    if chosen is not None:
        for c in columns:
            if c not in chosen and c not in (target, id) and c not in unused:
                unused[c] = "not in --features"
    if not feats:
        what = "numeric " if numeric_only else ""
        raise CLIError(f"no {what}feature columns are left (columns: {compact_list(columns)}); "
                       "choose them with --features, or check --exclude / --target / --id.")
    return Columns(features=feats, target=target, id=id, unused=unused)


def warn_id_like(cols: Columns, df, explicit_features: bool) -> None:
    """Warn about feature columns that look like row ids (they distort every distance)."""
    if explicit_features:
        return
    import warnings

    for c in cols.features:
        if _looks_like_id(c, df[c]):
            warnings.warn(f"column {c!r} looks like a row id and is used as a feature: pass "
                          f"--id {c} (kept in the output, not a feature) or --exclude {c}.",
                          UserWarning, stacklevel=2)


SPACES = ("minmax", "standard", "auto", "none")


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

    num = F.select_dtypes(include="number")
    if num.shape[1] == 0:
        return
    bad = np.isinf(num.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        named = ", ".join(str(c) for c, k in zip(num.columns, bad.sum(axis=0), strict=True)
                          if k)
        raise CLIError(f"{int(bad.any(axis=1).sum())} row(s) of {label} have infinite values, "
                       f"in {named}: drop them or leave the columns out with --exclude.")


# -------------------------------------------------------------------------------- task
TASKS = ("auto", "classification", "regression")


def add_drop_missing_target(p):
    p.add_argument("--drop-missing-target", action="store_true",
                   help="leave out the rows whose target is missing (they are not in the "
                        "output); without it such rows are an error")


def drop_missing_target(args, df, target, label: str = "the input"):
    """The table without the rows whose target is missing, with --drop-missing-target."""
    if target is None:
        if getattr(args, "drop_missing_target", False):
            raise CLIError("--drop-missing-target needs a --target column.")
        return df
    missing = df[target].isna()
    if not missing.any():
        return df
    if not getattr(args, "drop_missing_target", False):
        raise CLIError(f"--target {target!r} is missing in {int(missing.sum())} row(s) of "
                       f"{label}: pass --drop-missing-target to leave those rows out, or "
                       "choose another target.")
    say(args, f"leaving out {int(missing.sum())} row(s) of {label} whose --target {target!r} "
              "is missing (--drop-missing-target)")
    return df.loc[~missing]


def add_task_options(p, *, bins: bool = True):
    p.add_argument("--task", choices=TASKS, default="auto",
                   help="what the target is: classes (stratified per class), a continuous "
                        "value (regression: stratified by quantile bins), or auto (default: "
                        "text and few whole numbers are classes; other numbers, including "
                        "whole numbers with more than max(50, rows/20) distinct values, are "
                        "a regression target; the rule of the Python API)")
    add_drop_missing_target(p)
    if bins:
        p.add_argument("--bins", type=int, default=N_BINS,
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
    if n_bins < 1:
        raise CLIError(f"--bins {n_bins}: give an integer >= 1.")
    from .._core.strata import quantile_strata

    bins = n_bins if n_keep is None else max(1, min(n_bins, n_keep))
    codes, _ = quantile_strata(series.to_numpy(dtype=np.float64), bins)
    return codes, task


def add_column_options(p, *, target_required: bool = False, target_help: str | None = None):
    """--target, --features, --exclude and --id, the same for every table subcommand."""
    p.add_argument("--target", required=target_required,
                   help=target_help or "label column (stratifies the reduction)")
    p.add_argument("--features", nargs="+", action="extend", metavar="COL",
                   help="feature columns, names or globs such as 'x_*' (default: every column "
                        "but the target and the id)")
    p.add_argument("--exclude", nargs="+", action="extend", metavar="COL",
                   help="columns never used as features, names or globs")
    p.add_argument("--id", metavar="COL",
                   help="a row id column: carried through untouched, never a feature")


def finish_parser(p, run, *, overwrite: str, quiet: str) -> None:
    """The options every writing command ends with (``--overwrite``, ``--quiet``) and its
    ``run`` function."""
    p.add_argument("--overwrite", action="store_true", help=overwrite)
    p.add_argument("--quiet", "-q", action="store_true", help=quiet)
    p.set_defaults(func=run)
