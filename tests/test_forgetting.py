"""FES: forgetting events (ForgettingTracker and ForgettingEventsReducer)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier

from datareduce.reducers.forgetting import ForgettingEventsReducer, ForgettingTracker


def _counts_by_hand(masks):
    """Reference: loop over rows and epochs."""
    masks = np.asarray(masks, dtype=bool)
    n_epochs, n = masks.shape
    counts = np.zeros(n, dtype=int)
    for i in range(n):
        for t in range(1, n_epochs):
            if masks[t - 1, i] and not masks[t, i]:
                counts[i] += 1
    return counts


def test_tracker_hand_case():
    # row 0 flips every epoch, row 1 always right, row 2 never learned, row 3 learned late
    masks = [[1, 1, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0], [0, 1, 0, 1], [1, 1, 0, 1]]
    tr = ForgettingTracker(4)
    for m in masks:
        tr.record(np.array(m, dtype=bool))
    assert tr.n_epochs_ == 5
    assert tr.forgetting_counts_.tolist() == [2, 0, 0, 0]
    assert tr.never_learned_.tolist() == [False, False, True, False]
    assert tr.scores().tolist() == [2.0, 0.0, 5.0, 0.0]
    # never learned first, then the flipping row, then row 3 (correct 2x) before row 1 (5x)
    assert tr.ranking(random_state=0).tolist() == [2, 0, 3, 1]
    assert tr.select(2).tolist() == [2, 0]


def test_flipping_row_has_highest_count():
    rng = np.random.default_rng(0)
    n, epochs = 30, 8
    tr = ForgettingTracker()
    for t in range(epochs):
        mask = rng.random(n) < 0.9
        mask[7] = t % 2 == 0  # correct, wrong, correct, wrong ...
        mask[8] = True
        tr.record(mask)
    assert tr.forgetting_counts_[7] == epochs // 2
    assert tr.forgetting_counts_.argmax() == 7
    assert tr.select(1)[0] == 7


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 8), st.integers(1, 12), st.integers(0, 2**31 - 1))
def test_tracker_matches_loop(n_epochs, n, seed):
    masks = np.random.default_rng(seed).random((n_epochs, n)) < 0.6
    tr = ForgettingTracker()
    for m in masks:
        tr.record(m)
    np.testing.assert_array_equal(tr.forgetting_counts_, _counts_by_hand(masks))
    assert (tr.forgetting_counts_ <= n_epochs // 2).all()
    s = tr.scores()
    # never-learned rows rank above every learned row
    if tr.never_learned_.any() and (~tr.never_learned_).any():
        assert s[tr.never_learned_].min() > s[~tr.never_learned_].max()
    order = tr.ranking(seed)
    assert sorted(order.tolist()) == list(range(n))
    assert np.all(np.diff(s[order]) <= 0)


def test_tracker_select_per_class():
    tr = ForgettingTracker()
    for m in ([1, 1, 1, 1, 1, 1], [0, 1, 1, 0, 1, 1], [1, 1, 1, 1, 1, 0]):
        tr.record(m)
    y = np.array([0, 0, 0, 1, 1, 1])
    # class 0: row 0 forgotten once; class 1: rows 3 forgotten once, 5 forgotten once
    kept = tr.select(4, y, random_state=0)
    assert np.bincount(y[kept]).tolist() == [2, 2]
    assert 0 in kept and 3 in kept and 5 in kept


def test_tracker_errors():
    tr = ForgettingTracker()
    with pytest.raises(ValueError, match="No epoch recorded"):
        tr.scores()
    tr.record([True, False])
    with pytest.raises(ValueError, match="one entry per row"):
        tr.record([True, False, True])
    with pytest.raises(ValueError, match="booleans"):
        tr.record([0.5, 1])
    with pytest.raises(ValueError, match="1-D"):
        tr.record([[True, False]])
    with pytest.raises(ValueError, match="keep"):
        tr.select(3)


def test_reducer_scores_are_tracker_scores():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + 0.8 * rng.normal(size=200) > 0).astype(int)
    r = ForgettingEventsReducer(keep=0.2, selection="reference", epochs=6, random_state=0).fit(X, y)
    assert r.tracker_.n_epochs_ == 6
    np.testing.assert_array_equal(r.forgetting_scores_, r.tracker_.scores())
    # scores_ is the keep priority: it orders rows as the forgetting scores do
    order = np.argsort(-r.scores_, kind="stable")
    assert np.all(np.diff(r.forgetting_scores_[order]) <= 0)
    assert r.train_time_ > 0 and r.train_time_ <= r.fit_time_
    # kept rows are the top of each class's ranking
    for c in (0, 1):
        cls = np.flatnonzero(y == c)
        kept = np.intersect1d(r.sample_indices_, cls)
        dropped = np.setdiff1d(cls, kept)
        assert r.scores_[kept].min() >= r.scores_[dropped].max()
    # noisy labels get forgotten: kept rows are harder than average
    assert r.scores_[r.sample_indices_].mean() > r.scores_.mean()


def test_reducer_replays_training_by_hand():
    """The reducer's counts equal a tracker fed by the same training loop."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)  # not linearly separable: many flips
    r = ForgettingEventsReducer(keep=0.3, selection="reference", estimator=Perceptron(), epochs=5, random_state=3,
                                standardize=False).fit(X, y)
    est = Perceptron(random_state=r.estimator_.random_state)
    gen = np.random.default_rng(3)
    gen.integers(0, 2**31 - 1)  # the estimator seed drawn by the reducer
    tr = ForgettingTracker()
    for _ in range(5):
        perm = gen.permutation(120)
        est.partial_fit(X[perm], y[perm], classes=[0, 1])
        tr.record(est.predict(X) == y)
    np.testing.assert_array_equal(r.forgetting_counts_, tr.forgetting_counts_)
    assert r.forgetting_counts_.sum() > 0


def test_reducer_global_and_custom_estimator():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = np.repeat([0, 1, 2], 30)
    r = ForgettingEventsReducer(keep=10, selection="reference", stratify=False, epochs=4,
                                estimator=SGDClassifier(loss="hinge"), random_state=0)
    r.fit(X, y)
    kept = r.sample_indices_
    assert len(kept) == 10
    dropped = np.setdiff1d(np.arange(90), kept)
    assert r.scores_[kept].min() >= r.scores_[dropped].max()
    assert r.sample_weight_.sum() == pytest.approx(90)


def test_single_class_no_training():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ForgettingEventsReducer(keep=5, epochs=3, random_state=0).fit(X, np.zeros(20))
    assert len(r.sample_indices_) == 5 and (r.forgetting_scores_ == 0).all()


@pytest.mark.parametrize("params, match", [
    ({"epochs": 1}, "epochs"),
    ({"epochs": 2.5}, "epochs"),
    ({"estimator": KNeighborsClassifier()}, "partial_fit"),
])
def test_parameter_errors(params, match, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        ForgettingEventsReducer(keep=0.3, **params).fit(X, y)


def test_import_datareduce_does_not_import_torch():
    code = ("import sys, datareduce; datareduce.get_reducer('vq'); datareduce.get_reducer('fes');"
            "from datareduce.reducers import flow;"
            "print('torch' in sys.modules, 'zuko' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
