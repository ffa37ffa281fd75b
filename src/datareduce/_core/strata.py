"""Strata and quotas: how many rows each class (or target bin) keeps."""

from __future__ import annotations

import numpy as np

__all__ = ["allocate_quotas", "quantile_strata"]


def allocate_quotas(counts, total: int, *, min_one: bool = True) -> np.ndarray:
    """Split ``total`` rows over groups proportionally to ``counts`` (largest remainder).

    The result sums to ``total`` exactly and never exceeds a group's size. With
    ``min_one=True`` every group keeps at least one row whenever ``total >= len(counts)``;
    the rows needed for that are taken from the groups furthest above their ideal share.
    Ties are broken by group order, so the result is deterministic.

    Examples
    --------
    >>> allocate_quotas([50, 30, 20], 10).tolist()
    [5, 3, 2]
    >>> allocate_quotas([97, 2, 1], 10).tolist()
    [8, 1, 1]
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError("counts must be a 1-D array of non-negative group sizes.")
    n = int(counts.sum())
    total = int(total)
    if total < 0 or total > n:
        raise ValueError(f"total={total} must be between 0 and the number of rows ({n}).")
    if n == 0:
        return np.zeros_like(counts)
    ideal = total * counts / n
    quotas = np.floor(ideal).astype(np.int64)
    remainder = total - int(quotas.sum())
    if remainder:
        frac = ideal - quotas
        # largest fractional part first; stable sort keeps group order for ties
        order = np.argsort(-frac, kind="stable")
        order = [g for g in order if quotas[g] < counts[g]]
        for g in order[:remainder]:
            quotas[g] += 1
    if min_one and total >= int((counts > 0).sum()):
        for g in np.flatnonzero((quotas == 0) & (counts > 0)):
            # take one row from the group that is furthest above its ideal share
            surplus = np.where(quotas > 1, quotas - ideal, -np.inf)
            donor = int(np.argmax(surplus))
            quotas[donor] -= 1
            quotas[g] += 1
    return quotas


def quantile_strata(y, n_bins: int = 10):
    """Stratum codes of a continuous target: ``n_bins`` quantile bins (equal-count).

    Bins whose edges coincide (many tied values) are merged, so there may be fewer bins.

    Returns
    -------
    codes : ndarray of int, shape (n_samples,)
        Bin of each row, 0 for the lowest values.
    edges : ndarray of float
        The bin edges (``len(edges) == n_used_bins + 1``).

    Examples
    --------
    >>> codes, edges = quantile_strata(np.arange(10.0), n_bins=2)
    >>> codes.tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    """
    y = np.asarray(y, dtype=np.float64)
    edges = np.unique(np.quantile(y, np.linspace(0.0, 1.0, int(n_bins) + 1)))
    if len(edges) < 2:
        return np.zeros(y.shape[0], dtype=np.intp), np.array([y.min(), y.max()])
    codes = np.searchsorted(edges[1:-1], y, side="right").astype(np.intp)
    return codes, edges
