"""The search's summary: the answer first, then the evidence, the cost and the table."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["summary"]


def _pct(v):
    return "?" if v is None or not math.isfinite(v) else f"{100 * v:.0f}%"


def summary(search) -> str:
    """The text :meth:`ReductionSearchCV.summary` returns (and the CLI prints)."""
    from ..evaluation import to_markdown

    s = search
    lines = [f"ReductionSearchCV ({s.task_}, scoring={s.scoring_}, tolerance={s.tolerance}, "
             f"{s.n_samples_in_} rows)"]
    if s.baseline_score_ is None:
        lines.append("full training set: not measured (budget too small)")
    elif s.baseline_kind_ == "measured":
        lines.append(f"full training set: {s.baseline_score_:.4f} (mean CV score, measured)")
    elif s.baseline_kind_.startswith("measured on"):
        lines.append(f"full training set: {s.baseline_score_:.4f} ({s.baseline_kind_}, the "
                     "others through their paired gap to the largest SRS fraction)")
    else:
        lo, hi = s.baseline_interval_
        lines.append(f"full training set: {s.baseline_score_:.4f} (extrapolated from the "
                     f"learning curve; 95% interval {lo:.4f} to {hi:.4f})")
    gain = getattr(s, "baseline_gain_", 0.0)
    if s.baseline_kind_ and s.baseline_kind_.startswith("measured") and gain > 0:
        lines.append(f"  + {gain:.4f} from the training folds' rows to all rows (learning "
                     f"curve): threshold {s.threshold_:.4f}")
    k, lo, hi = s.predicted_keep_
    if s.learning_curve_ is not None and math.isfinite(k):
        sv, sv_lo, sv_hi = s.predicted_saving_
        lines.append(f"learning curve predicts keep={k:.3g} within tolerance (95% interval "
                     f"{lo:.3g} to {hi:.3g}): training-time saving {_pct(sv)} "
                     f"({_pct(sv_lo)} to {_pct(sv_hi)})")
    elif s.learning_curve_ is not None:
        lines.append("learning curve predicts no kept fraction within tolerance")
    if s.within_tolerance_:
        lines.append(f"choice: {s.best_method_} at keep={s.best_keep_} -> {s.best_score_:.4f} "
                     "(mean CV score, within tolerance)")
        chk = s.check_scores_
        g, g_lo, g_hi = s.all_rows_gain_
        splits = "" if np.isfinite(chk).all() else " (one split per extra draw)"
        lines.append(f"checked: {chk.shape[0]} draws of the subset x {chk.shape[1]} splits"
                     f"{splits}, mean {np.nanmean(chk):.4f}, worst draw "
                     f"{np.nanmean(chk, axis=1).min():.4f} "
                     f"(threshold {s.threshold_:.4f}); against the full training set "
                     f"{g:+.4f} (95% interval {g_lo:+.4f} to {g_hi:+.4f})")
        bound = getattr(s, "check_bounds_", {}).get((s.best_method_, s.best_keep_), math.nan)
        if math.isfinite(bound):
            lines.append(f"one draw on new data (a validation fold's size): at least "
                         f"{bound:+.4f} against the full training set in "
                         f"{100 * s.racing_level:.0f}% of cases (prediction bound; "
                         f"tolerance -{s.tolerance:g})")
        lines.append(f"training-time saving: {100 * s.training_time_saving_:.0f}% "
                     f"({100 * s.total_time_saving_:.0f}% with the reduction), measured at "
                     "the refit")
    else:
        lines.append("choice: " + s._no_reduction_line().removeprefix("ReductionSearchCV: "))
        lines.append("training-time saving: none (every row is kept)")
        if s.budget_exhausted_ and s.budget_needed_seconds_ is not None:
            need = s.budget_needed_seconds_
            lines.append(f"a budget of at least {need:.3g} s (budget='"
                         f"{math.ceil(10 * need / s.full_fit_seconds_) / 10:g}x') would "
                         "answer the question")
    if s.budget_cut_:
        lines.append(f"budget: {s.budget_cut_}")
    budget = "no budget" if s.budget_seconds_ is None else (
        f"budget {s.budget_seconds_:.3g} s from budget={s.budget!r}" + (
            f", at least {s.min_budget:g} s (one training under 1 s)"
            if s.full_fit_seconds_ < 1.0 else ""))
    lines.append(f"search cost: {s.search_seconds_:.3g} s = {s.cost_ratio_:.1f}x one full "
                 f"training ({s.full_fit_seconds_:.3g} s); {budget}")
    for m, why in s.skipped_.items():
        lines.append(f"skipped {m}: {why}")
    for m, why in s.eliminated_.items():
        lines.append(f"raced out {m}: {why}")
    df = s.results_frame()
    if len(df):
        table = df.set_index("method")[["keep", "stage", "mean_test_score", "ci_low",
                                        "ci_high", "n_kept"]]
        lines += ["", to_markdown(table, floatfmt=".3f")]
    return "\n".join(lines)
