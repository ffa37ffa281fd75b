"""Dynamic pruning policies (numpy only) and fit_dynamic for scikit-learn estimators."""

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datareduce.dynamic import DynamicPruner, fit_dynamic

FIXED_SIZE = ("uniform", "epsilon_greedy", "ucb")


def _seen(pruner, losses):
    pruner.update(np.arange(len(losses)), losses)
    return pruner


# ---------------------------------------------------------------- subset sizes
@pytest.mark.parametrize("policy", FIXED_SIZE)
@pytest.mark.parametrize("keep, expected", [(0.3, 30), (0.5, 50), (0.255, 26), (7, 7), (1.0, 100)])
def test_exact_subset_sizes(policy, keep, expected):
    rng = np.random.default_rng(0)
    p = DynamicPruner(100, keep=keep, policy=policy, random_state=0)
    for epoch in range(6):
        idx = p.indices(epoch)
        assert idx.size == expected
        assert np.unique(idx).size == idx.size
        assert np.all(np.diff(idx) > 0)
        assert idx.min() >= 0 and idx.max() < 100
        assert p.epoch_size(epoch) == expected
        p.update(idx, rng.random(idx.size))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 300),
    frac=st.floats(0.01, 1.0),
    policy=st.sampled_from(FIXED_SIZE),
    eps=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_sizes_property(n, frac, policy, eps, seed):
    p = DynamicPruner(n, keep=frac, policy=policy, eps=eps, random_state=seed)
    k = int(min(n, max(1, math.floor(frac * n + 0.5))))
    rng = np.random.default_rng(seed)
    for epoch in range(3):
        idx = p.indices(epoch)
        assert idx.size == k and np.unique(idx).size == k
        w = p.weights(np.arange(n))
        assert np.array_equal(np.flatnonzero(w), idx) and np.all(w[idx] == 1.0)
        p.update(idx, rng.exponential(size=k))


# ---------------------------------------------------------------- epsilon-greedy / UCB
def test_eps_zero_is_pure_top_k():
    rng = np.random.default_rng(3)
    losses = rng.permutation(50).astype(float)  # distinct
    for seed in range(5):
        p = _seen(DynamicPruner(50, keep=0.2, policy="epsilon_greedy", eps=0.0,
                                random_state=seed), losses)
        assert set(p.indices(0)) == set(np.argsort(-losses)[:10])


def test_eps_greedy_mixes_top_and_random():
    losses = np.arange(100.0)
    p = _seen(DynamicPruner(100, keep=20, policy="epsilon_greedy", eps=0.25, random_state=0),
              losses)
    seen_random = set()
    for epoch in range(30):
        idx = p.indices(epoch)
        assert set(range(85, 100)) <= set(idx)  # 20 - round(0.25 * 20) = 15 greedy rows
        rest = set(idx) - set(range(85, 100))
        assert len(rest) == 5 and max(rest) < 85
        seen_random |= rest
    assert len(seen_random) > 40  # the 5 exploration rows change from epoch to epoch


def test_eps_one_is_uniform_over_rows():
    p = _seen(DynamicPruner(40, keep=10, policy="epsilon_greedy", eps=1.0, random_state=0),
              np.arange(40.0))
    counts = np.zeros(40)
    for epoch in range(400):
        counts[p.indices(epoch)] += 1
    # each row is used with probability 1/4: 100 expected, sd ~8.7
    assert counts.min() > 60 and counts.max() < 140


def test_unseen_rows_are_picked_first():
    p = DynamicPruner(20, keep=5, policy="epsilon_greedy", eps=0.0, random_state=0)
    p.update(np.arange(10), np.full(10, 1e6))
    assert set(p.indices(0)) <= set(range(10, 20))
    # with an explicit low initial score, the seen high-loss rows win instead
    q = DynamicPruner(20, keep=5, policy="epsilon_greedy", eps=0.0, initial_score=0.0,
                      random_state=0)
    q.update(np.arange(10), np.full(10, 1e6))
    assert set(q.indices(0)) <= set(range(10))


def test_first_epochs_cycle_through_unseen_rows():
    p = DynamicPruner(30, keep=10, policy="ucb", random_state=0)
    used = []
    for epoch in range(3):
        idx = p.indices(epoch)
        used.extend(idx.tolist())
        p.update(idx, np.ones(idx.size))
    assert sorted(used) == list(range(30))


def test_ema_and_variance_hand_computed():
    a = 0.3
    p = DynamicPruner(2, policy="ucb", ema=a)
    seq = [2.0, 5.0, 1.0, 4.0]
    m, v = None, 0.0
    for x in seq:
        p.update([1], [x])
        if m is None:
            m = x
        else:
            d = x - m
            m, v = m + a * d, (1 - a) * (v + a * d * d)
    assert p.scores_[1] == pytest.approx(m) and p.variances_[1] == pytest.approx(v)
    assert np.isnan(p.scores_[0]) and p.n_seen_.tolist() == [0, 4]
    # ema=1: the score is the latest loss (InfoBatch's rule), variance 0
    q = DynamicPruner(1, policy="infobatch", ema=1.0, delta=1.0)
    for x in seq:
        q.update([0], [x])
    assert q.scores_[0] == 4.0 and q.variances_[0] == 0.0


@settings(max_examples=40, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.tuples(st.integers(0, 7), st.floats(0.0, 10.0)), min_size=1, max_size=12),
        min_size=1, max_size=6,
    ),
    a=st.floats(0.05, 1.0),
)
def test_ema_matches_scalar_reference(batches, a):
    p = DynamicPruner(8, policy="ucb", ema=a)
    ref = {}
    for batch in batches:
        last = {}
        for i, x in batch:  # within a batch the last loss of a row counts
            last[i] = x
        for i, x in last.items():
            if i not in ref:
                ref[i] = (x, 0.0, 1)
            else:
                m, v, k = ref[i]
                d = x - m
                ref[i] = (m + a * d, (1 - a) * (v + a * d * d), k + 1)
        p.update([i for i, _ in batch], [x for _, x in batch])
    for i in range(8):
        if i in ref:
            m, v, k = ref[i]
            assert p.scores_[i] == pytest.approx(m, abs=1e-9)
            assert p.variances_[i] == pytest.approx(v, abs=1e-9)
            assert p.n_seen_[i] == k
        else:
            assert np.isnan(p.scores_[i]) and p.n_seen_[i] == 0


def test_ema_weights_converge_to_constant_loss():
    p = DynamicPruner(1, policy="ucb", ema=0.5)
    p.update([0], [10.0])
    for _ in range(60):
        p.update([0], [1.0])
    assert p.scores_[0] == pytest.approx(1.0) and p.variances_[0] == pytest.approx(0.0, abs=1e-12)


def test_ucb_top_k_of_mean_plus_c_std():
    p = DynamicPruner(4, keep=2, policy="ucb", ema=0.5, c=2.0, random_state=0)
    # row 0: steady 3; row 1: 1 then 4 (mean 2.5, var 2.25 -> std 1.5); row 2: steady 2.9;
    # row 3: 0 then 4 (mean 2, var 4 -> std 2)
    p.update([0, 1, 2, 3], [3.0, 1.0, 2.9, 0.0])
    p.update([0, 1, 2, 3], [3.0, 4.0, 2.9, 4.0])
    assert p.scores_.tolist() == [3.0, 2.5, 2.9, 2.0]
    assert p.variances_.tolist() == [0.0, 2.25, 0.0, 4.0]
    assert p.indices(0).tolist() == [1, 3]  # 2.5 + 3 and 2 + 4 beat 3 and 2.9
    q = DynamicPruner(4, keep=2, policy="ucb", ema=0.5, c=0.0, random_state=0)
    q.update([0, 1, 2, 3], [3.0, 1.0, 2.9, 0.0])
    q.update([0, 1, 2, 3], [3.0, 4.0, 2.9, 4.0])
    assert q.indices(0).tolist() == [0, 2]  # c=0: top-2 by mean


# ---------------------------------------------------------------- InfoBatch
def test_infobatch_hand_example():
    losses = np.array([0.1, 0.2, 0.3, 0.4, 5.0, 6.0])  # mean 2.0 -> rows 0-3 well learned
    p = _seen(DynamicPruner(6, policy="infobatch", r=0.5, n_epochs=10, random_state=0), losses)
    idx = p.indices(0)
    assert {4, 5} <= set(idx) and len(idx) == 4
    w = p.weights(np.arange(6))
    assert w[4] == w[5] == 1.0
    easy = w[:4]
    assert sorted(easy.tolist()) == [0.0, 0.0, 2.0, 2.0]  # 1 / (1 - r)
    assert np.array_equal(np.flatnonzero(w), idx)


def test_infobatch_weight_when_fraction_not_whole():
    # 5 well-learned rows, r=0.5: round(2.5) = 3 kept with weight 5/3 (unbiased)
    losses = np.array([0.0] * 5 + [10.0] * 5)
    p = _seen(DynamicPruner(10, policy="infobatch", r=0.5, delta=1.0, random_state=0), losses)
    p.indices(0)
    w = p.weights(np.arange(10))
    assert np.count_nonzero(w[:5]) == 3
    assert np.allclose(w[:5][w[:5] > 0], 5 / 3)
    assert w[:5].sum() == pytest.approx(5.0)


def test_infobatch_expected_weighted_loss_equals_full_loss():
    rng = np.random.default_rng(0)
    losses = rng.gamma(0.7, 1.0, size=40)
    full = losses.sum()
    n_draws = 4000
    totals = np.empty(n_draws)
    mean_w = np.zeros(40)
    for seed in range(n_draws):
        p = _seen(DynamicPruner(40, policy="infobatch", r=0.7, delta=1.0, random_state=seed), losses)
        p.indices(0)
        w = p.weights(np.arange(40))
        totals[seed] = (w * losses).sum()
        mean_w += w / n_draws
        assert w.sum() == pytest.approx(40.0)  # exact in every draw
    # E[w_i] = 1 for every row, so E[sum w l] = sum l; Monte-Carlo error is ~0.3% here
    se = totals.std(ddof=1) / np.sqrt(n_draws)
    assert abs(totals.mean() - full) < 4 * se
    assert abs(totals.mean() - full) / full < 0.01
    assert np.all(np.abs(mean_w - 1.0) < 0.1)


@settings(max_examples=50, deadline=None)
@given(
    losses=st.lists(st.floats(0.0, 50.0), min_size=1, max_size=80),
    r=st.floats(0.0, 0.95),
    seed=st.integers(0, 1000),
)
def test_infobatch_weights_property(losses, r, seed):
    losses = np.asarray(losses)
    n = losses.size
    p = _seen(DynamicPruner(n, policy="infobatch", r=r, delta=1.0, random_state=seed), losses)
    idx = p.indices(0)
    w = p.weights(np.arange(n))
    well = losses < losses.mean()
    assert w.sum() == pytest.approx(n)  # Horvitz-Thompson weights add up to n
    assert np.all(w[~well] == 1.0)  # rows at or above the mean are always kept, weight 1
    assert np.array_equal(np.flatnonzero(w), idx)
    if well.any():
        kept = np.count_nonzero(w[well])
        assert kept == max(1, math.floor((1 - r) * well.sum() + 0.5))


def test_infobatch_first_epoch_uses_all_unseen_rows():
    p = DynamicPruner(12, policy="infobatch", n_epochs=4, random_state=0)
    assert p.indices(0).tolist() == list(range(12))
    assert np.all(p.weights(np.arange(12)) == 1.0)


def test_infobatch_unseen_rows_never_well_learned():
    p = DynamicPruner(10, policy="infobatch", r=0.9, n_epochs=5, random_state=0)
    p.update(np.arange(5), [0.0, 0.0, 0.0, 1.0, 1.0])
    idx = p.indices(0)
    assert set(range(5, 10)) <= set(idx)
    assert np.all(p.weights(np.arange(5, 10)) == 1.0)


@pytest.mark.parametrize("n_epochs, stop", [(8, 7), (16, 14), (200, 175), (10, 9)])
def test_infobatch_annealing_default_delta(n_epochs, stop):
    losses = np.linspace(0, 1, 50)
    p = DynamicPruner(50, policy="infobatch", n_epochs=n_epochs, random_state=0)
    assert p.stop_epoch_ == stop and p.delta == 0.875 and p.r == 0.5
    _seen(p, losses)
    assert p.indices(stop - 1).size < 50  # still pruning
    for epoch in range(stop, n_epochs):
        assert p.indices(epoch).tolist() == list(range(50))
        assert np.all(p.weights(np.arange(50)) == 1.0)


@pytest.mark.parametrize("policy", FIXED_SIZE)
def test_warmup_and_annealing_for_all_policies(policy):
    p = DynamicPruner(20, keep=0.25, policy=policy, n_epochs=10, start_epoch=2, delta=0.8,
                      random_state=0)
    sizes = [p.indices(e).size for e in range(10)]
    assert sizes == [20, 20, 5, 5, 5, 5, 5, 5, 20, 20]
    assert p.total_steps(4) == 4 * 5 + 6 * 2
    assert p.total_steps(4, drop_last=True) == 4 * 5 + 6 * 1


# ---------------------------------------------------------------- planning, repeatability
@pytest.mark.parametrize("policy", ("uniform", "epsilon_greedy", "ucb", "infobatch"))
def test_seeded_repeatability(policy):
    def run(seed):
        p = DynamicPruner(60, keep=0.4, policy=policy, n_epochs=6, random_state=seed)
        out = []
        for epoch in range(6):
            idx = p.indices(epoch)
            out.append((idx.tolist(), p.weights(idx).tolist()))
            p.update(idx, np.sin(idx * (epoch + 1.0)) ** 2)
        return out

    assert run(5) == run(5)
    if policy != "ucb":  # ucb is deterministic once every row has been seen
        assert run(5) != run(6)


def test_plan_fixed_within_epoch():
    p = DynamicPruner(30, keep=10, policy="epsilon_greedy", eps=0.0, random_state=0)
    first = p.indices(0)
    p.update(np.arange(30), np.arange(30.0))
    assert np.array_equal(p.indices(0), first)
    assert set(p.indices(1)) == set(range(20, 30))  # the next epoch sees the new scores


def test_generator_random_state():
    a = DynamicPruner(30, random_state=np.random.default_rng(1)).indices(0)
    b = DynamicPruner(30, random_state=np.random.default_rng(1)).indices(0)
    assert np.array_equal(a, b)


def test_steps_and_infobatch_epoch_size():
    p = DynamicPruner(1000, keep=0.3, n_epochs=5)
    assert p.steps_per_epoch(64, 0) == math.ceil(300 / 64)
    assert p.steps_per_epoch(64, 0, drop_last=True) == 300 // 64
    assert p.total_steps(100) == 15
    ib = DynamicPruner(10, policy="infobatch", n_epochs=8, random_state=0)
    assert ib.epoch_size(7) == 10  # annealed epochs are known
    with pytest.raises(ValueError, match="depends on the losses"):
        ib.epoch_size(1)
    with pytest.raises(ValueError, match="depends on the losses"):
        ib.total_steps(2)
    ib.update(np.arange(10), np.arange(10.0))
    n1 = ib.indices(1).size
    assert ib.epoch_size(1) == n1 and ib.steps_per_epoch(2, 1) == math.ceil(n1 / 2)


def test_update_duplicates_last_wins_and_torchless_inputs():
    p = DynamicPruner(3, policy="infobatch", n_epochs=2)
    p.update(np.array([0, 1, 0]), [5.0, 1.0, 2.0])
    assert p.scores_[0] == 2.0 and p.n_seen_[0] == 1
    p.update([], [])  # empty batch is a no-op
    p.update(np.array([2.0]), np.array([[3.0]]))  # float indices that are whole, (1,1) loss
    assert p.scores_[2] == 3.0


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"n_samples": 2.5}, TypeError, "n_samples"),
        ({"policy": "greedy"}, ValueError, "policy"),
        ({"keep": 1.5}, ValueError, "keep"),
        ({"keep": 0}, ValueError, "keep"),
        ({"keep": 11}, ValueError, "keep"),
        ({"ema": 0.0}, ValueError, "ema"),
        ({"ema": 1.2}, ValueError, "ema"),
        ({"eps": -0.1}, ValueError, "eps"),
        ({"c": -1.0}, ValueError, "c="),
        ({"c": float("nan")}, ValueError, "c="),
        ({"r": 1.0}, ValueError, "r="),
        ({"delta": 0.0}, ValueError, "delta"),
        ({"policy": "infobatch"}, ValueError, "n_epochs"),
        ({"delta": 0.5}, ValueError, "n_epochs"),
        ({"start_epoch": 3, "stop_epoch": 3}, ValueError, "stop_epoch"),
        ({"stop_epoch": 12, "n_epochs": 10}, ValueError, "stop_epoch"),
        ({"n_epochs": 0}, ValueError, "n_epochs"),
        ({"initial_score": float("inf")}, ValueError, "initial_score"),
        ({"random_state": "seed"}, TypeError, "random_state"),
        ({"random_state": -1}, ValueError, "random_state"),
    ],
)
def test_bad_parameters(kwargs, exc, match):
    args = {"n_samples": 10, **kwargs}
    with pytest.raises(exc, match=match):
        DynamicPruner(**args)


def test_bad_calls():
    p = DynamicPruner(10, n_epochs=3)
    with pytest.raises(ValueError, match="n_epochs"):
        p.indices(3)
    with pytest.raises(ValueError, match="epoch"):
        p.indices(-1)
    with pytest.raises(ValueError, match="one unreduced loss per row"):
        p.update([0, 1], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        p.update([0], [float("nan")])
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        p.update([10], [1.0])
    with pytest.raises(TypeError, match="integer"):
        p.weights([0.5])
    with pytest.raises(ValueError, match="n_epochs"):
        DynamicPruner(10).total_steps(4)


# ---------------------------------------------------------------- scikit-learn driver
class _Spy:
    """partial_fit estimator recording its calls; predicts uniform probabilities."""

    _estimator_type = "classifier"

    def __init__(self, with_weight=True):
        self.calls = []
        if not with_weight:
            self.partial_fit = self._partial_fit_no_weight

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags())

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        self.classes_ = np.asarray(classes)
        self.calls.append((len(X), None if sample_weight is None else np.array(sample_weight)))
        return self

    def _partial_fit_no_weight(self, X, y, classes=None):
        self.classes_ = np.asarray(classes)
        self.calls.append((len(X), None))
        return self

    def predict_proba(self, X):
        return np.full((len(X), self.classes_.size), 1.0 / self.classes_.size)


def test_fit_dynamic_passes_weights_and_reports_losses():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.repeat([0, 1], 20)
    pruner = DynamicPruner(40, keep=0.5, policy="infobatch", n_epochs=4, random_state=0)
    spy = fit_dynamic(_Spy(), X, y, epochs=4, pruner=pruner, batch_size=8, random_state=0)
    assert sum(n for n, _ in spy.calls) == sum(pruner.epoch_sizes_.values())
    assert all(w is not None for _, w in spy.calls)
    # uniform probabilities: every log loss is log(2)
    assert np.allclose(pruner.scores_, np.log(2)) and np.all(pruner.n_seen_ >= 1)


def test_fit_dynamic_warns_without_sample_weight():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.repeat([0, 1], 20)
    pruner = DynamicPruner(40, policy="infobatch", n_epochs=4, random_state=0)
    pruner.update(np.arange(40), np.r_[np.zeros(20), np.ones(20)])
    with pytest.warns(UserWarning, match="sample_weight"):
        fit_dynamic(_Spy(with_weight=False), X, y, epochs=4, pruner=pruner)


def test_fit_dynamic_sgd_digits_learns_with_fewer_sample_steps():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, ytr, Xte, yte = X[:1200], y[:1200], X[1200:], y[1200:]
    pruner = DynamicPruner(len(Xtr), keep=0.5, policy="epsilon_greedy", n_epochs=10,
                           random_state=0)
    clf = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), Xtr, ytr, epochs=10,
                      pruner=pruner, random_state=0)
    assert clf.score(Xte, yte) > 0.85
    assert sum(pruner.epoch_sizes_.values()) == 10 * 600


def test_fit_dynamic_regressor_and_default_pruner():
    from sklearn.linear_model import SGDRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    reg = fit_dynamic(SGDRegressor(random_state=0), X, y, epochs=15, random_state=0)
    assert reg.score(X, y) > 0.95


def test_fit_dynamic_errors():
    from sklearn.linear_model import LogisticRegression, Perceptron

    X = np.zeros((10, 2))
    y = np.r_[np.zeros(5), np.ones(5)]
    with pytest.raises(TypeError, match="partial_fit"):
        fit_dynamic(LogisticRegression(), X, y)
    with pytest.raises(ValueError, match="made for 20 rows"):
        fit_dynamic(Perceptron(), X, y, pruner=DynamicPruner(20))
    with pytest.raises(ValueError, match="n_epochs"):
        fit_dynamic(Perceptron(), X, y, epochs=5, pruner=DynamicPruner(10, n_epochs=3))
    with pytest.raises(ValueError, match="predict_proba"):
        fit_dynamic(Perceptron(), X, y, pruner=DynamicPruner(10, policy="ucb"))
    with pytest.raises(ValueError, match="epochs"):
        fit_dynamic(Perceptron(), X, y, epochs=0)
    # uniform needs no loss: a Perceptron (no predict_proba) trains fine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_dynamic(Perceptron(), np.r_[X, X + 1], np.r_[y, y], epochs=2, random_state=0)


def test_fit_dynamic_custom_loss():
    from sklearn.linear_model import Perceptron

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    pruner = DynamicPruner(60, keep=0.5, policy="ucb", random_state=0)

    def hinge(est, Xb, yb):
        margin = est.decision_function(Xb) * np.where(yb == 1, 1.0, -1.0)
        return np.maximum(0.0, 1.0 - margin)

    fit_dynamic(Perceptron(random_state=0), X, y, epochs=4, pruner=pruner, loss=hinge)
    assert pruner.n_seen_.sum() == 4 * 30


def test_import_without_torch():
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('torch blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import datareduce.dynamic as d\n"
        "p = d.DynamicPruner(5, random_state=0); p.indices(0)\n"
        "assert 'torch' not in sys.modules\n"
        "try:\n    d.PrunedSampler\nexcept ImportError:\n    print('lazy-ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "lazy-ok" in out.stdout


# ---------------------------------------------------------------- RS2 (Okanovic et al. 2024)
@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 60),
    frac=st.floats(0.01, 1.0),
    start=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_rs2_covers_every_row_once_per_round(n, frac, start, seed):
    p = DynamicPruner(n, keep=frac, policy="rs2", start_epoch=start, random_state=seed)
    k = p.n_keep
    length = math.ceil(n / k)
    for e in range(start):
        assert p.indices(e).size == n  # warm-up: every row
    rounds = []
    for r in range(3):
        seen = []
        for j, e in enumerate(range(start + r * length, start + (r + 1) * length)):
            idx = p.indices(e)
            assert idx.size == p.epoch_size(e) == k  # the budget of every epoch
            assert np.unique(idx).size == idx.size
            np.testing.assert_array_equal(p.weights(idx), 1.0)
            if j < length - 1 and seen:  # without replacement until the round's last epoch
                assert not np.isin(idx, np.concatenate(seen)).any()
            seen.append(idx)
        counts = np.bincount(np.concatenate(seen), minlength=n)
        # every row once per round of ceil(n / K) epochs; the last epoch's top-up rows twice
        assert counts.min() == 1 and counts.max() <= 2
        assert int((counts == 2).sum()) == length * k - n
        rounds.append([tuple(i) for i in seen])
    if n >= 8 and length >= 2:
        assert rounds[0] != rounds[1] or rounds[1] != rounds[2]  # fresh permutation per round


def test_rs2_hand_example_and_independence_from_losses():
    p = DynamicPruner(10, keep=3, policy="rs2", random_state=0)
    rnd = [p.indices(e) for e in range(4)]  # R = ceil(10 / 3) = 4 epochs of 3 rows
    assert [len(i) for i in rnd] == [3, 3, 3, 3]
    first = np.concatenate(rnd[:3])
    assert np.unique(first).size == 9  # 9 distinct rows, then the 10th plus 2 repeats
    assert np.setdiff1d(rnd[3], first).size == 1
    assert sorted(set(np.concatenate(rnd).tolist())) == list(range(10))
    q = DynamicPruner(10, keep=3, policy="rs2", random_state=0)
    q.update(np.arange(10), np.arange(10.0))  # losses do not change RS2's draws
    for e in range(8):
        np.testing.assert_array_equal(p.indices(e), q.indices(e))


def test_rs2_differs_from_uniform_with_replacement_across_epochs():
    # uniform draws each epoch independently, so some row repeats within a "round"
    u = DynamicPruner(40, keep=0.25, policy="uniform", random_state=1)
    rows = np.concatenate([u.indices(e) for e in range(4)])
    assert np.unique(rows).size < 40
    r = DynamicPruner(40, keep=0.25, policy="rs2", random_state=1)
    rows = np.concatenate([r.indices(e) for e in range(4)])
    assert np.unique(rows).size == 40


# ---------------------------------------------------------------- class-aware budgets
def _counts(idx, y):
    return np.bincount(y[idx], minlength=y.max() + 1)


@pytest.mark.parametrize("policy", ["uniform", "rs2", "epsilon_greedy", "ucb"])
def test_class_budgets_keep_each_class_share(policy):
    y = np.repeat([0, 1, 2], [70, 25, 5])
    rng = np.random.default_rng(0)
    p = DynamicPruner(100, keep=0.2, policy=policy, groups=y, random_state=0)
    np.testing.assert_array_equal(p.group_shares_, [14, 5, 1])
    for e in range(8):
        idx = p.indices(e)
        np.testing.assert_array_equal(_counts(idx, y), [14, 5, 1])
        np.testing.assert_array_equal(p.epoch_budgets(e), [14, 5, 1])
        p.update(idx, rng.random(idx.size))


def test_class_budgets_rescue_a_rare_low_loss_class():
    # the rare class has the lowest losses: a global top-K by loss never picks it
    y = np.array([0] * 18 + [1] * 2)
    losses = np.r_[np.linspace(1, 2, 18), 0.01, 0.02]
    plain = _seen(DynamicPruner(20, keep=0.25, policy="ucb", random_state=0), losses)
    assert _counts(plain.indices(0), y)[1] == 0
    aware = _seen(DynamicPruner(20, keep=0.25, policy="ucb", groups=y, random_state=0), losses)
    idx = aware.indices(0)
    assert _counts(idx, y).tolist() == [4, 1]
    # within each class the rule is unchanged: class 0's top-4 losses and class 1's top-1
    np.testing.assert_array_equal(idx, [14, 15, 16, 17, 19])


def test_class_budgets_with_string_categories_and_rs2_per_group_rounds():
    cats = np.array(["cat"] * 6 + ["dog"] * 3 + ["empty"])
    p = DynamicPruner(10, keep=0.5, policy="rs2", groups=cats, random_state=0)
    assert p.groups_.tolist() == ["cat", "dog", "empty"]
    # K = 5 >= 3 groups: "empty" gets its one row, cat and dog share 4 rows as 6 : 3
    np.testing.assert_allclose(p.group_shares_, [8 / 3, 4 / 3, 1])
    budgets = np.array([p.epoch_budgets(e) for e in range(6)])
    assert (budgets.sum(axis=1) == 5).all() and (budgets[:, 2] == 1).all()
    assert set(budgets[:, 0]) == {2, 3} and budgets[:3, 0].sum() == 8
    # each group goes through its own permutation: no row twice before all were used
    for members in (np.arange(6), np.arange(6, 9)):
        stream = np.concatenate([np.intersect1d(p.indices(e), members) for e in range(6)])
        np.testing.assert_array_equal(np.sort(stream[: members.size]), members)
    assert all(9 in p.indices(e) for e in range(6))


def test_infobatch_threshold_per_group_hand_example():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    losses = np.array([1.0, 1.0, 3.0, 3.0, 10.0, 10.0, 30.0, 30.0])
    # one group: mean 11, so all of class 0 and the 10s are well learned (6 rows)
    g = _seen(DynamicPruner(8, policy="infobatch", r=0.5, n_epochs=8, random_state=0), losses)
    idx = g.indices(0)
    assert idx.size == 2 + 3 and set(idx) >= {6, 7}
    # per group: means 2 and 20, so rows 0, 1 and 4, 5 are well learned
    p = DynamicPruner(8, policy="infobatch", r=0.5, n_epochs=8, groups=y, random_state=0)
    idx = _seen(p, losses).indices(0)
    assert set(idx) >= {2, 3, 6, 7} and idx.size == 6
    assert len(set(idx) & {0, 1}) == 1 and len(set(idx) & {4, 5}) == 1
    w = p.weights(np.arange(8))
    # Horvitz-Thompson within every group: weights sum to the group's size
    assert w[y == 0].sum() == 4 and w[y == 1].sum() == 4
    assert sorted(w[[0, 1]]) == [0.0, 2.0]


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    frac=st.floats(0.05, 1.0),
    policy=st.sampled_from(["uniform", "rs2", "epsilon_greedy", "ucb"]),
    seed=st.integers(0, 1000),
)
def test_class_budgets_property(sizes, frac, policy, seed):
    y = np.repeat(np.arange(len(sizes)), sizes)
    n = y.size
    p = DynamicPruner(n, keep=frac, policy=policy, groups=y, random_state=seed)
    shares = p.group_shares_
    assert np.isclose(shares.sum(), p.n_keep) and (shares <= sizes).all()
    if p.n_keep >= len(sizes):
        assert (shares >= 1).all()
    rng = np.random.default_rng(seed)
    total = np.zeros(len(sizes))
    x_total, x_share = np.zeros(len(sizes)), np.zeros(len(sizes))
    for e in range(6):
        idx = p.indices(e)
        c = _counts(idx, y) if idx.size else np.zeros(len(sizes), int)
        c = np.pad(c, (0, len(sizes) - c.size))
        assert np.unique(idx).size == idx.size == p.epoch_size(e)
        budgets = p.epoch_budgets(e)
        np.testing.assert_array_equal(c, budgets)
        assert budgets.sum() == p.n_keep
        assert (budgets >= np.floor(shares)).all() and (budgets <= np.ceil(shares)).all()
        total += budgets
        # the leftover rows rotate: every group is within about one row of its share so far
        assert (np.abs(total - (e + 1) * shares) < 1.5).all()
        if policy == "epsilon_greedy":  # round(eps * K) exploratory rows, allotted by turns
            x = p._budgets(e)[3]
            assert x.sum() == math.floor(0.1 * p.n_keep + 0.5) and (x <= budgets).all()
            x_total += x
            x_share += budgets * x.sum() / p.n_keep
            assert (np.abs(x_total - x_share) < 1.5).all()
        p.update(idx, rng.random(idx.size))


def test_groups_validation_and_state_roundtrip():
    with pytest.raises(ValueError, match="one group label"):
        DynamicPruner(5, groups=[0, 1])
    with pytest.raises(TypeError, match="sortable"):
        DynamicPruner(3, groups=np.array([1, "a", 2.5], dtype=object))
    a = DynamicPruner(20, keep=0.3, policy="epsilon_greedy", groups=np.arange(20) % 3,
                      random_state=5)
    a.update(np.arange(20), np.linspace(0, 1, 20))
    state = a.state_dict()
    b = DynamicPruner(20, keep=0.3, policy="epsilon_greedy", groups=np.arange(20) % 3,
                      random_state=5)
    b.load_state_dict(state)
    for e in range(3):
        np.testing.assert_array_equal(a.indices(e), b.indices(e))
    with pytest.raises(ValueError, match="training set changed"):
        DynamicPruner(21).load_state_dict(state)
    with pytest.raises(ValueError, match="policy"):
        DynamicPruner(20, policy="ucb").load_state_dict(state)


def test_fit_dynamic_rs2_stratified_by_name():
    from sklearn.linear_model import SGDClassifier

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [90, 10])
    X = rng.normal(size=(100, 3)) + y[:, None] * 3.0
    seen = []

    class Spy(SGDClassifier):
        def partial_fit(self, X, y, classes=None, sample_weight=None):
            seen.append(np.asarray(y).copy())
            return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    fit_dynamic(Spy(loss="log_loss", random_state=0), X, y, epochs=4, pruner="rs2",
                keep=0.2, stratify=True, random_state=0)
    assert [np.bincount(s, minlength=2).tolist() for s in seen] == [[18, 2]] * 4
    with pytest.raises(ValueError, match="groups=y"):
        fit_dynamic(SGDClassifier(), X, y, pruner=DynamicPruner(100), stratify=True)
    with pytest.raises(ValueError, match="unknown"):
        fit_dynamic(SGDClassifier(), X, y, pruner="nope")


@pytest.mark.parametrize("policy", ["uniform", "rs2", "epsilon_greedy", "ucb"])
def test_more_groups_than_budget_every_group_takes_its_turn(policy):
    # 100 classes of 6 rows, K = 60 rows per epoch: each class has 0.6 rows per epoch; the
    # leftover rows used to go to the same 60 classes every epoch (40 never seen)
    y = np.repeat(np.arange(100), 6)
    p = DynamicPruner(600, keep=0.1, policy=policy, groups=y, n_epochs=20, random_state=0)
    budgets = np.array([p.epoch_budgets(e) for e in range(20)])
    assert (budgets.sum(axis=1) == 60).all() and (budgets.sum(axis=0) == 12).all()
    used = np.concatenate([p.indices(e) for e in range(20)])
    assert np.unique(y[used]).size == 100
    if policy == "rs2":
        # every row exactly once per round of ceil(600 / 60) = 10 epochs
        for r in range(2):
            rows = np.concatenate([p.indices(e) for e in range(10 * r, 10 * r + 10)])
            np.testing.assert_array_equal(np.sort(rows), np.arange(600))


def test_rs2_groups_of_unequal_sizes_visit_every_row():
    # K = 10 rows of 49: the four small groups get one row each, the others ~1.3, 2.1 and
    # 2.7 rows per epoch, so each group's rows are all used within 7 epochs
    sizes = [1, 2, 3, 5, 8, 13, 17]
    y = np.repeat(np.arange(7), sizes)
    p = DynamicPruner(y.size, keep=10, policy="rs2", groups=y, random_state=4)
    np.testing.assert_allclose(p.group_shares_[4:], np.array([8, 13, 17]) * 6 / 38)
    plans = [p.indices(e) for e in range(7)]
    for e, idx in enumerate(plans):
        np.testing.assert_array_equal(_counts(idx, y), p.epoch_budgets(e))
    for g, size in enumerate(sizes):  # no row of a group twice before all its rows
        stream = np.concatenate([idx[y[idx] == g] for idx in plans])
        np.testing.assert_array_equal(np.sort(stream[:size]), np.flatnonzero(y == g))


def test_fit_dynamic_stratify_bins_a_regression_target():
    from sklearn.linear_model import SGDRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.1, size=600)
    seen = []

    class Spy(SGDRegressor):
        def partial_fit(self, X, y, sample_weight=None):
            seen.append(np.asarray(y).copy())
            return super().partial_fit(X, y, sample_weight=sample_weight)

    fit_dynamic(Spy(random_state=0), X, y, epochs=8, pruner="rs2", keep=0.25,
                stratify=True, random_state=0)
    # 10 quantile bins of 60 rows (15 per epoch); every row once per round of 4 epochs
    # (before: each of the 600 values was its own group and 150 rows were used every epoch)
    for r in range(2):
        ys = np.concatenate(seen[4 * r : 4 * r + 4])
        np.testing.assert_array_equal(np.sort(ys), np.sort(y))
    bins = np.quantile(y, np.linspace(0, 1, 11))[1:-1]
    assert (np.bincount(np.searchsorted(bins, seen[0], side="right"), minlength=10) == 15).all()


def test_continuous_or_missing_group_labels_are_refused():
    y = np.linspace(0.0, 1.0, 20) ** 2
    with pytest.raises(ValueError, match="continuous.*quantile_strata"):
        DynamicPruner(20, groups=y)
    with pytest.raises(ValueError, match=r"NaN\), at rows \[3\]"):
        DynamicPruner(4, groups=[0.0, 1.0, 1.0, np.nan])
    # whole-number floats are class labels
    assert DynamicPruner(4, groups=[0.0, 1.0, 1.0, 0.0]).groups_.tolist() == [0.0, 1.0]


def test_missing_text_group_labels_get_the_missing_values_message():
    import pandas as pd

    for g in (pd.array([1, None, 2, 2], dtype="Int64"), pd.Series(["cat", None, "dog", "dog"]),
              pd.Series(["cat", np.nan, "dog", "dog"]),
              pd.Series(["cat", None, "dog", "dog"], dtype="category"),
              np.array(["cat", None, "dog", "dog"], dtype=object)):
        with pytest.raises(ValueError, match=r"1 missing value.*at rows \[1\]: give every row"):
            DynamicPruner(4, groups=g)
    # genuinely mixed label types still get the sortable-types message
    with pytest.raises(TypeError, match="sortable"):
        DynamicPruner(3, groups=np.array([1, "a", 2.5], dtype=object))


def test_eps_greedy_with_groups_explores_eps_of_the_whole_budget():
    # 10 classes x 4 kept rows, eps=0.1: round(0.1 * 40) = 4 exploration rows per epoch in
    # all, allotted across the classes in turn (not round(0.1 * 4) = 0 in every class)
    n, k = 100, 40
    y = np.repeat(np.arange(10), 10)
    losses = np.random.default_rng(0).random(n)
    p = _seen(DynamicPruner(n, keep=k, policy="epsilon_greedy", eps=0.1, groups=y,
                            random_state=0), losses)
    top = {i for c in range(10)
           for i in np.flatnonzero(y == c)[np.argsort(-losses[y == c])[:4]]}
    explored = np.zeros(10, dtype=int)
    for e in range(20):
        idx = p.indices(e)
        np.testing.assert_array_equal(_counts(idx, y), [4] * 10)  # class budgets unchanged
        out = np.array(sorted(set(idx.tolist()) - top), dtype=np.int64)
        # 4 exploratory rows, drawn from a class's rows outside its greedy top 3 (a draw
        # may hit the class's 4th best row, 1 chance in 7)
        assert out.size <= 4
        explored += np.bincount(y[out], minlength=10)
    assert explored.sum() >= 55  # 20 epochs x 4 x 6/7 = 68.6 expected
    assert (explored >= 1).all()  # every class explores in turn
    # the allotment itself: 4 exploratory rows per epoch, each class 0.4 per epoch on average
    turns = np.sum([p._budgets(t)[3] for t in range(20)], axis=0)
    assert turns.tolist() == [8] * 10
    # no groups: unchanged, round(eps * K) rows outside the top K
    q = _seen(DynamicPruner(n, keep=k, policy="epsilon_greedy", eps=0.1, random_state=0),
              losses)
    greedy = set(np.argsort(-losses)[: k - 4].tolist())
    kept = set(q.indices(0).tolist())
    assert greedy <= kept and len(kept - greedy) == 4


@pytest.mark.parametrize("policy", ["infobatch", "rs2"])
def test_fit_dynamic_resumes_at_initial_epoch(policy):
    # a 10-epoch run split at a checkpoint (pruner.state_dict) continues with epochs 5..9:
    # InfoBatch reaches its annealing epoch, RS2 continues its round, and the result is
    # the one of a single call
    from sklearn.linear_model import SGDClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] > 0).astype(int)

    def pruner():
        p = DynamicPruner(80, keep=0.25, policy=policy, n_epochs=10, random_state=0)
        p.planned = []
        plan = p.indices
        p.indices = lambda e: (p.planned.append(e), plan(e))[1]
        return p

    one = pruner()
    clf_one = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), X, y, epochs=10,
                          pruner=one, random_state=0)
    first = pruner()
    clf = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), X, y, epochs=5,
                      pruner=first, random_state=0)
    second = pruner()
    second.load_state_dict(first.state_dict())
    fit_dynamic(clf, X, y, epochs=10, initial_epoch=5, pruner=second, random_state=0)
    assert one.planned == list(range(10))
    assert first.planned + second.planned == list(range(10))
    assert second.epoch_sizes_ == one.epoch_sizes_
    np.testing.assert_allclose(clf.coef_, clf_one.coef_)
    if policy == "infobatch":
        assert second.epoch_sizes_[9] == 80  # annealing: every row
    with pytest.raises(ValueError, match="initial_epoch"):
        fit_dynamic(clf, X, y, epochs=5, initial_epoch=5, pruner=second)
    with pytest.raises(TypeError, match="initial_epoch"):
        fit_dynamic(clf, X, y, epochs=5, initial_epoch=1.5, pruner=second)
    # a policy name would resume with a new pruner and no losses (silently, for the
    # policies that plan from them): refused, naming what to pass
    if policy == "infobatch":
        with pytest.raises(ValueError, match="pass the DynamicPruner of the first call"):
            fit_dynamic(clf, X, y, epochs=10, initial_epoch=5, pruner=policy)
    else:  # rs2 plans without losses: a new pruner replays its rounds exactly
        fit_dynamic(clf, X, y, epochs=10, initial_epoch=5, pruner=policy, random_state=0)


def test_fit_dynamic_trains_on_sparse_X():
    # TF-IDF-like scipy.sparse features, the classic partial_fit input: trained row-sliced,
    # not refused as "dtype object"
    import scipy.sparse as sp
    from sklearn.linear_model import SGDClassifier

    rng = np.random.default_rng(0)
    dense = rng.normal(size=(120, 6)) * (rng.random((120, 6)) < 0.5)
    y = (dense[:, 0] > 0).astype(int)
    for X in (sp.csr_matrix(dense), sp.coo_matrix(dense), sp.csr_array(dense)):
        pruner = DynamicPruner(120, keep=0.5, policy="ucb", random_state=0)
        clf = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), X, y, epochs=6,
                          pruner=pruner, batch_size=16, random_state=0)
        assert clf.score(dense, y) > 0.8 and pruner.n_seen_.sum() == 6 * 60
    bad = sp.csr_matrix(dense)
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit_dynamic(SGDClassifier(loss="log_loss"), bad, y, epochs=1)


def test_fit_dynamic_keeps_dataframe_feature_names():
    import pandas as pd
    from sklearn.linear_model import SGDClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    y = (X.a > 0).astype(int)
    seen = []

    def loss(est, Xb, yb):
        seen.append(list(Xb.columns))
        return np.abs(est.decision_function(Xb) - yb)

    clf = fit_dynamic(SGDClassifier(loss="log_loss", random_state=0), X, y, epochs=3,
                      pruner="ucb", loss=loss, random_state=0)
    assert clf.feature_names_in_.tolist() == ["a", "b", "c"]
    assert seen == [["a", "b", "c"]] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X has feature names, but ... fitted without"
        clf.predict(X)


def test_drop_last_with_a_batch_larger_than_the_epoch_warns():
    # drop_last=True and a batch larger than the kept rows: 0 optimizer steps per epoch
    p = DynamicPruner(100, keep=0.1, n_epochs=3, start_epoch=1, random_state=0)
    with pytest.warns(UserWarning, match=r"0 steps.*10 rows.*batch_size=16"):
        assert p.steps_per_epoch(16, 1, drop_last=True) == 0
    with pytest.warns(UserWarning, match=r"2 of the 3 epochs.*0 steps"):
        assert p.total_steps(16, drop_last=True) == 100 // 16
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert p.steps_per_epoch(16, 1) == 1 and p.steps_per_epoch(8, 1, drop_last=True) == 1
        assert p.total_steps(8, drop_last=True) == 12 + 1 + 1


@settings(max_examples=150, deadline=None)
@given(sizes=st.lists(st.integers(1, 12), min_size=2, max_size=6),
       keep=st.floats(0.05, 0.95), eps=st.floats(0.05, 0.95))
def test_eps_greedy_with_groups_explores_round_eps_k_rows_in_every_epoch(sizes, keep, eps):
    """Unequal groups: the whole parts could fall short (small groups capped at their
    budget: sizes [11, 9, 11, 1, 2], keep 0.61, eps 0.9 explored 18 of 19) or overshoot
    (sizes [5, 1, 1, 2], keep 0.2, eps 0.5: 2 of 1, a fully random epoch)."""
    y = np.repeat(np.arange(len(sizes)), sizes)
    p = DynamicPruner(len(y), keep=keep, policy="epsilon_greedy", eps=eps, groups=y,
                      random_state=0)
    for t in range(12):
        budgets, _, _, explore = p._budgets(t)
        total = int(np.floor(eps * budgets.sum() + 0.5))
        assert explore.sum() == total, (t, budgets.tolist(), explore.tolist())
        assert ((explore >= 0) & (explore <= budgets)).all()
