"""Find the smallest training set that keeps the score, and tune models on it.

* :class:`ReductionSearchCV` (the frugal search: learning curve, prediction, racing, safe
  answers; :mod:`._frugal`) on the shared loop :class:`BaseReductionSearch` (:mod:`._base`),
  with the per-fit state in :mod:`._evaluate`, budgets in :mod:`._budget`, statistics in
  :mod:`._stats` and the summary in :mod:`._report`;
* :func:`search_table` and :func:`make_model`: table input, the CLI's entry (:mod:`._tables`);
* :func:`tune_on_subset`: reduce once, tune many times, refit once; :func:`tune_halving`:
  successive halving with a reducer's kept rows as the resource (:mod:`._tuning`).

Importing this package loads scikit-learn and scipy only (no plotting, no torch).
"""

from ._base import BaseReductionSearch
from ._budget import COST_MODELS
from ._frugal import ReductionSearchCV
from ._stats import LearningCurve, PowerLaw, fit_learning_curve, fit_power_law
from ._tables import MODELS, make_model, search_table
from ._tuning import SubsetTuning, tune_halving, tune_on_subset

__all__ = ["COST_MODELS", "MODELS", "BaseReductionSearch", "LearningCurve", "PowerLaw",
           "ReductionSearchCV", "SubsetTuning", "fit_learning_curve", "fit_power_law",
           "make_model", "search_table", "tune_halving", "tune_on_subset"]
