"""Reading and writing tables and reports for the CLI (CSV and Parquet, by file extension).

Outputs are checked before any work (:func:`check_output_file`, :func:`check_output_dir`)
and written atomically (:func:`write_table`, :func:`write_text`): to a temporary file in
the same folder, then renamed, so an interrupted or failed run leaves no half-written file.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from .._core.files import atomic_write, atomic_write_text
from . import CLIError

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path, label: str | None = None) -> str:
    """``"csv"`` or ``"parquet"`` by the file's extension; another is refused naming
    ``label`` (the option or the input, ``--output``) when given."""
    suffix = Path(path).suffix.lower()
    if str(path) == "-":  # the shell's stdin/stdout: the commands read and write files
        what = label or "-"
        fix = (f"name a file (e.g. {label} reduced.csv)" if label and label.startswith("--")
               else "save the table to a file first (e.g. `... > table.csv`) and name it")
        raise CLIError(f"{what} -: the commands read and write table files, not standard "
                       f"input or output; {fix}.")
    if suffix not in _FORMATS:
        what = f"{label} {path}" if label else str(path)
        raise CLIError(f"{what}: unknown table format {suffix!r}; give a file name ending "
                       "in .csv, .parquet or .pq.")
    return _FORMATS[suffix]


def check_input(path, label: str = "input") -> Path:
    """An existing, readable table file (checked before anything else is done)."""
    if str(path) == "-":
        table_format(path, label)  # standard input: refused, with what to do
    path = Path(path)
    if not path.exists():
        raise CLIError(f"{label} file not found: {path}")
    if path.is_dir():
        raise CLIError(f"{label} {path} is a folder; pass a .csv or .parquet file.")
    table_format(path, label)
    if not os.access(path, os.R_OK):
        raise CLIError(f"{label} {path} is not readable (permission denied).")
    return path


class Source:
    """What reading a table keeps besides the parsed frame, so that rows can be written back
    as they were read (:func:`write_rows`).

    CSV: the fields' text exactly as written (nothing parsed, nothing taken as missing) is
    read again from the file when it is needed, by the parser that read the frame and with
    the same rows: a column at a time (:meth:`column_text`) or the kept rows, a block of
    rows at a time (:meth:`rows_text`), so that no text copy of the whole table stays in
    memory. ``header`` holds the header's names as written (pandas renames a repeated name
    ``a`` to ``a.1`` and an empty one to ``Unnamed: 0``), ``lineterminator`` and ``bom``
    those of the file; ``stamp`` (size, modification time) refuses a file changed between
    the reading and the writing. A file whose rows have more fields than its header (pandas
    then reads the first fields as an index) is kept as text whole (``text``). Parquet:
    ``index`` says whether the file stores a pandas index (such as a ``patient_id`` set with
    ``set_index``) that is written back with the rows; ``stored`` holds, as stored, the text
    columns in which ``--na-values`` found a marker (the frame has them masked, and read as
    numbers when the rest are numbers), so that the rows written keep the marker.
    """

    #: rows of text read at a time when the kept rows are written
    BLOCK_ROWS = 100_000

    def __init__(self, fmt, labels, *, path=None, columns=None, text=None, header=None,
                 lineterminator="\n", bom=False, index=False, na_values=()):
        self.fmt, self.labels, self.text, self.header = fmt, labels, text, header
        self.na_values = tuple(na_values or ())
        self.lineterminator, self.bom, self.index = lineterminator, bom, index
        self.path, self.columns = path, columns
        self.stamp = _stamp(path) if path is not None else None
        self._columns_text = {}
        self.stored = {}
        self.read_options = {}  # pandas options of every reading of the file (index_col)

    def _read_text(self, **options):
        import pandas as pd

        if _stamp(self.path) != self.stamp:
            raise CLIError(f"{self.path} changed while it was being reduced: run the command "
                           "again on the finished file.")
        with warnings.catch_warnings():
            # the empty field at the end of each line, checked when the file was read
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            return pd.read_csv(self.path, low_memory=False, dtype=str, keep_default_na=False,
                               na_filter=False, **self.read_options, **options)

    def column_text(self, column):
        """A column as text, as in the file; only an empty field is missing (and a text of
        ``--na-values``)."""
        import numpy as np

        if self.fmt != "csv":
            return None
        if self.text is not None:
            col = self.text[column]
        else:
            if column not in self._columns_text:
                pos = list(self.columns).index(column)
                self._columns_text[column] = self._read_text(usecols=[pos]).iloc[:, 0]
            col = self._columns_text[column]
        missing = (col == "") | col.isin(self.na_values) if self.na_values else col == ""
        return col.mask(missing, np.nan).to_numpy()

    def rows_text(self, pos):
        """The rows at positions ``pos`` (any order, repeats allowed) as text, as in the
        file, with the parser's column names and the positions as index."""
        import numpy as np
        import pandas as pd

        pos = np.asarray(pos, dtype=np.intp)
        if self.text is not None:
            return self.text.iloc[pos]
        wanted = np.unique(pos)
        parts, start = [], 0
        with warnings.catch_warnings():  # (the blocks are parsed while iterating)
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            for block in self._read_text(chunksize=self.BLOCK_ROWS):
                stop = start + len(block)
                lo, hi = np.searchsorted(wanted, [start, stop])
                if hi > lo:
                    parts.append(block.iloc[wanted[lo:hi] - start])
                start = stop
        if start != len(self.labels):
            raise CLIError(f"{self.path} changed while it was being reduced ({start} rows "
                           f"now, {len(self.labels)} when read): run the command again.")
        rows = pd.concat(parts) if parts else self._read_text(nrows=0)
        rows.index = wanted
        return rows.loc[pos]


def _stamp(path):
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _csv_layout(path):
    """The header's names as written, the line terminator, whether the file starts with a
    UTF-8 byte-order mark, and the first row after the header (its fields; None without
    one): more fields than the header's is pandas' implicit index (a row-number column
    without a name), whatever its values, unless the extra last field is empty (a
    delimiter at the end of every line)."""
    import csv

    with open(path, "rb") as fh:
        bom = fh.read(3) == b"\xef\xbb\xbf"
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        lines = iter(fh)
        raw = []

        def record_lines():
            for line in lines:
                raw.append(line)
                yield line

        header, first = [], None
        reader = csv.reader(record_lines())
        for row in reader:
            if row:  # pandas skips blank lines before the header
                header = row
                break
        terminator = "\r\n" if raw and raw[-1].endswith("\r\n") else "\n"
        for row in reader:
            if row:  # and blank lines after it
                first = row
                break
    return header, terminator, bom, first


def _check_widths(path, label, n_names) -> None:
    """Refuse a CSV whose data rows have different numbers of fields when the first is one
    wider than the header (which pandas reads as an unnamed index column): a text field
    holding an unquoted comma on some rows ("Smith, John") shifted those rows, and the
    others were padded, so the target was "missing" in most rows (review15/f design 2)."""
    import csv

    seen = {}  # width -> first data row (counted from 1) of that width
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        rows = (row for row in csv.reader(fh) if row)
        next(rows, None)  # the header
        for i, row in enumerate(rows, start=1):
            seen.setdefault(len(row), i)
            if len(seen) > 1:
                break
    if len(seen) > 1:
        (w1, r1), (w2, r2) = sorted(seen.items(), key=lambda kv: kv[1])[:2]
        raise CLIError(f"{label} {path}: data row {r1} has {w1} fields and data row {r2} has "
                       f"{w2}, under a header of {n_names} names: a text field holding a comma "
                       'must be quoted ("Smith, John"), or every row needs the same fields.')


#: delimiters other than the comma that a file read as one column may use (European
#: spreadsheets write ';', some exports tabs or '|')
_OTHER_DELIMITERS = {";": "';' (semicolons)", "\t": "tabs", "|": "'|'"}


def _check_delimiter(path, label, header=None) -> None:
    """Refuse, saying so, a CSV that uses another delimiter than the comma: its header is
    one field that splits into several names by ';', a tab or '|', and so do the next rows,
    into as many fields (a one-column table whose name holds a ';' is read as it is)."""
    import csv
    import itertools

    try:
        if header is None:
            header = _csv_layout(path)[0]
        if len(header) != 1:
            return
        for sep, words in _OTHER_DELIMITERS.items():
            names = header[0].split(sep)
            if len(names) < 2:
                continue
            with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
                rows = [r for r in itertools.islice(csv.reader(fh, delimiter=sep), 6) if r]
            if all(len(r) == len(names) for r in rows[1:]):
                raise CLIError(
                    f"{label} {path} reads as one column, {header[0][:60]!r}: it seems to "
                    f"use {words} between fields, and datareduce reads comma-separated "
                    "files: save it with commas (e.g. in Python pandas.read_csv(path, "
                    f"sep={sep!r}, dtype=str, keep_default_na=False).to_csv(new_path, "
                    "index=False), which keeps every field as written"
                    + ("; decimal commas are kept too: change them to points in those columns, "
                       "e.g. df[col].str.replace(',', '.'))." if sep == ";" else ")."))
    except (OSError, csv.Error):
        return


def _not_utf8(path, label) -> str:
    """The refusal of a CSV that is not UTF-8 text, with the line and byte of its first
    byte that is not (pandas' message gave a position in its own read buffer and no fix),
    and how to convert it: a spreadsheet's export in Windows-1252 or Latin-1, or UTF-16."""
    import codecs

    with open(path, "rb") as fh:
        head = fh.read(4)
    encoding, where = "cp1252", None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, where = "utf-16", "it starts with a UTF-16 byte-order mark"
    else:
        carry, offset, lines = b"", 0, 1  # offset: the file's byte at carry[0]
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                data = carry + chunk
                try:
                    data.decode("utf-8")
                    carry = b""
                except UnicodeDecodeError as exc:
                    lines += data.count(b"\n", 0, exc.start)
                    if exc.end == len(data) and exc.reason == "unexpected end of data":
                        carry, offset = data[exc.start:], offset + exc.start  # cut by the chunk
                        continue
                    where = (f"line {lines} holds the byte 0x{data[exc.start]:02x} at byte "
                             f"{offset + exc.start} of the file")
                    break
                lines += data.count(b"\n")
                offset += len(data)
    return (f"{label} {path} is not UTF-8 text{f' ({where})' if where else ''}: datareduce "
            "reads UTF-8 CSV files; save it as UTF-8, e.g. in Python pandas.read_csv(path, "
            f"encoding={encoding!r}, dtype=str, keep_default_na=False).to_csv(new_path, "
            "index=False) (a spreadsheet's export is often 'cp1252' or 'latin-1'), or choose "
            "CSV UTF-8 when you export it.")


def _numbers_or_text(col):
    """A text column whose values (the missing ones aside) all read as numbers, as numbers
    (what ``pandas.read_csv`` makes of such a column); any other column as it is."""
    import pandas as pd

    values = col.dropna()
    if not len(values) or values.map(type).ne(str).any():
        return col
    try:
        return pd.to_numeric(col)
    except (ValueError, TypeError):
        return col


def _is_default_index(index) -> bool:
    import pandas as pd

    return (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
            and index.name is None)


def _read(path, label, na_values=None):
    """The one reading path: the parsed frame and its :class:`Source`.

    CSV is read twice by the same parser: with pandas' type inference (the frame the
    commands select and measure on) and as text (every field as written, for the output).
    Text columns of the parsed frame take the text as written, with only empty fields
    missing: a class or category named ``NA``, ``None`` or ``null`` is a value, not a
    missing one (in number columns those words still mean missing). ``na_values``
    (``--na-values``) are texts that mean a missing value in every column (``?``): a
    column of numbers with them is read as numbers. The rows written back keep them."""
    import pandas as pd

    path = check_input(path, label)
    fmt = table_format(path)
    na_values = list(na_values or ())
    source = None
    try:
        if fmt == "csv":
            header, terminator, bom, first = _csv_layout(path)
            # a delimiter at the end of every line (the first row one field longer than the
            # header, that field empty) is no index: pandas' remedy, index_col=False
            # (before, the first column became the index and every name moved one column:
            # "--target 'label' is missing in 40 row(s)", review15/f 06)
            trailing = (first is not None and len(first) == len(header) + 1
                        and first[-1] == "")
            options = {"index_col": False} if trailing else {}
            if not trailing and first is not None and len(first) == len(header) + 1:
                _check_widths(path, label, len(header))  # implicit index, or bad quoting?
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", pd.errors.ParserWarning)
                    df = pd.read_csv(path, low_memory=False, na_values=na_values or None,
                                     **options)
            except pd.errors.ParserWarning:  # a row's extra field is not empty
                raise CLIError(
                    f"{label} {path}: its rows end with a delimiter (one empty field more "
                    f"than the {len(header)} names of the header), but some row has text in "
                    "that extra field: quote the fields that contain commas, or give the "
                    "extra column a name in the header.") from None
            except pd.errors.ParserError:  # (e.g. decimal commas in a ';' file)
                _check_delimiter(path, label)
                raise
            _check_delimiter(path, label, header)
            source = Source(fmt, df.index, path=path, columns=df.columns, header=header,
                            lineterminator=terminator, bom=bom, na_values=na_values)
            source.read_options = options
            # rows with one field more than the header (pandas' implicit index): their text
            # is kept whole. Decided by the first row's width, not by the index's values:
            # row numbers 0, 1, ... make a default-looking RangeIndex, and the text columns
            # were then re-read one field to the left (review15/f 05).
            if not trailing and (not _is_default_index(df.index)
                                 or len(first or ()) > len(header)):
                source.text = source._read_text()
            if len(header) != df.shape[1] or source.text is not None:
                source.header = None
            texts = [c for c in df.columns if df[c].dtype.kind not in "biufcmM"]
            if texts and source.text is None:  # the text columns, in one reading
                pos = [df.columns.get_loc(c) for c in texts]
                read = source._read_text(usecols=pos)
                source._columns_text.update({c: read.iloc[:, i] for i, c in enumerate(texts)})
            for c in texts:
                df.isetitem(df.columns.get_loc(c), source.column_text(c))
        else:
            df = pd.read_parquet(path)
            source = Source(fmt, df.index, index=not _is_default_index(df.index),
                            na_values=na_values)
            for c in [c for c in df.columns if df[c].dtype.kind == "O"] if na_values else ():
                marked = df[c].isin(na_values)
                if marked.any():
                    source.stored[c] = df[c].to_numpy()
                    df[c] = _numbers_or_text(df[c].mask(marked))
    except ImportError as exc:
        raise CLIError(f"reading Parquet needs pyarrow: pip install pyarrow ({exc})") from exc
    except pd.errors.EmptyDataError:
        raise CLIError(f"{label} {path} is empty (no header, no rows).") from None
    except UnicodeDecodeError:
        raise CLIError(_not_utf8(path, label)) from None
    except pd.errors.ParserError as exc:
        raise CLIError(f"{label} {path} could not be read as CSV: "
                       f"{' '.join(str(exc).split())}") from None
    except PermissionError:
        raise CLIError(f"{label} {path} is not readable (permission denied).") from None
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise CLIError(f"{label} {path} could not be read as {fmt}: "
                       f"{' '.join(str(exc).split())[:300]}") from None
    if df.shape[1] == 0:
        raise CLIError(f"{label} {path} has no columns.")
    if len(df) == 0:
        raise CLIError(f"{label} {path} has a header ({df.shape[1]} columns) but no rows.")
    return df, source


def read_table(path, label: str = "input", *, source: bool = False, na_values=None):
    """Read a CSV or Parquet table; every failure is one line naming the file.

    With ``source=True`` also return its :class:`Source`, to write rows back unchanged
    (:func:`write_rows`). ``na_values``: texts that mean a missing value (``--na-values``).
    """
    df, src = _read(path, label, na_values)
    return (df, src) if source else df


#: a text column is "numbers but for a marker" when at most this many distinct texts are
#: not numbers and they are in fewer than half of its non-empty rows
MAX_MARKERS = 2


def _marker_counts(series):
    """The rows of each text that is not a number, when ``series`` is text holding numbers
    but for at most ``MAX_MARKERS`` distinct texts in fewer than half of its rows (an empty
    count when every text is a number), else None."""
    import pandas as pd

    if series.dtype.kind != "O":
        return None
    s = series.dropna()
    head = s.iloc[:1000]  # a quick look first: most text columns are not numbers at all
    if s.empty or 2 * int(pd.to_numeric(head, errors="coerce").isna().sum()) > len(head):
        return None
    if s.map(type).ne(str).any():  # (objects of a Parquet file that are not text)
        return None
    bad = s[pd.to_numeric(s, errors="coerce").isna()]
    counts = bad.value_counts()
    if len(counts) > MAX_MARKERS or 2 * len(bad) >= len(s):
        return None
    return counts


def numbers_as_text(series) -> bool:
    """A text column of numbers, but for at most a marker or two (``?``): read as text
    because of the marker, or because the other table of a pair has one there
    (:func:`read_tables`)."""
    return _marker_counts(series) is not None


def numeric_markers(series):
    """``{marker: rows}`` when a text column holds numbers except for one or two distinct
    texts in fewer than half of its rows (``?`` or ``-`` for a missing value, as UCI files
    write it), else ``{}``."""
    counts = _marker_counts(series)
    return {} if counts is None else {str(k): int(v) for k, v in counts.items()}


def warn_numeric_markers(df, columns) -> None:
    """One warning per column of ``columns`` that is numbers except for a marker such as
    ``?``: it is used as categories (every distinct number a category); ``--na-values``
    reads the marker as a missing value."""
    import shlex
    import warnings

    for c in columns:
        if c is None or c not in df.columns:
            continue
        found = numeric_markers(df[c])
        if not found:
            continue
        what = " and ".join(f"{m!r} ({k} row{'s' if k != 1 else ''})" for m, k in found.items())
        fix = " ".join(shlex.quote(m) for m in found)
        warnings.warn(f"column {c!r} is numbers except {what}: it is read as text, so its "
                      f"numbers are categories; if {'that means' if len(found) == 1 else 'they mean'}"
                      f" a missing value, pass --na-values {fix}.", UserWarning, stacklevel=2)


def _kind(series) -> str:
    kind = series.dtype.kind
    return {"b": "bool", "i": "number", "u": "number", "f": "number", "M": "date",
            "m": "duration"}.get(kind, "text")


def read_tables(path_a, label_a: str, path_b, label_b: str, *, na_values=None):
    """Two tables that are compared (FULL and REDUCED, TRAIN and TEST), read with one type
    per column: each file's types are inferred on its own, and a column whose type differs
    between them (numbers in one, text in the other, say) is read as text in both, as
    written in each file (numbers of a Parquet file as pandas prints them). ``na_values``:
    texts that mean a missing value in both (``--na-values``)."""
    import numpy as np

    a, src_a = _read(path_a, label_a, na_values)
    b, src_b = _read(path_b, label_b, na_values)
    for c in [c for c in a.columns if c in set(b.columns)]:
        if _kind(a[c]) == _kind(b[c]):
            continue
        for df, src in ((a, src_a), (b, src_b)):
            values = src.column_text(c)
            if values is None:  # Parquet
                col = df[c]
                values = col.astype(str).where(col.notna(), np.nan).to_numpy()
            df[c] = values
    return a, b


def _check_parent(path: Path, option: str) -> None:
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise CLIError(f"{option} {path}: {parent} is a file, not a folder.")
    if not os.access(parent, os.W_OK):
        raise CLIError(f"{option} {path}: cannot write in {parent} (permission denied).")


def check_output_file(path, option: str, *, overwrite: bool, kind: str = "table") -> Path:
    """Check an output file before any work: format, folder, and no silent replacement.

    ``kind`` is ``"table"`` (.csv or .parquet), ``"json"`` or ``"png"``.
    """
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{option} {path} is a folder; give a file name (e.g. "
                       f"{path / ('report.json' if kind == 'json' else 'out.csv')}).")
    if kind == "table":
        table_format(path, option)
    elif kind in ("json", "png") and path.suffix.lower() != f".{kind}":
        raise CLIError(f"{option} {path}: give a file name ending in .{kind}.")
    if path.exists() and not overwrite:
        raise CLIError(f"{option} {path} exists: pass --overwrite to replace it, "
                       f"or choose another {option}.")
    _check_parent(path, option)
    return path


def same_file(a, b) -> bool:
    """Whether two paths name one file: the same path once resolved (``..``, symbolic
    links) or, both existing, the same file on disk (a hard link)."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def check_not_input(out, inputs, option: str) -> None:
    """Refuse an output that is one of the input files (even with ``--overwrite``)."""
    for inp in inputs:
        if same_file(out, inp):
            where = "" if Path(out) == Path(inp) else f" ({out} is {inp})"
            raise CLIError(f"{option} is the input file{where}: choose another {option}.")


def check_output_dir(path, option: str, *, overwrite: bool, files, inputs=()) -> Path:
    """Check an output folder before any work: not a file, ``files`` not replaced, and none
    of them one of the ``inputs``."""
    path = Path(path)
    for f in files:
        check_not_input(path / f, inputs, option)
    if path.exists() and not path.is_dir():
        raise CLIError(f"{option} {path} is a file; give a folder name.")
    if path.is_dir() and not overwrite:
        present = [f for f in files if (path / f).exists()]
        if present:
            raise CLIError(f"{option} {path} already holds {', '.join(present)}: pass "
                           f"--overwrite to replace them, or choose another {option}.")
    _check_parent(path / "x", option)
    return path


def write_table(df, path, *, index: bool = False) -> None:
    """Write a table (format from the extension) atomically, without the index (unless
    ``index``)."""
    fmt = table_format(path)
    if fmt == "csv":
        atomic_write(path, lambda p: df.to_csv(p, index=index))
    else:
        atomic_write(path, lambda p: df.to_parquet(p, index=index))


def write_rows(rows, source: Source, path, extra=None, *, positions=None) -> None:
    """Write rows of a table read with :func:`read_table` (``source=True``) as they were read.

    ``extra``: ``{name: values}`` of new columns appended after the input's (one value per
    row of ``rows``, e.g. the kept rows' weights).

    ``rows`` are rows of the parsed frame (any subset, in any order, keeping their index
    labels); ``positions``, their positions in it, find them also when the labels repeat
    (a stored index such as a patient id with several visits). CSV to CSV writes each
    kept row's fields with the text of the input, under the input's header, with its line
    terminator and byte-order mark; Parquet keeps the column
    types and a stored pandas index, and a column in which ``--na-values`` found a marker
    is written as stored (``?`` stays ``?``, the column text). Between formats the parsed
    values are written (a CSV read as Parquet takes pandas' inferred types; the columns of a
    Parquet file in which ``--na-values`` found a marker are written as stored)."""
    import numpy as np

    fmt = table_format(path)
    if positions is not None:
        positions = np.asarray(positions, dtype=np.intp)
        if positions.shape != (len(rows),):
            raise ValueError(f"positions has {positions.size} values for {len(rows)} rows.")
    elif source.labels.is_unique:
        positions = source.labels.get_indexer(rows.index)
        if (positions < 0).any():
            positions = None
    if fmt == "csv" and source.fmt == "csv" and positions is not None:
        text = source.rows_text(positions)
        if source.header is not None:
            text = text.set_axis(source.header, axis=1)
        if extra:
            text = text.copy()
            for name, values in extra.items():
                text[name] = [repr(float(v)) for v in values]
        has_index = source.text is not None and not _is_default_index(source.text.index)
        atomic_write(path, lambda p: text.to_csv(
            p, index=has_index, index_label=False if has_index else None,
            lineterminator=source.lineterminator,
            encoding="utf-8-sig" if source.bom else "utf-8"))
        return
    stored = {c: v for c, v in source.stored.items() if c in rows.columns}
    if stored and positions is not None:
        rows = rows.copy()
        for c, values in stored.items():
            rows[c] = values[positions]
    if extra:
        rows = rows.copy()
        for name, values in extra.items():
            rows[name] = np.asarray(values, dtype=np.float64)
    write_table(rows, path, index=source.index)


def write_text(text: str, path) -> None:
    """Write a text file atomically, in UTF-8 whatever the locale (the pages declare it)."""
    atomic_write_text(path, text)


def write_bytes_with(path, writer) -> None:
    """Write a file atomically with ``writer(tmp_path)`` (e.g. ``fig.savefig``)."""
    atomic_write(path, writer)


def split_target(df, target: str | None):
    """Split a table into the other columns and the target column."""
    if target is None:
        return df, None
    if target not in df.columns:
        from ._text import unknown_column

        raise CLIError(unknown_column("--target", target, df.columns))
    return df.drop(columns=[target]), df[target]
