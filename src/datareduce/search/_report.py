"""The search's summary: the answer first, then the evidence, the cost and the table."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["summary"]


def _finite(v):
    return v is not None and math.isfinite(v)


def _check_text(chk, threshold, of=""):
    """A check's numbers: its draws x splits (on a large table one split per extra draw, the
    others NaN), mean, worst draw's mean and the threshold they are held to."""
    part = "" if np.isfinite(chk).all() else " (one split per extra draw)"
    return (f"{chk.shape[0]} draws{of} x {chk.shape[1]} splits{part}, mean "
            f"{np.nanmean(chk):.4f}, worst draw {np.nanmean(chk, axis=1).min():.4f} "
            f"(threshold {threshold:.4f})")


def _pct(v):
    """A saving as a percentage; a cost (negative saving) is said as such."""
    if not _finite(v):
        return "unknown"
    # (a cost under half a percent is "0%", not "-0%")
    return f"{100 * max(v, 0.0):.0f}%" if v >= -0.005 else f"{100 * -v:.0f}% more time"


def _interval(lo, hi, fmt, no_upper="no upper end"):
    """A 95 % interval in words: both ends, or the one that is known ("at least 0.415" when
    the upper end is infinite), or "unknown"."""
    if _finite(lo) and _finite(hi):
        return f"95% interval {fmt(lo)} to {fmt(hi)}"
    if _finite(lo):
        low = fmt(lo)  # a vanishing end in words ("below 0.001"): "from", not "at least"
        return (f"95% interval: from {low}, {no_upper}" if low.startswith("below") else
                f"95% interval: at least {low}, {no_upper}")
    if _finite(hi):
        return f"95% interval: at most {fmt(hi)}, no lower end"
    return "95% interval unknown"


def _keep(k):
    """A kept fraction with three digits; a vanishing one (a flat learning curve's answer,
    3.6e-144) as "below 0.001"."""
    return f"{k:.3g}" if k >= 1e-3 or k <= 0 else "below 0.001"


def _ratio(r):
    """A cost ratio with sensible precision: 192x, 13.9x, 0.53x."""
    if not _finite(r):
        return "?x"
    return f"{r:.0f}x" if r >= 100 else f"{r:.3g}x"


def _rows(n):
    """Rows kept: an integer; the mean over splits that differ (a training fold's rows)
    as "about 379"."""
    if not _finite(n):
        return ""
    return f"{n:.0f}" if abs(n - round(n)) < 1e-9 else f"about {n:.0f}"


def _saving_line(s):
    """The learning curve's predicted saving with its interval; an open end of the kept
    fraction's interval (the curve may never reach the threshold) means no saving can be
    ruled out."""
    sv, sv_lo, sv_hi = s.predicted_saving_
    hi_keep = s.predicted_keep_[2]
    if not _finite(sv):
        return "training-time saving unknown"
    if _finite(sv_lo) and _finite(sv_hi):
        if _pct(sv_lo) == _pct(sv_hi) and s.predicted_keep_[1] != hi_keep:
            # "80% (80% to 80%)" read as certainty; it is a training time that the time model
            # predicts to be the same over the kept fraction's interval
            return (f"training-time saving {_pct(sv)} (the same at both ends of the kept "
                    "fraction's interval: the measured training times barely grow with the "
                    "rows there)")
        return f"training-time saving {_pct(sv)} ({_pct(sv_lo)} to {_pct(sv_hi)})"
    if _finite(sv_hi) and not _finite(hi_keep):
        return (f"training-time saving {_pct(sv)} (at most {_pct(sv_hi)}; possibly none: the "
                "kept fraction's interval has no upper end)")
    return f"training-time saving {_pct(sv)} (interval unknown)"


def _multiple(s, need):
    """The budget as a multiple of one full training that gives ``need`` seconds, the
    ``min_budget`` floor taken into account: a training under a second gets at least
    ``min_budget`` seconds from any multiple ('1x', whose first step times the unit)."""
    from ._budget import CHEAP_SECONDS

    full = s.full_fit_seconds_
    if full < CHEAP_SECONDS and need <= float(s.min_budget):
        return f"budget='1x': at least {s.min_budget:g} s for a training under 1 s"
    return f"budget='{math.ceil(10 * need / full) / 10:g}x'"


def summary(search) -> str:
    """The text :meth:`ReductionSearchCV.summary` returns (and the CLI prints)."""
    from ..evaluation import to_markdown
    from ..evaluation.tasks import _scorer_column

    s = search
    lines = [f"ReductionSearchCV ({s.task_}, scoring={_scorer_column(s.scoring_)}, "
             f"tolerance={s.tolerance}, "
             f"{s.n_samples_in_} rows)"]
    if s.baseline_score_ is None:
        lines.append("full training set: not measured (budget too small)")
    elif s.baseline_kind_ == "measured":
        lines.append(f"full training set: {s.baseline_score_:.4f} (mean CV score, measured)")
    elif s.baseline_kind_.startswith("measured on"):
        lines.append(f"full training set: {s.baseline_score_:.4f} ({s.baseline_kind_}, the "
                     f"others through their paired gap to the largest {s.reference_} "
                     "fraction)")
    else:
        lo, hi = s.baseline_interval_
        lines.append(f"full training set: {s.baseline_score_:.4f} (extrapolated from the "
                     f"learning curve; {_interval(lo, hi, lambda v: f'{v:.4f}')})")
    gain = getattr(s, "baseline_gain_", 0.0)
    if s.baseline_kind_ and s.baseline_kind_.startswith("measured") and gain > 0:
        step = (f"+ {gain:.4f}" if gain >= 5e-5 else "+ less than 0.0001")
        lines.append(f"  {step} from the training folds' rows to all rows (learning "
                     f"curve): threshold {s.threshold_:.4f}")
    k, lo, hi = s.predicted_keep_
    if s.learning_curve_ is not None and math.isfinite(k):
        said = f"keep={_keep(k)}" if _keep(k)[0].isdigit() else f"keep {_keep(k)}"
        # a kept fraction's end beyond the table is inf (Evaluator: table_fractions)
        lines.append(f"learning curve predicts {said} within tolerance "
                     f"({_interval(lo, hi, _keep, 'no upper end within the table')}): "
                     f"{_saving_line(s)}")
        measured = [float(v) for v in s.cv_results_["keep"] if 0 < float(v) < 1]
        if measured and k < min(measured):
            lines.append(f"  (below the smallest fraction measured, {min(measured):g}: an "
                         "extrapolation of the curve, not evidence; the choice rests on the "
                         "measured fractions)")
    elif s.learning_curve_ is not None:
        lines.append("learning curve predicts no kept fraction of the table within tolerance")
    if s.within_tolerance_:
        lines.append(f"choice: {s.best_method_} at keep={s.best_keep_} -> {s.best_score_:.4f} "
                     "(mean CV score, within tolerance)")
        g, g_lo, g_hi = s.all_rows_gain_
        lines.append(f"checked: {_check_text(s.check_scores_, s.threshold_, ' of the subset')}"
                     f"; against the full training set "
                     f"{g:+.4f} ({_interval(g_lo, g_hi, lambda v: f'{v:+.4f}')})")
        bound = getattr(s, "check_bounds_", {}).get((s.best_method_, s.best_keep_), math.nan)
        if math.isfinite(bound):
            lines.append(f"one draw on new data (a validation fold's size): at least "
                         f"{bound:+.4f} against the full training set in "
                         f"{100 * s.racing_level:.0f}% of cases (prediction bound; "
                         f"tolerance -{s.tolerance:g})")
        lines.append(f"training-time saving: {_pct(s.training_time_saving_)} "
                     f"({_pct(s.total_time_saving_)} with the reduction), measured at "
                     "the refit")
    else:
        lines.append("choice: " + s._no_reduction_line().removeprefix("ReductionSearchCV: "))
        lines.append("training-time saving: none (every row is kept)")
        if s.budget_exhausted_ and s.budget_needed_seconds_ is not None:
            need = s.budget_needed_seconds_
            if getattr(s, "full_fit_measured_", True):
                lines.append(f"a budget of at least {need:.3g} s ({_multiple(s, need)}) would "
                             "answer the question")
            else:  # no full training measured: no multiple of a predicted unit
                lines.append(f"a budget of at least {need:.3g} s would answer the question "
                             "(predicted from smaller trainings: no full training was "
                             "measured)")
    # the checks that failed (smaller answers passed over, or every candidate): without
    # them a fraction whose lower bound clears the threshold seems passed over unexplained
    for (m, k), (chk, passed) in getattr(s, "checks_", {}).items():
        if passed:
            continue
        bound = getattr(s, "check_bounds_", {}).get((m, k), math.nan)
        lines.append(f"check failed: {m} at keep={k}: {_check_text(chk, s.threshold_)}" + (
                         f"; one draw on new data at least {bound:+.4f} against the full "
                         f"training set in {100 * s.racing_level:.0f}% of cases (tolerance "
                         f"-{s.tolerance:g})" if math.isfinite(bound) else ""))
    if s.budget_cut_:
        lines.append(f"budget: {s.budget_cut_}")
    budget = "no budget" if s.budget_seconds_ is None else (
        f"budget {s.budget_seconds_:.3g} s from budget={s.budget!r}" + (
            f", at least {s.min_budget:g} s (one training under 1 s)"
            if getattr(s, "budget_floor_applied_", False) else ""))
    unit = f"{s.full_fit_seconds_:.3g} s" + (
        "" if getattr(s, "full_fit_measured_", True) else ", predicted: not measured")
    lines.append(f"search cost: {s.search_seconds_:.3g} s = {_ratio(s.cost_ratio_)} one full "
                 f"training ({unit}); {budget}")
    for m, why in s.skipped_.items():
        lines.append(f"skipped {m}: {why}")
    for m, why in s.eliminated_.items():
        lines.append(f"raced out {m}: {why}")
    df = s.results_frame()
    if len(df):
        table = df.set_index("method")[["keep", "stage", "mean_test_score", "ci_low",
                                        "ci_high", "lower_bound"]].copy()
        # NaN bounds (the full set, unfinished races) as blanks, rows kept as counts
        table["lower_bound"] = [f"{v:.3f}" if _finite(v) else "" for v in table["lower_bound"]]
        table["rows kept per split"] = [_rows(v) for v in df["n_kept"]]
        # a race stopped after some splits: its mean is over those only (not comparable
        # with the complete rows' means, often higher: the hardest split may be missing)
        split = df[[c for c in df.columns if c.startswith("split")]].to_numpy(float)
        done = np.isfinite(split).sum(axis=1)
        table["splits"] = [f"{d}" if d == split.shape[1] else f"{d} of {split.shape[1]}"
                           for d in done]
        lines += ["", to_markdown(table, floatfmt=".3f")]
    return "\n".join(lines)
