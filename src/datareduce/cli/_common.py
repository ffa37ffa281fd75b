"""Argument helpers shared by subcommands: keeps, method parameters, seeds, the options every
command ends with. Columns, the selection space and the target have their own modules
(``_columns``, ``_data``), messages theirs (``_text``); their names are importable from here
too."""

from __future__ import annotations

from . import CLIError, at_least  # noqa: F401 - at_least re-exported for the commands
from ._columns import (  # noqa: F401 - re-exported for the commands
    Columns,
    add_column_options,
    add_drop_missing_target,
    drop_missing_target,
    resolve_columns,
    warn_id_like,
)
from ._data import (  # noqa: F401 - re-exported for the commands
    SPACES,
    TASKS,
    add_space_option,
    add_task_options,
    make_space,
    space_matrix,
    target_strata,
    target_task,
)
from ._text import compact_list, did_you_mean, say, unknown_column  # noqa: F401


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
        if value >= 1 and value.is_integer() and "." not in text:
            value = int(value)  # 1e5: a number of rows, as compare's --keep reads it
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
    _check_param_values(method, params, option)
    return valid


def _check_param_values(method: str, params: dict, option: str) -> None:
    """Each value by the method's own ``_parameter_constraints`` (scikit-learn's check),
    before the data is read, in the option's words: a value such as ``selection=bogus``
    was refused after reading the table, as "The 'selection' parameter of MaxMinReducer
    must be ...", naming no option."""
    import re

    from sklearn.utils._param_validation import InvalidParameterError

    from .._registry import reducer_class

    if not params:
        return
    est = reducer_class(method)(**params)
    if not getattr(est, "_parameter_constraints", None):
        return
    try:
        est._validate_params()
    except InvalidParameterError as exc:
        found = re.match(r"The '(\w+)' parameter", str(exc))
        key = found.group(1) if found else next(iter(params))
        value = params.get(key, "...")
        raise CLIError(f"{option} {key}={value}: {' '.join(str(exc).split())}") from None


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


def finish_parser(p, run, *, overwrite: str, quiet: str) -> None:
    """The options every writing command ends with (``--overwrite``, ``--quiet``) and its
    ``run`` function."""
    p.add_argument("--overwrite", action="store_true", help=overwrite)
    p.add_argument("--quiet", "-q", action="store_true", help=quiet)
    p.set_defaults(func=run)


def group_column(args, df):
    """The ``--group`` column of ``df`` (a Series), or None without ``--group``; a row
    without a group is refused in the options' words (compare and search)."""
    if args.group is None:
        return None
    groups = df[args.group]
    if groups.isna().any():
        raise CLIError(f"--group {args.group!r} is missing in {int(groups.isna().sum())} "
                       "row(s): give every row a group, or leave --group out.")
    return groups
