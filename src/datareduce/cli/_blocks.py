"""``datareduce reduce`` on Parquet files, block by block with dask
(:func:`datareduce.distributed.reduce_parquet`).

Everything that can be checked from the files' footers (paths, formats, columns, row counts,
options, the scheduler's form) is checked before a cluster starts or a row is read. The kept
rows are written as one Parquet file with their original index (the files' stored index, or
``row``: the position in the concatenation of the files).
"""

from __future__ import annotations

import logging
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from . import CLIError
from ._common import resolve_columns, say, warn_id_like
from ._io import _check_parent, same_file

_LOCAL = ("threads", "processes", "synchronous", "sync", "single-threaded")
_SCALES = ("minmax", "standard", "none")
_SUFFIXES = (".parquet", ".pq")


def _check_scheduler(args):
    sched = args.scheduler
    if sched is not None and sched != "local" and sched not in _LOCAL \
            and "://" not in sched and ":" not in sched:
        raise CLIError(f"--scheduler {sched!r} is not an address: pass local, threads, or a "
                       "running cluster's address such as tcp://10.0.0.5:8786.")
    if sched != "local":
        if args.workers is not None:
            raise CLIError("--workers sizes the cluster of --scheduler local: leave it out "
                           "(a running cluster has its own workers).")
        if args.memory_limit != "auto":
            raise CLIError("--memory-limit is for --scheduler local: leave it out.")


def _files(inputs):
    from ..distributed._parquet import _resolve_paths

    try:  # a file reached twice (tree/**, two entries, two links) is read once
        files = _resolve_paths(list(inputs))
    except FileNotFoundError as exc:
        raise CLIError(f"input: {exc}") from None
    for f in files:
        if "://" in f:
            continue
        if Path(f).suffix.lower() not in _SUFFIXES:
            raise CLIError(f"input {f}: several files, folders and --scheduler read "
                           "Parquet files only (.parquet or .pq); reduce a CSV file on "
                           "its own, without --scheduler.")
        if Path(f).is_dir():
            raise CLIError(f"input {f} is a folder named like a file; pass its files.")
    return files


def _refuse_whole_number_regression(files, target, n):
    """The package's one target rule (``_core.strata.target_kind``), block by block: whole
    numbers with more distinct values than ``whole_number_threshold(n)`` that do not repeat
    as classes do are a regression target, which the blocks cannot stratify. Reads the
    target column batch by batch, keeping the values' counts, and stops as soon as no
    clause can call them classes."""
    import numpy as np
    import pyarrow.parquet as pq

    from .._core.strata import classes_by_counts, classes_limit

    limit = classes_limit(n)  # above both clauses: regression whatever the counts
    values, counts = np.empty(0), np.empty(0, dtype=np.int64)
    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(columns=[target]):
            v = batch.column(0).to_numpy(zero_copy_only=False)
            v = v[~np.isnan(v)] if v.dtype.kind == "f" else v
            vb, cb = np.unique(v, return_counts=True)
            u = np.union1d(values, vb)
            c = np.zeros(len(u), dtype=np.int64)
            c[np.searchsorted(u, values)] += counts  # (positions of distinct values)
            c[np.searchsorted(u, vb)] += cb
            values, counts = u, c
            if len(values) > limit:
                break
        if len(values) > limit:
            break
    if classes_by_counts(len(values), n, int(np.sum(counts == 1))):
        return
    raise CLIError(
        f"--target {target!r} has {'more than ' if len(values) > limit else ''}"
        f"{int(limit) if len(values) > limit else len(values)} distinct whole numbers in {n} "
        "rows, too many that do not repeat as classes do: a regression target by the "
        "package's rule, and the blocks stratify by class: pass --task classification if "
        "its values are classes, or reduce one file in memory (quantile bins).")


def _footers(files):
    """Columns (an empty pandas frame with the dtypes), rows, and the columns some file
    stores as floats (column -> (first such file, its type)), from the files' footers."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    frame, total, names, nulls, floats = None, 0, None, set(), {}
    for f in files:
        if "://" in f:
            raise CLIError(f"input {f}: remote files are read by the Python API "
                           "(datareduce.distributed.reduce_parquet); the command reads local "
                           "files.")
        if not os.access(f, os.R_OK):
            raise CLIError(f"input {f} is not readable (permission denied).")
        try:
            schema = pq.read_schema(f)
            rows = pq.read_metadata(f).num_rows
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise CLIError(f"input {f} could not be read as Parquet: "
                           f"{' '.join(str(exc).split())[:200]}") from None
        if names is None:
            names, first = schema.names, f
            frame = schema.empty_table().to_pandas()
        elif sorted(schema.names) != sorted(names):  # (read by name: any order)
            raise CLIError(f"input {f} has columns {', '.join(schema.names)} but {first} has "
                           f"{', '.join(names)}: every file must have the same columns.")
        # a column stored all-null (Arrow null) in the first file takes the type of the first
        # file holding values, as reduce_parquet judges it, whatever the files' order
        for fld in schema:
            if pa.types.is_floating(fld.type):  # judged over every file, not the first
                floats.setdefault(fld.name, (f, fld.type))
            if (fld.name in nulls and not pa.types.is_null(fld.type)):
                frame[fld.name] = pa.schema([fld]).empty_table().to_pandas()[fld.name]
                nulls.discard(fld.name)
            elif pa.types.is_null(fld.type) and first == f:
                nulls.add(fld.name)
            # after the null-first branch (which resets the column from this file's type)
            if pa.types.is_decimal(fld.type) and frame[fld.name].dtype == object:
                # decimals (prices, amounts) are numeric features, as reduce_parquet and the
                # in-memory reduce read them (the empty frame has no Decimal to tell)
                frame[fld.name] = frame[fld.name].astype("float64")
        total += rows
    if total == 0:
        raise CLIError(f"the {len(files)} input file(s) have no rows.")
    from ..distributed._parquet import _hive_columns

    hive = _hive_columns(files)  # the library's rule: every key=value folder of the paths
    if hive.difference(frame.columns):
        # partition columns live in the folder names (label=a/), not in the footers: their
        # names and types as dask reads them (a categorical), as reduce_parquet reads them
        import dask.dataframe as dd

        meta = dd.read_parquet(files, index=False)._meta
        for name in sorted(hive.difference(frame.columns)):
            if name in meta.columns:
                frame[name] = meta[name]
    return frame, total, floats


@contextmanager
def _quiet_dask():
    """dask.distributed's routine noise (dashboard port taken, sockets closed at shutdown,
    nannies killing workers at the end) is not the user's concern; its errors still show."""
    names = ("distributed", "tornado")
    levels = {n: logging.getLogger(n).level for n in names}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ResourceWarning)
        warnings.filterwarnings("ignore", message=".*[Pp]ort .* is already in use")
        warnings.filterwarnings("ignore", message="The inplace keyword")
        for n in names:
            logging.getLogger(n).setLevel(logging.ERROR)
        try:
            yield
        finally:
            for n, level in levels.items():
                logging.getLogger(n).setLevel(level)


def run_blocks(args, keep, params, valid) -> int:
    import numpy as np

    from .._core.validation import check_keep
    from ._io import write_bytes_with
    from ._progress import fmt_seconds, stage

    # ------------------------------------------- options (nothing read, nothing started)
    for option, value in (("--report", args.report), ("--max-points", args.max_points)):
        if value is not None:
            raise CLIError(f"{option} needs the whole table in memory; with Parquet blocks "
                           "run `datareduce score` on the kept rows afterwards.")
    if args.budget is not None:
        raise CLIError("--budget is not available block by block (no estimate of a cluster's "
                       "speed): leave it out.")
    if args.drop_missing_target:
        raise CLIError("--drop-missing-target is not available block by block: drop those "
                       "rows from the files first.")
    if args.task == "regression":
        raise CLIError("--task regression is not available block by block (the blocks "
                       "stratify by class): reduce one file in memory, or pass "
                       "--task classification if the values are classes.")
    if args.space not in _SCALES:
        raise CLIError(f"--space {args.space}: block by block the features are numeric and "
                       f"scaled with global ranges: use one of {', '.join(_SCALES)}.")
    if args.oversample is not None and not args.oversample >= 1:
        raise CLIError(f"--oversample {args.oversample}: give a number >= 1.")
    _check_scheduler(args)
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise CLIError(f"Parquet blocks need the dask extra: pip install "
                       f"'datareduce[dask]' ({exc}).") from None
    out = Path(args.output)
    if out.is_dir():
        raise CLIError(f"--output {out} is a folder; give a .parquet file name.")
    if out.suffix.lower() not in _SUFFIXES:
        raise CLIError(f"--output {out}: block by block the kept rows are written as one "
                       "Parquet file: give a name ending in .parquet.")
    if out.exists() and not args.overwrite:
        raise CLIError(f"--output {out} exists: pass --overwrite to replace it, or choose "
                       "another --output.")
    _check_parent(out, "--output")
    files = _files(args.input)
    if any(same_file(out, f) for f in files):
        raise CLIError("--output is one of the input files: choose another --output.")
    from ..distributed._parquet import (
        _check_kinds,
        _check_output,
        _ColumnKinds,
        _Refusal,
        _stored_index,
    )

    try:  # the library's rule: never inside an input folder, links followed
        _check_output(out, args.overwrite, files, args.input)
    except _Refusal as exc:  # in the options' words: --output
        raise CLIError(exc.words(cli=True)) from None
    except (ValueError, FileExistsError) as exc:
        raise CLIError(f"--output: {exc}") from None

    # ------------------------------------------------------- columns from the footers
    frame, n, floats = _footers(files)
    cols = resolve_columns(frame, target=args.target, features=args.features,
                           exclude=args.exclude, id=args.id, numeric_only=True)
    kinds = _ColumnKinds()  # the library's checks of the footers, before a cluster starts
    _stored_index(files, kinds)
    try:
        _check_kinds(kinds, cols.features, cols.target, cols.id)
    except _Refusal as exc:
        raise CLIError(exc.words(cli=True)) from None
    say(args, cols.summary())
    warn_id_like(cols, frame, bool(args.features))
    if args.weight_column is not None and args.weight_column in frame.columns:
        raise CLIError(f"--weight-column {args.weight_column!r} is already a column of the "
                       "input: choose another name.")
    if cols.target in floats and args.task != "classification":
        # any file storing floats, whatever the order (int64 here, float64 there is common:
        # pandas turns an int column into floats after a NaN)
        f, t = floats[cols.target]
        raise CLIError(f"--target {cols.target!r} holds floats (stored as {t} in {f}) and "
                       "the blocks stratify by class: pass --task classification if its "
                       "values are classes, or reduce one file in memory (quantile bins).")
    if cols.target is not None and frame[cols.target].dtype.kind in "iu" \
            and args.task == "auto":
        _refuse_whole_number_regression(files, cols.target, n)
    if isinstance(keep, int) and keep > n:
        raise CLIError(f"--keep {keep} is larger than the data ({n} rows in {len(files)} "
                       "file(s)).")
    check_keep(keep, n)
    params = dict(params)
    seed = params.pop("random_state", 0 if args.seed is None else args.seed)
    if seed is None:
        seed = 0

    # --------------------------------------------------------------------------- work
    from ..distributed import reduce_parquet

    where = args.scheduler or "dask threads"
    t0 = time.perf_counter()
    try:  # the library's refusals in the options' words (--target, --exclude, ...)
        with _quiet_dask(), stage(f"reduce ({args.method}, {len(files)} file(s), {n} rows, "
                                  f"on {where})", quiet=args.quiet):
            res = reduce_parquet(files, args.method, keep, target=cols.target,
                                 id_column=cols.id, features=cols.features, scale=args.space,
                                 params=params, oversample=args.oversample,
                                 random_state=int(seed), scheduler=args.scheduler,
                                 n_workers=args.workers, memory_limit=args.memory_limit,
                                 output=None, weight_column=args.weight_column,
                                 task="classification" if args.task == "classification"
                                 else "auto")
    except _Refusal as exc:
        raise CLIError(exc.words(cli=True)) from None
    kept = res.kept
    write_bytes_with(out, lambda p: kept.to_parquet(p))
    seconds = time.perf_counter() - t0
    if not args.quiet:
        bound = res.blocks.radius_bound
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items())
        print(f"kept {len(kept)} of {res.n_samples} rows from {len(files)} file(s) with "
              f"{args.method} on {where} in {fmt_seconds(seconds)} ({timings}) -> {out}"
              + (f"; cover-radius bound {bound:.4g}" if bound is not None
                 and np.isfinite(bound) else ""))
    return 0
