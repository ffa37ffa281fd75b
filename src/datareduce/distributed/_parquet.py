"""Reduce a folder of Parquet files through dask.dataframe and write the kept rows back."""

from __future__ import annotations

import fnmatch
import glob
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.base import clone

from .._core.files import atomic_write, is_within
from ..base import BaseReducer
from ._blocks import BlockReduction, _reduce_blocks
from ._cluster import use_scheduler

__all__ = ["ParquetBlocks", "ParquetReduction", "read_parquet_blocks", "reduce_parquet"]

logger = logging.getLogger(__name__)

_SUFFIXES = (".parquet", ".pq")
_SCALES = ("minmax", "standard", "none")
_OPTIONS = {"output": "--output", "target": "--target", "id_column": "--id"}


class _Refusal(ValueError):
    """A refusal of :func:`reduce_parquet` that names its arguments, in the library's words
    (``str``: ``output=``, ``target=``, ``id_column=``, ``features=[...]``) or the command
    line's (``words(cli=True)``: ``--output``, ``--target``, ``--id``, ``--exclude`` /
    ``--features``). ``say(cli)`` writes the message; both texts are written at once and
    kept as plain strings (``cli_text``), so that the refusal pickles (raised in a process
    pool or a dask worker, it reaches the caller as itself). ``_Refusal(text, cli_text)``
    rebuilds one from its texts."""

    def __init__(self, say, cli_text=None):
        if callable(say):
            say, cli_text = say(False), say(True)
        super().__init__(say)
        self.cli_text = say if cli_text is None else cli_text

    def __reduce__(self):
        return type(self), (str(self), self.cli_text), self.__dict__

    def words(self, cli=False):
        return self.cli_text if cli else str(self)


def _arg(name, value, cli=False) -> str:
    """An argument as the user gave it: ``target='y'``, ``output='k.parquet'``; on the
    command line ``--target 'y'``, ``--output k.parquet``."""
    if cli:
        return f"{_OPTIONS[name]} {value}" if name == "output" else f"{_OPTIONS[name]} {value!r}"
    return f"{name}={value!r}"


def _leave_out(columns, cli=False) -> str:
    """How to leave feature columns out: ``features=[...]``; on the command line
    ``--exclude COL ...`` or a ``--features`` list without them."""
    if cli:
        return f"--exclude {' '.join(map(str, columns))} or a --features list without them"
    return "features=[...]"


@dataclass
class ParquetReduction:
    """The result of :func:`reduce_parquet`.

    Attributes
    ----------
    kept : pandas.DataFrame
        The kept rows with all their columns, in input order. The index is the input's
        index when the files store one, as ``pandas.read_parquet`` reads it (columns, or a
        RangeIndex kept in the footers: named, or not starting at 0 in every file),
        otherwise ``row``: the row's position in the concatenation of the files (in the
        order of ``files``).
    sample_indices : ndarray of int
        Positions of the kept rows in that concatenation.
    sample_weight : ndarray of float
        Rows each kept row stands for (sums to ``n_samples``).
    n_samples : int
        Rows read.
    features : list of str
        Columns the reduction used.
    files : list of str
        The input files, in the order their rows were numbered.
    output : Path or None
        Where ``kept`` was written.
    blocks : BlockReduction
        The block-level result (quotas per block, cover radii).
    timings : dict
        Seconds spent scanning, reducing, gathering and writing.
    """

    kept: object
    sample_indices: np.ndarray
    sample_weight: np.ndarray
    n_samples: int
    features: list
    files: list
    output: Path | None
    blocks: BlockReduction = field(repr=False)
    timings: dict = field(default_factory=dict)


def _walk(folder):
    """``os.walk`` of ``folder`` following links to folders, as pyarrow's dataset discovery
    does, each real folder once: a link to a folder already walked (a link cycle, or two
    links to one place) is skipped with a warning naming it. Names starting with ``.`` or
    ``_`` are not descended into."""
    import os
    import warnings

    seen = set()

    def key(path):
        st = os.stat(path)
        return st.st_dev, st.st_ino

    seen.add(key(folder))
    for root, dirs, names in os.walk(folder, followlinks=True):
        keep = []
        for d in dirs:
            if d.startswith((".", "_")):
                continue
            sub = os.path.join(root, d)
            try:
                k = key(sub)
            except OSError:  # a broken link: nothing to read there
                warnings.warn(f"{sub} is a link to a folder that does not exist: skipped.",
                              UserWarning, stacklevel=4)
                continue
            if k in seen:
                warnings.warn(f"{sub} leads to {os.path.realpath(sub)}, a folder already read "
                              "(a link cycle, or two links to one folder): skipped, its files "
                              "are read once.", UserWarning, stacklevel=4)
                continue
            seen.add(k)
            keep.append(d)
        dirs[:] = keep
        yield root, dirs, names


def _parquet_files_under(folder: Path) -> list[str]:
    """The ``.parquet``/``.pq`` files under ``folder`` and its subfolders (hive partitions
    ``label=a/``, ``year=2024/month=01/``, or plain nested folders), sorted by path, skipping
    files and folders whose name starts with ``.`` or ``_`` (``_metadata``, ``_SUCCESS``,
    ``.crc`` files) and following links to folders, as pyarrow's dataset discovery does
    (each real folder is read once: a link cycle is skipped with a warning)."""
    import os

    found = []
    for root, _, names in _walk(folder):
        found += [os.path.join(root, n) for n in names
                  if not n.startswith((".", "_")) and Path(n).suffix.lower() in _SUFFIXES]
    return sorted(found)


def _hive_keys(f) -> tuple:
    """The hive partition keys of a local file: the ``key=value`` folders of its path (dask
    and pyarrow read every such folder of the path as a partition column)."""
    import os

    return tuple(part.split("=", 1)[0]
                 for part in Path(os.path.dirname(os.path.abspath(f))).parts
                 if "=" in part and not part.startswith("="))


def _hive_columns(files) -> set:
    """The hive partition columns dask reads for these files: every ``key=value`` folder of
    each local file's path (:func:`_hive_keys`), including the folders every file shares (one
    partition given, a dataset under ``/srv/site=north/``). The one rule of
    :func:`reduce_parquet` and ``datareduce reduce``."""
    return {k for f in files if "://" not in f for k in _hive_keys(f)}


def _check_hive_layout(files, origin) -> None:
    """Refuse files that sit under different hive partition keys (``label=a/p.parquet`` and
    a plain ``p.parquet``), before any row is read: dask takes the partition columns from
    every file's folders and its reader fails on a file without them (a bare ``KeyError``;
    pandas would give those rows a missing partition value)."""
    local = [f for f in files if "://" not in f]
    _check_default_partitions(local)
    keys = {f: _hive_keys(f) for f in local}
    every = sorted({k for ks in keys.values() for k in ks})
    if not every:
        return
    odd = [f for f in local if set(keys[f]) != set(every)]
    if not odd:
        return
    full = next((f for f in local if set(keys[f]) == set(every)), None)
    entries = sorted({origin[f] for f in odd} | ({origin[full]} if full else set()))
    lacking = sorted({k for f in odd for k in every if k not in keys[f]})
    names = ", ".join(f"{k}=..." for k in lacking)
    shown = ", ".join(odd[:3]) + (f" and {len(odd) - 3} more" if len(odd) > 3 else "")
    example = f" (e.g. {full})" if full else ""
    folders = "pass the partition folders only"
    stray = set(odd)
    glob_ = _partition_glob(full, [f for f in local if f not in stray], odd, lacking)
    if glob_ is not None:
        folders += f" (e.g. '{glob_}')"
    raise ValueError(
        f"{', '.join(entries)} mixes hive partition folders ({', '.join(every)}){example} "
        f"with file(s) outside the {names} folders: {shown}. dask takes the partition "
        f"column(s) {', '.join(lacking)} from the folder names and cannot read those rows "
        f"(they have no value there). Move the file(s) into a {names} folder or out of the "
        f"dataset, or {folders}.")


_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def _check_default_partitions(local) -> None:
    """Refuse files in a ``key=__HIVE_DEFAULT_PARTITION__`` folder, naming it: the rows
    whose partition column is missing, as pandas', pyarrow's and Spark's ``partition_cols=``
    write them. dask's reader fails on them ("No non-null segments were available for field
    ...; couldn't infer type"), whichever column is the target."""
    import os

    folders, globs = {}, {}
    for f in local:
        parts = Path(os.path.dirname(f)).parts
        for i, part in enumerate(parts):
            if _is_key_folder(part) and part.split("=", 1)[1] == _HIVE_NULL:
                folder = str(Path(*parts[:i + 1]))
                folders.setdefault(folder, []).append(f)
                # every key folder from the dataset's first one: any value but the missing
                first = next(j for j, p in enumerate(parts) if _is_key_folder(p))
                globs.setdefault(folder, str(Path(*parts[:first], *[
                    p.split("=", 1)[0] + "=[!_]*" if _is_key_folder(p) else p
                    for p in parts[first:i + 1]])))
                break
    if not folders:
        return
    folder = next(iter(folders))
    key = Path(folder).name.split("=", 1)[0]
    others = globs[folder]
    n = sum(len(v) for v in folders.values())

    # the column's type as the other folders' values show it (the type-specific fill)
    values = {p.split("=", 1)[1] for f in local for p in Path(os.path.dirname(f)).parts
              if _is_key_folder(p) and p.split("=", 1)[0] == key and not p.endswith(_HIVE_NULL)}
    dtype = np.dtype(object)
    if values and values <= {"true", "false", "True", "False"}:
        dtype = np.dtype(bool)
    elif values:
        try:
            [float(v) for v in values]
            dtype = np.dtype(np.float64)
        except ValueError:
            pass
    raise ValueError(
        f"{', '.join(list(folders)[:3])} holds the rows whose {key!r} is missing ({n} "
        f"file(s); partition_cols= writes missing values there), which dask cannot read "
        f"(\"No non-null segments were available for field {key!r}\"). Give those rows a "
        f"{key} before writing ({_fill_advice('df', key, dtype)}) or rename "
        f"the folder (to {key}=missing), or leave it out: pass the other partition folders "
        f"(e.g. '{others}').")


def _is_key_folder(part) -> bool:
    return "=" in part and not part.startswith("=")


def _partition_glob(full, partitioned, odd, lacking):
    """A glob or folder that reads exactly the partitioned files given, or None: a
    partitioned file's path (``full``) with each ``key=value`` folder from some level on
    written ``key=*`` (``hive/year=*/month=*``), starting no deeper than its first folder of
    a ``lacking`` key, as deep as possible (the folders every file shares,
    ``/srv/site=north/``, stay fixed); else, when the partitioned files given are the files
    of one folder of a ``lacking`` key (``hive/label=a`` given with a stray file), that
    folder. What it reads is checked on disk: it must read every partitioned file given,
    and nothing else (no stray file, and no partition never given: ``hive/label=*`` for
    ``hive/label=a`` alone would silently reduce ``label=b`` too)."""
    import os
    import warnings

    if full is None:
        return None

    def real(files):
        return {os.path.realpath(f) for f in files}

    def reads(text):  # the files text reads, where they are on disk
        found: list[str] = []
        try:
            with warnings.catch_warnings():  # _resolve_paths told about skipped links
                warnings.simplefilter("ignore")
                _resolve_entry(text, found)
        except OSError:  # matches nothing
            return set()
        return real(found)

    want = real(partitioned)
    for parts in (Path(full).parts, Path(os.path.abspath(full)).parts):
        keys = [i for i, part in enumerate(parts[:-1]) if _is_key_folder(part)]
        first = next((i for i in keys if parts[i].split("=", 1)[0] in lacking), None)
        if first is None:  # the key folder is above the path as written
            continue
        for start in reversed([i for i in keys if i <= first]):
            levels = [parts[i].split("=", 1)[0] + "=*" for i in keys[keys.index(start):]]
            last = keys[-1]
            # the folders between key folders stay as they are (hive/year=*/raw/month=*)
            between = [levels.pop(0) if i in keys else parts[i]
                       for i in range(start, last + 1)]
            text = str(Path(*parts[:start], *between))
            if reads(text) == want:
                return text

    def key_folder(f):  # the file's first folder of a lacking key, as written if there
        for parts in (Path(f).parts, Path(os.path.abspath(f)).parts):
            at = next((i for i, part in enumerate(parts[:-1]) if _is_key_folder(part)
                       and part.split("=", 1)[0] in lacking), None)
            if at is not None:
                return str(Path(*parts[:at + 1]))
        return None

    one = {key_folder(f) for f in partitioned}
    if len(one) == 1 and None not in one:
        text = one.pop()
        if reads(text) == want:
            return text
    return None


def _resolve_entry(text, files) -> None:
    """Append the files of one entry of ``paths`` to ``files``."""
    if "://" in text:  # remote storage: let dask / fsspec list it
        files.append(text)
        return
    path = Path(text)
    if path.is_dir():
        found = _parquet_files_under(path)
        if not found:
            raise FileNotFoundError(f"{path} holds no .parquet files (none in it or in its "
                                    "subfolders).")
        _check_table_logs(found)
        files.extend(found)
    elif any(ch in text for ch in "*?["):
        found = []
        for match in sorted(glob.glob(text, recursive=True)):
            # a folder matched (e.g. 'hive/*' matching 'label=a') is read as a folder
            found += _parquet_files_under(Path(match)) if Path(match).is_dir() else [match]
        if not found:
            raise FileNotFoundError(f"no file matches {text!r}.")
        _check_table_logs(found)
        files.extend(found)
    elif path.is_file():
        files.append(str(path))
    else:
        raise FileNotFoundError(f"input not found: {path} (pass Parquet files, a folder "
                                "of them, or a glob such as 'data/*.parquet').")


def _resolve_paths(paths) -> list[str]:
    """Files from a folder (read recursively: nested and hive-partitioned folders, links to
    folders followed), a glob (``**`` reaches nested folders), a file, or a list of them
    (sorted within each entry). Files under different hive partition keys (a plain file next
    to ``label=a/``) are refused, naming them."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[str] = []
    origin: dict[str, str] = {}  # file -> the entry that gave it (for messages)
    seen: dict = {}  # the file on disk -> its first name
    for entry in paths:
        text = str(entry)
        found: list[str] = []
        _resolve_entry(text, found)
        for f in found:
            key = _file_key(f)
            if key in seen:
                _warn_read_once(f, seen[key], origin[seen[key]], text)
                continue
            seen[key] = f
            files.append(f)
            origin[f] = text
    if not files:
        raise FileNotFoundError("no input files given.")
    _check_hive_layout(files, origin)
    return files


def _check_table_logs(files) -> None:
    """Refuse files a folder or a glob found in a Delta Lake table (a folder above them
    holds ``_delta_log/``): the table's folder keeps the files of every version (an
    overwrite or a DELETE leaves the old files and the log removes them), so listing its
    .parquet files reads removed rows. Files given one by one (the table's current files)
    are read."""
    import os

    roots: dict = {}

    def root(folder):  # the table folder above `folder`, or None
        if folder not in roots:
            parent = os.path.dirname(folder)
            roots[folder] = folder if os.path.isdir(os.path.join(folder, "_delta_log")) \
                else (None if parent == folder else root(parent))
        return roots[folder]

    tables = sorted({t for f in files if "://" not in f
                     for t in [root(os.path.dirname(os.path.abspath(f)))] if t})
    if tables:
        t = tables[0]
        raise ValueError(
            f"{', '.join(tables[:3])} is a Delta Lake table (it has a _delta_log folder): its "
            "folder also keeps the files of older versions and deleted rows, which only the "
            "log leaves out, and reading its .parquet files would read them as data. Pass the "
            f"table's current files: deltalake.DeltaTable({t!r}).file_uris() (pip install "
            "deltalake).")


def _file_key(f):
    """One file on disk, however it is reached (links, ``a/../a``, two globs): its device
    and inode; a remote path is its own text."""
    import os

    if "://" in f:
        return f
    try:
        st = os.stat(f)
    except OSError:
        return os.path.normpath(os.path.abspath(f))
    return st.st_dev, st.st_ino


def _warn_read_once(f, first, first_entry, entry):
    """A file reached twice is read once (its rows would be counted twice): silent when one
    entry names it twice under one name (``tree/**`` matches a folder and the files in it),
    a warning otherwise."""
    import os
    import warnings

    if entry == first_entry and os.path.normpath(f) == os.path.normpath(first):
        return
    how = (f"{entry!r} reaches it as {f}" if entry == first_entry else
           f"{entry!r} gives it again" + (f" as {f}" if f != first else ""))
    warnings.warn(f"input file {first} (from {first_entry!r}) is given more than once: "
                  f"{how}; it is read once.", UserWarning, stacklevel=4)


def _input_places(paths, files) -> list[tuple[str, Path, tuple | None]]:
    """Where the inputs live, as (how the user named it, place, rest) triples, each place
    where it is on disk (:func:`_real`: every link followed before a ``..`` is cancelled,
    as the file system resolves ``l/..``; an input file also at its name, :func:`_entry`).

    ``rest`` is None where the whole place is read, everything below it: a folder entry and
    the folders its links to subfolders lead to, every input file, and every folder a glob
    matches now (read as a folder, links followed). For a glob it is also, for every folder
    the glob's path reaches on the way (the folder it starts from, its path up to the first
    wildcard, and each existing folder its first ``k`` parts match, through links too), the
    glob's remaining parts: below that folder a later run reads what those parts match by
    name (:func:`_glob_reads`), in folders that exist or that a write would create. Folders
    created by a write are plain folders, so a name match below the real folder of every
    existing folder the glob passes through covers every path the glob could match after
    the write (``data/*/*/*.parquet`` with ``data/link -> elsewhere/`` reads
    ``elsewhere/new/kept.parquet`` once ``new/`` is made; ``raw/*.parquet`` never reads
    ``raw/reduced/kept.parquet``)."""
    import os
    import warnings

    if isinstance(paths, (str, Path)):
        paths = [paths]
    places = []
    seen = set()

    def add(given, p, rest=None):  # where p is on disk, links followed before '..'
        place = _real(p)
        if (place, rest) not in seen:
            seen.add((place, rest))
            places.append((given, place, rest))

    def file(given, f):  # an input file: its folder entry and where its bytes are
        for place in {_entry(f), _real(f)}:
            places.append((given, place, None))

    def folder(given, path):  # a folder read with its subfolders, links followed
        add(given, path)
        top = [_real(path)]
        with warnings.catch_warnings():  # _resolve_paths told about skipped links
            warnings.simplefilter("ignore")
            for root, _, _ in _walk(Path(path)):  # linked subfolders, where they lead
                real = _real(root)
                if not any(is_within(real, t) for t in top):
                    top.append(real)
                    add(given, root)

    def wild(t):
        return any(ch in t for ch in "*?[")

    for entry in paths:
        text = str(entry)
        if "://" in text:
            continue
        if Path(text).is_dir():
            folder(text, text)
        elif wild(text):
            parts = Path(text).parts
            fixed = next(i for i, part in enumerate(parts) if wild(part))
            # a '..' after a wildcard is resolved on disk, not matched by name: start below it
            lo = max([fixed] + [i + 1 for i, part in enumerate(parts)
                                if part == ".." and i >= fixed])
            for k in range(lo, len(parts)):
                # '**' ending the head goes on matching below it (zero or more folders)
                rest = parts[k - 1:] if k and parts[k - 1] == "**" else parts[k:]
                head = str(Path(*parts[:k])) if k else "."
                found = glob.glob(head, recursive=True) if wild(head) else [head]
                for d in found:
                    if os.path.isdir(d):
                        add(text, d, tuple(rest))
            for match in glob.glob(text, recursive=True):  # read as folders
                if os.path.isdir(match):
                    folder(text, match)
    for f in files:
        if "://" not in f:
            file(f, f)
    return places


def _glob_reads(below, rest) -> bool:
    """Whether a glob whose remaining parts are ``rest`` reads the path ``below`` (its parts
    under the folder the glob reached): a first part or more of ``below`` match all of
    ``rest``, part by part with ``fnmatch`` (``**`` any number of parts, none included),
    either the whole path (a file the glob matches) or a folder above it (a folder the glob
    matches is read with everything in it). Hidden names are matched too (``glob`` leaves
    them out: refusing them is on the safe side)."""
    below, rest = tuple(below), tuple(rest)

    def match(i, j):
        if j == len(rest):
            return True  # below[:i] is matched: the path itself, or a folder holding it
        if rest[j] == "**":
            return match(i, j + 1) or (i < len(below) and match(i + 1, j))
        return i < len(below) and fnmatch.fnmatch(below[i], rest[j]) and match(i + 1, j + 1)

    return bool(below) and match(0, 0)


def _real(p) -> Path:
    """Where the path ``p`` is on disk, as the file system resolves it: absolute, every link
    followed *before* a ``..`` is cancelled (``l/..`` with ``l -> data/sub`` is ``data/``,
    not the folder holding ``l``), the part that does not exist yet taken as written (the
    folders a write creates are plain folders). ``os.path.normpath`` and ``os.path.abspath``
    cancel ``..`` as text and are never applied first: the place would be checked in one
    folder and written in another."""
    import os

    return Path(os.path.realpath(os.path.expanduser(os.fspath(p))))


def _entry(p) -> Path:
    """Where the name ``p`` itself is: its folder resolved as :func:`_real` does, and its
    last part as written (a link at that name is not followed: the folder entry a later run
    lists, which :func:`_real` of ``p`` would replace by the place the link leads to)."""
    p = Path(p).expanduser()
    return _real(p.parent) / p.name


def _scan(part, features, target, task="auto", limit=None):
    """Pass one over a partition: its length, missing values, ranges, moments, classes.
    With ``task="auto"`` a numeric target (floats, decimals) holding a number that is not
    whole sends that number (``"continuous"``) instead of its distinct values (a regression target: refused
    by :func:`_check_target`, and one class per value would be all the rows)."""
    X = part[features].to_numpy(dtype=np.float64, na_value=np.nan)
    out = {"n": len(part), "missing": np.isnan(X).sum(axis=0) + np.isinf(X).sum(axis=0)}
    if len(part):
        finite = np.where(np.isfinite(X), X, np.nan)
        out["lo"], out["hi"] = np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)
        out["mean"] = np.nanmean(finite, axis=0)
        out["m2"] = np.nansum((finite - out["mean"]) ** 2, axis=0)
    if target is not None:
        labels = part[target]
        out["missing_labels"] = int(labels.isna().sum())
        values = labels.dropna().to_numpy()
        numbers = None
        if _numeric_target(labels.dtype) and values.dtype.kind not in "iu":
            numbers = values.astype(np.float64)  # floats, and decimals (object Decimals)
            out["infinite_labels"] = int(np.isinf(numbers).sum())
        if task == "auto" and numbers is not None:
            fractional = numbers[np.isfinite(numbers) & (numbers != np.round(numbers))]
            if fractional.size:
                out["continuous"] = float(fractional[0])
                values = values[:0]
        out["classes"] = np.unique(values, return_counts=True)
        if task == "auto" and limit is not None and _numeric_target(labels.dtype) \
                and out["classes"][0].size > limit:
            # more distinct whole numbers than the rule allows in all the rows: a regression
            # target whatever the other partitions hold; the count alone goes to the client
            # (the values were all the rows of a table of distinct cents)
            out["distinct"] = int(out["classes"][0].size)
            out["classes"] = (values[:0], np.zeros(0, dtype=np.int64))
    return out


def _features(part, features, shift, span):
    X = part[features].to_numpy(dtype=np.float64, na_value=np.nan)
    return (X - shift) / span


def _labels(part, target):
    return part[target].to_numpy()


def _unify_types(rows, floats=(), zones=()):
    """One type per column over the partitions (see :func:`_take`): the ``floats`` columns
    (bool in some partitions, numbers in others) as float64, the times of ``zones``
    (``(column, zone)``) in that zone. Used by reduce_parquet and stratified_sample."""
    import pandas as pd

    if floats:
        rows = rows.assign(**{c: rows[c].to_numpy(dtype=np.float64, na_value=np.nan)
                              for c in floats})
    moved = {c: rows[c].dt.tz_convert(tz) for c, tz in zones
             if isinstance(rows[c].dtype, pd.DatetimeTZDtype) and rows[c].dtype.tz != tz}
    return rows.assign(**moved) if moved else rows


def _mixed_types(frames, meta):
    """The columns :func:`_unify_types` unifies in these frames (partitions): those bool in
    some and numbers in others (``floats``), and the times with a time zone in ``meta`` (a
    dask DataFrame's dtypes: the zone dask and pandas.read_parquet give, ``zones``)."""
    import pandas as pd

    kinds = {c: {getattr(f[c].dtype, "kind", "O") for f in frames if c in f.columns}
             for c in meta.index}
    floats = [c for c, k in kinds.items() if "b" in k and k & set("iuf")]
    zones = [(c, t.tz) for c, t in meta.items() if isinstance(t, pd.DatetimeTZDtype)]
    return floats, zones


def _take(part, local, offset, floats=(), zones=()):
    """The kept rows of a partition. ``floats``: the columns some files store as bool and
    others as numbers, given as float64 (what the reduction read; as they are, the kept
    rows mixed True and 0.13 in an object column that to_parquet could not write).
    ``zones``: ``(column, zone)`` of the times with a time zone, given in the zone dask's
    meta and pandas.read_parquet give them (the first file's: times of two zones made an
    object column)."""
    import pandas as pd

    rows = _unify_types(part.iloc[local], floats, zones)
    if isinstance(part.index, pd.RangeIndex) and part.index.name is None:
        # no stored index: number the rows by their position over all files
        rows = rows.set_axis(pd.Index(offset + local, name="row"), axis=0)
    return rows


@dataclass(frozen=True)
class _RangeIndexes:
    """The pandas index of files whose footers hold it as a RangeIndex (``start``, ``step``,
    ``name``; pandas writes no column for it), one entry per file in row order."""

    rows: np.ndarray
    start: np.ndarray
    step: np.ndarray
    name: object

    def values(self, positions) -> np.ndarray:
        """The index values of the rows at these positions over all files."""
        bounds = np.concatenate([[0], np.cumsum(self.rows)])
        f = np.searchsorted(bounds, positions, side="right") - 1
        return self.start[f] + self.step[f] * (positions - bounds[f])


@dataclass
class _ColumnKinds:
    """What the footers say of each column's type over the files (filled by
    :func:`_check_types`): ``first`` maps a column to ``(file, arrow type)`` of its first
    non-null occurrence, ``nulls`` to the files storing it as Arrow ``null`` (all missing),
    ``mixed`` to ``(file, type, file, type)`` when bool in some files and numbers in others
    (the same feature, float64; different labels)."""

    first: dict = field(default_factory=dict)
    nulls: dict = field(default_factory=dict)
    mixed: dict = field(default_factory=dict)

    def by_values(self, name) -> str | None:
        """The kind of the files that hold values of a column (None if all null)."""
        seen = self.first.get(name)
        if seen is None:
            return None
        return "number" if name in self.mixed else _type_family(seen[1])


def _stored_index(files, kinds=None):
    """How the files keep a pandas index, from their footers (which must name the same
    columns in every file: a ValueError names the first file that differs; each column
    stored with one kind of type, see :func:`_check_types`, whose findings go to ``kinds``,
    a :class:`_ColumnKinds`; no column also a hive partition of the file's folders).

    Returns ``"columns"`` when an index is stored as columns (dask's reader restores it, and
    with remote files, not inspected here), a :class:`_RangeIndexes` when every file's index
    is a RangeIndex kept in the footer only (``df.to_parquet`` of a frame with a RangeIndex)
    and one of them is not the default ``0, 1, ...`` of its file, else None (no index worth
    keeping: the rows are numbered ``row``, their position over all files). A file without
    pandas metadata reads back with the default index, as in ``pandas.read_parquet``.
    """
    import pyarrow.parquet as pq

    if any("://" in f for f in files):
        return "columns"
    rows, start, step, names = [], [], [], []
    first, in_columns = None, False
    kinds = _ColumnKinds() if kinds is None else kinds
    both = {}  # a hive partition column also stored in the file -> those files
    for f in files:  # every file's columns are checked, whatever the index
        schema = pq.read_schema(f)
        for c in set(_hive_keys(f)).intersection(schema.names):
            both.setdefault(c, []).append(f)
        _check_types(f, schema, kinds)
        if first is None:
            first = (f, schema.names)
        elif set(schema.names) != set(first[1]):  # another order is read by name
            # dask reads every file with the first one's columns: a column missing from a
            # later file fails there, one missing from the first is dropped from all rows
            have, want = set(schema.names), set(first[1])
            diff = [f"without {c!r}" for c in first[1] if c not in have]
            diff += [f"with {c!r}" for c in schema.names if c not in want]
            raise ValueError(f"{f} has columns {', '.join(schema.names)} "
                             f"({', '.join(diff)}) but {first[0]} has "
                             f"{', '.join(first[1])}: every file must have the same columns.")
        stored = (schema.pandas_metadata or {}).get("index_columns", [])
        if any(not isinstance(c, dict) for c in stored):
            in_columns = True
        if in_columns:
            continue
        ranges = [c for c in stored if c.get("kind") == "range"]
        r = ranges[0] if len(ranges) == 1 else {}
        rows.append(pq.read_metadata(f).num_rows)
        start.append(int(r.get("start", 0)))
        step.append(int(r.get("step", 1)))
        names.append(r.get("name"))
    if both:
        c, where = next(iter(sorted(both.items())))
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        raise ValueError(
            f"column {c!r} is a hive partition (the {c}=... folder of the path) and is also "
            f"stored in the file(s) {shown}: dask reads it from both and cannot merge them. "
            f"Rewrite the files without it (df.drop(columns=[{c!r}]).to_parquet(...), as "
            "pandas' and Spark's partition_cols= write them), or move them out of the "
            f"{c}=... folders.")
    if in_columns:
        return "columns"
    if all(a == 0 for a in start) and all(b == 1 for b in step) \
            and all(m is None for m in names):
        return None
    return _RangeIndexes(np.asarray(rows, dtype=np.int64), np.asarray(start, dtype=np.int64),
                         np.asarray(step, dtype=np.int64),
                         names[0] if len(set(names)) == 1 else None)


def _type_family(t) -> str:
    """What a column's Arrow type is, for comparing files: integers, floats and decimals are
    all numbers (read as float64 features, compared as numbers as labels); text of any width
    is text; a dictionary (a pandas categorical) is its values' family; a timestamp is one
    with or without a time zone (its unit and which zone are not compared); other types are
    themselves. An all-null column is ``"null"`` (a file whose values are all missing: the
    column is judged by the files that hold values)."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or \
            getattr(pa.types, "is_string_view", lambda _: False)(t):
        return "text"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or \
            pa.types.is_fixed_size_binary(t):
        return "bytes"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_timestamp(t):  # aware and naive times cannot be compared or mixed
        return "timestamp" if t.tz is None else "timestamp with a time zone"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_duration(t):
        return "duration"
    return str(t)


def _check_types(f, schema, kinds) -> None:
    """Refuse a column whose type differs in kind from the first file that stored it (text
    here, numbers there; a time zone here, none there): dask reads every file with the first
    one's types, so labels would mix ints and strings and a feature would be used or dropped
    by the order of the files. Bool and numbers are both features (float64): recorded in
    ``kinds.mixed`` (refused for a target or id column). A file storing a column as Arrow
    ``null`` is recorded in ``kinds.nulls``: the column is judged by the files with values."""
    for name, t in zip(schema.names, schema.types, strict=True):
        family = _type_family(t)
        if family == "null":
            kinds.nulls.setdefault(name, []).append(f)
            continue
        seen = kinds.first.setdefault(name, (f, t))
        other = _type_family(seen[1])
        if other == family:
            continue
        if {other, family} == {"bool", "number"}:
            kinds.mixed.setdefault(name, (seen[0], seen[1], f, t))
            continue
        if {other, family} == {"timestamp", "timestamp with a time zone"}:
            fix = (f"one kind for {name!r}: with a time zone in every file (e.g. "
                   f"df[{name!r}] = df[{name!r}].dt.tz_localize('UTC') for the naive ones) or "
                   f"in none (df[{name!r}] = df[{name!r}].dt.tz_convert(None), in UTC), before "
                   "to_parquet")
            raise ValueError(
                f"{f} stores column {name!r} as {t} ({family}) but {seen[0]} stores it as "
                f"{seen[1]} ({other}): times with and without a time zone cannot be compared "
                f"or kept in one column. Rewrite the files with {fix}, or leave the file out.")
        raise ValueError(
            f"{f} stores column {name!r} as {t} but {seen[0]} stores it as {seen[1]}: "
            f"every file must store a column with one kind of type. Rewrite the files "
            f"with one type for {name!r} (e.g. df[{name!r}] = df[{name!r}].astype(str), "
            f"or pd.to_numeric(df[{name!r}]), before to_parquet), or leave the file out.")


def _check_kinds(kinds, features, target, id_column) -> None:
    """Refuse, from the footers, before any row is read: a target or id column stored as
    bool in some files and numbers in others (labels True and 1), and a feature column that
    some files store as all missing (Arrow ``null``), whatever the order of the files."""
    import pyarrow.parquet as pq

    for what, col in (("target", target), ("id_column", id_column)):
        if col is not None and col in kinds.mixed:
            fb, tb, fn, tn = kinds.mixed[col]
            if _type_family(tb) != "bool":
                fb, tb, fn, tn = fn, tn, fb, tb
            raise _Refusal(lambda cli, what=what, col=col, fb=fb, tb=tb, fn=fn, tn=tn: (
                f"{_arg(what, col, cli)} is stored as {tb} in {fb} but as {tn} in {fn}: the "
                "values would be True/False in some rows and numbers in others. Rewrite the "
                f"files with one type: df[{col!r}] = df[{col!r}].astype(int) in the bool files "
                f"(True -> 1), or .astype(bool) in the others if they hold 0/1 only, before "
                "to_parquet."))
    for c in features:
        where = [f for f in kinds.nulls.get(c, []) if pq.read_metadata(f).num_rows]
        if where and c in kinds.first:
            shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more"
                                            if len(where) > 3 else "")
            f, t = kinds.first[c]
            raise _Refusal(lambda cli, c=c, shown=shown, f=f, t=t: (
                f"feature column {c!r} is missing in every row of {shown} (stored there as "
                f"null; {f} stores it as {t}). Impute or drop those rows first, or leave "
                f"{c!r} out with {_leave_out([c], cli)} (it is still kept in the output)."))


def _merge_scale(scans, scale):
    """Global shift and span of the scaling from the per-partition scans."""
    scans = [s for s in scans if s["n"]]
    if scale == "none":
        d = len(scans[0]["lo"])
        return np.zeros(d), np.ones(d)
    if scale == "minmax":
        lo = np.min([s["lo"] for s in scans], axis=0)
        hi = np.max([s["hi"] for s in scans], axis=0)
        return lo, np.where(hi > lo, hi - lo, 1.0)
    # standard: merge (count, mean, M2) pairwise (Chan et al.), population sd as in memory
    n, mean, m2 = 0, np.zeros_like(scans[0]["mean"]), np.zeros_like(scans[0]["mean"])
    for s in scans:
        nb = s["n"]
        delta = s["mean"] - mean
        tot = n + nb
        mean = mean + delta * nb / tot
        m2 = m2 + s["m2"] + delta**2 * n * nb / tot
        n = tot
    sd = np.sqrt(m2 / n)
    return mean, np.where(sd > 0, sd, 1.0)


def _check_output(output, overwrite, files, paths=None):
    """Refuse, before any row is read: an output that is not a ``.parquet`` name, an existing
    folder (what dask's and Spark's ``to_parquet`` write), an existing file without
    ``overwrite``, and an output a later run over the inputs would read as data, once the
    write has created its folders (:func:`_input_places`: an input file, a place inside an
    input folder, or a path a glob's remaining parts match by name below a folder the glob
    passes through, :func:`_glob_reads`). Paths are compared where they are on disk (:func:`_real`: links followed before a
    ``..`` is cancelled, as the file system does), the output both at its name
    (:func:`_entry`) and where a link there leads."""
    import os

    if output is None:
        return None
    out = Path(output)
    def said(cli):
        return _arg("output", str(output), cli)

    if out.suffix.lower() not in _SUFFIXES:
        raise _Refusal(lambda cli: f"{said(cli)}: name a .parquet file (the kept rows are "
                                   "written as one file).")
    if out.is_dir():
        raise _Refusal(lambda cli: (
            f"{said(cli)} is an existing folder (a dataset written by dask's or Spark's "
            "to_parquet?): the kept rows are written as one file, and a folder is never "
            f"replaced, even with {'--overwrite' if cli else 'overwrite=True'}. Choose "
            "another file name, or remove the folder first."))
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists: pass overwrite=True (--overwrite) to replace it, "
                              "or choose another output.")
    # where the kept rows go: the folder entry (its folder with links followed before any
    # '..', as the file system does) and, through a link at that name, where the bytes land
    absolute = Path(os.path.normpath(os.path.abspath(out.expanduser())))  # for messages only
    entry, real = _entry(out), _real(out)
    places = _input_places(files if paths is None else paths, files)
    via = f" (leads to {real})" if real != absolute else ""
    for given, place, _ in places:
        if place in (entry, real):
            raise _Refusal(lambda cli, given=given: (
                f"{said(cli)}{via} is one of the input files ({given}): choose another "
                f"{'--output' if cli else 'output'}."))
    if out.exists():  # a hard link to an input file: another path, the same file on disk
        key = _file_key(str(out))
        same = next((f for f in files if "://" not in f and _file_key(f) == key), None)
        if same is not None:
            raise _Refusal(lambda cli: (
                f"{said(cli)} is the same file on disk as the input {same} (a hard link): "
                "writing it would replace the input's rows. Choose another "
                f"{'--output' if cli else 'output'}."))

    def read(path, place, rest):  # would a later run read path as input of this place?
        if not is_within(path, place):
            return False
        return rest is None or _glob_reads(path.relative_to(place).parts, rest)

    for given, place, rest in places:
        if read(entry, place, rest) or read(real, place, rest):
            where = f"{given!r}" if Path(given) == place else f"{given!r} ({place})"
            raise _Refusal(lambda cli, where=where, place=place: (
                f"{said(cli)}{via} is inside the input {where}: a later run over the same "
                "input would read the kept rows as data. Choose an output outside every "
                f"input folder, e.g. {place.parent / out.name}."))
    return out


def reduce_parquet(paths, method="srs", keep=None, *, target=None, id_column=None,
                   features=None, scale="minmax", params=None, oversample=None,
                   random_state=0, scheduler=None, n_workers=None, memory_limit="auto",
                   output=None, overwrite=False, weight_column=None, radius_metric=None,
                   first_stage="auto", stage_two_rows=10_000,
                   task="auto") -> ParquetReduction:
    """Reduce the rows of Parquet files block by block and write the kept rows.

    The files are read with ``dask.dataframe.read_parquet`` (one block per partition). Three
    passes, each reading the data once: a scan (lengths, missing values, feature ranges,
    class counts), the block-wise reduction (:func:`reduce_blocks`: exact global quotas per
    class), and the gathering of the kept rows with all their columns. Only kept rows travel
    to this process; the data is never gathered.

    Parameters
    ----------
    paths : str, Path or list of them
        Parquet files, folders of ``.parquet`` files, or globs (``"data/*.parquet"``); remote
        URLs (``s3://...``) are passed to dask as they are. A folder is read with its
        subfolders (hive partitions ``label=a/``: the partition column is a categorical, as
        dask gives it), skipping names that start with ``.`` or ``_`` and following links
        to folders (a link cycle is skipped with a warning); ``**`` in a glob reaches nested
        folders. A plain file next to partition folders, or a partition column also stored
        in the files, is refused by name. Every file stores each column with one kind of
        type (numbers, text, times with or without a zone, ...; bool and numbers are one
        kind for a feature, not for ``target``/``id_column``): a file that differs is
        refused by name before any row is read. A column some files store as all-null is
        judged by the files with values (a numeric one is a feature with missing values).
    method : str or BaseReducer, default="srs"
        A registered method name (see :func:`datareduce.available_reducers`) or a reducer.
    keep : float or int
        Fraction in (0, 1] or number of rows kept over all files. Required with a method
        name; with a reducer, its own ``keep`` is used when omitted.
    target : str, optional
        Label column: every class keeps exactly its in-memory quota. The blocks stratify by
        class, so a regression target by the package's rule
        (:func:`datareduce.base.target_kind`: numbers that are not all whole, or many
        distinct whole numbers that do not repeat as classes do) is refused, naming ``task``;
        bin it into a class column before writing the files, or reduce it in memory.
    id_column : str, optional
        A row identifier column: never used as a feature (it is kept in the output).
    features : list of str, optional
        Feature columns; default every numeric or boolean column except ``target`` and
        ``id_column`` (other columns are left out of the reduction and kept in the output).
        A decimal column is numeric (converted to float64 for the reduction only).
        A listed column that is not numeric or boolean (text, a categorical) is refused by
        name: encode it as numbers first.
    scale : {"minmax", "standard", "none"}, default="minmax"
        Feature scaling used for the reduction only (global ranges or moments from the scan,
        as ``datareduce reduce`` does in memory); the output keeps the original values.
    params : dict, optional
        Extra parameters of the method (e.g. ``{"output": "medoids"}``).
    oversample : float, optional
        Stage-one oversampling (see :func:`reduce_blocks`). Default 1 for uniform sampling
        (``srs``, ``random``: a second stage gains nothing) and 4 otherwise (two stages).
    random_state : int, default=0
        Seed; the same files, partitions and seed give the same rows on any scheduler. It
        seeds the blocks: a reducer's own ``random_state`` (``method`` as a reducer, or
        ``params={"random_state": ...}``) that differs is not used, and a warning says so
        (pass it here). None uses the reducer's own int seed, else fresh entropy (the seed
        drawn is in ``res.blocks.random_state``).
    scheduler : None, "local", a scheduler address or a Client
        Where the work runs (see :func:`use_scheduler`): ``"local"`` starts a cluster of
        ``n_workers`` processes on this machine; ``"tcp://host:8786"`` uses a running cluster.
    n_workers, memory_limit
        Size of the ``"local"`` cluster.
    output : str or Path, optional
        A ``.parquet`` file to write the kept rows to (their index is written too). Refused
        before any row is read: an existing folder, and a place a later run over the same
        ``paths`` would read once the write has created its folders (compared on disk, every
        link followed before a ``..`` is cancelled, as the file system does): an input file,
        a place inside a folder given or a folder a glob matches, or a path that the glob's
        remaining parts match by name below any existing folder the glob passes through
        (the folder it starts from, ``data/`` for ``data/*.parquet``, and those its first
        parts match, through links too), the whole path or a folder above it
        (``data/*.parquet`` refuses ``data/kept.parquet``, not ``data/reduced/kept.parquet``;
        with ``data/link -> elsewhere/``, ``data/*/*/*.parquet`` refuses
        ``elsewhere/new/kept.parquet``). See docs/distributed.md.
    overwrite : bool, default=False
        Replace an existing ``output``.
    weight_column : str, optional
        Also write each kept row's ``sample_weight`` in this column.
    radius_metric : str, optional
        Measure the two stages' cover radii (see :func:`reduce_blocks`).
    first_stage : {"auto", "same", "uniform"}, default="auto"
        What stage one runs per block (see :func:`reduce_blocks`).
    stage_two_rows : int or None, default=10000
        Rows of a class's union reduced in one stage-two task (see :func:`reduce_blocks`).
    task : {"auto", "classification"}, default="auto"
        How ``target`` is read: ``"auto"`` applies the package's target rule (a regression
        target is refused, see ``target``); ``"classification"`` takes its values as classes
        whatever they are.

    Returns
    -------
    ParquetReduction

    Examples
    --------
    >>> res = reduce_parquet("data/", "mms", 0.01, target="label", id_column="id",
    ...                      scheduler="local", output="kept.parquet")  # doctest: +SKIP
    >>> res.kept.head()  # doctest: +SKIP
    """
    from .._registry import get_reducer

    if scale not in _SCALES:
        raise ValueError(f"scale={scale!r}: use one of {', '.join(_SCALES)}.")
    if weight_column is not None and (not isinstance(weight_column, str) or not weight_column):
        raise TypeError(f"weight_column={weight_column!r} must be a column name (a non-empty "
                        "str) or None.")
    if params and "keep" in params:
        raise ValueError(
            f"params={{'keep': {params['keep']!r}, ...}} sets keep, which is reduce_parquet's "
            "own argument: pass keep=... alone (with a reducer, omit keep to use its own).")
    files = _resolve_paths(paths)
    out = _check_output(output, overwrite, files, paths)
    if isinstance(method, BaseReducer):
        reducer = clone(method)  # the caller's reducer is left as it is
        if keep is not None:
            reducer.set_params(keep=keep)
        if params:
            reducer.set_params(**params)
    else:
        if keep is None:
            raise TypeError("keep is required with a method name: a fraction in (0, 1] or a "
                            "number of rows.")
        reducer = get_reducer(method, keep=keep, **(params or {}))
    from ._blocks import resolve_first_stage

    resolve_first_stage(reducer, first_stage)  # checked before any data is read
    if oversample is None:
        from ..reducers.random import RandomReducer

        oversample = 1.0 if isinstance(reducer, RandomReducer) else 4.0

    timings = {}
    with use_scheduler(scheduler, n_workers=n_workers, memory_limit=memory_limit):
        t0 = time.perf_counter()
        data = read_parquet_blocks(files, target=target, id_column=id_column,
                                   features=features, scale=scale, task=task)
        if weight_column in data.columns:
            raise ValueError(f"weight_column={weight_column!r} is already a column of the input:"
                             " choose another name.")
        timings["scan"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        blocks = _reduce_blocks(
            data.X, data.y, reducer=reducer, oversample=oversample, random_state=random_state,
            radius_metric=radius_metric, block_classes=data.block_classes,
            first_stage=first_stage, stage_two_rows=stage_two_rows,
            caller="reduce_parquet", stacklevel=4)
        timings["reduce"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        kept = _gather(data.parts, data.sizes, blocks.sample_indices, data.index,
                       data.floats, data.zones, data.nulls)
        timings["gather"] = time.perf_counter() - t0
    if weight_column is not None:
        kept[weight_column] = blocks.sample_weight
    if out is not None:
        t0 = time.perf_counter()
        # a temporary file renamed over the output: a link at its name is replaced, never
        # written through, and a failed write leaves it as it was
        atomic_write(out, lambda tmp: kept.to_parquet(tmp))
        timings["write"] = time.perf_counter() - t0
    logger.info("kept %d of %d rows from %d files (%s)", len(kept), blocks.n_samples,
                len(files), ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return ParquetReduction(kept, blocks.sample_indices, blocks.sample_weight,
                            blocks.n_samples, data.features, files, out, blocks, timings)


@dataclass
class ParquetBlocks:
    """Parquet files as row blocks: what :func:`read_parquet_blocks` returns.

    Attributes
    ----------
    X : dask array of float64, shape (n_samples, n_features)
        The scaled features, one block per partition (computed lazily, never gathered).
    y : dask array or None
        The labels.
    features, columns : list of str
        The feature columns; all the columns.
    files : list of str
        The input files, in row order.
    sizes : ndarray of int
        Rows per partition (empty partitions are left out of ``sizes``, ``parts`` and
        ``block_classes``).
    shift, span : ndarray
        The scaling: ``X = (features - shift) / span``.
    parts : list of dask.delayed
        The partitions (pandas DataFrames with every column).
    block_classes : list of (labels, counts) or None
        Class counts per partition.
    index : object
        A RangeIndex the files keep in their footers (rebuilt for the kept rows), or None.
    floats : tuple of str
        Columns stored as bool in some files and as numbers in others: float64 in the kept
        rows, as the features are read.
    zones : tuple of (str, tzinfo)
        The time zone of each column of times with one, as dask's meta gives it (the first
        file's): the kept rows of files storing another zone are converted to it.
    nulls : tuple of (str, dtype)
        Columns some files store as all-null (Arrow ``null``), with the type of the first
        file holding values: the kept rows of the null files take it.
    """

    X: object
    y: object
    features: list
    columns: list
    files: list
    sizes: np.ndarray
    shift: np.ndarray
    span: np.ndarray
    parts: list = field(repr=False)
    block_classes: list | None = field(default=None, repr=False)
    index: object = field(default=None, repr=False)
    floats: tuple = field(default=(), repr=False)
    zones: tuple = field(default=(), repr=False)
    nulls: tuple = field(default=(), repr=False)

    @property
    def n_samples(self) -> int:
        return int(self.sizes.sum())

    def scale(self, frame) -> np.ndarray:
        """The features of ``frame`` (e.g. the kept rows) scaled as ``X``."""
        return (frame[self.features].to_numpy(dtype=np.float64) - self.shift) / self.span


def read_parquet_blocks(paths, *, target=None, id_column=None, features=None,
                        scale="minmax", task="auto") -> ParquetBlocks:
    """Open Parquet files with ``dask.dataframe`` as a blocked, scaled feature array.

    Runs the scan (one pass: partition lengths, missing values, feature ranges or moments,
    class counts) on the current scheduler and returns lazy arrays over the partitions.
    Arguments as in :func:`reduce_parquet`.
    """
    import dask
    import dask.array as da
    import dask.dataframe as dd
    import pandas as pd

    if scale not in _SCALES:
        raise ValueError(f"scale={scale!r}: use one of {', '.join(_SCALES)}.")
    _check_task(task)
    files = _resolve_paths(paths)
    kinds = _ColumnKinds()
    index = _stored_index(files, kinds)
    # a RangeIndex kept in the footers is rebuilt from them (dask's reader fails on a named
    # one and restarts an unnamed one at 0 in every partition): read without it
    ddf = dd.read_parquet(files, index=None if index == "columns" else False)
    columns = list(ddf.columns)
    if id_column is not None and id_column == target:  # (accepted: the target, "kept")
        raise _Refusal(lambda cli: f"{_arg('id_column', id_column, cli)} is also the "
                       f"{_OPTIONS['target'] if cli else 'target'}: give different columns.")
    for name, col in (("target", target), ("id_column", id_column)):
        if col is not None and col not in columns:
            raise _Refusal(lambda cli, name=name, col=col: (
                f"{_arg(name, col, cli)} is not a column of the input (columns: "
                f"{', '.join(map(str, columns[:20]))})."))
    features = _feature_columns(ddf, features, target, id_column, kinds)
    _check_kinds(kinds, features, target, id_column)
    parts = ddf.to_delayed()
    limit = None  # (read by _scan only for a numeric target under the target rule)
    if target is not None and task == "auto" and _numeric_target(ddf[target].dtype) \
            and not any("://" in f for f in files):
        import pyarrow.parquet as pq

        from .._core.strata import classes_limit

        # more distinct whole numbers in a partition than this is a regression target by the
        # rule whatever the rest holds: such a partition sends their count, not the values
        n_rows = sum(pq.read_metadata(f).num_rows for f in files)
        limit = classes_limit(n_rows)
        if getattr(ddf[target].dtype, "kind", "") in ("i", "u"):
            # many partitions of a few distinct values each stay under the limit one by one
            # and would all send their values (20 files of 100 distinct cents): a bounded
            # estimate over all of them first (HyperLogLog, constant memory per partition),
            # with room for the estimator's error; the exact rule below decides the rest.
            # (Integers only: a float or decimal target's scan names a value that is not
            # whole, the clearer refusal, and sends no values then.)
            estimate = int(ddf[target].dropna().nunique_approx().compute())
            if estimate > 1.1 * limit:
                _refuse_regression(target, (
                    f"has {estimate} distinct whole numbers (dask's estimate, nunique_approx) "
                    f"in {n_rows} rows, more than the {int(limit)} the rule calls classes"))
    scans = dask.compute(*[dask.delayed(_scan)(p, features, target, task, limit)
                           for p in parts])
    _check_scans(scans, features, target, files)
    if target is not None and task == "auto":
        _check_target(scans, target, ddf[target].dtype)
    shift, span = _merge_scale(scans, scale)
    # an empty partition (an empty file) is left out: dask.array's concatenate drops its
    # 0-row block, and the blocks, their class counts and the partitions stay aligned
    parts = [p for p, s in zip(parts, scans, strict=True) if s["n"]]
    scans = [s for s in scans if s["n"]]
    sizes = np.array([s["n"] for s in scans], dtype=np.int64)
    X = da.concatenate([
        da.from_delayed(dask.delayed(_features)(p, features, shift, span),
                        shape=(int(n), len(features)), dtype=np.float64)
        for p, n in zip(parts, sizes, strict=True)])
    y = None
    if target is not None:
        dtype = ddf[target].dtype
        dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(object)
        y = da.concatenate([da.from_delayed(dask.delayed(_labels)(p, target), shape=(int(n),),
                                            dtype=dtype)
                            for p, n in zip(parts, sizes, strict=True)])
    if isinstance(index, _RangeIndexes) and index.rows.sum() != sizes.sum():
        index = None  # pragma: no cover - dask read other rows than the footers count
    return ParquetBlocks(X, y, features, columns, files, sizes, shift, span, parts,
                         None if target is None else [s["classes"] for s in scans],
                         None if index == "columns" else index,
                         tuple(c for c in columns if c in kinds.mixed),
                         tuple((c, ddf.dtypes[c].tz) for c in columns
                               if isinstance(ddf.dtypes[c], pd.DatetimeTZDtype)),
                         tuple((c, _pandas_dtype(kinds.first[c][1])) for c in columns
                               if c in kinds.nulls and c in kinds.first))


def _pandas_dtype(arrow_type):
    """The pandas type pyarrow gives a column of this Arrow type holding nulls (bool:
    object, integers: float64), as ``pandas.read_parquet`` gives a column that some files
    store as all-null."""
    import pyarrow as pa

    return pa.array([None], arrow_type).to_pandas().dtype


def _nullable(dtype):
    """``dtype`` as pandas holds it with missing values: a numpy bool becomes object (None
    stays None: ``astype(bool)`` made it False), integers float64 (NaN), others as they are."""
    if dtype.kind == "b":
        return np.dtype(object)
    if dtype.kind in "iu":
        return np.dtype(np.float64)
    return dtype


def _feature_columns(ddf, features, target, id_column, kinds=None):
    """The feature columns: numeric or boolean by dask's meta, or by the files holding
    values when the first file stores the column as all-null (dask's meta says object)."""
    columns = list(ddf.columns)
    kinds = _ColumnKinds() if kinds is None else kinds
    explicit = features is not None
    if explicit:
        features = [features] if isinstance(features, str) else list(features)
        missing = [c for c in features if c not in columns]
        if missing:
            raise ValueError(f"features {missing} are not columns of the input (columns: "
                             f"{', '.join(map(str, columns[:20]))}).")
        bad = [c for c in features if c in (target, id_column)]
        if bad:
            raise ValueError(f"features {bad} include the target or the id column.")
        twice = sorted({c for c in features if features.count(c) > 1}, key=features.index)
        if twice:  # a column listed twice counts double in every distance
            raise ValueError(f"features lists {', '.join(map(repr, twice))} more than once: "
                             "give each column once.")
        if not features:
            raise ValueError("features=[] lists no column: give the feature columns, or "
                             "leave features out to use every numeric one.")
    else:
        features = [c for c in columns if c not in (target, id_column)]
    numeric = [c for c in features if _is_number(ddf.dtypes[c])
               or (c in kinds.nulls and kinds.by_values(c) in ("number", "bool"))]
    other = [c for c in features if c not in numeric]
    empty = [c for c in other if c in kinds.nulls and c not in kinds.first]
    if empty and explicit:
        raise _Refusal(lambda cli: (
            f"features {empty} are missing in every row of every file (stored as null): "
            f"leave them out with {_leave_out(empty, cli)}."))
    if other and explicit:
        # a requested feature is never dropped: the blocks are reduced on numbers only
        kinds = ", ".join(f"{c!r} ({ddf.dtypes[c]})" for c in other)
        raise _Refusal(lambda cli: (
            f"features {other} are not numeric: {kinds}. reduce_parquet reduces the blocks on "
            "numeric and boolean columns only; encode them as numbers before writing the "
            "files (e.g. one 0/1 column per category, pd.get_dummies) or leave them out with "
            f"{_leave_out(other, cli)} (they are still kept in the output)."))
    if not numeric:
        raise ValueError("the input has no numeric feature columns to reduce on "
                         f"(columns: {', '.join(map(str, columns[:20]))}).")
    if other:
        logger.info("non-numeric columns not used as features: %s", ", ".join(map(str, other)))
    return numeric


def _is_number(dtype) -> bool:
    """A numeric or boolean column: numpy's kinds ``biuf``, and Arrow decimals (prices,
    amounts: converted to float64 for the reduction, kept as decimals in the output)."""
    if getattr(dtype, "kind", "O") in "biuf":
        return True
    import pyarrow as pa

    arrow = getattr(dtype, "pyarrow_dtype", None)  # a pandas.ArrowDtype
    return arrow is not None and pa.types.is_decimal(arrow)


def _partition_places(scans, files, flagged) -> list:
    """``rows a-b`` (positions over all files) of the flagged partitions, the first three,
    each with its file when the partitions are the files (one each, by the footers' row
    counts): what to fix is in the files."""
    sizes = np.array([s["n"] for s in scans])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    names = None
    if files is not None and len(files) == len(scans) and not any("://" in f for f in files):
        import pyarrow.parquet as pq

        try:
            rows = [pq.read_metadata(f).num_rows for f in files]
        except (OSError, ValueError):  # pragma: no cover - a file gone since the scan
            rows = None
        if rows is not None and list(rows) == sizes.tolist():
            names = files
    return [f"rows {a}-{a + n - 1}" + (f" ({names[i]})" if names is not None else "")
            for i, (a, n) in enumerate(zip(starts, sizes, strict=True)) if flagged[i]][:3]


def _check_scans(scans, features, target, files=None):
    sizes = np.array([s["n"] for s in scans])
    if sizes.sum() == 0:
        raise ValueError("the input has 0 rows: there is nothing to reduce.")
    missing = np.sum([s["missing"] for s in scans], axis=0)
    if missing.any():
        bad = [f"{c} ({m} rows)" for c, m in zip(features, missing, strict=True) if m]
        where = _partition_places(scans, files, [s["missing"].any() for s in scans])
        named = [c for c, m in zip(features, missing, strict=True) if m]
        raise _Refusal(lambda cli: (
            f"feature columns have missing or infinite values: {', '.join(bad)}, in "
            f"{', '.join(where)}. Impute or drop them first, or leave those columns out with "
            f"{_leave_out(named, cli)}."))
    if target is not None:
        for key, what in (("missing_labels", "missing"), ("infinite_labels", "infinite")):
            n_bad = sum(s.get(key, 0) for s in scans)
            if n_bad:
                where = _partition_places(scans, files, [s.get(key, 0) for s in scans])
                raise _Refusal(lambda cli, n_bad=n_bad, what=what, where=where: (
                    f"{_arg('target', target, cli)} is {what} in {n_bad} rows, in "
                    f"{', '.join(where)}: drop or label them first."))


_TASKS = ("auto", "classification")


def _check_task(task) -> None:
    if task == "regression":
        raise _Refusal(lambda cli: (
            f"{'--task regression' if cli else 'task=' + repr(task)} is not available block "
            "by block (the blocks stratify by class): bin the target into a class column "
            "before writing the files, or reduce it in memory (quantile bins)."))
    if task not in _TASKS:
        raise ValueError(f"task={task!r}: give one of {', '.join(map(repr, _TASKS))}.")


def _numeric_target(dtype) -> bool:
    """A target dtype the package's rule reads as numbers: integers, floats and decimals,
    not booleans and not categoricals (classes by definition, e.g. a hive partition)."""
    if getattr(dtype, "name", None) == "category" or getattr(dtype, "kind", "O") == "b":
        return False
    return _is_number(dtype)


def _refuse_regression(target, what):
    """Refuse a regression target (``what`` says why) naming the fixes."""
    raise _Refusal(lambda cli: (
        f"{_arg('target', target, cli)} {what}: a regression target by the package's rule, "
        "and the blocks stratify by class (every distinct value would be a class of its "
        "own, and the quotas would go to the classes of the smallest values). Pass "
        f"{'--task classification' if cli else 'task=' + repr('classification')} if its "
        "values are classes; otherwise bin it into a class column before writing the "
        f"files (e.g. df['bin'] = pd.qcut(df[{target!r}], 10, labels=False), "
        f"{_arg('target', 'bin', cli)}), or reduce it in memory (quantile bins)."))


def _check_target(scans, target, dtype) -> None:
    """Refuse a regression target by the package's rule (:func:`datareduce.base.target_kind`),
    from the scan: a number that is not whole (sent by :func:`_scan` instead of the values),
    or whole numbers whose merged counts the rule's whole-number clause does not call
    classes. Text, booleans and categoricals (a hive partition column) are classes."""
    from .._core.strata import classes_by_counts

    def refuse(what):
        _refuse_regression(target, what)

    fractional = [s["continuous"] for s in scans if "continuous" in s]
    if fractional:
        refuse(f"holds numbers that are not whole (e.g. {fractional[0]:g})")
    distinct = [s["distinct"] for s in scans if "distinct" in s]
    if distinct:
        refuse(f"has {max(distinct)} distinct whole numbers in one partition alone, in "
               f"{sum(s['n'] for s in scans)} rows, too many that do not repeat as classes do")
    if not _numeric_target(dtype):
        return
    values = np.concatenate([s["classes"][0] for s in scans if s["n"]])
    counts = np.concatenate([s["classes"][1] for s in scans if s["n"]])
    if values.dtype == object:  # decimals
        values = values.astype(np.float64)
    if values.dtype.kind not in "iuf":
        return
    inverse = np.unique(values, return_inverse=True)[1].reshape(-1)
    totals = np.bincount(inverse, weights=counts)
    n = int(counts.sum())
    if not classes_by_counts(totals.size, n, int(np.sum(totals == 1))):
        refuse(f"has {totals.size} distinct whole numbers in {n} rows, too many that do not "
               "repeat as classes do")


def _typed_nulls(frames, nulls):
    """The kept rows of files storing a column as all-null (Arrow ``null``, read as
    ``object``) take the type the other files give it (a kept frame holding values, else
    the type of the first file with values, ``nulls``: ``(column, dtype)``), as
    ``pandas.read_parquet`` gives it: joined as they are, the column was ``object``."""
    frames = list(frames)
    for c, fallback in nulls:
        typed = _nullable(next((f[c].dtype for f in frames if f[c].dtype != object),
                               fallback))
        if typed == np.dtype(object):
            continue
        for i, f in enumerate(frames):
            if f[c].dtype == object and f[c].isna().all():
                try:
                    frames[i] = f.assign(**{c: f[c].astype(typed)})
                except (TypeError, ValueError):  # pragma: no cover - a type without nulls
                    pass
    return frames


def _gather(parts, sizes, idx, index=None, floats=(), zones=(), nulls=()):
    """The kept rows with all their columns: one task per partition holding kept rows.
    ``index``: a :class:`_RangeIndexes` the kept rows' index is rebuilt from; ``floats``:
    the columns stored as bool in some files and numbers in others; ``zones``: the time
    zone of each column of times with one (see :func:`_take`); ``nulls``: the columns some
    files store as all-null, with their type elsewhere (see :func:`_typed_nulls`)."""
    import dask
    import pandas as pd

    bounds = np.concatenate([[0], np.cumsum(sizes)])
    tasks = []
    for b, part in enumerate(parts):
        local = idx[(idx >= bounds[b]) & (idx < bounds[b + 1])] - bounds[b]
        if len(local):
            tasks.append(dask.delayed(_take)(part, local, int(bounds[b]), tuple(floats),
                                             tuple(zones)))
    kept = _concat_parts(_typed_nulls(dask.compute(*tasks), nulls))
    if isinstance(index, _RangeIndexes):  # the rows are in the order of idx (sorted)
        kept.index = pd.Index(index.values(np.sort(idx)), name=index.name)
    return kept


def _fill_advice(frame, column, dtype=None) -> str:
    """A fill giving the rows where ``frame[column]`` is missing a class of their own that
    works for the column's ``dtype``: a new category for a categorical (fillna('missing')
    raises), text for booleans (a nullable ``boolean`` refuses 'missing' and holds no third
    value), a number for numbers (text is refused by a nullable integer and mixes with
    floats), 'missing' for text."""
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        return (f"{frame}.assign(**{{{column!r}: {frame}[{column!r}]"
                ".cat.add_categories('missing').fillna('missing')})")
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return (f"as text, e.g. {frame}.assign(**{{{column!r}: {frame}[{column!r}]"
                ".astype('string').fillna('missing')})")
    if kind in "iuf":
        return f"a number that is not a class, e.g. {frame}.fillna({{{column!r}: -1}})"
    return f"{frame}.fillna({{{column!r}: 'missing'}})"


def _concat_parts(frames):
    """The rows of several partitions in one frame. A categorical column whose files hold
    different categories (each file's dictionary is its own values) stays a categorical of
    their union, as ``pandas.read_parquet`` and dask give it (``pd.concat`` made it plain
    text). Columns categorical in some frames only, or ordered with different categories,
    are joined as pandas joins them."""
    import pandas as pd
    from pandas.api.types import union_categoricals

    if len(frames) == 1:
        return frames[0].copy()
    kept = pd.concat(frames)
    joined, each = kept.dtypes, [f.dtypes for f in frames]
    for j, c in enumerate(kept.columns):
        if isinstance(joined.iloc[j], pd.CategoricalDtype) or not all(
                isinstance(d.iloc[j], pd.CategoricalDtype) for d in each):
            continue
        try:
            kept[c] = union_categoricals([f.iloc[:, j] for f in frames])
        except TypeError:  # ordered categoricals with different categories
            continue
    return kept
