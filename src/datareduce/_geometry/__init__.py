"""Geometry and kernels: distances, neighbours, farthest points, k-means, kernels."""
