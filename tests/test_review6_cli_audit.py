"""review6/r1 findings 03, 05, 06 and 08: datareduce reduce's stratification words and
rewritten warnings, and the audit's handling of the caller's reducer and of flagged class
shares."""

import warnings

import numpy as np
import pandas as pd
import pytest

from _cli_helpers import reduce_csv
from datareduce import get_reducer
from datareduce.metrics import audit_subset

_reduce = reduce_csv


@pytest.fixture
def prices():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    df["price"] = df.a * 3 + rng.normal(size=200)
    return df


def test_reduce_regression_names_no_option_the_user_did_not_give(tmp_path, capsys, prices):
    """03: random does not stratify by default; no --param was given and --bins is 10."""
    text = _reduce(tmp_path, capsys, prices, "--target", "price", "--method", "random",
                   "--keep", "0.1", "--seed", "0")
    assert "--param stratify=false" not in text
    assert "--bins 2 or more" not in text
    assert "random does not stratify by default; --param stratify=true" in text
    if "kept no row" in text:
        assert "Pass --param stratify=true to keep every bin." in text


def test_reduce_regression_words_follow_the_options_given(tmp_path, capsys, prices):
    """03: --param stratify=false given: named; --bins 1 on a stratifying method: named."""
    text = _reduce(tmp_path, capsys, prices, "--target", "price", "--method", "srs",
                   "--keep", "0.1", "--seed", "0", "--param", "stratify=false")
    assert "not stratified (--param stratify=false)" in text
    text = _reduce(tmp_path, capsys, prices, "--target", "price", "--method", "srs",
                   "--keep", "0.1", "--seed", "0", "--bins", "1")
    assert "not stratified (--bins 1)" in text
    # random with --bins 1: stratify=true alone would not stratify
    text = _reduce(tmp_path, capsys, prices, "--target", "price", "--method", "random",
                   "--keep", "0.1", "--seed", "0", "--bins", "1")
    assert "--param stratify=true and --bins 2 or more" in text
    assert "--param stratify=false" not in text


@pytest.fixture
def thirty_classes():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600),
                         "cls": [f"c{i % 30}" for i in range(600)]})


def test_reduce_des_advice_in_cli_words_and_possible(tmp_path, capsys, thirty_classes):
    """06: 20 kept rows for 30 classes: no Python name (base_fraction), and no advice that
    cannot keep every class (stratify=true alone, or a larger base); 40 rows: stratify=true."""
    text = _reduce(tmp_path, capsys, thirty_classes, "--target", "cls", "--method", "des",
                   "--keep", "20")
    assert "the base of 20 rows misses classes" in text
    assert "base_fraction" not in text
    assert "kept no row of 10 of 30 classes" in text
    assert "to keep every class" not in text
    assert "The 20 kept rows cannot hold one row of each of the 30 classes: pass --keep 30 " \
           "or more, with --param stratify=true." in text
    assert "Pass --keep 30 or more" in text
    # with 40 kept rows for 30 classes, --param stratify=true is the advice, and it works
    text = _reduce(tmp_path, capsys, thirty_classes, "--target", "cls", "--method", "random",
                   "--keep", "40", "--seed", "0")
    assert "kept no row" in text
    assert "Pass --param stratify=true to keep every class." in text
    text = _reduce(tmp_path, capsys, thirty_classes, "--target", "cls", "--method", "random",
                   "--keep", "40", "--seed", "0", "--param", "stratify=true")
    assert "kept no row" not in text
    kept = pd.read_csv(tmp_path / "o.csv")
    assert kept["cls"].nunique() == 30


def test_reduce_regression_too_few_rows_for_the_bins(tmp_path, capsys, prices):
    """06, corrected by review7/b 01: 5 kept rows with --bins 10: the reducer bins the
    target into min(--bins, kept) = 5 bins, so --param stratify=true alone keeps every bin
    (this test used to pin the advice of a larger --keep or fewer --bins, wrong here)."""
    text = _reduce(tmp_path, capsys, prices, "--target", "price", "--method", "random",
                   "--keep", "5", "--seed", "1")
    assert "kept no row" in text and "of 5 target bins" in text
    assert "Pass --param stratify=true to keep every bin." in text
    assert "cannot hold" not in text and "--bins" not in text


def test_audit_leaves_the_callers_reducer_parameters_alone():
    """05: the audit fits an unfitted reducer with its own strata parameters, then gives
    the caller's back; the object is fitted (as documented)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y_reg = X[:, 0] + rng.normal(size=400)
    for n_bins, fitted_edges in ((1, 2), (5, 6)):
        red = get_reducer("srs", keep=0.05, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            audit_subset(X, red, y_reg, task="regression", n_bins=n_bins, n_draws=3,
                         metrics=("mmd",))
        assert red.get_params()["stratify"] is True
        assert hasattr(red, "sample_indices_")  # fitted here, with the audit's bins
        if n_bins > 1:
            assert len(red.strata_edges_) == fitted_edges
    # reused on class labels: stratified again, every class kept
    y_cls = np.array([f"c{i % 8}" for i in range(400)])
    red = get_reducer("srs", keep=0.02, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        audit_subset(X, red, y_reg, n_bins=1, n_draws=3, metrics=("mmd",))
        red.fit(X, y_cls)
    assert len(np.unique(y_cls[red.sample_indices_])) == 8


def test_audit_restores_parameters_when_the_fit_fails():
    """05: a fit that raises leaves the caller's parameters too."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y_reg = X[:, 0] + rng.normal(size=400)
    red = get_reducer("srs", keep=0.05, random_state=0)

    def boom(*a, **k):
        raise RuntimeError("boom")

    red.fit = boom
    with pytest.raises(RuntimeError, match="boom"):
        audit_subset(X, red, y_reg, task="regression", n_bins=1, n_draws=3)
    assert red.get_params()["stratify"] is True


def test_metric_never_green_next_to_flagged_shares_with_uniform_draws_only():
    """08: draws=("random",): a red class-shares line and no green metric verdict."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = np.array(["a", "b", "c"])[rng.integers(0, 3, 300)]
    idx = np.r_[np.flatnonzero(y == "a")[:40], np.flatnonzero(y == "b")[:5],
                np.flatnonzero(y == "c")[:5]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = audit_subset(X, idx, y, n_draws=10, draws=("random",))
    v = a.verdicts()
    assert any(t.startswith("class shares") and p is not None and p < 5 for t, p in v)
    assert not [t for t, p in v if p is not None and p >= 50], v
    mmd = next(t for t, _ in v if t.startswith("mmd"))
    assert "but its class shares differ" in mmd


def test_rewarn_puts_the_librarys_short_rows_advice_in_cli_words():
    """06: the library's advice for too few kept rows (in Python words: keep=, stratify=True)
    and its older "Pass stratify=True" are both given in the CLI's words."""
    from argparse import Namespace

    from datareduce.cli.reduce import _rewarn

    args = Namespace(bins=10)
    head = "SRS kept no row of 10 of 30 classes [...]: a model ... them. "
    for advice in ("Pass stratify=True to keep every class.",
                   "The 20 kept rows cannot hold one row of each of the 30 classes: pass "
                   "keep=30 or more, with stratify=True."):
        w = warnings.WarningMessage(UserWarning(head + advice), UserWarning, "f.py", 1)
        with warnings.catch_warnings(record=True) as out:
            warnings.simplefilter("always")
            _rewarn(args, [w], "classification", 20, 30)
        (text,) = [str(o.message) for o in out]
        assert "stratify=True" not in text and "keep=" not in text
        assert text.endswith("The 20 kept rows cannot hold one row of each of the 30 classes: "
                             "pass --keep 30 or more, with --param stratify=true.")
