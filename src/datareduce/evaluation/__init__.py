"""Compare reducers on your data with the protocol of the reference paper.

:func:`compare` answers "on my data, which method at which size keeps the score, and how
much time does it save?". It follows the protocol of Perera-Lago et al. (2024):

1. ``repeats`` random stratified train/test splits, **the same splits for every method**
   (a continuous target is stratified by quantile bins);
2. the scaler (min-max by default) is fitted on the training split only and applied to both;
3. each reducer reduces the (scaled) training split only, at each kept fraction;
4. a fresh clone of the estimator is trained on the reduced training split and scored on
   the untouched test split;
5. the estimator trained on the whole training split is the baseline row
   (``method="full"``, ``keep=1.0``) of every repeat.

The result is a tidy :class:`pandas.DataFrame`, one row per (method, keep, repeat);
:func:`medians` turns it into the paper's tables (medians over repeats, kept fraction x
method), :func:`differences` into paired differences to SRS (mean, interval, wins and
losses over the repeats, which share their splits), :func:`epsilon_correlation` gives the Spearman correlation between epsilon and a
score per kept fraction, and :func:`plot_scores`, :func:`plot_time`, :func:`plot_epsilon`
and :func:`plot_comparison` draw it (matplotlib is imported only when plotting).

The package is split by concern: :mod:`~datareduce.evaluation.protocol` (the runs),
:mod:`~datareduce.evaluation.tasks` (classification vs regression, quantile strata,
scorers), :mod:`~datareduce.evaluation.energy` (codecarbon), :mod:`~datareduce.evaluation.summaries`
(tables) and :mod:`~datareduce.evaluation.plots` (figures).

Energy and emissions (``energy=True``) are measured with codecarbon's offline tracker (the
``carbon`` extra). Without codecarbon the energy columns are absent, never zero.
"""

from .plots import plot_comparison, plot_curves, plot_epsilon, plot_scores, plot_time
from .protocol import COMPARE_METRICS, PAPER_HIDDEN_LAYERS, compare, paper_mlp
from .summaries import (
    FULL,
    differences,
    epsilon_correlation,
    headline_metric,
    medians,
    to_markdown,
)
from .tasks import infer_task, quantile_strata

__all__ = [
    "COMPARE_METRICS",
    "FULL",
    "PAPER_HIDDEN_LAYERS",
    "compare",
    "differences",
    "epsilon_correlation",
    "headline_metric",
    "infer_task",
    "medians",
    "paper_mlp",
    "plot_comparison",
    "plot_curves",
    "plot_epsilon",
    "plot_scores",
    "plot_time",
    "quantile_strata",
    "to_markdown",
]
