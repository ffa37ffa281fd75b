"""Exact per-class stratified sampling of a dask DataFrame in one pass over the data.

Every row gets a uniform random key, drawn from ``numpy.random.default_rng((DOMAIN, seed,
partition))`` in row order, so the keys depend only on the seed and the partitioning.
``DOMAIN`` is a constant word that keeps the keys apart from every other stream seeded with
the same ``(seed, partition)``: data generated per partition with ``default_rng((seed, p))``
(as the benchmarks do) would otherwise share its uniforms with the keys, so that a class's keys
lie in one interval (``rng.choice(classes, p=...)`` maps uniforms to classes by intervals),
the thresholds miss and the sample needs up to four passes instead of one. Within
a class, the rows with the ``q`` smallest keys are a simple random sample of ``q`` rows of that
class without replacement (the keys are i.i.d. uniform, so every ``q``-subset is equally
likely to hold the smallest ones). The quotas ``q_c`` are the package's own (``keep`` turned
into a total with :func:`datareduce._core.validation.check_keep`, split over the classes by
largest remainder, :func:`datareduce.base.allocate_quotas`, at least one row per class), the
same numbers an in-memory ``SRS`` fit keeps.

One pass: each partition returns, per class, its row count and its *candidates*: the rows
whose key is at most a threshold ``t`` (a little above ``keep``; see :func:`_threshold`), and
in any case its ``floor`` smallest-key rows, with their keys. The client then knows the class
counts, hence the quotas, and takes each class's ``q_c`` smallest-key candidates. That is the
exact bottom-``q_c`` of the whole class whenever no partition can hold an unsent row with a
key below the ``q_c``-th candidate key ``K``: a partition sent every row with key ``<= t``, and
its ``floor`` smallest, so it is complete below ``K`` when ``K <= t``, or ``K`` is at most its
``floor``-th smallest key, or it sent all its rows of the class. This is checked for every
(partition, class); a class that fails it (rare: a few standard deviations of luck) is
resampled in a second pass over the partitions that were incomplete, with its exact counts
known, until it passes. Because keys are fixed by the seed, the result is the same either way.

Many small classes (quotas of a row or two) make the thresholds and floors send most of
their rows. A partition whose candidates exceed twice its share of the sample (plus 256
rows) sends its counts alone in the first pass; once the quotas ``q_c`` are known, a second
pass over those partitions sends, per class, its rows among its own ``q_c`` smallest keys
(a row of the class's ``q_c`` smallest overall is among its partition's) with key below
the bound the ``q_c``-th smallest key of the class exceeds with probability 1e-12.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._core.validation import check_keep, check_random_generator, draw_seed
from ..base import allocate_quotas

__all__ = ["stratified_sample"]

# the domain word of the keys' stream ("STRATKEY" in ASCII): see the module docstring
DOMAIN = 0x53545241544B4559


def _cap(n: int, frac: float) -> int:
    """The candidates a partition of ``n`` rows sends in the first pass at most: twice its
    expected share of the sample and 256 rows. More (many classes with few rows each, whose
    thresholds and floors send most of their rows) and it sends its counts alone, and its
    rows once the quotas are known: the client then holds a few times the sample, not most
    of the table."""
    return int(2 * frac * n) + 256


def _keys(seed: int, partition: int, n: int) -> np.ndarray:
    return np.random.default_rng((DOMAIN, seed, partition)).random(n)


def _threshold(frac: float, expected: float, z: float = 7.0) -> float:
    """A key threshold that holds at least ``frac * expected`` keys of ``expected`` with
    overwhelming probability (a normal bound ``z`` standard deviations out, plus ``z^2``)."""
    if expected <= 0:
        return 1.0
    mean = frac * expected
    return min(1.0, (mean + z * math.sqrt(mean) + z * z) / expected)


def _order_bound(q, n, miss: float = 1e-12) -> np.ndarray:
    """A key bound that the ``q``-th smallest of ``n`` uniform keys exceeds with probability
    ``miss``: the ``1 - miss`` quantile of its Beta(q, n - q + 1) law (-1 where q is 0: no
    row is needed; 1 where every row is)."""
    from scipy.special import betaincinv

    q, n = np.asarray(q, dtype=np.float64), np.asarray(n, dtype=np.float64)
    out = np.where(q >= n, 1.0, -1.0)
    inner = (q > 0) & (q < n)
    out[inner] = betaincinv(q[inner], n[inner] - q[inner] + 1, 1.0 - miss)
    return out


def _scan(part, index, by, seed, frac, n_parts, floor, thresholds=None, cap=None,
          exact=None):
    """One partition: per-class counts, candidate rows (with keys) and completeness data.

    ``cap`` (first pass): more candidates than this and the partition sends its counts
    alone (``deferred``). ``exact`` (the deferred partitions' pass, the quotas known):
    class -> (quota q, key threshold t); the partition sends, per class, its rows with key
    at most t that are among its q smallest."""
    import pandas as pd

    keys = _keys(seed, index, len(part))
    inverse, classes = pd.factorize(part[by], sort=True)  # hashing: O(n), no sort of rows
    missing = np.flatnonzero(inverse < 0)  # a missing class (NaN, None, NA) has code -1
    if missing.size:  # the client names them (_check_missing); nothing else is sampled
        return {"missing": missing.size, "missing_index": part.index[missing[:5]].tolist(),
                "n": len(part)}
    classes = np.asarray(classes)
    if classes.size > 1 and not (classes[1:] > classes[:-1]).all():
        # a categorical column is factorized in its categories' order ('small', 'medium',
        # 'large'), not sorted: sort the classes, as the client's searchsorted needs them
        order = np.argsort(classes, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        classes, inverse = classes[order], rank[inverse]
    counts = np.bincount(inverse, minlength=classes.size)
    if exact is not None:
        return _scan_exact(part, keys, classes, inverse, counts, exact)
    if thresholds is None:  # the first pass: one threshold per class, vectorised
        t = np.array([_threshold(frac, c * n_parts) for c in counts.tolist()])
    else:  # a later pass: only the classes named (-1: send nothing)
        t = np.array([thresholds.get(c, -1.0) for c in classes.tolist()])
    take = keys <= t[inverse]
    limits = t.copy()
    if floor:
        # classes that sent fewer than their `floor` smallest rows: add those rows
        sent = np.bincount(inverse[take], minlength=classes.size)
        need = (sent < np.minimum(floor, counts)) & (t >= 0)
        if need.any():  # one sort of those classes' rows with a small key
            # a bound holding `floor` keys with overwhelming probability; a class it misses
            # (or one with fewer rows) sorts all its rows
            bound = np.array([_threshold(min(1.0, floor / c), c) if c else 1.0
                              for c in counts.tolist()])
            sub = np.flatnonzero(need[inverse] & (keys <= bound[inverse]))
            short = need & (np.bincount(inverse[sub], minlength=classes.size)
                            < np.minimum(floor, counts))
            if short.any():
                sub = np.union1d(sub, np.flatnonzero(short[inverse]))
            smallest = _smallest_per_class(sub, keys, inverse, floor)
            take[smallest] = True
            top = np.full(classes.size, -np.inf)
            np.maximum.at(top, inverse[smallest], keys[smallest])
            limits[need] = np.maximum(t[need], top[need])
        limits[(counts <= floor) & (t >= 0)] = np.inf  # every row of the class was sent
    rows = np.flatnonzero(take)
    if cap is not None and rows.size > cap(len(part), frac):  # many small classes: the counts alone now,
        # the rows once the quotas are known (_scan_exact)
        return {"classes": classes, "counts": counts, "deferred": True, "n": len(part)}
    return _found(part, keys, classes, inverse, counts, limits, rows)


def _smallest_per_class(sub, keys, inverse, q):
    """The rows among ``sub`` with the ``q`` smallest keys of their class (``q`` a number,
    or one per class), in one sort by class then key."""
    order = sub[np.lexsort((keys[sub], inverse[sub]))]
    by_class = inverse[order]
    rank = np.arange(order.size) - np.searchsorted(by_class, by_class)
    return order[rank < (q[by_class] if np.ndim(q) else q)]


def _found(part, keys, classes, inverse, counts, limits, rows):
    # the candidates' keys, rows and classes travel as arrays beside the frame (no columns
    # added to it: that copies the frame); the client chooses on the arrays alone
    return {"classes": classes, "counts": counts, "limits": limits,
            "frame": part.iloc[rows], "keys": keys[rows], "rows": rows,
            "cls": inverse[rows], "n": len(part)}


def _scan_exact(part, keys, classes, inverse, counts, exact):
    """The candidates of a deferred partition, each class's quota ``q`` and threshold ``t``
    known: its rows with key <= t among its q smallest. A row of the class's q smallest
    keys overall is among its partition's q smallest, so a partition that sent its q
    smallest (or all its rows of the class) is complete for the choice (limit inf); one
    that sent fewer has sent every row with key <= t (limit t)."""
    q = np.array([exact.get(c, (0, -1.0))[0] for c in classes.tolist()], dtype=np.int64)
    t = np.array([exact.get(c, (0, -1.0))[1] for c in classes.tolist()])
    rows = np.sort(_smallest_per_class(np.flatnonzero(keys <= t[inverse]), keys, inverse, q))
    sent = np.bincount(inverse[rows], minlength=classes.size)
    limits = np.where((sent >= q) | (counts <= sent), np.inf, t)
    return _found(part, keys, classes, inverse, counts, limits, rows)


def stratified_sample(ddf, by, keep=0.01, *, random_state=0, floor: int = 32,
                      min_one: bool = True):
    """Exact per-class stratified random sample of a dask DataFrame, in one pass.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    by : str
        Column holding the class of each row. A row without a class (NaN, None, ``pd.NA``)
        is refused with an error naming the rows (found by the sampling pass itself, so
        before any row is chosen): drop them or fill them with a class first.
    keep : float in (0, 1] or int >= 1, default=0.01
        Fraction of rows kept (``round(keep * n)`` rows in total), or a number of rows (this
        needs the row count first: one more pass, over the class column only).
    random_state : None, int or numpy Generator, default=0
        Seed of the row keys; the sample depends only on it and on the partitioning. None
        draws fresh entropy, so each call gives another sample (the seed drawn is in
        ``attrs["random_state"]``: pass it back to repeat the sample); a Generator gives a
        seed drawn from it. A negative int or a float is refused.
    floor : int, default=32
        Rows of smallest key every partition sends per class whatever the threshold: they
        make small classes exact in one pass.
    min_one : bool, default=True
        Every class keeps at least one row (as :func:`datareduce.base.allocate_quotas`).

    Returns
    -------
    pandas.DataFrame
        The kept rows with their original index and columns, ordered by partition and
        position. ``attrs["class_counts"]`` holds the kept rows per class and
        ``attrs["passes"]`` the passes made (1 unless a class needed a second one, or
        partitions with many small classes sent their counts first);
        ``attrs["random_state"]`` the int seed of the keys.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd
    >>> df = pd.DataFrame({"x": range(1000), "y": [0] * 900 + [1] * 100})
    >>> s = stratified_sample(dd.from_pandas(df, npartitions=4), "y", 0.05, random_state=1)
    >>> s["y"].value_counts().sort_index().tolist()
    [45, 5]
    """
    import dask

    seed = _seed(random_state)
    if by not in ddf.columns:
        raise ValueError(f"by={by!r} is not a column of the data; columns: {list(ddf.columns)}.")
    if isinstance(floor, (bool, np.bool_)) or not isinstance(floor, numbers.Integral) \
            or floor < 0:  # (np.int64(32) was refused as not an integer)
        raise ValueError(f"floor={floor!r} must be a non-negative integer.")
    floor = int(floor)
    parts = ddf.to_delayed()
    n_parts = len(parts)
    if isinstance(keep, float):
        check_keep(keep, 1)  # validates the fraction
        frac = keep
    else:
        n_total = int(ddf[by].shape[0].compute())
        frac = check_keep(keep, n_total) / max(n_total, 1)
    scans = dask.compute(*[dask.delayed(_scan)(p, i, by, seed, frac, n_parts, floor,
                                               cap=_cap)
                           for i, p in enumerate(parts)])
    _check_missing(scans, by, ddf.dtypes[by])
    passes = 1
    classes = np.unique(np.concatenate([s["classes"] for s in scans]))
    counts = np.zeros(classes.size, dtype=np.int64)
    for s in scans:
        counts[np.searchsorted(classes, s["classes"])] += s["counts"]
    n = int(counts.sum())
    total = check_keep(keep, n)
    quotas = allocate_quotas(counts, total, min_one=min_one)
    deferred = [i for i, s in enumerate(scans) if s.get("deferred")]
    if deferred:  # their candidates, the quotas known: each class's q smallest at most
        passes += 1
        exact = dict(zip(classes.tolist(), zip(quotas.tolist(),
                                               _order_bound(quotas, counts).tolist(),
                                               strict=True), strict=True))
        redo = dask.compute(*[dask.delayed(_scan)(parts[i], i, by, seed, frac, n_parts,
                                                  floor, exact=exact) for i in deferred])
        scans = list(scans)
        for i, s in zip(deferred, redo, strict=True):
            scans[i] = s
    cand = _Candidates(scans, classes)
    failed = cand.choose(quotas, scans)
    while failed:  # a class whose candidates may miss a smaller key: exact second pass
        passes += 1
        thresholds = {}
        for c in failed:
            i = int(np.searchsorted(classes, c))
            t = _threshold(quotas[i] / counts[i], counts[i], z=7.0 * passes)
            thresholds[c] = 1.0 if passes > 3 else t
        redo = dask.compute(*[dask.delayed(_scan)(p, i, by, seed, frac, n_parts, floor,
                                                  thresholds) for i, p in enumerate(parts)])
        cand.replace(failed, redo)
        for s_old, s_new in zip(scans, redo, strict=True):  # the redone classes' limits
            pos = np.searchsorted(s_old["classes"], s_new["classes"])
            again = np.isin(s_new["classes"], failed)
            s_old["limits"][pos[again]] = s_new["limits"][again]
        failed = cand.choose(quotas, scans)
    out = cand.gather(ddf.dtypes)
    out.attrs["class_counts"] = dict(zip(classes.tolist(), quotas.tolist(), strict=True))
    out.attrs["passes"] = passes
    out.attrs["random_state"] = seed
    return out


def _seed(random_state) -> int:
    """The keys' int seed. None draws fresh entropy (scikit-learn's convention: each call
    another sample; the seed drawn is in ``attrs["random_state"]``); an int is the seed; a
    numpy Generator or RandomState gives a new int (advancing it). A negative int, a float
    or another type is refused naming ``random_state``
    (:func:`~datareduce._core.validation.check_random_generator`)."""
    if random_state is None:
        return draw_seed(np.random.default_rng())
    if not isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        # refuses random_state=-1 and 1.5 by name (1.5 was truncated to 1 before)
        checked = check_random_generator(random_state)
        if isinstance(random_state, np.random.SeedSequence):
            return draw_seed(checked)
    return draw_seed(random_state)


def _check_missing(scans, by, dtype=None):
    """Refuse rows without a class, naming the column, the count and the first rows, and a
    fill that works for the column's ``dtype`` (a text class for text; a new category for a
    categorical, where fillna('missing') raises; a number for numbers, where text is refused
    by a nullable integer and mixes with floats; see :func:`_fill_advice`)."""
    bad = [s for s in scans if "missing" in s]
    if not bad:
        return
    n_missing = sum(s["missing"] for s in bad)
    shown = [i for s in bad for i in s["missing_index"]][:5]
    from ._parquet import _fill_advice  # (with the other column-type rules of the files)

    fill = _fill_advice("ddf", by, dtype)
    raise ValueError(
        f"by={by!r} is missing (NaN/None) in {n_missing} rows, with index "
        f"{shown}{' ...' if n_missing > len(shown) else ''}: every row needs a class. Drop "
        f"them (ddf.dropna(subset=[{by!r}])) or give them a class of their own "
        f"({fill}) first.")


class _Candidates:
    """The candidates of every partition: frames, and keys, classes (positions in the sorted
    global ``classes``) and rows as arrays."""

    def __init__(self, scans, classes):
        self.classes = classes
        self.frames = [s["frame"] for s in scans]
        self.keys = [s["keys"] for s in scans]
        self.rows = [s["rows"] for s in scans]
        self.cls = [np.searchsorted(classes, s["classes"])[s["cls"]] for s in scans]
        self.chosen = None

    def replace(self, failed, redo):
        """Swap the candidates of the ``failed`` classes for those of a later pass."""
        import pandas as pd

        bad = np.searchsorted(self.classes, failed)
        for p, s in enumerate(redo):
            stay = ~np.isin(self.cls[p], bad)
            new_cls = np.searchsorted(self.classes, s["classes"])[s["cls"]]
            rows = np.concatenate([self.rows[p][stay], s["rows"]])
            order = np.argsort(rows, kind="stable")  # frames stay in row order
            self.frames[p] = pd.concat([self.frames[p].iloc[np.flatnonzero(stay)],
                                        s["frame"]]).iloc[order]
            self.keys[p] = np.concatenate([self.keys[p][stay], s["keys"]])[order]
            self.cls[p] = np.concatenate([self.cls[p][stay], new_cls])[order]
            self.rows[p] = rows[order]

    def choose(self, quotas, scans):
        """Each class's ``q`` smallest-key candidates (``self.chosen``, a mask per
        partition), and the classes not proven complete (whose rows are not chosen)."""
        sizes = [len(k) for k in self.keys]
        keys, cls = np.concatenate(self.keys), np.concatenate(self.cls)
        n_cls = self.classes.size
        order = np.lexsort((keys, cls))  # by class, then key (keys are distinct floats)
        sorted_cls = cls[order]
        first = np.searchsorted(sorted_cls, np.arange(n_cls))
        rank = np.arange(order.size) - first[sorted_cls]
        picked_sorted = rank < quotas[sorted_cls]
        have = np.bincount(cls, minlength=n_cls)
        # K: the largest chosen key of each class; every partition must be complete below it
        K = np.full(n_cls, -np.inf)
        np.maximum.at(K, sorted_cls[picked_sorted], keys[order][picked_sorted])
        bad = have < quotas
        for sc in scans:
            at = np.searchsorted(self.classes, sc["classes"])
            bad[at] |= (sc["limits"] < K[at]) & (quotas[at] > 0)
        picked = np.zeros(order.size, dtype=bool)
        picked[order[picked_sorted]] = True
        picked &= ~bad[cls]
        self.chosen = np.split(picked, np.cumsum(sizes)[:-1])
        return self.classes[bad].tolist()

    def gather(self, meta):
        """The chosen rows, ordered by partition and position, with reduce_parquet's column
        types (``meta``: the dask DataFrame's dtypes): a column bool in some partitions and
        numbers in others is float64, times of several zones are in ``meta``'s zone."""
        from ._parquet import _concat_parts, _mixed_types, _unify_types

        floats, zones = _mixed_types(self.frames, meta)
        frames = [_unify_types(f.iloc[np.flatnonzero(m)], floats, zones)
                  for f, m in zip(self.frames, self.chosen, strict=True) if m.any()]
        if not frames:
            return _unify_types(self.frames[0].iloc[:0], floats, zones)
        # categoricals whose partitions hold different categories stay categoricals
        return _concat_parts(frames)
