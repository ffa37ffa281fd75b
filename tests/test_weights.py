"""Weights: every reducer's sample_weight_ means "rows each kept row stands for"; MMD reweighting."""

import numpy as np
import pytest

from datareduce import available_reducers, get_reducer, reducer_class

# methods whose selection spans classes and whose weights do not yet respect class sizes
# (issue 17); the lead fixes the weights in base.py, then these marks come off (strict xfail
# turns into a failure as soon as the fix lands, so the marks cannot be forgotten)
_CROSS_CLASS = {"des", "nrmd"}
_SKIP = {"flow": "needs torch (flow extra) and trains a flow; its own tests cover weights"}


def _data():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (70, 3)), rng.normal(3, 1, (40, 3)),
                   rng.normal((0, 4, 0), 1, (20, 3))])
    y = np.repeat([0, 1, 2], [70, 40, 20])
    return X, y


def _methods():
    out = []
    for name in available_reducers():
        marks = []
        if name in _SKIP:
            marks.append(pytest.mark.skip(reason=_SKIP[name]))
        elif name in _CROSS_CLASS:
            marks.append(pytest.mark.xfail(strict=True, reason="cross-class selection: weights "
                                           "do not match class sizes yet (issue 17)"))
        out.append(pytest.param(name, marks=marks))
    return out


@pytest.mark.parametrize("name", _methods())
def test_sample_weight_sums_to_each_class_size(name):
    X, y = _data()
    params = {"keep": 0.2}
    if "random_state" in reducer_class(name)().get_params():
        params["random_state"] = 0
    r = get_reducer(name, **params).fit(X, y)
    w = r.sample_weight_
    assert w.shape == r.sample_indices_.shape
    assert (w > 0).all()
    assert w.sum() == pytest.approx(len(y))
    kept_y = y[r.sample_indices_]
    for c in np.unique(y):
        assert w[kept_y == c].sum() == pytest.approx((y == c).sum()), f"class {c}"
