"""ReductionSearchCV.summary() without number noise: counts as integers ("about 400" for
a mean over folds of different sizes), open interval ends in words, no "?", ratios with
sensible precision."""

import copy
import math
import re
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from datareduce.search import ReductionSearchCV


@pytest.fixture(scope="module")
def search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(601, 3))  # 3 folds of 400 or 401 training rows
    y = (X[:, 0] + 0.3 * rng.normal(size=601) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ReductionSearchCV(LogisticRegression(), methods=["srs"], keeps=(0.2, 0.5),
                                 tolerance=0.05, budget=None,
                                 random_state=0).fit(X, y)


def test_rows_kept_are_counts_and_a_mean_over_folds_says_about(search):
    df = search.results_frame()
    full = float(df.loc[df.method == "full", "n_kept"].iloc[0])
    assert full != round(full)  # the folds differ by a row: 400.667
    text = search.summary()
    assert f"{full:.3f}" not in text and f"about {full:.0f}" in text
    table = text[text.index("| method |"):]
    assert not re.search(r"\| \d{2,}\.000 \|", table)  # no "120.000"
    for n in df.loc[df.method == "srs", "n_kept"]:
        assert f"| {n:.0f} |" in table


def test_open_interval_ends_are_words_and_unknowns_are_explained(search):
    s = copy.copy(search)
    s.predicted_keep_ = (0.509, 0.415, math.inf)  # the curve may never reach the threshold
    s.predicted_saving_ = (0.46, math.nan, 0.5)
    s.cost_ratio_ = 192.04
    text = s.summary()
    line = next(ln for ln in text.splitlines() if ln.startswith("learning curve predicts"))
    assert "at least 0.415" in line and "inf" not in line and "?" not in line
    assert "possibly none" in line and "at most 50%" in line
    assert "= 192x one full training" in text and "192.0x" not in text


def test_a_vanishing_predicted_keep_is_said_in_words(search):
    s = copy.copy(search)
    s.predicted_keep_ = (3.59e-144, 3.59e-144, 0.216)
    s.predicted_saving_ = (1.0, 0.76, 1.0)
    line = next(ln for ln in s.summary().splitlines()
                if ln.startswith("learning curve predicts"))
    assert "e-144" not in line and "keep below 0.001" in line and "to 0.216" in line


def test_a_predicted_keep_below_every_measured_fraction_is_called_an_extrapolation(search):
    """A flat learning curve crosses the threshold anywhere: its prediction far below the
    smallest measured fraction is an extrapolation and the summary says so."""
    s = copy.copy(search)
    s.predicted_keep_ = (3.59e-144, 3.59e-144, 0.216)
    text = s.summary()
    assert "below the smallest fraction measured, 0.2: an extrapolation" in text
    s.predicted_keep_ = (0.3, 0.25, 0.4)  # between measured fractions: no such line
    assert "an extrapolation" not in s.summary()


def test_a_saving_whose_interval_ends_agree_does_not_read_as_certain():
    """'80% (80% to 80%)' for a kept fraction of 0.032 to 0.25 (hpc, logistic: the training
    times barely grow with the rows) read as a certain saving."""
    from types import SimpleNamespace

    from datareduce.search._report import _saving_line

    flat = SimpleNamespace(predicted_saving_=(0.801, 0.799, 0.803),
                           predicted_keep_=(0.144, 0.032, 0.25))
    line = _saving_line(flat)
    assert "80% to 80%" not in line
    assert line.startswith("training-time saving 80% (the same at both ends")
    wide = SimpleNamespace(predicted_saving_=(0.63, 0.59, 0.66),
                           predicted_keep_=(0.144, 0.032, 0.25))
    assert _saving_line(wide) == "training-time saving 63% (59% to 66%)"
