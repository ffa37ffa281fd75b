"""Block-wise reduction of a dask array with exact global quotas, and exact blocked epsilon."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._core.validation import (
    check_keep,
    check_random_generator,
    check_y,
    draw_seed,
    seeded_clone,
)
from .._geometry.neighbors import check_metric, nearest
from ..base import BaseReducer, allocate_quotas

__all__ = ["BlockReduction", "reduce_blocks", "epsilon_blocks"]


@dataclass
class BlockReduction:
    """The result of :func:`reduce_blocks`.

    Attributes
    ----------
    sample_indices : ndarray of int
        Global positions of the kept rows (sorted).
    sample_weight : ndarray of float
        Rows each kept row stands for; sums to ``n_samples`` and, whenever ``y`` is given
        (per-class quotas or not: also for global methods and ``random``), per class to the
        class's size, as in memory. A class that keeps no row gives its mass to every kept
        row (the global rescale to ``n_samples``), as the in-memory reducers do.
    n_samples : int
        Rows of the input.
    block_quotas : ndarray of int
        Stage-one rows kept per block.
    classes : ndarray or None
        The class labels (sorted) when the quotas are per class.
    class_counts : ndarray of int or None
        Rows kept per class, aligned with ``classes``.
    stage_one_radius, stage_two_radius : float or None
        With ``radius_metric``: the largest distance from a row to the nearest stage-one pick
        of its class in its block, and from a stage-one pick to the nearest final pick of its
        class. Their sum bounds the epsilon of the result (triangle inequality: the
        composable-coreset bound). ``stage_two_radius`` is 0 for a one-stage run.
    random_state : int or None
        The int seed the run used: the one passed, or the one drawn from fresh entropy for
        ``random_state=None``. Passing it back with the same data and blocks repeats the
        result.
    """

    sample_indices: np.ndarray
    sample_weight: np.ndarray
    n_samples: int
    block_quotas: np.ndarray
    classes: np.ndarray | None = None
    class_counts: np.ndarray | None = None
    stage_one_radius: float | None = None
    stage_two_radius: float | None = None
    random_state: int | None = None
    info: dict = field(default_factory=dict, repr=False)

    @property
    def radius_bound(self) -> float | None:
        """``stage_one_radius + stage_two_radius``: an upper bound on the result's epsilon."""
        if self.stage_one_radius is None:
            return None
        return self.stage_one_radius + (self.stage_two_radius or 0.0)

    def take(self, X):
        """The kept rows of ``X`` (numpy or dask), computed into memory."""
        rows = X[self.sample_indices]
        return rows.compute() if hasattr(rows, "compute") else rows


# ---------------------------------------------------------------- reducer introspection
def _is_global(reducer) -> bool:
    """True when the method cannot run per class pool (its selection uses every class)."""
    from ..base import reducer_tags

    return not reducer_tags(reducer).pool_wise


def _stratifies(reducer) -> bool:
    return bool(reducer._stratify_value())


def _seeded(reducer, keep, seed):
    # the block's seed is drawn from the reducer's own: it always replaces random_state
    return seeded_clone(reducer, seed, overwrite=True, keep=int(keep))


# ------------------------------------------------------------------------- helpers
def _as_dask(X, y, chunk_rows):
    import dask.array as da

    if not isinstance(X, da.Array):
        X = np.asarray(X)
        X = da.from_array(X, chunks=(chunk_rows or max(1, len(X) // 4), -1))
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim} dimensions.")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has blocks of unknown length: call X.compute_chunk_sizes() first.")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    if y is not None:
        if not isinstance(y, da.Array):
            y = da.from_array(check_y(y, X.shape[0]), chunks=(X.chunks[0],))
        else:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            if y.ndim != 1:
                raise ValueError(f"y must be 1-D (one label per row), got shape {y.shape}.")
            if any(np.isnan(c) for c in y.chunks[0]):
                # labels of a dask DataFrame (ddf[col].to_dask_array()) come with blocks of
                # unknown length: one pass over the labels (cheap next to X's) measures them
                y = y.compute_chunk_sizes()
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} rows: "
                                 "pass one label per row.")
            y = y.rechunk((X.chunks[0],))
    return X, y


def _missing_labels(yb) -> np.ndarray:
    """Positions of the missing labels (NaN, inf, None, pd.NA, NaT) of one block of y."""
    yb = np.asarray(yb)
    if yb.dtype.kind in "fc":
        return np.flatnonzero(~np.isfinite(yb))
    if yb.dtype.kind in "mM":  # dates and durations: NaT
        return np.flatnonzero(np.isnat(yb))
    if yb.dtype == object:
        import pandas as pd

        return np.flatnonzero(pd.isna(yb))
    return np.empty(0, dtype=np.intp)


def _block_classes(yb, missing=False):
    """The labels of one block of y and their counts; with ``missing``, also the positions of
    its missing labels (at most 5) and their number, which are not counted as a class."""
    yb = np.asarray(yb)
    bad = _missing_labels(yb)
    if len(bad):
        yb = np.delete(yb, bad)
    labels, counts = np.unique(yb, return_counts=True)
    if missing:
        return labels, counts, bad[:5], len(bad)
    return labels, counts


def _check_no_missing(scanned, offsets):
    """Refuse missing labels found by ``_block_classes(missing=True)``, naming the blocks
    and the first rows (global positions)."""
    blocks = [b for b, s in enumerate(scanned) if s[3]]
    if not blocks:
        return
    total = sum(scanned[b][3] for b in blocks)
    rows = [int(offsets[b] + r) for b in blocks for r in scanned[b][2]][:5]
    raise ValueError(
        f"y has {total} missing label{'s' if total > 1 else ''} (NaN, inf, None, pd.NA or "
        f"NaT) in block{'s' if len(blocks) > 1 else ''} {', '.join(map(str, blocks[:10]))}"
        f"{', ...' if len(blocks) > 10 else ''} (row{'s' if total > 1 else ''} "
        f"{', '.join(map(str, rows))}"
        f"{', ...' if total > len(rows) else ''}): drop those rows from X and y, or fill the "
        "labels with a class of their own, first.")


def class_count_matrix(per_block):
    """Merge per-block ``(labels, counts)`` into (sorted classes, blocks x classes counts)."""
    classes = np.unique(np.concatenate([lab for lab, _ in per_block]))
    counts = np.zeros((len(per_block), len(classes)), dtype=np.int64)
    for b, (lab, cnt) in enumerate(per_block):
        counts[b, np.searchsorted(classes, lab)] = cnt
    return classes, counts


def _uniform_measure(fitted, labels=None) -> bool:
    """True when the fitted reducer gave its kept rows equal weights (per class, with
    ``labels``): its measure is the uniform one on the kept rows (SRS, kernel thinning,
    herding), so the second stage must keep it so: each final row gets an equal share of its
    class's mass. Moving the mass to the nearest final row instead (right for methods whose
    weights are Voronoi cells: max-min, VQ) turns such a sample into an uneven one, and for
    kernel thinning raised MMD^2 to 15x that of SRS (docs/distributed.md)."""
    w = np.asarray(fitted.sample_weight_, dtype=np.float64)
    if labels is None:
        return bool(len(w) and np.allclose(w, w[0], rtol=1e-9, atol=0))
    kept = np.asarray(labels)[np.asarray(fitted.sample_indices_)]
    return all(np.allclose(w[kept == c], w[kept == c][0], rtol=1e-9, atol=0)
               for c in np.unique(kept))


def _fitted_radius(fitted, metric):
    """The cover radius a reducer fitted on one pool measured itself (max-min's
    ``covering_radius_``, in its own metric), or None: saves a nearest-neighbour pass."""
    radii = getattr(fitted, "covering_radius_", None)
    own = getattr(fitted, "metric", None)
    if not isinstance(radii, dict) or len(radii) != 1 or not isinstance(own, str):
        return None
    try:
        same = check_metric(own) == metric
    except ValueError:
        return None
    return float(next(iter(radii.values()))) if same else None


def _radius(Xp, Xk, metric):
    if metric is None or len(Xp) == 0:
        return 0.0
    return float(nearest(Xp, Xk, metric=metric)[1].max())


def _stage_one(block, yblock, quotas, classes, reducer, seed, per_class, radius_metric,
               with_rows, uniform=False):
    """Reduce one block. Returns local positions, weights, the picked rows' labels (and
    values with ``with_rows``) and, with ``radius_metric``, the block's cover radius.
    ``uniform``: a uniform sample of each class's quota (the first stage of
    ``first_stage="uniform"``) instead of the reducer."""
    block = np.asarray(block, dtype=np.float64)
    if not np.isfinite(block).all():
        raise ValueError("X contains NaN or infinite values: impute or drop them first.")
    yblock = None if yblock is None else np.asarray(yblock)
    quotas = np.asarray(quotas)
    picks, weights, radius = [], [], 0.0
    if uniform:
        rng = np.random.default_rng(seed)
        groups = ([np.flatnonzero(yblock == c) for c in classes] if per_class
                  else [np.arange(len(block))])
        for rows, q in zip(groups, quotas, strict=True):
            if q:
                picks.append(np.sort(rng.choice(rows, size=int(q), replace=False)))
                weights.append(np.full(int(q), len(rows) / q))
    elif per_class:
        groups = [np.flatnonzero(yblock == c) for c in classes]
        sizes = np.array([len(g) for g in groups])
        if np.array_equal(quotas, allocate_quotas(sizes, int(quotas.sum()))) and quotas.sum():
            # the reducer would choose these quotas itself: one stratified fit, exactly as
            # in memory (a single block then gives the in-memory result)
            r = _seeded(reducer, quotas.sum(), seed)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="keep allows")
                r.fit(block, yblock, task="classification")
            picks.append(np.asarray(r.sample_indices_))
            weights.append(r.sample_weight_)
        else:
            rng = np.random.default_rng(seed)
            for rows, q in zip(groups, quotas, strict=True):
                if q == 0:
                    continue
                r = _seeded(reducer, q, draw_seed(rng))
                r.fit(block[rows])
                picks.append(rows[r.sample_indices_])
                weights.append(r.sample_weight_)
    elif int(quotas.sum()):
        r = _seeded(reducer, quotas.sum(), seed)
        r.fit(block, yblock, task="classification")
        picks.append(np.asarray(r.sample_indices_))
        weights.append(r.sample_weight_)
    idx = np.concatenate(picks) if picks else np.empty(0, dtype=np.intp)
    w = np.concatenate(weights) if weights else np.empty(0)
    if radius_metric is not None and len(idx):
        if per_class:
            for c in classes:
                rows, kept = yblock == c, yblock[idx] == c
                if rows.any():
                    radius = max(radius, _radius(block[rows], block[idx[kept]], radius_metric))
        else:
            radius = _radius(block, block[idx], radius_metric)
    return {"idx": idx, "w": w, "X": block[idx] if with_rows else None,
            "y": None if yblock is None else yblock[idx], "radius": radius}


def _stage_two(parts, offsets, quotas, classes, reducer, seeds, per_class, radius_metric,
               equal_mass=False, split=None):
    """Reduce the union of the stage-one picks (of ``classes``, when per class) in memory to
    the exact quotas; each union row's mass moves to its nearest final pick of the same
    class. One task per class, so the classes' second stages run in parallel.

    ``equal_mass`` (a uniform first stage: every union row of a class stands for the same
    mass, n_c / union_c): the final rows keep the reducer's own weights rescaled to the
    class's mass, which for Voronoi weights is the nearest-row transfer without a second
    nearest-neighbour pass.

    ``split=(g, G, seed)`` (one class): reduce only group ``g`` of a seeded random split of
    the class's union rows into ``G`` groups, to its largest-remainder share of the quota (a
    large class's second stage runs as ``G`` tasks; see ``stage_two_rows``)."""
    idx = np.concatenate([off + p["idx"] for off, p in zip(offsets, parts, strict=True)])
    w = np.concatenate([p["w"] for p in parts])
    Xu = np.concatenate([p["X"] for p in parts])
    yu = None if parts[0]["y"] is None else np.concatenate([p["y"] for p in parts])
    if per_class:
        groups = [np.flatnonzero(yu == c) for c in classes]
    else:
        groups = [np.arange(len(idx))]
    if split is not None and split[1] > 1:
        g, n_groups, split_seed = split
        perm = np.random.default_rng(split_seed).permutation(len(groups[0]))
        shares = allocate_quotas(np.array([len(perm[h::n_groups]) for h in range(n_groups)]),
                                 int(quotas[0]), min_one=False)
        groups = [np.sort(groups[0][perm[g::n_groups]])]
        quotas = [int(shares[g])]
        seeds = [int(np.random.SeedSequence([int(seeds[0]), g]).generate_state(1)[0])]
    final, final_w, radius = [], [], 0.0
    for rows, q, seed in zip(groups, quotas, seeds, strict=True):
        if q == 0:
            continue
        r = _seeded(reducer, q, int(seed))
        if per_class:
            r.fit(Xu[rows])
        else:
            r.fit(Xu[rows], None if yu is None else yu[rows], task="classification")
        kept = rows[r.sample_indices_]
        uniform = _uniform_measure(r, None if per_class or yu is None else yu[rows])
        if per_class or yu is None:
            if uniform:  # the method's measure is uniform: equal shares of the mass
                final_w.append(np.full(len(kept), w[rows].sum() / len(kept)))
                if radius_metric is not None:
                    radius = max(radius, _radius(Xu[rows], Xu[kept], radius_metric))
            elif equal_mass:  # every union row weighs the same: the reducer's own weights
                # (Voronoi cell sizes for max-min and VQ: the nearest-row transfer, exactly)
                own = np.asarray(r.sample_weight_, dtype=np.float64)
                final_w.append(own * (w[rows].sum() / own.sum()))
                if radius_metric is not None:
                    known = _fitted_radius(r, radius_metric)
                    radius = max(radius, _radius(Xu[rows], Xu[kept], radius_metric)
                                 if known is None else known)
            else:
                owner, dist = nearest(Xu[rows], Xu[kept], metric=radius_metric or "euclidean")
                final_w.append(np.bincount(owner, weights=w[rows], minlength=len(kept)))
                radius = max(radius, float(dist.max()))
        else:  # global method with labels: mass stays within each class
            kw = np.zeros(len(kept))
            for c in np.unique(yu):
                src, dst = np.flatnonzero(yu == c), np.flatnonzero(yu[kept] == c)
                if len(dst) == 0:
                    continue
                if uniform:
                    kw[dst] = w[src].sum() / len(dst)
                    if radius_metric is not None:
                        radius = max(radius, _radius(Xu[src], Xu[kept[dst]], radius_metric))
                    continue
                owner, dist = nearest(Xu[src], Xu[kept[dst]],
                                      metric=radius_metric or "euclidean")
                kw[dst] += np.bincount(owner, weights=w[src], minlength=len(dst))
                radius = max(radius, float(dist.max()))
            final_w.append(kw)
        final.append(kept)
    if not final:
        return np.empty(0, dtype=np.intp), np.empty(0), None if yu is None else yu[:0], 0.0
    kept = np.concatenate(final)
    return idx[kept], np.concatenate(final_w), None if yu is None else yu[kept], radius


def reduce_blocks(X, y=None, *, reducer, oversample: float = 1.0, random_state=None,
                  chunk_rows: int | None = None, radius_metric: str | None = None,
                  first_stage: str = "auto", stage_two_rows: int | None = 10_000,
                  ) -> BlockReduction:
    """Reduce a dask array block by block, with exact global quotas.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features), or array-like
        The data; numpy input is split into blocks of ``chunk_rows`` rows.
    y : dask array or array-like, optional
        Class labels (always read as classes, whatever their values); with them (and a
        stratifying method) every class keeps exactly its in-memory quota; with any method,
        every class's weights sum to its size. A dask ``y`` may have blocks of unknown length
        (``ddf[col].to_dask_array()``): one pass over the labels measures them. A missing
        label (NaN, None, ``pd.NA``, NaT) is refused, naming its block and row.
    reducer : BaseReducer
        Any datareduce reducer; its ``keep`` is the global fraction or count.
    oversample : float, default=1.0
        Stage one keeps ``oversample`` times the quota per block; values above 1 add a second
        stage that reduces the union of the stage-one picks (in one task, on a worker when a
        cluster is active) to the exact quota: better coverage for max-min and clustering.
    random_state : int >= 0, optional
        Seeds of the per-block reducers (derived deterministically per block; with a single
        block and ``oversample=1`` the block's reducer gets ``random_state`` itself, so the
        result is the in-memory fit's). None uses the reducer's own int ``random_state``
        (``get_reducer("srs", keep=0.1, random_state=5)``), and draws fresh entropy when it
        has none: each call gives another result, and the seed drawn is in the result's
        ``random_state`` (pass it back to repeat the run). A reducer's own seed that differs
        from a given ``random_state`` is not used (a warning says so). A negative int, a
        bool or a float is refused.
    chunk_rows : int, optional
        Rows per block for numpy input.
    radius_metric : {"euclidean", "chebyshev", "manhattan"}, optional
        Also measure the cover radii of both stages (see :class:`BlockReduction`); costs one
        nearest-neighbour pass of every block against its picks.
    first_stage : {"auto", "same", "uniform"}, default="auto"
        What stage one runs per block when there are two stages (``oversample > 1``):
        ``"same"``, the reducer itself; ``"uniform"``, a uniform sample of ``oversample``
        times each class's share (as cheap as SRS), so that the reducer runs once, in stage
        two, on a uniform pool of the data. ``"auto"``: ``"uniform"`` for max-min (except
        ``selection="reference"``, whose point is the cover radius) and VQ, measured faster
        and closer to the data in MMD that way; ``"same"`` for every other method (kernel
        thinning and herding match the distribution better than a uniform pool can).
        docs/distributed.md has the measured trade-off.
    stage_two_rows : int or None, default=10000
        A class whose union of stage-one picks has more rows is reduced in stage two as
        ``ceil(rows / stage_two_rows)`` tasks, one per group of a seeded random split of its
        union, each to its largest-remainder share of the class's quota: the classes' and
        groups' tasks share the workers, and each costs what the method costs on at most
        this many rows (max-min's and VQ's cost grows with the square). None: one task per
        class. Every row is still within ``r1 + r2`` of the result (``r2`` is the largest
        group's cover radius).

    Returns
    -------
    BlockReduction

    Notes
    -----
    Cost: one pass over the labels (class counts per block), then one task per block running
    the reducer on that block's rows (for max-min, ``O(q_b n_b d)`` per block and class, so
    more blocks cost less in total), then the second stage on ``oversample * keep`` rows.
    Memory per task: one block plus the reducer's working set; only the picked rows travel.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from datareduce import get_reducer
    >>> from datareduce.distributed import reduce_blocks
    >>> X = da.random.default_rng(0).random((1000, 3), chunks=(250, 3))
    >>> y = np.repeat([0, 1], [800, 200])
    >>> res = reduce_blocks(X, y, reducer=get_reducer("srs", keep=0.1), random_state=0)
    >>> len(res.sample_indices), np.bincount(y[res.sample_indices]).tolist()
    (100, [80, 20])
    """
    return _reduce_blocks(X, y, reducer=reducer, oversample=oversample,
                          random_state=random_state, chunk_rows=chunk_rows,
                          radius_metric=radius_metric, first_stage=first_stage,
                          stage_two_rows=stage_two_rows)


FIRST_STAGES = ("auto", "same", "uniform")
STAGE_TWO_ROWS = 10_000
# the reducer classes whose first stage "auto" makes uniform: measured faster and closer to
# the data in MMD than their per-block first stage (docs/distributed.md, "First stage")
UNIFORM_FIRST = frozenset({"MaxMinReducer", "VectorQuantizationReducer"})


def resolve_first_stage(reducer, first_stage) -> str:
    """``first_stage`` checked, with ``"auto"`` made ``"same"`` or ``"uniform"``."""
    if first_stage not in FIRST_STAGES:
        raise ValueError(f"first_stage={first_stage!r}: use one of {', '.join(FIRST_STAGES)}.")
    if first_stage != "auto":
        return first_stage
    if reducer.get_params().get("selection") == "reference":
        # the exact max-min rule is asked for its cover radius: a uniform pool would leave
        # the far rows out of stage two, so every block's rows are covered in stage one
        return "same"
    return "uniform" if type(reducer).__name__ in UNIFORM_FIRST else "same"


def _n_groups(union_rows, quota, stage_two_rows):
    """Groups a class's second stage is split into: ``union_rows / stage_two_rows`` rounded
    up, at most one per kept row."""
    if stage_two_rows is None or union_rows <= stage_two_rows:
        return 1
    return int(max(1, min(-(-int(union_rows) // int(stage_two_rows)), int(quota))))


def _block_seed(reducer, random_state, caller="reduce_blocks", stacklevel=4) -> int:
    """The int seed the blocks' seeds are drawn from: ``random_state``; when it is None, the
    reducer's own int ``random_state``, else fresh entropy (recorded on the result). A
    reducer's own int seed that differs from a given ``random_state`` is not used: a
    warning says so, naming the argument that seeds the blocks."""
    own = reducer.get_params().get("random_state")
    own = int(own) if isinstance(own, (int, np.integer)) and not isinstance(
        own, (bool, np.bool_)) else None
    if random_state is None:
        # the reducer's seed, or fresh entropy as in scikit-learn; the seed is recorded on
        # the result (BlockReduction.random_state), so the run can be repeated
        return own if own is not None else draw_seed(np.random.default_rng())
    if own is not None and own != int(random_state):
        warnings.warn(
            f"the reducer's random_state={own} is not used: the blocks' seeds are drawn "
            f"from {caller}(random_state={int(random_state)}). Pass random_state={own} to "
            f"{caller} for the reducer's seed.", UserWarning, stacklevel=stacklevel)
    return int(random_state)


def _reduce_blocks(X, y=None, *, reducer, oversample=1.0, random_state=None, chunk_rows=None,
                   radius_metric=None, block_classes=None, first_stage="auto",
                   stage_two_rows=STAGE_TWO_ROWS, caller="reduce_blocks", stacklevel=4):
    """:func:`reduce_blocks`; ``block_classes`` may carry per-block (labels, counts) already
    computed (the Parquet reader counts them in its first pass). ``caller`` and
    ``stacklevel`` place the warning about an unused reducer seed (:func:`_block_seed`)."""
    import dask

    if not isinstance(reducer, BaseReducer):
        raise TypeError("reducer must be a datareduce reducer, e.g. get_reducer('mms', keep=0.1).")
    if not oversample >= 1:
        raise ValueError(f"oversample={oversample} must be >= 1.")
    first_stage = resolve_first_stage(reducer, first_stage)
    if stage_two_rows is not None and (isinstance(stage_two_rows, bool) or not isinstance(
            stage_two_rows, (int, np.integer)) or stage_two_rows < 1):
        raise ValueError(f"stage_two_rows={stage_two_rows!r} must be None or an int >= 1 "
                         "(rows of a class's union reduced in one task).")
    if radius_metric is not None:
        radius_metric = check_metric(radius_metric, name="radius_metric")
    space = reducer.get_params().get("space", None)
    if space not in (None, "auto", "passthrough"):
        raise ValueError(
            f"reducer space={space!r} would be fitted on each block separately, so blocks "
            "would be measured in different spaces: scale the data once (reduce_parquet's "
            "scale=, or transform X with global statistics) and pass space='passthrough'.")
    if random_state is not None and not isinstance(random_state, (int, np.integer)):
        raise TypeError(f"random_state must be None or an int, got {type(random_state).__name__}.")
    check_random_generator(random_state)  # a negative seed or a bool is refused by name
    random_state = _block_seed(reducer, random_state, caller, stacklevel)
    X, y = _as_dask(X, y, chunk_rows)
    n = X.shape[0]
    if n == 0:
        raise ValueError("X is empty (0 rows): there is nothing to reduce.")
    n_keep = check_keep(reducer.keep, n)
    per_class = y is not None and not _is_global(reducer) and _stratifies(reducer)
    sizes = np.asarray(X.chunks[0], dtype=np.int64)
    if block_classes is not None and len(block_classes) != len(sizes):
        raise ValueError(f"block_classes has {len(block_classes)} entries for "
                         f"{len(sizes)} blocks of X.")
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if y is not None:
        # class sizes, for the quotas (per class) and for every class's weights to sum to
        # its size (whatever the method: a global or unstratified one loses the mass of a
        # class's rows in blocks that keep none of them, too)
        if block_classes is None:
            scanned = dask.compute(*[dask.delayed(_block_classes)(b, True)
                                     for b in y.to_delayed()])
            _check_no_missing(scanned, offsets)
            block_classes = [s[:2] for s in scanned]
        y_classes, y_counts = class_count_matrix(block_classes)  # blocks x classes
        alone = int(((y_counts > 0).sum(axis=1) == 1).sum())
        if alone and len(y_classes) > 1 and _is_global(reducer):
            # a method selecting across classes runs per block (it is not pool-wise): a block
            # of one class gives it no other class to select against
            warnings.warn(
                f"{alone} of {len(sizes)} blocks hold one class only (files written per "
                f"class, e.g. partitioned by the target, or rows sorted by it): "
                f"{type(reducer).__name__} selects across classes and runs per block, so "
                "there it sees no other class (DES keeps random rows). Write files that mix "
                "the classes (shuffle the rows before writing them), or reduce in memory.",
                UserWarning, stacklevel=stacklevel - 1)
    if per_class:
        classes, counts = y_classes, y_counts
        class_quota = allocate_quotas(counts.sum(axis=0), n_keep)
        if (class_quota == 0).any():
            warnings.warn(f"keep allows {n_keep} rows for {len(classes)} classes: classes "
                          f"{classes[class_quota == 0][:10].tolist()} keep no rows. Increase "
                          "keep to keep every class.", UserWarning, stacklevel=3)
    else:
        classes, counts, class_quota = None, sizes[:, None], np.array([n_keep])
    stage_quota = np.minimum(np.ceil(class_quota * oversample).astype(np.int64),
                             counts.sum(axis=0))
    quotas = np.stack([allocate_quotas(counts[:, c], stage_quota[c], min_one=False)
                       for c in range(counts.shape[1])], axis=1)

    if len(sizes) == 1 and oversample == 1 and random_state is not None:
        seeds = [int(random_state)]
    else:
        seeds = [int(s) for s in np.random.SeedSequence(random_state).generate_state(len(sizes))]
    x_blocks = X.to_delayed().ravel()
    y_blocks = y.to_delayed() if y is not None else [None] * len(sizes)
    two_stage = oversample > 1 and int(stage_quota.sum()) > n_keep
    uniform = two_stage and first_stage == "uniform"
    parts = [dask.delayed(_stage_one, pure=True)(xb, yb, quotas[i], classes, reducer, seeds[i],
                                                 per_class, radius_metric, two_stage, uniform)
             for i, (xb, yb) in enumerate(zip(x_blocks, y_blocks, strict=True))]
    if two_stage:
        seeds2 = [int(s) for s in
                  np.random.SeedSequence(random_state).generate_state(len(class_quota))]
        if per_class:  # one task per class, or per group of a large class's union
            lasts = []
            for c in range(len(classes)):
                n_groups = _n_groups(stage_quota[c], class_quota[c], stage_two_rows)
                lasts += [dask.delayed(_stage_two, pure=True)(
                    parts, offsets, class_quota[c:c + 1], classes[c:c + 1], reducer,
                    seeds2[c:c + 1], True, radius_metric, uniform,
                    (g, n_groups, seeds2[c] + 1)) for g in range(n_groups)]
        else:
            lasts = [dask.delayed(_stage_two, pure=True)(
                parts, offsets, [n_keep], None, reducer, seeds2, False, radius_metric,
                uniform and y is None)]
        finals, r1 = dask.compute(lasts, [p["radius"] for p in parts])
        idx = np.concatenate([f[0] for f in finals])
        w = np.concatenate([f[1] for f in finals])
        labels = None if y is None else np.concatenate([f[2] for f in finals])
        r2 = max(f[3] for f in finals)
    else:
        results = dask.compute(*parts)
        idx = np.concatenate([off + r["idx"] for off, r in zip(offsets, results, strict=True)])
        w = np.concatenate([r["w"] for r in results])
        labels = None if y is None else np.concatenate([r["y"] for r in results])
        r1, r2 = [r["radius"] for r in results], 0.0
    order = np.argsort(idx)
    idx, w = idx[order], w[order]
    class_counts = None
    if y is not None:
        labels = labels[order]
        if per_class:
            class_counts = np.array([(labels == c).sum() for c in classes])
        w = _class_mass(w, labels, y_classes, y_counts.sum(axis=0))
    return BlockReduction(
        idx, w * (n / w.sum()), n, quotas.sum(axis=1), classes, class_counts,
        stage_one_radius=None if radius_metric is None else float(max(r1)),
        stage_two_radius=None if radius_metric is None else float(r2),
        random_state=int(random_state),
        info={"oversample": oversample, "per_class": per_class, "n_blocks": len(sizes),
              "first_stage": first_stage if two_stage else "same"},
    )


def _class_mass(w, labels, classes, sizes):
    """Each class's weights scaled to sum to the class's size.

    A block whose share of a class's quota is 0 (a class spread thinly over many blocks), or
    whose reducer does not stratify (a global method at ``oversample=1``, ``random``) and
    kept none of the class's rows, keeps no row of that class, so no stage-one weight stands
    for its rows of the class; the stage-two rules only move the mass the union carries. That mass is carried here to
    the class's kept rows, in proportion to their weights: the rows of blocks without a pick
    are taken to be distributed like the rows the picks stand for (for a uniform method,
    what they are in expectation). Their nearest kept row would need another pass over those
    blocks, and would make a uniform method's equal weights uneven. A class without kept rows
    (``keep`` too small) keeps none: the caller's global rescale then spreads its mass over
    every kept row, as the in-memory reducers do."""
    w = np.asarray(w, dtype=np.float64).copy()
    for c, size in zip(classes, sizes, strict=True):
        members = labels == c
        total = w[members].sum()
        if total > 0:
            w[members] *= size / total
    return w


def epsilon_blocks(X, X_reduced, y=None, y_reduced=None, *, metric: str = "chebyshev"):
    """Exact epsilon representativeness of an in-memory reduced set against blocked data.

    Each block computes its per-class directed Hausdorff distance to ``X_reduced``; the
    result is the maximum, identical to
    :func:`datareduce.metrics.epsilon_representativeness` on the whole data.

    Returns
    -------
    EpsilonResult
        ``worst_index`` is a global row position.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> X = da.from_array(np.arange(10.0).reshape(5, 2), chunks=(2, 2))
    >>> round(epsilon_blocks(X, np.array([[0.0, 1.0]]), metric="euclidean").value, 6)
    11.313708
    """
    import dask

    from ..metrics.epsilon import (
        EpsilonResult,
        check_subset_labels,
        epsilon_representativeness,
    )

    X, y = _as_dask(X, y, None)
    if X.shape[0] == 0:
        raise ValueError("X is empty (0 rows): there is no row to measure.")
    Xr = np.asarray(X_reduced, dtype=np.float64)
    yr = None if y_reduced is None else np.asarray(y_reduced)
    if (y is None) != (yr is None):
        raise ValueError("pass both y and y_reduced, or neither.")
    sizes = np.asarray(X.chunks[0], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if yr is not None:
        # the reduced set is global: its labels are checked against the whole y's, and each
        # block measures its own classes against the kept rows of those classes only (a
        # block without some class of the reduced set is the usual case, not an error)
        scanned = dask.compute(*[dask.delayed(_block_classes)(b, True)
                                 for b in y.to_delayed()])
        _check_no_missing(scanned, offsets)
        check_subset_labels(np.concatenate([s[0] for s in scanned]), yr)

    def block_eps(xb, yb):
        if yb is None:
            return epsilon_representativeness(xb, Xr, metric=metric)
        mine = np.isin(yr, np.unique(np.asarray(yb)))
        return epsilon_representativeness(xb, Xr[mine], yb, yr[mine], metric=metric)

    y_blocks = y.to_delayed() if y is not None else [None] * X.numblocks[0]
    busy = np.flatnonzero(sizes > 0)  # an empty block has no row to measure
    x_blocks = X.to_delayed().ravel()
    parts = dask.compute(*[dask.delayed(block_eps)(x_blocks[b], y_blocks[b]) for b in busy])
    per_class, value, worst = {}, -1.0, -1
    for off, part in zip(offsets[busy], parts, strict=True):
        for c, v in part.per_class.items():
            per_class[c] = max(per_class.get(c, 0.0), v)
        if part.value > value:
            value, worst = part.value, off + part.worst_index
    if not np.isfinite(value):  # a class without kept rows: no row is the worst one
        worst = -1
    return EpsilonResult(float(value), per_class, parts[0].metric, int(worst))
