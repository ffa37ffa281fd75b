"""Representativeness of a reduced data set: epsilon and topological distances."""

from .epsilon import EpsilonResult, epsilon_representativeness

__all__ = ["EpsilonResult", "epsilon_representativeness"]
