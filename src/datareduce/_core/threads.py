"""One BLAS thread inside the package's loops of small matrix products.

The loops (k-means assignment blocks, farthest-point updates, kernel blocks, the metrics'
nearest-neighbour blocks) run many small BLAS calls, where a multi-threaded BLAS spends more
time waking its threads than computing. ``threadpoolctl.threadpool_limits`` rescans every
shared library loaded in the process at each call (about 3 ms here, hundreds of calls in one
``compare``: a fifth of its time, review10/c 12); one :class:`threadpoolctl.ThreadpoolController`
is built on first use and kept, as scikit-learn keeps its own
(``sklearn.utils.parallel._get_threadpool_controller``). A BLAS library loaded after that
first use is not limited (numpy's, loaded with numpy, always is).
"""

from __future__ import annotations

__all__ = ["one_blas_thread"]

_controller = None


def one_blas_thread():
    """A context manager that limits BLAS to one thread (``with one_blas_thread(): ...``)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
