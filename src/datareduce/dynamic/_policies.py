"""The per-epoch selection rules of :class:`~datareduce.dynamic.DynamicPruner`.

Each function plans one group's rows of one pruned epoch from the pruner's running
statistics; the pruner itself keeps the bookkeeping (scores, plans, epoch sizes, state).
"""

from __future__ import annotations

import math

import numpy as np

POLICIES = ("uniform", "rs2", "epsilon_greedy", "ucb", "infobatch")

# Policy defaults: (ema, delta). InfoBatch's reference code scores a row by its latest loss
# (ema=1) and anneals the last 12.5% of epochs (delta=0.875).
DEFAULT_EMA = {"uniform": 0.5, "rs2": 0.5, "epsilon_greedy": 0.5, "ucb": 0.5, "infobatch": 1.0}
DEFAULT_DELTA = {
    "uniform": 1.0, "rs2": 1.0, "epsilon_greedy": 1.0, "ucb": 1.0, "infobatch": 0.875,
}
# spawn-key tag of the RS2 round permutations (epoch draws use the key (epoch,))
_RS2_TAG = 0x525332


def plan_group(pruner, g, rows, k, weights, rng, rs2_at=(0, 0), n_random=None):
    """Rows of group ``g`` (positions ``rows``, budget ``k``) that an epoch trains on.

    Only ``"infobatch"`` writes ``weights`` (the caller sets weight 1 for the others).
    ``rs2_at`` is ``(round, position)``: where the epoch starts in the group's RS2 stream.
    ``n_random`` is the group's number of exploratory rows (``"epsilon_greedy"``, at most
    ``k``; the pruner allots ``round(eps * K)`` across the groups); None means
    ``round(eps * k)``. Returns None when the group contributes no row.
    """
    policy = pruner.policy
    if policy == "infobatch":
        return _infobatch(pruner, rows, weights, rng)
    if k == 0:
        return None
    if policy == "uniform":
        return rng.choice(rows, size=int(k), replace=False)
    if policy == "rs2":
        return _rs2_part(pruner._entropy, g, rows, int(k), *rs2_at)
    if policy == "epsilon_greedy":
        if n_random is None:
            n_random = int(math.floor(pruner.eps * k + 0.5))
        n_random = min(int(n_random), int(k))
        order = rows[_ranked(_priority(pruner, pruner.scores_[rows], rows), rng)]
        greedy = order[: k - n_random]
        random = rng.choice(order[k - n_random :], size=n_random, replace=False)
        return np.concatenate([greedy, random])
    # ucb
    score = pruner.scores_[rows] + pruner.c * np.sqrt(pruner.variances_[rows])
    return rows[_ranked(_priority(pruner, score, rows), rng)[:k]]


def _priority(pruner, values, rows):
    """``values`` with the rows never seen set to ``initial_score`` (None: +inf)."""
    unseen = pruner.n_seen_[rows] == 0
    fill = np.inf if pruner.initial_score is None else pruner.initial_score
    return np.where(unseen, fill, values)


def _ranked(priority, rng):
    """Row positions by decreasing priority, ties broken at random."""
    perm = rng.permutation(priority.shape[0])
    return perm[np.argsort(-priority[perm], kind="stable")]


def rs2_advance(n_rows, k, rnd, pos):
    """Group state ``(round, position)`` after an epoch that took ``k`` of its ``n_rows`` rows
    at ``(rnd, pos)``: a round ends with the epoch that takes its last unused rows."""
    if k == 0:
        return rnd, pos
    if n_rows - pos <= k:
        return rnd + 1, 0
    return rnd, pos + k


def _rs2_part(entropy, g, rows, k_g, rnd, pos):
    """Group g's next ``k_g`` rows of round ``rnd``'s permutation, from position ``pos``."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(_RS2_TAG, g, rnd)))
    perm = rng.permutation(rows)
    if rows.size - pos > k_g:
        return perm[pos : pos + k_g]
    # last epoch of the round: the rows not used yet, topped up to k_g with rows drawn
    # at random from the ones used earlier in the round
    rest = perm[pos:]
    fill = k_g - rest.size
    if fill == 0:
        return rest
    return np.concatenate([rest, rng.choice(perm[:pos], size=fill, replace=False)])


_MEAN_CHUNK = 1 << 16


def score_mean(values):
    """Mean of ``values`` in two passes: numpy's (pairwise) mean ``m``, then ``m``
    corrected by the mean of the residuals ``x - m``, taken in chunks of 65,536 values
    (extra memory 512 KB whatever the number of values). The residuals are small, so their
    rounding errors are too: the result is within about an ulp of ``mean(|values|)`` of the
    exact mean, i.e. within about an ulp of it for values of one sign (losses)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    n = x.size
    m = x.mean()
    if not np.isfinite(m):  # the sum overflowed (values near 1e308): scale first
        m = np.sum(x / n) if np.isfinite(x).all() else m
        return float(m)
    resid = 0.0
    for i in range(0, n, _MEAN_CHUNK):
        c = x[i : i + _MEAN_CHUNK]
        resid += float(np.subtract(c, m).sum())
    return float(m + resid / n)


def _below_mean(scores, pool):
    """``scores < mean(pool)`` by more than round-off.

    All-equal scores (e.g. log(10) for every row of an untrained 10-class model) must not
    count as below their own mean: the computed mean can land an ulp above them. The mean
    is within about an ulp of the exact one (:func:`score_mean`), and a score counts as below
    it only when it is lower by more than ``4 * eps * |mean|``; rows within round-off of the
    mean count as "at the mean" and are kept.
    """
    mean = score_mean(pool)
    tol = 4.0 * np.finfo(np.float64).eps * abs(mean)
    return scores < mean - tol


def _infobatch(pruner, rows, weights, rng):
    """Plan one group's rows (all rows when ``groups`` is None); fills ``weights``."""
    seen = pruner.n_seen_[rows] > 0
    scores = pruner.scores_[rows]
    if pruner.initial_score is None:
        if not seen.any():
            weights[rows] = 1.0
            return rows
        well = seen & _below_mean(scores, scores[seen])
    else:
        s = np.where(seen, scores, pruner.initial_score)
        well = _below_mean(s, s)
    wl = rows[well]
    weights[rows[~well]] = 1.0
    if wl.size == 0:
        return rows[~well]
    m = max(1, int(math.floor((1.0 - pruner.r) * wl.size + 0.5)))
    chosen = rng.choice(wl, size=m, replace=False)
    weights[chosen] = wl.size / m
    return np.concatenate([rows[~well], chosen])
