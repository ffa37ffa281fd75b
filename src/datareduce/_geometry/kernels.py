"""Kernels as objects: one type shared by ProtoDash, herding, kernel thinning, the weights and
the distribution metrics.

A :class:`Kernel` is a name and a bandwidth rule:

- ``"rbf"`` (alias ``"gaussian"``): ``k(x, y) = exp(-||x - y||^2 / (2 bandwidth^2))``, i.e.
  scikit-learn's :func:`~sklearn.metrics.pairwise.rbf_kernel` with
  ``gamma = 1 / (2 bandwidth^2)``. ``bandwidth="median"`` (or None) is the median heuristic
  (:func:`median_heuristic`), resolved on a pool by :meth:`Kernel.resolve`.
- ``"linear"``: ``k(x, y) = x . y`` (no bandwidth).
- ``"energy"``: ``k(x, y) = -||x - y||``, the distance-induced kernel of the energy distance
  (conditionally, not fully, positive definite; no bandwidth).

Every evaluation is blocked: :meth:`Kernel.block` computes one block whose size the caller
bounds, and the reductions (:meth:`Kernel.mean_embedding`, :meth:`Kernel.weighted_pair_sum`,
:meth:`Kernel.pairwise`) cut their work into blocks of at most ``working_memory`` MiB, so no
``n x n`` matrix is formed unless the caller asks for it (:meth:`Kernel.pairwise`, for small
inputs and tests).

The Gaussian block uses ``||a - b||^2 = |a|^2 + |b|^2 - 2 a . b`` (one matrix product), clipped
at zero so rounding never makes a kernel value exceed 1; the energy kernel computes the
differences directly (the expansion loses about ``sqrt(eps)`` near zero distance, which the
square root of the energy distance would amplify).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["KERNEL_NAMES", "Kernel", "canonical_kernel", "median_heuristic", "power_of_two_scale",
           "rbf_block", "rbf_mean_embedding", "rows_per_block"]

#: canonical kernel names
KERNEL_NAMES = ("rbf", "linear", "energy")
_ALIASES = {"gaussian": "rbf"}
_NO_BANDWIDTH = float("nan")  # one object, so that equal kernels without a bandwidth compare equal


def canonical_kernel(name, *, allowed=KERNEL_NAMES, param: str = "kernel") -> str:
    """The canonical name of a kernel (``"gaussian"`` -> ``"rbf"``), or a ValueError.

    Examples
    --------
    >>> canonical_kernel("gaussian"), canonical_kernel("rbf")
    ('rbf', 'rbf')
    """
    canon = _ALIASES.get(name, name) if isinstance(name, str) else name
    if canon not in allowed:
        names = sorted(set(allowed) | {a for a, c in _ALIASES.items() if c in allowed})
        raise ValueError(f"{param}={name!r}: use one of {names}.")
    return canon


def power_of_two_scale(X) -> float:
    """The power of two ``c`` with ``max |X| / c`` in [0.5, 1) (1.0 for an all-zero X; [1, 2)
    from ``max |X| >= 2**1023``, float64's largest power of two).

    Dividing by ``c`` is exact in floating point (barring subnormals), so a computation on
    ``X / c`` whose result is scaled back by ``c`` gives the same bits as on X wherever X
    itself neither overflows nor underflows, and stays finite and precise at any scale the
    package accepts (float32 tiles overflow above about 1e19 and underflow below 1e-19).

    Examples
    --------
    >>> power_of_two_scale([[3.0, -5.0]]), power_of_two_scale([[0.0]])
    (8.0, 1.0)
    """
    X = np.asarray(X, dtype=np.float64)
    top = float(max(X.max(), -X.min())) if X.size else 0.0
    if not (top > 0 and math.isfinite(top)):
        return 1.0
    # 2**1023 is the largest power of two: above it, max |X| / c lies in [1, 2)
    return math.ldexp(1.0, min(math.frexp(top)[1], 1023))


def median_heuristic(X, rng=None, max_rows: int | None = 1000, *,
                     positive: bool = False) -> float:
    """Median pairwise Euclidean distance of at most ``max_rows`` rows of X (1.0 if degenerate).

    ``max_rows`` is an integer >= 2, or None for all rows (a smaller value is refused).

    When X has more than ``max_rows`` rows a uniform subsample (drawn from ``rng``, default
    seed 0) is used. The result is 1.0 when the median is 0 (e.g. fewer than two distinct
    rows), so the Gaussian kernel stays defined. With ``positive=True`` (the metrics) a
    median of 0 with distinct rows present (more than half the pairs are duplicates) is
    replaced by the median of the positive distances, so the width stays in the data's
    units; the reducers keep the 1.0 (their selections do not move).

    Examples
    --------
    >>> median_heuristic([[0.0], [1.0], [3.0]])  # distances 1, 2, 3
    2.0
    """
    from scipy.spatial.distance import pdist

    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(
            max_rows, (int, np.integer)) or max_rows < 2):
        # one row has no pairwise distance: the fallback 1.0 would be silent
        raise ValueError(f"max_rows must be an integer >= 2 (rows for the median distance) or "
                         f"None for all rows, got {max_rows!r}.")
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    if max_rows is not None and n > max_rows:
        rng = np.random.default_rng(0) if rng is None else rng
        X = X[np.sort(rng.choice(n, size=max_rows, replace=False))]
    if X.shape[0] < 2:
        return 1.0
    # on X / c (c a power of two: exact), so that squared distances neither underflow nor
    # overflow whatever X's units; the median scales back exactly
    c = power_of_two_scale(X)
    dist = pdist(X / c)
    med = float(np.median(dist)) * c
    if med <= 0 and positive and np.any(dist > 0):
        med = float(np.median(dist[dist > 0])) * c
    return med if med > 0 else 1.0


def rows_per_block(working_memory: float, width: int, itemsize: int = 8) -> int:
    """Rows of a block of ``width`` columns that fit in ``working_memory`` MiB (1 to 8192)."""
    return int(max(1, min(8192, working_memory * 2**20 / itemsize / max(width, 1))))


def _sq_norms(A):
    return np.einsum("ij,ij->i", A, A)


def rbf_block(A, B, gamma, A_sq=None, B_sq=None, out=None) -> np.ndarray:
    """``exp(-gamma ||a - b||^2)`` for all rows of A and B (one block; the caller bounds it)."""
    if A_sq is None:
        A_sq = _sq_norms(A)
    if B_sq is None:
        B_sq = _sq_norms(B)
    # exp(-gamma * max(|a|^2 + |b|^2 - 2 a.b, 0)), in place
    G = np.matmul(A, B.T, out=out)
    G *= 2.0
    G -= A_sq[:, None]
    G -= B_sq[None, :]
    np.minimum(G, 0.0, out=G)
    G *= gamma
    return np.exp(G, out=G)


def rbf_mean_embedding(X, targets, gamma, *, working_memory: float = 64.0, X_sq=None,
                       targets_sq=None, dtype=np.float64) -> np.ndarray:
    """``mu[j] = mean_i exp(-gamma ||X[i] - targets[j]||^2)`` in cache-sized tiles.

    At most 512 x 2048 values per tile and never more than ``working_memory`` MiB;
    ``dtype=np.float32`` halves the cost (relative error about 1e-7, enough to rank rows).
    The float32 tiles are computed on X and the targets divided by a power of two (exact:
    the same values as unscaled wherever those are finite), so that they neither overflow
    nor underflow whatever the data's units; when the kernel's exponents themselves would
    exceed float32's range (rows more than about 1e18 bandwidths apart), float64 is used.
    """
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(targets, dtype=np.float64)
    if X_sq is None:
        X_sq = _sq_norms(X)
    if targets_sq is None:
        targets_sq = _sq_norms(T)
    X_sq = np.asarray(X_sq, dtype=np.float64)
    targets_sq = np.asarray(targets_sq, dtype=np.float64)
    if np.dtype(dtype) != np.float64:
        c = max(power_of_two_scale(X), power_of_two_scale(T))
        g_scaled = float(gamma) * c * c
        top = float(gamma) * (float(X_sq.max(initial=0.0)) + float(targets_sq.max(initial=0.0)))
        if top > 1e30 or 0 < g_scaled < 1e-30:  # exponents out of float32's range: float64
            dtype = np.float64
        else:
            X, T, X_sq, targets_sq = X / c, T / c, X_sq / (c * c), targets_sq / (c * c)
            gamma = g_scaled
    X = np.asarray(X, dtype=dtype)
    T = np.asarray(T, dtype=dtype)
    g = dtype(gamma)
    # -gamma ||x - t||^2 = (2 gamma x) . t - gamma |x|^2 - gamma |t|^2
    xs = -g * np.asarray(X_sq, dtype=dtype)
    ts = -g * np.asarray(targets_sq, dtype=dtype)
    X2 = (2 * g) * X
    per = max(1, int(working_memory * 2**20 / np.dtype(dtype).itemsize))
    bt = int(min(2048, T.shape[0], max(1, per)))
    bx = int(max(1, min(512, per // bt)))
    buf = np.empty((bx, bt), dtype=dtype)
    mu = np.zeros(T.shape[0])
    for j0 in range(0, T.shape[0], bt):
        j1 = min(T.shape[0], j0 + bt)
        acc = np.zeros(j1 - j0)
        for i0 in range(0, X.shape[0], bx):
            i1 = min(X.shape[0], i0 + bx)
            G = np.matmul(X2[i0:i1], T[j0:j1].T, out=buf[:i1 - i0, :j1 - j0])
            G += xs[i0:i1, None]
            G += ts[None, j0:j1]
            np.minimum(G, 0.0, out=G)
            np.exp(G, out=G)
            acc += G.sum(axis=0)
        mu[j0:j1] = acc
    return mu / X.shape[0]


@dataclass(frozen=True)
class Kernel:
    """A kernel: its name and its bandwidth rule (module docstring).

    Parameters
    ----------
    name : {"rbf", "gaussian", "linear", "energy"}, default="rbf"
        ``"gaussian"`` is stored as ``"rbf"``.
    bandwidth : "median", None or float > 0, default="median"
        Gaussian width ``s`` in ``exp(-||x - y||^2 / (2 s^2))``; "median" (or None) is the
        median heuristic, resolved on the data by :meth:`resolve`. Ignored (stored as NaN) for
        the linear and energy kernels.

    Examples
    --------
    >>> import numpy as np
    >>> k = Kernel("gaussian", bandwidth=1.0)
    >>> k.name, k.gamma
    ('rbf', 0.5)
    >>> k.pairwise(np.array([[0.0], [1.0]])).round(4).tolist()
    [[1.0, 0.6065], [0.6065, 1.0]]
    >>> Kernel().resolve(np.array([[0.0], [1.0], [3.0]])).bandwidth
    2.0
    """

    name: str = "rbf"
    bandwidth: float | str = "median"

    def __post_init__(self):
        name = canonical_kernel(self.name)
        object.__setattr__(self, "name", name)
        bw = self.bandwidth
        if name != "rbf":
            bw = _NO_BANDWIDTH
        elif bw is None or (isinstance(bw, str) and bw == "median"):
            bw = "median"
        elif (isinstance(bw, numbers.Real) and not isinstance(bw, bool) and math.isfinite(bw)
              and bw > 0):
            bw = float(bw)
        else:
            raise ValueError(f"bandwidth={bw!r} must be 'median' (or None: the median "
                             "heuristic) or a positive number.")
        object.__setattr__(self, "bandwidth", bw)

    # ------------------------------------------------------------------ bandwidth
    @property
    def resolved(self) -> bool:
        """Whether the bandwidth is a number (always True for the linear and energy kernels)."""
        return not isinstance(self.bandwidth, str)

    def resolve(self, X, rng=None, max_rows: int = 1000) -> Kernel:
        """This kernel with the median heuristic replaced by its value on X (else itself)."""
        if self.resolved:
            return self
        return Kernel(self.name, median_heuristic(X, rng, max_rows))

    @property
    def gamma(self) -> float:
        """``1 / (2 bandwidth^2)`` for the Gaussian kernel (0.0 for the others)."""
        if self.name != "rbf":
            return 0.0
        if not self.resolved:
            raise ValueError("the bandwidth is the median heuristic, not yet a number: call "
                             "kernel.resolve(X) first.")
        return 1.0 / (2.0 * self.bandwidth ** 2)

    def diagonal(self, X) -> np.ndarray:
        """``k(x, x)`` for every row of X."""
        X = np.asarray(X, dtype=np.float64)
        if self.name == "linear":
            return _sq_norms(X)
        return np.full(X.shape[0], 1.0 if self.name == "rbf" else 0.0)

    # ----------------------------------------------------------------- evaluation
    def block(self, A, B, A_sq=None, B_sq=None, out=None) -> np.ndarray:
        """Kernel values between all rows of A and B (one block; the caller bounds its size).

        ``A_sq`` and ``B_sq`` (squared row norms) may be passed to avoid recomputing them;
        ``out`` receives the result when given (Gaussian and linear kernels).
        """
        if self.name == "energy":
            from scipy.spatial.distance import cdist

            G = cdist(A, B)
            G *= -1.0
            return G
        if self.name == "linear":
            return np.matmul(A, B.T, out=out)
        return rbf_block(A, B, self.gamma, A_sq, B_sq, out=out)

    def pairwise(self, A, B=None, *, working_memory: float = 64.0) -> np.ndarray:
        """The whole kernel matrix of A (and B), assembled from row blocks (small inputs)."""
        A = np.asarray(A, dtype=np.float64)
        B = A if B is None else np.asarray(B, dtype=np.float64)
        A_sq, B_sq = _sq_norms(A), _sq_norms(B)
        out = np.empty((A.shape[0], B.shape[0]))
        step = rows_per_block(working_memory, B.shape[0])
        for i0 in range(0, A.shape[0], step):
            i1 = min(A.shape[0], i0 + step)
            out[i0:i1] = self.block(A[i0:i1], B, A_sq[i0:i1], B_sq)
        return out

    def mean_embedding(self, X, targets=None, *, working_memory: float = 64.0, X_sq=None,
                       targets_sq=None, dtype=np.float64) -> np.ndarray:
        """``mu[j] = mean_i k(X[i], T[j])``, ``T = targets`` (default X), in bounded memory.

        With ``targets=None`` the kernel's symmetry is used: square blocks of at most 1024
        rows, each pair of blocks evaluated once. With targets, ``len(X) * len(targets)``
        values in cache-sized tiles (at most 512 x 2048, never more than ``working_memory``
        MiB); ``dtype=np.float32`` halves that cost (relative error about 1e-7, enough to rank
        rows).
        """
        X = np.asarray(X, dtype=np.float64)
        if self.name == "linear":
            T = X if targets is None else np.asarray(targets, dtype=np.float64)
            return T @ X.mean(axis=0)
        if targets is None:
            return self._self_mean_embedding(X, X_sq, working_memory)
        if self.name == "energy":
            T = np.asarray(targets, dtype=np.float64)
            mu = np.zeros(T.shape[0])
            step = rows_per_block(working_memory, T.shape[0])
            for i0 in range(0, X.shape[0], step):
                mu += self.block(X[i0:i0 + step], T).sum(axis=0)
            return mu / X.shape[0]
        return rbf_mean_embedding(X, targets, self.gamma, working_memory=working_memory, X_sq=X_sq,
                                  targets_sq=targets_sq, dtype=dtype)

    def _self_mean_embedding(self, X, sq, working_memory):
        n = X.shape[0]
        if sq is None:
            sq = _sq_norms(X)
        step = max(1, min(1024, int(math.sqrt(working_memory * 2**20 / 8)), n))
        mu = np.zeros(n)
        for i0 in range(0, n, step):
            i1 = min(n, i0 + step)
            for j0 in range(i0, n, step):
                j1 = min(n, j0 + step)
                K = self.block(X[i0:i1], X[j0:j1], sq[i0:i1], sq[j0:j1])
                mu[i0:i1] += K.sum(axis=1)
                if j0 != i0:
                    mu[j0:j1] += K.sum(axis=0)
        mu /= n
        return mu

    def weighted_pair_sum(self, A, B, wA, wB, *, working_memory: float = 64.0,
                          symmetric: bool = False) -> np.ndarray:
        """``sum_{a, b} wA[a, c] wB[b, c'] k(A_a, B_b)`` for every column pair ``(c, c')``.

        ``wA`` is (len(A), C), ``wB`` (len(B), C'); returns (C, C'). With ``symmetric=True``
        (A is B and wA is wB) each off-diagonal block is computed once.
        """
        A_sq = _sq_norms(A)
        B_sq = A_sq if symmetric else _sq_norms(B)
        out = np.zeros((wA.shape[1], wB.shape[1]))
        if symmetric:
            step = min(1024, max(1, int(math.sqrt(working_memory * 2**20 / 8))))  # cache tiles
            n = A.shape[0]
            for i0 in range(0, n, step):
                i1 = min(n, i0 + step)
                for j0 in range(i0, n, step):
                    j1 = min(n, j0 + step)
                    K = self.block(A[i0:i1], A[j0:j1], A_sq[i0:i1], A_sq[j0:j1])
                    part = wA[i0:i1].T @ K @ wA[j0:j1]
                    out += part if j0 == i0 else part + part.T
            return out
        step = min(rows_per_block(working_memory, B.shape[0]), max(1, 2**20 // max(B.shape[0], 1)))
        for i0 in range(0, A.shape[0], step):
            i1 = min(A.shape[0], i0 + step)
            K = self.block(A[i0:i1], B, A_sq[i0:i1], B_sq)
            out += wA[i0:i1].T @ (K @ wB)
        return out
