"""Topological columns of :func:`datareduce.evaluation.compare` (``topology=True``)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np


class _Topology:
    """Bottleneck distance per homology dimension between full and reduced training data."""

    def __init__(self, fn, params):
        self.fn = fn
        self.params = {"distance": "bottleneck", "per_class": False, "max_points": 500,
                       **params}
        self.columns = None

    def __call__(self, X, X_red):
        res = self.fn(X, X_red, **self.params)
        values = _distances_by_dim(res)
        if self.columns is None:
            self.columns = [f"{self.params['distance']}_h{d}" for d in values]
        return {f"{self.params['distance']}_h{d}": float(v) for d, v in values.items()}

    def zero(self):
        dims = self.params.get("homology_dimensions", (0, 1))
        return {f"{self.params['distance']}_h{d}": 0.0 for d in dims}


def _distances_by_dim(res):
    """{dimension: distance} from what topological_distance returns."""
    for attr in ("value", "by_dimension", "distances", "per_dimension"):
        val = getattr(res, attr, None)
        if isinstance(val, Mapping):
            res = val
            break
    if hasattr(res, "to_dict") and not isinstance(res, Mapping):
        res = res.to_dict()
    if isinstance(res, Mapping):
        out = {}
        for k, v in res.items():
            key = str(k).lower().lstrip("h")
            if key.isdigit() and isinstance(v, (numbers.Real, np.number)):
                out[int(key)] = float(v)
        if out:
            return dict(sorted(out.items()))
    raise TypeError(f"cannot read distances per homology dimension from {type(res).__name__}")


def topology_function(topology):
    from ..metrics.topology import topological_distance

    if topology is True:
        params = {}
    elif isinstance(topology, Mapping):
        params = dict(topology)
    else:
        raise TypeError(f"topology must be a bool or a dict of topological_distance "
                        f"parameters, got {topology!r}.")
    return _Topology(topological_distance, params)

