"""Choosing where dask work runs: the default scheduler, a local cluster, or a cluster's address."""

from __future__ import annotations

import logging
from contextlib import contextmanager

__all__ = ["use_scheduler", "worker_peak_memory"]

logger = logging.getLogger(__name__)

_LOCAL_SCHEDULERS = ("threads", "processes", "synchronous", "sync", "single-threaded")


@contextmanager
def use_scheduler(scheduler=None, *, n_workers: int | None = None,
                  memory_limit: str | float | None = "auto", timeout: float = 10.0):
    """Run the dask work inside the ``with`` block on ``scheduler``.

    Parameters
    ----------
    scheduler : None, "local", a local scheduler name, an address, or a Client
        ``None``: dask's default (an active ``dask.distributed.Client`` if there is one,
        otherwise threads). ``"local"``: start a ``LocalCluster`` of worker processes for the
        block and close it afterwards. ``"threads"``, ``"processes"``, ``"synchronous"``:
        dask's single-machine schedulers. ``"tcp://host:8786"`` (any string containing
        ``://`` or ``host:port``): connect to a running cluster's scheduler; every worker
        must have datareduce installed and see the same input paths.
        A ``dask.distributed.Client``: use it.
    n_workers : int, optional
        Worker processes of the ``"local"`` cluster (one thread each); dask's default when
        omitted.
    memory_limit : str or float, default="auto"
        Per-worker memory limit of the ``"local"`` cluster (e.g. ``"2GiB"``).
    timeout : float, default=10
        Seconds to wait for a remote scheduler.

    Yields
    ------
    Client or None
        The client in use (None for dask's default and the single-machine schedulers).
    """
    import dask

    if scheduler is None:
        yield None
        return
    if isinstance(scheduler, str) and scheduler in _LOCAL_SCHEDULERS:
        with dask.config.set(scheduler=scheduler):
            yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - distributed is in the dask extra
        raise ImportError("a cluster scheduler needs dask.distributed: "
                          "pip install 'datareduce[dask]'") from exc
    if isinstance(scheduler, Client):
        with scheduler.as_current():
            yield scheduler
        return
    if not isinstance(scheduler, str):
        raise TypeError(f"scheduler={scheduler!r}: pass None, 'local', a scheduler address "
                        "such as 'tcp://10.0.0.5:8786', or a dask.distributed.Client.")
    if scheduler == "local":
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               memory_limit=memory_limit, dashboard_address=None)
        try:
            with Client(cluster) as client, client.as_current():
                logger.info("local cluster with %d workers", len(cluster.workers))
                yield client
        finally:
            cluster.close()
        return
    if "://" not in scheduler and ":" not in scheduler:
        raise ValueError(f"scheduler={scheduler!r} is not an address: pass 'local', one of "
                         f"{', '.join(_LOCAL_SCHEDULERS)}, or an address such as "
                         "'tcp://10.0.0.5:8786'.")
    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(
            f"could not reach the dask scheduler at {scheduler!r} within {timeout:g} s ({exc}). "
            "Start one with `dask scheduler` (and `dask worker ADDRESS` on each machine), "
            "or pass scheduler='local' to use this machine."
        ) from exc
    try:
        with client.as_current():
            yield client
    finally:
        client.close()


def _peak_rss_bytes() -> int:
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def worker_peak_memory(client) -> dict:
    """Peak resident memory (bytes, since the process started) of each worker of ``client``.

    Restart the workers (``client.restart()``) before a measured job to measure that job.
    """
    return client.run(_peak_rss_bytes)
