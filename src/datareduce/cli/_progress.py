"""Progress bars, time estimates and ``--budget`` for the CLI.

Estimates come from probes: the step is timed on two small random subsets of the rows and
a power law ``t = a n^b`` through the two times (``b`` clipped to a plausible range) is
extrapolated to the real size. They are rough (printed with "~"), but they tell the user
before a long step starts, and ``--budget`` uses them to skip what would not fit.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

import numpy as np

from . import CLIError


def check_budget(value):
    if value is None:
        return None
    if not value > 0:
        raise CLIError(f"--budget {value}: give a positive number of seconds.")
    return float(value)


def fmt_seconds(s: float) -> str:
    if s < 1:
        return "<1 s"
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


class Clock:
    """Seconds spent since the command started, against an optional budget."""

    def __init__(self, budget=None):
        self.start = time.perf_counter()
        self.budget = budget

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @property
    def left(self) -> float:
        return np.inf if self.budget is None else self.budget - self.elapsed

    def fits(self, seconds: float) -> bool:
        return seconds <= self.left


@contextmanager
def stage(desc: str, *, quiet: bool = False, total=None):
    """A tqdm bar for one step; without a ``total`` it shows the elapsed time, ticking.

    Shown only on a terminal (tqdm's ``disable=None``), so scripts capturing stderr get the
    one-line messages only.
    """
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, file=sys.stderr, disable=True if quiet else None,
               leave=False, bar_format=None if total else "{desc}: {elapsed}")
    stop = threading.Event()
    ticker = None
    if not bar.disable and total is None:
        def tick():
            while not stop.wait(0.5):
                bar.refresh()

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
    try:
        yield bar
    finally:
        stop.set()
        if ticker is not None:
            ticker.join()
        bar.close()


class PowerLaw:
    """``seconds(n) = a n^b`` fitted through probe times (``b`` clipped to a range)."""

    def __init__(self, points, exponent):
        (m0, t0), (m1, t1) = points[0], points[-1]
        b = exponent[0] if m1 == m0 else float(np.log(t1 / t0) / np.log(m1 / m0))
        self.b = float(np.clip(b, *exponent))
        self.a = t1 / m1 ** self.b

    def __call__(self, n) -> float:
        return float(self.a * max(float(n), 1.0) ** self.b)


def probe(run, sizes, *, exponent=(1.0, 3.0), probe_limit: float = 5.0, warmup: int = 0):
    """Time ``run(m)`` for each ``m`` in ``sizes`` (stopping after ``probe_limit`` seconds)
    and fit a :class:`PowerLaw`. ``run(warmup)`` first, untimed (imports, caches).
    Returns ``(law, probe_seconds)``."""
    t_start = time.perf_counter()
    if warmup:
        run(int(warmup))
    points = []
    for m in sizes:
        t0 = time.perf_counter()
        run(int(m))
        t = max(time.perf_counter() - t0, 1e-4)
        points.append((int(m), t))
        if time.perf_counter() - t_start > probe_limit:
            break
    return PowerLaw(points, exponent), time.perf_counter() - t_start


def subsample_rows(n: int, m: int, seed: int = 0):
    return np.sort(np.random.default_rng(seed).choice(n, size=min(m, n), replace=False))


def _take(a, rows):
    if a is None:
        return None
    return a.iloc[rows] if hasattr(a, "iloc") else a[rows]


def estimate_reduction(make_reducer, X, y, *, sizes=(500, 1000), probe_limit=5.0,
                       task="auto"):
    """Seconds a reducer would take to fit on all of X, probed on random subsets.

    ``make_reducer(m)`` returns an unfitted reducer for ``m`` rows; ``task`` is the target's
    task decided on all rows (a subset could read it otherwise). Returns
    ``(seconds, probe_seconds)``; below the largest probe size the probe is skipped (the
    step is then fast) and ``(0.0, 0.0)`` is returned.
    """
    n = X.shape[0]
    sizes = [m for m in sizes if m < n]
    if len(sizes) < 2:
        return 0.0, 0.0

    def run(m):
        import warnings

        rows = subsample_rows(n, m)
        try:
            # a probe's own warnings (e.g. "keep allows 1 row for 3 classes" on its 50 rows)
            # say nothing about the real run: they are not shown
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make_reducer(m).fit(_take(X, rows), _take(y, rows),
                                    task=task if y is not None else "auto")
        except ValueError:
            pass  # e.g. a keep count too large for a small probe: the time is what counts

    law, used = probe(run, sizes, exponent=(1.0, 2.5), probe_limit=probe_limit,
                      warmup=min(50, sizes[0]))
    return law(n), used


def topology_law(X, *, dims, probe_limit=5.0):
    """A :class:`PowerLaw` for one persistence diagram of ``m`` rows of X (ripser)."""
    from ..metrics.topology import persistence_diagrams

    X = np.asarray(X, dtype=np.float64)
    top = max(dims)
    sizes = [m for m in ((60, 120) if top >= 2 else (100, 200)) if m <= X.shape[0]]
    if len(sizes) < 2:
        return PowerLaw([(X.shape[0], 1e-3)], (2.0, 2.0)), 0.0

    def run(k):
        persistence_diagrams(X[subsample_rows(X.shape[0], k)], homology_dimensions=dims,
                             max_points=k, h0="rips")

    return probe(run, sizes, exponent=(2.0, 4.5 if top >= 2 else 3.5), probe_limit=probe_limit,
                 warmup=10)


def estimate_report(X, y, n_kept_by_class, *, dims, max_points, n_distances=2,
                    probe_limit=5.0):
    """Seconds the topological part of a representativeness report would take.

    ``n_kept_by_class`` maps each class to its kept rows (``{None: n_kept}`` without
    labels). Each distance computes the diagrams of the full and the reduced set, and of
    each class of both (at most ``max_points`` rows each).
    """
    from ..metrics.topology import DEFAULT_MAX_POINTS

    cap = max_points or DEFAULT_MAX_POINTS
    law, used = topology_law(X, dims=dims, probe_limit=probe_limit)
    sizes = [X.shape[0], sum(n_kept_by_class.values())]
    if y is not None:
        classes, counts = np.unique(np.asarray(y), return_counts=True)
        sizes += list(counts)
        sizes += [n_kept_by_class.get(c, 0) for c in classes]
    per = sum(law(min(s, cap)) for s in sizes if s > 1)
    return n_distances * per, used
