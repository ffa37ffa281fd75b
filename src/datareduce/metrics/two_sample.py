"""Monte Carlo test of a reduced set against uniform random subsets of the same size (MMD)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._inputs import reduced_inputs
from .calibration import audit_rng, draw_subsets
from .kernel_distance import _check_kernel, _distance, mmd_reference

__all__ = ["MMDTest", "mmd_test"]


@dataclass(frozen=True)
class MMDTest:
    """Result of :func:`mmd_test`.

    Attributes
    ----------
    statistic : float
        MMD of the reduced set to the full set.
    p_value : float
        ``(1 + #{random subsets with MMD >= statistic}) / (1 + n_permutations)``.
    null : ndarray
        MMD of each random subset of the same size (and class counts).
    """

    statistic: float
    p_value: float
    null: np.ndarray = field(repr=False)


def mmd_test(X, X_reduced=None, weights=None, y=None, y_reduced=None, *, reducer=None,
             n_permutations: int = 200, bandwidth=None, max_exact: int | None = 20000,
             random_state=0, working_memory: float = 64.0) -> MMDTest:
    """Is the reduced set distributed like the full set? A Monte Carlo test against SRS.

    Null hypothesis: the reduced set is a uniform random subset of the full set (with the
    same number of rows of each class when labels are given). The statistic is the overall
    MMD (:func:`mmd`) of the reduced set to the full set; its null distribution is simulated
    by ``n_permutations`` seeded random subsets with the subset's class counts, weighted as
    the subset is (:func:`datareduce.metrics.calibration.draw_subsets`): unweighted when the
    subset is unweighted (equal weights are no weights); with weights, each class's drawn rows
    share the subset's weight of that class equally, so a subset weighted by class (a
    reducer's ``sample_weight_``: the rows each kept row stands for) is tested exactly. A small p-value says the subset is further from the full set than random subsets
    of its size usually are; a p-value near 1 says it is closer (as herding or kernel thinning
    aim to be). The test is exact for any ``n_permutations`` (the Monte Carlo p-value
    ``(1 + k) / (1 + B)`` is valid, Phipson and Smyth 2010).

    Parameters
    ----------
    X, X_reduced, weights, y, y_reduced, reducer, bandwidth, max_exact, random_state, working_memory
        As in :func:`mmd`.
    n_permutations : int, default=200
        Random subsets drawn for the null distribution.

    Returns
    -------
    MMDTest

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> corner = np.argsort(X[:, 0])[:30]          # the 30 left-most rows: not representative
    >>> mmd_test(X, X[corner], n_permutations=99).p_value
    0.01
    """
    if isinstance(n_permutations, (bool, np.bool_)) \
            or not isinstance(n_permutations, numbers.Integral) or n_permutations < 1:
        raise ValueError(f"n_permutations={n_permutations!r} must be a positive integer.")
    _check_kernel("rbf", bandwidth)
    Xa, Z, q, ya, yz = reduced_inputs(X, X_reduced, weights, y, y_reduced, reducer)
    _check_drawable(Xa.shape[0], Z.shape[0], ya, yz)
    ref = mmd_reference(Xa, ya, bandwidth=bandwidth, max_exact=max_exact,
                        random_state=random_state, working_memory=working_memory)
    stat = _distance(Xa, Z, q, ya, yz, None, "rbf", None, max_exact, random_state,
                     working_memory, ref, "mmd").value
    # the null's draws are weighted as the subset is (calibration.draw_subsets): unweighted
    # for an unweighted subset, else each class's drawn rows share its weight in the subset
    unweighted = bool(np.all(q == q[0]))
    subsets = draw_subsets(Xa.shape[0], Z.shape[0], ya, yz, kind="srs",
                           n_draws=int(n_permutations),
                           random_state=audit_rng(random_state),  # calibrate's stream
                           weights=None if unweighted else q)
    null = np.empty(int(n_permutations))
    for b, (idx, w) in enumerate(subsets):
        null[b] = _distance(Xa, Xa[idx], w, ya, None if ya is None else ya[idx], None, "rbf",
                            None, max_exact, random_state, working_memory, ref, "mmd").value
    p_value = (1.0 + np.sum(null >= stat)) / (1.0 + null.size)
    return MMDTest(float(stat), float(p_value), null)


def _check_drawable(n, m, y, y_reduced):
    """The null's random subsets of X must have the reduced set's size (and class counts):
    more rows than X failed inside numpy ("Cannot take a larger sample than population"),
    and more rows of a class than X has were capped, so the null compared smaller subsets
    (p = 1.0; review14/a 09)."""
    if m > n:
        raise ValueError(f"X_reduced has {m} rows but X has {n}: the test draws random subsets "
                         "of X of the reduced set's size, so it needs at most as many rows "
                         "as X (synthetic rows beyond X's count cannot be tested this way).")
    if y is None:
        return
    classes, counts = np.unique(y, return_counts=True)
    have = dict(zip(classes.tolist(), counts.tolist(), strict=True))
    over = [(c, k, have.get(c, 0)) for c, k in
            zip(*np.unique(y_reduced, return_counts=True), strict=True)
            if k > have.get(c.item() if hasattr(c, "item") else c, 0)]
    if over:
        shown = ", ".join(f"{c} ({k} of {h})" for c, k, h in over[:5])
        raise ValueError(f"X_reduced has more rows of a class than X has: {shown}; the test "
                         "draws random subsets of X with the reduced set's class counts, so "
                         "each must be at most the class's rows in X.")
