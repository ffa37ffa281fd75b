"""The weights of a reduced set: fitted to the data (``reweight``), then normalised so that
each stratum's kept rows stand for the stratum's size and all of them for the training rows.
"""

from __future__ import annotations

import numpy as np

__all__ = ["normalised_weights", "reweighted"]


def reweighted(X, indices, strata, weigh, name="reweight", points=None, initial=None):
    """Weights fitted to the data, per stratum: ``weigh(X_pool, kept_positions)`` gives the
    kept rows' weights of one stratum (the base passes the MMD-optimal weights for
    ``reweight="mmd"``, or the user's function). With synthetic ``points`` (one per kept
    row, e.g. CLC's centroids; ``indices`` then places each in its stratum)
    ``weigh(X_pool, None, points, initial)`` weighs those points instead, from the method's
    own weights ``initial``. A zero weight is floored at 1e-6 of a uniform share so every
    kept row keeps a say."""

    pools = ([np.arange(X.shape[0])] if strata is None
             else [np.flatnonzero(strata == c) for c in range(int(strata.max()) + 1)])
    where = np.full(X.shape[0], -1, dtype=np.intp)
    where[indices] = np.arange(len(indices))
    out = np.empty(len(indices))
    for pool in pools:
        kept = pool[where[pool] >= 0]
        if not len(kept):
            continue
        pos = np.searchsorted(pool, kept)
        if points is None:
            w = weigh(X[pool], pos)
        else:
            w = weigh(X[pool], None, points[where[kept]],
                      None if initial is None else initial[where[kept]])
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (len(kept),) or not np.all(np.isfinite(w)) or (w < 0).any():
            raise ValueError(
                f"reweight={name!r} returned {w.shape} weights for {len(kept)} kept rows: "
                "it must return one finite non-negative weight per kept row.")
        total = w.sum()
        floor = 1e-6 * (total if total > 0 else 1.0) / len(kept)
        out[where[kept]] = np.maximum(w, floor)
    return out


def normalised_weights(indices, weights, strata, n):
    """Weights rescaled so each stratum's kept rows stand for the stratum's size."""
    w = (np.ones(len(indices)) if weights is None
         else np.asarray(weights, dtype=np.float64).copy())
    if strata is not None:
        kept = strata[indices]
        sizes = np.bincount(strata)
        totals = np.bincount(kept, weights=w, minlength=len(sizes))
        counts = np.bincount(kept, minlength=len(sizes))
        for c in np.flatnonzero(counts):
            if totals[c] > 0:
                w[kept == c] *= sizes[c] / totals[c]
            else:  # every weight of the stratum is zero: share its mass equally
                w[kept == c] = sizes[c] / counts[c]
    total = w.sum()
    return w * (n / total) if total > 0 else np.full(len(w), n / max(len(w), 1))
