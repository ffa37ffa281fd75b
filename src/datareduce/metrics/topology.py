"""Persistence diagrams of point clouds and distances between them (a facade).

The code lives in three modules: :mod:`datareduce.metrics.diagrams` (Rips diagrams and the
greedy-permutation subsample), :mod:`datareduce.metrics.mst` (exact H0 from a minimum
spanning tree) and :mod:`datareduce.metrics.distances` (bottleneck / Wasserstein and the
distance between two data sets' diagrams). This module re-exports them.

Filtration convention
---------------------
Every diagram here is the Vietoris-Rips persistence of a finite point cloud in which a
simplex enters at its diameter: an edge enters at its length ``d(x, x')`` under the chosen
``metric`` (ripser's and giotto-tda's convention; *not* half the length). Under this
convention the Gromov-Hausdorff stability theorem (Chazal, de Silva and Oudot, Geom.
Dedicata 2014) gives, for two point clouds of the same metric space,

    d_B(Dgm_k(X), Dgm_k(Y)) <= 2 * d_GH(X, Y) <= 2 * d_H(X, Y)

in every homology dimension ``k``, where ``d_H`` is the Hausdorff distance under the same
metric. For a subset ``Y`` of ``X``, ``d_H(X, Y)`` is the unlabelled epsilon of
:func:`datareduce.metrics.epsilon_representativeness` computed with that metric.

Large inputs
------------
An exact Rips diagram in dimension >= 1 grows super-quadratically with the number of
points, so above ``max_points`` rows the cloud is subsampled by a greedy permutation
(max-min / farthest-point order, float64 distances). The subsample ``S`` covers ``X``
with radius ``r = d_H(X, S)``, so its diagrams are within ``2 r`` of the exact ones in
bottleneck distance; the bound is reported per dimension. H0 needs no subsampling: its
finite deaths are the edge lengths of a minimum spanning tree, computed exactly by
:func:`minimum_spanning_tree_lengths`.
"""

from __future__ import annotations

from .diagrams import (
    DEFAULT_MAX_POINTS,
    PersistenceDiagrams,
    greedy_permutation,
    persistence_diagrams,
)
from .distances import TopologicalDistance, diagram_distance, topological_distance
from .mst import minimum_spanning_tree_lengths

__all__ = [
    "PersistenceDiagrams",
    "TopologicalDistance",
    "persistence_diagrams",
    "topological_distance",
    "diagram_distance",
    "greedy_permutation",
    "minimum_spanning_tree_lengths",
    "DEFAULT_MAX_POINTS",
]
